/*
 * replay_main.c - a main() for a fuzz target built without libFuzzer: calls
 * LLVMFuzzerTestOneInput() once for every file in the directories (or
 * files) named on the command line, or in the target's checked-in corpus
 * (KYSO_FUZZ_CORPUS) when none is named, in name order. Each input is passed
 * in a buffer of exactly its size, so a sanitizer build catches over-reads.
 * Prints TAP, one line per input: every past finding in the corpus stays a
 * regression test. A crash ends the program (the TAP driver reports it).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "fuzz_common.h"

#ifndef KYSO_FUZZ_CORPUS
#define KYSO_FUZZ_CORPUS "."
#endif

static int n_run;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_file(const char *label, const char *path)
{
	gchar *text = NULL;
	gsize len = 0;
	uint8_t *copy;

	if (!g_file_get_contents(path, &text, &len, NULL)) {
		printf("not ok %d - %s: cannot read %s\n", ++n_run, label,
		    path);
		return 1;
	}
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	g_free(text);
	(void)fprintf(stderr, "replay: %s\n", path);
	(void)fflush(stdout);
	(void)LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	printf("ok %d - %s: %s\n", ++n_run, label, path);
	(void)fflush(stdout);
	return 0;
}

static int
run_dir(const char *label, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int bad = 0;

	if (d == NULL)
		return run_file(label, dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		names[n++] = g_build_filename(dir, e->d_name, NULL);
	}
	(void)closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			bad |= run_file(label, names[i]);
		g_free(names[i]);
	}
	free(names);
	return bad;
}

int
main(int argc, char **argv)
{
	const char *label = strrchr(argv[0], '/');
	int i, bad = 0;

	label = label != NULL ? label + 1 : argv[0];
	if (argc < 2)
		bad |= run_dir(label, KYSO_FUZZ_CORPUS);
	for (i = 1; i < argc; i++)
		bad |= run_dir(label, argv[i]);
	if (n_run == 0) {
		printf("ok 1 - %s # SKIP no inputs\n", label);
		n_run = 1;
	}
	printf("1..%d\n", n_run);
	return bad;
}
