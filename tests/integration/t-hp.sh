#!/usr/bin/env bash
# t-hp.sh - header protection (RFC 9788) and the verdict a recipient sees,
# through the real Postfix. Outbound (HeaderProtection yes, the default):
# the signed part carries From, To, Subject, Date and Message-ID exactly as
# the outer header has them (a Vietnamese Subject as the same encoded
# words), its Content-Type says hp="clear", three verifiers accept, the
# outer Subject is not tagged. Inbound (SubjectTag yes, ResultHeader yes):
# the signed message from outside gets X-Kyso-Result: pass and the valid
# tag before its Subject; through a second kyso-milter (the same one again)
# it keeps one tag and one X-Kyso-Result; with its outer Subject changed
# it is policy, tagged invalid, and the verdict names what was signed;
# unsigned mail claiming a provincial address is tagged unsigned; other
# unsigned mail keeps its Subject. OpaqueRecipients: our mail to a listed
# destination (domain, .domain's subdomains, an address; by SMTP and by
# sendmail(1)) is signed opaque for all its recipients and verifies with
# three verifiers; other destinations get detached signatures; mail from
# outside to a listed destination is not signed.
set -u
. "$(dirname "$0")/lib.sh"
kt_init hp
kt_start_all "RevocationCheck crl" "CRLFile $KT_PKI/crl-all.pem" "SubjectTag yes" \
	"OnUnsignable opaque" "OpaqueRecipients alters.test, .gw.test, One@mail.test"
so=vanthu@sotttt.hagiang.gov.vn
src="$KT/src"
mkdir -p "$src"

# decoded Subject (UTF-8) / any field, unfolded, of a message file
subject() {
	perl -MEncode -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		my @s = /^Subject:[ \t]*(.*)$/mgi; print join("|", map { Encode::encode("UTF-8", Encode::decode("MIME-Header", $_)) } @s)' "$1"
}
fields() { # FILE NAME: every value of NAME, unfolded, one a line
	perl -0777 -e '$n = shift; $_ = <>; s/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print "$1\n" while /^\Q$n\E:[ \t]*(.*)$/mgi' "$2" "$1"
}
verdict() {
	perl -MEncode -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print Encode::encode("UTF-8", Encode::decode("MIME-Header", $1)) if /^X-Kyso-Verdict:[ \t]*(.*)$/mi' "$1"
}
# the signed part's header fields equal the outer ones, hp="clear"
hp_fields() { # GOT SPLIT-CONTENT
	local h bad=0 a b
	for h in From To Subject Date Message-ID; do
		a=$(fields "$1" "$h")
		b=$(fields "$2" "$h")
		[ -n "$a" ] && [ "$a" = "$b" ] || { echo "$h: outer '$a', signed '$b'"; bad=1; }
	done
	fields "$2" Content-Type | grep -q 'hp="\?clear"\?' || { echo "no hp=clear: $(fields "$2" Content-Type)"; bad=1; }
	return $bad
}
send_wait() { # SEND-FUNCTION FROM RCPT FILE -> path of the delivered copy
	"$1" "$2" "$3" "$4" || { echo "not submitted" >&2; return 1; }
	kt_wait "$3" 60
}

# ---- outbound
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" hp-out@hop7.test "$src/out.eml"
if got=$(send_wait kt_send_internal "$so" hp-out@hop7.test "$src/out.eml" 2>"$KT/wait.log"); then
	kt_check_signed "$got" "$src/out.eml" "HP outbound"
	d="$KT/split/HP outbound"
	kt_check "HP outbound: the signed part carries From, To, Subject, Date, Message-ID as outside, hp=clear" \
		hp_fields "$got" "$d/content"
	kt_check "HP outbound: the signed Subject decodes to the Vietnamese text" \
		test "$(subject "$d/content")" = "Công văn số 123/STTTT-CNTT (utf8)"
	kt_check "HP outbound: no Subject tag on mail we sign" \
		test "$(subject "$got")" = "Công văn số 123/STTTT-CNTT (utf8)"
	kt_check "HP outbound: the log says hp=clear" grep -q 'result=signed.*hp=clear' "$KT/milter.log"
