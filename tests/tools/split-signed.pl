#!/usr/bin/perl
# split-signed.pl MSG OUTDIR - take a delivered multipart/signed message
# apart without any of kyso-milter's code, for the independent verifiers.
#
# Writes OUTDIR/content       the signed first part exactly as RFC 1847 defines
#                             it (after "--B" CRLF up to the CRLF before the
#                             next "--B"), line endings as found in MSG;
#        OUTDIR/content.crlf  the same with every line ending made CRLF (the
#                             canonical form the signature covers);
#        OUTDIR/smime.p7s     the second part's body, base64-decoded (DER);
#        OUTDIR/outer.hdr     the top-level header block (unfolded lines);
#        OUTDIR/info          "content-type=", "protocol=", "micalg=",
#                             "sigtype=", "boundary=" lines.
# Prints the info lines on stdout. Exits 1 (message on stderr) when MSG is
# not a well-formed two-part multipart/signed message.
use strict;
use warnings;
use MIME::Base64 qw(decode_base64);

my ($msg, $out) = @ARGV;
die "usage: split-signed.pl MSG OUTDIR\n" unless defined $out;
-d $out or mkdir $out or die "mkdir $out: $!\n";

sub slurp {
	my ($f) = @_;
	open(my $fh, '<:raw', $f) or die "$f: $!\n";
	local $/;
	my $d = <$fh>;
	close $fh;
	return defined $d ? $d : '';
}

sub spew {
	my ($f, $d) = @_;
	open(my $fh, '>:raw', $f) or die "$f: $!\n";
	print $fh $d or die "$f: $!\n";
	close $fh or die "$f: $!\n";
}

# Header block: everything up to the first empty line. Returns
# (list of unfolded "Name: value" lines, offset of the body).
sub headers {
	my ($d, $start) = @_;
	pos($d) = $start;
	return ([], pos($d)) if $d =~ /\G\r?\n/gc;
	pos($d) = $start;
	$d =~ /\r?\n\r?\n/g or die "no end of header\n";
	my $hend = pos($d);
	my $h = substr($d, $start, $hend - $start);
	$h =~ s/\r?\n\r?\n\z//;
	$h =~ s/\r?\n([ \t])/$1/g;
	return ([split /\r?\n/, $h], $hend);
}

sub header_value {
	my ($lines, $name) = @_;
	for my $l (@$lines) {
		return $1 if $l =~ /^\Q$name\E[ \t]*:[ \t]*(.*)$/i;
	}
	return undef;
}

sub param {
	my ($v, $name) = @_;
	return undef unless defined $v;
	return $1 if $v =~ /;\s*\Q$name\E\s*=\s*"((?:[^"\\]|\\.)*)"/i;
	return $1 if $v =~ /;\s*\Q$name\E\s*=\s*([^;\s]+)/i;
	return undef;
}

my $d = slurp($msg);
my ($outer, $body_at) = headers($d, 0);
my $ct = header_value($outer, 'Content-Type')
    or die "$msg: no Content-Type\n";
$ct =~ m{^\s*multipart/signed\b}i or die "$msg: not multipart/signed: $ct\n";
my $b = param($ct, 'boundary');
die "$msg: no boundary\n" unless defined $b && length $b;
my $protocol = param($ct, 'protocol') // '';
my $micalg = param($ct, 'micalg') // '';

# Delimiter lines: "--B" at the start of a line, optional trailing LWSP.
my @delims;
pos($d) = $body_at;
my $body = $body_at;
while ($d =~ /(?:\A|(?<=\n))--\Q$b\E(--)?[ \t]*(\r?\n|\z)/g) {
	next if $-[0] < $body;
	push @delims, { start => $-[0], end => $+[0], close => defined $1 };
}
die "$msg: need 3 delimiters, found " . scalar(@delims) . "\n" if @delims < 3;
die "$msg: first delimiter is a close delimiter\n" if $delims[0]{close};
die "$msg: second delimiter is a close delimiter\n" if $delims[1]{close};
die "$msg: more than two parts\n" unless $delims[2]{close};

# The line break before a delimiter belongs to the delimiter (RFC 2046).
my $cut = sub {
	my ($from, $to) = @_;
	my $s = substr($d, $from, $to - $from);
	$s =~ s/\r?\n\z// or die "$msg: part does not end with a line break\n";
	return $s;
};
my $content = $cut->($delims[0]{end}, $delims[1]{start});
my $sigpart = $cut->($delims[1]{end}, $delims[2]{start});

my ($sh, $sb) = headers($sigpart, 0);
my $sct = header_value($sh, 'Content-Type') // '';
my $scte = header_value($sh, 'Content-Transfer-Encoding') // '';
$scte =~ /^\s*base64\s*$/i or die "$msg: signature part is not base64 ($scte)\n";
(my $sigtype = $sct) =~ s/\s*;.*//s;
my $der = decode_base64(substr($sigpart, $sb));
die "$msg: empty signature\n" unless length $der;

(my $crlf = $content) =~ s/\r?\n/\r\n/g;

spew("$out/content", $content);
spew("$out/content.crlf", $crlf);
spew("$out/smime.p7s", $der);
spew("$out/outer.hdr", join("\n", @$outer) . "\n");
my $info = "content-type=multipart/signed\nprotocol=$protocol\nmicalg=$micalg\n"
    . "sigtype=$sigtype\nboundary=$b\n";
spew("$out/info", $info);
print $info;
exit 0;
