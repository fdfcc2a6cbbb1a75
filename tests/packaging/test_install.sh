#!/bin/sh
# `make install` into a temporary DESTDIR: the file list and modes, the
# installed binary, both man pages without warnings, the systemd units
# (systemd-analyze verify when it can run here), an example settings file
# holding only real keys, an existing cardroll.ini left alone, and
# `make uninstall` removing exactly what install laid down.
# Run from the repository root after `make all`. Prints 'N passed, M failed' last.
set -u

T=$(mktemp -d /tmp/cardroll-install.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }
skip() { echo "skip - $1"; }

MAKE=${MAKE:-make}
D=$T/root
P=/usr/local

# 1. A fresh install: these files, these modes, nothing else.
if $MAKE -s install PREFIX=$P DESTDIR="$D" >"$T/install.log" 2>&1; then
	ok "make install PREFIX=$P DESTDIR=... runs"
else
	fail "make install runs" "$(tail -3 "$T/install.log")"
fi
cat >"$T/want" <<EOW
640 etc/cardroll/cardroll.ini.example
644 usr/local/lib/cardroll/cardroll-net.so
644 usr/local/lib/cardroll/cardroll-print.so
644 usr/local/lib/systemd/system/cardroll-sync.service
644 usr/local/lib/systemd/system/cardroll-sync.timer
644 usr/local/lib/sysusers.d/cardroll.conf
644 usr/local/share/locale/es/LC_MESSAGES/cardroll.mo
644 usr/local/share/man/man1/cardroll.1
644 usr/local/share/man/man5/cardroll.ini.5
755 usr/local/bin/cardroll
EOW
(cd "$D" && find . ! -type d -printf '%m %P\n' | sort) >"$T/got"
if cmp -s "$T/want" "$T/got"; then
	ok "exactly the 10 expected files with their modes"
else
	fail "the installed files and modes" "$(diff "$T/want" "$T/got" | tr '\n' ' ')"
fi
m=$(stat -c %a "$D/etc/cardroll")
[ "$m" = 755 ] && ok "/etc/cardroll is made 0755" || fail "/etc/cardroll's mode" "$m"

# 2. The installed binary runs.
v=$("$D$P/bin/cardroll" --version 2>&1)
ver=$(sed -n 's/^VERSION *:= *//p' Makefile)
[ "$v" = "cardroll $ver" ] && ok "the installed binary says '$v'" || fail "installed cardroll --version" "$v"

# The installed binary finds its modules in $P/lib/cardroll (from its own
# folder, whatever DESTDIR is): `printers` asks CUPS through the printing
# module, and a missing module would say "not available".
out=$(HOME=$T/home "$D$P/bin/cardroll" --db "$T/m.db" printers 2>&1)
if echo "$out" | grep -q '^CUPS' && ! echo "$out" | grep -q 'not available'; then
	ok "the installed binary loads its printing module"
else
	fail "the installed binary loads its printing module" "$(echo "$out" | tail -1)"
fi
# ... and its Spanish catalog in $P/share/locale (from its own folder too).
if command -v localedef >/dev/null 2>&1 && mkdir -p "$T/loc" && localedef -i es_US -f UTF-8 "$T/loc/es_US.UTF-8" >/dev/null 2>&1; then
	out=$(LOCPATH=$T/loc LANG=es_US.UTF-8 HOME=$T/home "$D$P/bin/cardroll" --db "$T/m.db" nosuchcommand 2>&1); rc=$?
	en=$(LANG=C HOME=$T/home "$D$P/bin/cardroll" --db "$T/m.db" nosuchcommand 2>&1)
	if [ $rc -eq 64 ] && [ -n "$out" ] && [ "$out" != "$en" ]; then ok "the installed binary speaks Spanish with LANG=es_US.UTF-8 ($(echo "$out" | head -1 | cut -c1-60))"
	else fail "the installed binary finds its Spanish catalog" "exit $rc: $out"; fi
