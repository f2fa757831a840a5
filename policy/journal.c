/*
 * journal.c - the per-message journal (include/kyso/policy/journal.h): the KJ2
 * line format (KJ1 still read) with its escapes, its parser, the record made
 * from a processed message's facts (struct kyso_outcome_facts: the record only
 * encodes them, it never reads log text or our own headers), and the
 * append-only file.
 *
 * A line is built completely in memory and appended with one write() on an
 * O_APPEND descriptor, so concurrent writers (threads, a second daemon)
 * never interleave. A failing journal never fails mail: errors go back to
 * the caller, who logs them. Never logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/journal.h"
#include "kyso/policy/verdict.h"

struct kyso_journal {
	int fd;
	int sync;
	char *path;
	char host[KYSO_JOURNAL_MAX_HOST + 1];
	char id_prefix[32]; /* "start-pid-" */
};

/* Record ids' counter, for the whole process: a journal opened again in
 * the same second (a reload) has the same prefix, never the same id. */
static guint64 next_id; /* atomic */

/* ---- escaping ---- */

static const char hexdig[] = "0123456789ABCDEF";

static size_t
hex_byte(unsigned char c, char *out)
{
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hexdig[c >> 4];
	out[3] = hexdig[c & 15];
	return 4;
}

/* Length of the valid UTF-8 sequence at p, or 0. Reads no further than
 * the first byte that is not a continuation byte (so never past a NUL). */
static size_t
utf8_len(const unsigned char *p)
{
	size_t len, i;

	if (*p >= 0xc2 && *p <= 0xdf)
		len = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		len = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates and code points past U+10FFFF */
	return g_utf8_validate_len((const char *)p, len, NULL) ? len : 0;
}

/* Characters that could break a line or mislead a reader (Cc, Cf, Zl,
 * Zp: C1 controls, bidi overrides, U+2028/9) are escaped. */
static int
unsafe_char(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONTROL:
	case G_UNICODE_FORMAT:
	case G_UNICODE_LINE_SEPARATOR:
	case G_UNICODE_PARAGRAPH_SEPARATOR:
		return 1;
	default:
		return 0;
	}
}

/* Escaped form of the character at p into out (16 bytes at most); *used
 * receives the source bytes consumed. */
static size_t
escape_one(const unsigned char *p, char *out, size_t *used)
{
	size_t len, i, n = 0;

	*used = 1;
	switch (*p) {
	case '\\':
		memcpy(out, "\\\\", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	default:
		break;
	}
	if (*p < 0x20 || *p == 0x7f)
		return hex_byte(*p, out);
	if (*p < 0x80) {
		out[0] = (char)*p;
		return 1;
	}
	if ((len = utf8_len(p)) == 0)
		return hex_byte(*p, out);
	*used = len;
	if (unsafe_char(g_utf8_get_char((const char *)p))) {
		for (i = 0; i < len; i++)
			n += hex_byte(p[i], out + n);
		return n;
	}
	memcpy(out, p, len);
	return len;
}

size_t
kyso_journal_escape(const char *src, char *dst, size_t cap)
{
	const unsigned char *p = (const unsigned char *)src;
	char unit[16];
	size_t n = 0, ulen, used;

	if (src[0] == '\0' || strcmp(src, "-") == 0) {
		/* absent is "-", a real "-" is "\-" */
		(void)g_strlcpy(dst, src[0] == '\0' ? "-" : "\\-", cap + 1);
		return strlen(dst);
	}
	while (*p != '\0') {
		ulen = escape_one(p, unit, &used);
		if (n + ulen > cap)
			break; /* cut at a character boundary */
		memcpy(dst + n, unit, ulen);
		n += ulen;
		p += used;
	}
	dst[n] = '\0';
	return n;
}

/* Append one escaped field and its separator (TAB, or LF for the last). */
static size_t
put_field(char *line, size_t n, const char *value, size_t cap, char sep)
{
	n += kyso_journal_escape(value, line + n, cap);
	line[n++] = sep;
	return n;
}

static void
format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)g_strlcpy(buf, "1970-01-01T00:00:00Z", len);
}

