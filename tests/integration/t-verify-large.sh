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
# (SpoolMemoryLimit above the message size), byte for byte. A 20 MB
# signed-data attachment is counted as a nested signature without being
# decoded (same bound); a 4 MB opaque signature (held in memory: OpenSSL's
# CMS decodes it whole) is decoded a window at a time, exactly: it passes,
# and one character changed 3 MB in fails.
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
# (written to TemporaryDirectory, not $TMPDIR: TMPDIR names no directory
# here, so a scratch file there would fail the run)
sed 's/\r$//' "$KT/signed.eml" >"$KT/lf.eml"
rm -f "$KT/signed.eml"
kb=$(TMPDIR="$KT/no-such-dir" hwm "$KT/lf.out" "$KT_CONF" "$KT/lf.eml")
[ "$(verdict "$KT/lf.out")" = pass ] &&
	ok "the LF-only copy passes (CRLF form streamed to TemporaryDirectory, TMPDIR unusable)" ||
	{ not_ok "the LF-only copy passes (CRLF form streamed to TemporaryDirectory, TMPDIR unusable)"; diag <"$KT/lf.out.err"; }
echo "# peak RSS verifying the LF-only message: ${kb:-?} kB"
bounded "LF-only ${mb} MB" "$kb"
rm -f "$KT/lf.eml" "$KT/lf.out"

# a 20 MB signed-data attachment (application/pkcs7-mime; smime-type=
# signed-data) in a signed message: counted as a nested signature without
# being decoded, so the bound holds; the verdict says it is there
head -c $((20 * 1024 * 1024)) /dev/urandom >"$KT/doc.bin"
openssl cms -sign -nodetach -binary -in "$KT/doc.bin" -signer "$KT_PKI/ubnd-agency.crt" \
	-inkey "$KT_PKI/ubnd-agency.key" -outform DER -out "$KT/doc.p7m" ||
	kt_bail "openssl cms cannot sign the attachment"
{
	printf 'From: %s\nTo: x@ext.test\nSubject: p7m\nMIME-Version: 1.0\n' "$so"
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
	printf 'Content-Type: text/plain\n\nSee the attached document.\n--b1\n'
	printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="doc.p7m"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	openssl base64 -in "$KT/doc.p7m"
	printf -- '--b1--\n'
} >"$KT/p7m.eml"
rm -f "$KT/doc.bin" "$KT/doc.p7m"
"$bin" -c "$KT_CONF" -t "$KT/p7m.eml" -e "$so" -i 127.0.0.1 >"$KT/p7m-signed.eml" 2>"$KT/p7m-sign.err" ||
	{ diag <"$KT/p7m-sign.err"; kt_bail "-t does not sign the message with the .p7m"; }
kb=$(hwm "$KT/p7m.out" "$KT_CONF" "$KT/p7m-signed.eml")
[ "$(verdict "$KT/p7m.out")" = pass ] && grep -q "nested signature inside" "$KT/p7m.out" &&
	ok "a 20 MB signed-data attachment: pass, nested signature noted" ||
	{ not_ok "a 20 MB signed-data attachment: pass, nested signature noted"; diag <"$KT/p7m.out.err"; }
echo "# peak RSS verifying the message with the 20 MB .p7m: ${kb:-?} kB"
bounded "20 MB nested signed-data" "$kb"
rm -f "$KT/p7m.eml" "$KT/p7m-signed.eml" "$KT/p7m.out"

# an opaque signature over 3 MB: its base64 is decoded a window at a time
# (smime/verify_find.c): exactly, or the CMS would not parse or match
awk 'BEGIN { printf "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
	for (i = 0; i < 40000; i++) printf "line %06d of a long opaque-signed text, to be decoded in windows\r\n", i }' \
	>"$KT/opaque.mime"
openssl cms -sign -nodetach -binary -in "$KT/opaque.mime" -signer "$KT_PKI/sotttt-agency.crt" \
	-inkey "$KT_PKI/sotttt-agency.key" -certfile "$KT_PKI/chain.pem" -outform DER -out "$KT/opaque.der" ||
	kt_bail "openssl cms cannot sign opaque"
{
	printf 'From: %s\r\nTo: x@ext.test\r\nSubject: opaque\r\nMIME-Version: 1.0\r\n' "$so"
	printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	openssl base64 -in "$KT/opaque.der" | sed 's/$/\r/'
} >"$KT/opaque.eml"
hwm "$KT/opaque.out" "$KT_CONF" "$KT/opaque.eml" >/dev/null
[ "$(verdict "$KT/opaque.out")" = pass ] && ok "a 4 MB opaque signed message passes" ||
	{ not_ok "a 4 MB opaque signed message passes"; diag <"$KT/opaque.out.err"; }
# one base64 character of the eContent changed, 3 MB in
cp "$KT/opaque.eml" "$KT/opaque-bad.eml"
at=3000000
old=$(dd if="$KT/opaque-bad.eml" bs=1 skip=$at count=1 2>/dev/null)
new=A
[ "$old" = A ] && new=B
printf %s "$new" | dd of="$KT/opaque-bad.eml" bs=1 seek=$at conv=notrunc 2>/dev/null
hwm "$KT/opaque-bad.out" "$KT_CONF" "$KT/opaque-bad.eml" >/dev/null
[ "$(verdict "$KT/opaque-bad.out")" = fail ] && ok "the opaque message altered 3 MB in: fail" ||
	{ not_ok "the opaque message altered 3 MB in: fail"; diag <"$KT/opaque-bad.out.err"; }
kt_done
