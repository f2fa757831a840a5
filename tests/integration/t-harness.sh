#!/usr/bin/env bash
# t-harness.sh - proves the test harness itself, without kyso-milter:
# messages signed by `openssl cms -sign` go through the private Postfix to
# both next hops and are checked by verify3.sh. A 7-bit signed message must
# verify after either hop; an 8-bit signed one must verify after the
# 8BITMIME hop and must BREAK after the hop without 8BITMIME (Postfix
# downgrades it to quoted-printable: pitfall P1). That last case shows the
# harness can tell a broken signature from a good one.
set -u
. "$(dirname "$0")/lib.sh"
kt_init harness
kt_pki
kt_sinks_start
kt_postfix_start none
P=$KT_PKI
V="$KT_INT/verify3.sh"
from=vanthu@sotttt.hagiang.gov.vn

# osign ENTITY OUT TO: openssl-signed multipart/signed (chain included)
osign() {
	openssl cms -sign -in "$1" -signer "$P/sotttt-agency.crt" -inkey "$P/sotttt-agency.key" \
		-certfile "$P/chain.pem" -md sha256 -from "$from" -to "$3" \
		-subject "harness $(basename "$2")" -out "$2"
}
# entity: the body part of a make-msg.pl message (its Content-* headers + body)
entity() { perl -0777 -ne 's/\A.*?\n(?=Content-Type:)//s; s/\A(.*?\n\n)/join("", grep { m{^Content-} } split m{(?<=\n)}, $1) . "\n"/se; print' "$1"; }

perl "$KT_TOOLS/make-msg.pl" ascii "$from" x "$KT/ascii.src"
perl "$KT_TOOLS/make-msg.pl" utf8 "$from" x "$KT/utf8.src"
entity "$KT/ascii.src" >"$KT/ascii.ent"
entity "$KT/utf8.src" >"$KT/utf8.ent"
kt_check "7-bit entity prepared" grep -q '^Content-Transfer-Encoding: 7bit' "$KT/ascii.ent"

n=0
for hop in a.test hop7.test; do
	for kind in ascii utf8; do
		n=$((n + 1))
		rcpt="h$n-$kind@$hop"
		osign "$KT/$kind.ent" "$KT/$n.eml" "$rcpt"
		kt_send_internal "$from" "$rcpt" "$KT/$n.eml" || not_ok "swaks $rcpt"
		if ! got=$(kt_wait "$rcpt" 30); then
			not_ok "delivered $rcpt"
			kt_dump_logs
			continue
		fi
		ok "delivered $rcpt"
		args=$(kt_sink_mail_args "$rcpt")
		if [ "$kind" = utf8 ] && [ "$hop" = hop7.test ]; then
			kt_check "next hop without 8BITMIME got no BODY=8BITMIME ($args)" \
				bash -c "! grep -q BODY=8BITMIME <<<'$args'"
			kt_check "Postfix downgraded the 8-bit part to quoted-printable (P1)" \
				grep -q '^Content-Transfer-Encoding: quoted-printable' "$got"
			if bash "$V" "$got" "$P/root.crt" "$P/chain.pem" >"$KT/v.log" 2>&1; then
				not_ok "8-bit openssl signature broken by the downgrade (verifiers should fail)"
				diag <"$KT/v.log"
			else
				ok "8-bit openssl signature broken by the downgrade: all verifiers notice"
				grep -c '^FAIL' "$KT/v.log" | sed 's/^/# failing checks: /'
			fi
		else
			kt_check "$kind via $hop: three verifiers accept" bash "$V" "$got" "$P/root.crt" "$P/chain.pem"
		fi
	done
done

# local submission of an LF-only file through sendmail(1)
osign "$KT/ascii.ent" "$KT/lf.crlf" "lf@a.test"
tr -d '\r' <"$KT/lf.crlf" >"$KT/lf.eml"
kt_check "signed file is LF-only on disk" bash -c "! grep -q \$'\\r' '$KT/lf.eml'"
kt_send_local "$from" lf@a.test "$KT/lf.eml" || not_ok "sendmail lf@a.test"
if got=$(kt_wait lf@a.test 30); then
	kt_check "local sendmail submission: three verifiers accept" bash "$V" "$got" "$P/root.crt" "$P/chain.pem"
else
	not_ok "local sendmail submission delivered"
fi

# the decoded-content comparison: signed entity vs original
rcpt=cmp@a.test
osign "$KT/utf8.ent" "$KT/cmp.eml" "$rcpt"
kt_send_internal "$from" "$rcpt" "$KT/cmp.eml"
if got=$(kt_wait "$rcpt" 30); then
	mkdir -p "$KT/cmp"
	perl "$KT_TOOLS/split-signed.pl" "$got" "$KT/cmp" >/dev/null
	perl "$KT_TOOLS/mime-digest.pl" "$KT/utf8.src" >"$KT/cmp/want"
	perl "$KT_TOOLS/mime-digest.pl" "$KT/cmp/content" >"$KT/cmp/got"
	kt_check "decoded signed part equals the original" diff "$KT/cmp/want" "$KT/cmp/got"
else
	not_ok "delivered $rcpt"
fi

# an external client (127.0.0.2) reaches the instance too
perl "$KT_TOOLS/make-msg.pl" ascii "someone@example.org" ext@a.test "$KT/ext.eml"
kt_send_external someone@example.org ext@a.test "$KT/ext.eml" || not_ok "swaks from 127.0.0.2"
if got=$(kt_wait ext@a.test 30); then
	kt_check "external client seen as 127.0.0.2" grep -q '^Received: from .*127\.0\.0\.2' "$got"
else
	not_ok "delivered ext@a.test"
fi

kt_done
