#include "index_build.hpp"

#include <cmath>
#include <mutex>

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>

#include <vmon/target.h>

#include "emb_api.h"
#include "error.hpp"

namespace emb
{

// FAISS's interrupt hook is process-wide; a thread-local pointer makes it ask
// only the build running on the calling thread, so searches and other
// instances' builds are never interrupted.
static thread_local const std::atomic<bool> *tl_cancel = nullptr;

namespace
{
struct CancelHook : faiss::InterruptCallback {
    bool want_interrupt() override
    {
        return tl_cancel && tl_cancel->load(std::memory_order_relaxed);
    }
};

struct CancelScope {
    explicit CancelScope(const std::atomic<bool> &c)
    {
        tl_cancel = &c;
    }
    ~CancelScope()
    {
        tl_cancel = nullptr;
    }
};

void install_hook()
{
    static std::once_flag once;
    std::call_once(once, [] { faiss::InterruptCallback::instance.reset(new CancelHook()); });
}

faiss::MetricType faiss_metric(uint32_t metric)
{
    return metric == VMON_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

std::unique_ptr<faiss::Index> make_index(const IndexSpec &s)
{
    faiss::MetricType mt = faiss_metric(s.metric);
    faiss::IndexIVF *ivf = nullptr;
    switch (s.type) {
    case EMB_INDEX_IVF_FLAT:
        ivf = new faiss::IndexIVFFlat(new faiss::IndexFlat(s.dim, mt), s.dim, s.nlist, mt);
        break;
    case EMB_INDEX_IVF_SQ8:
        ivf = new faiss::IndexIVFScalarQuantizer(new faiss::IndexFlat(s.dim, mt), s.dim, s.nlist,
                                                 faiss::ScalarQuantizer::QT_8bit, mt);
        break;
    case EMB_INDEX_HNSW: {
        auto h = std::make_unique<faiss::IndexHNSWFlat>(s.dim, s.m, mt);
        h->hnsw.efConstruction = static_cast<int>(s.ef_construction);
        return h;
    }
    default:
        fail(VMON_EINVAL, "index type %u has no FAISS index", s.type);
    }
    ivf->own_fields = true;
    ivf->cp.verbose = false;
    // Lists with few points are expected on small segments; no warnings.
    ivf->cp.min_points_per_centroid = 1;
    return std::unique_ptr<faiss::Index>(ivf);
}

// Adding in chunks grows every list (and HNSW's storage and graph) by
// doubling: a built index held up to twice its size, its lists scattered
// among the blocks freed on the way (engine RSS was 1.6x the saved index).
// One exact-size copy of each list, in list order, is what reading a saved
// index gives, and what direct FAISS is measured on.
void compact(faiss::Index &index)
{
    if (auto ivf = dynamic_cast<faiss::IndexIVF *>(&index)) {
        if (auto lists = dynamic_cast<faiss::ArrayInvertedLists *>(ivf->invlists)) {
            for (size_t l = 0; l < lists->nlist; l++) {
                std::vector<uint8_t>(lists->codes[l]).swap(lists->codes[l]);
                std::vector<faiss::Index::idx_t>(lists->ids[l]).swap(lists->ids[l]);
            }
        }
    } else if (auto hnsw = dynamic_cast<faiss::IndexHNSW *>(&index)) {
        if (auto flat = dynamic_cast<faiss::IndexFlatCodes *>(hnsw->storage))
            flat->codes.shrink_to_fit();
        hnsw->hnsw.neighbors.shrink_to_fit();
        hnsw->hnsw.levels.shrink_to_fit();
        hnsw->hnsw.offsets.shrink_to_fit();
    }
}

// Chunks small enough that progress moves and cancel is seen within ~0.5 s.
uint64_t chunk_rows(const IndexSpec &s)
{
    return s.type == EMB_INDEX_HNSW ? 2048 : 16384;
}
} // namespace

bool wants_index(const IndexSpec &spec, uint64_t rows, uint64_t index_min_rows)
{
    if (spec.type == EMB_INDEX_FLAT || rows < index_min_rows)
        return false;
    // Training more lists than points "succeeds" with empty lists: refuse.
    bool ivf = spec.type == EMB_INDEX_IVF_FLAT || spec.type == EMB_INDEX_IVF_SQ8;
    return !ivf || rows >= 4ull * spec.nlist;
}

std::unique_ptr<faiss::Index> build_index(const IndexSpec &spec, const float *x, uint64_t n,
                                          std::atomic<uint64_t> &progress,
                                          const std::atomic<bool> &cancel)
{
    install_hook();
    CancelScope scope(cancel);
    try {
        std::unique_ptr<faiss::Index> index = make_index(spec);
        if (!index->is_trained)
            index->train(static_cast<faiss::Index::idx_t>(n), x);
        uint64_t step = chunk_rows(spec);
        for (uint64_t i = 0; i < n; i += step) {
            if (cancel.load())
                fail(VMON_ERROR, "build cancelled");
            uint64_t m = std::min(step, n - i);
            index->add(static_cast<faiss::Index::idx_t>(m), x + i * spec.dim);
            progress.store(i + m);
        }
        compact(*index);
        return index;
    } catch (const faiss::FaissException &e) {
        if (cancel.load())
            fail(VMON_ERROR, "build cancelled");
        fail(VMON_ERROR, "FAISS: %s", e.what());
    }
}

uint64_t index_bytes(const IndexSpec &spec, const faiss::Index &index)
{
    uint64_t n = static_cast<uint64_t>(index.ntotal);
    uint64_t d = spec.dim;
    switch (spec.type) {
    case EMB_INDEX_IVF_FLAT:
        return n * (d * 4 + 8) + uint64_t(spec.nlist) * d * 4;
    case EMB_INDEX_IVF_SQ8:
        return n * (d + 8) + uint64_t(spec.nlist) * d * 4 + d * 8;
    case EMB_INDEX_HNSW:
        // Level 0 has 2*M links, upper levels M each (a 1/M fraction of nodes).
        return n * (d * 4 + uint64_t(spec.m) * 2 * 4 + 8 + 4);
    default:
        return 0;
    }
}

} // namespace emb
