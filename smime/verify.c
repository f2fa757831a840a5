/*
 * verify.c - kyso_verify_message(): find the S/MIME signature of a message
 * (verify_find.c), parse the CMS, compute each signer's content digest over
 * the exact received bytes, and collect per-signer facts (verify_signer.c).
 *
 * Detached content is hashed as received; only if that fails for a signer
 * and the content has bare LF line ends is the CRLF-canonical form tried
 * (RFC 8551 3.1.1: what was signed is canonical CRLF). An opaque
 * SignedData that also travels with detached content must carry the same
 * bytes (CVE-2018-18509 class): otherwise econtent_mismatch.
 *
 * Memory: a message spooled to a file is mapped read-only, not read; the
 * finder's scans and the digest read it a window at a time and the pages
 * behind them are dropped (rawmime.h, kyso_raw_trim), so a large message
 * costs about KYSO_MAP_WINDOW of resident memory, not its size. The CRLF
 * form is streamed into the digest; it is written out (to a spool, memory
 * then file) only when it is what matched. What stays in memory is what
 * the CMS needs: the decoded signature part, and so the whole content of
 * an opaque SignedData (OpenSSL's CMS API decodes it whole), bounded by
 * MaximumMessageSize.
 */
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/spool.h"
#include "rawmime.h"
#include "vcache.h"
#include "verify_int.h"

/* Bare LF line ends (a LF not after a CR) in p[0..len). */
static size_t
bare_lfs(const char *p, size_t len)
{
	const char *q, *le, *end = p + len;
	size_t n = 0;

	for (q = p; q < end; q = le) {
		le = kyso_raw_next_line(q, end);
		n += le[-1] == '\n' && (le - 1 == p || le[-2] != '\r');
	}
	return n;
}

/* Hand the CRLF-canonical form of p[0..len) (a CR before each bare LF) to
 * put() a piece at a time, in order. Stops at put()'s first non-zero
 * return, which it returns. */
static int
canon_pieces(const char *p, size_t len,
    int (*put)(const char *q, size_t n, void *arg), void *arg)
{
	const char *q, *le, *end = p + len;
	int rc = 0;

	for (q = p; q < end && rc == 0; q = le) {
		le = kyso_raw_next_line(q, end);
		if (le[-1] != '\n' || (le - 1 > p && le[-2] == '\r')) {
			rc = put(q, (size_t)(le - q), arg);
			continue;
		}
		if ((rc = put(q, (size_t)(le - 1 - q), arg)) == 0)
			rc = put("\r\n", 2, arg);
	}
	return rc;
}

/* Pieces gathered into blocks for a writer (a digest chain, a spool). */
struct blocks {
	int (*flush)(void *to, const char *p, size_t n);
	void *to;
	size_t n;
	char buf[16384];
};

static int
blocks_flush(struct blocks *b)
{
	int rc = b->n > 0 ? b->flush(b->to, b->buf, b->n) : 0;

	b->n = 0;
	return rc;
}

static int
blocks_put(const char *p, size_t n, void *arg)
{
	struct blocks *b = arg;

	if (b->n + n > sizeof(b->buf) && blocks_flush(b) != 0)
		return -1;
	if (n > sizeof(b->buf))
		return b->flush(b->to, p, n);
	memcpy(b->buf + b->n, p, n);
	b->n += n;
	return 0;
}

/* Write p[0..len) into a digest chain a window at a time, trimming the
 * mapped message behind (rawmime.h). */
static int
chain_write(void *chain, const char *p, size_t len)
{
	size_t n;

	while (len > 0) {
		n = MIN(len, (size_t)KYSO_MAP_WINDOW);
		if (BIO_write(chain, p, (int)n) != (int)n)
			return -1;
		p += n;
		len -= n;
		kyso_raw_trim(p);
	}
	return 0;
}

/* An incremental comparison of pieces with the bytes of want. */
struct compare {
	const unsigned char *want;
	size_t len, at;
};

static int
compare_put(const char *p, size_t n, void *arg)
{
	struct compare *c = arg;

	if (n > c->len - c->at || memcmp(c->want + c->at, p, n) != 0)
		return 1;
	c->at += n;
	return 0;
}

