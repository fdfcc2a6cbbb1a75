#!/bin/sh
# cardroll purge killed midway (kill -9 at random moments, PURGE_KILLS
# times, default 8) leaves the database exactly before or exactly after:
# integrity_check ok, and either every withdrawn child is there with no
# signup counts kept, or none is and the counts are all kept, with one
# purge row in the audit. Then a purge to the end. Run from the repository
# root; env CARDROLL_BIN. Prints 'N passed, M failed'.
set -u

ROOT=$(pwd)
BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
KILLS=${PURGE_KILLS:-8}
T=$(mktemp -d /tmp/cardroll-purgekill.XXXXXX)
passed=0
failed=0
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

export HOME=$T CARDROLL_STAFF="Wilhelmina Ostrander" CARDROLL_PIN=2468
BASE=$T/base.db
DB=$T/work.db
"$ROOT/tests/tools/genroster" --students 3000 --seed 41 --out "$T/d1" >/dev/null 2>&1 &&
	"$ROOT/tests/tools/genroster" --delta-from "$T/d1" --seed 42 --change-rate 0.15 --out "$T/d2" >/dev/null 2>&1 ||
	{ fail "genroster"; exit 1; }
cat >"$T/cardroll.ini" <<EOF
[retention]
withdrawn_days = 0
EOF
"$BIN" --db "$BASE" import --quiet "$T/d1" >/dev/null 2>&1
"$BIN" --db "$BASE" staff add "Wilhelmina Ostrander" >/dev/null 2>&1
for c in $(sqlite3 "$BASE" "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 15"); do
	"$BIN" --db "$BASE" issue --class "$c" --all-eligible >/dev/null 2>&1
done
# The events reached the library system (what `cardroll sync` would mark).
sqlite3 "$BASE" "UPDATE outbox SET state = 'done'"
"$BIN" --db "$BASE" import --quiet "$T/d2" >/dev/null 2>&1
students=$(sqlite3 "$BASE" "SELECT count(*) FROM student")
nw=$(sqlite3 "$BASE" "SELECT count(*) FROM student WHERE status = 'withdrawn'")
active=$(sqlite3 "$BASE" "SELECT count(*) FROM card c JOIN student s ON s.id = c.student_id
                          WHERE s.status = 'withdrawn' AND c.status = 'active'")
audits=$(sqlite3 "$BASE" "SELECT count(*) FROM audit WHERE action = 'purge'")
if [ "$nw" -gt 100 ] && [ "$active" -gt 0 ]; then
	ok "$nw of $students children withdrawn, $active of them with an active card"
else
	fail "a district to purge" "$nw withdrawn, $active carded"; echo "$passed passed, $failed failed"; exit 1
fi

# state: "before", "after" or what is wrong
state() {
	sqlite3 "$DB" "SELECT (SELECT integrity_check FROM pragma_integrity_check),
	  (SELECT count(*) FROM student), (SELECT coalesce(sum(n), 0) FROM purged_signups),
	  (SELECT count(*) FROM audit WHERE action = 'purge')" | {
		IFS='|' read -r integ n kept a
		if [ "$integ" != ok ]; then echo "integrity: $integ"
		elif [ "$n" = "$students" ] && [ "$kept" = 0 ] && [ "$a" = "$audits" ]; then echo before
		elif [ "$n" = $((students - nw)) ] && [ "$kept" = "$active" ] && [ "$a" = $((audits + 1)) ]; then echo after
		else echo "half: $n students, $kept kept, $a purge rows"; fi
	}
}

# How long a whole purge takes here: the kills land anywhere in it.
cp "$BASE" "$DB"
t0=$(date +%s%N)
"$BIN" --config "$T/cardroll.ini" --db "$DB" purge >/dev/null 2>&1
ms=$((($(date +%s%N) - t0) / 1000000 + 1))
befores=0 afters=0 bad=""
i=0
while [ $i -lt "$KILLS" ]; do
	i=$((i + 1))
	cp "$BASE" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	"$BIN" --config "$T/cardroll.ini" --db "$DB" purge >/dev/null 2>&1 &
	pid=$!
	d=$(($(od -An -N2 -tu2 /dev/urandom) % ms))
	sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	s=$(state)
	case $s in
	before) befores=$((befores + 1)) ;;
	after) afters=$((afters + 1)) ;;
	*) bad="$bad [$i: $s]" ;;
	esac
done
[ -z "$bad" ] && ok "$KILLS purges killed at random within ${ms} ms: $befores left it before, $afters after, none half done" ||
	fail "a killed purge is all or nothing" "$bad"

# Finished by a purge to the end.
"$BIN" --config "$T/cardroll.ini" --db "$DB" purge >/dev/null 2>&1
s=$(state)
[ "$s" = after ] || [ "$(sqlite3 "$DB" "SELECT count(*) FROM student WHERE status = 'withdrawn'")" = 0 ] &&
	ok "a purge after the kills finishes the work" || fail "a purge after the kills" "$s"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
