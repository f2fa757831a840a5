/*
 * sender.c - the one From address a message claims, for the sign decision.
 *
 * Exactly one From field holding exactly one mailbox, parsed with GMime's
 * strict address parser, plus a lexical pre-check on the raw value: GMime
 * silently drops what follows "a@ours@evil" or "a@ours;b@evil", so a value
 * with more than one '@', any ';' or ',', or angle brackets other than one
 * pair around the '@' outside quotes and comments is refused as ambiguous.
 * Anything else is KYSO_E_INPUT and the message is not signed. Never logs.
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "kyso/policy.h"
#include "config_int.h"

/* 0 when the raw value has exactly one '@', no ';' or ',' and at most
 * one "<>" pair around the '@', outside quoted strings and comments (RFC 5322
 * 3.2.2, 3.2.4, 3.4: the '@' of a name-addr is inside its angle brackets).
 * GMime 3.2.13 leaks memory on stray angle brackets ("a@b <c>", "a@b>c")
 * and on a ',' after the domain ("x <a@h,b>"), so those never reach it. */
static int
lexically_single(const char *v)
{
	int quoted = 0, depth = 0, ats = 0, angles = 0;

	for (; *v != '\0'; v++) {
		if (*v == '\\' && (quoted || depth > 0)) {
			if (v[1] == '\0')
				return -1;
			v++;
		} else if (quoted) {
			quoted = *v != '"';
		} else if (*v == '(') {
			depth++;
		} else if (depth > 0) {
			depth -= *v == ')';
		} else if (*v == '"') {
			quoted = 1;
		} else if (*v == '@') {
			ats++;
		} else if (*v == '<') {
			if (ats > 0 || angles++ > 0)
				return -1;
		} else if (*v == '>') {
			if (angles != 1 || ats != 1)
				return -1;
			angles = 2;
		} else if (*v == ';' || *v == ',') {
			return -1;
		}
	}
	return (ats == 1 && !quoted && depth == 0) ? 0 : -1;
}

/* addr-spec sanity: one '@', both sides non-empty, no space or control,
 * no empty domain label (GMime decodes a broken "xn--" label to nothing:
 * "a@xn--x.hagiang.gov.vn" would become "a@.hagiang.gov.vn"). */
static int
good_addr(const char *a)
{
	const char *at = strchr(a, '@');
	const unsigned char *p;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	if (at[1] == '.' || a[strlen(a) - 1] == '.' || strstr(at, "..") != NULL)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Parse one raw From value into out; -1 with the problem in err. */
static int
parse_from(const char *raw, char *out, size_t outlen, struct kyso_err *err)
{
	GMimeParserOptions *opts = NULL;
	InternetAddressList *list = NULL;
	InternetAddress *ia;
	const char *addr;
	char *value = NULL, *p;
	int rc = -1;

	if (lexically_single(raw) < 0) {
		kyso_err_set(err, KYSO_E_INPUT, "From is not a single address");
		goto out;
	}
	/* unfold: Postfix hands LF-folded values */
	value = kyso_xstrdup(raw);
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_address_compliance_mode(opts,
	    GMIME_RFC_COMPLIANCE_STRICT);
	list = internet_address_list_parse(opts, value);
	if (list == NULL || internet_address_list_length(list) != 1) {
		kyso_err_set(err, KYSO_E_INPUT,
		    "From must hold exactly one mailbox");
		goto out;
	}
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) {
		kyso_err_set(err, KYSO_E_INPUT, "From holds a group");
		goto out;
	}
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (addr == NULL || !good_addr(addr)) {
		kyso_err_set(err, KYSO_E_INPUT, "From address is malformed");
		goto out;
	}
	if (strlen(addr) > KYSO_MAX_ADDRESS || strlen(addr) >= outlen) {
		kyso_err_set(err, KYSO_E_INPUT, "From address is too long");
		goto out;
	}
	memcpy(out, addr, strlen(addr) + 1);
	kyso_text_lower(out);
	rc = 0;
out:
	if (list != NULL)
		g_object_unref(list);
	if (opts != NULL)
		g_mime_parser_options_free(opts);
	free(value);
	return rc;
}

int
kyso_policy_from_address(const struct kyso_header *headers, size_t n, char *out,
    size_t outlen, struct kyso_err *err)
{
	const char *raw = NULL;
	size_t i, count = 0;

	if (outlen > 0)
		out[0] = '\0';
	for (i = 0; i < n; i++)
		if (headers[i].name != NULL &&
		    g_ascii_strcasecmp(headers[i].name, "From") == 0) {
			raw = headers[i].value;
			count++;
		}
	if (count == 0 || raw == NULL) {
		kyso_err_set(err, KYSO_E_INPUT, "no From field");
		return -1;
	}
	if (count > 1) {
		/* RFC 5322 3.6: exactly one From field */
		kyso_err_set(err, KYSO_E_INPUT, "%zu From fields", count);
		return -1;
	}
	if (parse_from(raw, out, outlen, err) < 0) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
