#!/bin/sh
# Rebuilds the bundled demo district (assets/demo/district) from the shared
# generator: 2 schools, ~300 students, and only the homeroom/advisory
# classes (about a dozen), so the demo class lists stay short.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gen=${GEN_ROSTER:-$here/../../../shared/tools/gen_roster.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$gen" --students 300 --schools 2 --seed 2026 --out "$tmp/pkg" >/dev/null
python3 - "$tmp/pkg" "$here/district" <<'PY'
import csv, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True)
os.makedirs(dst)
def rows(name):
    with open(os.path.join(src, name), newline='', encoding='utf-8') as f:
        return list(csv.reader(f))
def write(name, data):
    with open(os.path.join(dst, name), 'w', newline='', encoding='utf-8') as f:
        csv.writer(f, lineterminator='\n').writerows(data)
classes = rows('classes.csv')
keep = [classes[0]] + [r for r in classes[1:] if r[7] == 'homeroom']
ids = {r[0] for r in keep[1:]}
courses = {r[5] for r in keep[1:]}
write('classes.csv', keep)
enr = rows('enrollments.csv')
write('enrollments.csv', [enr[0]] + [r for r in enr[1:] if r[3] in ids])
crs = rows('courses.csv')
write('courses.csv', [crs[0]] + [r for r in crs[1:] if r[0] in courses])
for name in ('manifest.csv', 'orgs.csv', 'academicSessions.csv', 'users.csv', 'demographics.csv'):
    shutil.copy(os.path.join(src, name), os.path.join(dst, name))
PY
echo "demo district written to $here/district"