size_t
kyso_journal_format(const struct kyso_journal_record *rec, char *line)
{
	char when[32], num[16];
	size_t n = 0;

	format_time(rec->time, when, sizeof(when));
	n = put_field(line, n, KYSO_JOURNAL_VERSION, 8, '\t');
	n = put_field(line, n, when, 24, '\t');
	n = put_field(line, n, rec->queue_id, KYSO_JOURNAL_MAX_QUEUE_ID, '\t');
	n = put_field(line, n, rec->dir == KYSO_JOURNAL_OUT ? "out" : "in", 4,
	    '\t');
	n = put_field(line, n, rec->origin, KYSO_JOURNAL_MAX_ORIGIN, '\t');
	n = put_field(line, n, rec->from, KYSO_JOURNAL_MAX_FROM, '\t');
	n = put_field(line, n, rec->cert_id, KYSO_JOURNAL_MAX_CERT_ID, '\t');
	n = put_field(line, n, rec->serial, KYSO_JOURNAL_MAX_SERIAL, '\t');
	n = put_field(line, n, rec->issuer, KYSO_JOURNAL_MAX_ISSUER, '\t');
	n = put_field(line, n, rec->result, KYSO_JOURNAL_MAX_RESULT, '\t');
	n = put_field(line, n, rec->reason, KYSO_JOURNAL_MAX_REASON, '\t');
	n = put_field(line, n, rec->login, KYSO_JOURNAL_MAX_LOGIN, '\t');
	n = put_field(line, n, rec->client, KYSO_JOURNAL_MAX_CLIENT, '\t');
	n = put_field(line, n, rec->host, KYSO_JOURNAL_MAX_HOST, '\t');
	n = put_field(line, n, rec->id, KYSO_JOURNAL_MAX_ID, '\t');
	(void)snprintf(num, sizeof(num), "%u",
	    rec->signers > KYSO_JOURNAL_MAX_SIGNERS ? KYSO_JOURNAL_MAX_SIGNERS
	                                            : rec->signers);
	n = put_field(line, n, num, 12, '\t');
	n = put_field(line, n, rec->kinds, KYSO_JOURNAL_MAX_KINDS, '\n');
	line[n] = '\0';
	return n;
}

