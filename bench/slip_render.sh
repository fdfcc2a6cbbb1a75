#!/bin/sh
# Slip rendering speed (the printing issue): "Rendering one slip takes at
# most 10% of the time a 350 mm/s thermal printer needs to print it (print
# time = slip length / 350 mm/s), for both PDF and ESC/POS raster; a 30-slip
# class sheet renders in less time than one slip takes to print."
# Usage: sh bench/slip_render.sh            (from anywhere; see bench/README.md)
# Env:   BENCH_ROUNDS (5), BENCH_SLIP_REPEAT (10), BENCH_WORK (/var/tmp/cardroll-bench),
#        BUILD (build), SLIPGEN ($BUILD/tests/slipgen)
# Exit:  0 every requirement passed, 1 one failed, 2 the bench itself could not run.
set -u

cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
SLIPGEN=${SLIPGEN:-$BUILD/tests/slipgen}
ROUNDS=${BENCH_ROUNDS:-5}
REPEAT=${BENCH_SLIP_REPEAT:-10}
WORK=${BENCH_WORK:-/var/tmp/cardroll-bench}/slips
NAMES=tests/printers/data/names.tsv
SPEED=350        # mm/s, the thermal printer
MAX_RATIO=0.10   # render time / print time of one slip

die() { echo "slip bench: $*"; exit 2; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -n 1; }
verdict() { if [ "$(awk "BEGIN { print ($1) ? 1 : 0 }")" = 1 ]; then echo PASS; else echo FAIL; fi; }

if [ ! -x "$SLIPGEN" ]; then
	make -s BUILD="$BUILD" "$BUILD/tests/slipgen" >/dev/null || die "cannot build $SLIPGEN"
fi
[ -f "$NAMES" ] || die "$NAMES is missing"
mkdir -p "$WORK" || die "cannot create $WORK"
cp "$SLIPGEN" "$WORK/slipgen" || die "cannot copy $SLIPGEN"
SG="$WORK/slipgen"

# A class of 30: the test roster (Latin, Vietnamese, Chinese, Arabic, a very
# long name, an escape-laden one) over and over.
CLASS="$WORK/class30.tsv"
{
	head -n 1 "$NAMES"
	i=0
	while [ $i -lt 3 ]; do tail -n +2 "$NAMES"; i=$((i + 1)); done | head -n 30
} >"$CLASS"
# The same class with Latin names only, for contrast.
LATIN="$WORK/latin30.tsv"
{
	head -n 1 "$NAMES"
	i=0
	while [ $i -lt 5 ]; do tail -n +2 "$NAMES" | grep -v -e '王' -e 'محمد'; i=$((i + 1)); done | head -n 30
} >"$LATIN"

echo "slip render bench: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs," \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rounds $ROUNDS (median); ms/slip: a job of 30 x $REPEAT slips; class: one 30-slip job in a process that"
echo "has printed once before (slipgen --warm: the desk is a long-running program); cold: the same job as"
echo "a fresh process's first (fontconfig start, font files read and mapped; shown, not judged)"
echo "print time = thermal slip length (render_slip_height, 72 mm wide, first child) / $SPEED mm/s"
echo ""

fail=0
# bench LABEL CLASS DRIVER ARGS...: one table row.
bench() {
	label=$1 class=$2 driver=$3
	shift 3
	per="" whole="" cold="" h=""
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		rm -f "$WORK/out"
		"$SG" --driver "$driver" "$@" --target "$WORK/out" --time --repeat "$REPEAT" "$class" \
			>"$WORK/per.txt" 2>"$WORK/err.txt" || { echo "  $label: $(cat "$WORK/err.txt")"; return 1; }
		per="$per $(field "$WORK/per.txt" ms_per_slip)"
		h=$(field "$WORK/per.txt" height_mm)
		rm -f "$WORK/out"
		"$SG" --driver "$driver" "$@" --target "$WORK/out" --time "$class" \
			>"$WORK/class.txt" 2>"$WORK/err.txt" || { echo "  $label: $(cat "$WORK/err.txt")"; return 1; }
		cold="$cold $(field "$WORK/class.txt" total_ms)"
		rm -f "$WORK/out"
		"$SG" --driver "$driver" "$@" --target "$WORK/out" --time --warm "$class" \
			>"$WORK/class.txt" 2>"$WORK/err.txt" || { echo "  $label: $(cat "$WORK/err.txt")"; return 1; }
		whole="$whole $(field "$WORK/class.txt" total_ms)"
		r=$((r + 1))
	done
	# shellcheck disable=SC2086
	{ per_med=$(median $per); whole_med=$(median $whole); cold_med=$(median $cold); }
	print_ms=$(awk "BEGIN { printf \"%.1f\", $h / $SPEED * 1000 }")
	ratio=$(awk "BEGIN { printf \"%.1f\", 100 * $per_med / $print_ms }")
	v1=$(verdict "$per_med <= $MAX_RATIO * $print_ms")
	v2=$(verdict "$whole_med < $print_ms")
	printf '%-24s %8.2f %7.0f %8.0f %7s%% %-5s %8.0f %-5s %9.0f\n' "$label" "$per_med" "$h" "$print_ms" "$ratio" \
		"$v1" "$whole_med" "$v2" "$cold_med"
	case "$v1 $v2" in *FAIL*) return 1 ;; esac
	return 0
}

printf '%-24s %8s %7s %8s %8s %-5s %8s %-5s %9s\n' "job" "ms/slip" "slip mm" "print ms" "ratio" "<=10%" \
	"class ms" "<print" "(cold ms)"
bench "pdf letter sheet, mixed" "$CLASS" pdf --paper letter --layout sheet || fail=1
bench "pdf letter sheet, Latin" "$LATIN" pdf --paper letter --layout sheet || fail=1
bench "pdf letter cr80, mixed" "$CLASS" pdf --paper letter --layout cr80 || fail=1
if "$SG" --driver escpos --target "$WORK/out" "$LATIN" >/dev/null 2>&1; then
	bench "escpos 80 raster, mixed" "$CLASS" escpos --paper 80 --layout raster || fail=1
	bench "escpos 80 raster, Latin" "$LATIN" escpos --paper 80 --layout raster || fail=1
else
	echo "escpos: no escpos driver in this build; not measured"
	fail=1
fi
rm -f "$WORK/out"
echo ""
if [ $fail -eq 0 ]; then
	echo "slip render: PASS (every slip <= 10% of its print time, every 30-slip class < one slip's print time)"
else
	echo "slip render: FAIL (see the rows marked FAIL)"
fi
exit $fail
