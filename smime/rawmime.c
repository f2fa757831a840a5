/*
 * rawmime.c - the line structure of a raw MIME entity (see rawmime.h):
 * header block, unfolded field values, boundary delimiter lines. Shared by
 * verification (verify_find.c) and co-signing (cosign.c).
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/limits.h"
#include "rawmime.h"

/* The mapped message the scans of this thread read (rawmime.h). */
static __thread struct kyso_raw_view view;

struct kyso_raw_view
kyso_raw_view_set(const char *base, size_t len)
{
	struct kyso_raw_view old = view;

	view.base = view.mark = base;
	view.end = base != NULL ? base + len : NULL;
	return old;
}

void
kyso_raw_view_restore(struct kyso_raw_view v)
{
	view = v;
}

static const char *
page_down(const char *p)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);

	return (const char *)((uintptr_t)p & ~(pg - 1));
}

void
kyso_raw_trim(const char *p)
{
	const char *lo, *hi;
	size_t away;

	if (view.base == NULL || p < view.base || p > view.end)
		return;
	away =
	    p > view.mark ? (size_t)(p - view.mark) : (size_t)(view.mark - p);
	if (away < KYSO_MAP_WINDOW / 2)
		return;
	view.mark = p;
	lo = (size_t)(p - view.base) > KYSO_MAP_WINDOW
	    ? page_down(p - KYSO_MAP_WINDOW)
	    : view.base;
	hi = (size_t)(view.end - p) > 2 * KYSO_MAP_WINDOW
	    ? page_down(p + KYSO_MAP_WINDOW)
	    : view.end;
	/* only the resident size depends on these: a failure is harmless */
	if (lo > view.base)
		(void)madvise((void *)(uintptr_t)view.base,
		    (size_t)(lo - view.base), MADV_DONTNEED);
	if (hi < view.end)
		(void)madvise((void *)(uintptr_t)hi, (size_t)(view.end - hi),
		    MADV_DONTNEED);
}

