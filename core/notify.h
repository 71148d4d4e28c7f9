/*
 * systemd's service notifications (sd_notify(3)) without libsystemd: each
 * message is one datagram of `KEY=VALUE` lines to the socket $NOTIFY_SOCKET
 * names (a path, or an abstract socket written with a leading '@'). Unset:
 * every call does nothing. A failure is logged once and never stops vmond.
 */
#ifndef VMON_CORE_NOTIFY_H
#define VMON_CORE_NOTIFY_H

#include <stdint.h>

/**
 * Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID and remove them from
 * the environment (so processes a plugin starts do not inherit them). Call
 * once, before any thread starts; before it, every call below does nothing.
 */
void vmon_notify_init(void);
/** Send `state` (newline-separated assignments) as one datagram: 0 sent or disabled, -1 not. */
int vmon_notify_send(const char *state);
/** READY=1 with STATUS=`status`. */
void vmon_notify_ready(const char *status);
/** RELOADING=1 and MONOTONIC_USEC=now (systemd 253's Type=notify-reload order), with STATUS. */
void vmon_notify_reloading(const char *status);
/** STOPPING=1 with STATUS. */
void vmon_notify_stopping(const char *status);
/** STATUS=`status` alone: one line, control characters become spaces. */
void vmon_notify_status(const char *status);
/** Half of $WATCHDOG_USEC in ms (how often to ping), 0: no watchdog asked for this process. */
int64_t vmon_notify_watchdog_ms(void);
/** WATCHDOG=1; does nothing without a watchdog. */
void vmon_notify_watchdog(void);

#endif
