#!/bin/sh
# The webhook sync target through the real CLI against tests/sync/webhookd.py
# (Python stdlib, 127.0.0.1, a free port): every request is signed
# (HMAC-SHA256 of the body, checked by the server: a wrong secret is 401)
# and carries Idempotency-Key = the event ids; per-event results become
# done / parked (with the server's reason) / waiting; a replay of events
# already sent creates nothing twice; a wrong secret stops the run (69) and
# CARDROLL_SYNC_SECRET overrides the file; 503 + Retry-After waits (75); a
# closed port is unreachable (69).
# Run from the repository root; needs sqlite3 and python3. Env: CARDROLL_BIN.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DEMO=$(pwd)/assets/demo/district
HOOKD=$(pwd)/tests/sync/webhookd.py
T=$(mktemp -d /tmp/cardroll-syncwh.XXXXXX)
passed=0
failed=0
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

for tool in sqlite3 python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 0; }
done

# start NAME ARGS...: a webhookd in $T/NAME; sets PORT.
start() {
	name=$1
	shift
	mkdir -p "$T/$name"
	python3 "$HOOKD" --secret s3cret --lifetime 120 --port-file "$T/$name/port" --pid-file "$T/$name/pid" \
		--state "$T/$name/state.json" "$@" </dev/null >"$T/$name/log" 2>&1 &
	pids="$pids $!"
	i=0
	while [ ! -s "$T/$name/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	PORT=$(cat "$T/$name/port" 2>/dev/null)
	[ -n "$PORT" ] || { echo "webhookd did not start: $(cat "$T/$name/log")"; exit 1; }
}

# ini NAME PORT SECRET
ini() {
	cat >"$T/$1.ini" <<EOF
[sync]
target = webhook
url = http://127.0.0.1:$2/hook
secret = $3
library_id = MAIN
category = KID
timeout_ms = 5000
EOF
}

# py STATEFILE EXPR: evaluates a Python expression over the server's state (s).
py() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1], encoding="utf-8")); print(eval(sys.argv[2]))' "$1" "$2"
}

export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
unset CARDROLL_SYNC_SECRET CARDROLL_SYNC_PASSWORD CARDROLL_SYNC_CLIENT_SECRET
DB=$T/base.db
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
ids=$(sqlite3 "$DB" "SELECT student_number FROM student WHERE status = 'active' AND student_number <> '' ORDER BY id LIMIT 5")
s() { echo "$ids" | sed -n "$1p"; }
sqlite3 "$DB" "UPDATE student SET family_name = 'O''Brien, \"Jr\" \\ Ñ', preferred_name = NULL WHERE student_number = '$(s 1)'"
out=$("$BIN" --db "$DB" issue $ids 2>&1) || fail "five cards are issued" "$out"

