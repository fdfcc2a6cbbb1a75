#!/bin/sh
# I/O faults (issue 14): a disk that fills (or fails) part way through an
# import and a signup, through the LD_PRELOAD shim faultio.so; a read-only
# database; a database another program holds locked; a database from a
# newer cardroll. Each must end in a clear message naming what failed, and
# leave the database as it was before the failed operation (integrity_check
# ok, the roster, cards and outbox unchanged), and the next try must work.
# A loop-mounted small filesystem is used too when this is root and can
# mount one; else the reason is printed and the shim's results stand.
# Env: CARDROLL_BIN, FAULTIO (the shim), TORTURE_SEED, TORTURE_FULL=1 (more trials).
set -u
PART=io
. "$(dirname "$0")/lib.sh"
SO=${FAULTIO:-$ROOT/build/tests/faultio.so}
[ -f "$SO" ] || { echo "no $SO (make build/tests/faultio.so)"; exit 70; }
N=3; [ "$FULL" = 1 ] && N=12
export HOME=$T CARDROLL_STAFF="Io Admin" CARDROLL_PIN=2468
echo "io: seed $SEED, $N trials per disk fault"

python3 "$GEN" --students 300 --schools 2 --seed "$SEED" --out "$T/bulk" >/dev/null || exit 70
python3 "$GEN" --delta-from "$T/bulk" --seed "$((SEED + 1))" --change-rate 0.05 --out "$T/delta" >/dev/null || exit 70
"$BIN" --db "$T/base.db" import --quiet "$T/bulk" >/dev/null 2>&1 || { fail "the district imports"; exit 1; }
"$BIN" --db "$T/base.db" staff add "Io Admin" >/dev/null 2>&1 || { fail "the admin is added"; exit 1; }
q "$T/base.db" "SELECT student_number FROM student WHERE status_code = 'a' AND student_number IS NOT NULL ORDER BY id" >"$T/ids"
"$BIN" --db "$T/base.db" issue $(head -5 "$T/ids") >/dev/null 2>&1
q "$T/base.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

# What must not change when an operation fails.
snap() {   # the roster, cards, events and outbox without run numbers and clocks
	sqlite3 "$1" "SELECT sourced_id, name FROM district ORDER BY 1;
		SELECT sourced_id, name, status FROM school ORDER BY 1;
		SELECT sourced_id, title, teacher, status FROM class ORDER BY 1;
		SELECT sourced_id, student_number, given_name, family_name, grade, school_id, birth_date, status_code FROM student ORDER BY 1;
		SELECT student_id, class_id FROM enrollment ORDER BY 1, 2;
		SELECT number, student_id, status FROM card ORDER BY 1;
		SELECT uuid, kind, student_id, card_id FROM event ORDER BY 1;
		SELECT event_id, state FROM outbox ORDER BY 1;
		SELECT name, role FROM staff ORDER BY 1" | sha256sum | cut -c1-16
}
fresh() {   # fresh NAME [FROM]: a copy of base.db (or FROM) as NAME
	rm -f "$T/$1" "$T/$1-wal" "$T/$1-shm"
	cp "$T/${2:-base.db}" "$T/$1"
}
under_fault() {   # under_fault DB AFTER ERRNO cmd...: runs cmd with the disk full after AFTER bytes
	db=$1; after=$2; en=$3; shift 3
	rm -f "$T/fired"
	LD_PRELOAD=$SO FAULTIO_PATH=$db FAULTIO_AFTER=$after FAULTIO_ERRNO=$en FAULTIO_LOG=$T/fired "$@" >"$T/out" 2>"$T/err"
}
measure() {   # measure DB cmd...: bytes the command writes to DB's files
	db=$1; shift
	LD_PRELOAD=$SO FAULTIO_PATH=$db FAULTIO_AFTER=-1 FAULTIO_COUNT=$T/count "$@" >/dev/null 2>&1
	cat "$T/count"
}
names_failure() {   # the message says what went wrong and where
	grep -q "full\|could not be written\|could not be read" "$T/err" && grep -q "$1" "$T/err"
}

