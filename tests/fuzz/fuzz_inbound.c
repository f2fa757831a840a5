/*
 * fuzz_inbound.c - libFuzzer target: the input is a whole received message.
 * Its top-level header is split into fields the way milter/offline.c does
 * (the view libmilter gives the daemon), the message is rebuilt as the
 * daemon's spool holds it (CRLF header lines, then the body) and run through
 * kyso_inbound_process(); the fields also go to kyso_inbound_forged().
 * Checked: no crash or leak, and the headers we would add are well formed
 * (ASCII, folded as LF + TAB, lines under 998 octets), the forged-header
 * list names real fields, highest index first per name.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "kyso/policy/config.h"
#include "kyso/policy/inbound.h"
#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/policy.h"
#include "fuzz_common.h"

static struct kyso_config *cfg;
static time_t now;

static void
setup(void)
{
	struct kyso_err err = {0};
	char path[512];
	char *text;

	kyso_mime_init();
	text = g_strdup_printf("Socket unix:/tmp/x\n"
	                       "Domain hagiang.gov.vn\n"
	                       "AuthservID mail.hagiang.gov.vn\n"
	                       "TrustAnchorFile %s\n"
	                       "TemporaryDirectory %s\n"
	                       "AgencyPolicyOIDs 1.3.6.1.4.1.55555.1.1\n"
	                       "PersonalPolicyOIDs 1.3.6.1.4.1.55555.1.2\n",
	    fz_pki()->ca, fz_dir());
	fz_write(path, sizeof(path), "inbound.conf", text, strlen(text));
	g_free(text);
	if ((cfg = kyso_config_load(path, &err)) == NULL)
		fz_die(err.msg);
	now = time(NULL);
}

/* Split the top-level header into fields with LF-folded values; -1 when a
 * line before the blank line is not a field (the fields so far are kept).
 * *body is the offset of the body. */
static int
split_header(const char *d, size_t len, GPtrArray *names, GPtrArray *values,
    size_t *body)
{
	size_t i = 0;

	*body = len;
	while (i < len && names->len < KYSO_MAX_HEADERS) {
		size_t start = i, eol, colon;
		GString *val;

		if (d[i] == '\n' ||
		    (d[i] == '\r' && i + 1 < len && d[i + 1] == '\n')) {
			*body = i + (d[i] == '\r' ? 2 : 1);
			return 0;
		}
		for (colon = i;
		     colon < len && d[colon] != ':' && d[colon] != '\n';
		     colon++)
			;
		if (colon >= len || d[colon] != ':')
			return -1;
		val = g_string_new(NULL);
		i = colon + 1;
		if (i < len && d[i] == ' ')
			i++;
		for (;;) {
			for (eol = i; eol < len && d[eol] != '\n'; eol++)
				;
			g_string_append_len(val, d + i,
			    (gssize)(eol - i -
			        (eol > i && d[eol - 1] == '\r' ? 1 : 0)));
			i = eol < len ? eol + 1 : len;
			if (i < len && (d[i] == ' ' || d[i] == '\t'))
				g_string_append_c(val, '\n');
			else
				break;
		}
		g_ptr_array_add(names, g_strndup(d + start, colon - start));
		g_ptr_array_add(values, g_string_free(val, FALSE));
	}
	return i < len ? -1 : 0;
}

/* A field value we add: ASCII, no CR, LF only as LF + TAB, lines < 998. */
static void
check_field(const char *name, const char *v)
{
	size_t line = strlen(name) + 2;
	const unsigned char *p;

	if (v == NULL)
		return;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '\n') {
			if (p[1] != '\t')
				abort();
			line = 0;
			continue;
		}
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
			abort();
		if (++line > 998)
			abort();
	}
}

static void
check_forged(const struct kyso_header *h, size_t n,
    const struct kyso_header_ref *del, size_t nd, size_t max)
{
	size_t i, j, count;

	if (nd > max)
		abort();
	for (i = 0; i < nd; i++) {
		if (strcmp(del[i].name, KYSO_AR_HEADER) != 0 &&
		    strcmp(del[i].name, KYSO_VERDICT_HEADER) != 0)
			abort();
		for (count = 0, j = 0; j < n; j++)
			count +=
			    g_ascii_strcasecmp(h[j].name, del[i].name) == 0;
		if (del[i].index < 1 || del[i].index > count)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(del[j].name, del[i].name) == 0 &&
			    del[j].index <= del[i].index)
				abort(); /* not highest first, or twice */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
	struct kyso_header *h = NULL;
	struct kyso_header_ref del[8];
	struct kyso_inbound_result res;
	struct kyso_envelope env;
	struct kyso_err err = {0};
	GByteArray *spool = g_byte_array_new();
	GMimeStream *s;
	size_t body, i, nd;
	const unsigned char *p;
	int split;

	if (cfg == NULL)
		setup();
	split = split_header((const char *)data, size, names, values, &body);
	h = g_new0(struct kyso_header, names->len + 1);
	for (i = 0; i < names->len; i++) {
		h[i].name = g_ptr_array_index(names, i);
		h[i].value = g_ptr_array_index(values, i);
	}
	if (split == 0) {
		for (i = 0; i < names->len; i++) {
			g_byte_array_append(spool, (const guint8 *)h[i].name,
			    (guint)strlen(h[i].name));
			g_byte_array_append(spool, (const guint8 *)": ", 2);
			for (p = (const unsigned char *)h[i].value; *p != '\0';
			     p++) {
				if (*p == '\n')
					g_byte_array_append(spool,
					    (const guint8 *)"\r", 1);
				g_byte_array_append(spool, p, 1);
			}
			g_byte_array_append(spool, (const guint8 *)"\r\n", 2);
		}
		g_byte_array_append(spool, (const guint8 *)"\r\n", 2);
		g_byte_array_append(spool, data + body, (guint)(size - body));
	} else {
		g_byte_array_append(spool, data, (guint)size);
	}

	nd = kyso_inbound_forged(cfg, h, names->len, del, 8);
	check_forged(h, names->len, del, nd, 8);

	memset(&env, 0, sizeof(env));
	env.queue_id = "FUZZ";
	env.client_addr = "192.0.2.1";
	env.client_name = "mx.example.org";
	env.env_from = "x@example.org";
	env.headers = h;
	env.nheaders = names->len;
	memset(&res, 0, sizeof(res));
	s = g_mime_stream_mem_new_with_buffer((const char *)spool->data,
	    spool->len);
	if (kyso_inbound_process(cfg, &env, s, now, &res, &err) == 0) {
		check_field(KYSO_AR_HEADER, res.ar_value);
		check_field(KYSO_VERDICT_HEADER, res.verdict_value);
		if (memchr(res.result, '\0', sizeof(res.result)) == NULL ||
		    memchr(res.log, '\0', sizeof(res.log)) == NULL)
			abort();
		for (p = (const unsigned char *)res.log; *p != '\0'; p++)
			if (*p < 0x20 || *p >= 0x7f)
				abort(); /* log text must be printable */
		if (res.action != KYSO_ACTION_ACCEPT &&
		    res.action != KYSO_ACTION_REJECT &&
		    res.action != KYSO_ACTION_TEMPFAIL)
			abort();
	} else if (err.cls == KYSO_E_NONE) {
		abort();
	}
	kyso_inbound_result_clear(&res);
	g_object_unref(s);
	g_byte_array_unref(spool);
	g_free(h);
	g_ptr_array_unref(names);
	g_ptr_array_unref(values);
	return 0;
}
