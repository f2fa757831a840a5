#!/usr/bin/env bash
# t-offline.sh - the administrator's commands, without Postfix:
# `kyso-milter -c FILE -n` accepts the test configuration and names file and
# line of an error; `kyso-milter -c FILE -t MSG` signs LF-only and CRLF
# message files (checked by the three verifiers and the content comparison)
# and leaves mail from an outside client unsigned.
set -u
. "$(dirname "$0")/lib.sh"
kt_init offline
kt_pki
kt_config
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin"
so=vanthu@sotttt.hagiang.gov.vn

kt_check "-n accepts the test configuration" "$bin" -c "$KT_CONF" -n
cp "$KT_CONF" "$KT/bad.conf"
echo "OnUnmappedSender maybe" >>"$KT/bad.conf"
line=$(wc -l <"$KT/bad.conf")
if "$bin" -c "$KT/bad.conf" -n >"$KT/bad.out" 2>&1; then
	not_ok "-n rejects a bad value"
else
	ok "-n rejects a bad value"
fi
kt_check "-n names file and line ($KT/bad.conf:$line)" grep -q "bad.conf:$line" "$KT/bad.out"
install -m 644 "$KT_PKI/ubnd-agency.key" "$KT/ubnd-644.key"
sed "s|$KT_PKI/ubnd-agency.key|$KT/ubnd-644.key|" "$KT/certificate.table" >"$KT/perm.table"
sed "s|^CertificateTable .*|CertificateTable $KT/perm.table|" "$KT_CONF" >"$KT/perm.conf"
if "$bin" -c "$KT/perm.conf" -n >"$KT/perm.out" 2>&1; then
	not_ok "-n refuses a group/other-readable key"
else
	ok "-n refuses a group/other-readable key"
fi
kt_check "the refusal names the key file" grep -q "ubnd-644.key" "$KT/perm.out"

for eol in lf crlf; do
	flag=
	[ $eol = crlf ] && flag=--crlf
	perl "$KT_TOOLS/make-msg.pl" $flag alternative "$so" x@a.test "$KT/$eol.eml"
	if "$bin" -c "$KT_CONF" -t "$KT/$eol.eml" -e "$so" -i 127.0.0.1 >"$KT/$eol.out" 2>"$KT/$eol.err"; then
		ok "-t signs a $eol message file"
		sed 's/^/# decision: /' "$KT/$eol.err" | head -n 3
		kt_check_signed "$KT/$eol.out" "$KT/$eol.eml" "offline $eol"
	else
		not_ok "-t signs a $eol message file"
		diag <"$KT/$eol.err"
	fi
done

perl "$KT_TOOLS/make-msg.pl" utf8 "$so" x@a.test "$KT/ext.eml"
if "$bin" -c "$KT_CONF" -t "$KT/ext.eml" -e "$so" -i 192.0.2.7 >"$KT/ext.out" 2>"$KT/ext.err"; then
	if kt_is_signed "$KT/ext.out"; then
		not_ok "-t from an outside client: not signed"
	else
		ok "-t from an outside client: not signed"
	fi
	sed 's/^/# decision: /' "$KT/ext.err" | head -n 3
else
	not_ok "-t from an outside client runs"
	diag <"$KT/ext.err"
fi
kt_done
