/*
 * A Milvus-shaped HTTP server for tests. It imitates Milvus (REST v2 on the
 * proxy port, /healthz, /metrics and the legacy /api/v1 routes on 9091)
 * because Milvus itself cannot run in CI. It knows nothing of Milvus: every
 * answer is a file in a folder the test fills, read at each request, so a
 * test changes the server's state by writing files. One server can stand
 * for both ports (the target's `uri` and `metrics_uri` may name it twice).
 *
 * The folder, for a request to /a/b/c:
 *   a/b/c@NAME      the body when the JSON request has "collectionName": "NAME"
 *   a/b/c           the body otherwise (no file: HTTP 404 "404 page not found",
 *                   as Milvus's router answers unknown routes)
 *   a/b/c.status    the HTTP status (default 200): 401, 403, 408, 500 ...
 *   _delay_ms       every answer waits this long (slow responses)
 *   _hang           while this file exists, requests are accepted and never
 *                   answered (the handler waits, up to a minute)
 * and the server appends one line per request to requests.log:
 *   METHOD PATH auth=<Authorization header or -> body=<body on one line>
 * Bodies go out as written: a test writes truncated or malformed JSON, ids
 * as strings, the 2.4 (`"code":0`) or 2.3 (`"code":200`) envelopes.
 */
#ifndef VMON_TEST_MOCK_MILVUS_H
#define VMON_TEST_MOCK_MILVUS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mock_milvus mock_milvus;

/** Serve `dir` on 127.0.0.1:`port` (0: any free port), or NULL with the reason in err. */
mock_milvus *mock_milvus_start(const char *dir, uint16_t port, char *err, size_t errlen);
uint16_t mock_milvus_port(const mock_milvus *m);
/** Requests answered or hanging so far. */
uint64_t mock_milvus_requests(const mock_milvus *m);
void mock_milvus_stop(mock_milvus *m);

#endif
