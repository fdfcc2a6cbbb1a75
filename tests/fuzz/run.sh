#!/bin/sh
# tests/fuzz/run.sh SECONDS JOBS FUZZER...: runs each libFuzzer target for
# SECONDS, JOBS at a time, from its committed corpus (tests/fuzz/corpus/NAME,
# read only) into build/corpus/NAME (what it finds). A crash, leak, timeout
# or failed check stops that target: its log's tail is shown, the input is
# kept as $BUILD/fuzz/NAME-crash-* (or -leak-, -timeout-), and the run fails.
# Each target's last line (runs, coverage) is printed; the figures of every
# run go to $BUILD/fuzz/summary.txt.
set -u
secs=$1; jobs=$2; shift 2
: "${BUILD:=build}"
mkdir -p "$BUILD/fuzz"
: >"$BUILD/fuzz/summary.txt"

one() {
	f=$1; n=$(basename "$f")
	mkdir -p "$BUILD/corpus/$n"
	echo "fuzz: $n ($secs s)"
	"$f" -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz/$n-" "$BUILD/corpus/$n" "tests/fuzz/corpus/$n" \
		>"$BUILD/fuzz/$n.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$BUILD/fuzz/$n.log")
	echo "$n seconds=$secs runs=${runs:-?} rc=$rc" >>"$BUILD/fuzz/summary.txt"
	if [ $rc -ne 0 ]; then
		echo "fuzz: $n FAILED (exit $rc):" >&2
		tail -40 "$BUILD/fuzz/$n.log" >&2
		return 1
	fi
	grep -E '^#[0-9]+.*(DONE|cov:)' "$BUILD/fuzz/$n.log" | tail -1
}

fail=0
if [ "$jobs" -le 1 ]; then
	for f in "$@"; do one "$f" || fail=1; done
else
	# JOBS at a time: start up to JOBS, wait for the batch, go on
	set -- "$@"
	while [ $# -gt 0 ]; do
		pids=""
		i=0
		while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
			one "$1" &
			pids="$pids $!"
			shift
			i=$((i + 1))
		done
		for p in $pids; do wait "$p" || fail=1; done
	done
fi
cat "$BUILD/fuzz/summary.txt"
exit $fail
