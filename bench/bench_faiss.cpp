// Direct FAISS on the very index file the engine saved, for the overhead
// comparison: same index, same queries, same nprobe / ef, no engine in
// between.
#include <cstdio>
#include <memory>
#include <omp.h>
#include <vector>

#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include "blob.hpp"

extern "C" {
#include "bench.h"
}

static std::unique_ptr<faiss::Index> g_index;

extern "C" int bench_faiss_load(const char *path, char *err, size_t errlen)
{
    try {
        faiss::VectorIOReader r;
        r.data = emb::read_blob(path, emb::BLOB_INDEX);
        g_index.reset(faiss::read_index(&r));
        return 0;
    } catch (const std::exception &e) {
        std::snprintf(err, errlen, "%s", e.what());
        return -1;
    }
}

extern "C" void bench_faiss_set_threads(uint32_t threads)
{
    omp_set_num_threads(static_cast<int>(threads));
}

extern "C" void bench_faiss_unload(void)
{
    g_index.reset();
}

// noinline and extern: bench/engine_instructions.sh counts its instructions.
extern "C" __attribute__((noinline)) double
bench_faiss_pass(const float *queries, uint32_t nq, uint32_t k, uint32_t value, int64_t *ids)
{
    std::vector<float> d(k);
    faiss::SearchParametersIVF ivf;
    ivf.nprobe = value;
    const faiss::SearchParameters *params = nullptr;
    if (auto h = dynamic_cast<faiss::IndexHNSW *>(g_index.get()))
        h->hnsw.efSearch = static_cast<int>(value);
    else
        params = &ivf;
    double t0 = bench_now();
    for (uint32_t i = 0; i < nq; i++)
        g_index->search(1, queries + static_cast<size_t>(i) * g_index->d, k, d.data(),
                        ids + static_cast<size_t>(i) * k, params);
    return (bench_now() - t0) * 1000 / nq;
}
