/*
 * The tuning loop's audit log: one JSON line per decision, with its evidence
 * (the event's figures), appended to the pipeline's `audit_log =` file.
 *
 *   {"time":"2026-12-01T20:00:00.000Z","pipeline":"autotune","collection":"c",
 *    "event":"promotion","severity":"info","experiment":1,
 *    "message":"promoted nprobe 16 -> 11 ...","fields":{"a.nprobe":"16",...},
 *    "origin":"loop"}
 *
 * `origin` is `loop` for the loop's own decisions, `operator` for `vmond ctl`
 * commands and `restart` for what a restart did. Each line is written with
 * one write(2) on an O_APPEND descriptor, so concurrent writers never
 * interleave a line.
 */
#ifndef VMON_CORE_AUDIT_LOG_H
#define VMON_CORE_AUDIT_LOG_H

#include <stddef.h>

#include "experiment.h"

typedef struct vmon_audit_log vmon_audit_log;

/** Open `path` for appending (created 0600). NULL with the reason and the fix in `err`. */
vmon_audit_log *vmon_audit_open(const char *path, char *err, size_t errlen);
void vmon_audit_close(vmon_audit_log *log);

/** The line for `ev` (caller frees), without its newline. */
char *vmon_audit_line(const char *pipeline, const char *collection, const char *origin,
                      const vmon_exp_event *ev);
/** Append the line for `ev`. 0, or -1 with `err` filled. */
int vmon_audit_write(vmon_audit_log *log, const char *pipeline, const char *collection,
                     const char *origin, const vmon_exp_event *ev, char *err, size_t errlen);

#endif
