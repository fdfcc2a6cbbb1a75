#!/bin/sh
# Runs each test binary, keeps going past a failure, fails if any failed.
fail=0
for t in "$@"; do
	"$t" || { echo "FAILED: $t" >&2; fail=1; }
done
exit $fail
