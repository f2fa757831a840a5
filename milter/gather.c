/*
 * gather.c - one message from an MTA into the bounded spool: header fields
 * counted against the limits and spooled as CRLF bytes, then the blank
 * line, then the body. The daemon feeds it from libmilter's callbacks, the
 * offline mode from a file; the processing core reads the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "gather.h"
#include "kyso_milter.h"

struct kyso_gather *
kyso_gather_new(const struct kyso_settings *st)
{
	struct kyso_gather *g = kyso_xcalloc(1, sizeof(*g));

	g->spool =
	    kyso_spool_new(st->spool_memory, st->tmp_dir, st->max_message);
	return g;
}

void
kyso_gather_free(struct kyso_gather *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nheaders; i++) {
		free(g->headers[i].name);
		free(g->headers[i].value);
	}
	free(g->headers);
	kyso_spool_free(g->spool);
	free(g);
}

/* Spool bytes; past the size ceiling stop buffering, on I/O failure
 * remember why (answered at end of message). */
static void
spool_put(struct kyso_gather *g, const void *buf, size_t len)
{
	struct kyso_err err = {0};

	if (g->too_big || g->io_error)
		return;
	if (kyso_spool_write(g->spool, buf, len, &err) < 0) {
		if (err.cls == KYSO_E_INPUT) {
			g->too_big = 1;
		} else {
			g->io_error = 1;
			(void)snprintf(g->io_reason, sizeof(g->io_reason),
			    "%.150s", err.msg);
		}
	}
}

void
kyso_header_crlf(GString *out, const char *name, const char *value, int leadspc)
{
	const char *p, *nl;

	g_string_append(out, name);
	g_string_append(out, leadspc ? ":" : ": ");
	for (p = value; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		size_t len = (size_t)(nl - p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		g_string_append_len(out, p, (gssize)len);
		g_string_append(out, "\r\n");
	}
	g_string_append(out, p);
	g_string_append(out, "\r\n");
}

void
kyso_gather_header(struct kyso_gather *g, const char *name, const char *value,
    int leadspc)
{
	size_t size = strlen(name) + strlen(value) + 4;
	GString *bytes;

	if (g->nheaders >= KYSO_MAX_HEADERS ||
	    g->header_bytes + size > KYSO_MAX_HEADER_BYTES) {
		g->header_overflow = 1;
		return;
	}
	if (g->nheaders == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 32;
		g->headers =
		    kyso_xrealloc(g->headers, g->cap * sizeof(*g->headers));
	}
	g->headers[g->nheaders].name = kyso_xstrdup(name);
	/* policy sees the value without the leading blank */
	g->headers[g->nheaders].value = kyso_xstrdup(
	    leadspc && (*value == ' ' || *value == '\t') ? value + 1 : value);
	g->nheaders++;
	g->header_bytes += size;
	bytes = g_string_sized_new(size + 16);
	kyso_header_crlf(bytes, name, value, leadspc);
	spool_put(g, bytes->str, bytes->len);
	g_string_free(bytes, TRUE);
}

void
kyso_gather_eoh(struct kyso_gather *g)
{
	spool_put(g, "\r\n", 2);
	g->body_offset = kyso_spool_size(g->spool);
}

void
kyso_gather_body(struct kyso_gather *g, const void *buf, size_t len)
{
	spool_put(g, buf, len);
}

const char *
kyso_gather_failure(const struct kyso_gather *g)
{
	if (g->io_error)
		return g->io_reason;
	if (g->header_overflow)
		return "too many header fields";
	return NULL;
}
