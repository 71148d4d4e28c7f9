/* Small string helpers the core uses everywhere. */
#ifndef VMON_CORE_STRUTIL_H
#define VMON_CORE_STRUTIL_H

#include <stddef.h>

/** strdup that aborts on out-of-memory (the core cannot go on without it). */
char *vmon_strdup(const char *s);
char *vmon_strndup(const char *s, size_t n);
void *vmon_calloc(size_t n, size_t size);
void *vmon_realloc(void *p, size_t size);
/** printf into a new string. */
char *vmon_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Trim ASCII whitespace in place; returns the start. */
char *vmon_trim(char *s);
/** Edit distance, for "did you mean" hints. */
size_t vmon_edit_distance(const char *a, const char *b);
/** The directory part of a path, as a new string (`.` when none). */
char *vmon_dirname(const char *path);
/** `dir/rel` unless `rel` is absolute, as written (include patterns keep their shape). */
char *vmon_path_concat(const char *dir, const char *rel);
/** `rel` resolved against `dir` unless absolute, as a new absolute path with `.`, `..` and
 *  doubled slashes removed (a relative `dir` is taken from the working directory). */
char *vmon_path_join(const char *dir, const char *rel);

#endif
