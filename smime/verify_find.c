/*
 * verify_find.c - locate the S/MIME signature of a message in its raw
 * bytes and say what it covers.
 *
 * Works on the bytes as received, never on a re-serialisation: for a
 * detached multipart/signed the signed content is exactly the octets
 * between the first "--B" delimiter line and the CRLF before the next one
 * (RFC 2046 5.1.1). GMime is used only to parse Content-Type values. The
 * signature counts for the whole message only when it is the top-level
 * entity (IMAP part "TEXT"); anywhere else it is reported with its IMAP
 * part number (RFC 7281 body.smime-part) and is partial.
 *
 * One structure, read the same way as recipients read it: a header block
 * with a structure field twice (Content-Type, Content-Transfer-Encoding,
 * MIME-Version) is read from its first instance here but from its last by
 * GMime and many clients, so a signature found in such a message - in
 * either reading, at any depth, wherever the duplicate is - is malformed.
 */
#include <string.h>

#include <gmime/gmime.h>
#include <openssl/err.h>

#include "kyso/limits.h"
#include "rawmime.h"
#include "verify_int.h"

/* One reading of the structure: the first instance of each field (what
 * this verifier acts on) or the last (what GMime and many clients read). */
struct walker {
	struct kyso_found *f;
	int last;
	int probe; /* only whether there is a signature (found): nothing is
	              decoded that found does not depend on */
};

static char *
field(const struct walker *w, struct kyso_span hdr, const char *name)
{
	return w->last ? kyso_raw_header_value_last(hdr, name)
	               : kyso_raw_header_value(hdr, name);
}

static GMimeContentType *
content_type_of(const struct walker *w, struct kyso_span hdr)
{
	char *v = field(w, hdr, "Content-Type");
	GMimeContentType *ct;

	ct = g_mime_content_type_parse(NULL, v ? v : "text/plain");
	g_free(v);
	return ct;
}

/* Is `type` application/<base> or application/x-<base>? */
static int
is_pkcs7(GMimeContentType *ct, const char *base)
{
	const char *t = g_mime_content_type_get_media_type(ct);
	const char *s = g_mime_content_type_get_media_subtype(ct);

	if (t == NULL || s == NULL || g_ascii_strcasecmp(t, "application"))
		return 0;
	if (g_ascii_strncasecmp(s, "x-", 2) == 0)
		s += 2;
	return g_ascii_strcasecmp(s, base) == 0;
}

static int
str_is_pkcs7(const char *type, const char *base)
{
	GMimeContentType *ct;
	int r;

	if (type == NULL)
		return 0;
	ct = g_mime_content_type_parse(NULL, type);
	r = ct != NULL && is_pkcs7(ct, base);
	if (ct != NULL)
		g_object_unref(ct);
	return r;
}

/* Decode body per the entity's Content-Transfer-Encoding, a window at a
 * time (the body may be in a mapped message: rawmime.h). Its size comes
 * from the input: NULL when it does not fit in memory (g_try_malloc). */
static GByteArray *
decode_body(const struct walker *w, struct kyso_span hdr, struct kyso_span body)
{
	char *cte = field(w, hdr, "Content-Transfer-Encoding");
	GMimeContentEncoding enc = cte
	    ? g_mime_content_encoding_from_string(cte)
	    : GMIME_CONTENT_ENCODING_DEFAULT;
	GMimeEncoding st;
	guint8 *out;
	size_t n = 0, at, step, cap;

	g_free(cte);
	if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
	    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_UUENCODE) {
		if ((out = g_try_malloc(body.len + 1)) == NULL)
			return NULL;
		for (at = 0; at < body.len; at += step) {
			step = MIN(body.len - at, (size_t)KYSO_MAP_WINDOW);
			memcpy(out + at, body.p + at, step);
			kyso_raw_trim(body.p + at + step);
		}
		return g_byte_array_new_take(out, body.len);
	}
	g_mime_encoding_init_decode(&st, enc);
	/* each step writes at most outlen(its input), and all of them
	 * together no more than outlen(body) */
	cap = g_mime_encoding_outlen(&st, body.len) + 16;
	if ((out = g_try_malloc(cap)) == NULL)
		return NULL;
	for (at = 0; at < body.len; at += step) {
		step = MIN(body.len - at, (size_t)KYSO_MAP_WINDOW);
		if (body.len - at > step)
			n += g_mime_encoding_step(&st, body.p + at, step,
			    (char *)out + n);
		else
			n += g_mime_encoding_flush(&st, body.p + at, step,
			    (char *)out + n);
		kyso_raw_trim(body.p + at + step);
	}
	if (body.len == 0)
		n = g_mime_encoding_flush(&st, body.p, 0, (char *)out);
	return g_byte_array_new_take(out, n);
}

