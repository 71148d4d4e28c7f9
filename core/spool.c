/*
 * The on-disk delivery queue of one sink, in SQLite.
 *
 * Durability choices:
 *  - WAL journal: a put is one append to the WAL instead of rewriting pages
 *    through a rollback journal, and a reader (vmond --status, a second sink
 *    sharing the file) never blocks the writer.
 *  - synchronous = FULL: a committed put must survive power loss as well
 *    as kill -9 (NORMAL in WAL mode survives kill -9 but can lose the last
 *    commits on power loss). The delivery commits what arrived in one
 *    transaction (vmon_spool_put_many: one fsync for the group) on a thread
 *    of its own, so the fsync never reaches the thread raising alerts. Acks
 *    use the same setting: an ack lost to power loss only means one more
 *    (idempotent) delivery.
 *  - busy timeout: several sinks may share one spool file, each delivery
 *    thread with its own connection; writers then wait for each other
 *    instead of failing with SQLITE_BUSY.
 *  - one row per item, keyed by (sink, idempotency key): a put of a key
 *    already queued is a no-op, so the core can re-spool after a crash
 *    without creating duplicates.
 */
#include "spool.h"

#include "sqlite_lib.h"

#include <vmon/abi.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPOOL_BUSY_TIMEOUT_MS 5000

/* Set by the first vmon_spool_open; every other call needs an open spool. */
static const vmon_sqlite_api *sq;

enum spool_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INSERT,
    ST_PEEK,
    ST_DELETE,
    ST_BUMP,
    ST_COUNT,
};

static const char *const stmt_sql[] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INSERT] = "INSERT INTO queue(sink, key, payload, len, attempts) VALUES (?1, ?2, ?3, ?4, 0) "
                  "ON CONFLICT(sink, key) DO NOTHING",
    [ST_PEEK] = "SELECT id, key, payload, len, attempts FROM queue WHERE sink = ?1 "
                "ORDER BY id LIMIT ?2",
    [ST_DELETE] = "DELETE FROM queue WHERE id = ?1 AND sink = ?2 RETURNING len",
    [ST_BUMP] = "UPDATE queue SET attempts = attempts + 1 WHERE id = ?1 AND sink = ?2",
    [ST_COUNT] = "SELECT COUNT(*), COALESCE(SUM(len), 0) FROM queue WHERE sink = ?1",
};

#define N_STMTS (sizeof stmt_sql / sizeof stmt_sql[0])

