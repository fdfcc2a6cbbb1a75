#!/bin/sh
# Integration tests of `cardroll report` and `cardroll goal`: the real binary
# on the demo district. Run from the repository root; needs sqlite3 and
# python3. Prints 'N passed, M failed' last.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
T=$(mktemp -d /tmp/cardroll-report.XXXXXX)
passed=0
failed=0
trap 'rm -rf "$T"' EXIT INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

DB=$T/r.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
# 43 cards, one voided, two opt-outs: classes with 1-4 of something.
ids=$(sqlite3 "$DB" "SELECT student_number FROM student WHERE status = 'active' ORDER BY id LIMIT 43")
# shellcheck disable=SC2086
"$BIN" --db "$DB" issue $ids >/dev/null 2>&1 || fail "cards are issued"
"$BIN" --db "$DB" void "$(echo "$ids" | sed -n 2p)" --reason "wrong child" >/dev/null 2>&1 || fail "a card is voided"
for s in $(sqlite3 "$DB" "SELECT student_number FROM student WHERE status = 'active' ORDER BY id DESC LIMIT 2"); do
	"$BIN" --db "$DB" consent "$s" opted-out >/dev/null 2>&1 || fail "an opt-out is recorded"
done
enrolled=$(sqlite3 "$DB" "SELECT count(*) FROM student WHERE status = 'active'")

out=$("$BIN" --db "$DB" report 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -Eq "^all +$enrolled +42 +0 +2 "; then
	ok "text: coverage by school with the total (42 carded of $enrolled, 2 opted out)"
else
	fail "text report" "exit $rc: $out"
fi
if "$BIN" --help | grep -q "^  report " && "$BIN" --help | grep -q "^  goal "; then
	ok "cardroll --help lists report and goal"
else
	fail "cardroll --help lists report and goal"
fi

# CSV: documented header, version 1, same column count on every line.
out=$("$BIN" --db "$DB" report --format csv --by class 2>&1); rc=$?
hdr=$(echo "$out" | head -1)
cols=$(echo "$out" | python3 -c 'import csv,sys; print(sorted({len(r) for r in csv.reader(sys.stdin)}))')
if [ $rc -eq 0 ] && [ "$hdr" = "version,section,district,school,grade,class_id,class,period,enrolled,carded,carded_before,opted_out,consent_pending,pct_covered,signups,target_pct,due,needed,days_left,per_week" ] &&
   [ "$cols" = "[20]" ] && echo "$out" | grep -q "^1,total,all,.*,$enrolled,"; then
	ok "csv: the documented columns on every line, version 1"
else
	fail "csv report" "exit $rc cols $cols: $(echo "$out" | head -3)"
fi
if echo "$out" | grep -q suppressed; then ok "csv by class suppresses small cells"; else fail "csv by class suppresses small cells" "$out"; fi

# JSON: parses; no shown count from 1 to 4; no column with one hidden cell.
out=$("$BIN" --db "$DB" report --format json --by class 2>&1); rc=$?
check=$(echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["report_version"] == 1 and r["min_cell"] == 5 and r["by"] == "class"
rows = r["coverage"] + [r["total"]]
for col in ("enrolled", "carded", "carded_before", "opted_out", "consent_pending"):
    vals = [x[col] for x in rows]
    assert not any(v is not None and 0 < v < 5 for v in vals), col
    assert sum(v is None for v in vals) != 1, col
    # every row is one of the sum: a lone hidden cell would be total - others
for x in rows:
    if x["enrolled"] is None or x["carded"] is None:
        assert x["pct_covered"] is None
bad = [k for x in r["coverage"] for k in x if k in ("given_name", "family_name", "student_id", "card")]
assert not bad
print("ok", r["suppressed_cells"])
' 2>&1)
case $check in ok\ [1-9]*) ok "json by class: small cells hidden, none recoverable ($check)" ;; *) fail "json report" "$check" ;; esac

