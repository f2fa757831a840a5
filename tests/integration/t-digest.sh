#!/usr/bin/env bash
# t-digest.sh - digests and reloads: SignatureDigest sha384 gives
# micalg=sha-384 (and the CMS digest sha384, checked by verify3.sh); a
# certificate table entry's digest=sha512 overrides it; SIGUSR1 reloads a
# changed configuration, and a broken configuration on reload is refused
# while the previous one keeps signing.
set -u
. "$(dirname "$0")/lib.sh"
kt_init digest
kt_start_all "SignatureDigest sha384"
so=vanthu@sotttt.hagiang.gov.vn
n=0

# send_signed LABEL FROM RCPT WANT-MICALG
send_signed() {
	local label=$1 from=$2 rcpt=$3 want=$4 m got
	n=$((n + 1))
	m="$KT/m$n.eml"
	perl "$KT_TOOLS/make-msg.pl" utf8 "$from" "$rcpt" "$m"
	if kt_send_internal "$from" "$rcpt" "$m" && got=$(kt_wait "$rcpt" 60); then
		kt_check_signed "$got" "$m" "$label"
		# the split is written by kt_check_signed; its absence is a failure
		kt_check "$label: micalg=$want" grep -qx "micalg=$want" "$KT/split/$label/info"
	else
		not_ok "$label: delivered"
		kt_dump_logs
	fi
}

send_signed "SignatureDigest sha384" "$so" d1@hop7.test sha-384

# reload with a per-certificate digest=sha512 for the Sở TT&TT entry
sed -i 's|^\(sotttt .*\)$|\1 digest=sha512|' "$KT/certificate.table"
kt_check "SIGUSR1: configuration reloaded" kt_milter_reload
send_signed "after SIGUSR1: certificate digest=sha512" "$so" d2@hop7.test sha-512
send_signed "after SIGUSR1: other certificate keeps sha384" vanthu@ubnd.hagiang.gov.vn d3@a.test sha-384

# a broken configuration is refused on reload; the old one keeps working
cp "$KT_CONF" "$KT/kyso.conf.good"
echo "NoSuchKey yes" >>"$KT_CONF"
kt_check "SIGUSR1 with a bad configuration: the outcome is logged" kt_milter_reload
kt_check "bad reload is logged with file and line" grep -q "kyso.conf:[0-9]" "$KT/milter.log"
kt_check "kyso-milter survives a bad reload" kill -0 "$KT_MILTER_PID"
send_signed "after a bad reload: previous configuration still signs" "$so" d4@hop7.test sha-512
cp "$KT/kyso.conf.good" "$KT_CONF"

kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
kt_done
