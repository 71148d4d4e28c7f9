/*
 * The tuning state file's snapshot JSON. Any input either fails to parse or
 * yields a snapshot whose JSON round trip is stable, and which a fresh loop
 * either takes up or refuses (never crashes on): a state file damaged on
 * disk must cost a restart its memory, not the daemon.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "tuning_state.h"

static int decide(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                  size_t errlen)
{
    (void)ctx;
    (void)in;
    (void)err;
    (void)errlen;
    out->decision = VMON_TUNE_NOTHING_BETTER;
    return 0;
}

static void look(void *ctx, const vmon_arm_figures *a, const vmon_arm_figures *b, uint32_t step,
                 int final, vmon_judge_result *out)
{
    (void)ctx;
    (void)a;
    (void)b;
    (void)step;
    (void) final;
    out->verdict = VMON_VERDICT_CONTINUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    vmon_exp_snapshot s;
    char err[256];
    if (vmon_exp_snapshot_from_json(text, &s, err, sizeof err) == 0) {
        char *once = vmon_exp_snapshot_to_json(&s);
        vmon_exp_snapshot back;
        if (vmon_exp_snapshot_from_json(once, &back, err, sizeof err) != 0)
            abort(); /* what we write we must read */
        char *twice = vmon_exp_snapshot_to_json(&back);
        if (strcmp(once, twice) != 0)
            abort();
        free(once);
        free(twice);
        vmon_exp_config cfg;
        vmon_exp_config_default(&cfg);
        vmon_exp_deps deps = {.decide = decide, .look = look};
        vmon_experiment *e = vmon_exp_new(&cfg, &deps, err, sizeof err);
        if (e) {
            (void)vmon_exp_restore(e, &s, (int)(size & 1), "restart", 0, err, sizeof err);
            vmon_exp_observation o = {0};
            vmon_exp_tick(e, 1, &o);
            vmon_exp_free(e);
        }
    }
    free(text);
    return 0;
}
