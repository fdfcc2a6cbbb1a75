#!/bin/sh
# Integration tests of the cardroll command line: the real binary, real
# files, real signals. Plain POSIX sh; run from the repository root:
#     sh tests/integration/cli.sh
# CARDROLL_BIN names the binary (default build/cardroll). Needs python3 (JSON
# checks, the roster generator tests/tools/genroster) and sqlite3 (checking the
# database from outside). Prints "N passed, M failed" last; exits 1 on failure.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
GEN=$(pwd)/tests/tools/genroster
SAMPLES=$(pwd)/tests/data

passed=0
failed=0
skipped=0

T=$(mktemp -d /tmp/cardroll-cli-XXXXXX) || exit 1
cleanup() {
	# Only the processes this script started, by their id.
	for p in ${bg_pids:-}; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bg_pids=

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

# A settings file of our own, so no /etc or ~ settings leak in; HOME and
# XDG folders inside $T, so nothing outside is touched.
: >"$T/empty.ini"
export CARDROLL_CONFIG="$T/empty.ini"
export HOME="$T/home" XDG_DATA_HOME="$T/home/.local/share" XDG_CONFIG_HOME="$T/home/.config"
unset CARDROLL_DB
umask 022

have_python=1
command -v python3 >/dev/null 2>&1 || have_python=0
have_sqlite=1
command -v sqlite3 >/dev/null 2>&1 || have_sqlite=0

if [ ! -x "$BIN" ]; then
	fail "the binary $BIN exists" "build it with make"
	echo "$passed passed, $failed failed"
	exit 1
fi

# ---- a small district: Lakeview ------------------------------------------

mkpkg() {
	d=$1
	mkdir -p "$d"
	printf 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\nfile.classes,bulk\nfile.enrollments,bulk\n' >"$d/manifest.csv"
	printf 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd-lake,,,Lakeview School District,district,,\nsch-n,,,North Elementary,school,,d-lake\n' >"$d/orgs.csv"
	printf 'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\ncls-3a,,,Room 3A,03,,3A,homeroom,,sch-n,,,,\n' >"$d/classes.csv"
	{
		printf 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n'
		printf 'stu-1,,,true,sch-n,student,,,José,Muñoz,,1001,,,,,03,\n'
		printf 'stu-2,,,true,sch-n,student,,,Văn An,Nguyễn,,1002,,,,,03,\n'
		printf 'stu-3,,,true,sch-n,student,,,Zoë,O'"'"'Brien,,1003,,,,,03,\n'
		printf 'stu-4,,,true,sch-n,student,,,\033[2JMax,Power\033[31m,,1004,,,,,03,\n'
	} >"$d/users.csv"
	printf 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\ne-1,,,cls-3a,sch-n,stu-1,student,false,,\ne-2,,,cls-3a,sch-n,stu-2,student,false,,\ne-3,,,cls-3a,sch-n,stu-3,student,false,,\ne-4,,,cls-3a,sch-n,stu-4,student,false,,\n' >"$d/enrollments.csv"
}
mkpkg "$T/lake"

DB=$T/desk.db
ESC=$(printf '\033')

# ---- help, version, usage -------------------------------------------------

expect_exit "--version exits 0" 0 "$BIN" --version
grep -q '^cardroll [0-9]' "$T/out" || fail "--version prints 'cardroll N.N.N'" "$(cat "$T/out")"
expect_exit "--help exits 0" 0 "$BIN" --help
grep -q 'import' "$T/out" && grep -q 'find' "$T/out" || fail "--help lists the commands"
expect_exit "import --help exits 0" 0 "$BIN" import --help
expect_exit "find --help exits 0" 0 "$BIN" find --help
expect_exit "import without SOURCE is a usage error (64)" 64 "$BIN" --db "$DB" import
expect_exit "find without a query is a usage error (64)" 64 "$BIN" --db "$DB" find
expect_exit "an unknown command is a usage error (64)" 64 "$BIN" --db "$DB" frobnicate
expect_exit "find --limit 0 is a usage error (64)" 64 "$BIN" --db "$DB" find --limit 0 jose

# ---- importing ------------------------------------------------------------

expect_exit "import of a missing path exits 66" 66 "$BIN" --db "$DB" import "$T/no-such-folder"
expect_exit "find before any database exists exits 66" 66 "$BIN" --db "$T/none.db" find jose
expect_exit "import --show-last before any import exits 66" 66 "$BIN" --db "$T/none.db" import --show-last

expect_exit "import of a clean package exits 0" 0 "$BIN" --db "$DB" import "$T/lake"
grep -q 'Lakeview School District' "$T/out" || fail "import names the district" "$(head -3 "$T/out")"
if grep -q "$ESC" "$T/out" "$T/err"; then fail "import output holds no escape character"; else ok "import output holds no escape character"; fi
mode=$(stat -c %a "$DB" 2>/dev/null)
if [ "$mode" = 600 ]; then ok "the database is created 0600 (umask 022)"; else fail "the database is created 0600" "mode $mode"; fi

expect_exit "find 'jose mu' exits 0" 0 "$BIN" --db "$DB" find jose mu
grep -q 'Muñoz' "$T/out" && grep -q '1001' "$T/out" || fail "find 'jose mu' shows José Muñoz" "$(cat "$T/out")"
expect_exit "find by student ID exits 0" 0 "$BIN" --db "$DB" find 1004
if grep -q "$ESC" "$T/out"; then fail "find output holds no escape character"; else ok "find output holds no escape character"; fi

# No match: nothing on stdout, "no student matches" on stderr, exit 1 (as grep).
expect_exit "find with no match exits 1" 1 "$BIN" --db "$DB" find zzzz
if [ ! -s "$T/out" ] && grep -q "no student matches" "$T/err"; then
	ok "find with no match says 'no student matches' on stderr only"
else
	fail "find with no match says 'no student matches' on stderr only" "out '$(head -c 100 "$T/out")', err '$(head -c 200 "$T/err")'"
fi

if [ $have_python = 1 ]; then
	expect_exit "find --json exits 0" 0 "$BIN" --db "$DB" find --json nguyen
	if python3 -m json.tool "$T/out" >/dev/null 2>&1; then ok "find --json parses as JSON"; else fail "find --json parses as JSON" "$(head -c 300 "$T/out")"; fi
	python3 -c '
import json, sys
hits = json.load(open(sys.argv[1]))
assert isinstance(hits, list) and len(hits) == 1, hits
assert hits[0]["family_name"] == "Nguyễn" and hits[0]["student_id"] == "1002", hits
' "$T/out" 2>"$T/py" && ok "find --json gives Nguyễn with her student ID" || fail "find --json gives Nguyễn" "$(tail -1 "$T/py")"
	expect_exit "find --json with no match exits 1 (as grep does)" 1 "$BIN" --db "$DB" find --json zzzz
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == []' "$T/out" 2>/dev/null &&
		ok "find --json with no match is []" || fail "find --json with no match is []" "$(cat "$T/out")"

	# import --json: one object with the documented keys, and the report.
	cp -r "$T/lake" "$T/lake2"
	printf 'stu-5,,,true,sch-n,student,,,Ida,Lind,,,,,,,3,\nstu-6,gone,,true,sch-n,student,,,Xavier,Gone,,1006,,,,,03,\n' >>"$T/lake2/users.csv"
	"$BIN" --db "$DB" import --json "$T/lake2" >"$T/import.json" 2>"$T/err"
	rc=$?
	if [ $rc -eq 65 ]; then ok "import with a rejected row exits 65"; else fail "import with a rejected row exits 65" "exit $rc"; fi
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("run_id", "source", "kind", "district", "outcome", "dry_run", "summary", "issues"):
    assert k in r, "missing key " + k
for k in ("added", "updated", "withdrawn", "rejected", "warnings"):
    assert isinstance(r["summary"][k], int), "summary." + k
assert r["outcome"] == "ok" and r["dry_run"] is False and r["kind"] == "oneroster-bulk", r
assert r["summary"]["added"] == 1 and r["summary"]["rejected"] == 1, r["summary"]
assert r["district"] == "Lakeview School District", r["district"]
for i in r["issues"]:
    assert set(i) == {"file", "line", "field", "severity", "reason"}, i
    assert i["severity"] in ("error", "warning"), i
assert any(i["file"] == "users.csv" and i["line"] == 7 and i["severity"] == "error" for i in r["issues"]), r["issues"]
print(r["run_id"])
' "$T/import.json" >"$T/run_id" 2>"$T/py" && ok "import --json has run_id, summary and issues with file/line/field" ||
		fail "import --json has the documented keys" "$(tail -1 "$T/py")"

	expect_exit "import --show-last --json exits 0" 0 "$BIN" --db "$DB" import --show-last --json
	python3 -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a == b, "show-last differs from what the import printed"
' "$T/import.json" "$T/out" 2>"$T/py" && ok "import --show-last --json repeats the import's report exactly" ||
		fail "import --show-last --json repeats the report" "$(tail -1 "$T/py")"

	# A dry run: reported, recorded, nothing changed.
	cp -r "$T/lake" "$T/lake3"
	printf 'stu-7,,,true,sch-n,student,,,Farah,Haddad,,1007,,,,,03,\n' >>"$T/lake3/users.csv"
	"$BIN" --db "$DB" import --dry-run --json "$T/lake3" >"$T/out" 2>"$T/err"
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["dry_run"] is True and r["summary"]["added"] == 1, r
' "$T/out" 2>"$T/py" && ok "import --dry-run --json says dry_run and what would be added" ||
		fail "import --dry-run --json" "$(tail -1 "$T/py")"
	expect_exit "after a dry run, the new child is not found (exit 1)" 1 "$BIN" --db "$DB" find --json farah
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == []' "$T/out" 2>/dev/null &&
		ok "a dry run changed nothing" || fail "a dry run changed nothing" "$(cat "$T/out")"

	# A zip with an entry leaving the package: a refused file, not a rejected row.
	python3 -c '
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w") as z:
    for n in sorted(os.listdir(src)):
        z.write(os.path.join(src, n), n)
    z.writestr(zipfile.ZipInfo("../evil.csv"), "sourcedId\nx\n")
' "$T/lake" "$T/evil.zip"
	expect_exit "import of a zip with a refused entry exits 65" 65 "$BIN" --db "$DB" import --json "$T/evil.zip"
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["refused_files"] == 1 and r["summary"]["rejected"] == 0, r["summary"]
assert any(i["field"] == "../evil.csv" and i["severity"] == "error" for i in r["issues"]), r["issues"]
' "$T/out" 2>"$T/py" && ok "import --json counts a refused zip entry as refused_files, not rejected" ||
		fail "import --json refused_files" "$(tail -1 "$T/py")"
else
	skip "JSON checks" "no python3"
fi

# The first thing done with a new district's export: a dry run on a new database.
expect_exit "a dry run on a new database exits 0" 0 "$BIN" --db "$T/first.db" import --dry-run "$T/lake"
if grep -q 'Dry run' "$T/out" && grep -q 'added 4' "$T/out"; then
	ok "a dry run on a new database prints what would be added"
else
	fail "a dry run on a new database prints what would be added" "printed: '$(head -c 200 "$T/out")'"
fi

expect_exit "import --show-last (text) exits 0" 0 "$BIN" --db "$DB" import --show-last
grep -q 'Lakeview School District' "$T/out" || fail "import --show-last names the district" "$(head -2 "$T/out")"

expect_exit "the minimal sample (a teacher enrolled as a student) exits 65" 65 "$BIN" --db "$T/sample.db" import "$SAMPLES/oneroster-1.1-minimal"
expect_exit "the quoted sample (manifest typo) exits 0" 0 "$BIN" --db "$T/sample.db" import "$SAMPLES/oneroster-1.1-quoted"
grep -q 'manifest.csv:10' "$T/out" || fail "the quoted sample's report names manifest.csv:10" "$(head -5 "$T/out")"

# ---- settings and the database path ---------------------------------------

printf '[storage]\nbusy_timeout_ms = 500\n[desk]\nname = Front\ncolour = red\n' >"$T/bad.ini"
expect_exit "a settings file with an unknown key exits 65" 65 "$BIN" --config "$T/bad.ini" --db "$DB" find jose
if grep -q "bad.ini:5" "$T/err"; then ok "the message names the settings file and line (bad.ini:5)"; else fail "the message names bad.ini:5" "$(cat "$T/err")"; fi
printf '[storage]\nbusy_timeout_ms = soon\n' >"$T/bad2.ini"
expect_exit "CARDROLL_CONFIG with a bad number exits 65" 65 env CARDROLL_CONFIG="$T/bad2.ini" "$BIN" --db "$DB" find jose
grep -q "bad2.ini:2" "$T/err" || fail "the message names bad2.ini:2" "$(cat "$T/err")"
expect_exit "--config naming a missing file exits 66" 66 "$BIN" --config "$T/missing.ini" --db "$DB" find jose

expect_exit "import with CARDROLL_DB exits 0" 0 env CARDROLL_DB="$T/env.db" "$BIN" import "$T/lake"
if [ -f "$T/env.db" ]; then ok "CARDROLL_DB names the database file"; else fail "CARDROLL_DB names the database file"; fi
expect_exit "find with CARDROLL_DB finds the child" 0 env CARDROLL_DB="$T/env.db" "$BIN" find zoe
grep -q "O'Brien" "$T/out" || fail "find with CARDROLL_DB shows O'Brien" "$(cat "$T/out")"
expect_exit "--db wins over CARDROLL_DB" 66 env CARDROLL_DB="$T/env.db" "$BIN" --db "$T/none.db" find zoe
printf '[storage]\ndatabase = %s\n' "$T/ini.db" >"$T/db.ini"
expect_exit "[storage] database in the settings is used" 0 "$BIN" --config "$T/db.ini" import "$T/lake"
if [ -f "$T/ini.db" ]; then ok "the settings' database path is used"; else fail "the settings' database path is used"; fi
if [ -e "$T/home/.local/share/cardroll/cardroll.db" ]; then fail "nothing was written to the default database"; fi

# ---- interrupted imports --------------------------------------------------

# Student rows as text, to compare the roster before and after.
roster_sum() {
	sqlite3 "$1" "SELECT id, sourced_id, given_name, family_name, status, school_id, grade, seen_run FROM student ORDER BY id; SELECT * FROM enrollment ORDER BY 1, 2;" | cksum
}

if [ $have_python = 0 ] || [ $have_sqlite = 0 ] || [ ! -f "$GEN" ]; then
	skip "interrupt and crash tests" "need python3, sqlite3 and $GEN"
else
	big=$T/big
	big2=$T/big2
	if python3 "$GEN" --students 100000 --seed 11 --out "$big" >/dev/null 2>"$T/err"; then
		# Next week's export: the same district, 1000 fewer students.
		cp -r "$big" "$big2" && head -n -1000 "$big/users.csv" >"$big2/users.csv"
		IDB=$T/int.db
		timeout 120 "$BIN" --db "$IDB" import --quiet "$big" >/dev/null 2>"$T/err"
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 65 ]; then
			fail "a 100 000-student district imports" "exit $rc: $(head -c 300 "$T/err")"
		else
			ok "a 100 000-student district imports"
		fi
		before=$(roster_sum "$IDB")
		count=$(sqlite3 "$IDB" 'SELECT count(*) FROM student')

		# Ctrl-C while reading next week's export.
		interrupted=0
		for delay in 0.4 0.2 0.1; do
			"$BIN" --db "$IDB" import --quiet "$big2" >"$T/out" 2>"$T/err" </dev/null &
			pid=$!
			bg_pids="$bg_pids $pid"
			sleep "$delay"
			kill -INT "$pid" 2>/dev/null
			( sleep 60; kill -9 "$pid" 2>/dev/null ) &
			dog=$!
			wait "$pid"
			rc=$?
			kill "$dog" 2>/dev/null
			wait "$dog" 2>/dev/null
			if [ $rc -eq 75 ]; then interrupted=1; break; fi
			if [ $rc -ne 0 ] && [ $rc -ne 65 ]; then break; fi
			# It finished before the signal: put last week's roster back and try sooner.
			timeout 120 "$BIN" --db "$IDB" import --quiet "$big" >/dev/null 2>&1
			before=$(roster_sum "$IDB")
		done
		if [ $interrupted = 1 ]; then ok "Ctrl-C during an import exits 75"; else fail "Ctrl-C during an import exits 75" "exit $rc: $(head -c 300 "$T/err")"; fi
		after=$(roster_sum "$IDB")
		if [ "$before" = "$after" ]; then ok "after Ctrl-C the roster is exactly as it was"; else fail "after Ctrl-C the roster is exactly as it was"; fi
		outcome=$(sqlite3 "$IDB" 'SELECT outcome FROM import_run ORDER BY id DESC LIMIT 1')
		if [ "$outcome" = interrupted ]; then ok "the interrupted run is on record"; else fail "the interrupted run is on record" "newest run: $outcome"; fi

		# kill -9 at random moments: never a damaged database, never half a roster.
		seed=$$
		i=0
		while [ $i -lt 5 ]; do
			i=$((i + 1))
			delay=$(awk -v s="$seed" -v i="$i" 'BEGIN { srand(s + i); printf "%.2f", 0.05 + rand() * 2.2 }')
			active_before=$(sqlite3 "$IDB" "SELECT count(*) FROM student WHERE status = 'active'")
			runs_before=$(sqlite3 "$IDB" 'SELECT count(*) FROM import_run')
			before=$(roster_sum "$IDB")
			if [ $((i % 2)) -eq 1 ]; then pkg=$big2; else pkg=$big; fi
			"$BIN" --db "$IDB" import --quiet "$pkg" >/dev/null 2>&1 </dev/null &
			pid=$!
			bg_pids="$bg_pids $pid"
			sleep "$delay"
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rc=$?
			check=$(sqlite3 "$IDB" 'PRAGMA integrity_check' 2>&1)
			n=$(sqlite3 "$IDB" 'SELECT count(*) FROM student' 2>&1)
			after=$(roster_sum "$IDB")
			last=$(sqlite3 "$IDB" "SELECT count(*) FROM import_run WHERE id > $runs_before AND outcome = 'ok' AND source = '$pkg'")
			what="kill -9 after ${delay}s (exit $rc)"
			if [ "$check" != ok ]; then
				fail "$what: integrity_check" "$check"
			elif [ "$n" != "$count" ]; then
				fail "$what: the student count is $n, was $count"
			elif [ "$before" = "$after" ]; then
				ok "$what: integrity ok, roster as before ($n students, $active_before active)"
			elif [ "$last" -ge 1 ]; then
				ok "$what: integrity ok, the import had committed ($n students)"
			else
				fail "$what: the roster changed but no import committed"
			fi
		done

		# A full disk: the database may not grow past its size (writes fail
		# with EFBIG, as on a full disk). The import fails with a clear
		# message and the roster stays as it was.
		before=$(roster_sum "$IDB")
		size_kb=$(( $(stat -c %s "$IDB") / 1024 + 64 ))
		( ulimit -f "$size_kb"; trap '' XFSZ; exec "$BIN" --db "$IDB" import --quiet "$big2" ) \
			>"$T/out" 2>"$T/err" </dev/null
		rc=$?
		after=$(roster_sum "$IDB")
		check=$(sqlite3 "$IDB" 'PRAGMA integrity_check' 2>&1)
		if [ $rc -ne 0 ] && [ $rc -ne 65 ] && [ "$before" = "$after" ] && [ "$check" = ok ] &&
		   grep -qi "roster was left as it was" "$T/err"; then
			ok "a full disk fails the import (exit $rc) and leaves the roster as it was"
		else
			fail "a full disk fails the import and leaves the roster as it was" \
				"exit $rc, integrity $check, same roster: $([ "$before" = "$after" ] && echo yes || echo no): $(head -c 300 "$T/err")"
		fi
	else
		fail "genroster makes a 100 000-student district" "$(head -c 300 "$T/err")"
	fi
fi

[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
