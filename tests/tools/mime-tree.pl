#!/usr/bin/perl
# mime-tree.pl FILE - print the MIME structure of a message for people:
# one line per entity, indented by depth, with its Content-Type (and
# protocol / micalg / charset / name), Content-Transfer-Encoding and body
# size. Used by contrib/demo.sh; independent of kyso-milter's code.
use strict;
use warnings;

my ($file) = @ARGV;
die "usage: mime-tree.pl FILE\n" unless defined $file;
open(my $fh, '<:raw', $file) or die "$file: $!\n";
my $data = do { local $/; <$fh> };
close $fh;

sub split_entity {
	my ($e) = @_;
	my ($h, $b) = ('', $e);
	if ($e =~ /\A(\r?\n)/) {
		$b = substr($e, length $1);
	} elsif ($e =~ /\A(.*?\r?\n)\r?\n/s) {
		$h = $1;
		$b = substr($e, length($&));
	}
	$h =~ s/\r?\n([ \t])/$1/g;
	my %hdr;
	for my $l (split /\r?\n/, $h) {
		$hdr{lc $1} //= $2 if $l =~ /^([^:\s]+)[ \t]*:[ \t]*(.*)$/;
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
	my ($e, $depth) = @_;
	my ($hdr, $body) = split_entity($e);
	my $ct = $hdr->{'content-type'} // 'text/plain';
	(my $type = lc $ct) =~ s/\s*;.*//s;
	my @p;
	for my $n (qw(protocol micalg charset name)) {
		my $v = param($ct, $n);
		push @p, "$n=$v" if defined $v;
	}
	my $cte = $hdr->{'content-transfer-encoding'} // '7bit';
	my $line = ('  ' x $depth) . "- $type" . (@p ? ' (' . join(', ', @p) . ')' : '');
	if ($type =~ m{^multipart/}) {
		print "$line\n";
		my $b = param($ct, 'boundary') // return;
		my @d;
		while ($body =~ /(?:\A|(?<=\n))--\Q$b\E(--)?[ \t]*(?:\r?\n|\z)/g) {
			push @d, [$-[0], $+[0]];
			last if defined $1;
		}
		for my $i (0 .. $#d - 1) {
			my $part = substr($body, $d[$i][1], $d[$i + 1][0] - $d[$i][1]);
			$part =~ s/\r?\n\z//;
			walk($part, $depth + 1);
		}
	} else {
		printf "%s, %s, %d bytes\n", $line, lc $cte, length $body;
	}
}
walk($data, 0);
