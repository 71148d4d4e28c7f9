/*
 * Syslog record writer. Every appender writes whole units (an escape is
 * never cut in half) and stops at the capacity, so a record is always well
 * formed even when it is truncated.
 */
#include "syslog_format.h"

#include "severity.h"
#include "time_format.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Room kept for MSG when labels crowd the record, so a long label set can
 * never leave an alert without its text. */
#define SL_MSG_RESERVE_MAX 256
#define SL_SD_NAME_MAX     32
#define SL_TAG_MAX         32

int sl_severity(const vmon_alert *a)
{
    /* A recovery is "normal but significant": notice keeps it visible to a
     * *.notice filter that shows the warnings it ends, and apart from info
     * alerts. */
    if (a->state == VMON_ALERT_RESOLVED)
        return SL_SEV_NOTICE;
    switch (a->severity) {
    case VMON_SEV_CRITICAL:
        return SL_SEV_CRIT;
    case VMON_SEV_WARNING:
        return SL_SEV_WARNING;
    default:
        return SL_SEV_INFO;
    }
}

static int room(size_t cap, size_t len, size_t need)
{
    return cap > 0 && len + need < cap;
}

/* Bytes of s[0..n) that fit in `max`, cut before a UTF-8 continuation byte. */
static size_t utf8_fit(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

static void put_bytes(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (!room(cap, *len, n))
        n = utf8_fit(s, n, cap > *len + 1 ? cap - *len - 1 : 0);
    memcpy(out + *len, s, n);
    *len += n;
    if (cap)
        out[*len] = '\0';
}

static void put_str(char *out, size_t cap, size_t *len, const char *s)
{
    put_bytes(out, cap, len, s, strlen(s));
}

static int put_unit(char *out, size_t cap, size_t *len, const char *unit, size_t n)
{
    if (!room(cap, *len, n))
        return 0;
    memcpy(out + *len, unit, n);
    *len += n;
    out[*len] = '\0';
    return 1;
}

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int put_octal_escape(char *out, size_t cap, size_t *len, unsigned char c)
{
    char esc[5];
    snprintf(esc, sizeof esc, "#%03o", c);
    return put_unit(out, cap, len, esc, 4);
}

/* One character of text at s: a well-formed one as it is, an ill-formed
 * subpart as U+FFFD (RFC 5424 6.3.3 and 6.4 want UTF-8). Sets *used to the
 * input bytes it covers; returns 0 when it does not fit. */
static int put_utf8_char(char *out, size_t cap, size_t *len, const char *s, size_t *used)
{
    *used = 1;
    if ((unsigned char)*s < 0x80)
        return put_unit(out, cap, len, s, 1);
    /* A character is at most 4 bytes; the NUL ends a shorter string. */
    if (vmon_utf8_next(s, strnlen(s, 4), used))
        return put_unit(out, cap, len, s, *used);
    return put_unit(out, cap, len, VMON_UTF8_REPLACEMENT, sizeof VMON_UTF8_REPLACEMENT - 1);
}

void sl_put_escaped(char *out, size_t cap, size_t *len, const char *s)
{
    while (s && *s) {
        unsigned char c = (unsigned char)*s;
        size_t n = 1;
        int ok =
            is_ctl(c) ? put_octal_escape(out, cap, len, c) : put_utf8_char(out, cap, len, s, &n);
        if (!ok)
            return;
        s += n;
    }
}

/* Returns 1 when all of `s` went out, 0 when it stopped at the capacity. */
static int put_sd_value_units(char *out, size_t cap, size_t *len, const char *s)
{
    while (s && *s) {
        unsigned char c = (unsigned char)*s;
        size_t n = 1;
        int ok;
        if (c == '"' || c == '\\' || c == ']') {
            char esc[2] = {'\\', (char)c};
            ok = put_unit(out, cap, len, esc, 2);
        } else if (is_ctl(c)) {
            ok = put_octal_escape(out, cap, len, c);
        } else {
            ok = put_utf8_char(out, cap, len, s, &n);
        }
        if (!ok)
            return 0;
        s += n;
    }
    return 1;
}

void sl_put_sd_value(char *out, size_t cap, size_t *len, const char *s)
{
    put_sd_value_units(out, cap, len, s);
}

static int printusascii(unsigned char c)
{
    return c >= 33 && c <= 126;
}

void sl_put_sd_name(char *out, size_t cap, size_t *len, const char *s)
{
    size_t n = 0;
    for (; s && s[n] && n < SL_SD_NAME_MAX; n++) {
        unsigned char c = (unsigned char)s[n];
        char ch = printusascii(c) && !strchr("= ]\"", c) ? (char)c : '_';
        if (!put_unit(out, cap, len, &ch, 1))
            return;
    }
    if (n == 0)
        put_unit(out, cap, len, "_", 1);
}

void sl_put_header_field(char *out, size_t cap, size_t *len, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && s[n] && n < max; n++) {
        char ch = printusascii((unsigned char)s[n]) ? s[n] : '_';
        if (!put_unit(out, cap, len, &ch, 1))
            return;
    }
    if (n == 0)
        put_unit(out, cap, len, "-", 1);
}

