/*
 * The spool's alert JSON codec. Any input either fails to parse or yields
 * an alert whose JSON round trip is stable: to_json(from_json(x)) parsed
 * again and printed gives the same text, so a spooled alert that is read
 * back, retried and spooled again never drifts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert_json.h"

static char *print_alert(const char *text)
{
    vmon_alert a;
    json_object *holder;
    if (vmon_alert_from_json(text, &a, &holder) != 0)
        return NULL;
    char *out = vmon_alert_to_json_string(&a);
    vmon_alert_json_release(&a, holder);
    if (!out)
        abort(); /* a parsed alert must always print */
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *first = print_alert(text);
    free(text);
    if (!first)
        return 0;
    char *second = print_alert(first);
    if (!second || strcmp(first, second) != 0)
        abort(); /* our own output must parse, and to the same alert */
    free(first);
    free(second);
    return 0;
}
