/*
 * text.c - small string helpers for policy/: list splitting, ASCII
 * lower-casing, DNS-name syntax, the printable filter for anything
 * untrusted that ends up in a reason or an error, and "file:line:" errors.
 *
 * Pure functions over caller memory; never logs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config_int.h"

static void
split(const char *text, const char *seps, struct kyso_strlist *out)
{
	const char *p = text, *start;
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	while (p != NULL && *p != '\0') {
		while (*p != '\0' && strchr(seps, *p) != NULL)
			p++;
		start = p;
		while (*p != '\0' && strchr(seps, *p) == NULL)
			p++;
		if (p == start)
			continue;
		if (out->n + 1 >= cap) {
			cap = cap ? cap * 2 : 8;
			out->v = kyso_xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n++] = kyso_xstrndup(start, (size_t)(p - start));
		out->v[out->n] = NULL;
	}
}

void
kyso_text_split(const char *text, struct kyso_strlist *out)
{
	split(text, ", \t", out);
}

void
kyso_text_words(const char *text, struct kyso_strlist *out)
{
	split(text, " \t", out);
}

void
kyso_text_strlist_free(struct kyso_strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
kyso_text_printable(char *dst, size_t dstlen, const char *src)
{
	size_t i;

	if (dstlen == 0)
		return;
	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[i] = '\0';
}

char *
kyso_text_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

int
kyso_text_is_domain(const char *s)
{
	size_t len = strlen(s), label = 0, i;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			/* RFC 1035: no empty label, none ends in '-' */
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

int
kyso_text_fingerprint(const char *s, char *out)
{
	size_t n = 0;

	if (g_ascii_strncasecmp(s, "sha256:", 7) != 0)
		return -1;
	for (s += 7; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (!g_ascii_isxdigit(*s) || n >= KYSO_FINGERPRINT_HEX)
			return -1;
		out[n++] = g_ascii_tolower(*s);
	}
	out[n] = '\0';
	return n == KYSO_FINGERPRINT_HEX ? 0 : -1;
}

void
kyso_text_err_at(struct kyso_err *err, const char *file, unsigned line,
    const char *fmt, ...)
{
	char problem[sizeof(err->msg)];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	if (line > 0)
		kyso_err_set(err, KYSO_E_CONFIG, "%s:%u: %s", file, line,
		    problem);
	else
		kyso_err_set(err, KYSO_E_CONFIG, "%s: %s", file, problem);
}
