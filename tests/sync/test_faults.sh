#!/bin/sh
# `cardroll sync` against a Koha-like server that misbehaves (tests/sync/ilsd.py
# on loopback): 500, 503 and 429 with Retry-After, both kinds of 409, 400,
# 401 (an explicit one and an OAuth2 token expiring mid-run), slow answers,
# a hang past timeout_ms, resets before and after the server stored the
# patron. Then: a wrong Basic password stops the run (exit 69) and leaves the
# rows pending; `sync --confirm` sends a parked likely-duplicate with the
# override. Run from anywhere; env CARDROLL_BIN. Prints 'N passed, M failed'.
set -u

TAG=faults
. "$(dirname "$0")/lib.sh"

DB=$T/desk.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T

start_ilsd() {
	rm -f "$T/port"
	python3 "$ILSD" --port 0 --port-file "$T/port" "$@" 2>>"$T/ilsd.log" &
	SRV=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	PORT=$(cat "$T/port")
}
stop_ilsd() { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=""; }
# stat EXPR: a Python expression over the server's stats dict d
stat() {
	python3 -c 'import json,sys,urllib.request as u
d=json.load(u.urlopen("http://127.0.0.1:%s/_control/stats" % sys.argv[1]))
print(eval(sys.argv[2]))' "$PORT" "$1"
}
seed() {
	python3 -c 'import sys,urllib.request as u
u.urlopen(u.Request("http://127.0.0.1:%s/_control/patrons" % sys.argv[1], data=sys.argv[2].encode(), method="POST"))' "$PORT" "$1"
}
ini() { # AUTH [extra lines]
	{
		echo "[sync]"
		echo "target = koha"
		echo "url = http://127.0.0.1:$PORT"
		echo "library_id = CPL"
		echo "category = ST"
		echo "attribute = STUID"
		echo "timeout_ms = 1000"
		echo "probe_timeout_ms = 1000"
		echo "backoff_max_s = 1"
		echo "batch = 5"
		printf '%s\n' "$@"
	} >"$T/sync.ini"
	chmod 600 "$T/sync.ini"
}
q() { sqlite3 "$DB" "$1"; }
sync_run() { "$BIN" --db "$DB" --config "$T/sync.ini" sync "$@"; }

"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
class=$(q "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 1")
"$BIN" --db "$DB" issue --class "$class" --all-eligible >"$T/issue.out" 2>&1
total=$(q "SELECT count(*) FROM outbox")
if [ "$total" -ge 15 ]; then ok "$total signups wait in the outbox"; else fail "signups wait in the outbox" "$total"; fi

# ---- 1. Basic auth with a wrong password: stop, exit 69, nothing sent ------
start_ilsd --user koha --password right-one
ini "auth = basic" "user = koha" "password = wrong-one"
out=$(sync_run 2>&1); rc=$?
pending=$(q "SELECT count(*) FROM outbox WHERE state = 'pending'")
if [ $rc -eq 69 ] && echo "$out" | grep -qi "credentials"; then ok "a wrong password stops the run (exit 69, check the credentials)"
else fail "a wrong password stops the run (exit 69, check the credentials)" "exit $rc: $out"; fi
if [ "$pending" -eq "$total" ] && [ "$(stat 'd["patrons"]')" -eq 0 ]; then ok "after a 401 every row is still pending, the server has nothing"
else fail "after a 401 every row is still pending" "$pending of $total pending"; fi
if echo "$out" | grep -q "wrong-one"; then fail "the password never appears in the output"; else ok "the password never appears in the output"; fi
stop_ilsd

# ---- 2. OAuth2 with faults --------------------------------------------------
# The 400 is the first POST (the oldest row); a likely-duplicate person and a
# card number held by another patron are set up on the server by hand.
FAULTS="400,500,slow:2.5,503:2,429:1,ok,401,hang,reset,resetafter,slow:0.5,500,ok,503:1"
# Tokens really last 2 s but are announced for an hour: each dies mid-run.
start_ilsd --client-id desk --client-secret s3cret --token-ttl 2 --token-expires-in 3600 --faults "$FAULTS"
ini "auth = oauth2" "client_id = desk" "client_secret = s3cret"
row() { q "SELECT o.id FROM outbox o JOIN event e ON e.id = o.event_id ORDER BY o.id LIMIT 1 OFFSET $1"; }
dup_row=$(row 4)
card_row=$(row 5)
who() { # outbox id -> surname|firstname|dob|card|student number
	q "SELECT s.family_name, coalesce(nullif(s.preferred_name, ''), s.given_name), s.birth_date, k.number, s.student_number
	   FROM outbox o JOIN event e ON e.id = o.event_id JOIN student s ON s.id = e.student_id
	   JOIN card k ON k.id = e.card_id WHERE o.id = $1"
}
IFS='|' read -r d_sur d_first d_dob d_card d_sid <<EOF
$(who "$dup_row")
EOF
IFS='|' read -r c_sur c_first c_dob c_card c_sid <<EOF
$(who "$card_row")
EOF
seed "{\"surname\":\"$d_sur\",\"firstname\":\"$d_first\",\"date_of_birth\":\"$d_dob\",\"library_id\":\"CPL\",\"category_id\":\"ADULT\",\"cardnumber\":\"X9000001\"}"
seed "{\"surname\":\"Someone-Else\",\"firstname\":\"Pat\",\"date_of_birth\":\"1970-01-01\",\"library_id\":\"CPL\",\"category_id\":\"ADULT\",\"cardnumber\":\"$c_card\",\"extended_attributes\":[{\"type\":\"STUID\",\"value\":\"OTHER-1\"}]}"

