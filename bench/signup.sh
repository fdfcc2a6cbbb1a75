#!/bin/sh
# Desk benchmark: 20 processes issuing cards at once on one database, 5,000
# signups in all, against one process issuing the same 5,000 alone (same
# run, same machine). Checks: no error, no card number twice, no signup
# lost (every card has its event and outbox row). Usage, from the
# repository root after `make all`:  sh bench/signup.sh [PROCS] [SIGNUPS]
set -u
BIN=$(pwd)/build/cardroll
GEN=$(pwd)/tests/tools/genroster
PROCS=${1:-20}
TOTAL=${2:-5000}
W=$(mktemp -d /tmp/cardroll-signup-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export CARDROLL_STAFF="Bench Admin" CARDROLL_PIN=2468 HOME=$W

python3 "$GEN" --students $((TOTAL + 500)) --seed 21 --out "$W/pkg" >/dev/null || exit 2
"$BIN" --db "$W/base.db" import --quiet "$W/pkg" || exit 2
"$BIN" --db "$W/base.db" staff add "Bench Admin" >/dev/null || exit 2
sqlite3 "$W/base.db" "SELECT student_number FROM student WHERE status = 'active' AND student_number IS NOT NULL ORDER BY random() LIMIT $TOTAL" >"$W/ids"
[ "$(wc -l <"$W/ids")" -eq "$TOTAL" ] || { echo "not enough students"; exit 2; }

now() { date +%s.%N; }

check() {
	db=$1
	cards=$(sqlite3 "$db" "SELECT count(*) FROM card")
	dups=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT number FROM card GROUP BY number HAVING count(*) > 1)")
	lost=$(sqlite3 "$db" "SELECT count(*) FROM card k WHERE NOT EXISTS (SELECT 1 FROM event e JOIN outbox o ON o.event_id = e.id WHERE e.card_id = k.id AND e.kind = 'signup')")
	integ=$(sqlite3 "$db" "PRAGMA integrity_check")
	echo "cards=$cards (expected $2) duplicates=$dups lost=$lost integrity=$integ"
	[ "$cards" -eq "$2" ] && [ "$dups" -eq 0 ] && [ "$lost" -eq 0 ] && [ "$integ" = ok ]
}

# One process alone (xargs keeps each command line a reasonable length).
cp "$W/base.db" "$W/one.db"
t0=$(now)
xargs -n 250 "$BIN" --db "$W/one.db" issue <"$W/ids" >"$W/one.out" 2>"$W/one.err"
t1=$(now)
one=$(echo "$t1 - $t0" | bc)
# The rules refuse a few (a likely duplicate needs a person): both runs must
# issue exactly the same children.
issued=$(grep -c "	issued	" "$W/one.out")
refused=$(grep -c "	refused	" "$W/one.out")
echo "1 process:  $TOTAL attempts ($issued issued, $refused refused by the rules) in ${one} s"
check "$W/one.db" "$issued" || { echo "FAIL: one process"; exit 1; }

# PROCS processes at once.
cp "$W/base.db" "$W/many.db"
split -n l/"$PROCS" "$W/ids" "$W/part."
t0=$(now)
pids=""
for f in "$W"/part.*; do
	xargs -n 250 "$BIN" --db "$W/many.db" issue <"$f" >"$f.out" 2>"$f.err" &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done   # exit 65 = some refused by the rules
t1=$(now)
many=$(echo "$t1 - $t0" | bc)
errors=$(cat "$W"/part.*.err | grep -v '^$' | grep -vc "could not be given a card")
echo "$PROCS processes: $TOTAL attempts in ${many} s ($errors error lines)"
check "$W/many.db" "$issued" || { echo "FAIL: $PROCS processes"; exit 1; }
[ "$errors" -eq 0 ] || { echo "FAIL: errors"; cat "$W"/part.*.err | head; exit 1; }
echo "rate: 1 process $(echo "$TOTAL / $one" | bc) signups/s, $PROCS processes $(echo "$TOTAL / $many" | bc) signups/s (ratio $(echo "scale=2; $one / $many" | bc))"
echo "PASS"
