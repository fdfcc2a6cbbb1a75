#!/bin/sh
# "Carded before": `cardroll sync` to a Koha-like server (tests/sync/ilsd.py
# on loopback) that already has some of the children as patrons. Six were
# enrolled in the library years ago under the card number the programme
# gives them: sync links the card to them and records them as carded
# before. One patron was made by hand today (as staff do after a parked
# duplicate): linked, but not carded before. The rest are new patrons.
# Then `cardroll report` counts the six as "carded before" and not again as
# "carded", by school and in the total, as direct SQL on the database says;
# a second sync changes nothing. Run from anywhere; env CARDROLL_BIN.
# Prints 'N passed, M failed'.
set -u

TAG=before
. "$(dirname "$0")/lib.sh"

DB=$T/desk.db
export CARDROLL_STAFF="Maria Lopez" CARDROLL_PIN=2468 HOME=$T
q() { sqlite3 "$DB" "$1"; }

"$BIN" --db "$DB" import --quiet "$DEMO" >/dev/null 2>&1 || fail "the demo district imports"
"$BIN" --db "$DB" staff add "Maria Lopez" >/dev/null 2>&1 || fail "the first admin is added"
class=$(q "SELECT sourced_id FROM class ORDER BY sourced_id LIMIT 1")
"$BIN" --db "$DB" issue --class "$class" --all-eligible >/dev/null 2>&1 || fail "a class's cards are issued"
total=$(q "SELECT count(*) FROM outbox")
[ "$total" -ge 10 ] || fail "signups wait in the outbox" "$total"

rm -f "$T/port"
python3 "$ILSD" --port 0 --port-file "$T/port" --user koha --password pw 2>>"$T/ilsd.log" &
SRV=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T/port")
seed() { # CARD STUDENT_NUMBER DATE_ENROLLED -> the patron id
	python3 -c 'import json,sys,urllib.request as u
p = {"cardnumber": sys.argv[2], "surname": "Patron", "firstname": "Existing", "library_id": "CPL",
     "category_id": "ST", "date_enrolled": sys.argv[4],
     "extended_attributes": [{"type": "STUID", "value": sys.argv[3]}]}
r = u.urlopen(u.Request("http://127.0.0.1:%s/_control/patrons" % sys.argv[1], data=json.dumps(p).encode(), method="POST"))
print(json.load(r)["patron_id"])' "$PORT" "$1" "$2" "$3"
}
# The children of the first six cards were patrons since 2019; the seventh's
# patron was made today.
q "SELECT c.number || ' ' || s.student_number FROM card c JOIN student s ON s.id = c.student_id ORDER BY c.id LIMIT 7" >"$T/kids"
: >"$T/before_ids"
n=0
while read -r card number; do
	n=$((n + 1))
	if [ $n -le 6 ]; then
		seed "$card" "$number" 2019-09-03 >>"$T/before_ids"
	else
		today_id=$(seed "$card" "$number" "$(date +%F)")
	fi
done <"$T/kids"

cat >"$T/sync.ini" <<EOF
[sync]
target = koha
url = http://127.0.0.1:$PORT
auth = basic
user = koha
password = pw
library_id = CPL
category = ST
attribute = STUID
timeout_ms = 2000
EOF
chmod 600 "$T/sync.ini"
out=$("$BIN" --db "$DB" --config "$T/sync.ini" sync 2>&1); rc=$?
done_rows=$(q "SELECT count(*) FROM outbox WHERE state = 'done'")
if [ $rc -eq 0 ] && [ "$done_rows" -eq "$total" ]; then ok "sync sends all $total signups"; else fail "sync" "exit $rc, $done_rows of $total done: $out"; fi

got=$(q "SELECT patron_id FROM ils_patron_before ORDER BY CAST(patron_id AS INTEGER)" | tr '\n' ' ')
want=$(sort -n "$T/before_ids" | tr '\n' ' ')
if [ "$got" = "$want" ] && [ "$(q "SELECT count(*) FROM ils_patron_before WHERE patron_since = '2019-09-03'")" -eq 6 ]; then
	ok "the six patrons enrolled in 2019 are recorded as carded before ($got)"
else
	fail "carded before recorded" "got '$got', want '$want'"
fi
if [ "$(q "SELECT count(*) FROM ils_patron_before WHERE patron_id = '$today_id'")" -eq 0 ] &&
   [ "$(q "SELECT count(*) FROM card WHERE ils_patron_id = '$today_id'")" -eq 1 ]; then
	ok "a patron made today is linked but not carded before"
else
	fail "a patron made today" "$(q "SELECT * FROM ils_patron_before")"
fi
new=$(python3 -c 'import json,sys,urllib.request as u
print(len(json.load(u.urlopen("http://127.0.0.1:%s/_control/patrons" % sys.argv[1]))))' "$PORT")
if [ "$new" -eq "$total" ]; then ok "no second patron for a child the ILS had ($new patrons)"; else fail "patrons on the server" "$new, want $total"; fi

# The report against direct SQL, by school and in total.
"$BIN" --db "$DB" report --format json >"$T/r.json" 2>"$T/err" || fail "report --format json" "$(cat "$T/err")"
sql_before=$(q "SELECT sc.name || '|' || count(*) FROM ils_patron_before b JOIN student s ON s.id = b.student_id
	JOIN school sc ON sc.id = s.school_id WHERE s.status_code = 'a' GROUP BY sc.id ORDER BY sc.name")
sql_carded=$(q "SELECT sc.name || '|' || count(*) FROM card c JOIN student s ON s.id = c.student_id
	JOIN school sc ON sc.id = s.school_id WHERE c.status = 'active' AND s.status_code = 'a'
	AND c.student_id NOT IN (SELECT student_id FROM ils_patron_before) GROUP BY sc.id ORDER BY sc.name")
check=$(python3 - "$T/r.json" "$sql_before" "$sql_carded" <<'PY' 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
def table(s):
    return {k: int(v) for k, v in (l.rsplit("|", 1) for l in s.splitlines() if l)}
before, carded = table(sys.argv[2]), table(sys.argv[3])
for row in r["coverage"]:
    b, c = before.get(row["school"], 0), carded.get(row["school"], 0)
    assert row["carded_before"] in (b, None) and row["carded"] in (c, None), (row, b, c)
t = r["total"]
assert t["carded_before"] == sum(before.values()) == 6, t
assert t["carded"] == sum(carded.values()), (t, carded)
assert abs(t["pct_covered"] - round(100.0 * (t["carded"] + t["carded_before"]) / t["enrolled"], 1)) < 0.051, t
print("ok", t["carded"], t["carded_before"])
PY
)
case $check in ok\ *) ok "report: carded before by school and in total as SQL says, not counted twice ($check)" ;;
	*) fail "report counts carded before" "$check" ;; esac
# By grade and by class the total is the same children.
for by in grade class district; do
	"$BIN" --db "$DB" report --by $by | grep -Eq "^all +[0-9]+ +[0-9]+ +6 " || fail "report --by $by: 6 carded before in the total"
done
ok "report --by grade, class, district: the same 6 in the total"

out=$("$BIN" --db "$DB" --config "$T/sync.ini" sync 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(q "SELECT count(*) FROM ils_patron_before")" -eq 6 ]; then
	ok "a second sync changes nothing"
else
	fail "a second sync" "exit $rc: $out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
