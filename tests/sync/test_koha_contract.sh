#!/bin/sh
# The koha target against Koha's own API description (tests/sync/koha-spec,
# vendored from Koha): Prism (a validating mock, tests/sync/node) answers
# on loopback, and every request cardroll sends must pass its checks (no
# "Violation" in Prism's log). Signups, a void, a new card, consent and
# opt-out, Basic and OAuth2 auth, and an ILS that went away. Run from the
# repository root; env CARDROLL_BIN.
set -u

BIN=${CARDROLL_BIN:-build/cardroll}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SPEC=$(pwd)/tests/sync/koha-spec/api/v1/swagger/swagger.yaml
DEMO=$(pwd)/assets/demo/district
NODE=$(pwd)/tests/sync/node
T=$(mktemp -d /tmp/cardroll-koha.XXXXXX)
PRISM_PID=
passed=0
failed=0

cleanup() {
	[ -n "$PRISM_PID" ] && kill "$PRISM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }

[ -f "$SPEC" ] || { echo "$SPEC is missing" >&2; exit 1; }
sh "$NODE/ensure.sh" || { echo "cannot install Prism" >&2; exit 1; }

# A free loopback port: bind 0 and let go.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=$T/prism.log

# Prism itself (not npx, so that the PID is the server's), validating every
# request against the spec; --errors turns a violation into a 4xx as well.
"$NODE/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$PORT" --errors "$SPEC" >"$LOG" 2>&1 &
PRISM_PID=$!
# Ready once anything answers on the port (any HTTP status will do); give up
# after 60 s or as soon as Prism has exited.
deadline=$(($(date +%s) + 60))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/")" != 000 ]; do
	if ! kill -0 "$PRISM_PID" 2>/dev/null; then
		echo "Prism exited before answering:" >&2; cat "$LOG" >&2; PRISM_PID=; exit 1
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "Prism did not answer on port $PORT within 60 s:" >&2; cat "$LOG" >&2; exit 1
	fi
	sleep 0.1
done

DB=$T/desk.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
unset CARDROLL_SYNC_PASSWORD CARDROLL_SYNC_CLIENT_SECRET
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
"$BIN" --db "$DB" issue --class cls-0000002 --all-eligible >/dev/null 2>&1 || fail "a class gets cards"
n=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'pending'")

cat > "$T/basic.ini" <<EOF
[sync]
target = koha
url = http://127.0.0.1:$PORT/
library_id = CPL
category = ST
attribute = STUID
auth = basic
user = cardroll-svc
password = pw-Basic-7731
timeout_ms = 5000
EOF
sed -e 's/^auth = basic/auth = oauth2/' -e '/^user/d' -e '/^password/d' "$T/basic.ini" > "$T/oauth.ini"
printf 'client_id = cardroll-client\nclient_secret = pw-OAuth-9917\n' >> "$T/oauth.ini"

violations() { grep -c 'Violation' "$LOG"; }
sync_run() {  # sync_run INI [args]: output in $out, exit status in $rc
	ini=$1; shift
	out=$(timeout 120 "$BIN" --db "$DB" -c "$ini" sync "$@" 2>&1); rc=$?
}

# 1. Every signup of the class goes to Koha: a first try is the create
#    alone (issue 15: no lookup unless the outbox cannot know the answer).
sync_run "$T/basic.ini"
done_n=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'done'")
linked=$(sqlite3 "$DB" "SELECT count(*) FROM card WHERE ils_patron_id IS NOT NULL")
if [ "$rc" -eq 0 ] && [ "$n" -gt 0 ] && [ "$done_n" -eq "$n" ] && [ "$linked" -eq "$n" ] &&
   echo "$out" | grep -q "sync: $n sent, $n done, 0 waiting, 0 parked; online"; then
	ok "a class's $n signups are sent and linked to their patrons"
else
	fail "a class's signups are sent" "exit $rc, $done_n/$n done, $linked linked: $out"
fi
if grep -q 'post /api/v1/patrons' "$LOG" && ! grep -q 'get /api/v1/patrons' "$LOG"; then
	ok "a first try creates the patron without looking the card up first"
else
	fail "create without a lookup on a first try" "$(grep -c 'get /api/v1/patrons' "$LOG") GET lines"
fi

# 1b. [sync] existing_cards = yes (the ILS may hold these numbers from
#     before the programme): every new patron's card is looked up first.
"$BIN" --db "$DB" issue --class cls-0000003 --all-eligible >/dev/null 2>&1 || fail "a second class gets cards"
n3=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'pending'")
cp "$T/basic.ini" "$T/existing.ini"
echo "existing_cards = yes" >>"$T/existing.ini"
gets0=$(grep -c 'get /api/v1/patrons' "$LOG")
sync_run "$T/existing.ini"
gets1=$(grep -c 'get /api/v1/patrons' "$LOG")
if [ "$rc" -eq 0 ] && [ "$n3" -gt 0 ] && [ $((gets1 - gets0)) -ge "$n3" ] &&
   echo "$out" | grep -q "sync: $n3 sent, $n3 done"; then
	ok "with existing_cards = yes each of $n3 cards is looked up before its patron is created"
else
	fail "existing_cards = yes looks each card up" "exit $rc, $n3 signups, $((gets1 - gets0)) GET lines: $out"
fi
v=$(violations)
if [ "$v" -eq 0 ]; then ok "Prism found nothing wrong with the signups"; else
	fail "Prism found nothing wrong with the signups" "$(grep Violation "$LOG" | head -5)"; fi

