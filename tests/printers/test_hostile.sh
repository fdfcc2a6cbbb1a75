#!/bin/sh
# test_hostile: terminal and printer escape sequences and C0/C1 controls in
# every text field of a slip (given, family, school, class, grade) never
# reach a printer as commands. The slips are rendered straight from a TSV
# by slipgen (no import, so no cleaning before the drivers: each driver
# must hold on its own), then read back with tools we did not write: npm
# `npos` parses the ESC/POS stream, the ZPL is compared command by command
# with a benign label's and rendered by zpl-renderer-js.
# env: SLIPGEN (required). Run by tests/printers/run.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_DIR=$HERE/node
: "${SLIPGEN:?SLIPGEN must name the slipgen binary}"
sh "$NODE_DIR/ensure.sh" || exit 1

T=$(mktemp -d "${TMPDIR:-/tmp}/cardroll-hostile.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
FAILS=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; FAILS=$((FAILS + 1)); }
check() { d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }

# Row 1 benign, row 2 the same words wrapped in every kind of sequence: CSI
# (7- and 8-bit, U+009B), OSC (title, ended by BEL and by ST), DCS, ESC/POS
# init, cut, feed and code page (ESC @, GS V, ESC d, ESC t), ZPL format and
# (no NUL: a slip field is a C string, and the importer drops NUL bytes)
# control commands (^XA ^XZ ~JA ~DG), DEL, SOH, NEL (U+0085).
python3 - "$T/hostile.tsv" <<'PY'
import sys
def h(word):
    return ("\x1b[2J\x1b[H" + word + "\x1b]0;pwned\x07\x1b]8;;http://x\x1b\\\u009b31m\x1bP+q\x1b\\"
            "\x1b@\x1dV0\x1dV\x01\x1bd\x05\x1bt\x10^XA^FDx^FS~JA~DGR:X\x7f\x01\u0085\u009d")
head = "given\tfamily\tcard\tschool\tclass\tgrade\texpires\n"
ok = "Max\tPower\t21234000001370\tNorth Elementary\tRoom 3A\t3\t2027-08-31\n"
bad = "\t".join([h("Max"), h("Power"), "21234000002741", h("North Elementary"), h("Room 3A"), h("3"),
                 "2027-08-31"]) + "\n"
open(sys.argv[1], "w", encoding="utf-8").write(head + ok + bad)
open(sys.argv[1] + ".benign", "w", encoding="utf-8").write(head + ok + ok.replace("1370", "2741"))
PY
TSV=$T/hostile.tsv

# ESC/POS, text and raster: one init for the job, one cut per slip, no
# control byte in any text the printer prints
for layout in text raster; do
	if ! "$SLIPGEN" --driver escpos --layout "$layout" --target "$T/$layout.bin" "$TSV" 2>"$T/err" ||
	   ! "$SLIPGEN" --driver escpos --layout "$layout" --target "$T/b$layout.bin" "$TSV.benign" 2>>"$T/err"; then
		fail "escpos $layout: slipgen failed: $(cat "$T/err")"
		continue
	fi
	if ! node "$NODE_DIR/escpos-decode.js" "$T/$layout.bin" "$T/$layout" >"$T/$layout.json" 2>"$T/err" ||
	   ! node "$NODE_DIR/escpos-decode.js" "$T/b$layout.bin" "$T/b$layout" >"$T/b$layout.json" 2>>"$T/err"; then
		fail "escpos $layout: npos cannot parse the stream: $(cat "$T/err")"
		continue
	fi
	J=$T/$layout.json
	js() { node -e "const r=require(process.argv[1]); const b=require(process.argv[2]); console.log($1)" "$J" "$T/b$layout.json"; }
	check "escpos $layout: the hostile slip adds no init and no cut (1 init, 2 cuts)" \
		test "$(js 'r.init + " " + r.cuts')" = "1 2"
	check "escpos $layout: no control byte in what is printed as text" \
		test "$(js '!/[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]/.test(r.slips.map(s => s.text).join(""))')" = true
	check "escpos $layout: the same commands as two benign slips ($(js 'JSON.stringify(b.commands)'))" \
		test "$(js 'JSON.stringify(r.commands) === JSON.stringify(b.commands) && r.malformed.length === 0')" = true
done
J=$T/text.json
check "escpos text: the words are still there (Max, Power, North, Room)" \
	test "$(node -e "const r=require(process.argv[1]); const t=r.slips[1].text; console.log(/Max/.test(t) && /Power/.test(t) && /North/.test(t) && /Room/.test(t))" "$J")" = true

# ZPL: label 2 has exactly label 1's commands; nothing raw: no control
# byte, no '~' (ZPL acts on ~ at once), the carets and tildes as ^FH hex
label_commands() { awk -v n="$2" '/\^XA/ { k++ } k == n' "$1" | grep -o '[~^][A-Z0-9@][A-Z0-9@]*' | cut -c1-3 | tr '\n' ' '; }
if "$SLIPGEN" --driver zpl --target "$T/h.zpl" "$TSV" 2>"$T/err"; then
	check "zpl: the hostile label has the benign label's commands" \
		test "$(label_commands "$T/h.zpl" 2)" = "$(label_commands "$T/h.zpl" 1)"
	check "zpl: two labels (^XA ... ^XZ)" test "$(grep -c '^\^XA' "$T/h.zpl") $(grep -c '^\^XZ' "$T/h.zpl")" = "2 2"
	check "zpl: no control byte and no raw '~' reach the printer" \
		sh -c "! LC_ALL=C tr -d '\n' <'$T/h.zpl' | LC_ALL=C grep -q '[[:cntrl:]~]'"
	check "zpl: C1 controls (U+0085, U+009B, U+009D) are not sent" \
		sh -c "! LC_ALL=C grep -q \"\$(printf '\302[\205\233\235]')\" '$T/h.zpl'"
	if node "$NODE_DIR/zpl-render.js" "$T/h.zpl" "$T/h" >/dev/null 2>"$T/err"; then
		ok "zpl: zpl-renderer-js renders both labels"
	else
		fail "zpl: zpl-renderer-js cannot render: $(cat "$T/err")"
	fi
else
	fail "zpl: slipgen failed: $(cat "$T/err")"
fi

# preview (a text file a person opens in a terminal): no control byte but line breaks
if "$SLIPGEN" --driver preview --target "$T/p.txt" "$TSV" 2>"$T/err"; then
	check "preview: no escape or control byte (C0, DEL, C1) in the text" \
		sh -c "! LC_ALL=C tr -d '\n' <'$T/p.txt' | LC_ALL=C grep -q '[[:cntrl:]]' && ! LC_ALL=C grep -q \"\$(printf '\302[\200-\237]')\" '$T/p.txt'"
else
	fail "preview: slipgen failed: $(cat "$T/err")"
fi

echo "test_hostile: $FAILS failed"
[ "$FAILS" -eq 0 ]
