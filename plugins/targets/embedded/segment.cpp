#include "segment.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/utils/distances.h>

#include <vmon/target.h>

#include "hnsw_search.hpp"

namespace emb
{

Segment::Segment(int64_t id, uint32_t dim, uint32_t metric)
    : state(VMON_SEGMENT_GROWING), indexed_rows(0), cancel(false), dirty(false), building(false),
      id_(id), dim_(dim), metric_(metric)
{
}

void Segment::append(const float *x, const int64_t *ids, uint64_t n)
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    vecs_.insert(vecs_.end(), x, x + n * dim_);
    ids_.insert(ids_.end(), ids, ids + n);
    deleted_.resize(ids_.size(), 0);
}

void Segment::adopt(std::vector<float> &&x, std::vector<int64_t> &&ids,
                    std::vector<uint8_t> &&deleted)
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    vecs_ = std::move(x);
    ids_ = std::move(ids);
    deleted_ = std::move(deleted);
    n_deleted_ = static_cast<uint64_t>(std::count(deleted_.begin(), deleted_.end(), 1));
    sealed_ = true;
    state = VMON_SEGMENT_SEALED;
}

void Segment::seal()
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    sealed_ = true;
    // A sealed segment never grows again: give back the growth slack.
    vecs_.shrink_to_fit();
    ids_.shrink_to_fit();
    deleted_.shrink_to_fit();
    state = VMON_SEGMENT_SEALED;
}

bool Segment::sealed() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return sealed_;
}

uint64_t Segment::rows() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ids_.size();
}

uint64_t Segment::deleted_rows() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return n_deleted_;
}

uint64_t Segment::memory_bytes() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return vecs_.size() * sizeof(float) + ids_.size() * (sizeof(int64_t) + 1) + index_bytes_;
}

uint64_t Segment::index_bytes() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return index_bytes_;
}

uint64_t Segment::remove(const std::unordered_set<int64_t> &ids)
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    uint64_t hit = 0;
    for (size_t i = 0; i < ids_.size(); i++) {
        if (!deleted_[i] && ids.count(ids_[i])) {
            deleted_[i] = 1;
            hit++;
        }
    }
    n_deleted_ += hit;
    if (hit)
        dirty = true;
    return hit;
}

void Segment::snapshot(std::vector<int64_t> &ids, std::vector<uint8_t> &deleted) const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    ids = ids_;
    deleted = deleted_;
}

void Segment::set_index(std::unique_ptr<faiss::Index> index, uint64_t bytes)
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    index_ = std::shared_ptr<const faiss::Index>(std::move(index));
    index_bytes_ = bytes;
}

uint64_t Segment::release_raw()
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    bool exact = dynamic_cast<const faiss::IndexIVFFlat *>(index_.get()) ||
                 dynamic_cast<const faiss::IndexHNSWFlat *>(index_.get());
    if (!exact || raw_released_)
        return 0;
    uint64_t bytes = vecs_.size() * sizeof(float);
    std::vector<float>().swap(vecs_);
    raw_released_ = true;
    return bytes;
}

bool Segment::raw_released() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return raw_released_;
}

void Segment::apply_deleted(const std::vector<uint8_t> &deleted)
{
    std::unique_lock<std::shared_mutex> lock(mu_);
    for (size_t i = 0; i < deleted.size() && i < deleted_.size(); i++)
        if (deleted[i] && !deleted_[i]) {
            deleted_[i] = 1;
            n_deleted_++;
        }
}

bool Segment::has_index() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return index_ != nullptr;
}

void Segment::search_index(const SearchArgs &args, uint32_t kk, float *d,
                           faiss::Index::idx_t *l) const
{
    if (auto ivf = dynamic_cast<const faiss::IndexIVF *>(index_.get())) {
        faiss::SearchParametersIVF p;
        p.nprobe = args.nprobe;
        ivf->search(args.nq, args.queries, kk, d, l, &p);
    } else if (auto hnsw = dynamic_cast<const faiss::IndexHNSW *>(index_.get())) {
        uint32_t ef = std::max(args.ef, kk);
        if (hnsw_search_supported(*hnsw)) {
            hnsw_search(*hnsw, args.nq, args.queries, kk, ef, d, l);
            return;
        }
        // Not built by this engine (other entry-point settings): FAISS's own
        // path, where ef above the index's efSearch is capped.
        faiss::SearchParametersHNSW p;
        p.efSearch = static_cast<int>(ef);
        hnsw->search(args.nq, args.queries, kk, d, l, &p);
    } else {
        index_->search(args.nq, args.queries, kk, d, l);
    }
}

