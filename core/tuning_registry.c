#include "tuning_registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "escape.h"
#include "strutil.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static vmon_tuning_loop **loops;
static size_t n_loops;

void vmon_tuning_register(vmon_tuning_loop *l)
{
    pthread_mutex_lock(&lock);
    loops = vmon_realloc(loops, (n_loops + 1) * sizeof *loops);
    loops[n_loops++] = l;
    pthread_mutex_unlock(&lock);
}

void vmon_tuning_unregister(vmon_tuning_loop *l)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_loops; i++)
        if (loops[i] == l) {
            loops[i] = loops[--n_loops];
            break;
        }
    if (!n_loops) {
        free(loops);
        loops = NULL;
    }
    pthread_mutex_unlock(&lock);
}

static vmon_tuning_loop *find(const char *pipeline)
{
    for (size_t i = 0; i < n_loops; i++)
        if (!strcmp(vmon_tuning_loop_pipeline(loops[i]), pipeline))
            return loops[i];
    return NULL;
}

static void status_all(char *reply, size_t len)
{
    size_t used = 0;
    reply[0] = '\0';
    if (!n_loops)
        snprintf(reply, len, "no pipeline has a tuning loop");
    for (size_t i = 0; i < n_loops && used + 1 < len; i++) {
        char one[512];
        vmon_tuning_loop_command(loops[i], "status", vmon_now_ms(), one, sizeof one);
        int n = snprintf(reply + used, len - used, "%s\n", one);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int vmon_tuning_control(void *arg, const char *verb, const char *pipeline, char *reply,
                        size_t replylen)
{
    (void)arg;
    int rc = 0;
    pthread_mutex_lock(&lock);
    vmon_tuning_loop *l = pipeline[0] ? find(pipeline) : NULL;
    if (!pipeline[0]) {
        status_all(reply, replylen);
    } else if (!l) {
        char shown[128];
        vmon_escape_controls(pipeline, strlen(pipeline), shown, sizeof shown);
        snprintf(reply, replylen, "no tuning loop for pipeline '%s'; `vmond ctl status` lists them",
                 shown);
        rc = -1;
    } else {
        rc = vmon_tuning_loop_command(l, verb, vmon_now_ms(), reply, replylen);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}
