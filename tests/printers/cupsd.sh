# cupsd.sh: a private cupsd for the printer tests, sourced by test_cups.sh.
# Runs as root without systemd, everything in one temp folder, listening on
# a unix socket there only (no network, no browsing), with two queues:
#   $CUPS_PDF_QUEUE  cups-pdf, writing PDFs to $CUPS_PDF_OUT
#   $CUPS_RAW_QUEUE  raw, socket://127.0.0.1:$CUPS_RAW_PORT (cups_listen starts
#                    a socat that captures what arrives there)
# Exports CUPS_SERVER so libcups in the tests talks to this cupsd only.
# The one change outside the temp folder: cups-pdf reads its settings from
# /etc/cups/cups-pdf-<instance>.conf only, so one such file is written there
# under a unique name and removed again on exit.
# POSIX sh.

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the CUPS test needs root to run a private cupsd"
	exit 0
fi

cups_die() {
	echo "FAIL: cupsd: $*" >&2
	[ -n "${CUPSD_DIR:-}" ] && [ -f "$CUPSD_DIR/log/error_log" ] && tail -20 "$CUPSD_DIR/log/error_log" >&2
	exit 1
}

for tool in cupsd lpadmin lpstat cupsenable cupsdisable socat python3; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null 2>&1 || cups_die "$tool is not installed (packages cups, cups-client, socat)"
done
CUPS_PDF_BACKEND=/usr/lib/cups/backend/cups-pdf
CUPS_PDF_PPD=
for p in /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd \
	/usr/share/cups/model/CUPS-PDF_noopt.ppd; do
	[ -f "$p" ] && { CUPS_PDF_PPD=$p; break; }
done
[ -x "$CUPS_PDF_BACKEND" ] && [ -n "$CUPS_PDF_PPD" ] ||
	cups_die "cups-pdf is not installed (package printer-driver-cups-pdf)"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

CUPSD_DIR=$(mktemp -d /tmp/cardroll-cupsd.XXXXXX) || cups_die "cannot make a temp folder"
chmod 755 "$CUPSD_DIR"
CUPSD_PID=
CUPS_LISTEN_PID=
CUPS_INSTANCE=cardroll$$
CUPS_PDF_CONF=/etc/cups/cups-pdf-$CUPS_INSTANCE.conf
CUPS_PDF_QUEUE=cardroll_pdf
CUPS_RAW_QUEUE=cardroll_raw
CUPS_RAW_PORT=$(free_port)
CUPS_PDF_OUT=$CUPSD_DIR/pdf-out
CUPS_SERVER=$CUPSD_DIR/cups.sock
export CUPS_SERVER

cups_listen_stop() {
	if [ -n "$CUPS_LISTEN_PID" ]; then
		kill "$CUPS_LISTEN_PID" 2>/dev/null
		wait "$CUPS_LISTEN_PID" 2>/dev/null
		CUPS_LISTEN_PID=
	fi
}

# cups_listen FILE: the raw queue's printer, capturing every byte to FILE.
cups_listen() {
	cups_listen_stop
	: >"$1"
	socat -u "TCP-LISTEN:$CUPS_RAW_PORT,bind=127.0.0.1,reuseaddr,fork" "OPEN:$1,creat,append" &
	CUPS_LISTEN_PID=$!
	n=0
	while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $CUPS_RAW_PORT), 0.2).close()" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt 50 ] && cups_die "socat did not start listening on port $CUPS_RAW_PORT"
		sleep 0.1
	done
	: >"$1"   # the probe above connected once; start the capture clean
}

cupsd_stop() {
	cups_listen_stop
	if [ -n "$CUPSD_PID" ]; then
		kill "$CUPSD_PID" 2>/dev/null
		n=0
		while kill -0 "$CUPSD_PID" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
		kill -9 "$CUPSD_PID" 2>/dev/null
		wait "$CUPSD_PID" 2>/dev/null
		CUPSD_PID=
	fi
	rm -f "$CUPS_PDF_CONF"
	if [ -n "${CARDROLL_KEEP_CUPSD:-}" ]; then
		echo "cupsd: kept $CUPSD_DIR" >&2
	else
		rm -rf "$CUPSD_DIR"
	fi
}
trap cupsd_stop EXIT
trap 'exit 130' INT TERM

