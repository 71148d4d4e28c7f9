/*
 * The hash_split router's slot table: which arm each of the 2^16 hash slots
 * goes to, for given weights.
 *
 * Each slot is given to an arm by weighted rendezvous hashing: slot s and
 * arm i have a fixed pseudo-random key u(s, i) in (0, 1), and the slot goes
 * to the arm with the lowest -ln(u) / w_i. So:
 *  - the table depends on the weights alone (not on their history, nor on
 *    a restart): the same weights give the same table;
 *  - raising w_k lowers only arm k's scores, so a slot can only change to
 *    k; lowering it moves only k's own slots, for any number of arms;
 *  - an arm's expected share of slots is w_i / sum(w).
 * The realised share differs from it by the luck of 65,536 draws (a
 * standard deviation of 0.12 points at a 10% share), fixed per weights.
 */
#ifndef VMON_SLOT_TABLE_H
#define VMON_SLOT_TABLE_H

#include <stdint.h>

/** Slots: the top 16 bits of the request id's hash pick one. */
#define VMON_SLOT_BITS  16
#define VMON_SLOT_COUNT (1u << VMON_SLOT_BITS)

/**
 * Fill `arms` (VMON_SLOT_COUNT entries) for `n` weights (each >= 0, some
 * > 0, already checked). `salt` reshuffles which slots go where, so two
 * experiments need not put the same ids on B.
 */
void vmon_slot_table_build(uint8_t *arms, const double *weights, uint32_t n, uint64_t salt);

#endif
