// FAISS 1.7.3's IndexHNSW::search sizes the candidate heap from the
// index's own hnsw.efSearch and takes only the stopping rule from
// SearchParametersHNSW, so a request's ef above the member is capped.
// Raising the member for every search made every search pay for a
// 4096-entry heap (10-17% at ef 16-128); changing it per search would race
// with concurrent searches. This runs the same algorithm on the index's
// public graph — greedy descent through the upper levels, then FAISS's
// bounded best-first search of level 0 — with the heap and the stopping rule
// both sized by the request. It also keeps one visited table per thread
// instead of allocating one (ntotal bytes) per call.
#include "hnsw_search.hpp"

#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/HNSW.h>
#include <faiss/utils/Heap.h>

namespace emb
{

namespace
{

using faiss::HNSW;
using Node = HNSW::storage_idx_t;
using Label = faiss::Index::idx_t;

// FAISS's graph code minimises; inner products are negated on the way in
// and back on the way out, as IndexHNSW does.
struct Negated : faiss::DistanceComputer {
    explicit Negated(std::unique_ptr<faiss::DistanceComputer> d) : inner(std::move(d)) {}
    void set_query(const float *x) override
    {
        inner->set_query(x);
    }
    float operator()(idx_t i) override
    {
        return -(*inner)(i);
    }
    float symmetric_dis(idx_t i, idx_t j) override
    {
        return -inner->symmetric_dis(i, j);
    }
    std::unique_ptr<faiss::DistanceComputer> inner;
};

std::unique_ptr<faiss::DistanceComputer> distance_computer(const faiss::Index &storage)
{
    std::unique_ptr<faiss::DistanceComputer> d(storage.get_distance_computer());
    if (storage.metric_type != faiss::METRIC_INNER_PRODUCT)
        return d;
    return std::make_unique<Negated>(std::move(d));
}

// One table per thread, grown to the largest index searched; advance()
// between queries makes old marks stale without clearing them.
faiss::VisitedTable &visited_table(size_t n)
{
    thread_local faiss::VisitedTable vt(0);
    if (vt.visited.size() < n) {
        vt.visited.assign(n, 0);
        vt.visno = 1;
    }
    return vt;
}

// Move to the closest neighbour on `level` until none is closer.
void descend(const HNSW &g, faiss::DistanceComputer &dis, int level, Node &nearest, float &d_near)
{
    for (;;) {
        Node start = nearest;
        size_t begin, end;
        g.neighbor_range(start, level, &begin, &end);
        for (size_t i = begin; i < end && g.neighbors[i] >= 0; i++) {
            float d = dis(g.neighbors[i]);
            if (d < d_near) {
                nearest = g.neighbors[i];
                d_near = d;
            }
        }
        if (nearest == start)
            return;
    }
}

void keep(int k, int &nres, float *D, Label *I, float d, Label id)
{
    if (nres < k)
        faiss::maxheap_push(static_cast<size_t>(++nres), D, I, d, id);
    else if (d < D[0])
        faiss::maxheap_replace_top(static_cast<size_t>(nres), D, I, d, id);
}

// Level 0 from one entry point, candidates bounded by ef: stop when ef
// already-seen candidates are closer than the next one to expand (or after
// ef expansions when the index turns that check off).
void best_first(const HNSW &g, faiss::DistanceComputer &dis, int k, int ef, Node entry,
                float d_entry, float *D, Label *I, faiss::VisitedTable &vt)
{
    HNSW::MinimaxHeap candidates(ef);
    candidates.push(entry, d_entry);
    int nres = 0;
    keep(k, nres, D, I, d_entry, entry);
    vt.set(entry);
    for (int step = 0; candidates.size() > 0;) {
        float d0 = 0;
        Node v0 = candidates.pop_min(&d0);
        if (g.check_relative_distance && candidates.count_below(d0) >= ef)
            break;
        size_t begin, end;
        g.neighbor_range(v0, 0, &begin, &end);
        for (size_t j = begin; j < end; j++) {
            Node v = g.neighbors[j];
            if (v < 0)
                break;
            if (vt.get(v))
                continue;
            vt.set(v);
            float d = dis(v);
            keep(k, nres, D, I, d, v);
            candidates.push(v, d);
        }
        if (!g.check_relative_distance && ++step > ef)
            break;
    }
}

void search_one(const faiss::IndexHNSW &index, faiss::DistanceComputer &dis, const float *q, int k,
                int ef, float *D, Label *I, faiss::VisitedTable &vt)
{
    const HNSW &g = index.hnsw;
    faiss::maxheap_heapify(static_cast<size_t>(k), D, I);
    if (g.entry_point >= 0) {
        dis.set_query(q);
        Node nearest = g.entry_point;
        float d_near = dis(nearest);
        for (int level = g.max_level; level >= 1; level--)
            descend(g, dis, level, nearest, d_near);
        best_first(g, dis, k, ef, nearest, d_near, D, I, vt);
        vt.advance();
    }
    faiss::maxheap_reorder(static_cast<size_t>(k), D, I);
    if (index.metric_type == faiss::METRIC_INNER_PRODUCT)
        for (int j = 0; j < k; j++)
            D[j] = -D[j];
}

} // namespace

bool hnsw_search_supported(const faiss::IndexHNSW &index)
{
    return index.storage && index.hnsw.upper_beam == 1 && index.hnsw.search_bounded_queue &&
           !index.reconstruct_from_neighbors;
}

void hnsw_search(const faiss::IndexHNSW &index, uint32_t nq, const float *queries, uint32_t k,
                 uint32_t ef, float *distances, Label *labels)
{
    int kk = static_cast<int>(k), e = static_cast<int>(ef < k ? k : ef);
    std::exception_ptr failure;
    // A single query runs on the caller's thread: no team to start. Every
    // thread reaches the worksharing loop, even one whose setup failed.
#pragma omp parallel if (nq > 1)
    {
        std::unique_ptr<faiss::DistanceComputer> dis;
        faiss::VisitedTable *vt = nullptr;
        try {
            dis = distance_computer(*index.storage);
            vt = &visited_table(static_cast<size_t>(index.ntotal));
        } catch (...) {
#pragma omp critical(emb_hnsw_failure)
            failure = std::current_exception();
        }
#pragma omp for schedule(guided)
        for (int64_t i = 0; i < static_cast<int64_t>(nq); i++) {
            if (!vt)
                continue;
            try {
                search_one(index, *dis, queries + i * index.d, kk, e, distances + i * kk,
                           labels + i * kk, *vt);
            } catch (...) {
#pragma omp critical(emb_hnsw_failure)
                failure = std::current_exception();
            }
        }
    }
    if (failure)
        std::rethrow_exception(failure);
}

} // namespace emb