# 1. Per-event results: four done, one rejected (parked with the reason).
start main --reject-student "$(s 2)"
ini main "$PORT" s3cret
cp "$DB" "$T/main.db"
out=$("$BIN" --db "$T/main.db" --config "$T/main.ini" sync 2>&1); rc=$?
st=$T/main/state.json
done_n=$(sqlite3 "$T/main.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
parked=$(sqlite3 "$T/main.db" "SELECT last_error FROM outbox WHERE state = 'parked'")
if [ $rc -eq 65 ] && [ "$done_n" = 4 ] && echo "$parked" | grep -q "already in use"; then
	ok "four done, the rejected one parked with the server's reason (exit 65)"
else
	fail "per-event results" "exit $rc, done $done_n, parked '$parked': $out"
fi
if [ "$(py "$st" 's["created"]')" = 4 ] &&
   [ "$(py "$st" 'all(r["sig_ok"] for r in s["requests"])')" = True ] &&
   [ "$(py "$st" 'all(r["idem"] == r["ids"] and r["ids"] for r in s["requests"])')" = True ] &&
   [ "$(py "$st" 'all(r["content_type"] == "application/json" for r in s["requests"])')" = True ]; then
	ok "every request is signed, JSON, and its Idempotency-Key lists its event ids"
else
	fail "signature and Idempotency-Key" "$(cat "$st")"
fi
want=$(sqlite3 "$DB" "SELECT family_name FROM student WHERE student_number = '$(s 1)'")
got=$(py "$st" "[p['surname'] for p in s['patrons'].values() if p.get('student_id') == '$(s 1)'][0]")
if [ "$got" = "$want" ] &&
   [ "$(py "$st" "all(p['kind'] == 'signup' and p['library_id'] == 'MAIN' and p['card'] and 'consent' not in p for p in s['patrons'].values())")" = True ]; then
	ok "the body carries the event's fields (a name with quotes, comma, backslash, accent intact; empty ones left out)"
else
	fail "event fields" "'$got' vs '$want'"
fi
remote=$(sqlite3 "$T/main.db" "SELECT count(*) FROM outbox WHERE state = 'done' AND remote_id LIKE 'P1%'")
[ "$remote" = 4 ] && ok "the server's remote ids are kept" || fail "the server's remote ids are kept" "$remote"

# 2. A replay (rows sent again, as after a crash) creates nothing twice.
sqlite3 "$T/main.db" "UPDATE outbox SET state = 'pending', next_at = 0 WHERE state = 'done'"
out=$("$BIN" --db "$T/main.db" --config "$T/main.ini" sync 2>&1); rc=$?
done_n=$(sqlite3 "$T/main.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ "$done_n" = 4 ] && [ "$(py "$st" 's["created"]')" = 4 ] && [ "$(py "$st" 'len(s["requests"]) >= 2')" = True ]; then
	ok "a replay of sent events is done again without a second patron"
else
	fail "a replay creates nothing twice" "exit $rc, done $done_n, created $(py "$st" 's["created"]'): $out"
fi

# A consent change is an event too: sent with its kind and the state.
other=$(sqlite3 "$DB" "SELECT student_number FROM student WHERE status = 'active' AND student_number <> '' ORDER BY id LIMIT 1 OFFSET 40")
"$BIN" --db "$T/main.db" consent "$other" opted-out >/dev/null 2>&1
out=$("$BIN" --db "$T/main.db" --config "$T/main.ini" sync 2>&1); rc=$?
kind=$(py "$st" "[p['kind'] + ' ' + p.get('consent', '') for p in s['patrons'].values() if p.get('student_id') == '$other']")
if echo "$kind" | grep -q "optout opted"; then
	ok "an opt-out goes out as kind optout with the consent state"
else
	fail "an opt-out is sent" "exit $rc, $kind: $out"
fi

# 3. A wrong secret: 401, the run stops (69), nothing is done.
ini wrong "$PORT" not-the-secret
cp "$DB" "$T/wrong.db"
out=$("$BIN" --db "$T/wrong.db" --config "$T/wrong.ini" sync 2>&1); rc=$?
done_n=$(sqlite3 "$T/wrong.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ $rc -eq 69 ] && [ "$done_n" = 0 ] && [ "$(py "$st" 's["created"]')" = 5 ] &&
   [ "$(py "$st" 's["requests"][-1]["sig_ok"]')" = False ] && ! echo "$out" | grep -q not-the-secret; then
	ok "a wrong secret is refused (401): stopped, exit 69, the secret not shown"
else
	fail "a wrong secret stops the run" "exit $rc, done $done_n: $out"
fi
out=$(CARDROLL_SYNC_SECRET=s3cret "$BIN" --db "$T/wrong.db" --config "$T/wrong.ini" sync 2>&1); rc=$?
done_n=$(sqlite3 "$T/wrong.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ $rc -eq 65 ] && [ "$done_n" = 4 ]; then
	ok "CARDROLL_SYNC_SECRET overrides the file's secret"
else
	fail "CARDROLL_SYNC_SECRET overrides the file's secret" "exit $rc, done $done_n: $out"
fi

# 4. 503 with Retry-After: everything waits (75), not before the server said.
start busy --mode busy
ini busy "$PORT" s3cret
cp "$DB" "$T/busy.db"
now=$(date +%s)
out=$("$BIN" --db "$T/busy.db" --config "$T/busy.ini" sync 2>&1); rc=$?
waiting=$(sqlite3 "$T/busy.db" "SELECT count(*) FROM outbox WHERE state = 'waiting' AND next_at >= $now + 6")
if [ $rc -eq 75 ] && [ "$waiting" = 5 ]; then
	ok "503 + Retry-After: 7 leaves all five waiting at least 7 s (exit 75)"
else
	fail "503 + Retry-After waits" "exit $rc, waiting $waiting: $out"
fi

# 5. A server that asks to retry one event: it waits, then goes once.
start retry --retry-student "$(s 3)"
ini retry "$PORT" s3cret
cp "$DB" "$T/retry.db"
out=$("$BIN" --db "$T/retry.db" --config "$T/retry.ini" sync 2>&1); rc=$?
sqlite3 "$T/retry.db" "UPDATE outbox SET next_at = 0 WHERE state = 'waiting'"
out2=$("$BIN" --db "$T/retry.db" --config "$T/retry.ini" sync 2>&1); rc2=$?
done_n=$(sqlite3 "$T/retry.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ $rc -eq 75 ] && [ $rc2 -eq 0 ] && [ "$done_n" = 5 ] && [ "$(py "$T/retry/state.json" 's["created"]')" = 5 ]; then
	ok "a per-event retry waits (75), then is done once (0)"
else
	fail "a per-event retry" "exit $rc/$rc2, done $done_n: $out / $out2"
fi

# 6. HTTPS: a self-signed certificate is refused unless ca_file trusts it.
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	start tls --tls "$T/cert.pem" "$T/key.pem"
	ini tls "$PORT" s3cret
	sed -i 's|http://|https://|' "$T/tls.ini"
	cp "$DB" "$T/tls.db"
	out=$("$BIN" --db "$T/tls.db" --config "$T/tls.ini" sync 2>&1); rc=$?
	if [ $rc -eq 69 ] && [ "$(py "$T/tls/state.json" 'len(s["requests"])')" = 0 ]; then
		ok "HTTPS with an untrusted certificate: nothing sent, exit 69"
	else
		fail "an untrusted certificate is refused" "exit $rc: $out"
	fi
	printf 'ca_file = %s\n' "$T/cert.pem" >>"$T/tls.ini"
	sqlite3 "$T/tls.db" "UPDATE outbox SET next_at = 0 WHERE state = 'waiting'"
	out=$("$BIN" --db "$T/tls.db" --config "$T/tls.ini" sync 2>&1); rc=$?
	done_n=$(sqlite3 "$T/tls.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
	if [ $rc -eq 0 ] && [ "$done_n" = 5 ]; then
		ok "HTTPS with ca_file trusting the certificate: all done"
	else
		fail "HTTPS with ca_file" "exit $rc, done $done_n: $out"
	fi
else
	echo "skip - no openssl to make a certificate"
fi

# 7. Nobody listening: unreachable (69), everything still waiting.
free=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ini down "$free" s3cret
cp "$DB" "$T/down.db"
out=$("$BIN" --db "$T/down.db" --config "$T/down.ini" sync 2>&1); rc=$?
done_n=$(sqlite3 "$T/down.db" "SELECT count(*) FROM outbox WHERE state IN ('done', 'parked')")
if [ $rc -eq 69 ] && [ "$done_n" = 0 ] && echo "$out" | grep -q "127.0.0.1:$free"; then
	ok "a closed port: unreachable, exit 69, nothing lost"
else
	fail "a closed port is unreachable" "exit $rc, done/parked $done_n: $out"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
