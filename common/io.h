/*
 * Small I/O helpers the core and the plugins share.
 */
#ifndef VMON_COMMON_IO_H
#define VMON_COMMON_IO_H

#include <stddef.h>
#include <sys/types.h>

/**
 * Write all `len` bytes of `buf` to `fd`, retrying short writes and writes
 * interrupted by a signal (EINTR). Returns 0, or -1 with errno set by the
 * failing write (EIO if write returned 0). A non-blocking fd may return -1
 * with EAGAIN after part of the data went out.
 */
int vmon_write_all(int fd, const void *buf, size_t len);

/*
 * Creates `path` and any missing parent folders (mkdir -p) with `mode`.
 * Returns 0 when the folder exists afterwards, or -1 with errno set by the
 * first step that failed (ENOTDIR when a part of the path is not a folder).
 */
int vmon_mkdir_p(const char *path, mode_t mode);

#endif
