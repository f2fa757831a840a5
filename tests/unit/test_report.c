/*
 * test_report.c - the report: aggregation of a generated journal (known
 * tallies, damaged lines, date ranges, text and CSV output), then the real
 * path - a configuration with JournalFile and the test PKI, messages
 * signed, refused (expired certificate, classified, unmapped) and verified
 * by the processing core, one journal line each, counted by the report -
 * and the certificate section with days left and warnings.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "kyso/policy/journal.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/process.h"
#include "kyso/policy/report.h"
#include "kyso/policy/verdict.h"
#include "harness.h"
#include "policy_fixture.h"

static const char *const months[] = {"2026-01", "2026-02", "2026-03"};
static const time_t month_start[] = {1767225600, 1769904000, 1772323200};
static const char *const agencies[] = {"sotttt", "ubnd", "sonv", ""};
static const char *const out_results[] = {"signed", "sealed", "unsigned",
    "classified", "expired", "refused", "error", "too-big"};
static const char *const in_results[] = {"pass", "fail", "policy", "neutral",
    "temperror", "permerror", "none", "off"};
#define NM   3
#define NA   4
#define NOUT 8
#define NIN  8
#define NREC 3000

static size_t want_out[NM][NA][NOUT], want_in[NM][NIN];

/* A small deterministic generator (no rand(): banned, and not needed). */
static unsigned long
next(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

/* Write NREC records spread over three months plus damaged lines. */
static const char *
generate(void)
{
	const char *path = fx_path("generated.journal");
	struct kyso_err err = {0};
	struct kyso_journal *j = kyso_journal_open(path, 0, &err);
	struct kyso_journal_record r;
	unsigned long seed = 42;
	size_t i, m, a, res;
	FILE *fp;
	char *junk;

	if (j == NULL)
		fx_die("open the generated journal");
	for (i = 0; i < NREC; i++) {
		memset(&r, 0, sizeof(r));
		m = next(&seed) % NM;
		r.time = month_start[m] + (time_t)(next(&seed) % (28 * 86400));
		(void)snprintf(r.queue_id, sizeof(r.queue_id), "Q%zu", i);
		if (next(&seed) % 3 != 0) {
			a = next(&seed) % NA;
			res = next(&seed) % NOUT;
			r.dir = KYSO_JOURNAL_OUT;
			(void)g_strlcpy(r.origin, "auth", sizeof(r.origin));
			(void)g_strlcpy(r.cert_id, agencies[a],
			    sizeof(r.cert_id));
			(void)g_strlcpy(r.result, out_results[res],
			    sizeof(r.result));
			want_out[m][a][res]++;
		} else {
			res = next(&seed) % NIN;
			r.dir = KYSO_JOURNAL_IN;
			(void)g_strlcpy(r.origin, "external", sizeof(r.origin));
			(void)g_strlcpy(r.result, in_results[res],
			    sizeof(r.result));
			want_in[m][res]++;
		}
		(void)g_strlcpy(r.from, "a@b.vn", sizeof(r.from));
		if (kyso_journal_append(j, &r, &err) < 0)
			fx_die("append to the generated journal");
	}
	kyso_journal_close(j);
	/* damage: another version, a line cut short, an overlong line, an
	 * empty line */
	if ((fp = fopen(path, "a")) == NULL)
		fx_die("append junk");
	junk = g_strnfill(6000, 'x');
	(void)fprintf(fp,
	    "KJ2\t2026-01-01T00:00:00Z\tq\tout\n"
	    "KJ1\t2026-01-01T00:00:00Z\tQcut\tou\n"
	    "%s\n\n",
	    junk);
	(void)fclose(fp);
	g_free(junk);
	return path;
}

static struct kyso_report *
read_report(const char *path, time_t from, time_t until)
{
	struct kyso_report *r = kyso_report_new(from, until);
	struct kyso_err err = {0};
	FILE *fp = fopen(path, "r");

	if (fp == NULL || kyso_report_read(r, fp, &err) < 0)
		fx_die("read the journal");
	(void)fclose(fp);
	return r;
}

/* The numbers of the text row that starts with prefix, or -1 entries. */
static int
text_row(const char *text, const char *prefix, size_t *v, int nv)
{
	char **lines = g_strsplit(text, "\n", -1), **w;
	int i, found = 0, n;
	size_t k, plen = strlen(prefix);

	for (k = 0; lines[k] != NULL && !found; k++) {
		if (strncmp(lines[k], prefix, plen) != 0 ||
		    lines[k][plen] != ' ')
			continue;
		w = g_strsplit_set(lines[k] + plen, " ", -1);
		for (i = 0, n = 0; w[i] != NULL && n < nv; i++)
			if (w[i][0] != '\0')
				v[n++] = strtoul(w[i], NULL, 10);
		found = n == nv;
		g_strfreev(w);
	}
	g_strfreev(lines);
	return found;
}

static void
test_generated(void)
{
	const char *path = generate();
	struct kyso_report *r = read_report(path, 0, 0);
	size_t m, a, k, mismatches = 0, feb = 0, sealed = 0, v[10];
	char *text, *csv, *line, prefix[64];
	int rows_ok = 1, csv_ok = 1, sealed_ok = 1;
	time_t from, until;

	CHECK(kyso_report_records(r) == NREC, "generated: %zu records counted",
	    kyso_report_records(r));
	CHECK(kyso_report_bad(r) == 4,
	    "generated: 4 damaged lines skipped "
	    "(got %zu)",
	    kyso_report_bad(r));
	for (m = 0; m < NM; m++) {
		for (a = 0; a < NA; a++)
			for (k = 0; k < NOUT; k++)
				mismatches +=
				    kyso_report_count(r, months[m],
				        KYSO_JOURNAL_OUT, agencies[a],
				        out_results[k]) != want_out[m][a][k];
		for (k = 0; k < NIN; k++)
			mismatches +=
			    kyso_report_count(r, months[m], KYSO_JOURNAL_IN, "",
			        in_results[k]) != want_in[m][k];
	}
	CHECK(mismatches == 0,
	    "generated: every month/agency/result count is right");

	text = kyso_report_format(r, KYSO_REPORT_TEXT);
	csv = kyso_report_format(r, KYSO_REPORT_CSV);
	for (m = 0; m < NM; m++) {
		for (a = 0; a < NA; a++) {
			size_t total = 0;

			(void)snprintf(prefix, sizeof(prefix), "%-8s %s",
			    months[m], agencies[a][0] ? agencies[a] : "(none)");
			for (k = 0; k < NOUT; k++)
				total += want_out[m][a][k];
			/* seven named columns, other (too-big), total */
			if (!text_row(text, prefix, v, 9) ||
			    memcmp(v, want_out[m][a], 7 * sizeof(size_t)) !=
			        0 ||
			    v[7] != want_out[m][a][7] || v[8] != total)
				rows_ok = 0;
			/* sealed (CoSign) has its own column, second */
			sealed += want_out[m][a][1];
			if (!text_row(text, prefix, v, 2) ||
			    v[1] != want_out[m][a][1] ||
			    kyso_report_count(r, months[m], KYSO_JOURNAL_OUT,
			        agencies[a], "sealed") != want_out[m][a][1])
				sealed_ok = 0;
			line = g_strdup_printf("\n%s,out,%s,signed,%zu\n",
			    months[m], agencies[a][0] ? agencies[a] : "-",
			    want_out[m][a][0]);
			if (strstr(csv, line) == NULL)
				csv_ok = 0;
			g_free(line);
			line = g_strdup_printf("\n%s,out,%s,sealed,%zu\n",
			    months[m], agencies[a][0] ? agencies[a] : "-",
			    want_out[m][a][1]);
			if (want_out[m][a][1] > 0 && strstr(csv, line) == NULL)
				sealed_ok = 0;
			g_free(line);
		}
		(void)snprintf(prefix, sizeof(prefix), "%s", months[m]);
		/* seven named inbound columns, other ("off"), total */
		if (strstr(text, "\nInbound") == NULL ||
		    !text_row(strstr(text, "\nInbound"), prefix, v, 9) ||
		    memcmp(v, want_in[m], 8 * sizeof(size_t)) != 0)
			rows_ok = 0;
	}
	CHECK(rows_ok, "text: every row has the right numbers");
	CHECK(csv_ok, "csv: every signed count is a row");
	CHECK(sealed > 0 && sealed_ok &&
	        strstr(text, " Signed Sealed ") != NULL,
	    "sealed: %zu records counted in the Sealed column per agency "
	    "(text) and as sealed rows (csv), not as other",
	    sealed);
	CHECK(strncmp(csv, "month,direction,agency,result,count\n", 36) == 0,
	    "csv: header line");
	CHECK(strstr(text, "3000 messages counted, 4 unreadable") != NULL,
	    "text: totals line");
	g_free(text);
	g_free(csv);
	kyso_report_free(r);

	/* February only */
	if (kyso_report_parse_date("2026-02", 0, &from) < 0 ||
	    kyso_report_parse_date("2026-02", 1, &until) < 0)
		fx_die("parse_date");
	r = read_report(path, from, until);
	for (a = 0; a < NA; a++)
		for (k = 0; k < NOUT; k++)
			feb += want_out[1][a][k];
	for (k = 0; k < NIN; k++)
		feb += want_in[1][k];
	CHECK(kyso_report_records(r) == feb &&
	        kyso_report_count(r, "2026-01", KYSO_JOURNAL_OUT, "sotttt",
	            "signed") == 0 &&
	        kyso_report_count(r, "2026-02", KYSO_JOURNAL_OUT, "sotttt",
	            "signed") == want_out[1][0][0],
	    "--from/--to 2026-02: only February (%zu records)", feb);
	kyso_report_free(r);
}

static void
test_csv_quoting(void)
{
	struct kyso_report *r = kyso_report_new(0, 0);
	struct kyso_journal_record rec;
	char *csv;

	memset(&rec, 0, sizeof(rec));
	rec.time = month_start[0];
	rec.dir = KYSO_JOURNAL_OUT;
	(void)g_strlcpy(rec.cert_id, "a,\"b", sizeof(rec.cert_id));
	(void)g_strlcpy(rec.result, "signed", sizeof(rec.result));
	(void)kyso_report_add(r, &rec);
	(void)g_strlcpy(rec.cert_id, "=HYPERLINK(\"x\")", sizeof(rec.cert_id));
	(void)kyso_report_add(r, &rec);
	(void)g_strlcpy(rec.cert_id, "line\nbreak", sizeof(rec.cert_id));
	(void)kyso_report_add(r, &rec);
	csv = kyso_report_format(r, KYSO_REPORT_CSV);
	CHECK(strstr(csv, "\n2026-01,out,\"a,\"\"b\",signed,1\n") != NULL,
	    "csv: comma and quote quoted");
	CHECK(strstr(csv,
	          "\n2026-01,out,\"'=HYPERLINK(\"\"x\"\")\",signed,1\n") !=
	        NULL,
	    "csv: a formula is defused");
	CHECK(strstr(csv, "\n2026-01,out,line\\nbreak,signed,1\n") != NULL,
	    "csv: a line break stays escaped");
	g_free(csv);
	kyso_report_free(r);
}

struct datecase {
	const char *s;
	int end;
	time_t want; /* -1: refused */
};

static const struct datecase dates[] = {
    {"2026-02", 0, 1769904000},
    {"2026-02", 1, 1772323200},
    {"2026-12", 1, 1798761600},
    {"2026-02-28", 0, 1772236800},
    {"2026-02-28", 1, 1772323200},
    {"2028-02-29", 1, 1835481600},
    {"2026-02-29", 0, -1},
    {"2026-13", 0, -1},
    {"2026-00", 0, -1},
    {"26-02", 0, -1},
    {"2026/02", 0, -1},
    {"2026-02-1", 0, -1},
    {"1969-12", 0, -1},
    {"", 0, -1},
};

static void
test_dates(void)
{
	size_t i;
	time_t t;
	int rc;

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		t = 0;
		rc = kyso_report_parse_date(dates[i].s, dates[i].end, &t);
		CHECK(dates[i].want < 0 ? rc < 0
		                        : rc == 0 && t == dates[i].want,
		    "date \"%s\"%s -> %lld", dates[i].s,
		    dates[i].end ? " (end)" : "", (long long)t);
	}
}

