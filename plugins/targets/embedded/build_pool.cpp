#include "build_pool.hpp"

#include <algorithm>

#include "threads.hpp"

namespace emb
{

BuildPool::BuildPool(unsigned workers, unsigned omp_threads) : omp_threads_(omp_threads)
{
    for (unsigned i = 0; i < workers; i++)
        threads_.emplace_back([this] { work(); });
}

BuildPool::~BuildPool()
{
    stop();
}

void BuildPool::submit(const SegmentPtr &seg, Job job)
{
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_)
        return;
    queue_.push_back(Item{seg, std::move(job)});
    cv_.notify_one();
}

void BuildPool::stop()
{
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        for (auto &it : queue_)
            it.seg->cancel = true;
        queue_.clear();
        for (auto &s : running_)
            s->cancel = true;
        cv_.notify_all();
    }
    for (auto &t : threads_)
        if (t.joinable())
            t.join();
    threads_.clear();
}

unsigned BuildPool::queued() const
{
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<unsigned>(queue_.size());
}

unsigned BuildPool::running() const
{
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<unsigned>(running_.size());
}

void BuildPool::work()
{
    set_thread_budget(omp_threads_);
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_)
            return;
        Item it = std::move(queue_.front());
        queue_.pop_front();
        running_.push_back(it.seg);
        lock.unlock();
        it.job();
        lock.lock();
        running_.erase(std::find(running_.begin(), running_.end(), it.seg));
    }
}

} // namespace emb