mkdir -p "$CUPSD_DIR/etc/ppd" "$CUPSD_DIR/spool/tmp" "$CUPSD_DIR/cache" "$CUPSD_DIR/state" \
	"$CUPSD_DIR/log" "$CUPSD_DIR/ssl" "$CUPS_PDF_OUT" "$CUPSD_DIR/cups-pdf-spool" "$CUPSD_DIR/gstmp"
chmod 1777 "$CUPSD_DIR/gstmp"

cat >"$CUPSD_DIR/etc/cups-files.conf" <<EOF
ServerRoot $CUPSD_DIR/etc
RequestRoot $CUPSD_DIR/spool
TempDir $CUPSD_DIR/spool/tmp
CacheDir $CUPSD_DIR/cache
StateDir $CUPSD_DIR/state
ServerKeychain $CUPSD_DIR/ssl
AccessLog $CUPSD_DIR/log/access_log
ErrorLog $CUPSD_DIR/log/error_log
PageLog $CUPSD_DIR/log/page_log
Printcap $CUPSD_DIR/printcap
SystemGroup root
FileDevice No
User lp
Group lp
EOF

# Every operation is open: the only door is a socket in a root-owned folder.
cat >"$CUPSD_DIR/etc/cupsd.conf" <<EOF
LogLevel debug
Listen $CUPS_SERVER
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
JobRetryInterval 1
# Keep what each job received, so a test can read the document CUPS got.
PreserveJobFiles Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
EOF

# cups-pdf: one instance of its own (device cups-pdf:/$CUPS_INSTANCE), all
# paths in the temp folder.
cat >"$CUPS_PDF_CONF" <<EOF
Out $CUPS_PDF_OUT
AnonDirName $CUPS_PDF_OUT
Spool $CUPSD_DIR/cups-pdf-spool
GSTmp $CUPSD_DIR/gstmp
Log $CUPSD_DIR/log
Grp root
Label 1
LogType 3
EOF
chmod 644 "$CUPS_PDF_CONF"

cupsd -f -c "$CUPSD_DIR/etc/cupsd.conf" -s "$CUPSD_DIR/etc/cups-files.conf" \
	>"$CUPSD_DIR/log/cupsd.out" 2>&1 &
CUPSD_PID=$!

n=0
until lpstat -h "$CUPS_SERVER" -r 2>/dev/null | grep -q 'is running'; do
	n=$((n + 1))
	kill -0 "$CUPSD_PID" 2>/dev/null || { cat "$CUPSD_DIR/log/cupsd.out" >&2; cups_die "cupsd exited at start"; }
	[ $n -gt 100 ] && cups_die "cupsd did not answer within 10 s"
	sleep 0.1
done

lpadmin -h "$CUPS_SERVER" -p "$CUPS_PDF_QUEUE" -E -v "cups-pdf:/$CUPS_INSTANCE" -P "$CUPS_PDF_PPD" \
	-o pdftops-renderer-default=pdftocairo -o printer-error-policy=abort-job \
	2>"$CUPSD_DIR/log/lpadmin.err" ||
	{ cat "$CUPSD_DIR/log/lpadmin.err" >&2; cups_die "cannot create the cups-pdf queue"; }
# Raw queue (no PPD): bytes go to the socket untouched.
lpadmin -h "$CUPS_SERVER" -p "$CUPS_RAW_QUEUE" -E \
	-v "socket://127.0.0.1:$CUPS_RAW_PORT" \
	-o printer-error-policy=retry-job 2>"$CUPSD_DIR/log/lpadmin.err" ||
	{ cat "$CUPSD_DIR/log/lpadmin.err" >&2; cups_die "cannot create the raw queue"; }