/* Is os the CRLF-canonical form of p[0..len) (which has bare LFs)? */
static int
canonical_equal(const ASN1_OCTET_STRING *os, const char *p, size_t len)
{
	struct compare c = {ASN1_STRING_get0_data(os),
	    (size_t)ASN1_STRING_length(os), 0};

	return canon_pieces(p, len, compare_put, &c) == 0 && c.at == c.len;
}

/* 1 when the OpenSSL error queue holds an allocation failure (a NULL that
 * means "no memory now", not "bad input"); drains the queue. */
static int
ossl_oom(void)
{
	unsigned long e;
	int oom = 0;

	while ((e = ERR_get_error()) != 0)
		oom |= ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
	return oom;
}

/* kyso_verify_digest_signers, with the content CRLF-canonical when
 * `canonical`. */
static int
digest_signers(CMS_ContentInfo *cms, const char *content, size_t len,
    int canonical, STACK_OF(CMS_SignerInfo) * sis, int n, int *ok)
{
	struct blocks *b = NULL;
	BIO *in = NULL, *chain = NULL;
	char buf[16384];
	int i, good = 0;

	for (i = 0; i < n; i++)
		ok[i] = 0;
	/* a BIO counts in int: a longer content would be read as a string */
	if (len > INT_MAX)
		goto out;
	/* the content is written through the digests into a sink; the
	 * embedded eContent (content NULL) is read through them */
	if (content != NULL && (in = BIO_new(BIO_s_null())) == NULL)
		goto out;
	if ((chain = CMS_dataInit(cms, in)) == NULL)
		goto out;
	if (content == NULL) {
		while (BIO_read(chain, buf, sizeof(buf)) > 0)
			;
	} else if (!canonical) {
		if (chain_write(chain, content, len) < 0)
			goto out;
	} else {
		b = g_new(struct blocks, 1);
		b->flush = chain_write;
		b->to = chain;
		b->n = 0;
		if (canon_pieces(content, len, blocks_put, b) != 0 ||
		    blocks_flush(b) != 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		ok[i] =
		    CMS_SignerInfo_verify_content(sk_CMS_SignerInfo_value(sis,
		                                      i),
		        chain) > 0;
		good += ok[i];
	}
out:
	g_free(b);
	/* CMS_dataInit pushed digest BIOs on top of `in`: free them all */
	if (chain != NULL)
		BIO_free_all(chain);
	else
		BIO_free(in);
	ERR_clear_error();
	return good;
}

int
kyso_verify_digest_signers(CMS_ContentInfo *cms, const char *content,
    size_t len, STACK_OF(CMS_SignerInfo) * sis, int n, int *ok)
{
	return digest_signers(cms, content, len, 0, sis, n, ok);
}

/* Is os exactly p[0..len)? Compared a window at a time (rawmime.h). */
static int
bytes_equal(const ASN1_OCTET_STRING *os, const char *p, size_t len)
{
	const unsigned char *q = ASN1_STRING_get0_data(os);
	size_t n, at;

	if ((size_t)ASN1_STRING_length(os) != len)
		return 0;
	for (at = 0; at < len; at += n) {
		n = MIN(len - at, (size_t)KYSO_MAP_WINDOW);
		if (memcmp(q + at, p + at, n) != 0)
			return 0;
		kyso_raw_trim(p + at + n);
	}
	return 1;
}

/* The bytes of a message: mapped from a file (the spool on disk), borrowed
 * from a memory stream, or, from any other stream, read into a copy. */
struct raw_msg {
	const char *p;
	size_t len;
	void *map; /* mmap'd, map_len bytes; the current view while open */
	size_t map_len;
	GByteArray *copy;
	struct kyso_raw_view saved; /* the view before */
};

/* Map [start, bound) of the regular file fd (bound -1: to its end) as a
 * GMime stream reads it. -1 when it cannot be mapped. */
static int
raw_map(int fd, gint64 start, gint64 bound, struct raw_msg *m)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), off, end;
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || start < 0)
		return -1;
	end = (size_t)st.st_size;
	if (bound >= 0 && (guint64)bound < (guint64)end)
		end = (size_t)bound;
	if ((size_t)start >= end) {
		m->p = "";
		return 0;
	}
	off = (size_t)start & ~(pg - 1);
	m->map_len = end - off;
	m->map = mmap(NULL, m->map_len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -1;
	}
	m->p = (const char *)m->map + ((size_t)start - off);
	m->len = end - (size_t)start;
	m->saved = kyso_raw_view_set(m->map, m->map_len);
	return 0;
}

