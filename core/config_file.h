/*
 * One config file read whole, as bytes: only a regular file, at most a
 * given size, and never blocking (a FIFO, a device or a directory is
 * refused before it is read). Its identity (device and inode) lets the
 * reader take each file once per load.
 */
#ifndef VMON_CORE_CONFIG_FILE_H
#define VMON_CORE_CONFIG_FILE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct vmon_cfg_file {
    int fd;
    dev_t dev;
    ino_t ino;
    size_t size; /* when opened; the file may still change */
    char *bytes; /* after vmon_cfg_file_read: the content, not NUL-terminated */
    size_t len;
} vmon_cfg_file;

/**
 * Open `path` if it is a regular file of at most `max_bytes`. On error
 * returns -1 and writes the reason into `why` (`not a regular file (a FIFO)`,
 * `larger than the 16 MiB limit`, the system's message).
 */
int vmon_cfg_file_open(const char *path, size_t max_bytes, vmon_cfg_file *f, char *why,
                       size_t whylen);
/** Read the whole opened file, still at most `max_bytes`. Returns 0 or -1 with `why`. */
int vmon_cfg_file_read(vmon_cfg_file *f, size_t max_bytes, char *why, size_t whylen);
/** Close the file and free what was read. */
void vmon_cfg_file_close(vmon_cfg_file *f);

#endif
