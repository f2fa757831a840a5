/*
 * config_parse.c - read an OpenDKIM-style "Key value" file into the raw
 * configuration values, driven by the key table (config_keys.c).
 *
 * Keys are case-insensitive, the value is the rest of the line, trimmed.
 * Unknown, duplicate or valueless keys and bad values are errors naming
 * file:line; defaults go through the same converters as file values.
 * Never logs.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config_int.h"

#define SLOT(v, k, type) ((type *)(void *)((char *)(v) + (k)->offset))

/* Decimal digits only, no sign, no white space; 0 ok, -1 bad. */
static int
parse_decimal(const char *s, unsigned long long *out)
{
	char *end = NULL;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

static int
parse_yesno(const char *s, int *out)
{
	static const char *const yes[] = {"yes", "true", "1", "on", NULL};
	static const char *const no[] = {"no", "false", "0", "off", NULL};
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (g_ascii_strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (g_ascii_strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -1;
}

/* Index of s in the key's word list, or -1. */
static int
choice_index(const struct kyso_config_key *k, const char *s)
{
	int i;

	for (i = 0; k->choices != NULL && k->choices[i] != NULL; i++)
		if (g_ascii_strcasecmp(s, k->choices[i]) == 0)
			return i;
	return -1;
}

static int
bad_choice(const struct kyso_config_key *k, const char *text,
    struct kyso_err *err)
{
	char shown[64], words[160] = "";
	int i;

	for (i = 0; k->choices[i] != NULL; i++) {
		if (i > 0)
			g_strlcat(words, "|", sizeof(words));
		g_strlcat(words, k->choices[i], sizeof(words));
	}
	kyso_text_printable(shown, sizeof(shown), text);
	kyso_err_set(err, KYSO_E_CONFIG, "%s: bad value \"%s\" (want %s)",
	    k->name, shown, words);
	return -1;
}

static int
parse_size(const struct kyso_config_key *k, const char *text, size_t *out,
    struct kyso_err *err)
{
	char digits[32], shown[64];
	unsigned long long n, mult = 1;
	size_t len = strlen(text);

	kyso_text_printable(shown, sizeof(shown), text);
	if (len == 0 || len >= sizeof(digits))
		goto bad;
	memcpy(digits, text, len + 1);
	switch (digits[len - 1]) {
	case 'k':
	case 'K':
		mult = 1024;
		digits[len - 1] = '\0';
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		digits[len - 1] = '\0';
		break;
	default:
		break;
	}
	if (parse_decimal(digits, &n) < 0 || n > ULLONG_MAX / mult)
		goto bad;
	n *= mult;
	if (n < (unsigned long long)k->min || n > (unsigned long long)k->max ||
	    n > SIZE_MAX) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: %s out of range %lld..%lld", k->name, shown, k->min,
		    k->max);
		return -1;
	}
	*out = (size_t)n;
	return 0;
bad:
	kyso_err_set(err, KYSO_E_CONFIG,
	    "%s: bad size \"%s\" (want bytes, optionally with k or m)", k->name,
	    shown);
	return -1;
}

static int
parse_int(const struct kyso_config_key *k, const char *text, int *out,
    struct kyso_err *err)
{
	char shown[64];
	unsigned long long n;

	kyso_text_printable(shown, sizeof(shown), text);
	if (parse_decimal(text, &n) < 0) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: bad number \"%s\"",
		    k->name, shown);
		return -1;
	}
	if (n < (unsigned long long)k->min || n > (unsigned long long)k->max) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: %s out of range %lld..%lld", k->name, shown, k->min,
		    k->max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* libmilter smfi_setconn() forms we accept. */
static int
good_socket(const char *s)
{
	const char *at;

	if (g_ascii_strncasecmp(s, "unix:", 5) == 0)
		return s[5] == '/';
	if (g_ascii_strncasecmp(s, "local:", 6) == 0)
		return s[6] == '/';
	if (g_ascii_strncasecmp(s, "inet:", 5) == 0)
		s += 5;
	else if (g_ascii_strncasecmp(s, "inet6:", 6) == 0)
		s += 6;
	else
		return 0;
	/* port[@host] with a numeric port */
	at = strchr(s, '@');
	if (*s == '\0' || at == s)
		return 0;
	for (; *s != '\0' && s != at; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return at == NULL || at[1] != '\0';
}

/* One word of printable ASCII without ';' or white space (RFC 8601
 * authserv-id is a value token; we keep to what needs no quoting). */
static int
good_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == ';' || *s == '"' ||
		    *s == '(' || *s == ')' || *s == '\\')
			return 0;
	return 1;
}

static int
good_oidlist(const char *s)
{
	struct kyso_strlist l;
	size_t i;
	int ok = 1;

	kyso_text_split(s, &l);
	for (i = 0; i < l.n && ok; i++) {
		const char *p = l.v[i];
		int dots = 0, digits = 0;

		for (; *p != '\0' && ok; p++) {
			if (*p >= '0' && *p <= '9') {
				digits++;
			} else if (*p == '.' && digits > 0) {
				dots++;
				digits = 0;
			} else {
				ok = 0;
			}
		}
		if (dots < 1 || digits == 0)
			ok = 0;
	}
	ok = ok && l.n > 0;
	kyso_text_strlist_free(&l);
	return ok;
}

static void
set_string(char **slot, const char *text)
{
	free(*slot);
	*slot = kyso_xstrdup(text);
}

int
kyso_config_parse_value(const struct kyso_config_key *k,
    struct kyso_config_values *v, const char *text, struct kyso_err *err)
{
	char shown[64];
	int i;

