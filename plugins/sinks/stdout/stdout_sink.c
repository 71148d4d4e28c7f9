/*
 * sink `stdout`: the seed's human report lines, or one JSON object per line
 * (`format = json`) for machines; events (event_format.c) as headed blocks,
 * or in JSON with "kind":"event". Each report or alert is written with one
 * write so lines from other writers never interleave inside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>
#include <vmon/plugin.h>

#include "alert_json.h"
#include "event_format.h"
#include "event_json.h"
#include "io.h"
#include "report_format.h"

enum { FORMAT_HUMAN, FORMAT_JSON };

typedef struct stdout_sink {
    const vmon_host *host;
    vmon_instance *inst;
    int format;
    int fd;
} stdout_sink;

static const char *const formats[] = {"human", "json", NULL};
static const char *const streams[] = {"stdout", "stderr", NULL};

static const vmon_option options[] = {{.key = "format",
                                       .type = VMON_OPT_ENUM,
                                       .default_value = "human",
                                       .enum_values = formats,
                                       .help = "human report lines, or json: one object per line"},
                                      {.key = "stream",
                                       .type = VMON_OPT_ENUM,
                                       .default_value = "stdout",
                                       .enum_values = streams,
                                       .help = "where to write"},
                                      {0}};

static int stdout_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                         size_t errlen)
{
    stdout_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    s->host = host;
    s->inst = inst;
    s->format = (int)host->cfg_int(inst, "format");
    s->fd = host->cfg_int(inst, "stream") == 1 ? STDERR_FILENO : STDOUT_FILENO;
    *ctx = s;
    return VMON_OK;
}

static void stdout_destroy(void *ctx)
{
    free(ctx);
}

/* open_memstream publishes buf and len only at fclose, hence the pointers. */
static int flush_buffer(stdout_sink *s, FILE *mem, char **buf, size_t *len, vmon_delivery_result *r)
{
    fclose(mem);
    int rc = vmon_write_all(s->fd, *buf, *len);
    free(*buf);
    if (rc < 0 && r) {
        snprintf(r->detail, sizeof r->detail, "write failed");
        return VMON_RETRY;
    }
    return VMON_OK;
}

static void json_samples(FILE *out, const char *source, const vmon_sample *smp, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object(), *labels = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string("sample"));
        json_object_object_add(o, "source", json_object_new_string(source));
        json_object_object_add(o, "name", json_object_new_string(smp[i].name));
        json_object_object_add(o, "value", json_object_new_double(smp[i].value));
        json_object_object_add(o, "time_ms", json_object_new_int64(smp[i].time_ms));
        for (uint32_t j = 0; j < smp[i].n_labels; j++)
            json_object_object_add(labels, smp[i].labels[j].name,
                                   json_object_new_string(smp[i].labels[j].value));
        json_object_object_add(o, "labels", labels);
        fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
    }
}

static int stdout_samples(void *ctx, const char *source, const vmon_sample *smp, uint32_t n)
{
    stdout_sink *s = ctx;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (s->format == FORMAT_JSON)
        json_samples(mem, source, smp, n);
    else
        format_report(mem, source, smp, n);
    return flush_buffer(s, mem, &buf, &len, NULL);
}

static int stdout_deliver(void *ctx, const vmon_alert *alerts, uint32_t n,
                          vmon_delivery_result *result)
{
    stdout_sink *s = ctx;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    for (uint32_t i = 0; i < n; i++) {
        if (s->format == FORMAT_JSON) {
            json_object *o = vmon_alert_to_json(&alerts[i]);
            json_object_object_add(o, "type", json_object_new_string("alert"));
            fprintf(mem, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
            json_object_put(o);
        } else {
            format_alert_line(mem, &alerts[i]);
        }
    }
    return flush_buffer(s, mem, &buf, &len, result);
}

static int stdout_events(void *ctx, const vmon_event *events, uint32_t n,
                         vmon_delivery_result *result)
{
    stdout_sink *s = ctx;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    for (uint32_t i = 0; i < n; i++) {
        if (s->format == FORMAT_JSON) {
            char *line = vmon_event_to_json_string(&events[i]);
            fprintf(mem, "%s\n", line);
            free(line);
        } else {
            format_event(mem, &events[i]);
        }
    }
    return flush_buffer(s, mem, &buf, &len, result);
}

static const vmon_sink_ops ops = {
    .struct_size = sizeof(vmon_sink_ops),
    .kind = VMON_KIND_SINK,
    .max_batch = 64,
    .deliver = stdout_deliver,
    .on_samples = stdout_samples,
    .on_events = stdout_events,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_SINK, .name = "stdout", .version = "0.1.0",
                   .description = "human report lines or JSON lines on standard output",
                   .options = options, .create = stdout_create, .destroy = stdout_destroy,
                   .ops = &ops);
