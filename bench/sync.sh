#!/bin/sh
# Sync benchmark (DESIGN §2.5, §8; issue 15): "draining 10,000 events takes
# at most 0.7x the time of a bare libcurl loop sending the two requests per
# event (a lookup GET before every POST) over one connection, measured in the
# same run; memory stays flat."
#
# Makes EVENTS signups (tests/tools/genroster, import, `cardroll issue` in
# chunks), then, for HTTP/1.1 (bench/fast_ilsd.c, single-threaded keep-alive)
# and for HTTP/2 (bench/fast_ilsd_h2.js, node over TLS with ALPN h2), times
# `cardroll sync` draining them (best of SYNC_REPS copies of the database),
# counts the GETs and POSTs it sent, and times bench/curl_baseline.c sending
# a GET and a POST per event one after another on one easy handle (best of
# 3). Peak RSS of `cardroll sync` (/usr/bin/time %M) at 1,000 and at EVENTS.
# (`--max` leaves the rest pending, so those runs may exit 75.)
# PASS: both time ratios <= SYNC_MAX_RATIO (0.7) and RSS(EVENTS) <= 1.2 x RSS(1,000).
# Usage, from the repository root after `make all`:
#   sh bench/sync.sh [EVENTS]        env: CARDROLL_BIN, BENCH_WORK, SYNC_REPS, SYNC_MAX_RATIO
set -u
ROOT=$(pwd)
BIN=${CARDROLL_BIN:-$ROOT/build/cardroll}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
GEN=$ROOT/tests/tools/genroster
EVENTS=${1:-10000}
REPS=${SYNC_REPS:-2}
W=${BENCH_WORK:-$(mktemp -d /tmp/cardroll-sync-bench.XXXXXX)}
mkdir -p "$W"
SRV="" SRV2=""
MAX_RATIO=${SYNC_MAX_RATIO:-0.7}
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[ -n "$SRV2" ] && kill "$SRV2" 2>/dev/null && wait "$SRV2" 2>/dev/null
	[ -z "${BENCH_WORK:-}" ] && rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
export CARDROLL_STAFF="Bench Admin" CARDROLL_PIN=2468 HOME=$W

[ -x "$BIN" ] || { echo "no cardroll binary at $BIN (make all first)"; exit 2; }
# A rebuild during the run changes nothing: the program and its modules
# (tui/mod/: found beside the executable) are copied.
cp "$BIN" "$W/cardroll" && for m in "$(dirname "$BIN")"/cardroll-*.so; do [ -f "$m" ] && cp "$m" "$W/"; done
BIN=$W/cardroll
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

# ---- the servers ------------------------------------------------------------
# HTTP/1.1: bench/fast_ilsd.c (keep-alive). HTTP/2: bench/fast_ilsd_h2.js
# (node, TLS with ALPN h2, a throwaway certificate), the same answers.
rm -f "$W/port" "$W/port2"
"$W/fast_ilsd" "$W/port" &
SRV=$!
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/h2.key" -out "$W/h2.pem" \
	-days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || exit 2
node "$ROOT/bench/fast_ilsd_h2.js" "$W/h2.key" "$W/h2.pem" "$W/port2" 2>"$W/h2.err" &
SRV2=$!
i=0
while { [ ! -s "$W/port" ] || [ ! -s "$W/port2" ]; } && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat "$W/port")
URL2=https://127.0.0.1:$(cat "$W/port2")
ini() {  # ini URL [more lines]
	printf '[sync]\ntarget = koha\nurl = %s\nauth = basic\nuser = koha\npassword = bench\nlibrary_id = CPL\n' "$1"
	printf 'category = ST\nattribute = STUID\nbackoff_max_s = 1\n%s\n' "${2:-}"
}
ini "$URL" >"$W/sync.ini"
ini "$URL2" "ca_file = $W/h2.pem" >"$W/sync2.ini"
chmod 600 "$W/sync.ini" "$W/sync2.ini"
counts() { curl -s --cacert "$W/h2.pem" "$1/_stats" | tr -d '{}"' | tr ',' ' '; }   # post:N get:N other:N
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2://p"; }

