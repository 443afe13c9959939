#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

void conf_error(struct conf_ctx *cx, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = cx->path;
	unsigned line = 0;
	char msg[512];
	va_list ap;

	if (s != NULL) {
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
	cx->errors++;
}

int conf_read(struct conf_ctx *cx, config_t *cfg, const char *path)
{
	FILE *fp;

	cx->path = path;
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		cx->errors++;
		return -1;
	}
	if (config_read(cfg, fp) != CONFIG_TRUE) {
		fprintf(stderr, "%s:%d: %s\n", path, config_error_line(cfg),
		        config_error_text(cfg));
		cx->errors++;
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

void conf_known(struct conf_ctx *cx, const config_setting_t *group,
                const char *const known[])
{
	int n;

	if (group == NULL)
		return;
	n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		bool ok = false;

		if (name == NULL)
			continue;
		for (const char *const *k = known; *k != NULL; k++)
			if (strcmp(*k, name) == 0)
				ok = true;
		if (!ok)
			conf_error(cx, s, "unknown setting '%s'", name);
	}
}

static const config_setting_t *child(const config_setting_t *group, const char *name)
{
	return group ? config_setting_get_member(group, name) : NULL;
}

int conf_uint(struct conf_ctx *cx, const config_setting_t *group, const char *name,
              uint64_t min, uint64_t max, uint64_t *out)
{
	const config_setting_t *s = child(group, name);
	long long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		uint64_t u;
		if (parse_uint(config_setting_get_string(s), min, max, &u) < 0)
			goto range;
		*out = u;
		return 1;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_error(cx, s, "'%s' must be an integer", name);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max)
		goto range;
	*out = (uint64_t)v;
	return 1;
range:
	conf_error(cx, s, "'%s' must be an integer from %" PRIu64 " to %" PRIu64,
	           name, min, max);
	return -1;
}

/* Child `name` of group when present and of libconfig type `type`.  *rc is
 * 1 then, 0 when absent, -1 when of another type (reported as "'name' must
 * be WHAT"). */
static const config_setting_t *typed_child(struct conf_ctx *cx, const config_setting_t *group,
                                           const char *name, int type, const char *what,
                                           int *rc)
{
	const config_setting_t *s = child(group, name);

	*rc = s == NULL ? 0 : 1;
	if (s != NULL && config_setting_type(s) != type) {
		conf_error(cx, s, "'%s' must be %s", name, what);
		*rc = -1;
	}
	return *rc == 1 ? s : NULL;
}

int conf_bool(struct conf_ctx *cx, const config_setting_t *group, const char *name,
              bool *out)
{
	int rc;
	const config_setting_t *s = typed_child(cx, group, name, CONFIG_TYPE_BOOL,
	                                        "true or false", &rc);

	if (s != NULL)
		*out = config_setting_get_bool(s);
	return rc;
}

int conf_string(struct conf_ctx *cx, const config_setting_t *group, const char *name,
                const char **out)
{
	int rc;
	const config_setting_t *s = typed_child(cx, group, name, CONFIG_TYPE_STRING,
	                                        "a string", &rc);

	if (s != NULL)
		*out = config_setting_get_string(s);
	return rc;
}

int conf_duration_ms(struct conf_ctx *cx, const config_setting_t *group, const char *name,
                     uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms)
{
	const config_setting_t *s = child(group, name);
	uint64_t ms;

	if (s == NULL)
		return 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		long long v = config_setting_get_int64(s);
		if (v < 0 || (uint64_t)v > UINT64_MAX / 1000)
			goto bad;
		ms = (uint64_t)v * 1000;
		break;
	}
	case CONFIG_TYPE_STRING:
		if (parse_duration_ms(config_setting_get_string(s), &ms) < 0)
			goto bad;
		break;
	default:
		goto bad;
	}
	if (ms < min_ms || ms > max_ms)
		goto bad;
	*out_ms = ms;
	return 1;
bad:
	conf_error(cx, s, "'%s' must be a duration from %" PRIu64 "ms to %" PRIu64
	           "s (seconds, or a string such as \"500ms\", \"30s\", \"5m\", \"1h\")",
	           name, min_ms, max_ms / 1000);
	return -1;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_duration_ms(const char *s, uint64_t *out_ms)
{
	static const struct { const char *sfx; uint64_t mult; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "", 1000 },
	};
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].sfx) == 0) {
			if (v > UINT64_MAX / units[i].mult)
				return -1;
			*out_ms = v * units[i].mult;
			return 0;
		}
	}
	return -1;
}

void conf_log_group(struct conf_ctx *cx, const config_setting_t *root, bool *syslog,
                    int *verbose, const char **file)
{
	static const char *const known[] = { "syslog", "verbose", "file", NULL };
	const config_setting_t *g = root ? config_setting_get_member(root, "log") : NULL;
	uint64_t v;

	if (g == NULL)
		return;
	conf_known(cx, g, known);
	conf_bool(cx, g, "syslog", syslog);
	if (conf_uint(cx, g, "verbose", 0, 1, &v) > 0)
		*verbose = (int)v;
	conf_string(cx, g, "file", file);
}