runs=0
first_rc=""
t0=$(date +%s)
while [ $runs -lt 15 ]; do
	runs=$((runs + 1))
	sync_run --json >"$T/run$runs.out" 2>"$T/run$runs.err"; rc=$?
	if [ -z "$first_rc" ]; then
		first_rc=$rc
		tokens_after_first=$(stat 'd["tokens_issued"]')
		# Retry-After (2 s) beats the backoff cap (1 s) for the 503 row.
		c503=$(stat '[c for f, c in d["faulted"] if f == "503:2"][0]')
		ra=$(q "SELECT o.next_at - o.updated_at FROM outbox o JOIN event e ON e.id = o.event_id
		        JOIN card k ON k.id = e.card_id WHERE k.number = '$c503' AND o.state = 'waiting'")
	fi
	echo "   run $runs: exit $rc $(cat "$T/run$runs.out")"
	left=$(q "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending', 'waiting')")
	[ "$left" -eq 0 ] && break
	[ $rc -eq 69 ] && break
	sleep 1
done
echo "   $runs runs, $(($(date +%s) - t0)) s; faults met: $(stat 'd["faulted"]')"
if [ "$left" -eq 0 ]; then ok "nothing waits after $runs runs"; else fail "nothing waits after at most 15 runs" "$left left"; cat "$T"/run*.err | tail -5; fi
if [ "$first_rc" != 69 ] && [ "${tokens_after_first:-0}" -ge 2 ]; then
	ok "the OAuth2 token expired mid-run: a new one was fetched and the run went on ($tokens_after_first tokens)"
else fail "a token expiring mid-run is renewed" "first exit $first_rc, tokens $tokens_after_first"; fi
# One token per run, plus one after each 401 (expired or the injected one).
tokens=$(stat 'd["tokens_issued"]')
allowed=$(($(stat 'd["auth_failures"]') + runs + 1))
if [ "$tokens" -le "$allowed" ]; then ok "a new token only after a 401 ($tokens tokens, $runs runs, $(stat 'd["auth_failures"]') expired)"
else fail "a new token only after a 401" "$tokens tokens for $runs runs and $(stat 'd["auth_failures"]') expired-token 401s"; fi
if python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); assert set(d) >= {"sent","done","waiting","parked","online","last_error"}, d' "$T/run1.out" 2>/dev/null
then ok "--json prints sent, done, waiting, parked, online, last_error"; else fail "--json prints the summary object" "$(cat "$T/run1.out")"; fi

if [ "${ra:-0}" -ge 2 ]; then ok "a 503 with Retry-After: 2 waits at least 2 s (backoff cap 1 s)"
else fail "a 503 with Retry-After: 2 waits at least 2 s" "next_at - updated_at = ${ra:-none}"; fi

att() { # fault -> "state attempts" of the row whose card met it
	c=$(stat '[c for f, c in d["faulted"] if f == "'"$1"'"][0]')
	q "SELECT o.state || ' ' || o.attempts FROM outbox o JOIN event e ON e.id = o.event_id
	   JOIN card k ON k.id = e.card_id WHERE k.number = '$c'"
}
a_slow=$(att slow:0.5)
a_hang=$(att hang)
a_reset=$(att resetafter)
if [ "$a_slow" = "done 1" ]; then ok "a slow answer within timeout_ms is taken at the first try"
else fail "a slow answer within timeout_ms is taken at the first try" "$a_slow"; fi
case $a_hang in "done "[2-9]*) ok "a hang past timeout_ms is retried and then done (${a_hang#done } tries)" ;;
*) fail "a hang past timeout_ms is retried and then done" "$a_hang" ;; esac
case $a_reset in "done "[2-9]*) ok "a reset after the server stored the patron is retried and linked (${a_reset#done } tries)" ;;
*) fail "a reset after the server stored the patron is retried and linked" "$a_reset" ;; esac

