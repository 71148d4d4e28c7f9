// A collection: one growing segment plus sealed ones, Milvus-style. Inserts
// land in the growing segment; sealing hands a segment to the build pool;
// searches fan out over a snapshot of the segment list and merge top-k.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <vmon/target.h>

#include "env.hpp"
#include "metrics.hpp"
#include "segment.hpp"

namespace emb
{

class Collection : public std::enable_shared_from_this<Collection>
{
  public:
    Collection(std::string name, IndexSpec spec, Env &env);
    ~Collection();

    const std::string &name() const
    {
        return name_;
    }
    const IndexSpec &spec() const
    {
        return spec_;
    }
    std::string dir() const;

    void insert(const float *x, uint64_t n, uint32_t dim, const int64_t *ids, int64_t *out_ids);
    uint64_t remove(const int64_t *ids, uint64_t n);
    void flush();
    void search(const vmon_search_request &req, int64_t *ids, float *dist, bool exact);

    void stats(vmon_collection_stats &out) const;
    void walk_segments(vmon_segment_fn fn, void *arg) const;
    void index_state(vmon_index_state &out) const;

    /** A segment read back from data_dir: attach its saved index or queue a build. */
    void adopt(const SegmentPtr &seg);
    /** Save the description (creation) and, at stop, whatever is not saved yet. */
    void save_meta() const;
    void persist_rest();
    /** Cancel this collection's builds and wait for running ones (drop). */
    void cancel_builds();
    /** Give back the memory accounted for this collection's segments. */
    void release_memory();
    /** Rows inserted and not deleted. */
    uint64_t live_rows() const;

    CollectionMetrics metrics;

  private:
    void insert_rows(const float *x, uint64_t n, uint32_t dim, const int64_t *ids,
                     int64_t *out_ids);
    SegmentPtr seal_locked();
    void after_seal(const SegmentPtr &seg);
    void schedule(const SegmentPtr &seg);
    void run_build(const SegmentPtr &seg);
    void finish_build(const SegmentPtr &seg, std::unique_ptr<faiss::Index> index, double ms);
    std::vector<SegmentPtr> snapshot() const;
    /** Every segment's hits, merged into the top-k. */
    void merge(const std::vector<SegmentPtr> &segs, const SearchArgs &args, int64_t *ids,
               float *dist, float none) const;
    void validate(const vmon_search_request &req, SearchArgs &args) const;

    const std::string name_;
    const IndexSpec spec_;
    Env &env_;
    mutable std::mutex mu_;
    std::condition_variable builds_cv_;
    unsigned building_ = 0;
    SegmentPtr growing_;
    std::vector<SegmentPtr> sealed_;
    int64_t next_segment_id_ = 1;
    int64_t next_row_id_ = 0;
};

using CollectionPtr = std::shared_ptr<Collection>;

} // namespace emb
