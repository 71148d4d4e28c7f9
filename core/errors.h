/*
 * Configuration errors, collected so that every one is reported together as
 * `file:line: [section] key: message`.
 */
#ifndef VMON_CORE_ERRORS_H
#define VMON_CORE_ERRORS_H

#include <stddef.h>
#include <stdio.h>

typedef struct vmon_errors {
    char **lines;
    size_t count, cap;
} vmon_errors;

/** Add one error; any of file/section/key may be NULL, line 0 means none. */
void vmon_errors_add(vmon_errors *e, const char *file, int line, const char *section,
                     const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void vmon_errors_print(const vmon_errors *e, FILE *out);
/** All errors joined by newlines into buf (truncated to fit). */
void vmon_errors_join(const vmon_errors *e, char *buf, size_t len);
void vmon_errors_free(vmon_errors *e);

#endif