bad_card=$(stat '[c for f, c in d["faulted"] if f == "400"][0]')
bad_row=$(q "SELECT o.id FROM outbox o JOIN event e ON e.id = o.event_id JOIN card k ON k.id = e.card_id WHERE k.number = '$bad_card'")
expect=$(printf '%s\n' "$dup_row" "$card_row" "$bad_row" | sort -n | tr '\n' ' ')
parked=$(q "SELECT id FROM outbox WHERE state = 'parked' ORDER BY id" | tr '\n' ' ')
notdone=$(q "SELECT count(*) FROM outbox WHERE state NOT IN ('done', 'parked')")
if [ "$notdone" -eq 0 ] && [ "$parked" = "$expect" ]; then ok "every row is done or parked; parked are exactly the 400 and the two 409s ($parked)"
else fail "parked rows are exactly the 400 and the two 409s" "parked: $parked expected: $expect; not done: $notdone"; fi
e=$(q "SELECT last_error FROM outbox WHERE id = $dup_row")
if echo "$e" | grep -qi "already exists"; then ok "the likely duplicate is parked with the server's reason"
else fail "the likely duplicate is parked with the server's reason" "$e"; fi
e=$(q "SELECT last_error FROM outbox WHERE id = $card_row")
if echo "$e" | grep -qi "cardnumber\|card number"; then ok "the card number held by another patron is parked with the reason"
else fail "the card number held by another patron is parked with the reason" "$e"; fi
e=$(q "SELECT last_error FROM outbox WHERE id = ${bad_row:-0}")
if echo "$e" | grep -q "Expected string - got null\|400"; then ok "the 400 is parked with the server's reason"
else fail "the 400 is parked with the server's reason" "row ${bad_row:-?}: $e"; fi

# The server holds each child that is done exactly once.
q "SELECT s.student_number || ' ' || k.number || ' ' || coalesce(k.ils_patron_id, '') || ' ' || coalesce(o.remote_id, '')
   FROM outbox o JOIN event e ON e.id = o.event_id JOIN student s ON s.id = e.student_id
   JOIN card k ON k.id = e.card_id WHERE o.state = 'done'" >"$T/done.txt"
python3 -c 'import json,sys,urllib.request as u
d=json.load(u.urlopen("http://127.0.0.1:%s/_control/stats" % sys.argv[1]))
p=json.load(u.urlopen("http://127.0.0.1:%s/_control/patrons" % sys.argv[1]))
ids={str(x["patron_id"]) for x in p}
bad=[]
for l in open(sys.argv[2]):
    sid, card, pid, rid = (l.rstrip("\n").split(" ") + ["", ""])[:4]
    if d["cardnumbers"].get(card) != 1: bad.append("card %s x%s" % (card, d["cardnumbers"].get(card)))
    if d["attribute_values"].get(sid) != 1: bad.append("student x%s" % d["attribute_values"].get(sid))
    if (pid or rid) and (pid or rid) not in ids: bad.append("remote id %s unknown" % (pid or rid))
if d["duplicate_cardnumbers"] or d["duplicate_attribute_values"]: bad.append("duplicates")
print("; ".join(bad)); sys.exit(1 if bad else 0)' "$PORT" "$T/done.txt" >"$T/once.txt"
if [ $? -eq 0 ]; then ok "the server holds each synced child exactly once ($(wc -l <"$T/done.txt") done)"
else fail "the server holds each synced child exactly once" "$(cat "$T/once.txt")"; fi
linked=$(q "SELECT count(*) FROM outbox o JOIN event e ON e.id = o.event_id JOIN card k ON k.id = e.card_id
           WHERE o.state = 'done' AND coalesce(o.remote_id, '') = '' AND coalesce(k.ils_patron_id, '') = ''")
if [ "$linked" -eq 0 ]; then ok "every done row knows its ILS patron id"; else fail "every done row knows its ILS patron id" "$linked without"; fi
if [ "$(stat 'd["attribute_values"].get("'"$c_sid"'", 0)')" -eq 0 ]; then ok "the child whose card number another patron holds was not created"
else fail "the child whose card number another patron holds was not created"; fi

out=$(sync_run --parked 2>&1)
if echo "$out" | grep -qw "$dup_row" && echo "$out" | grep -qw "$card_row" && ! echo "$out" | grep -q "$d_sur"; then
	ok "--parked lists the parked rows, without names"
else fail "--parked lists the parked rows, without names" "$out"; fi

# ---- 3. Staff say the likely duplicate is another child ---------------------
out=$(sync_run --confirm "$dup_row" 2>&1); rc=$?
out2=$(sync_run 2>&1); rc2=$?
st=$(q "SELECT state FROM outbox WHERE id = $dup_row")
if { [ $rc -eq 0 ] || [ $rc -eq 65 ]; } && [ "$st" = "done" ] && [ "$(stat 'd["confirmed_not_duplicate"]')" -ge 1 ] &&
	[ "$(stat 'd["attribute_values"].get("'"$d_sid"'", 0)')" -eq 1 ]; then
	ok "--confirm sends the override (x-confirm-not-duplicate) and the child is created"
else fail "--confirm sends the override" "confirm exit $rc: $out; sync exit $rc2: $out2; state $st"; fi
if [ $rc2 -eq 65 ]; then ok "a run with rows still parked exits 65"; else fail "a run with rows still parked exits 65" "exit $rc2"; fi

if grep -q '{' "$T/ilsd.log"; then fail "the server log holds no bodies"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
