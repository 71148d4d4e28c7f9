// Search: validate the request (never clamp), fan out over a snapshot of
// the segments, merge the top-k.
#include "collection.hpp"

#include <algorithm>
#include <limits>

#include <faiss/utils/distances.h>

#include "emb_api.h"
#include "threads.hpp"

namespace emb
{

namespace
{
const uint32_t MAX_TOP_K = 16384;
} // namespace

void Collection::validate(const vmon_search_request &req, SearchArgs &args) const
{
    const char *c = name_.c_str();
    if (req.struct_size < offsetof(vmon_search_request, queries) + sizeof(req.queries))
        fail(VMON_EINVAL, "collection %s: search request struct_size %u too small", c,
             req.struct_size);
    if (!req.queries || req.n_queries == 0)
        fail(VMON_EINVAL, "collection %s: search needs at least one query", c);
    if (req.dim != spec_.dim)
        fail(VMON_EINVAL, "collection %s: query dimension %u, collection has %u", c, req.dim,
             spec_.dim);
    if (req.top_k == 0 || req.top_k > MAX_TOP_K)
        fail(VMON_EINVAL, "collection %s: top_k %u outside 1..%u", c, req.top_k, MAX_TOP_K);
    bool ivf = spec_.type == EMB_INDEX_IVF_FLAT || spec_.type == EMB_INDEX_IVF_SQ8;
    args.nprobe = std::min(env_.default_nprobe, spec_.nlist);
    if (ivf && (req.flags & VMON_SEARCH_NPROBE)) {
        if (req.nprobe == 0 || req.nprobe > spec_.nlist)
            fail(VMON_EINVAL, "collection %s: nprobe %u outside 1..nlist (%u)", c, req.nprobe,
                 spec_.nlist);
        args.nprobe = req.nprobe;
    }
    args.ef = std::max(env_.default_ef, req.top_k);
    if (spec_.type == EMB_INDEX_HNSW && (req.flags & VMON_SEARCH_EF)) {
        if (req.ef < req.top_k || req.ef > MAX_EF)
            fail(VMON_EINVAL, "collection %s: ef %u outside top_k (%u)..%u", c, req.ef, req.top_k,
                 MAX_EF);
        args.ef = req.ef;
    }
    args.nq = req.n_queries;
    args.k = req.top_k;
    args.queries = req.queries;
}

void Collection::merge(const std::vector<SegmentPtr> &segs, const SearchArgs &args, int64_t *ids,
                       float *dist, float none) const
{
    HitLists hits(args.nq);
    for (auto &h : hits)
        h.reserve(size_t(args.k) * segs.size());
    for (auto &s : segs)
        s->search(args, hits);
    bool asc = spec_.metric == VMON_METRIC_L2;
    for (uint32_t q = 0; q < args.nq; q++) {
        auto &h = hits[q];
        size_t m = std::min<size_t>(h.size(), args.k);
        std::partial_sort(
            h.begin(), h.begin() + static_cast<long>(m), h.end(),
            [asc](const Hit &a, const Hit &b) { return asc ? a.dist < b.dist : a.dist > b.dist; });
        for (uint32_t j = 0; j < args.k; j++) {
            size_t o = size_t(q) * args.k + j;
            ids[o] = j < m ? h[j].id : -1;
            dist[o] = j < m ? h[j].dist : none;
        }
    }
}

void Collection::search(const vmon_search_request &req, int64_t *ids, float *dist, bool exact)
{
    int64_t t0 = monotonic_ns();
    SearchArgs args;
    args.exact = exact;
    try {
        validate(req, args);
        if (!ids || !dist)
            fail(VMON_EINVAL, "collection %s: search needs result arrays", name_.c_str());
    } catch (const Error &) {
        metrics.search_failures += exact ? 0 : 1;
        throw;
    }
    std::vector<float> normed;
    if (spec_.metric == VMON_METRIC_COSINE) {
        normed.assign(req.queries, req.queries + size_t(req.n_queries) * req.dim);
        faiss::fvec_renorm_L2(req.dim, req.n_queries, normed.data());
        args.queries = normed.data();
    }
    set_thread_budget(env_.threads);
    bool asc = spec_.metric == VMON_METRIC_L2;
    float none =
        asc ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
    std::vector<SegmentPtr> segs = snapshot();
    // The usual case, one indexed segment and an empty growing one, needs
    // no merge: FAISS writes the caller's arrays (measured in
    // docs/embedded.md: the merge's allocations and sort were most of the
    // engine's own instructions per query).
    const Segment *alone = nullptr;
    size_t live = 0;
    for (auto &s : segs)
        if (s->has_live_rows()) {
            alone = s.get();
            live++;
        }
    if (live != 1 || !alone->search_alone(args, ids, dist, none))
        merge(segs, args, ids, dist, none);
    if (!exact) {
        metrics.search_requests++;
        metrics.search_queries += args.nq;
        metrics.latency.add(static_cast<double>(monotonic_ns() - t0) / 1e6);
    }
}

} // namespace emb
