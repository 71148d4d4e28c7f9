// What every collection of one engine instance shares: limits, defaults,
// the build pool, the persistence folder and the logger.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "error.hpp"

namespace emb
{

class BuildPool;

struct Env {
    uint64_t segment_rows = 0;
    uint64_t index_min_rows = 0;
    uint64_t memory_limit = 0; // 0: unlimited
    uint32_t default_nprobe = 16;
    uint32_t default_ef = 64;
    uint32_t threads = 1;
    std::string data_dir; // empty: memory only
    BuildPool *pool = nullptr;
    std::atomic<uint64_t> memory_used{0};
    std::atomic<uint64_t> load_errors{0};
    std::function<void(int, const std::string &)> log_fn;

    void log(int level, const std::string &msg) const
    {
        if (log_fn)
            log_fn(level, msg);
    }

    /** Account `bytes` more, or throw VMON_ENOMEM naming the limit. */
    void reserve(uint64_t bytes, const std::string &what);
    void release(uint64_t bytes)
    {
        memory_used.fetch_sub(bytes);
    }
};

} // namespace emb
