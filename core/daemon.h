/* Running vmond: start, signals (SIGTERM/SIGINT stop, SIGHUP reloads), --once. */
#ifndef VMON_CORE_DAEMON_H
#define VMON_CORE_DAEMON_H

#include <stdint.h>

typedef struct vmon_daemon_opts {
    const char *config_path;
    const char *plugin_dir; /* NULL: from config or default */
    int64_t cycles;         /* 0: run until signalled */
    const char *test_alert_sink;
} vmon_daemon_opts;

/** Returns the process exit status: 0 ok, 1 runtime failure, 2 config errors. */
int vmon_daemon_run(const vmon_daemon_opts *opts);
/** Send one test alert through one sink and report. Exit status as above. */
int vmon_daemon_test_alert(const vmon_daemon_opts *opts);

#endif
