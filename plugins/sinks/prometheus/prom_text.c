#include "prom_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void prom_put_value(FILE *out, double v)
{
    if (isnan(v)) {
        fputs("NaN", out);
        return;
    }
    if (isinf(v)) {
        fputs(v > 0 ? "+Inf" : "-Inf", out);
        return;
    }
    /* The C locale's digits; %g's exponent (1e+06) is valid Go float syntax. */
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

/* With `quote`, `"` is escaped too (label values; HELP text keeps it). */
static void put_escaped(FILE *out, const char *s, int quote)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        if (!vmon_utf8_next(s + i, n - i, &len)) {
            fputs(VMON_UTF8_REPLACEMENT, out);
        } else if (s[i] == '\\') {
            fputs("\\\\", out);
        } else if (s[i] == '\n') {
            fputs("\\n", out);
        } else if (quote && s[i] == '"') {
            fputs("\\\"", out);
        } else {
            fwrite(s + i, 1, len, out);
        }
        i += len;
    }
}

void prom_put_label_value(FILE *out, const char *value)
{
    put_escaped(out, value, 1);
}

void prom_put_help(FILE *out, const char *text)
{
    put_escaped(out, text, 0);
}
