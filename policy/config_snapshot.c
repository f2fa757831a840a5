/*
 * config_snapshot.c - the immutable configuration snapshot: load and check
 * everything a configuration file refers to, share it by an atomic
 * reference count, free it (signers and trust included) at the last unref.
 *
 * Implements include/kyso/policy/config.h. A snapshot is complete or not built
 * at all; after kyso_config_load() returns nothing in it changes, so worker
 * threads read it without locks. Never logs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/config.h"
#include "kyso/policy/classified.h"
#include "kyso/policy/seal.h"
#include "kyso/smime/trust.h"
#include "config_int.h"

struct kyso_config {
	atomic_uint refs;
	char *path;
	struct kyso_config_values v;
	struct kyso_strlist domains; /* lower case */
	struct kyso_strlist mtas;
	struct kyso_strlist opaque; /* OpaqueRecipients, lower case */
	struct kyso_netlist *internal;
	struct kyso_certtable *certs;
	struct kyso_signtable *signing;
	struct kyso_signtable *logins; /* LoginTable, or NULL: any login */
	struct kyso_trust *trust;
	struct kyso_sealtable *seals; /* SealTable, or NULL */
	struct kyso_kindtable *kinds; /* KindTable, or NULL */
	char *profile_dir; /* TrustProfile's directory, or NULL for none */
	struct kyso_classified *classified; /* NULL: check disabled */
	unsigned *lines; /* line each key was set on (0: default) */
};

/* Line a key was set on (0: default). */
static unsigned
line_of(const unsigned *lines, const char *name)
{
	const struct kyso_config_key *k = kyso_config_keys_find(name);

	return k == NULL ? 0 : lines[k - kyso_config_keys];
}

static int
default_authserv_id(struct kyso_config *cfg, struct kyso_err *err)
{
	char host[256];

	if (cfg->v.s.authserv_id != NULL)
		return 0;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0') {
		kyso_text_err_at(err, cfg->path, 0,
		    "AuthservID not set and the host name is unknown");
		return -1;
	}
	host[sizeof(host) - 1] = '\0';
	cfg->v.s.authserv_id = kyso_xstrdup(host);
	return 0;
}

static int
load_domains(struct kyso_config *cfg, const unsigned *lines,
    struct kyso_err *err)
{
	char shown[64];
	size_t i;

	if (cfg->v.domain == NULL)
		return 0;
	kyso_text_split(cfg->v.domain, &cfg->domains);
	for (i = 0; i < cfg->domains.n; i++) {
		kyso_text_lower(cfg->domains.v[i]);
		if (!kyso_text_is_domain(cfg->domains.v[i])) {
			kyso_text_printable(shown, sizeof(shown),
			    cfg->domains.v[i]);
			kyso_text_err_at(err, cfg->path,
			    line_of(lines, "Domain"),
			    "Domain: bad domain \"%s\"", shown);
			return -1;
		}
	}
	return 0;
}

/* OpaqueRecipients: each entry an address (local@domain), a domain, or
 * ".domain" (its subdomains, not the domain itself), lower-cased. */
static int
load_opaque(struct kyso_config *cfg, const unsigned *lines,
    struct kyso_err *err)
{
	char shown[64];
	size_t i;

	if (cfg->v.opaque_recipients == NULL)
		return 0;
	kyso_text_split(cfg->v.opaque_recipients, &cfg->opaque);
	for (i = 0; i < cfg->opaque.n; i++) {
		const char *e = kyso_text_lower(cfg->opaque.v[i]);
		const char *at = strchr(e, '@');
		const char *dom = at != NULL ? at + 1 : e + (*e == '.');

		if ((at == NULL || (at > e && strchr(dom, '@') == NULL)) &&
		    kyso_text_is_domain(dom))
			continue;
		kyso_text_printable(shown, sizeof(shown), e);
		kyso_text_err_at(err, cfg->path,
		    line_of(lines, "OpaqueRecipients"),
		    "OpaqueRecipients: \"%s\" is not an address, a domain "
		    "or .domain",
		    shown);
		return -1;
	}
	return 0;
}

/* The port of an inet/inet6 Socket: 1..65535 (the parser let only digits
 * through). */
