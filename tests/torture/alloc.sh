#!/bin/sh
# Allocation faults (issue 14): prepares a work folder (a small genroster
# district, an empty and an imported database, settings with a file sync
# target) and runs tests/torture/allocfail over the core cases, failing each
# allocation in turn. TORTURE_ALLOC_EVERY=K fails every K-th only (the
# shortened run in `make check`), starting at an offset from the seed.
# Env: ALLOCFAIL (the driver), CARDROLL_BIN, TORTURE_SEED, TORTURE_ALLOC_EVERY.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CARDROLL_BIN:-$ROOT/build/cardroll}
DRV=${ALLOCFAIL:-$ROOT/build/tests/allocfail}
SEED=${TORTURE_SEED:-1}
EVERY=${TORTURE_ALLOC_EVERY:-1}
# tmpfs when there is one: thousands of runs, each fsyncing a database
TMPD=/tmp; [ -d /dev/shm ] && [ -w /dev/shm ] && TMPD=/dev/shm
W=$(mktemp -d "$TMPD/cardroll-alloc.XXXXXX")
trap 'rm -rf "$W"' EXIT
export HOME=$W CARDROLL_STAFF="Torture Admin" CARDROLL_PIN=2468

python3 "$ROOT/tests/tools/genroster" --students 24 --schools 1 --seed "$SEED" --out "$W/pkg" >/dev/null || exit 70
mkdir -p "$W/drop"
cat >"$W/cardroll.ini" <<INI
[desk]
name = Torture
[sync]
target = file
folder = $W/drop
format = koha-csv
category = J
INI
"$BIN" --db "$W/empty.db" classes >/dev/null 2>&1   # creates and migrates; no classes yet
"$BIN" --db "$W/demo.db" import --quiet "$W/pkg" >/dev/null 2>&1 || { echo "alloc: import failed"; exit 70; }
"$BIN" --db "$W/demo.db" staff add "Torture Admin" >/dev/null 2>&1 || { echo "alloc: staff add failed"; exit 70; }
cp "$W/demo.db" "$W/issued.db"
ids=$(sqlite3 "$W/demo.db" "SELECT student_number FROM student WHERE status_code = 'a' AND student_number IS NOT NULL ORDER BY id LIMIT 4")
"$BIN" --db "$W/issued.db" --config "$W/cardroll.ini" issue $ids >/dev/null 2>&1
for d in empty demo issued; do sqlite3 "$W/$d.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; done
[ "$(sqlite3 "$W/issued.db" "SELECT count(*) FROM outbox")" -gt 0 ] || { echo "alloc: no signups to sync"; exit 70; }

export ALLOCFAIL_STUDENTS=$(sqlite3 "$W/demo.db" "SELECT count(*) FROM student")
export ALLOCFAIL_ROWS=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$W/pkg/users.csv") ))
export ALLOCFAIL_CHILD=$(sqlite3 "$W/demo.db" "SELECT student_number FROM student WHERE status_code = 'a' AND student_number IS NOT NULL ORDER BY id DESC LIMIT 1")
offset=${TORTURE_ALLOC_OFFSET:-$((SEED % EVERY + 1))}
echo "alloc: seed $SEED, failing allocation $offset, then every $EVERY (1: each in turn)"
[ -n "${ALLOCFAIL_KEEP:-}" ] && trap - EXIT && echo "alloc: work dir $W"
"$DRV" "$W" "$@" --every "$EVERY" --offset "$offset"
