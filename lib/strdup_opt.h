/*
 * strdup for optional strings: NULL stays NULL; a failed copy sets *oom,
 * so a constructor copies all its strings and checks once.
 */
#ifndef ANEMONE_STRDUP_OPT_H
#define ANEMONE_STRDUP_OPT_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline char *strdup_opt(const char *s, bool *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = true;
	return d;
}

#endif
