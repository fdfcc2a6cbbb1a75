#!/bin/sh
# The file sync target through the real CLI: `cardroll sync` with
# [sync] target = file writes koha-csv, evergreen-csv and folio-json batch
# files that Python's csv/json modules read back: required columns, one row
# per issued card, the student ID where the ILS matches on it, names with
# commas/quotes/newlines intact, formula-looking names neutralised, the void
# as a row expiring today (CSV) or "active": false (FOLIO), mode 0600, no
# temp files left, a second sync writes nothing, and an unwritable folder
# gives exit 69 with "cannot write to FOLDER: reason".
# Run from the repository root; needs sqlite3 and python3. Env: CARDROLL_BIN.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
T=$(mktemp -d /tmp/cardroll-syncfile.XXXXXX)
passed=0
failed=0
trap 'rm -rf "$T"' EXIT INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

for tool in sqlite3 python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 0; }
done

export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
unset CARDROLL_SYNC_SECRET CARDROLL_SYNC_PASSWORD CARDROLL_SYNC_CLIENT_SECRET
DB=$T/base.db
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"

ids=$(sqlite3 "$DB" "SELECT student_number FROM student WHERE status = 'active' AND student_number <> '' ORDER BY id LIMIT 6")
s() { echo "$ids" | sed -n "$1p"; }
# Roster text that breaks naive CSV writers. The importer would fold the
# newline to a space, so it goes straight into the database here: the
# writer must be safe whatever the roster holds.
sqlite3 "$DB" "
UPDATE student SET family_name = 'O''Brien, \"Junior\"', given_name = 'Ann', preferred_name = NULL WHERE student_number = '$(s 1)';
UPDATE student SET family_name = 'Smith' || char(10) || 'Jones', given_name = 'Bo, Jr', preferred_name = NULL WHERE student_number = '$(s 2)';
UPDATE student SET family_name = '+Plus', given_name = '=HYPERLINK(\"http://evil.example\")', preferred_name = NULL WHERE student_number = '$(s 3)';
UPDATE student SET family_name = '-Minus', given_name = '@SUM(A1)', preferred_name = NULL WHERE student_number = '$(s 4)';
" || fail "the test names are set"

out=$("$BIN" --db "$DB" issue $ids 2>&1) || fail "six cards are issued" "$out"
out=$("$BIN" --db "$DB" void "$(s 6)" --reason "wrong child" 2>&1) || fail "one card is voided" "$out"

# What the files must hold, from the database: number, student ID, names.
sqlite3 -json "$DB" "
SELECT c.number AS card, s.student_number AS stu, s.family_name AS family,
       coalesce(nullif(s.preferred_name, ''), s.given_name) AS given, c.status AS status
FROM card c JOIN student s ON s.id = c.student_id ORDER BY c.id" >"$T/expect.json"

cat >"$T/check.py" <<'EOF'
import csv, datetime, json, os, stat, sys

fmt, folder, expect_path = sys.argv[1:4]
expect = json.load(open(expect_path, encoding="utf-8"))
today = datetime.date.today().isoformat()
files = sorted(os.listdir(folder))
assert not [f for f in files if f.startswith(".") or f.endswith(".tmp")], "temp files left: %r" % files
ext = ".json" if fmt == "folio-json" else ".csv"
assert files and all(f.startswith("cardroll-%s-" % fmt) and f.endswith(ext) for f in files), files
for f in files:
    mode = stat.S_IMODE(os.stat(os.path.join(folder, f)).st_mode)
    assert mode == 0o600, "%s is %o" % (f, mode)

def neutral(v):
    return "'" + v if v[:1] in ("=", "+", "-", "@") else v

signups, voids = {}, {}
if fmt == "folio-json":
    for f in files:
        d = json.load(open(os.path.join(folder, f), encoding="utf-8"))
        assert d["totalRecords"] == len(d["users"]) and d["sourceType"] == "cardroll"
        assert d["deactivateMissingUsers"] is False and d["updateOnlyPresentFields"] is True
        for u in d["users"]:
            for k in ("username", "externalSystemId", "barcode", "active", "personal", "expirationDate"):
                assert k in u, "%s missing" % k
            assert u["personal"]["preferredContactTypeId"] == "002"
            row = {"card": u["barcode"], "stu": u["externalSystemId"], "family": u["personal"]["lastName"],
                   "given": u["personal"].get("firstName", "")}
            (signups if u["active"] else voids).setdefault(u["barcode"], []).append(row)
