/*
 * The anemone command's output (out.h): aligned text tables and their CSV
 * form, JSON strings, number and time formats, and the one way a command
 * fails (die).  No Redis, no routing: what to print is the caller's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out.h"

void die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("anemone: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* --- tables ---------------------------------------------------------------- */

void table_init(struct table *t, unsigned ncols)
{
	if (ncols == 0 || ncols > TABLE_MAXC)
		die(1, "internal error: a table of %u columns", ncols);
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void table_rowv(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		unsigned nc = t->cap ? t->cap * 2 : 32;
		char **x = realloc(t->cell, (size_t)nc * TABLE_MAXC * sizeof(*x));
		if (x == NULL)
			die(1, "out of memory");
		t->cell = x;
		t->cap = nc;
	}
	for (unsigned i = 0; i < TABLE_MAXC; i++) {
		const char *c = i < t->ncols ? cells[i] : NULL;
		char *d = NULL;
		if (c != NULL && (d = strdup(c)) == NULL)
			die(1, "out of memory");
		t->cell[(size_t)t->nrows * TABLE_MAXC + i] = d;
	}
	t->nrows++;
}

void table_row(struct table *t, ...)
{
	const char *c[TABLE_MAXC];
	va_list ap;

	va_start(ap, t);
	for (unsigned i = 0; i < t->ncols; i++)
		c[i] = va_arg(ap, const char *);
	va_end(ap);
	table_rowv(t, c);
}

static void table_free(struct table *t)
{
	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned i = 0; i < TABLE_MAXC; i++)
			free(t->cell[(size_t)r * TABLE_MAXC + i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

/* Whether a cell reads as a number (right-aligned): a digit after an
 * optional sign, or "-"; not an address (one '.' at most, no ':', one '/'
 * at most). */
static int numeric(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');

	if (strcmp(s, "-") == 0)
		return 1;
	if (*p < '0' || *p > '9' || strchr(s, ':') || strchr(s, '/') != strrchr(s, '/'))
		return 0;
	return strchr(s, '.') == strrchr(s, '.');
}

void table_print(struct table *t, FILE *fp, const char *indent)
{
	size_t w[TABLE_MAXC] = { 0 };

	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *c = t->cell[(size_t)r * TABLE_MAXC + i];
			if (c && strlen(c) > w[i])
				w[i] = strlen(c);
		}
	for (unsigned r = 0; r < t->nrows; r++) {
		struct sbuf line = SBUF_INIT;
		size_t n;
		sbuf_printf(&line, "%s", indent);
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *c = t->cell[(size_t)r * TABLE_MAXC + i];
			if (c == NULL)
				c = "";
			if (i && r && numeric(c))
				sbuf_printf(&line, "%s%*s", i ? "  " : "", (int)w[i], c);
			else
				sbuf_printf(&line, "%s%-*s", i ? "  " : "", (int)w[i], c);
		}
		if (!sbuf_ok(&line))
			die(1, "out of memory");
		n = line.len;
		while (n > 0 && line.p[n - 1] == ' ')
			n--;
		fprintf(fp, "%.*s\n", (int)n, sbuf_str(&line));
		sbuf_free(&line);
	}
	table_free(t);
}

static void csv_cell(FILE *fp, const char *c)
{
	size_t n = strlen(c);

	if (strpbrk(c, ",\"\r\n") == NULL && (n == 0 || (c[0] != ' ' && c[n - 1] != ' '))) {
		fputs(c, fp);
		return;
	}
	putc('"', fp);
	for (; *c; c++) {
		if (*c == '"')
			putc('"', fp);
		putc(*c, fp);
	}
	putc('"', fp);
}

void table_csv(struct table *t, FILE *fp)
{
	for (unsigned r = 0; r < t->nrows; r++) {
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *c = t->cell[(size_t)r * TABLE_MAXC + i];
			if (i)
				putc(',', fp);
			csv_cell(fp, c ? c : "");
		}
		putc('\n', fp);
	}
	table_free(t);
}

void csv_next_table(FILE *fp)
{
	putc('\n', fp);
}

/* --- JSON ------------------------------------------------------------------ */

void json_str(struct sbuf *b, const char *s)
{
	sbuf_put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sbuf_printf(b, "\\u%04x", *s);
		else
			sbuf_put(b, s, 1);
	}
	sbuf_put(b, "\"", 1);
}

void json_str_or_null(struct sbuf *b, const char *s)
{
	if (s)
		json_str(b, s);
	else
		sbuf_printf(b, "null");
}

void json_out(struct sbuf *b)
{
	if (!sbuf_ok(b))
		die(1, "out of memory");
	fputs(sbuf_str(b), stdout);
	putchar('\n');
	sbuf_free(b);
}

/* --- numbers and times ----------------------------------------------------- */

void fmt_time(uint64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (ms % 60000)
		strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%MZ", &tm);
}

void fmt_time_iso(uint64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fmt_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const u[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, len, "%.1f %s", v, u[i]);
}

void fmt_rate(double bps, char *buf, size_t len)
{
	static const char *const u[] = { "b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s" };
	int i = 0;

	while (bps >= 1000 && i < 4) {
		bps /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", bps, u[i]);
}

void fmt_u64(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

void fmt_util(double u, bool known, char *buf, size_t len)
{
	if (known)
		snprintf(buf, len, "%.1f%%", u * 100);
	else
		snprintf(buf, len, "-");
}

void fmt_frac4(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.4f", v);
}
