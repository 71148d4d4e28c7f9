#include "prom_name.h"

#include <stdlib.h>
#include <string.h>

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char *prom_metric_name(const char *sample_name, size_t len)
{
    size_t p = strlen(PROM_NAME_PREFIX);
    char *out = malloc(p + len + 1);
    if (!out)
        return NULL;
    memcpy(out, PROM_NAME_PREFIX, p);
    for (size_t i = 0; i < len; i++)
        out[p + i] = name_char(sample_name[i]) ? sample_name[i] : '_';
    out[p + len] = 0;
    return out;
}

char *prom_label_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    int lead = n == 0 || (name[0] >= '0' && name[0] <= '9');
    int reserved = n >= 2 && name[0] == '_' && name[1] == '_';
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    if (lead)
        out[o++] = '_';
    else if (reserved)
        out[o++] = 'x';
    for (size_t i = 0; i < n; i++)
        out[o++] = name_char(name[i]) ? name[i] : '_';
    out[o] = 0;
    return out;
}

char *prom_stored_label_name(const char *name)
{
    if (name && (strcmp(name, "instance") == 0 || strcmp(name, "job") == 0)) {
        size_t n = strlen(name);
        char *out = malloc(sizeof "exported_" + n);
        if (out) {
            memcpy(out, "exported_", sizeof "exported_" - 1);
            memcpy(out + sizeof "exported_" - 1, name, n + 1);
        }
        return out;
    }
    return prom_label_name(name);
}
