#!/bin/sh
# Integration tests of `cardroll staff`: the real binary adding and listing
# desk accounts, the PIN from CARDROLL_PIN or nowhere. Plain POSIX sh; run
# from the repository root:
#     sh tests/integration/staff.sh
# CARDROLL_BIN names the binary (default build/cardroll). Needs python3 for
# the JSON checks, sqlite3 and setsid (util-linux) for some others; skips
# what it cannot do. Prints "N passed, M failed" last; exits 1 on failure.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac

passed=0
failed=0
skipped=0

T=$(mktemp -d /tmp/cardroll-staff-XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }
skip() { skipped=$((skipped + 1)); echo "skip - $1${2:+ ($2)}"; }

# expect_exit NAME CODE CMD...: CMD exits CODE (stdout/stderr in $T/out, $T/err).
expect_exit() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name"
	else
		fail "$name" "exit $rc, expected $want: $(head -c 300 "$T/err")"
	fi
}

# The PIN must never be printed, whatever happened.
no_pin_shown() {
	if grep -q "$1" "$T/out" "$T/err"; then fail "$2: the PIN is not printed"; else ok "$2: the PIN is not printed"; fi
}

: >"$T/empty.ini"
export CARDROLL_CONFIG="$T/empty.ini"
export HOME="$T/home" XDG_DATA_HOME="$T/home/.local/share" XDG_CONFIG_HOME="$T/home/.config"
unset CARDROLL_DB CARDROLL_PIN CARDROLL_STAFF
umask 022

if [ ! -x "$BIN" ]; then
	fail "the binary $BIN exists" "build it with make"
	echo "$passed passed, $failed failed"
	exit 1
fi

DB=$T/desk.db

# ---- help and usage -----------------------------------------------------------

expect_exit "staff --help exits 0" 0 "$BIN" staff --help
grep -q 'staff add NAME' "$T/out" || fail "staff --help shows 'staff add NAME'" "$(head -3 "$T/out")"
expect_exit "staff without a command is a usage error (64)" 64 "$BIN" --db "$DB" staff
expect_exit "staff add without a name is a usage error (64)" 64 env CARDROLL_PIN=2468 "$BIN" --db "$DB" staff add
expect_exit "staff add --role boss is a usage error (64)" 64 env CARDROLL_PIN=2468 "$BIN" --db "$DB" staff add Ann --role boss
expect_exit "staff list before any database exists exits 66" 66 "$BIN" --db "$T/none.db" staff list

# ---- the first run: an admin ---------------------------------------------------

expect_exit "a volunteer as the first account is refused (64)" 64 env CARDROLL_PIN=1357 "$BIN" --db "$DB" staff add "Sam Helper" --role volunteer
grep -q 'first account must be an admin' "$T/err" || fail "the refusal says the first account must be an admin" "$(cat "$T/err")"

expect_exit "staff add with CARDROLL_PIN exits 0" 0 env CARDROLL_PIN=246813 "$BIN" --db "$DB" staff add "Margaret Okafor"
grep -q 'Margaret Okafor (admin)' "$T/out" || fail "the first account is an admin" "$(cat "$T/out")"
no_pin_shown 246813 "staff add"
expect_exit "a second add without an admin signing in exits 64" 64 env CARDROLL_NEW_PIN=8642 "$BIN" --db "$DB" staff add "Leo Park"
grep -q "no one is signed in, and 'staff' needs a person" "$T/err" || fail "the message says an admin must sign in" "$(cat "$T/err")"
expect_exit "an admin with a wrong PIN cannot add staff (65)" 65 env CARDROLL_STAFF="Margaret Okafor" CARDROLL_PIN=1111 CARDROLL_NEW_PIN=8642 "$BIN" --db "$DB" staff add "Leo Park"
export CARDROLL_STAFF="Margaret Okafor"
expect_exit "a second add of the same name exits 65" 65 env CARDROLL_PIN=246813 CARDROLL_NEW_PIN=9999 "$BIN" --db "$DB" staff add "Margaret Okafor"
grep -q 'already exists' "$T/err" || fail "the refusal says the name already exists" "$(cat "$T/err")"
expect_exit "the same name in other letters' case exits 65" 65 env CARDROLL_PIN=246813 CARDROLL_NEW_PIN=9999 "$BIN" --db "$DB" staff add "margaret okafor"
expect_exit "a PIN of letters exits 65" 65 env CARDROLL_PIN=246813 CARDROLL_NEW_PIN=abcd "$BIN" --db "$DB" staff add "Leo Park"
grep -q '4 to 12 digits' "$T/err" || fail "the refusal says what a PIN must be" "$(cat "$T/err")"
no_pin_shown abcd "a refused PIN"
expect_exit "a colleague is added as a librarian by default" 0 env CARDROLL_PIN=246813 CARDROLL_NEW_PIN=8642 "$BIN" --db "$DB" staff add "Leo Park"
grep -q 'Leo Park (librarian)' "$T/out" || fail "the colleague is a librarian" "$(cat "$T/out")"
expect_exit "a volunteer is added with --role volunteer" 0 env CARDROLL_PIN=246813 CARDROLL_NEW_PIN=97531 "$BIN" --db "$DB" staff add --role volunteer "Ana Silva"
expect_exit "a librarian cannot add staff (64)" 64 env CARDROLL_STAFF="Leo Park" CARDROLL_PIN=8642 CARDROLL_NEW_PIN=1234 "$BIN" --db "$DB" staff add "Kim Lee"

