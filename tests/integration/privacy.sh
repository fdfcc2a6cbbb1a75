#!/bin/sh
# A whole day at the desk, for privacy (issue 13): a generated district is
# imported (with defects), cards are issued, slips printed (PDF and the
# preview spool), the outbox synced to the loopback test ILS
# (tests/sync/ilsd.py), reports made, a delta withdraws children, and purge
# forgets them. Under umask 022. Then:
#   - every stderr and every log holds no child's given or family name (5+
#     letters), student ID or card number;
#   - every file in cardroll's folder is 0600 and the folder 0700;
#   - the report is the same before and after the purge;
#   - the audit shows purged children only as hashes.
# Run from the repository root; env CARDROLL_BIN. Prints 'N passed, M failed'.
set -u
umask 022

ROOT=$(pwd)
BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
GEN=$ROOT/tests/tools/genroster
ILSD=$ROOT/tests/sync/ilsd.py
T=$(mktemp -d /tmp/cardroll-privacy.XXXXXX)
SRV=""
passed=0
failed=0
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	if [ "$failed" -gt 0 ] || [ -n "${KEEP:-}" ]; then echo "work dir kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

export HOME=$T/home
unset CARDROLL_DB CARDROLL_CONFIG XDG_DATA_HOME XDG_CONFIG_HOME CARDROLL_SYNC_PASSWORD
mkdir -p "$HOME" "$T/err"
DATA=$HOME/.local/share/cardroll          # the default place: cardroll makes it
DB=$DATA/cardroll.db
q() { sqlite3 "$DB" "$1"; }
# Every run's stderr is kept, one file a step; stdout is the operator's own.
step=0
run() {
	step=$((step + 1))
	"$BIN" --config "$T/cardroll.ini" "$@" 2>"$T/err/$(printf %02d $step)-$1.err"
}

"$GEN" --students 240 --seed 31 --dirty --out "$T/d1" >/dev/null 2>&1 &&
	"$GEN" --delta-from "$T/d1" --seed 32 --change-rate 0.03 --out "$T/d2" >/dev/null 2>&1 ||
	{ fail "genroster makes the district and its delta"; exit 1; }

python3 "$ILSD" --port 0 --port-file "$T/port" --user koha --password pw --state "$T/ils.json" \
	2>"$T/ilsd.log" &
SRV=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T/port" 2>/dev/null)
[ -n "$PORT" ] || { fail "the test ILS starts"; exit 1; }
yesterday=$(date -d yesterday +%Y-%m-%d)
cat >"$T/cardroll.ini" <<EOF
[desk]
name = Front
[sync]
target = koha
url = http://127.0.0.1:$PORT
auth = basic
user = koha
password = pw
library_id = CPL
category = ST
timeout_ms = 3000
backoff_max_s = 1
[retention]
school_year_end = $yesterday
withdrawn_days = 0
EOF
chmod 600 "$T/cardroll.ini"

# ---- the day -----------------------------------------------------------------
run import --quiet "$T/d1" >/dev/null
[ -f "$DB" ] && ok "the district is imported into the default database" || { fail "import"; exit 1; }
CARDROLL_PIN=2468 run staff add "Zephyrine Quarrington" >/dev/null || fail "the first admin is added"
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 CARDROLL_NEW_PIN=1357 \
	run staff add "Odalys Brightwater" --role librarian >/dev/null || fail "a librarian is added"
export CARDROLL_STAFF="Odalys Brightwater" CARDROLL_PIN=1357
# Exports (CSV and JSON reports, --out) and imports are an admin's (perm.c); the rest of the day is the librarian's.
classes=$(q "SELECT sourced_id FROM class WHERE status = 'active' ORDER BY sourced_id LIMIT 3")
for c in $classes; do
	run issue --class "$c" --all-eligible >/dev/null
