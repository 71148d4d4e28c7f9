/*
 * `resend`: firing alerts this sink delivered are re-queued, with a key of
 * their own, until they resolve (receivers such as Alertmanager expire them).
 */
#include "delivery_internal.h"

#include <stdlib.h>
#include <string.h>

#include "strutil.h"

firing *delivery_resend_find(vmon_delivery *d, const char *fingerprint)
{
    for (size_t i = 0; i < d->n_firing; i++)
        if (strcmp(d->firing[i].ev->a.fingerprint, fingerprint) == 0)
            return &d->firing[i];
    return NULL;
}

/* What was delivered decides what `resend` repeats: firing in, resolved out. */
void delivery_resend_track(vmon_delivery *d, const vmon_alert *a)
{
    firing *f = delivery_resend_find(d, a->fingerprint);
    if (a->state == VMON_ALERT_RESOLVED) {
        if (f) {
            vmon_alert_event_free(f->ev);
            *f = d->firing[--d->n_firing];
        }
        return;
    }
    if (!f) {
        d->firing = vmon_realloc(d->firing, (d->n_firing + 1) * sizeof *d->firing);
        f = &d->firing[d->n_firing++];
        f->ev = NULL;
        f->resends = 0;
    }
    vmon_alert_event_free(f->ev);
    f->ev = vmon_alert_event_copy(a);
    f->sent_ms = vmon_mono_ms();
}

/*
 * Re-queue firing alerts not sent for `resend`, with a key of their own.
 * Only while the queue is empty: a receiver that is down does not pile up
 * copies. Returns the next time one is due (0: none).
 */
int64_t delivery_resend_due(vmon_delivery *d, int64_t now)
{
    int64_t next = 0;
    for (size_t i = 0; d->resend_ms > 0 && i < d->n_firing; i++) {
        firing *f = &d->firing[i];
        int64_t due = f->sent_ms + d->resend_ms;
        if (due <= now && delivery_pending(d) == 0 && !d->stopping) {
            vmon_alert_event *copy = vmon_alert_event_copy(&f->ev->a);
            free((char *)copy->a.idempotency_key);
            copy->a.idempotency_key =
                vmon_asprintf("%s-resend-%u", f->ev->a.idempotency_key, ++f->resends);
            f->sent_ms = now;
            due = now + d->resend_ms;
            delivery_push_locked(d, copy);
        }
        if (next == 0 || due < next)
            next = due;
    }
    return next;
}

/* `to` keeps its own record of an alert it has sent itself. */
void delivery_resend_adopt(vmon_delivery *to, firing *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (to->resend_ms <= 0 || delivery_resend_find(to, f[i].ev->a.fingerprint)) {
            vmon_alert_event_free(f[i].ev);
            continue;
        }
        to->firing = vmon_realloc(to->firing, (to->n_firing + 1) * sizeof *to->firing);
        to->firing[to->n_firing++] = f[i];
    }
    free(f);
}

void delivery_resend_free(vmon_delivery *d)
{
    for (size_t i = 0; i < d->n_firing; i++)
        vmon_alert_event_free(d->firing[i].ev);
    free(d->firing);
    d->firing = NULL;
    d->n_firing = 0;
}
