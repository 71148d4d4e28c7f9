/*
 * HMAC-SHA256 through libcrypto's EVP_MAC (OpenSSL 3), fed in pieces so the
 * timestamp and the body are never copied into one buffer.
 */
#include "webhook_sign.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string.h>

int wh_hmac_sha256(const void *key, size_t key_len, const wh_mac_part *parts, size_t n_parts,
                   unsigned char out[WH_HMAC_SHA256_LEN])
{
    static const unsigned char no_key = 0; /* EVP_MAC_init takes NULL as "keep the old key" */
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    int ok = ctx && EVP_MAC_init(ctx, key ? key : &no_key, key_len, params) == 1;
    for (size_t i = 0; ok && i < n_parts; i++)
        ok = parts[i].len == 0 || EVP_MAC_update(ctx, parts[i].data, parts[i].len) == 1;
    size_t out_len = 0;
    ok = ok && EVP_MAC_final(ctx, out, &out_len, WH_HMAC_SHA256_LEN) == 1 &&
         out_len == WH_HMAC_SHA256_LEN;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

int wh_sign_v1(const void *secret, size_t secret_len, const char *ts, const void *body,
               size_t body_len, char out[WH_SIG_VALUE_MAX])
{
    static const char hex[] = "0123456789abcdef";
    const wh_mac_part parts[] = {{ts, strlen(ts)}, {".", 1}, {body, body_len}};
    unsigned char mac[WH_HMAC_SHA256_LEN];
    out[0] = '\0';
    if (wh_hmac_sha256(secret, secret_len, parts, 3, mac) != 0)
        return -1;
    memcpy(out, "v1=", 3);
    for (size_t i = 0; i < WH_HMAC_SHA256_LEN; i++) {
        out[3 + 2 * i] = hex[mac[i] >> 4];
        out[3 + 2 * i + 1] = hex[mac[i] & 15];
    }
    out[3 + 2 * WH_HMAC_SHA256_LEN] = '\0';
    return 0;
}
