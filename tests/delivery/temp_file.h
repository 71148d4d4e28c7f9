/* A cmocka fixture: a fresh folder per test and the path of one file in it. */
#ifndef VMON_TEST_TEMP_FILE_H
#define VMON_TEST_TEMP_FILE_H

#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

typedef struct fixture {
    char *dir;
    char path[1024];
} fixture;

static inline int temp_file_setup(void **state, const char *name)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = test_tempdir();
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    *state = f;
    return 0;
}

static inline int temp_file_teardown(void **state)
{
    fixture *f = *state;
    test_rm_tree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

#endif
