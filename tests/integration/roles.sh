#!/bin/sh
# Staff and roles, headless: every command run as every role (admin,
# librarian, a volunteer assigned one school, a volunteer outside it, and no
# one signed in), what the first run allows before any account exists, the
# growing delay after failed sign-ins across processes, and no birth date
# in anything a volunteer is shown. Run from the repository root; needs
# sqlite3. Prints 'N passed, M failed' last; exits 1 on a failure.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
T=$(mktemp -d /tmp/cardroll-roles.XXXXXX) || exit 1
passed=0
failed=0
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

: >"$T/empty.ini"
export CARDROLL_CONFIG="$T/empty.ini" HOME=$T XDG_DATA_HOME=$T/share XDG_CONFIG_HOME=$T/config
unset CARDROLL_DB CARDROLL_PIN CARDROLL_STAFF CARDROLL_NEW_PIN
DB=$T/roles.db

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "skip - roles.sh needs sqlite3"
	exit 0
fi

# as WHO CMD...: runs cardroll as WHO (admin, librarian, volunteer, outsider,
# nobody); exit in $rc, output in $T/out, $T/err. Every output a volunteer
# sees is kept in $T/volunteer-seen for the birth-date check.
as() {
	who=$1
	shift
	case $who in
	admin)     set -- env CARDROLL_NEW_PIN="${newpin:-}" CARDROLL_STAFF="Ada Admin" CARDROLL_PIN=1111 "$BIN" --db "$DB" "$@" ;;
	librarian) set -- env CARDROLL_NEW_PIN="${newpin:-}" CARDROLL_STAFF="Lin Librarian" CARDROLL_PIN=2222 "$BIN" --db "$DB" "$@" ;;
	volunteer) set -- env CARDROLL_NEW_PIN="${newpin:-}" CARDROLL_STAFF="Val North" CARDROLL_PIN=3333 "$BIN" --db "$DB" "$@" ;;
	outsider)  set -- env CARDROLL_STAFF="Ola Other" CARDROLL_PIN=4444 "$BIN" --db "$DB" "$@" ;;
	nobody)    set -- env CARDROLL_NEW_PIN="${newpin:-}" "$BIN" --db "$DB" "$@" ;;
	esac
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	case $who in volunteer|outsider) cat "$T/out" "$T/err" >>"$T/volunteer-seen" ;; esac
}

# allowed WHO NAME CMD...: exits 0 and no refusal.
allowed() {
	who=$1 name=$2
	shift 2
	as "$who" "$@"
	if [ $rc -eq 0 ] && ! grep -q "not allowed" "$T/err"; then
		ok "$who may $name"
	else
		fail "$who may $name" "exit $rc: $(head -c 300 "$T/err")"
	fi
}

# refused WHO NAME WORDS CMD...: exits 64 with "not allowed" and WORDS
# (the role and the action) in the message.
refused() {
	who=$1 name=$2 words=$3
	shift 3
	as "$who" "$@"
	if [ $rc -eq 64 ] && grep -q "not allowed" "$T/err" && grep -q -- "$words" "$T/err"; then
		ok "$who may not $name (exit 64, the message names it)"
	else
		fail "$who may not $name" "exit $rc, wanted 64 and '$words': $(head -c 300 "$T/err")"
	fi
}

# ---- the first run: no account yet -----------------------------------------------

allowed nobody "import the demo before any account exists (make run)" import --quiet "$DEMO"
allowed nobody "find before any account exists" find --limit 1 ximena
allowed nobody "see the report before any account exists" report
as nobody issue 2100015
if [ $rc -eq 64 ] && grep -q "no staff yet" "$T/err"; then
	ok "before any account exists, issuing asks for the first admin (64)"
else
	fail "issuing before any account exists" "exit $rc: $(cat "$T/err")"
fi
env CARDROLL_PIN=1111 "$BIN" --db "$DB" staff add "Ada Admin" >/dev/null 2>&1 || fail "the first admin is added"

# ---- the crew -----------------------------------------------------------------------

north=$(sqlite3 "$DB" "SELECT name FROM school ORDER BY id LIMIT 1")
south=$(sqlite3 "$DB" "SELECT name FROM school ORDER BY id DESC LIMIT 1")
north_kids=$(sqlite3 "$DB" "SELECT student_number FROM student s JOIN school c ON c.id = s.school_id \
	WHERE c.name = '$north' AND s.status_code = 'a' ORDER BY s.id LIMIT 6")
