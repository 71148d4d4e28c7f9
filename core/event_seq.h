/*
 * Event sequence numbers: one counter per daemon, going on across reloads
 * and, with a state directory, across restarts. The counter lives in
 * STATE_DIR/event_sequence (one decimal line), replaced atomically (write,
 * fsync, rename) before the number is handed out, so a crash never gives the
 * same number twice.
 */
#ifndef VMON_CORE_EVENT_SEQ_H
#define VMON_CORE_EVENT_SEQ_H

#include <stdint.h>

/**
 * The next sequence number (the first is 1). `state_dir` NULL: counted in
 * memory only (the count restarts with the process). Thread-safe. A state
 * file that cannot be read or written is logged once (path and errno) and
 * the count goes on in memory.
 */
uint64_t vmon_event_seq_next(const char *state_dir);

#endif
