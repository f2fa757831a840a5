#!/bin/sh
# check-layering.sh - the dependency direction milter/ -> policy/ -> smime/
# holds in every include: nothing below milter/ includes libmilter, and
# smime/ includes no policy-level header. TAP output.
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1
n=0
fail=0
check() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "$2" | sed 's/^/# /'
		fail=1
	fi
}
check "smime/ and policy/ never include libmilter" \
	"$(grep -nE '#[[:space:]]*include.*libmilter' smime/*.[ch] policy/*.[ch] include/kyso/*.h 2>/dev/null)"
# every public header belongs to one layer; a new header must be placed here
common="err limits"
smime_h="cosign mime sign signer spool timestamp trust verify"
policy_h="classified config health inbound journal policy process report seal verdict"
unplaced=
for h in include/kyso/*.h; do
	b=$(basename "$h" .h)
	case " $common $smime_h $policy_h " in *" $b "*) ;; *) unplaced="$unplaced $h" ;; esac
done
check "every header in include/kyso/ is placed in a layer" "$unplaced"
policy_re=$(echo "$policy_h" | tr ' ' '|')
check "smime/ includes no policy-level header" \
	"$(grep -nE "#include \"kyso/($policy_re)\.h\"" smime/*.[ch] include/kyso/*.h 2>/dev/null |
		grep -E "^(smime/|include/kyso/($(echo "$smime_h $common" | tr ' ' '|'))\.h)")"
check "smime/ and policy/ include no milter/ header" \
	"$(grep -nE '#include "(apply|gather|log|daemon|callbacks|offline)\.h"' smime/*.[ch] policy/*.[ch] include/kyso/*.h 2>/dev/null)"
check "public headers in include/kyso/ never include libmilter" \
	"$(grep -n 'mfapi' include/kyso/*.h 2>/dev/null)"
# err.c may print one line before abort() on memory exhaustion (as GLib)
check "nothing below milter/ writes logs (syslog, printf to stderr)" \
	"$(grep -nE '\b(syslog|openlog)\(|fprintf\(stderr' smime/*.c policy/*.c 2>/dev/null | grep -v '^smime/err.c:')"
check "nothing below milter/ exits the process" \
	"$(grep -nE '\bexit\(' smime/*.c policy/*.c 2>/dev/null)"
echo "1..$n"
exit $fail
