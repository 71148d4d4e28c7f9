/*
 * UTF-8 decoding by RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF. Outputs that must be UTF-8 (RFC 5424 structured data,
 * JSON) use it to find what they must replace.
 */
#ifndef VMON_COMMON_UTF8_H
#define VMON_COMMON_UTF8_H

#include <stddef.h>

/** U+FFFD REPLACEMENT CHARACTER, written for each ill-formed subpart. */
#define VMON_UTF8_REPLACEMENT "\xef\xbf\xbd"

/**
 * Look at the sequence at the start of `s` (at most `n` bytes, n >= 1) and
 * set *len to the bytes it covers. Returns 1 if they form one well-formed
 * character (*len 1..4), or 0 if they are ill-formed: *len is then the
 * maximal ill-formed subpart (Unicode 3.9, "U+FFFD substitution of maximal
 * subparts"), at least 1, to be replaced by one U+FFFD.
 */
int vmon_utf8_next(const char *s, size_t n, size_t *len);

/** 1 if all `n` bytes of `s` are well-formed UTF-8. */
int vmon_utf8_valid(const char *s, size_t n);

#endif
