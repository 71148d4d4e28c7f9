#include "utf8.h"

/* Bytes that follow a lead byte (RFC 3629 section 4): most leads take
 * 80..BF, but E0, ED, F0 and F4 narrow the first one. */
static int continuation_range(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf)
        return 1;
    if (lead >= 0xe0 && lead <= 0xef) {
        if (lead == 0xe0)
            *lo = 0xa0;
        if (lead == 0xed)
            *hi = 0x9f;
        return 2;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        if (lead == 0xf0)
            *lo = 0x90;
        if (lead == 0xf4)
            *hi = 0x8f;
        return 3;
    }
    return -1;
}

int vmon_utf8_next(const char *s, size_t n, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char lo, hi;
    *len = 1;
    if (p[0] < 0x80)
        return 1;
    int follow = continuation_range(p[0], &lo, &hi);
    if (follow < 0)
        return 0;
    for (int i = 1; i <= follow; i++) {
        if ((size_t)i >= n || p[i] < lo || p[i] > hi)
            return 0; /* p[0..i) is the maximal subpart */
        *len = (size_t)i + 1;
        lo = 0x80;
        hi = 0xbf;
    }
    return 1;
}

int vmon_utf8_valid(const char *s, size_t n)
{
    size_t len;
    for (size_t i = 0; i < n; i += len)
        if (!vmon_utf8_next(s + i, n - i, &len))
            return 0;
    return 1;
}
