/*
 * The control channel's command line. Whatever a client sends, the answer
 * is `ok\n...` or `error: ...\n` without raw control bytes, and the handler
 * only ever sees a known verb and a pipeline name without blanks.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

static int handler(void *arg, const char *verb, const char *pipeline, char *reply, size_t len)
{
    (void)arg;
    static const char *const verbs[] = {"status", "pause", "resume", "abort", "rollback"};
    int known = 0;
    for (size_t i = 0; i < 5; i++)
        known |= !strcmp(verb, verbs[i]);
    if (!known || strpbrk(pipeline, " \t\r\n"))
        abort();
    snprintf(reply, len, "%s", pipeline); /* echo it back: escaping is the answer's job */
    return pipeline[0] == 'x' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= VMON_CONTROL_MAX_LINE)
        return 0;
    char line[VMON_CONTROL_MAX_LINE];
    memcpy(line, data, size);
    line[size] = '\0';
    char *out = vmon_control_answer(line, handler, NULL);
    if (strncmp(out, "ok\n", 3) != 0 && strncmp(out, "error: ", 7) != 0)
        abort();
    if (!strncmp(out, "error: ", 7))
        for (const char *p = out; *p && p[1]; p++) /* the final newline is ours */
            if (iscntrl((unsigned char)*p))
                abort();
    free(out);
    return 0;
}
