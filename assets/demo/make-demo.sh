#!/bin/sh
# Rebuilds the bundled demo district (assets/demo/district) with the project's
# generator: 2 schools (K-5 and 6-12), 300 students, only the homeroom and
# advisory classes (13), so the demo's class lists stay short. The children
# the tests name (the Patel family) are pinned by assets/demo/cast.csv.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$here/district"
python3 "$here/../../tests/tools/genroster" --students 300 --schools 2 --seed 2026 \
	--cast "$here/cast.csv" --homerooms-only --out "$here/district" >/dev/null
echo "demo district written to $here/district"
