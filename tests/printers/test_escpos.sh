#!/bin/sh
# test_escpos: slips sent to an ESC/POS receipt printer are read back with
# tools we did not write: npm `npos` parses the stream, zbarimg reads every
# QR code and barcode out of the raster images.
# env: SLIPGEN (required). Run by tests/printers/run.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_DIR=$HERE/node
: "${SLIPGEN:?SLIPGEN must name the slipgen binary}"
sh "$NODE_DIR/ensure.sh" || exit 1

T=$(mktemp -d "${TMPDIR:-/tmp}/cardroll-escpos.XXXXXX")
SOCAT_PID=
cleanup() {
	[ -n "$SOCAT_PID" ] && kill "$SOCAT_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

FAILS=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

OURS=$HERE/data/printers.tsv      # Zoë Müller, ESC/GS bytes, 小明 王, O^Brien~
NAMES=$HERE/data/names.tsv        # helper A's: Latin, Vietnamese, Chinese, Arabic
[ -f "$NAMES" ] || NAMES=$OURS
cards() { tail -n +2 "$1" | cut -f3; }
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }

decode() { # decode STREAM OUTDIR [--codepage CP] -> OUTDIR.json
	s=$1; o=$2; shift 2
	node "$NODE_DIR/escpos-decode.js" "$s" "$o" "$@" >"$o.json"
}
# js EXPR: evaluates EXPR with r = the decoded report in $J.
js() { node -e "const r=require(process.argv[1]); const v=($1); console.log(v)" "$J"; }

# Every slip's raster images, read by zbarimg, must give the card number
# as a QR code and as a barcode (Codabar A...A or Code 39).
codes_match_cards() { # TSV
	i=0
	for card in $(cards "$1"); do
		i=$((i + 1))
		imgs=$(js "r.slips[$i-1] ? r.slips[$i-1].images.map(x => x.file).join(' ') : ''")
		[ -n "$imgs" ] || { echo "  slip $i ($card) has no raster image" >&2; return 1; }
		# shellcheck disable=SC2086
		got=$(zbarimg --nodbus -q $imgs 2>/dev/null)
		echo "$got" | grep -qx "QR-Code:$card" || { echo "  slip $i: QR is not $card: $got" >&2; return 1; }
		echo "$got" | grep -Eqx "(Codabar:A${card}A|CODE-39:$card)" ||
			{ echo "  slip $i: barcode is not $card: $got" >&2; return 1; }
	done
}

# --- raster, 58 and 80 mm: a class of children from every script ----------
for paper in 58 80; do
	J=$T/r$paper.json
	if ! "$SLIPGEN" --driver escpos --paper "$paper" --layout raster --target "$T/r$paper.bin" "$NAMES" 2>"$T/err"; then
		fail "raster $paper mm: slipgen failed: $(cat "$T/err")"
		continue
	fi
	check "raster $paper mm: npos parses the stream" decode "$T/r$paper.bin" "$T/r$paper"
	check "raster $paper mm: one ESC @ and one cut per slip ($(rows "$NAMES"))" \
		test "$(js 'r.init + " " + r.cuts')" = "1 $(rows "$NAMES")"
	dots=$([ "$paper" = 58 ] && echo 384 || echo 576)
	check "raster $paper mm: every image is $dots dots wide, bands of at most 128 rows" \
		test "$(js "r.slips.every(s => s.images.every(x => x.width === $dots)) && r.malformed.length === 0")" = true
	check "raster $paper mm: zbarimg reads each slip's QR and barcode as its card number" codes_match_cards "$NAMES"
done

J=$T/c39.json
"$SLIPGEN" --driver escpos --layout raster --barcode code39 --target "$T/c39.bin" "$OURS" 2>"$T/err" &&
	decode "$T/c39.bin" "$T/c39" &&
	check "raster code39: zbarimg reads Code 39 = card number" codes_match_cards "$OURS" ||
	fail "raster code39: $(cat "$T/err")"

# --- text layout ---------------------------------------------------------
for cp in cp437 cp858 cp1252; do
	J=$T/t$cp.json
	if ! "$SLIPGEN" --driver escpos --layout text --codepage "$cp" --target "$T/t$cp.bin" "$OURS" 2>"$T/err"; then
		fail "text $cp: slipgen failed: $(cat "$T/err")"
		continue
	fi
	decode "$T/t$cp.bin" "$T/t$cp" --codepage "$cp" || { fail "text $cp: npos cannot parse the stream"; continue; }
	check "text $cp: 'Zoë Müller' reads right after decoding $cp" \
		test "$(js 'r.slips[0].text.includes("Zoë Müller") && r.slips[0].codepages[0]')" = "$cp"
done

J=$T/tcp437.json
check "text: a name carrying ESC @ and GS V bytes adds no init and no cut" \
	test "$(js 'r.init + " " + r.cuts')" = "1 $(rows "$OURS")"
check "text: the control bytes are gone and the name is still there" \
	test "$(js '/Eve@ MalloryV0VB@/.test(r.slips[1].text) && !/[\x00-\x09\x0b-\x1f\x7f]/.test(r.slips.map(s => s.text).join(""))')" = true
