/*
 * Webhook payload signing, the scheme Slack and Stripe use: the receiver
 * gets `X-Vmon-Timestamp: T` (Unix seconds) and `X-Vmon-Signature: v1=HEX`,
 * HEX being the lowercase HMAC-SHA256, keyed with the shared secret, of the
 * bytes `T` `.` `BODY`. HMAC and SHA-256 come from OpenSSL's libcrypto.
 */
#ifndef VMON_WEBHOOK_SIGN_H
#define VMON_WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define WH_HMAC_SHA256_LEN  32
#define WH_SIG_VALUE_MAX    (3 + 2 * WH_HMAC_SHA256_LEN + 1) /* "v1=" + hex + NUL */
#define WH_SIG_DEFAULT_NAME "X-Vmon-Signature"
#define WH_SIG_TS_NAME      "X-Vmon-Timestamp"

/** One piece of the message; the MAC covers the pieces in order, as if joined. */
typedef struct wh_mac_part {
    const void *data;
    size_t len;
} wh_mac_part;

/** HMAC-SHA256 of the parts under `key`. Returns 0, or -1 when libcrypto fails. */
int wh_hmac_sha256(const void *key, size_t key_len, const wh_mac_part *parts, size_t n_parts,
                   unsigned char out[WH_HMAC_SHA256_LEN]);

/**
 * `v1=HEX` for the message `TIMESTAMP.BODY`: `ts` is the decimal text sent in
 * X-Vmon-Timestamp, `body` the exact bytes sent. `out` holds WH_SIG_VALUE_MAX.
 * Returns 0, or -1 (libcrypto failed; `out` is then "").
 */
int wh_sign_v1(const void *secret, size_t secret_len, const char *ts, const void *body,
               size_t body_len, char out[WH_SIG_VALUE_MAX]);

#endif
