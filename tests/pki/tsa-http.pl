#!/usr/bin/perl
# tsa-http.pl PORTFILE DIR [PORT] - a small HTTP/1.0 server on 127.0.0.1
# (PORT, or a free port; written to PORTFILE once listening) for the
# timestamp and revocation tests, answering with the real OpenSSL tools:
#   POST /tsa/SECTION  RFC 3161 reply by `openssl ts -reply -section SECTION`
#                      (DIR/tsa.cnf)
#   POST /garbage      200 with bytes that are no timestamp reply
#   POST /ocsp...      OCSP response by `openssl ocsp -reqin` over DIR/index.txt
#   GET /PATH          the file DIR/www/PATH
# One request at a time; every request is logged to DIR/http.log.
use strict;
use warnings;
use IO::Socket::INET;

my ($portfile, $dir, $want) = @ARGV;
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $want || 0,
    Listen => 16, ReuseAddr => 1) or die "listen: $!";
open(my $p, ">", "$portfile.tmp") or die;
print $p $s->sockport, "\n";
close $p;
rename("$portfile.tmp", $portfile) or die;
$SIG{PIPE} = "IGNORE";

sub slurp { my $f = shift; open(my $h, "<", $f) or return undef; binmode $h; local $/; my $d = <$h>; close $h; return $d; }
sub spew { my ($f, $d) = @_; open(my $h, ">", $f) or die; binmode $h; print $h $d; close $h; }
sub answer {
	my ($c, $code, $type, $body) = @_;
	print $c "HTTP/1.0 $code\r\nContent-Type: $type\r\nContent-Length: ",
	    length($body), "\r\nConnection: close\r\n\r\n", $body;
}

while (my $c = $s->accept) {
	binmode $c;
	my $req = <$c>;
	next unless defined $req;
	my ($method, $path) = $req =~ m{^(\S+)\s+(\S+)};
	my $len = 0;
	while (my $l = <$c>) {
		last if $l =~ /^\r?\n$/;
		$len = $1 if $l =~ /^Content-Length:\s*(\d+)/i;
	}
	my $body = "";
	read($c, $body, $len) if $len > 0;
	open(my $log, ">>", "$dir/http.log") or die;
	print $log "$method $path\n";
	close $log;
	spew("$dir/req.der", $body);
	unlink("$dir/resp.der");
	if ($method eq "POST" && $path =~ m{^/tsa/(\w+)$}) {
		system("openssl ts -reply -config $dir/tsa.cnf -section $1 -queryfile $dir/req.der -out $dir/resp.der 2>>$dir/tsa.err");
		my $r = slurp("$dir/resp.der");
		defined $r ? answer($c, "200 OK", "application/timestamp-reply", $r)
		           : answer($c, "500 Error", "text/plain", "no reply\n");
	} elsif ($method eq "POST" && $path eq "/garbage") {
		answer($c, "200 OK", "application/timestamp-reply", "\x30\x03\x02\x01\x07garbage");
	} elsif ($method eq "POST" && $path =~ m{^/ocsp}) {
		system("openssl ocsp -index $dir/index.txt -CA $dir/root.crt -rsigner $dir/root.crt -rkey $dir/root.key -reqin $dir/req.der -respout $dir/resp.der -ndays 400 >/dev/null 2>>$dir/ocsp.err");
		my $r = slurp("$dir/resp.der");
		defined $r ? answer($c, "200 OK", "application/ocsp-response", $r)
		           : answer($c, "500 Error", "text/plain", "no reply\n");
	} elsif ($method eq "GET" && $path !~ /\.\./ && -f "$dir/www$path") {
		answer($c, "200 OK", "application/pkix-crl", slurp("$dir/www$path"));
	} else {
		answer($c, "404 Not Found", "text/plain", "not found\n");
	}
	close $c;
}
