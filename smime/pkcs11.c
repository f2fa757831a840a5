/*
 * pkcs11.c - RSA private keys on a PKCS#11 token, through the token's
 * module directly.
 *
 * Each key owns one session: opened at load, logged in with the key's PIN,
 * the key object found by label and/or id. When the token goes away and
 * comes back its handles die (CKR_OBJECT_HANDLE_INVALID and friends): the
 * next signature opens a new session, logs in and finds the key again
 * (bounded, logged), and a reload loads fresh keys. A module is loaded
 * once per path and initialised once per process (again after fork()),
 * and never finalised while a key uses it.
 *
 * PINs: tokens lock after a few wrong PINs, so a PIN the token refused is
 * remembered as HMAC-SHA256(token label and serial, PIN) in memory and in
 * the PIN state file, and never offered to that token again (a reload or a
 * restart with the same wrong PIN file costs no try).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <p11-kit/pkcs11.h>

#include "kyso/limits.h"
#include "kyso/smime/signer.h"
#include "pkcs11.h"

struct p11_module {
	char *path;
	void *dl;
	CK_FUNCTION_LIST *f;
	unsigned refs;
	pid_t pid; /* process that called C_Initialize */
	/* every call into the module holds rw for reading; re-initialising
	 * it (a token that came back is only seen after C_Finalize and
	 * C_Initialize by some modules, SoftHSM2's among them) for writing */
	pthread_rwlock_t rw;
	unsigned gen;         /* C_Initialize count: older sessions are dead */
	struct timespec last; /* of the last re-initialisation */
	struct p11_module *next;
};

struct kyso_pkcs11_key {
	struct p11_module *mod;
	char *token;  /* CKA token label, or NULL: any */
	char *serial; /* token serial, or NULL: any */
	char *object; /* CKA_LABEL, or NULL */
	unsigned char id[KYSO_MAX_P11_ID];
	size_t idlen; /* 0: no id in the URI */
	char *pin;    /* kept to log in again after the token came back */
	char *pin_state;
	CK_SESSION_HANDLE sess;
	CK_OBJECT_HANDLE obj;
	int open;
	unsigned gen; /* the module's gen when the session was opened */
	BIGNUM *n;    /* the key's modulus: a key found again must match */
	char name[160];
	char device[512];
};

static pthread_mutex_t mods_mu = PTHREAD_MUTEX_INITIALIZER;
static struct p11_module *mods;

/* PINs refused in this process (hex keyed hashes) */
static pthread_mutex_t pins_mu = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray *refused_pins;

static void (*token_logger)(int, const char *, va_list);

void
kyso_token_set_logger(void (*fn)(int prio, const char *fmt, va_list ap))
{
	token_logger = fn;
}

void
kyso_token_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (token_logger == NULL)
		return;
	va_start(ap, fmt);
	token_logger(prio, fmt, ap);
	va_end(ap);
}

static const char *
rv_name(CK_RV rv)
{
	static __thread char buf[32];

	switch (rv) {
	case CKR_OK:
		return "CKR_OK";
	case CKR_SESSION_HANDLE_INVALID:
		return "session handle invalid";
	case CKR_SESSION_CLOSED:
		return "session closed";
	case CKR_OBJECT_HANDLE_INVALID:
		return "object handle invalid";
	case CKR_KEY_HANDLE_INVALID:
		return "key handle invalid";
	case CKR_DEVICE_REMOVED:
		return "device removed";
	case CKR_DEVICE_ERROR:
		return "device error";
	case CKR_TOKEN_NOT_PRESENT:
		return "token not present";
	case CKR_TOKEN_NOT_RECOGNIZED:
		return "token not recognized";
	case CKR_USER_NOT_LOGGED_IN:
		return "user not logged in";
	case CKR_PIN_INCORRECT:
		return "PIN incorrect";
	case CKR_PIN_LOCKED:
		return "PIN locked";
	case CKR_PIN_INVALID:
		return "PIN invalid";
	case CKR_PIN_LEN_RANGE:
		return "PIN length out of range";
	case CKR_SLOT_ID_INVALID:
		return "slot id invalid";
	case CKR_GENERAL_ERROR:
		return "general error";
	case CKR_FUNCTION_FAILED:
		return "function failed";
	default:
		(void)snprintf(buf, sizeof(buf), "CKR 0x%lx",
		    (unsigned long)rv);
		return buf;
	}
}

