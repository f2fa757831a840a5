#!/usr/bin/env bash
# t-report-db.sh - kyso-report with PostgreSQL as the shared store of
# several servers, and the HTML report as Chromium renders it. A private
# PostgreSQL cluster (Debian's initdb and pg_ctl, run as an unprivileged
# user, listening on a unix socket only) receives the journals of two
# servers (mx1: KJ1 lines from before the upgrade, a damaged line, KJ2
# lines; submit: KJ2): shipping twice or from a lost position counts
# nothing twice; the database stopped in the middle of a batch and a
# database that is down fail with a clear message and keep the position;
# after a restart the counts are exact. The report read from the database
# matches the records (CSV) and the files; the HTML report, rendered in
# headless Chromium through chromedriver, shows the period, the servers,
# one bar per agency and month of the right height, and the numbers.
# No daemon, no Postfix.
set -u
. "$(dirname "$0")/lib.sh"
kt_init reportdb
REPORT="$KT_BUILD/kyso-report"
[ -x "$REPORT" ] || kt_bail "no kyso-report at $REPORT"
"$REPORT" --help | grep -q -- --ship || kt_bail "kyso-report built without PostgreSQL"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/initdb" ] || kt_bail "no PostgreSQL server (Debian package postgresql)"
command -v chromedriver >/dev/null || kt_bail "no chromedriver (Debian package chromium-driver)"
SHOTDIR=${KT_SCREENSHOT_DIR:-${KT_LOGDIR:-/tmp/kyso-report-screenshot}${KT_LOGDIR:+/report-db}}

# PostgreSQL refuses to run as root: the cluster belongs to nobody
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}
mkdir -p "$KT/pg" "$KT/sock"
[ "$(id -u)" = 0 ] && chown nobody "$KT/pg" "$KT/sock"
as_pg "$PGBIN/initdb" -D "$KT/pg" -U kyso -A trust -E UTF8 --locale=C.UTF-8 \
	--no-sync >"$KT/initdb.log" 2>&1 || { diag <"$KT/initdb.log"; kt_bail "initdb failed"; }
pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$KT/pg" -l "$KT/pg/server.log" -w -t 30 \
		-o "-k $KT/sock -c listen_addresses= -c fsync=off" start >/dev/null
}
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$KT/pg" -m fast -w -t 30 stop >/dev/null; }
pg_stop_on_exit() {
	local rc=$?
	[ -f "$KT/pg/postmaster.pid" ] && pg_stop 2>/dev/null
	kt_cleanup
	return $rc
}
trap pg_stop_on_exit EXIT
pg_start || { diag <"$KT/pg/server.log"; kt_bail "PostgreSQL did not start"; }
DB="host=$KT/sock dbname=postgres user=kyso"
psqlq() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
count() { psqlq "SELECT count(*) FROM kyso_journal${1:+ WHERE $1}" 2>&1; }

python3 "$KT_INT/report-data.py" "$KT" || kt_bail "report-data.py failed"
mx1=$KT/mx1.journal
sub=$KT/submit.journal

# ---- mx1: ship, ship again, lose the position, ship again --------------
"$REPORT" --ship --db "$DB" --host mx1 --batch 100 "$mx1" >"$KT/s1.out" 2>&1
st=$?
diag <"$KT/s1.out"
kt_check "ship mx1: exit 0, 600 records, 1 damaged line skipped" \
	grep -q "shipped 600 records (600 new, 0 already in the database), 1 unreadable" "$KT/s1.out"
kt_check "... and the database holds 600 records of mx1" test "$st,$(count "host = 'mx1'")" = "0,600"
kt_check "the ship position is kept next to the journal" test -s "$mx1.shipped"
"$REPORT" --ship --db "$DB" --host mx1 "$mx1" >"$KT/s2.out" 2>&1
kt_check "ship mx1 again: nothing new is sent" grep -q "shipped 0 records" "$KT/s2.out"
rm -f "$mx1.shipped"
"$REPORT" --ship --db "$DB" --host mx1 "$mx1" >"$KT/s3.out" 2>&1
kt_check "position lost: all 600 re-sent, none counted twice" \
	bash -c 'grep -q "shipped 600 records (0 new, 600 already" "$1" && test "$2" = 600' \
	_ "$KT/s3.out" "$(count)"
kt_check "KJ1 records carry the shipping server's name and a digest id" \
	test "$(count "host = 'mx1' AND id LIKE 'kj1-%'")" = 50
