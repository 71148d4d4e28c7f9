// Direct FAISS on the very index file the engine saved, for the overhead
// comparison: same index, same queries, same nprobe, no engine in between.
#include <cstdio>
#include <memory>
#include <omp.h>
#include <vector>

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

extern "C" double bench_faiss_search_ms(const float *queries, uint32_t nq, uint32_t k,
                                        uint32_t nprobe)
{
    std::vector<float> d(k);
    std::vector<faiss::Index::idx_t> l(k);
    faiss::SearchParametersIVF p;
    p.nprobe = nprobe;
    double sum = 0;
    for (uint32_t i = 0; i < nq; i++) {
        double t0 = bench_now();
        g_index->search(1, queries + static_cast<size_t>(i) * g_index->d, k, d.data(), l.data(),
                        &p);
        sum += (bench_now() - t0) * 1000;
    }
    return sum / nq;
}
