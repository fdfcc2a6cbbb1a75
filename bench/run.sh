#!/bin/sh
# cardroll speed requirements, each measured against its baseline in this run:
#   1. full import vs sqlite3 .import of the same CSV files (<= 1.5x), peak RSS <= 64 MB
#   2. a delta touching ~1% of students (<= 5% of the full import's time)
#   3. find: 10,000 name-prefix/ID queries in-process, p99 <= 5 ms
#   4. slip render: one slip <= 10% of its 350 mm/s print time (PDF, ESC/POS raster), a
#      30-slip class in less than one slip's print time (bench/slip_render.sh, also alone)
# Usage: sh bench/run.sh [--quick]      (from the repository root; see bench/README.md)
# Env:   BENCH_STUDENTS (1000000; --quick: 100000), BENCH_ROUNDS (3), BENCH_QUERIES (10000),
#        BENCH_CHANGE_RATE (0.002), BENCH_WORK (/var/tmp/cardroll-bench), BENCH_BULK_DIR,
#        BENCH_STEP_TIMEOUT (1800 s per timed command), BENCH_PROFILE (auto: an extra untimed
#        run under bench/sqlprof.c for an import requirement that fails; 1 always; 0 never),
#        BENCH_RESULTS (bench/results-latest.txt), BUILD (build), CC (cc)
# Exit:  0 every requirement passed, 1 one failed, 2 the bench itself could not run.
set -u

cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)

STUDENTS=${BENCH_STUDENTS:-1000000}
case "${1:-}" in
--quick) STUDENTS=100000 ;;
"") ;;
*) echo "usage: sh bench/run.sh [--quick]" >&2; exit 2 ;;
esac
ROUNDS=${BENCH_ROUNDS:-3}
QUERIES=${BENCH_QUERIES:-10000}
RATE=${BENCH_CHANGE_RATE:-0.002}
WORK=${BENCH_WORK:-/var/tmp/cardroll-bench}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-1800}
PROFILE=${BENCH_PROFILE:-auto}
BUILD=${BUILD:-build}
CC=${CC:-cc}
GEN="$REPO/tests/tools/genroster"
BULK_SEED=11
DELTA_SEED=12
FILES="orgs academicSessions courses classes users demographics enrollments"
RES=${BENCH_RESULTS:-"$REPO/bench/results-latest.txt"}

# Thresholds (from the issue).
MAX_IMPORT_RATIO=1.5
MAX_RSS_KB=65536        # 64 MiB
MAX_DELTA_RATIO=0.05
MAX_P99_MS=5

fail=0

say() { printf '%s\n' "$*" | tee -a "$RES"; }
die() { say "bench: $*"; exit 2; }

# timed NAME CMD...: runs CMD once after a sync (so earlier runs' dirty pages
# are not written back on this run's clock); sets T_WALL (s), T_CPU (user +
# system, s: steady when the host's speed drifts, as a VM's does), T_RSS (KB),
# T_RC; stdout/stderr/time go to $WORK/NAME.{out,err,time}.
timed() {
	_name=$1
	shift
	sync
	timeout "$STEP_TIMEOUT" /usr/bin/time -f '%e %M %U %S' -o "$WORK/$_name.time" "$@" \
		>"$WORK/$_name.out" 2>"$WORK/$_name.err"
	T_RC=$?
	# shellcheck disable=SC2046
	set -- $(tail -n 1 "$WORK/$_name.time" 2>/dev/null) NA NA
	T_WALL=$1
	T_RSS=$2
	T_CPU=$(calc '%.2f' "${3:-0} + ${4:-0}" 2>/dev/null)
	[ "$T_RC" -eq 124 ] && { T_WALL=NA; T_RSS=NA; T_CPU=NA; }
	return 0
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { if [ "$(awk "BEGIN { print ($1) ? 1 : 0 }")" = 1 ]; then echo PASS; else echo FAIL; fi; }
rmdb() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }
timing_line() { tr '\n' ' ' <"$1" | sed 's/timing: //g; s/ s / s, /g; s/, $//'; }

# A bulk package is reusable when its manifest says it is ours (seed, size).
bulk_ok() {
	[ -f "$1/manifest.csv" ] || return 1
	grep -qx "source.systemCode,genroster seed=$BULK_SEED students=$STUDENTS" "$1/manifest.csv" || return 1
	for _f in $FILES; do [ -s "$1/$_f.csv" ] || return 1; done
	[ ! -e "$1/_changes.csv" ] && [ ! -e "$1/_defects.csv" ]
}

