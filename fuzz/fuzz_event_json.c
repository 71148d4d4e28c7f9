/*
 * The spool's event JSON codec (common/event_json.h). Any input either fails
 * to parse or yields an event whose JSON round trip is stable, so a spooled
 * event that is read back, retried and spooled again never drifts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_json.h"

static char *print_event(const char *text)
{
    vmon_event a;
    json_object *holder;
    if (vmon_event_from_json(text, &a, &holder) != 0)
        return NULL;
    char *out = vmon_event_to_json_string(&a);
    vmon_event_json_release(&a, holder);
    if (!out)
        abort(); /* a parsed event must always print */
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *first = print_event(text);
    free(text);
    if (!first)
        return 0;
    char *second = print_event(first);
    if (!second || strcmp(first, second) != 0)
        abort(); /* our own output must parse, and to the same event */
    free(first);
    free(second);
    return 0;
}