else
	not_ok "HP outbound: delivered"
	diag <"$KT/wait.log"
	kt_dump_logs
	kt_done
	exit 1
fi
signed=$got

# ---- inbound: the signed message arrives from outside
valid_tag="[Đã ký số: Sở Thông tin và Truyền thông tỉnh Hà Giang]"
if in1=$(send_wait kt_send_external "$so" hp-in1@a.test "$signed" 2>"$KT/wait.log"); then
	kt_check "inbound pass: X-Kyso-Result: pass" test "$(fields "$in1" X-Kyso-Result)" = pass
	kt_check "inbound pass: the Subject is tagged valid, once" \
		test "$(subject "$in1")" = "$valid_tag Công văn số 123/STTTT-CNTT (utf8)"
	kt_check "inbound pass: the verdict names the protected fields" \
		bash -c 'case $1 in *"Được ký và khớp / Signed and unchanged: Tiêu đề, Người nhận, Ngày, Người gửi, Mã thư / Subject, To, Date, From, Message-ID"*) exit 0 ;; esac; echo "$1"; exit 1' _ "$(verdict "$in1")"
	kt_check "inbound pass: the Subject field is RFC 2047, 7-bit" \
		perl -0777 -ne 's/\n\n.*//s; exit(/^Subject:.*[^\x00-\x7f]/m || !/^Subject: =\?UTF-8\?/m)' "$in1"
	# a second kyso server on the way (the same one again)
	if in2=$(send_wait kt_send_external "$so" hp-in2@a.test "$in1" 2>"$KT/wait.log"); then
		kt_check "second server: still one tag, one X-Kyso-Result: pass" \
			bash -c '[ "$1" = "$2" ] && [ "$3" = pass ] || { echo "$1 / $3"; exit 1; }' _ \
			"$(subject "$in2")" "$valid_tag Công văn số 123/STTTT-CNTT (utf8)" "$(fields "$in2" X-Kyso-Result)"
	else
		not_ok "second server: delivered"
	fi
else
	not_ok "inbound pass: delivered"
	diag <"$KT/wait.log"
fi

# ---- the attacker replays the signed body under another Subject
perl -0777 -pe 's/^Subject: .*$/Subject: =?UTF-8?Q?Chuy=E1=BB=83n_ti=E1=BB=81n_g=E1=BA=A5p?=/m' "$signed" >"$src/replay.eml"
if in3=$(send_wait kt_send_external "$so" hp-in3@a.test "$src/replay.eml" 2>"$KT/wait.log"); then
	kt_check "replayed Subject: X-Kyso-Result: policy" test "$(fields "$in3" X-Kyso-Result)" = policy
	kt_check "replayed Subject: tagged invalid" \
		test "$(subject "$in3")" = "[CẢNH BÁO: chữ ký không hợp lệ] Chuyển tiền gấp"
	kt_check "replayed Subject: the verdict says so and shows the signed Subject" \
		bash -c 'case $1 in *"Tiêu đề đã bị thay đổi sau khi ký / Subject changed after signing: giá trị được ký / the signed Subject was \"Công văn số 123/STTTT-CNTT (utf8)\""*) exit 0 ;; esac; echo "$1"; exit 1' _ "$(verdict "$in3")"
	kt_check "replayed Subject: A-R smime=policy, reason named" \
		bash -c 'perl -0777 -ne '"'"'s/\n[ \t]+/ /g; exit !/smime=policy \(protected header field changed after signing; Subject changed after signing\)/'"'"' "$1"' _ "$in3"
else
	not_ok "replayed Subject: delivered"
	diag <"$KT/wait.log"