south_kid=$(sqlite3 "$DB" "SELECT student_number FROM student s JOIN school c ON c.id = s.school_id \
	WHERE c.name = '$south' AND s.status_code = 'a' ORDER BY s.id LIMIT 1")
north_class=$(sqlite3 "$DB" "SELECT c.sourced_id FROM class c JOIN school s ON s.id = c.school_id \
	WHERE s.name = '$north' ORDER BY c.id LIMIT 1")
south_class=$(sqlite3 "$DB" "SELECT c.sourced_id FROM class c JOIN school s ON s.id = c.school_id \
	WHERE s.name = '$south' ORDER BY c.id LIMIT 1")
kid() { echo "$north_kids" | sed -n "${1}p"; }

newpin=2222 allowed admin "add a librarian" staff add "Lin Librarian" --role librarian
newpin=3333 allowed admin "add a volunteer" staff add "Val North" --role volunteer
newpin=4444 allowed admin "add a second volunteer" staff add "Ola Other" --role volunteer
newpin=5555 refused librarian "add staff" "librarian" staff add "Kim Lee"
newpin=5555 refused volunteer "add staff" "'staff'" staff add "Kim Lee"
newpin=5555 refused nobody "add a second account" "no one is signed in" staff add "Kim Lee"

refused outsider "issue before any school is assigned" "none is assigned" issue "$(kid 1)"
allowed admin "assign a volunteer a school" staff assign "Val North" --school "$north"
allowed admin "assign a volunteer a class" staff assign "Ola Other" --class "$south_class"
as admin staff assign "Lin Librarian" --school "$north"
[ $rc -eq 65 ] && grep -q "only a volunteer" "$T/err" && ok "a librarian is not assigned schools (65, says why)" \
	|| fail "assigning a librarian" "exit $rc: $(cat "$T/err")"
refused librarian "assign schools" "'staff'" staff assign "Ola Other" --school "$north"
refused volunteer "assign schools" "volunteer" staff assign "Ola Other" --school "$north"
allowed admin "list staff" staff list
grep -q "Val North	volunteer	active	school $north" "$T/out" && ok "staff list shows the volunteer's school" \
	|| fail "staff list shows assignments" "$(cat "$T/out")"
refused librarian "list staff" "'staff'" staff list
refused volunteer "list staff" "'staff'" staff list --json

# ---- every command as every role -----------------------------------------------

for who in admin librarian volunteer outsider; do
	allowed $who "find a child" find --limit 3 "$(kid 1)"
	allowed $who "list classes" classes
done
refused nobody "find a child once staff exist" "no one is signed in" find "$(kid 1)"
refused nobody "list classes once staff exist" "no one is signed in" classes

allowed admin "issue" issue "$(kid 1)"
allowed librarian "issue" issue "$(kid 2)"
allowed volunteer "issue in the assigned school" issue "$(kid 3)"
# A child outside the volunteer's schools is that child's refusal (65, the
# reason on its line); the others on the list still get their cards.
as outsider issue "$(kid 4)" "$south_kid"
if [ $rc -eq 65 ] && grep -q "^$(kid 4)	refused	not allowed: a volunteer may issue cards only" "$T/out" \
	&& grep -q "^$south_kid	issued	" "$T/out"; then
	ok "outsider may not issue outside the assigned class (that child refused, 65; the next issued)"
else
	fail "outsider issuing outside the assigned class" "exit $rc: $(cat "$T/out" "$T/err")"
fi
allowed outsider "ask again for the child of the assigned class (already has a card)" issue "$south_kid"
as volunteer issue --json "$south_kid"
if [ $rc -eq 65 ] && grep -q '"outcome": "refused"' "$T/out" && grep -q "volunteer may issue cards only" "$T/out"; then
	ok "volunteer may not issue outside the assigned school (--json: refused, the reason)"
else
	fail "volunteer issuing outside the assigned school" "exit $rc: $(cat "$T/out" "$T/err")"
fi
allowed volunteer "issue by JSON" issue --json "$(kid 5)"
as nobody issue "$(kid 6)"
[ $rc -eq 64 ] && ok "no one signed in may not issue (64)" || fail "issuing with no one signed in" "exit $rc"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM card WHERE status = 'active'")" = 5 ] \
	&& ok "the refused issues wrote no card (5 cards)" || fail "cards after the refusals" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM card")"