/* Errors after which a new session and a new search may succeed. */
static int
rv_stale(CK_RV rv)
{
	switch (rv) {
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_KEY_HANDLE_INVALID:
	case CKR_DEVICE_REMOVED:
	case CKR_DEVICE_ERROR:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_USER_NOT_LOGGED_IN:
	case CKR_SLOT_ID_INVALID:
	case CKR_GENERAL_ERROR:
	case CKR_FUNCTION_FAILED:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return 1;
	default:
		return 0;
	}
}

int
kyso_pkcs11_is_uri(const char *key_ref)
{
	return key_ref != NULL && strncmp(key_ref, "pkcs11:", 7) == 0;
}

static void init_rwlock(pthread_rwlock_t *rw);

/* C_Initialize in this process (again after fork()). Under mods_mu. */
static int
module_init(struct p11_module *m, struct kyso_err *err)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: C_Initialize: %s",
		    m->path, rv_name(rv));
		return -1;
	}
	m->pid = getpid();
	return 0;
}

static struct p11_module *
module_get(const char *path, struct kyso_err *err)
{
	struct p11_module *m;
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);

	(void)pthread_mutex_lock(&mods_mu);
	for (m = mods; m != NULL; m = m->next)
		if (strcmp(m->path, path) == 0)
			break;
	if (m != NULL) {
		if (m->pid != getpid() && module_init(m, err) < 0)
			m = NULL;
		else
			m->refs++;
		goto out;
	}
	m = kyso_xcalloc(1, sizeof(*m));
	m->path = kyso_xstrdup(path);
	init_rwlock(&m->rw);
	if ((m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "PKCS#11 module %s: %s", path,
		    dlerror());
		goto fail;
	}
	*(void **)&get_list = dlsym(m->dl, "C_GetFunctionList");
	if (get_list == NULL || get_list(&m->f) != CKR_OK || m->f == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: not a PKCS#11 module (C_GetFunctionList)", path);
		goto fail;
	}
	if (module_init(m, err) < 0)
		goto fail;
	m->refs = 1;
	m->next = mods;
	mods = m;
	goto out;
fail:
	if (m->dl != NULL)
		(void)dlclose(m->dl);
	(void)pthread_rwlock_destroy(&m->rw);
	free(m->path);
	free(m);
	m = NULL;
out:
	(void)pthread_mutex_unlock(&mods_mu);
	return m;
}

/* Drop a reference; the last one finalises and unloads the module. */
static void
module_put(struct p11_module *m)
{
	struct p11_module **pp;

	if (m == NULL)
		return;
	(void)pthread_mutex_lock(&mods_mu);
	if (--m->refs == 0) {
		for (pp = &mods; *pp != NULL; pp = &(*pp)->next)
			if (*pp == m) {
				*pp = m->next;
				break;
			}
		if (m->pid == getpid())
			(void)m->f->C_Finalize(NULL);
		(void)dlclose(m->dl);
		(void)pthread_rwlock_destroy(&m->rw);
		free(m->path);
		free(m);
	}
	(void)pthread_mutex_unlock(&mods_mu);
}

