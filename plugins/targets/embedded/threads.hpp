// The `threads` budget: FAISS's OpenMP teams and OpenBLAS share it.
#pragma once

namespace emb
{

/** Limit OpenMP teams started from the calling thread to `n` threads. */
void set_thread_budget(unsigned n);
/** Limit OpenBLAS (process-wide: it has one pool). */
void set_blas_threads(unsigned n);

} // namespace emb
