/*
 * test_netlist.c - InternalHosts networks: IPv4 and IPv6 CIDR edges,
 * IPv4-mapped addresses, client address forms, every parse error and the
 * file form with its file:line errors.
 */
#include <string.h>

#include "../../policy/config_int.h"
#include "harness.h"
#include "policy_fixture.h"

struct probe {
	const char *list; /* comma list */
	const char *ip;   /* client address */
	int want;
};

static const struct probe probes[] = {
    /* IPv4 host and network edges */
    {"127.0.0.1", "127.0.0.1", 1},
    {"127.0.0.1", "127.0.0.2", 0},
    {"10.0.0.0/8", "10.255.255.255", 1},
    {"10.0.0.0/8", "10.0.0.0", 1},
    {"10.0.0.0/8", "11.0.0.0", 0},
    {"10.0.0.0/8", "9.255.255.255", 0},
    {"192.168.1.128/25", "192.168.1.127", 0},
    {"192.168.1.128/25", "192.168.1.128", 1},
    {"192.168.1.128/25", "192.168.1.255", 1},
    {"172.16.0.0/12", "172.31.255.255", 1},
    {"172.16.0.0/12", "172.32.0.0", 0},
    {"203.0.113.7/32", "203.0.113.7", 1},
    {"203.0.113.7/32", "203.0.113.6", 0},
    {"203.0.113.7/31", "203.0.113.6", 1},
    {"0.0.0.0/0", "8.8.8.8", 1},
    {"0.0.0.0/0", "::1", 0},
    {"10.1.2.3/8", "10.200.0.1", 1}, /* host bits ignored */
    /* IPv6 */
    {"::1", "::1", 1},
    {"::1", "::2", 0},
    {"::1", "127.0.0.1", 0},
    {"2001:db8::/32", "2001:db8:ffff::1", 1},
    {"2001:db8::/32", "2001:db9::1", 0},
    {"2001:db8::/33", "2001:db8:7fff::1", 1},
    {"2001:db8::/33", "2001:db8:8000::1", 0},
    {"2001:db8::1/128", "2001:DB8::1", 1},
    {"2001:db8::1/127", "2001:db8::0", 1},
    {"2001:db8::1/127", "2001:db8::2", 0},
    {"fe80::/10", "fe80::1%eth0", 1},
    {"fe80::/10", "febf::1", 1},
    {"fe80::/10", "fec0::1", 0},
    {"::/0", "2001:db8::1", 1},
    {"::/0", "10.0.0.1", 0},
    /* client forms */
    {"::1", "IPv6:::1", 1},
    {"2001:db8::/32", "ipv6:2001:db8::5", 1},
    {"127.0.0.1", "::ffff:127.0.0.1", 1}, /* v4-mapped client */
    {"10.0.0.0/8", "::ffff:10.9.8.7", 1},
    {"::ffff:10.0.0.0/104", "10.1.1.1", 1}, /* v4-mapped network */
    {"::ffff:10.0.0.0/104", "11.1.1.1", 0},
    /* lists */
    {"127.0.0.1, ::1", "::1", 1},
    {"127.0.0.1 ::1,10.0.0.0/8", "10.1.1.1", 1},
    {"127.0.0.1, ::1", "192.0.2.1", 0},
    /* client addresses that are not addresses */
    {"0.0.0.0/0", "", 0},
    {"0.0.0.0/0", "localhost", 0},
    {"0.0.0.0/0", "1.2.3", 0},
    {"0.0.0.0/0", "1.2.3.4 ", 0},
    {"::/0", "[::1]", 0},
};

/* Entries that must be refused. */
static const char *const bad[] = {
    "10.0.0.0/33",
    "::/129",
    "10.0.0.0/",
    "10.0.0.0/-1",
    "10.0.0.0/8x",
    "10.0.0.0/08000",
    "10.0.0",
    "256.1.1.1",
    "example.org",
    "1.2.3.4/8/8",
    "fe80::1%eth0",
    "IPv6:::1",
    "::1::2",
    "/8",
    "10.0.0.1 /8",
};

