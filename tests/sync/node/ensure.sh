#!/bin/sh
# ensure.sh: installs Prism (@stoplight/prism-cli) for the Koha contract
# test from package-lock.json, only when node_modules is missing.
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
	command -v npm >/dev/null 2>&1 || { echo "ensure.sh: npm is not installed (apt-get install npm)" >&2; exit 69; }
	npm ci --no-audit --no-fund >&2
fi
