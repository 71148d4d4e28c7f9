/*
 * The arm table: each arm's search parameters, published by the tuning loop
 * and read by every traffic worker on every request.
 *
 * A seqlock: readers never lock, never allocate and never block the writer;
 * a reader that overlaps a write reads again. Writers are serialised by the
 * table's own mutex (the tuning loop is the only writer in practice).
 */
#ifndef VMON_CORE_ARM_TABLE_H
#define VMON_CORE_ARM_TABLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <vmon/router.h>
#include <vmon/target.h>

/** One arm's search parameters, as vmon_search_request carries them. */
typedef struct vmon_arm_params {
    uint32_t flags;  /**< VMON_SEARCH_NPROBE | VMON_SEARCH_EF: which are set */
    uint32_t nprobe; /**< with VMON_SEARCH_NPROBE */
    uint32_t ef;     /**< with VMON_SEARCH_EF */
} vmon_arm_params;

typedef struct vmon_arm_table {
    atomic_uint seq; /* odd while a write is under way */
    atomic_uint n_arms;
    atomic_uint words[VMON_ROUTER_MAX_ARMS][3];
    pthread_mutex_t writer;
} vmon_arm_table;

/** One arm (arm 0) with no parameters set: the target's defaults. */
void vmon_arm_table_init(vmon_arm_table *t);
void vmon_arm_table_destroy(vmon_arm_table *t);

/**
 * Publish `n` arms (1..VMON_ROUTER_MAX_ARMS) at once; workers see either the
 * old table or the new one, never a mix. Returns 0, or -1 for a bad `n`.
 */
int vmon_arm_table_publish(vmon_arm_table *t, const vmon_arm_params *arms, uint32_t n);

/**
 * Arm `arm`'s parameters into `out` (lock-free, allocation-free). An arm past
 * the table's end gets arm 0's. Returns the number of arms published.
 */
uint32_t vmon_arm_table_read(vmon_arm_table *t, uint32_t arm, vmon_arm_params *out);

#endif
