#include "engine.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

#include "persist.hpp"
#include "threads.hpp"

namespace emb
{

namespace
{

std::string str(const char *s)
{
    return s ? std::string(s) : std::string();
}

} // namespace

bool valid_collection_name(const std::string &n)
{
    if (n.empty() || n.size() > 64 || !(std::isalpha((unsigned char)n[0]) || n[0] == '_'))
        return false;
    return std::all_of(n.begin(), n.end(),
                       [](char c) { return std::isalnum((unsigned char)c) || c == '_'; });
}

Engine::Engine(const emb_config &cfg)
    : cfg_(cfg), collection_(str(cfg.collection)), base_file_(str(cfg.base_file)),
      query_file_(str(cfg.query_file)), log_arg_(cfg.log_arg, [f = cfg.log_free](void *p) {
          if (f)
              f(p);
      })
{
    cfg_.collection = nullptr;
    cfg_.base_file = cfg_.query_file = cfg_.data_dir = nullptr;
    if (cfg_.dim == 0 || cfg_.threads == 0 || cfg_.segment_rows == 0)
        fail(VMON_EINVAL, "dim, threads and segment_rows must be at least 1");
    if (!valid_collection_name(collection_))
        fail(VMON_EINVAL, "collection name '%s' is not [A-Za-z_][A-Za-z0-9_]*",
             collection_.c_str());
    if (cfg_.index_type > EMB_INDEX_HNSW || cfg_.metric > VMON_METRIC_COSINE)
        fail(VMON_EINVAL, "unknown index type or metric");
    if (cfg_.data_source == EMB_DATA_FILES && base_file_.empty())
        fail(VMON_EINVAL, "data = files needs base_file");
    env.segment_rows = cfg_.segment_rows;
    env.index_min_rows = cfg_.index_min_rows;
    env.memory_limit = cfg_.memory_limit;
    env.default_nprobe = std::max(1u, cfg_.nprobe);
    env.default_ef = std::max(1u, cfg_.ef);
    env.threads = cfg_.threads;
    env.data_dir = str(cfg.data_dir);
    emb_log_fn log = cfg.log;
    void *log_arg = cfg.log_arg;
    env.log_fn = [log, log_arg](int level, const std::string &m) {
        if (log)
            log(log_arg, level, m.c_str());
    };
}

Engine::~Engine()
{
    stop();
}

IndexSpec Engine::default_spec() const
{
    IndexSpec s;
    s.type = cfg_.index_type;
    s.metric = cfg_.metric;
    s.dim = cfg_.dim;
    s.m = cfg_.hnsw_m;
    s.ef_construction = cfg_.ef_construction;
    s.nlist = cfg_.nlist;
    if (s.nlist == 0) {
        uint64_t n = cfg_.rows ? std::min(cfg_.rows, cfg_.segment_rows) : cfg_.segment_rows;
        s.nlist = std::max<uint32_t>(1, static_cast<uint32_t>(2 * std::sqrt(double(n))));
    }
    return s;
}

void Engine::start()
{
    // Builds get most of the budget but never less than one thread each;
    // searches run on the callers' threads with the whole budget.
    unsigned workers = std::max(1u, cfg_.threads / 4);
    pool_ = std::make_unique<BuildPool>(workers, std::max(1u, cfg_.threads / workers));
    env.pool = pool_.get();
    set_blas_threads(cfg_.threads);
    set_thread_budget(cfg_.threads);
    if (!env.data_dir.empty())
        load_all();
    if (!query_file_.empty()) {
        uint64_t rows = 0;
        void *q = nullptr;
        char err[512];
        if (emb_read_vecs(query_file_.c_str(), 0, 0, &file_query_dim_, &rows, &q, err,
                          sizeof err) != 0)
            fail(VMON_EINVAL, "%s", err);
        file_queries_.assign(static_cast<float *>(q),
                             static_cast<float *>(q) + rows * file_query_dim_);
        std::free(q);
    }
    std::unique_lock<std::shared_mutex> lock(mu_);
    bool loaded = cols_.count(collection_) > 0;
    lock.unlock();
    if (!loaded) {
        CollectionPtr c = add(collection_, default_spec(), true);
        if (cfg_.data_source == EMB_DATA_FILES)
            preload_files(*c);
        else if (cfg_.rows)
            preload(*c);
    }
    started_ = true;
}

void Engine::stop()
{
    if (!pool_ || stopped_.exchange(true))
        return;
    pool_->stop();
    for (auto &n : names()) {
        try {
            get(n.c_str())->persist_rest();
        } catch (const std::exception &e) {
            env.log(VMON_LOG_ERROR, e.what());
        }
    }
}

void Engine::check_serving() const
{
    if (!started_)
        fail(VMON_RETRY, "embedded engine not started yet");
    if (stopped_)
        fail(VMON_ERROR, "embedded engine stopped");
}

CollectionPtr Engine::add(const std::string &name, const IndexSpec &spec, bool save)
{
    auto c = std::make_shared<Collection>(name, spec, env);
    if (save)
        c->save_meta();
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (!cols_.emplace(name, c).second)
        fail(VMON_EINVAL, "collection %s already exists", name.c_str());
    return c;
}

CollectionPtr Engine::get(const char *name) const
{
    std::string n = name ? std::string(name) : collection_;
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = cols_.find(n);
    if (it == cols_.end())
        fail(VMON_EINVAL, "collection %s does not exist", n.c_str());
    return it->second;
}

void Engine::create(const vmon_collection_spec &s)
{
    if (s.struct_size < offsetof(vmon_collection_spec, index_type) + sizeof(s.index_type))
        fail(VMON_EINVAL, "collection spec struct_size %u too small", s.struct_size);
    std::string name = str(s.name);
    if (!valid_collection_name(name))
        fail(VMON_EINVAL, "collection name '%s' is not [A-Za-z_][A-Za-z0-9_]*", name.c_str());
    if (s.dim == 0 || s.dim > 32768)
        fail(VMON_EINVAL, "collection %s: dimension %u outside 1..32768", name.c_str(), s.dim);
    if (s.metric > VMON_METRIC_COSINE)
        fail(VMON_EINVAL, "collection %s: unknown metric %u", name.c_str(), s.metric);
    IndexSpec spec = default_spec();
    if (s.index_type) {
        int t = emb_index_type_parse(s.index_type);
        if (t < 0)
            fail(VMON_EINVAL,
                 "collection %s: unknown index type '%s' (FLAT, IVF_FLAT, IVF_SQ8, HNSW)",
                 name.c_str(), s.index_type);
        spec.type = static_cast<uint32_t>(t);
    }
    spec.dim = s.dim;
    spec.metric = s.metric;
    spec.nlist = s.nlist ? s.nlist : spec.nlist;
    spec.m = s.m ? s.m : spec.m;
    spec.ef_construction = s.ef_construction ? s.ef_construction : spec.ef_construction;
    add(name, spec, true);
}

void Engine::drop(const char *name)
{
    CollectionPtr c = get(name);
    {
        std::unique_lock<std::shared_mutex> lock(mu_);
        cols_.erase(c->name());
    }
    c->cancel_builds();
    c->release_memory();
    if (!env.data_dir.empty())
        remove_collection_dir(c->dir());
}

std::vector<std::string> Engine::names() const
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    std::vector<std::string> v;
    for (auto &kv : cols_)
        v.push_back(kv.first);
    return v;
}

} // namespace emb
