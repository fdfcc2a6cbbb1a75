#!/bin/sh
# The file sync target through the real CLI: `cardroll sync` with
# [sync] target = file writes koha-csv, evergreen-csv and folio-json batch
# files, read back the way each ILS reads them: the CSV files with Perl's
# Text::CSV configured as Koha's patron import and Evergreen's
# patron_loader configure it (tests/sync/loader_read.pl; Koha's
# patron_attributes cell parsed a second time), the FOLIO files checked
# against the user-import schema's rules (tests/sync/folio_schema.py).
# Student IDs with commas, quotes, spaces and non-ASCII; names with
# commas, quotes, a line break (a space in CSV), formula-looking starts
# (arriving unchanged: no guard in files an ILS loads) and non-ASCII
# (parked for the stock Evergreen loader, written when
# evergreen_loader_binary is set). The void as a row expiring yesterday
# (CSV; Evergreen also active = f) or "active": false (FOLIO); sourceType
# only when folio_source_type is set; mode 0600, no temp files left, a
# second sync writes nothing, and an unwritable folder gives exit 69 with
# "cannot write to FOLDER: reason".
# Run from the repository root; needs sqlite3, python3 and perl with
# Text::CSV (libtext-csv-perl). Env: CARDROLL_BIN.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
HERE=$(pwd)/tests/sync
T=$(mktemp -d /tmp/cardroll-syncfile.XXXXXX)
passed=0
failed=0
trap 'rm -rf "$T"' EXIT INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

for tool in sqlite3 python3 perl; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 0; }
done
perl -MText::CSV -e 1 2>/dev/null || { echo "skip: Text::CSV not installed (libtext-csv-perl)"; exit 0; }

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
UPDATE student SET given_name = 'José', preferred_name = NULL WHERE student_number = '$(s 5)';
" || fail "the test names are set"

out=$("$BIN" --db "$DB" issue $ids 2>&1) || fail "six cards are issued" "$out"
out=$("$BIN" --db "$DB" void "$(s 6)" --reason "wrong child" 2>&1) || fail "one card is voided" "$out"
# Student IDs that break a naive attribute list; the cards stay as issued
# (the sync reads the student ID when it sends).
sqlite3 "$DB" "
UPDATE student SET student_number = '12,3' WHERE student_number = '$(s 1)';
UPDATE student SET student_number = 'A\"7' WHERE student_number = '$(s 2)';
UPDATE student SET student_number = 'ID 45' WHERE student_number = '$(s 3)';
UPDATE student SET student_number = 'Ünï-9' WHERE student_number = '$(s 4)';
" || fail "the test student IDs are set"

# What the files must hold, from the database: number, student ID, names.
sqlite3 -json "$DB" "
SELECT c.number AS card, s.student_number AS stu, s.family_name AS family,
       coalesce(nullif(s.preferred_name, ''), s.given_name) AS given, c.status AS status
FROM card c JOIN student s ON s.id = c.student_id ORDER BY c.id" >"$T/expect.json"

cat >"$T/check.py" <<'PYEND'
import datetime, json, os, stat, subprocess, sys

mode, folder, expect_path, here = sys.argv[1:5]
fmt = {"koha": "koha-csv", "evergreen": "evergreen-csv", "evergreen-binary": "evergreen-csv"}.get(mode, mode)
expect = json.load(open(expect_path, encoding="utf-8"))
yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
files = sorted(os.listdir(folder))
assert not [f for f in files if f.startswith(".") or f.endswith(".tmp")], "temp files left: %r" % files
ext = ".json" if fmt == "folio-json" else ".csv"
assert files and all(f.startswith("cardroll-%s-" % fmt) and f.endswith(ext) for f in files), files
paths = [os.path.join(folder, f) for f in files]
for p in paths:
    bits = stat.S_IMODE(os.stat(p).st_mode)
    assert bits == 0o600, "%s is %o" % (p, bits)

def ascii(v):
    return all(ord(c) < 0x7f for c in v)

def csv_text(v):
    return v.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")

# the stock Evergreen loader cannot read non-ASCII: those children are parked
written = [e for e in expect
           if mode != "evergreen" or (ascii(e["stu"]) and ascii(e["family"]) and ascii(e["given"]))]
signups, voids = {}, {}
if fmt == "folio-json":
    r = subprocess.run([sys.executable, os.path.join(here, "folio_schema.py"), "--groups", "KID"] + paths,
                       capture_output=True, text=True)
    assert r.returncode == 0, "schema: " + r.stderr
    for p in paths:
        d = json.load(open(p, encoding="utf-8"))
        assert d["deactivateMissingUsers"] is False and d["updateOnlyPresentFields"] is True
        assert d.get("sourceType") == (os.environ.get("SOURCE_TYPE") or None), d.get("sourceType")
        for u in d["users"]:
            assert u["personal"]["preferredContactTypeId"] == "mail"
            row = {"card": u["barcode"], "stu": u["externalSystemId"], "family": u["personal"]["lastName"],
                   "given": u["personal"].get("firstName", "")}
            (signups if u["active"] else voids).setdefault(u["barcode"], []).append(row)
