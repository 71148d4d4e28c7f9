/*
 * Retry and backoff: what a deliver call's answer means for its batch
 * (delivered, retry after full-jitter backoff or Retry-After, or failed).
 */
#include "delivery_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
static int64_t backoff_ms(vmon_delivery *d, uint32_t attempt)
{
    double ceiling = (double)d->retry_base_ms;
    for (uint32_t i = 0; i < attempt && ceiling < (double)d->retry_cap_ms; i++)
        ceiling *= 2;
    if (ceiling > (double)d->retry_cap_ms)
        ceiling = (double)d->retry_cap_ms;
    return (int64_t)(ceiling * ((double)rand_r(&d->rand_state) / (double)RAND_MAX));
}

static int should_retry(const vmon_delivery *d, int rc, const vmon_delivery_result *res,
                        uint32_t attempts)
{
    return rc == VMON_RETRY && !res->disable &&
           (d->retry_limit < 0 || attempts <= (uint32_t)d->retry_limit);
}

/* No lock needed: the settings are fixed and rand_state is the delivery thread's. */
void delivery_judge(vmon_delivery *d, int rc, const batch *b, const vmon_delivery_result *res,
                    outcome *o)
{
    memset(o, 0, sizeof *o);
    if (rc == VMON_OK) {
        o->verdict = OUT_DELIVERED;
        return;
    }
    if (should_retry(d, rc, res, b->attempts + 1)) {
        o->verdict = OUT_RETRY;
        o->wait_ms = backoff_ms(d, b->attempts);
        if (res->retry_after_ms > o->wait_ms)
            o->wait_ms =
                res->retry_after_ms > d->retry_cap_ms ? d->retry_cap_ms : res->retry_after_ms;
        snprintf(o->reason, sizeof o->reason, "%s", res->detail[0] ? res->detail : "retry later");
        return;
    }
    o->verdict = OUT_FAILED;
    o->disable = res->disable != 0;
    snprintf(o->reason, sizeof o->reason, "%s%s",
             rc == VMON_RETRY && !res->disable ? "retry limit reached: " : "",
             res->detail[0] ? res->detail : "permanent failure");
}
