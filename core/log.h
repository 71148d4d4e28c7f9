/*
 * The daemon's log: one line per event on stderr, with a level and a source;
 * as text (the default) or, with `log_format = json`, one JSON object per
 * line (log_json.c).
 */
#ifndef VMON_CORE_LOG_H
#define VMON_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum { VMON_LOGL_ERROR = 0, VMON_LOGL_WARNING, VMON_LOGL_INFO, VMON_LOGL_DEBUG };
enum { VMON_LOG_TEXT = 0, VMON_LOG_JSON };

/** A structured field of a log line: text `key=value`, JSON a member. */
typedef struct vmon_log_field {
    const char *key;
    const char *value;
} vmon_log_field;

/** Lines above this level are dropped. */
void vmon_log_set_level(int level);
int vmon_log_get_level(void);
/** Parse `error|warning|info|debug`; -1 if unknown. */
int vmon_log_level_parse(const char *s);
/** VMON_LOG_TEXT or VMON_LOG_JSON, for every thread from the next line on. */
void vmon_log_set_format(int format);
int vmon_log_get_format(void);

/** `source` is `core`, `[probe:sys]`, ...; thread-safe, lines written whole under a lock. */
void vmon_log(int level, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vmon_logv(int level, const char *source, const char *fmt, va_list ap);
/** The same with `n` structured fields. */
void vmon_log_fields(int level, const char *source, const vmon_log_field *fields, size_t n,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/**
 * One JSON log line (log_json.c), newline included: time, level, source
 * (and kind and instance for `[kind:name]`), message, then the fields.
 * Ill-formed UTF-8 becomes U+FFFD, controls are escaped. malloc'd; NULL
 * without memory.
 */
char *vmon_log_json_line(long long ms, const char *level, const char *source, const char *msg,
                         const vmon_log_field *fields, size_t n);

#endif
