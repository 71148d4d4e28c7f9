// Reproducible clustered vectors. Every row is a pure function of
// (profile, seed, row index), so a preload, a test and the bench regenerate
// exactly the same data in any chunking.
#include <cmath>
#include <cstdint>
#include <vector>

#include "emb_api.h"

namespace
{

const uint64_t QUERY_STREAM = 0x9e3779b97f4a7c15ull;
const uint64_t SPREAD_STREAM = 0x5851f42d4c957f2dull;

// The hard profile's shape (docs/embedded.md: how these were chosen).
const uint32_t HARD_CLUSTERS = 1000;
const double HARD_SPREAD = 1.0;
// Log-normal sigma of the per-cluster spread: some clusters tight, some
// loose, so the neighbourhood size differs from query to query.
const double HARD_SPREAD_SIGMA = 0.35;

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

// Per-cluster spreads: the easy profile's are all `spread`.
std::vector<double> spreads(uint32_t profile, uint64_t seed, uint32_t clusters, double spread)
{
    std::vector<double> v(clusters, spread);
    if (profile != EMB_PROFILE_HARD)
        return v;
    for (uint32_t k = 0; k < clusters; k++) {
        uint64_t s = seed ^ SPREAD_STREAM ^ (uint64_t(k) * 0xd1342543de82ef95ull);
        v[k] = spread * std::exp(HARD_SPREAD_SIGMA * normal(s));
    }
    return v;
}

// Easy: clusters equally likely. Hard: cluster k = floor(C * u^2), so low
// numbers are popular (the first holds about 1/sqrt(C) of the rows) and
// the tail is thin: cluster sizes differ by two orders of magnitude.
uint32_t pick_cluster(uint32_t profile, uint32_t clusters, uint64_t &s)
{
    if (profile != EMB_PROFILE_HARD)
        return static_cast<uint32_t>(splitmix(s) % clusters);
    double u = uniform(s);
    uint32_t k = static_cast<uint32_t>(u * u * clusters);
    return k < clusters ? k : clusters - 1;
}

void generate(uint32_t profile, uint64_t seed, uint32_t dim, uint32_t clusters, double spread,
              int queries, uint64_t first, uint64_t n, float *out)
{
    std::vector<float> c = centers(seed, dim, clusters);
    std::vector<double> sd = spreads(profile, seed, clusters, spread);
    uint64_t stream = seed ^ (queries ? QUERY_STREAM : 0);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t s = stream ^ ((first + i) * 0xd6e8feb86659fd93ull);
        splitmix(s);
        uint32_t k = pick_cluster(profile, clusters, s);
        float *row = out + i * dim;
        for (uint32_t j = 0; j < dim; j++)
            row[j] = c[size_t(k) * dim + j] + static_cast<float>(sd[k] * normal(s));
    }
}

} // namespace

extern "C" void emb_profile_shape(uint32_t profile, uint32_t *clusters, double *spread)
{
    if (*clusters == 0)
        *clusters = profile == EMB_PROFILE_HARD ? HARD_CLUSTERS : 100;
    if (*spread == 0)
        *spread = profile == EMB_PROFILE_HARD ? HARD_SPREAD : 0.5;
}

extern "C" void emb_generate_profile(uint32_t profile, uint64_t seed, uint32_t dim,
                                     uint32_t clusters, double spread, int queries, uint64_t first,
                                     uint64_t n, float *out)
{
    emb_profile_shape(profile, &clusters, &spread);
    generate(profile, seed, dim, clusters, spread, queries, first, n, out);
}

extern "C" void emb_generate(uint64_t seed, uint32_t dim, uint32_t clusters, double spread,
                             int queries, uint64_t first, uint64_t n, float *out)
{
    // The easy profile as given: spread 0 keeps meaning "no noise" here.
    generate(EMB_PROFILE_EASY, seed, dim, clusters ? clusters : 1, spread, queries, first, n, out);
}
