/*
 * The store's writers for its own families (prom_events.c): series put,
 * read and removed by sample, under the store's lock, counted in
 * max_series like every sample series.
 */
#ifndef VMON_PROM_STORE_PRIV_H
#define VMON_PROM_STORE_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <vmon/sample.h>

#include "prom_store.h"

void prom_store_lock(prom_store *s);
void prom_store_unlock(prom_store *s);

/** The index of source `name`, made if new; `keep`: its series never go stale. -1: no memory. */
size_t prom_store_source_locked(prom_store *s, const char *name, int keep);

/**
 * Set the series of `x` (made if new, within max_series) from source `src`; `doc`
 * (static, may be NULL) becomes its family's HELP. 0, or -1 when it was dropped.
 */
int prom_store_put_locked(prom_store *s, size_t src, const vmon_sample *x, const char *doc,
                          int64_t now_ms);

/** 1 and the value of the series of `x` in *value when it is held, else 0. */
int prom_store_value_locked(prom_store *s, const vmon_sample *x, double *value);

/** Remove the series of `x` when it is held (its family too, when that was its last). */
void prom_store_remove_locked(prom_store *s, const vmon_sample *x);

#endif
