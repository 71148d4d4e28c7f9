/*
 * The address masking of --print and the milvus errors (common/url_redact.h).
 * Any text: the copy fits the buffer the helper sized (ASan checks) and
 * masking a masked text changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url_redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *once = vmon_url_redacted(text);
    char *twice = once ? vmon_url_redacted(once) : NULL;
    if (once && (!twice || strcmp(once, twice) != 0))
        abort(); /* masking a masked text changes nothing */
    free(twice);
    free(once);
    free(text);
    return 0;
}