# ---------------------------------------------------------------- setup
command -v sqlite3 >/dev/null || die "sqlite3 (the command-line shell) is missing: apt-get install sqlite3"
command -v python3 >/dev/null || die "python3 is missing"
[ -f "$GEN" ] || die "generator not found at $GEN"
if [ ! -x /usr/bin/time ]; then
	[ "$(id -u)" -eq 0 ] || die "/usr/bin/time is missing: apt-get install time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null || die "could not install time"
fi
[ -x "$BUILD/cardroll" ] && [ -f "$BUILD/libcardroll.a" ] || die "build first: make all"

mkdir -p "$WORK" || die "cannot create $WORK"
: >"$RES"
# Snapshot the binaries so a rebuild during the run cannot change what is measured.
cp "$BUILD/cardroll" "$WORK/cardroll" || die "cannot copy $BUILD/cardroll"
CARDROLL="$WORK/cardroll"
# shellcheck disable=SC2046
"$CC" -O2 -std=c11 -D_DEFAULT_SOURCE -Icore bench/find_bench.c "$BUILD/libcardroll.a" \
	$(pkg-config --libs sqlite3 libutf8proc libzip inih) -lm -o "$WORK/find_bench" \
	|| die "cannot build bench/find_bench.c"
SQLPROF=""
"$CC" -O2 -shared -fPIC -D_GNU_SOURCE bench/sqlprof.c -o "$WORK/sqlprof.so" -ldl 2>"$WORK/sqlprof.build" \
	&& SQLPROF="$WORK/sqlprof.so"

# profile NAME VERDICT DB SOURCE: one more, untimed, import under the sqlprof shim;
# prints the statements that took the time.
profile() {
	[ -n "$SQLPROF" ] || { say "  (no profile: bench/sqlprof.c did not build)"; return 0; }
	[ "$PROFILE" = 1 ] || { [ "$PROFILE" = auto ] && [ "$2" = FAIL ]; } || return 0
	say "  where the time goes (untimed run with LD_PRELOAD=sqlprof.so; per-statement run time):"
	env CARDROLL_TIMING=1 SQLPROF_OUT="$WORK/$1.sqlprof" LD_PRELOAD="$SQLPROF" \
		"$CARDROLL" --db "$3" import --quiet "$4" >/dev/null 2>"$WORK/$1.err"
	sed 's/^/    /' "$WORK/$1.err" | tee -a "$RES"
	head -n 13 "$WORK/$1.sqlprof" | cut -c1-150 | sed 's/^/    /' | tee -a "$RES"
}

say "cardroll bench: $STUDENTS students, $ROUNDS rounds, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
	"$(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	"Debian $(cat /etc/debian_version 2>/dev/null), kernel $(uname -r)"
say "disk: $(df -h "$WORK" | awk 'NR == 2 { print $1 " (" $2 ", " $4 " free) mounted on " $6 }'), work dir $WORK"
say "sqlite3 shell $(sqlite3 --version | cut -d' ' -f1), $("$CARDROLL" --version)," \
	"binary sha256 $(sha256sum "$CARDROLL" | cut -c1-12)"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- data
BULK=""
for _d in ${BENCH_BULK_DIR:-} "$WORK/bulk-$STUDENTS"; do
	if bulk_ok "$_d"; then BULK=$_d; break; fi
done
if [ -z "$BULK" ]; then
	BULK="$WORK/bulk-$STUDENTS"
	say "generating $BULK ..."
	rm -rf "$BULK"
	timeout "$STEP_TIMEOUT" python3 "$GEN" --students "$STUDENTS" --seed "$BULK_SEED" --out "$BULK" \
		>"$WORK/gen-bulk.log" 2>&1 || { cat "$WORK/gen-bulk.log"; die "bulk generation failed"; }
	say "$(tail -n 1 "$WORK/gen-bulk.log")"
fi
say "bulk package: $BULK ($(du -sh "$BULK" | cut -f1))"

