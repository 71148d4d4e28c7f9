/*
 * Dead letters: alerts a sink could not deliver for good (a permanent
 * failure, or the retry limit reached), kept as JSON lines so an operator can
 * read them, grep them, and replay them later.
 *
 * One line per alert:
 *   {"time":"2026-11-21T05:00:00.123Z","time_ms":...,"sink":"hook",
 *    "reason":"HTTP 400: bad label","alert":{...the payload...}}
 * When the payload is not valid JSON it is kept as a string in "alert".
 */
#ifndef VMON_CORE_DEADLETTER_H
#define VMON_CORE_DEADLETTER_H

#include <stdint.h>

/**
 * Append one dead letter to `path` (created 0600 if missing) and fsync it
 * before returning, so an alert is never both out of the queue and not on
 * disk. `time_ms` is Unix ms (0: now). Safe to call from several threads and
 * processes at once: each line goes out in one O_APPEND write.
 * Returns VMON_OK, or VMON_ERROR with errno set.
 */
int vmon_deadletter_write_at(const char *path, const char *sink, const char *reason,
                             const char *payload, int64_t time_ms);

/** vmon_deadletter_write_at with the current time. */
int vmon_deadletter_write(const char *path, const char *sink, const char *reason,
                          const char *payload);

#endif
