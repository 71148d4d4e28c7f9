#include "schema.h"

#include <vmon/abi.h>

const char *const vmon_severity_names[] = {"info", "warning", "critical", NULL};
static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};

#define DAY_MS 86400000.0

const vmon_option vmon_schema_daemon[] = {
    {.key = "log_level",
     .type = VMON_OPT_ENUM,
     .default_value = "info",
     .enum_values = log_levels,
     .help = "least important log lines shown"},
    {.key = "plugin_dir",
     .type = VMON_OPT_PATH,
     .help = "load plugins from here instead of beside vmond / under its prefix"},
    {.key = "threads",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "0",
     .min = 0,
     .max = 1024,
     .help = "CPU threads all plugins share (FAISS, BLAS, builds); 0 = number of CPUs"},
    {.key = "self_interval",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "10s",
     .min = 100,
     .max = DAY_MS,
     .help = "how often vmond reports its own figures (component vmon)"},
    {.key = "shutdown_timeout",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "5s",
     .min = 0,
     .max = 600000,
     .help = "on stop or reload, how long in-flight deliveries may finish"},
    {0}};

static const vmon_option target_keys[] = {{.key = "plugin",
                                           .type = VMON_OPT_STRING,
                                           .flags = VMON_OPT_REQUIRED,
                                           .help = "the target plugin (file target_<plugin>.so)"},
                                          {0}};

static const vmon_option probe_keys[] = {
    {.key = "plugin",
     .type = VMON_OPT_STRING,
     .flags = VMON_OPT_REQUIRED,
     .help = "the probe plugin (file probe_<plugin>.so)"},
    {.key = "target", .type = VMON_OPT_STRING, .help = "the [target:NAME] this probe reads"},
    {.key = "interval",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "10s",
     .min = 10,
     .max = DAY_MS,
     .help = "time between readings"},
    {.key = "backoff_cap",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "5m",
     .min = 10,
     .max = DAY_MS,
     .help = "longest interval a failing probe backs off to (doubling from interval)"},
    {0}};

static const vmon_option tuner_keys[] = {
    {.key = "plugin",
     .type = VMON_OPT_STRING,
     .flags = VMON_OPT_REQUIRED,
     .help = "the tuner plugin (file tuner_<plugin>.so)"},
    {.key = "target", .type = VMON_OPT_STRING, .help = "the [target:NAME] this tuner tunes"},
    {0}};

static const vmon_option router_keys[] = {{.key = "plugin",
                                           .type = VMON_OPT_STRING,
                                           .flags = VMON_OPT_REQUIRED,
                                           .help = "the router plugin (file router_<plugin>.so)"},
                                          {0}};

static const vmon_option sink_keys[] = {
    {.key = "plugin",
     .type = VMON_OPT_STRING,
     .flags = VMON_OPT_REQUIRED,
     .help = "the sink plugin (file sink_<plugin>.so)"},
    {.key = "min_severity",
     .type = VMON_OPT_ENUM,
     .default_value = "info",
     .enum_values = vmon_severity_names,
     .help = "alerts below this severity are not sent here"},
    {.key = "samples",
     .type = VMON_OPT_BOOL,
     .default_value = "true",
     .help = "also hand this sink every probe reading (if the plugin takes them)"},
    {.key = "queue_max",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "10000",
     .min = 1,
     .max = 10000000,
     .help = "alerts held in memory for this sink; beyond it the oldest is dropped (counted)"},
    {.key = "batch_max",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "100",
     .min = 1,
     .max = 10000,
     .help = "most alerts per delivery, if the sink takes batches"},
    {.key = "batch_linger",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "0ms",
     .min = 0,
     .max = 60000,
     .help = "wait this long for more alerts to fill a batch"},
    {.key = "retry_base",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "500ms",
     .min = 1,
     .max = DAY_MS,
     .help = "first retry waits up to this long (full-jitter exponential backoff)"},
    {.key = "retry_cap",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "60s",
     .min = 1,
     .max = DAY_MS,
     .help = "longest wait between retries"},
    {.key = "retry_limit",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "20",
     .min = -1,
     .max = 1000000,
     .help = "attempts before an alert is dead-lettered; -1 retries forever, 0 never retries"},
    {.key = "resend",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "0s",
     .min = 0,
     .max = DAY_MS,
     .help = "re-send alerts still firing this often (Alertmanager needs it); 0 = never"},
    {.key = "dead_letter",
     .type = VMON_OPT_PATH,
     .help = "append alerts that permanently failed to this file (JSON lines)"},
    {.key = "spool",
     .type = VMON_OPT_PATH,
     .help = "keep the queue in this SQLite file so it survives a crash or restart"},
    {.key = "spool_max",
     .type = VMON_OPT_SIZE,
     .flags = VMON_OPT_RANGE,
     .default_value = "64M",
     .min = 1024,
     .max = 1e12,
     .help = "spool size cap; when full a critical delivery_backlog alert goes to other sinks"},
    {.key = "spool_commit",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "50ms",
     .min = 0,
     .max = 10000,
     .help = "spooled alerts are committed (fsync) in groups at most this far apart: the most a "
             "crash can lose"},
    {0}};

