/*
 * milvus-report: one report() of target_milvus through the real loader,
 * printed as `name{label="value",...} value` lines, for shell tests (the
 * cluster test reads figures back through Prometheus with it).
 * Usage: milvus-report PLUGIN_DIR COMPONENT|all KEY=VALUE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standalone.h"

static int print_sample(void *arg, const vmon_sample *s)
{
    (void)arg;
    printf("%s{", s->name);
    for (uint32_t i = 0; i < s->n_labels; i++)
        printf("%s%s=\"%s\"", i ? "," : "", s->labels[i].name, s->labels[i].value);
    printf("} %.17g\n", s->value);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: milvus-report PLUGIN_DIR COMPONENT|all KEY=VALUE...\n");
        return 2;
    }
    const char **pairs = calloc((size_t)argc * 2, sizeof *pairs);
    size_t n = 0;
    for (int i = 3; pairs && i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "milvus-report: '%s' is not KEY=VALUE\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        pairs[n++] = argv[i];
        pairs[n++] = eq + 1;
    }
    char err[2048];
    vmon_standalone *s = NULL;
    if (!pairs || vmon_standalone_open(argv[1], "target", "milvus", "report", pairs, NULL, NULL, &s,
                                       err, sizeof err) != 0) {
        fprintf(stderr, "milvus-report: %s\n", pairs ? err : "out of memory");
        return 1;
    }
    const vmon_target_ops *ops = vmon_standalone_ops(s);
    const char *component = strcmp(argv[2], "all") == 0 ? NULL : argv[2];
    int rc = ops->report(vmon_standalone_ctx(s), component, print_sample, NULL, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "milvus-report: %s\n", err);
    vmon_standalone_close(s);
    free(pairs);
    return rc == 0 ? 0 : 1;
}
