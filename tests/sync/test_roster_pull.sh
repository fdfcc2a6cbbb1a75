#!/bin/sh
# `cardroll sync --roster` against tests/sync/rosterd.py on loopback: a
# OneRoster zip over HTTP (ETag/Last-Modified, 304), OneRoster 1.2 REST
# (OAuth2 client credentials, paging, delta filter), HTTPS with a test CA,
# and the failures a person must understand. Secrets never show.
# Run from the repository root:
#     CARDROLL_BIN=build/h4/cardroll sh tests/sync/test_roster_pull.sh
# Needs python3, sqlite3, openssl. Prints "N passed, M failed"; exits 1 on failure.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$HERE/../tools/genroster
ROSTERD=$HERE/rosterd.py
SECRET=S3cr3t-roster-7f3a9c
PW=pw-basic-5e1d
passed=0
failed=0

T=$(mktemp -d /tmp/cardroll-rpull-XXXXXX) || exit 1
cleanup() {
	# Only the processes this script started, by their id.
	for p in ${bg_pids:-}; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bg_pids=

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }
check() { if eval "$2"; then ok "$1"; else fail "$1" "${3:-}"; fi; }

mkdir -p "$T/tmp" "$T/out" "$T/srv" "$T/tls"
unset CARDROLL_ROSTER_CLIENT_SECRET CARDROLL_SYNC_PASSWORD

# run NAME DB INI [ENV...]: cardroll sync --roster; rc in $rc, output in
# $T/NAME.out/.err, all output kept in $T/all.log for the secret check.
run() {
	name=$1 db=$2 ini=$3
	shift 3
	env TMPDIR="$T/tmp" "$@" "$BIN" --db "$db" --config "$ini" sync --roster ${JSON:-} \
		>"$T/$name.out" 2>"$T/$name.err" </dev/null
	rc=$?
	cat "$T/$name.out" "$T/$name.err" >>"$T/all.log"
}

# ini FILE URL [EXTRA LINES]: a 0600 settings file.
ini() {
	f=$1 url=$2
	shift 2
	{
		echo "[sync]"
		echo "target = file"
		echo "category = ST"
		echo "folder = $T/out"
		echo "roster_url = $url"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 600 "$f"
}

# start_server NAME ARGS...: rosterd in the background; its port in $port.
start_server() {
	name=$1
	shift
	python3 "$ROSTERD" --port-file "$T/$name.port" "$@" >"$T/$name.log" 2>&1 &
	bg_pids="$bg_pids $!"
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cat "$T/$name.port" 2>/dev/null)
	[ -n "$port" ] || { echo "rosterd $name did not start: $(cat "$T/$name.log")" >&2; exit 1; }
}

q() { sqlite3 "$1" "$2" 2>/dev/null; }
students() { q "$1" "select count(*) from student"; }
runs() { q "$1" "select count(*) from import_run"; }
fields() {
	q "$1" "select sourced_id, student_number, given_name, family_name, coalesce(preferred_name, ''), grade,
		coalesce(birth_date, ''), status, (select name from school where id = school_id)
		from student order by sourced_id" | cksum
}
zipdir() {  # zipdir DIR ZIP: the package's CSV files at the zip's root
	python3 -c 'import os, sys, zipfile
d, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(d)):
        if f.endswith(".csv") and not f.startswith("_"):
            z.write(os.path.join(d, f), f)' "$1" "$2"
}

# ---- data -----------------------------------------------------------------
python3 "$GEN" --students 300 --seed 5 --out "$T/bulk" >/dev/null 2>&1 &&
	python3 "$GEN" --students 300 --delta-from "$T/bulk" --seed 6 --out "$T/delta" >/dev/null 2>&1 ||
	{ echo "genroster failed" >&2; exit 1; }
# the same district a week later: the last student of users.csv left
cp -r "$T/bulk" "$T/bulk2"
gone=$(grep ',student,' "$T/bulk/users.csv" | tail -n 1 | cut -d, -f1)
grep -v "^$gone," "$T/bulk/users.csv" >"$T/bulk2/users.csv"
zipdir "$T/bulk" "$T/bulk.zip" && cp "$T/bulk.zip" "$T/srv/roster.zip"
zipdir "$T/bulk2" "$T/bulk2.zip"

"$BIN" --db "$T/ref.db" import "$T/bulk" >/dev/null 2>&1
ref_count=$(students "$T/ref.db")
ref_fields=$(fields "$T/ref.db")
check "reference import of the package directly" '[ "$ref_count" = 300 ]' "$ref_count"

