/*
 * test_confman.c - kyso-milter.conf(5) documents every key of the key
 * table (a ".TP" / ".B Key" entry whose paragraph states the default, and
 * the table's default text where there is one), and documents no key the
 * table does not have.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "../../policy/config_int.h"
#include "harness.h"

/* The paragraph of the ".TP\n.B name" entry, or NULL (g_free it). */
static char *
paragraph(char **lines, const char *name)
{
	GString *p;
	size_t i, j;

	for (i = 1; lines[i] != NULL; i++) {
		if (strcmp(lines[i - 1], ".TP") != 0 ||
		    strncmp(lines[i], ".B ", 3) != 0 ||
		    strcmp(lines[i] + 3, name) != 0)
			continue;
		p = g_string_new(NULL);
		for (j = i + 1; lines[j] != NULL; j++) {
			if (strcmp(lines[j], ".TP") == 0 ||
			    strncmp(lines[j], ".SS", 3) == 0 ||
			    strncmp(lines[j], ".SH", 3) == 0)
				break;
			g_string_append(p, lines[j]);
			g_string_append_c(p, '\n');
		}
		return g_string_free(p, FALSE);
	}
	return NULL;
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char *path, *text = NULL, *para;
	char **lines;
	size_t i;
	int in_keys = 0, documented = 0;

	path = g_strdup_printf("%s/man/kyso-milter.conf.5",
	    top != NULL ? top : ".");
	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		printf("Bail out! cannot read %s\n", path);
		return 99;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; i < kyso_config_nkeys; i++) {
		const struct kyso_config_key *k = &kyso_config_keys[i];

		para = paragraph(lines, k->name);
		CHECK(para != NULL, "%s has an entry", k->name);
		CHECK(para != NULL && strstr(para, "Default:") != NULL,
		    "%s: default stated", k->name);
		if (k->def != NULL)
			CHECK(para != NULL && strstr(para, k->def) != NULL,
			    "%s: default \"%s\" in the text", k->name, k->def);
		g_free(para);
	}
	for (i = 1; lines[i] != NULL; i++) {
		if (strncmp(lines[i], ".SH", 3) == 0)
			in_keys = strcmp(lines[i], ".SH KEYS") == 0;
		if (!in_keys || strcmp(lines[i - 1], ".TP") != 0 ||
		    strncmp(lines[i], ".B ", 3) != 0)
			continue;
		documented++;
		CHECK(kyso_config_keys_find(lines[i] + 3) != NULL &&
		        strcmp(kyso_config_keys_find(lines[i] + 3)->name,
		            lines[i] + 3) == 0,
		    "documented key %s exists, spelled as in the table",
		    lines[i] + 3);
	}
	CHECK((size_t)documented == kyso_config_nkeys,
	    "%d entries for %zu keys", documented, kyso_config_nkeys);
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return TEST_DONE();
}