	kyso_text_printable(shown, sizeof(shown), text);
	switch (k->type) {
	case KYSO_KT_STRING:
		break;
	case KYSO_KT_PATH:
		if (text[0] != '/') {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: \"%s\" is not an absolute path", k->name,
			    shown);
			return -1;
		}
		break;
	case KYSO_KT_SOCKET:
		if (!good_socket(text)) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: bad socket \"%s\" (want unix:/path or "
			    "inet:port@host)",
			    k->name, shown);
			return -1;
		}
		break;
	case KYSO_KT_TOKEN:
		if (!good_token(text)) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: bad value \"%s\" (one word of printable "
			    "ASCII)",
			    k->name, shown);
			return -1;
		}
		break;
	case KYSO_KT_OIDLIST:
		if (!good_oidlist(text)) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: bad OID list \"%s\"", k->name, shown);
			return -1;
		}
		break;
	case KYSO_KT_YESNO:
		if (parse_yesno(text, SLOT(v, k, int)) < 0) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: bad value \"%s\" (want yes or no)", k->name,
			    shown);
			return -1;
		}
		return 0;
	case KYSO_KT_INT:
		return parse_int(k, text, SLOT(v, k, int), err);
	case KYSO_KT_SIZE:
		return parse_size(k, text, SLOT(v, k, size_t), err);
	case KYSO_KT_ONFAIL:
		if ((i = choice_index(k, text)) < 0)
			return bad_choice(k, text, err);
		*SLOT(v, k, enum kyso_onfail) = (enum kyso_onfail)i;
		return 0;
	case KYSO_KT_ENVCHECK:
		if ((i = choice_index(k, text)) < 0)
			return bad_choice(k, text, err);
		*SLOT(v, k, enum kyso_envcheck) = (enum kyso_envcheck)i;
		return 0;
	case KYSO_KT_INDEX:
		if ((i = choice_index(k, text)) < 0)
			return bad_choice(k, text, err);
		*SLOT(v, k, int) = i;
		return 0;
	case KYSO_KT_CHOICE:
		if ((i = choice_index(k, text)) < 0)
			return bad_choice(k, text, err);
		set_string(SLOT(v, k, char *), k->choices[i]);
		return 0;
	}
	set_string(SLOT(v, k, char *), text);
	return 0;
}

static int
is_string_type(enum kyso_keytype t)
{
	return t == KYSO_KT_STRING || t == KYSO_KT_PATH ||
	    t == KYSO_KT_SOCKET || t == KYSO_KT_CHOICE || t == KYSO_KT_TOKEN ||
	    t == KYSO_KT_OIDLIST;
}

void
kyso_config_parse_free(struct kyso_config_values *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < kyso_config_nkeys; i++) {
		const struct kyso_config_key *k = &kyso_config_keys[i];

		if (is_string_type(k->type)) {
			free(*SLOT(v, k, char *));
			*SLOT(v, k, char *) = NULL;
		}
	}
}

static int
set_defaults(struct kyso_config_values *v, struct kyso_err *err)
{
	size_t i;

	for (i = 0; i < kyso_config_nkeys; i++) {
		const struct kyso_config_key *k = &kyso_config_keys[i];

		if (k->def != NULL &&
		    kyso_config_parse_value(k, v, k->def, err) < 0) {
			kyso_err_set(err, KYSO_E_INTERNAL,
			    "default of %s does not parse", k->name);
			return -1;
		}
	}
	return 0;
}

/* What parse_line fills: the values, and the line each key was set on. */
struct parse_ctx {
	struct kyso_config_values *v;
	unsigned *lines;
};

/* Handle one "Key value" line (kyso_lines_each). */
static int
parse_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	struct kyso_config_values *v = ((struct parse_ctx *)ctx)->v;
	unsigned *lines = ((struct parse_ctx *)ctx)->lines;
	const struct kyso_config_key *k;
	char *value = line, shown[64];
	size_t idx;

	while (*value != '\0' && *value != ' ' && *value != '\t')
		value++;
	if (*value != '\0')
		*value++ = '\0';
	while (*value == ' ' || *value == '\t')
		value++;
	kyso_text_printable(shown, sizeof(shown), line);
	if ((k = kyso_config_keys_find(line)) == NULL &&
	    kyso_config_key_retired(line) != NULL) {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s: %s", shown,
		    kyso_config_key_retired(line));
		return -1;
	}
	if (k == NULL) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "unknown key \"%s\"", shown);
		return -1;
	}
	idx = (size_t)(k - kyso_config_keys);
	if (lines[idx] != 0) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "duplicate key %s (first set on line %u)", k->name,
		    lines[idx]);
		return -1;
	}
	if (*value == '\0') {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s: missing value",
		    k->name);
		return -1;
	}
	if (kyso_config_parse_value(k, v, value, err) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s", err->msg);
		return -1;
	}
	lines[idx] = lr->lineno;
	return 0;
}

int
kyso_config_parse_file(const char *path, struct kyso_config_values *v,
    unsigned *lines, struct kyso_err *err)
{
	struct parse_ctx ctx = {v, lines};
	size_t i;

	memset(lines, 0, kyso_config_nkeys * sizeof(*lines));
	if (set_defaults(v, err) < 0 ||
	    kyso_lines_each(path, parse_line, &ctx, err) < 0)
		return -1;
	for (i = 0; i < kyso_config_nkeys; i++)
		if (kyso_config_keys[i].required && lines[i] == 0) {
			kyso_text_err_at(err, path, 0,
			    "missing required key %s",
			    kyso_config_keys[i].name);
			return -1;
		}
	return 0;
}