else
	echo "skip - no localedef: the installed Spanish catalog is not tried"
fi
heavy=$(ldd "$D$P/bin/cardroll" | grep -oE 'lib(cairo|pango[a-z]*|cups|curl|zint)[-.][^ ]*' | tr '\n' ' ')
[ -z "$heavy" ] && ok "the installed binary itself links no printing or network library" || fail "the installed binary links" "$heavy"

# 3. Both man pages render without a warning.
for page in man1/cardroll.1 man5/cardroll.ini.5; do
	f=$D$P/share/man/$page
	w=$( { groff -ww -man -z "$f"; MANWIDTH=80 man --warnings -l "$f" >/dev/null; } 2>&1)
	[ -z "$w" ] && ok "$page renders without warnings (groff -ww, man --warnings)" || fail "$page renders cleanly" "$w"
done

# 4. Every settings key is in the example and in cardroll.ini(5), and only those.
sed -n 's/^[[:space:]]*{ "\([a-z]*\)", *"\([a-z_]*\)",.*/\1 \2/p' core/store/config.c | sort >"$T/keys"
ex=$D/etc/cardroll/cardroll.ini.example
awk '/^\[/ { gsub(/[][]/, ""); s = $0; next }
     /^;[A-Za-z_]+ =/ { k = substr($1, 2); if (s != "categories") print s, k }' "$ex" | sort >"$T/exkeys"
nkeys=$(wc -l <"$T/keys")
if [ "$nkeys" -gt 40 ] && cmp -s "$T/keys" "$T/exkeys"; then
	ok "the example holds exactly the $nkeys keys config.c reads"
else
	fail "the example's keys are config.c's" "$(diff "$T/keys" "$T/exkeys" | tr '\n' ' ')"
fi
missing=$(awk '{ print $2 }' "$T/keys" | sort -u | while read -r k; do
	grep -q "^\.BR* .*\b$k\b" "$D$P/share/man/man5/cardroll.ini.5" || printf '%s ' "$k"; done)
[ -z "$missing" ] && ok "cardroll.ini(5) describes every key" || fail "cardroll.ini(5) describes every key" "missing: $missing"
for s in storage desk roster programme cards categories print sync; do
	grep -q "^\.SH \[$s\]" "$D$P/share/man/man5/cardroll.ini.5" || fail "cardroll.ini(5) has [$s]"