/* Writers first: a re-initialisation must not starve under signatures. */
static void
init_rwlock(pthread_rwlock_t *rw)
{
	pthread_rwlockattr_t a;

	(void)pthread_rwlockattr_init(&a);
	(void)pthread_rwlockattr_setkind_np(&a,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	(void)pthread_rwlock_init(rw, &a);
	(void)pthread_rwlockattr_destroy(&a);
}

/* C_Finalize and C_Initialize the module, once for all keys that saw
 * generation `seen` lose their token, at most once per
 * KYSO_TOKEN_REINIT_MS. The caller holds no lock on m->rw. Every session
 * of the module dies: keys open new ones (their gen is older). */
static void
module_reinit(struct p11_module *m, unsigned seen, const char *why)
{
	struct timespec now;
	long ms;

	(void)pthread_rwlock_wrlock(&m->rw);
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - m->last.tv_sec) * 1000L +
	    (now.tv_nsec - m->last.tv_nsec) / 1000000L;
	if (m->gen == seen &&
	    (m->last.tv_sec == 0 || ms >= KYSO_TOKEN_REINIT_MS)) {
		(void)pthread_mutex_lock(&mods_mu);
		(void)m->f->C_Finalize(NULL);
		if (module_init(m, NULL) == 0)
			kyso_token_log(LOG_NOTICE,
			    "%s: %s; module initialised again to look for it",
			    m->path, why);
		(void)pthread_mutex_unlock(&mods_mu);
		m->gen++;
		m->last = now;
	}
	(void)pthread_rwlock_unlock(&m->rw);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = g_ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 7512 percent-decoding of [s, s+len) into a new string (bytes in
 * *outlen); NULL on a bad escape. */
static char *
pct_decode(const char *s, size_t len, size_t *outlen)
{
	char *o = kyso_xmalloc(len + 1);
	size_t i, j = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			o[j++] = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(o);
			return NULL;
		}
		if (hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
			free(o);
			return NULL;
		}
		o[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
		i += 2;
	}
	o[j] = '\0';
	if (outlen != NULL)
		*outlen = j;
	return o;
}

/* One "name=value" URI attribute into k. */
static int
uri_attr(struct kyso_pkcs11_key *k, const char *a, size_t len, char **pin,
    struct kyso_err *err)
{
	const char *eq = memchr(a, '=', len);
	size_t nlen, vlen, dlen = 0;
	char *v;

	if (eq == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "pkcs11: URI attribute without '='");
		return -1;
	}
	nlen = (size_t)(eq - a);
	vlen = len - nlen - 1;
	if ((v = pct_decode(eq + 1, vlen, &dlen)) == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "pkcs11: URI: bad %% escape");
		return -1;
	}
#define IS(name) (nlen == strlen(name) && strncmp(a, name, nlen) == 0)
	if (IS("token")) {
		free(k->token);
		k->token = v;
	} else if (IS("serial")) {
		free(k->serial);
		k->serial = v;
	} else if (IS("object")) {
		free(k->object);
		k->object = v;
	} else if (IS("id")) {
		if (dlen == 0 || dlen > sizeof(k->id)) {
			free(v);
			kyso_err_set(err, KYSO_E_CONFIG, "pkcs11: URI: bad id");
			return -1;
		}
		memcpy(k->id, v, dlen);
		k->idlen = dlen;
		free(v);
	} else if (IS("type")) {
		int priv = strcmp(v, "private") == 0;

		free(v);
		if (!priv) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "pkcs11: URI: type must be private");
			return -1;
		}
	} else if (IS("pin-value")) {
		free(*pin);
		*pin = v;
	} else {
		free(v); /* other attributes (model, manufacturer...) */
	}
#undef IS
	return 0;
}

/* Parse "pkcs11:path-attrs[?query-attrs]". */
static int
parse_uri(struct kyso_pkcs11_key *k, const char *uri, char **pin,
    struct kyso_err *err)
{
	const char *p = uri + 7, *end;

	while (*p != '\0') {
		end = p + strcspn(p, ";?&");
		if (end > p && uri_attr(k, p, (size_t)(end - p), pin, err) < 0)
			return -1;
		p = *end != '\0' ? end + 1 : end;
	}
	if (k->object == NULL && k->idlen == 0) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "pkcs11: URI names no key (object= or id=)");
		return -1;
	}
	return 0;
}

/* A space-padded PKCS#11 field equals s. */
static int
padded_eq(const unsigned char *field, size_t flen, const char *s)
{
	size_t n = flen;

	while (n > 0 && field[n - 1] == ' ')
		n--;
	return strlen(s) == n && memcmp(field, s, n) == 0;
}

