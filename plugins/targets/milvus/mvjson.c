#include "mvjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/abi.h>

/* What each code means for the caller, and the hint that goes with it. */
typedef struct code_info {
    int64_t code;
    int status;
    const char *hint;
} code_info;

static const code_info CODES[] = {
    {1, VMON_RETRY, "service not ready"},
    {2, VMON_RETRY, "service unavailable"},
    {3, VMON_ENOMEM, "memory limit exceeded"},
    {4, VMON_RETRY, "request limit exceeded"},
    {7, VMON_ENOMEM, "disk limit exceeded"},
    {8, VMON_RETRY, "rate limit exceeded"},
    {9, VMON_RETRY, "quota exceeded"},
    {100, VMON_EINVAL, "collection not found"},
    {101, VMON_RETRY, "collection not loaded (load it: collections/load)"},
    {103, VMON_RETRY, "collection not fully loaded yet"},
    {106, VMON_RETRY, "collection is recovering"},
    {700, VMON_EINVAL, "index not found"},
    {701, VMON_EINVAL, "index type not supported"},
    {800, VMON_EINVAL, "database not found (check the target's `database`)"},
    {1100, VMON_EINVAL, "invalid parameter"},
    {1101, VMON_EINVAL, "missing parameter"},
    {1102, VMON_EINVAL, "parameter too large"},
    {1400, VMON_ERROR, "not authenticated (check `token` or `user`/`password`)"},
    {1401, VMON_ERROR, "privilege not permitted for this user"},
    {1800, VMON_ERROR, "not authenticated (check `token` or `user`/`password`)"},
    {1801, VMON_EINVAL, "request refused as malformed JSON"},
    {1802, VMON_EINVAL, "missing required parameters"},
    {1804, VMON_EINVAL, "insert data refused (dimension or fields)"},
    {1807, VMON_RETRY, "rate limited by the proxy"},
    {3000, VMON_ENOTSUP, "operation not supported by this Milvus"},
    {10000, VMON_RETRY, "request canceled"},
    {10001, VMON_RETRY, "request timed out in Milvus"},
};

static const code_info *find_code(int64_t code)
{
    for (size_t i = 0; i < sizeof CODES / sizeof *CODES; i++)
        if (CODES[i].code == code)
            return &CODES[i];
    return NULL;
}

int mv_code_status(int64_t code)
{
    const code_info *c = find_code(code);
    return c ? c->status : VMON_ERROR;
}

static int is_auth_code(int64_t code)
{
    return code == 1800 || code == 1400;
}

/* A message from Milvus, cut and stripped of control bytes so it is one line. */
static void clean(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outlen; in++)
        out[n++] = (unsigned char)*in < 0x20 ? ' ' : *in;
    out[n] = '\0';
}

static int http_status_failure(long status, const char *what, mv_reply *out, char *err,
                               size_t errlen)
{
    if (status == 401) {
        out->auth_failed = 1;
        snprintf(err, errlen,
                 "%s: HTTP 401, not authenticated (check `token` or `user`/`password`)", what);
        return VMON_ERROR;
    }
    if (status == 403) {
        snprintf(err, errlen, "%s: HTTP 403, privilege not permitted for this user", what);
        return VMON_ERROR;
    }
    if (status == 408) {
        snprintf(err, errlen, "%s: HTTP 408, Milvus timed the request out", what);
        return VMON_RETRY;
    }
    if (status == 404) {
        snprintf(err, errlen,
                 "%s: HTTP 404, no such route (is `uri` the proxy's REST port, and "
                 "the Milvus version 2.4 or later?)",
                 what);
        return VMON_ERROR;
    }
    snprintf(err, errlen, "%s: HTTP %ld from Milvus", what, status);
    return status >= 500 ? VMON_RETRY : VMON_ERROR;
}

int mv_reply_decode(long http_status, const char *body, size_t len, const char *what, mv_reply *out,
                    char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        snprintf(err, errlen, "%s: out of memory", what);
        return VMON_ENOMEM;
    }
    json_object *root = json_tokener_parse_ex(tok, body ? body : "", (int)len);
    int complete =
        json_tokener_get_error(tok) == json_tokener_success && tok->char_offset == (int)len;
    json_tokener_free(tok);
    if (root && !complete) {
        json_object_put(root);
        root = NULL;
    }
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        if (http_status != 200)
            return http_status_failure(http_status, what, out, err, errlen);
        snprintf(err, errlen, "%s: the answer is not a complete JSON object (%zu bytes)", what,
                 len);
        return VMON_RETRY;
    }
    json_object *code_obj = NULL;
    int64_t code = 0;
    if (!json_object_object_get_ex(root, "code", &code_obj) || mv_json_int64(code_obj, &code)) {
        json_object_put(root);
        if (http_status != 200)
            return http_status_failure(http_status, what, out, err, errlen);
        snprintf(err, errlen, "%s: the answer has no numeric \"code\"", what);
        return VMON_ERROR;
    }
    const char *message = mv_json_member_string(root, "message");
    if (code == 0 || code == 200) {
        if (http_status != 200) {
            json_object_put(root);
            return http_status_failure(http_status, what, out, err, errlen);
        }
        out->root = root;
        json_object_object_get_ex(root, "data", &out->data);
        out->message = message;
        return 0;
    }
    const code_info *info = find_code(code);
    char text[200];
    clean(message, text, sizeof text);
    out->code = code;
    out->auth_failed = is_auth_code(code) || http_status == 401;
    snprintf(err, errlen, "%s: Milvus code %lld, %s%s%s", what, (long long)code,
             info ? info->hint : "error", text[0] ? ": " : "", text);
    json_object_put(root);
    return info ? info->status
                : (http_status == 408 || http_status >= 500 ? VMON_RETRY : VMON_ERROR);
}

void mv_reply_free(mv_reply *r)
{
    json_object_put(r->root);
    memset(r, 0, sizeof *r);
}

int mv_json_int64(json_object *o, int64_t *out)
{
    if (json_object_is_type(o, json_type_int)) {
        errno = 0;
        *out = json_object_get_int64(o);
        return errno == EINVAL ? -1 : 0;
    }
    if (json_object_is_type(o, json_type_string)) {
        const char *s = json_object_get_string(o);
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || *end || errno == ERANGE)
            return -1;
        *out = (int64_t)v;
        return 0;
    }
    return -1;
}

int64_t mv_json_member_int64(json_object *o, const char *key, int64_t fallback)
{
    json_object *m;
    int64_t v;
    if (!o || !json_object_object_get_ex(o, key, &m) || mv_json_int64(m, &v) != 0)
        return fallback;
    return v;
}

const char *mv_json_member_string(json_object *o, const char *key)
{
    json_object *m;
    if (!o || !json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, json_type_string))
        return NULL;
    return json_object_get_string(m);
}