else:
    r = subprocess.run(["perl", os.path.join(here, "loader_read.pl"), mode] + paths,
                       capture_output=True, text=True)
    assert r.returncode == 0, "the %s loader would lose rows: %s" % (mode, r.stderr)
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert rows, "no rows"
    for r in rows:
        if fmt == "koha-csv":
            assert "dateenrolled" not in r, "dateenrolled is written"
            attrs = r["_attributes"]
            assert len(attrs) == 1 and attrs[0]["code"] == "STUID", attrs
            row = {"card": r["cardnumber"], "stu": attrs[0]["attribute"], "family": r["surname"],
                   "given": r["firstname"], "void": r["dateexpiry"] == yesterday}
        else:
            assert r["juvenile"] == "t" and r["usrname"] == r["cardnumber"] and r["ident_type"] == "3", r
            assert r["active"] in ("t", "f"), r["active"]
            row = {"card": r["cardnumber"], "stu": r["ident_value"], "family": r["family_name"],
                   "given": r["first_given_name"], "void": r["active"] == "f"}
            assert row["void"] == (r["expire_date"] == yesterday), r
        (voids if row["void"] else signups).setdefault(row["card"], []).append(row)

for e in written:
    got = signups.get(e["card"], [])
    assert len(got) == 1, "card %s: %d signup rows" % (e["card"], len(got))
    g = got[0]
    want = (e["stu"], e["family"], e["given"])
    if fmt != "folio-json":
        want = tuple(csv_text(v) for v in want)
    if fmt == "evergreen-csv":   # the loader trims every field
        want = tuple(v.strip() for v in want)
    assert (g["stu"], g["family"], g["given"]) == want, (g, e)
    assert (e["card"] in voids) == (e["status"] == "void"), "void of %s" % e["card"]
assert len(signups) == len(written), "%d signup cards, %d expected" % (len(signups), len(written))
print("checked %d cards in %d file(s)" % (len(written), len(files)))
PYEND

# Each mode: the format, for Evergreen the loader (stock or patched), for
# FOLIO with and without a sourceType; the exit code and parked count.
for mode in koha evergreen evergreen-binary folio-json folio-prefixed; do
	fmt=$mode extra="" want_rc=0 want_parked=0 ck=$mode SOURCE_TYPE=""
	case $mode in
	koha) fmt=koha-csv ;;
	evergreen) fmt=evergreen-csv want_rc=65 want_parked=2 ;;  # José; Ünï-9
	evergreen-binary) fmt=evergreen-csv extra="evergreen_loader_binary = yes" ;;
	folio-prefixed) fmt=folio-json extra="folio_source_type = school" SOURCE_TYPE=school ck=folio-json ;;
	esac
	export SOURCE_TYPE
	mkdir -p "$T/out-$mode"
	cp "$DB" "$T/$mode.db"
	printf '[sync]\ntarget = file\nfolder = %s\nformat = %s\nlibrary_id = MAIN\ncategory = KID\nattribute = STUID\n%s\n' \
		"$T/out-$mode" "$fmt" "$extra" >"$T/$mode.ini"
	out=$("$BIN" --db "$T/$mode.db" --config "$T/$mode.ini" sync 2>&1); rc=$?
	parked=$(sqlite3 "$T/$mode.db" "SELECT count(*) FROM outbox WHERE state = 'parked'")
	if [ $rc -eq $want_rc ] && [ "$parked" = "$want_parked" ]; then
		ok "$mode: sync exits $want_rc, $want_parked parked"
	else
		fail "$mode: sync exits $want_rc, $want_parked parked" "exit $rc, $parked parked: $out"
	fi
	if [ "$mode" = evergreen ]; then
		out=$("$BIN" --db "$T/$mode.db" --config "$T/$mode.ini" sync --parked 2>&1)
		if [ "$(echo "$out" | grep -c "evergreen_loader_binary")" -ge 2 ]; then
			ok "evergreen: the parked rows say why (plain ASCII only, or evergreen_loader_binary = yes)"
		else
			fail "evergreen: the parked rows say why" "$out"
		fi
	fi
	out=$(python3 "$T/check.py" "$ck" "$T/out-$mode" "$T/expect.json" "$HERE" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		ok "$mode: read as the ILS reads it: every row, student IDs, names as written, the void"
	else
		fail "$mode: file contents" "$out"
	fi
	before=$(ls "$T/out-$mode" | wc -l)
	"$BIN" --db "$T/$mode.db" --config "$T/$mode.ini" sync >/dev/null 2>&1; rc=$?
	after=$(ls -A "$T/out-$mode" | wc -l)
	if [ $rc -eq $want_rc ] && [ "$before" = "$after" ]; then
		ok "$mode: a second sync writes nothing new"
	else
		fail "$mode: a second sync writes nothing new" "exit $rc, files $before -> $after"
	fi
done
SOURCE_TYPE=""
export SOURCE_TYPE

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
if [ $rc -eq 0 ] && python3 "$T/check.py" koha "$T/missing/folder" "$T/expect.json" "$HERE" >/dev/null 2>&1; then
	ok "once the folder exists the waiting events are written"
else
	fail "once the folder exists the waiting events are written" "exit $rc: $out"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