/* The slot whose token matches k; -1 when absent. */
static int
find_slot(struct kyso_pkcs11_key *k, CK_SLOT_ID *slot, CK_TOKEN_INFO *ti,
    struct kyso_err *err)
{
	CK_SLOT_ID ids[KYSO_MAX_P11_SLOTS];
	CK_ULONG n = KYSO_MAX_P11_SLOTS, i;
	CK_RV rv;

	rv = k->mod->f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: C_GetSlotList: %s", k->name,
		    rv_name(rv));
		return -1;
	}
	if (n > KYSO_MAX_P11_SLOTS)
		n = KYSO_MAX_P11_SLOTS;
	for (i = 0; i < n; i++) {
		if (k->mod->f->C_GetTokenInfo(ids[i], ti) != CKR_OK ||
		    !(ti->flags & CKF_TOKEN_INITIALIZED))
			continue;
		if (k->token != NULL &&
		    !padded_eq(ti->label, sizeof(ti->label), k->token))
			continue;
		if (k->serial != NULL &&
		    !padded_eq(ti->serialNumber, sizeof(ti->serialNumber),
		        k->serial))
			continue;
		*slot = ids[i];
		return 0;
	}
	kyso_err_set(err, KYSO_E_TEMP, "%s: token not present", k->name);
	return -1;
}

/* Hex HMAC-SHA256 of pin keyed by the token's label and serial. */
static void
pin_hash(const CK_TOKEN_INFO *ti, const char *pin, char hex[65])
{
	unsigned char key[sizeof(ti->label) + sizeof(ti->serialNumber) + 8];
	unsigned char md[32];
	unsigned int mdlen = 0, i;

	memcpy(key, "kyso-pin", 8);
	memcpy(key + 8, ti->label, sizeof(ti->label));
	memcpy(key + 8 + sizeof(ti->label), ti->serialNumber,
	    sizeof(ti->serialNumber));
	(void)HMAC(EVP_sha256(), key, (int)sizeof(key),
	    (const unsigned char *)pin, strlen(pin), md, &mdlen);
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* 1 when hex was refused before (this process, or the state file). */
static int
pin_refused_before(const char *hex, const char *state)
{
	char line[128];
	FILE *fp;
	int found = 0;
	guint i;

	(void)pthread_mutex_lock(&pins_mu);
	for (i = 0; refused_pins != NULL && i < refused_pins->len; i++)
		if (strcmp(g_ptr_array_index(refused_pins, i), hex) == 0)
			found = 1;
	(void)pthread_mutex_unlock(&pins_mu);
	if (found || state == NULL || (fp = fopen(state, "r")) == NULL)
		return found;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		found = strcmp(line, hex) == 0;
	}
	(void)fclose(fp);
	return found;
}