/* ---- parsing ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo the escapes of field [s, e) into dst (cap bytes plus NUL). */
static int
unescape(const char *s, const char *e, char *dst, size_t cap, const char **why)
{
	size_t n = 0;
	int hi, lo;
	char c;

	if (e - s == 1 && *s == '-') {
		dst[0] = '\0';
		return 0;
	}
	if (e - s == 2 && s[0] == '\\' && s[1] == '-') {
		(void)g_strlcpy(dst, "-", cap + 1);
		return 0;
	}
	for (; s < e; s++) {
		c = *s;
		if ((unsigned char)c < 0x20 || c == 0x7f) {
			*why = "raw control character";
			return -1;
		}
		if (c == '\\') {
			if (++s == e) {
				*why = "backslash at the end";
				return -1;
			}
			switch (*s) {
			case '\\':
				c = '\\';
				break;
			case 't':
				c = '\t';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 'x':
				if (e - s < 3 || (hi = hexval(s[1])) < 0 ||
				    (lo = hexval(s[2])) < 0 ||
				    (hi == 0 && lo == 0)) {
					*why = "bad \\x escape";
					return -1;
				}
				c = (char)(hi << 4 | lo);
				s += 2;
				break;
			default:
				*why = "unknown escape";
				return -1;
			}
		}
		if (n >= cap) {
			*why = "too long";
			return -1;
		}
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* Digits s[0..n) as a number, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) exactly; -1 on anything else. */
static int
parse_time(const char *s, size_t len, time_t *out)
{
	struct tm tm, back;
	time_t t;

	if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1 ||
	    tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return -1;
	back = tm;
	t = timegm(&tm);
	/* timegm normalises 02-30 into March: refuse such dates */
	if (t == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	*out = t;
	return 0;
}

#define KYSO_JOURNAL_NFIELDS     17
/* KJ1: with login and client, and before they were added */
#define KYSO_JOURNAL_NFIELDS_KJ1 13
#define KYSO_JOURNAL_NFIELDS_OLD 11

/* The signers field: a decimal count, at most KYSO_JOURNAL_MAX_SIGNERS. */
static int
parse_signers(const char *s, const char *e, unsigned *out)
{
	unsigned v = 0;

	if (e - s < 1 || e - s > 4) /* KYSO_JOURNAL_MAX_SIGNERS: 4 digits */
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Which version fields [fs[0], fe[0]) names with nf fields; -1: neither
 * KJ2 with all its fields nor KJ1 with thirteen or eleven. */
static int
line_version(const char *fs, const char *fe, size_t nf)
{
	size_t len = (size_t)(fe - fs);

	if (len == 3 && memcmp(fs, KYSO_JOURNAL_VERSION, 3) == 0)
		return nf == KYSO_JOURNAL_NFIELDS ? 2 : -1;
	if (len == 3 && memcmp(fs, KYSO_JOURNAL_VERSION_OLD, 3) == 0)
		return nf == KYSO_JOURNAL_NFIELDS_KJ1 ||
		        nf == KYSO_JOURNAL_NFIELDS_OLD
		    ? 1
		    : -1;
	return -1;
}

int
kyso_journal_parse(const char *line, size_t len,
    struct kyso_journal_record *rec, struct kyso_err *err)
{
	const char *fs[KYSO_JOURNAL_NFIELDS], *fe[KYSO_JOURNAL_NFIELDS];
	const char *p, *end;
	struct {
		char *dst;
		size_t cap;
	} str[KYSO_JOURNAL_NFIELDS] = {
	    {NULL, 0}, /* version */
	    {NULL, 0}, /* time */
	    {rec->queue_id, KYSO_JOURNAL_MAX_QUEUE_ID},
	    {NULL, 0}, /* dir */
	    {rec->origin, KYSO_JOURNAL_MAX_ORIGIN},
	    {rec->from, KYSO_JOURNAL_MAX_FROM},
	    {rec->cert_id, KYSO_JOURNAL_MAX_CERT_ID},
	    {rec->serial, KYSO_JOURNAL_MAX_SERIAL},
	    {rec->issuer, KYSO_JOURNAL_MAX_ISSUER},
	    {rec->result, KYSO_JOURNAL_MAX_RESULT},
	    {rec->reason, KYSO_JOURNAL_MAX_REASON},
	    {rec->login, KYSO_JOURNAL_MAX_LOGIN},
	    {rec->client, KYSO_JOURNAL_MAX_CLIENT},
	    {rec->host, KYSO_JOURNAL_MAX_HOST},
	    {rec->id, KYSO_JOURNAL_MAX_ID},
	    {NULL, 0}, /* signers */
	    {rec->kinds, KYSO_JOURNAL_MAX_KINDS},
	};
	const char *why = NULL;
	size_t i, nf = 0;

	memset(rec, 0, sizeof(*rec));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= KYSO_JOURNAL_MAX_LINE || memchr(line, '\0', len) != NULL) {
		kyso_err_set(err, KYSO_E_INPUT, "line too long or holds NUL");
		return -1;
	}
	end = line + len;
	fs[nf] = line;
	for (p = line; p < end; p++) {
		if (*p != '\t')
			continue;
		if (nf + 1 == KYSO_JOURNAL_NFIELDS) {
			kyso_err_set(err, KYSO_E_INPUT, "more than %d fields",
			    KYSO_JOURNAL_NFIELDS);
			return -1;
		}
		fe[nf++] = p;
		fs[nf] = p + 1;
	}
	fe[nf++] = end;
	if (line_version(fs[0], fe[0], nf) < 0) {
		kyso_err_set(err, KYSO_E_INPUT, "not a %s or %s record",
		    KYSO_JOURNAL_VERSION, KYSO_JOURNAL_VERSION_OLD);
		return -1;
	}
	if (nf == KYSO_JOURNAL_NFIELDS &&
	    parse_signers(fs[15], fe[15], &rec->signers) < 0) {
		kyso_err_set(err, KYSO_E_INPUT, "field 16: not a count");
		return -1;
	}
	if (parse_time(fs[1], (size_t)(fe[1] - fs[1]), &rec->time) < 0) {
		kyso_err_set(err, KYSO_E_INPUT, "field 2: bad time");
		return -1;
	}
	if (fe[3] - fs[3] == 3 && memcmp(fs[3], "out", 3) == 0)
		rec->dir = KYSO_JOURNAL_OUT;
	else if (fe[3] - fs[3] == 2 && memcmp(fs[3], "in", 2) == 0)
		rec->dir = KYSO_JOURNAL_IN;
	else {
		kyso_err_set(err, KYSO_E_INPUT, "field 4: not in or out");
		return -1;
	}
	for (i = 0; i < nf; i++) {
		if (str[i].dst == NULL)
			continue;
		if (unescape(fs[i], fe[i], str[i].dst, str[i].cap, &why) < 0) {
			kyso_err_set(err, KYSO_E_INPUT, "field %zu: %s", i + 1,
			    why);
			return -1;
		}
	}
	return 0;
}

/* ---- records from processed messages ---- */

/* The result word: the class, or for a verdict the smime= result. */
static const char *
result_word(const struct kyso_outcome_facts *f)
{
	if (f->cls == KYSO_OC_VERIFIED)
		return kyso_result_name(f->inbound.result);
	return kyso_outcome_class_name(f->cls);
}

void
kyso_journal_record_fill(struct kyso_journal_record *rec,
    const struct kyso_outcome *o, int apply_failed, time_t now)
{
	const struct kyso_outcome_facts *f = &o->facts;

	memset(rec, 0, sizeof(*rec));
	rec->time = now;
	(void)g_strlcpy(rec->queue_id, f->queue_id, sizeof(rec->queue_id));
	rec->dir = f->origin == KYSO_ORIGIN_EXTERNAL ? KYSO_JOURNAL_IN
	                                             : KYSO_JOURNAL_OUT;
	(void)g_strlcpy(rec->origin, kyso_origin_name(f->origin),
	    sizeof(rec->origin));
	(void)g_strlcpy(rec->from, f->from, sizeof(rec->from));
	(void)g_strlcpy(rec->cert_id, f->cert_id, sizeof(rec->cert_id));
	(void)g_strlcpy(rec->serial, f->serial, sizeof(rec->serial));
	(void)g_strlcpy(rec->issuer, f->issuer, sizeof(rec->issuer));
	(void)g_strlcpy(rec->result, result_word(f), sizeof(rec->result));
	(void)g_strlcpy(rec->reason, f->reason, sizeof(rec->reason));
	(void)g_strlcpy(rec->login, f->login, sizeof(rec->login));
	(void)g_strlcpy(rec->client, f->client, sizeof(rec->client));
	rec->signers = f->signers;
	(void)g_strlcpy(rec->kinds, f->kinds, sizeof(rec->kinds));
	if (apply_failed) {
		(void)g_strlcpy(rec->result, "error", sizeof(rec->result));
		(void)g_strlcpy(rec->reason, "MTA refused a change",
		    sizeof(rec->reason));
	}
}

/* ---- the file ---- */

struct kyso_journal *
kyso_journal_open(const char *path, int sync, struct kyso_err *err)
{
	struct kyso_journal *j = NULL;
	struct stat st;
	int fd;

	/* O_NOFOLLOW: the daemon may open it as root in a directory the mail
	 * user can write */
	fd = open(path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
	    0640);
	if (fd < 0) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: cannot open: %s", path,
		    g_strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: not a regular file",
		    path);
		(void)close(fd);
		return NULL;
	}
	j = kyso_xcalloc(1, sizeof(*j));
	j->fd = fd;
	j->sync = sync;
	j->path = kyso_xstrdup(path);
	if (gethostname(j->host, sizeof(j->host) - 1) < 0)
		j->host[0] = '\0';
	/* unique on this host: no two writers share an opening second and a
	 * process id */
	(void)snprintf(j->id_prefix, sizeof(j->id_prefix), "%lld-%ld-",
	    (long long)time(NULL), (long)getpid());
	return j;
}

