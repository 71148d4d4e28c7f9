/* Alerts for sink tests: a fixed shape with a per-index key. */
#ifndef VMON_TEST_ALERTS_H
#define VMON_TEST_ALERTS_H

#include <vmon/alert.h>

#include <stdio.h>
#include <time.h>

typedef struct test_alert {
    vmon_alert a;
    vmon_label labels[3];
    char key[48];
    char inst[32];
} test_alert;

static inline int64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Alert number i: rule `rule`, labels alertname/instance/node-id. */
static inline void test_alert_init(test_alert *t, int i, const char *rule, uint32_t state)
{
    snprintf(t->key, sizeof t->key, "k-%d-%s", i, state == VMON_ALERT_RESOLVED ? "r" : "f");
    snprintf(t->inst, sizeof t->inst, "node%d", i);
    t->labels[0] = (vmon_label){"alertname", rule};
    t->labels[1] = (vmon_label){"instance", t->inst};
    t->labels[2] = (vmon_label){"node-id", "7"};
    int64_t now = test_now_ms();
    t->a = (vmon_alert){
        .struct_size = sizeof(vmon_alert),
        .severity = VMON_SEV_WARNING,
        .state = state,
        .n_labels = 3,
        .rule = rule,
        .component = "proxy",
        .labels = t->labels,
        .message = "search p95 above threshold",
        .fingerprint = "00112233aabbccdd",
        .idempotency_key = t->key,
        .value = 250,
        .threshold = 200,
        .starts_at_ms = now - 60000,
        .ends_at_ms = state == VMON_ALERT_RESOLVED ? now : 0,
    };
}

#endif
