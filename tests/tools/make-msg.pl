#!/usr/bin/perl
# make-msg.pl KIND FROM TO OUTFILE [SIZE_MB] - write a test message (LF line
# endings, as a file on disk usually has; add --crlf as the first argument
# for CRLF). Deterministic: the same arguments give the same bytes, except
# Date and Message-ID.
#
# KIND:
#   ascii        text/plain us-ascii 7bit, with a "From " line, trailing
#                blanks and a lone "." line (pitfalls P7)
#   utf8         Vietnamese text/plain; charset=utf-8, Content-Transfer-Encoding 8bit
#   alternative  multipart/mixed: multipart/alternative (8-bit text/plain +
#                text/html) and a 10 kB binary attachment (base64)
#   longline     text/plain with a 1500-octet line (over the 998 limit)
#   big          text/plain (8bit) + an application/octet-stream attachment
#                of SIZE_MB (default 20) megabytes, base64
#   nomime       no MIME headers at all, 8-bit UTF-8 body (pitfall P17)
use strict;
use warnings;
use MIME::Base64 qw(encode_base64);
use POSIX qw(strftime);

my $eol = "\n";
if (@ARGV && $ARGV[0] eq '--crlf') { $eol = "\r\n"; shift @ARGV; }
my ($kind, $from, $to, $out, $mb) = @ARGV;
die "usage: make-msg.pl [--crlf] KIND FROM TO OUTFILE [SIZE_MB]\n" unless defined $out;
$mb //= 20;

# deterministic pseudo-random bytes (xorshift), so failures reproduce
my $state = 0x2545F491;
sub prng_bytes {
	my ($n) = @_;
	my $s = '';
	while (length($s) < $n) {
		$state ^= ($state << 13) & 0xffffffff;
		$state ^= $state >> 17;
		$state ^= ($state << 5) & 0xffffffff;
		$s .= pack('N', $state);
	}
	return substr($s, 0, $n);
}

my $vn = "Kính gửi: Các cơ quan, đơn vị trên địa bàn tỉnh Hà Giang.\n"
    . "Sở Thông tin và Truyền thông đề nghị các đơn vị triển khai chữ ký số.\n"
    . "Trân trọng cảm ơn — Nguyễn Văn An, Phòng Công nghệ thông tin.\n"
    . "Tiếng Việt có dấu: ă â đ ê ô ơ ư Ă Â Đ Ê Ô Ơ Ư ạ ả ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ.\n";
my $subject = '=?UTF-8?B?' . encode_base64("Công văn số 123/STTTT-CNTT ($kind)", '') . '?=';
my $date = strftime('%a, %d %b %Y %H:%M:%S +0000', gmtime);
my $mid = sprintf('<%s.%d.%d@test.hagiang.gov.vn>', $kind, time, $$);

my @h = ("From: $from", "To: $to", "Subject: $subject", "Date: $date", "Message-ID: $mid");
my $body;

if ($kind eq 'bare') {
	# no MIME header fields at all (RFC 2045 5.2: text/plain; us-ascii)
	$body = "Dear colleagues,\n\nA message without any MIME header field.\n-- \nVan thu\n";
} elsif ($kind eq 'ascii') {
	push @h, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii',
	    'Content-Transfer-Encoding: 7bit';
	$body = "Dear colleagues,\n\nThis is a plain ASCII test message.\n"
	    . "From the office of the director: a line starting with From.\n"
	    . "A line with trailing blanks.   \n.\nA lone dot above.\n-- \nVan thu\n";
} elsif ($kind eq 'utf8') {
	push @h, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8',
	    'Content-Transfer-Encoding: 8bit';
	$body = $vn;
} elsif ($kind eq 'alternative') {
	my $html = "<html><body><p>" . join("</p>\n<p>", split /\n/, $vn) . "</p></body></html>\n";
	my $bin = encode_base64(prng_bytes(10240));
	push @h, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="=-outer-1"';
	$body = "This is a multi-part message in MIME format.\n"
	    . "--=-outer-1\nContent-Type: multipart/alternative; boundary=\"=-alt-2\"\n\n"
	    . "--=-alt-2\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n$vn\n"
	    . "--=-alt-2\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n$html\n"
	    . "--=-alt-2--\n\n"
	    . "--=-outer-1\nContent-Type: application/octet-stream; name=\"bao-cao.bin\"\n"
	    . "Content-Disposition: attachment; filename=\"bao-cao.bin\"\nContent-Transfer-Encoding: base64\n\n"
	    . $bin . "\n--=-outer-1--\n";
} elsif ($kind eq 'longline') {
	push @h, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii',
	    'Content-Transfer-Encoding: 7bit';
	my $long = join(' ', map { "word$_" } 1 .. 250);
	$long = substr($long . ('x' x 1500), 0, 1500);
	$body = "The next line is 1500 octets long.\n$long\nEnd.\n";
} elsif ($kind eq 'big') {
	push @h, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="=-big-1"';
	$body = "--=-big-1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n$vn\n"
	    . "--=-big-1\nContent-Type: application/octet-stream; name=\"du-lieu.bin\"\n"
	    . "Content-Disposition: attachment; filename=\"du-lieu.bin\"\nContent-Transfer-Encoding: base64\n\n";
	open(my $o, '>:raw', $out) or die "$out: $!\n";
	my $hdr = join("\n", @h) . "\n\n" . $body;
	$hdr =~ s/\n/$eol/g;
	print $o $hdr;
	for (1 .. $mb * 16) {	# 64 kB at a time
		(my $chunk = encode_base64(prng_bytes(65535))) =~ s/\n/$eol/g;
		print $o $chunk;
	}
	print $o "$eol--=-big-1--$eol";
	close $o or die "$out: $!\n";
	exit 0;
} elsif ($kind eq 'nomime') {
	$body = $vn;
} else {
	die "unknown kind $kind\n";
}

my $msg = join("\n", @h) . "\n\n" . $body;
$msg =~ s/\n/$eol/g;
open(my $o, '>:raw', $out) or die "$out: $!\n";
print $o $msg;
close $o or die "$out: $!\n";
