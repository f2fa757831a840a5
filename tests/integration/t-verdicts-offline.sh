#!/usr/bin/env bash
# t-verdicts-offline.sh - every inbound case of tests/pki/make-inbound-cases.sh
# (four independent signers and the attacker's shapes: several signers with
# one broken, untrusted or expired, a company certificate without e-mail on
# the chairman's From, two From fields, a look-alike display name, partial
# and forwarded signatures, forged eContent, ...) through the administrator's
# offline mode, `kyso-milter -c PROFILE -t MSG -i CLIENT`: the same path the
# daemon takes. For each: the logged smime= result is the expected one, our
# Authentication-Results says smime=pass nowhere unless the message passes,
# and X-Kyso-Verdict starts with "Hợp lệ / Valid" exactly for a pass. No
# Postfix, no network responders (the "up" cases need them: t-inbound.sh).
set -u
. "$(dirname "$0")/lib.sh"
kt_init verdicts
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin"
cases="$KT/cases"
OCSP_PORT=$(free_port)
CRL_PORT=$((OCSP_PORT + 1))
export OCSP_PORT CRL_PORT
OCSP_PORT=$OCSP_PORT CRL_PORT=$CRL_PORT bash "$KT_TOP/tests/pki/make-inbound-cases.sh" "$cases" >"$KT/gen.log" 2>&1 ||
	{ diag <"$KT/gen.log"; kt_bail "make-inbound-cases.sh failed"; }

# decoded X-Kyso-Verdict of a message file
verdict_of() {
	perl -MEncode -0777 -ne 's/\r\n/\n/g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		for (split /\n/) { next unless s/^X-Kyso-Verdict:\s*//i; print Encode::encode("UTF-8", Encode::decode("MIME-Header", $_)); }' "$1"
}

n=0
while IFS=$'\t' read -r name file from profile phase facts want; do
	case $name in '' | skip) continue ;; esac
	[ "$phase" = up ] && continue
	n=$((n + 1))
	out="$KT/$name.out"
	conf="$cases/$profile.conf"
	if grep -q '^CRLFile' "$conf" && ! grep -q '^RevocationCheck' "$conf"; then
		# the CRL file answers; each -t run is a new process without the
		# daemon's negative cache, so the OCSP responder that is down would
		# cost RevocationTimeout per case (t-inbound.sh covers that path)
		cp "$conf" "$KT/$profile-crl.conf"
		echo "RevocationCheck crl" >>"$KT/$profile-crl.conf"
		conf="$KT/$profile-crl.conf"
	fi
	"$bin" -c "$conf" -t "$cases/$file" -e "$from" -i 192.0.2.25 >"$out" 2>"$KT/$name.err"
	rc=$?
	if [ "$profile" = strict ] && [ "$want" != pass ]; then
		# OnUnsignedOwnDomain reject: refused, nothing written
		kt_check "$name: refused under OnUnsignedOwnDomain reject (exit $rc)" test "$rc" != 0
		continue
	fi
	if [ $rc != 0 ]; then
		not_ok "$name: kyso-milter -t ran (exit $rc)"
		diag <"$KT/$name.err"
		continue
	fi
	kt_check "$name: smime=$want logged" grep -q " smime=$want " "$KT/$name.err"
	ar=$(perl -0777 -ne 's/\r\n/\n/g; s/\n\n.*//s; s/\n[ \t]+/ /g; print "$1\n" while /^Authentication-Results:\s*(mx\.hagiang\.gov\.vn;.*)$/mig' "$out")
	if [ "$want" != pass ]; then
		kt_check "$name: no smime=pass in our Authentication-Results" \
			bash -c '[ -n "$1" ] && ! printf "%s" "$1" | grep -q "smime=pass"' _ "$ar"
		kt_check "$name: verdict does not say valid" bash -c '! printf "%s" "$1" | grep -q "Hợp lệ / Valid"' _ "$(verdict_of "$out")"
	else
		kt_check "$name: verdict says valid" bash -c 'printf "%s" "$1" | grep -q "^Hợp lệ / Valid"' _ "$(verdict_of "$out")"
	fi
done <"$cases/cases.tsv"
kt_check "ran the offline cases ($n)" test "$n" -gt 40
kt_done
