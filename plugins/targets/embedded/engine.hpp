// One engine instance: its collections, the shared build pool and the
// lifecycle (load from data_dir and preload on start, persist on stop).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "build_pool.hpp"
#include "collection.hpp"
#include "emb_api.h"
#include "env.hpp"

namespace emb
{

/** `[A-Za-z_][A-Za-z0-9_]*`, at most 64 characters: safe as a folder name. */
bool valid_collection_name(const std::string &name);

class Engine
{
  public:
    explicit Engine(const emb_config &cfg);
    ~Engine();

    void start();
    void stop();
    /** Throws VMON_RETRY until started, VMON_ERROR once stopped. */
    void check_serving() const;

    /** NULL names the default collection; throws VMON_EINVAL when unknown. */
    CollectionPtr get(const char *name) const;
    void create(const vmon_collection_spec &spec);
    void drop(const char *name);
    std::vector<std::string> names() const;
    void sample_queries(const char *name, uint32_t n, uint64_t seed, uint32_t dim, float *out);
    int report(const char *component, vmon_emit_fn emit, void *arg);

    Env env;

  private:
    CollectionPtr add(const std::string &name, const IndexSpec &spec, bool save);
    IndexSpec default_spec() const;
    void load_all();
    void load_collection(const std::string &dir);
    void preload(Collection &c);
    void preload_files(Collection &c);

    emb_config cfg_;
    std::string collection_, base_file_, query_file_;
    std::unique_ptr<BuildPool> pool_;
    mutable std::shared_mutex mu_;
    std::map<std::string, CollectionPtr> cols_;
    std::vector<float> file_queries_;
    uint32_t file_query_dim_ = 0;
    std::atomic<bool> started_{false};
    std::atomic<bool> stopped_{false};
    std::shared_ptr<void> log_arg_;
};

} // namespace emb
