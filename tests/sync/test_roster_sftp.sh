#!/bin/sh
# `cardroll sync --roster` with an sftp:// roster_url against a private sshd
# on loopback (its own config, host key, port and pid file under a temp
# dir; the system sshd is neither used nor touched). Public-key login from
# a temp HOME, the host checked against $HOME/.ssh/known_hosts.
# Run from the repository root, as root (sshd needs it):
#     CARDROLL_BIN=build/cardroll sh tests/sync/test_roster_sftp.sh
# Needs openssh-server, openssh-client, python3, sqlite3.
# Not root: prints "SKIP: ..." and exits 0. As root, sshd missing or not
# starting is a failure. Prints "N passed, M failed"; exits 1 on failure.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: test_roster_sftp needs root to run a private sshd"
	exit 0
fi

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$HERE/../tools/genroster
SSHD=/usr/sbin/sshd
passed=0
failed=0

T=$(mktemp -d /tmp/cardroll-rsftp-XXXXXX) || exit 1
chmod 755 "$T"
sshd_pid=
cleanup() {
	# Only the sshd this script started, by its id.
	[ -s "$T/sshd.pid" ] && sshd_pid=$(cat "$T/sshd.pid")
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null
		i=0; while kill -0 "$sshd_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }
check() { if eval "$2"; then ok "$1"; else fail "$1" "${3:-}"; fi; }
die()  { echo "FAIL - $1"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

for tool in "$SSHD" ssh-keygen ssh-keyscan python3 sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (packaging/deps.sh installs openssh-server/-client)"
done

H=$T/home
mkdir -p "$T/tmp" "$T/out" "$T/srv" "$H/.ssh" /run/sshd
chmod 700 "$H/.ssh"
unset CARDROLL_SYNC_PASSWORD SSH_AUTH_SOCK

# run NAME DB INI: cardroll sync --roster with HOME=$H; rc in $rc, output in $T/NAME.out/.err
run() {
	name=$1 db=$2 ini=$3
	env HOME="$H" TMPDIR="$T/tmp" "$BIN" --db "$db" --config "$ini" sync --roster \
		>"$T/$name.out" 2>"$T/$name.err" </dev/null
	rc=$?
}
# ini FILE URL: a 0600 settings file.
ini() {
	{
		echo "[sync]"
		echo "target = file"
		echo "category = ST"
		echo "folder = $T/out"
		echo "roster_url = $2"
		echo "timeout_ms = 5000"
	} >"$1"
	chmod 600 "$1"
}
q() { sqlite3 "$1" "$2" 2>/dev/null; }
students() { q "$1" "select count(*) from student"; }
runs() { q "$1" "select count(*) from import_run"; }
fields() {
	q "$1" "select sourced_id, student_number, given_name, family_name, grade, status from student
		order by sourced_id" | cksum
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
python3 "$GEN" --students 200 --seed 5 --out "$T/pkg" >/dev/null 2>&1 &&
	python3 "$GEN" --students 200 --delta-from "$T/pkg" --seed 6 --out "$T/delta" >/dev/null 2>&1 ||
	die "genroster failed"
zipdir "$T/pkg" "$T/pkg.zip" && zipdir "$T/delta" "$T/delta.zip" || die "zipping the packages failed"
cp "$T/pkg.zip" "$T/srv/roster.zip"
touch -d '2026-01-01 10:00:00' "$T/srv/roster.zip"

"$BIN" --db "$T/ref.db" import "$T/pkg.zip" >/dev/null 2>&1
ref_count=$(students "$T/ref.db")
ref_fields=$(fields "$T/ref.db")
check "reference: cardroll import of the zip directly" '[ "$ref_count" = 200 ]' "$ref_count"

# ---- keys and a private sshd ---------------------------------------------
# An ed25519 pair: libssh2 1.10 (Debian 12) signs RSA logins with ssh-rsa
# (SHA-1) only, which OpenSSH 8.8+ refuses; cardroll names the .pub too.
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null 2>&1 &&
	ssh-keygen -q -t ed25519 -N '' -f "$H/.ssh/id_ed25519" >/dev/null 2>&1 ||
	die "ssh-keygen failed"
cp "$H/.ssh/id_ed25519.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"

port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
Subsystem sftp internal-sftp
EOF
"$SSHD" -t -f "$T/sshd_config" >"$T/sshd.log" 2>&1 || die "sshd -t rejects the config: $(head -c 300 "$T/sshd.log")"
"$SSHD" -D -e -f "$T/sshd_config" >>"$T/sshd.log" 2>&1 &
sshd_pid=$!
listening() {
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()' "$port" 2>/dev/null
}
i=0
while ! listening && [ $i -lt 100 ]; do
	kill -0 "$sshd_pid" 2>/dev/null || break
	sleep 0.1; i=$((i + 1))
done
listening || die "sshd did not start on 127.0.0.1:$port: $(head -c 400 "$T/sshd.log")"
ok "private sshd listens on 127.0.0.1:$port"

timeout 10 ssh-keyscan -T 5 -p "$port" -t ed25519 127.0.0.1 >"$H/.ssh/known_hosts" 2>/dev/null
check "ssh-keyscan: known_hosts has [127.0.0.1]:$port" \
	'grep -q "^\[127.0.0.1\]:$port ssh-ed25519 " "$H/.ssh/known_hosts"' "$(cat "$H/.ssh/known_hosts")"

URL=sftp://root@127.0.0.1:$port$T/srv/roster.zip
ini "$T/sftp.ini" "$URL"

# ---- the pull -------------------------------------------------------------
run p1 "$T/sftp.db" "$T/sftp.ini"
check "sftp: imports (exit 0)" '[ $rc = 0 ] && grep -q "^Imported " "$T/p1.out"' \
	"rc=$rc $(cat "$T/p1.out" "$T/p1.err" | head -c 400)"
check "sftp: same students as importing the zip directly" \
	'[ "$(students "$T/sftp.db")" = "$ref_count" ] && [ "$(fields "$T/sftp.db")" = "$ref_fields" ]' \
	"$(students "$T/sftp.db")"
check "sftp: the file's time kept for the next pull" \
	'[ -n "$(q "$T/sftp.db" "select last_modified from roster_source where last_modified is not null")" ]'

run p2 "$T/sftp.db" "$T/sftp.ini"
check "sftp again, file unchanged: \"roster unchanged since\"" \
	'[ $rc = 0 ] && grep -q "^roster unchanged since" "$T/p2.out"' "rc=$rc $(cat "$T/p2.out" "$T/p2.err" | head -c 300)"
check "sftp again: nothing imported" '[ "$(runs "$T/sftp.db")" = 1 ]' "$(runs "$T/sftp.db") runs"

cp "$T/delta.zip" "$T/srv/roster.zip.new" && mv "$T/srv/roster.zip.new" "$T/srv/roster.zip"
touch -d '2026-01-02 10:00:00' "$T/srv/roster.zip"
"$BIN" --db "$T/ref.db" import "$T/delta.zip" >/dev/null 2>&1
run p3 "$T/sftp.db" "$T/sftp.ini"
check "sftp, a newer file: imported" \
	'[ $rc = 0 ] && grep -q "^Imported " "$T/p3.out" && [ "$(runs "$T/sftp.db")" = 2 ]' \
	"rc=$rc runs=$(runs "$T/sftp.db") $(cat "$T/p3.out" "$T/p3.err" | head -c 300)"
check "sftp, a newer file: the roster equals the two zips imported directly" \
	'[ "$(fields "$T/sftp.db")" = "$(fields "$T/ref.db")" ]'
check "sftp: the private temporary folder is gone" '[ -z "$(ls -A "$T/tmp")" ]' "$(ls -A "$T/tmp")"

# ---- failures -------------------------------------------------------------
ini "$T/missing.ini" "sftp://root@127.0.0.1:$port$T/srv/nothing.zip"
run nf "$T/nf.db" "$T/missing.ini"
check "sftp, no such file: \"no roster at\", exit non-zero" \
	'[ $rc != 0 ] && grep -q "no roster at sftp://.*127.0.0.1:$port$T/srv/nothing.zip" "$T/nf.err"' \
	"rc=$rc $(cat "$T/nf.out" "$T/nf.err" | head -c 300)"
check "sftp, no such file: nothing imported" '[ "$(students "$T/nf.db")" = 0 ] || [ -z "$(students "$T/nf.db")" ]'

cp "$H/.ssh/known_hosts" "$T/known_hosts.good"
: >"$H/.ssh/known_hosts"
run kh "$T/kh.db" "$T/sftp.ini"
check "sftp, host not in known_hosts: fails, the message names known_hosts" \
	'[ $rc != 0 ] && grep -q "known_hosts" "$T/kh.err"' "rc=$rc $(cat "$T/kh.out" "$T/kh.err" | head -c 300)"
check "sftp, unknown host: nothing imported" '[ "$(students "$T/kh.db")" = 0 ] || [ -z "$(students "$T/kh.db")" ]'
cp "$T/known_hosts.good" "$H/.ssh/known_hosts"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
