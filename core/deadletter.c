/*
 * Dead-letter file writer. The line is built completely in memory and
 * written with one write() on an O_APPEND descriptor: concurrent writers
 * (two sinks sharing a file, or two daemons) then never interleave inside
 * a line. The payload is re-serialised through json-c so a pretty-printed
 * or multi-line payload still yields exactly one line.
 */
#include "deadletter.h"

#include <vmon/abi.h>

#include "io.h"
#include "time_format.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The payload as JSON when all of it parses, else as a string: a dead
 * letter must keep every byte the sink was given. */
static json_object *payload_object(const char *payload)
{
    if (!payload)
        return NULL;
    json_tokener *tok = json_tokener_new();
    json_object *obj = NULL;
    if (tok) {
        size_t len = strlen(payload);
        while (len && strchr(" \t\r\n", payload[len - 1]))
            len--;
        obj = json_tokener_parse_ex(tok, payload, (int)len);
        if (json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len) {
            json_object_put(obj);
            obj = NULL;
        }
        json_tokener_free(tok);
    }
    return obj ? obj : json_object_new_string(payload);
}

static json_object *build_line(const char *sink, const char *reason, const char *payload,
                               int64_t ms)
{
    char when[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(ms, when, sizeof when);
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "time", json_object_new_string(when));
    json_object_object_add(o, "time_ms", json_object_new_int64(ms));
    json_object_object_add(o, "sink", json_object_new_string(sink ? sink : ""));
    json_object_object_add(o, "reason", json_object_new_string(reason ? reason : ""));
    json_object_object_add(o, "alert", payload_object(payload));
    return o;
}

static int append_line(const char *path, const char *line, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = vmon_write_all(fd, line, len);
    if (rc == 0)
        rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int vmon_deadletter_write_at(const char *path, const char *sink, const char *reason,
                             const char *payload, int64_t time_ms)
{
    if (!path) {
        errno = EINVAL;
        return VMON_ERROR;
    }
    json_object *o = build_line(sink, reason, payload, time_ms ? time_ms : now_ms());
    if (!o) {
        errno = ENOMEM;
        return VMON_ERROR;
    }
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *line = text ? malloc(len + 2) : NULL;
    int rc = -1;
    if (line) {
        memcpy(line, text, len);
        line[len] = '\n';
        rc = append_line(path, line, len + 1);
    } else {
        errno = ENOMEM;
    }
    int saved = errno;
    free(line);
    json_object_put(o);
    errno = saved;
    return rc == 0 ? VMON_OK : VMON_ERROR;
}

int vmon_deadletter_write(const char *path, const char *sink, const char *reason,
                          const char *payload)
{
    return vmon_deadletter_write_at(path, sink, reason, payload, 0);
}
