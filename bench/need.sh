#!/bin/sh
# Installs the Debian packages a benchmark alone needs (never the program):
# as root quietly with apt-get, otherwise it says which and fails.
# usage: . bench/need.sh PKG...   (or sh bench/need.sh PKG...)
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "this benchmark needs:$missing (apt-get install -y$missing)" >&2
		exit 2
	fi
	echo "bench: installing$missing" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
		{ echo "bench: could not install$missing" >&2; exit 2; }
fi
