/*
 * p11delay.c - a PKCS#11 module for the tests that behaves like a slow,
 * removable USB token: it loads the real module (SoftHSM2) and forwards
 * every function, with
 *   KT_P11_MODULE    the real module (default SoftHSM2's)
 *   KT_P11_DELAY_MS  milliseconds added to each C_Sign / C_SignFinal (an
 *                    eToken takes 50-200 ms per RSA-2048 signature); one
 *                    token signs one thing at a time (sessions of a slot
 *                    take turns)
 *   KT_P11_GONE      a file name: while that file exists the token is
 *                    unplugged (no token in the slot list, CKR_DEVICE_REMOVED
 *                    from the calls that need it), and sessions opened before
 *                    are dead afterwards (CKR_SESSION_HANDLE_INVALID), as
 *                    on a real token pulled out and plugged back
 *   KT_P11_HOLD      a file: while it exists and its first line is the
 *                    token's label, that token's C_Sign waits (a token
 *                    kept busy for as long as a test needs; "hold LABEL"
 *                    is logged when a signature starts waiting)
 *   KT_P11_LOG       a file: one line per C_Login ("login RV") and per
 *                    C_Sign ("sign SLOT RV"), appended, for tests to count.
 * Not part of kyso-milter: built by `make check` only.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define MAX_SESSIONS 4096
#define MAX_SLOTS    64

static CK_FUNCTION_LIST real_copy, mine;
static CK_FUNCTION_LIST *real;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned epoch = 1, gone_seen;
static unsigned sess_epoch[MAX_SESSIONS];
static pthread_mutex_t slot_mu[MAX_SLOTS];
static CK_SLOT_ID slot_ids[MAX_SLOTS];
static int nslots;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static void
slot_init(void)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		pthread_mutex_init(&slot_mu[i], NULL);
}

/* The turn-taking lock of a slot (SoftHSM2's slot ids are large). */
static pthread_mutex_t *
slot_lock(CK_SLOT_ID id)
{
	int i;

	pthread_once(&slot_once, slot_init);
	pthread_mutex_lock(&mu);
	for (i = 0; i < nslots && slot_ids[i] != id; i++)
		;
	if (i == nslots && nslots < MAX_SLOTS)
		slot_ids[nslots++] = id;
	pthread_mutex_unlock(&mu);
	return &slot_mu[i % MAX_SLOTS];
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static void
note(const char *fmt, unsigned long a, unsigned long b)
{
	const char *path = getenv("KT_P11_LOG");
	char line[96];
	int fd, n;

	if (path == NULL)
		return;
	n = snprintf(line, sizeof(line), fmt, a, b);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			n = 0;
		close(fd);
	}
}

static void
note_str(const char *what, const char *arg)
{
	const char *path = getenv("KT_P11_LOG");
	int fd;

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd >= 0) {
		dprintf(fd, "%s %s\n", what, arg);
		close(fd);
	}
}

/* 1 while the token is unplugged; the first call that sees the token
 * back starts a new epoch (older sessions are dead). */
static int
gone(void)
{
	const char *m = getenv("KT_P11_GONE");
	int g = m != NULL && access(m, F_OK) == 0;

	pthread_mutex_lock(&mu);
	if (g)
		gone_seen = 1;
	else if (gone_seen) {
		gone_seen = 0;
		epoch++;
	}
	pthread_mutex_unlock(&mu);
	return g;
}

static int
dead(CK_SESSION_HANDLE s)
{
	int d;

	pthread_mutex_lock(&mu);
	d = s < MAX_SESSIONS && sess_epoch[s] != 0 && sess_epoch[s] != epoch;
	pthread_mutex_unlock(&mu);
	return d;
}

/* CKR_DEVICE_REMOVED while unplugged, CKR_SESSION_HANDLE_INVALID for a
 * session from before; CKR_OK: forward. */
static CK_RV
check(CK_SESSION_HANDLE s)
{
	if (gone())
		return CKR_DEVICE_REMOVED;
	return dead(s) ? CKR_SESSION_HANDLE_INVALID : CKR_OK;
}

