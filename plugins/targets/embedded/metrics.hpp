// Per-collection counters and the search latency window behind the
// proxy/datanode/indexnode figures. Counters are atomics so the search path
// pays no lock for them; recording a latency takes one short lock (search
// threads are not numbered, and the window wants one writer per slot).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "latency_window.h"

namespace emb
{

/** Histogram upper bounds in ms (the last bucket is +Inf). */
constexpr std::array<double, 12> LATENCY_BOUNDS_MS = {0.25, 0.5, 1,   2,   5,   10,
                                                      20,   50,  100, 200, 500, 1000};

/** Search latencies: the last minute (common/latency_window) and cumulative buckets. */
class LatencyWindow
{
  public:
    explicit LatencyWindow(uint32_t window_ms = 60000, uint32_t slice_ms = 1000);
    ~LatencyWindow();
    LatencyWindow(const LatencyWindow &) = delete;
    LatencyWindow &operator=(const LatencyWindow &) = delete;
    void add(double ms);
    /** Percentiles (0..1) of the window, within VMON_LOGHIST_REL_ERROR; NaN when empty. */
    std::vector<double> percentiles(const std::vector<double> &qs) const;
    /** Cumulative bucket counts, the +Inf bucket last, and the sum of all samples. */
    void histogram(std::vector<uint64_t> &cumulative, double &sum, uint64_t &count) const;

  private:
    mutable std::mutex mu_; /* makes the adders one writer; readers need no lock */
    vmon_latency_window *window_;
    std::array<uint64_t, LATENCY_BOUNDS_MS.size() + 1> buckets_{};
    double sum_ = 0;
    uint64_t count_ = 0;
};

struct CollectionMetrics {
    std::atomic<uint64_t> search_requests{0};
    std::atomic<uint64_t> search_failures{0};
    std::atomic<uint64_t> search_queries{0};
    std::atomic<uint64_t> insert_requests{0};
    std::atomic<uint64_t> insert_failures{0};
    std::atomic<uint64_t> inserted_rows{0};
    std::atomic<uint64_t> delete_requests{0};
    std::atomic<uint64_t> deleted_rows{0};
    std::atomic<uint64_t> flushes{0};
    std::atomic<double> last_flush_ms{0};
    std::atomic<uint64_t> builds_done{0};
    std::atomic<uint64_t> builds_failed{0};
    std::atomic<double> last_build_ms{0};
    std::atomic<double> last_build_rows_per_s{0};
    LatencyWindow latency;

    /** Insert rows/s since the previous call (0 on the first). */
    double insert_rate(int64_t now_ns);

  private:
    std::mutex rate_mu_;
    int64_t rate_ns_ = 0;
    uint64_t rate_rows_ = 0;
};

int64_t monotonic_ns();

} // namespace emb