for who in admin librarian; do
	allowed $who "record consent" consent "$(kid 6)" given
done
refused volunteer "record consent" "'consent'" consent "$(kid 6)" signed
refused outsider "record consent" "volunteer" consent "$south_kid" opted-out

refused volunteer "void a card" "'void'" void "$(kid 3)" --reason "test"
refused outsider "void a card" "volunteer" void "$south_kid" --reason "test"
allowed librarian "void a card" void "$(kid 3)" --reason "wrong child"
allowed admin "void a card" void "$(kid 2)" --reason "wrong child"

allowed admin "print a class's slips" print --class "$north_class" --driver preview --out "$T/a.txt"
allowed librarian "print a card's slip" print --card "$(kid 1)" --driver preview --out "$T/l.txt"
allowed volunteer "print a card in the assigned school" print --card "$(kid 1)" --driver preview --out "$T/v.txt"
allowed volunteer "print a class of the assigned school" print --class "$north_class" --driver preview --out "$T/v2.txt"
refused volunteer "print a class outside the assigned school" "print slips" print --class "$south_class" --driver preview --out "$T/x.txt"
refused volunteer "print a card outside the assigned school" "print slips" print --card "$south_kid" --driver preview --out "$T/x.txt"
job=$(sqlite3 "$DB" "SELECT max(id) FROM print_job")
refused outsider "print again a job of another school" "print slips" print --job "$job" --driver preview --out "$T/x.txt"
allowed volunteer "queue slips of the assigned school" slips --class "$north_class"
refused outsider "queue slips of another school" "print slips" slips --class "$north_class"

for who in admin librarian; do
	allowed $who "see the report" report
done
refused volunteer "see the report" "'report'" report
refused outsider "see the report" "volunteer" report --by class
allowed admin "export the report (CSV)" report --format csv
refused librarian "export the report (CSV)" "'export'" report --format csv
refused librarian "export the report (JSON)" "librarian" report --format json
refused librarian "write the report to a file" "'export'" report --out "$T/r.txt"
refused volunteer "export the report" "volunteer" report --format json
refused nobody "see the report once staff exist" "no one is signed in" report

future=$(date -d "+90 days" +%F 2>/dev/null || echo 2099-01-01)
allowed admin "set a goal" goal set --target 50 --date "$future"
refused librarian "set a goal" "'settings'" goal set --target 60 --date "$future"
refused volunteer "set a goal" "volunteer" goal set --target 60 --date "$future"
allowed librarian "list the goals" goal list
refused volunteer "list the goals" "'report'" goal list
allowed admin "set the profile" profile --director "Lee Park"
refused librarian "set the profile" "'settings'" profile --director "Someone Else"
allowed librarian "see the profile" profile
refused volunteer "see the profile" "volunteer" profile

allowed admin "import a roster" import --quiet "$DEMO"
refused librarian "import a roster" "'import'" import --quiet "$DEMO"
refused volunteer "import a roster" "volunteer" import --quiet "$DEMO"
allowed admin "see the last import" import --show-last
refused librarian "see the last import" "'import'" import --show-last

for who in admin librarian volunteer nobody; do
	allowed $who "list the printers" printers
done
# sync sends what staff already did: the timer runs it with no one signed in.
for who in nobody volunteer; do
	as $who sync
	if ! grep -q "not allowed" "$T/err" && grep -q "target is not set" "$T/err"; then
		ok "$who may run sync (it stops only at the missing [sync] target)"
	else
		fail "$who may run sync" "exit $rc: $(head -c 300 "$T/err")"
	fi
done
refused volunteer "look at parked events" "'resolve'" sync --parked
refused nobody "decide a parked event" "no one is signed in" sync --confirm 1
allowed librarian "look at parked events" sync --parked

# ---- disable, reset-pin -------------------------------------------------------------

refused librarian "disable an account" "'staff'" staff disable "Val North"
as admin staff disable "Ada Admin"
[ $rc -eq 65 ] && grep -q "last admin" "$T/err" && ok "the last admin cannot be disabled (65)" \
	|| fail "disabling the last admin" "exit $rc: $(cat "$T/err")"