namespace
{

// IVF_FLAT stores each row whole in its list, with the row's offset as id.
std::vector<float> gather_ivf_flat(const faiss::IndexIVF &ivf)
{
    std::vector<float> x(static_cast<size_t>(ivf.ntotal) * ivf.d);
    for (size_t list = 0; list < ivf.nlist; list++) {
        size_t n = ivf.invlists->list_size(list);
        faiss::InvertedLists::ScopedCodes codes(ivf.invlists, list);
        faiss::InvertedLists::ScopedIds ids(ivf.invlists, list);
        for (size_t j = 0; j < n; j++)
            std::memcpy(&x[static_cast<size_t>(ids[j]) * ivf.d], codes.get() + j * ivf.code_size,
                        ivf.code_size);
    }
    return x;
}

} // namespace

void Segment::search_exact_index(const SearchArgs &args, uint32_t kk, float *d,
                                 faiss::Index::idx_t *l) const
{
    // Probing every list of an IVF_FLAT index compares every stored vector
    // exactly. A batch is worth a temporary flat copy, which lets BLAS do
    // the work (measured: 1000 queries on 200k x 128 in 0.9 s instead of 12 s).
    // HNSW keeps its vectors in a flat storage index.
    if (auto ivf = dynamic_cast<const faiss::IndexIVF *>(index_.get())) {
        if (args.nq >= 20) {
            std::vector<float> x = gather_ivf_flat(*ivf);
            if (metric_ == VMON_METRIC_L2)
                faiss::knn_L2sqr(args.queries, x.data(), dim_, args.nq, ids_.size(), kk, d, l);
            else
                faiss::knn_inner_product(args.queries, x.data(), dim_, args.nq, ids_.size(), kk, d,
                                         l);
            return;
        }
        faiss::SearchParametersIVF p;
        p.nprobe = ivf->nlist;
        ivf->search(args.nq, args.queries, kk, d, l, &p);
        return;
    }
    auto hnsw = dynamic_cast<const faiss::IndexHNSW *>(index_.get());
    auto flat = hnsw ? dynamic_cast<const faiss::IndexFlat *>(hnsw->storage) : nullptr;
    if (!flat)
        throw std::logic_error("raw vectors released without an exact stand-in");
    flat->search(args.nq, args.queries, kk, d, l);
}

void Segment::search_flat(const SearchArgs &args, uint32_t kk, float *d,
                          faiss::Index::idx_t *l) const
{
    if (raw_released_)
        search_exact_index(args, kk, d, l);
    else if (metric_ == VMON_METRIC_L2)
        faiss::knn_L2sqr(args.queries, vecs_.data(), dim_, args.nq, ids_.size(), kk, d, l);
    else
        faiss::knn_inner_product(args.queries, vecs_.data(), dim_, args.nq, ids_.size(), kk, d, l);
}

bool Segment::has_live_rows() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ids_.size() > n_deleted_;
}

bool Segment::search_alone(const SearchArgs &args, int64_t *ids, float *dist, float none) const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!index_ || args.exact || n_deleted_ > 0)
        return false;
    static_assert(sizeof(int64_t) == sizeof(faiss::Index::idx_t), "ids are FAISS labels");
    search_index(args, args.k, dist, reinterpret_cast<faiss::Index::idx_t *>(ids));
    // FAISS labels are row offsets here; a short list leaves -1.
    uint64_t n = ids_.size();
    for (size_t i = 0; i < size_t(args.nq) * args.k; i++) {
        bool found = ids[i] >= 0 && static_cast<uint64_t>(ids[i]) < n;
        dist[i] = found ? dist[i] : none;
        ids[i] = found ? ids_[static_cast<size_t>(ids[i])] : -1;
    }
    return true;
}

void Segment::search(const SearchArgs &args, HitLists &out) const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    uint64_t n = ids_.size();
    if (n == n_deleted_)
        return;
    // Deleted rows stay in the index; ask for enough extra to drop them.
    uint32_t kk = static_cast<uint32_t>(std::min<uint64_t>(n, args.k + n_deleted_));
    std::vector<float> d(static_cast<size_t>(args.nq) * kk);
    std::vector<faiss::Index::idx_t> l(d.size());
    if (index_ && !args.exact)
        search_index(args, kk, d.data(), l.data());
    else
        search_flat(args, kk, d.data(), l.data());
    for (uint32_t q = 0; q < args.nq; q++) {
        uint32_t kept = 0;
        for (uint32_t j = 0; j < kk && kept < args.k; j++) {
            faiss::Index::idx_t off = l[static_cast<size_t>(q) * kk + j];
            if (off < 0 || static_cast<uint64_t>(off) >= n || deleted_[off])
                continue;
            out[q].push_back(Hit{d[static_cast<size_t>(q) * kk + j], ids_[off]});
            kept++;
        }
    }
}

} // namespace emb