/* The bytes that reading s from its start would give (what
 * kyso_mime_read_all() returns), into m; raw_close() after. -1 (err) only
 * when a stream that is neither memory nor a file cannot be read. */
static int
raw_open(GMimeStream *s, struct raw_msg *m, struct kyso_err *err)
{
	GByteArray *a;
	size_t end;

	memset(m, 0, sizeof(*m));
	if (GMIME_IS_STREAM_MEM(s) &&
	    (a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s))) !=
	        NULL &&
	    s->bound_start >= 0) {
		end = a->len;
		if (s->bound_end >= 0 && (guint64)s->bound_end < end)
			end = (size_t)s->bound_end;
		m->p = (size_t)s->bound_start < end
		    ? (const char *)a->data + s->bound_start
		    : "";
		m->len = (size_t)s->bound_start < end
		    ? end - (size_t)s->bound_start
		    : 0;
		return 0;
	}
	if (GMIME_IS_STREAM_FS(s) &&
	    raw_map(GMIME_STREAM_FS(s)->fd, s->bound_start, s->bound_end, m) ==
	        0)
		return 0;
	if ((m->copy = kyso_mime_read_all(s, 0, err)) == NULL)
		return -1;
	m->p = (const char *)m->copy->data;
	m->len = m->copy->len;
	return 0;
}

static void
raw_close(struct raw_msg *m)
{
	if (m->map != NULL) {
		kyso_raw_view_restore(m->saved);
		(void)munmap(m->map, m->map_len);
	}
	if (m->copy != NULL)
		g_byte_array_unref(m->copy);
	memset(m, 0, sizeof(*m));
}

/* Where the CRLF form goes: a spool, and the error its first failed
 * write leaves for the caller. */
struct scratch {
	struct kyso_spool *sp;
	struct kyso_err *err;
};

static int
spool_flush(void *to, const char *p, size_t n)
{
	struct scratch *sc = to;

	return kyso_spool_write(sc->sp, p, n, sc->err);
}

/* kyso_verify_has_signature() of the CRLF-canonical form of p[0..len),
 * written to a spool (memory up to the trust's scratch_memory, then a file
 * in its scratch_dir: TemporaryDirectory in the daemon) and mapped, not
 * held; -1 with err (KYSO_E_TEMP) when it cannot be written or read
 * back. */
static int
canonical_has_signature(const struct kyso_trust *t, const char *p, size_t len,
    struct kyso_err *err)
{
	struct scratch sc = {
	    .sp = kyso_spool_new(t->scratch_memory, t->scratch_dir, 0),
	    .err = err,
	};
	struct blocks *b = g_new(struct blocks, 1);
	struct raw_msg m;
	GMimeStream *s = NULL;
	int r = -1;

	b->flush = spool_flush;
	b->to = &sc;
	b->n = 0;
	if (canon_pieces(p, len, blocks_put, b) != 0 || blocks_flush(b) != 0)
		goto out;
	s = kyso_spool_stream(sc.sp);
	if (raw_open(s, &m, err) < 0)
		goto out;
	r = kyso_verify_has_signature(m.p, m.len);
	raw_close(&m);
out:
	if (s != NULL)
		g_object_unref(s);
	kyso_spool_free(sc.sp);
	g_free(b);
	return r;
}

static void
set_malformed(struct kyso_verify_result *res, const char *why)
{
	res->malformed = 1;
	if (res->malformed_reason == NULL)
		res->malformed_reason = g_strdup(why);
}

/* Verify the CMS of f (already found, not malformed) into res. -1 only
 * when memory ran out, or the CRLF form that matched could not be written
 * out (err KYSO_E_TEMP): the message is retried later. */
static void inner_fields(const char *content, size_t len,
    struct kyso_verify_result *res);