/* Split a multipart body into its parts. Returns the parts; *closed says
 * whether the close delimiter was seen. Without it the last part runs to
 * the end of the body, as GMime and mail clients read it (a part the
 * split dropped would be one the recipient sees and we do not). */
static GArray *
split_multipart(struct kyso_span body, const char *b, int *closed)
{
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(struct kyso_span));
	const char *p = body.p, *end = body.p + body.len;
	const char *start = NULL; /* content start of the current part */
	size_t blen = strlen(b);

	*closed = 0;
	while (p < end) {
		const char *le = kyso_raw_next_line(p, end);
		int d = kyso_raw_is_delimiter(p, end, b, blen);

		if (d > 0) {
			if (start != NULL) {
				/* the line end before the delimiter belongs
				 * to the delimiter */
				const char *ce = p;
				struct kyso_span s;

				if (ce > start && ce[-1] == '\n')
					ce--;
				if (ce > start && ce[-1] == '\r')
					ce--;
				s.p = start;
				s.len = (size_t)(ce - start);
				g_array_append_val(parts, s);
			}
			if (d == 2) {
				*closed = 1;
				break;
			}
			start = le;
		}
		p = le;
	}
	if (!*closed && start != NULL && start <= end) {
		struct kyso_span s = {start, (size_t)(end - start)};

		g_array_append_val(parts, s);
	}
	return parts;
}

