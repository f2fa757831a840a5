#!/bin/sh
# check-banned.sh - functions a threaded mail daemon must not use (unbounded
# or non-reentrant); use the bounded or _r forms instead. TAP output.
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1
n=0
fail=0
for f in strcpy strcat sprintf vsprintf gets strtok atoi atol gmtime \
    localtime ctime asctime strerror rand system popen; do
	n=$((n + 1))
	hits=$(grep -nE "(^|[^_a-zA-Z0-9.>])$f[[:space:]]*\(" \
		smime/*.c policy/*.c milter/*.c 2>/dev/null)
	if [ -z "$hits" ]; then
		echo "ok $n - no $f()"
	else
		echo "not ok $n - $f() is banned"
		echo "$hits" | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
