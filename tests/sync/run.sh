#!/bin/sh
# Runs every tests/sync/test_*.sh (real servers on loopback only), keeps
# going past a failure, fails if any failed. Env: CARDROLL_BIN.
cd "$(dirname "$0")/../.." || exit 2
pass=0
failed=""
for t in tests/sync/test_*.sh; do
	[ -e "$t" ] || continue
	echo "== $(basename "$t" .sh)"
	if sh "$t"; then pass=$((pass + 1)); else failed="$failed $(basename "$t")"; fi
done
if [ -n "$failed" ]; then
	echo "sync tests: FAILED:$failed" >&2
	exit 1
fi
echo "sync tests: $pass passed"
