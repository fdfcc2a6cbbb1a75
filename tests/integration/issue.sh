#!/bin/sh
# Integration tests of `cardroll issue`: the real binary on a real database,
# several desks (processes) at once. Run from the repository root; needs
# sqlite3. Prints 'N passed, M failed' last.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
T=$(mktemp -d /tmp/cardroll-issue.XXXXXX)
passed=0
failed=0
trap 'rm -rf "$T"' EXIT INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

DB=$T/desk.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"

# The README's examples are true on a fresh import of the demo: every
# "`QUERY` finds NAME", every `cardroll find QUERY`, every class ID or
# --class "TITLE" it shows.
python3 - README.md >"$T/examples" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
for q, name in re.findall(r"`([^`]+)` finds ([^\s),;]+(?: [A-Z\u00c0-\u024f\u1e00-\u1eff][^\s),;]*)*)", t):
    print("finds\t%s\t%s" % (q, name))
for q in re.findall(r"`cardroll find ([^`]+)`", t):
    print("find\t%s\t" % q)
for c in re.findall(r"--class \"([^\"]+)\"", t) + re.findall(r"`(cls-[0-9]+)`", t):
    print("class\t%s\t" % c)
PY
n_ex=0
bad_ex=
while IFS='	' read -r kind q name; do
	n_ex=$((n_ex + 1))
	case $kind in
	finds|find)
		# shellcheck disable=SC2086
		out=$("$BIN" --db "$DB" find $q 2>&1) || { bad_ex="$bad_ex [find $q: $out]"; continue; }
		for w in $name; do
			echo "$out" | grep -q "$w" || bad_ex="$bad_ex [\`$q\` does not find $name: $out]"
		done ;;
	class)
		"$BIN" --db "$DB" classes | awk -F '\t' -v c="$q" '$1 == c || tolower($2) == tolower(c)' | grep -q . ||
			bad_ex="$bad_ex [no class $q]" ;;
	esac
done <"$T/examples"
if [ "$n_ex" -ge 4 ] && [ -z "$bad_ex" ]; then
	ok "the README's $n_ex search and class examples are true on the demo"
else
	fail "the README's examples are true on the demo" "$n_ex examples:$bad_ex"
fi

ids=$(sqlite3 "$DB" "SELECT student_number FROM student WHERE status = 'active' ORDER BY id LIMIT 221")
first=$(echo "$ids" | sed -n 1p)

