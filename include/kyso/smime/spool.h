/*
 * spool.h - a message spool: memory up to a threshold, an unlinked temporary
 * file beyond it, so a 50 MB message costs a bounded amount of RAM.
 *
 * The spool is exposed as a GMimeStream for parsing and writing. Every write
 * is checked (disk full is a KYSO_E_TEMP error, never a silent truncation).
 */
#ifndef KYSO_SPOOL_H
#define KYSO_SPOOL_H

#include <stddef.h>
#include <gmime/gmime.h>
#include "kyso/err.h"

struct kyso_spool;

/* New empty spool. mem_limit: bytes kept in memory before switching to a
 * file in tmpdir (NULL: $TMPDIR or /tmp); max_size: total ceiling (0: none). */
struct kyso_spool *kyso_spool_new(size_t mem_limit, const char *tmpdir,
    size_t max_size);

/* Append len bytes. Fails with KYSO_E_TEMP on I/O error, KYSO_E_INPUT when
 * max_size would be exceeded. */
int kyso_spool_write(struct kyso_spool *sp, const void *buf, size_t len,
    struct kyso_err *err);

/* Total bytes written. */
size_t kyso_spool_size(const struct kyso_spool *sp);

/* 1 when the spool has moved to a file. */
int kyso_spool_on_disk(const struct kyso_spool *sp);

/* A new reference to a stream over the whole spool, positioned at 0; the
 * caller unrefs it. Further writes after this call are not allowed. */
GMimeStream *kyso_spool_stream(struct kyso_spool *sp);

/* Read up to len bytes from offset; returns bytes read, 0 at end, -1 error. */
ssize_t kyso_spool_pread(struct kyso_spool *sp, void *buf, size_t len,
    size_t offset, struct kyso_err *err);

/* Append everything readable from `in` (from its current position). */
int kyso_spool_copy_stream(struct kyso_spool *sp, GMimeStream *in,
    struct kyso_err *err);

void kyso_spool_free(struct kyso_spool *sp);

#endif