DELTA="$WORK/delta-$STUDENTS-r$RATE"
STAMP="genroster from=$(cd "$BULK" && pwd) seed=$DELTA_SEED rate=$RATE students=$STUDENTS"
if [ "$(cat "$DELTA/.bench-stamp" 2>/dev/null)" != "$STAMP" ]; then
	say "generating $DELTA ..."
	rm -rf "$DELTA"
	timeout "$STEP_TIMEOUT" python3 "$GEN" --delta-from "$BULK" --seed "$DELTA_SEED" \
		--change-rate "$RATE" --out "$DELTA" >"$WORK/gen-delta.log" 2>&1 \
		|| { cat "$WORK/gen-delta.log"; die "delta generation failed"; }
	printf '%s\n' "$STAMP" >"$DELTA/.bench-stamp"
fi

# ---------------------------------------------------------------- 1. full import
say ""
say "== 1. full import: cardroll vs sqlite3 .import (warm-up run each, then $ROUNDS alternating rounds)"
SQL="$WORK/sqlite-import.sql"
{
	echo ".mode csv"
	for _f in $FILES; do echo ".import '$BULK/$_f.csv' $_f"; done
} >"$SQL"
SDB="$WORK/sqlite-import.db"
CDB="$WORK/cardroll-full.db"

run_sqlite() {
	rmdb "$SDB"
	# shellcheck disable=SC2016
	timed "sqlite-$1" sh -c 'exec sqlite3 "$1" <"$2"' sh "$SDB" "$SQL"
	[ "$T_RC" -eq 0 ] || say "  sqlite3 .import exited $T_RC: $(head -c 300 "$WORK/sqlite-$1.err")"
	[ -s "$WORK/sqlite-$1.err" ] && say "  sqlite3 stderr: $(wc -l <"$WORK/sqlite-$1.err") lines"
	say "  sqlite3  $1: $T_WALL s, $(du -m "$SDB" | cut -f1) MB db"
	rmdb "$SDB"
}
run_cardroll() {
	rmdb "$CDB"
	timed "cardroll-$1" env CARDROLL_TIMING=1 "$CARDROLL" --db "$CDB" import --quiet "$BULK"
	[ "$T_RC" -eq 0 ] || { T_WALL=NA; say "  cardroll import exited $T_RC: $(grep -v '^timing:' "$WORK/cardroll-$1.err" | head -c 300)"; }
	say "  cardroll $1: $T_WALL s, peak RSS $T_RSS KB [$(grep '^timing:' "$WORK/cardroll-$1.err" >"$WORK/t.tmp"; timing_line "$WORK/t.tmp")]"
}

run_sqlite warm
run_cardroll warm
S_TIMES=""
C_TIMES=""
C_CPUS=""
C_RSS="$T_RSS"
_i=1
while [ "$_i" -le "$ROUNDS" ]; do
	if [ $((_i % 2)) -eq 1 ]; then
		run_sqlite "r$_i"; S_TIMES="$S_TIMES $T_WALL"
		run_cardroll "r$_i"; C_TIMES="$C_TIMES $T_WALL"; C_RSS="$C_RSS $T_RSS"; C_CPUS="$C_CPUS $T_CPU"
	else
		run_cardroll "r$_i"; C_TIMES="$C_TIMES $T_WALL"; C_RSS="$C_RSS $T_RSS"; C_CPUS="$C_CPUS $T_CPU"
		run_sqlite "r$_i"; S_TIMES="$S_TIMES $T_WALL"
	fi
	_i=$((_i + 1))
done
# shellcheck disable=SC2086
{ S_MED=$(median $S_TIMES); C_MED=$(median $C_TIMES); RSS_MAX=$(maxof $C_RSS); }
case "$S_MED $C_MED $RSS_MAX" in *NA*) R1="FAIL (a run failed or timed out)"; R1B=FAIL; fail=1; IMPORT_RATIO=NA ;;
*)
	IMPORT_RATIO=$(calc '%.2f' "$C_MED / $S_MED")
	R1=$(verdict "$C_MED <= $MAX_IMPORT_RATIO * $S_MED")
	R1B=$(verdict "$RSS_MAX <= $MAX_RSS_KB") ;;
esac
say "  median: cardroll $C_MED s, sqlite3 $S_MED s, ratio $IMPORT_RATIO (limit $MAX_IMPORT_RATIO): $R1"
say "  peak RSS (max of all cardroll runs): $RSS_MAX KB (limit $MAX_RSS_KB KB = 64 MiB): $R1B"
say "  students in the db: $(sqlite3 "$CDB" 'SELECT count(*) FROM student' 2>&1)"
PDB="$WORK/cardroll-profile.db"
rmdb "$PDB"
profile profile-full "$R1" "$PDB" "$BULK"
rmdb "$PDB"

