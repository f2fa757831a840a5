/*
 * fuzz_from.c - libFuzzer target: the input is the value of a single From
 * field. kyso_policy_from_address() decides whose certificate signs, so
 * besides not crashing, an address it accepts must be a plain lower-case
 * addr-spec (one '@', both sides non-empty, no space or control octet, no
 * empty domain label, at most KYSO_MAX_ADDRESS octets) that is really
 * written in the field (ignoring white space and case; only comments
 * between its tokens may legitimately split it): an address or a domain the
 * field does not spell out would let a message claim another agency's
 * seal. Run with detect_leaks=1: nothing may leak, whichever input.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/policy.h"
#include "fuzz_common.h"

static int ready;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[KYSO_MAX_ADDRESS + 1];
	struct kyso_header h[2];
	struct kyso_err err = {0};
	char *value, *flat, *lower, *q;
	const char *at, *p;
	int rc;

	if (!ready) {
		kyso_mime_init();
		ready = 1;
	}
	value = fz_strndup(data, size);
	h[0].name = (char *)"From";
	h[0].value = value;
	rc = kyso_policy_from_address(h, 1, out, sizeof(out), &err);
	if (rc == 0) {
		at = strchr(out, '@');
		if (at == NULL || at == out || at[1] == '\0' ||
		    strchr(at + 1, '@') != NULL ||
		    strlen(out) > KYSO_MAX_ADDRESS)
			abort();
		for (p = out; *p != '\0'; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f ||
			    (*p >= 'A' && *p <= 'Z'))
				abort();
		/* the domain is spelled out in the field */
		lower = g_ascii_strdown(value, -1);
		flat = g_malloc(strlen(lower) + 1);
		for (q = flat, p = lower; *p != '\0'; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				*q++ = *p;
		*q = '\0';
		/* no empty domain label */
		if (at[1] == '.' || out[strlen(out) - 1] == '.' ||
		    strstr(at, "..") != NULL)
			abort();
		/* spelled out, unless comments split it legitimately */
		if (strchr(flat, '(') == NULL && strstr(flat, out) == NULL)
			abort();
		g_free(flat);
		g_free(lower);
		/* the display-name check reads any value without harm */
		(void)kyso_policy_from_names_other(h, 1, out);
	} else if (err.cls != KYSO_E_INPUT || out[0] != '\0') {
		abort();
	}
	/* two From fields are always refused */
	h[1] = h[0];
	if (kyso_policy_from_address(h, 2, out, sizeof(out), &err) == 0)
		abort();
	g_free(value);
	return 0;
}