start_server http --root "$T/srv" --bulk "$T/bulk" --delta "$T/delta" --client-secret "$SECRET"
HTTP=http://127.0.0.1:$port
stats() { python3 -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/_stats"))[sys.argv[2]])' "$HTTP" "$1"; }

# ---- a zip over HTTP ------------------------------------------------------
ini "$T/zip.ini" "$HTTP/roster.zip"
run zip1 "$T/zip.db" "$T/zip.ini"
check "zip URL: imports (exit 0)" '[ $rc = 0 ] && grep -q "^Imported .*oneroster-bulk.* from $HTTP/roster.zip" "$T/zip1.out"' \
	"rc=$rc $(head -c 300 "$T/zip1.err")"
check "zip URL: same students as importing the package directly" \
	'[ "$(students "$T/zip.db")" = "$ref_count" ] && [ "$(fields "$T/zip.db")" = "$ref_fields" ]'
check "zip URL: ETag and Last-Modified kept" \
	'[ -n "$(q "$T/zip.db" "select etag from roster_source where url = '"'$HTTP/roster.zip'"' and last_modified is not null")" ]'

run zip2 "$T/zip.db" "$T/zip.ini"
check "zip URL again: 304, \"roster unchanged since\"" \
	'[ $rc = 0 ] && grep -q "^roster unchanged since .* (304)" "$T/zip2.out"' "rc=$rc $(cat "$T/zip2.out" "$T/zip2.err" | head -c 300)"
check "zip URL again: nothing imported, the server answered 304 once" \
	'[ "$(runs "$T/zip.db")" = 1 ] && [ "$(stats zip_304)" = 1 ] && [ "$(stats zip_200)" = 1 ]'

JSON=--json run zipjson "$T/zip.db" "$T/zip.ini"
check "zip URL --json: unchanged as JSON" \
	'python3 -c "import json,sys; d=json.JSONDecoder().raw_decode(open(sys.argv[1]).read())[0]; assert d[\"outcome\"]==\"unchanged\", d" "$T/zipjson.out" 2>/dev/null' \
	"$(head -c 300 "$T/zipjson.out")"

sleep 1   # a new second for Last-Modified
cp "$T/bulk2.zip" "$T/srv/roster.zip.new" && mv "$T/srv/roster.zip.new" "$T/srv/roster.zip"
run zip3 "$T/zip.db" "$T/zip.ini"
check "zip changed on the server: imported, the student who left is withdrawn" \
	'[ $rc = 0 ] && grep -q "withdrawn 1," "$T/zip3.out" && [ "$(q "$T/zip.db" "select status from student where sourced_id = '"'$gone'"'")" = withdrawn ]' \
	"rc=$rc $(head -c 300 "$T/zip3.out")"
check "zip: the private temporary folder is gone" '[ -z "$(ls -A "$T/tmp")" ]' "$(ls -A "$T/tmp")"

# ---- failures of a file URL -------------------------------------------------
ini "$T/404.ini" "http://someone:$PW@127.0.0.1:$port/nothing.zip?key=qs-$PW"
run nf "$T/nf.db" "$T/404.ini"
check "404: \"no roster at URL\" without user info or query, exit non-zero" \
	'[ $rc != 0 ] && grep -q "no roster at http://127.0.0.1:$port/nothing.zip" "$T/nf.err"' "rc=$rc $(head -c 300 "$T/nf.err")"
ini "$T/csv.ini" "$HTTP/users.csv"
run csv "$T/csv.db" "$T/csv.ini"
check "a lone .csv URL: says a OneRoster package is a .zip" '[ $rc != 0 ] && grep -q "package is a .zip" "$T/csv.err"' \
	"rc=$rc $(head -c 300 "$T/csv.err")"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(60)' "$T/mute.port" &
bg_pids="$bg_pids $!"
i=0; while [ ! -s "$T/mute.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ini "$T/mute.ini" "http://127.0.0.1:$(cat "$T/mute.port")/roster.zip" "timeout_ms = 1000"
run mute "$T/mute.db" "$T/mute.ini"
check "a server that never answers: \"did not answer within 1 s\"" \
	'[ $rc != 0 ] && grep -q "did not answer within 1 s" "$T/mute.err"' "rc=$rc $(head -c 300 "$T/mute.err")"

# ---- OneRoster 1.2 REST ---------------------------------------------------
REST=$HTTP/ims/oneroster/rostering/v1p2
ini "$T/notok.ini" "$REST" "roster_auth = oauth2" "roster_client_id = cardroll-test" "roster_client_secret = $SECRET"
run notok "$T/notok.db" "$T/notok.ini"
check "REST oauth2 without roster_token_url: a settings error naming it, and roster_auth's file and line" \
	'[ $rc != 0 ] && grep -q "^.*$T/notok.ini:$(grep -n "^roster_auth" "$T/notok.ini" | cut -d: -f1): \[sync\] roster_auth = oauth2 needs roster_token_url" "$T/notok.err" &&
	 [ "$(stats token_ok)" = 0 ] && [ "$(stats token_bad)" = 0 ]' "rc=$rc $(head -c 300 "$T/notok.err")"
ini "$T/rest.ini" "$REST" "roster_auth = oauth2" "roster_token_url = $HTTP/token" "roster_client_id = cardroll-test" \
	"roster_client_secret = $SECRET"
run rest1 "$T/rest.db" "$T/rest.ini"
check "REST bulk: imports (exit 0), pages through X-Total-Count" \
	'[ $rc = 0 ] && grep -q "^Imported .*oneroster-bulk" "$T/rest1.out" && [ "$(stats rest_pages)" -gt 20 ]' \
	"rc=$rc $(cat "$T/rest1.out" "$T/rest1.err" | head -c 400)"
check "REST bulk: same students, names, grades, schools, birth dates as the package" \
	'[ "$(students "$T/rest.db")" = "$ref_count" ] && [ "$(fields "$T/rest.db")" = "$ref_fields" ]'
check "REST bulk: same enrollments and classes as the package" \
	'[ "$(q "$T/rest.db" "select count(*) from enrollment")" = "$(q "$T/ref.db" "select count(*) from enrollment")" ] &&
	 [ "$(q "$T/rest.db" "select count(*) from class")" = "$(q "$T/ref.db" "select count(*) from class")" ]'
check "REST: the SIS password sent by the server is kept nowhere" '! grep -aq sis-password-do-not-keep "$T/rest.db"'

run rest2 "$T/rest.db" "$T/rest.ini"
check "REST again, nothing changed: \"roster unchanged\", nothing imported" \
	'[ $rc = 0 ] && grep -q "^roster unchanged since" "$T/rest2.out" && [ "$(runs "$T/rest.db")" = 1 ]' \
	"rc=$rc $(head -c 300 "$T/rest2.out")"

# the delta: the secret from the environment this time
ini "$T/rest-env.ini" "$REST" "roster_auth = oauth2" "roster_token_url = $HTTP/token" "roster_client_id = cardroll-test"
touch "$T/srv/delta-on"
"$BIN" --db "$T/ref.db" import "$T/delta" >/dev/null 2>&1
run rest3 "$T/rest.db" "$T/rest-env.ini" CARDROLL_ROSTER_CLIENT_SECRET="$SECRET"
withdrawn=$(grep '^withdrawn,' "$T/delta/_changes.csv" | head -n 1 | cut -d, -f2)
check "REST delta (filter=dateLastModified>='...'): imported as a delta" \
	'[ $rc = 0 ] && grep -q "oneroster-delta" "$T/rest3.out" && grep -q "(delta)" "$T/rest3.out" &&
	 [ "$(stats filter_ge)" -gt 0 ] && [ "$(stats filter_gt)" = 0 ]' \
	"rc=$rc $(cat "$T/rest3.out" "$T/rest3.err" | head -c 400)"
check "REST delta: the withdrawn student is withdrawn" \
	'[ -n "$withdrawn" ] && [ "$(q "$T/rest.db" "select status from student where sourced_id = '"'$withdrawn'"'")" = withdrawn ]'
check "REST delta: the roster equals the package bulk + delta imported directly" \
	'[ "$(fields "$T/rest.db")" = "$(fields "$T/ref.db")" ]'
check "REST delta: no report warnings" '! grep -q "warning:" "$T/rest3.out"' "$(grep warning: "$T/rest3.out" | head -n 3)"

run bad "$T/bad.db" "$T/rest-env.ini" CARDROLL_ROSTER_CLIENT_SECRET=wrong-secret
check "REST wrong client secret: \"refused the credentials\", exit non-zero" \
	'[ $rc != 0 ] && grep -q "refused the credentials" "$T/bad.err"' "rc=$rc $(head -c 300 "$T/bad.err")"
check "REST wrong client secret: nothing imported" '[ "$(students "$T/bad.db")" = 0 ] || [ -z "$(students "$T/bad.db")" ]'
check "REST: the temporary folders are gone" '[ -z "$(ls -A "$T/tmp")" ]' "$(ls -A "$T/tmp")"

# ---- deltas at one instant, in several forms ------------------------------
# A second server: records changed in the same second, written with Z,
# +00:00, -05:00 and fractional seconds; the pull asks >= the mark and
# applies each change once.
mkdir -p "$T/srv3"
start_server same --root "$T/srv3" --bulk "$T/bulk" --client-secret "$SECRET"
SAME=http://127.0.0.1:$port
REST3=$SAME/ims/oneroster/rostering/v1p2
# records NAME=STAMP...: ROOT/records.json with those students (the first
# five of users.csv, by number) renamed NAME and stamped STAMP.
records() {
	python3 - "$ROSTERD" "$T/bulk/users.csv" "$T/srv3/records.json" "$@" <<'PY'
import csv, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("rosterd", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
kids = [r for r in csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8-sig")) if r["role"] == "student"]
out = []
for arg in sys.argv[4:]:
    i, name, stamp = arg.split("=", 2)
    o = m.to_json("users", kids[int(i)])
    o["givenName"] = name
    o["dateLastModified"] = stamp
    out.append(o)
json.dump({"users": out}, open(sys.argv[3] + ".tmp", "w"))
import os; os.replace(sys.argv[3] + ".tmp", sys.argv[3])
PY
}
kid() { grep ',student,' "$T/bulk/users.csv" | sed -n "$(($1 + 1))p" | cut -d, -f1; }
given() { q "$T/same.db" "select given_name from student where sourced_id = '$(kid "$1")'"; }
mark() { q "$T/same.db" "select substr(last_delta_at, 1, 27) from roster_source where url = '$REST3'"; }
ini "$T/same.ini" "$REST3" "roster_auth = oauth2" "roster_token_url = $SAME/token" "roster_client_id = cardroll-test"
srun() { run "$1" "$T/same.db" "$T/same.ini" CARDROLL_ROSTER_CLIENT_SECRET="$SECRET"; }

srun same1
check "same-instant: bulk imported, the mark kept as UTC with microseconds" \
	'[ $rc = 0 ] && [ "$(mark)" = 2024-09-15T00:00:00.000000Z ]' "rc=$rc mark=$(mark) $(head -c 300 "$T/same1.err")"
srun same2
check "same-instant: again, every record at the mark already applied: unchanged" \
	'[ $rc = 0 ] && grep -q "^roster unchanged since" "$T/same2.out" && [ "$(runs "$T/same.db")" = 1 ]' \
	"rc=$rc $(cat "$T/same2.out" "$T/same2.err" | head -c 300)"

records "0=Alpha=2024-10-01T12:00:00Z"
srun same3
check "same-instant: a change at 12:00:00Z: one student updated" \
	'[ $rc = 0 ] && grep -q "(delta)" "$T/same3.out" && grep -q "updated 1," "$T/same3.out" && [ "$(given 0)" = Alpha ] &&
	 [ "$(mark)" = 2024-10-01T12:00:00.000000Z ]' "rc=$rc mark=$(mark) $(cat "$T/same3.out" "$T/same3.err" | head -c 400)"

# the same second again, written two other ways: a strict > would miss them
records "0=Alpha=2024-10-01T12:00:00Z" "1=Bravo=2024-10-01T12:00:00+00:00" "2=Charlie=2024-10-01T07:00:00.000-05:00"
srun same4
check "same-instant: two more changes in that second (+00:00, -05:00 with .000): both applied, the first not again" \
	'[ $rc = 0 ] && grep -q "updated 2," "$T/same4.out" && [ "$(given 1)" = Bravo ] && [ "$(given 2)" = Charlie ] &&
	 [ "$(runs "$T/same.db")" = 3 ]' "rc=$rc $(cat "$T/same4.out" "$T/same4.err" | head -c 400)"
srun same5
check "same-instant: again: unchanged (nothing applied twice, nothing reported)" \
	'[ $rc = 0 ] && grep -q "^roster unchanged since" "$T/same5.out" && [ "$(runs "$T/same.db")" = 3 ]' \
	"rc=$rc $(cat "$T/same5.out" "$T/same5.err" | head -c 300)"

records "0=Alpha=2024-10-01T12:00:00Z" "1=Bravo=2024-10-01T12:00:00+00:00" "2=Charlie=2024-10-01T07:00:00.000-05:00" \
	"3=Delta=2024-10-01T12:00:00.25Z" "4=Echo=2024-10-01T12:00:00.250000+00:00"
srun same6
check "same-instant: a quarter second later (.25Z, .250000+00:00): both applied, the mark moves" \
	'[ $rc = 0 ] && grep -q "updated 2," "$T/same6.out" && [ "$(given 3)" = Delta ] && [ "$(given 4)" = Echo ] &&
	 [ "$(mark)" = 2024-10-01T12:00:00.250000Z ]' "rc=$rc mark=$(mark) $(cat "$T/same6.out" "$T/same6.err" | head -c 400)"
srun same7
check "same-instant: again: unchanged" \
	'[ $rc = 0 ] && grep -q "^roster unchanged since" "$T/same7.out" && [ "$(runs "$T/same.db")" = 4 ]' \
	"rc=$rc $(cat "$T/same7.out" "$T/same7.err" | head -c 300)"

records "0=Alpha=2024-10-01T12:00:00Z" "1=Foxtrot=yesterday"
srun same8
check "a dateLastModified that is no date and time: an error naming users, the sourcedId and the field; nothing imported" \
	'[ $rc != 0 ] && grep -q "users record $(kid 1): dateLastModified .yesterday. is not an ISO 8601" "$T/same8.err" &&
	 [ "$(runs "$T/same.db")" = 4 ] && [ "$(given 1)" = Bravo ] && [ "$(mark)" = 2024-10-01T12:00:00.250000Z ]' \
	"rc=$rc $(cat "$T/same8.out" "$T/same8.err" | head -c 300)"

# ---- HTTPS with a test CA -------------------------------------------------
(
	cd "$T/tls" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=cardroll test CA" &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext
) >"$T/tls/log" 2>&1 || { fail "openssl makes a test CA" "$(tail -n 3 "$T/tls/log")"; }
mkdir -p "$T/srv-tls" && cp "$T/bulk.zip" "$T/srv-tls/roster.zip"
start_server https --root "$T/srv-tls" --bulk "$T/bulk" --client-secret "$SECRET" --tls "$T/tls/srv.pem" "$T/tls/srv.key"
HTTPS=https://127.0.0.1:$port
ini "$T/tls-none.ini" "$HTTPS/roster.zip"
run tls1 "$T/tls1.db" "$T/tls-none.ini"
check "https without the CA: \"certificate could not be verified (set [sync] ca_file)\"" \
	'[ $rc != 0 ] && grep -q "certificate could not be verified (set \[sync\] ca_file" "$T/tls1.err" && [ "$(students "$T/tls1.db")" != 300 ]' \
	"rc=$rc $(head -c 300 "$T/tls1.err")"
ini "$T/tls-ca.ini" "$HTTPS/roster.zip" "ca_file = $T/tls/ca.pem"
run tls2 "$T/tls2.db" "$T/tls-ca.ini"
check "https with [sync] ca_file: imports" '[ $rc = 0 ] && [ "$(students "$T/tls2.db")" = 300 ]' \
	"rc=$rc $(cat "$T/tls2.out" "$T/tls2.err" | head -c 300)"
ini "$T/tls-rest.ini" "$HTTPS/ims/oneroster/rostering/v1p2" "ca_file = $T/tls/ca.pem" "roster_auth = oauth2" \
	"roster_token_url = $HTTPS/token" "roster_client_id = cardroll-test"
run tls3 "$T/tls3.db" "$T/tls-rest.ini" CARDROLL_ROSTER_CLIENT_SECRET="$SECRET"
check "https REST with ca_file: imports" '[ $rc = 0 ] && [ "$(students "$T/tls3.db")" = 300 ]' \
	"rc=$rc $(cat "$T/tls3.out" "$T/tls3.err" | head -c 300)"
ini "$T/tls-insecure.ini" "$HTTPS/roster.zip" "insecure = yes"
run tls4 "$T/tls4.db" "$T/tls-insecure.ini"
check "https with insecure = yes: works, with a warning on stderr" \
	'[ $rc = 0 ] && grep -qi "warning.*insecure" "$T/tls4.err"' "rc=$rc $(head -c 300 "$T/tls4.err")"

# ---- secrets ----------------------------------------------------------------
check "no output ever shows the client secret or a password" \
	'! grep -q -e "$SECRET" -e "$PW" -e wrong-secret "$T/all.log"' "$(grep -e "$SECRET" -e "$PW" "$T/all.log" | head -n 2)"
check "no database keeps the client secret" '! grep -alq "$SECRET" "$T"/*.db'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
