/*
 * Label names: `[a-zA-Z_][a-zA-Z0-9_]*`, the rule Prometheus and
 * Alertmanager hold, so vmon's labels pass to them unchanged.
 */
#ifndef VMON_COMMON_LABELS_H
#define VMON_COMMON_LABELS_H

/** 1 if `name` is a valid label name, 0 if not (NULL and "" are not). Locale-independent. */
int vmon_valid_label_name(const char *name);

#endif
