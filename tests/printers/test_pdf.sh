#!/bin/sh
# test_pdf: a class's slips printed as a PDF sheet (letter, a4) and as CR80
# cards can be scanned and searched with tools we did not write: each slot,
# rasterised by pdftoppm at 200 dpi in black and white, gives zbarimg its
# child's QR payload and card barcode; pdftotext finds every name (Latin,
# Vietnamese, Chinese, Arabic); a name with printer escapes stays text; a
# broken template stops the job before any file is written.
# env: SLIPGEN (default build/tests/slipgen). Run by tests/printers/run.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SLIPGEN=${SLIPGEN:-$HERE/../../build/tests/slipgen}
NAMES=$HERE/data/names.tsv
for tool in pdftoppm pdftotext pdfinfo zbarimg python3; do
	command -v $tool >/dev/null || { echo "FAIL test_pdf: $tool is missing (poppler-utils, zbar-tools)"; exit 1; }
done
[ -x "$SLIPGEN" ] || { echo "FAIL test_pdf: no slipgen at $SLIPGEN (make build/tests/slipgen)"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/cardroll-pdf.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

FAILS=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; FAILS=$((FAILS + 1)); }

ROWS=$(tail -n +2 "$NAMES" | grep -c .)

# slot_geometry PAPER LAYOUT: "page_w page_h x0 y0 cell_w cell_h cols per_page"
# in mm, the same rules as printers/drv_pdf.c.
slot_geometry() {
	case $1 in letter) pw=215.9 ph=279.4 ;; a4) pw=210 ph=297 ;; esac
	case $2 in
	sheet) awk -v pw=$pw -v ph=$ph 'BEGIN { cw = (pw - 12) / 2; ch = (ph - 12) / 4;
		print pw, ph, 6, 6, cw, ch, 2, 8 }' ;;
	cr80) awk -v pw=$pw -v ph=$ph 'BEGIN { print pw, ph, (pw - 171.2) / 2, (ph - 270) / 2, 85.6, 54, 2, 10 }' ;;
	esac
}

# scan_slots PDF PAPER LAYOUT BARCODE: every slot, cut out at 200 dpi mono,
# must decode to exactly its child's QR payload and card barcode.
scan_slots() {
	pdf=$1
	set -- $(slot_geometry "$2" "$3") "$4"
	x0=$3 y0=$4 cw=$5 ch=$6 cols=$7 per=$8 kind=$9
	i=0 bad=0
	tail -n +2 "$NAMES" | cut -f3 >"$T/cards"
	while read -r card; do
		page=$((i / per + 1)) pos=$((i % per))
		set -- $(awk -v x0=$x0 -v y0=$y0 -v cw=$cw -v ch=$ch -v c=$((pos % cols)) -v r=$((pos / cols)) \
			'BEGIN { k = 200 / 25.4; printf "%d %d %d %d\n", (x0 + c * cw) * k, (y0 + r * ch) * k, cw * k, ch * k }')
		rm -f "$T"/slot-*
		pdftoppm -r 200 -mono -f $page -l $page -x $1 -y $2 -W $3 -H $4 "$pdf" "$T/slot"
		got=$(zbarimg --nodbus -q --raw "$T"/slot-*.pbm 2>/dev/null | sort | tr '\n' ' ')
		case $kind in
		codabar) want=$(printf '%s\nA%sA\n' "$card" "$card" | sort | tr '\n' ' ') ;;
		code39) want="$card $card " ;;
		esac
		if [ "$got" != "$want" ]; then
			echo "  slip $((i + 1)) (page $page, slot $((pos + 1))): zbarimg read \"$got\", wanted \"$want\"" >&2
			bad=1
		fi
		i=$((i + 1))
	done <"$T/cards"
	[ $i -eq "$ROWS" ] && [ $bad -eq 0 ]
}

# whole_pages PDF: zbarimg on whole pages, for the record (zbar's QR finder
# sometimes pairs up finder patterns of neighbouring codes on a grid).
whole_pages() {
	rm -f "$T"/page-*
	pdftoppm -r 200 -mono "$1" "$T/page"
	zbarimg --nodbus -q "$T"/page-*.pbm 2>/dev/null | cut -d: -f1 | sort | uniq -c | tr -s ' \n' '  '
}

# names_in_text PDF: pdftotext must find every child's name as printed.
names_in_text() {
	pdftotext -enc UTF-8 "$1" "$T/text.txt" || return 1
	python3 - "$NAMES" "$T/text.txt" <<'EOF'
import re, sys, unicodedata
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")][1:]
raw = open(sys.argv[2], encoding="utf-8").read()
bidi = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
text = unicodedata.normalize("NFC", raw).translate(bidi)
flat = " ".join(text.split())
words = set(flat.split())
bad = 0
def clean(s):  # what the slip prints: escape sequences and controls removed
    s = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", s)
    s = re.sub(r"\x1b.", "", s)
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "", s)
def cjk(s):
    return bool(s) and ("\u2e80" <= s[0] <= "\u9fff" or "\uac00" <= s[0] <= "\ud7af")
