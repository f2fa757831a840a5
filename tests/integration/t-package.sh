#!/usr/bin/env bash
# t-package.sh - the Debian package, installed as an administrator would:
#   1. dpkg-buildpackage -us -uc -b (once, nocheck) from a copy of the
#      source tree; lintian at its default level reports no error or
#      warning; the binaries carry the hardening flags;
#   2. dpkg -i: files, conffiles, the kyso user, the directories and modes
#      tmpfiles.d and postinst create; systemd-analyze verify on the unit;
#   3. the daemon started from the installed files and configuration layout
#      by the unit's own ExecStartPre and ExecStart lines (no systemd here),
#      as root with the unit's UMask, readiness by NOTIFY_SOCKET as
#      Type=notify waits for it; it must run as kyso afterwards;
#   4. a Postfix whose smtpd runs chrooted (master.cf chroot=y, as Debian
#      ships it) in /var/spool/postfix with smtpd_milters = unix:kyso/kyso.sock:
#      a message arrives signed and three verifiers accept it;
#   5. logrotate with the packaged configuration: the journal is rotated, the
#      daemon reopens it (the next message lands in the new file);
#   6. dpkg --purge leaves nothing behind (also on failure: EXIT trap).
# KT_DEB=path/to/kyso-milter_*.deb skips the build (and lintian).
set -u
. "$(dirname "$0")/lib.sh"
kt_init package
spool=/var/spool/postfix
etc=/etc/kyso-milter
pkg_installed=0
user_existed=0
getent passwd kyso >/dev/null && user_existed=1
chroot_added=
etc_added="$etc/sotttt-agency.crt $etc/chain.pem $etc/root.crt"

