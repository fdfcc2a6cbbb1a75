#!/bin/sh
# Crowd (issue 14): 20 desks (processes) on one database for a bounded time
# (TORTURE_CROWD_S: 20 s; 120 s with TORTURE_FULL=1), each a loop of
# signups (children drawn at random, so desks race for the same child),
# voids of its own cards, slips printed to PDF, progress reports, and, at
# two desks, delta imports. Checks: no error reaches a person (nothing but
# the rules' refusals on stderr; no exit 70/75), no card number twice and
# no child with two active cards, and the counts reconcile exactly: the
# cards, voids, events and outbox rows in the database are what the desks
# were told, and the report's total carded is the database's.
# Env: CARDROLL_BIN, TORTURE_SEED, TORTURE_FULL, TORTURE_CROWD_S, TORTURE_DESKS.
set -u
PART=crowd
. "$(dirname "$0")/lib.sh"
SECS=${TORTURE_CROWD_S:-20}; [ "$FULL" = 1 ] && SECS=${TORTURE_CROWD_S:-120}
DESKS=${TORTURE_DESKS:-20}
export HOME=$T CARDROLL_STAFF="Crowd Admin" CARDROLL_PIN=2468
DB=$T/crowd.db
echo "crowd: seed $SEED, $DESKS desks for $SECS s"

python3 "$GEN" --students 2000 --schools 3 --seed "$SEED" --out "$T/bulk" >/dev/null || exit 70
for d in 1 2; do
	python3 "$GEN" --delta-from "$T/bulk" --seed "$((SEED + d))" --change-rate 0.01 --out "$T/delta$d" >/dev/null || exit 70
done
"$BIN" --db "$DB" import --quiet "$T/bulk" >/dev/null 2>&1 || { fail "the district imports"; exit 1; }
"$BIN" --db "$DB" staff add "Crowd Admin" >/dev/null 2>&1 || { fail "the admin is added"; exit 1; }
q "$DB" "SELECT student_number FROM student WHERE status_code = 'a' AND student_number IS NOT NULL ORDER BY id" >"$T/ids"
nids=$(wc -l <"$T/ids")
# Cards from before the crowd (some to void and print).
for c in $(q "$DB" "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 3"); do
	"$BIN" --db "$DB" issue --class "$c" --all-eligible >/dev/null 2>&1
done
q "$DB" "SELECT number FROM card ORDER BY id" >"$T/base-cards"
[ "$(wc -l <"$T/base-cards")" -ge 50 ] || { fail "enough cards before the crowd" "$(wc -l <"$T/base-cards")"; exit 1; }
q "$DB" "SELECT student_number FROM student WHERE status_code = 'a' AND student_number IS NOT NULL ORDER BY id" >"$T/ids"
base_cards=$(q "$DB" "SELECT count(*) FROM card")
base_voids=$(($(q "$DB" "SELECT count(*) FROM card WHERE status = 'void'") - base_voids))
base_events=$(q "$DB" "SELECT count(*) FROM event")

desk() {   # desk N: one desk's loop until the deadline; its log in $T/desk-N.*
	n=$1; RS=$((SEED * 100 + n)); end=$(( $(date +%s) + SECS ))
	printf '[desk]\nname = Desk %s\n[report]\nmin_cell = 5\n' "$n" >"$T/desk-$n.ini"
	: >"$T/desk-$n.issued"; : >"$T/desk-$n.voided"; : >"$T/desk-$n.err"; : >"$T/desk-$n.rc"
	run() { "$BIN" --db "$DB" --config "$T/desk-$n.ini" "$@" 2>>"$T/desk-$n.err"; echo "$? $1" >>"$T/desk-$n.rc"; }
	# Each desk starts at another point of the round (so even a desk that
	# gets through few commands on a loaded machine adds to the mix):
	# three signups of five children, a void, a slip, two reports, and at
	# desks 1 and 2 a delta import (a report elsewhere).
	i=0
	while [ "$(date +%s)" -lt "$end" ]; do
		act=$(( (n + i) % 8 )); i=$((i + 1))
		case $act in
		0|1|2)
			ids=""; for k in 1 2 3 4 5; do rnd "$nids"; ids="$ids $(sed -n "$((RND + 1))p" "$T/ids")"; done
			# shellcheck disable=SC2086
			run issue $ids | awk -F'\t' '$2 == "issued" { print $3 }' >>"$T/desk-$n.issued" ;;
		3)	# its own newest card, else the setup's card of this desk
			card=$(grep -vxF -f "$T/desk-$n.voided" "$T/desk-$n.issued" 2>/dev/null | tail -1)
			if [ -z "$card" ] && ! grep -q . "$T/desk-$n.voided"; then card=$(sed -n "${n}p" "$T/base-cards"); fi
			[ -n "$card" ] && run void "$card" --reason "crowd test: issued by mistake" | cut -f1 >>"$T/desk-$n.voided" ;;
		4)	card=$(tail -1 "$T/desk-$n.issued"); [ -n "$card" ] || card=$(sed -n "$((n + 30))p" "$T/base-cards")
			run print --card "$card" --driver pdf --out "$T/desk-$n.pdf" >/dev/null ;;
		7)	if [ "$n" -le 2 ]; then rnd 2; run import --quiet "$T/delta$((RND + 1))" >/dev/null
			else run report --format json --out "$T/desk-$n.json" >/dev/null; fi ;;
		*)	run report --format json --out "$T/desk-$n.json" >/dev/null ;;
		esac
	done
}

