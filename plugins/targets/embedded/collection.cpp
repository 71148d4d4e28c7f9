#include "collection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include <faiss/utils/distances.h>

#include "build_pool.hpp"
#include "emb_api.h"
#include "index_build.hpp"
#include "persist.hpp"
#include "threads.hpp"

namespace emb {

namespace {

const uint32_t MAX_TOP_K = 16384;
const uint32_t MAX_EF = 1u << 16;

uint64_t row_bytes(uint32_t dim)
{
    return uint64_t(dim) * sizeof(float) + sizeof(int64_t) + 1;
}

void copy_name(char *dst, const char *src)
{
    std::snprintf(dst, VMON_INDEX_TYPE_LEN, "%s", src);
}

} // namespace

Collection::Collection(std::string name, IndexSpec spec, Env &env)
    : name_(std::move(name)), spec_(spec), env_(env)
{
    growing_ = std::make_shared<Segment>(next_segment_id_++, spec_.dim, spec_.metric);
}

Collection::~Collection()
{
    cancel_builds();
}

std::string Collection::dir() const
{
    return env_.data_dir.empty() ? std::string() : collection_dir(env_.data_dir, name_);
}

void Collection::save_meta() const
{
    if (!env_.data_dir.empty())
        emb::save_meta(dir(), name_, spec_);
}

void Collection::insert(const float *x, uint64_t n, uint32_t dim, const int64_t *ids,
                        int64_t *out_ids)
{
    try {
        insert_rows(x, n, dim, ids, out_ids);
    } catch (const Error &) {
        metrics.insert_failures++;
        throw;
    }
}

void Collection::insert_rows(const float *x, uint64_t n, uint32_t dim, const int64_t *ids,
                             int64_t *out_ids)
{
    if (!x || n == 0)
        fail(VMON_EINVAL, "collection %s: insert needs at least one row", name_.c_str());
    if (dim != spec_.dim)
        fail(VMON_EINVAL, "collection %s: insert dimension %u, collection has %u", name_.c_str(),
             dim, spec_.dim);
    std::vector<float> normed;
    if (spec_.metric == VMON_METRIC_COSINE) {
        normed.assign(x, x + n * dim);
        faiss::fvec_renorm_L2(dim, n, normed.data());
        x = normed.data();
    }
    env_.reserve(n * row_bytes(dim), "collection " + name_);
    std::vector<SegmentPtr> sealed;
    {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<int64_t> assigned;
        if (!ids) {
            assigned.resize(n);
            for (uint64_t i = 0; i < n; i++)
                assigned[i] = next_row_id_++;
            ids = assigned.data();
        } else {
            next_row_id_ = std::max(next_row_id_, *std::max_element(ids, ids + n) + 1);
        }
        if (out_ids)
            std::copy(ids, ids + n, out_ids);
        for (uint64_t done = 0; done < n;) {
            uint64_t room = env_.segment_rows - growing_->rows();
            uint64_t m = std::min(room, n - done);
            growing_->append(x + done * dim, ids + done, m);
            done += m;
            if (growing_->rows() >= env_.segment_rows)
                sealed.push_back(seal_locked());
        }
    }
    metrics.insert_requests++;
    metrics.inserted_rows += n;
    for (auto &s : sealed)
        after_seal(s);
}

uint64_t Collection::remove(const int64_t *ids, uint64_t n)
{
    if (!ids && n)
        fail(VMON_EINVAL, "collection %s: delete without ids", name_.c_str());
    std::unordered_set<int64_t> set(ids, ids + n);
    uint64_t hit = 0;
    for (auto &s : snapshot())
        hit += s->remove(set);
    metrics.delete_requests++;
    metrics.deleted_rows += hit;
    return hit;
}

SegmentPtr Collection::seal_locked()
{
    SegmentPtr seg = growing_;
    seg->seal();
    sealed_.push_back(seg);
    // Ids are never reused, so a reloaded collection cannot collide.
    growing_ = std::make_shared<Segment>(next_segment_id_++, spec_.dim, spec_.metric);
    return seg;
}

void Collection::after_seal(const SegmentPtr &seg)
{
    if (!env_.data_dir.empty())
        save_segment(dir(), *seg);
    if (wants_index(spec_, seg->rows(), env_.index_min_rows))
        schedule(seg);
}

void Collection::flush()
{
    int64_t t0 = monotonic_ns();
    SegmentPtr seg;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (growing_->rows() > 0)
            seg = seal_locked();
    }
    if (seg)
        after_seal(seg);
    metrics.flushes++;
    metrics.last_flush_ms = static_cast<double>(monotonic_ns() - t0) / 1e6;
}

