#include "selfstats.h"

#include <stdio.h>
#include <string.h>

static void add(vmon_sample_batch *b, const char *name, double v, const char *sink, int64_t now)
{
    vmon_label l = {"sink", sink};
    vmon_sample s = {.struct_size = sizeof s,
                     .name = name,
                     .value = v,
                     .time_ms = now,
                     .labels = sink ? &l : NULL,
                     .n_labels = sink ? 1 : 0};
    /* Totals only go up (from vmond's start): counters; the rest are gauges. */
    size_t n = strlen(name);
    if (n > 6 && strcmp(name + n - 6, "_total") == 0)
        s.type = VMON_SAMPLE_COUNTER;
    vmon_batch_add(b, &s, "vmond", now);
}

void vmon_selfstats_fill(vmon_sample_batch *b, const vmon_selfstats *st,
                         vmon_delivery *const *sinks, size_t n_sinks, int64_t now_ms)
{
    add(b, "vmon.uptime_seconds", (double)(now_ms - st->started_ms) / 1000.0, NULL, now_ms);
    add(b, "vmon.samples_total", (double)st->samples, NULL, now_ms);
    add(b, "vmon.alerts_total", (double)st->alerts, NULL, now_ms);
    add(b, "vmon.events_total", (double)st->events, NULL, now_ms);
    add(b, "vmon.probe_failures_total", (double)st->probe_failures, NULL, now_ms);
    add(b, "vmon.reloads_total", (double)st->reloads, NULL, now_ms);
    for (size_t i = 0; i < n_sinks; i++) {
        if (!sinks[i])
            continue;
        vmon_delivery_stats ds;
        vmon_delivery_stats_get(sinks[i], &ds);
        const char *name = vmon_delivery_name(sinks[i]);
        const char *id = strchr(name, ':') ? strchr(name, ':') + 1 : name;
        add(b, "vmon.deliveries_total", (double)ds.delivered, id, now_ms);
        add(b, "vmon.delivery_retries_total", (double)ds.retries, id, now_ms);
        add(b, "vmon.delivery_failures_total", (double)ds.failed, id, now_ms);
        add(b, "vmon.dead_letters_total", (double)ds.dead_lettered, id, now_ms);
        add(b, "vmon.dropped_alerts_total", (double)ds.dropped, id, now_ms);
        add(b, "vmon.dropped_sample_batches_total", (double)ds.samples_dropped, id, now_ms);
        add(b, "vmon.queue_depth", (double)ds.queued, id, now_ms);
    }
}
