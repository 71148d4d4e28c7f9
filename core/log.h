/* The daemon's log: one line per event on stderr, with a level and a source. */
#ifndef VMON_CORE_LOG_H
#define VMON_CORE_LOG_H

#include <stdarg.h>

enum { VMON_LOGL_ERROR = 0, VMON_LOGL_WARNING, VMON_LOGL_INFO, VMON_LOGL_DEBUG };

/** Lines above this level are dropped. */
void vmon_log_set_level(int level);
int vmon_log_get_level(void);
/** Parse `error|warning|info|debug`; -1 if unknown. */
int vmon_log_level_parse(const char *s);

/** `source` is `core`, `[probe:sys]`, ...; thread-safe, one write(2) per line. */
void vmon_log(int level, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vmon_logv(int level, const char *source, const char *fmt, va_list ap);

#endif
