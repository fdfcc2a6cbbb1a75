#!/bin/sh
# Sync benchmark (DESIGN §2.5, §8): "Draining 10,000 waiting events to a
# loopback server that answers at once takes at most 2x the time of a
# minimal libcurl loop sending the same requests over one reused
# connection, measured in the same run; memory stays flat."
#
# Makes EVENTS signups (tests/tools/genroster, import, `cardroll issue` in chunks),
# starts bench/fast_ilsd.c (single-threaded keep-alive HTTP/1.1, answers at
# once), times `cardroll sync` draining them (best of SYNC_REPS copies of the
# database), counts the GETs and POSTs it sent, times bench/curl_baseline.c
# sending the same numbers of requests with one easy handle (best of 3), and
# takes `cardroll sync`'s peak RSS (/usr/bin/time %M) at 1,000 and at EVENTS.
# (`--max` leaves the rest pending, so those runs may exit 75.)
# PASS: time ratio <= 2 and RSS(EVENTS) <= 1.2 x RSS(1,000).
# Usage, from the repository root after `make all`:
#   sh bench/sync.sh [EVENTS]        env: CARDROLL_BIN, BENCH_WORK, SYNC_REPS
set -u
ROOT=$(pwd)
BIN=${CARDROLL_BIN:-$ROOT/build/cardroll}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
GEN=$ROOT/tests/tools/genroster
EVENTS=${1:-10000}
REPS=${SYNC_REPS:-2}
W=${BENCH_WORK:-$(mktemp -d /tmp/cardroll-sync-bench.XXXXXX)}
mkdir -p "$W"
SRV=""
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[ -z "${BENCH_WORK:-}" ] && rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
export CARDROLL_STAFF="Bench Admin" CARDROLL_PIN=2468 HOME=$W

[ -x "$BIN" ] || { echo "no cardroll binary at $BIN (make all first)"; exit 2; }
cp "$BIN" "$W/cardroll" && BIN=$W/cardroll   # a rebuild during the run changes nothing
echo "cardroll: $(sha256sum "$BIN" | cut -c1-16)"
cc -O2 -std=c11 -Wall -o "$W/fast_ilsd" "$ROOT/bench/fast_ilsd.c" || exit 2
# shellcheck disable=SC2046
cc -O2 -std=c11 -Wall -o "$W/curl_baseline" "$ROOT/bench/curl_baseline.c" $(pkg-config --cflags --libs libcurl) || exit 2

now() { date +%s.%N; }

# ---- EVENTS signups ------------------------------------------------------
if [ ! -f "$W/base.db" ]; then
	t0=$(now)
	python3 "$GEN" --students $((EVENTS + 500)) --seed 21 --out "$W/pkg" >/dev/null || exit 2
	"$BIN" --db "$W/make.db" import --quiet "$W/pkg" || exit 2
	"$BIN" --db "$W/make.db" staff add "Bench Admin" >/dev/null || exit 2
	sqlite3 "$W/make.db" "SELECT student_number FROM student WHERE status = 'active' AND student_number IS NOT NULL ORDER BY id" >"$W/ids"
	xargs -n 250 "$BIN" --db "$W/make.db" issue <"$W/ids" >"$W/issue.out" 2>"$W/issue.err"
	mv "$W/make.db" "$W/base.db"
	echo "setup: $(sqlite3 "$W/base.db" "SELECT count(*) FROM outbox") signups in $(echo "$(now) - $t0" | bc | cut -c1-6) s"
fi
have=$(sqlite3 "$W/base.db" "SELECT count(*) FROM outbox WHERE state = 'pending'")
[ "$have" -ge "$EVENTS" ] || { echo "only $have signups wait (wanted $EVENTS)"; exit 2; }

