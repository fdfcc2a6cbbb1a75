#!/bin/sh
# The Debian package, used: built by `make deb` unless DEB names a .deb,
# unpacked into a fresh folder root (dpkg -x), its dependencies resolved
# by apt (a simulation, nothing installed), then the packaged binary runs:
# --version, the demo district imported into a temporary database, a class's
# slips printed to a PDF (read back with pdftotext when it is there).
# DEB_TEST_DPKG=1 also installs it on this machine with dpkg -i (root only),
# checks the sync user, the conffile and the units, and purges it again
# (removing the cardroll user when this test made it).
# Run from the repository root (make deb-test). Prints 'N passed, M failed' last.
set -u

MAKE=${MAKE:-make}
if [ -z "${DEB:-}" ] || [ ! -f "$DEB" ]; then
	echo "test_deb: building the package (make deb)"
	$MAKE -s deb >/tmp/cardroll-deb-build.log 2>&1 || { tail -20 /tmp/cardroll-deb-build.log; echo "make deb failed"; exit 1; }
	rm -f /tmp/cardroll-deb-build.log
	DEB=$(ls -t "$(pwd)"/build/deb/cardroll_*.deb | head -1)
fi
DEMO=$(pwd)/assets/demo/district
T=$(mktemp -d /tmp/cardroll-deb.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+ ($2)}"; }
skip() { echo "skip - $1"; }
echo "test_deb: $DEB"

# 1. What the package holds.
R=$T/root
dpkg -x "$DEB" "$R" && ok "dpkg -x unpacks the package into a fresh root" || fail "dpkg -x"
for f in usr/bin/cardroll usr/share/man/man1/cardroll.1.gz usr/share/man/man5/cardroll.ini.5.gz \
	 lib/systemd/system/cardroll-sync.service lib/systemd/system/cardroll-sync.timer \
	 usr/lib/sysusers.d/cardroll.conf etc/cardroll/cardroll.ini.example; do
	[ -f "$R/$f" ] || fail "the package holds /$f"
done
[ ! -e "$R/etc/cardroll/cardroll.ini" ] && ok "no real settings file is shipped" || fail "no cardroll.ini in the package"
m=$(dpkg-deb -c "$DEB" | awk '$NF == "./etc/cardroll/cardroll.ini.example" { print $1 }')
[ "$m" = "-rw-r-----" ] && ok "the example settings are 0640" || fail "the example's mode" "$m"
dpkg-deb -f "$DEB" Depends >"$T/depends"
for d in fonts-dejavu-core fonts-noto-core fonts-noto-cjk libncursesw6 libsqlite3-0; do
	grep -q "$d" "$T/depends" || fail "Depends names $d" "$(cat "$T/depends")"
done
ok "Depends: the shared libraries (shlibs) and the slip fonts"
grep -q "^ExecStart=/usr/bin/cardroll sync$" "$R/lib/systemd/system/cardroll-sync.service" \
	&& ok "the service runs /usr/bin/cardroll sync" || fail "the service's ExecStart"
if out=$(apt-get -s -q install "$DEB" 2>&1); then
	ok "apt can satisfy the package's Depends here (apt-get -s)"
else
	fail "apt-get -s install" "$(echo "$out" | tail -3)"
fi