done
# Every key line (or run of key lines described together) follows a "; " comment.
bare=$(awk '/^;[A-Za-z_]+ =/ { if (!(prev ~ /^; / || run)) print $1; run = 1; prev = $0; next }
            { run = 0; prev = $0 }' "$ex")
[ -z "$bare" ] && ok "every key in the example has a comment" || fail "every key has a comment" "$bare"
# The example loads as it is, and with every key uncommented.
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_DATA_HOME=$T/home/.local/share
mkdir -p "$HOME"
R=assets/demo/district
out=$("$D$P/bin/cardroll" --config "$ex" --db "$T/a.db" import --quiet "$R" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "the example loads as settings as it is" || fail "the example loads" "exit $rc: $out"
sed 's/^;\([A-Za-z_][A-Za-z_]* =\)/\1/' "$ex" >"$T/all.ini"
out=$("$D$P/bin/cardroll" --config "$T/all.ini" --db "$T/b.db" import --quiet "$R" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "the example loads with every key uncommented" || fail "the uncommented example loads" "exit $rc: $out"

# 5. The units: @BINDIR@ replaced, hardening in place, systemd-analyze verify.
svc=$D$P/lib/systemd/system/cardroll-sync.service
tmr=$D$P/lib/systemd/system/cardroll-sync.timer
grep -q "^ExecStart=$P/bin/cardroll sync$" "$svc" && ok "the service runs $P/bin/cardroll sync" \
	|| fail "the service's ExecStart" "$(grep ExecStart "$svc")"
for want in Type=oneshot User=cardroll ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
	    ReadWritePaths=/var/lib/cardroll UMask=0077; do
	grep -qx "$want" "$svc" || fail "the service has $want"
done
grep -qx OnUnitActiveSec=5min "$tmr" && grep -q '^RandomizedDelaySec=' "$tmr" \
	&& ok "the timer runs every 5 minutes with a random delay" || fail "the timer's schedule"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the ExecStart binary to exist: point it into DESTDIR.
	mkdir -p "$T/units"
	sed "s|^ExecStart=$P/bin/cardroll|ExecStart=$D$P/bin/cardroll|" "$svc" >"$T/units/cardroll-sync.service"
	cp "$tmr" "$T/units/"
	if out=$(cd "$T/units" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no ./cardroll-sync.service ./cardroll-sync.timer 2>&1); then
		if [ -z "$out" ]; then
			ok "systemd-analyze verify passes both units without a word"
		else
			fail "systemd-analyze verify says nothing" "$out"
		fi
	else
		case $out in
		*"Failed to"*"manager"*|*"System has not been booted"*|*"Permission denied"*)
			skip "systemd-analyze verify cannot run in this container: $out" ;;
		*)	fail "systemd-analyze verify" "$out" ;;
		esac
	fi
else
	skip "systemd-analyze is not installed (apt-get install systemd): units not verified"
fi

# 6. make uninstall removes every file install laid down, and /etc/cardroll.
$MAKE -s uninstall PREFIX=$P DESTDIR="$D" >"$T/uninstall.log" 2>&1 || fail "make uninstall runs" "$(tail -3 "$T/uninstall.log")"
left=$(cd "$D" && find . ! -type d -printf '%P ')
[ -z "$left" ] && ok "make uninstall removes every installed file" || fail "make uninstall leaves nothing" "$left"
[ ! -e "$D/etc/cardroll" ] && ok "make uninstall removes the empty /etc/cardroll" || fail "/etc/cardroll is removed when empty"

# 7. An existing real settings file is never overwritten nor removed, nor its folder's mode changed.
D2=$T/root2
mkdir -p "$D2/etc/cardroll"
chmod 750 "$D2/etc/cardroll"
printf '[desk]\nname = Branch 7\n' >"$D2/etc/cardroll/cardroll.ini"
chmod 600 "$D2/etc/cardroll/cardroll.ini"
sum=$(cksum <"$D2/etc/cardroll/cardroll.ini")
$MAKE -s install PREFIX=/usr DESTDIR="$D2" >/dev/null 2>&1 && $MAKE -s install PREFIX=/usr DESTDIR="$D2" >/dev/null 2>&1 \
	|| fail "make install runs twice over an existing /etc/cardroll"
if [ "$(cksum <"$D2/etc/cardroll/cardroll.ini")" = "$sum" ] && [ "$(stat -c %a "$D2/etc/cardroll/cardroll.ini")" = 600 ] \
   && [ "$(stat -c %a "$D2/etc/cardroll")" = 750 ]; then
	ok "install leaves an existing cardroll.ini and its folder as they were"
else
	fail "install leaves an existing cardroll.ini alone"
fi
grep -q "^ExecStart=/usr/bin/cardroll sync$" "$D2/usr/lib/systemd/system/cardroll-sync.service" \
	&& ok "PREFIX=/usr gives ExecStart=/usr/bin/cardroll" || fail "PREFIX=/usr's ExecStart"
$MAKE -s uninstall PREFIX=/usr DESTDIR="$D2" >/dev/null 2>&1
left=$(cd "$D2" && find . ! -type d -printf '%P ')
[ "$left" = "etc/cardroll/cardroll.ini " ] && ok "uninstall keeps the real cardroll.ini (and its folder)" \
	|| fail "uninstall keeps only the real cardroll.ini" "$left"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
