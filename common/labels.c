#include "labels.h"

/* ASCII classes by hand: isalpha() follows the locale, label names must not. */
static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

int vmon_valid_label_name(const char *name)
{
    if (!name || !is_name_start(*name))
        return 0;
    for (const char *p = name + 1; *p; p++)
        if (!is_name_char(*p))
            return 0;
    return 1;
}