size_t
kyso_raw_eol_len(const char *p, const char *end)
{
	if (p < end && *p == '\n')
		return 1;
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

const char *
kyso_raw_next_line(const char *p, const char *end)
{
	const char *nl;
	size_t n;

	/* a long line is searched a window at a time, trimming behind */
	for (;;) {
		n = MIN((size_t)(end - p), (size_t)KYSO_MAP_WINDOW);
		if ((nl = memchr(p, '\n', n)) != NULL) {
			kyso_raw_trim(nl);
			return nl + 1;
		}
		p += n;
		if (p >= end)
			return end;
		kyso_raw_trim(p);
	}
}

int
kyso_raw_split_entity(struct kyso_span e, struct kyso_span *hdr,
    struct kyso_span *body)
{
	const char *p = e.p, *end = e.p + e.len;
	size_t n;

	hdr->p = e.p;
	/* an entity that starts with an empty line has no header fields */
	if ((n = kyso_raw_eol_len(p, end)) > 0) {
		hdr->len = 0;
		body->p = p + n;
		body->len = (size_t)(end - body->p);
		return 1;
	}
	while (p < end) {
		const char *le = kyso_raw_next_line(p, end);

		if (le[-1] != '\n')
			break;
		p = le;
		if ((n = kyso_raw_eol_len(p, end)) > 0) {
			hdr->len = (size_t)(p - e.p);
			body->p = p + n;
			body->len = (size_t)(end - body->p);
			return 1;
		}
	}
	hdr->len = e.len;
	body->p = end;
	body->len = 0;
	return 0;
}

const char *const kyso_raw_structure_fields[] = {"Content-Type",
    "Content-Transfer-Encoding", "MIME-Version", NULL};

/* The first byte after the colon when the line at p (ending at le) is the
 * field `name` (any case, blanks allowed before the colon, as GMime reads
 * it), else NULL. */
static const char *
field_at(const char *p, const char *le, const char *name, size_t nlen)
{
	const char *q = p + nlen;

	if ((size_t)(le - p) <= nlen || g_ascii_strncasecmp(p, name, nlen) != 0)
		return NULL;
	while (q < le && (*q == ' ' || *q == '\t'))
		q++;
	return q < le && *q == ':' ? q + 1 : NULL;
}

/* Unfolded, trimmed value starting at q (after the colon). */
static char *
unfold(const char *q, const char *end)
{
	const char *le = kyso_raw_next_line(q, end);
	GString *v = g_string_new(NULL);

	for (;;) {
		for (; q < le; q++)
			if (*q != '\r' && *q != '\n')
				g_string_append_c(v, *q);
		if (le >= end || (*le != ' ' && *le != '\t'))
			break;
		/* a continuation line */
		q = le;
		le = kyso_raw_next_line(le, end);
	}
	return g_strstrip(g_string_free(v, FALSE));
}

/* Scan hdr for field `name`: returns the value start of its first (or,
 * with `last`, last) instance, or NULL; *count gets how many there are. */
static const char *
find_field(struct kyso_span hdr, const char *name, int last, unsigned *count)
{
	const char *p = hdr.p, *end = hdr.p + hdr.len, *found = NULL, *q;
	size_t nlen = strlen(name);

	*count = 0;
	for (; p < end; p = kyso_raw_next_line(p, end)) {
		if ((q = field_at(p, kyso_raw_next_line(p, end), name, nlen)) ==
		    NULL)
			continue;
		++*count;
		if (found == NULL || last)
			found = q;
		if (!last)
			break;
	}
	return found;
}

char *
kyso_raw_header_value(struct kyso_span hdr, const char *name)
{
	unsigned n;
	const char *q = find_field(hdr, name, 0, &n);

	return q != NULL ? unfold(q, hdr.p + hdr.len) : NULL;
}

char *
kyso_raw_header_value_last(struct kyso_span hdr, const char *name)
{
	unsigned n;
	const char *q = find_field(hdr, name, 1, &n);

	return q != NULL ? unfold(q, hdr.p + hdr.len) : NULL;
}

const char *
kyso_raw_duplicate_field(struct kyso_span hdr)
{
	unsigned n;
	int i;

	for (i = 0; kyso_raw_structure_fields[i] != NULL; i++) {
		(void)find_field(hdr, kyso_raw_structure_fields[i], 1, &n);
		if (n > 1)
			return kyso_raw_structure_fields[i];
	}
	return NULL;
}

int
kyso_raw_is_delimiter(const char *p, const char *end, const char *b,
    size_t blen)
{
	const char *q;
	int kind;

	if ((size_t)(end - p) < blen + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, b, blen) != 0)
		return 0;
	q = p + 2 + blen;
	kind = 1;
	if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
		kind = 2;
		q += 2;
	}
	/* only transport padding may follow: "--B--x" is neither (GMime and
	 * clients read on past it, so must we) */
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return (q == end || kyso_raw_eol_len(q, end) > 0) ? kind : 0;
}

char *
kyso_raw_child_spec(const char *spec, int i)
{
	return spec[0] ? g_strdup_printf("%s.%d", spec, i)
	               : g_strdup_printf("%d", i);
}

char *
kyso_raw_place(const char *spec, int inner)
{
	if (inner)
		return g_strdup_printf("in the message in part %s", spec);
	return spec[0] ? g_strdup_printf("in part %s", spec)
	               : g_strdup("at the top level");
}

GPtrArray *
kyso_raw_header_values(struct kyso_span hdr, const char *name)
{
	const char *p = hdr.p, *end = hdr.p + hdr.len, *q;
	size_t nlen = strlen(name);
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	for (; p < end; p = kyso_raw_next_line(p, end))
		if ((q = field_at(p, kyso_raw_next_line(p, end), name, nlen)) !=
		    NULL)
			g_ptr_array_add(a, unfold(q, end));
	return a;
}
