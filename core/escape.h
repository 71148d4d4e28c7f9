/*
 * Control characters made visible (`\n`, `\r`, `\t`, `\xNN`), so text from a
 * config file or the environment cannot start a forged line in an error
 * report or the log. Bytes from 0x80 up (UTF-8) pass unchanged.
 */
#ifndef VMON_CORE_ESCAPE_H
#define VMON_CORE_ESCAPE_H

#include <stddef.h>

/** The most bytes one input byte can become. */
#define VMON_ESCAPE_MAX_GROWTH 4

/**
 * Copy `len` bytes of `in` to `out` (room for `outlen` bytes, always
 * terminated when outlen > 0), escaping control bytes. An escape that does not
 * fit is left out whole, never cut. Returns the length written.
 */
size_t vmon_escape_controls(const char *in, size_t len, char *out, size_t outlen);

#endif