kt_check "KJ2 records keep their record id" \
	test "$(count "host = 'mx1' AND id = '1772700000-3-51'")" = 1

# ---- submit: the database stops in the middle of a batch ---------------
# a trigger stalls the insert of submit's 250th record (the third batch of
# 100), the test waits until the shipper is stuck in it, then stops the
# server: batches 1 and 2 are committed, the third is rolled back
psqlq "CREATE FUNCTION kt_stall() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END \$\$;
	CREATE TRIGGER kt_stall BEFORE INSERT ON kyso_journal FOR EACH ROW
	WHEN (NEW.host = 'submit' AND NEW.id = '1772700000-6-250')
	EXECUTE FUNCTION kt_stall()" >/dev/null 2>&1 || not_ok "install the stalling trigger"
"$REPORT" --ship --db "$DB" --batch 100 "$sub" >"$KT/s4.out" 2>&1 &
ship_pid=$!
stuck=0
for _ in $(seq 1 100); do
	[ "$(psqlq "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" 2>/dev/null)" = 1 ] &&
		{ stuck=1; break; }
	sleep 0.1
done
kt_check "the shipper is inside submit's third batch" test $stuck = 1
pg_stop
wait "$ship_pid"
st=$?
diag <"$KT/s4.out"
kt_check "database gone mid-ship: exit 1, a clear message" \
	bash -c 'test "$1" = 1 && grep -q "shipping stopped: database: insert: .*terminat" "$2"' _ "$st" "$KT/s4.out"
kt_check "... saying 200 were shipped and 200 wait in the journal" \
	grep -q "200 records shipped, 200 lines wait in the journal" "$KT/s4.out"
pos=$(awk '{print $4}' "$sub.shipped" 2>/dev/null)
want=$(head -n 200 "$sub" | wc -c)
kt_check "the position is after the 200th line ($want bytes)" test "${pos:-x}" = "$want"

# a database that is down: no wait, a clear message, position kept
cat "$KT/extra.journal" >>"$mx1"
before=$(cat "$mx1.shipped")
"$REPORT" --ship --db "$DB" --host mx1 "$mx1" >"$KT/s5.out" 2>&1
st=$?
diag <"$KT/s5.out"
kt_check "database down: exit 1, 'cannot connect', 100 records wait" \
	bash -c 'test "$1" = 1 && grep -q "database: cannot connect: .*100 lines wait in the journal" "$2"' \
	_ "$st" "$KT/s5.out"
kt_check "... and the position is unchanged" test "$(cat "$mx1.shipped")" = "$before"

pg_start || kt_bail "PostgreSQL did not start again"
kt_check "after the restart: 200 records of submit, none of the third batch" \
	test "$(count "host = 'submit'")" = 200
psqlq "DROP TRIGGER kt_stall ON kyso_journal" >/dev/null
"$REPORT" --ship --db "$DB" --batch 100 "$sub" >"$KT/s6.out" 2>&1
"$REPORT" --ship --db "$DB" --host mx1 "$mx1" >"$KT/s7.out" 2>&1
diag <"$KT/s6.out"
kt_check "ship again: submit's remaining 200, mx1's new 100" \
	bash -c 'grep -q "shipped 200 records (200 new" "$1" && grep -q "shipped 100 records (100 new" "$2"' \
	_ "$KT/s6.out" "$KT/s7.out"
kt_check "exact counts: mx1 700, submit 400, no (host, id) twice" \
	test "$(count "host = 'mx1'"),$(count "host = 'submit'"),$(psqlq "SELECT count(DISTINCT (host, id)) FROM kyso_journal")" = "700,400,1100"

# ---- damaged and unfinished lines, a second shipper, no journal yet ----
j=$KT/edge.journal
for n in 1 2 3; do
	printf 'KJ2\t2026-03-0%sT10:00:00Z\tQe%s\tin\texternal\ta@b\t-\t-\t-\tpass\tvalid\t-\t-\tedge\t1-1-%s\t1\tagency\n' $n $n $n
done >"$j"
head -c 300 /dev/zero >>"$j"
printf '\n' >>"$j"
good=$(wc -c <"$j")
printf 'KJ2\t2026-03-04T10:00:00Z\tQe4\tin\texternal\ta@b\t-\t-\t-\tpass\tvalid' >>"$j"
"$REPORT" --ship --db "$DB" "$j" >"$KT/e1.out" 2>&1
kt_check "a run of NUL bytes (a crash) is one unreadable line; an unfinished line waits" \
	bash -c 'grep -q "shipped 3 records (3 new.*), 1 unreadable" "$1" && test "$(awk "{print \$4}" "$2")" = "$3"' \
	_ "$KT/e1.out" "$j.shipped" "$good"
