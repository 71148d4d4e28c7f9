#include "url_redact.h"

#include <stdlib.h>
#include <string.h>

#define MASK "********"

/* The `userinfo@` of the authority starting at `p`: its length up to the '@', or 0. */
static size_t userinfo_len(const char *p)
{
    size_t authority = strcspn(p, "/?# \t,;");
    const char *at = NULL;
    for (const char *q = p; q < p + authority; q++)
        if (*q == '@')
            at = q;
    return at ? (size_t)(at - p) : 0;
}

char *vmon_url_redacted(const char *text)
{
    /* Masking only ever shortens a password or adds at most MASK per address. */
    size_t cap = strlen(text) + 1, addresses = 0;
    for (const char *p = strstr(text, "://"); p; p = strstr(p + 3, "://"))
        addresses++;
    char *out = malloc(cap + addresses * (sizeof MASK - 1));
    if (!out)
        return NULL;
    size_t n = 0;
    const char *p = text;
    for (const char *s = strstr(p, "://"); s; s = strstr(p, "://")) {
        s += 3;
        memcpy(out + n, p, (size_t)(s - p));
        n += (size_t)(s - p);
        size_t ui = userinfo_len(s);
        p = s;
        if (!ui)
            continue;
        const char *colon = memchr(s, ':', ui);
        size_t keep = colon ? (size_t)(colon - s) + 1 : 0;
        memcpy(out + n, s, keep);
        n += keep;
        memcpy(out + n, MASK, sizeof MASK - 1);
        n += sizeof MASK - 1;
        p = s + ui; /* the '@' and what follows */
    }
    strcpy(out + n, p);
    return out;
}