const vmon_option vmon_schema_rule[] = {
    {.key = "metric",
     .type = VMON_OPT_STRING,
     .flags = VMON_OPT_REQUIRED,
     .help = "sample name to watch, e.g. system.memory_used_percent"},
    {.key = "match",
     .type = VMON_OPT_LIST,
     .help = "only samples with these labels: name=value, name=value"},
    {.key = "above", .type = VMON_OPT_DOUBLE, .help = "fire when the value is above this"},
    {.key = "below", .type = VMON_OPT_DOUBLE, .help = "fire when the value is below this"},
    {.key = "severity",
     .type = VMON_OPT_ENUM,
     .default_value = "warning",
     .enum_values = vmon_severity_names,
     .help = "info, warning or critical"},
    {.key = "for",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "1",
     .min = 1,
     .max = 1000000,
     .help = "consecutive evaluations past the threshold before firing"},
    {.key = "hysteresis",
     .type = VMON_OPT_DOUBLE,
     .flags = VMON_OPT_RANGE,
     .default_value = "0",
     .min = 0,
     .max = 1e300,
     .help = "resolve only once the value is this far back inside the threshold"},
    {.key = "repeat",
     .type = VMON_OPT_DURATION,
     .default_value = "0s",
     .help = "re-notify this often while firing; 0 = once"},
    {.key = "absent",
     .type = VMON_OPT_DURATION,
     .help = "fire when the metric has not arrived for this long"},
    {.key = "message",
     .type = VMON_OPT_STRING,
     .help = "text with {rule} {metric} {value} {threshold} {severity} and {LABEL} fields"},
    {0}};

const vmon_option vmon_schema_pipeline[] = {
    {.key = "target", .type = VMON_OPT_STRING, .help = "the [target:NAME] this pipeline watches"},
    {.key = "probes", .type = VMON_OPT_LIST, .help = "[probe:NAME] sections to run"},
    {.key = "rules", .type = VMON_OPT_LIST, .help = "[rule:NAME] sections to evaluate"},
    {.key = "sinks", .type = VMON_OPT_LIST, .help = "[sink:NAME] sections that get the alerts"},
    {.key = "tuner", .type = VMON_OPT_STRING, .help = "[tuner:NAME] for the tuning loop"},
    {.key = "router", .type = VMON_OPT_STRING, .help = "[router:NAME] for the tuning loop"},
    {0}};

const vmon_option *vmon_schema_for_kind(uint32_t kind)
{
    switch (kind) {
    case VMON_KIND_TARGET:
        return target_keys;
    case VMON_KIND_PROBE:
        return probe_keys;
    case VMON_KIND_TUNER:
        return tuner_keys;
    case VMON_KIND_ROUTER:
        return router_keys;
    case VMON_KIND_SINK:
        return sink_keys;
    default:
        return NULL;
    }
}