/* Remember a refused PIN here and in the state file (mode 600). */
static void
pin_remember(const char *hex, const char *state, const char *name)
{
	int fd;

	(void)pthread_mutex_lock(&pins_mu);
	if (refused_pins == NULL)
		refused_pins = g_ptr_array_new();
	g_ptr_array_add(refused_pins, g_strdup(hex));
	(void)pthread_mutex_unlock(&pins_mu);
	if (state == NULL)
		return;
	fd = open(state, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", hex) < 0)
		kyso_token_log(LOG_ERR,
		    "%s: cannot record the refused PIN in %s: %s", name, state,
		    g_strerror(errno));
	if (fd >= 0)
		(void)close(fd);
}

/* C_Login unless this PIN already failed on this token. A refused PIN is
 * a configuration error (KYSO_E_CONFIG): only a new PIN file helps. */
static int
login(struct kyso_pkcs11_key *k, const CK_TOKEN_INFO *ti, struct kyso_err *err)
{
	char hex[65];
	CK_RV rv;

	if (!(ti->flags & CKF_LOGIN_REQUIRED) && k->pin == NULL)
		return 0;
	if (k->pin == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: the token wants a PIN (pin-file=)", k->name);
		return -1;
	}
	if (ti->flags & CKF_USER_PIN_LOCKED) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: the token's user PIN is locked; not logging in",
		    k->name);
		return -1;
	}
	pin_hash(ti, k->pin, hex);
	if (pin_refused_before(hex, k->pin_state)) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: this PIN was refused by the token before (state %s); "
		    "not trying it again, tokens lock after a few wrong PINs: "
		    "put the right PIN in the PIN file",
		    k->name, k->pin_state != NULL ? k->pin_state : "memory");
		return -1;
	}
	if (ti->flags & CKF_USER_PIN_FINAL_TRY)
		kyso_token_log(LOG_WARNING,
		    "%s: one PIN try left before the token locks", k->name);
	rv = k->mod->f->C_Login(k->sess, CKU_USER, (CK_UTF8CHAR *)k->pin,
	    strlen(k->pin));
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return 0;
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID ||
	    rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_LOCKED) {
		pin_remember(hex, k->pin_state, k->name);
		kyso_token_log(LOG_ERR,
		    "%s: the token refused the PIN (%s); it will not be "
		    "offered again",
		    k->name, rv_name(rv));
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: wrong PIN (%s); remembered, never retried", k->name,
		    rv_name(rv));
		return -1;
	}
	kyso_err_set(err, KYSO_E_TEMP, "%s: C_Login: %s", k->name, rv_name(rv));
	return -1;
}

/* Read one attribute into a new BIGNUM. */
static BIGNUM *
get_bn(struct kyso_pkcs11_key *k, CK_ATTRIBUTE_TYPE type)
{
	unsigned char buf[KYSO_MAX_P11_ATTR];
	CK_ATTRIBUTE a = {type, buf, sizeof(buf)};

	if (k->mod->f->C_GetAttributeValue(k->sess, k->obj, &a, 1) != CKR_OK ||
	    a.ulValueLen == (CK_ULONG)-1 || a.ulValueLen > sizeof(buf))
		return NULL;
	return BN_bin2bn(buf, (int)a.ulValueLen, NULL);
}

/* Find the private key object; exactly one must match. */
static int
find_key(struct kyso_pkcs11_key *k, struct kyso_err *err)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[3];
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0, nt = 0;
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE ka = {CKA_KEY_TYPE, &kt, sizeof(kt)};
	CK_RV rv;

	tmpl[nt++] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
	if (k->object != NULL)
		tmpl[nt++] =
		    (CK_ATTRIBUTE){CKA_LABEL, k->object, strlen(k->object)};
	if (k->idlen > 0)
		tmpl[nt++] = (CK_ATTRIBUTE){CKA_ID, k->id, k->idlen};
	rv = k->mod->f->C_FindObjectsInit(k->sess, tmpl, nt);
	if (rv == CKR_OK) {
		rv = k->mod->f->C_FindObjects(k->sess, h, 2, &n);
		(void)k->mod->f->C_FindObjectsFinal(k->sess);
	}
	if (rv != CKR_OK) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: C_FindObjects: %s", k->name,
		    rv_name(rv));
		return -1;
	}
	if (n != 1) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    n == 0 ? "%s: no such private key on the token"
		           : "%s: the URI matches several keys on the token",
		    k->name);
		return -1;
	}
	k->obj = h[0];
	if (k->mod->f->C_GetAttributeValue(k->sess, k->obj, &ka, 1) != CKR_OK ||
	    kt != CKK_RSA) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: not an RSA key (token keys must be RSA)", k->name);
		return -1;
	}
	return 0;
}

/* Close our session (unless the module was initialised again since: the
 * handle is dead and may name another key's session by now). */
static void
close_session(struct kyso_pkcs11_key *k)
{
	if (k->open && k->gen == k->mod->gen)
		(void)k->mod->f->C_CloseSession(k->sess);
	k->open = 0;
}

/* find_slot(), and when the token is not there, once more after the
 * module was initialised again. The caller holds k->mod->rw for reading
 * (released for the re-initialisation). */