/* ---- through the processing core ---- */

static struct kyso_config *
load(const char *name, const char *extra)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	char *text =
	    g_strdup_printf("Socket unix:%s\n"
	                    "Syslog no\n"
	                    "AuthservID mail.hagiang.gov.vn\n"
	                    "Domain hagiang.gov.vn\n"
	                    "SubDomains yes\n"
	                    "SigningTable %s\n"
	                    "CertificateTable %s\n"
	                    "TrustAnchorFile %s\n"
	                    /* journal facts, not revocation: the
	                     * test PKI's OCSP/CRL URLs answer nobody */
	                    "RevocationCheck none\n"
	                    "%s",
	        fx_path("k.sock"), fx_path("signing"), fx_path("certs"),
	        fx_path("pki/root.crt"), extra);

	cfg = kyso_config_load(fx_write(name, text), &err);
	if (cfg == NULL)
		DIAG("config %s: %s", name, err.msg);
	g_free(text);
	return cfg;
}

/* The open journal, as the daemon holds it (milter/apply.c). */
static struct kyso_journal *journal;

/* Process one message (headers may be folded) and journal it. */
static void
process(const struct kyso_config *cfg, const char *client, const char *auth,
    const char *text, struct kyso_outcome *o, struct kyso_journal_record *rec)
{
	struct kyso_envelope env = {0};
	struct kyso_header hdr[16];
	struct kyso_spool *sp = kyso_spool_new(1 << 20, NULL, 0);
	struct kyso_err err = {0};
	const char *p = text, *eol, *colon;
	size_t n = 0;
	time_t now = time(NULL);

	if (kyso_spool_write(sp, text, strlen(text), &err) < 0)
		fx_die("spool");
	while (*p != '\r' && n < 16) {
		GString *v = g_string_new(NULL);

		colon = strchr(p, ':');
		hdr[n].name = g_strndup(p, (gsize)(colon - p));
		p = colon + 2;
		for (;;) {
			eol = strstr(p, "\r\n");
			g_string_append_len(v, p, eol - p);
			p = eol + 2;
			if (*p != ' ' && *p != '\t')
				break;
			g_string_append_c(v, '\n');
		}
		hdr[n++].value = g_string_free(v, FALSE);
	}
	env.queue_id = "TESTQ";
	env.client_addr = client;
	env.auth_authen = auth;
	env.env_from = "";
	env.headers = hdr;
	env.nheaders = n;
	(void)kyso_process_message(cfg, &env, sp, 0, now, o);
	kyso_journal_record_fill(rec, o, 0, now);
	if (kyso_journal_outcome(journal, o, 0, now, &err) < 0)
		DIAG("journal: %s", err.msg);
	while (n-- > 0) {
		g_free(hdr[n].name);
		g_free(hdr[n].value);
	}
	kyso_spool_free(sp);
}

