// HNSW search with a per-request ef and no shared state touched.
#pragma once

#include <cstdint>

#include <faiss/IndexHNSW.h>

namespace emb
{

/** Whether hnsw_search handles this index (single entry point, bounded queue: FAISS's defaults). */
bool hnsw_search_supported(const faiss::IndexHNSW &index);

/**
 * Top-`k` of `nq` queries with search breadth `ef` (>= k): the same results
 * as FAISS's IndexHNSW::search on the index with hnsw.efSearch = ef, whatever
 * the index's own efSearch is. Distances as FAISS gives them (L2 squared
 * ascending, IP descending); missing results are id -1.
 */
void hnsw_search(const faiss::IndexHNSW &index, uint32_t nq, const float *queries, uint32_t k,
                 uint32_t ef, float *distances, faiss::Index::idx_t *labels);

} // namespace emb
