#include "sample_batch.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alert_event.h"
#include "strutil.h"

vmon_sample_batch *vmon_batch_new(const char *source)
{
    vmon_sample_batch *b = vmon_calloc(1, sizeof *b);
    b->source = vmon_strdup(source);
    b->refs = 1;
    return b;
}

void vmon_batch_add(vmon_sample_batch *b, const vmon_sample *s, const char *instance,
                    int64_t now_ms)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->samples = vmon_realloc(b->samples, b->cap * sizeof *b->samples);
    }
    int has_instance = vmon_sample_label(s, "instance") != NULL;
    uint32_t n = s->n_labels + (has_instance || !instance ? 0 : 1);
    vmon_label *labels = vmon_calloc(n, sizeof *labels);
    for (uint32_t i = 0; i < s->n_labels; i++) {
        labels[i].name = vmon_strdup(s->labels[i].name);
        labels[i].value = vmon_strdup(s->labels[i].value ? s->labels[i].value : "");
    }
    if (n > s->n_labels) {
        labels[s->n_labels].name = vmon_strdup("instance");
        labels[s->n_labels].value = vmon_strdup(instance);
    }
    vmon_labels_sort(labels, n);
    vmon_sample *d = &b->samples[b->n++];
    *d = (vmon_sample){.struct_size = sizeof *d,
                       .n_labels = n,
                       .name = vmon_strdup(s->name),
                       .labels = labels,
                       .value = s->value,
                       .time_ms = s->time_ms ? s->time_ms : now_ms,
                       .type = s->type};
}

vmon_sample_batch *vmon_batch_ref(vmon_sample_batch *b)
{
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
    return b;
}

void vmon_batch_unref(vmon_sample_batch *b)
{
    if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (size_t i = 0; i < b->n; i++) {
        for (uint32_t j = 0; j < b->samples[i].n_labels; j++) {
            free((char *)b->samples[i].labels[j].name);
            free((char *)b->samples[i].labels[j].value);
        }
        free((void *)b->samples[i].labels);
        free((char *)b->samples[i].name);
    }
    free(b->samples);
    free(b->source);
    free(b);
}

const char *vmon_sample_label(const vmon_sample *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_labels; i++)
        if (s->labels[i].name && strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

int vmon_valid_sample_name(const char *name)
{
    const char *dot = name ? strchr(name, '.') : NULL;
    if (!dot || dot == name || !dot[1])
        return 0;
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
            return 0;
    return 1;
}
