#!/bin/sh
# Crash (issue 14): kill -9 the importer, the syncer, the printer and the
# desk (the real TUI in a pty, through tests/torture/tuikill) at random
# moments, TORTURE_KILLS times in all (30; 200 with TORTURE_FULL=1), with
# signups committed between the kills. After each kill: integrity_check
# ok, no committed signup lost (the cards `issue` reported and the cards
# the desk showed as issued are all there), no card number twice, every
# card with its event and outbox row, every printed slip's card there.
# At the end a sync drains the outbox to the loopback test ILS
# (tests/sync/ilsd.py), which must hold each card exactly once.
# Env: CARDROLL_BIN, TUIKILL, TORTURE_SEED, TORTURE_FULL, TORTURE_KILLS.
set -u
PART=crash
. "$(dirname "$0")/lib.sh"
TUIKILL=${TUIKILL:-$ROOT/build/tests/tuikill}
KILLS=${TORTURE_KILLS:-30}; [ "$FULL" = 1 ] && KILLS=${TORTURE_KILLS:-200}
export HOME=$T CARDROLL_STAFF="Crash Admin" CARDROLL_PIN=2468 CARDROLL_BIN=$BIN
DB=$T/desk.db
echo "crash: seed $SEED, $KILLS kills"

python3 "$GEN" --students 400 --schools 2 --seed "$SEED" --out "$T/bulk" >/dev/null || exit 70
for d in 1 2 3; do
	python3 "$GEN" --delta-from "$T/bulk" --seed "$((SEED + d))" --change-rate 0.03 --out "$T/delta$d" >/dev/null || exit 70
done
"$BIN" --db "$DB" import --quiet "$T/bulk" >/dev/null 2>&1 || { fail "the district imports"; exit 1; }
"$BIN" --db "$DB" staff add "Crash Admin" >/dev/null 2>&1 || { fail "the admin is added"; exit 1; }
for c in $(q "$DB" "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 3"); do
	"$BIN" --db "$DB" issue --class "$c" --all-eligible >/dev/null 2>&1
done
q "$DB" "SELECT number FROM card" >"$T/committed"
q "$DB" "SELECT s.student_number FROM student s WHERE s.status_code = 'a' AND s.student_number IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM card k WHERE k.student_id = s.id) ORDER BY s.id" >"$T/free"
: >"$T/seen"
printf '[desk]\nname = Crash\n' >"$T/desk.ini"

python3 "$ROOT/tests/sync/ilsd.py" --port 0 --port-file "$T/port" --user koha --password pw \
	--delay 0.01-0.03 --state "$T/ils.json" 2>"$T/ilsd.log" &
PIDS="$PIDS $!"
k=0; while [ ! -s "$T/port" ] && [ $k -lt 200 ]; do sleep 0.05; k=$((k + 1)); done
PORT=$(cat "$T/port")
cat >"$T/sync.ini" <<INI
[sync]
target = koha
url = http://127.0.0.1:$PORT
auth = basic
user = koha
password = pw
library_id = CPL
category = ST
attribute = STUID
timeout_ms = 2000
backoff_max_s = 1
batch = 1
INI
chmod 600 "$T/sync.ini" "$T/desk.ini"