void Collection::schedule(const SegmentPtr &seg)
{
    seg->state = VMON_SEGMENT_INDEXING;
    seg->indexed_rows = 0;
    std::weak_ptr<Collection> self = shared_from_this();
    env_.pool->submit(seg, [self, seg] {
        if (auto c = self.lock())
            c->run_build(seg);
    });
}

void Collection::run_build(const SegmentPtr &seg)
{
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (seg->cancel)
            return;
        building_++;
        seg->building = true;
    }
    int64_t t0 = monotonic_ns();
    try {
        auto index = build_index(spec_, seg->sealed_data(), seg->rows(), seg->indexed_rows,
                                 seg->cancel);
        finish_build(seg, std::move(index), static_cast<double>(monotonic_ns() - t0) / 1e6);
    } catch (const std::exception &e) {
        if (!seg->cancel) {
            seg->state = VMON_SEGMENT_FAILED;
            metrics.builds_failed++;
            env_.log(VMON_LOG_ERROR, format("collection %s: segment %lld: index build failed: %s",
                                            name_.c_str(), (long long)seg->id(), e.what()));
        }
    }
    std::lock_guard<std::mutex> lock(mu_);
    seg->building = false;
    building_--;
    builds_cv_.notify_all();
}

void Collection::finish_build(const SegmentPtr &seg, std::unique_ptr<faiss::Index> index,
                              double ms)
{
    uint64_t bytes = index_bytes(spec_, *index);
    if (!env_.data_dir.empty()) {
        try {
            save_index(dir(), seg->id(), *index);
        } catch (const std::exception &e) {
            env_.log(VMON_LOG_ERROR, e.what());
        }
    }
    // The index is accounted even past the limit: refusing it would leave
    // the data searchable only by brute force, which is worse.
    env_.memory_used += bytes;
    seg->set_index(std::move(index), bytes);
    seg->state = VMON_SEGMENT_INDEXED;
    metrics.builds_done++;
    metrics.last_build_ms = ms;
    metrics.last_build_rows_per_s = ms > 0 ? static_cast<double>(seg->rows()) * 1000.0 / ms : 0;
    env_.log(VMON_LOG_INFO, format("collection %s: segment %lld: %s index of %llu rows built in "
                                   "%.0f ms",
                                   name_.c_str(), (long long)seg->id(),
                                   emb_index_type_name(spec_.type),
                                   (unsigned long long)seg->rows(), ms));
}

void Collection::adopt(const SegmentPtr &seg)
{
    {
        std::lock_guard<std::mutex> lock(mu_);
        sealed_.push_back(seg);
        next_segment_id_ = std::max(next_segment_id_, seg->id() + 1);
        // Loading happens before any insert, so the growing segment is empty.
        std::vector<int64_t> ids;
        std::vector<uint8_t> del;
        seg->snapshot(ids, del);
        if (!ids.empty())
            next_row_id_ = std::max(next_row_id_, *std::max_element(ids.begin(), ids.end()) + 1);
        growing_ = std::make_shared<Segment>(next_segment_id_++, spec_.dim, spec_.metric);
    }
    env_.memory_used += seg->memory_bytes();
    if (!wants_index(spec_, seg->rows(), env_.index_min_rows))
        return;
    std::string path = index_path(dir(), seg->id());
    try {
        auto index = load_index(path, spec_, seg->rows());
        uint64_t bytes = index_bytes(spec_, *index);
        env_.memory_used += bytes;
        seg->set_index(std::move(index), bytes);
        seg->indexed_rows = seg->rows();
        seg->state = VMON_SEGMENT_INDEXED;
    } catch (const std::exception &e) {
        env_.load_errors++;
        env_.log(VMON_LOG_ERROR, format("%s; rebuilding the index", e.what()));
        schedule(seg);
    }
}

void Collection::persist_rest()
{
    if (env_.data_dir.empty())
        return;
    SegmentPtr seg;
    std::vector<SegmentPtr> all;
    {
        std::lock_guard<std::mutex> lock(mu_);
        // Unflushed rows are saved as a sealed segment so a restart keeps them.
        if (growing_->rows() > 0)
            seg = seal_locked();
        all = sealed_;
    }
    if (seg)
        save_segment(dir(), *seg);
    for (auto &s : all) {
        if (s->dirty.exchange(false) && s != seg)
            save_segment(dir(), *s);
    }
}

void Collection::cancel_builds()
{
    std::unique_lock<std::mutex> lock(mu_);
    for (auto &s : sealed_)
        s->cancel = true;
    builds_cv_.wait(lock, [this] { return building_ == 0; });
}

void Collection::release_memory()
{
    for (auto &s : snapshot())
        env_.release(s->memory_bytes());
}

std::vector<SegmentPtr> Collection::snapshot() const
{
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<SegmentPtr> v;
    v.reserve(sealed_.size() + 1);
    v.push_back(growing_);
    v.insert(v.end(), sealed_.begin(), sealed_.end());
    return v;
}

