#!/usr/bin/env bash
# t-notify.sh - systemd readiness (Type=notify) without systemd: a datagram
# socket stands in for the service manager's $NOTIFY_SOCKET and records
# each message with whether the milter socket existed when it arrived.
# READY=1 must come only once the milter socket exists (Postfix is ordered
# after it), RELOADING=1 then READY=1 around a SIGUSR1 reload, STOPPING=1
# on SIGTERM. The listener's socket is root's, mode 0600, and the daemon
# drops to nobody: the notify socket must be connected before the drop.
# A daemon that cannot create its socket must never say READY=1 (the
# attacker's case for ordering: READY=1 sent early would let Postfix start
# against no milter). A second run names the socket in the abstract namespace (@name), as
# systemd may.
set -u
. "$(dirname "$0")/lib.sh"
kt_init notify
kt_pki
kt_config
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin (set KT_BUILD)"

# start ADDRESS: the daemon as kt_milter_start runs it, with NOTIFY_SOCKET
start() {
	rm -f "$KT_SOCK"
	(NOTIFY_SOCKET=$1 exec "$bin" -f -c "$KT_CONF" -u nobody) >>"$KT/milter.log" 2>&1 &
	KT_MILTER_PID=$!
}

# --- a path, as systemd's /run/systemd/notify
log="$KT/notify.log"
kt_notify_listen "$KT/notify.sock" "$log"
start "$KT/notify.sock"
if kt_wait_lines "$log" 'READY=1'; then
	ok "READY=1 sent"
	kt_check "READY=1 is the first message and came after the socket existed" \
		grep -qx 'READY=1 sock=yes' <(sed -n 2p "$log")
else
	not_ok "READY=1 sent"
	diag <"$log"
	kt_dump_logs
fi
kt_check "no warning about the notify socket" \
	bash -c "! grep 'NOTIFY_SOCKET\|notify the service' '$KT/milter.log'"

kill -USR1 "$KT_MILTER_PID"
if kt_wait_lines "$log" 'READY=1' 2; then
	kt_check "reload: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
		perl -ne 'BEGIN { $s = 0 }
			$s = 1 if $s == 0 && /^READY=1 /;
			$s = 2 if $s == 1 && /^RELOADING=1 MONOTONIC_USEC=\d+ /;
			$s = 3 if $s == 2 && /^READY=1 /;
			END { exit($s != 3) }' "$log"
else
	not_ok "reload: READY=1 again after SIGUSR1"
	diag <"$log"
fi

kt_milter_stop || not_ok "daemon stopped cleanly"
kt_check "STOPPING=1 on SIGTERM" grep -q '^STOPPING=1' "$log"

# --- the abstract namespace
alog="$KT/notify-abstract.log"
kt_notify_listen "@kyso-notify-test-$$" "$alog"
start "@kyso-notify-test-$$"
if kt_wait_lines "$alog" 'READY=1'; then
	kt_check "abstract @name: READY=1 after the socket existed" grep -qx 'READY=1 sock=yes' "$alog"
else
	not_ok "abstract @name: READY=1 sent"
	diag <"$alog"
	kt_dump_logs
fi
kt_milter_stop || not_ok "daemon stopped cleanly (abstract run)"

# --- no socket, no READY=1: the milter socket's directory does not exist
flog="$KT/notify-fail.log"
sed "s|^Socket .*|Socket unix:$KT/no-such-dir/kyso.sock|" "$KT_CONF" >"$KT/fail.conf"
kt_notify_listen "$KT/notify-fail.sock" "$flog"
NOTIFY_SOCKET=$KT/notify-fail.sock timeout 60 "$bin" -f -c "$KT/fail.conf" >>"$KT/milter.log" 2>&1
rc=$?
kt_check "daemon without its socket exits non-zero (rc $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
# a sentinel after the daemon's exit: datagrams arrive in order, so once the
# listener logged it, it has seen everything the daemon sent
perl -MIO::Socket::UNIX -MSocket -e 'IO::Socket::UNIX->new(Type => SOCK_DGRAM,
	Peer => $ARGV[0])->send("SENTINEL=1") or die "$!\n"' "$KT/notify-fail.sock"
kt_wait_lines "$flog" '^SENTINEL=1' || not_ok "sentinel reached the listener"
kt_check "daemon without its socket never sent READY=1" bash -c "! grep -q '^READY=1' '$flog'"
kt_done
