/*
 * 64-bit FNV-1a, the hash behind alert fingerprints and batch keys. Not
 * cryptographic: it identifies, it does not authenticate. The values are
 * visible to receivers (fingerprints), so the algorithm must not change.
 */
#ifndef VMON_COMMON_FNV_H
#define VMON_COMMON_FNV_H

#include <stddef.h>
#include <stdint.h>

#define VMON_FNV64_OFFSET 14695981039346656037ULL
#define VMON_FNV64_PRIME  1099511628211ULL

/** Fold `n` bytes of `data` into the running hash `h` (start from VMON_FNV64_OFFSET). */
uint64_t vmon_fnv1a64(uint64_t h, const void *data, size_t n);

/**
 * Fold the string `s` and then a 0xff separator byte into `h`. 0xff never
 * occurs in UTF-8, so a sequence of fields hashes apart from any other
 * split of the same bytes: ("ab","c") and ("a","bc") differ.
 */
uint64_t vmon_fnv1a64_field(uint64_t h, const char *s);

#endif
