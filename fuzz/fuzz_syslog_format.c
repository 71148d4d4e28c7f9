/*
 * The syslog record writer. The input is decoded into a format config and
 * an alert (fields and labels are NUL-separated strings after a fixed
 * header); every record must be: within max_record and the buffer,
 * NUL-terminated at its length, UTF-8 (RFC 5424 6.3.3), free of control
 * bytes (one alert, one record), and for RFC 5424 with room for the whole
 * header, well-formed STRUCTURED-DATA (RFC 5424 6.3: escaped `"` `\` `]`,
 * valid SD-NAMEs, every element closed).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syslog_format.h"
#include "utf8.h"

enum { MAX_LABELS = 64, BUF_CAP = 70000 };

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static unsigned take_byte(reader *r)
{
    if (!r->left)
        return 0;
    r->left--;
    return *r->p++;
}

static double take_double(reader *r)
{
    double d = 0;
    if (r->left >= sizeof d) {
        memcpy(&d, r->p, sizeof d);
        r->p += sizeof d;
        r->left -= sizeof d;
    }
    return d;
}

/* The next NUL-terminated string (the rest when there is no NUL); NULL at the end. */
static const char *take_string(reader *r, char **store, size_t *used)
{
    if (!r->left)
        return NULL;
    const uint8_t *nul = memchr(r->p, 0, r->left);
    size_t n = nul ? (size_t)(nul - r->p) : r->left;
    char *s = *store + *used;
    memcpy(s, r->p, n);
    s[n] = '\0';
    *used += n + 1;
    r->p += n + (nul ? 1 : 0);
    r->left -= n + (nul ? 1 : 0);
    return s;
}

static int is_sd_name_char(char c)
{
    return c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"' && c != ' ';
}

/* SD-NAME at *p: 1..32 chars. */
static int skip_sd_name(const char **p)
{
    size_t n = 0;
    while (is_sd_name_char((*p)[n]))
        n++;
    *p += n;
    return n >= 1 && n <= 32;
}

/* PARAM-VALUE after its opening quote, up to and past the closing one. */
static int skip_param_value(const char **p)
{
    for (const char *s = *p; *s; s++) {
        if (*s == '\\') {
            if (s[1] != '"' && s[1] != '\\' && s[1] != ']')
                return 0; /* we only ever write these three escapes */
            s++;
        } else if (*s == ']') {
            return 0;
        } else if (*s == '"') {
            *p = s + 1;
            return 1;
        }
    }
    return 0;
}

static int skip_sd_element(const char **p)
{
    if (**p != '[')
        return 0;
    (*p)++;
    if (!skip_sd_name(p))
        return 0;
    while (**p == ' ') {
        (*p)++;
        if (!skip_sd_name(p) || (*p)[0] != '=' || (*p)[1] != '"')
            return 0;
        *p += 2;
        if (!skip_param_value(p))
            return 0;
    }
    if (**p != ']')
        return 0;
    (*p)++;
    return 1;
}

/* Past "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID " (7 fields). */
static const char *skip_header_5424(const char *s)
{
    for (int spaces = 0; spaces < 6; s++) {
        if (!*s)
            return NULL;
        if (*s == ' ')
            spaces++;
    }
    return s;
}

static void check_structured_data(const char *record)
{
    const char *p = skip_header_5424(record);
    if (!p)
        abort();
    if (*p == '-') {
        p++;
    } else {
        int elements = 0;
        while (*p == '[') {
            if (!skip_sd_element(&p))
                abort();
            elements++;
        }
        if (!elements)
            abort();
    }
    if (*p != '\0' && *p != ' ')
        abort(); /* SD ends the record or is followed by SP MSG */
}

static void check_record(const sl_format_cfg *cfg, const char *buf, size_t n, size_t cap)
{
    if (n > cfg->max_record || n >= cap || strlen(buf) != n)
        abort();
    if (!vmon_utf8_valid(buf, n))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            abort();
    /* A header is at most 390 bytes (255 of hostname): with 1 KiB of room
     * it is whole, and the structured data after it must be whole too. */
    size_t room = cfg->max_record < cap ? cfg->max_record : cap - 1;
    if (cfg->format == SL_RFC5424 && room >= 1024)
        check_structured_data(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    unsigned flags = take_byte(&r);
    sl_format_cfg cfg = {
        .format = flags & 1 ? SL_RFC5424 : SL_RFC3164,
        .with_hostname = (flags >> 1) & 1,
        .facility = (int)(take_byte(&r) % 24),
        .procid = (long)take_byte(&r) - 8,
    };
    cfg.max_record = take_byte(&r) << 8;
    cfg.max_record |= take_byte(&r);
    vmon_alert a = {.struct_size = sizeof a,
                    .severity = (flags >> 2) & 3,
                    .state = (flags >> 4) & 1,
                    .value = flags & 0x20 ? take_double(&r) : NAN,
                    .threshold = flags & 0x40 ? take_double(&r) : NAN};
    size_t cap = flags & 0x80 ? (size_t)take_byte(&r) + 1 : BUF_CAP;

    char *strings = malloc(size + 1), *buf = malloc(BUF_CAP);
    size_t used = 0;
    const char **fields[] = {&a.rule,       &a.message,    &a.fingerprint, &a.idempotency_key,
                             &cfg.hostname, &cfg.app_name, &cfg.msgid,     &cfg.sd_id};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i] = take_string(&r, &strings, &used);
    if (!cfg.sd_id)
        cfg.sd_id = "vmon@32473";
    vmon_label labels[MAX_LABELS];
    while (a.n_labels < MAX_LABELS) {
        const char *name = take_string(&r, &strings, &used);
        if (!name)
            break;
        labels[a.n_labels].name = name;
        labels[a.n_labels].value = take_string(&r, &strings, &used);
        a.n_labels++;
    }
    a.labels = labels;

    size_t n = sl_format_record(&cfg, &a, (int64_t)cfg.max_record * 1000003, buf, cap);
    check_record(&cfg, buf, n, cap);
    free(strings);
    free(buf);
    return 0;
}
