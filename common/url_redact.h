/*
 * Passwords written inside addresses (`http://user:password@host`, accepted by
 * libcurl as HTTP Basic credentials) masked for display: `--print`, error
 * messages and the log show `http://user:********@host`.
 */
#ifndef VMON_COMMON_URL_REDACT_H
#define VMON_COMMON_URL_REDACT_H

/**
 * A copy of `text` (malloc'd; NULL when out of memory) where every
 * `scheme://userinfo@` keeps the user name and has its password, or a lone
 * token, replaced by `********`. Text with no such address is copied as is.
 */
char *vmon_url_redacted(const char *text);

#endif