int
kyso_verify_is_signed_data(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	int r = 0;

	if (cms != NULL)
		r = OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed;
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

static void
set_found(struct kyso_found *f, const char *prefix, int top)
{
	f->found = 1;
	f->whole = top;
	f->part = g_strdup(top ? "TEXT" : prefix);
}

static void
malformed(struct kyso_found *f, const char *why)
{
	f->malformed = 1;
	if (f->malformed_reason == NULL)
		f->malformed_reason = g_strdup(why);
}

/* The Content-Transfer-Encoding of a multipart entity (header hdr) when
 * it is one RFC 2045 6.4 forbids there (anything but 7bit, 8bit, binary),
 * else NULL. A client that decodes it anyway (mutt does) reads other
 * parts than the raw structure: a quoted-printable soft line break joins
 * a delimiter to the line before it. g_free. */
static char *
multipart_encoding(const struct walker *w, struct kyso_span hdr)
{
	char *cte = field(w, hdr, "Content-Transfer-Encoding");

	if (cte == NULL)
		return NULL;
	(void)g_strstrip(cte);
	if (g_ascii_strcasecmp(cte, "7bit") == 0 ||
	    g_ascii_strcasecmp(cte, "8bit") == 0 ||
	    g_ascii_strcasecmp(cte, "binary") == 0) {
		g_free(cte);
		return NULL;
	}
	return cte;
}

/* multipart/signed: ct is its type, hdr its header, body its body.
 * Returns 1 when it is an S/MIME signature (found filled), 0 when it is
 * some other protocol. */
static int
take_detached(const struct walker *w, GMimeContentType *ct,
    struct kyso_span hdr0, struct kyso_span body, const char *prefix, int top)
{
	struct kyso_found *f = w->f;
	const char *proto = g_mime_content_type_get_parameter(ct, "protocol");
	const char *b = g_mime_content_type_get_parameter(ct, "boundary");
	GMimeContentType *sct = NULL;
	struct kyso_span hdr, sbody, *parts;
	GArray *arr = NULL;
	char *cte = NULL;
	int closed, rc = 1;

	/* RFC 8551 3.10 / P9: standard or x- name, quoted or not; a missing
	 * protocol is judged by the second part's type */
	if (proto != NULL && !str_is_pkcs7(proto, "pkcs7-signature"))
		return 0;
	if (b == NULL || b[0] == '\0') {
		if (proto == NULL)
			return 0;
		set_found(f, prefix, top);
		malformed(f, "multipart/signed without boundary");
		return 1;
	}
	arr = split_multipart(body, b, &closed);
	parts = (struct kyso_span *)(void *)arr->data;
	if (arr->len >= 2) {
		kyso_raw_split_entity(parts[1], &hdr, &sbody);
		sct = content_type_of(w, hdr);
		if (proto == NULL && !is_pkcs7(sct, "pkcs7-signature")) {
			rc = 0;
			goto out;
		}
	} else if (proto == NULL) {
		rc = 0;
		goto out;
	}
	set_found(f, prefix, top);
	if ((cte = multipart_encoding(w, hdr0)) != NULL) {
		char *why = g_strdup_printf("multipart/signed with "
		                            "Content-Transfer-Encoding %.40s",
		    cte);

		malformed(f, why);
		g_free(why);
		goto out;
	}
	if (arr->len != 2) {
		malformed(f,
		    arr->len < 2 ? "multipart/signed with fewer than two parts"
		                 : "multipart/signed with more than two parts");
		goto out;
	}
	if (!is_pkcs7(sct, "pkcs7-signature")) {
		malformed(f,
		    "second part of multipart/signed is not "
		    "application/pkcs7-signature");
		goto out;
	}
	if (!closed) {
		/* what follows the signature part is the recipient's to read
		 * however its client likes: no structure to vouch for */
		malformed(f, "multipart/signed without its close delimiter");
		goto out;
	}
	f->content = parts[0].p;
	f->content_len = parts[0].len;
	f->sig_part = parts[1].p;
	f->sig_part_len = parts[1].len;
	if ((f->cms_der = decode_body(w, hdr, sbody)) == NULL)
		f->oom = 1;
out:
	g_free(cte);
	if (sct != NULL)
		g_object_unref(sct);
	g_array_free(arr, TRUE);
	return rc;
}

/* application/(x-)pkcs7-mime or a .p7m octet-stream: 1 when signed-data */
static int
take_opaque(const struct walker *w, GMimeContentType *ct, struct kyso_span hdr,
    struct kyso_span body, const char *prefix, int top)
{
	struct kyso_found *f = w->f;
	const char *st = g_mime_content_type_get_parameter(ct, "smime-type");
	GByteArray *der;

	if (st != NULL && g_ascii_strcasecmp(st, "signed-data") != 0) {
		/* enveloped-data, authEnveloped-data, compressed-data,
		 * certs-only: nothing of ours to verify */
		if (top &&
		    (g_ascii_strcasecmp(st, "enveloped-data") == 0 ||
		        g_ascii_strcasecmp(st, "authEnveloped-data") == 0))
			f->encrypted = 1;
		return 0;
	}
	if (w->probe && st != NULL) {
		/* declared signed-data is found however its body decodes */
		set_found(f, prefix, top);
		f->opaque = 1;
		return 1;
	}
	if ((der = decode_body(w, hdr, body)) == NULL) {
		set_found(f, prefix, top);
		f->oom = 1;
		return 1;
	}
	if (!kyso_verify_is_signed_data(der->data, der->len)) {
		if (st == NULL) {
			/* unlabelled: encrypted or garbage; not a signature */
			if (top && is_pkcs7(ct, "pkcs7-mime"))
				f->encrypted = 1;
			g_byte_array_unref(der);
			return 0;
		}
		set_found(f, prefix, top);
		f->opaque = 1;
		malformed(f, "pkcs7-mime signed-data is not a CMS SignedData");
		g_byte_array_unref(der);
		return 1;
	}
	set_found(f, prefix, top);
	f->opaque = 1;
	f->cms_der = der;
	return 1;
}

static int
has_p7m_name(const struct walker *w, struct kyso_span hdr, GMimeContentType *ct)
{
	const char *name = g_mime_content_type_get_parameter(ct, "name");
	char *cd = field(w, hdr, "Content-Disposition");
	int r = 0;

	if (name != NULL && g_str_has_suffix(name, ".p7m"))
		r = 1;
	if (cd != NULL && strstr(cd, ".p7m") != NULL)
		r = 1;
	g_free(cd);
	return r;
}

static void
walk(const struct walker *w, struct kyso_span e, const char *prefix, int top,
    int depth)
{
	struct kyso_found *f = w->f;
	struct kyso_span hdr, body, *parts;
	GMimeContentType *ct;
	const char *b;
	GArray *arr;
	guint i;
	int closed;

	if (depth > KYSO_MAX_MIME_DEPTH)
		return;
	kyso_raw_split_entity(e, &hdr, &body);
	if ((ct = content_type_of(w, hdr)) == NULL)
		return;
	if (g_mime_content_type_is_type(ct, "multipart", "signed")) {
		if (take_detached(w, ct, hdr, body, prefix, top))
			goto out;
	} else if (g_mime_content_type_is_type(ct, "multipart", "encrypted")) {
		f->encrypted = top;
		goto out;
	}
	if (is_pkcs7(ct, "pkcs7-mime") ||
	    (g_mime_content_type_is_type(ct, "application", "octet-stream") &&
	        has_p7m_name(w, hdr, ct))) {
		(void)take_opaque(w, ct, hdr, body, prefix, top);
		goto out;
	}
	if (g_mime_content_type_is_type(ct, "multipart", "*")) {
		b = g_mime_content_type_get_parameter(ct, "boundary");
		if (b == NULL || b[0] == '\0')
			goto out;
		arr = split_multipart(body, b, &closed);
		parts = (struct kyso_span *)(void *)arr->data;
		for (i = 0; i < arr->len && !f->found; i++) {
			char *spec = kyso_raw_child_spec(prefix, (int)i + 1);

			walk(w, parts[i], spec, 0, depth + 1);
			g_free(spec);
		}
		g_array_free(arr, TRUE);
	} else if (g_mime_content_type_is_type(ct, "message", "rfc822") ||
	    g_mime_content_type_is_type(ct, "message", "global")) {
		/* a forwarded message: its signature is never ours (P16) */
		walk(w, body, prefix[0] ? prefix : "1", 0, depth + 1);
	}
out:
	g_object_unref(ct);
}

/* Why entity e (at `prefix`, see kyso_raw_place()) may be read two ways, or
 * NULL: the first structure field that occurs twice in one header block of any
 * entity in it - every part, signed, signature or unsigned, forwarded
 * messages too - or nesting deeper than we follow. Below a duplicate the
 * structure itself is ambiguous, so the first one found is the answer.
 * g_free the result. */
static char *
ambiguity(struct kyso_span e, const char *prefix, int inner, int depth)
{
	struct kyso_span hdr, body, *parts;
	GMimeContentType *ct = NULL;
	const char *dup, *b;
	char *why = NULL, *where, *v;
	GArray *arr;
	guint i;
	int closed;

	if (depth > KYSO_MAX_MIME_DEPTH)
		return g_strdup("MIME nesting too deep");
	kyso_raw_split_entity(e, &hdr, &body);
	if ((dup = kyso_raw_duplicate_field(hdr)) != NULL) {
		where = kyso_raw_place(prefix, inner);
		why = g_strdup_printf("duplicate %s %s", dup, where);
		g_free(where);
		return why;
	}
	v = kyso_raw_header_value(hdr, "Content-Type");
	ct = v != NULL ? g_mime_content_type_parse(NULL, v) : NULL;
	g_free(v);
	if (ct == NULL)
		return NULL;
	if (g_mime_content_type_is_type(ct, "multipart", "*") &&
	    (b = g_mime_content_type_get_parameter(ct, "boundary")) != NULL &&
	    b[0] != '\0') {
		arr = split_multipart(body, b, &closed);
		parts = (struct kyso_span *)(void *)arr->data;
		for (i = 0; i < arr->len && why == NULL; i++) {
			char *spec = kyso_raw_child_spec(prefix, (int)i + 1);

			why = ambiguity(parts[i], spec, 0, depth + 1);
			g_free(spec);
		}
		g_array_free(arr, TRUE);
	} else if (g_mime_content_type_is_type(ct, "message", "rfc822") ||
	    g_mime_content_type_is_type(ct, "message", "global")) {
		why = ambiguity(body, prefix[0] ? prefix : "1", 1, depth + 1);
	}
	g_object_unref(ct);
	return why;
}

char *
kyso_verify_ambiguity(const char *p, size_t len)
{
	struct kyso_span e = {p != NULL ? p : "", p != NULL ? len : 0};

	return ambiguity(e, "", 0, 0);
}

/* kyso_verify_find(); with `probe` only f->found is meant (walker) */
static void
find(const char *raw, size_t len, struct kyso_found *f, int probe)
{
	/* an empty message may come as NULL: no arithmetic on a null pointer */
	struct kyso_span e = {raw != NULL ? raw : "", raw != NULL ? len : 0};
	struct kyso_found other;
	struct walker w = {f, 0, probe};
	char *why;

	memset(f, 0, sizeof(*f));
	walk(&w, e, "", 1, 0);
	if ((why = ambiguity(e, "", 0, 0)) == NULL)
		return;
	if (!f->found) {
		/* the recipient's reading may show a signature ours did not */
		memset(&other, 0, sizeof(other));
		w.f = &other;
		w.last = 1;
		walk(&w, e, "", 1, 0);
		if (other.found) {
			kyso_verify_found_clear(f);
			*f = other;
		} else {
			kyso_verify_found_clear(&other);
		}
	}
	if (f->found) {
		/* the ambiguity is the first thing wrong with it */
		g_free(f->malformed_reason);
		f->malformed_reason = NULL;
		malformed(f, why);
	}
	g_free(why);
}

void
kyso_verify_find(const char *raw, size_t len, struct kyso_found *f)
{
	find(raw, len, f, 0);
}

int
kyso_verify_has_signature(const char *raw, size_t len)
{
	struct kyso_found f;
	int r;

	/* a large signed-data attachment is not decoded to be counted */
	find(raw, len, &f, 1);
	r = f.found;
	kyso_verify_found_clear(&f);
	return r;
}

void
kyso_verify_found_clear(struct kyso_found *f)
{
	g_free(f->malformed_reason);
	g_free(f->part);
	if (f->cms_der != NULL)
		g_byte_array_unref(f->cms_der);
	memset(f, 0, sizeof(*f));
}
