// The write side of a collection: inserts into the growing segment,
// deletes, and sealing (by size or flush).
#include "collection.hpp"

#include <algorithm>
#include <unordered_set>

#include <faiss/utils/distances.h>

#include "index_build.hpp"
#include "persist.hpp"

namespace emb
{

namespace
{

uint64_t row_bytes(uint32_t dim)
{
    return uint64_t(dim) * sizeof(float) + sizeof(int64_t) + 1;
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

} // namespace emb
