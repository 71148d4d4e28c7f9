#include "threads.hpp"

#include <omp.h>

extern "C" void openblas_set_num_threads(int num_threads);

namespace emb
{

void set_thread_budget(unsigned n)
{
    // The OpenMP thread count is per calling thread, so every thread that
    // calls into FAISS sets it; repeating it is cheap.
    if (static_cast<unsigned>(omp_get_max_threads()) != n)
        omp_set_num_threads(static_cast<int>(n));
}

void set_blas_threads(unsigned n)
{
    openblas_set_num_threads(static_cast<int>(n));
}

} // namespace emb