# --- clean-up: stop what we started, purge, then lib.sh's clean-up
pkg_exit() {
	local rc=$?
	set +e
	if [ -n "$KT_MILTER_PID" ]; then
		kill -TERM "$KT_MILTER_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$KT_MILTER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$KT_MILTER_PID" 2>/dev/null
		KT_MILTER_PID=
	fi
	if [ "$KT_POSTFIX_UP" = 1 ]; then
		timeout 30 postfix -c "$KT/etc" stop >/dev/null 2>&1 ||
			timeout 10 postfix -c "$KT/etc" abort >/dev/null 2>&1
		KT_POSTFIX_UP=0
	fi
	if [ $pkg_installed = 1 ]; then
		rm -f "$etc/keys"/* $etc_added 2>/dev/null
		dpkg --purge kyso-milter >>"$KT/dpkg.log" 2>&1
	fi
	[ $user_existed = 1 ] || { getent passwd kyso >/dev/null && userdel kyso 2>/dev/null; }
	local f
	for f in $chroot_added; do rm -f "$spool/etc/$f"; done
	(exit $rc)
	kt_cleanup
}
trap pkg_exit EXIT

[ "$(id -u)" = 0 ] || kt_bail "needs root (dpkg -i)"
for t in dpkg-buildpackage dh lintian systemd-analyze logrotate fakeroot; do
	command -v "$t" >/dev/null || kt_bail "$t missing: run contrib/install-deps.sh"
done
if dpkg-query -W -f='${db:Status-Abbrev}' kyso-milter 2>/dev/null | grep -q '^[ic]i'; then
	kt_bail "kyso-milter is installed on this machine already; purge it first"
fi
if [ -s "$spool/pid/master.pid" ] && kill -0 "$(cat "$spool/pid/master.pid")" 2>/dev/null; then
	kt_bail "a Postfix runs on $spool already: this test needs that queue directory"
fi

# --- 1. build
deb=${KT_DEB:-}
if [ -z "$deb" ]; then
	src="$KT/build/kyso-milter"
	mkdir -p "$src"
	# the checkout's own files (a git tree: tracked and new, not ignored
	# ones; else everything but build products)
	if git -C "$KT_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$KT_TOP" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) |
			tar -C "$src" -xf -
	else
		tar -C "$KT_TOP" --exclude=.git --exclude=autom4te.cache -cf - . | tar -C "$src" -xf -
		(cd "$src" && { [ ! -f Makefile ] || make -s distclean; }) >/dev/null 2>&1
	fi
	t0=$(date +%s)
	if (cd "$src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		dpkg-buildpackage -us -uc -b) >"$KT/build.log" 2>&1; then
		ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
	else
		not_ok "dpkg-buildpackage -us -uc -b"
		tail -n 30 "$KT/build.log" | diag
		kt_bail "no package"
	fi
	deb=$(ls "$KT"/build/kyso-milter_*_*.deb)
	t0=$(date +%s)
	lintian --tag-display-limit 0 "$KT"/build/kyso-milter_*.changes >"$KT/lintian.log" 2>&1
	kt_check "lintian: no error or warning ($(($(date +%s) - t0)) s)" \
		bash -c "! grep '^[EW]:' '$KT/lintian.log'"
	grep '^[EWIN]:' "$KT/lintian.log" | diag
	# hardening=+all: PIE, full RELRO + BIND_NOW, stack protector, fortify
	mkdir -p "$KT/x"
	dpkg-deb -x "$deb" "$KT/x"
	for b in kyso-milter kyso-report; do
		kt_check "$b: PIE, RELRO, BIND_NOW, stack protector, fortified calls, CET" bash -c "
			f='$KT/x/usr/sbin/$b'
			readelf -h \"\$f\" | grep -q 'Type: *DYN' || { echo not PIE; exit 1; }
			readelf -l \"\$f\" | grep -q GNU_RELRO || { echo no RELRO; exit 1; }
			readelf -d \"\$f\" | grep -q 'FLAGS.*NOW' || { echo no BIND_NOW; exit 1; }
			nm -D \"\$f\" | grep -q __stack_chk_fail || { echo no stack protector; exit 1; }
			nm -D \"\$f\" | grep -q '_chk@' || { echo no fortified call; exit 1; }
			[ \"\$(dpkg --print-architecture)\" != amd64 ] ||
				[ \$(objdump -d \"\$f\" | grep -c endbr64) -gt 100 ] || { echo no CET branch protection; exit 1; }"
	done
fi

# --- 2. install
if dpkg -i "$deb" >"$KT/dpkg.log" 2>&1; then
	pkg_installed=1
	ok "dpkg -i $(basename "$deb")"
else
	pkg_installed=1
	not_ok "dpkg -i $(basename "$deb")"
	diag <"$KT/dpkg.log"
	kt_bail "not installed"
fi
# mode owner:group of a path
mog() { stat -c '%a %U:%G' "$1" 2>&1; }
kt_check "binaries in /usr/sbin" test -x /usr/sbin/kyso-milter -a -x /usr/sbin/kyso-report
kt_check "installed kyso-milter -V is the configured version" \
	grep -qx "kyso-milter $(sed -n 's/^AC_INIT(\[kyso-milter\], \[\([^]]*\)\].*/\1/p' "$KT_TOP/configure.ac")" \
	<(/usr/sbin/kyso-milter -V)
kt_check "man pages kyso-milter(8), kyso-milter.conf(5), kyso-report(8) carry the version" bash -c '
	for p in man8/kyso-milter.8 man5/kyso-milter.conf.5 man8/kyso-report.8; do
		zcat /usr/share/man/$p.gz | grep -q "^\.TH .*\"kyso-milter [0-9][0-9.]*\"" ||
			{ echo "$p: no version in .TH"; exit 1; }
	done'
kt_check "doc/VERDICTS.md installed" test -f /usr/share/doc/kyso-milter/VERDICTS.md.gz
kt_check "configuration and tables are conffiles" bash -c '
	c=$(dpkg-query -W -f="\${Conffiles}" kyso-milter)
	for f in kyso-milter.conf signing.table certificate.table; do
		grep -q " /etc/kyso-milter/$f " <<<"$c" || { echo "$f not a conffile"; exit 1; }
	done
	grep -q " /etc/logrotate.d/kyso-milter " <<<"$c" || { echo "logrotate not a conffile"; exit 1; }'
kt_check "system user kyso, no login shell" bash -c '
	IFS=: read -r _ _ uid _ _ _ sh < <(getent passwd kyso)
	[ "$uid" -lt 1000 ] && [ "$sh" = /usr/sbin/nologin ]'
kt_check "$etc/keys is kyso's, 0700" test "$(mog $etc/keys)" = "700 kyso:kyso"
kt_check "$spool/kyso is kyso:postfix 0750 (tmpfiles.d)" test "$(mog $spool/kyso)" = "750 kyso:postfix"
kt_check "/run/kyso-milter is kyso's, 0750 (tmpfiles.d)" test "$(mog /run/kyso-milter)" = "750 kyso:kyso"
kt_check "/var/cache/kyso-milter is kyso's, 0700 (tmpfiles.d)" test "$(mog /var/cache/kyso-milter)" = "700 kyso:kyso"
kt_check "/var/lib/kyso-milter (TokenPinStateFile) is kyso's, 0700" test "$(mog /var/lib/kyso-milter)" = "700 kyso:kyso"
unit=/lib/systemd/system/kyso-milter.service
kt_check "systemd-analyze verify $unit" systemd-analyze verify "$unit"
# no systemd runs here to apply the sandbox: check its settings instead
sec=$(systemd-analyze security --offline=true "$unit" 2>/dev/null |
	sed -n 's/.*Overall exposure level for kyso-milter.service: \([0-9.]*\).*/\1/p')
kt_check "systemd-analyze security: exposure ${sec:-?} below 3.0" \
	perl -e 'exit !(defined $ARGV[0] && $ARGV[0] ne "" && $ARGV[0] < 3.0)' "${sec:-}"
kt_check "the unit's sandbox lets the daemon write where the sample configuration says" bash -c '
	rw=" $(sed -n "s/^ReadWritePaths=//p" "$1" | sed "s/^-//; s/ -/ /g") "
	for k in Socket PidFile JournalFile RevocationCacheDirectory; do
		v=$(sed -n "s/^$k[ \t]\{1,\}\(unix:\)\{0,1\}//p" /etc/kyso-milter/kyso-milter.conf)
		[ -n "$v" ] || { echo "sample has no $k"; exit 1; }
		[ "$k" = RevocationCacheDirectory ] || v=$(dirname "$v")
		case $rw in *" $v "*) ;; *) echo "$k $v not in ReadWritePaths:$rw"; exit 1 ;; esac
	done
	grep -qx "ProtectSystem=strict" "$1"' _ "$unit"