/* The signed outcome as a message arriving from outside. */
static char *
as_inbound(const struct kyso_outcome *o)
{
	GString *m = g_string_new("From: Van thu <vanthu@sotttt.hagiang.gov.vn>"
	                          "\r\nTo: someone@example.org\r\n"
	                          "Subject: test\r\nMIME-Version: 1.0\r\n"
	                          "Content-Type: ");
	const char *s;
	char buf[65536];
	ssize_t n;

	for (s = o->content_type; *s != '\0'; s++) {
		if (*s == '\n')
			g_string_append_c(m, '\r');
		g_string_append_c(m, *s);
	}
	g_string_append(m, "\r\n\r\n");
	while ((n = kyso_mime_read(o->body, buf, sizeof(buf))) > 0)
		g_string_append_len(m, buf, n);
	return g_string_free(m, FALSE);
}

/* First line of a file, trimmed. */
static char *
first_line(const char *path)
{
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

static const char msg_ours[] =
    "From: Van thu <vanthu@sotttt.hagiang.gov.vn>\r\n"
    "To: someone@example.org\r\n"
    "Subject: test\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "K\xc3\xadnh g\xe1\xbb\xadi.\r\n";
static const char msg_expired[] = "From: <expired@sotttt.hagiang.gov.vn>\r\n"
                                  "Subject: test\r\n"
                                  "\r\n"
                                  "body\r\n";
static const char msg_classified[] =
    "From: Van thu <vanthu@sotttt.hagiang.gov.vn>\r\n"
    "Subject: =?UTF-8?Q?T=E1=BB=90I_M=E1=BA=ACT?= bao cao\r\n"
    "\r\n"
    "body\r\n";
static const char msg_unmapped[] = "From: <someone@sonv.hagiang.gov.vn>\r\n"
                                   "Subject: test\r\n"
                                   "\r\n"
                                   "body\r\n";

static void
test_pipeline(void)
{
	struct kyso_config *cfg, *rej, *cfg2;
	struct kyso_outcome o;
	struct kyso_journal_record rs, re, rc, ru, ri;
	struct kyso_report *r;
	struct kyso_err err = {0};
	char *conf, *serial, *issuer, *in, *text, month[8];
	struct tm tm;
	time_t now = time(NULL);
	const char *top = getenv("top_srcdir");
	char *script = g_strdup_printf("%s/tests/pki/make-pki.sh",
	    top != NULL ? top : ".");

	if (fx_run("bash", script, fx_path("pki")) != 0)
		fx_die("make-pki.sh failed");
	g_free(script);
	fx_write("signing",
	    "expired@sotttt.hagiang.gov.vn expired\n"
	    "*@sotttt.hagiang.gov.vn sotttt\n");
	text = g_strdup_printf("sotttt cert=%s key=%s chain=%s\n"
	                       "expired cert=%s key=%s\n"
	                       "notyet cert=%s key=%s\n",
	    fx_path("pki/sotttt-agency.crt"), fx_path("pki/sotttt-agency.key"),
	    fx_path("pki/chain.pem"), fx_path("pki/expired.crt"),
	    fx_path("pki/expired.key"), fx_path("pki/notyet.crt"),
	    fx_path("pki/notyet.key"));
	fx_write("certs", text);
	g_free(text);
	conf = g_strdup_printf("JournalFile %s\n", fx_path("mail.journal"));
	cfg = load("journal.conf", conf);
	g_free(conf);
	conf = g_strdup_printf("JournalFile %s\nJournalSync yes\n"
	                       "OnUnmappedSender reject\n",
	    fx_path("mail.journal"));
	rej = load("reject.conf", conf);
	g_free(conf);
	if (cfg == NULL || rej == NULL)
		fx_die("configuration did not load");
	CHECK(strcmp(kyso_config_settings(cfg)->journal_file,
	          fx_path("mail.journal")) == 0 &&
	        kyso_config_settings(rej)->journal_sync == 1 &&
	        kyso_config_settings(cfg)->journal_sync == 0,
	    "snapshot: JournalFile and JournalSync read");
	CHECK(!g_file_test(fx_path("mail.journal"), G_FILE_TEST_EXISTS),
	    "snapshot: loading does not open, nor create, the journal");
	/* the daemon opens it (milter/apply.c) */
	if ((journal = kyso_journal_open(fx_path("mail.journal"), 0, &err)) ==
	    NULL)
		fx_die("journal open");

	text = g_strdup_printf("openssl x509 -in %s -noout -serial | "
	                       "sed 's/^serial=//' > %s; "
	                       "openssl x509 -in %s -noout -issuer "
	                       "-nameopt RFC2253,-esc_msb | "
	                       "sed 's/^issuer=//' > %s",
	    fx_path("pki/sotttt-agency.crt"), fx_path("serial.txt"),
	    fx_path("pki/sotttt-agency.crt"), fx_path("issuer.txt"));
	if (fx_run("sh", "-c", text) != 0)
		fx_die("openssl x509");
	g_free(text);
	serial = first_line(fx_path("serial.txt"));
	issuer = first_line(fx_path("issuer.txt"));

	process(cfg, "127.0.0.1", NULL, msg_ours, &o, &rs);
	CHECK(strcmp(rs.result, "signed") == 0 && rs.dir == KYSO_JOURNAL_OUT &&
	        strcmp(rs.origin, "internal") == 0 &&
	        strcmp(rs.cert_id, "sotttt") == 0 &&
	        strcmp(rs.from, "vanthu@sotttt.hagiang.gov.vn") == 0 &&
	        strcmp(rs.queue_id, "TESTQ") == 0,
	    "signed: out, internal, sotttt, From, queue id");
	CHECK(strcmp(rs.serial, serial) == 0,
	    "signed: serial %s as openssl x509 -serial says", rs.serial);
	CHECK(strcmp(rs.issuer, issuer) == 0 &&
	        g_utf8_validate(rs.issuer, -1, NULL) &&
	        strstr(rs.issuer, "ph\xe1\xbb\xa5\x63 v\xe1\xbb\xa5") != NULL,
	    "signed: issuer in UTF-8 as openssl x509 -issuer says (%s)",
	    rs.issuer);

	in = as_inbound(&o);
	kyso_outcome_clear(&o);
	process(cfg, "203.0.113.5", NULL, in, &o, &ri);
	g_free(in);
	CHECK(strcmp(ri.result, "pass") == 0 && ri.dir == KYSO_JOURNAL_IN &&
	        strcmp(ri.origin, "external") == 0 && ri.cert_id[0] == '\0' &&
	        strcmp(ri.reason, "valid") == 0,
	    "verified: in, external, pass, reason \"%s\"", ri.reason);
	CHECK(strcmp(ri.serial, serial) == 0 && strcmp(ri.issuer, issuer) == 0,
	    "verified: first signer's serial and issuer (the A-R field's "
	    "first) "
	    "match the signing certificate");
	CHECK(o.facts.cls == KYSO_OC_VERIFIED && o.facts.inbound.verified &&
	        o.facts.inbound.result == KYSO_RES_PASS &&
	        o.facts.inbound.nsigners == 1 && o.facts.signers == 1 &&
	        strcmp(o.facts.kinds, o.facts.inbound.kinds) == 0 &&
	        o.facts.kinds[0] != '\0' &&
	        strcmp(o.facts.inbound.serial, serial) == 0,
	    "verified: the outcome carries the verdict's facts (pass, "
	    "1 signer, its serial)");
	kyso_outcome_clear(&o);

	process(cfg, "127.0.0.1", NULL, msg_expired, &o, &re);
	CHECK(strcmp(re.result, "expired") == 0 &&
	        strcmp(re.cert_id, "expired") == 0 &&
	        strstr(re.reason, "expired") != NULL &&
	        strcmp(o.result, "error") == 0,
	    "expired certificate: journal says expired (%s), the log error",
	    re.reason);
	kyso_outcome_clear(&o);

	process(cfg, "127.0.0.1", NULL, msg_classified, &o, &rc);
	CHECK(strcmp(rc.result, "classified") == 0 &&
	        strstr(rc.reason, "TOI MAT in Subject") != NULL &&
	        rc.dir == KYSO_JOURNAL_OUT,
	    "classified: reason \"%s\"", rc.reason);
	kyso_outcome_clear(&o);

	process(rej, "127.0.0.1", NULL, msg_unmapped, &o, &ru);
	CHECK(strcmp(ru.result, "refused") == 0 && ru.cert_id[0] == '\0' &&
	        strcmp(ru.reason, "unmapped sender") == 0 &&
	        o.action == KYSO_ACTION_REJECT,
	    "unmapped sender rejected: refused, no certificate");
	kyso_outcome_clear(&o);

	/* rotation: move the journal away, load again and reopen it by
	 * name, as the daemon's reload does: a new file */
	if (rename(fx_path("mail.journal"), fx_path("mail.journal.1")) != 0)
		fx_die("rename");
	conf = g_strdup_printf("JournalFile %s\n", fx_path("mail.journal"));
	cfg2 = load("journal2.conf", conf);
	g_free(conf);
	kyso_journal_close(journal);
	journal = kyso_journal_open(kyso_config_settings(cfg2)->journal_file, 0,
	    &err);
	process(cfg2, "127.0.0.1", NULL, msg_ours, &o, &rs);
	kyso_outcome_clear(&o);
	CHECK(g_file_test(fx_path("mail.journal"), G_FILE_TEST_IS_REGULAR),
	    "reload after rotation: a new journal file");

	(void)gmtime_r(&now, &tm);
	(void)strftime(month, sizeof(month), "%Y-%m", &tm);
	r = read_report(fx_path("mail.journal.1"), 0, 0);
	CHECK(kyso_report_records(r) == 5 && kyso_report_bad(r) == 0 &&
	        kyso_report_count(r, month, KYSO_JOURNAL_OUT, "sotttt",
	            "signed") == 1 &&
	        kyso_report_count(r, month, KYSO_JOURNAL_OUT, "sotttt",
	            "classified") == 1 &&
	        kyso_report_count(r, month, KYSO_JOURNAL_OUT, "expired",
	            "expired") == 1 &&
	        kyso_report_count(r, month, KYSO_JOURNAL_OUT, "", "refused") ==
	            1 &&
	        kyso_report_count(r, month, KYSO_JOURNAL_IN, "", "pass") == 1,
	    "report of the rotated journal: 5 messages, each in its place");
	kyso_report_free(r);
	r = read_report(fx_path("mail.journal"), 0, 0);
	CHECK(kyso_report_records(r) == 1, "the new journal: 1 message");
	kyso_report_free(r);

	/* a journal that could not be opened fails the load, naming the line */
	conf = g_strdup_printf("Socket unix:/x\nJournalFile %s\n",
	    fx_path("no/dir/journal"));
	CHECK(kyso_config_load(fx_write("bad2.conf", conf), &err) == NULL &&
	        strstr(err.msg, "bad2.conf:2: JournalFile ") != NULL &&
	        strstr(err.msg, "No such file or directory") != NULL,
	    "unopenable JournalFile: %s", err.msg);
	g_free(conf);
	memset(&err, 0, sizeof(err));
	CHECK(kyso_config_load(fx_write("bad3.conf",
	                           "Socket unix:/x\nJournalFile journal\n"),
	          &err) == NULL &&
	        strstr(err.msg, "not an absolute path") != NULL,
	    "relative JournalFile refused: %s", err.msg);

	kyso_journal_close(journal);
	kyso_config_unref(cfg2);
	kyso_config_unref(rej);
	g_free(serial);
	g_free(issuer);
	/* the certificate section uses cfg: sotttt, expired, notyet */
	{
		const struct kyso_signer *s = kyso_config_signer(cfg, "sotttt");
		time_t na = kyso_signer_not_after(s);
		size_t nwarn = 99, i;
		char *certs, *csv;
		int order = kyso_config_ncerts(cfg) == 3;

		for (i = 0; order && i < 3; i++)
			order = strcmp(kyso_config_cert_id(cfg, i),
			            (const char *[]){"sotttt", "expired",
			                "notyet"}[i]) == 0;
		CHECK(order && kyso_config_cert_id(cfg, 3) == NULL,
		    "certificate table: 3 ids in file order");
		certs =
		    kyso_report_certs(cfg, now, 30, KYSO_REPORT_TEXT, &nwarn);
		text =
		    g_strdup_printf(" %9ld  ok ", (long)((na - now) / 86400));
		CHECK(nwarn == 2 && strstr(certs, text) != NULL &&
		        strstr(certs, " EXPIRED ") != NULL &&
		        strstr(certs, " NOT YET VALID ") != NULL &&
		        strstr(certs,
		            "Ch\xe1\xbb\xa9ng th\xc6\xb0 h\xe1\xba\xbft "
		            "h\xe1\xba\xa1n") != NULL,
		    "certificates now: sotttt ok, expired, not yet valid; "
		    "subjects in UTF-8");
		g_free(text);
		g_free(certs);
		certs = kyso_report_certs(cfg, na - 10 * 86400 - 60, 30,
		    KYSO_REPORT_TEXT, &nwarn);
		CHECK(strstr(certs, "        10  EXPIRES SOON ") != NULL,
		    "10 days before the end: EXPIRES SOON, 10 days left");
		g_free(certs);
		certs = kyso_report_certs(cfg, na - 40 * 86400, 30,
		    KYSO_REPORT_TEXT, &nwarn);
		CHECK(strstr(certs, "        40  ok ") != NULL,
		    "40 days before the end: ok");
		g_free(certs);
		csv = kyso_report_certs(cfg, na + 86400, 30, KYSO_REPORT_CSV,
		    &nwarn);
		CHECK(strncmp(csv,
		          "cert_id,subject,issuer,serial,not_after,"
		          "days_left,status\nsotttt,",
		          55) == 0 &&
		        strstr(csv, ",-1,EXPIRED\n") != NULL,
		    "csv certificates: a day after the end, -1 days, EXPIRED");
		g_free(csv);
	}
	kyso_config_unref(cfg);
}

/* Count occurrences of needle in hay. */
static size_t
occurrences(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p;

	for (p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void
html_record(struct kyso_report *r, time_t t, const char *host,
    const char *agency, const char *result)
{
	struct kyso_journal_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.time = t;
	rec.dir = KYSO_JOURNAL_OUT;
	(void)g_strlcpy(rec.host, host, sizeof(rec.host));
	(void)g_strlcpy(rec.cert_id, agency, sizeof(rec.cert_id));
	(void)g_strlcpy(rec.serial, "0A", sizeof(rec.serial));
	(void)g_strlcpy(rec.result, result, sizeof(rec.result));
	(void)kyso_report_add(r, &rec);
}

/* The HTML page: Vietnamese, the period and servers in its heading, a bar
 * per agency and month whose height is its share of the tallest, hostile
 * agency and host names shown as text only, the certificate table with
 * days left and PIN age. The text report names the servers. */
static void
test_html(void)
{
	static const char evil[] = "<script>alert(1)</script>&\"'";
	static char id1[] = "sotttt", id2[] = "ubnd", sub[] = "CN=S",
	            ca[] = "CN=CA", s1[] = "0A", s2[] = "0B";
	struct kyso_report_cert c1 = {id1, sub, ca, s1, 1772323200, 12, 30,
	    "EXPIRES SOON"};
	struct kyso_report_cert c2 = {id2, sub, ca, s2, 1772323200, 400, -1,
	    "ok"};
	GPtrArray *certs = g_ptr_array_new();
	struct kyso_report *r;
	time_t until = 0;
	char *html, *text;
	int i;

	(void)kyso_report_parse_date("2026-02", 1, &until);
	r = kyso_report_new(month_start[0], until);
	for (i = 0; i < 3; i++)
		html_record(r, month_start[0] + i, "mx1", "sotttt", "signed");
	html_record(r, month_start[1], "mx1", "sotttt", "sealed");
	html_record(r, month_start[1], "mx1", "sotttt", "refused");
	html_record(r, month_start[1], "<b>evil", evil, "signed");
	html_record(r, month_start[2], "mx1", "sotttt", "signed"); /* out */
	{
		struct kyso_journal_record rec;

		/* a message two officials signed, sealed: KJ2 kinds */
		memset(&rec, 0, sizeof(rec));
		rec.time = month_start[1] + 7;
		rec.dir = KYSO_JOURNAL_OUT;
		(void)g_strlcpy(rec.host, "mx1", sizeof(rec.host));
		(void)g_strlcpy(rec.cert_id, "ubnd", sizeof(rec.cert_id));
		(void)g_strlcpy(rec.result, "sealed", sizeof(rec.result));
		rec.signers = 3;
		(void)g_strlcpy(rec.kinds, "personal,personal,agency",
		    sizeof(rec.kinds));
		(void)kyso_report_add(r, &rec);
	}
	g_ptr_array_add(certs, &c1);
	g_ptr_array_add(certs, &c2);
	html = kyso_report_html(r, certs, month_start[2], 30);
	CHECK(strstr(html, "<html lang=\"vi\">") != NULL &&
	        strstr(html, "<meta charset=\"utf-8\">") != NULL &&
	        strstr(html, "Báo cáo sử dụng chứng thư số") != NULL,
	    "html: lang=vi, UTF-8, Vietnamese title");
	CHECK(strstr(html, "<span id=\"tu-ngay\">2026-01-01</span>") != NULL &&
	        strstr(html, "<span id=\"den-ngay\">2026-02-28</span>") != NULL,
	    "html: the period asked for in the heading");
	CHECK(strstr(html, "data-records=\"6\">mx1</span>") != NULL &&
	        strstr(html, "data-records=\"1\">&lt;b&gt;evil</span>") != NULL,
	    "html: both servers with their records, a hostile name as text");
	CHECK(occurrences(html, "<script") == 0 &&
	        occurrences(html, "<b>evil") == 0 &&
	        strstr(html,
	            "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;"
	            "&#39;") != NULL,
	    "html: a hostile agency name is escaped everywhere");
	CHECK(occurrences(html, "<rect class=\"bar\"") == 6 &&
	        occurrences(html, "<section class=\"agency\"") == 3,
	    "html: three agencies, two months, six bars (the month outside "
	    "the period left out)");
	CHECK(strstr(html,
	          "<tr><td>sotttt</td><td class=\"n\">4</td><td "
	          "class=\"n\">1</td><td class=\"n\">0</td></tr>") != NULL &&
	        strstr(html,
	            "<tr><td>ubnd</td><td class=\"n\">1</td><td "
	            "class=\"n\">2</td><td class=\"n\">0</td></tr>") != NULL,
	    "html: signatures by kind (sotttt: 4 seals, 1 personal from a "
	    "KJ1-like sealed record; ubnd: 1 seal, 2 personal from kinds)");
	CHECK(strstr(html,
	          "data-month=\"2026-01\" data-count=\"3\" x=\"40\" "
	          "y=\"24.00\" width=\"36\" height=\"160.00\"") != NULL &&
	        strstr(html,
	            "data-month=\"2026-02\" data-count=\"1\" x=\"96\" "
	            "y=\"130.67\" width=\"36\" height=\"53.33\"") != NULL &&
	        strstr(html,
	            "data-month=\"2026-01\" data-count=\"0\" x=\"40\" "
	            "y=\"184.00\" width=\"36\" height=\"0.00\"") != NULL,
	    "html: bar heights are count * 160 / tallest (3: 160, sealed 1: "
	    "53.33, none: 0)");
	CHECK(strstr(html,
	          "<td class=\"n\">12</td><td data-status=\"EXPIRES "
	          "SOON\" class=\"warn\">SẮP HẾT HẠN</td><td "
	          "class=\"n\">30</td>") != NULL &&
	        strstr(html,
	            "<td class=\"n\">400</td><td data-status=\"ok\">"
	            "còn hiệu lực</td><td class=\"n\">không "
	            "rõ</td>") != NULL,
	    "html: certificates with days left, status and PIN age (or "
	    "\"không rõ\")");
	CHECK(g_utf8_validate(html, -1, NULL), "html: valid UTF-8");
	text = kyso_report_format(r, KYSO_REPORT_TEXT);
	CHECK(strstr(text, "\nServers: <b>evil (1), mx1 (6)\n") != NULL,
	    "text: the servers line: %s", text);
	CHECK(strstr(text,
	          "\nsotttt                      4            1      "
	          "0\nubnd                        1            2      "
	          "0\n") != NULL,
	    "text: signatures per agency and kind: %s", text);
	g_free(text);
	g_free(html);
	g_ptr_array_free(certs, TRUE);
	kyso_report_free(r);
}

int
main(void)
{
	kyso_mime_init();
	fx_init();
	test_dates();
	test_csv_quoting();
	test_generated();
	test_pipeline();
	test_html();
	kyso_mime_shutdown();
	return TEST_DONE();
}
