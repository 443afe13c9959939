/*
 * The anemone command's output: aligned text tables, the same tables as
 * CSV, JSON text built in a buffer, and the number formats people read
 * (12.3 GB, 123.4 Mb/s, 2026-11-02 09:00Z).  Nothing here reads Redis or
 * knows a command; commands fill tables and buffers and print them here.
 */
#ifndef ANEMONE_CLI_OUT_H
#define ANEMONE_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sbuf.h"

/* Print "anemone: <message>" on stderr (after flushing stdout) and exit
 * with status: 1 for failures, 2 for usage errors. */
void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* How a command prints its answer. */
enum out_fmt { OUT_TEXT, OUT_JSON, OUT_CSV };

/* A table: rows of cells (copied), the first row the header.  table_print
 * aligns the columns (a cell that reads as a number -- not the first
 * column, not the header -- to the right); table_csv prints RFC 4180 CSV.
 * Both free the cells and leave the table empty, ready for table_init.
 * Memory: the cells; running out ends the command (die). */
#define TABLE_MAXC 16
struct table {
	char **cell;
	unsigned ncols, nrows, cap;
};

void table_init(struct table *t, unsigned ncols);
/* One row: exactly ncols cells (const char *, NULL for empty). */
void table_row(struct table *t, ...);
/* One row from an array of ncols cells. */
void table_rowv(struct table *t, const char *const *cells);
/* Aligned text, each line starting with indent, trailing blanks cut. */
void table_print(struct table *t, FILE *fp, const char *indent);
/* CSV on fp, one line per row ("\n" ends a line); a cell holding a
 * comma, a quote, a line break or a leading or trailing blank is quoted. */
void table_csv(struct table *t, FILE *fp);
/* Between two CSV tables of one answer: an empty line. */
void csv_next_table(FILE *fp);

/* A JSON string (quoted, escaped) appended to b. */
void json_str(struct sbuf *b, const char *s);
/* A JSON string, or null when s is NULL. */
void json_str_or_null(struct sbuf *b, const char *s);
/* Print b and a newline on stdout, free b; die when b ran out of memory. */
void json_out(struct sbuf *b);

/* Text formats. */
void fmt_time(uint64_t ms, char *buf, size_t len);          /* 2026-11-02 09:00Z */
void fmt_time_iso(uint64_t ms, char *buf, size_t len);      /* 2026-11-02T09:00:00Z */
void fmt_bytes(uint64_t b, char *buf, size_t len);          /* 12.3 GB */
void fmt_rate(double bps, char *buf, size_t len);           /* 123.4 Mb/s */
void fmt_u64(uint64_t v, char *buf, size_t len);            /* 1234 */
void fmt_util(double u, bool known, char *buf, size_t len); /* 12.3%, or - */
/* A fraction for JSON and CSV, %.4f ("" in CSV, null in JSON when unknown
 * is the caller's choice). */
void fmt_frac4(double v, char *buf, size_t len);

#endif