kt_check "the unit waits for readiness (Type=notify)" grep -qx 'Type=notify' "$unit"
kt_check "the packaged sample configuration passes -n" \
	/usr/sbin/kyso-milter -c "$etc/kyso-milter.conf" -n

# --- 3. configure as the sample says, start as the unit does
kt_pki
install -m 0644 "$KT_PKI/sotttt-agency.crt" "$KT_PKI/chain.pem" "$KT_PKI/root.crt" "$etc/"
install -o kyso -g kyso -m 0600 "$KT_PKI/sotttt-agency.enc.key" "$KT_PKI/sotttt-agency.pass" "$etc/keys/"
cat >>"$etc/signing.table" <<EOF
*@sotttt.hagiang.gov.vn   sotttt
EOF
cat >>"$etc/certificate.table" <<EOF
sotttt cert=$etc/sotttt-agency.crt key=$etc/keys/sotttt-agency.enc.key chain=$etc/chain.pem passphrase-file=$etc/keys/sotttt-agency.pass
EOF
cat >>"$etc/kyso-milter.conf" <<EOF
AuthservID          mx.test.hagiang.gov.vn
Domain              hagiang.gov.vn
SubDomains          yes
SigningTable        $etc/signing.table
CertificateTable    $etc/certificate.table
InternalHosts       127.0.0.1
MTA                 ORIGINATING
TrustAnchorFile     $etc/root.crt
IntermediateCertificates $etc/chain.pem
EOF
KT_SOCK=$(sed -n 's/^Socket[ \t]\{1,\}unix://p' "$etc/kyso-milter.conf")
kt_check "the sample's socket is $spool/kyso/kyso.sock" test "$KT_SOCK" = "$spool/kyso/kyso.sock"
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
umask=$(sed -n 's/^UMask=//p' "$unit")
kt_check "ExecStartPre ($pre)" $pre
nlog="$KT/notify.log"
kt_notify_listen "$KT/notify.sock" "$nlog"
t0=$(date +%s%N)
(umask "$umask" && NOTIFY_SOCKET=$KT/notify.sock exec $start) >>"$KT/milter.log" 2>&1 &
KT_MILTER_PID=$!
if kt_wait_lines "$nlog" '^READY=1'; then
	ok "ExecStart: READY=1 after $((($(date +%s%N) - t0) / 1000000)) ms, socket present"
else
	not_ok "ExecStart: READY=1"
	kt_dump_logs
	kt_bail "daemon not ready"