int
main(void)
{
	struct kyso_err err = {0};
	struct kyso_netlist *nl;
	char want[512];
	const char *cfg, *file;
	size_t i;

	fx_init();
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const struct probe *p = &probes[i];

		nl = kyso_netlist_load(p->list, "cfg", 1, &err);
		CHECK(nl != NULL && kyso_netlist_contains(nl, p->ip) == p->want,
		    "[%s] %s %s", p->list, p->want ? "contains" : "excludes",
		    p->ip);
		kyso_netlist_free(nl);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nl = kyso_netlist_new();
		kyso_err_clear(&err);
		CHECK(kyso_netlist_add(nl, bad[i], &err) == -1 &&
		        err.cls == KYSO_E_CONFIG &&
		        strstr(err.msg, "bad address or network") != NULL &&
		        kyso_netlist_count(nl) == 0,
		    "refuses \"%s\": %s", bad[i], err.msg);
		kyso_netlist_free(nl);
	}

	nl = kyso_netlist_load("none", "cfg", 1, &err);
	CHECK(nl != NULL && kyso_netlist_count(nl) == 0 &&
	        !kyso_netlist_contains(nl, "127.0.0.1"),
	    "\"none\" is an empty list");
	kyso_netlist_free(nl);
	CHECK(!kyso_netlist_contains(NULL, "127.0.0.1") &&
	        !kyso_netlist_contains(nl = kyso_netlist_new(), NULL),
	    "NULL list or address matches nothing");
	kyso_netlist_free(nl);

	nl =
	    kyso_netlist_load("127.0.0.1, 10.0.0.0/40", "/etc/k.conf", 7, &err);
	CHECK(nl == NULL &&
	        strcmp(err.msg,
	            "/etc/k.conf:7: InternalHosts: bad address "
	            "or network \"10.0.0.0/40\"") == 0,
	    "inline list error names the config line: %s", err.msg);

	file = fx_write("hosts",
	    "# internal networks\n"
	    "127.0.0.1\n"
	    "\n"
	    "10.0.0.0/8   # office\n"
	    "2001:db8::/32, 192.0.2.0/24\n");
	nl = kyso_netlist_load(file, "cfg", 1, &err);
	CHECK(nl != NULL && kyso_netlist_count(nl) == 4,
	    "file form: 4 entries, comments and blank lines skipped");
	CHECK(nl != NULL && kyso_netlist_contains(nl, "10.3.3.3") &&
	        kyso_netlist_contains(nl, "192.0.2.9") &&
	        kyso_netlist_contains(nl, "2001:db8::9") &&
	        !kyso_netlist_contains(nl, "192.0.3.1"),
	    "file form matches its entries only");
	kyso_netlist_free(nl);

	file = fx_write("hosts2", "127.0.0.1\n\n10.0.0.0/8\nbogus\n");
	nl = kyso_netlist_load(file, "cfg", 1, &err);
	(void)snprintf(want, sizeof(want),
	    "%s:4: bad address or network \"bogus\"", file);
	CHECK(nl == NULL && strcmp(err.msg, want) == 0,
	    "file error names the file and line: %s", err.msg);

	/* the entry that matched, for the log line of internal mail */
	nl = kyso_netlist_load("192.0.2.7, 10.1.2.3/8, 2001:DB8::1/32, "
	                       "::ffff:172.16.0.0/108",
	    "cfg", 1, &err);
	{
		static const char *const hit[][2] = {
		    {"192.0.2.7", "192.0.2.7/32"},
		    {"10.200.0.1", "10.0.0.0/8"},
		    {"IPv6:2001:db8:ffff::2", "2001:db8::/32"},
		    {"::ffff:10.9.9.9", "10.0.0.0/8"},
		    {"172.16.3.4", "172.16.0.0/12"},
		};
		char entry[64] = "junk";

		for (i = 0; i < sizeof(hit) / sizeof(hit[0]); i++)
			CHECK(nl != NULL &&
			        kyso_netlist_match(nl, hit[i][0], entry,
			            sizeof(entry)) == 1 &&
			        strcmp(entry, hit[i][1]) == 0,
			    "match %s: entry %s (got %s)", hit[i][0], hit[i][1],
			    entry);
		CHECK(nl != NULL &&
		        kyso_netlist_match(nl, "192.0.2.8", entry,
		            sizeof(entry)) == 0 &&
		        entry[0] == '\0',
		    "no match: entry left empty");
	}
	kyso_netlist_free(nl);
	CHECK(kyso_netlist_is_loopback("127.0.0.1") &&
	        kyso_netlist_is_loopback("127.255.0.9") &&
	        kyso_netlist_is_loopback("::1") &&
	        kyso_netlist_is_loopback("::ffff:127.0.0.1") &&
	        !kyso_netlist_is_loopback("0.0.0.0") &&
	        !kyso_netlist_is_loopback("::") &&
	        !kyso_netlist_is_loopback("128.0.0.1") &&
	        !kyso_netlist_is_loopback("::2") &&
	        !kyso_netlist_is_loopback("localhost") &&
	        !kyso_netlist_is_loopback("127.0.0.1.evil.org") &&
	        !kyso_netlist_is_loopback(NULL),
	    "loopback addresses: 127.0.0.0/8 and ::1 only");

	cfg = fx_path("missing-hosts");
	nl = kyso_netlist_load(cfg, "cfg", 1, &err);
	(void)snprintf(want, sizeof(want),
	    "%s: cannot open: No such file or directory", cfg);
	CHECK(nl == NULL && err.cls == KYSO_E_CONFIG &&
	        strcmp(err.msg, want) == 0,
	    "missing file: %s", err.msg);
	return TEST_DONE();
}