# bench NAME URL INI [CAFILE]: best of REPS `cardroll sync` drains, then best of
# 3 baseline loops sending two requests per event (a lookup GET before every
# POST) over one connection. Sets best, base, ratio, npost, nget, rss10.
bench() {
	name=$1 url=$2 conf=$3 ca=${4:-}
	best=""
	for r in $(seq "$REPS"); do
		cp "$W/base.db" "$W/run.db"
		before=$(counts "$url")
		/usr/bin/time -f "%e %M" -o "$W/time.$r" "$BIN" --db "$W/run.db" --config "$conf" sync --max "$EVENTS" \
			>"$W/sync.$r.out" 2>&1
		rc=$?
		after=$(counts "$url")
		done_n=$(sqlite3 "$W/run.db" "SELECT count(*) FROM outbox WHERE state = 'done'")
		read -r secs rss <<EOF
$(tail -1 "$W/time.$r")
EOF
		npost=$(($(field "$after" post) - $(field "$before" post)))
		nget=$(($(field "$after" get) - $(field "$before" get)))
		echo "$name: cardroll sync run $r: $secs s, exit $rc, $done_n done, $npost POST + $nget GET, peak RSS $rss KB"
		[ "$done_n" -eq "$EVENTS" ] || { echo "FAIL: the sync did not finish: $(cat "$W/sync.$r.out")"; exit 1; }
		if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc)" -eq 1 ]; then best=$secs; rss10=$rss; fi
	done
	base=""
	for r in 1 2 3; do
		# shellcheck disable=SC2086
		s=$("$W/curl_baseline" "$url" "$EVENTS" "$EVENTS" $ca 2>>"$W/baseline.err") ||
			{ echo "FAIL: baseline: $(tail -1 "$W/baseline.err")"; exit 1; }
		echo "$name: libcurl loop run $r: $s s ($(tail -1 "$W/baseline.err" | sed 's/.*(\(.*\)).*/\1/'))"
		if [ -z "$base" ] || [ "$(echo "$s < $base" | bc)" -eq 1 ]; then base=$s; fi
	done
	ratio=$(echo "scale=2; $best / $base" | bc)
}

bench "HTTP/1.1" "$URL" "$W/sync.ini"
best1=$best base1=$base ratio1=$ratio req1=$(echo "scale=2; ($npost + $nget) / $EVENTS" | bc)
bench "HTTP/2" "$URL2" "$W/sync2.ini" "$W/h2.pem"
best2=$best base2=$base ratio2=$ratio req2=$(echo "scale=2; ($npost + $nget) / $EVENTS" | bc)

# ---- memory at 1,000 (HTTP/2, where most is in flight) ------------------------
cp "$W/base.db" "$W/run1k.db"
/usr/bin/time -f "%e %M" -o "$W/time.1k" "$BIN" --db "$W/run1k.db" --config "$W/sync2.ini" sync --max 1000 >"$W/sync.1k.out" 2>&1
read -r secs1k rss1 <<EOF
$(tail -1 "$W/time.1k")
EOF

rssr=$(echo "scale=2; $rss10 / $rss1" | bc)
ok_t1=$(echo "$ratio1 <= $MAX_RATIO" | bc)
ok_t2=$(echo "$ratio2 <= $MAX_RATIO" | bc)
ok_m=$(echo "$rssr <= 1.2" | bc)
echo
printf '%-40s %12s %12s\n' "" "measured" "requirement"
printf '%-40s %10s s %12s\n' "HTTP/1.1: cardroll sync, $EVENTS events" "$best1" ""
printf '%-40s %10s s %12s\n' "HTTP/1.1: libcurl loop, GET+POST each" "$base1" ""
printf '%-40s %12s %12s\n' "HTTP/1.1: time ratio" "${ratio1}x" "<= ${MAX_RATIO}x"
printf '%-40s %12s\n' "HTTP/1.1: cardroll requests per event" "$req1"
printf '%-40s %10s s %12s\n' "HTTP/2: cardroll sync, $EVENTS events" "$best2" ""
printf '%-40s %10s s %12s\n' "HTTP/2: libcurl loop, GET+POST each" "$base2" ""
printf '%-40s %12s %12s\n' "HTTP/2: time ratio" "${ratio2}x" "<= ${MAX_RATIO}x"
printf '%-40s %12s\n' "HTTP/2: cardroll requests per event" "$req2"
printf '%-40s %9s KB %12s\n' "peak RSS, 1,000 events (HTTP/2)" "$rss1" ""
printf '%-40s %9s KB %12s\n' "peak RSS, $EVENTS events (HTTP/2)" "$rss10" ""
printf '%-40s %12s %12s\n' "RSS ratio" "${rssr}x" "<= 1.2x"
echo
if [ "$ok_t1" -eq 1 ] && [ "$ok_t2" -eq 1 ] && [ "$ok_m" -eq 1 ]; then echo "PASS"; exit 0; fi
[ "$ok_t1" -eq 1 ] || echo "FAIL: over HTTP/1.1 cardroll sync takes ${ratio1}x the libcurl loop (limit ${MAX_RATIO}x)"
[ "$ok_t2" -eq 1 ] || echo "FAIL: over HTTP/2 cardroll sync takes ${ratio2}x the libcurl loop (limit ${MAX_RATIO}x)"
[ "$ok_m" -eq 1 ] || echo "FAIL: peak RSS grows ${rssr}x from 1,000 to $EVENTS events (limit 1.2x)"
exit 1
