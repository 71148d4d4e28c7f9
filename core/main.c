/* vmond's command line. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "daemon.h"
#include "loader.h"
#include "log.h"
#include "man_ini.h"
#include "options.h"
#include "plan.h"
#include "rule_export.h"

#ifndef VMON_VERSION
#define VMON_VERSION "0.0.0"
#endif

static void usage(FILE *out)
{
    fprintf(out, "usage: vmond -c FILE [options]\n"
                 "       vmond ctl -c FILE status|pause|resume|abort|rollback [PIPELINE]\n"
                 "  -c, --config FILE       the configuration to run (INI)\n"
                 "  -t, --test              check the configuration and exit (0 ok, 2 errors)\n"
                 "      --print             with -t: print the effective configuration, secrets "
                 "masked\n"
                 "      --once              run every probe once, evaluate rules, deliver, exit\n"
                 "      --cycles N          like --once, for N cycles\n"
                 "      --test-alert SINK   send one test alert through [sink:SINK] and report\n"
                 "      --export-rules      write the [rule:NAME] sections as Prometheus alerting "
                 "rules\n"
                 "      --plugin-dir DIR    load plugins from DIR\n"
                 "      --list-plugins      list the plugins found and whether they load\n"
                 "      --describe PLUGIN   show a plugin's options (PLUGIN: name or kind:name)\n"
                 "      --man-ini           write the vmon.ini(5) manual page (roff) to stdout\n"
                 "      --version           print vmond's and the plugin ABI's versions\n"
                 "  -h, --help              this text\n"
                 "Signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration.\n");
}

static void print_plugin_line(void *arg, const char *file, const vmon_plugin *p, const char *err)
{
    (void)arg;
    if (p)
        printf("%-8s %-14s %-10s ABI %u.%u  %s\n", vmon_kind_name(p->desc.kind), p->desc.name,
               p->desc.version, p->desc.abi_major, p->desc.abi_minor,
               p->desc.description ? p->desc.description : "");
    else
        printf("REFUSED  %s\n         %s\n", file, err);
}

static void describe_options(const char *title, const vmon_option *opts)
{
    printf("\n%s\n", title);
    for (const vmon_option *o = opts; o && o->key; o++) {
        char range[128] = "";
        if (o->flags & VMON_OPT_RANGE) {
            vmon_value_format_range(o, range, sizeof range);
        }
        printf("  %-18s %-9s", o->key, vmon_opt_type_name(o->type));
        if (o->flags & VMON_OPT_REQUIRED)
            printf(" required");
        else if (o->flags & VMON_OPT_COMPUTED_DEFAULT)
            printf(" default computed: %s", o->default_value);
        else if (o->default_value)
            printf(" default %s", o->default_value);
        if (range[0])
            printf(", range %s", range);
        if (o->flags & VMON_OPT_SECRET)
            printf(", secret");
        if (o->type == VMON_OPT_ENUM) {
            printf(", one of");
            for (const char *const *e = o->enum_values; *e; e++)
                printf(" %s", *e);
        }
        printf("\n      %s\n", o->help ? o->help : "");
    }
}

static int describe(const char *dir, const char *what)
{
    char name[256];
    uint32_t only = 0;
    const char *sep = strpbrk(what, ":_");
    if (sep &&
        vmon_kind_from_name((snprintf(name, sizeof name, "%.*s", (int)(sep - what), what), name))) {
        only = vmon_kind_from_name(name);
        what = sep + 1;
    }
    int found = 0;
    char err[1024] = "";
    for (size_t i = 0; i < vmon_kind_count(); i++) {
        const vmon_kind_info *k = vmon_kind_at(i);
        if (only && k->kind != only)
            continue;
        const vmon_plugin *p = vmon_plugin_load(dir, k->kind, what, err, sizeof err);
        if (!p) {
            if (only)
                fprintf(stderr, "vmond: %s\n", err);
            continue;
        }
        found = 1;
        printf("%s %s %s (ABI %u.%u)\n%s\n%s\n%s: %s\n", k->name, p->desc.name, p->desc.version,
               p->desc.abi_major, p->desc.abi_minor, p->path,
               p->desc.description ? p->desc.description : "", k->name, k->runs);
        char title[128];
        snprintf(title, sizeof title, "keys every [%s:NAME] section takes:", k->name);
        describe_options(title, vmon_kind_core_options(k->kind, p->desc.abi_minor));
        describe_options("keys of this plugin:", p->desc.options);
    }
    if (!found && !only)
        fprintf(stderr, "vmond: no plugin named '%s' in %s\n", what, dir);
    return found ? 0 : 2;
}

static int check_config(const char *path, const char *plugin_dir, int print)
{
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, plugin_dir, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    if (rc < 0) {
        fprintf(stderr, "%s: %zu error(s)\n", path, errs.count);
    } else {
        if (print)
            vmon_plan_print(&plan, stdout);
        fprintf(stderr, "%s: configuration OK\n", path);
    }
    vmon_errors_free(&errs);
    vmon_plan_free(&plan);
    return rc < 0 ? 2 : 0;
}

/* The config's rules as a Prometheus rules file on stdout (rule_export.h). */
static int export_rules(const char *path, const char *plugin_dir)
{
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, plugin_dir, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    if (rc < 0)
        fprintf(stderr, "%s: %zu error(s)\n", path, errs.count);
    else
        vmon_rules_export(&plan, path, stdout, stderr);
    vmon_errors_free(&errs);
    vmon_plan_free(&plan);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("vmond: stdout");
        return 1;
    }
    return rc < 0 ? 2 : 0;
}