out=$("$BIN" --db "$DB" issue "$first" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "	issued	$first"; then ok "a child gets a card (the student ID is the card number)"; else fail "a child gets a card" "exit $rc: $out"; fi
out=$("$BIN" --db "$DB" issue "$first" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "already.*issued by"; then ok "a second try says who issued it"; else fail "a second try says who issued it" "exit $rc: $out"; fi

out=$(CARDROLL_PIN=1111 "$BIN" --db "$DB" issue "$first" 2>&1); rc=$?
if [ $rc -eq 65 ] && echo "$out" | grep -q "name or PIN not recognised"; then ok "a wrong PIN is refused"; else fail "a wrong PIN is refused" "exit $rc: $out"; fi
out=$(env -u CARDROLL_STAFF "$BIN" --db "$DB" issue "$first" 2>&1); rc=$?
if [ $rc -eq 64 ] && echo "$out" | grep -q "who is issuing"; then ok "without a staff name it asks who is issuing"; else fail "without a staff name it asks who is issuing" "exit $rc: $out"; fi

# A card issued by mistake is voided with a reason, then issued again.
out=$("$BIN" --db "$DB" void "$first" 2>&1); rc=$?
out2=$("$BIN" --db "$DB" void "$first" --reason "wrong child" 2>&1); rc2=$?
out3=$("$BIN" --db "$DB" issue "$first" 2>&1); rc3=$?
if [ $rc -eq 64 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ] && echo "$out3" | grep -q "	issued	$first" &&
   [ "$(sqlite3 "$DB" "SELECT count(*) FROM event WHERE kind = 'void' AND detail = 'wrong child'")" = 1 ]; then
	ok "a mistaken card is voided with its reason and issued again"
else
	fail "a mistaken card is voided and issued again" "exit $rc/$rc2/$rc3: $out $out2 $out3"
fi

# A family opts out at the desk: the child is refused with the reason.
third=$(echo "$ids" | sed -n 221p)
out=$("$BIN" --db "$DB" consent "$third" opted-out 2>&1); rc=$?
out2=$("$BIN" --db "$DB" issue "$third" 2>&1); rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 65 ] && echo "$out2" | grep -q "opted out"; then
	ok "an opt-out recorded at the desk refuses the card with the reason"
else
	fail "an opt-out recorded at the desk refuses the card" "exit $rc/$rc2: $out $out2"
fi

# Two desks, the same child, the same moment: one card.
second=$(echo "$ids" | sed -n 2p)
"$BIN" --db "$DB" issue "$second" >"$T/a" 2>&1 &
pa=$!
"$BIN" --db "$DB" issue "$second" >"$T/b" 2>&1 &
pb=$!
wait $pa; wait $pb
n_issued=$(cat "$T/a" "$T/b" | grep -c "	issued	")
n_already=$(cat "$T/a" "$T/b" | grep -c "	already	")
cards=$(sqlite3 "$DB" "SELECT count(*) FROM card k JOIN student s ON s.id = k.student_id WHERE s.student_number = '$second'")
if [ "$n_issued" = 1 ] && [ "$n_already" = 1 ] && [ "$cards" = 1 ]; then
	ok "two desks issuing to one child make one card; the other desk is told"
else
	fail "two desks issuing to one child make one card" "issued $n_issued, already $n_already, cards $cards: $(cat "$T/a" "$T/b")"
fi

# Ten desks at once, twenty children each: no error, no busy database, no
# card twice, every signup in the outbox.
i=0
pids=""
while [ $i -lt 10 ]; do
	start=$((3 + i * 20))
	echo "$ids" | sed -n "${start},$((start + 19))p" >"$T/ids$i"
	"$BIN" --db "$DB" issue $(cat "$T/ids$i") >"$T/out$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
issued=$(cat "$T"/out* | grep -c "	issued	")
dups=$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT number FROM card GROUP BY number HAVING count(*) > 1)")
cards=$(sqlite3 "$DB" "SELECT count(*) FROM card")
outbox=$(sqlite3 "$DB" "SELECT count(*) FROM outbox o JOIN event e ON e.id = o.event_id WHERE e.kind = 'signup'")
# 202 cards; 203 signups, as the first child's card was voided and issued again.
if [ $bad = 0 ] && [ "$issued" = 200 ] && [ "$dups" = 0 ] && [ "$cards" = 202 ] && [ "$outbox" = 203 ] &&
   ! grep -qi "busy" "$T"/out*; then
	ok "ten desks at once: 200 cards, none twice, all in the outbox"
else
	fail "ten desks at once" "failed $bad, issued $issued, duplicates $dups, cards $cards, outbox $outbox: $(grep -v '	issued	' "$T"/out* | head -5)"
fi

# A whole class at once.
cls=$(sqlite3 "$DB" "SELECT c.sourced_id FROM class c JOIN enrollment e ON e.class_id = c.id GROUP BY c.id ORDER BY count(*) DESC LIMIT 1")
out=$("$BIN" --db "$DB" issue --class "$cls" --all-eligible --json 2>&1); rc=$?
lines=$(echo "$out" | grep -c '"outcome"')
roll=$(sqlite3 "$DB" "SELECT count(*) FROM enrollment e JOIN class c ON c.id = e.class_id JOIN student s ON s.id = e.student_id WHERE c.sourced_id = '$cls' AND s.status = 'active'")
# Every child on the roll gets a line; the only refusal may be the family
# that opted out above (exit 65 then).
other_refusals=$(echo "$out" | grep '"refused"' | grep -vc "opted out")
if { [ $rc -eq 0 ] || [ $rc -eq 65 ]; } && [ "$other_refusals" = 0 ] && [ "$lines" = "$roll" ] &&
   echo "$out" | grep '"outcome"' | python3 -c 'import sys, json; [json.loads(l) for l in sys.stdin if l.strip()]' 2>/dev/null; then
	ok "a whole class: one JSON object per child on the roll ($roll)"
else
	fail "a whole class: one JSON object per child" "exit $rc, $lines lines, roll $roll: $(echo "$out" | head -3)"
fi