else:
    need = {"koha-csv": ["cardnumber", "surname", "firstname", "dateofbirth", "branchcode", "categorycode",
                         "dateenrolled", "dateexpiry", "patron_attributes"],
            "evergreen-csv": ["cardnumber", "usrname", "family_name", "first_given_name", "dob",
                              "home_library", "expire_date", "profile", "ident_type", "ident_value",
                              "juvenile"]}[fmt]
    for f in files:
        with open(os.path.join(folder, f), newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
            assert rows, f
            missing = [c for c in need if c not in rows[0]]
            assert not missing, "columns missing: %r" % missing
        for r in rows:
            if fmt == "koha-csv":
                attr = r["patron_attributes"]
                assert attr.startswith("STUID:"), attr
                row = {"card": r["cardnumber"], "stu": attr[6:], "family": r["surname"],
                       "given": r["firstname"], "expiry": r["dateexpiry"]}
            else:
                assert r["juvenile"] == "t" and r["usrname"] == r["cardnumber"]
                row = {"card": r["cardnumber"], "stu": r["ident_value"], "family": r["family_name"],
                       "given": r["first_given_name"], "expiry": r["expire_date"]}
            # a void is the same row expiring today; a signup expires later
            (voids if row["expiry"] == today else signups).setdefault(row["card"], []).append(row)

for e in expect:
    got = signups.get(e["card"], [])
    assert len(got) == 1, "card %s: %d signup rows" % (e["card"], len(got))
    g = got[0]
    assert g["stu"] == e["stu"], (g["stu"], e["stu"])
    if fmt == "folio-json":
        assert (g["family"], g["given"]) == (e["family"], e["given"]), (g, e)
    else:
        assert (g["family"], g["given"]) == (neutral(e["family"]), neutral(e["given"])), (g, e)
    assert (e["card"] in voids) == (e["status"] == "void"), "void of %s" % e["card"]
assert len(signups) == len(expect), "%d signup cards, %d issued" % (len(signups), len(expect))
print("checked %d cards in %d file(s)" % (len(expect), len(files)))
EOF

for fmt in koha-csv evergreen-csv folio-json; do
	mkdir -p "$T/out-$fmt"
	cp "$DB" "$T/$fmt.db"
	cat >"$T/$fmt.ini" <<EOF
[sync]
target = file
folder = $T/out-$fmt
format = $fmt
library_id = MAIN
category = KID
attribute = STUID
EOF
	out=$("$BIN" --db "$T/$fmt.db" --config "$T/$fmt.ini" sync 2>&1); rc=$?
	if [ $rc -eq 0 ]; then ok "$fmt: sync exits 0"; else fail "$fmt: sync exits 0" "exit $rc: $out"; fi
	out=$(python3 "$T/check.py" "$fmt" "$T/out-$fmt" "$T/expect.json" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		ok "$fmt: columns, one row per card, student ID, names round-trip, formulas neutralised, 0600, no temp files"
	else
		fail "$fmt: file contents" "$out"
	fi
	before=$(ls "$T/out-$fmt" | wc -l)
	out=$("$BIN" --db "$T/$fmt.db" --config "$T/$fmt.ini" sync 2>&1); rc=$?
	after=$(ls -A "$T/out-$fmt" | wc -l)
	if [ $rc -eq 0 ] && [ "$before" = "$after" ]; then
		ok "$fmt: a second sync writes nothing new"
	else
		fail "$fmt: a second sync writes nothing new" "exit $rc, files $before -> $after: $out"
	fi
done

# Nowhere to write: exit 69 and a sentence naming the folder.
cp "$DB" "$T/bad.db"
printf '[sync]\ntarget = file\ncategory = KID\nfolder = %s/missing/folder\nformat = koha-csv\n' "$T" >"$T/bad.ini"
out=$("$BIN" --db "$T/bad.db" --config "$T/bad.ini" sync 2>&1); rc=$?
if [ $rc -eq 69 ] && echo "$out" | grep -q "cannot write to $T/missing/folder: No such file or directory"; then
	ok "a missing folder: exit 69, cannot write to FOLDER: No such file or directory"
else
	fail "a missing folder gives exit 69 and a clear message" "exit $rc: $out"
fi
: >"$T/afile"
printf '[sync]\ntarget = file\ncategory = KID\nfolder = %s/afile\nformat = folio-json\n' "$T" >"$T/bad.ini"
out=$("$BIN" --db "$T/bad.db" --config "$T/bad.ini" sync 2>&1); rc=$?
if [ $rc -eq 69 ] && echo "$out" | grep -q "cannot write to $T/afile: Not a directory"; then
	ok "a file instead of a folder: exit 69, Not a directory"
else
	fail "a file instead of a folder gives exit 69" "exit $rc: $out"
fi
if [ "$(id -u)" != 0 ]; then  # root writes through modes
	mkdir -p "$T/ro" && chmod 500 "$T/ro"
	printf '[sync]\ntarget = file\ncategory = KID\nfolder = %s/ro\nformat = koha-csv\n' "$T" >"$T/bad.ini"
	out=$("$BIN" --db "$T/bad.db" --config "$T/bad.ini" sync 2>&1); rc=$?
	chmod 700 "$T/ro"
	if [ $rc -eq 69 ] && echo "$out" | grep -q "cannot write to $T/ro: Permission denied"; then
		ok "a read-only folder: exit 69, Permission denied"
	else
		fail "a read-only folder gives exit 69" "exit $rc: $out"
	fi
fi
# and once it is there, the waiting events go out
mkdir -p "$T/missing/folder"
printf '[sync]\ntarget = file\ncategory = KID\nfolder = %s/missing/folder\nformat = koha-csv\n' "$T" >"$T/bad.ini"
sqlite3 "$T/bad.db" "UPDATE outbox SET next_at = 0 WHERE state = 'waiting'"
out=$("$BIN" --db "$T/bad.db" --config "$T/bad.ini" sync 2>&1); rc=$?
if [ $rc -eq 0 ] && python3 "$T/check.py" koha-csv "$T/missing/folder" "$T/expect.json" >/dev/null 2>&1; then
	ok "once the folder exists the waiting events are written"
else
	fail "once the folder exists the waiting events are written" "exit $rc: $out"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
