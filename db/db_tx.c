/* SPDX-License-Identifier: MIT */
/* Nested transactions: BEGIN IMMEDIATE at the outermost level, savepoints
 * inside it, and the bookkeeping for SQLite rolling a whole transaction
 * back on its own (disk full, I/O error, out of memory). */
#include <errno.h>
#include <string.h>

#include "db_priv.h"

/* SQLite itself rolls the whole transaction back after some errors (disk
 * full, I/O error, out of memory); remember that, so the caller's commit
 * reports it instead of silently committing half. */
static void tx_note_abort(struct db *db)
{
	if (db->tx_depth > 0 && sqlite3_get_autocommit(db->h))
		db->tx_aborted = 1;
}

int db_tx_begin(struct db *db)
{
	int r;

	tx_note_abort(db);
	if (db->tx_aborted)
		return db_fail(db, -EIO, "transaction was rolled back after an earlier error");
	if (db->tx_depth == 0)
		r = db_exec(db, "BEGIN IMMEDIATE", "begin transaction");
	else
		r = db_exec(db, "SAVEPOINT db_sp", "savepoint");
	if (r == 0)
		db->tx_depth++;
	return r;
}

int db_tx_commit(struct db *db)
{
	int r = 0;

	if (db->tx_depth == 0)
		return db_fail(db, -EINVAL, "commit without a transaction");
	tx_note_abort(db);
	db->tx_depth--;
	if (db->tx_aborted) {
		if (db->tx_depth == 0)
			db->tx_aborted = 0;
		return db_fail(db, -EIO, "transaction was rolled back after an earlier error");
	}
	if (db->tx_depth > 0)
		return db_exec(db, "RELEASE db_sp", "release savepoint");
	r = db_exec(db, "COMMIT", "commit");
	if (r && !sqlite3_get_autocommit(db->h)) {
		/* keep the first message; leave no transaction open */
		char keep[sizeof db->err];

		memcpy(keep, db->err, sizeof keep);
		(void)db_exec(db, "ROLLBACK", "rollback");
		memcpy(db->err, keep, sizeof keep);
	}
	return r;
}

void db_tx_rollback(struct db *db)
{
	char keep[sizeof db->err];

	if (!db || db->tx_depth == 0)
		return;
	tx_note_abort(db);
	memcpy(keep, db->err, sizeof keep);
	db->tx_depth--;
	if (db->tx_aborted) {
		if (db->tx_depth == 0)
			db->tx_aborted = 0;
	} else if (db->tx_depth > 0) {
		(void)db_exec(db, "ROLLBACK TO db_sp; RELEASE db_sp", "rollback to savepoint");
	} else {
		(void)db_exec(db, "ROLLBACK", "rollback");
	}
	memcpy(db->err, keep, sizeof keep);
}

int db_tx_end(struct db *db, int rc)
{
	if (rc == 0)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return rc;
}