static int
verify_cms(const struct kyso_trust *trust, struct kyso_rev_session *rs,
    struct kyso_found *f, const char *from_addr, time_t now,
    struct kyso_verify_result *res, struct kyso_err *err)
{
	const unsigned char *p = f->cms_der->data;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	STACK_OF(X509) *certs = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	ASN1_OCTET_STRING **pos, *econtent = NULL;
	const char *content = f->content;
	size_t content_len = f->content_len;
	char *why = NULL;
	int *ok = NULL, *ok2 = NULL, n, i, good, oom = 0, canonical = 0;
	int scratch_failed = 0;

	ERR_clear_error();
	/* the certificates decoded once per DER (vcache.h) */
	cms = kyso_vcache_d2i_cms(trust->vcache, p, f->cms_der->len, now);
	if (cms == NULL && ossl_oom()) {
		oom = 1;
		goto out;
	}
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		set_malformed(res, "signature is not a CMS SignedData");
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n <= 0) {
		set_malformed(res, "SignedData without signers");
		goto out;
	}
	if (n > KYSO_MAX_SIGNERS)
		n = KYSO_MAX_SIGNERS;
	pos = CMS_get0_content(cms);
	econtent = pos ? *pos : NULL;
	if (f->opaque) {
		if (econtent == NULL) {
			set_malformed(res,
			    "opaque signed-data without content");
			goto out;
		}
		content = (const char *)ASN1_STRING_get0_data(econtent);
		content_len = (size_t)ASN1_STRING_length(econtent);
		/* the entity the recipient shows is inside: one reading */
		if ((why = kyso_verify_ambiguity(content, content_len)) !=
		    NULL) {
			char *r =
			    g_strdup_printf("opaque signed content: %s", why);

			set_malformed(res, r);
			g_free(r);
			goto out;
		}
		if (f->whole)
			inner_fields(content, content_len, res);
	} else if (econtent != NULL &&
	    !bytes_equal(econtent, f->content, f->content_len)) {
		/* RFC 8551 3.5.3.1: a detached signature carries no content;
		 * one that does and differs would show one text and sign
		 * another */
		if (bare_lfs(f->content, f->content_len) == 0 ||
		    !canonical_equal(econtent, f->content, f->content_len))
			res->econtent_mismatch = 1;
	}
	/* find each signer's certificate among those in the message */
	(void)CMS_set1_signers_certs(cms, NULL, 0);
	ERR_clear_error();
	ok = g_new0(int, n);
	good =
	    kyso_verify_digest_signers(cms, content, content_len, sis, n, ok);
	if (good < n && !f->opaque && bare_lfs(content, content_len) > 0) {
		ok2 = g_new0(int, n);
		if (digest_signers(cms, content, content_len, 1, sis, n, ok2) >
		    good) {
			memcpy(ok, ok2, sizeof(int) * (size_t)n);
			canonical = 1;
		}
	}
	if (!canonical)
		res->nested = kyso_verify_has_signature(content, content_len);
	else if ((res->nested = canonical_has_signature(trust, content,
	              content_len, err)) < 0) {
		scratch_failed = 1;
		goto out;
	}
	if (res->econtent_mismatch)
		rs->skip = "not checked: eContent differs from the signed part";
	certs = CMS_get1_certs(cms);
	crls = CMS_get1_crls(cms);
	ERR_clear_error();
	res->signers = g_new0(struct kyso_signer_info, n);
	res->nsigners = (size_t)n;
	for (i = 0; i < n; i++) {
		CMS_SignerInfo *s = sk_CMS_SignerInfo_value(sis, i);
		X509 *signer = NULL;

		CMS_SignerInfo_get0_algs(s, NULL, &signer, NULL, NULL);
		kyso_verify_signer(trust, rs, s, signer, ok[i], certs, crls,
		    from_addr, now, &res->signers[i]);
	}
out:
	g_free(why);
	g_free(ok);
	g_free(ok2);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	if (oom)
		kyso_err_set(err, KYSO_E_TEMP, "out of memory verifying");
	return oom || scratch_failed ? -1 : 0;
}

