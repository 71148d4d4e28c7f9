/*
 * A webhook receiver for tests (common/http_server on 127.0.0.1, port 0):
 * answers with a configurable status, fails a share of requests with 503,
 * can send Retry-After or hang, checks signatures, and records every request.
 */
#ifndef VMON_TEST_HOOK_RECEIVER_H
#define VMON_TEST_HOOK_RECEIVER_H

#include <stddef.h>

typedef struct hook_receiver hook_receiver;

typedef struct hook_behaviour {
    int status;        /* answer this (default 200) */
    const char *body;  /* response body (default "ok") */
    int retry_after_s; /* > 0: send Retry-After with that many seconds */
    int hang_ms;       /* > 0: wait this long before answering */
    int fail_percent;  /* this share of requests (pseudo-random, seeded) gets 503 */
    unsigned seed;
    /* Set: verify each request as a receiver should (docs/sinks.md, Verifying
     * signatures) and answer 401 to a missing, stale or wrong signature. */
    const char *secret;
    const char *sig_header; /* NULL: X-Vmon-Signature */
} hook_behaviour;

typedef struct hook_request {
    int status;  /* what the receiver answered */
    char *key;   /* Idempotency-Key as received ("" if none) */
    char *auth;  /* Authorization as received ("" if none) */
    char *extra; /* X-Test header as received ("" if none) */
    char *content_type;
    char *path;
    char *body;
    char *timestamp; /* X-Vmon-Timestamp as received ("" if none) */
    char *signature; /* the signature header as received ("" if none) */
    int sig_ok;      /* the signature verified (only checked with a secret set) */
} hook_request;

hook_receiver *hook_start(void);
/** Same on a given port (0: any free one); NULL if it cannot bind. */
hook_receiver *hook_start_port(int port);
int hook_port(const hook_receiver *r);
void hook_set(hook_receiver *r, const hook_behaviour *b);
/** Requests received so far (all statuses). */
size_t hook_count(hook_receiver *r);
/** Copy of request i (free with hook_request_free). */
int hook_get(hook_receiver *r, size_t i, hook_request *out);
void hook_request_free(hook_request *q);
/** Distinct Idempotency-Keys of requests answered 2xx, and requests answered 2xx. */
size_t hook_unique_ok(hook_receiver *r, size_t *ok_requests);
void hook_stop(hook_receiver *r);

#endif
