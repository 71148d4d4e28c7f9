#include "escape.h"

#include <stdio.h>

static size_t escape_one(unsigned char c, char buf[VMON_ESCAPE_MAX_GROWTH + 1])
{
    switch (c) {
    case '\n':
        return (size_t)snprintf(buf, VMON_ESCAPE_MAX_GROWTH + 1, "\\n");
    case '\r':
        return (size_t)snprintf(buf, VMON_ESCAPE_MAX_GROWTH + 1, "\\r");
    case '\t':
        return (size_t)snprintf(buf, VMON_ESCAPE_MAX_GROWTH + 1, "\\t");
    default:
        if (c < 0x20 || c == 0x7f)
            return (size_t)snprintf(buf, VMON_ESCAPE_MAX_GROWTH + 1, "\\x%02x", c);
        buf[0] = (char)c;
        buf[1] = 0;
        return 1;
    }
}

size_t vmon_escape_controls(const char *in, size_t len, char *out, size_t outlen)
{
    size_t n = 0;
    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char piece[VMON_ESCAPE_MAX_GROWTH + 1];
        size_t plen = escape_one((unsigned char)in[i], piece);
        if (n + plen >= outlen)
            break;
        for (size_t j = 0; j < plen; j++)
            out[n++] = piece[j];
    }
    out[n] = 0;
    return n;
}

void vmon_escape_fputs(const char *text, FILE *out)
{
    for (const char *p = text; *p; p++) {
        char piece[VMON_ESCAPE_MAX_GROWTH + 1];
        escape_one((unsigned char)*p, piece);
        fputs(piece, out);
    }
}
