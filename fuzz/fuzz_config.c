/*
 * libFuzzer target: the INI reader and option parsing over any bytes. The
 * bytes are read as one config file in a sandbox folder whose files an
 * `include =` may reach (many sections, a self-including glob, a NUL byte,
 * a FIFO, a folder, an oversized file) but nothing outside it; every
 * section is validated against the core's own option tables, and every
 * value is parsed as every option type. No plugin is loaded.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "loader.h"
#include "options.h"
#include "schema.h"

/* Real configs are a few KiB; larger inputs only slow the search down. */
#define MAX_INPUT ((size_t)64 * 1024)

static char sandbox[256];

static void sandbox_file(const char *name, const char *bytes, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", sandbox, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0)
        abort();
}

static void remove_sandbox(void)
{
    static const char *const names[] = {"part.ini", "loop.ini", "nul.ini",       "fifo.ini",
                                        "big.ini",  "sub.ini",  "sub.ini/a.ini", NULL};
    char path[512];
    for (size_t i = sizeof names / sizeof names[0] - 1; i-- > 0;) {
        snprintf(path, sizeof path, "%s/%s", sandbox, names[i]);
        if (unlink(path) < 0)
            rmdir(path);
    }
    rmdir(sandbox);
}

static void make_sandbox(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/vmon-fuzz-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(sandbox))
        abort();
    char text[2048] = "";
    for (int i = 0; i < 20; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "[sink:p%d]\nplugin = stdout\n",
                 i);
    sandbox_file("part.ini", text, strlen(text));
    static const char loop[] = "[sink:loop]\nplugin = stdout\ninclude = *.ini\n";
    sandbox_file("loop.ini", loop, sizeof loop - 1);
    static const char nul[] = "[sink:nul]\nplugin = st\0dout\n";
    sandbox_file("nul.ini", nul, sizeof nul - 1);
    char path[512];
    snprintf(path, sizeof path, "%s/fifo.ini", sandbox);
    if (mkfifo(path, 0600) < 0)
        abort();
    snprintf(path, sizeof path, "%s/big.ini", sandbox);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)VMON_CFG_MAX_FILE_BYTES + 1) < 0 || close(fd) < 0)
        abort();
    snprintf(path, sizeof path, "%s/sub.ini", sandbox);
    if (mkdir(path, 0700) < 0)
        abort();
    static const char inner[] = "include = a.ini\n[daemon]\nthreads = 2\n";
    sandbox_file("sub.ini/a.ini", inner, sizeof inner - 1);
    atexit(remove_sandbox);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    make_sandbox();
    return 0;
}

static const vmon_option *core_table(const vmon_cfg_section *s)
{
    if (strcmp(s->kind, "daemon") == 0)
        return vmon_schema_daemon;
    if (strcmp(s->kind, "rule") == 0)
        return vmon_schema_rule;
    if (strcmp(s->kind, "pipeline") == 0)
        return vmon_schema_pipeline;
    return vmon_schema_for_kind(vmon_kind_from_name(s->kind));
}

static void validate_section(const vmon_cfg_section *s, vmon_errors *errs)
{
    const vmon_option *table = core_table(s);
    if (!table)
        return;
    const vmon_option *const tables[] = {table};
    vmon_values vals = {0};
    vmon_values_from_section(s, tables, 1, &vals, errs);
    vmon_values_free(&vals);
}

/* Each value as each type, with and without a range, so every parser sees every input. */
static void parse_as_every_type(const vmon_cfg_entry *e)
{
    static const char *const names[] = {"red", "green", "blue", NULL};
    char why[512];
    for (uint32_t type = VMON_OPT_STRING; type <= VMON_OPT_PATH; type++)
        for (int ranged = 0; ranged < 2; ranged++) {
            vmon_option opt = {.key = e->key,
                               .type = type,
                               .flags = ranged ? VMON_OPT_RANGE : 0,
                               .min = -1e3,
                               .max = 1e9,
                               .enum_values = names};
            vmon_value v;
            vmon_value_parse(&opt, e->value, "/nonexistent", &v, why, sizeof why);
            vmon_value_clear(&v);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    vmon_cfg cfg = {.includes_confined = 1};
    vmon_errors errs = {0};
    vmon_cfg_load_bytes((const char *)data, size, "fuzz.ini", sandbox, &cfg, &errs);
    for (size_t i = 0; i < cfg.n_sections; i++) {
        const vmon_cfg_section *s = &cfg.sections[i];
        validate_section(s, &errs);
        for (size_t j = 0; j < s->n_entries; j++)
            parse_as_every_type(&s->entries[j]);
    }
    vmon_errors_free(&errs);
    vmon_cfg_free(&cfg);
    return 0;
}
