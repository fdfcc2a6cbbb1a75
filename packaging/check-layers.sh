#!/bin/sh
# The house's layering, checked on every build: each folder of core/ may
# include only the folders its README names ("May include:"), core/ and
# printers/ never include curses, printers/ never tui/, and no two headers
# include each other.
set -u
cd "$(dirname "$0")/.."
bad=0
err() { echo "layering: $*" >&2; bad=1; }

for f in $(find core printers -name '*.[ch]' | sort); do
	if grep -qE '#include *[<"](n?curses|ncursesw/)' "$f"; then
		err "$f includes curses: the model never sees the screen"
	fi
done

for d in core/*/; do
	d=${d%/}; room=${d#core/}
	[ -f "$d/README.md" ] || { err "$d has no README.md naming what it may include"; continue; }
	allowed=$(sed -n 's/^May include: *//p' "$d/README.md" | tr -d '.,' )
	[ -n "$allowed" ] || err "$d/README.md has no 'May include:' line"
	for f in "$d"/*.[ch]; do
		[ -e "$f" ] || continue
		grep -o '#include "[^"]*"' "$f" | sed 's/#include "//;s/"$//' | while read -r inc; do
			case $inc in
			*/*)	other=${inc%%/*}
				case " $allowed " in
				*" $other "*) [ -f "core/$inc" ] || echo "layering: $f: no core/$inc" ;;
				*) echo "layering: $f includes $inc: $room may include only: $allowed" ;;
				esac ;;
			*)	[ -f "$d/$inc" ] || echo "layering: $f includes \"$inc\", which is not in $d (name its folder: \"room/$inc\")" ;;
			esac
		done
	done
done > /tmp/layers.$$ 2>&1
if [ -s /tmp/layers.$$ ]; then cat /tmp/layers.$$ >&2; bad=1; fi
rm -f /tmp/layers.$$

for f in printers/*.[ch]; do
	grep -o '#include "[^"]*"' "$f" | sed 's/#include "//;s/"$//' | while read -r inc; do
		case $inc in
		*/*) [ -f "core/$inc" ] || echo "layering: $f includes $inc, which is not a core header" ;;
		*) [ -f "printers/$inc" ] || echo "layering: $f includes \"$inc\", not a printers header" ;;
		esac
	done
done > /tmp/layers.$$ 2>&1
if [ -s /tmp/layers.$$ ]; then cat /tmp/layers.$$ >&2; bad=1; fi
rm -f /tmp/layers.$$

# The headless commands never draw: no curses, no screen of the desk.
for f in tui/cmd/*.[ch]; do
	[ -e "$f" ] || continue
	for inc in $(grep -o '#include "[^"]*"' "$f" | sed 's/#include "//;s/"$//'); do
		case $inc in
		*/*) [ -f "core/$inc" ] || err "$f includes $inc: commands include core/ and printers/ only" ;;
		*) [ -f "tui/cmd/$inc" ] || [ -f "printers/$inc" ] ||
			err "$f includes \"$inc\": the commands never include the desk's screens" ;;
		esac
	done
	grep -qE '#include *[<"](n?curses|ncursesw/)' "$f" && err "$f includes curses: commands never draw"
done

# tui/mod/ (the printing and network modules and their loader) sits under the
# program: core/ and printers/ headers and its own, never tui/ or curses.
for f in tui/mod/*.[ch]; do
	[ -e "$f" ] || continue
	for inc in $(grep -o '#include "[^"]*"' "$f" | sed 's/#include "//;s/"$//'); do
		case $inc in
		*/*) [ -f "core/$inc" ] || err "$f includes $inc: tui/mod/ includes core/ and printers/ only" ;;
		moddir.h) ;;  # made by the Makefile
		*) [ -f "tui/mod/$inc" ] || [ -f "printers/$inc" ] || err "$f includes \"$inc\": tui/mod/ includes core/ and printers/ only" ;;
		esac
	done
	grep -qE '#include *[<"](n?curses|ncursesw/)' "$f" && err "$f includes curses"
done

# No two headers include each other.
for h in $(find core printers tui -name '*.h'); do
	dir=$(dirname "$h")
	for inc in $(grep -o '#include "[^"]*\.h"' "$h" | sed 's/#include "//;s/"$//'); do
		case $inc in */*) other=core/$inc ;; *) other=$dir/$inc ;; esac
		[ -f "$other" ] || continue
		base=${h#core/}; base=${base#printers/}; base=${base#tui/}
		if grep -qE "#include \"($(basename "$h")|${base})\"" "$other" && [ "$other" != "$h" ]; then
			err "$h and $other include each other"
		fi
	done
done
exit $bad
