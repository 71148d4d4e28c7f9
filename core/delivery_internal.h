/*
 * The inside of a delivery, shared by the files that each own one part of it
 * (see delivery.c). Not for use outside core/delivery*.c.
 */
#ifndef VMON_CORE_DELIVERY_INTERNAL_H
#define VMON_CORE_DELIVERY_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "alert_json.h"
#include "clock.h"
#include "delivery.h"
#include "instance.h"
#include "spool.h"

/* Readings queued for on_samples; beyond this they are dropped (counted), never alerts. */
#define VMON_DELIVERY_MAX_SAMPLE_BATCHES 64

/*
 * Locks: `lock` guards the queues, counters and flags; `spool_lock` guards the
 * spool's SQLite connection; `events_lock` is held while on_event runs. Disk
 * work (spool, dead letters) is done without `lock`, so a pushing thread never
 * waits on the disk. Order: spool_lock before lock before events_lock.
 */
struct vmon_delivery {
    vmon_instance *sink;
    const vmon_sink_ops *ops;
    pthread_t thread, committer;
    pthread_mutex_t lock;
    pthread_cond_t wake;           /* the delivery thread: something to do */
    pthread_cond_t commit_wake;    /* the committer: something to write */
    pthread_cond_t idle;           /* waiters: the queue emptied or a thread ended */
    vmon_alert_event *head, *tail; /* the in-memory queue (no spool) */
    size_t n_alerts;
    vmon_spool *spool; /* the queue on disk, when `spool =` is set */
    pthread_mutex_t spool_lock;
    vmon_alert_event *inbox_head, *inbox_tail; /* pushed, not yet committed to the spool */
    size_t n_inbox, n_committing;    /* n_committing: taken from the inbox, not yet on disk */
    uint64_t spooled, spooled_bytes; /* the spool's totals, as last read under spool_lock */
    int64_t commit_ms, last_commit_ms;
    uint64_t spool_max;
    int backlog;
    vmon_sample_batch *batches[VMON_DELIVERY_MAX_SAMPLE_BATCHES]; /* ring of readings */
    size_t first_batch, n_batches;
    int stopping, finished, in_call, detached;
    int threads;           /* running threads; the last one out of an abandoned delivery frees it */
    int handed_over;       /* the queue went to a replacement: deliver nothing more */
    int current_handed;    /* the batch in flight was copied to the replacement too */
    struct batch *current; /* the batch in flight, for hand-over */
    int64_t stop_deadline_ms;
    int64_t next_attempt_ms;
    uint32_t min_severity, batch_max, queue_max, want_samples;
    int64_t linger_ms, retry_base_ms, retry_cap_ms, retry_limit;
    char *dead_letter; /* own copies: a delivery may outlive the plan */
    char *spool_path;
    vmon_delivery_stats stats;
    pthread_mutex_t events_lock;
    vmon_sink_event_fn on_event;
    void *on_event_arg;
    unsigned int rand_state;
    int64_t resend_ms;
    struct firing *firing; /* alerts delivered as firing and not yet resolved */
    size_t n_firing;
    int64_t heartbeat_ms;      /* `heartbeat`: 0 = none */
    int64_t heartbeat_next_ms; /* monotonic; 0 = the first is due */
    int64_t heartbeat_since;   /* wall ms of the first, its startsAt */
    uint32_t heartbeats;       /* sent so far */
};

/* A firing alert this sink has delivered, for `resend`. */
typedef struct firing {
    vmon_alert_event *ev;
    int64_t sent_ms; /* monotonic */
    uint32_t resends;
} firing;

/* One delivery attempt's alerts or events (never both), from memory or from the spool. */
typedef struct batch {
    vmon_alert *alerts; /* alerts: the views passed to deliver */
    vmon_event *events; /* events: the views passed to on_events */
    int is_events;
    uint32_t n;
    uint32_t attempts;       /* attempts made before this one */
    vmon_alert_event *chain; /* memory: the events taken off the queue */
    vmon_spool_item *items;  /* spool: the rows peeked */
    json_object **holders;   /* spool: parsed payloads backing `alerts` or `events` */
} batch;