next_free() {   # FREE_ID: the next child without a card (from the top of the list)
	FREE_ID=$(head -1 "$T/free"); sed -i 1d "$T/free"
}
commit_one() {   # a signup that finishes: its card must survive every kill after
	next_free; [ -n "$FREE_ID" ] || return
	if "$BIN" --db "$DB" issue "$FREE_ID" >"$T/issue.out" 2>>"$T/issue.err"; then
		cut -f3 "$T/issue.out" | grep -v '^$' >>"$T/committed"
	fi
}
check() {   # check LABEL: the invariants after a kill
	integ=$(q "$DB" "PRAGMA integrity_check")
	[ "$integ" = ok ] || { lost=$((lost + 1)); fail "$1: integrity_check" "$integ"; return 1; }
	q "$DB" "SELECT number FROM card" | sort >"$T/have"
	missing=$(sort -u "$T/committed" | comm -23 - "$T/have" | head -3)
	[ -z "$missing" ] || { lost=$((lost + 1)); fail "$1: a committed signup lost" "$(echo "$missing" | wc -l) card(s)"; return 1; }
	seen_missing=$(sort -u "$T/seen" | comm -23 - "$T/have" | head -3)
	[ -z "$seen_missing" ] || { lost=$((lost + 1)); fail "$1: a card the desk showed as issued is gone"; return 1; }
	dup=$(q "$DB" "SELECT count(*) FROM (SELECT number FROM card GROUP BY number HAVING count(*) > 1)
		UNION ALL SELECT count(*) FROM (SELECT student_id FROM card WHERE status = 'active' GROUP BY student_id HAVING count(*) > 1)" | tr '\n' ' ')
	[ "$dup" = "0 0 " ] || { fail "$1: no card number or child twice" "$dup"; return 1; }
	orphan=$(q "$DB" "SELECT count(*) FROM card k WHERE NOT EXISTS (SELECT 1 FROM event e JOIN outbox o ON o.event_id = e.id
		WHERE e.card_id = k.id AND e.kind = 'signup')")
	[ "$orphan" -eq 0 ] || { lost=$((lost + 1)); fail "$1: every card has its signup event and outbox row" "$orphan without"; return 1; }
	noslip=$(q "$DB" "SELECT count(*) FROM print_item i LEFT JOIN card k ON k.id = i.card_id WHERE k.id IS NULL")
	[ "$noslip" -eq 0 ] || { lost=$((lost + 1)); fail "$1: every slip's card is there" "$noslip without"; return 1; }
	return 0
}
pdf_cards_ok() {   # pdf_cards_ok FILE: every card number printed in FILE is a card
	pdftotext -layout "$1" - 2>/dev/null >"$T/pdf.txt" || return 0   # cut short by the kill: not a PDF
	grep -o '[0-9]\{6,\}' "$T/pdf.txt" | sort -u >"$T/pdfnums"
	notcard=$(comm -23 "$T/pdfnums" "$T/have" | while read -r num; do
		# digits that are not a card: the class ID or an expiry; a card always starts a line's number
		q "$DB" "SELECT count(*) FROM student WHERE student_number = '$num'" | grep -q '^1$' && echo "$num"; done | head -1)
	[ -z "$notcard" ]
}

kill_after() {   # kill_after MS PID: SIGKILL to PID after MS; 1 when it was still running
	sleep "$(awk "BEGIN { printf \"%.3f\", $1 / 1000 }")"
	if kill -9 "$2" 2>/dev/null; then wait "$2" 2>/dev/null; return 0; fi
	wait "$2" 2>/dev/null; return 1
}

t0=$(date +%s)
n=0; live=0; bad=0
classes=$(q "$DB" "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 6")
while [ $n -lt "$KILLS" ]; do
	n=$((n + 1)); trials=$((trials + 1))
	commit_one
	rnd 4; who=$RND
	case $who in
	0)	rnd 4; pkg=$T/bulk; [ $RND -gt 0 ] && pkg=$T/delta$RND
		"$BIN" --db "$DB" import --quiet "$pkg" >/dev/null 2>>"$T/import.err" &
		pid=$!; rnd 900; what="import of $(basename "$pkg") after ${RND} ms" ;;
	1)	"$BIN" --db "$DB" --config "$T/sync.ini" sync >/dev/null 2>>"$T/sync.err" &
		pid=$!; rnd 400; what="sync after ${RND} ms" ;;
	2)	rnd 6; c=$(echo "$classes" | sed -n "$((RND + 1))p")
		"$BIN" --db "$DB" print --class "$c" --driver pdf --out "$T/slips-$n.pdf" >/dev/null 2>>"$T/print.err" &
		pid=$!; rnd 700; what="print of class $c after ${RND} ms" ;;
	3)	head -40 "$T/free" >"$T/tui-ids"
		rnd 2500; ms=$((RND + 400))
		"$TUIKILL" "$DB" "$T/desk.ini" "$T/tui-ids" "$T/seen" "$ms" 2>>"$T/tui.log"; rc=$?
		[ $rc -eq 2 ] && fail "kill $n: the desk starts" "$(tail -3 "$T/tui.log")"
		# the children the desk reached are no longer free
		sort -u "$T/seen" >"$T/seen.s"; grep -vxF -f "$T/seen.s" "$T/free" >"$T/free.new"; mv "$T/free.new" "$T/free"
		pid=""; what="desk after ${ms} ms"; live=$((live + 1)) ;;
	esac
	if [ -n "$pid" ]; then
		kill_after "$RND" "$pid" && live=$((live + 1))
	fi
	faults=$((faults + 1))
	check "kill $n ($what)" || { bad=$((bad + 1)); [ -n "${KEEP:-}" ] && break; continue; }
	if [ "$who" -eq 2 ] && [ -f "$T/slips-$n.pdf" ] && ! pdf_cards_ok "$T/slips-$n.pdf"; then
		bad=$((bad + 1)); lost=$((lost + 1)); fail "kill $n ($what): every printed slip has its card"
	fi
	rm -f "$T/slips-$n.pdf"
