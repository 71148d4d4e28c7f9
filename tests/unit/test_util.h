/* Helpers shared by the core's tests: temporary folders and files. */
#ifndef VMON_TEST_UTIL_H
#define VMON_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/** A fresh folder under $TMPDIR (or /tmp), unique per call; removed by rm_tree. */
char *test_tempdir(void);
void test_rm_tree(const char *dir);
/** Write text to dir/name; returns the full path (caller frees). */
char *test_write_file(const char *dir, const char *name, const char *text);
/** The whole file, or NULL. */
char *test_read_file(const char *path);
/** Copy a file (plugins are copied, never linked: the loader refuses symlinks). */
void test_copy_file(const char *from, const char *to);
/** Number of lines in `text` that contain `needle`. */
int test_count_lines(const char *text, const char *needle);
/** Sleep for ms milliseconds. */
void test_sleep_ms(int64_t ms);

#endif
