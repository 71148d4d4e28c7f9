#include "syslog_event_format.h"

#include <stdio.h>
#include <string.h>

#include "severity.h"

int sl_event_severity(const vmon_event *e)
{
    return e->severity >= VMON_SEV_CRITICAL  ? SL_SEV_CRIT
           : e->severity == VMON_SEV_WARNING ? SL_SEV_WARNING
                                             : SL_SEV_INFO;
}

/* "vmon@32473" -> "vmonEvent@32473" (and vmonFields): elements of their own, no clash. */
static void derived_sd_id(const char *sd_id, const char *part, char *out, size_t cap)
{
    const char *at = strchr(sd_id, '@');
    size_t base = at ? (size_t)(at - sd_id) : strlen(sd_id);
    snprintf(out, cap, "%.*s%s%s", (int)base, sd_id, part, at ? at : "");
}

/* `[ID name="v" ...]` with the params that fit whole; nothing when not even `[ID]` fits. */
static void put_element(char *out, size_t limit, size_t *len, const char *id,
                        const vmon_label *params, uint32_t n)
{
    size_t start = *len;
    char head[48];
    snprintf(head, sizeof head, "[%.32s", id);
    if (start + strlen(head) + 2 >= limit)
        return;
    memcpy(out + *len, head, strlen(head) + 1);
    *len += strlen(head);
    for (uint32_t i = 0; i < n; i++)
        sl_put_sd_param(out, limit - 1, len, params[i].name, params[i].value);
    out[(*len)++] = ']';
    out[*len] = '\0';
}

static void put_structured(char *out, size_t limit, size_t *len, const sl_format_cfg *cfg,
                           const vmon_event *e)
{
    char id[64], seq[24];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->sequence);
    vmon_label meta[] = {{"type", e->type_name},
                         {"sequence", seq},
                         {"key", e->idempotency_key},
                         {"pipeline", e->pipeline},
                         {"severity", vmon_severity_name(e->severity)}};
    derived_sd_id(cfg->sd_id, "Event", id, sizeof id);
    put_element(out, limit, len, id, meta, sizeof meta / sizeof meta[0]);
    put_element(out, limit, len, cfg->sd_id, e->labels, e->n_labels);
    derived_sd_id(cfg->sd_id, "Fields", id, sizeof id);
    put_element(out, limit, len, id, e->fields, e->n_fields);
}

/* "EVENT promotion #7: B promoted (a.nprobe=16 b.nprobe=11)". */
static void put_text(char *out, size_t limit, size_t *len, const vmon_event *e, int with_labels)
{
    char head[128];
    snprintf(head, sizeof head, "EVENT %s #%llu", e->type_name, (unsigned long long)e->sequence);
    sl_put_escaped(out, limit, len, head);
    for (uint32_t i = 0; with_labels && i < e->n_labels; i++) {
        sl_put_escaped(out, limit, len, i == 0 ? " [" : " ");
        sl_put_escaped(out, limit, len, e->labels[i].name);
        sl_put_escaped(out, limit, len, "=");
        sl_put_escaped(out, limit, len, e->labels[i].value);
        sl_put_escaped(out, limit, len, i + 1 == e->n_labels ? "]" : "");
    }
    sl_put_escaped(out, limit, len, ": ");
    sl_put_escaped(out, limit, len, e->message ? e->message : "");
    for (uint32_t i = 0; i < e->n_fields; i++) {
        sl_put_escaped(out, limit, len, i == 0 ? " (" : " ");
        sl_put_escaped(out, limit, len, e->fields[i].name);
        sl_put_escaped(out, limit, len, "=");
        sl_put_escaped(out, limit, len, e->fields[i].value);
        sl_put_escaped(out, limit, len, i + 1 == e->n_fields ? ")" : "");
    }
}

size_t sl_format_event_record(const sl_format_cfg *cfg, const vmon_event *e, int64_t now_ms,
                              char *buf, size_t cap)
{
    size_t limit = cfg->max_record + 1 < cap ? cfg->max_record + 1 : cap;
    size_t len = 0;
    if (!limit)
        return 0;
    buf[0] = '\0';
    sl_put_header(buf, limit, &len, cfg, sl_event_severity(e), cfg->event_msgid, now_ms);
    if (cfg->format == SL_RFC5424) {
        size_t left = limit > len + 1 ? limit - len - 1 : 0;
        put_structured(buf, len + left * 3 / 4 + 1, &len, cfg, e);
        sl_put_escaped(buf, limit, &len, " ");
        put_text(buf, limit, &len, e, 0);
    } else {
        put_text(buf, limit, &len, e, 1);
    }
    return len;
}
