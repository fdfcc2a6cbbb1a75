# lib.sh: what the torture parts share (sourced after `set -u`, with PART
# set): the binary, a seeded random stream (TORTURE_SEED, printed, so a run
# can be replayed), a work dir kept when a check failed (or KEEP is set),
# ok/fail counting, and the lines for bench/RESULTS.md's table.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${CARDROLL_BIN:-$ROOT/build/cardroll}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
GEN=$ROOT/tests/tools/genroster
SEED=${TORTURE_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
FULL=${TORTURE_FULL:-0}
T=$(mktemp -d "/tmp/cardroll-torture-$PART.XXXXXX")
chmod 700 "$T"
PIDS=""
passed=0
failed=0
trials=0
faults=0
inputs=0
lost=0
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	if [ "$failed" -gt 0 ] || [ -n "${KEEP:-}" ]; then echo "work dir kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

# rnd N: RND = the next number in [0, N) of the seeded stream.
RS=$SEED
rnd() {
	RS=$(( (RS * 1103515245 + 12345) % 2147483648 ))
	RND=$(( (RS / 65536) % $1 ))
}

q() { sqlite3 -cmd ".timeout 5000" "$1" "$2"; }

# The summary line run.sh collects for bench/RESULTS.md.
summary() {
	echo "TORTURE $PART trials=$trials faults=$faults inputs=$inputs lost=$lost seed=$SEED passed=$passed failed=$failed"
}
