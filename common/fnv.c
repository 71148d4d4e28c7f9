#include "fnv.h"

#include <string.h>

uint64_t vmon_fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= VMON_FNV64_PRIME;
    }
    return h;
}

uint64_t vmon_fnv1a64_field(uint64_t h, const char *s)
{
    static const unsigned char separator = 0xff;
    h = vmon_fnv1a64(h, s, strlen(s));
    return vmon_fnv1a64(h, &separator, 1);
}
