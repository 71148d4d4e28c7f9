/*
 * vmon.ini(5) as roff, written from the option tables themselves: the core's
 * keys of every section kind and the keys of every plugin in a folder, the
 * same tables `vmond --describe` prints, so the manual cannot drift from the
 * code. The build runs `vmond --man-ini` over its plugin folder.
 */
#ifndef VMON_CORE_MAN_INI_H
#define VMON_CORE_MAN_INI_H

#include <stdio.h>

/**
 * Write the page for the plugins in `plugin_dir` to `out`. Returns 0, or -1
 * when a plugin file there is refused (the page would miss its keys; the
 * reason goes to `errs`) or when writing failed.
 */
int vmon_man_ini_write(FILE *out, FILE *errs, const char *plugin_dir, const char *version);

/** Write `s` as roff text: backslashes, hyphens, quotes and non-ASCII escaped. */
void vmon_roff_text(FILE *out, const char *s);

#endif
