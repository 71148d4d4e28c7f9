/*
 * The control channel of a running vmond: a UNIX stream socket ([daemon]
 * control_socket) that `vmond ctl` talks to.
 *
 * Protocol: the client sends one line `VERB [PIPELINE]\n` (at most
 * VMON_CONTROL_MAX_LINE bytes) and reads the answer until the server
 * closes: a first line `ok` or `error: ...`, then any details. Verbs:
 * status, pause, resume, abort, rollback (all but status need a pipeline).
 *
 * Who may talk: the socket file is made owner-only (0600) and every
 * connection's peer credentials (SO_PEERCRED) are checked: only vmond's own
 * user, or root, is served. A stale socket left by a crashed vmond is
 * replaced; one a live vmond answers on is an error.
 */
#ifndef VMON_CORE_CONTROL_H
#define VMON_CORE_CONTROL_H

#include <stddef.h>

#define VMON_CONTROL_MAX_LINE 512

/**
 * One command. `pipeline` is "" when none was given. Write the answer's
 * details (after the ok / error line) into `reply`; return 0 for ok, or -1
 * with the error's text in `reply`. Called on the control thread.
 */
typedef int (*vmon_control_fn)(void *arg, const char *verb, const char *pipeline, char *reply,
                               size_t replylen);

typedef struct vmon_control vmon_control;

/** Listen on `path` and serve on a thread of its own. NULL with the reason in `err`. */
vmon_control *vmon_control_start(const char *path, vmon_control_fn fn, void *arg, char *err,
                                 size_t errlen);
/** Stop serving, remove the socket file. */
void vmon_control_stop(vmon_control *c);

/**
 * The answer to one command line (no newline): checks the verb and the
 * pipeline's presence, calls `fn`, and returns `ok\n...` or `error: ...\n`
 * (caller frees). Unknown verbs and the handler's errors come back escaped.
 */
char *vmon_control_answer(const char *line, vmon_control_fn fn, void *arg);

/**
 * Client side: send `verb pipeline` to the socket at `path` and read the
 * answer into `reply` (whole, NUL-terminated, cut to fit). Every step times
 * out after `timeout_ms`. Returns 0 when the server said ok, 1 when it said
 * error, -1 when it could not be reached (reason in `reply`).
 */
int vmon_control_call(const char *path, const char *verb, const char *pipeline, int timeout_ms,
                      char *reply, size_t replylen);

/** `vmond ctl ...`: argv[0] is "ctl". Returns the process exit status. */
int vmon_ctl_main(int argc, char **argv);

#endif