fi

# ---- OnUnsignable opaque
printf '%s\r\n' "From: $so" 'To: hp-opaque@hop7.test' 'Subject: =?UTF-8?B?VGjDtG5nIGLDoW8=?=' \
	'Date: Thu, 26 Nov 2026 10:00:00 +0700' '<opaque@test.hagiang.gov.vn>' 'MIME-Version: 1.0' \
	'Content-Type: multipart/mixed; boundary="o"' '' '--o' 'Content-Type: text/plain' '' 'See below.' \
	'--o' 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="b"' \
	'' '--b' 'Content-Type: text/plain; charset=utf-8' 'Content-Transfer-Encoding: 8bit' '' \
	'Kính gửi các cơ quan' '--b' 'Content-Type: application/pkcs7-signature' '' 'AA==' '--b--' '--o--' |
	sed 's/^<opaque/Message-ID: <opaque/' >"$src/nested.eml"
if op=$(send_wait kt_send_internal "$so" hp-opaque@hop7.test "$src/nested.eml" 2>"$KT/wait.log"); then
	kt_check "opaque: application/pkcs7-mime signed-data, base64" \
		perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g; exit !(m{^Content-Type: application/pkcs7-mime; smime-type=signed-data}m && /^Content-Transfer-Encoding: base64$/m)' "$op"
	mkdir -p "$KT/split/opaque"
	kt_check "opaque: three independent verifiers accept, same content" \
		env VERIFY3_OUT="$KT/split/opaque" bash "$KT_INT/verify3.sh" "$op" "$KT_PKI/root.crt" "$KT_PKI/chain.pem"
	kt_check "opaque: the content keeps the nested 8-bit bytes and the protected Subject" \
		bash -c 'grep -q "Kính gửi các cơ quan" "$1" && grep -q "^Subject: =?UTF-8?B?VGjDtG5nIGLDoW8=?=" "$1"' _ "$KT/split/opaque/content"
	kt_check "opaque: the log says format=opaque and why" \
		grep -q 'result=signed.*detached="a nested signed.*format=opaque' "$KT/milter.log"
	if op2=$(send_wait kt_send_external "$so" hp-opaque-in@a.test "$op" 2>"$KT/wait.log"); then
		kt_check "opaque from outside: X-Kyso-Result: pass" test "$(fields "$op2" X-Kyso-Result)" = pass
	else
		not_ok "opaque from outside: delivered"
	fi
	perl -0777 -pe 's/^Subject: .*$/Subject: Replayed/m' "$op" >"$src/opaque-replay.eml"
	if op3=$(send_wait kt_send_external "$so" hp-opaque-in2@a.test "$src/opaque-replay.eml" 2>"$KT/wait.log"); then
		kt_check "opaque under another Subject: policy (the fields inside are protected too)" \
			test "$(fields "$op3" X-Kyso-Result)" = policy
	else
		not_ok "opaque under another Subject: delivered"
	fi
else
	not_ok "opaque: delivered"
	diag <"$KT/wait.log"
fi

# ---- OpaqueRecipients: per destination
is_opaque() { # FILE
	perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g; exit !(m{^Content-Type: application/pkcs7-mime; smime-type=signed-data}m && /^Content-Transfer-Encoding: base64$/m)' "$1"
}
opaque_ok() { # NAME FILE: opaque, three verifiers, the text inside
	kt_check "$1: application/pkcs7-mime signed-data, base64" is_opaque "$2"
	mkdir -p "$KT/split/$1"
	kt_check "$1: three independent verifiers accept" \
		env VERIFY3_OUT="$KT/split/$1" bash "$KT_INT/verify3.sh" "$2" "$KT_PKI/root.crt" "$KT_PKI/chain.pem"
	kt_check "$1: the signed content is the Vietnamese text, Subject protected" \
		bash -c 'grep -q "^Subject: " "$1" && grep -q "Kính gửi" "$1"' _ "$KT/split/$1/content"
}
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" x@alters.test "$src/dest1.eml"
if d1=$(send_wait kt_send_internal "$so" x@alters.test "$src/dest1.eml" 2>"$KT/wait.log"); then
	opaque_ok "to a listed domain" "$d1"
	kt_check "to a listed domain: the log names the destination" \
		grep -q 'result=signed.*opaque_for=<x@alters.test>.*format=opaque' "$KT/milter.log"
