/*
 * The webhook's HMAC-SHA256 against the RFC 4231 test vectors (section 4,
 * all seven cases; case 5 compares the 128 bits the RFC gives), the message
 * split into parts, and the `v1=` signature of `TIMESTAMP.BODY`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "webhook_sign.h"

#include <stdio.h>
#include <string.h>

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

typedef struct rfc4231_case {
    size_t key_len;
    const char *key_text;
    size_t data_len;
    const char *data;
    const char *mac_hex;     /* case 5: the first 128 bits */
    unsigned char key_byte;  /* 0: the key is `key_text` or case 4's 0x01..0x19 */
    unsigned char data_byte; /* 0: the data is `data` */
} rfc4231_case;

static const rfc4231_case cases[] = {
    {20, NULL, 0, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     0x0b, 0},
    {4, "Jefe", 0, "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 0, 0},
    {20, NULL, 50, NULL, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 0xaa,
     0xdd},
    {25, NULL, 50, NULL, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 0,
     0xcd},
    {20, NULL, 0, "Test With Truncation", "a3b6167473100ee06e0c796c2955552b", 0x0c, 0},
    {131, NULL, 0, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 0xaa, 0},
    {131, NULL, 0,
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 0xaa, 0},
};

static void test_rfc4231_vectors(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const rfc4231_case *tc = &cases[c];
        unsigned char key[131];
        unsigned char data[160];
        for (size_t i = 0; i < tc->key_len; i++)
            key[i] = tc->key_text   ? (unsigned char)tc->key_text[i]
                     : tc->key_byte ? tc->key_byte
                                    : (unsigned char)(i + 1);
        size_t data_len = tc->data ? strlen(tc->data) : tc->data_len;
        if (tc->data)
            memcpy(data, tc->data, data_len);
        else
            memset(data, tc->data_byte, data_len);
        unsigned char mac[WH_HMAC_SHA256_LEN];
        wh_mac_part whole = {data, data_len};
        assert_int_equal(wh_hmac_sha256(key, tc->key_len, &whole, 1, mac), 0);
        char hex[2 * WH_HMAC_SHA256_LEN + 1];
        to_hex(mac, sizeof mac, hex);
        if (strncmp(hex, tc->mac_hex, strlen(tc->mac_hex)) != 0)
            fail_msg("RFC 4231 test case %zu: got %s want %s", c + 1, hex, tc->mac_hex);
        /* The same message in three pieces (one empty) gives the same MAC. */
        wh_mac_part split[] = {{data, 3}, {data + 3, 0}, {data + 3, data_len - 3}};
        unsigned char mac2[WH_HMAC_SHA256_LEN];
        assert_int_equal(wh_hmac_sha256(key, tc->key_len, split, 3, mac2), 0);
        assert_memory_equal(mac, mac2, sizeof mac);
    }
}

/* printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec-test */
static void test_sign_v1_timestamp_dot_body(void **state)
{
    (void)state;
    const char *secret = "whsec-test";
    const char *body = "{\"a\":1}";
    char sig[WH_SIG_VALUE_MAX];
    assert_int_equal(wh_sign_v1(secret, strlen(secret), "1700000000", body, strlen(body), sig), 0);
    assert_string_equal(sig, "v1=fed7a1a6c799a6367d73724d76bc70c16678908a32a879cd1ded6565ac05cece");
    /* Another timestamp, another byte of body or another secret: another signature. */
    char other[WH_SIG_VALUE_MAX];
    assert_int_equal(wh_sign_v1(secret, strlen(secret), "1700000001", body, strlen(body), other),
                     0);
    assert_string_not_equal(sig, other);
    assert_int_equal(wh_sign_v1(secret, strlen(secret), "1700000000", "{\"a\":2}", 7, other), 0);
    assert_string_not_equal(sig, other);
    assert_int_equal(wh_sign_v1("whsec-tesT", 10, "1700000000", body, strlen(body), other), 0);
    assert_string_not_equal(sig, other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231_vectors),
        cmocka_unit_test(test_sign_v1_timestamp_dot_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
