/*
 * test_verify_corpus.c - the public third-party S/MIME samples in
 * ../shared/corpus-public (relative to the source tree top): for every
 * manifest line, kyso_verify_message + the verdict rules must give one of
 * the results in its `accept` column, with the line's roots as anchors.
 * Every case is a SKIP when the corpus is absent.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "kyso/policy/verdict.h"
#include "harness.h"

/* Lower-case addr-spec of the single From of a message file, or NULL. */
static char *
from_of(const char *path)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	InternetAddressList *l;
	InternetAddress *a;
	char *r = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	s = g_mime_stream_fs_new(fd);
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, NULL);
	if (m != NULL && (l = g_mime_message_get_from(m)) != NULL &&
	    internet_address_list_length(l) == 1 &&
	    INTERNET_ADDRESS_IS_MAILBOX(
	        a = internet_address_list_get_address(l, 0)))
		r = g_ascii_strdown(internet_address_mailbox_get_addr(
		                        (InternetAddressMailbox *)a),
		    -1);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	return r;
}

/* All PEM files of dir concatenated into one temporary anchor file. */
static char *
anchors_for(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GString *all = g_string_new(NULL);
	const char *n;
	char *path = NULL, *text;
	int fd;

	while (d != NULL && (n = g_dir_read_name(d)) != NULL) {
		char *f = g_build_filename(dir, n, NULL);

		if (g_str_has_suffix(n, ".pem") &&
		    g_file_get_contents(f, &text, NULL, NULL)) {
			g_string_append(all, text);
			g_free(text);
		}
		g_free(f);
	}
	if (d != NULL)
		g_dir_close(d);
	if (all->len > 0 &&
	    (fd = g_file_open_tmp("kyso-anchors-XXXXXX.pem", &path, NULL)) >=
	        0) {
		close(fd);
		if (!g_file_set_contents(path, all->str, (gssize)all->len,
		        NULL)) {
			g_free(path);
			path = NULL;
		}
	}
	g_string_free(all, TRUE);
	return path;
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	const char *env = getenv("KYSO_CORPUS"); /* set by tests/run-all.sh
	                                            for copies of the tree */
	char *base = env != NULL && *env != '\0'
	    ? g_strdup(env)
	    : g_build_filename(top ? top : ".", "..", "shared", "corpus-public",
	          NULL);
	char *manifest = g_build_filename(base, "manifest.tsv", NULL);
	char *text = NULL, **lines;
	int i;

	g_mime_init();
	if (!g_file_get_contents(manifest, &text, NULL, NULL)) {
		SKIP("public corpus not found at %s", base);
		g_free(base);
		g_free(manifest);
		return TEST_DONE();
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 1; lines[i] != NULL; i++) {
		char **f = g_strsplit(lines[i], "\t", -1);
		struct kyso_trust_spec spec = {0};
		struct kyso_verify_result r;
		struct kyso_verdict v;
		struct kyso_err err = {0};
		struct kyso_trust *t = NULL;
		char *file, *from, *anchors = NULL, *acc;
		GMimeStream *s;
		int fd;

		if (g_strv_length(f) < 5) {
			g_strfreev(f);
			continue;
		}
		file = g_build_filename(base, f[0], NULL);
		if (!g_file_test(file, G_FILE_TEST_EXISTS)) {
			SKIP("%s missing", f[0]);
			goto next;
		}
		if (strcmp(f[4], "-") != 0) {
			char *rd = g_build_filename(base, "roots", f[4], NULL);

			anchors = anchors_for(rd);
			g_free(rd);
		}
		spec.anchor_file = anchors;
		if ((t = kyso_trust_load(&spec, &err)) == NULL) {
			CHECK(0, "%s: anchors load: %s", f[0], err.msg);
			goto next;
		}
		from = from_of(file);
		fd = open(file, O_RDONLY);
		s = g_mime_stream_fs_new(fd);
		memset(&v, 0, sizeof(v));
		if (kyso_verify_message(t, s, from, time(NULL), &r, &err) ==
		    0) {
			kyso_inbound_judge(NULL, &r, from, 0, &v);
			acc = g_strdup_printf(",%s,", f[3]);
			{
				char *want = g_strdup_printf(",%s,",
				    kyso_result_name(v.result));

				CHECK(strstr(acc, want) != NULL,
				    "%s (%s): smime=%s, accept %s", f[0], f[2],
				    kyso_result_name(v.result), f[3]);
				if (strstr(acc, want) == NULL && r.nsigners > 0)
					DIAG("why=%s sig=%d(%s) chain=%d(%s)",
					    kyso_inbound_why_text(v.why, 0),
					    r.signers[0].signature_ok,
					    r.signers[0].signature_error
					        ? r.signers[0].signature_error
					        : "",
					    r.signers[0].chain_ok,
					    r.signers[0].chain_error
					        ? r.signers[0].chain_error
					        : "");
				g_free(want);
			}
			g_free(acc);
			kyso_inbound_verdict_clear(&v);
			kyso_verify_result_clear(&r);
		} else
			CHECK(0, "%s: verification runs: %s", f[0], err.msg);
		g_object_unref(s);
		g_free(from);
	next:
		kyso_trust_free(t);
		if (anchors != NULL) {
			unlink(anchors);
			g_free(anchors);
		}
		g_free(file);
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	g_free(manifest);
	g_free(base);
	return TEST_DONE();
}