# 2. A void (patron expired with PUT), a new card for the same child (PUT
#    with the new number), consent given (nothing to send), an opt-out
#    after the card went (parked for a person).
cards=$(sqlite3 "$DB" "SELECT c.number || ' ' || s.student_number FROM card c JOIN student s ON s.id = c.student_id ORDER BY c.id LIMIT 3")
c1=$(echo "$cards" | sed -n 1p | cut -d' ' -f1); s1=$(echo "$cards" | sed -n 1p | cut -d' ' -f2)
s2=$(echo "$cards" | sed -n 2p | cut -d' ' -f2)
s3=$(echo "$cards" | sed -n 3p | cut -d' ' -f2)
"$BIN" --db "$DB" void "$c1" --reason "wrong child" >/dev/null 2>&1 || fail "a card is voided"
"$BIN" --db "$DB" issue "$s1" >/dev/null 2>&1 || fail "the child gets a card again"
"$BIN" --db "$DB" consent "$s2" given >/dev/null 2>&1 || fail "consent is recorded"
"$BIN" --db "$DB" consent "$s3" opted-out >/dev/null 2>&1 || fail "an opt-out is recorded"
sync_run "$T/basic.ini"
parked=$(sqlite3 "$DB" "SELECT count(*) FROM outbox o JOIN event e ON e.id = o.event_id WHERE o.state = 'parked' AND e.kind = 'optout' AND o.last_error LIKE '%opted out after the card was sent%'")
if [ "$rc" -eq 65 ] && [ "$parked" -eq 1 ] && echo "$out" | grep -q "4 sent, 3 done, 0 waiting, 1 parked; online"; then
	ok "void, new card and consent are done; the late opt-out is parked (exit 65)"
else
	fail "void, new card, consent, opt-out" "exit $rc, $parked parked: $out"
fi
if [ "$(grep -c 'put /api/v1/patrons/' "$LOG")" -ge 2 ]; then ok "the void and the new card update the patron (PUT)"; else
	fail "the void and the new card update the patron (PUT)" "$(grep -c 'put /api' "$LOG") PUTs"; fi
lines=$("$BIN" --db "$DB" sync --parked 2>&1)
if echo "$lines" | grep -q "optout	$s3	.*opted out" && ! echo "$lines" | grep -qi "lopez"; then
	ok "sync --parked lists the opt-out by student ID"
else
	fail "sync --parked lists the opt-out" "$lines"
fi
v=$(violations)
if [ "$v" -eq 0 ]; then ok "Prism found nothing wrong with the void and the new card"; else
	fail "Prism found nothing wrong with the void and the new card" "$(grep Violation "$LOG" | head -5)"; fi

# 3. OAuth2 client credentials: a token from /oauth/token, then Bearer.
s4=$(sqlite3 "$DB" "SELECT s.student_number FROM student s WHERE s.status = 'active' AND s.student_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM card c WHERE c.student_id = s.id) ORDER BY s.id LIMIT 1")
"$BIN" --db "$DB" issue "$s4" >/dev/null 2>&1 || fail "one more child gets a card"
tokens_before=$(grep -c 'post /api/v1/oauth/token' "$LOG")
sync_run "$T/oauth.ini"
tokens_after=$(grep -c 'post /api/v1/oauth/token' "$LOG")
if [ "$rc" -eq 65 ] && echo "$out" | grep -q "1 sent, 1 done, 0 waiting, 0 parked; online" &&
   [ "$tokens_after" -eq $((tokens_before + 1)) ]; then
	ok "with oauth2 one token serves the run (exit 65: the opt-out is still parked)"
else
	fail "oauth2" "exit $rc, tokens $tokens_before -> $tokens_after: $out"
fi
v=$(violations)
if [ "$v" -eq 0 ]; then ok "Prism found nothing wrong with the OAuth2 requests"; else
	fail "Prism found nothing wrong with the OAuth2 requests" "$(grep Violation "$LOG" | head -5)"; fi

# 4. Nothing cardroll printed holds a secret.
all=$( { "$BIN" --db "$DB" -c "$T/basic.ini" sync --json; "$BIN" --db "$DB" -c "$T/oauth.ini" sync; } 2>&1)
if echo "$all $out" | grep -q "pw-Basic-7731\|pw-OAuth-9917"; then fail "no secret in the output" "$all"; else
	ok "no secret in the output"; fi
if echo "$all" | grep -q '"online": true'; then ok "sync --json says online"; else fail "sync --json says online" "$all"; fi

# 5. The ILS goes away: the event waits and the run says offline (exit 69).
kill "$PRISM_PID" 2>/dev/null; PRISM_PID=
i=0; while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
s5=$(sqlite3 "$DB" "SELECT s.student_number FROM student s WHERE s.status = 'active' AND s.student_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM card c WHERE c.student_id = s.id) ORDER BY s.id LIMIT 1")
"$BIN" --db "$DB" issue "$s5" >/dev/null 2>&1 || fail "a child gets a card while the ILS is away"
sync_run "$T/basic.ini"
waiting=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'waiting' AND next_at > unixepoch()")
if [ "$rc" -eq 69 ] && [ "$waiting" -eq 1 ] && echo "$out" | grep -q "offline: the library system did not answer"; then
	ok "an unreachable ILS: the event waits, exit 69"
else
	fail "an unreachable ILS" "exit $rc, $waiting waiting: $out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
