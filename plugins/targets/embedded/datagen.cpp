// Reproducible clustered vectors. Every row is a pure function of
// (seed, row index), so a preload, a test and the bench regenerate exactly
// the same data in any chunking.
#include <cmath>
#include <cstdint>
#include <vector>

#include "emb_api.h"

namespace
{

const uint64_t QUERY_STREAM = 0x9e3779b97f4a7c15ull;

uint64_t splitmix(uint64_t &s)
{
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double uniform(uint64_t &s)
{
    return (static_cast<double>(splitmix(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

// Box-Muller, one value per call: simpler state, cost is irrelevant here.
double normal(uint64_t &s)
{
    double u1 = uniform(s), u2 = uniform(s);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::vector<float> centers(uint64_t seed, uint32_t dim, uint32_t clusters)
{
    std::vector<float> c(static_cast<size_t>(clusters) * dim);
    for (uint32_t k = 0; k < clusters; k++) {
        uint64_t s = seed ^ (0xc1u + uint64_t(k) * 0x632be59bd9b4e019ull);
        for (uint32_t j = 0; j < dim; j++)
            c[size_t(k) * dim + j] = static_cast<float>(normal(s));
    }
    return c;
}

} // namespace

extern "C" void emb_generate(uint64_t seed, uint32_t dim, uint32_t clusters, double spread,
                             int queries, uint64_t first, uint64_t n, float *out)
{
    if (clusters == 0)
        clusters = 1;
    std::vector<float> c = centers(seed, dim, clusters);
    uint64_t stream = seed ^ (queries ? QUERY_STREAM : 0);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t s = stream ^ ((first + i) * 0xd6e8feb86659fd93ull);
        splitmix(s);
        uint32_t k = static_cast<uint32_t>(splitmix(s) % clusters);
        float *row = out + i * dim;
        for (uint32_t j = 0; j < dim; j++)
            row[j] = c[size_t(k) * dim + j] + static_cast<float>(spread * normal(s));
    }
}
