/*
 * router `hash_split`: a request id's XXH3 hash picks one of 65,536 slots,
 * and a slot table (slot_table.h: weighted rendezvous, so sticky, minimal
 * moves for any number of arms, and a function of the weights alone) says
 * which arm the slot serves.
 *
 * pick is lock-free and allocates nothing. The instance keeps two tables;
 * set_weights builds the new one in the table no pick is reading and then
 * publishes it by bumping a generation counter, seqlock style: a pick reads
 * the generation, its slot, and the generation again, and retries only when
 * a second set_weights started while it read (the table it was reading is
 * then being rewritten). So a pick sees the old or the new weights, whole.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inlined: for a 29-byte id the call and the secret's indirection cost more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <vmon/plugin.h>
#include <vmon/router.h>

#include "slot_table.h"

typedef struct hash_split {
    /* Even: table (gen / 2) % 2 is current. Odd: the other one is being written. */
    _Atomic uint64_t gen;
    _Atomic uint8_t tables[2][VMON_SLOT_COUNT];
    uint8_t scratch[VMON_SLOT_COUNT];
    pthread_mutex_t writer; /* set_weights callers, never picks */
    uint64_t salt;
} hash_split;

static const vmon_option options[] = {
    {.key = "salt",
     .type = VMON_OPT_INT,
     .default_value = "0",
     .help = "reshuffles which request ids go to which arm (same salt, same weights: same split)"},
    {0}};

static int hs_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                     size_t errlen)
{
    hash_split *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    pthread_mutex_init(&r->writer, NULL);
    r->salt = (uint64_t)host->cfg_int(inst, "salt");
    *ctx = r;
    return VMON_OK;
}

static void hs_destroy(void *ctx)
{
    hash_split *r = ctx;
    pthread_mutex_destroy(&r->writer);
    free(r);
}

static uint32_t hs_pick(void *ctx, const char *request_id, size_t id_len)
{
    hash_split *r = ctx;
    uint32_t slot = (uint32_t)(XXH3_64bits(request_id, id_len) >> (64 - VMON_SLOT_BITS));
    for (;;) {
        uint64_t before = atomic_load_explicit(&r->gen, memory_order_acquire);
        uint8_t arm =
            atomic_load_explicit(&r->tables[(before >> 1) & 1][slot], memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        uint64_t after = atomic_load_explicit(&r->gen, memory_order_relaxed);
        /* The table read is rewritten only from generation (before | 1) + 2 on. */
        if (after <= (before | 1) + 1)
            return arm;
    }
}

static int weights_valid(const double *weights, uint32_t n_arms)
{
    if (!weights || n_arms < 1 || n_arms > VMON_ROUTER_MAX_ARMS)
        return 0;
    double sum = 0;
    for (uint32_t i = 0; i < n_arms; i++) {
        if (!isfinite(weights[i]) || weights[i] < 0)
            return 0;
        sum += weights[i];
    }
    return sum > 0 && isfinite(sum);
}

static int hs_set_weights(void *ctx, const double *weights, uint32_t n_arms)
{
    hash_split *r = ctx;
    if (!weights_valid(weights, n_arms))
        return VMON_EINVAL;
    pthread_mutex_lock(&r->writer);
    vmon_slot_table_build(r->scratch, weights, n_arms, r->salt);
    uint64_t gen = atomic_load_explicit(&r->gen, memory_order_relaxed);
    _Atomic uint8_t *next = r->tables[((gen >> 1) + 1) & 1];
    atomic_store_explicit(&r->gen, gen + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (uint32_t s = 0; s < VMON_SLOT_COUNT; s++)
        atomic_store_explicit(&next[s], r->scratch[s], memory_order_relaxed);
    atomic_store_explicit(&r->gen, gen + 2, memory_order_release);
    pthread_mutex_unlock(&r->writer);
    return VMON_OK;
}

static const vmon_router_ops ops = {
    .struct_size = sizeof(vmon_router_ops),
    .kind = VMON_KIND_ROUTER,
    .pick = hs_pick,
    .set_weights = hs_set_weights,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_ROUTER, .name = "hash_split", .version = "0.1.0",
                   .description = "sticky weighted split of request ids (XXH3, rendezvous slots)",
                   .options = options, .create = hs_create, .destroy = hs_destroy, .ops = &ops);
