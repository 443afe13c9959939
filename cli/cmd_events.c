/*
 * anemone events [-n N]: the N newest OSPF topology events ospfmon
 * published, oldest first; each read with jansson (event.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "event.h"

struct events_result {
	redisReply *r;               /* the list, newest first */
};

/* The newest n events; dies when Redis holds no OSPF data at all. */
static void events_query(struct cli *c, struct events_result *res)
{
	struct store *s = &c->st;
	struct sbuf k = SBUF_INIT;

	schema_key(&k, s->ospf_prefix, SCHEMA_OSPF_EVENTS);
	res->r = store_cmd(s, "LRANGE %s 0 %u", store_key(&k), c->o.n - 1);
	if (res->r->elements == 0) {
		redisReply *v;
		bool none;
		sbuf_reset(&k);
		schema_key(&k, s->ospf_prefix, SCHEMA_OSPF_VERSION);
		v = store_cmd(s, "EXISTS %s", store_key(&k));
		none = v->integer == 0;
		freeReplyObject(v);
		if (none)
			die(1, "Redis at %s has no OSPF data (no %s): is anemone-ospfmon publishing there?",
			    s->endpoint, store_key(&k));
	}
	sbuf_free(&k);
}

/* The events as they were published; one that is not a JSON object (never
 * written by ospfmon) as {"unreadable":"<its text>"}, so that the answer
 * stays JSON. */
static void events_json(const struct cli *c, const void *res_)
{
	const struct events_result *res = res_;
	const redisReply *r = res->r;
	struct sbuf s = SBUF_INIT;

	(void)c;
	sbuf_printf(&s, "{\"events\":[");
	for (size_t i = r->elements; i-- > 0;) {
		const redisReply *e = r->element[i];
		json_t *j = e->type == REDIS_REPLY_STRING ? json_loadb(e->str, e->len, 0, NULL) : NULL;
		sbuf_printf(&s, "%s", i + 1 == r->elements ? "" : ",");
		if (json_is_object(j)) {
			sbuf_put(&s, e->str, e->len);
		} else {
			sbuf_printf(&s, "{\"unreadable\":");
			json_str(&s, e->type == REDIS_REPLY_STRING ? e->str : "");
			sbuf_printf(&s, "}");
		}
		json_decref(j);
	}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

/* "The N newest ...", then one line per event, oldest first. */
static void events_text(const struct cli *c, const void *res_)
{
	const struct events_result *res = res_;
	const redisReply *r = res->r;

	(void)c;
	printf("The %zu newest OSPF topology events (oldest first):\n", r->elements);
	for (size_t i = r->elements; i-- > 0;) {
		const redisReply *e = r->element[i];
		struct event_fields f;
		struct sbuf s = SBUF_INIT;
		event_read(e->type == REDIS_REPLY_STRING ? e->str : "", e->type == REDIS_REPLY_STRING ? e->len : 0, &f);
		event_line(&f, &s);
		if (!sbuf_ok(&s) || !sbuf_ok(&f.details))
			die(1, "out of memory");
		printf("%s\n", sbuf_str(&s));
		sbuf_free(&s);
		event_fields_free(&f);
	}
}

/* One row per event: time_ms, time, event, and the text's details (the
 * "k=v" members, blank-separated). */
static void events_csv(const struct cli *c, const void *res_)
{
	const struct events_result *res = res_;
	const redisReply *r = res->r;
	struct table t;

	(void)c;
	table_init(&t, 4);
	table_row(&t, "time_ms", "time", "event", "details");
	for (size_t i = r->elements; i-- > 0;) {
		const redisReply *e = r->element[i];
		struct event_fields f;
		char tm[24] = "";
		const char *d;
		event_read(e->type == REDIS_REPLY_STRING ? e->str : "", e->type == REDIS_REPLY_STRING ? e->len : 0, &f);
		if (!sbuf_ok(&f.details) || !sbuf_ok(&f.time) || !sbuf_ok(&f.event))
			die(1, "out of memory");
		if (f.time_ms >= 0)
			snprintf(tm, sizeof(tm), "%lld", (long long)f.time_ms);
		d = sbuf_str(&f.details);
		table_row(&t, tm, sbuf_str(&f.time), sbuf_str(&f.event), *d == ' ' ? d + 1 : d);
		event_fields_free(&f);
	}
	table_csv(&t, stdout);
}

static const struct cli_render events_render = { events_text, events_json, events_csv };

/* events [-n N]: read, print.  Cost: one LRANGE of N and N parses. */
int cmd_events(struct cli *c, int argc, char **argv)
{
	struct events_result res;

	(void)argv;
	if (argc != 0)
		die(2, "events: no arguments (-n N: how many)");
	events_query(c, &res);
	cli_render(c, &events_render, &res);
	freeReplyObject(res.r);
	return 0;
}
