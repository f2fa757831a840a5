#!/usr/bin/perl
# mime-digest.pl FILE [DUMPDIR] - describe what a MIME entity *says*,
# independently of its transfer encodings, so the tests can check that the
# signed part, decoded, equals the original message (written for the tests;
# shares no code with kyso-milter, which uses GMime).
#
# Prints one line per leaf part, in tree order:
#     <path> <type>[;charset=<cs>] <sha256 of the decoded body>
# where path is "1", "1.2", ... (multipart children numbered from 1), type
# and charset lower-cased, the body decoded from base64 / quoted-printable
# (7bit/8bit/binary taken as is), and for text/* parts line endings
# normalised to LF (a text part's line breaks are CRLF on the wire and LF
# in a local file; both mean the same text). message/rfc822 parts are
# leaves (hashed as is, LF-normalised). With DUMPDIR, each decoded body is
# also written to DUMPDIR/<path>.
use strict;
use warnings;
use MIME::Base64 qw(decode_base64);
use MIME::QuotedPrint qw(decode_qp);
use Digest::SHA qw(sha256_hex);

my ($file, $dump) = @ARGV;
die "usage: mime-digest.pl FILE [DUMPDIR]\n" unless defined $file;
open(my $fh, '<:raw', $file) or die "$file: $!\n";
my $data = do { local $/; <$fh> };
close $fh;
mkdir $dump if defined $dump && !-d $dump;

# split an entity into (header lines unfolded, body)
sub split_entity {
	my ($e) = @_;
	my ($h, $b);
	if ($e =~ /\A(\r?\n)/) {
		($h, $b) = ('', substr($e, length $1));
	} elsif ($e =~ /\A(.*?\r?\n)\r?\n/s) {
		$h = $1;
		$b = substr($e, length($&));
	} else {
		($h, $b) = ($e, '');
	}
	$h =~ s/\r?\n([ \t])/$1/g;
	my %hdr;
	for my $l (split /\r?\n/, $h) {
		next unless $l =~ /^([^:\s]+)[ \t]*:[ \t]*(.*)$/;
		my $k = lc $1;
		$hdr{$k} = $2 unless exists $hdr{$k};
	}
	return (\%hdr, $b);
}

sub param {
	my ($v, $name) = @_;
	return $1 if $v =~ /;\s*\Q$name\E\s*=\s*"((?:[^"\\]|\\.)*)"/i;
	return $1 if $v =~ /;\s*\Q$name\E\s*=\s*([^;\s]+)/i;
	return undef;
}

sub walk {
	my ($e, $path) = @_;
	my ($hdr, $body) = split_entity($e);
	my $ct = $hdr->{'content-type'} // 'text/plain; charset=us-ascii';
	(my $type = lc $ct) =~ s/\s*;.*//s;
	$type =~ s/\s+//g;
	$type = 'text/plain' unless $type =~ m{/};
	if ($type =~ m{^multipart/}) {
		my $b = param($ct, 'boundary');
		die "$path: multipart without boundary\n" unless defined $b;
		my @d;
		while ($body =~ /(?:\A|(?<=\n))--\Q$b\E(--)?[ \t]*(?:\r?\n|\z)/g) {
			push @d, [$-[0], $+[0], defined $1];
			last if defined $1;
		}
		die "$path: no parts\n" if @d < 2;
		for my $i (0 .. $#d - 1) {
			my $part = substr($body, $d[$i][1], $d[$i + 1][0] - $d[$i][1]);
			$part =~ s/\r?\n\z//;
			walk($part, $path eq '' ? $i + 1 : "$path." . ($i + 1));
		}
		return;
	}
	my $cte = lc($hdr->{'content-transfer-encoding'} // '7bit');
	$cte =~ s/\s+//g;
	my $dec;
	if ($cte eq 'base64') {
		$dec = decode_base64($body);
	} elsif ($cte eq 'quoted-printable') {
		(my $lf = $body) =~ s/\r\n/\n/g;
		$dec = decode_qp($lf);
	} else {
		$dec = $body;
	}
	$dec =~ s/\r\n/\n/g if $type =~ m{^(text|message)/};
	my $cs = param($ct, 'charset');
	my $label = $type . (defined $cs ? ';charset=' . lc $cs : '');
	$path = '1' if $path eq '';
	if (defined $dump) {
		open(my $o, '>:raw', "$dump/$path") or die "$dump/$path: $!\n";
		print $o $dec;
		close $o;
	}
	print "$path $label " . sha256_hex($dec) . "\n";
}

walk($data, '');