for r in rows:
    given, family = clean(r[0]), clean(r[1])
    name = family + given if cjk(given) and cjk(family) else given + " " + family
    name = unicodedata.normalize("NFC", name)
    arabic = any("\u0600" <= ch <= "\u06ff" for ch in name)
    if arabic:
        # pdftotext may give the words in either order: every word present,
        # and all of them in a row one way or the other
        w = name.split()
        found = all(x in words for x in w) and (" ".join(w) in flat or " ".join(reversed(w)) in flat)
        how = "words of"
    elif name in flat:
        found, how = True, "whole"
    else:
        # a long name wraps; pdftotext joins "a-\nb" as "ab"
        squeeze = lambda s: re.sub(r"[\s\-]", "", s)
        found, how = "-" in name and squeeze(name) in squeeze(text), "wrapped"
    script = "Arabic" if arabic else "Chinese" if cjk(name) else "Vietnamese" if "ễ" in name else "Latin"
    if found:
        print("  found %-10s %-7s %s" % (script, how, name))
    else:
        print("  NOT FOUND %s name %r" % (script, name), file=sys.stderr)
        bad = 1
if "\x1b" in raw or "\x1d" in raw:
    print("  pdftotext output holds a raw ESC/GS byte", file=sys.stderr)
    bad = 1
else:
    print("  no ESC or GS byte anywhere in the text layer")
sys.exit(bad)
EOF
}

# ---------------------------------------------------------------- the sheets
for conf in "letter sheet codabar" "a4 sheet codabar" "letter cr80 codabar" "letter sheet code39" "a4 cr80 code39"; do
	set -- $conf
	paper=$1 layout=$2 kind=$3
	pdf=$T/$paper-$layout-$kind.pdf
	label="$paper/$layout/$kind"
	if ! "$SLIPGEN" --driver pdf --paper $paper --layout $layout --barcode $kind --target "$pdf" "$NAMES"; then
		fail "$label: slipgen failed"
		continue
	fi
	per=$( [ $layout = sheet ] && echo 8 || echo 10 )
	pages=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
	want_pages=$(( (ROWS + per - 1) / per ))
	if [ "$pages" = "$want_pages" ]; then ok "$label: $ROWS slips on $pages pages ($per a page)"
	else fail "$label: $pages pages, wanted $want_pages"; fi
	if scan_slots "$pdf" $paper $layout $kind; then
		ok "$label: each of the $ROWS slots scans at 200 dpi mono to its QR payload and $kind card number"
	else
		fail "$label: a slot did not scan (see above)"
	fi
	echo "     whole pages at 200 dpi: $(whole_pages "$pdf")"
	if names_in_text "$pdf"; then ok "$label: pdftotext finds every name, no escape bytes"
	else fail "$label: pdftotext is missing a name or holds an escape byte"; fi
done

# ---------------------------------------------------------------- broken templates
mkdir -p "$T/tpl"
printf '# a librarian mistyped a placeholder\nlanguage = English\nheading = Hello {nmae}\nbody = x\n' >"$T/tpl/en.slip"
"$SLIPGEN" --driver pdf --templates "$T/tpl" --langs en --target "$T/bad.pdf" "$NAMES" 2>"$T/err"
rc=$?
if [ $rc -eq 65 ] && grep -q "$T/tpl/en.slip:3: unknown placeholder {nmae}" "$T/err" && [ ! -e "$T/bad.pdf" ] &&
	[ -z "$(ls "$T" | grep -i 'bad\.pdf')" ]; then
	ok "unknown placeholder: exit 65, \"$(cat "$T/err")\", no file left"
else
	fail "unknown placeholder: exit $rc, stderr \"$(cat "$T/err")\", file: $(ls "$T" | grep bad || echo none)"
fi

printf 'language = English\nheading = Hi\nfooter = {card}\n' >"$T/tpl/en.slip"
"$SLIPGEN" --driver pdf --templates "$T/tpl" --langs en --target "$T/bad.pdf" "$NAMES" 2>"$T/err"
rc=$?
if [ $rc -eq 65 ] && grep -q "en.slip:3: unknown key \"footer\"" "$T/err" && [ ! -e "$T/bad.pdf" ]; then
	ok "unknown key: exit 65, \"$(cat "$T/err")\""
else
	fail "unknown key: exit $rc, stderr \"$(cat "$T/err")\""
fi

"$SLIPGEN" --driver pdf --langs en,xx --target "$T/bad.pdf" "$NAMES" 2>"$T/err"
rc=$?
if [ $rc -eq 65 ] && grep -q 'language "xx"' "$T/err" && grep -q 'en, es' "$T/err" && [ ! -e "$T/bad.pdf" ]; then
	ok "unknown language: exit 65, \"$(cat "$T/err")\""
else
	fail "unknown language: exit $rc, stderr \"$(cat "$T/err")\""
fi

# A template folder overrides the built-in file, {{ is a literal brace.
printf 'language = English\nheading = Card {{club}} for {given}\nqr = https://library.example/join?card={card}\n' >"$T/tpl/en.slip"
if "$SLIPGEN" --driver pdf --templates "$T/tpl" --langs en --target "$T/ovr.pdf" "$NAMES" &&
	pdftotext "$T/ovr.pdf" - | grep -q 'Card {club} for Zoë' &&
	pdftoppm -r 200 -mono -f 1 -l 1 -x 0 -y 0 -W 850 -H 540 "$T/ovr.pdf" "$T/ovr" &&
	zbarimg --nodbus -q --raw "$T"/ovr-*.pbm | grep -qx 'https://library.example/join?card=21234000001370'; then
	ok "template folder overrides the built-in one: heading with a literal brace, QR carries the join link"
else
	fail "template folder override: heading or QR payload wrong"
fi

if [ $FAILS -ne 0 ]; then
	echo "test_pdf: $FAILS failed"
	exit 1
fi
echo "test_pdf: all passed"
