// Index builds of a collection's sealed segments: queueing, the build
// itself on a pool thread, and what changes once an index exists.
#include "collection.hpp"

#include "build_pool.hpp"
#include "emb_api.h"
#include "index_build.hpp"
#include "persist.hpp"

namespace emb
{

void Collection::schedule(const SegmentPtr &seg)
{
    if (!env_.pool)
        return; // not started: the segment stays brute force
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
        auto index =
            build_index(spec_, seg->sealed_data(), seg->rows(), seg->indexed_rows, seg->cancel);
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

void Collection::finish_build(const SegmentPtr &seg, std::unique_ptr<faiss::Index> index, double ms)
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
    // The segment file was written at seal time, so the index is now the
    // only in-memory copy the segment needs.
    env_.release(seg->release_raw());
    metrics.builds_done++;
    metrics.last_build_ms = ms;
    metrics.last_build_rows_per_s = ms > 0 ? static_cast<double>(seg->rows()) * 1000.0 / ms : 0;
    // Last, so whoever sees the segment indexed also sees the figures above.
    seg->state = VMON_SEGMENT_INDEXED;
    env_.log(VMON_LOG_INFO,
             format("collection %s: segment %lld: %s index of %llu rows built in "
                    "%.0f ms",
                    name_.c_str(), (long long)seg->id(), emb_index_type_name(spec_.type),
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
        env_.release(seg->release_raw());
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
            save_deletes(dir(), *s);
    }
}

void Collection::cancel_builds()
{
    std::unique_lock<std::mutex> lock(mu_);
    for (auto &s : sealed_)
        s->cancel = true;
    builds_cv_.wait(lock, [this] { return building_ == 0; });
}

} // namespace emb