/* Wait while KT_P11_HOLD names this slot's token. */
static void
hold(CK_SLOT_ID slot)
{
	const char *path = getenv("KT_P11_HOLD");
	CK_TOKEN_INFO ti;
	char want[64] = "", label[33];
	struct timespec ts = {0, 10000000L};
	int n = 32, logged = 0;
	FILE *fp;

	if (path == NULL || real->C_GetTokenInfo(slot, &ti) != CKR_OK)
		return;
	memcpy(label, ti.label, 32);
	while (n > 0 && label[n - 1] == ' ')
		n--;
	label[n] = '\0';
	for (;;) {
		if ((fp = fopen(path, "r")) == NULL)
			return;
		if (fgets(want, sizeof(want), fp) == NULL)
			want[0] = '\0';
		fclose(fp);
		want[strcspn(want, "\r\n")] = '\0';
		if (strcmp(want, label) != 0)
			return;
		if (!logged++)
			note_str("hold", label);
		nanosleep(&ts, NULL);
	}
}

static void
slow(void)
{
	const char *d = getenv("KT_P11_DELAY_MS");
	long ms = d != NULL ? atol(d) : 0;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	if (ms > 0)
		while (nanosleep(&ts, &ts) != 0)
			;
}

static CK_RV
my_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR n)
{
	if (present && gone()) {
		*n = 0;
		return CKR_OK;
	}
	return real->C_GetSlotList(present, list, n);
}

static CK_RV
my_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	if (gone())
		return CKR_TOKEN_NOT_PRESENT;
	return real->C_GetTokenInfo(slot, info);
}

static CK_RV
my_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR s)
{
	CK_RV rv;

	if (gone())
		return CKR_DEVICE_REMOVED;
	rv = real->C_OpenSession(slot, flags, app, notify, s);
	if (rv == CKR_OK && *s < MAX_SESSIONS) {
		pthread_mutex_lock(&mu);
		sess_epoch[*s] = epoch;
		pthread_mutex_unlock(&mu);
	}
	return rv;
}

static CK_RV
my_Login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv = check(s);

	if (rv == CKR_OK)
		rv = real->C_Login(s, u, pin, len);
	note("login %lu%.0lu\n", (unsigned long)rv, 0);
	return rv;
}

static CK_RV
my_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	CK_RV rv = check(s);

	return rv != CKR_OK ? rv : real->C_FindObjectsInit(s, t, n);
}

static CK_RV
my_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	CK_RV rv = check(s);

	return rv != CKR_OK ? rv : real->C_SignInit(s, m, k);
}

static CK_RV
my_Sign(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
    CK_ULONG_PTR sl)
{
	CK_SESSION_INFO si = {0};
	CK_RV rv = check(s);
	pthread_mutex_t *m;

	(void)real->C_GetSessionInfo(s, &si);
	m = slot_lock(si.slotID);
	if (rv == CKR_OK) {
		pthread_mutex_lock(m);
		if (sig != NULL) {
			hold(si.slotID);
			slow();
		}
		rv = real->C_Sign(s, d, dl, sig, sl);
		pthread_mutex_unlock(m);
	}
	if (sig != NULL)
		note("sign %lu %lu\n", (unsigned long)si.slotID,
		    (unsigned long)rv);
	return rv;
}

static CK_RV
my_SignFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG_PTR sl)
{
	CK_RV rv = check(s);

	if (rv == CKR_OK) {
		if (sig != NULL)
			slow();
		rv = real->C_SignFinal(s, sig, sl);
	}
	return rv;
}

static CK_RV
load(void)
{
	const char *path = getenv("KT_P11_MODULE");
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	void *dl;

	if (real != NULL)
		return CKR_OK;
	if (path == NULL)
		path = "/usr/lib/softhsm/libsofthsm2.so";
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return CKR_GENERAL_ERROR;
	*(void **)&get = dlsym(dl, "C_GetFunctionList");
	if (get == NULL || get(&real) != CKR_OK)
		return CKR_GENERAL_ERROR;
	real_copy = *real;
	mine = real_copy;
	mine.C_GetFunctionList = C_GetFunctionList;
	mine.C_GetSlotList = my_GetSlotList;
	mine.C_GetTokenInfo = my_GetTokenInfo;
	mine.C_OpenSession = my_OpenSession;
	mine.C_Login = my_Login;
	mine.C_FindObjectsInit = my_FindObjectsInit;
	mine.C_SignInit = my_SignInit;
	mine.C_Sign = my_Sign;
	mine.C_SignFinal = my_SignFinal;
	return CKR_OK;
}

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	CK_RV rv;

	pthread_mutex_lock(&mu);
	rv = load();
	pthread_mutex_unlock(&mu);
	if (rv == CKR_OK)
		*list = &mine;
	return rv;
}
