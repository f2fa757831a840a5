#!/usr/bin/env bash
# t-large.sh - a message with a 20 MB attachment (about 27 MB on the wire)
# signed through Postfix; checks the result like every signed message and
# measures kyso-milter's peak resident memory (VmHWM of /proc/PID/status),
# which must stay well below the message size: the body is spooled to a
# file beyond SpoolMemoryLimit (1 MB here), not held in memory.
# KT_LARGE_MB overrides the size; KT_LARGE_MAX_KB the memory bound
# (default: 20 MB, below the 27 MB message). KT_SANITIZED=1 (an ASan build)
# skips the bound.
set -u
. "$(dirname "$0")/lib.sh"
kt_init large
kt_start_all "SpoolMemoryLimit 1m" "MaximumMessageSize 64m"
mb=${KT_LARGE_MB:-20}
max_kb=${KT_LARGE_MAX_KB:-20480}
so=vanthu@sotttt.hagiang.gov.vn

base_kb=$(kt_milter_hwm)
echo "# kyso-milter VmHWM before: ${base_kb} kB"
perl "$KT_TOOLS/make-msg.pl" big "$so" big@hop7.test "$KT/big.eml" "$mb"
size=$(stat -c %s "$KT/big.eml")
echo "# message: $size bytes ($mb MB attachment)"
t0=$(date +%s)
if kt_send_internal "$so" big@hop7.test "$KT/big.eml" && got=$(kt_wait big@hop7.test 300); then
	echo "# submitted and delivered in $(($(date +%s) - t0)) s"
	hwm=$(kt_milter_hwm)
	echo "# kyso-milter peak RSS (VmHWM) after signing the ${mb} MB message: ${hwm} kB (before: ${base_kb} kB)"
	kt_check_signed "$got" "$KT/big.eml" "${mb} MB attachment"
	if [ -n "${KT_SANITIZED:-}" ]; then
		skip "peak RSS bound: a sanitizer build keeps freed memory in quarantine"
	elif [ -n "$hwm" ] && [ "$hwm" -lt "$max_kb" ]; then
		ok "peak RSS ${hwm} kB < ${max_kb} kB for a $size-byte message"
	else
		not_ok "peak RSS ${hwm:-unknown} kB < ${max_kb} kB for a $size-byte message"
	fi
else
	not_ok "${mb} MB message delivered"
	tail -n 5 "$KT/swaks.log" | diag
	kt_dump_logs
fi
kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
kt_done