void
kyso_journal_set_host(struct kyso_journal *j, const char *host)
{
	if (host != NULL && host[0] != '\0')
		(void)g_strlcpy(j->host, host, sizeof(j->host));
}

void
kyso_journal_stamp(const struct kyso_journal *j,
    struct kyso_journal_record *rec)
{
	guint64 n = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);

	(void)g_strlcpy(rec->host, j->host, sizeof(rec->host));
	(void)snprintf(rec->id, sizeof(rec->id), "%s%llu", j->id_prefix,
	    (unsigned long long)n);
}

void
kyso_journal_close(struct kyso_journal *j)
{
	if (j == NULL)
		return;
	(void)close(j->fd);
	free(j->path);
	free(j);
}

const char *
kyso_journal_path(const struct kyso_journal *j)
{
	return j->path;
}

int
kyso_journal_append(const struct kyso_journal *j,
    const struct kyso_journal_record *rec, struct kyso_err *err)
{
	char line[KYSO_JOURNAL_MAX_LINE + 1];
	size_t len = kyso_journal_format(rec, line);
	ssize_t n;

	/* one write() per record: O_APPEND keeps concurrent lines whole */
	do
		n = write(j->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: write: %s", j->path,
		    g_strerror(errno));
		return -1;
	}
	if ((size_t)n != len) {
		kyso_err_set(err, KYSO_E_TEMP,
		    "%s: short write (%zd of %zu bytes; disk full?)", j->path,
		    n, len);
		return -1;
	}
	if (j->sync && fdatasync(j->fd) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: fdatasync: %s", j->path,
		    g_strerror(errno));
		return -1;
	}
	return 0;
}

int
kyso_journal_outcome(const struct kyso_journal *j, const struct kyso_outcome *o,
    int apply_failed, time_t now, struct kyso_err *err)
{
	struct kyso_journal_record rec;

	if (j == NULL)
		return 0;
	kyso_journal_record_fill(&rec, o, apply_failed, now);
	kyso_journal_stamp(j, &rec);
	return kyso_journal_append(j, &rec, err);
}
