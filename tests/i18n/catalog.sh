#!/bin/sh
# Every message of the given parts of the source has a Spanish translation.
#
#   sh tests/i18n/catalog.sh [PREFIX...]      e.g.  core/ printers/
#
# Reads $POT (default build/cardroll.pot, written by `make pot`) and the
# catalog of $PO_LANG (default es: assets/po/es/*.po joined the way `make all`
# joins them, the first translation of a message winning). Prints each message
# whose source reference (#: file:line) starts with one of the prefixes and
# that has no translation, or only a fuzzy one, as "file:line: msgid", and
# exits 1 if there is any; 0 when all are translated. No prefix: every message.
set -u
POT=${POT:-build/cardroll.pot}
PO_LANG=${PO_LANG:-es}
PODIR=${PODIR:-assets/po/$PO_LANG}

[ -r "$POT" ] || { echo "catalog.sh: $POT is missing (run make pot)" >&2; exit 66; }
ls "$PODIR"/*.po >/dev/null 2>&1 || { echo "catalog.sh: no .po files in $PODIR" >&2; exit 66; }
for tool in msgcat msgmerge msgattrib; do
	command -v $tool >/dev/null 2>&1 || { echo "catalog.sh: $tool is missing (gettext)" >&2; exit 69; }
done

tmp=$(mktemp -d) || exit 73
trap 'rm -rf "$tmp"' EXIT INT TERM

# shellcheck disable=SC2046
msgcat --use-first -o "$tmp/all.po" $(ls "$PODIR"/*.po | LC_ALL=C sort) || exit 65
msgmerge -q --no-fuzzy-matching --no-wrap -o "$tmp/merged.po" "$tmp/all.po" "$POT" || exit 65
# untranslated, or translated only fuzzily (msgattrib keeps the #: lines;
# it writes no file when nothing is left)
: >"$tmp/un.po"; : >"$tmp/fz.po"
msgattrib --no-obsolete --no-wrap --untranslated -o "$tmp/un.po" "$tmp/merged.po" || exit 65
msgattrib --no-obsolete --no-wrap --only-fuzzy -o "$tmp/fz.po" "$tmp/merged.po" || exit 65

cat "$tmp/un.po" "$tmp/fz.po" | awk -v prefixes="$*" '
function flush() {
	if (id != "" && ref != "")
		printf "%s: %s\n", ref, id
	refs = ""; id = ""; ref = ""; inid = 0
}
BEGIN { np = split(prefixes, pre, " ") }
/^$/ { flush(); next }
/^#:/ {
	for (i = 2; i <= NF; i++) {
		if (ref != "")
			break
		if (np == 0) { ref = $i; break }
		for (k = 1; k <= np; k++)
			if (index($i, pre[k]) == 1) { ref = $i; break }
	}
	next
}
/^msgid / { s = substr($0, 7); id = (s == "\"\"") ? "" : s; inid = 1; next }
/^"/ { if (inid) { id = (id == "") ? $0 : id " " $0 } next }
{ inid = 0 }
END { flush() }
' >"$tmp/missing"

# A message in two files with two translations: the catalog takes the
# first file's (msgcat --use-first), so the other part silently shows a
# translation made for another place. Each must be one translation, or
# carry a context (C_). msgcat marks such a message fuzzy with both texts.
msgcat --more-than=1 --no-wrap -o "$tmp/dup.po" $(ls "$PODIR"/*.po | LC_ALL=C sort) 2>/dev/null || :
if [ -s "$tmp/dup.po" ]; then
	msgattrib --only-fuzzy --no-wrap -o "$tmp/dupfz.po" "$tmp/dup.po" 2>/dev/null || :
	conflicts=$(awk '/^msgid / { id = substr($0, 7) } /^msgstr/ && id != "\"\"" { print id }' "$tmp/dupfz.po" 2>/dev/null)
	if [ -n "$conflicts" ]; then
		echo "$conflicts" | sed 's/^/two translations in two files: /'
		echo "catalog.sh: a message is translated differently in two $PODIR files" >&2
		exit 1
	fi
fi

n=$(grep -c . "$tmp/missing")
if [ "$n" -gt 0 ]; then
	cat "$tmp/missing"
	echo "catalog.sh: $n message(s) of ${*:-the program} have no $PO_LANG translation (or only a fuzzy one)" >&2
	exit 1
fi
echo "catalog.sh: every message of ${*:-the program} has a translation in $PO_LANG"
exit 0
