/*
 * harness.h - a tiny TAP producer for unit tests (automake tap-driver.sh).
 *
 * CHECK(cond, fmt, ...) evaluates cond once and prints "ok N - name" or
 * "not ok N - name" with the failing expression and line; TEST_DONE()
 * prints the plan and gives the exit status. Header-only.
 */
#ifndef KYSO_TEST_HARNESS_H
#define KYSO_TEST_HARNESS_H

#include <stdio.h>

static int harness_n, harness_failed;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		int check_ok_ = (cond) ? 1 : 0;                                \
		++harness_n;                                                   \
		if (!check_ok_)                                                \
			++harness_failed;                                      \
		printf("%s %d - ", check_ok_ ? "ok" : "not ok", harness_n);    \
		printf(__VA_ARGS__);                                           \
		if (!check_ok_)                                                \
			printf(" -- failed: %s at %s:%d", #cond, __FILE__,     \
			    __LINE__);                                         \
		printf("\n");                                                  \
		fflush(stdout);                                                \
	} while (0)

#define SKIP(...)                                                              \
	do {                                                                   \
		++harness_n;                                                   \
		printf("ok %d - # SKIP ", harness_n);                          \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

#define DIAG(...)                                                              \
	do {                                                                   \
		printf("# ");                                                  \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

#define TEST_DONE() (printf("1..%d\n", harness_n), harness_failed ? 1 : 0)

#endif