# ---------------------------------------------------------------- 2. delta
say ""
say "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
say "== 2. delta import on a copy of the bulk db"
_touched=$(tail -n +2 "$DELTA/_changes.csv" | cut -d, -f1 | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
_n=$(($(wc -l <"$DELTA/_changes.csv") - 1))
_pct=$(calc '%.2f' "100 * $_n / $STUDENTS")
say "  delta: $DELTA, change-rate $RATE: ${_touched}-> $_n students touched = $_pct% of $STUDENTS"
awk "BEGIN { exit !($_pct < 0.8 || $_pct > 1.2) }" && say "  WARNING: not ~1% of students; adjust BENCH_CHANGE_RATE"
say "  delta files: $(cd "$DELTA" && wc -l users.csv enrollments.csv demographics.csv | awk '$2 != "total" { printf "%s %d rows  ", $2, $1 - 1 }')"
if [ -s "$CDB-wal" ]; then say "  WARNING: $CDB-wal is not empty after close; copying it too"; fi
BASE="$WORK/cardroll-base.db"
rmdb "$BASE"
cp "$CDB" "$BASE" && { [ ! -s "$CDB-wal" ] || cp "$CDB-wal" "$BASE-wal"; } || die "cannot copy $CDB"
# A bulk leaves the kept coverage counts to be counted again; the desk's
# first report does that. A delta normally comes after (the night after the
# bulk, the desk has read its dashboard), so it is timed over counts that
# are kept: it adds its changes to them (core/roster/kept_fold.c).
"$CARDROLL" --db "$BASE" report --format csv >/dev/null 2>"$WORK/base-report.err" \
	|| die "cardroll report on the base copy failed: $(head -c 300 "$WORK/base-report.err")"
sqlite3 "$BASE" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null || die "cannot checkpoint $BASE"
say "  base: the bulk db with its coverage counts made (one report, untimed): stale=$(sqlite3 "$BASE" "SELECT stale FROM coverage_kept")"
DDB="$WORK/cardroll-delta.db"
run_delta() {
	rmdb "$DDB"
	cp "$BASE" "$DDB" && { [ ! -s "$BASE-wal" ] || cp "$BASE-wal" "$DDB-wal"; }
	sync "$DDB"
	timed "delta-$1" env CARDROLL_TIMING=1 "$CARDROLL" --db "$DDB" import --quiet "$DELTA"
	[ "$T_RC" -eq 0 ] || { T_WALL=NA; say "  cardroll delta import exited $T_RC: $(grep -v '^timing:' "$WORK/delta-$1.err" | head -c 300)"; }
	say "  delta $1: $T_WALL s, peak RSS $T_RSS KB [$(grep '^timing:' "$WORK/delta-$1.err" >"$WORK/t.tmp"; timing_line "$WORK/t.tmp")]"
}
run_delta warm
say "  applied: $(sqlite3 -separator ' ' "$DDB" "SELECT 'kind=' || kind, 'added=' || added, 'updated=' || updated, 'withdrawn=' || withdrawn, 'rejected=' || rejected, 'warnings=' || warnings FROM import_run ORDER BY id DESC LIMIT 1" 2>&1)"
D_TIMES=""
D_CPUS=""
_i=1
while [ "$_i" -le "$ROUNDS" ]; do
	run_delta "r$_i"
	D_TIMES="$D_TIMES $T_WALL"
	D_CPUS="$D_CPUS $T_CPU"
	_i=$((_i + 1))
done
# shellcheck disable=SC2086
D_MED=$(median $D_TIMES)
case "$D_MED $C_MED" in *NA*) R2="FAIL (a run failed or timed out)"; fail=1; DELTA_PCT=NA ;;
*)
	DELTA_PCT=$(calc '%.1f' "100 * $D_MED / $C_MED")
	R2=$(verdict "$D_MED <= $MAX_DELTA_RATIO * $C_MED") ;;
