/*
 * test_inbound.c - kyso_inbound_process over the generated cases: the
 * smime= result is the one cases.tsv expects, both header values are
 * ASCII with LF+TAB folds only (a signer name with CR/LF cannot break a
 * line), unsigned mail from our own domain carries the warning, and
 * OnUnsignedOwnDomain reject is applied. Run by inbound-cases.test as
 * `test_inbound DATADIR PHASE`.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kyso/policy/inbound.h"
#include "kyso/smime/mime.h"
#include "harness.h"
#include "inbound_cases.h"

/* Top-level header fields of a message file (names and unfolded values). */
static size_t
read_headers(const char *path, struct kyso_header *h, size_t max)
{
	char *text = NULL, *end, **lines;
	size_t n = 0, i;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	if ((end = strstr(text, "\r\n\r\n")) != NULL ||
	    (end = strstr(text, "\n\n")) != NULL)
		*end = '\0';
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL; i++) {
		char *l = g_strchomp(lines[i]), *c;

		if ((l[0] == ' ' || l[0] == '\t') && n > 0) {
			char *v = g_strconcat(h[n - 1].value, " ",
			    g_strstrip(l), NULL);

			g_free(h[n - 1].value);
			h[n - 1].value = v;
			continue;
		}
		if ((c = strchr(l, ':')) == NULL || n >= max)
			continue;
		h[n].name = g_strndup(l, (gsize)(c - l));
		h[n].value = g_strdup(g_strstrip(c + 1));
		n++;
	}
	g_strfreev(lines);
	g_free(text);
	return n;
}

/* ASCII, no CR, every LF followed by TAB, lines shorter than max. */
static int
header_safe(const char *v, size_t first, size_t max)
{
	size_t col = first;
	const char *p;

	if (v == NULL)
		return 0;
	for (p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c >= 0x80 ||
		    (c < 0x20 && c != '\n' && c != '\t'))
			return 0;
		if (c == '\n') {
			if (p[1] != '\t')
				return 0;
			col = 0;
			continue;
		}
		if (++col >= max)
			return 0;
	}
	return 1;
}