# The class's slips: one job, and a slip previews as text.
out=$("$BIN" --db "$DB" slips --class "$cls" 2>&1); rc=$?
card=$(sqlite3 "$DB" "SELECT k.number FROM card k JOIN enrollment e ON e.student_id = k.student_id JOIN class c ON c.id = e.class_id WHERE c.sourced_id = '$cls' AND k.status = 'active' LIMIT 1")
prev=$("$BIN" --db "$DB" slips --preview "$card" 2>&1); rc2=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "queued [0-9]* slips of class" && [ $rc2 -eq 0 ] &&
   echo "$prev" | grep -q "Card number  $card"; then
	ok "a class's slips are queued as one job and a slip previews as text"
else
	fail "a class's slips are queued and previewed" "exit $rc/$rc2: $out $prev"
fi

# --json says who issued a card: the staff member and the desk, for a new
# card and for one issued before (at another desk).
printf '[desk]\nname = Front Desk\n' >"$T/front.ini"
printf '[desk]\nname = Back Office\n' >"$T/back.ini"
fresh=$(sqlite3 "$DB" "SELECT student_number FROM student s WHERE status = 'active' AND NOT EXISTS (SELECT 1 FROM card k WHERE k.student_id = s.id) AND NOT EXISTS (SELECT 1 FROM consent c WHERE c.student_id = s.id AND c.state = 'opted_out') ORDER BY id DESC LIMIT 1")
a=$(CARDROLL_CONFIG="$T/front.ini" "$BIN" --db "$DB" issue --json "$fresh" 2>&1); rc=$?
b=$(CARDROLL_CONFIG="$T/back.ini" "$BIN" --db "$DB" issue --json "$fresh" 2>&1); rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert a["outcome"] == "issued" and b["outcome"] == "already", (a, b)
for r in (a, b):
    assert r["issued_by"] == {"staff": "Maria Lopez", "desk": "Front Desk"}, r
' "$a" "$b" 2>"$T/py"; then
	ok "issue --json says who issued the card (staff and desk), also when it was already issued"
else
	fail "issue --json says who issued the card" "exit $rc/$rc2: $(tail -1 "$T/py") $a $b"
fi
out=$("$BIN" --db "$DB" issue --json "$third" 2>/dev/null)
if echo "$out" | python3 -c 'import json, sys; r = json.load(sys.stdin); assert r["outcome"] == "refused" and r["issued_by"] is None, r' 2>/dev/null; then
	ok "a refused child's JSON has issued_by null"
else
	fail "a refused child's JSON has issued_by null" "$out"
fi

# ---- classes: the IDs --class takes, and a class named by its title ------

out=$("$BIN" --db "$DB" classes 2>"$T/err"); rc=$?
n_db=$(sqlite3 "$DB" "SELECT count(*) FROM class WHERE status = 'active'")
n_out=$(echo "$out" | grep -c .)
if [ $rc -eq 0 ] && [ "$n_out" = "$n_db" ] && echo "$out" | grep -q "^$cls	" &&
   echo "$out" | grep "^$cls	" | grep -q "	[0-9]* enrolled	[0-9]* carded$"; then
	ok "classes lists every class ($n_db) with its ID, enrolled and carded"
else
	fail "classes lists every class with its ID" "exit $rc, $n_out lines of $n_db: $(echo "$out" | head -2) $(cat "$T/err")"
fi
"$BIN" --db "$DB" classes --json >"$T/classes.json" 2>"$T/err"; rc=$?
enrolled=$(sqlite3 "$DB" "SELECT count(*) FROM enrollment e JOIN class c ON c.id = e.class_id JOIN student s ON s.id = e.student_id AND s.school_id = c.school_id WHERE c.sourced_id = '$cls' AND s.status_code = 'a'")
carded=$(sqlite3 "$DB" "SELECT count(*) FROM enrollment e JOIN class c ON c.id = e.class_id JOIN student s ON s.id = e.student_id AND s.school_id = c.school_id JOIN card k ON k.student_id = s.id AND k.status = 'active' WHERE c.sourced_id = '$cls' AND s.status_code = 'a'")
teacher=$(sqlite3 "$DB" "SELECT coalesce(teacher, '') FROM class WHERE sourced_id = '$cls'")
if [ $rc -eq 0 ] && python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == int(sys.argv[2]), len(rows)
for r in rows:
    assert set(r) == {"class_id", "title", "teacher", "school", "school_id", "grades", "enrolled", "carded"}, r
    assert isinstance(r["enrolled"], int) and isinstance(r["carded"], int) and r["carded"] <= r["enrolled"], r
