#!/bin/sh
# test_zpl: slips sent to a ZPL label printer are rendered by npm
# `zpl-renderer-js` (Zebrash, a renderer we did not write) and zbarimg must
# read each label's QR code and barcode back as the card number.
# env: SLIPGEN (required). Run by tests/printers/run.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_DIR=$HERE/node
: "${SLIPGEN:?SLIPGEN must name the slipgen binary}"
sh "$NODE_DIR/ensure.sh" || exit 1

T=$(mktemp -d "${TMPDIR:-/tmp}/cardroll-zpl.XXXXXX")
SOCAT_PID=
cleanup() {
	[ -n "$SOCAT_PID" ] && kill "$SOCAT_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

FAILS=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; FAILS=$((FAILS + 1)); }
check() {
	d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

OURS=$HERE/data/printers.tsv      # row 4: O^Brien~JA^XZ, class "Room 14 ~ Mr. Chen"
NAMES=$HERE/data/names.tsv
[ -f "$NAMES" ] || NAMES=$OURS
cards() { tail -n +2 "$1" | cut -f3; }
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }

# Each label's PNG must carry QR = card and the barcode = card.
labels_match_cards() { # TSV PNGDIR SYMBOLOGY
	i=0
	for card in $(cards "$1"); do
		i=$((i + 1))
		got=$(zbarimg --nodbus -q "$2/label$i.png" 2>/dev/null)
		echo "$got" | grep -qx "QR-Code:$card" || { echo "  label $i: QR is not $card: $got" >&2; return 1; }
		echo "$got" | grep -qx "$3:$card" || { echo "  label $i: no $3 $card: $got" >&2; return 1; }
	done
}

# The commands of label N: every ^ or ~ followed by its two letters.
label_commands() { # FILE N
	awk -v n="$2" '/\^XA/ { k++ } k == n' "$1" | grep -o '[~^][A-Z0-9@][A-Z0-9@]*' | cut -c1-3 | tr '\n' ' '
}

for tsv in "$NAMES" "$OURS"; do
	name=$(basename "$tsv" .tsv)
	if ! "$SLIPGEN" --driver zpl --target "$T/$name.zpl" "$tsv" 2>"$T/err"; then
		fail "$name: slipgen failed: $(cat "$T/err")"
		continue
	fi
	check "$name: one ^XA ... ^XZ label with ^CI28 per slip ($(rows "$tsv"))" test \
		"$(grep -c '^\^XA' "$T/$name.zpl") $(grep -c '^\^XZ' "$T/$name.zpl") $(grep -c '^\^CI28' "$T/$name.zpl")" = \
		"$(rows "$tsv") $(rows "$tsv") $(rows "$tsv")"
	if node "$NODE_DIR/zpl-render.js" "$T/$name.zpl" "$T/$name" >/dev/null 2>"$T/err"; then
		check "$name: zpl-renderer-js renders every label; zbarimg reads QR and Code 128 = card" \
			labels_match_cards "$tsv" "$T/$name" CODE-128
	else
		fail "$name: zpl-renderer-js cannot render: $(cat "$T/err")"
	fi
done

Z=$T/printers.zpl
check "a name with ^ and ~ (O^Brien~JA^XZ) adds no command: label 4 has the commands of label 1" \
	test "$(label_commands "$Z" 4)" = "$(label_commands "$Z" 1)"
check "no '~' reaches the printer raw (it would act at once); it is sent as ^FH _7E" \
	sh -c "! grep -q '~' '$Z' && grep -q 'O_5EBrien_7EJA_5EXZ' '$Z' && grep -q 'Room 14 _7E Mr. Chen' '$Z'"
no_controls() { ! LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C grep -q '[[:cntrl:]]'; }
check "control bytes from the roster (ESC, GS, SOH) never reach the label" no_controls "$Z"

"$SLIPGEN" --driver zpl --barcode code39 --target "$T/c39.zpl" "$OURS" 2>"$T/err" &&
	node "$NODE_DIR/zpl-render.js" "$T/c39.zpl" "$T/c39" >/dev/null 2>&1 &&
	check "code39: zbarimg reads Code 39 = card on every label" labels_match_cards "$OURS" "$T/c39" CODE-39 ||
	fail "code39: $(cat "$T/err")"

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
socat -u "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" "OPEN:$T/tcp.zpl,creat" &
SOCAT_PID=$!
n=0
until ss -ltn "sport = :$PORT" | grep -q LISTEN || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
if "$SLIPGEN" --driver zpl --target "tcp://127.0.0.1:$PORT" "$OURS" 2>"$T/err"; then
	wait "$SOCAT_PID"
	SOCAT_PID=
	check "tcp:// target: the label printer got exactly the file target's bytes" cmp -s "$Z" "$T/tcp.zpl"
else
	fail "tcp:// target: $(cat "$T/err")"
fi

if [ "$FAILS" -ne 0 ]; then
	echo "test_zpl: $FAILS check(s) failed"
	exit 1
fi
echo "test_zpl: all checks passed"
