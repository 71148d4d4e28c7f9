/*
 * A table of figures: name + labels -> value, in insertion order, with a
 * hash index so a scrape of thousands of series folds in linear time.
 * Adding a figure that exists sums into it (series that differ only in a
 * label the target drops are aggregated).
 */
#ifndef VMON_MILVUS_FIGTAB_H
#define VMON_MILVUS_FIGTAB_H

#include <stddef.h>
#include <stdint.h>

#include <vmon/sample.h>

#define FIG_LABELS_MAX 6

typedef struct fig_entry {
    char *name; /* one allocation holds the name and every label string */
    uint32_t n_labels;
    vmon_label labels[FIG_LABELS_MAX];
    double value;
    uint64_t hash;
} fig_entry;

typedef struct fig_table {
    fig_entry *v;
    size_t n, cap;
    size_t *slots; /* index + 1 into v; 0 is empty */
    size_t n_slots;
} fig_table;

void fig_init(fig_table *t);
void fig_free(fig_table *t);
/** Move everything from `from` into `to` (freeing what `to` held); `from` is left empty. */
void fig_move(fig_table *to, fig_table *from);
/** Add `value` to the figure (created at 0). Returns 0 or -1 (memory, too many labels). */
int fig_add(fig_table *t, const char *name, const vmon_label *labels, uint32_t n, double value);
/** Set the figure to `value`. Returns 0 or -1. */
int fig_set(fig_table *t, const char *name, const vmon_label *labels, uint32_t n, double value);
const fig_entry *fig_find(const fig_table *t, const char *name, const vmon_label *labels,
                          uint32_t n);
const fig_entry *fig_find_entry(const fig_table *t, const fig_entry *like);

#endif
