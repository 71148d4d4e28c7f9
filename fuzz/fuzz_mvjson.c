/*
 * The decoder of Milvus's JSON answers: any body, with any HTTP status,
 * is either a reply or a failure with a one-line reason; never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mvjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 401, 408, 500};
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        mv_reply r;
        char err[300] = "";
        int rc = mv_reply_decode(statuses[i], text, size, "fuzz", &r, err, sizeof err);
        if (rc != 0 && (!err[0] || strchr(err, '\n') || r.root))
            abort();
        if (rc == 0 && r.data) {
            int64_t v;
            mv_json_member_int64(r.data, "rowCount", 0);
            if (json_object_is_type(r.data, json_type_array) && json_object_array_length(r.data))
                mv_json_int64(json_object_array_get_idx(r.data, 0), &v);
        }
        mv_reply_free(&r);
    }
    free(text);
    return 0;
}
