/*
 * Control characters made visible (`\n`, `\r`, `\t`, `\xNN`), so text from a
 * config file, the environment or a monitored server cannot start a forged
 * line in an error report, the log or a sink's output. Bytes from 0x80 up (UTF-8) pass unchanged.
 */
#ifndef VMON_COMMON_ESCAPE_H
#define VMON_COMMON_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/** The most bytes one input byte can become. */
#define VMON_ESCAPE_MAX_GROWTH 4

/**
 * Copy `len` bytes of `in` to `out` (room for `outlen` bytes, always
 * terminated when outlen > 0), escaping control bytes. An escape that does not
 * fit is left out whole, never cut. Returns the length written.
 */
size_t vmon_escape_controls(const char *in, size_t len, char *out, size_t outlen);

/** Write `text` to `out` with its control bytes escaped, without a length limit. */
void vmon_escape_fputs(const char *text, FILE *out);

#endif
