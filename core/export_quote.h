/*
 * Quoting for the files `vmond --export-rules` writes: YAML double-quoted
 * scalars, PromQL string literals, Go-template literal text and numbers
 * that read back exactly. Text from a config file or the environment may
 * hold control characters or ill-formed UTF-8: each form escapes them, and
 * ill-formed UTF-8 becomes U+FFFD, so the output always parses.
 */
#ifndef VMON_CORE_EXPORT_QUOTE_H
#define VMON_CORE_EXPORT_QUOTE_H

#include <stdio.h>

/** `text` as a YAML double-quoted scalar, quotes included. */
void vmon_yaml_quote(FILE *out, const char *text);
/** `text` as a PromQL string literal ("..."), quotes included. */
void vmon_promql_quote(FILE *out, const char *text);
/**
 * `text` as literal Go-template text (Prometheus expands templates in alert
 * labels and annotations): every `{` becomes the action {{ "{" }}, so no
 * `{{` of the text, nor a `{` before an action, starts one.
 */
void vmon_template_literal(FILE *out, const char *text);
/** The shortest decimal form of `v` that reads back exactly (PromQL takes it). */
void vmon_number_format(double v, char *buf, size_t len);

#endif
