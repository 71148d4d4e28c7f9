/*
 * A parser for the Prometheus text exposition format (0.0.4), as Milvus's
 * /metrics serves it. It calls back once per sample line with the metric
 * name, the label pairs unescaped and NUL-terminated, the value and the
 * optional timestamp. `# HELP` and `# TYPE` lines are checked for shape;
 * other comments are skipped. Malformed input stops the parse with an
 * error naming the line; it never reads past `len`.
 *
 * It allocates one scratch buffer per parse (the longest line), so a large
 * scrape costs a handful of allocations, not one per sample.
 */
#ifndef VMON_MILVUS_PROMTEXT_H
#define VMON_MILVUS_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>

#define PROM_LABELS_MAX 32

typedef struct prom_label {
    const char *name;
    const char *value;
} prom_label;

typedef struct prom_sample {
    const char *name; /* `milvus_proxy_req_count`, `..._bucket` */
    const prom_label *labels;
    uint32_t n_labels;
    int has_timestamp;
    int64_t timestamp_ms;
    double value; /* NaN and +-Inf as written */
} prom_sample;

/** Return non-zero to stop the parse (prom_parse then returns that value). */
typedef int (*prom_sample_fn)(void *arg, const prom_sample *s);

/**
 * Parse `len` bytes of `text` (need not be NUL-terminated). Returns 0, the
 * callback's non-zero value, or -1 with "line N: what" in `err`.
 */
int prom_parse(const char *text, size_t len, prom_sample_fn fn, void *arg, char *err,
               size_t errlen);

/** The value of label `name` in `s`, or NULL. Labels are matched by name, never position. */
const char *prom_label_value(const prom_sample *s, const char *name);

#endif
