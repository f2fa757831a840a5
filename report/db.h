/*
 * db.h - kyso-report's PostgreSQL store (libpq): the journals of several
 * servers shipped into one table, and the report read back from it.
 *
 * The daemon never talks to the database: records wait in each server's
 * local journal and `kyso-report --ship` (a timer) sends what is new.
 * Each record is stored under (host, id), its server and its record id,
 * with ON CONFLICT DO NOTHING, so a batch shipped twice (a crash after the
 * commit and before the position was saved) is counted once. The ship
 * position (per journal file: device, inode, byte offset) is kept in a
 * small local state file, replaced atomically after every committed batch.
 */
#ifndef KYSO_REPORT_DB_H
#define KYSO_REPORT_DB_H

#include <stddef.h>
#include <time.h>
#include "kyso/err.h"
#include "kyso/policy/report.h"

/* Records per transaction when shipping (one INSERT statement each; at
 * most KYSO_MAX_SHIP_BATCH). */
#define KYSO_SHIP_BATCH      500
/* Seconds to wait for the database to answer a connection. */
#define KYSO_DB_CONN_TIMEOUT "10"

struct kyso_ship_stats {
	size_t sent;     /* records sent in committed batches */
	size_t inserted; /* of which new to the database */
	size_t bad;      /* lines that are not records, skipped */
	size_t pending;  /* complete lines not shipped (after a failure) */
};

/* Ship the new records of journals paths[0..n) into the database conninfo
 * names, remembering positions in state_path. host: the name for records
 * that carry none (KJ1 lines), NULL for this system's host name. batch:
 * records per transaction (0: KYSO_SHIP_BATCH). 0 when everything complete
 * was shipped; -1 with err (the database's own words) when a batch failed:
 * the position stays after the last committed batch. */
int kyso_db_ship(const char *conninfo, const char *const *paths, size_t n,
    const char *state_path, const char *host, size_t batch,
    struct kyso_ship_stats *st, struct kyso_err *err);

/* Count every stored record with from <= time < until (0: open) into r.
 * -1 with err when the database cannot be read. */
int kyso_db_read(const char *conninfo, struct kyso_report *r, time_t from,
    time_t until, struct kyso_err *err);

#endif
