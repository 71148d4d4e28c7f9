/*
 * Decoding Milvus's HTTP answers: the REST v2 envelope
 * `{"code":0,"data":...,"message":...}` (2.4+ succeed with code 0, 2.3 and
 * the v1 API with 200), the HTTP statuses Milvus uses besides 200 (401,
 * 403, 408, 500), and Milvus's error codes mapped to vmon statuses with a
 * line that says what to do. Also the int64 reader that accepts ids as
 * JSON numbers or as strings (Accept-Type-Allow-Int64: false).
 */
#ifndef VMON_MILVUS_MVJSON_H
#define VMON_MILVUS_MVJSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

typedef struct mv_reply {
    json_object *root; /* owned; NULL when the body was not JSON */
    json_object *data; /* borrowed from root; NULL when absent */
    int64_t code;      /* Milvus's code; 0 on success (200 normalised to 0) */
    const char *message;
    int auth_failed; /* 401, 1800, 1400: wrong or missing credentials */
} mv_reply;

/**
 * Decode one answer. `what` names the call for messages ("collections/list
 * of 'c'"). Returns a vmon status; on failure `err` holds one line and
 * `out->root` is NULL. Call mv_reply_free in every case.
 */
int mv_reply_decode(long http_status, const char *body, size_t len, const char *what, mv_reply *out,
                    char *err, size_t errlen);
void mv_reply_free(mv_reply *r);

/** The vmon status for a Milvus error code (never 0/200). */
int mv_code_status(int64_t code);

/** An int64 from a JSON number or a decimal string. Returns 0 or -1. */
int mv_json_int64(json_object *o, int64_t *out);
/** A member as int64 (number or string), or `fallback`. */
int64_t mv_json_member_int64(json_object *o, const char *key, int64_t fallback);
/** A member as a string, or NULL. */
const char *mv_json_member_string(json_object *o, const char *key);

#endif