enum {
    OPT_PRINT = 256,
    OPT_ONCE,
    OPT_CYCLES,
    OPT_LIST,
    OPT_DESCRIBE,
    OPT_VERSION,
    OPT_DIR,
    OPT_TEST_ALERT,
    OPT_EXPORT_RULES,
    OPT_MAN_INI
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, 0, 'c'},
                                             {"test", no_argument, 0, 't'},
                                             {"print", no_argument, 0, OPT_PRINT},
                                             {"once", no_argument, 0, OPT_ONCE},
                                             {"cycles", required_argument, 0, OPT_CYCLES},
                                             {"list-plugins", no_argument, 0, OPT_LIST},
                                             {"describe", required_argument, 0, OPT_DESCRIBE},
                                             {"version", no_argument, 0, OPT_VERSION},
                                             {"plugin-dir", required_argument, 0, OPT_DIR},
                                             {"test-alert", required_argument, 0, OPT_TEST_ALERT},
                                             {"export-rules", no_argument, 0, OPT_EXPORT_RULES},
                                             {"man-ini", no_argument, 0, OPT_MAN_INI},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    /* A monitor's threads allocate little; one malloc arena per thread only costs RSS. */
    mallopt(M_ARENA_MAX, 1);
    if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
        return vmon_ctl_main(argc - 1, argv + 1);
    vmon_daemon_opts o = {0};
    int test = 0, print = 0, list = 0, export = 0, man_ini = 0;
    const char *describe_what = NULL;
    for (int c; (c = getopt_long(argc, argv, "c:th", longopts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            o.config_path = optarg;
            break;
        case 't':
            test = 1;
            break;
        case OPT_PRINT:
            print = 1;
            break;
        case OPT_ONCE:
            o.cycles = 1;
            break;
        case OPT_CYCLES:
            o.cycles = strtoll(optarg, NULL, 10);
            if (o.cycles < 1) {
                fprintf(stderr, "vmond: --cycles wants a number >= 1, got '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_LIST:
            list = 1;
            break;
        case OPT_DESCRIBE:
            describe_what = optarg;
            break;
        case OPT_VERSION:
            printf("vmond %s, plugin ABI %d.%d\n", VMON_VERSION, VMON_ABI_MAJOR, VMON_ABI_MINOR);
            return 0;
        case OPT_DIR:
            o.plugin_dir = optarg;
            break;
        case OPT_TEST_ALERT:
            o.test_alert_sink = optarg;
            break;
        case OPT_EXPORT_RULES:
            export = 1;
            break;
        case OPT_MAN_INI:
            man_ini = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    const char *dir = o.plugin_dir ? o.plugin_dir : vmon_default_plugin_dir();
    if (list) {
        printf("plugins in %s:\n", dir);
        return vmon_plugin_scan(dir, print_plugin_line, NULL) ? 0 : 1;
    }
    if (describe_what)
        return describe(dir, describe_what);
    if (man_ini)
        return vmon_man_ini_write(stdout, stderr, dir, VMON_VERSION) == 0 ? 0 : 1;
    if (!o.config_path) {
        fprintf(stderr, "vmond: no configuration; pass -c FILE (see -h)\n");
        return 2;
    }
    if (export)
        return export_rules(o.config_path, o.plugin_dir);
    if (test)
        return check_config(o.config_path, o.plugin_dir, print);
    if (o.test_alert_sink)
        return vmon_daemon_test_alert(&o);
    return vmon_daemon_run(&o);
}
