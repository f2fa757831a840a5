#!/usr/bin/env bash
# t-verify-large.sh - inbound verification of a large signed message (a
# 50 MB attachment, about 70 MB on the wire) with `kyso-milter -t`, the
# daemon's path (milter/gather.c into the spool, policy/, smime/verify.c):
# the spooled message is mapped and read a window at a time, never held
# (smime/rawmime.h), so the peak resident memory (ru_maxrss, the VmHWM of
# the run, measured with GNU time) stays under 16 MB whatever the size: for the valid message, for
# one altered by one byte at 30 MB (which must still fail: the digest
# covers every byte of the mapping) and for the LF-only copy (the CRLF form
# is streamed into the digest and written out, not held, when it matches).
# The verdict from the mapped spool is the one from a spool held in memory
# (SpoolMemoryLimit above the message size), byte for byte.
# KT_VLARGE_MB overrides the attachment size, KT_VLARGE_MAX_KB the bound;
# KT_SANITIZED=1 (an ASan build) skips the bound.
set -u
. "$(dirname "$0")/lib.sh"
kt_init vlarge
kt_pki
kt_config "RevocationCheck crl" "CRLFile $KT_PKI/crl-all.pem" \
	"SpoolMemoryLimit 1m" "MaximumMessageSize 128m"
sed 's/^SpoolMemoryLimit .*/SpoolMemoryLimit 128m/' "$KT_CONF" >"$KT/mem.conf"
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin"
[ -x /usr/bin/time ] || kt_bail "no /usr/bin/time (contrib/install-deps.sh: time)"
mb=${KT_VLARGE_MB:-50}
max_kb=${KT_VLARGE_MAX_KB:-16384}
so=vanthu@sotttt.hagiang.gov.vn

# hwm OUT CONF MSG: verify MSG as mail from an outside client into OUT
# (log in OUT.err); prints the run's peak RSS in kB (GNU time's %M: the
# child's ru_maxrss; time itself is small, so it is kyso-milter's VmHWM),
# fails when kyso-milter does
hwm() {
	local rc=0

	/usr/bin/time -f %M -o "$1.kb" "$bin" -c "$2" -t "$3" -i 192.0.2.7 \
		>"$1" 2>"$1.err" || rc=$?
	cat "$1.kb"
	return $rc
}

# bounded LABEL KB: the peak RSS assertion (not under a sanitizer)
bounded() {
	if [ -n "${KT_SANITIZED:-}" ]; then
		skip "$1: peak RSS bound (a sanitizer build keeps freed memory in quarantine)"
	elif [ -n "$2" ] && [ "$2" -lt "$max_kb" ]; then
		ok "$1: peak RSS $2 kB < $max_kb kB"
	else
		not_ok "$1: peak RSS ${2:-unknown} kB < $max_kb kB"
	fi
}

# verdict OUT: the smime= word of the run's log line
verdict() { sed -n 's/.* smime=\([a-z]*\) .*/\1/p' "$1.err" | head -n 1; }

perl "$KT_TOOLS/make-msg.pl" big "$so" big@ext.test "$KT/big.eml" "$mb"
if ! "$bin" -c "$KT_CONF" -t "$KT/big.eml" -e "$so" -i 127.0.0.1 >"$KT/signed.eml" 2>"$KT/sign.err" ||
	! kt_is_signed "$KT/signed.eml"; then
	diag <"$KT/sign.err"
	kt_bail "-t does not sign the ${mb} MB message"
fi
rm -f "$KT/big.eml"
size=$(stat -c %s "$KT/signed.eml")
echo "# signed message: $size bytes (${mb} MB attachment)"

kb=$(hwm "$KT/valid.out" "$KT_CONF" "$KT/signed.eml")
[ "$(verdict "$KT/valid.out")" = pass ] && ok "the valid $size-byte message passes" ||
	{ not_ok "the valid $size-byte message passes"; diag <"$KT/valid.out.err"; }
echo "# peak RSS verifying the valid message: ${kb:-?} kB"
bounded "valid ${mb} MB" "$kb"

# the same spool held in memory: the same output, byte for byte
hwm "$KT/mem.out" "$KT/mem.conf" "$KT/signed.eml" >/dev/null
kt_check "the verdict from the mapped spool is the one from memory" \
	cmp "$KT/valid.out" "$KT/mem.out"
rm -f "$KT/mem.out" "$KT/valid.out"

# one byte of the attachment's base64, 30 MB in, changed
at=30000000
[ "$size" -gt $((at + 1000)) ] || kt_bail "message too small to alter at $at"
old=$(dd if="$KT/signed.eml" bs=1 skip=$at count=1 2>/dev/null)
new=A
[ "$old" = A ] && new=B
cp "$KT/signed.eml" "$KT/altered.eml"
printf %s "$new" | dd of="$KT/altered.eml" bs=1 seek=$at conv=notrunc 2>/dev/null
kt_check "the altered copy differs at byte $at only" \
	test "$(cmp -l "$KT/signed.eml" "$KT/altered.eml" | wc -l)" = 1
kb=$(hwm "$KT/altered.out" "$KT_CONF" "$KT/altered.eml")
[ "$(verdict "$KT/altered.out")" = fail ] && ok "one byte altered at $at: fail" ||
	{ not_ok "one byte altered at $at: fail"; diag <"$KT/altered.out.err"; }
echo "# peak RSS verifying the altered message: ${kb:-?} kB"
bounded "altered ${mb} MB" "$kb"
rm -f "$KT/altered.eml" "$KT/altered.out"

# LF line ends: the digest of the received bytes fails, the CRLF form
# (streamed) matches
sed 's/\r$//' "$KT/signed.eml" >"$KT/lf.eml"
rm -f "$KT/signed.eml"
kb=$(hwm "$KT/lf.out" "$KT_CONF" "$KT/lf.eml")
[ "$(verdict "$KT/lf.out")" = pass ] && ok "the LF-only copy passes (CRLF form streamed)" ||
	{ not_ok "the LF-only copy passes (CRLF form streamed)"; diag <"$KT/lf.out.err"; }
echo "# peak RSS verifying the LF-only message: ${kb:-?} kB"
bounded "LF-only ${mb} MB" "$kb"
kt_done