# ---- the disk fills mid-import (a delta on a district; a first bulk) ----
disk_import() {   # disk_import LABEL FROM SOURCE
	label=$1; from=$2; src=$3
	fresh m.db "$from"; total=$(measure "$T/m.db" "$BIN" --db "$T/m.db" import --quiet "$src")
	[ "${total:-0}" -gt 0 ] || { fail "$label: measuring the import's writes"; return; }
	fresh want.db "$from"; "$BIN" --db "$T/want.db" import --quiet "$src" >/dev/null 2>&1; want=$(snap "$T/want.db")
	i=0; bad=0; fired=0
	while [ $i -lt "$N" ]; do
		i=$((i + 1)); trials=$((trials + 1)); inputs=$((inputs + 1))
		rnd "$total"; after=$RND
		fresh t.db "$from"; before=$(snap "$T/t.db")
		under_fault "$T/t.db" "$after" ENOSPC "$BIN" --db "$T/t.db" import --quiet "$src"; rc=$?
		if [ -f "$T/fired" ]; then
			fired=$((fired + 1)); faults=$((faults + 1))
			if [ $rc -eq 0 ] || ! names_failure "t.db"; then
				bad=$((bad + 1)); fail "$label: full after $after of $total bytes: a clear message" "exit $rc: $(head -c 300 "$T/err")"
			fi
			if [ "$(q "$T/t.db" "PRAGMA integrity_check")" != ok ] || [ "$(snap "$T/t.db")" != "$before" ]; then
				bad=$((bad + 1)); lost=$((lost + 1)); fail "$label: full after $after bytes: the database as it was"
			fi
		fi
		# The next try, with room on the disk, imports it all.
		"$BIN" --db "$T/t.db" import --quiet "$src" >/dev/null 2>&1
		if [ "$(snap "$T/t.db")" != "$want" ]; then
			bad=$((bad + 1)); lost=$((lost + 1)); fail "$label: the import after the fault gives what a clean import gives"
		fi
	done
	[ $bad -eq 0 ] && ok "$label: $i trials, the disk full after a random byte of $total ($fired faults fired): exit 73 naming the file, database as before, the retry complete"
}
disk_import "disk full mid-delta-import" base.db "$T/delta"
"$BIN" --db "$T/empty.db" import --dry-run --quiet "$T/bulk" >/dev/null 2>&1   # created and migrated, nothing imported
disk_import "disk full mid-bulk-import" empty.db "$T/bulk"

# ---- the disk fills (or fails) mid-signup ----
i=0; bad=0; fired=0
fresh m.db; rnd 200; id=$(sed -n "$((RND + 10))p" "$T/ids")
total=$(measure "$T/m.db" "$BIN" --db "$T/m.db" issue "$id")
while [ $i -lt $((N * 2)) ]; do
	i=$((i + 1)); trials=$((trials + 1)); inputs=$((inputs + 1))
	rnd 200; id=$(sed -n "$((RND + 10))p" "$T/ids")
	rnd "$total"; after=$RND
	en=ENOSPC; [ $((i % 3)) -eq 0 ] && en=EIO
	fresh t.db; before=$(snap "$T/t.db"); cards=$(q "$T/t.db" "SELECT count(*) FROM card")
	under_fault "$T/t.db" "$after" "$en" "$BIN" --db "$T/t.db" issue "$id"; rc=$?
	if [ -f "$T/fired" ]; then
		fired=$((fired + 1)); faults=$((faults + 1))
		if [ $rc -eq 0 ] || ! names_failure "t.db"; then
			bad=$((bad + 1)); fail "signup, $en after $after of $total bytes: a clear message" "exit $rc: $(head -c 300 "$T/err")"
		fi
		if grep -q "$id" "$T/err"; then bad=$((bad + 1)); fail "signup: no student ID on stderr"; fi
		if [ "$(q "$T/t.db" "PRAGMA integrity_check")" != ok ] || [ "$(snap "$T/t.db")" != "$before" ]; then
			bad=$((bad + 1)); lost=$((lost + 1)); fail "signup, $en after $after bytes: the database as it was"
		fi
	fi
	"$BIN" --db "$T/t.db" issue "$id" >/dev/null 2>&1
	if [ "$(q "$T/t.db" "SELECT count(*) FROM card")" -ne $((cards + 1)) ] ||
	   [ "$(q "$T/t.db" "SELECT count(*) FROM card k JOIN event e ON e.card_id = k.id JOIN outbox o ON o.event_id = e.id")" -ne $((cards + 1)) ]; then
		bad=$((bad + 1)); lost=$((lost + 1)); fail "signup after the fault: one card, its event and outbox row"
	fi
