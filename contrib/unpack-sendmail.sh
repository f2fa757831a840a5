#!/usr/bin/env bash
# unpack-sendmail.sh [DIR] - Debian's Sendmail, unpacked (not installed)
# into DIR (default /var/cache/kyso-milter/sendmail) for the Sendmail
# integration suite (tests/integration/t-sendmail.sh). Debian's sendmail
# and postfix packages conflict, and the tests need both: this fetches the
# packages with `apt-get download` and extracts them with `dpkg-deb -x`,
# touching nothing outside DIR. libwrap0, the one library the binary needs
# that a Postfix machine lacks, is unpacked beside it (the suite sets
# LD_LIBRARY_PATH). Idempotent: returns at once when DIR is complete.
# Needs apt lists (runs `apt-get update` once when a download fails).
set -euo pipefail
dir=${1:-/var/cache/kyso-milter/sendmail}
bin=$dir/root/usr/libexec/sendmail/sendmail
if [ -x "$bin" ] && [ -f "$dir/root/usr/share/sendmail/cf/m4/cf.m4" ] &&
	[ -n "$(ls "$dir"/root/usr/lib/*/libwrap.so.0* 2>/dev/null)" ]; then
	exit 0
fi
pkgs=(sendmail-bin sendmail-cf sendmail-base libwrap0)
tmp=$(mktemp -d /tmp/unpack-sendmail.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
if ! (cd "$tmp" && apt-get download "${pkgs[@]}" >"$tmp/download.log" 2>&1); then
	apt-get update -qq
	(cd "$tmp" && apt-get download "${pkgs[@]}" >"$tmp/download.log" 2>&1) ||
		{ cat "$tmp/download.log" >&2; exit 1; }
fi
rm -rf "$dir.new"
mkdir -p "$dir.new/root"
for f in "$tmp"/*.deb; do dpkg-deb -x "$f" "$dir.new/root"; done
# run by root from this copy: no set-group-id bit (the loader would ignore
# LD_LIBRARY_PATH)
chmod g-s "$dir.new/root/usr/libexec/sendmail/sendmail"
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "unpack-sendmail: $(ls "$tmp"/*.deb | sed 's|.*/||' | tr '\n' ' ')-> $dir"