size_t sl_utf8_prefix(const char *s, size_t max)
{
    return utf8_fit(s, strlen(s), max);
}

static void put_rfc3339(char *out, size_t cap, size_t *len, int64_t ms)
{
    char ts[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(ms, ts, sizeof ts);
    put_str(out, cap, len, ts);
}

/* RFC 3164 wants local time and English month names whatever the locale. */
static void put_bsd_time(char *out, size_t cap, size_t *len, int64_t ms)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    char ts[32];
    snprintf(ts, sizeof ts, "%s %2d %02d:%02d:%02d", months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    put_str(out, cap, len, ts);
}

static void put_pri(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg, int severity)
{
    char pri[16];
    snprintf(pri, sizeof pri, "<%d>", cfg->facility * 8 + severity);
    put_str(out, cap, len, pri);
}

static void put_number_param(char *buf, size_t cap, size_t *len, const char *name, double v)
{
    if (isnan(v))
        return;
    char tmp[64];
    snprintf(tmp, sizeof tmp, " %s=\"%.6g\"", name, v);
    put_str(buf, cap, len, tmp);
}

/* One SD-PARAM into `buf`; the caller appends it only if it fits whole. */
static size_t format_param(char *buf, size_t cap, const char *name, const char *value)
{
    size_t len = 0;
    buf[0] = '\0';
    put_unit(buf, cap, &len, " ", 1);
    sl_put_sd_name(buf, cap, &len, name);
    put_unit(buf, cap, &len, "=\"", 2);
    sl_put_sd_value(buf, cap, &len, value ? value : "");
    if (!put_unit(buf, cap, &len, "\"", 1)) {
        /* The value filled the buffer: cut it to leave room for the quote. */
        len = sl_utf8_prefix(buf, cap - 2);
        while (len > 0 && buf[len - 1] == '\\')
            len--; /* never leave a dangling escape */
        buf[len] = '\0';
        put_unit(buf, cap, &len, "\"", 1);
    }
    return len;
}

/* "vmon@32473" -> "vmonAlert@32473": the alert's own fields get an element
 * of their own so a label called `state` or `severity` cannot clash. */
static void meta_sd_id(const char *sd_id, char *out, size_t cap)
{
    const char *at = strchr(sd_id, '@');
    size_t base = at ? (size_t)(at - sd_id) : strlen(sd_id);
    snprintf(out, cap, "%.*sAlert%s", (int)base, sd_id, at ? at : "");
}

static void put_meta_element(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg,
                             const vmon_alert *a)
{
    char id[64], p[160];
    meta_sd_id(cfg->sd_id, id, sizeof id);
    put_str(out, cap, len, "[");
    sl_put_sd_name(out, cap, len, id);
    const char *names[] = {"state", "severity", "fingerprint", "key"};
    const char *vals[] = {vmon_state_name(a->state), vmon_severity_name(a->severity),
                          a->fingerprint, a->idempotency_key};
    for (size_t i = 0; i < 4; i++) {
        if (!vals[i] || !*vals[i])
            continue;
        size_t n = format_param(p, sizeof p, names[i], vals[i]);
        put_unit(out, cap, len, p, n);
    }
    put_number_param(out, cap, len, "value", a->value);
    put_number_param(out, cap, len, "threshold", a->threshold);
    put_str(out, cap, len, "]");
}

/* One label param, whole or not at all: a cut value would be wrong data. */
static void put_label_param(char *out, size_t limit, size_t *len, const vmon_label *l)
{
    size_t start = *len;
    char name[SL_SD_NAME_MAX + 4];
    size_t nlen = 0;
    put_unit(name, sizeof name, &nlen, " ", 1);
    sl_put_sd_name(name, sizeof name, &nlen, l->name);
    put_unit(name, sizeof name, &nlen, "=\"", 2);
    int whole = put_unit(out, limit, len, name, nlen) &&
                put_sd_value_units(out, limit, len, l->value ? l->value : "") &&
                put_unit(out, limit, len, "\"", 1);
    if (!whole) {
        *len = start;
        out[start] = '\0';
    }
}

/* The labels element, appended to `out` with as many whole params as fit
 * in `budget` bytes (its brackets included). Returns the bytes appended, 0
 * when not even the empty element fits. */
static size_t put_labels_element(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg,
                                 const vmon_alert *a, size_t budget)
{
    size_t start = *len, closing = 1;
    /* `limit` counts the NUL; params stop one byte early so the closing
     * bracket always fits. */
    size_t limit = start + budget + 1 < cap ? start + budget + 1 : cap;
    char head[SL_SD_NAME_MAX + 2];
    size_t hlen = 0;
    put_unit(head, sizeof head, &hlen, "[", 1);
    sl_put_sd_name(head, sizeof head, &hlen, cfg->sd_id);
    if (start + hlen + closing >= limit)
        return 0;
    put_unit(out, limit, len, head, hlen);
    for (uint32_t i = 0; i < a->n_labels; i++)
        put_label_param(out, limit - closing, len, &a->labels[i]);
    if (!put_unit(out, limit, len, "]", 1)) {
        *len = start;
        out[start] = '\0';
        return 0;
    }
    return *len - start;
}

/* STRUCTURED-DATA within `budget` bytes: the alert's own fields first (they
 * are small and identify it), then the labels that fit; NILVALUE if none. */
static void put_structured_data(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg,
                                const vmon_alert *a, size_t budget)
{
    char meta[1024];
    size_t mlen = 0;
    meta[0] = '\0';
    put_meta_element(meta, sizeof meta, &mlen, cfg, a);
    if (mlen > budget)
        mlen = 0;
    size_t llen = put_labels_element(out, cap, len, cfg, a, budget - mlen);
    if (mlen)
        put_unit(out, cap, len, meta, mlen);
    if (!llen && !mlen)
        put_unit(out, cap, len, "-", 1);
}

/* MSG, escaped as it goes and cut at `limit` on a character boundary:
 * "FIRING p95: <message> (value=250 threshold=200)", plus the labels for
 * RFC 3164, which has no structured data to carry them. */
static void put_text(char *out, size_t limit, size_t *len, const vmon_alert *a, int with_labels)
{
    sl_put_escaped(out, limit, len, a->state == VMON_ALERT_RESOLVED ? "RESOLVED " : "FIRING ");
    sl_put_escaped(out, limit, len, a->rule ? a->rule : "alert");
    sl_put_escaped(out, limit, len, ": ");
    sl_put_escaped(out, limit, len, a->message ? a->message : "");
    char num[96] = "";
    if (!isnan(a->value) && !isnan(a->threshold))
        snprintf(num, sizeof num, " (value=%.6g threshold=%.6g)", a->value, a->threshold);
    else if (!isnan(a->value))
        snprintf(num, sizeof num, " (value=%.6g)", a->value);
    sl_put_escaped(out, limit, len, num);
    for (uint32_t i = 0; with_labels && i < a->n_labels; i++) {
        sl_put_escaped(out, limit, len, i == 0 ? " [" : " ");
        sl_put_escaped(out, limit, len, a->labels[i].name);
        sl_put_escaped(out, limit, len, "=");
        sl_put_escaped(out, limit, len, a->labels[i].value);
        sl_put_escaped(out, limit, len, i + 1 == a->n_labels ? "]" : "");
    }
}

static void header_5424(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg, int severity,
                        const char *msgid, int64_t now_ms)
{
    put_pri(out, cap, len, cfg, severity);
    put_str(out, cap, len, "1 ");
    put_rfc3339(out, cap, len, now_ms);
    put_str(out, cap, len, " ");
    sl_put_header_field(out, cap, len, cfg->hostname, 255);
    put_str(out, cap, len, " ");
    sl_put_header_field(out, cap, len, cfg->app_name, 48);
    put_str(out, cap, len, " ");
    char pid[24] = "";
    if (cfg->procid > 0)
        snprintf(pid, sizeof pid, "%ld", cfg->procid);
    sl_put_header_field(out, cap, len, pid, 128);
    put_str(out, cap, len, " ");
    sl_put_header_field(out, cap, len, msgid, 32);
    put_str(out, cap, len, " ");
}

static void header_3164(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg, int severity,
                        int64_t now_ms)
{
    put_pri(out, cap, len, cfg, severity);
    put_bsd_time(out, cap, len, now_ms);
    put_str(out, cap, len, " ");
    if (cfg->with_hostname) {
        sl_put_header_field(out, cap, len, cfg->hostname, 255);
        put_str(out, cap, len, " ");
    }
    /* TAG: alphanumerics only, or receivers end it early (RFC 3164 4.1.3). */
    const char *app = cfg->app_name && *cfg->app_name ? cfg->app_name : "vmond";
    for (size_t i = 0; app[i] && i < SL_TAG_MAX; i++) {
        char c = app[i];
        char ch = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || c == '.'
                      ? c
                      : '_';
        put_unit(out, cap, len, &ch, 1);
    }
    char pid[32] = "";
    if (cfg->procid > 0)
        snprintf(pid, sizeof pid, "[%ld]", cfg->procid);
    put_str(out, cap, len, pid);
    put_str(out, cap, len, ": ");
}

size_t sl_format_record(const sl_format_cfg *cfg, const vmon_alert *a, int64_t now_ms, char *buf,
                        size_t cap)
{
    size_t limit = cfg->max_record + 1 < cap ? cfg->max_record + 1 : cap;
    size_t len = 0;
    if (!limit)
        return 0;
    buf[0] = '\0';
    if (cfg->format == SL_RFC5424) {
        header_5424(buf, limit, &len, cfg, sl_severity(a), cfg->msgid, now_ms);
        size_t left = limit > len + 1 ? limit - len - 1 : 0;
        size_t reserve = left / 4 < SL_MSG_RESERVE_MAX ? left / 4 : SL_MSG_RESERVE_MAX;
        put_structured_data(buf, limit, &len, cfg, a, left - reserve);
        put_str(buf, limit, &len, " ");
        put_text(buf, limit, &len, a, 0);
    } else {
        header_3164(buf, limit, &len, cfg, sl_severity(a), now_ms);
        put_text(buf, limit, &len, a, 1);
    }
    return len;
}

void sl_put_header(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg, int severity,
                   const char *msgid, int64_t now_ms)
{
    if (cfg->format == SL_RFC5424)
        header_5424(out, cap, len, cfg, severity, msgid, now_ms);
    else
        header_3164(out, cap, len, cfg, severity, now_ms);
}

int sl_put_sd_param(char *out, size_t cap, size_t *len, const char *name, const char *value)
{
    char p[512];
    size_t n = format_param(p, sizeof p, name, value);
    return put_unit(out, cap, len, p, n);
}
