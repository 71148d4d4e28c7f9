// Exact top-k by batched brute force: FAISS's knn functions use BLAS for
// batches, so ground truth for thousands of queries stays cheap.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <unordered_set>

#include <faiss/utils/distances.h>

#include "emb_api.h"

extern "C" int emb_exact_topk(const float *base, uint64_t nb, const float *queries, uint64_t nq,
                              uint32_t dim, uint32_t metric, uint32_t k, int64_t *ids,
                              float *distances, char *err, size_t errlen)
{
    if (!base || !queries || !ids || !distances || dim == 0 || k == 0) {
        std::snprintf(err, errlen, "exact top-k: missing input");
        return VMON_EINVAL;
    }
    try {
        const uint64_t batch = 1024;
        for (uint64_t q = 0; q < nq; q += batch) {
            uint64_t m = std::min(batch, nq - q);
            if (metric == VMON_METRIC_L2)
                faiss::knn_L2sqr(queries + q * dim, base, dim, m, nb, k, distances + q * k,
                                 ids + q * k);
            else
                faiss::knn_inner_product(queries + q * dim, base, dim, m, nb, k, distances + q * k,
                                         ids + q * k);
        }
        return VMON_OK;
    } catch (const std::exception &e) {
        std::snprintf(err, errlen, "exact top-k: %s", e.what());
        return VMON_ERROR;
    }
}

extern "C" double emb_recall_at_k(const int64_t *found, const int64_t *truth, uint64_t nq,
                                  uint32_t k, uint32_t truth_stride)
{
    if (nq == 0 || k == 0)
        return 0;
    uint64_t hit = 0;
    for (uint64_t q = 0; q < nq; q++) {
        std::unordered_set<int64_t> t(truth + q * truth_stride, truth + q * truth_stride + k);
        for (uint32_t j = 0; j < k; j++)
            hit += found[q * k + j] >= 0 && t.count(found[q * k + j]);
    }
    return static_cast<double>(hit) / static_cast<double>(nq * k);
}
