#!/usr/bin/env bash
# t-verifiers.sh - what the three independent verifiers (OpenSSL, gpgsm,
# NSS) say about messages signed by `openssl cms -sign` with each test
# certificate, so their disagreements are written down and a change in any
# of them is noticed. No Postfix, no kyso-milter. Verifiers do not check
# revocation here (no CRL given) nor that the signer's address equals From.
# Expected answers, "ok" or "FAIL" for: openssl cms, gpgsm, NSS cmsutil.
set -u
. "$(dirname "$0")/lib.sh"
kt_init verifiers
kt_pki
P=$KT_PKI
printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nXin ch=C3=A0o, Gi=E1=BA=A5y m=E1=BB=9Di h=E1=BB=8Dp.\n' >"$KT/part.txt"

# cert digest openssl gpgsm nss note
while read -r cert md e_ossl e_gpg e_nss note; do
	case $cert in '' | '#'*) continue ;; esac
	chain="$P/chain.pem"
	[ "$cert" = untrusted ] && chain="$P/untrusted-root.crt"
	if ! openssl cms -sign -in "$KT/part.txt" -signer "$P/$cert.crt" -inkey "$P/$cert.key" \
		-certfile "$chain" -md "$md" -out "$KT/$cert-$md.eml" 2>"$KT/sign.err"; then
		not_ok "$cert/$md: openssl cms -sign"
		diag <"$KT/sign.err"
		continue
	fi
	bash "$KT_INT/verify3.sh" "$KT/$cert-$md.eml" "$P/root.crt" "$P/chain.pem" >"$KT/v.log" 2>&1
	got_ossl=$(grep -q '^ok openssl cms' "$KT/v.log" && echo ok || echo FAIL)
	got_gpg=$(grep -q '^ok gpgsm' "$KT/v.log" && echo ok || echo FAIL)
	got_nss=$(grep -q '^ok nss' "$KT/v.log" && echo ok || echo FAIL)
	line="$cert/$md: openssl=$got_ossl gpgsm=$got_gpg nss=$got_nss ($note)"
	if [ "$got_ossl $got_gpg $got_nss" = "$e_ossl $e_gpg $e_nss" ]; then
		ok "$line"
	else
		not_ok "$line; expected openssl=$e_ossl gpgsm=$e_gpg nss=$e_nss"
		diag <"$KT/v.log"
	fi
done <<'EOF'
sotttt-agency  sha256 ok   ok   ok   agency RSA, emailProtection
ubnd-agency    sha256 ok   ok   ok   no e-mail, nonRepudiation only, no EKU
personal       sha256 ok   ok   ok   personal certificate
ecdsa-agency   sha384 ok   ok   ok   ECDSA P-256
sotttt-agency  sha512 ok   ok   ok   SHA-512
sotttt-agency  sha1   ok   ok   ok   SHA-1 digest: all three still accept (kyso never signs with it; Thunderbird refuses it above NSS)
weak           sha256 ok   ok   ok   RSA-1024: all three accept (kyso's verdict is policy, not pass)
expired        sha256 FAIL FAIL FAIL expired certificate
notyet         sha256 FAIL FAIL FAIL not yet valid
untrusted      sha256 FAIL FAIL FAIL unknown root
noeku          sha256 FAIL ok   FAIL EKU clientAuth only: gpgsm accepts, OpenSSL and NSS refuse (kyso: policy)
mismatch       sha256 ok   ok   ok   signer address differs from From: no verifier here compares it (kyso: policy)
revoked        sha256 ok   ok   ok   revoked: no revocation source given to the verifiers (kyso with a CRL: policy)
EOF
kt_done