allowed admin "disable a volunteer" staff disable "Ola Other"
as outsider find "$(kid 1)"
[ $rc -eq 65 ] && grep -q "name or PIN not recognised" "$T/err" && ok "a disabled account cannot sign in" \
	|| fail "a disabled account signs in" "exit $rc: $(cat "$T/err")"
newpin=4444 allowed admin "reset a PIN (enables the account again)" staff reset-pin "Ola Other"
allowed outsider "sign in after the reset" find "$(kid 1)"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM staff_assignment WHERE staff_id = (SELECT id FROM staff WHERE name = 'Ola Other')")" = 0 ] \
	&& ok "a disabled account's assignments are gone" || fail "assignments after disable"

# ---- failed sign-ins: a growing delay, the same for unknown names ---------------

for i in 1 2 3 4; do
	env CARDROLL_STAFF="Lin Librarian" CARDROLL_PIN=9999 "$BIN" --db "$DB" find x >/dev/null 2>"$T/e1"; r1=$?
	env CARDROLL_STAFF="Nobody Known" CARDROLL_PIN=9999 "$BIN" --db "$DB" find x >/dev/null 2>"$T/e2"; r2=$?
done
if [ $r1 -eq 65 ] && [ $r2 -eq 65 ] && cmp -s "$T/e1" "$T/e2"; then
	ok "a wrong PIN and an unknown name get the same answer (65)"
else
	fail "wrong PIN vs unknown name" "$r1/$r2: $(cat "$T/e1") / $(cat "$T/e2")"
fi
env CARDROLL_STAFF="Lin Librarian" CARDROLL_PIN=9999 "$BIN" --db "$DB" find x >/dev/null 2>"$T/e1"; r1=$?
env CARDROLL_STAFF="Nobody Known" CARDROLL_PIN=9999 "$BIN" --db "$DB" find x >/dev/null 2>"$T/e2"; r2=$?
if [ $r1 -eq 75 ] && cmp -s "$T/e1" "$T/e2" && grep -q "wait 30 s" "$T/e1"; then
	ok "the fifth failure locks the name for 30 s (75), unknown names alike"
else
	fail "the lock after five failures" "$r1/$r2: $(cat "$T/e1") / $(cat "$T/e2")"
fi
# The lock is in the database: another process with the right PIN waits too.
as librarian find "$(kid 1)"
[ $rc -eq 75 ] && grep -q "too many tries" "$T/err" && ok "the right PIN waits out the lock in another process (75)" \
	|| fail "the lock holds across processes" "exit $rc: $(cat "$T/err")"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'sign-in-locked'")" = 2 ] \
	&& ok "both lockouts are in the audit" || fail "lockouts in the audit"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE instr(coalesce(detail, ''), 'Nobody') > 0 \
	OR instr(coalesce(detail, ''), 'Lin') > 0")" = 0 ] && [ "$(sqlite3 "$DB" "SELECT count(*) FROM signin_failure \
	WHERE instr(name_key, 'obody') > 0")" = 0 ] && ok "no typed name is kept (audit by id, failures by hash)" \
	|| fail "names kept with failed sign-ins"
newpin=2323 allowed admin "lift the lock with a new PIN" staff reset-pin "Lin Librarian"
env CARDROLL_STAFF="Lin Librarian" CARDROLL_PIN=2323 "$BIN" --db "$DB" find "$(kid 1)" >/dev/null 2>&1 \
	&& ok "the librarian signs in with the new PIN" || fail "sign-in after the reset"

# ---- no birth date for a volunteer, anywhere ---------------------------------------

as volunteer find --json "$(kid 1)"
as volunteer issue --json "$(kid 1)"
as volunteer classes --json
as volunteer slips --preview "$(kid 1)"
cat "$T/v.txt" "$T/v2.txt" >>"$T/volunteer-seen" 2>/dev/null
births=$(sqlite3 "$DB" "SELECT DISTINCT birth_date FROM student WHERE birth_date IS NOT NULL")
seen=0
for b in $births; do
	if grep -q "$b" "$T/volunteer-seen"; then seen=$((seen + 1)); fi
done
if [ -n "$births" ] && [ $seen -eq 0 ] && [ -s "$T/volunteer-seen" ]; then
	ok "nothing a volunteer was shown holds a birth date ($(wc -l <"$T/volunteer-seen") lines checked)"
else
	fail "birth dates shown to a volunteer" "$seen found"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