static int
good_port(const char *port, size_t len)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (!g_ascii_isdigit(port[i]))
			return 0;
		n = n * 10 + (unsigned long)(port[i] - '0');
	}
	return n >= 1 && n <= 65535;
}

/* The host of an inet (inet6) Socket: an IPv4 (IPv6) address, or a name. */
static int
good_host(const char *host, int v6)
{
	unsigned char addr[sizeof(struct in6_addr)];

	const char *last;

	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) == 1)
		return 1;
	/* a name, but not a bad address ("999.1.1.1"): no numeric TLD */
	last = strrchr(host, '.');
	last = last != NULL ? last + 1 : host;
	return kyso_text_is_domain(host) &&
	    strspn(last, "0123456789") < strlen(last);
}

/* An inet or inet6 Socket names a valid port and the address it listens
 * on, and that is loopback unless SocketAllowRemote: whoever reaches the
 * port can claim {auth_authen} and have mail signed. A unix socket names
 * an absolute path. */
static int
check_socket(struct kyso_config *cfg, const unsigned *lines,
    struct kyso_err *err)
{
	const char *sock = cfg->v.s.socket, *at, *port;
	unsigned line = line_of(lines, "Socket");
	char shown[64];
	int v6;

	if (sock == NULL)
		return 0;
	kyso_text_printable(shown, sizeof(shown), sock);
	if (g_ascii_strncasecmp(sock, "unix:", 5) == 0 ||
	    g_ascii_strncasecmp(sock, "local:", 6) == 0) {
		if (strchr(sock, ':')[1] != '/') {
			kyso_text_err_at(err, cfg->path, line,
			    "Socket: \"%s\" wants an absolute path", shown);
			return -1;
		}
		return 0;
	}
	if (g_ascii_strncasecmp(sock, "inet:", 5) != 0 &&
	    g_ascii_strncasecmp(sock, "inet6:", 6) != 0)
		return 0;
	v6 = g_ascii_strncasecmp(sock, "inet6:", 6) == 0;
	port = sock + (v6 ? 6 : 5);
	if ((at = strchr(sock, '@')) == NULL) {
		kyso_text_err_at(err, cfg->path, line,
		    "Socket: \"%s\" has no address and would listen on every "
		    "interface; name one, e.g. %s@127.0.0.1",
		    shown, shown);
		return -1;
	}
	if (!good_port(port, (size_t)(at - port))) {
		kyso_text_err_at(err, cfg->path, line,
		    "Socket: \"%s\": bad port (1..65535)", shown);
		return -1;
	}
	if (!good_host(at + 1, v6)) {
		kyso_text_err_at(err, cfg->path, line,
		    "Socket: \"%s\": bad %s address", shown,
		    v6 ? "IPv6" : "IPv4");
		return -1;
	}
	if (!cfg->v.s.socket_allow_remote &&
	    !kyso_netlist_is_loopback(at + 1) &&
	    g_ascii_strcasecmp(at + 1, "localhost") != 0) {
		kyso_text_err_at(err, cfg->path, line,
		    "Socket: \"%s\" is not a loopback address; only the MTA "
		    "may reach the milter (SocketAllowRemote yes to allow it)",
		    shown);
		return -1;
	}
	return 0;
}

static int
load_tables(struct kyso_config *cfg, const unsigned *lines,
    const struct kyso_config *prev, int flags, struct kyso_err *err)
{
	const struct kyso_config_values *v = &cfg->v;
	struct kyso_token_opts tok;

	if (v->signing_table != NULL && v->certificate_table == NULL) {
		kyso_text_err_at(err, cfg->path, line_of(lines, "SigningTable"),
		    "SigningTable needs CertificateTable");
		return -1;
	}
	if (v->signing_table != NULL && cfg->domains.n == 0) {
		kyso_text_err_at(err, cfg->path, line_of(lines, "SigningTable"),
		    "SigningTable needs Domain (the signing domains)");
		return -1;
	}
	tok.pin_state = v->token_pin_state;
	tok.wait_ms = (unsigned)v->token_wait_ms;
	tok.queue_limit = (unsigned)v->token_queue_limit;
	if (v->certificate_table != NULL &&
	    (cfg->certs = kyso_table_load_certs_ex(v->certificate_table,
	         v->s.digest, prev != NULL ? prev->certs : NULL,
	         (flags & KYSO_CONFIG_NO_KEYS) ? KYSO_TABLE_CERTS_ONLY : 0,
	         &tok, err)) == NULL)
		return -1;
	if (v->signing_table != NULL &&
	    (cfg->signing = kyso_table_load_signing(v->signing_table,
	         cfg->certs, err)) == NULL)
		return -1;
	if (v->s.login_table != NULL &&
	    (cfg->logins = kyso_table_load_logins(v->s.login_table, err)) ==
	        NULL)
		return -1;
	if (v->seal_table != NULL &&
	    (cfg->seals = kyso_seal_load(v->seal_table, err)) == NULL)
		return -1;
	return 0;
}