fi
kt_check "daemon runs as kyso:postfix" bash -c "
	u=\$(awk '/^Uid:/ { print \$2 }' /proc/$KT_MILTER_PID/status)
	g=\$(awk '/^Gid:/ { print \$2 }' /proc/$KT_MILTER_PID/status)
	[ \"\$u\" = \$(id -u kyso) ] && [ \"\$g\" = \$(getent group postfix | cut -d: -f3) ]"
kt_check "socket is kyso:postfix 0660" test "$(mog "$KT_SOCK")" = "660 kyso:postfix"
kt_check "pid file written" grep -qx "$KT_MILTER_PID" /run/kyso-milter/kyso-milter.pid

# --- 4. Postfix as Debian runs it: smtpd chrooted in /var/spool/postfix
# (Debian's postfix start copies these into the chroot; keep what exists)
mkdir -p "$spool/etc"
for f in localtime services resolv.conf hosts nsswitch.conf; do
	if [ -f "/etc/$f" ] && [ ! -e "$spool/etc/$f" ]; then
		cp -L "/etc/$f" "$spool/etc/$f" && chroot_added="$chroot_added $f"
	fi
done
kt_sinks_start
KT_QUEUE_DIR=$spool KT_SMTPD_CHROOT=y kt_postfix_start "unix:kyso/kyso.sock"
kt_check "smtpd is chrooted in master.cf" bash -c \
	"postconf -c '$KT/etc' -M '127.0.0.1:$KT_SMTP_PORT/inet' | awk '{ exit \$5 != \"y\" }'"
so=vanthu@sotttt.hagiang.gov.vn
mkdir -p "$KT/src"
perl "$KT_TOOLS/make-msg.pl" ascii "$so" one@a.test "$KT/src/one.eml"
if kt_send_internal "$so" one@a.test "$KT/src/one.eml" && got=$(kt_wait one@a.test 60 2>"$KT/wait.log"); then
	kt_check_signed "$got" "$KT/src/one.eml" "through chrooted smtpd"
else
	not_ok "through chrooted smtpd: delivered"
	diag <"$KT/wait.log"
	kt_dump_logs
fi
kt_check "the smtpd that called the milter ran in the chroot" bash -c "
	m=\$(head -n 1 '$spool/pid/master.pid' | tr -d ' ')
	for p in \$(pgrep -P \"\$m\" -x smtpd); do
		[ \"\$(readlink /proc/\$p/root)\" = '$spool' ] && exit 0
	done
	echo 'no chrooted smtpd under master' \$m; exit 1"

# --- 5. logrotate with the packaged file: rotated, reopened by name
journal=/var/log/kyso-milter/journal.log
kt_check "journal has the message's line" test "$(wc -l <"$journal")" = 1
kt_check "installed kyso-report reads the installed journal (certificate sotttt counted)" bash -c "
	/usr/sbin/kyso-report -c $etc/kyso-milter.conf --no-certs >'$KT/report.txt' 2>&1 || { cat '$KT/report.txt'; exit 1; }
	grep -q sotttt '$KT/report.txt' || { cat '$KT/report.txt'; exit 1; }"
before=$(grep -c 'configuration reloaded' "$KT/milter.log")
kt_check "logrotate -f /etc/logrotate.d/kyso-milter" \
	logrotate -f -s "$KT/logrotate.state" /etc/logrotate.d/kyso-milter
kt_check "daemon reloaded after rotation (postrotate's SIGUSR1)" \
	kt_wait_lines "$KT/milter.log" 'configuration reloaded' $((before + 1))
kt_check "notify: RELOADING=1 then READY=1 around the reload" \
	grep -q '^RELOADING=1' "$nlog"
perl "$KT_TOOLS/make-msg.pl" ascii "$so" two@a.test "$KT/src/two.eml"
if kt_send_internal "$so" two@a.test "$KT/src/two.eml" && kt_wait two@a.test 60 >/dev/null 2>"$KT/wait.log"; then
	kt_check "after rotation the next message lands in a new $journal" \
		bash -c "[ \$(wc -l <'$journal') = 1 ] && [ \$(wc -l <'$journal.1') = 1 ] &&
			! cmp -s '$journal' '$journal.1'"
else
	not_ok "second message delivered"
	diag <"$KT/wait.log"
fi

# --- 6. stop, purge
kt_milter_stop || not_ok "daemon stopped on SIGTERM"
kt_check "STOPPING=1 on SIGTERM" grep -q '^STOPPING=1' "$nlog"
timeout 30 postfix -c "$KT/etc" stop >/dev/null 2>&1
KT_POSTFIX_UP=0
rm -f "$etc/keys"/* $etc_added
if dpkg --purge kyso-milter >>"$KT/dpkg.log" 2>&1; then
	pkg_installed=0
	ok "dpkg --purge"
else
	not_ok "dpkg --purge"
	tail -n 20 "$KT/dpkg.log" | diag
fi
kt_check "purge leaves nothing behind" bash -c "
	for p in /usr/sbin/kyso-milter $unit $etc $spool/kyso /run/kyso-milter /var/log/kyso-milter /var/cache/kyso-milter /var/lib/kyso-milter \
		/etc/logrotate.d/kyso-milter /usr/lib/tmpfiles.d/kyso-milter.conf; do
		[ -e \"\$p\" ] && { echo \"\$p remains\"; exit 1; }
	done; exit 0"
kt_done