done
inputs=$(sort -u "$T/committed" "$T/seen" | wc -l)
[ $bad -eq 0 ] && ok "$n kills in $(($(date +%s) - t0)) s ($live landed while working): integrity ok, $(sort -u "$T/committed" | wc -l) committed cards and $(sort -u "$T/seen" | wc -l) cards seen at the desk all kept, no number twice, every card with its outbox row and every slip with its card"
grep -v "^$" "$T/tui.log" | grep -c "cards issued on screen" >/dev/null

# What was queued to print comes out whole.
"$BIN" --db "$DB" print --pending --driver pdf --out "$T/final.pdf" >/dev/null 2>"$T/final-print.err"
left=$(q "$DB" "SELECT count(*) FROM print_job WHERE state <> 'done'")
if [ "$left" -eq 0 ]; then ok "after the kills, print --pending leaves no job queued, sending or failed"
else fail "print --pending finishes every job" "$left left: $(head -c 200 "$T/final-print.err")"; fi

# A final sync: the ILS holds each card exactly once.
runs=0
while [ $runs -lt 15 ]; do
	runs=$((runs + 1))
	"$BIN" --db "$DB" --config "$T/sync.ini" sync >"$T/final.out" 2>&1
	[ "$(q "$DB" "SELECT count(*) FROM outbox WHERE state <> 'done'")" -eq 0 ] && break
	sleep 1
done
notdone=$(q "$DB" "SELECT state || ' ' || count(*) FROM outbox WHERE state <> 'done' GROUP BY state" | tr '\n' ' ')
[ -z "$notdone" ] && ok "every outbox row done after $runs final syncs" || fail "every outbox row done" "$notdone"
q "$DB" "SELECT number FROM card ORDER BY number" >"$T/cards.txt"
python3 -c 'import json,sys,urllib.request as u
d=json.load(u.urlopen("http://127.0.0.1:%s/_control/stats" % sys.argv[1]))
want=[l.strip() for l in open(sys.argv[2]) if l.strip()]
bad=[c for c in want if d["cardnumbers"].get(c) != 1]
extra=set(d["cardnumbers"]) - set(want)
msg=[]
if bad: msg.append("%d cards not exactly once, e.g. x%s" % (len(bad), d["cardnumbers"].get(bad[0])))
if extra: msg.append("%d unknown cards" % len(extra))
if d["patrons"] != len(want): msg.append("%d patrons for %d cards" % (d["patrons"], len(want)))
print("; ".join(msg)); sys.exit(1 if msg else 0)' "$PORT" "$T/cards.txt" >"$T/once.txt"
if [ $? -eq 0 ]; then ok "the test ILS holds each of the $(wc -l <"$T/cards.txt") cards exactly once, one patron each"
else lost=$((lost + 1)); fail "each child exactly once on the ILS" "$(cat "$T/once.txt")"; fi
if grep -il "segmentation\|internal error\|assert" "$T"/*.err >/dev/null 2>&1; then
	fail "no crash message from a killed run's successors" "$(grep -ih "segmentation\|internal error\|assert" "$T"/*.err | head -2)"
fi

summary
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