done
[ $bad -eq 0 ] && ok "signup: $i trials, the disk full or failing (ENOSPC, EIO) after a random byte of $total ($fired fired): exit 73 naming the file, no ID on stderr, nothing half-written, the retry issues once"

# ---- a loop-mounted small filesystem (root only; skipped with the reason) ----
loop_reason=""
if [ "$(id -u)" -ne 0 ]; then loop_reason="not root"
elif ! command -v mkfs.ext2 >/dev/null 2>&1; then loop_reason="no mkfs.ext2"
else
	mkdir -p "$T/mnt"
	dd if=/dev/zero of="$T/fs.img" bs=1024 count=$(( $(wc -c <"$T/base.db") / 1024 + 400 )) 2>/dev/null
	mkfs.ext2 -q -F "$T/fs.img" >/dev/null 2>&1
	if ! mount -o loop "$T/fs.img" "$T/mnt" 2>"$T/mount.err"; then
		loop_reason="mount -o loop failed: $(head -c 120 "$T/mount.err")"
	fi
fi
if [ -z "$loop_reason" ]; then
	trials=$((trials + 1)); inputs=$((inputs + 1))
	cp "$T/base.db" "$T/mnt/l.db"
	python3 "$GEN" --students 20000 --seed "$SEED" --out "$T/big" >/dev/null
	before=$(snap "$T/mnt/l.db")
	"$BIN" --db "$T/mnt/l.db" import --quiet "$T/big" >"$T/out" 2>"$T/err"; rc=$?
	if [ $rc -ne 0 ]; then faults=$((faults + 1)); fi
	if [ $rc -ne 0 ] && grep -q "full" "$T/err" && [ "$(q "$T/mnt/l.db" "PRAGMA integrity_check")" = ok ] &&
	   [ "$(snap "$T/mnt/l.db")" = "$before" ]; then
		ok "a small loop-mounted disk fills during an import: exit $rc, '$(head -c 90 "$T/err")...', database as before"
	elif [ $rc -eq 0 ]; then
		fail "the small loop-mounted disk fills" "the import fitted"
	else
		lost=$((lost + 1)); fail "loop-mounted full disk" "exit $rc: $(head -c 200 "$T/err")"
	fi
	umount "$T/mnt"
else
	echo "skip - loop-mounted small filesystem: $loop_reason (the shim above covers a full disk)"
fi

# ---- a read-only database ----
trials=$((trials + 1)); inputs=$((inputs + 1)); faults=$((faults + 1))
mkdir -p "$T/ro"; fresh ro/ro.db; chmod 755 "$T" "$T/ro"; chmod 644 "$T/ro/ro.db"
sum0=$(sha256sum <"$T/ro/ro.db")
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- env HOME="$T/ro" "$@"; }
# nobody runs a copy beside the database: the clone itself may sit in a
# folder only its owner can enter (mktemp -d makes them 0700)
cp "$BIN" "$T/ro/cardroll" && chmod 755 "$T/ro/cardroll"
id=$(sed -n 50p "$T/ids")
as_nobody "$T/ro/cardroll" --db "$T/ro/ro.db" issue "$id" >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 73 ] && grep -q "read-only\|cannot open" "$T/err" && grep -q "ro.db" "$T/err" &&
   [ "$(sha256sum <"$T/ro/ro.db")" = "$sum0" ]; then
	ok "read-only database: issue exits 73 with '$(head -c 120 "$T/err")', the file unchanged"
else
	fail "read-only database: a clear message, the file unchanged" "exit $rc: $(head -c 300 "$T/err")"
fi
as_nobody "$T/ro/cardroll" --db "$T/ro/ro.db" find "$id" >"$T/out" 2>"$T/err"; rc=$?
if { [ $rc -eq 0 ] && [ -s "$T/out" ]; } || { [ $rc -eq 73 ] && grep -q "ro.db" "$T/err"; }; then
	ok "read-only database: find answers or says why (exit $rc)"
else
	fail "read-only database: find answers or says why" "exit $rc: $(head -c 300 "$T/err")"