t0=$(date +%s)
d=1
while [ $d -le "$DESKS" ]; do
	desk "$d" &
	PIDS="$PIDS $!"
	d=$((d + 1))
done
for p in $PIDS; do wait "$p"; done
PIDS=""
el=$(($(date +%s) - t0))

ops=$(cat "$T"/desk-*.rc | wc -l)
# inputs: the children signed up (five an issue command) and the other commands
trials=$ops; inputs=$(cat "$T"/desk-*.rc | awk '$2 == "issue" { n += 5; next } { n++ } END { print n + 0 }')
by=$(cat "$T"/desk-*.rc | awk '{ print $2 }' | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
# (an issue command is five signups.) Exit statuses a person may see: 0, and 65 for a child the rules refuse
# (or a delta's rejected rows), and 66 for printing a card another desk voided a moment before
# ("no card in use has the number given"). 70 (internal) or 75 (busy) is an error.
badrc=$(cat "$T"/desk-*.rc | awk '$1 != 0 && $1 != 65 && !($1 == 66 && $2 == "print")' | sort | uniq -c | head -5 | tr '\n' ';')
errs=$(cat "$T"/desk-*.err | grep -v '^$' | grep -vi "could not be given a card\|refused\|already has\|not in the programme\|opted out\|consent\|grade\|rows were rejected\|rejected\|no card in use has the number given" | sort | uniq -c | sort -rn | head -5)
if [ -z "$badrc" ] && [ -z "$errs" ]; then ok "$DESKS desks for $el s: $ops operations ($by) and no error reached a person"
else fail "no error reaches a person" "exits: $badrc; stderr: $errs"; fi

dup=$(q "$DB" "SELECT count(*) FROM (SELECT number FROM card GROUP BY number HAVING count(*) > 1)
	UNION ALL SELECT count(*) FROM (SELECT student_id FROM card WHERE status = 'active' GROUP BY student_id HAVING count(*) > 1)" | tr '\n' ' ')
[ "$dup" = "0 0 " ] && ok "no card number twice, no child with two active cards" || { lost=$((lost + 1)); fail "no duplicate card" "$dup"; }

issued=$(cat "$T"/desk-*.issued | grep -c .)
voided=$(cat "$T"/desk-*.voided | grep -c .)
uniq_issued=$(cat "$T"/desk-*.issued | sort -u | grep -c .)
cards=$(q "$DB" "SELECT count(*) FROM card")
voids=$(q "$DB" "SELECT count(*) FROM card WHERE status = 'void'")
events=$(q "$DB" "SELECT count(*) FROM event")
outbox=$(q "$DB" "SELECT count(*) FROM outbox")
vevents=$(q "$DB" "SELECT count(*) FROM event WHERE kind = 'void'")
# With card numbers from the student ID, a child whose card was voided and
# who is signed up again gets the same number back: the void row is
# reissued, not a new row. Those are the voided numbers active again.
cat "$T"/desk-*.voided | grep . | sort -u >"$T/voided.all"
sort -u "$T/base-cards" >"$T/base-cards.s"
again=0
for c in $(cat "$T/voided.all"); do
	[ "$(q "$DB" "SELECT count(*) FROM card WHERE number = '$c' AND status = 'active'")" -eq 1 ] && again=$((again + 1))
done
# A number can go round more than once (issued, voided, issued again at
# another desk, voided again): the card rows are the distinct numbers the
# desks issued that were not cards before, and the void ones the distinct
# numbers voided that are not active again.
new_issued=$(cat "$T"/desk-*.issued | grep . | sort -u | comm -23 - "$T/base-cards.s" | grep -c .)
uniq_voided=$(grep -c . "$T/voided.all")
msg="told: $issued issued ($uniq_issued distinct, $new_issued not cards before), $voided voided ($uniq_voided distinct), $again of those issued again; database: $((cards - base_cards)) new cards, $voids void, $((events - base_events)) new events, $outbox outbox rows"
if [ $((cards - base_cards)) -eq "$new_issued" ] && [ "$voids" -eq $((uniq_voided - again)) ] &&
   [ "$vevents" -eq "$voided" ] && [ $((events - base_events)) -eq $((issued + voided)) ] && [ "$outbox" -eq "$events" ]; then
	ok "counts reconcile exactly ($msg)"
else
	lost=$((lost + 1)); fail "counts reconcile exactly" "$msg"
fi
faults=$(cat "$T"/desk-*.rc | awk '$2 == "import"' | wc -l)

# The report a desk writes now counts what the database holds.
"$BIN" --db "$DB" report --format json --out "$T/final.json" >/dev/null 2>&1
carded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["carded"])' "$T/final.json" 2>/dev/null)
want=$(q "$DB" "SELECT count(DISTINCT k.student_id) FROM card k JOIN student s ON s.id = k.student_id
	WHERE k.status = 'active' AND s.status_code = 'a'")
if [ "$carded" = "$want" ] || { [ "$carded" = None ] && [ "$want" -lt 5 ]; }; then ok "the report's total carded ($carded) is the database's"
else fail "the report's total carded is the database's" "report $carded, database $want"; fi
[ "$(q "$DB" "PRAGMA integrity_check")" = ok ] && ok "integrity_check ok" || fail "integrity_check ok"

summary
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
