/* `vmond ctl`: the command line side of the control channel (control.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "errors.h"
#include "options.h"
#include "strutil.h"

#define CTL_TIMEOUT_MS 5000

static void ctl_usage(FILE *out)
{
    fprintf(out, "usage: vmond ctl (-c CONFIG | --socket PATH) COMMAND [PIPELINE]\n"
                 "  status [PIPELINE]   parameters in use and any running experiment\n"
                 "  pause PIPELINE      hold the experiment at its step (weights kept)\n"
                 "  resume PIPELINE     let a paused experiment go on\n"
                 "  abort PIPELINE      end the experiment; the candidate's share goes to 0\n"
                 "  rollback PIPELINE   end the experiment as a rollback, or go back to the\n"
                 "                      parameters before the last promotion\n"
                 "The socket is [daemon] control_socket of CONFIG.\n");
}

/* [daemon] control_socket of the configuration at `path`, resolved as vmond resolves it. */
static char *socket_of_config(const char *path)
{
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    char *out = NULL;
    if (vmon_cfg_load(path, &cfg, &errs) != 0) {
        vmon_errors_print(&errs, stderr);
    } else {
        const vmon_cfg_section *d = vmon_cfg_find(&cfg, "daemon", "");
        const vmon_cfg_entry *e = d ? vmon_cfg_get(d, "control_socket") : NULL;
        static const vmon_option opt = {.key = "control_socket", .type = VMON_OPT_PATH};
        vmon_value v = {0};
        char why[256];
        if (!e)
            fprintf(stderr,
                    "vmond ctl: %s has no [daemon] control_socket; add one and restart "
                    "vmond, or pass --socket PATH\n",
                    path);
        else if (vmon_value_parse(&opt, e->value, d->dir, &v, why, sizeof why))
            fprintf(stderr, "%s:%d: [daemon] control_socket: %s\n", e->file, e->line, why);
        else
            out = vmon_strdup(v.text);
        vmon_value_clear(&v);
    }
    vmon_errors_free(&errs);
    vmon_cfg_free(&cfg);
    return out;
}

int vmon_ctl_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, 0, 'c'},
                                             {"socket", required_argument, 0, 's'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *config = NULL, *socket_path = NULL;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1;) {
        if (c == 'c')
            config = optarg;
        else if (c == 's')
            socket_path = optarg;
        else {
            ctl_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc || argc - optind > 2 || (!config && !socket_path)) {
        ctl_usage(stderr);
        return 2;
    }
    char *found = socket_path ? NULL : socket_of_config(config);
    if (!socket_path && !found)
        return 2;
    char reply[8192];
    int rc = vmon_control_call(socket_path ? socket_path : found, argv[optind],
                               optind + 1 < argc ? argv[optind + 1] : NULL, CTL_TIMEOUT_MS, reply,
                               sizeof reply);
    free(found);
    if (rc < 0) {
        fprintf(stderr, "vmond ctl: %s\n", reply);
        return 1;
    }
    fputs(rc == 0 ? reply + 3 : reply, rc == 0 ? stdout : stderr); /* "ok\n" is for machines */
    return rc == 0 ? 0 : 1;
}
