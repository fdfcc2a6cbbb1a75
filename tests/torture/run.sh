#!/bin/sh
# make torture (issue 14): crash, crowd, I/O faults and allocation faults,
# one seed for all (printed first; TORTURE_SEED=N replays a run).
#   sh tests/torture/run.sh [--short] [PART...]     PART: crash crowd io alloc
# --short is the run inside make check (30 kills, a 20 s crowd, each I/O
# fault a few times, every 97th allocation); without it, the full run (200
# kills, a 120 s crowd, 12 trials a disk fault, each allocation in turn).
# The last lines are the table for bench/RESULTS.md.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARDROLL_BIN=${CARDROLL_BIN:-$ROOT/build/cardroll}
export TORTURE_SEED=${TORTURE_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
mode=full
export TORTURE_FULL=1
if [ "${1:-}" = --short ]; then
	mode=short; TORTURE_FULL=0; shift
	export TORTURE_ALLOC_EVERY=${TORTURE_ALLOC_EVERY:-97}
fi
parts=${*:-crash crowd io alloc}
replay="TORTURE_SEED=$TORTURE_SEED make torture"
[ $mode = short ] && replay="$replay TORTURE_ARGS=--short"
echo "torture: seed $TORTURE_SEED ($mode run; replay: $replay)"
echo "torture: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
L=$(mktemp /tmp/cardroll-torture-log.XXXXXX)
trap 'rm -f "$L"' EXIT
fail=0
t0=$(date +%s)
for p in $parts; do
	s=$(date +%s)
	echo "== torture $p"
	case $p in
	crash) sh "$ROOT/tests/torture/crash.sh" ;;
	crowd) sh "$ROOT/tests/torture/crowd.sh" ;;
	io)    sh "$ROOT/tests/torture/iofault.sh" ;;
	alloc) sh "$ROOT/tests/torture/alloc.sh" ;;
	*)     echo "unknown part $p (crash crowd io alloc)"; exit 64 ;;
	esac >"$L.$p" 2>&1
	rc=$?
	cat "$L.$p"
	[ $rc -eq 0 ] || { fail=1; echo "FAILED: torture $p (exit $rc)"; }
	echo "$p $(($(date +%s) - s))" >>"$L"
done
echo
echo "| part | trials | faults injected | inputs tried | lost | time |"
echo "|---|---|---|---|---|---|"
for p in $parts; do
	secs=$(awk -v p="$p" '$1 == p { print $2 }' "$L")
	if [ "$p" = alloc ]; then
		line=$(grep "^alloc: .* runs" "$L.$p" | tail -1)
		runs=$(echo "$line" | sed -n 's/^alloc: \([0-9]*\) runs.*/\1/p')
		inj=$(echo "$line" | sed -n 's/.* \([0-9]*\) allocation faults.*/\1/p')
		cases=$(grep -c "^alloc [a-z]" "$L.$p")
		bad=$(echo "$line" | sed -n 's/.* \([0-9]*\) cases with a problem/\1/p')
		echo "| alloc | ${runs:-?} | ${inj:-?} allocation failures | $cases core cases | ${bad:-?} cases with a crash, leak or wrong result | ${secs} s |"
	else
		line=$(grep "^TORTURE $p " "$L.$p" | tail -1)
		get() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
		echo "| $p | $(get trials) | $(get faults) | $(get inputs) | $(get lost) | ${secs} s |"
	fi
	rm -f "$L.$p"
done
echo
echo "torture: seed $TORTURE_SEED, $(($(date +%s) - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg): $( [ $fail -eq 0 ] && echo 'all passed' || echo 'FAILED')"
exit $fail