fi
chmod 700 "$T"

# ---- a database another program holds ----
fresh lk.db
printf '[storage]\nbusy_timeout_ms = 1000\n' >"$T/busy.ini"
hold() {   # hold MODE SECONDS: another program (python's sqlite3) holds the database
	python3 - "$T/lk.db" "$1" "$2" "$T/held" <<'PY' &
import sqlite3, sys, time, os
db, mode, secs, flag = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
c = sqlite3.connect(db, isolation_level=None)
if mode == "exclusive":
    c.execute("PRAGMA locking_mode = EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE" if mode == "exclusive" else "BEGIN IMMEDIATE")
c.execute("INSERT INTO audit (at, action) VALUES (0, 'held by another program')")
open(flag, "w").close()
time.sleep(secs)
c.execute("ROLLBACK")
PY
	HOLDER=$!; PIDS="$PIDS $HOLDER"
	k=0; while [ ! -f "$T/held" ] && [ $k -lt 100 ]; do sleep 0.05; k=$((k + 1)); done
}
line=60
for mode in immediate exclusive; do
	trials=$((trials + 1)); inputs=$((inputs + 1)); faults=$((faults + 1))
	rm -f "$T/held"; cards=$(q "$T/lk.db" "SELECT count(*) FROM card")
	hold "$mode" 6
	line=$((line + 1)); id=$(sed -n ${line}p "$T/ids")
	t0=$(date +%s)
	"$BIN" --db "$T/lk.db" --config "$T/busy.ini" issue "$id" >"$T/out" 2>"$T/err"; rc=$?
	t1=$(date +%s)
	wait "$HOLDER" 2>/dev/null
	if [ $rc -eq 75 ] && grep -q "busy" "$T/err" && grep -q "lk.db" "$T/err" && [ $((t1 - t0)) -le 4 ] &&
	   [ "$(q "$T/lk.db" "SELECT count(*) FROM card")" -eq "$cards" ] && [ "$(q "$T/lk.db" "PRAGMA integrity_check")" = ok ]; then
		ok "database held by another program ($mode): exit 75 after $((t1 - t0)) s (busy_timeout_ms = 1000): '$(head -c 110 "$T/err")'"
	else
		fail "database held by another program ($mode): exit 75 naming it, within the busy timeout" "exit $rc in $((t1 - t0)) s: $(head -c 300 "$T/err")"
	fi
	"$BIN" --db "$T/lk.db" issue "$id" >/dev/null 2>&1
	[ "$(q "$T/lk.db" "SELECT count(*) FROM card")" -eq $((cards + 1)) ] || { lost=$((lost + 1)); fail "$mode: the signup works once the other program lets go"; }
done

# ---- a database from a newer cardroll ----
latest=$(ls "$ROOT/assets/migrations" | sed -n 's/^0*\([0-9][0-9]*\)_.*/\1/p' | sort -n | tail -1)
newer=$((latest + 1))
fresh nw.db
q "$T/nw.db" "PRAGMA journal_mode = DELETE; PRAGMA user_version = $newer" >/dev/null
sum0=$(sha256sum <"$T/nw.db")
bad=0
for cmd in "find x" "issue $(sed -n 70p "$T/ids")" "import --quiet $T/delta" "classes" "report" "sync"; do
	trials=$((trials + 1)); inputs=$((inputs + 1)); faults=$((faults + 1))
	# shellcheck disable=SC2086
	"$BIN" --db "$T/nw.db" $cmd >"$T/out" 2>"$T/err"; rc=$?
	if [ $rc -ne 65 ] || ! grep -q "version $newer" "$T/err" || ! grep -q "($latest)" "$T/err"; then
		bad=$((bad + 1)); fail "newer database: '$cmd' refused naming versions $newer and $latest" "exit $rc: $(head -c 300 "$T/err")"
	fi
	if [ "$(sha256sum <"$T/nw.db")" != "$sum0" ] || [ -e "$T/nw.db-wal" ]; then
		bad=$((bad + 1)); lost=$((lost + 1)); fail "newer database: '$cmd' left it untouched"
	fi
done
[ $bad -eq 0 ] && ok "a database from a newer cardroll (schema $newer): 6 commands each exit 65 naming both versions, the file byte for byte untouched"

summary
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