esac
say "  median delta $D_MED s / full import $C_MED s = $DELTA_PCT% (limit 5%): $R2"
# shellcheck disable=SC2086
{ D_CPU=$(median $D_CPUS); C_CPU=$(median $C_CPUS); }
case "$D_CPU $C_CPU" in *NA*) DELTA_CPU_PCT=NA ;; *) DELTA_CPU_PCT=$(calc '%.1f' "100 * $D_CPU / $C_CPU") ;; esac
say "  CPU (user + system; shown, not judged): delta $D_CPU s / full import $C_CPU s = $DELTA_CPU_PCT%"
rmdb "$DDB"
cp "$BASE" "$DDB" && sync "$DDB"
profile profile-delta "$R2" "$DDB" "$DELTA"
rmdb "$DDB"
rmdb "$BASE"

# ---------------------------------------------------------------- 3. find
say ""
say "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
say "== 3. find: $QUERIES queries in-process on the bulk db (search_find, limit 20)"
timeout "$STEP_TIMEOUT" "$WORK/find_bench" --queries "$QUERIES" "$CDB" >"$WORK/find.out" 2>&1
_rc=$?
sed 's/^/  /' "$WORK/find.out" | tee -a "$RES"
P99=$(awk '$1 == "all" { for (i = 2; i <= NF; i++) if ($i ~ /^p99_ms=/) { sub(/^p99_ms=/, "", $i); print $i } }' "$WORK/find.out")
OVER=$(awk '$1 == "all" { for (i = 2; i <= NF; i++) if ($i ~ /^over_5ms=/) { sub(/^over_5ms=/, "", $i); print $i } }' "$WORK/find.out")
CPU99=$(awk '$1 == "all" { for (i = 2; i <= NF; i++) if ($i ~ /^cpu_p99_ms=/) { sub(/^cpu_p99_ms=/, "", $i); print $i } }' "$WORK/find.out")
FLOAD=$(awk '/^total_s=/ { for (i = 1; i <= NF; i++) if ($i ~ /^load_1min=/) { sub(/^load_1min=/, "", $i); print $i } }' "$WORK/find.out")
LIKE=$(awk '$1 == "like_scan" { for (i = 2; i <= NF; i++) if ($i ~ /^mean_ms=/) { sub(/^mean_ms=/, "", $i); print $i; exit } }' "$WORK/find.out")
if [ "$_rc" -ne 0 ] || [ -z "$P99" ]; then
	R3="FAIL (find_bench exited $_rc)"; fail=1; P99=NA
else
	R3=$(verdict "$P99 <= $MAX_P99_MS")
fi

# ---------------------------------------------------------------- 4. slip render
say ""
say "== 4. slip render (bench/slip_render.sh)"
BUILD="$BUILD" BENCH_WORK="$WORK" sh bench/slip_render.sh >"$WORK/slip_render.out" 2>&1
_rc=$?
sed 's/^/  /' "$WORK/slip_render.out" | tee -a "$RES"
R4=$(tail -n 1 "$WORK/slip_render.out" | sed -n 's/^slip render: \(PASS\|FAIL\).*/\1/p')
[ "$_rc" -eq 0 ] && [ "$R4" = PASS ] || R4="FAIL (slip_render.sh exited $_rc)"

# ---------------------------------------------------------------- summary
say ""
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
say "== summary ($STUDENTS students$([ "$STUDENTS" -ne 1000000 ] && echo '; the requirements are stated at 1,000,000'))"
say "1a. full import     cardroll $C_MED s vs sqlite3 .import $S_MED s: ratio $IMPORT_RATIO (<= $MAX_IMPORT_RATIO)   $R1"
say "1b. import peak RSS $RSS_MAX KB (<= $MAX_RSS_KB KB)   $R1B"
say "2.  delta ($_pct% of students)  $D_MED s = $DELTA_PCT% of the full import (<= 5%)   $R2"
say "                    (CPU time: $DELTA_CPU_PCT%)"
say "3.  find p99        $P99 ms over $QUERIES queries, $OVER over 5 ms (<= $MAX_P99_MS ms)   $R3"
say "                    (CPU-time p99 ${CPU99:-NA} ms, load ${FLOAD:-NA} during the run; LIKE scan mean ${LIKE:-NA} ms)"
say "4.  slip render     one slip <= 10% of its print time at 350 mm/s; 30-slip class < one slip's print time   $R4"
say "results: $RES"
case "$R1 $R1B $R2 $R3 $R4" in *FAIL*) fail=1 ;; esac
exit $fail
