/*
 * Sink `syslog`: alerts as syslog records, written by our own formatter to
 * our own socket. Not syslog(3): its ident, facility and /dev/log are
 * process-wide, so two instances with different idents or sockets could not
 * coexist.
 */
#include "syslog_event_format.h"
#include "syslog_format.h"
#include "syslog_transport.h"

#include <vmon/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSLOG_MAX_BATCH 16
#define SYSLOG_REC_CAP   65536

enum { MODE_LOCAL = 0, MODE_REMOTE = 1 };

static const char *const mode_values[] = {"local", "remote", NULL};
static const char *const format_values[] = {"rfc3164", "rfc5424", NULL};
static const char *const transport_values[] = {"unix", "udp", "tcp", NULL};
/* In code order (RFC 5424 table 1), so the enum index is the facility code. */
static const char *const facility_values[] = {
    "kern",   "user",     "mail",   "daemon", "auth",   "syslog", "lpr",   "news",   "uucp",
    "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock", "local0", "local1",
    "local2", "local3",   "local4", "local5", "local6", "local7", NULL};

static const vmon_option syslog_options[] = {
    {"mode", VMON_OPT_ENUM, 0, "local", 0, 0, mode_values,
     "local: this host's syslog socket; remote: a collector over udp, tcp or a unix socket"},
    {"format", VMON_OPT_ENUM, VMON_OPT_COMPUTED_DEFAULT,
     "rfc3164 for mode local, rfc5424 for remote", 0, 0, format_values, "record format"},
    {"socket", VMON_OPT_PATH, 0, "/dev/log", 0, 0, NULL,
     "unix socket path (mode local, or remote with transport unix)"},
    {"transport", VMON_OPT_ENUM, 0, "udp", 0, 0, transport_values,
     "remote: udp (one record per datagram), tcp (octet-counted) or unix"},
    {"host", VMON_OPT_STRING, 0, "127.0.0.1", 0, 0, NULL, "remote: collector host"},
    {"port", VMON_OPT_INT, VMON_OPT_RANGE, "514", 1, 65535, NULL, "remote: collector port"},
    {"facility", VMON_OPT_ENUM, 0, "daemon", 0, 0, facility_values,
     "syslog facility: kern, user, daemon, ..., local0..local7"},
    {"app_name", VMON_OPT_STRING, 0, "vmond", 0, 0, NULL,
     "APP-NAME (RFC 5424) or TAG (RFC 3164); the ident receivers filter on"},
    {"hostname", VMON_OPT_STRING, VMON_OPT_COMPUTED_DEFAULT, "this host's name", 0, 0, NULL,
     "HOSTNAME field"},
    {"msgid", VMON_OPT_STRING, 0, "alert", 0, 0, NULL, "RFC 5424 MSGID (at most 32 characters)"},
    {"event_msgid", VMON_OPT_STRING, 0, "event", 0, 0, NULL,
     "RFC 5424 MSGID of events (tuning decisions), so receivers tell them from alerts"},
    {"sd_id", VMON_OPT_STRING, 0, "vmon@32473", 0, 0, NULL,
     "SD-ID of the labels element; 32473 is the documentation PEN, use your own"},
    {"max_message", VMON_OPT_SIZE, VMON_OPT_RANGE | VMON_OPT_COMPUTED_DEFAULT,
     "1024 for rfc3164, 2048 for rfc5424", 480, SYSLOG_REC_CAP - 1, NULL,
     "largest record in bytes"},
    {"connect_timeout", VMON_OPT_DURATION, VMON_OPT_RANGE, "2s", 1, 60000, NULL,
     "how long a tcp connect may take"},
    {"timeout", VMON_OPT_DURATION, VMON_OPT_RANGE, "5s", 1, 300000, NULL,
     "how long one send may block"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct syslog_sink {
    const vmon_host *host;
    vmon_instance *inst;
    sl_format_cfg fmt;
    sl_transport tr;
    char hostname[256];
    char *buf; /* SYSLOG_MAX_BATCH records of SYSLOG_REC_CAP bytes */
} syslog_sink;

static void resolve_hostname(syslog_sink *s)
{
    const char *h = s->host->cfg_string(s->inst, "hostname");
    if (h && *h)
        snprintf(s->hostname, sizeof s->hostname, "%s", h);
    else if (gethostname(s->hostname, sizeof s->hostname) != 0)
        snprintf(s->hostname, sizeof s->hostname, "-");
    s->hostname[sizeof s->hostname - 1] = '\0';
}

/* The computed defaults the option table declares (format, max_message). */
static void setup_format(syslog_sink *s, int mode)
{
    const vmon_host *h = s->host;
    int fmt = h->cfg_isset(s->inst, "format") ? (int)h->cfg_int(s->inst, "format")
                                              : (mode == MODE_LOCAL ? SL_RFC3164 : SL_RFC5424);
    s->fmt.format = fmt;
    s->fmt.facility = (int)h->cfg_int(s->inst, "facility");
    s->fmt.with_hostname = mode == MODE_REMOTE;
    s->fmt.hostname = s->hostname;
    s->fmt.app_name = h->cfg_string(s->inst, "app_name");
    s->fmt.msgid = h->cfg_string(s->inst, "msgid");
    s->fmt.event_msgid = h->cfg_string(s->inst, "event_msgid");
    s->fmt.sd_id = h->cfg_string(s->inst, "sd_id");
    s->fmt.procid = (long)getpid();
    s->fmt.max_record = h->cfg_isset(s->inst, "max_message")
                            ? (size_t)h->cfg_int(s->inst, "max_message")
                            : (fmt == SL_RFC3164 ? 1024 : 2048);
}

static int setup_transport(syslog_sink *s, int mode, char *err, size_t errlen)
{
    const vmon_host *h = s->host;
    int kind = SL_TR_UNIX;
    if (mode == MODE_REMOTE) {
        static const int kinds[] = {SL_TR_UNIX, SL_TR_UDP, SL_TR_TCP};
        kind = kinds[h->cfg_int(s->inst, "transport") % 3];
    }
    const char *where =
        kind == SL_TR_UNIX ? h->cfg_string(s->inst, "socket") : h->cfg_string(s->inst, "host");
    return sl_transport_init(&s->tr, kind, where, (int)h->cfg_int(s->inst, "port"),
                             (int)h->cfg_int(s->inst, "connect_timeout"),
                             (int)h->cfg_int(s->inst, "timeout"), err, errlen);
}

static int syslog_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                         size_t errlen)
{
    syslog_sink *s = calloc(1, sizeof *s);
    if (!s || !(s->buf = malloc((size_t)SYSLOG_MAX_BATCH * SYSLOG_REC_CAP))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    s->host = host;
    s->inst = inst;
    int mode = (int)host->cfg_int(inst, "mode");
    resolve_hostname(s);
    setup_format(s, mode);
    if (!*s->fmt.sd_id) {
        snprintf(err, errlen, "sd_id is empty; give an SD-ID like name@PEN or leave the key out");
        free(s->buf);
        free(s);
        return VMON_EINVAL;
    }
    if (setup_transport(s, mode, err, errlen) != 0) {
        free(s->buf);
        free(s);
        return VMON_EINVAL;
    }
    *ctx = s;
    return VMON_OK;
}

static void syslog_destroy(void *ctx)
{
    syslog_sink *s = ctx;
    sl_transport_close(&s->tr);
    free(s->buf);
    free(s);
}

/* One send for the batch; the outcome applies to all of it. */
static int send_records(syslog_sink *s, const char **recs, size_t *lens, uint32_t n,
                        vmon_delivery_result *res)
{
    int rc = sl_transport_send(&s->tr, recs, lens, n, res->detail, sizeof res->detail);
    if (rc == 0)
        return VMON_OK;
    s->host->log(s->inst, VMON_LOG_DEBUG, "%s", res->detail);
    return rc == 1 ? VMON_RETRY : VMON_ERROR;
}

static int syslog_deliver(void *ctx, const vmon_alert *alerts, uint32_t n,
                          vmon_delivery_result *res)
{
    syslog_sink *s = ctx;
    const char *recs[SYSLOG_MAX_BATCH];
    size_t lens[SYSLOG_MAX_BATCH];
    int64_t now = s->host->now_ms();
    if (n > SYSLOG_MAX_BATCH)
        n = SYSLOG_MAX_BATCH; /* the core never asks for more than max_batch */
    for (uint32_t i = 0; i < n; i++) {
        char *rec = s->buf + (size_t)i * SYSLOG_REC_CAP;
        lens[i] = sl_format_record(&s->fmt, &alerts[i], now, rec, SYSLOG_REC_CAP);
        recs[i] = rec;
    }
    return send_records(s, recs, lens, n, res);
}

static int syslog_events(void *ctx, const vmon_event *events, uint32_t n, vmon_delivery_result *res)
{
    syslog_sink *s = ctx;
    const char *recs[SYSLOG_MAX_BATCH];
    size_t lens[SYSLOG_MAX_BATCH];
    int64_t now = s->host->now_ms();
    if (n > SYSLOG_MAX_BATCH)
        n = SYSLOG_MAX_BATCH;
    for (uint32_t i = 0; i < n; i++) {
        char *rec = s->buf + (size_t)i * SYSLOG_REC_CAP;
        lens[i] = sl_format_event_record(&s->fmt, &events[i], now, rec, SYSLOG_REC_CAP);
        recs[i] = rec;
    }
    return send_records(s, recs, lens, n, res);
}

static const vmon_sink_ops syslog_ops = {
    .struct_size = sizeof(vmon_sink_ops),
    .kind = VMON_KIND_SINK,
    .max_batch = SYSLOG_MAX_BATCH,
    .deliver = syslog_deliver,
    .on_events = syslog_events,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_SINK, .name = "syslog", .version = "0.1.0",
                   .description = "alerts to syslog: local socket (RFC 3164/5424) or a remote "
                                  "collector over udp, tcp (octet counting) or unix",
                   .options = syslog_options, .create = syslog_create, .destroy = syslog_destroy,
                   .ops = &syslog_ops);
