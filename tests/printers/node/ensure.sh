#!/bin/sh
# ensure.sh: installs the npm decoders the printer tests use (npos,
# zpl-renderer-js, pngjs, iconv-lite) from package-lock.json, only when
# node_modules is missing. The printer tests call it first.
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
	command -v npm >/dev/null 2>&1 || { echo "ensure.sh: npm is not installed (apt-get install npm)" >&2; exit 69; }
	npm ci --no-audit --no-fund >&2
fi