# ---- the server ------------------------------------------------------------
rm -f "$W/port"
"$W/fast_ilsd" "$W/port" &
SRV=$!
i=0
while [ ! -s "$W/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$W/port")
URL=http://127.0.0.1:$PORT
cat >"$W/sync.ini" <<EOF
[sync]
target = koha
url = $URL
auth = basic
user = koha
password = bench
library_id = CPL
category = ST
attribute = STUID
backoff_max_s = 1
EOF
chmod 600 "$W/sync.ini"
counts() { curl -s "$URL/_stats" | tr -d '{}"' | tr ',' ' '; }   # post:N get:N other:N
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2://p"; }

# ---- cardroll sync ---------------------------------------------------------
best=""
for r in $(seq "$REPS"); do
	cp "$W/base.db" "$W/run.db"
	before=$(counts)
	/usr/bin/time -f "%e %M" -o "$W/time.$r" "$BIN" --db "$W/run.db" --config "$W/sync.ini" sync --max "$EVENTS" >"$W/sync.$r.out" 2>&1
	rc=$?
	after=$(counts)
	done_n=$(sqlite3 "$W/run.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
	read -r secs rss <<EOF
$(tail -1 "$W/time.$r")
EOF
	npost=$(($(field "$after" post) - $(field "$before" post)))
	nget=$(($(field "$after" get) - $(field "$before" get)))
	echo "cardroll sync run $r: $secs s, exit $rc, $done_n done, $npost POST + $nget GET, peak RSS $rss KB"
	[ "$done_n" -eq "$EVENTS" ] || { echo "FAIL: the sync did not finish: $(cat "$W/sync.$r.out")"; exit 1; }
	if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc)" -eq 1 ]; then best=$secs; rss10=$rss; fi
done

# ---- the libcurl floor: the same requests, one connection --------------------
base=""
for r in 1 2 3; do
	s=$("$W/curl_baseline" "$URL" "$npost" "$nget" 2>>"$W/baseline.err") || { echo "FAIL: baseline: $(tail -1 "$W/baseline.err")"; exit 1; }
	echo "curl baseline run $r: $s s"
	if [ -z "$base" ] || [ "$(echo "$s < $base" | bc)" -eq 1 ]; then base=$s; fi
done

# ---- memory at 1,000 -----------------------------------------------------------
cp "$W/base.db" "$W/run1k.db"
/usr/bin/time -f "%e %M" -o "$W/time.1k" "$BIN" --db "$W/run1k.db" --config "$W/sync.ini" sync --max 1000 >"$W/sync.1k.out" 2>&1
read -r secs1k rss1 <<EOF
$(tail -1 "$W/time.1k")
EOF

ratio=$(echo "scale=2; $best / $base" | bc)
rssr=$(echo "scale=2; $rss10 / $rss1" | bc)
ok_t=$(echo "$ratio <= 2" | bc)
ok_m=$(echo "$rssr <= 1.2" | bc)
echo
printf '%-34s %12s %12s\n' "" "measured" "requirement"
printf '%-34s %10s s %12s\n' "cardroll sync, $EVENTS events" "$best" ""
printf '%-34s %10s s %12s\n' "libcurl loop, same requests" "$base" ""
printf '%-34s %12s %12s\n' "time ratio" "${ratio}x" "<= 2x"
printf '%-34s %9s KB %12s\n' "peak RSS, 1,000 events" "$rss1" ""
printf '%-34s %9s KB %12s\n' "peak RSS, $EVENTS events" "$rss10" ""
printf '%-34s %12s %12s\n' "RSS ratio" "${rssr}x" "<= 1.2x"
printf '%-34s %12s\n' "requests per event (POST+GET)" "$(echo "scale=2; ($npost + $nget) / $EVENTS" | bc)"
echo
if [ "$ok_t" -eq 1 ] && [ "$ok_m" -eq 1 ]; then echo "PASS"; exit 0; fi
[ "$ok_t" -eq 1 ] || echo "FAIL: cardroll sync takes ${ratio}x the libcurl loop (limit 2x)"
[ "$ok_m" -eq 1 ] || echo "FAIL: peak RSS grows ${rssr}x from 1,000 to $EVENTS events (limit 1.2x)"
exit 1
