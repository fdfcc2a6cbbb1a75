# lib.sh: what the sync tests share (sourced after `set -u`, with TAG set
# to name the work dir): the binary and the test server, a work dir that is
# removed unless a check failed (or KEEP is set), the server stopped on any
# exit, and ok/fail counting. Each test still prints 'N passed, M failed'.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${CARDROLL_BIN:-$ROOT/build/cardroll}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
ILSD=$HERE/ilsd.py
DEMO=$ROOT/assets/demo/district
T=$(mktemp -d "/tmp/cardroll-sync-$TAG.XXXXXX")
SRV=""
passed=0
failed=0
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	if [ "$failed" -gt 0 ] || [ -n "${KEEP:-}" ]; then echo "work dir kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }
