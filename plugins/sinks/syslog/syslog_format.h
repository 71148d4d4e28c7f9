/*
 * Building one syslog record (RFC 5424 or RFC 3164) from an alert. Pure
 * functions with no I/O, so the escaping rules can be unit-tested alone.
 */
#ifndef VMON_SYSLOG_FORMAT_H
#define VMON_SYSLOG_FORMAT_H

#include <vmon/alert.h>

#include <stddef.h>
#include <stdint.h>

enum { SL_RFC3164 = 0, SL_RFC5424 = 1 };

/* Syslog severities (RFC 5424 table 2) the alert states map to. */
enum {
    SL_SEV_CRIT = 2,
    SL_SEV_WARNING = 4,
    SL_SEV_NOTICE = 5,
    SL_SEV_INFO = 6,
};

typedef struct sl_format_cfg {
    int format;              /* SL_RFC3164 or SL_RFC5424 */
    int facility;            /* 0..23 */
    int with_hostname;       /* RFC 3164 only: local sockets take no HOSTNAME, like glibc */
    const char *hostname;    /* NULL or empty: NILVALUE */
    const char *app_name;    /* RFC 5424 APP-NAME, RFC 3164 TAG */
    const char *msgid;       /* RFC 5424 only; NULL: NILVALUE */
    const char *event_msgid; /* RFC 5424 MSGID of events, so they are told from alerts */
    const char *sd_id;       /* SD-ID of the labels element, e.g. vmon@32473 */
    long procid;             /* <= 0: NILVALUE */
    size_t max_record;       /* whole record in bytes, framing excluded */
} sl_format_cfg;

/** critical -> crit, warning -> warning, info -> info; any resolved alert -> notice. */
int sl_severity(const vmon_alert *a);

/**
 * Write the record for `a` at wall time `now_ms` into `buf` (capacity `cap`,
 * NUL-terminated). Returns its length (<= cfg->max_record and < cap).
 */
size_t sl_format_record(const sl_format_cfg *cfg, const vmon_alert *a, int64_t now_ms, char *buf,
                        size_t cap);

/* Building blocks, exposed for tests. Each appends to `out` (capacity
 * `cap`, current length `*len`), never past cap - 1, and NUL-terminates. */

/** Text with every byte < 0x20 and DEL written as `#ooo` (rsyslog's escape) and every
 *  ill-formed UTF-8 subpart as U+FFFD, so the output is always UTF-8. */
void sl_put_escaped(char *out, size_t cap, size_t *len, const char *s);
/** An SD-PARAM value: `"`, `\` and `]` backslash-escaped, control bytes as `#ooo`,
 *  ill-formed UTF-8 as U+FFFD (RFC 5424 6.3.3). */
void sl_put_sd_value(char *out, size_t cap, size_t *len, const char *s);
/** An SD-NAME: printable US-ASCII except `= ]"` and space (others become `_`), <= 32 chars. */
void sl_put_sd_name(char *out, size_t cap, size_t *len, const char *s);
/** A header field: printable US-ASCII (others become `_`), at most `max` chars, `-` if empty. */
void sl_put_header_field(char *out, size_t cap, size_t *len, const char *s, size_t max);

/** The record's header up to MSG/SD (PRI with `severity`, time, host, app, pid, `msgid`). */
void sl_put_header(char *out, size_t cap, size_t *len, const sl_format_cfg *cfg, int severity,
                   const char *msgid, int64_t now_ms);
/** ` name="value"` (escaped), whole or not at all. Returns 1 when it fit. */
int sl_put_sd_param(char *out, size_t cap, size_t *len, const char *name, const char *value);

/** The longest prefix of `s` of at most `max` bytes that ends on a UTF-8 character boundary. */
size_t sl_utf8_prefix(const char *s, size_t max);

#endif