/* What a deliver call's answer means for its batch. */
typedef enum { OUT_DELIVERED, OUT_RETRY, OUT_FAILED } outcome_verdict;

typedef struct outcome {
    outcome_verdict verdict;
    int64_t wait_ms; /* OUT_RETRY */
    int disable;     /* OUT_FAILED: the receiver is gone */
    char reason[320];
} outcome;

/* ---- delivery.c: the thread ---- */
/** Alerts waiting (memory, inbox, committing, spool); 0 once handed over. Lock held. */
uint64_t delivery_pending(vmon_delivery *d);
/** Queue an alert (lock held): the inbox with a spool, else the memory queue. */
void delivery_push_locked(vmon_delivery *d, vmon_alert_event *ev);
/** Wait on `c` until signalled or `until_ms` (monotonic; 0: no limit). */
void delivery_wait(pthread_cond_t *c, pthread_mutex_t *m, int64_t until_ms);
/** A thread ends (lock held; released). The last one out of an abandoned delivery frees it. */
void delivery_leave(vmon_delivery *d);

/* ---- delivery_queue.c: the queue in memory (lock held) ---- */
void delivery_free_chain(vmon_alert_event *e);
void delivery_queue_push(vmon_delivery *d, vmon_alert_event *ev);
void delivery_queue_take(vmon_delivery *d, batch *b);
void delivery_queue_requeue(vmon_delivery *d, batch *b);

/* ---- delivery_batch.c ---- */
void delivery_batch_release(batch *b);
/** 1 when a batch should go now; else 0, with the time to look again in *wait_until. */
int delivery_batch_ready(vmon_delivery *d, int64_t now, int64_t *wait_until);

/* ---- delivery_spool.c: the queue on disk ---- */
int delivery_spool_open(vmon_delivery *d, char *err, size_t errlen);
/** spool_lock held: publish the spool's totals under the lock. */
void delivery_spool_sync(vmon_delivery *d);
/** Lock held on entry and return; dropped while the spool is read. */
void delivery_spool_take(vmon_delivery *d, batch *b);
void delivery_spool_settle(vmon_delivery *d, batch *b, int retry);
void delivery_spool_push(vmon_delivery *d, vmon_alert_event *ev);
void delivery_spool_backlog_check(vmon_delivery *d);
void *delivery_committer_main(void *arg);

/* ---- delivery_retry.c ---- */
void delivery_judge(vmon_delivery *d, int rc, const batch *b, const vmon_delivery_result *res,
                    outcome *o);

/* ---- delivery_heartbeat.c (lock held) ---- */
/** Queue the firing heartbeat when due; returns when the next is due (0: none). */
int64_t delivery_heartbeat_due(vmon_delivery *d, int64_t now);
/** A clean stop: queue the heartbeat's resolution (when one was sent). */
void delivery_heartbeat_resolve(vmon_delivery *d);

/* ---- delivery_resend.c (lock held) ---- */
firing *delivery_resend_find(vmon_delivery *d, const char *fingerprint);
void delivery_resend_track(vmon_delivery *d, const vmon_alert *a);
int64_t delivery_resend_due(vmon_delivery *d, int64_t now);
/** Take over firing records from a replaced sink (ownership passes; `f` is freed). */
void delivery_resend_adopt(vmon_delivery *to, firing *f, size_t n);
void delivery_resend_free(vmon_delivery *d);

/* ---- delivery_failure.c ---- */
void delivery_emit(vmon_delivery *d, const char *alert, const char *reason, int resolve);
/** Logs; writes (and fsyncs) the dead-letter file: call without the lock. */
void delivery_dead_letter(vmon_delivery *d, const vmon_alert *a, const char *reason);
void delivery_dead_letter_event(vmon_delivery *d, const vmon_event *e, const char *reason);
/** A queue entry, alert or event. */
void delivery_dead_letter_entry(vmon_delivery *d, const vmon_alert_event *ev, const char *reason);
/** Lock held. */
void delivery_disable(vmon_delivery *d, const char *reason);

#endif
