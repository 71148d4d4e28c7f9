/*
 * The allocation counter of vmon-bench: bench/CMakeLists.txt links the binary
 * with -Wl,--wrap for these functions, so every call from the code linked in
 * (the core, common/, the benches) comes here first; calls from inside libc
 * or from the plugins (their own DSOs) do not. One definition for every
 * bench that counts (hist, traffic).
 */
#include <stdatomic.h>
#include <stddef.h>

#include "bench.h"

static atomic_ulong allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
char *__wrap_strdup(const char *s);

static void count(void)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

void *__wrap_malloc(size_t n)
{
    count();
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    count();
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    count();
    return __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    count();
    return __real_aligned_alloc(align, n);
}

/* glibc's strdup allocates inside libc, where --wrap=malloc cannot see it. */
char *__wrap_strdup(const char *s)
{
    count();
    return __real_strdup(s);
}

unsigned long bench_allocations(void)
{
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}
