// A segment: rows held together, brute force while growing, optionally
// indexed once sealed. Its own lock lets searches run during appends,
// deletes and index builds of other segments.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <unordered_set>
#include <vector>

#include <faiss/Index.h>

namespace emb
{

/** What a collection's indexes look like; shared by all its segments. */
struct IndexSpec {
    uint32_t type = 0; // emb_index_type
    uint32_t metric = 0;
    uint32_t dim = 0;
    uint32_t nlist = 0;
    uint32_t m = 0;
    uint32_t ef_construction = 0;
};

/** One search as a segment sees it (already validated, queries normalised). */
struct SearchArgs {
    const float *queries = nullptr;
    uint32_t nq = 0;
    uint32_t k = 0;
    uint32_t nprobe = 0;
    uint32_t ef = 0;
    bool exact = false;
};

/** Largest ef a search may ask for. */
constexpr uint32_t MAX_EF = 4096;

struct Hit {
    float dist;
    int64_t id;
};

using HitLists = std::vector<std::vector<Hit>>;

class Segment
{
  public:
    Segment(int64_t id, uint32_t dim, uint32_t metric);

    int64_t id() const
    {
        return id_;
    }
    uint32_t dim() const
    {
        return dim_;
    }

    /** Append rows to a growing segment. */
    void append(const float *x, const int64_t *ids, uint64_t n);
    /** Adopt loaded rows (persistence); the segment becomes sealed. */
    void adopt(std::vector<float> &&x, std::vector<int64_t> &&ids, std::vector<uint8_t> &&deleted);
    void seal();
    bool sealed() const;

    uint64_t rows() const;
    uint64_t deleted_rows() const;
    uint64_t memory_bytes() const;
    uint64_t index_bytes() const;

    /** Mark rows whose id is in `ids` deleted; returns how many were live. */
    uint64_t remove(const std::unordered_set<int64_t> &ids);

    /** Append this segment's best live hits per query to `out`. */
    void search(const SearchArgs &args, HitLists &out) const;

    /** Whether this segment has live rows (a search would find something). */
    bool has_live_rows() const;

    /**
     * When this segment alone answers: search its index straight into the
     * caller's arrays (nq * k; missing results id -1, distance `none`),
     * with no merge. Returns false, touching nothing, when it cannot (no
     * index, deleted rows to skip, an exact search).
     */
    bool search_alone(const SearchArgs &args, int64_t *ids, float *dist, float none) const;

    /**
     * A sealed segment's rows never change, so builders and the segment
     * file writer read them unlocked (both run before release_raw).
     */
    const float *sealed_data() const
    {
        return vecs_.data();
    }

    /**
     * Drop the raw vectors once the index holds them exactly (IVF_FLAT,
     * HNSW's flat storage): exact search then goes through the index.
     * Returns the bytes freed (0 when the index cannot stand in).
     */
    uint64_t release_raw();
    bool raw_released() const;

    /** Deleted flags, replacing the current ones (persistence). */
    void apply_deleted(const std::vector<uint8_t> &deleted);

    /** Copy of ids and deleted flags, for persistence. */
    void snapshot(std::vector<int64_t> &ids, std::vector<uint8_t> &deleted) const;

    void set_index(std::unique_ptr<faiss::Index> index, uint64_t bytes);
    bool has_index() const;

    std::atomic<int> state;             // vmon_segment_state
    std::atomic<uint64_t> indexed_rows; // build progress
    std::atomic<bool> cancel;           // set to stop this segment's build
    std::atomic<bool> dirty;            // deletes not yet persisted
    std::atomic<bool> building;         // a build thread works on it now

  private:
    void search_index(const SearchArgs &args, uint32_t kk, float *d, faiss::Index::idx_t *l) const;
    void search_flat(const SearchArgs &args, uint32_t kk, float *d, faiss::Index::idx_t *l) const;
    void search_exact_index(const SearchArgs &args, uint32_t kk, float *d,
                            faiss::Index::idx_t *l) const;

    const int64_t id_;
    const uint32_t dim_;
    const uint32_t metric_;
    mutable std::shared_mutex mu_;
    std::vector<float> vecs_;
    std::vector<int64_t> ids_;
    std::vector<uint8_t> deleted_;
    uint64_t n_deleted_ = 0;
    bool sealed_ = false;
    bool raw_released_ = false;
    std::shared_ptr<const faiss::Index> index_;
    uint64_t index_bytes_ = 0;
};

using SegmentPtr = std::shared_ptr<Segment>;

} // namespace emb
