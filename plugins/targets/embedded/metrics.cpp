#include "metrics.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace emb
{

int64_t monotonic_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

LatencyWindow::LatencyWindow(size_t capacity) : ring_(capacity) {}

void LatencyWindow::add(double ms)
{
    size_t b = 0;
    while (b < LATENCY_BOUNDS_MS.size() && ms > LATENCY_BOUNDS_MS[b])
        b++;
    std::lock_guard<std::mutex> lock(mu_);
    ring_[next_] = ms;
    next_ = (next_ + 1) % ring_.size();
    filled_ = std::min(filled_ + 1, ring_.size());
    buckets_[b]++;
    sum_ += ms;
    count_++;
}

std::vector<double> LatencyWindow::percentiles(const std::vector<double> &qs) const
{
    std::vector<double> v;
    {
        std::lock_guard<std::mutex> lock(mu_);
        v.assign(ring_.begin(), ring_.begin() + static_cast<long>(filled_));
    }
    std::vector<double> out;
    for (double q : qs) {
        if (v.empty()) {
            out.push_back(NAN);
            continue;
        }
        size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
        i = i == 0 ? 0 : std::min(i - 1, v.size() - 1);
        std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
        out.push_back(v[i]);
    }
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
