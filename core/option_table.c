#include "option_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "strutil.h"

/* More entries than this is a table without its NULL-key terminator. */
#define MAX_OPTIONS 1024

int vmon_valid_plugin_word(const char *s, int dots)
{
    if (!s || !(*s >= 'a' && *s <= 'z'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              (dots && *s == '.')))
            return 0;
    return 1;
}

static int has_key(const vmon_option *table, size_t n, const char *key)
{
    for (size_t i = 0; table && i < n && table[i].key; i++)
        if (strcmp(table[i].key, key) == 0)
            return 1;
    return 0;
}

static int check_default(const vmon_option *o, char *why, size_t len)
{
    if (!o->default_value || (o->flags & VMON_OPT_COMPUTED_DEFAULT))
        return 0;
    vmon_value v;
    char reason[256];
    int rc = vmon_value_parse(o, o->default_value, ".", &v, reason, sizeof reason);
    vmon_value_clear(&v);
    if (rc < 0)
        snprintf(why, len, "default '%s' does not parse: %s", o->default_value, reason);
    return rc;
}

/* What is wrong with one entry, into `why`; 0 when nothing. */
static int check_entry(const vmon_option *o, const vmon_option *core_keys, char *why, size_t len)
{
    if (!vmon_valid_plugin_word(o->key, 1))
        snprintf(why, len, "keys are [a-z][a-z0-9_.]*");
    else if (has_key(core_keys, MAX_OPTIONS, o->key))
        snprintf(why, len,
                 "collides with the core's key of the same name in every section of this kind; "
                 "rename the plugin's key");
    else if (o->type < VMON_OPT_STRING || o->type > VMON_OPT_PATH)
        snprintf(why, len, "unknown type %u", o->type);
    else if (o->flags & ~VMON_OPT_KNOWN_FLAGS)
        snprintf(why, len, "unknown flags 0x%x", o->flags & ~VMON_OPT_KNOWN_FLAGS);
    else if (o->type == VMON_OPT_ENUM && (!o->enum_values || !o->enum_values[0]))
        snprintf(why, len, "an enum that lists no values");
    else if ((o->flags & VMON_OPT_RANGE) && !(o->min <= o->max))
        snprintf(why, len, "range min %g is above max %g", o->min, o->max);
    else if ((o->flags & VMON_OPT_REQUIRED) &&
             (o->default_value || (o->flags & VMON_OPT_COMPUTED_DEFAULT)))
        snprintf(why, len, "required, yet it has a default");
    else if ((o->flags & VMON_OPT_COMPUTED_DEFAULT) && !o->default_value)
        snprintf(why, len, "a computed default states its rule in default_value");
    else
        return check_default(o, why, len);
    return -1;
}

vmon_option *vmon_option_table_copy(const char *path, const void *raw, uint32_t stride,
                                    const vmon_option *core_keys, char *err, size_t errlen)
{
    size_t n = 0;
    const char *base = raw;
    /* Only the first min(stride, ours) bytes of an entry are ours to read. */
    size_t take = stride < sizeof(vmon_option) ? stride : sizeof(vmon_option);
    while (raw && n < MAX_OPTIONS && ((const vmon_option *)(const void *)(base + n * stride))->key)
        n++;
    if (n == MAX_OPTIONS) {
        snprintf(err, errlen,
                 "%s: option table has no end (no entry with a NULL key in %d); end it with {0}",
                 path, MAX_OPTIONS);
        return NULL;
    }
    vmon_option *copy = vmon_calloc(n + 1, sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        memcpy(&copy[i], base + i * stride, take);
        char why[512];
        const char *dup = has_key(copy, i, copy[i].key) ? "declared twice" : NULL;
        if (dup || check_entry(&copy[i], core_keys, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: option '%s': %s; fix the plugin's option table", path,
                     copy[i].key, dup ? dup : why);
            free(copy);
            return NULL;
        }
    }
    return copy;
}
