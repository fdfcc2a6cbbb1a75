#!/bin/sh
# test_preview: the text preview of a class's slips is clean UTF-8 a desk
# can show anywhere: every child is there, names carrying printer escapes
# are inert (no control byte reaches the file), and each half-block QR
# code, turned back into pixels, scans (zbarimg) as the child's card number.
# env: SLIPGEN (default build/tests/slipgen). Run by tests/printers/run.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SLIPGEN=${SLIPGEN:-$HERE/../../build/tests/slipgen}
NAMES=$HERE/data/names.tsv
for tool in zbarimg python3; do
	command -v $tool >/dev/null || { echo "FAIL test_preview: $tool is missing"; exit 1; }
done
[ -x "$SLIPGEN" ] || { echo "FAIL test_preview: no slipgen at $SLIPGEN"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/cardroll-preview.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
FAILS=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; FAILS=$((FAILS + 1)); }

if ! "$SLIPGEN" --driver preview --target "$T/slips.txt" "$NAMES"; then
	echo "FAIL test_preview: slipgen failed"
	exit 1
fi
ROWS=$(tail -n +2 "$NAMES" | grep -c .)

n=$(grep -c '^==== slip [0-9]* ====$' "$T/slips.txt")
[ "$n" -eq "$ROWS" ] && ok "$ROWS slips in the preview" || fail "$n slips in the preview, wanted $ROWS"

# No C0 control but newline, no DEL, no C1 (as UTF-8), valid UTF-8 throughout.
if python3 - "$T/slips.txt" <<'EOF'
import re, sys
b = open(sys.argv[1], "rb").read()
t = b.decode("utf-8")  # raises on invalid UTF-8
bad = re.findall(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", t)
sys.exit(1 if bad else 0)
EOF
then ok "valid UTF-8, no control characters (C0, DEL, C1) anywhere"
else fail "the preview holds control characters or invalid UTF-8"; fi

# The escape-carrying name is shown, made inert.
line=$(grep '^Name: .*Eve' "$T/slips.txt")
case $line in
*"Eve"*"[2J"*"Mallory"*) ok "ESC name shown inert: $line" ;;
*) fail "ESC name line: \"$line\"" ;;
esac
for name in "Zoë Ñúñez-Ólafsdóttir" "Thị Minh Khai Nguyễn" "王小明" "محمد عبد الله"; do
	grep -qxF "Name:     $name" "$T/slips.txt" && ok "name line: $name" || fail "no name line for $name"
done

# Half blocks present, and each QR scans back as its card.
grep -q '[▀▄█]' "$T/slips.txt" && ok "QR codes drawn in half blocks (U+2580/U+2584/U+2588)" ||
	fail "no half-block characters in the preview"
if python3 - "$T/slips.txt" "$T" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
out, i, n = sys.argv[2], 0, 0
while i < len(lines):
    if lines[i].startswith("QR:"):
        block = []
        i += 1
        while i < len(lines) and lines[i].strip("▀▄█ ") == "" and lines[i] != "":
            block.append(lines[i]); i += 1
        w = max(len(l) for l in block)
        rows = []
        for l in block:
            l = l.ljust(w)
            rows.append([1 if c in "▀█" else 0 for c in l])
            rows.append([1 if c in "▄█" else 0 for c in l])
        s = 6  # pixels a module
        with open("%s/qr%d.pbm" % (out, n), "w") as f:
            f.write("P1\n%d %d\n" % (w * s, len(rows) * s))
            for r in rows:
                line = " ".join(str(v) for v in r for _ in range(s))
                for _ in range(s):
                    f.write(line + "\n")
        n += 1
    else:
        i += 1
EOF
then
	i=0 bad=0
	for card in $(tail -n +2 "$NAMES" | cut -f3); do
		got=$(zbarimg --nodbus -q --raw "$T/qr$i.pbm" 2>/dev/null)
		[ "$got" = "$card" ] || { echo "  slip $((i + 1)): QR read \"$got\", wanted $card" >&2; bad=1; }
		i=$((i + 1))
	done
	[ $bad -eq 0 ] && ok "every half-block QR, drawn as pixels, scans as its card number" ||
		fail "a half-block QR did not scan"
else
	fail "could not turn the half-block QR codes into images"
fi

if [ $FAILS -ne 0 ]; then
	echo "test_preview: $FAILS failed"
	exit 1
fi
echo "test_preview: all passed"