/* The signed entity's hp= parameter and protected fields (RFC 9788). */
static void
inner_fields(const char *content, size_t len, struct kyso_verify_result *res)
{
	struct kyso_span e = {content, len}, hdr, body;
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct kyso_inner_field));
	GMimeContentType *ct;
	char *v;
	size_t i, j;

	(void)kyso_raw_split_entity(e, &hdr, &body);
	if ((v = kyso_raw_header_value(hdr, "Content-Type")) != NULL) {
		ct = g_mime_content_type_parse(NULL, v);
		if (ct != NULL &&
		    g_mime_content_type_get_parameter(ct, "hp") != NULL)
			res->hp = g_strdup(
			    g_mime_content_type_get_parameter(ct, "hp"));
		if (ct != NULL)
			g_object_unref(ct);
		g_free(v);
	}
	for (i = 0; kyso_protected_fields[i] != NULL; i++) {
		GPtrArray *vals =
		    kyso_raw_header_values(hdr, kyso_protected_fields[i]);

		for (j = 0; j < vals->len; j++) {
			struct kyso_inner_field fld =
			    {g_strdup(kyso_protected_fields[i]),
			        g_strdup(g_ptr_array_index(vals, j))};

			g_array_append_val(a, fld);
		}
		g_ptr_array_unref(vals);
	}
	res->ninner = a->len;
	res->inner =
	    (struct kyso_inner_field *)(void *)g_array_free(a, a->len == 0);
}

int
kyso_verify_message(const struct kyso_trust *trust, GMimeStream *msg,
    const char *from_addr, time_t now, struct kyso_verify_result *res,
    struct kyso_err *err)
{
	return kyso_verify_message_progress(trust, msg, from_addr, now, NULL,
	    res, err);
}

int
kyso_verify_message_progress(const struct kyso_trust *trust, GMimeStream *msg,
    const char *from_addr, time_t now, const struct kyso_progress *progress,
    struct kyso_verify_result *res, struct kyso_err *err)
{
	struct kyso_rev_session rs;
	struct kyso_found f;
	struct raw_msg raw;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	if (trust == NULL) {
		kyso_err_set(err, KYSO_E_INTERNAL, "verify: no trust material");
		return -1;
	}
	/* mapped or borrowed, not copied (raw_open): the message is read a
	 * window at a time however large */
	if (raw_open(msg, &raw, err) < 0)
		return -1;
	kyso_verify_find(raw.p, raw.len, &f);
	res->found = f.found;
	res->whole = f.whole;
	res->opaque = f.opaque;
	res->encrypted = f.encrypted;
	res->part = f.part ? g_strdup(f.part) : NULL;
	if (f.found && f.whole && !f.malformed && f.content != NULL)
		inner_fields(f.content, f.content_len, res);
	if (f.oom) {
		kyso_err_set(err, KYSO_E_TEMP,
		    "out of memory decoding the "
		    "signature");
		rc = -1;
	} else if (f.malformed)
		set_malformed(res, f.malformed_reason);
	else if (f.found) {
		kyso_rev_session_init(&rs, trust, progress);
		rc = verify_cms(trust, &rs, &f, from_addr, now, res, err);
	}
	kyso_verify_found_clear(&f);
	raw_close(&raw);
	if (rc != 0)
		kyso_verify_result_clear(res);
	return rc;
}

void
kyso_signer_info_clear(struct kyso_signer_info *s)
{
	if (s == NULL)
		return;
	g_free(s->signature_error);
	g_free(s->chain_error);
	g_free(s->weak_reason);
	g_free(s->revocation_note);
	g_free(s->tsa_name);
	g_free(s->timestamp_note);
	g_free(s->email);
	g_free(s->fingerprint);
	g_free(s->issuer_fingerprint);
	g_free(s->subject_utf8);
	g_free(s->subject_cn);
	g_free(s->subject);
	g_free(s->issuer_rfc4514);
	g_free(s->issuer_text);
	g_free(s->issuer_cn);
	g_free(s->serial_hex);
	g_free(s->digest);
	memset(s, 0, sizeof(*s));
}

void
kyso_verify_result_clear(struct kyso_verify_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nsigners; i++)
		kyso_signer_info_clear(&res->signers[i]);
	for (i = 0; i < res->ninner; i++) {
		g_free(res->inner[i].name);
		g_free(res->inner[i].value);
	}
	g_free(res->inner);
	g_free(res->hp);
	g_free(res->signers);
	g_free(res->malformed_reason);
	g_free(res->part);
	memset(res, 0, sizeof(*res));
}
