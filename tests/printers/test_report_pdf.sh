#!/bin/sh
# test_report_pdf: the progress report as a PDF (`cardroll report --format
# pdf`), read back with tools we did not write. On a generated district of
# 120 schools with some small cells: pdftotext finds the title, the
# commitment, the goal, every school's figures (the same as the JSON
# report's, "*" where it says null), "page x of y" on every page and the
# suppression note, and no child's name, student ID or card number; no
# column lets a hidden cell be worked out. pdftoppm renders every page to
# PNG: each bar's dark (carded) and light (carded before) lengths are the
# shares the figures say, and a row whose percentage is hidden has no bar.
# [report] paper = letter gives Letter pages; a missing folder is exit 73.
# env: CARDROLL_BIN. Run by tests/printers/run.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${CARDROLL_BIN:-$HERE/../../build/cardroll}
GEN=$HERE/../tools/genroster
for tool in pdftoppm pdftotext pdfinfo python3 sqlite3; do
	command -v $tool >/dev/null || { echo "FAIL test_report_pdf: $tool is missing (poppler-utils)"; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/cardroll-rpdf.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
export HOME=$T CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468

FAILS=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s%s\n' "$1" "${2:+ ($2)}"; FAILS=$((FAILS + 1)); }

DB=$T/r.db
python3 "$GEN" --students 2400 --schools 120 --seed 12 --out "$T/pkg" >/dev/null || { fail "genroster"; exit 1; }
"$BIN" --db "$DB" import --quiet "$T/pkg" >/dev/null 2>&1 || { fail "the district imports"; exit 1; }
# Each school its own share carded (0% to 90% by school), a few schools
# with 1-4 cards (suppressed), pending consents, and carded before for some
# (a row of ils_patron_before, as sync keeps it; their cards go too).
sqlite3 "$DB" <<'SQL' || fail "cards and consents are set up"
BEGIN;
INSERT INTO card (number, student_id, scheme, issued_at, status)
  SELECT 'T' || (70000000 + id), id, 'student-id', 1767571200 + (id % 40) * 86400, 'active' FROM student
  WHERE status_code = 'a' AND (id * 37) % 100 < (school_id % 10) * 10;
INSERT INTO consent (student_id, state, recorded_at)
  SELECT id, 'pending', 1767571200 FROM student WHERE id % 13 = 0;
COMMIT;
SQL
if sqlite3 "$DB" "SELECT 1 FROM sqlite_master WHERE name = 'ils_patron_before'" | grep -q 1; then
	sqlite3 "$DB" "INSERT INTO ils_patron_before (student_id, patron_id, patron_since, recorded_at)
	  SELECT id, 'K' || id, '2020-09-01', 1767571200 FROM student WHERE status_code = 'a' AND school_id % 7 = 3 AND id % 3 = 0" ||
		fail "carded before is set up"
fi
"$BIN" --db "$DB" profile --chief "Mayor Ana Ruiz" --superintendent "Dr. Sam Okoro" --director "Lee Park" \
	--committed 2026-09-01 >/dev/null 2>&1 || fail "the profile is set"
"$BIN" --db "$DB" goal set --target 75 --date "$(date -d '+70 days' +%F)" >/dev/null 2>&1 || fail "a goal is set"

"$BIN" --db "$DB" report --format json >"$T/r.json" 2>"$T/err" || fail "report --format json" "$(cat "$T/err")"
"$BIN" --db "$DB" report --format pdf --out "$T/r.pdf" 2>"$T/err"; rc=$?
mode=$(stat -c %a "$T/r.pdf" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$mode" = 600 ] && [ ! -s "$T/err" ]; then
	ok "report --format pdf --out writes the PDF, mode 0600"
else
	fail "report --format pdf" "exit $rc mode $mode: $(cat "$T/err")"
fi
pages=$(pdfinfo "$T/r.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
size=$(pdfinfo "$T/r.pdf" 2>/dev/null | awk '/^Page size:/ { print $3 "x" $5 }')
case $size in 595*x841*) ok "A4 in the C locale ($pages pages)" ;; *) fail "A4 in the C locale" "$size" ;; esac
pdftotext -layout "$T/r.pdf" "$T/r.txt" || fail "pdftotext reads the PDF"

# The text: header, figures, pages, note, no child's data.
sqlite3 -separator '	' "$DB" "SELECT given_name || ' ' || family_name, coalesce(student_number, ''), sourced_id FROM student" >"$T/kids.tsv"
sqlite3 "$DB" "SELECT number FROM card" >"$T/cards.txt"
check=$(python3 - "$T/r.json" "$T/r.txt" "$T/kids.tsv" "$T/cards.txt" "$pages" <<'PY' 2>&1
import json, re, sys
rep = json.load(open(sys.argv[1]))
txt = open(sys.argv[2], encoding="utf-8").read()
pages = int(sys.argv[5])
flat = " ".join(txt.split())
for want in ("Library cards for every child: progress report", "Signed on 2026-09-01 by Mayor Ana Ruiz",
             "Dr. Sam Okoro (superintendent)", "Lee Park (library director)", "In the partnership: 1 district, 120 schools",
             "The whole programme: 75% by", "Coverage by school", "Signups per"):
    assert want in flat, "missing: " + want
for p in range(1, pages + 1):
    assert ("page %d of %d" % (p, pages)) in txt, "no 'page %d of %d'" % (p, pages)
note = "*: " + rep["suppression"]
assert rep["suppressed_cells"] > 0 and flat.count(note) == pages, "the suppression note is not on every page"
# Every row's figures, in order, as the JSON has them ("*" for null).
num = r"(\d+|\*)"
row_re = re.compile(r"^\s*(\S.*?)\s+" + r"\s+".join([num] * 5) + r"\s+(\d+\.\d%|\*)\s*$")
got = [m.groups() for m in map(row_re.match, txt.splitlines()) if m]
cols = ("enrolled", "carded", "carded_before", "opted_out", "consent_pending")
def fig(v):
    return "*" if v is None else str(v)
def pct(v):
    return "*" if v is None else "%.1f%%" % v
want = [(r["school"],) + tuple(fig(r[c]) for c in cols) + (pct(r["pct_covered"]),) for r in rep["coverage"]]
want.append(("All children",) + tuple(fig(rep["total"][c]) for c in cols) + (pct(rep["total"]["pct_covered"]),))
assert len(got) == len(want), "%d rows of figures in the PDF, %d in the JSON" % (len(got), len(want))
for g, w in zip(got, want):
    label = g[0].rstrip("…").rstrip()
    assert w[0].startswith(label) and len(label) >= 10, "row %r is not %r" % (g[0], w[0])
    assert g[1:] == w[1:], "figures %r, JSON says %r" % (g[1:], w[1:])
# Suppression: no shown count under 5, never one hidden cell alone in a column.
rows = got
for i in range(1, 6):
    vals = [r[i] for r in rows]
    assert not any(v != "*" and 0 < int(v) < 5 for v in vals), "a small count is shown in " + cols[i - 1]
    assert vals.count("*") != 1, "one hidden cell in %s could be worked out from the total" % cols[i - 1]
for r in rows:
    if "*" in r[1:4]:
        assert r[6] == "*", "a percentage gives a hidden count back: %r" % (r,)
assert any(r[2] == "*" for r in rows), "the test data should hide some carded counts"
# No child's name, student ID, sourcedId or card number.
tokens = set(re.findall(r"[\w-]+", txt))
for line in open(sys.argv[3], encoding="utf-8"):
    name, number, sid = line.rstrip("\n").split("\t")
    assert name not in flat, "a child's name is in the PDF"
    assert number not in tokens and sid not in tokens, "a child's ID is in the PDF"
for card in open(sys.argv[4]):
    assert card.strip() not in tokens, "a card number is in the PDF"
print("ok %d rows" % len(got))
PY
)
case $check in ok\ *) ok "pdftotext: header, every school's figures as in the JSON, page x of y, the note; no child's data ($check)" ;;
	*) fail "pdftotext finds the report" "$check" ;; esac

