/*
 * A seqlock over a handful of words: the writer makes `seq` odd, stores, and
 * makes it even again; a reader copies between two reads of `seq` and tries
 * again if they differ or are odd. Every word is atomic (relaxed), so a torn
 * read is only ever discarded, never undefined behaviour; the fences order
 * the words against `seq`.
 */
#include "arm_table.h"

#include <string.h>

void vmon_arm_table_init(vmon_arm_table *t)
{
    memset(t, 0, sizeof *t);
    atomic_init(&t->seq, 0);
    atomic_init(&t->n_arms, 1);
    for (size_t a = 0; a < VMON_ROUTER_MAX_ARMS; a++)
        for (size_t w = 0; w < 3; w++)
            atomic_init(&t->words[a][w], 0);
    pthread_mutex_init(&t->writer, NULL);
}

void vmon_arm_table_destroy(vmon_arm_table *t)
{
    pthread_mutex_destroy(&t->writer);
}

int vmon_arm_table_publish(vmon_arm_table *t, const vmon_arm_params *arms, uint32_t n)
{
    if (n < 1 || n > VMON_ROUTER_MAX_ARMS || !arms)
        return -1;
    pthread_mutex_lock(&t->writer);
    unsigned s = atomic_load_explicit(&t->seq, memory_order_relaxed);
    atomic_store_explicit(&t->seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (uint32_t a = 0; a < n; a++) {
        atomic_store_explicit(&t->words[a][0], arms[a].flags, memory_order_relaxed);
        atomic_store_explicit(&t->words[a][1], arms[a].nprobe, memory_order_relaxed);
        atomic_store_explicit(&t->words[a][2], arms[a].ef, memory_order_relaxed);
    }
    atomic_store_explicit(&t->n_arms, n, memory_order_relaxed);
    atomic_store_explicit(&t->seq, s + 2, memory_order_release);
    pthread_mutex_unlock(&t->writer);
    return 0;
}

uint32_t vmon_arm_table_read(vmon_arm_table *t, uint32_t arm, vmon_arm_params *out)
{
    for (;;) {
        unsigned before = atomic_load_explicit(&t->seq, memory_order_acquire);
        if (before & 1u)
            continue; /* a write is under way; it is a few stores long */
        uint32_t n = atomic_load_explicit(&t->n_arms, memory_order_relaxed);
        uint32_t a = arm < n ? arm : 0;
        out->flags = atomic_load_explicit(&t->words[a][0], memory_order_relaxed);
        out->nprobe = atomic_load_explicit(&t->words[a][1], memory_order_relaxed);
        out->ef = atomic_load_explicit(&t->words[a][2], memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&t->seq, memory_order_relaxed) == before)
            return n;
    }
}
