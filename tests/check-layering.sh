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
hdrs="include/kyso/*.h include/kyso/smime/*.h include/kyso/policy/*.h"
check "smime/ and policy/ never include libmilter" \
	"$(grep -nE '#[[:space:]]*include.*libmilter' smime/*.[ch] policy/*.[ch] $hdrs 2>/dev/null)"
# a public header's folder is its layer: include/kyso/smime/ (smime/),
# include/kyso/policy/ (policy/); only err.h and limits.h serve both
unplaced=
for h in include/kyso/*.h; do
	case $(basename "$h") in err.h | limits.h) ;; *) unplaced="$unplaced $h" ;; esac
done
check "every header in include/kyso/ sits in its layer's folder" "$unplaced"
check "smime/ includes no policy-level header" \
	"$(grep -nE '#include "kyso/policy/' smime/*.[ch] include/kyso/smime/*.h include/kyso/*.h 2>/dev/null)"
check "smime/ and policy/ include no milter/ header" \
	"$(grep -nE '#include "(apply|gather|log|daemon|callbacks|offline|notify|watch)\.h"' smime/*.[ch] policy/*.[ch] $hdrs 2>/dev/null)"
check "public headers in include/kyso/ never include libmilter" \
	"$(grep -n 'mfapi' $hdrs 2>/dev/null)"
# err.c may print one line before abort() on memory exhaustion (as GLib)
check "nothing below milter/ writes logs (syslog, printf to stderr)" \
	"$(grep -nE '\b(syslog|openlog)\(|fprintf\(stderr' smime/*.c policy/*.c 2>/dev/null | grep -v '^smime/err.c:')"
check "nothing below milter/ exits the process" \
	"$(grep -nE '\bexit\(' smime/*.c policy/*.c 2>/dev/null)"
echo "1..$n"
exit $fail