else
	not_ok "to a listed domain: delivered"
	diag <"$KT/wait.log"
fi
# two recipients, one of them under .gw.test: one body, opaque for both
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" plain@b.test "$src/dest2.eml"
if kt_swaks --port "$KT_SMTP_PORT" -- "$so" plain@b.test,y@h.gw.test "$src/dest2.eml" 2>"$KT/wait.log" &&
	d2a=$(kt_wait plain@b.test 60 2>>"$KT/wait.log") && d2b=$(kt_wait y@h.gw.test 60 2>>"$KT/wait.log"); then
	opaque_ok "two recipients, one under .gw.test" "$d2a"
	kt_check "two recipients: the listed one gets the same opaque message" is_opaque "$d2b"
else
	not_ok "two recipients: delivered"
	diag <"$KT/wait.log"
fi
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" z@gw.test "$src/dest3.eml"
if d3=$(send_wait kt_send_internal "$so" z@gw.test "$src/dest3.eml" 2>"$KT/wait.log"); then
	kt_check_signed "$d3" "$src/dest3.eml" "to the parent of a .domain entry: detached"
else
	not_ok "to the parent of a .domain entry: delivered"
	diag <"$KT/wait.log"
fi
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" one@mail.test "$src/dest4.eml"
if kt_send_local "$so" one@mail.test "$src/dest4.eml" && d4=$(kt_wait one@mail.test 60 2>"$KT/wait.log"); then
	opaque_ok "a listed address, by sendmail(1)" "$d4"
else
	not_ok "a listed address, by sendmail(1): delivered"
	diag <"$KT/wait.log"
fi
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" w@alters.test "$src/dest5.eml"
if d5=$(send_wait kt_send_external "$so" w@alters.test "$src/dest5.eml" 2>"$KT/wait.log"); then
	kt_check "from outside to a listed destination: not signed (not ours)" \
		test "$(kt_ctype "$d5")" = text/plain
else
	not_ok "from outside to a listed destination: delivered"
	diag <"$KT/wait.log"
fi

# ---- unsigned mail
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" hp-in4@a.test "$src/unsigned-own.eml"
if in4=$(send_wait kt_send_external "$so" hp-in4@a.test "$src/unsigned-own.eml" 2>"$KT/wait.log"); then
	kt_check "unsigned, provincial From: tagged unsigned, X-Kyso-Result: none" \
		bash -c '[ "$1" = "[CẢNH BÁO: không có chữ ký] Công văn số 123/STTTT-CNTT (utf8)" ] && [ "$2" = none ] || { echo "$1 / $2"; exit 1; }' _ \
		"$(subject "$in4")" "$(fields "$in4" X-Kyso-Result)"
else
	not_ok "unsigned, provincial From: delivered"
fi
perl "$KT_TOOLS/make-msg.pl" utf8 someone@example.org hp-in5@a.test "$src/unsigned-ext.eml"
if in5=$(send_wait kt_send_external someone@example.org hp-in5@a.test "$src/unsigned-ext.eml" 2>"$KT/wait.log"); then
	kt_check "unsigned, foreign From: Subject as sent" \
		test "$(fields "$in5" Subject)" = "$(fields "$src/unsigned-ext.eml" Subject)"
else
	not_ok "unsigned, foreign From: delivered"
fi
kt_check "kyso-milter still running" kill -0 "$KT_MILTER_PID"
kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
kt_done
