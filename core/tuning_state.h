/*
 * The tuning loop's lasting state: per pipeline, the parameters in use, the
 * ones before the last promotion, the baseline and a running experiment, in
 * a small SQLite file (`tuning.db` under [daemon] state_dir), so a restart
 * or a reload takes them up again (vmon_exp_restore).
 *
 * A row holds the snapshot as JSON text with a format version: readable
 * with the sqlite3 shell, and a row this build cannot read is reported and
 * treated as absent (tuning starts afresh) rather than half-trusted.
 */
#ifndef VMON_CORE_TUNING_STATE_H
#define VMON_CORE_TUNING_STATE_H

#include <stddef.h>

#include "experiment.h"

typedef struct vmon_tuning_store vmon_tuning_store;

/** Open (creating 0700 / 0600) `dir`/tuning.db. NULL with the reason and the fix in `err`. */
vmon_tuning_store *vmon_tuning_store_open(const char *dir, char *err, size_t errlen);
void vmon_tuning_store_close(vmon_tuning_store *st);

/** Replace the row of (pipeline, collection). 0, or -1 with `err` filled. */
int vmon_tuning_store_save(vmon_tuning_store *st, const char *pipeline, const char *collection,
                           const vmon_exp_snapshot *snap, char *err, size_t errlen);
/** 1 with *out filled, 0 when there is no (readable) row (`err` says why when unreadable),
 *  -1 on a database error. */
int vmon_tuning_store_load(vmon_tuning_store *st, const char *pipeline, const char *collection,
                           vmon_exp_snapshot *out, char *err, size_t errlen);

/** The snapshot as JSON text (caller frees), and back (0, or -1 with `err`). */
char *vmon_exp_snapshot_to_json(const vmon_exp_snapshot *snap);
int vmon_exp_snapshot_from_json(const char *text, vmon_exp_snapshot *out, char *err, size_t errlen);

#endif
