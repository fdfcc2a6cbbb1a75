#!/bin/sh
# Installs the Debian 12 packages cardroll needs to build, run and test.
# Idempotent: quiet when everything is present, one `apt-get update` at most.
set -eu

PKGS="build-essential pkg-config make gcc clang libclang-rt-14-dev
libncurses-dev ncurses-term libsqlite3-dev sqlite3 libutf8proc-dev libzip-dev
libinih-dev libargon2-dev libcmocka-dev libvterm-dev python3 time locales gettext
libcairo2-dev libpango1.0-dev libqrencode-dev libzint-dev libcups2-dev
libcurl4-openssl-dev libssl-dev libjson-c-dev openssl libtext-csv-perl fonts-dejavu-core fonts-noto-core fonts-noto-cjk
zbar-tools poppler-utils cups cups-client cups-daemon printer-driver-cups-pdf
socat tmux openssh-server openssh-client man-db groff-base"
# npm packages for the printer tests need node; this machine may carry its own.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "cardroll needs these Debian packages:$missing" >&2
	echo "Run as root:  apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
