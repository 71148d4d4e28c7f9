/*
 * The Prometheus text exposition format 0.0.4, piece by piece: sample values
 * as Go's ParseFloat reads them, label values and HELP text escaped. Output
 * is always valid UTF-8 (an ill-formed byte sequence becomes U+FFFD), so a
 * value from a plugin can neither break a line nor fail the scrape.
 */
#ifndef VMON_PROM_TEXT_H
#define VMON_PROM_TEXT_H

#include <stdio.h>

/** `NaN`, `+Inf`, `-Inf`, or the shortest decimal that reads back as `v`. */
void prom_put_value(FILE *out, double v);

/** A label value without its quotes: `\` `"` and newline escaped as `\\` `\"` `\n`. */
void prom_put_label_value(FILE *out, const char *value);

/** HELP text: only `\` and newline are escaped (`\\`, `\n`); a `"` stays as it is. */
void prom_put_help(FILE *out, const char *text);

#endif