static const char schema_sql[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = FULL;"
    "CREATE TABLE IF NOT EXISTS queue ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  sink TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  payload BLOB NOT NULL,"
    "  len INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(sink, key));"
    /* peek reads one sink's oldest rows: without this it sorts all of them. */
    "CREATE INDEX IF NOT EXISTS queue_sink_id ON queue(sink, id);";

struct vmon_spool {
    sqlite3 *db;
    sqlite3_stmt *st[N_STMTS];
    char *sink;
    uint64_t max_bytes;
    uint64_t count; /* kept in memory: the delivery thread is the only writer for this sink */
    uint64_t bytes;
};

static void set_err(char *err, size_t errlen, const char *path, const char *what, sqlite3 *db)
{
    if (err && errlen)
        snprintf(err, errlen, "spool %s: %s: %s", path, what,
                 db ? sq->errmsg(db) : "out of memory");
}

/* SQLite creates files with the umask's mode; queued alerts are the
 * operator's data, so create the file 0600 before SQLite opens it. */
static int precreate(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int load_totals(vmon_spool *sp)
{
    sqlite3_stmt *st = sp->st[ST_COUNT];
    sq->bind_text(st, 1, sp->sink, -1, SQLITE_STATIC);
    int rc = sq->step(st);
    if (rc == SQLITE_ROW) {
        sp->count = (uint64_t)sq->column_int64(st, 0);
        sp->bytes = (uint64_t)sq->column_int64(st, 1);
    }
    sq->reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int prepare_all(vmon_spool *sp)
{
    for (size_t i = 0; i < N_STMTS; i++)
        if (sq->prepare_v3(sp->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &sp->st[i], NULL) !=
            SQLITE_OK)
            return -1;
    return 0;
}

int vmon_spool_open(const char *path, const char *sink, uint64_t max_bytes, vmon_spool **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    char why[512];
    sq = vmon_sqlite(why, sizeof why);
    if (!sq) {
        if (err && errlen)
            snprintf(err, errlen, "spool %s: %s", path, why);
        return VMON_ERROR;
    }
    vmon_spool *sp = calloc(1, sizeof *sp);
    if (!sp || !(sp->sink = strdup(sink))) {
        free(sp);
        set_err(err, errlen, path, "open", NULL);
        return VMON_ENOMEM;
    }
    sp->max_bytes = max_bytes;
    if (precreate(path) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "spool %s: cannot create: %s", path, strerror(errno));
        vmon_spool_close(sp);
        return VMON_ERROR;
    }
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const char *step = "open";
    if (sq->open_v2(path, &sp->db, flags, NULL) != SQLITE_OK)
        goto fail;
    sq->busy_timeout(sp->db, SPOOL_BUSY_TIMEOUT_MS);
    step = "create schema";
    if (sq->exec(sp->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    step = "prepare";
    if (prepare_all(sp) != 0)
        goto fail;
    step = "read totals";
    if (load_totals(sp) != 0)
        goto fail;
    *out = sp;
    return VMON_OK;
fail:
    set_err(err, errlen, path, step, sp->db);
    vmon_spool_close(sp);
    return VMON_ERROR;
}

static int status_of(int rc)
{
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_FULL || rc == SQLITE_IOERR)
        return VMON_RETRY;
    return VMON_ERROR;
}

static int run(vmon_spool *sp, enum spool_stmt which)
{
    int rc = sq->step(sp->st[which]);
    sq->reset(sp->st[which]);
    return rc;
}

/* One row, inside whatever transaction is open; counts it when it was new. */
static int insert_row(vmon_spool *sp, const char *key, const char *payload, size_t len)
{
    if (sp->max_bytes && sp->bytes + len > sp->max_bytes)
        return VMON_RETRY;
    sqlite3_stmt *st = sp->st[ST_INSERT];
    sq->bind_text(st, 1, sp->sink, -1, SQLITE_STATIC);
    sq->bind_text(st, 2, key, -1, SQLITE_STATIC);
    sq->bind_blob64(st, 3, payload, len, SQLITE_STATIC);
    sq->bind_int64(st, 4, (sqlite3_int64)len);
    int rc = sq->step(st);
    int added = rc == SQLITE_DONE ? sq->changes(sp->db) : 0;
    sq->reset(st);
    sq->clear_bindings(st);
    if (rc != SQLITE_DONE)
        return status_of(rc);
    if (added) {
        sp->count++;
        sp->bytes += len;
    }
    return VMON_OK;
}

int vmon_spool_put(vmon_spool *sp, const char *key, const char *payload, size_t len)
{
    if (!sp || !key || !payload)
        return VMON_EINVAL;
    return insert_row(sp, key, payload, len);
}

int vmon_spool_put_many(vmon_spool *sp, const vmon_spool_entry *entries, size_t n, int *status)
{
    if (!sp || (n && (!entries || !status)))
        return VMON_EINVAL;
    uint64_t count = sp->count, bytes = sp->bytes;
    int rc = run(sp, ST_BEGIN);
    for (size_t i = 0; i < n; i++)
        status[i] = rc == SQLITE_DONE
                        ? insert_row(sp, entries[i].key, entries[i].payload, entries[i].len)
                        : status_of(rc);
    if (rc == SQLITE_DONE)
        rc = run(sp, ST_COMMIT);
    if (rc == SQLITE_DONE)
        return VMON_OK;
    /* Nothing of this transaction is on disk: every entry failed. */
    run(sp, ST_ROLLBACK);
    sp->count = count;
    sp->bytes = bytes;
    for (size_t i = 0; i < n; i++)
        status[i] = status_of(rc);
    return status_of(rc);
}

static char *dup_column(sqlite3_stmt *st, int col, size_t *len)
{
    const void *p = sq->column_blob(st, col);
    size_t n = (size_t)sq->column_bytes(st, col);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

static int fill_item(sqlite3_stmt *st, vmon_spool_item *it)
{
    memset(it, 0, sizeof *it);
    it->id = sq->column_int64(st, 0);
    it->key = dup_column(st, 1, NULL);
    it->payload = dup_column(st, 2, &it->len);
    it->attempts = (uint32_t)sq->column_int64(st, 4);
    if (!it->key || !it->payload) {
        vmon_spool_item_clear(it);
        return -1;
    }
    return 0;
}

size_t vmon_spool_peek(vmon_spool *sp, vmon_spool_item *items, size_t max)
{
    if (!sp || !items || !max)
        return 0;
    sqlite3_stmt *st = sp->st[ST_PEEK];
    sq->bind_text(st, 1, sp->sink, -1, SQLITE_STATIC);
    sq->bind_int64(st, 2, (sqlite3_int64)max);
    size_t n = 0;
    while (n < max && sq->step(st) == SQLITE_ROW)
        if (fill_item(st, &items[n]) == 0)
            n++;
    sq->reset(st);
    return n;
}

/* A removed row's share of the totals; `len` < 0: the row was not there. */
typedef struct removed {
    int64_t len;
} removed;

static int delete_row(vmon_spool *sp, int64_t id, removed *out)
{
    sqlite3_stmt *st = sp->st[ST_DELETE];
    sq->bind_int64(st, 1, id);
    sq->bind_text(st, 2, sp->sink, -1, SQLITE_STATIC);
    int rc = sq->step(st);
    out->len = -1;
    if (rc == SQLITE_ROW) {
        out->len = sq->column_int64(st, 0);
        rc = sq->step(st); /* runs the statement to completion */
    }
    sq->reset(st);
    return rc;
}

static void forget(vmon_spool *sp, removed r)
{
    if (r.len < 0)
        return;
    uint64_t len = (uint64_t)r.len;
    sp->count -= sp->count ? 1 : 0;
    sp->bytes -= len <= sp->bytes ? len : sp->bytes;
}

int vmon_spool_ack(vmon_spool *sp, int64_t id)
{
    if (!sp)
        return VMON_EINVAL;
    removed r;
    int rc = delete_row(sp, id, &r);
    if (rc == SQLITE_DONE)
        forget(sp, r);
    return rc == SQLITE_DONE ? VMON_OK : status_of(rc);
}

int vmon_spool_ack_many(vmon_spool *sp, const int64_t *ids, size_t n)
{
    if (!sp || (n && !ids))
        return VMON_EINVAL;
    if (n <= 1)
        return n ? vmon_spool_ack(sp, ids[0]) : VMON_OK;
    removed *rows = malloc(n * sizeof *rows);
    if (!rows)
        return VMON_ENOMEM;
    int rc = run(sp, ST_BEGIN);
    size_t done = 0;
    for (; rc == SQLITE_DONE && done < n; done++)
        rc = delete_row(sp, ids[done], &rows[done]);
    if (rc == SQLITE_DONE)
        rc = run(sp, ST_COMMIT);
    if (rc != SQLITE_DONE) {
        run(sp, ST_ROLLBACK);
        free(rows);
        return status_of(rc);
    }
    for (size_t i = 0; i < n; i++)
        forget(sp, rows[i]);
    free(rows);
    return VMON_OK;
}

int vmon_spool_bump_attempts(vmon_spool *sp, int64_t id)
{
    if (!sp)
        return VMON_EINVAL;
    sqlite3_stmt *st = sp->st[ST_BUMP];
    sq->bind_int64(st, 1, id);
    sq->bind_text(st, 2, sp->sink, -1, SQLITE_STATIC);
    int rc = sq->step(st);
    sq->reset(st);
    return rc == SQLITE_DONE ? VMON_OK : status_of(rc);
}

int vmon_spool_refresh(vmon_spool *sp)
{
    return sp && load_totals(sp) == 0 ? VMON_OK : VMON_ERROR;
}

uint64_t vmon_spool_count(vmon_spool *sp)
{
    return sp ? sp->count : 0;
}

uint64_t vmon_spool_bytes(vmon_spool *sp)
{
    return sp ? sp->bytes : 0;
}

void vmon_spool_item_clear(vmon_spool_item *it)
{
    if (!it)
        return;
    free(it->key);
    free(it->payload);
    memset(it, 0, sizeof *it);
}

void vmon_spool_close(vmon_spool *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < N_STMTS; i++)
        sq->finalize(sp->st[i]);
    /* Closing the last connection checkpoints the WAL into the main file. */
    sq->close(sp->db);
    free(sp->sink);
    free(sp);
}
