#!/bin/sh
# TLS for `cardroll sync`: a throwaway CA and a server certificate for
# 127.0.0.1 (openssl CLI), tests/sync/ilsd.py --tls on loopback. Checks: with
# [sync] ca_file the run succeeds; without it the run fails (exit 69) with a
# message about the certificate and nothing is marked done; with insecure =
# yes it succeeds and warns on stderr. Env: CARDROLL_BIN.
set -u

TAG=tls
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$DB" "$1"; }

# A CA and a server certificate for IP 127.0.0.1, signed by it.
(
	cd "$T" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=cardroll test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile srv.ext
) >"$T/openssl.log" 2>&1 || { fail "openssl makes a CA and a server certificate" "$(tail -3 "$T/openssl.log")"; exit 1; }
chmod 600 "$T"/*.key

DB=$T/desk.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
ids=$(q "SELECT student_number FROM student WHERE status = 'active' AND student_number IS NOT NULL ORDER BY id LIMIT 6")
# shellcheck disable=SC2086
"$BIN" --db "$DB" issue $ids >"$T/issue.out" 2>&1
total=$(q "SELECT count(*) FROM outbox")
[ "$total" -ge 3 ] || fail "signups wait in the outbox" "$total"

python3 "$ILSD" --port 0 --port-file "$T/port" --user koha --password pw --tls "$T/srv.pem" "$T/srv.key" 2>"$T/ilsd.log" &
SRV=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T/port")
ini() {
	{
		printf '[sync]\ntarget = koha\nurl = https://127.0.0.1:%s\nauth = basic\nuser = koha\npassword = pw\n' "$PORT"
		printf 'library_id = CPL\ncategory = ST\nattribute = STUID\ntimeout_ms = 3000\nprobe_timeout_ms = 2000\nbackoff_max_s = 1\n'
		printf '%s\n' "$@"
	} >"$T/sync.ini"
	chmod 600 "$T/sync.ini"
}
sync_run() { "$BIN" --db "$DB" --config "$T/sync.ini" sync "$@"; }
done_count() { q "SELECT count(*) FROM outbox WHERE state = 'done'"; }

# 1. No CA given: the system store does not know our CA.
ini
sync_run >"$T/1.out" 2>"$T/1.err"; rc=$?
if [ $rc -eq 69 ] && grep -qi "certificate" "$T/1.err" "$T/1.out"; then ok "an unknown CA fails with a message about the certificate (exit 69)"
else fail "an unknown CA fails with a message about the certificate (exit 69)" "exit $rc: $(cat "$T/1.err" "$T/1.out")"; fi
if [ "$(done_count)" -eq 0 ]; then ok "nothing is marked done when TLS fails"; else fail "nothing is marked done when TLS fails" "$(done_count) done"; fi
echo "   said: $(cat "$T/1.err" "$T/1.out" | head -2)"
sleep 2   # a failed try waits out its backoff (backoff_max_s = 1)

# 2. The right CA works.
ini "ca_file = $T/ca.pem"
sync_run >"$T/2.out" 2>"$T/2.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(done_count)" -eq "$total" ]; then ok "with ca_file = the CA every row is sent (exit 0)"
else fail "with ca_file = the CA every row is sent" "exit $rc, $(done_count)/$total done: $(cat "$T/2.err")"; fi
if grep -qi "insecure\|not verif" "$T/2.err"; then fail "no insecure warning when verification is on"; else ok "no insecure warning when verification is on"; fi

# 3. insecure = yes: works without the CA, and says so on stderr.
CARDROLL_PIN=2468 "$BIN" --db "$DB" issue $(q "SELECT student_number FROM student WHERE status = 'active' AND student_number IS NOT NULL ORDER BY id LIMIT 4 OFFSET 6") >>"$T/issue.out" 2>&1
total=$(q "SELECT count(*) FROM outbox")
ini "insecure = yes"
sync_run >"$T/3.out" 2>"$T/3.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(done_count)" -eq "$total" ]; then ok "insecure = yes sends without verifying (exit 0)"
else fail "insecure = yes sends without verifying" "exit $rc, $(done_count)/$total done: $(cat "$T/3.err")"; fi
if grep -qi "insecure\|not verif\|verification" "$T/3.err"; then ok "insecure = yes prints a warning on stderr: $(grep -i -m1 'insecure\|verif' "$T/3.err")"
else fail "insecure = yes prints a warning on stderr" "$(cat "$T/3.err")"; fi

# 4. The wrong CA (a second, unrelated one) fails like no CA.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" -days 2 -subj "/CN=other CA" >/dev/null 2>&1
CARDROLL_PIN=2468 "$BIN" --db "$DB" issue $(q "SELECT student_number FROM student WHERE status = 'active' AND student_number IS NOT NULL ORDER BY id LIMIT 2 OFFSET 10") >>"$T/issue.out" 2>&1
before=$(done_count)
ini "ca_file = $T/other.pem"
sync_run >"$T/4.out" 2>"$T/4.err"; rc=$?
if [ $rc -eq 69 ] && [ "$(done_count)" -eq "$before" ] && grep -qi "certificate" "$T/4.err" "$T/4.out"; then ok "a CA that did not sign the server's certificate fails (exit 69)"
else fail "a CA that did not sign the server's certificate fails (exit 69)" "exit $rc: $(cat "$T/4.err")"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
