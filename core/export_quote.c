#include "export_quote.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Write `text` with controls, `\` and `"` escaped the way both YAML
 * double-quoted scalars and PromQL strings read them (\\ \" \n \t \xNN),
 * and ill-formed UTF-8 replaced. `yaml` also escapes the Unicode line
 * breaks YAML would fold (U+0085, U+2028, U+2029). */
static void quote(FILE *out, const char *text, int yaml)
{
    size_t n = text ? strlen(text) : 0;
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)text[i];
        size_t len = 1;
        if (c >= 0x80) {
            if (!vmon_utf8_next(text + i, n - i, &len)) {
                fputs(VMON_UTF8_REPLACEMENT, out);
            } else if (yaml && ((len == 2 && c == 0xc2 && (unsigned char)text[i + 1] == 0x85) ||
                                (len == 3 && c == 0xe2 && (unsigned char)text[i + 1] == 0x80 &&
                                 ((unsigned char)text[i + 2] == 0xa8 ||
                                  (unsigned char)text[i + 2] == 0xa9)))) {
                fputs(len == 2                             ? "\\u0085"
                      : (unsigned char)text[i + 2] == 0xa8 ? "\\u2028"
                                                           : "\\u2029",
                      out);
            } else {
                fwrite(text + i, 1, len, out);
            }
        } else if (c == '\\' || c == '"') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\x%02x", c);
        } else {
            fputc(c, out);
        }
        i += len;
    }
    fputc('"', out);
}

void vmon_yaml_quote(FILE *out, const char *text)
{
    quote(out, text, 1);
}

void vmon_promql_quote(FILE *out, const char *text)
{
    quote(out, text, 0);
}

void vmon_template_literal(FILE *out, const char *text)
{
    for (const char *p = text; p && *p; p++) {
        if (*p == '{')
            fputs("{{ \"{\" }}", out);
        else
            fputc(*p, out);
    }
}

void vmon_number_format(double v, char *buf, size_t len)
{
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
        snprintf(buf, len, "%lld", (long long)v); /* 200, not 2e+02 */
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}