# --out: 0600, into a missing folder exit 73 naming the path.
out=$("$BIN" --db "$DB" report --format json --out "$T/r.json" 2>&1); rc=$?
mode=$(stat -c %a "$T/r.json" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$mode" = 600 ] && python3 -m json.tool "$T/r.json" >/dev/null && [ -z "$out" ]; then
	ok "--out writes the file, mode 0600"
else
	fail "--out writes the file, mode 0600" "exit $rc mode $mode: $out"
fi
out=$("$BIN" --db "$DB" report --out "$T/no/such/r.txt" 2>&1); rc=$?
if [ $rc -eq 73 ] && echo "$out" | grep -q "$T/no/such" && [ ! -e "$T/no" ]; then
	ok "--out into a missing folder: exit 73 naming the path"
else
	fail "--out into a missing folder" "exit $rc: $out"
fi
"$BIN" --db "$DB" report --by class --out "$T/r.txt" >/dev/null 2>&1
if grep -q "suppressed" "$T/r.txt" && ! "$BIN" --db "$DB" report --by class | grep -q "suppressed"; then
	ok "text with --out is suppressed, on the terminal it is not"
else
	fail "text with --out is suppressed" "$(tail -3 "$T/r.txt")"
fi

# PDF to a pipe (its drawing is tested in tests/printers/test_report_pdf.sh).
"$BIN" --db "$DB" report --format pdf >"$T/p.pdf" 2>"$T/perr"; rc=$?
if [ $rc -eq 0 ] && [ "$(head -c 5 "$T/p.pdf")" = "%PDF-" ] && [ ! -s "$T/perr" ] &&
   pdftotext "$T/p.pdf" - 2>/dev/null | grep -q "Coverage by school"; then
	ok "report --format pdf writes a PDF to a pipe"
else
	fail "report --format pdf to a pipe" "exit $rc: $(cat "$T/perr")"
fi

# The page budget: a PDF longer than --max-pages is refused before anything
# is written, saying how long it would be; with the limit raised it is made.
# (A district of 2,000 children: its class table takes several pages.)
BIG=$T/big.db
python3 tests/tools/genroster --students 2000 --seed 5 --out "$T/bigpkg" >/dev/null 2>&1 &&
"$BIN" --db "$BIG" import --quiet "$T/bigpkg" >/dev/null 2>&1 &&
"$BIN" --db "$BIG" staff add "Maria Lopez" >/dev/null 2>&1 || fail "a district of 2,000 children is imported"
"$BIN" --db "$BIG" report --by class --format pdf --out "$T/c.pdf" >/dev/null 2>"$T/perr"; rc=$?
pages=$(pdfinfo "$T/c.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
if [ $rc -eq 0 ] && [ "${pages:-0}" -ge 2 ]; then
	ok "report --by class --format pdf: $pages pages within the default budget"
	less=$((pages - 1))
	out=$("$BIN" --db "$BIG" report --by class --format pdf --max-pages $less --out "$T/c2.pdf" 2>&1); rc=$?
	if [ $rc -eq 64 ] && [ -z "$(ls -A "$T" | grep c2)" ] &&
	   echo "$out" | grep -q "would be $pages pages" && echo "$out" | grep -q -- "--max-pages $pages\$"; then
		ok "--max-pages $less: refused with exit 64, naming the $pages pages, nothing written"
	else
		fail "--max-pages below the PDF's length" "exit $rc: $out; $(ls -A "$T")"
	fi
	"$BIN" --db "$BIG" report --by class --format pdf --max-pages "$pages" --out "$T/c3.pdf" 2>"$T/perr"; rc=$?
	if [ $rc -eq 0 ] && [ "$(pdfinfo "$T/c3.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')" = "$pages" ]; then
		ok "--max-pages $pages: the PDF is made"
	else
		fail "--max-pages at the PDF's length" "exit $rc: $(cat "$T/perr")"
	fi
	detail=$(sqlite3 "$BIG" "SELECT detail FROM audit WHERE action = 'report' ORDER BY id DESC LIMIT 1")
	case $detail in
	"pdf by class, "*) ok "the audit log names the PDF report ($detail)" ;;
	*) fail "the audit log of a PDF report" "$detail" ;;
	esac
else
	fail "report --by class --format pdf" "exit $rc, $pages pages: $(cat "$T/perr")"
fi
"$BIN" --db "$DB" report --format csv --max-pages 3 >/dev/null 2>&1; a=$?
"$BIN" --db "$DB" report --format pdf --max-pages 0 --out "$T/z.pdf" >/dev/null 2>&1; b=$?
if [ $a -eq 64 ] && [ $b -eq 64 ] && [ ! -e "$T/z.pdf" ]; then ok "--max-pages without a PDF, or of 0: exit 64"; else fail "bad --max-pages" "$a $b"; fi

# Usage errors.
"$BIN" --db "$DB" report --format xml >/dev/null 2>&1; a=$?
"$BIN" --db "$DB" report --by county >/dev/null 2>&1; b=$?
"$BIN" --db "$DB" report --since 2026-13-01 >/dev/null 2>&1; c=$?
if [ $a -eq 64 ] && [ $b -eq 64 ] && [ $c -eq 64 ]; then ok "bad --format, --by, --since: exit 64"; else fail "bad options" "$a $b $c"; fi

# min_cell below 3 is a settings error naming file and line.
printf '[report]\nmin_cell = 2\n' >"$T/bad.ini"
out=$("$BIN" --config "$T/bad.ini" --db "$DB" report --format csv 2>&1); rc=$?
if [ $rc -eq 65 ] && echo "$out" | grep -q "bad.ini:2" && echo "$out" | grep -q min_cell; then
	ok "[report] min_cell = 2 is refused, naming file and line"
else
	fail "min_cell = 2 is refused" "exit $rc: $out"
fi

# Goals.
future=$(date -d '+70 days' +%F)
school=$(sqlite3 "$DB" "SELECT name FROM school ORDER BY name LIMIT 1")
out=$("$BIN" --db "$DB" goal set --target 80 --date "$future" 2>&1); rc=$?
out2=$("$BIN" --db "$DB" goal set --school "$school" --target 50% --date "$future" 2>&1); rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && echo "$out2" | grep -q "$school	50% by $future"; then
	ok "goals are set for the programme and a school"
else
	fail "goals are set" "exit $rc/$rc2: $out $out2"
fi
out=$("$BIN" --db "$DB" report --format json 2>&1)
check=$(echo "$out" | python3 -c '
import json, sys
g = json.load(sys.stdin)["goals"]
assert [x["scope"] for x in g] == ["programme", "school"], g
assert g[0]["days_left"] == 70 and g[0]["needed"] > 0 and g[0]["per_week"] == -(-g[0]["needed"] // 10), g
print("ok")' 2>&1)
[ "$check" = ok ] && ok "the report gives each goal its distance and pace" || fail "goals in the report" "$check"

past=$(date -d '-1 day' +%F)
out=$("$BIN" --db "$DB" goal set --target 80 --date "$past" 2>&1); a=$?
echo "$out" | grep -q -- "--date" || a="$a ($out)"
out=$("$BIN" --db "$DB" goal set --target 120 --date "$future" 2>&1); b=$?
echo "$out" | grep -q -- "--target.*over 100" || b="$b ($out)"
out=$("$BIN" --db "$DB" goal set --school "Hogwarts" --target 80 --date "$future" 2>&1); c=$?
echo "$out" | grep -q -- "--school.*Hogwarts" || c="$c ($out)"
if [ "$a" = 65 ] && [ "$b" = 65 ] && [ "$c" = 65 ]; then
	ok "a past date, a target over 100%, an unknown school: exit 65 naming the field"
else
	fail "bad goals" "$a / $b / $c"
fi

# The community profile: set, shown, carried by the report; a bad date named.
out=$("$BIN" --db "$DB" profile --chief "Mayor Ana Ruiz" --superintendent "Dr. Sam Okoro" --director "Lee Park" \
	--committed 2026-09-01 2>&1); rc=$?
json=$("$BIN" --db "$DB" report --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["profile"])' 2>&1)
"$BIN" --db "$DB" profile --committed 2026-02-30 >/dev/null 2>"$T/perr"; rc2=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "superintendent *Dr. Sam Okoro" && echo "$json" | grep -q "'library_director': 'Lee Park'" &&
   [ $rc2 -eq 65 ] && grep -q -- "--committed" "$T/perr" && "$BIN" --db "$DB" report | grep -q "^Committed on 2026-09-01: Mayor Ana Ruiz"; then
	ok "cardroll profile sets and shows the commitment; the report carries it"
else
	fail "cardroll profile" "exit $rc/$rc2: $out $json $(cat "$T/perr")"
fi
if "$BIN" --help | grep -q "^  profile "; then ok "cardroll --help lists profile"; else fail "cardroll --help lists profile"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