printf '\t-\t-\tedge\t1-1-4\t1\tagency\n' >>"$j"
"$REPORT" --ship --db "$DB" "$j" >"$KT/e2.out" 2>&1
kt_check "... and is shipped once it is complete" \
	bash -c 'grep -q "shipped 1 records (1 new" "$1" && test "$2" = 4' _ "$KT/e2.out" "$(count "host = 'edge'")"
exec 9>"$j.shipped.lock"
flock 9
"$REPORT" --ship --db "$DB" "$j" >"$KT/e3.out" 2>&1
st=$?
exec 9>&-
kt_check "a second --ship while one runs: exit 1, 'another kyso-report --ship is running'" \
	bash -c 'test "$1" = 1 && grep -q "another kyso-report --ship is running" "$2"' _ "$st" "$KT/e3.out"
"$REPORT" --ship --db "$DB" "$KT/none.journal" >"$KT/e4.out" 2>&1
st=$?
kt_check "a journal not written yet: nothing to ship, exit 0" \
	bash -c 'test "$1" = 0 && grep -q "shipped 0 records" "$2"' _ "$st" "$KT/e4.out"
psqlq "DELETE FROM kyso_journal WHERE host = 'edge'" >/dev/null

# ---- the report from the database --------------------------------------
"$REPORT" --db "$DB" >"$KT/db.txt" 2>&1
diag <"$KT/db.txt"
kt_check "text from the database: 1100 messages, both servers" \
	bash -c 'grep -q "^1100 messages counted, 0 unreadable" "$1" &&
		grep -q "^Servers: mx1 (700), submit (400)$" "$1"' _ "$KT/db.txt"
"$REPORT" --db "$DB" --format csv >"$KT/db.csv" 2>&1
python3 "$KT_INT/report-check.py" csv "$KT/expected.json" "$KT/db.csv" >"$KT/csv.check"
"$REPORT" --format csv "$mx1" "$sub" >"$KT/files.csv" 2>&1
kt_check "CSV from the database equals CSV from the journal files" cmp "$KT/db.csv" "$KT/files.csv"
"$REPORT" --db "$DB" --from 2026-02 --to 2026-02 --format csv >"$KT/feb.csv" 2>&1
kt_check "--from/--to select in the database: only 2026-02" \
	bash -c '! grep -qv -e "^2026-02," -e "^month," "$1" && test "$(wc -l <"$1")" -gt 5' _ "$KT/feb.csv"
psqlq "UPDATE kyso_journal SET from_addr = E'a\\tb' WHERE host = 'submit' AND id = '1772700000-6-1'" >/dev/null
"$REPORT" --db "$DB" >"$KT/db2.txt" 2>&1
kt_check "a row changed in the database to hold a raw TAB is skipped as unreadable" \
	grep -q "^1099 messages counted, 1 unreadable" "$KT/db2.txt"
psqlq "UPDATE kyso_journal SET from_addr = 'a@b.example' WHERE host = 'submit' AND id = '1772700000-6-1'" >/dev/null

# ---- the HTML report in Chromium ---------------------------------------
"$REPORT" --db "$DB" --html --from 2026-01 --to 2026-03 >"$KT/report.html" 2>"$KT/html.err"
kt_check "--html: exit 0, a page" grep -q "^</html>" "$KT/report.html"
mkdir -p "$SHOTDIR"
cp "$KT/report.html" "$SHOTDIR/report.html"
cp "$KT/db.txt" "$SHOTDIR/report.txt"
if timeout 90 python3 "$KT_INT/report-dom.py" "$KT_MILTER_PORT" "$KT/report.html" \
	"$SHOTDIR/report.png" >"$KT/dom.json" 2>"$KT/dom.err"; then
	ok "Chromium rendered the report (screenshot $SHOTDIR/report.png)"
	python3 "$KT_INT/report-check.py" dom "$KT/expected.json" "$KT/dom.json" >>"$KT/csv.check"
else
	not_ok "Chromium rendered the report"
	diag <"$KT/dom.err"
fi
kt_check "the screenshot is a PNG" bash -c 'head -c 8 "$1" | od -c | grep -q "P   N   G"' _ "$SHOTDIR/report.png"
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	*) not_ok "${line#FAIL }" ;;
	esac
done <"$KT/csv.check"
kt_done
