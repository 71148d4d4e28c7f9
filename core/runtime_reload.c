#include <string.h>

#include "runtime_priv.h"

void vmon_runtime_adopt(vmon_runtime *to, vmon_runtime *from)
{
    for (size_t p = 0; p < to->plan.n_pipelines; p++) {
        rt_pipeline *np = &to->pipelines[p];
        const rt_pipeline *op = rt_find_pipeline(from, np->plan->name);
        for (size_t r = 0; op && r < np->plan->n_rules; r++)
            for (size_t q = 0; q < op->plan->n_rules; q++)
                if (vmon_rule_same_condition(np->rules[r].rule, op->rules[q].rule))
                    vmon_rule_adopt(&np->rules[r], &op->rules[q]);
    }
    /* Plugin alerts are keyed by fingerprint (name + labels), which survives a reload. */
    rt_free_active(to);
    to->active = from->active;
    to->n_active = from->n_active;
    from->active = NULL;
    from->n_active = 0;
}
