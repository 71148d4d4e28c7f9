#include "audit_log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "severity.h"
#include "strutil.h"
#include "time_format.h"

struct vmon_audit_log {
    int fd;
    char *path;
};

vmon_audit_log *vmon_audit_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "audit_log %s: cannot open: %s; fix the path or the folder's rights",
                 path, strerror(errno));
        return NULL;
    }
    vmon_audit_log *log = vmon_calloc(1, sizeof *log);
    log->fd = fd;
    log->path = vmon_strdup(path);
    return log;
}

void vmon_audit_close(vmon_audit_log *log)
{
    if (!log)
        return;
    close(log->fd);
    free(log->path);
    free(log);
}

char *vmon_audit_line(const char *pipeline, const char *collection, const char *origin,
                      const vmon_exp_event *ev)
{
    char when[40];
    vmon_format_rfc3339(ev->time_ms, when, sizeof when);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "time", json_object_new_string(when));
    json_object_object_add(o, "pipeline", json_object_new_string(pipeline));
    json_object_object_add(o, "collection", json_object_new_string(collection ? collection : ""));
    json_object_object_add(o, "event", json_object_new_string(vmon_exp_event_type_name(ev->type)));
    json_object_object_add(o, "severity", json_object_new_string(vmon_severity_name(ev->severity)));
    if (ev->experiment)
        json_object_object_add(o, "experiment", json_object_new_int64((int64_t)ev->experiment));
    json_object_object_add(o, "message", json_object_new_string(ev->message));
    json_object *fields = json_object_new_object();
    for (uint32_t i = 0; i < ev->n_fields; i++)
        json_object_object_add(fields, ev->name[i], json_object_new_string(ev->value[i]));
    json_object_object_add(o, "fields", fields);
    json_object_object_add(o, "origin", json_object_new_string(origin));
    char *line = vmon_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return line;
}

int vmon_audit_write(vmon_audit_log *log, const char *pipeline, const char *collection,
                     const char *origin, const vmon_exp_event *ev, char *err, size_t errlen)
{
    char *line = vmon_audit_line(pipeline, collection, origin, ev);
    char *full = vmon_asprintf("%s\n", line);
    free(line);
    int rc = vmon_write_all(log->fd, full, strlen(full));
    if (rc)
        snprintf(err, errlen, "audit_log %s: write: %s", log->path, strerror(errno));
    free(full);
    return rc ? -1 : 0;
}
