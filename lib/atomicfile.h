/*
 * Replacing a file so that readers see the old contents or the new, never a
 * part: a temporary file in the same directory, written, synced, renamed over
 * the old one, then the directory synced so the rename survives a crash.
 */
#ifndef ANEMONE_ATOMICFILE_H
#define ANEMONE_ATOMICFILE_H

#include <stddef.h>

/* Replace path with data[0..len), mode 0644.  Returns 0, or -1 with a
 * message ("cannot write: No space left on device") in err. */
int file_replace(const char *path, const void *data, size_t len, char *err, size_t errlen);

#endif
