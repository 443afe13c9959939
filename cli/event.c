/*
 * One OSPF topology event as text (event.h): the JSON object read with
 * jansson and flattened member by member.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"

/* One flattened member. */
struct kv {
	char *key, *val;
};

struct flat {
	struct kv *kv;
	size_t n, cap;
	int failed;
};

static void flat_add(struct flat *fl, const char *key, const char *val)
{
	if (fl->failed)
		return;
	if (fl->n == fl->cap) {
		size_t nc = fl->cap ? fl->cap * 2 : 32;
		struct kv *x = realloc(fl->kv, nc * sizeof(*x));
		if (x == NULL) {
			fl->failed = 1;
			return;
		}
		fl->kv = x;
		fl->cap = nc;
	}
	fl->kv[fl->n].key = strdup(key);
	fl->kv[fl->n].val = strdup(val);
	if (fl->kv[fl->n].key == NULL || fl->kv[fl->n].val == NULL) {
		free(fl->kv[fl->n].key);
		free(fl->kv[fl->n].val);
		fl->failed = 1;
		return;
	}
	fl->n++;
}

/* The text of a scalar: a string as it is, anything else as JSON writes
 * it (NULL when out of memory: the caller frees). */
static char *scalar_text(const json_t *v)
{
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* Flatten v under key (the path so far).  Cost: linear in v; recursion as
 * deep as the document (jansson bounds it when parsing). */
static void flatten(struct flat *fl, const char *key, const json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		const json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			size_t len = strlen(key) + strlen(k) + 2;
			char *path = malloc(len);
			if (path == NULL) {
				fl->failed = 1;
				return;
			}
			if (*key)
				snprintf(path, len, "%s.%s", key, k);
			else
				snprintf(path, len, "%s", k);
			flatten(fl, path, m);
			free(path);
		}
	} else if (json_is_array(v)) {
		size_t i;
		const json_t *m;
		json_array_foreach(v, i, m)
			flatten(fl, key, m);
	} else {
		char *t = scalar_text(v);
		if (t == NULL)
			fl->failed = 1;
		else
			flat_add(fl, key, t);
		free(t);
	}
}

/* The event's subject: its first object member other than "old" (NULL if
 * none). */
static const char *subject(const json_t *root)
{
	const char *k;
	const json_t *m;

	json_object_foreach((json_t *)root, k, m)
		if (json_is_object(m) && strcmp(k, "old") != 0)
			return k;
	return NULL;
}

int event_read(const char *text, size_t len, struct event_fields *f)
{
	json_t *root = json_loadb(text, len, 0, NULL);
	struct flat fl = { 0 };
	const char *k, *subj;
	json_t *m;

	memset(f, 0, sizeof(*f));
	f->time_ms = -1;
	if (!json_is_object(root)) {
		json_decref(root);
		sbuf_printf(&f->details, " text=%.*s", (int)len, text);
		return -1;
	}
	json_object_foreach(root, k, m) {
		if (strcmp(k, "time_ms") == 0 && json_is_integer(m))
			f->time_ms = json_integer_value(m);
		else if (strcmp(k, "time") == 0 && json_is_string(m))
			sbuf_printf(&f->time, "%s", json_string_value(m));
		else if (strcmp(k, "event") == 0 && json_is_string(m))
			sbuf_printf(&f->event, "%s", json_string_value(m));
		else
			flatten(&fl, k, m);
	}
	subj = subject(root);
	for (size_t i = 0; i < fl.n; i++) {
		const char *key = fl.kv[i].key;
		bool same = false;
		if (strncmp(key, "old.", 4) == 0 && subj != NULL) {
			/* what changed only: old.X against SUBJECT.X */
			size_t sl = strlen(subj);
			for (size_t j = 0; j < fl.n && !same; j++)
				same = strncmp(fl.kv[j].key, subj, sl) == 0 && fl.kv[j].key[sl] == '.' &&
				       strcmp(fl.kv[j].key + sl + 1, key + 4) == 0 &&
				       strcmp(fl.kv[j].val, fl.kv[i].val) == 0;
		}
		if (!same)
			sbuf_printf(&f->details, " %s=%s", key, fl.kv[i].val);
	}
	if (fl.failed)
		f->details.failed = true;
	for (size_t i = 0; i < fl.n; i++) {
		free(fl.kv[i].key);
		free(fl.kv[i].val);
	}
	free(fl.kv);
	json_decref(root);
	return 0;
}

void event_fields_free(struct event_fields *f)
{
	sbuf_free(&f->time);
	sbuf_free(&f->event);
	sbuf_free(&f->details);
}

void event_line(const struct event_fields *f, struct sbuf *out)
{
	sbuf_printf(out, "%-24s  %-18s%s", sbuf_str(&f->time), sbuf_str(&f->event),
	            sbuf_str(&f->details));
}