/* TrustProfile: the directory of its files (TrustProfileDirectory or the
 * package data directory, then the profile's name), which must be there. */
static int
profile_dir(struct kyso_config *cfg, const unsigned *lines,
    struct kyso_err *err)
{
	const struct kyso_config_values *v = &cfg->v;

	if (v->trust_profile == NULL || strcmp(v->trust_profile, "none") == 0)
		return 0;
	cfg->profile_dir =
	    g_build_filename(v->trust_profile_dir ? v->trust_profile_dir
	                                          : KYSO_PKGDATADIR,
	        v->trust_profile, NULL);
	if (!g_file_test(cfg->profile_dir, G_FILE_TEST_IS_DIR)) {
		kyso_text_err_at(err, cfg->path, line_of(lines, "TrustProfile"),
		    "TrustProfile %s: no directory %s", v->trust_profile,
		    cfg->profile_dir);
		return -1;
	}
	return 0;
}

/* KindTable, else the trust profile's kind.table when it has one. */
static int
load_kinds(struct kyso_config *cfg, const unsigned *lines, struct kyso_err *err)
{
	char *path = NULL;
	int rc = -1;

	if (profile_dir(cfg, lines, err) < 0)
		return -1;
	if (cfg->v.kind_table != NULL)
		path = g_strdup(cfg->v.kind_table);
	else if (cfg->profile_dir != NULL) {
		path = g_build_filename(cfg->profile_dir, "kind.table", NULL);
		if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
			rc = 0;
			goto out;
		}
	}
	if (path != NULL && (cfg->kinds = kyso_kind_load(path, err)) == NULL)
		goto out;
	rc = 0;
out:
	g_free(path);
	return rc;
}

/* The trust spec of cfg's settings (cache_dir as given). */
static struct kyso_trust_spec
trust_spec(const struct kyso_config *cfg, const char *cache_dir)
{
	const struct kyso_settings *s = &cfg->v.s;
	struct kyso_trust_spec spec = {
	    .anchor_file = s->trust_anchor_file,
	    .anchor_dir = s->trust_anchor_dir,
	    .intermediate_file = s->intermediate_file,
	    .crl_file = s->crl_file,
	    .cache_dir = cache_dir,
	    .revocation_check = s->revocation_check,
	    .timeout = s->revocation_timeout,
	    .budget = s->revocation_budget,
	    .max_age = s->revocation_max_age,
	    .softfail = s->revocation_softfail,
	    .agency_oids = s->agency_oids,
	    .personal_oids = s->personal_oids,
	    .legacy_sha1_file = cfg->v.legacy_sha1,
	    .profile_dir = cfg->profile_dir,
	    .url_map = s->revocation_url_map,
	    .tsa_anchor_file = s->timestamp_anchor_file,
	    .verify_cache_size = s->verify_cache_size,
	    .scratch_dir = s->tmp_dir,
	    .scratch_memory = s->spool_memory,
	};

	return spec;
}

int
kyso_config_has_trust_profile(const struct kyso_config *cfg)
{
	return cfg->profile_dir != NULL || cfg->v.legacy_sha1 != NULL;
}

struct kyso_trust *
kyso_config_chain_trust(const struct kyso_config *cfg, struct kyso_err *err)
{
	struct kyso_trust_spec spec = trust_spec(cfg, NULL);

	/* anchors, intermediates and the profile only: no revocation, no
	 * cache directory (a monitoring user may run it) */
	spec.crl_file = NULL;
	spec.revocation_check = KYSO_REVCHECK_NONE;
	spec.url_map = NULL;
	spec.tsa_anchor_file = NULL;
	return kyso_trust_load(&spec, err);
}

