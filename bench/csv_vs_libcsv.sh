#!/bin/sh
# Our CSV reader (core/roster/csv.c) against libcsv on one file: 3 rounds,
# the readers alternating, median seconds each, and a check that both read
# the same records, fields and bytes (bench/csv_vs_libcsv.c).
# Usage, from the repository root:
#   tests/tools/genroster --students 200000 --seed 11 --out /tmp/j200k
#   sh bench/csv_vs_libcsv.sh /tmp/j200k/users.csv
# With no FILE it generates that 200,000-student users.csv itself.
set -u
ROOT=$(pwd)
W=$(mktemp -d /tmp/csv-vs-libcsv.XXXXXX)
trap 'rm -rf "$W"' EXIT
sh "$ROOT/bench/need.sh" libcsv-dev || exit 2
FILE=${1:-}
if [ -z "$FILE" ]; then
	python3 "$ROOT/tests/tools/genroster" --students 200000 --seed 11 --no-demographics --out "$W/pkg" >/dev/null || exit 2
	FILE=$W/pkg/users.csv
fi
CF="-O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra"
# shellcheck disable=SC2086
cc $CF -I"$ROOT/core" -DUSE_OURS -o "$W/ours" "$ROOT/bench/csv_vs_libcsv.c" "$ROOT/core/roster/csv.c" || exit 2
# shellcheck disable=SC2086
cc $CF -DUSE_LIBCSV -o "$W/libcsv" "$ROOT/bench/csv_vs_libcsv.c" -lcsv || exit 2
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $FILE: $(stat -c %s "$FILE") bytes; libcsv $(dpkg-query -W -f='${Version}' libcsv-dev 2>/dev/null)"
cat "$FILE" >/dev/null   # warm the page cache
for r in 1 2 3; do
	if [ $r -eq 2 ]; then order="libcsv ours"; else order="ours libcsv"; fi
	for x in $order; do
		"$W/$x" "$FILE" | tee -a "$W/all" | sed "s/^/round $r: /"
	done
done
awk '{ t[$1] = t[$1] " " $5; sum[$1] = $2 " " $3 " " $4 }
END {
	for (x in t) {
		m = split(t[x], a, " ")
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { v = a[i]; a[i] = a[j]; a[j] = v }
		med[x] = a[2]
	}
	printf "median: ours %.3f s, libcsv %.3f s; libcsv/ours %.2f\n", med["ours"], med["libcsv"], med["libcsv"] / med["ours"]
	if (sum["ours"] == sum["libcsv"]) print "same records, fields and bytes: " sum["ours"]
	else { print "READ DIFFERENTLY: ours " sum["ours"] ", libcsv " sum["libcsv"]; exit 1 }
}' "$W/all"
