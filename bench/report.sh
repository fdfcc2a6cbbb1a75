#!/bin/sh
# Report benchmark: `cardroll report` at each level (district, school,
# grade, class) on a generated district with cards for ~40% of the
# children, against a plain `SELECT school_id, count(*) ... GROUP BY
# school_id` through sqlite3 in the same run. Goal: a whole report in at
# most 2 s at 1,000,000 students (the default report is by school; every
# level is timed and named when over). Usage, from the repository root after
# `make all`:  sh bench/report.sh [STUDENTS] [RUNS]
set -u
BIN=$(pwd)/build/cardroll
GEN=$(pwd)/tests/tools/genroster
N=${1:-100000}
RUNS=${2:-3}
W=$(mktemp -d /tmp/cardroll-report-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W

sh bench/need.sh sqlite3 bc || exit 2
python3 "$GEN" --students "$N" --seed 31 --out "$W/pkg" >/dev/null || exit 2
"$BIN" --db "$W/r.db" import --quiet "$W/pkg" || exit 2
rm -rf "$W/pkg"
# Cards (some voided), consents, signups over 60 days: straight into the
# tables, as a year of desks would have left them.
sqlite3 "$W/r.db" <<'SQL' || exit 2
BEGIN;
INSERT INTO card (number, student_id, scheme, issued_at, status)
  SELECT 'B' || id, id, 'student-id', 1767571200 + (id % 60) * 86400, CASE WHEN id % 23 = 0 THEN 'void' ELSE 'active' END
  FROM student WHERE id % 5 < 2;
INSERT INTO consent (student_id, state, recorded_at)
  SELECT id, CASE WHEN id % 2 = 0 THEN 'opted_out' ELSE 'pending' END, 1767571200 FROM student WHERE id % 29 = 0;
COMMIT;
ANALYZE;
SQL

now() { date +%s.%N; }
# The median of RUNS wall times of a command.
median() {
	i=0
	: >"$W/times"
	while [ $i -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>"$W/err" || { echo "FAIL: $*: $(cat "$W/err")" >&2; exit 1; }
		t1=$(now)
		echo "$t1 - $t0" | bc >>"$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | sed -n "$(((RUNS + 1) / 2))p"
}

students=$(sqlite3 "$W/r.db" "SELECT count(*) FROM student WHERE status_code = 'a'")
cards=$(sqlite3 "$W/r.db" "SELECT count(*) FROM card WHERE status = 'active'")
echo "report bench: $students active students, $cards active cards, $(nproc) CPU, load $(cut -d' ' -f1 /proc/loadavg)"
base=$(median sqlite3 "$W/r.db" "SELECT school_id, count(*) FROM student WHERE status_code = 'a' GROUP BY school_id")
echo "baseline: sqlite3 SELECT count(*) ... GROUP BY school: ${base} s"
over=""
for by in school district grade class; do
	t=$(median "$BIN" --db "$W/r.db" report --format json --by $by)
	ratio=$(echo "scale=1; $t / $base" | bc)
	echo "report --by $by: ${t} s (${ratio}x the baseline)"
	[ "$by" = school ] && default=$t
	[ "$(echo "$t > 2" | bc)" -eq 1 ] && over="$over $by"
done
if [ -z "$over" ]; then
	echo "PASS: every level within 2 s"
elif [ "$(echo "$default <= 2" | bc)" -eq 1 ]; then
	echo "PARTIAL: the default report (by school) took ${default} s; over 2 s:$over"
	exit 1
else
	echo "FAIL: the default report (by school) took ${default} s (goal: at most 2 s)"
	exit 1
fi