static int
load_trust(struct kyso_config *cfg, const unsigned *lines, struct kyso_err *err)
{
	const struct kyso_settings *s = &cfg->v.s;
	/* not predictable file names in a shared /tmp: a subdirectory the
	 * daemon owns (trust.c and cachedir.c refuse anything else) */
	char *dir = s->revocation_cache_dir
	    ? g_strdup(s->revocation_cache_dir)
	    : g_strdup_printf("%s/kyso-milter-revocation", s->tmp_dir);
	struct kyso_trust_spec spec = trust_spec(cfg, dir);
	int rc = -1;

	if (!s->verify_inbound) {
		rc = 0;
		goto out;
	}
	if (s->crl_file != NULL && !(s->revocation_check & KYSO_REVCHECK_CRL)) {
		kyso_text_err_at(err, cfg->path, line_of(lines, "CRLFile"),
		    "CRLFile is set but RevocationCheck %s uses no CRLs",
		    s->revocation_check ? "ocsp" : "none");
		goto out;
	}
	if ((cfg->trust = kyso_trust_load(&spec, err)) == NULL) {
		kyso_text_err_at(err, cfg->path, 0, "%s", err->msg);
		goto out;
	}
	rc = 0;
out:
	g_free(dir);
	return rc;
}

/* TimestampURL: a plain http URL (a token is a signed object; OpenSSL's
 * client, smime/http.c, speaks http only). */
static int
check_timestamp_url(struct kyso_config *cfg, const unsigned *lines,
    struct kyso_err *err)
{
	const char *u = cfg->v.s.timestamp_url;

	if (u == NULL ||
	    (g_ascii_strncasecmp(u, "http://", 7) == 0 && u[7] != '\0' &&
	        u[7] != '/'))
		return 0;
	kyso_text_err_at(err, cfg->path, line_of(lines, "TimestampURL"),
	    "TimestampURL %s: want an http:// URL", u);
	return -1;
}

/* The daemon opens JournalFile (milter/), the snapshot never does: here it
 * is only checked, without creating it (kyso-milter -n, kyso-report -c),
 * as the daemon's open would fail: an existing path that is not a regular
 * file (a symbolic link included), or a new file in a directory that is
 * not there. Permissions are left to the open, which the daemon does
 * before it drops privileges. */
static int
check_journal(struct kyso_config *cfg, const unsigned *lines,
    struct kyso_err *err)
{
	const char *path = cfg->v.s.journal_file;
	const char *why = NULL;
	char *dir = NULL;
	struct stat st;

	if (path == NULL)
		return 0;
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			why = "not a regular file";
	} else if (errno != ENOENT) {
		why = g_strerror(errno);
	} else {
		dir = g_path_get_dirname(path);
		if (stat(dir, &st) < 0)
			why = g_strerror(errno);
		else if (!S_ISDIR(st.st_mode))
			why = g_strerror(ENOTDIR);
	}
	if (why != NULL)
		kyso_text_err_at(err, cfg->path, line_of(lines, "JournalFile"),
		    "JournalFile %s: cannot open: %s", path, why);
	g_free(dir);
	return why != NULL ? -1 : 0;
}

struct kyso_config *
kyso_config_load(const char *path, struct kyso_err *err)
{
	return kyso_config_load_ex(path, NULL, 0, err);
}

struct kyso_config *
kyso_config_load_ex(const char *path, const struct kyso_config *prev, int flags,
    struct kyso_err *err)
{
	struct kyso_config *cfg = kyso_xcalloc(1, sizeof(*cfg));
	unsigned *lines = kyso_xcalloc(kyso_config_nkeys, sizeof(*lines));

