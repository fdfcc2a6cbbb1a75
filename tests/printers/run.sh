#!/bin/sh
# Runs every tests/printers/test_*.sh, keeps going past a failure, and says
# how many passed (exit 0) or which failed (exit 1).
# env (from `make printer-tests`): CARDROLL_BIN, SLIPGEN.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SLIPGEN:=$HERE/../../build/tests/slipgen}"
: "${CARDROLL_BIN:=$HERE/../../build/cardroll}"
export SLIPGEN CARDROLL_BIN

passed=0
failed=""
for t in "$HERE"/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "== $name"
	if sh "$t"; then
		passed=$((passed + 1))
	else
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "printer tests: $passed passed; FAILED:$failed"
	exit 1
fi
echo "printer tests: $passed passed"
