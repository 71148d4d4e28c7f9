/*
 * RFC 3339 timestamps, the one format every vmon output uses for wall time.
 */
#ifndef VMON_COMMON_TIME_FORMAT_H
#define VMON_COMMON_TIME_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/** Bytes a timestamp needs, NUL included: `2026-11-21T05:09:45.123Z`. */
#define VMON_RFC3339_SIZE 25

/**
 * Unix ms as RFC 3339 UTC with milliseconds. Times before 0000-01-01 or
 * after 9999-12-31T23:59:59.999Z are clamped to those bounds (RFC 3339 has
 * four-digit years only); negative ms before 1970 are exact. Writes at most
 * `len` bytes, always NUL-terminated when len > 0; with len <
 * VMON_RFC3339_SIZE the result is cut. Thread-safe, locale-independent.
 */
void vmon_format_rfc3339(int64_t ms, char *buf, size_t len);

#endif
