#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "time_format.h"
#include "utf8.h"

/* json-c copies bytes as they are: ill-formed UTF-8 would make the line invalid JSON. */
static json_object *utf8_string(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (vmon_utf8_valid(s ? s : "", n))
        return json_object_new_string(s ? s : "");
    char *clean = malloc(n * 3 + 1);
    if (!clean)
        return NULL;
    size_t o = 0;
    for (size_t i = 0, len; i < n; i += len) {
        if (vmon_utf8_next(s + i, n - i, &len)) {
            memcpy(clean + o, s + i, len);
            o += len;
        } else {
            memcpy(clean + o, VMON_UTF8_REPLACEMENT, 3);
            o += 3;
        }
    }
    clean[o] = 0;
    json_object *j = json_object_new_string_len(clean, (int)o);
    free(clean);
    return j;
}

char *vmon_log_json_line(long long ms, const char *level, const char *source, const char *msg,
                         const vmon_log_field *fields, size_t n)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    char ts[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(ms, ts, sizeof ts);
    json_object_object_add(o, "time", json_object_new_string(ts));
    json_object_object_add(o, "level", json_object_new_string(level));
    json_object_object_add(o, "source", utf8_string(source));
    /* `[sink:hook]`: the kind and the instance on their own, to filter on. */
    size_t sl = source ? strlen(source) : 0;
    const char *colon =
        sl > 2 && source[0] == '[' && source[sl - 1] == ']' ? memchr(source, ':', sl) : NULL;
    if (colon) {
        char *kind = strndup(source + 1, (size_t)(colon - source - 1));
        char *inst = strndup(colon + 1, (size_t)(source + sl - 1 - colon - 1));
        json_object_object_add(o, "kind", utf8_string(kind));
        json_object_object_add(o, "instance", utf8_string(inst));
        free(kind);
        free(inst);
    }
    json_object_object_add(o, "message", utf8_string(msg));
    for (size_t i = 0; i < n; i++) {
        const char *k = fields[i].key;
        /* A field never replaces the line's own members. */
        if (!k || json_object_object_get_ex(o, k, NULL))
            continue;
        json_object *v = utf8_string(fields[i].value);
        char *clean = NULL;
        if (!vmon_utf8_valid(k, strlen(k))) {
            json_object *ck = utf8_string(k);
            clean = strdup(json_object_get_string(ck));
            json_object_put(ck);
        }
        json_object_object_add(o, clean ? clean : k, v);
        free(clean);
    }
    const char *s =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(s);
    char *line = malloc(len + 2);
    if (line) {
        memcpy(line, s, len);
        line[len] = '\n';
        line[len + 1] = 0;
    }
    json_object_put(o);
    return line;
}
