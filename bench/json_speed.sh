#!/bin/sh
# Times json-c and jansson on the JSON cardroll reads and writes
# (bench/json_speed.c): 3 rounds, the libraries alternating, then the median
# ns per operation of each workload per library, and a check that both read
# the same values and wrote the same bytes (the checksum column).
# Usage, from the repository root:
#   sh bench/json_speed.sh [SCALE]     SCALE multiplies the iterations (1)
#   JSON_OLD=c018d09 sh bench/json_speed.sh   also the reads of the
#                                      hand-written reader of that commit
set -u
ROOT=$(pwd)
SCALE=${1:-1}
W=$(mktemp -d /tmp/json-speed.XXXXXX)
trap 'rm -rf "$W"' EXIT
sh "$ROOT/bench/need.sh" libjson-c-dev libjansson-dev || exit 2
CF="-O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra"
# shellcheck disable=SC2046,SC2086
cc $CF -DUSE_JSONC -o "$W/json-c" "$ROOT/bench/json_speed.c" $(pkg-config --cflags --libs json-c) || exit 2
# shellcheck disable=SC2046,SC2086
cc $CF -DUSE_JANSSON -o "$W/jansson" "$ROOT/bench/json_speed.c" $(pkg-config --cflags --libs jansson) || exit 2
LIBS="json-c jansson"
if [ -n "${JSON_OLD:-}" ]; then
	mkdir -p "$W/old"
	git show "$JSON_OLD:core/text/json.c" >"$W/old/json.c" && git show "$JSON_OLD:core/text/json.h" >"$W/old/json.h" || exit 2
	# shellcheck disable=SC2086
	cc $CF -DUSE_OLD -I"$W/old" -o "$W/hand-written" "$ROOT/bench/json_speed.c" "$W/old/json.c" || exit 2
	LIBS="$LIBS hand-written"
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# json-c $(pkg-config --modversion json-c), jansson $(pkg-config --modversion jansson)"
for r in 1 2 3; do
	order=$LIBS
	[ $r -eq 2 ] && order=$(echo "$LIBS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for l in $order; do
		"$W/$l" "$SCALE" | sed "s/^/$l $r /" >>"$W/all" || exit 1
	done
done
grep -m1 sizes "$W/all" | sed 's/^[^#]*# [^;]*; /# /'
# median of the 3 rounds, per library and workload
awk '!/#/ { k = $1 " " $3; v[k] = v[k] " " $5; sum[k] = $7; names[$3] = 1; libs[$1] = 1; order[++n] = $3 }
END {
	printf "%-13s", "ns/op (median)"
	nl = split("'"$LIBS"'", L, " ")
	for (i = 1; i <= nl; i++) printf " %13s", L[i]
	printf "  %s\n", "ratio json-c/jansson"
	for (j = 1; j <= n; j++) {
		w = order[j]; if (seen[w]++) continue
		printf "%-14s", w
		for (i = 1; i <= nl; i++) {
			k = L[i] " " w
			if (!(k in v)) { printf " %13s", "-"; med[i] = 0; continue }
			m = split(v[k], a, " "); 
			for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
			med[i] = a[int((m + 1) / 2)]
			printf " %13.0f", med[i]
		}
		printf "  %.2f", med[1] / med[2]
		if (sum[L[1] " " w] != sum[L[2] " " w]) { printf "  CHECKSUMS DIFFER"; bad = 1 }
		printf "\n"
	}
	exit bad
}' "$W/all"
