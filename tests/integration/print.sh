#!/bin/sh
# Integration tests of `cardroll print` and `cardroll printers`: the real
# binary, a real database, output decoded with tools we did not write
# (pdftotext, pdftoppm, zbarimg) and a raw printer on loopback (socat).
# Run from the repository root. Prints 'N passed, M failed' last.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
T=$(mktemp -d /tmp/cardroll-print.XXXXXX)
passed=0
failed=0
SOCAT=
trap '[ -n "$SOCAT" ] && kill "$SOCAT" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

DB=$T/desk.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
CLS=$(sqlite3 "$DB" "SELECT sourced_id FROM class ORDER BY title LIMIT 1")
"$BIN" --db "$DB" issue --class "$CLS" --all-eligible >/dev/null 2>&1 || fail "the class is issued"
ncards=$(sqlite3 "$DB" "SELECT count(*) FROM card")
sqlite3 "$DB" "SELECT number FROM card ORDER BY number" >"$T/cards"

# 1. A class's sheet as a PDF: every name and every card number (QR and barcode).
out=$("$BIN" --db "$DB" print --class "$CLS" --driver pdf --out "$T/class.pdf" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "printed $ncards slips (job 1) to $T/class.pdf (pdf)"; then
	ok "a class's $ncards slips print to a PDF in one job"
else
	fail "a class's slips print to a PDF" "exit $rc: $out"
fi
pdftoppm -r 200 -mono "$T/class.pdf" "$T/page" 2>/dev/null
zbarimg --nodbus -q --raw "$T"/page-*.pbm 2>/dev/null | sed 's/^A\(.*\)A$/\1/' | sort -u >"$T/read"
if cmp -s "$T/read" "$T/cards"; then ok "zbarimg reads every card number from the sheet"; else fail "zbarimg reads every card number" "$(diff "$T/cards" "$T/read" | head -3)"; fi
pdftotext "$T/class.pdf" "$T/class.txt"
missing=0
sqlite3 "$DB" "SELECT s.family_name FROM card c JOIN student s ON s.id = c.student_id" | while read -r fam; do
	grep -qF "$fam" "$T/class.txt" || echo "$fam"
done >"$T/missing"
if [ ! -s "$T/missing" ]; then ok "pdftotext finds every child's family name"; else fail "pdftotext finds every name" "$(head -2 "$T/missing")"; fi
# Privacy: the command's own output names nobody.
fam=$(sqlite3 "$DB" "SELECT s.family_name FROM card c JOIN student s ON s.id = c.student_id LIMIT 1")
if echo "$out" | grep -qF "$fam"; then fail "print says no child's name" "$out"; else ok "print says no child's name"; fi

# 2. Two cards' slips as ESC/POS bytes: one init, a cut per slip.
c1=$(sed -n 1p "$T/cards"); c2=$(sed -n 2p "$T/cards")
out=$("$BIN" --db "$DB" print --card "$c1" --card "$c2" --driver escpos --out "$T/two.bin" 2>&1); rc=$?
cuts=$(od -An -tx1 -v "$T/two.bin" | tr -d '\n' | grep -o ' 1d 56' | wc -l)
head2=$(od -An -tx1 -N2 "$T/two.bin" | tr -d ' \n')
if [ $rc -eq 0 ] && [ "$cuts" -eq 2 ] && [ "$head2" = 1b40 ]; then ok "two cards print as one ESC/POS job with two cuts"; else fail "two cards as ESC/POS" "exit $rc cuts $cuts head $head2: $out"; fi

# 3. A job already printed, printed again: a reprint, a new job.
out=$("$BIN" --db "$DB" print --job 1 --driver pdf --out "$T/again.pdf" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "a reprint of job 1" && [ -s "$T/again.pdf" ]; then ok "printing job 1 again is a reprint (a new job)"; else fail "reprint" "exit $rc: $out"; fi

# 4. The printer is off: a clear message, the job kept, printed later by --pending.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
jobs=$(sqlite3 "$DB" "SELECT count(*) FROM print_job")
out=$("$BIN" --db "$DB" print --card "$c1" --driver escpos --target "tcp://127.0.0.1:$port" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "refused the connection"; then ok "a printer that is off: exit $rc, \"refused the connection\""; else fail "a printer that is off" "exit $rc: $out"; fi
state=$(sqlite3 "$DB" "SELECT state FROM print_job ORDER BY id DESC LIMIT 1")
[ "$state" = failed ] && ok "the job is kept as failed, with the reason" || fail "the job is kept as failed" "$state"
socat -u TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr OPEN:"$T/later.bin",creat </dev/null >/dev/null 2>&1 &
SOCAT=$!
i=0; while ! ss -ltn | grep -q ":$port "; do i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1; done
out=$("$BIN" --db "$DB" print --pending --driver escpos --target "tcp://127.0.0.1:$port" 2>&1); rc=$?
wait "$SOCAT" 2>/dev/null; SOCAT=
state=$(sqlite3 "$DB" "SELECT state FROM print_job ORDER BY id DESC LIMIT 1")
jobs2=$(sqlite3 "$DB" "SELECT count(*) FROM print_job")
if [ $rc -eq 0 ] && [ "$state" = done ] && [ "$jobs2" -eq $((jobs + 1)) ] && [ -s "$T/later.bin" ]; then
	ok "--pending prints the kept job once the printer is back (no second job)"
else
	fail "--pending prints the kept job" "exit $rc state $state jobs $jobs2: $out"
fi

# 4b. A job left 'sending': another desk still sending it (holding the
# job's byte in <db>.print-lock) is left alone; once that desk is gone
# (its lock dropped by the kernel), --pending sends it at once.
job=$(sqlite3 "$DB" "SELECT max(id) FROM print_job")
sqlite3 "$DB" "UPDATE print_job SET state = 'sending', updated_at = unixepoch() WHERE id = $job"
python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, int(sys.argv[2]))
open(sys.argv[3], "w").close()
time.sleep(30)' "$DB.print-lock" "$job" "$T/held" &
HOLDER=$!
i=0; while [ ! -e "$T/held" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
out=$("$BIN" --db "$DB" print --pending --driver pdf --out "$T/held.pdf" 2>&1); rc=$?
state=$(sqlite3 "$DB" "SELECT state FROM print_job WHERE id = $job")
if [ $rc -eq 0 ] && [ "$state" = sending ] && [ ! -e "$T/held.pdf" ]; then ok "--pending leaves a job another desk is sending"
else fail "--pending leaves a job another desk is sending" "exit $rc state $state: $out"; fi
kill -9 $HOLDER; wait $HOLDER 2>/dev/null
out=$("$BIN" --db "$DB" print --pending --driver pdf --out "$T/held.pdf" 2>&1); rc=$?
state=$(sqlite3 "$DB" "SELECT state FROM print_job WHERE id = $job")
if [ $rc -eq 0 ] && [ "$state" = done ] && [ -s "$T/held.pdf" ]; then ok "a job whose desk was killed mid-job prints at once with --pending"
else fail "a job whose desk was killed prints with --pending" "exit $rc state $state: $out"; fi
[ "$(stat -c %a "$DB.print-lock")" = 600 ] && ok "the print lock file is 0600" || fail "the print lock file is 0600" "$(stat -c %a "$DB.print-lock")"

# 5. Bad input gets a clear error.
out=$("$BIN" --db "$DB" print --card "$c1" --driver laser 2>&1); rc=$?
[ $rc -eq 64 ] && echo "$out" | grep -q "no printer driver named 'laser'" && ok "an unknown driver: exit 64, named" || fail "an unknown driver" "exit $rc: $out"
out=$("$BIN" --db "$DB" print --card 999999999 --driver pdf --out "$T/none.pdf" 2>&1); rc=$?
[ $rc -eq 66 ] && echo "$out" | grep -q "no card in use has the number given" && ! echo "$out" | grep -q 999999999 && [ ! -e "$T/none.pdf" ] && ok "an unknown card: exit 66, nothing written, the number not repeated" || fail "an unknown card" "exit $rc: $out"
printf '[desk]\nname = Front\n[print]\ndriver = laser\n' >"$T/bad.ini"
out=$("$BIN" --db "$DB" --config "$T/bad.ini" printers 2>&1); rc=$?
[ $rc -eq 65 ] && echo "$out" | grep -q "bad.ini:4" && ok "a bad [print] driver in the settings names file:line" || fail "a bad [print] setting" "exit $rc: $out"
out=$("$BIN" --db "$DB" print --card "$c1" --driver pdf 2>&1); rc=$?
[ $rc -eq 65 ] && echo "$out" | grep -q "needs a target" && ok "a printer without a target says so" || fail "a printer without a target" "exit $rc: $out"

# 6. printers lists every driver.
out=$("$BIN" --db "$DB" printers 2>&1); rc=$?
n=0; for d in pdf escpos zpl cups preview; do echo "$out" | grep -q "^  $d " && n=$((n + 1)); done
[ $rc -eq 0 ] && [ $n -eq 5 ] && ok "printers lists the five drivers" || fail "printers lists the drivers" "exit $rc: $out"

# 7. Printing is a module the program loads when it first draws a slip
#    (tui/mod/README.md): the program itself links no cairo, pango, libzint,
#    libcups, libcurl or OpenSSL, and without the module printing says so,
#    naming the file, while everything else keeps working.
heavy=$(ldd "$BIN" | grep -oE 'lib(cairo|pango[a-z]*|cups|curl|zint|gnutls|ssl)[-.][^ ]*' | tr '\n' ' ')
[ -z "$heavy" ] && ok "the program links none of the printing and network libraries" || fail "the program links no printing or network library" "$heavy"
mkdir -p "$T/lone"
cp "$BIN" "$T/lone/cardroll"
njobs=$(sqlite3 "$DB" "SELECT count(*) FROM print_job")
out=$("$T/lone/cardroll" --db "$DB" print --card "$c1" --driver pdf --out "$T/lone.pdf" 2>&1); rc=$?
if [ $rc -eq 69 ] && echo "$out" | grep -q "printing is not available: cardroll-print.so is not installed (looked in $T/lone" && [ ! -e "$T/lone.pdf" ]; then
	ok "no printing module: exit 69, the file named, nothing written"
else
	fail "no printing module" "exit $rc: $out"
fi
[ "$(sqlite3 "$DB" "SELECT count(*) FROM print_job WHERE state = 'failed'")" -ge 1 ] && [ "$(sqlite3 "$DB" "SELECT count(*) FROM print_job")" -gt "$njobs" ] \
	&& ok "the job is kept as failed, to print once the module is back" || fail "the job without the module is kept"
out=$("$T/lone/cardroll" --db "$DB" print --card "$c1" --driver preview --out "$T/lone.txt" 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "$c1" "$T/lone.txt" && ok "without the module the text preview still prints" || fail "the preview without the module" "exit $rc: $out"
out=$("$T/lone/cardroll" --db "$DB" find --json "$fam" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "without the modules find still works" || fail "find without the modules" "exit $rc: $out"
printf 'not a shared object\n' >"$T/lone/cardroll-print.so"
out=$("$T/lone/cardroll" --db "$DB" print --card "$c1" --driver pdf --out "$T/lone.pdf" 2>&1); rc=$?
if [ $rc -eq 69 ] && echo "$out" | grep -q "$T/lone/cardroll-print.so could not be loaded: .*cardroll-print.so: " && [ ! -e "$T/lone.pdf" ]; then
	ok "a broken printing module: exit 69, the file and dlerror named"
else
	fail "a broken printing module" "exit $rc: $out"
fi
printf '[sync]\ntarget = koha\nurl = http://127.0.0.1:9\nauth = basic\nuser = koha\npassword = pw\nlibrary_id = CPL\ncategory = ST\nattribute = STUID\n' >"$T/koha.ini"
out=$("$T/lone/cardroll" --db "$DB" --config "$T/koha.ini" sync 2>&1); rc=$?
[ $rc -eq 69 ] && echo "$out" | grep -q "the network code is not available: cardroll-net.so is not installed" \
	&& ok "no network module: sync exits 69 naming cardroll-net.so" || fail "sync without the network module" "exit $rc: $out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
