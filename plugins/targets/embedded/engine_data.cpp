// Where an engine's rows come from at start: collections saved under
// data_dir, then the preload (generated or .fvecs); and the queries it
// hands out.
#include "engine.hpp"

#include <algorithm>
#include <cstdlib>
#include <unistd.h>

#include "persist.hpp"

namespace emb
{

void Engine::load_all()
{
    for (const std::string &dir : list_collection_dirs(env.data_dir)) {
        try {
            load_collection(dir);
        } catch (const std::exception &e) {
            env.load_errors++;
            env.log(VMON_LOG_ERROR, format("%s; collection skipped", e.what()));
        }
    }
}

void Engine::load_collection(const std::string &dir)
{
    std::string name;
    IndexSpec spec;
    load_meta(dir, name, spec);
    if (!valid_collection_name(name) || collection_dir(env.data_dir, name) != dir)
        fail(VMON_ERROR, "%s: names collection '%s', not its folder", dir.c_str(), name.c_str());
    CollectionPtr c = add(name, spec, false);
    for (int64_t id : list_segments(dir)) {
        std::string path = segment_path(dir, id);
        SegmentPtr seg;
        try {
            seg = load_segment(path, id, spec);
        } catch (const std::exception &e) {
            env.load_errors++;
            env.log(VMON_LOG_ERROR, format("%s; segment skipped", e.what()));
            continue;
        }
        std::string dpath = deletes_path(dir, id);
        if (::access(dpath.c_str(), F_OK) == 0) {
            try {
                seg->apply_deleted(load_deletes(dpath, seg->rows()));
            } catch (const std::exception &e) {
                env.load_errors++;
                env.log(VMON_LOG_ERROR,
                        format("%s; rows deleted after the segment was sealed are back", e.what()));
            }
        }
        c->adopt(seg);
    }
    env.log(VMON_LOG_INFO, format("collection %s: loaded %llu rows from %s", name.c_str(),
                                  (unsigned long long)c->live_rows(), dir.c_str()));
}

void Engine::preload(Collection &c)
{
    const uint64_t chunk = 8192;
    std::vector<float> buf(chunk * cfg_.dim);
    for (uint64_t first = 0; first < cfg_.rows; first += chunk) {
        uint64_t n = std::min(chunk, cfg_.rows - first);
        emb_generate_profile(cfg_.profile, cfg_.seed, cfg_.dim, cfg_.clusters, cfg_.spread, 0,
                             first, n, buf.data());
        c.insert(buf.data(), n, cfg_.dim, nullptr, nullptr);
    }
    c.flush();
}

void Engine::preload_files(Collection &c)
{
    uint32_t dim = 0;
    uint64_t rows = 0;
    void *x = nullptr;
    char err[512];
    if (emb_read_vecs(base_file_.c_str(), 0, cfg_.rows, &dim, &rows, &x, err, sizeof err) != 0)
        fail(VMON_EINVAL, "%s", err);
    std::unique_ptr<float, decltype(&std::free)> hold(static_cast<float *>(x), &std::free);
    if (dim != cfg_.dim)
        fail(VMON_EINVAL, "%s: dimension %u, option dim is %u", base_file_.c_str(), dim, cfg_.dim);
    const uint64_t chunk = 8192;
    for (uint64_t first = 0; first < rows; first += chunk)
        c.insert(hold.get() + first * dim, std::min(chunk, rows - first), dim, nullptr, nullptr);
    c.flush();
}

void Engine::sample_queries(const char *name, uint32_t n, uint64_t seed, uint32_t dim, float *out)
{
    CollectionPtr c = get(name);
    if (dim != c->spec().dim)
        fail(VMON_EINVAL, "collection %s: query dimension %u, collection has %u", c->name().c_str(),
             dim, c->spec().dim);
    if (!out || n == 0)
        fail(VMON_EINVAL, "collection %s: sample_queries needs an output", c->name().c_str());
    if (!file_queries_.empty() && file_query_dim_ == dim) {
        uint64_t have = file_queries_.size() / dim;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t row = (seed + i) % have;
            std::copy_n(file_queries_.begin() + static_cast<long>(row * dim), dim,
                        out + uint64_t(i) * dim);
        }
        return;
    }
    emb_generate_profile(cfg_.profile, cfg_.seed, dim, cfg_.clusters, cfg_.spread, 1, seed << 32, n,
                         out);
}

} // namespace emb