# The bars, measured on the pages rendered to PNG.
pdftoppm -r 100 -gray -png "$T/r.pdf" "$T/page" || fail "pdftoppm renders the pages"
check=$(python3 - "$T/r.json" "$T"/page-*.png <<'PY' 2>&1
import json, struct, sys, zlib
rep = json.load(open(sys.argv[1]))

def png_gray(path):
    """An 8-bit grey or RGB PNG as rows of grey levels (pdftoppm -gray may
    still write RGB)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path + " is not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (0, 2) and lace == 0, "want 8-bit grey or RGB PNGs"
        elif kind == b"IDAT":
            idat += body
    bpp = 1 if ctype == 0 else 3
    stride = w * bpp
    raw, rows, prev, i = zlib.decompress(idat), [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
                elif f == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if bpp == 3:
            line = bytearray((54 * line[k] + 183 * line[k + 1] + 19 * line[k + 2]) >> 8 for k in range(0, stride, 3))
        rows.append(line)
    return rows

TRACK = 45.0 * 100 / 25.4     # the bar's track, 45 mm at 100 dpi
bars = []
for path in sys.argv[2:]:
    img = png_gray(path)
    assert sum(v < 128 for row in img for v in row) > 1000, path + " is blank"
    band = None
    for y, row in enumerate(img + [bytearray(len(img[0]))]):
        run = None
        x = 0
        while x < len(row):
            if row[x] < 240:
                s = x
                while x < len(row) and row[x] < 240:
                    x += 1
                if abs((x - s) - TRACK) <= 4:
                    run = (s, x)
                    break
            x += 1
        if run and band and abs(band["x"] - run[0]) <= 1:
            band["rows"].append(row[run[0]:run[1]])
        else:
            if band and len(band["rows"]) >= 8:
                bars.append(band)
            band = {"x": run[0], "rows": [row[run[0]:run[1]]]} if run else None
want = rep["coverage"] + [rep["total"]]
assert len(bars) == len(want), "%d bars on the pages, %d rows in the report" % (len(bars), len(want))
shown = 0
for b, r in zip(bars, want):
    mid = b["rows"][len(b["rows"]) // 2]
    dark = sum(v < 120 for v in mid) / len(mid)
    light = sum(120 <= v < 200 for v in mid) / len(mid)
    if r["pct_covered"] is None:
        assert dark * len(mid) <= 1 and light * len(mid) <= 1, "a bar is drawn for a hidden row %r" % r.get("school")
        continue
    e = r["enrolled"]
    assert abs(dark - r["carded"] / e) < 0.015, "bar of %r: dark %.3f, carded %.3f" % (r.get("school"), dark, r["carded"] / e)
    assert abs(light - r["carded_before"] / e) < 0.015, "bar of %r: light %.3f, before %.3f" % (r.get("school"), light, r["carded_before"] / e)
    shown += 1
assert shown >= 10 and shown < len(want), "want both drawn and hidden bars (%d of %d drawn)" % (shown, len(want))
print("ok %d bars, %d drawn" % (len(bars), shown))
PY
)
case $check in ok\ *) ok "pdftoppm: each bar as long as its shares, none for a hidden row ($check)" ;;
	*) fail "the bars match the figures" "$check" ;; esac

# Letter from the settings; a missing folder is exit 73 naming the path.
printf '[report]\npaper = letter\n' >"$T/letter.ini"
"$BIN" --config "$T/letter.ini" --db "$DB" report --format pdf --out "$T/l.pdf" 2>/dev/null
size=$(pdfinfo "$T/l.pdf" 2>/dev/null | awk '/^Page size:/ { print $3 "x" $5 }')
[ "$size" = 612x792 ] && ok "[report] paper = letter gives Letter pages" || fail "[report] paper = letter" "$size"
printf '[report]\npaper = a5\n' >"$T/bad.ini"
out=$("$BIN" --config "$T/bad.ini" --db "$DB" report --format pdf --out "$T/x.pdf" 2>&1); rc=$?
if [ $rc -eq 65 ] && echo "$out" | grep -q "bad.ini:2" && [ ! -e "$T/x.pdf" ]; then
	ok "[report] paper = a5 is a settings error naming file and line"
else
	fail "[report] paper = a5" "exit $rc: $out"
fi
out=$("$BIN" --db "$DB" report --format pdf --out "$T/no/such/r.pdf" 2>&1); rc=$?
if [ $rc -eq 73 ] && echo "$out" | grep -q "$T/no/such" && [ ! -e "$T/no" ]; then
	ok "--format pdf --out into a missing folder: exit 73 naming the path"
else
	fail "--format pdf into a missing folder" "exit $rc: $out"
fi

if [ $FAILS -ne 0 ]; then
	echo "test_report_pdf: $FAILS failed"
	exit 1
fi
