/*
 * ospfmon's event log (events.h): topology events to JSON for the sink, and
 * flap detection over a bounded, growing hash table of recently changed
 * elements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "events.h"
#include "hash.h"
#include "sbuf.h"

#define MIN_BUCKETS 4096

/* The recent changes of one element. */
struct flap {
	struct flap *next;
	char key[96];
	uint64_t last_ms;
	uint64_t changes;            /* while flapping */
	unsigned n, head;            /* ring of the last flap_count change times */
	bool flapping;
	char *last_json;             /* the element's last event, while flapping */
	uint64_t times[];
};

struct evlog {
	struct evlog_conf c;
	evlog_sink_fn sink;
	void *ctx;
	struct sbuf sb;
	struct evlog_stats st;
	struct flap **bucket;
	uint32_t nbuckets;           /* a power of two */
	uint64_t seed;
};

struct evlog *evlog_new(const struct evlog_conf *c, evlog_sink_fn sink, void *ctx)
{
	struct evlog *el = calloc(1, sizeof(*el));

	if (el == NULL)
		return NULL;
	if ((el->bucket = calloc(MIN_BUCKETS, sizeof(*el->bucket))) == NULL) {
		free(el);
		return NULL;
	}
	el->nbuckets = MIN_BUCKETS;
	if (getrandom(&el->seed, sizeof(el->seed), 0) != sizeof(el->seed))
		el->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)el;
	el->c = *c;
	if (el->c.flap_count < 2)
		el->c.flap_count = 2;
	el->sink = sink;
	el->ctx = ctx;
	return el;
}

static void flap_free(struct flap *f)
{
	free(f->last_json);
	free(f);
}

void evlog_free(struct evlog *el)
{
	if (el == NULL)
		return;
	for (uint32_t i = 0; i < el->nbuckets; i++)
		while (el->bucket[i] != NULL) {
			struct flap *f = el->bucket[i];
			el->bucket[i] = f->next;
			flap_free(f);
		}
	free(el->bucket);
	sbuf_free(&el->sb);
	free(el);
}

/* The bucket of a key (a NUL-terminated string of fewer than 96 octets,
 * hashed zero-padded to 96 with the table's seed). */
static uint32_t key_hash(const struct evlog *el, const char *k)
{
	char buf[96] = { 0 };

	snprintf(buf, sizeof(buf), "%s", k);
	return (uint32_t)hash_words(buf, sizeof(buf), el->seed) & (el->nbuckets - 1);
}

/* Double the table when it holds twice as many elements as buckets (no
 * change when memory runs out: chains only get longer).  O(tracked),
 * amortised O(1) an element. */
static void maybe_grow(struct evlog *el)
{
	uint32_t n = el->nbuckets * 2, old = el->nbuckets;
	struct flap **b, **ob = el->bucket;

	if (el->st.tracked < 2 * (uint64_t)el->nbuckets || n == 0 ||
	    (b = calloc(n, sizeof(*b))) == NULL)
		return;
	el->bucket = b;
	el->nbuckets = n;
	for (uint32_t i = 0; i < old; i++)
		while (ob[i] != NULL) {
			struct flap *f = ob[i];
			uint32_t h = key_hash(el, f->key);
			ob[i] = f->next;
			f->next = b[h];
			b[h] = f;
		}
	free(ob);
}

/* The tracked element of `key`, made if new; NULL when the table is full
 * (counted) or memory ran out.  O(1) expected. */
static struct flap *flap_get(struct evlog *el, const char *key)
{
	struct flap **pp = &el->bucket[key_hash(el, key)], *f;

	for (f = *pp; f != NULL; f = f->next) {
		el->st.probes++;
		if (strcmp(f->key, key) == 0)
			return f;
	}
	if (el->st.tracked >= EVLOG_MAX_TRACKED) {
		el->st.untracked++;
		return NULL;
	}
	f = calloc(1, sizeof(*f) + el->c.flap_count * sizeof(f->times[0]));
	if (f == NULL)
		return NULL;
	snprintf(f->key, sizeof(f->key), "%s", key);
	f->next = *pp;
	*pp = f;
	el->st.tracked++;
	maybe_grow(el);
	return f;
}

/* Emit a flapping / flapping-stopped event about f at time_ms. */
static void emit_flap(struct evlog *el, const struct flap *f, const char *name,
                      uint64_t changes, uint64_t time_ms)
{
	sbuf_reset(&el->sb);
	sbuf_put(&el->sb, "{", 1);
	sbuf_time_fields(&el->sb, time_ms);
	sbuf_printf(&el->sb, ",\"event\":\"%s\",\"changes\":%llu,\"window_s\":%llu,\"last\":%s}",
	            name, (unsigned long long)changes,
	            (unsigned long long)(el->c.flap_window_ms / 1000),
	            f->last_json != NULL ? f->last_json : "null");
	if (sbuf_ok(&el->sb))
		el->sink(el->ctx, sbuf_str(&el->sb));
}

void evlog_topo(struct evlog *el, const struct topo_event *ev, uint64_t time_ms)
{
	char key[96];
	struct flap *f;
	uint64_t oldest;

	sbuf_reset(&el->sb);
	topo_event_json(ev, time_ms, &el->sb);
	if (!sbuf_ok(&el->sb))
		return;
	el->sink(el->ctx, sbuf_str(&el->sb));
	el->st.events[ev->type]++;

	topo_event_key(ev, key, sizeof(key));
	if ((f = flap_get(el, key)) == NULL)
		return;
	f->last_ms = time_ms;
	f->times[f->head] = time_ms;
	f->head = (f->head + 1) % el->c.flap_count;
	if (f->n < el->c.flap_count)
		f->n++;
	if (f->flapping) {
		f->changes++;
		free(f->last_json);
		f->last_json = strdup(sbuf_str(&el->sb));
		return;
	}
	oldest = f->times[f->head % el->c.flap_count];   /* the ring is full: head is the oldest */
	if (f->n == el->c.flap_count && time_ms - oldest <= el->c.flap_window_ms) {
		f->flapping = true;
		f->changes = f->n;
		f->last_json = strdup(sbuf_str(&el->sb));
		el->st.flapping++;
		el->st.flapping_now++;
		emit_flap(el, f, "flapping", f->changes, time_ms);
	}
}

void evlog_tick(struct evlog *el, uint64_t now_ms)
{
	for (uint32_t i = 0; i < el->nbuckets; i++) {
		struct flap **pp = &el->bucket[i], *f;
		while ((f = *pp) != NULL) {
			if (now_ms < f->last_ms + el->c.flap_window_ms) {
				pp = &f->next;
				continue;
			}
			if (f->flapping) {
				emit_flap(el, f, "flapping-stopped", f->changes,
				          f->last_ms + el->c.flap_window_ms);
				el->st.flapping_stopped++;
				el->st.flapping_now--;
			}
			*pp = f->next;
			flap_free(f);
			el->st.tracked--;
		}
	}
}

void evlog_stats(const struct evlog *el, struct evlog_stats *st)
{
	*st = el->st;
}
