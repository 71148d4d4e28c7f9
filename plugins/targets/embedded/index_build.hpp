// Builds one segment's FAISS index in chunks, so progress is visible and a
// cancel request is honoured between chunks (and inside FAISS's training
// and HNSW loops through its interrupt callback).
#pragma once

#include <atomic>
#include <memory>

#include <faiss/Index.h>

#include "segment.hpp"

namespace emb
{

/** Does a sealed segment of `rows` rows get an index (rather than brute force)? */
bool wants_index(const IndexSpec &spec, uint64_t rows, uint64_t index_min_rows);

/**
 * Train and fill the index for `n` rows of `x`. `progress` counts rows added;
 * throws Error (VMON_ERROR) when `cancel` is set or FAISS fails.
 */
std::unique_ptr<faiss::Index> build_index(const IndexSpec &spec, const float *x, uint64_t n,
                                          std::atomic<uint64_t> &progress,
                                          const std::atomic<bool> &cancel);

/** Bytes an index of `n` rows occupies, for memory accounting. */
uint64_t index_bytes(const IndexSpec &spec, const faiss::Index &index);

} // namespace emb