done
for s in $(q "SELECT student_number FROM student WHERE status = 'active' AND student_number IS NOT NULL
              AND id NOT IN (SELECT student_id FROM card) ORDER BY id LIMIT 12"); do
	run issue "$s" >/dev/null
done
ncards=$(q "SELECT count(*) FROM card")
[ "$ncards" -ge 20 ] && ok "cards are issued ($ncards)" || fail "cards are issued" "$ncards"
s=$(q "SELECT student_number FROM student WHERE status = 'active' AND id NOT IN (SELECT student_id FROM card)
       AND student_number IS NOT NULL ORDER BY id DESC LIMIT 1")
run consent "$s" opted-out >/dev/null || fail "an opt-out is recorded"
run void "$(q "SELECT number FROM card ORDER BY id LIMIT 1")" --reason "wrong child" >/dev/null || fail "a card is voided"
CARDROLL_PIN=9999 run issue "$s" >/dev/null && fail "a wrong PIN is refused"
c1=$(echo "$classes" | sed -n 1p)
c2=$(echo "$classes" | sed -n 2p)
run print --class "$c1" --driver pdf --out "$DATA/class-slips.pdf" >/dev/null || fail "a class's slips print to PDF"
run slips --class "$c2" >/dev/null || fail "a class's slips are queued"
run print --pending >/dev/null || fail "waiting slips print to the preview spool"
if pdftotext "$DATA/class-slips.pdf" - 2>/dev/null | grep -q "$(q "SELECT number FROM card c JOIN enrollment e ON
     e.student_id = c.student_id JOIN class k ON k.id = e.class_id WHERE k.sourced_id = '$c1' AND c.status = 'active'
     ORDER BY c.id LIMIT 1")" && [ -s "$DATA/slips-preview.txt" ]; then
	ok "slips were printed (the PDF holds a card number; the preview spool is written)"
else
	fail "slips were printed"
fi
run sync >/dev/null; rc=$?
sent=$(python3 -c 'import json,sys,urllib.request as u
print(len(json.load(u.urlopen("http://127.0.0.1:%s/_control/patrons" % sys.argv[1]))))' "$PORT" 2>/dev/null)
[ "$rc" -eq 0 ] && [ "${sent:-0}" -ge 20 ] && ok "the outbox is synced to the test ILS ($sent patrons)" ||
	fail "sync" "exit $rc, $sent patrons"
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run report --format csv --out "$DATA/report.csv" >/dev/null || fail "a CSV report is written"
run report --by class >/dev/null || fail "a text report is shown"

# The district's delta withdraws children (some of them carded).
q "SELECT number FROM card" >"$T/cards.txt"
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run import --quiet "$T/d2" >/dev/null
nw=$(q "SELECT count(*) FROM student WHERE status = 'withdrawn'")
nwc=$(q "SELECT count(*) FROM student s WHERE status = 'withdrawn' AND EXISTS (SELECT 1 FROM card c WHERE c.student_id = s.id AND c.status = 'active')")
[ "$nw" -gt 0 ] && [ "$nwc" -gt 0 ] && ok "the delta withdraws $nw children, $nwc of them carded" ||
	fail "the delta withdraws carded children" "$nw withdrawn, $nwc carded"
run sync >/dev/null
# The day's mistakes: what is refused says why on stderr, never repeating
# the child's student ID or card number.
wsid=$(q "SELECT student_number FROM student WHERE status = 'withdrawn' AND student_number IS NOT NULL LIMIT 1")
vcard=$(q "SELECT number FROM card WHERE status = 'void' LIMIT 1")
run issue "$wsid" >/dev/null
run issue "${wsid}9" >/dev/null
run consent "${wsid}9" given >/dev/null
run void "$vcard" --reason "again" >/dev/null
run slips --preview "$vcard" >/dev/null
run print --card "$vcard" >/dev/null
run find "${wsid}9" >/dev/null
echo "$vcard" >>"$T/cards.txt"
echo "${wsid}9" >>"$T/cards.txt"
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run report --format json --out "$T/before.json" >/dev/null || fail "the JSON report before the purge"

# File modes while the database is open (its -wal and -shm exist): another
# connection holds it while cardroll writes.
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM student").fetchall(); time.sleep(20)' "$DB" &
HOLD=$!
i=0
while [ ! -f "$DB-shm" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run report --format csv --out "$DATA/report-open.csv" >/dev/null
bad=$(find "$DATA" \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \) 2>/dev/null)
if [ -z "$bad" ] && [ -f "$DB-wal" ] && [ -f "$DB-shm" ] && [ -f "$DATA/slips-preview.txt" ]; then
	ok "under umask 022: the database, -wal, -shm, spool and exports are 0600 in a 0700 folder"
else
	fail "file modes with the database open" "$(ls -la "$DATA" | tr '\n' ' ')"
fi
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

# ---- purge ----------------------------------------------------------------------
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run purge --dry-run >"$T/dry.out" || fail "purge --dry-run"
students=$(q "SELECT count(*) FROM student")
if grep -q "would remove $nw children withdrawn" "$T/dry.out" && [ "$(q "SELECT count(*) FROM student")" = "$students" ]; then
	ok "--dry-run says what would go and changes nothing"
else
	fail "--dry-run" "$(cat "$T/dry.out")"
fi
run purge >"$T/purge.out" && fail "a librarian cannot purge"
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run purge >"$T/purge.out" || fail "purge" "$(cat "$T/purge.out")"
[ "$(q "SELECT count(*) FROM student WHERE status = 'withdrawn'")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM student")" = $((students - nw)) ] &&
	ok "purge removes the $nw withdrawn children" || fail "purge removes the withdrawn" "$(cat "$T/purge.out")"
CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run report --format json --out "$T/after.json" >/dev/null || fail "the JSON report after the purge"
same=$(python3 -c 'import json,sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b): r.pop("generated", None)
print("same" if a == b and a["signups"]["total"] not in (0, None) else "differ")' "$T/before.json" "$T/after.json")
[ "$same" = same ] && ok "the report is the same before and after the purge" || fail "the report after the purge" "$same"

CARDROLL_STAFF="Zephyrine Quarrington" CARDROLL_PIN=2468 run audit --format json >"$T/audit.json" || fail "the admin reads the audit"
check=$(python3 -c 'import json,sys
rows = json.load(open(sys.argv[1]))
acts = {r["action"] for r in rows}
want = {"import", "issue", "void", "consent", "print", "export", "report", "purge", "sign-in", "sign-in-failed"}
purged = [r for r in rows if r["purged"]]
print("ok" if want <= acts and purged and all(r["student_number"] is None for r in purged) else
      "missing %s, %d purged" % (sorted(want - acts), len(purged)))' "$T/audit.json")
[ "$check" = ok ] && ok "the audit holds every action; purged children only as hashes" || fail "the audit" "$check"
run audit >/dev/null && fail "a librarian cannot read the audit"

# ---- files -----------------------------------------------------------------------
bad=$(find "$DATA" \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \) 2>/dev/null)
[ -z "$bad" ] && ok "after the purge every file in cardroll's folder is still 0600" || fail "file modes" "$bad"
# The preview spool held a withdrawn child's slip: purge removed it.
[ ! -f "$DATA/slips-preview.txt" ] && grep -q "1 files" "$T/purge.out" &&
	ok "the preview spool holding a purged child is removed" || fail "the spool follows the purge" "$(cat "$T/purge.out")"

# ---- no child in any stderr or log -------------------------------------------------
cat >"$T/scan.py" <<'PY'
import csv, glob, os, re, sys
d1, d2, cards, out = sys.argv[1:5]
words = set()
for d in (d1, d2):
    with open(os.path.join(d, "users.csv"), encoding="utf-8-sig", errors="replace", newline="") as f:
        for r in csv.DictReader(f):
            if (r.get("role") or "").strip() != "student":
                continue
            for k in ("givenName", "familyName", "middleName", "preferredGivenName"):
                for w in re.split(r"[\s,'-]+", r.get(k) or ""):
                    if len(w) >= 5:
                        words.add(w)
            for k in ("identifier", "sourcedId"):
                v = (r.get(k) or "").strip()
                if len(v) >= 4:
                    words.add(v)
for line in open(cards):
    if line.strip():
        words.add(line.strip())
files = sys.argv[5:]
pat = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")(?![\w-])",
                 re.IGNORECASE)
hits = []
for p in files:
    text = open(p, encoding="utf-8", errors="replace").read()
    for m in pat.finditer(text):
        hits.append("%s: %s" % (os.path.basename(p), m.group(0)))
with open(out, "w") as f:
    f.write("%d words, %d files\n" % (len(words), len(files)))
    f.write("\n".join(hits[:20]))
print(len(hits))
PY
logs=$(find "$T/err" "$HOME" -name '*.err' -o -name '*.log' 2>/dev/null; echo "$T/ilsd.log")
# shellcheck disable=SC2086
hits=$(python3 "$T/scan.py" "$T/d1" "$T/d2" "$T/cards.txt" "$T/scan.out" $logs)
nerr=$(echo "$logs" | wc -l)
if [ "$hits" = 0 ] && [ "$nerr" -ge 25 ]; then
	ok "no name, student ID or card number in $nerr stderr captures and logs ($(head -1 "$T/scan.out"))"
else
	fail "children in stderr or logs" "$hits hits: $(tail -n +2 "$T/scan.out" | tr '\n' ' ')"
fi
# The scan can fail: a stderr that names a child is caught.
name=$(python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")):
    if r["role"] == "student" and len(r["familyName"]) >= 5: print(r["familyName"]); break' "$T/d1/users.csv")
echo "cardroll: could not print the slip of $name" >"$T/planted.err"
hits=$(python3 "$T/scan.py" "$T/d1" "$T/d2" "$T/cards.txt" "$T/scan2.out" "$T/planted.err")
[ "$hits" = 1 ] && ok "the scan catches a planted name" || fail "the scan catches a planted name" "$hits"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