# 2. The packaged binary, used.
run_demo() {   # $1: the cardroll binary; $2: a label
	B=$1
	v=$("$B" --version 2>&1)
	[ "$v" = "cardroll $(dpkg-deb -f "$DEB" Version)" ] && ok "$2: --version says '$v'" || fail "$2: --version" "$v"
	H=$T/home-$3
	mkdir -p "$H"
	(
	export HOME=$H XDG_CONFIG_HOME=$H/.config XDG_DATA_HOME=$H/.local/share CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468
	DB=$H/desk.db
	"$B" --db "$DB" import --quiet "$DEMO" >"$H/log" 2>&1 || { echo "import: $(tail -2 "$H/log")"; exit 1; }
	"$B" --db "$DB" staff add "Maria Lopez" >"$H/log" 2>&1 || { echo "staff add: $(tail -2 "$H/log")"; exit 1; }
	CLS=$("$B" --db "$DB" classes --json | sed -n 's/.*"id": *"\(cls-[^"]*\)".*/\1/p' | head -1)
	[ -n "$CLS" ] || CLS=$(sqlite3 "$DB" "SELECT sourced_id FROM class ORDER BY title LIMIT 1")
	"$B" --db "$DB" issue --class "$CLS" --all-eligible >"$H/log" 2>&1 || { echo "issue: $(tail -2 "$H/log")"; exit 1; }
	"$B" --db "$DB" print --class "$CLS" --driver pdf --out "$H/slips.pdf" >"$H/log" 2>&1 \
		|| { echo "print: $(tail -2 "$H/log")"; exit 1; }
	sqlite3 "$DB" "SELECT number FROM card LIMIT 1" >"$H/card"
	) >"$T/why-$3" 2>&1
	if [ $? -ne 0 ]; then
		fail "$2: import the demo district, issue a class, print its slips to a PDF" "$(cat "$T/why-$3")"
		return
	fi
	ok "$2: the demo district imports, a class is issued and its slips print to a PDF"
	head -c 5 "$H/slips.pdf" | grep -q '%PDF-' && ok "$2: the slips are a PDF" || fail "$2: the slips are a PDF"
	if command -v pdftotext >/dev/null 2>&1; then
		card=$(cat "$H/card")
		pdftotext "$H/slips.pdf" - 2>/dev/null | grep -q "$card" \
			&& ok "$2: pdftotext reads card $card on the slips" || fail "$2: card $card is on the slips"
	else
		skip "pdftotext is not installed (poppler-utils): the PDF's text is not read"
	fi
}
run_demo "$R/usr/bin/cardroll" "dpkg -x root" x

# 3. Optionally: dpkg -i on this machine, then purge.
if [ "${DEB_TEST_DPKG:-0}" = 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		skip "DEB_TEST_DPKG=1 needs root"
	elif dpkg-query -W -f='${Status}' cardroll 2>/dev/null | grep -q 'install ok installed'; then
		skip "cardroll is already installed here: not touching it"
	else
		had_user=0
		getent passwd cardroll >/dev/null && had_user=1
		if out=$(dpkg -i "$DEB" 2>&1); then
			ok "dpkg -i installs the package"
			run_demo /usr/bin/cardroll "dpkg -i" i
			getent passwd cardroll >/dev/null && ok "postinst made the system user cardroll" || fail "the cardroll user exists"
			dpkg-query -W -f='${Conffiles}\n' cardroll | grep -q /etc/cardroll/cardroll.ini.example \
				&& ok "the example settings are a conffile" || fail "the example is a conffile"
			systemctl is-enabled cardroll-sync.timer >/dev/null 2>&1 \
				&& fail "the timer is not enabled on install" || ok "the timer is not enabled on install"
			if command -v systemd-analyze >/dev/null 2>&1; then
				out=$(systemd-analyze verify --man=no /lib/systemd/system/cardroll-sync.service \
					/lib/systemd/system/cardroll-sync.timer 2>&1) && [ -z "$out" ] \
					&& ok "systemd-analyze verify: the installed units" || fail "systemd-analyze verify" "$out"
			fi
		else
			fail "dpkg -i" "$(echo "$out" | tail -3)"
		fi
		dpkg -P cardroll >/dev/null 2>&1 && ok "dpkg -P removes it" || fail "dpkg -P cardroll"
		[ ! -e /usr/bin/cardroll ] && [ ! -e /etc/cardroll ] && ok "nothing of it is left in /usr/bin or /etc" \
			|| fail "the package leaves nothing" "$(ls -d /usr/bin/cardroll /etc/cardroll 2>/dev/null)"
		if [ $had_user = 0 ] && getent passwd cardroll >/dev/null; then
			deluser --system --quiet cardroll >/dev/null 2>&1 || userdel cardroll
			getent group cardroll >/dev/null && { delgroup --system --quiet cardroll >/dev/null 2>&1 || groupdel cardroll; }
		fi
	fi
else
	skip "dpkg -i on this machine (DEB_TEST_DPKG=1 runs it, as root)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
