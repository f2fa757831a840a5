/*
 * spool.c - message spool: memory up to a threshold, then an unlinked
 * temporary file, exposed as a GMimeStream.
 *
 * Bounded: the memory part never exceeds mem_limit; the whole spool never
 * exceeds max_size. Every write is checked; a full disk is KYSO_E_TEMP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kyso/smime/mime.h"
#include "kyso/smime/spool.h"

struct kyso_spool {
	GByteArray *mem;   /* memory phase, NULL once on disk */
	int fd;            /* disk phase, -1 before */
	GMimeStream *disk; /* stream over fd, owns a dup of it */
	size_t size;       /* bytes written */
	size_t mem_limit;  /* bytes kept in memory at most */
	size_t max_size;   /* ceiling, 0 = none */
	char *tmpdir;      /* where the file goes */
};

struct kyso_spool *
kyso_spool_new(size_t mem_limit, const char *tmpdir, size_t max_size)
{
	struct kyso_spool *sp = kyso_xcalloc(1, sizeof(*sp));
	const char *env = getenv("TMPDIR");

	sp->mem = g_byte_array_new();
	sp->fd = -1;
	sp->mem_limit = mem_limit;
	sp->max_size = max_size;
	if (tmpdir == NULL)
		tmpdir = (env != NULL && *env != '\0') ? env : "/tmp";
	sp->tmpdir = kyso_xstrdup(tmpdir);
	return sp;
}

static int
write_all(int fd, const void *buf, size_t len, struct kyso_err *err)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			kyso_err_set(err, KYSO_E_TEMP, "spool write: %s",
			    n < 0 ? g_strerror(errno) : "short write");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Move the memory phase into an unlinked temporary file. */
static int
go_to_disk(struct kyso_spool *sp, struct kyso_err *err)
{
	char *path = g_strdup_printf("%s/kyso.XXXXXX", sp->tmpdir);
	int fd = mkstemp(path);

	if (fd < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "spool: cannot create %s: %s",
		    path, g_strerror(errno));
		g_free(path);
		return -1;
	}
	(void)unlink(path);
	g_free(path);
	if (write_all(fd, sp->mem->data, sp->mem->len, err) < 0) {
		(void)close(fd);
		return -1;
	}
	g_byte_array_free(sp->mem, TRUE);
	sp->mem = NULL;
	sp->fd = fd;
	return 0;
}

int
kyso_spool_write(struct kyso_spool *sp, const void *buf, size_t len,
    struct kyso_err *err)
{
	if (sp->disk != NULL) {
		kyso_err_set(err, KYSO_E_INTERNAL, "spool: write after read");
		return -1;
	}
	if (sp->max_size != 0 && len > sp->max_size - sp->size) {
		kyso_err_set(err, KYSO_E_INPUT,
		    "message larger than the %zu-byte limit", sp->max_size);
		return -1;
	}
	if (sp->mem != NULL && sp->mem->len + len > sp->mem_limit &&
	    go_to_disk(sp, err) < 0)
		return -1;
	if (sp->mem != NULL)
		g_byte_array_append(sp->mem, buf, (guint)len);
	else if (write_all(sp->fd, buf, len, err) < 0)
		return -1;
	sp->size += len;
	return 0;
}

size_t
kyso_spool_size(const struct kyso_spool *sp)
{
	return sp->size;
}

int
kyso_spool_on_disk(const struct kyso_spool *sp)
{
	return sp->mem == NULL;
}

GMimeStream *
kyso_spool_stream(struct kyso_spool *sp)
{
	GMimeStream *s;

	if (sp->mem != NULL) {
		s = g_mime_stream_mem_new();
		/* the stream borrows the array; the spool keeps owning it */
		g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(s), sp->mem);
		return s;
	}
	/* GMime's fs stream trusts its own idea of the file offset, and
	 * resetting a stream already "at" its start does not seek: put the
	 * shared offset at 0 ourselves */
	(void)lseek(sp->fd, 0, SEEK_SET);
	if (sp->disk == NULL)
		sp->disk = g_mime_stream_fs_new_with_bounds(dup(sp->fd), 0,
		    (gint64)sp->size);
	(void)g_mime_stream_reset(sp->disk);
	g_object_ref(sp->disk);
	return sp->disk;
}

ssize_t
kyso_spool_pread(struct kyso_spool *sp, void *buf, size_t len, size_t offset,
    struct kyso_err *err)
{
	ssize_t n;

	if (offset >= sp->size)
		return 0;
	if (len > sp->size - offset)
		len = sp->size - offset;
	if (sp->mem != NULL) {
		memcpy(buf, sp->mem->data + offset, len);
		return (ssize_t)len;
	}
	do
		n = pread(sp->fd, buf, len, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		kyso_err_set(err, KYSO_E_TEMP, "spool read: %s",
		    g_strerror(errno));
	return n;
}

int
kyso_spool_copy_stream(struct kyso_spool *sp, GMimeStream *in,
    struct kyso_err *err)
{
	char buf[65536];
	ssize_t n;

	while ((n = kyso_mime_read(in, buf, sizeof(buf))) > 0)
		if (kyso_spool_write(sp, buf, (size_t)n, err) < 0)
			return -1;
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "spool: cannot read input");
		return -1;
	}
	return 0;
}

void
kyso_spool_free(struct kyso_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->disk != NULL)
		g_object_unref(sp->disk);
	if (sp->fd >= 0)
		(void)close(sp->fd);
	if (sp->mem != NULL)
		g_byte_array_free(sp->mem, TRUE);
	free(sp->tmpdir);
	free(sp);
}
