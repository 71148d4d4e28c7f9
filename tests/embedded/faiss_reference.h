/*
 * The reference an HNSW search is compared with: FAISS itself, on the index
 * file the engine saved, with the index's own efSearch set to the ef asked
 * (what a plain FAISS user does), one process-wide index at a time.
 */
#ifndef EMB_FAISS_REFERENCE_H
#define EMB_FAISS_REFERENCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Load a saved index (a .index.vmon blob); non-zero on failure. */
int emb_ref_load(const char *path);
/** Search `nq` queries in one call at efSearch `ef`; ids / distances nq * k. */
void emb_ref_search_hnsw(const float *queries, uint32_t nq, uint32_t k, uint32_t ef, int64_t *ids,
                         float *distances);
void emb_ref_unload(void);

#ifdef __cplusplus
}
#endif
#endif