# ---- no PIN anywhere -------------------------------------------------------------

if command -v setsid >/dev/null 2>&1; then
	# setsid: a new session with no controlling terminal, so no /dev/tty.
	expect_exit "staff add with no new PIN and no terminal exits 64" 64 setsid -w env CARDROLL_PIN=246813 "$BIN" --db "$DB" staff add "Noor Haddad"
	grep -q 'no PIN for the new account: set CARDROLL_NEW_PIN or run from a terminal' "$T/err" ||
		fail "the message says how to give a PIN" "$(cat "$T/err")"
	expect_exit "the first account with no PIN and no terminal exits 64" 64 setsid -w env -u CARDROLL_STAFF "$BIN" --db "$T/fresh.db" staff add "Noor Haddad"
	grep -q 'no PIN: set CARDROLL_PIN or run from a terminal' "$T/err" ||
		fail "the message says how to give the first PIN" "$(cat "$T/err")"
else
	skip "staff add with no terminal" "no setsid"
fi

# ---- listing ---------------------------------------------------------------------

expect_exit "staff list exits 0" 0 env CARDROLL_PIN=246813 "$BIN" --db "$DB" staff list
if grep -q 'Margaret Okafor	admin' "$T/out" && grep -q 'Leo Park	librarian' "$T/out" && [ "$(wc -l <"$T/out")" -eq 3 ]; then
	ok "staff list shows each name and role"
else
	fail "staff list shows each name and role" "$(cat "$T/out")"
fi
if grep -q 'argon2' "$T/out"; then fail "staff list shows no hashes"; else ok "staff list shows no hashes"; fi

if command -v python3 >/dev/null 2>&1; then
	expect_exit "staff list --json exits 0" 0 env CARDROLL_PIN=246813 "$BIN" --db "$DB" staff list --json
	if python3 -m json.tool "$T/out" >/dev/null 2>&1; then ok "staff list --json parses as JSON"; else fail "staff list --json parses as JSON" "$(head -c 300 "$T/out")"; fi
	python3 -c '
import json, sys
staff = json.load(open(sys.argv[1]))
assert isinstance(staff, list) and len(staff) == 3, staff
for s in staff:
    assert set(s) == {"name", "role", "disabled", "assigned"}, s
    assert s["assigned"] == [], s
    assert not any("pin" in k or "hash" in k for k in s), s
    assert "argon2" not in json.dumps(s), s
roles = {s["name"]: s["role"] for s in staff}
assert roles == {"Margaret Okafor": "admin", "Leo Park": "librarian", "Ana Silva": "volunteer"}, roles
assert all(s["disabled"] is False for s in staff), staff
' "$T/out" 2>"$T/py" && ok "staff list --json has name, role, disabled, assigned and no pin key" ||
		fail "staff list --json has name, role, disabled, assigned and no pin key" "$(tail -1 "$T/py")"
else
	skip "JSON checks" "no python3"
fi

if command -v sqlite3 >/dev/null 2>&1; then
	n=$(sqlite3 "$DB" "SELECT count(*) FROM staff WHERE pin_hash LIKE '\$argon2id\$%' AND instr(pin_hash, '246813') = 0")
	if [ "$n" = 3 ]; then ok "every PIN is stored as an argon2id hash"; else fail "every PIN is stored as an argon2id hash" "$n of 3"; fi
	n=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'staff-add' AND object_kind = 'staff'")
	if [ "$n" = 3 ]; then ok "each added account has an audit row"; else fail "each added account has an audit row" "$n of 3"; fi
	# The first admin was added by nobody; the others by the admin who signed in.
	n=$(sqlite3 "$DB" "SELECT count(*) FROM audit a JOIN staff s ON s.id = a.staff_id WHERE a.action = 'staff-add' AND s.name = 'Margaret Okafor' AND a.desk IS NOT NULL")
	if [ "$n" = 2 ]; then ok "the audit names the admin who added each account"; else fail "the audit names the admin who added each account" "$n of 2"; fi
else
	skip "database checks" "no sqlite3"
fi

[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
