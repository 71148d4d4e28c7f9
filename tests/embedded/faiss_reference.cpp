// FAISS as a plain user calls it: the reference for the engine's own HNSW
// search path.
#include <memory>

#include <faiss/IndexHNSW.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include "blob.hpp"

extern "C" {
#include "faiss_reference.h"
}

static std::unique_ptr<faiss::Index> g_ref;

extern "C" int emb_ref_load(const char *path)
{
    try {
        faiss::VectorIOReader r;
        r.data = emb::read_blob(path, emb::BLOB_INDEX);
        g_ref.reset(faiss::read_index(&r));
        return dynamic_cast<faiss::IndexHNSW *>(g_ref.get()) ? 0 : -1;
    } catch (const std::exception &) {
        return -1;
    }
}

extern "C" void emb_ref_search_hnsw(const float *queries, uint32_t nq, uint32_t k, uint32_t ef,
                                    int64_t *ids, float *distances)
{
    auto *h = static_cast<faiss::IndexHNSW *>(g_ref.get());
    h->hnsw.efSearch = static_cast<int>(ef);
    h->search(nq, queries, k, distances, ids);
}

extern "C" void emb_ref_unload(void)
{
    g_ref.reset();
}