c = [r for r in rows if r["class_id"] == sys.argv[3]][0]
assert c["enrolled"] == int(sys.argv[4]) and c["carded"] == int(sys.argv[5]), c
assert c["carded"] > 0 and c["teacher"] == sys.argv[6], c
' "$T/classes.json" "$n_db" "$cls" "$enrolled" "$carded" "$teacher" 2>"$T/py"; then
	ok "classes --json: class_id, title, teacher, counts that match the roll ($carded of $enrolled carded)"
else
	fail "classes --json" "exit $rc: $(tail -1 "$T/py") $(cat "$T/err")"
fi
n1=$("$BIN" --db "$DB" classes --school "marie curie ELEMENTARY" 2>/dev/null | grep -c .)
n2=$("$BIN" --db "$DB" classes --school sch-0102 2>/dev/null | grep -c .)
"$BIN" --db "$DB" classes --school "No Such School" >/dev/null 2>"$T/err"; rc=$?
if [ "$n1" = 6 ] && [ "$n2" = 7 ] && [ $rc -eq 66 ] && grep -q "no school" "$T/err"; then
	ok "classes --school takes a school's name (case ignored) or ID; an unknown one exits 66"
else
	fail "classes --school" "name $n1 (want 6), ID $n2 (want 7), unknown exit $rc: $(cat "$T/err")"
fi

# A class by its title: issue --class and slips --class.
other=$(sqlite3 "$DB" "SELECT sourced_id FROM class WHERE sourced_id <> '$cls' AND status = 'active' ORDER BY sourced_id LIMIT 1")
title=$(sqlite3 "$DB" "SELECT title FROM class WHERE sourced_id = '$other'")
roll2=$(sqlite3 "$DB" "SELECT count(*) FROM enrollment e JOIN class c ON c.id = e.class_id JOIN student s ON s.id = e.student_id AND s.school_id = c.school_id WHERE c.sourced_id = '$other' AND s.status_code = 'a'")
out=$("$BIN" --db "$DB" issue --class "$title" --all-eligible 2>&1); rc=$?
lines=$(echo "$out" | grep -c "	issued	\|	already	\|	refused	")
out2=$("$BIN" --db "$DB" slips --class "$title" 2>&1); rc2=$?
if { [ $rc -eq 0 ] || [ $rc -eq 65 ]; } && [ "$lines" = "$roll2" ] && [ $rc2 -eq 0 ] &&
   echo "$out2" | grep -q "slips of class $other "; then
	ok "issue --class and slips --class take a class's title ('$title')"
else
	fail "issue/slips --class take a title" "exit $rc/$rc2, $lines lines of $roll2: $(echo "$out" | tail -2) $out2"
fi

# Two classes with one title: an error that lists both with their IDs.
sqlite3 "$DB" "UPDATE class SET title = 'Library Club' WHERE sourced_id IN ('$cls', '$other')"
out=$("$BIN" --db "$DB" issue --class "library club" --all-eligible 2>&1); rc=$?
out2=$("$BIN" --db "$DB" slips --class "Library Club" 2>&1); rc2=$?
if [ $rc -eq 65 ] && [ $rc2 -eq 65 ] && echo "$out" | grep -q "$cls" && echo "$out" | grep -q "$other" &&
   echo "$out2" | grep -q "$cls" && echo "$out2" | grep -q "$other" && ! echo "$out" | grep -q "	issued	"; then
	ok "a title two classes have is an error listing both class IDs (exit 65)"
else
	fail "an ambiguous class title is an error listing the IDs" "exit $rc/$rc2: $out $out2"
fi
out=$("$BIN" --db "$DB" issue --class "no such class" --all-eligible 2>&1); rc=$?
if [ $rc -eq 66 ] && echo "$out" | grep -q "cardroll classes"; then
	ok "an unknown class exits 66 and points to cardroll classes"
else
	fail "an unknown class exits 66" "exit $rc: $out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