check "text: the Chinese name's slip is all raster (no code-page text, no '?')" \
	test "$(js 'r.slips[2].text.trim() === "" && r.slips[2].images.length === 1 && !r.slips.some(s => s.text.includes("?"))')" = true
check "text: 'Room 12 – Ms. Rivera' folds the dash instead of going raster" \
	test "$(js 'r.slips[0].text.includes("Room 12 - Ms. Rivera") && r.slips[0].images.length')" = 1
codes_text() {
	i=0
	for card in $(cards "$OURS"); do
		i=$((i + 1))
		imgs=$(js "r.slips[$i-1].images.map(x => x.file).join(' ')")
		# shellcheck disable=SC2086
		zbarimg --nodbus -q --raw $imgs 2>/dev/null | grep -qx "$card" || { echo "  slip $i: no QR $card" >&2; return 1; }
		if [ "$i" != 3 ]; then
			test "$(js "r.slips[$i-1].barcodes.map(b => b.m + ':' + b.data).join()")" = "71:A${card}A" ||
				{ echo "  slip $i: GS k is not Codabar A${card}A" >&2; return 1; }
		fi
	done
}
check "text: QR images read back as the card numbers; GS k carries Codabar A<card>A" codes_text

J=$T/native.json
"$SLIPGEN" --driver escpos --layout text --native-qr --target "$T/native.bin" "$OURS" 2>"$T/err" &&
	decode "$T/native.bin" "$T/native" || fail "native QR: $(cat "$T/err")"
check "native QR: every GS ( k has pL pH that match, model 2, cn 49" test "$(js 'r.malformed.length')" = 0
check "native QR: each text slip stores its card number; the raster slip needs none" \
	test "$(js 'r.slips.map(s => s.qr.join("")).join(",")')" = "$(cards "$OURS" | sed '3s/.*//' | paste -sd, -)"
check "native QR: 5 GS ( k commands per text slip" test "$(js 'r.commands["GS (k"]')" = 15

# --- targets -------------------------------------------------------------
free_port() {
	node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
"$SLIPGEN" --driver escpos --paper 58 --layout raster --target "$T/file.bin" "$OURS" 2>"$T/err" || fail "file target: $(cat "$T/err")"
check "file target: mode 0600 and no temporary file left" \
	test "$(stat -c %a "$T/file.bin") $(ls "$T" | grep -c '^file\.bin\.')" = "600 0"

PORT=$(free_port)
socat -u "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" "OPEN:$T/tcp.bin,creat" &
SOCAT_PID=$!
n=0
until ss -ltn "sport = :$PORT" | grep -q LISTEN || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
if "$SLIPGEN" --driver escpos --paper 58 --layout raster --target "tcp://127.0.0.1:$PORT" "$OURS" 2>"$T/err"; then
	wait "$SOCAT_PID"
	SOCAT_PID=
	check "tcp:// target: the socket printer got exactly the file target's bytes" cmp -s "$T/file.bin" "$T/tcp.bin"
else
	fail "tcp:// target: $(cat "$T/err")"
fi

PORT=$(free_port)
mkdir "$T/refused" && cd "$T/refused" || exit 1
"$SLIPGEN" --driver escpos --target "tcp://127.0.0.1:$PORT" "$OURS" 2>"$T/err"
rc=$?
cd "$HERE" || exit 1
check "refused port: exit status is not 0" test "$rc" -ne 0
check "refused port: says 'printer at 127.0.0.1:$PORT refused the connection'" \
	grep -q "printer at 127.0.0.1:$PORT refused the connection" "$T/err"
check "refused port: no file is left behind" test -z "$(ls -A "$T/refused")"

# A printer that never answers: a listener whose accept queue is full drops
# our SYN, just as a switched-off printer on the network would.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$T/busy-port" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
held = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(s.getsockname())
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.5)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(12)
EOF
	BUSY_PID=$!
	n=0
	until [ -s "$T/busy-port" ] || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
	PORT=$(cat "$T/busy-port" 2>/dev/null)
	"$SLIPGEN" --driver escpos --target "tcp://127.0.0.1:$PORT" "$OURS" 2>"$T/err"
	rc=$?
	kill "$BUSY_PID" 2>/dev/null
	check "silent printer: nonzero exit and 'printer at 127.0.0.1:$PORT did not answer within 5 s'" \
		sh -c "[ $rc -ne 0 ] && grep -q 'printer at 127.0.0.1:$PORT did not answer within 5 s' '$T/err'"
fi

"$SLIPGEN" --driver escpos --target /dev/usb/cardroll-none "$OURS" 2>"$T/err"
check "missing device: nonzero exit and 'cannot open /dev/usb/cardroll-none: ...'" \
	sh -c "[ $? -ne 0 ] && grep -q 'cannot open /dev/usb/cardroll-none: No such file' '$T/err'"
"$SLIPGEN" --driver escpos --target /dev/full "$OURS" 2>"$T/err"
check "full device: nonzero exit and 'cannot write to /dev/full: No space left on device'" \
	sh -c "[ $? -ne 0 ] && grep -q 'cannot write to /dev/full: No space left on device' '$T/err'"

if [ "$FAILS" -ne 0 ]; then
	echo "test_escpos: $FAILS check(s) failed"
	exit 1
fi
echo "test_escpos: all checks passed"
