#include "metrics.hpp"

#include <cmath>
#include <ctime>
#include <memory>
#include <new>

namespace emb
{

int64_t monotonic_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

LatencyWindow::LatencyWindow(uint32_t window_ms, uint32_t slice_ms)
    : window_(vmon_latency_window_new(window_ms, slice_ms, 1))
{
    if (!window_)
        throw std::bad_alloc();
}

LatencyWindow::~LatencyWindow()
{
    vmon_latency_window_free(window_);
}

void LatencyWindow::add(double ms)
{
    size_t b = 0;
    while (b < LATENCY_BOUNDS_MS.size() && ms > LATENCY_BOUNDS_MS[b])
        b++;
    uint64_t ns = ms > 0 ? static_cast<uint64_t>(std::llround(ms * 1e6)) : 0;
    uint64_t now = static_cast<uint64_t>(monotonic_ns());
    std::lock_guard<std::mutex> lock(mu_);
    vmon_latency_window_record(window_, 0, now, ns, true);
    buckets_[b]++;
    sum_ += ms;
    count_++;
}

std::vector<double> LatencyWindow::percentiles(const std::vector<double> &qs) const
{
    auto merged = std::make_unique<vmon_loghist>(); // 18 KiB: not on the stack
    vmon_latency_window_merged(window_, static_cast<uint64_t>(monotonic_ns()), merged.get());
    std::vector<double> out;
    out.reserve(qs.size());
    for (double q : qs)
        out.push_back(vmon_loghist_count(merged.get())
                          ? static_cast<double>(vmon_loghist_quantile_ns(merged.get(), q)) / 1e6
                          : NAN);
    return out;
}

void LatencyWindow::histogram(std::vector<uint64_t> &cumulative, double &sum, uint64_t &count) const
{
    std::lock_guard<std::mutex> lock(mu_);
    cumulative.clear();
    uint64_t acc = 0;
    for (uint64_t b : buckets_) {
        acc += b;
        cumulative.push_back(acc);
    }
    sum = sum_;
    count = count_;
}

double CollectionMetrics::insert_rate(int64_t now_ns)
{
    std::lock_guard<std::mutex> lock(rate_mu_);
    uint64_t rows = inserted_rows.load();
    double rate = 0;
    if (rate_ns_ != 0 && now_ns > rate_ns_)
        rate =
            static_cast<double>(rows - rate_rows_) * 1e9 / static_cast<double>(now_ns - rate_ns_);
    rate_ns_ = now_ns;
    rate_rows_ = rows;
    return rate;
}

} // namespace emb
