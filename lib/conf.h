/*
 * Configuration helpers over libconfig.  Every problem is reported as
 * "file:line: message" on stderr and counted in the context; the caller
 * exits with status 2 when conf_errors() is non-zero after loading.
 * Settings that are absent leave the output untouched (the caller sets
 * defaults first); unknown settings are errors, so a typo is never ignored.
 */
#ifndef ANEMONE_CONF_H
#define ANEMONE_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <libconfig.h>

#include "log.h"

#define CONF_EXIT 2

struct conf_ctx {
	const char *path;
	unsigned errors;
};

/* Report a problem about setting s (or the file itself when s is NULL). */
void conf_error(struct conf_ctx *cx, const config_setting_t *s, const char *fmt, ...)
	LOG_ATTR(3, 4);

/* Read and parse path into cfg (config_init already done).  Returns 0, or -1
 * after reporting the parse error or the unreadable file. */
int conf_read(struct conf_ctx *cx, config_t *cfg, const char *path);

/* Reject settings of group not named in `known` (NULL-terminated). */
void conf_known(struct conf_ctx *cx, const config_setting_t *group,
                const char *const known[]);

/* Look up child `name` of group (group may be NULL: absent).  Each returns 1
 * if found and valid, 0 if absent, -1 after reporting an error. */
int conf_uint(struct conf_ctx *cx, const config_setting_t *group, const char *name,
              uint64_t min, uint64_t max, uint64_t *out);
int conf_bool(struct conf_ctx *cx, const config_setting_t *group, const char *name,
              bool *out);
int conf_string(struct conf_ctx *cx, const config_setting_t *group, const char *name,
                const char **out);
/* The group "log" of root, alike in every daemon: syslog (bool), verbose
 * (0 or 1) and file (a path), each written only when set; any other
 * setting is an error.  Absent group: nothing. */
void conf_log_group(struct conf_ctx *cx, const config_setting_t *root, bool *syslog,
                    int *verbose, const char **file);

/* A duration: an integer number of seconds, or a string "250ms", "30s", "5m",
 * "1h".  Range in milliseconds. */
int conf_duration_ms(struct conf_ctx *cx, const config_setting_t *group, const char *name,
                     uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms);

/* Parse an unsigned decimal with strtoull and a full end-pointer check;
 * returns 0 and *out, or -1 (empty, junk, out of [min,max]). */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Parse a duration as above from a string; bare numbers are seconds. */
int parse_duration_ms(const char *s, uint64_t *out_ms);

#endif
