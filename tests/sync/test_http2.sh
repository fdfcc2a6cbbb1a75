#!/bin/sh
# The koha target over HTTP/2 (issue 15): against bench/fast_ilsd_h2.js (node,
# TLS with ALPN h2 and http/1.1, every answer held 20 ms so that requests
# sent together are seen together), a drain sends each signup as one POST
# (no lookup on a first try), several at once on one connection; `http2 =
# no` speaks HTTP/1.1, one at a time; a sync killed while its streams are in
# flight leaves those rows marked, and the next run looks each of them up
# before creating (the outcome was unknown). Env: CARDROLL_BIN.
set -u

TAG=http2
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$DB" "$1"; }
stats() { curl -s --cacert "$T/h2.pem" "https://127.0.0.1:$PORT/_stats"; }
st() { stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

command -v node >/dev/null 2>&1 || { echo "node is missing (packaging/deps.sh)"; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/h2.key" -out "$T/h2.pem" \
	-days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fail "a test certificate"
node "$ROOT/bench/fast_ilsd_h2.js" "$T/h2.key" "$T/h2.pem" "$T/port" 20 2>"$T/server.log" &
SRV=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T/port")

DB=$T/base.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
for c in $(q "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 4"); do
	"$BIN" --db "$DB" issue --class "$c" --all-eligible >>"$T/issue.out" 2>&1
done
total=$(q "SELECT count(*) FROM outbox WHERE state = 'pending'")
[ "$total" -ge 60 ] || fail "enough signups for two batches" "$total"
cat >"$T/sync.ini" <<EOF
[sync]
target = koha
url = https://127.0.0.1:$PORT
ca_file = $T/h2.pem
auth = basic
user = koha
password = pw
library_id = CPL
category = ST
attribute = STUID
backoff_max_s = 1
EOF
chmod 600 "$T/sync.ini"

# 1. HTTP/2: one POST per signup, several in flight at once.
cp "$T/base.db" "$T/h2.db"
DB=$T/h2.db
out=$(timeout 120 "$BIN" --db "$DB" --config "$T/sync.ini" sync 2>&1); rc=$?
done_n=$(q "SELECT count(*) FROM outbox WHERE state = 'done' AND coalesce(remote_id, '') <> ''")
linked=$(q "SELECT count(*) FROM card WHERE ils_patron_id IS NOT NULL")
if [ $rc -eq 0 ] && [ "$done_n" -eq "$total" ] && [ "$linked" -eq "$total" ]; then
	ok "over HTTP/2 all $total signups are done and linked"
else fail "over HTTP/2 every signup is done" "exit $rc, $done_n/$total done, $linked linked: $out"; fi
post=$(st post) get=$(st get) h2=$(st h2) open=$(st max_open)
if [ "$post" -eq "$total" ] && [ "$get" -eq 0 ] && [ "$h2" -eq "$total" ]; then
	ok "one HTTP/2 POST per signup, no lookup ($post POST, $get GET)"
else fail "one HTTP/2 POST per signup" "$post POST, $get GET, $h2 over HTTP/2"; fi
if [ "$open" -gt 1 ] && [ "$open" -le 50 ]; then ok "up to $open creates in flight at once (a batch is 50)"
else fail "creates in flight together, at most a batch" "max $open at once"; fi

# 2. http2 = no: HTTP/1.1, one request at a time on the one connection.
cp "$T/base.db" "$T/h1.db"
DB=$T/h1.db
cp "$T/sync.ini" "$T/h1.ini"
echo "http2 = no" >>"$T/h1.ini"
h1a=$(st h1)
out=$(timeout 120 "$BIN" --db "$DB" --config "$T/h1.ini" sync 2>&1); rc=$?
h1b=$(st h1)
done_n=$(q "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ $rc -eq 0 ] && [ "$done_n" -eq "$total" ] && [ $((h1b - h1a)) -eq "$total" ]; then
	ok "with http2 = no the $total signups go over HTTP/1.1"
else fail "http2 = no speaks HTTP/1.1" "exit $rc, $done_n done, $((h1b - h1a)) over HTTP/1.1: $out"; fi

# 3. Killed with streams in flight: the rows sent are marked, and the next
#    run asks Koha about each of them before creating.
cp "$T/base.db" "$T/kill.db"
DB=$T/kill.db
"$BIN" --db "$DB" --config "$T/sync.ini" sync >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(q "SELECT count(*) FROM outbox WHERE state = 'sending'")" -eq 0 ] && [ $i -lt 200 ]; do
	sleep 0.01; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
marked=$(q "SELECT count(*) FROM outbox WHERE state = 'sending' AND attempts = 1")
g0=$(st get)
out=$(timeout 120 "$BIN" --db "$DB" --config "$T/sync.ini" sync 2>&1); rc=$?
g1=$(st get)
done_n=$(q "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ "$marked" -gt 0 ] && [ $rc -eq 0 ] && [ "$done_n" -eq "$total" ] && [ $((g1 - g0)) -eq "$marked" ]; then
	ok "after kill -9 the $marked rows in flight are looked up first ($((g1 - g0)) GET), the rest created directly"
else fail "rows in flight at a kill are looked up first" "$marked marked, $((g1 - g0)) GET, exit $rc, $done_n/$total done: $out"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