static int
find_slot_again(struct kyso_pkcs11_key *k, CK_SLOT_ID *slot, CK_TOKEN_INFO *ti,
    struct kyso_err *err)
{
	unsigned seen = k->mod->gen;

	if (find_slot(k, slot, ti, err) == 0)
		return 0;
	(void)pthread_rwlock_unlock(&k->mod->rw);
	module_reinit(k->mod, seen, err->msg);
	(void)pthread_rwlock_rdlock(&k->mod->rw);
	return find_slot(k, slot, ti, err);
}

/* Find the token, open a session, log in, find the key. On a found-again
 * key the modulus must be the one loaded first (a different token with
 * the same label is not our key). */
static int
open_key(struct kyso_pkcs11_key *k, struct kyso_err *err)
{
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot = 0;
	CK_RV rv;
	BIGNUM *n = NULL;
	int rc = -1;

	close_session(k);
	if (find_slot_again(k, &slot, &ti, err) < 0)
		return -1;
	rv = k->mod->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
	    &k->sess);
	if (rv != CKR_OK) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: C_OpenSession: %s", k->name,
		    rv_name(rv));
		return -1;
	}
	k->open = 1;
	k->gen = k->mod->gen;
	if (login(k, &ti, err) < 0 || find_key(k, err) < 0)
		goto out;
	if ((n = get_bn(k, CKA_MODULUS)) == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: cannot read the key's modulus", k->name);
		goto out;
	}
	if (k->n != NULL && BN_cmp(n, k->n) != 0) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: the key found on the token is not the one loaded "
		    "(another token with the same label?)",
		    k->name);
		goto out;
	}
	if (k->n == NULL) {
		k->n = n;
		n = NULL;
		(void)snprintf(k->device, sizeof(k->device), "%s\t%.32s\t%.16s",
		    k->mod->path, (const char *)ti.label,
		    (const char *)ti.serialNumber);
	}
	rc = 0;
out:
	BN_free(n);
	if (rc < 0)
		close_session(k);
	return rc;
}

static EVP_PKEY *
public_key(struct kyso_pkcs11_key *k, struct kyso_err *err)
{
	BIGNUM *e = get_bn(k, CKA_PUBLIC_EXPONENT), *n = BN_dup(k->n);
	RSA *rsa = RSA_new();
	EVP_PKEY *pk = EVP_PKEY_new();

	if (e == NULL || n == NULL || rsa == NULL || pk == NULL ||
	    !RSA_set0_key(rsa, n, e, NULL)) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: cannot read the key's public exponent", k->name);
		BN_free(e);
		BN_free(n);
		RSA_free(rsa);
		EVP_PKEY_free(pk);
		return NULL;
	}
	(void)EVP_PKEY_assign_RSA(pk, rsa);
	return pk;
}

struct kyso_pkcs11_key *
kyso_pkcs11_load(const char *uri, const char *module, const char *pin,
    const char *pin_state, EVP_PKEY **pub, struct kyso_err *err)
{
	struct kyso_pkcs11_key *k = kyso_xcalloc(1, sizeof(*k));
	char *uri_pin = NULL;

	*pub = NULL;
	if (parse_uri(k, uri, &uri_pin, err) < 0)
		goto fail;
	(void)snprintf(k->name, sizeof(k->name), "token %.60s key %.60s",
	    k->token != NULL ? k->token : "(any)",
	    k->object != NULL ? k->object : "(by id)");
	k->pin = pin != NULL ? kyso_xstrdup(pin) : uri_pin;
	if (pin != NULL && uri_pin != NULL) {
		OPENSSL_cleanse(uri_pin, strlen(uri_pin));
		free(uri_pin);
	}
	uri_pin = NULL;
	k->pin_state = pin_state != NULL ? kyso_xstrdup(pin_state) : NULL;
	if ((k->mod = module_get(module != NULL ? module
	                                        : KYSO_DEFAULT_PKCS11_MODULE,
	         err)) == NULL)
		goto fail;
	(void)pthread_rwlock_rdlock(&k->mod->rw);
	if (open_key(k, err) < 0)
		err->cls = KYSO_E_CONFIG; /* at load an absent token is one */
	else
		*pub = public_key(k, err);
	(void)pthread_rwlock_unlock(&k->mod->rw);
	if (*pub == NULL)
		goto fail;
	return k;
fail:
	kyso_pkcs11_release(k);
	return NULL;
}

