// A bounded pool of index-build threads. Builds are queued per segment; stop
// cancels the running ones (they check between chunks) and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "segment.hpp"

namespace emb
{

class BuildPool
{
  public:
    using Job = std::function<void()>;

    /** `workers` threads, each letting FAISS use `omp_threads` threads. */
    BuildPool(unsigned workers, unsigned omp_threads);
    ~BuildPool();

    /** Queue `job`, which builds `seg`'s index; stop() cancels it via seg->cancel. */
    void submit(const SegmentPtr &seg, Job job);
    /** Cancel queued and running builds, join the workers. Idempotent. */
    void stop();

    unsigned queued() const;
    unsigned running() const;

  private:
    struct Item {
        SegmentPtr seg;
        Job job;
    };
    void work();

    const unsigned omp_threads_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Item> queue_;
    std::vector<SegmentPtr> running_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

} // namespace emb
