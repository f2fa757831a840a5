# ports.sh - loopback ports for the shell tests (sourced by
# tests/integration/lib.sh and the unit tests that start responders; POSIX sh
# but for port_listening, which needs bash's /dev/tcp).
#   port_listening PORT   something accepts connections on 127.0.0.1:PORT
#   port_bindable PORT    a server could bind and listen on PORT now (with
#                         SO_REUSEADDR, as smtp-sink and Postfix do)
#   free_port [SKIP...]   a bindable port below the kernel's ephemeral range,
#                         not one of SKIP: a port to bind later (written
#                         into certificates, say). Ports from the ephemeral
#                         range can be taken meanwhile by any client
#                         connection; these cannot.
port_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_bindable() {
	perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => $ARGV[0], Proto => "tcp", Listen => 1, ReuseAddr => 1)' "$1"
}
# the first port of the kernel's ephemeral range (32768 when unknown)
ephemeral_low() {
	local low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || low=32768
	[ "${low:-0}" -gt 12000 ] || low=32768
	echo "$low"
}
free_port() {
	perl -MIO::Socket::INET -e '
		my ($low, @skip) = @ARGV;
		my %skip = map { $_ => 1 } @skip;
		for (1 .. 500) {
			my $p = 10000 + int(rand($low - 10000));
			next if $skip{$p};
			if (IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p,
			    Proto => "tcp", Listen => 1, ReuseAddr => 1)) {
				print "$p\n";
				exit 0;
			}
		}
		exit 1' "$(ephemeral_low)" "$@"
}