static char *
decode(const char *v)
{
	char *unf = g_mime_utils_header_unfold(v);
	char *d = g_mime_utils_header_decode_text(NULL, unf);

	g_free(unf);
	return d;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;
	const char *phase = argc > 2 ? argv[2] : "down";
	GPtrArray *cases, *skips;
	GHashTable *cfgs;
	guint i;

	kyso_mime_init();
	if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		SKIP("no generated cases (run through inbound-cases.test)");
		return TEST_DONE();
	}
	skips = g_ptr_array_new_with_free_func(g_free);
	cases = icases_load(dir, phase, skips);
	cfgs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)kyso_config_unref);
	for (i = 0; i < cases->len; i++) {
		struct icase *c = cases->pdata[i];
		struct kyso_config *cfg = g_hash_table_lookup(cfgs, c->profile);
		struct kyso_header h[64];
		struct kyso_envelope env = {0};
		struct kyso_inbound_result r;
		struct kyso_err err = {0};
		GMimeStream *s;
		size_t nh, k;
		int fd, rc;
		char *dv;

		if (cfg == NULL) {
			char *path =
			    g_strdup_printf("%s/%s.conf", dir, c->profile);

			cfg = kyso_config_load(path, &err);
			CHECK(cfg != NULL, "config %s loads: %s", c->profile,
			    err.msg);
			g_free(path);
			if (cfg == NULL)
				continue;
			g_hash_table_insert(cfgs, g_strdup(c->profile), cfg);
		}
		nh = read_headers(c->file, h, 64);
		env.client_addr = "192.0.2.25";
		env.env_from = c->from;
		env.headers = h;
		env.nheaders = nh;
		if ((fd = open(c->file, O_RDONLY)) < 0) {
			CHECK(0, "%s readable", c->file);
			continue;
		}
		s = g_mime_stream_fs_new(fd);
		rc = kyso_inbound_process(cfg, &env, s, time(NULL), &r, &err);
		g_object_unref(s);
		CHECK(rc == 0 && strcmp(r.result, c->result) == 0,
		    "%s [%s]: smime=%s (want %s) %s", c->name, c->profile,
		    rc == 0 ? r.result : err.msg, c->result,
		    rc == 0 ? r.log : "");
		if (rc != 0)
			goto next;
		if (strcmp(r.result, c->result) != 0)
			DIAG("A-R: %s", r.ar_value ? r.ar_value : "(none)");
		CHECK(header_safe(r.ar_value, 24, 998) &&
		        g_str_has_prefix(r.ar_value, "mx.hagiang.gov.vn;") &&
		        strstr(r.ar_value, "smime=") != NULL,
		    "%s: A-R is ASCII, LF+TAB folded, ours", c->name);
		CHECK(header_safe(r.verdict_value, 16, 78),
		    "%s: verdict header is encoded, folded < 78", c->name);
		CHECK(strcmp(r.result, "pass") == 0 ||
		        strstr(r.ar_value, "smime=pass") == NULL,
		    "%s: no resinfo says pass while the message does not",
		    c->name);
		dv = decode(r.verdict_value);
		if (strstr(c->facts, "n=2") != NULL)
			CHECK(strstr(dv, "[1] ") != NULL &&
			        strstr(dv, "[2] ") != NULL,
			    "%s: the verdict names every signer: %s", c->name,
			    dv);
		if (strcmp(c->name, "hp-valid") == 0)
			CHECK(strstr(dv,
			          "Được ký và khớp / Signed and "
			          "unchanged: Tiêu đề, Người nhận, Ngày, "
			          "Người gửi / Subject, To, Date, "
			          "From") != NULL &&
			        strstr(dv, "Không được ký") == NULL,
			    "%s: the protected fields are named: %s", c->name,
			    dv);
		if (strcmp(c->name, "hp-subject-changed") == 0)
			CHECK(strstr(dv,
			          "Tiêu đề đã bị thay đổi sau khi ký / "
			          "Subject changed after signing: giá trị "
			          "được ký / the signed Subject was "
			          "\"Thông báo lịch họp\"") != NULL &&
			        strstr(r.ar_value,
			            "Subject changed after "
			            "signing") != NULL,
			    "%s: %s", c->name, dv);
		if (strcmp(c->name, "hp-from-changed") == 0)
			CHECK(strstr(dv,
			          "Người gửi đã bị thay đổi sau khi ký / "
			          "From changed after signing") != NULL,
			    "%s: %s", c->name, dv);
		if (strcmp(c->name, "hp-cc-added") == 0)
			CHECK(strstr(dv, "Cc added after signing") != NULL,
			    "%s: %s", c->name, dv);
		if (strcmp(c->result, "pass") == 0 &&
		    strcmp(c->name, "hp-valid") != 0)
			CHECK(strstr(dv,
			          "Không được ký / Not signed: Tiêu đề, "
			          "Người nhận, Ngày") != NULL &&
			        strstr(dv, "Subject, To, Date") != NULL &&
			        strstr(dv, "signed (claimed)") != NULL,
			    "%s: a pass says what it does not cover and that "
			    "the "
			    "time is claimed: %s",
			    c->name, dv);
		if (strcmp(c->result, "pass") == 0)
			CHECK(g_str_has_prefix(dv, "Hợp lệ / Valid"),
			    "%s: verdict says valid: %s", c->name, dv);
		else
			CHECK(strstr(dv, "Hợp lệ / Valid") == NULL,
			    "%s: verdict does not say valid: %s", c->name, dv);
		if (strcmp(c->name, "o-badcn") == 0)
			CHECK(strchr(dv, '\r') == NULL &&
			        strchr(dv, '\n') == NULL &&
			        strstr(dv, "X-Injected: 1") != NULL,
			    "o-badcn: CR/LF in the signer name become spaces: "
			    "%s",
			    dv);
		if (g_str_has_prefix(c->name, "o-unsigned-own") ||
		    strcmp(c->name, "strict-unsigned-own") == 0 ||
		    g_str_has_prefix(c->name, "o-company-noemail") ||
		    strcmp(c->name, "o-two-from") == 0 ||
		    strcmp(c->name, "o-two-mailboxes") == 0 ||
		    strcmp(c->name, "o-display-spoof") == 0 ||
		    g_str_has_prefix(c->name, "o-display-other") ||
		    g_str_has_prefix(c->name, "o-ubnd-wrongdomain"))
			CHECK(g_str_has_prefix(dv, "Cảnh báo:"),
			    "%s: own-domain warning: %s", c->name, dv);
		if (g_str_has_prefix(c->name, "o-display-other"))
			CHECK(strstr(dv,
			          "From display name shows another "
			          "address") != NULL &&
			        strstr(r.ar_value, "smime=pass") == NULL,
			    "%s: a display name showing another address is "
			    "no pass: %s",
			    c->name, dv);
		if (strcmp(c->name, "o-unsigned-ext") == 0)
			CHECK(strstr(dv, "Cảnh báo") == NULL,
			    "external unsigned mail has no own-domain warning");
		if (strcmp(c->name, "strict-unsigned-own") == 0)
			CHECK(r.action == KYSO_ACTION_REJECT,
			    "OnUnsignedOwnDomain reject rejects");
		else
			CHECK(r.action == KYSO_ACTION_ACCEPT,
			    "%s: accepted (headers only)", c->name);
		if (g_str_has_prefix(c->name, "o-company-noemail"))
			CHECK(strstr(dv, "agency seal") == NULL &&
			        strstr(dv, "not bound to this sender") != NULL,
			    "%s: a certificate nobody declared is no agency "
			    "seal and seals nothing: %s",
			    c->name, dv);
		if (strcmp(c->name, "o-untrusted") == 0)
			CHECK(strstr(dv, "agency seal") == NULL &&
			        strstr(dv, "personal signature") == NULL,
			    "untrusted: no kind claimed: %s", dv);
		g_free(dv);
		kyso_inbound_result_clear(&r);
	next:
		for (k = 0; k < nh; k++) {
			g_free(h[k].name);
			g_free(h[k].value);
		}
	}
	g_hash_table_destroy(cfgs);
	g_ptr_array_free(skips, TRUE);
	g_ptr_array_free(cases, TRUE);
	return TEST_DONE();
}