	atomic_init(&cfg->refs, 1);
	cfg->path = kyso_xstrdup(path);
	if (kyso_config_parse_file(path, &cfg->v, lines, err) < 0 ||
	    default_authserv_id(cfg, err) < 0 ||
	    check_socket(cfg, lines, err) < 0 ||
	    load_domains(cfg, lines, err) < 0 ||
	    load_opaque(cfg, lines, err) < 0)
		goto fail;
	if (cfg->v.mta != NULL)
		kyso_text_split(cfg->v.mta, &cfg->mtas);
	if ((cfg->internal = kyso_netlist_load(cfg->v.internal_hosts, path,
	         line_of(lines, "InternalHosts"), err)) == NULL)
		goto fail;
	/* no trust material for a certificates-only check: its revocation
	 * cache belongs to the daemon's user, not to the monitoring one */
	if (load_tables(cfg, lines, prev, flags, err) < 0 ||
	    load_kinds(cfg, lines, err) < 0 ||
	    (!(flags & KYSO_CONFIG_NO_KEYS) &&
	        load_trust(cfg, lines, err) < 0) ||
	    check_timestamp_url(cfg, lines, err) < 0 ||
	    check_journal(cfg, lines, err) < 0)
		goto fail;
	cfg->classified = kyso_classified_new(cfg->v.s.classified_markings);
	cfg->lines = lines;
	return cfg;
fail:
	free(lines);
	kyso_config_unref(cfg);
	return NULL;
}

struct kyso_config *
kyso_config_ref(struct kyso_config *cfg)
{
	if (cfg != NULL)
		atomic_fetch_add_explicit(&cfg->refs, 1, memory_order_relaxed);
	return cfg;
}

void
kyso_config_unref(struct kyso_config *cfg)
{
	if (cfg == NULL ||
	    atomic_fetch_sub_explicit(&cfg->refs, 1, memory_order_acq_rel) != 1)
		return;
	kyso_trust_free(cfg->trust);
	kyso_seal_free(cfg->seals);
	kyso_kind_free(cfg->kinds);
	g_free(cfg->profile_dir);
	kyso_classified_free(cfg->classified);
	kyso_table_free_signing(cfg->signing);
	kyso_table_free_signing(cfg->logins);
	kyso_table_free_certs(cfg->certs);
	kyso_netlist_free(cfg->internal);
	kyso_text_strlist_free(&cfg->mtas);
	kyso_text_strlist_free(&cfg->opaque);
	kyso_text_strlist_free(&cfg->domains);
	kyso_config_parse_free(&cfg->v);
	free(cfg->lines);
	free(cfg->path);
	free(cfg);
}

unsigned
kyso_config_key_line(const struct kyso_config *cfg, const char *name)
{
	return cfg->lines == NULL ? 0 : line_of(cfg->lines, name);
}

size_t
kyso_config_kept_signers(const struct kyso_config *cfg)
{
	return kyso_table_kept(cfg->certs);
}

const char *
kyso_config_cert_table(const struct kyso_config *cfg, unsigned *line, size_t i)
{
	*line = kyso_table_cert_line(cfg->certs, i);
	return kyso_table_path(cfg->certs);
}

const char *
kyso_config_cert_file(const struct kyso_config *cfg, size_t i, int which)
{
	return kyso_table_cert_file(cfg->certs, i, which);
}

const char *
kyso_config_pin_file(const struct kyso_config *cfg, size_t i, time_t *changed)
{
	return kyso_table_pin_file(cfg->certs, i, changed);
}

const struct kyso_settings *
kyso_config_settings(const struct kyso_config *cfg)
{
	return &cfg->v.s;
}

const char *
kyso_config_path(const struct kyso_config *cfg)
{
	return cfg->path;
}

/* 1 when `domain` is `suffix` (subdomains 0) or ends in "." suffix
 * (subdomains 1); case-insensitive. */
static int
domain_matches(const char *domain, const char *suffix, int subdomains)
{
	size_t dlen = strlen(domain), slen = strlen(suffix);

	if (!subdomains)
		return g_ascii_strcasecmp(domain, suffix) == 0;
	return dlen > slen + 1 && domain[dlen - slen - 1] == '.' &&
	    g_ascii_strcasecmp(domain + dlen - slen, suffix) == 0;
}

int
kyso_config_is_own_domain(const struct kyso_config *cfg, const char *domain)
{
	size_t i;

	if (domain == NULL)
		return 0;
	for (i = 0; i < cfg->domains.n; i++)
		if (domain_matches(domain, cfg->domains.v[i], 0) ||
		    (cfg->v.s.sub_domains &&
		        domain_matches(domain, cfg->domains.v[i], 1)))
			return 1;
	return 0;
}

