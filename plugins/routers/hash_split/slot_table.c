#include "slot_table.h"

#include <math.h>

/* splitmix64's finaliser: a cheap, well-mixed key per (slot, arm). */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* -ln(u) for u uniform in (0, 1]: an exponential draw, the rendezvous score. */
static double exp_draw(uint64_t key)
{
    double u = (double)((key >> 11) + 1) * 0x1.0p-53;
    return -log(u);
}

void vmon_slot_table_build(uint8_t *arms, const double *weights, uint32_t n, uint64_t salt)
{
    for (uint32_t s = 0; s < VMON_SLOT_COUNT; s++) {
        uint32_t best = 0;
        double best_score = INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            if (!(weights[i] > 0))
                continue;
            double score = exp_draw(mix64(salt ^ mix64(((uint64_t)s << 8) | i))) / weights[i];
            if (score < best_score) {
                best_score = score;
                best = i;
            }
        }
        arms[s] = (uint8_t)best;
    }
}