uint64_t Collection::live_rows() const
{
    uint64_t n = 0;
    for (auto &s : snapshot())
        n += s->rows() - s->deleted_rows();
    return n;
}

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
            fail(VMON_EINVAL, "collection %s: ef %u outside top_k (%u)..%u", c, req.ef,
                 req.top_k, MAX_EF);
        args.ef = req.ef;
    }
    args.nq = req.n_queries;
    args.k = req.top_k;
    args.queries = req.queries;
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
    HitLists hits(args.nq);
    for (auto &s : snapshot())
        s->search(args, hits);
    bool asc = spec_.metric == VMON_METRIC_L2;
    float none = asc ? std::numeric_limits<float>::infinity()
                     : -std::numeric_limits<float>::infinity();
    for (uint32_t q = 0; q < args.nq; q++) {
        auto &h = hits[q];
        size_t m = std::min<size_t>(h.size(), args.k);
        std::partial_sort(h.begin(), h.begin() + static_cast<long>(m), h.end(),
                          [asc](const Hit &a, const Hit &b) {
                              return asc ? a.dist < b.dist : a.dist > b.dist;
                          });
        for (uint32_t j = 0; j < args.k; j++) {
            size_t o = size_t(q) * args.k + j;
            ids[o] = j < m ? h[j].id : -1;
            dist[o] = j < m ? h[j].dist : none;
        }
    }
    if (!exact) {
        metrics.search_requests++;
        metrics.search_queries += args.nq;
        metrics.latency.add(static_cast<double>(monotonic_ns() - t0) / 1e6);
    }
}

void Collection::stats(vmon_collection_stats &out) const
{
    out = vmon_collection_stats{};
    out.struct_size = sizeof out;
    out.dim = spec_.dim;
    out.metric = spec_.metric;
    bool ivf = spec_.type == EMB_INDEX_IVF_FLAT || spec_.type == EMB_INDEX_IVF_SQ8;
    out.nlist = ivf ? spec_.nlist : 0;
    out.m = spec_.type == EMB_INDEX_HNSW ? spec_.m : 0;
    out.ef_construction = spec_.type == EMB_INDEX_HNSW ? spec_.ef_construction : 0;
    copy_name(out.index_type, emb_index_type_name(spec_.type));
    for (auto &s : snapshot()) {
        uint64_t rows = s->rows(), del = s->deleted_rows();
        if (rows == 0 && !s->sealed())
            continue;
        out.n_segments++;
        out.n_sealed += s->sealed() ? 1 : 0;
        out.row_count += rows - del;
        out.deleted_rows += del;
        out.memory_bytes += s->memory_bytes();
    }
}

void Collection::walk_segments(vmon_segment_fn fn, void *arg) const
{
    for (auto &s : snapshot()) {
        vmon_segment_info info{};
        info.struct_size = sizeof info;
        info.state = static_cast<uint32_t>(s->state.load());
        info.id = s->id();
        info.rows = s->rows();
        info.indexed_rows = s->has_index() ? info.rows : s->indexed_rows.load();
        info.deleted_rows = s->deleted_rows();
        info.memory_bytes = s->memory_bytes();
        copy_name(info.index_type, s->has_index() ? emb_index_type_name(spec_.type) : "FLAT");
        if (fn(arg, &info))
            return;
    }
}

void Collection::index_state(vmon_index_state &out) const
{
    out = vmon_index_state{};
    out.struct_size = sizeof out;
    copy_name(out.index_type, emb_index_type_name(spec_.type));
    bool failed = false;
    for (auto &s : snapshot()) {
        int st = s->state.load();
        if (st != VMON_SEGMENT_INDEXING && st != VMON_SEGMENT_INDEXED &&
            st != VMON_SEGMENT_FAILED)
            continue;
        out.total_rows += s->rows();
        out.indexed_rows += st == VMON_SEGMENT_INDEXED ? s->rows() : s->indexed_rows.load();
        failed |= st == VMON_SEGMENT_FAILED;
        if (st == VMON_SEGMENT_INDEXING)
            (s->building ? out.building_segments : out.pending_segments)++;
    }
    out.pending_rows = out.total_rows - out.indexed_rows;
    out.progress = out.total_rows ? static_cast<double>(out.indexed_rows) / out.total_rows : 1.0;
    out.last_build_ms = metrics.last_build_ms;
    out.last_rows_per_second = metrics.last_build_rows_per_s;
    if (out.total_rows == 0)
        out.state = VMON_INDEX_NONE;
    else if (failed)
        out.state = VMON_INDEX_FAILED;
    else if (out.building_segments)
        out.state = VMON_INDEX_BUILDING;
    else if (out.pending_segments)
        out.state = VMON_INDEX_PENDING;
    else
        out.state = VMON_INDEX_FINISHED;
}

} // namespace emb
