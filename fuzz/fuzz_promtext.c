/*
 * The Prometheus text parser and the folding of a scrape into figures:
 * any input either parses or is refused with an error; it never crashes,
 * never reads past the input, and what it folds derives cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mvrules.h"
#include "promtext.h"

static int check_sample(void *arg, const prom_sample *s)
{
    size_t *n = arg;
    if (!s->name[0])
        abort(); /* a sample always has a name */
    for (uint32_t i = 0; i < s->n_labels; i++)
        if (!s->labels[i].name[0] || !s->labels[i].value)
            abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[200];
    size_t n = 0;
    /* not NUL-terminated on purpose: the parser must honour `size` */
    if (prom_parse((const char *)data, size, check_sample, &n, err, sizeof err) == -1 && !err[0])
        abort(); /* a refusal always says why */
    fig_table raw, ready;
    fig_init(&raw);
    fig_init(&ready);
    mv_fold fold = {.raw = &raw};
    if (prom_parse((const char *)data, size, mv_fold_sample, &fold, err, sizeof err) == 0) {
        mv_derive(&raw, NULL, 0, &ready);
        mv_derive(&raw, &raw, 1, &ready);
    }
    fig_free(&raw);
    fig_free(&ready);
    return 0;
}