/* The signature with its retries, under k->mod->rw (read); the output
 * length, or 0 with err set. */
static CK_ULONG
sign_locked(struct kyso_pkcs11_key *k, CK_MECHANISM *mech,
    const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen,
    CK_RV *rvp, struct kyso_err *err)
{
	CK_ULONG olen;
	CK_RV rv = CKR_OK;
	int attempt;

	for (attempt = 0; attempt <= KYSO_TOKEN_RETRIES; attempt++) {
		if (k->open && k->gen != k->mod->gen)
			k->open = 0; /* the module was initialised again */
		if (!k->open) {
			if (open_key(k, err) < 0) {
				err->cls = KYSO_E_TEMP;
				kyso_token_log(LOG_WARNING,
				    "%s: finding the key again failed "
				    "(attempt %d of %d): %s",
				    k->name, attempt, KYSO_TOKEN_RETRIES,
				    err->msg);
				return 0;
			}
			kyso_token_log(LOG_NOTICE,
			    "%s: new session, key found again (attempt %d of "
			    "%d)",
			    k->name, attempt, KYSO_TOKEN_RETRIES);
		}
		olen = outlen;
		rv = k->mod->f->C_SignInit(k->sess, mech, k->obj);
		if (rv == CKR_OK)
			rv = k->mod->f->C_Sign(k->sess, (CK_BYTE *)in, inlen,
			    out, &olen);
		if (rv == CKR_OK && olen > 0)
			return olen;
		if (!rv_stale(rv))
			break;
		kyso_token_log(LOG_WARNING,
		    "%s: %s; opening a new session and finding the key again",
		    k->name, rv_name(rv));
		close_session(k);
	}
	*rvp = rv;
	kyso_err_set(err, KYSO_E_TEMP, "%s: signing failed (%s)", k->name,
	    rv_name(rv));
	return 0;
}

int
kyso_pkcs11_rsa_private(struct kyso_pkcs11_key *k, const unsigned char *in,
    size_t inlen, unsigned char *out, size_t outlen, int padding,
    struct kyso_err *err)
{
	CK_MECHANISM mech = {padding == RSA_NO_PADDING ? CKM_RSA_X_509
	                                               : CKM_RSA_PKCS,
	    NULL, 0};
	CK_ULONG olen;
	CK_RV rv = CKR_OK;

	if (padding != RSA_NO_PADDING && padding != RSA_PKCS1_PADDING) {
		kyso_err_set(err, KYSO_E_INTERNAL, "%s: padding %d", k->name,
		    padding);
		return -1;
	}
	(void)pthread_rwlock_rdlock(&k->mod->rw);
	olen = sign_locked(k, &mech, in, inlen, out, outlen, &rv, err);
	(void)pthread_rwlock_unlock(&k->mod->rw);
	if (olen == 0)
		return -1;
	return (int)olen;
}

const char *
kyso_pkcs11_device(const struct kyso_pkcs11_key *k)
{
	return k->device;
}

const char *
kyso_pkcs11_name(const struct kyso_pkcs11_key *k)
{
	return k->name;
}

void
kyso_pkcs11_release(struct kyso_pkcs11_key *k)
{
	if (k == NULL)
		return;
	if (k->mod != NULL) {
		(void)pthread_rwlock_rdlock(&k->mod->rw);
		close_session(k);
		(void)pthread_rwlock_unlock(&k->mod->rw);
		module_put(k->mod);
	}
	if (k->pin != NULL) {
		OPENSSL_cleanse(k->pin, strlen(k->pin));
		free(k->pin);
	}
	free(k->pin_state);
	free(k->token);
	free(k->serial);
	free(k->object);
	BN_free(k->n);
	free(k);
}
