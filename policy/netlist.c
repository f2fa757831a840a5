/*
 * netlist.c - lists of IPv4 and IPv6 networks (InternalHosts) and the
 * membership test for a client address.
 *
 * Entries are addresses or CIDR networks parsed with inet_pton(); host bits
 * past the prefix are ignored (10.1.2.3/8 means 10.0.0.0/8). Client
 * addresses may carry Sendmail's "IPv6:" prefix or a zone suffix, and an
 * IPv4-mapped IPv6 address matches the IPv4 networks. Never logs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config_int.h"

struct kyso_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

struct kyso_netlist {
	struct kyso_net *v;
	size_t n, cap;
};

/* RFC 4291 2.5.5.2 IPv4-mapped IPv6 prefix */
static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
    0xff};

struct kyso_netlist *
kyso_netlist_new(void)
{
	return kyso_xcalloc(1, sizeof(struct kyso_netlist));
}

void
kyso_netlist_free(struct kyso_netlist *nl)
{
	if (nl == NULL)
		return;
	free(nl->v);
	free(nl);
}

size_t
kyso_netlist_count(const struct kyso_netlist *nl)
{
	return nl == NULL ? 0 : nl->n;
}

/* Parse a bare address into family/bytes; 0 ok, -1 not an address.
 * "IPv6:" prefix and "%zone" suffix are dropped; ::ffff:a.b.c.d becomes
 * IPv4. */
static int
parse_addr(const char *text, int *family, unsigned char *addr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *pct;
	size_t len;

	if (g_ascii_strncasecmp(text, "IPv6:", 5) == 0)
		text += 5;
	len = strlen(text);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len + 1);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if ((pct = strchr(buf, '%')) != NULL)
		*pct = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return -1;
	*family = AF_INET6;
	if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(addr, addr + 12, 4);
		*family = AF_INET;
	}
	return 0;
}

static void
mask_bits(unsigned char *addr, unsigned prefix, size_t bytes)
{
	size_t i;

	for (i = 0; i < bytes; i++) {
		unsigned first = 8 * (unsigned)i, keep = 0;

		if (prefix >= first + 8)
			keep = 8;
		else if (prefix > first)
			keep = prefix - first;
		addr[i] &= (unsigned char)(0xff00u >> keep);
	}
}

int
kyso_netlist_add(struct kyso_netlist *nl, const char *text,
    struct kyso_err *err)
{
	char buf[INET6_ADDRSTRLEN + 16], shown[64];
	struct kyso_net net = {0};
	char *slash;
	unsigned long prefix;
	size_t len = strlen(text);

	kyso_text_printable(shown, sizeof(shown), text);
	if (len >= sizeof(buf) || strchr(text, '%') != NULL ||
	    g_ascii_strncasecmp(text, "IPv6:", 5) == 0)
		goto bad;
	memcpy(buf, text, len + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, net.addr) == 1)
		net.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, net.addr) == 1)
		net.family = AF_INET6;
	else
		goto bad;
	net.prefix = net.family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		char *end = NULL;

		if (*slash < '0' || *slash > '9' || strlen(slash) > 3)
			goto bad;
		prefix = strtoul(slash, &end, 10);
		if (*end != '\0' || prefix > net.prefix)
			goto bad;
		net.prefix = (unsigned)prefix;
	}
	/* ::ffff:a.b.c.d/96+n is the IPv4 network a.b.c.d/n (clients in that
	 * form are matched as IPv4) */
	if (net.family == AF_INET6 && net.prefix >= 96 &&
	    memcmp(net.addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(net.addr, net.addr + 12, 4);
		memset(net.addr + 4, 0, 12);
		net.family = AF_INET;
		net.prefix -= 96;
	}
	mask_bits(net.addr, net.prefix, sizeof(net.addr));
	if (nl->n == nl->cap) {
		nl->cap = nl->cap ? nl->cap * 2 : 8;
		nl->v = kyso_xrealloc(nl->v, nl->cap * sizeof(*nl->v));
	}
	nl->v[nl->n++] = net;
	return 0;
bad:
	kyso_err_set(err, KYSO_E_CONFIG, "bad address or network \"%s\"",
	    shown);
	return -1;
}

int
kyso_netlist_match(const struct kyso_netlist *nl, const char *ip, char *entry,
    size_t len)
{
	unsigned char addr[16] = {0}, masked[16];
	char text[INET6_ADDRSTRLEN];
	int family;
	size_t i;

	if (len > 0)
		entry[0] = '\0';
	if (nl == NULL || ip == NULL || parse_addr(ip, &family, addr) < 0)
		return 0;
	for (i = 0; i < nl->n; i++) {
		const struct kyso_net *net = &nl->v[i];

		if (net->family != family)
			continue;
		memcpy(masked, addr, sizeof(masked));
		mask_bits(masked, net->prefix, sizeof(masked));
		if (memcmp(masked, net->addr, family == AF_INET ? 4 : 16) != 0)
			continue;
		if (len > 0 &&
		    inet_ntop(family, net->addr, text, sizeof(text)) != NULL)
			(void)snprintf(entry, len, "%s/%u", text, net->prefix);
		return 1;
	}
	return 0;
}

int
kyso_netlist_contains(const struct kyso_netlist *nl, const char *ip)
{
	return kyso_netlist_match(nl, ip, NULL, 0);
}

int
kyso_netlist_is_loopback(const char *ip)
{
	unsigned char addr[16] = {0};
	static const unsigned char v6loop[16] = {[15] = 1};
	int family;

	if (ip == NULL || parse_addr(ip, &family, addr) < 0)
		return 0;
	return family == AF_INET ? addr[0] == 127
	                         : memcmp(addr, v6loop, sizeof(v6loop)) == 0;
}

/* Add every comma/space separated entry of one line. */
static int
add_list(struct kyso_netlist *nl, const char *text, struct kyso_err *err)
{
	struct kyso_strlist l;
	size_t i;
	int rc = 0;

	kyso_text_split(text, &l);
	for (i = 0; i < l.n && rc == 0; i++)
		rc = kyso_netlist_add(nl, l.v[i], err);
	kyso_text_strlist_free(&l);
	return rc;
}

/* kyso_lines_each: one line of an InternalHosts file, errors at its
 * file:line. */
static int
file_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	if (add_list(ctx, line, err) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s", err->msg);
		return -1;
	}
	return 0;
}

struct kyso_netlist *
kyso_netlist_load(const char *value, const char *cfgfile, unsigned cfgline,
    struct kyso_err *err)
{
	struct kyso_netlist *nl = kyso_netlist_new();

	if (g_ascii_strcasecmp(value, "none") == 0)
		return nl;
	if (value[0] != '/') {
		if (add_list(nl, value, err) < 0) {
			kyso_text_err_at(err, cfgfile, cfgline,
			    "InternalHosts: %s", err->msg);
			goto fail;
		}
		return nl;
	}
	if (kyso_lines_each(value, file_line, nl, err) < 0)
		goto fail;
	return nl;
fail:
	kyso_netlist_free(nl);
	return NULL;
}
