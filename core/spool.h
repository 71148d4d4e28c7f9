/*
 * A sink's delivery queue on disk (SQLite), so queued alerts survive a crash
 * or kill -9 and are delivered after restart, at least once.
 *
 * Items are opaque payloads (the alert as JSON, see common/alert_json.h) with
 * a stable idempotency key. A spool is not thread-safe: calls on one spool
 * must not overlap (the delivery holds a lock of its own around each).
 */
#ifndef VMON_CORE_SPOOL_H
#define VMON_CORE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct vmon_spool vmon_spool;

typedef struct vmon_spool_item {
    int64_t id;        /**< spool row id, for ack */
    char *key;         /**< idempotency key */
    char *payload;     /**< NUL-terminated payload */
    size_t len;        /**< payload length */
    uint32_t attempts; /**< delivery attempts so far */
} vmon_spool_item;

/**
 * Open (creating if needed) the spool at `path` for sink `sink`. `max_bytes`
 * caps the payload bytes held (0 = no cap). Non-zero with a reason naming
 * the path on failure.
 */
int vmon_spool_open(const char *path, const char *sink, uint64_t max_bytes, vmon_spool **out,
                    char *err, size_t errlen);
/** Append durably (committed before return). VMON_RETRY when the cap is reached. */
int vmon_spool_put(vmon_spool *sp, const char *key, const char *payload, size_t len);
typedef struct vmon_spool_entry {
    const char *key;
    const char *payload;
    size_t len;
} vmon_spool_entry;

/**
 * Append `n` entries in one transaction (one fsync for the group). status[i] is VMON_OK
 * (queued, or already queued under its key) or VMON_RETRY when the cap is reached. When the
 * transaction itself fails nothing was written: every status and the return value say why.
 */
int vmon_spool_put_many(vmon_spool *sp, const vmon_spool_entry *entries, size_t n, int *status);
/** Oldest-first up to `max` items, without removing them. Returns the count. */
size_t vmon_spool_peek(vmon_spool *sp, vmon_spool_item *items, size_t max);
/** Remove a delivered (or dead-lettered) item. */
int vmon_spool_ack(vmon_spool *sp, int64_t id);
/**
 * Remove `n` items in one transaction: one fsync for a whole delivered batch
 * instead of one per item. All or none are removed.
 */
int vmon_spool_ack_many(vmon_spool *sp, const int64_t *ids, size_t n);
/** Record one more failed attempt on an item. */
int vmon_spool_bump_attempts(vmon_spool *sp, int64_t id);
/** Re-read the totals from the file: another connection changed this sink's rows. */
int vmon_spool_refresh(vmon_spool *sp);
/** Items and payload bytes held. */
uint64_t vmon_spool_count(vmon_spool *sp);
uint64_t vmon_spool_bytes(vmon_spool *sp);
/** Free an item's strings (not the item). */
void vmon_spool_item_clear(vmon_spool_item *it);
void vmon_spool_close(vmon_spool *sp);

#endif