int
kyso_config_wants_recipients(const struct kyso_config *cfg)
{
	return cfg->opaque.n > 0;
}

int
kyso_config_opaque_recipient(const struct kyso_config *cfg, const char *rcpt)
{
	const char *at = rcpt != NULL ? strrchr(rcpt, '@') : NULL;
	size_t i;

	if (at == NULL || at[1] == '\0')
		return 0;
	for (i = 0; i < cfg->opaque.n; i++) {
		const char *e = cfg->opaque.v[i];

		if (strchr(e, '@') != NULL
		        ? g_ascii_strcasecmp(e, rcpt) == 0
		        : domain_matches(at + 1, e + (*e == '.'), *e == '.'))
			return 1;
	}
	return 0;
}

const char *
kyso_config_lookup_sender(const struct kyso_config *cfg, const char *address)
{
	return kyso_table_lookup(cfg->signing, address);
}

/* 1 when address is the login's own: the login itself when it holds '@',
 * else login@D when D is the one domain of the Domain key; with several
 * (agencies) a bare login does not say which is its own: "alice" of one
 * agency is not "alice" of another. Case-insensitive. */
static int
own_address(const struct kyso_config *cfg, const char *login,
    const char *address)
{
	size_t llen = strlen(login);

	if (strchr(login, '@') != NULL)
		return g_ascii_strcasecmp(login, address) == 0;
	if (llen == 0 || cfg->domains.n != 1 ||
	    g_ascii_strncasecmp(address, login, llen) != 0 ||
	    address[llen] != '@')
		return 0;
	return g_ascii_strcasecmp(address + llen + 1, cfg->domains.v[0]) == 0;
}

enum kyso_login_grant
kyso_config_login_allows(const struct kyso_config *cfg, const char *login,
    const char *address)
{
	if (login == NULL || address == NULL)
		return KYSO_LOGIN_REFUSED;
	if (own_address(cfg, login, address))
		return KYSO_LOGIN_OWN;
	if (cfg->logins != NULL &&
	    kyso_table_login_allows(cfg->logins, login, address))
		return KYSO_LOGIN_TABLE;
	return KYSO_LOGIN_REFUSED;
}

const char *
kyso_login_grant_name(enum kyso_login_grant g)
{
	switch (g) {
	case KYSO_LOGIN_OWN:
		return "own-address";
	case KYSO_LOGIN_TABLE:
		return "LoginTable";
	case KYSO_LOGIN_REFUSED:
		break;
	}
	return "none";
}

const struct kyso_signer *
kyso_config_signer(const struct kyso_config *cfg, const char *cert_id)
{
	return kyso_table_signer(cfg->certs, cert_id);
}

int
kyso_config_is_internal_host(const struct kyso_config *cfg, const char *ip)
{
	return kyso_netlist_contains(cfg->internal, ip);
}

const struct kyso_sealtable *
kyso_config_seals(const struct kyso_config *cfg)
{
	return cfg->seals;
}

const struct kyso_kindtable *
kyso_config_kinds(const struct kyso_config *cfg)
{
	return cfg->kinds;
}

int
kyso_config_internal_entry(const struct kyso_config *cfg, const char *ip,
    char *entry, size_t len)
{
	return kyso_netlist_match(cfg->internal, ip, entry, len);
}

const struct kyso_trust *
kyso_config_trust(const struct kyso_config *cfg)
{
	return cfg->trust;
}

const struct kyso_classified *
kyso_config_classified(const struct kyso_config *cfg)
{
	return cfg->classified;
}

size_t
kyso_config_ncerts(const struct kyso_config *cfg)
{
	return kyso_table_count_certs(cfg->certs);
}

const char *
kyso_config_cert_id(const struct kyso_config *cfg, size_t i)
{
	return kyso_table_cert_id(cfg->certs, i);
}

int
kyso_config_is_originating_mta(const struct kyso_config *cfg,
    const char *daemon_name)
{
	size_t i;

	if (daemon_name == NULL || daemon_name[0] == '\0')
		return 0;
	for (i = 0; i < cfg->mtas.n; i++)
		if (g_ascii_strcasecmp(cfg->mtas.v[i], daemon_name) == 0)
			return 1;
	return 0;
}
