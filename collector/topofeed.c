/*
 * The collector's topology (see topofeed.h): from the file, or what the
 * poll's thread read from Redis, into the core's placer; and the links,
 * capacities and router names written for Grafana and anemone.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "lsdbdoc.h"
#include "place.h"
#include "sbuf.h"
#include "schema.h"
#include "topo.h"
#include "topofeed.h"

static void write_points(struct topofeed *c);

int topofeed_init(struct topofeed *c, const struct collector_conf *conf, struct coll *coll,
                  struct writer *w)
{
	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->coll = coll;
	c->w = w;
	if (conf->topo == TS_REDIS) {
		const char *p = conf->topo_prefix ? conf->topo_prefix :
		                conf->prefix ? conf->prefix : SCHEMA_DEFAULT_PREFIX;
		if ((c->tp = topopoll_new(&conf->rc, p, conf->topo_check_ms)) == NULL)
			return -1;
	}
	if (w != NULL && (conf->nmap > 0 || conf->ngroups > 0))
		write_points(c);             /* (nothing to say: no key, as before) */
	if (conf->snmp.nagents) {
		for (unsigned i = 0; i < conf->snmp.nagents; i++)
			if ((c->tab[i] = malloc(sizeof(*c->tab[i]))) == NULL)
				return -1;
		if ((c->snmp = snmp_poller_start(&conf->snmp)) == NULL)
			return -1;
		log_info("snmp: polling %u agent(s) every %llu s", conf->snmp.nagents,
		         (unsigned long long)(conf->snmp.interval_ms / 1000));
	}
	return 0;
}

void topofeed_free(struct topofeed *c)
{
	topopoll_free(c->tp);
	c->tp = NULL;
	snmp_poller_stop(c->snmp);
	c->snmp = NULL;
	for (unsigned i = 0; i < SNMP_MAX_AGENTS; i++) {
		free(c->tab[i]);
		c->tab[i] = NULL;
	}
	free(c->points);
	c->points = NULL;
	free(c->snmp_caps);
	c->snmp_caps = NULL;
}

static json_t *addr_json(int af, const union anm_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(af, a->b, s, sizeof(s));
	return json_string(s);
}

static json_t *id_json(uint32_t id)
{
	char s[16];

	if (id == 0)
		return json_null();
	ip4_format(id, s);
	return json_string(s);
}

/* The observation points and probe groups (<prefix>observation-points,
 * redis/SCHEMA.md), for anemone exporters --interfaces. */
static void write_points(struct topofeed *c)
{
	static const char *const roles[] = { "ingress", "edge", "core", "router" };
	const struct collector_conf *f = c->conf;
	json_t *doc = json_object(), *pts = json_array(), *grs = json_array();
	struct coll_map *inf = NULL;
	unsigned ninf = coll_inferred_points(c->coll, NULL, 0, &c->inferred_gen);
	char *s;

	if (ninf > 0 && (inf = malloc(ninf * sizeof(*inf))) != NULL)
		ninf = coll_inferred_points(c->coll, inf, ninf, &c->inferred_gen);
	else
		ninf = 0;
	for (unsigned i = 0; i < f->nmap + c->npoints + ninf; i++) {
		unsigned j = i - f->nmap - c->npoints;
		const struct coll_map *m = i < f->nmap ? &f->map[i] :
		                           i < f->nmap + c->npoints ? &c->points[i - f->nmap] : &inf[j];
		json_array_append_new(pts, json_pack("{s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:s}",
		    "exporter", addr_json(m->af, &m->addr),
		    "domain", m->any_domain ? json_null() : json_integer(m->domain),
		    "interface", m->any_if ? json_null() : json_integer(m->ifindex),
		    "router", id_json(m->router), "role", roles[m->role],
		    "neighbour", id_json(m->neighbour), "network", id_json(m->network),
		    "source", i < f->nmap ? "config" : i < f->nmap + c->npoints ? "snmp" :
		    "inferred"));
	}
	free(inf);
	for (unsigned g = 0; g < f->ngroups; g++) {
		json_t *xs = json_array();
		for (unsigned k = 0; k < f->nmembers; k++)
			if (f->members[k].group == g)
				json_array_append_new(xs, addr_json(f->members[k].af, &f->members[k].addr));
		json_array_append_new(grs, json_pack("{s:s,s:o,s:I}", "name", f->groups[g].name,
		    "exporters", xs, "silent_ms", (json_int_t)(f->groups[g].silent_ms ?
		    f->groups[g].silent_ms : COLL_GROUP_SILENT_MS)));
	}
	json_object_set_new(doc, "points", pts);
	json_object_set_new(doc, "probe_groups", grs);
	if ((s = json_dumps(doc, JSON_COMPACT)) != NULL) {
		writer_set(c->w, SCHEMA_OBSERVATION_POINTS, s, strlen(s));
		free(s);
	}
	json_decref(doc);
}

/* The links with their costs and capacities, for Grafana and anemone
 * (<prefix>link-topology, <prefix>capacity): the configured capacities
 * first, then those SNMP gave (each polled interface's speed, for the links
 * it sends on).  Cost: building the topology, linear in the LSAs. */
static void write_links(struct topofeed *c)
{
	const struct collector_conf *f = c->conf;
	struct topo *t = topo_build(c->db, c->db_ms);
	struct sbuf json = SBUF_INIT, caps = SBUF_INIT;
	struct cap_rule *rules = malloc((f->ncaps + c->nsnmp_caps + 1) * sizeof(*rules));

	if (t != NULL && rules != NULL) {
		memcpy(rules, f->caps, f->ncaps * sizeof(*rules));
		if (c->nsnmp_caps)
			memcpy(rules + f->ncaps, c->snmp_caps, c->nsnmp_caps * sizeof(*rules));
		linkdoc_build(t, c->loads, rules, f->ncaps + c->nsnmp_caps, &json, &caps);
		if (sbuf_ok(&json) && sbuf_ok(&caps)) {
			writer_set(c->w, SCHEMA_LINK_TOPOLOGY, sbuf_str(&json), json.len);
			writer_del(c->w, SCHEMA_CAPACITY);
			if (caps.len)
				writer_hset_text(c->w, SCHEMA_CAPACITY, sbuf_str(&caps));
		}
	} else {
		log_warnx("the links document: out of memory");
	}
	topo_free(t);
	free(rules);
	sbuf_free(&json);
	sbuf_free(&caps);
}

/* The configured router names (<prefix>router-names), 128 a command. */
static void write_names(struct topofeed *c)
{
	struct sbuf b = SBUF_INIT;

	writer_del(c->w, SCHEMA_ROUTER_NAMES);
	for (unsigned i = 0; i < c->conf->nnames; i++) {
		uint32_t id = c->conf->names[i].id;
		sbuf_printf(&b, "%u.%u.%u.%u=%s\n", id >> 24, id >> 16 & 255, id >> 8 & 255, id & 255,
		            c->conf->names[i].name);
		if ((i + 1) % 128 == 0 || i + 1 == c->conf->nnames) {
			if (sbuf_ok(&b))
				writer_hset_text(c->w, SCHEMA_ROUTER_NAMES, sbuf_str(&b));
			sbuf_reset(&b);
		}
	}
	sbuf_free(&b);
}

/* A new database (owned from here on) becomes the core's placer; the
 * links document, the capacities and the names are written.  A database
 * that cannot be built is freed, counted, and (from Redis) read again.
 * Cost: building the placer and the topology, linear in the LSAs. */
static void take_lsdb(struct topofeed *c, struct lsdb *db, uint64_t time_ms, const char *what)
{
	struct placer *p = placer_build(db, time_ms);

	if (p == NULL) {
		lsdb_free(db);
		log_warnx("%s: cannot build the topology (out of memory)", what);
		c->errors++;
		if (c->tp)
			topopoll_again(c->tp);          /* read it again */
		return;
	}
	coll_set_topology(c->coll, p, db);
	c->placer = p;
	c->db = db;
	c->db_ms = time_ms;
	c->loads++;
	log_info("%s: topology loaded (%u routers)", what, placer_routers(p));
	if (c->w) {
		write_links(c);
		write_names(c);
		write_points(c);
	}
}

/* Read the topology file again when its size or time changed (or when
 * forced); a file that is missing or does not parse is logged once per
 * change and the held topology stays. */
static void topo_file(struct topofeed *c, bool force)
{
	struct stat st;
	char err[256];
	uint64_t version = 0, time_ms = 0;
	struct lsdb *db;

	if (stat(c->conf->topo_file, &st) < 0) {
		if (force || c->size != -1)
			log_warn("%s", c->conf->topo_file);
		c->size = -1;
		return;
	}
	if (!force && st.st_size == c->size && st.st_mtim.tv_sec == c->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == c->mtime.tv_nsec)
		return;
	c->size = st.st_size;
	c->mtime = st.st_mtim;
	if ((db = lsdbdoc_load(c->conf->topo_file, &version, &time_ms, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s; keeping the topology held", c->conf->topo_file, err);
		c->errors++;
		return;
	}
	take_lsdb(c, db, time_ms, c->conf->topo_file);
}

/* Take the database the poll's thread has read from Redis, if there is a
 * new one.  Never waits for Redis. */
static void topo_redis(struct topofeed *c)
{
	uint64_t version = 0, time_ms = 0;
	struct lsdb *db = topopoll_take(c->tp, &version, &time_ms, &c->errors);
	char what[300];

	if (db == NULL)
		return;
	snprintf(what, sizeof(what), "redis %s: %s version %" PRIu64,
	         topopoll_endpoint(c->tp), schema_key_name(SCHEMA_OSPF_LSDB), version);
	take_lsdb(c, db, time_ms, what);
}

/* Each polled interface's speed as the capacity of the links it sends on
 * (a rule for its address), when they changed: the links written again. */
static void snmp_caps(struct topofeed *c)
{
	const struct snmp_conf *sc = &c->conf->snmp;
	struct cap_rule *r;
	unsigned n = 0, max = 0;

	for (unsigned i = 0; i < sc->nagents; i++)
		if (c->gen[i] != 0)
			max += c->tab[i]->naddrs;
	if ((r = malloc((max ? max : 1) * sizeof(*r))) == NULL)
		return;
	for (unsigned i = 0; i < sc->nagents; i++)
		if (c->gen[i] != 0)
			n += snmptab_caps(c->tab[i], r + n, max - n);
	if (n == c->nsnmp_caps && (n == 0 || memcmp(r, c->snmp_caps, n * sizeof(*r)) == 0)) {
		free(r);
		return;
	}
	free(c->snmp_caps);
	c->snmp_caps = r;
	c->nsnmp_caps = n;
	if (c->w && c->db)
		write_links(c);
}

/* The observation points from every agent's newest table, when one is
 * new or the topology changed.  Cost: a copy of each new table; deriving,
 * O(addresses x log n) an agent. */
static void snmp_points(struct topofeed *c)
{
	const struct snmp_conf *sc = &c->conf->snmp;
	bool fresh = c->loads != c->derived_loads;
	struct coll_map *pts;
	unsigned n = 0, max = 0, routers = 0;

	for (unsigned i = 0; i < sc->nagents; i++)
		if (snmp_poller_take(c->snmp, i, &c->gen[i], c->tab[i]))
			fresh = true;
	if (!fresh || c->placer == NULL)
		return;
	c->derived_loads = c->loads;
	for (unsigned i = 0; i < sc->nagents; i++)
		if (c->gen[i] != 0)
			max += c->tab[i]->naddrs;
	if ((pts = malloc((max ? max : 1) * sizeof(*pts))) == NULL) {
		log_warnx("snmp: out of memory: the observation points stay");
		return;
	}
	for (unsigned i = 0; i < sc->nagents; i++) {
		uint32_t r;
		unsigned k;
		if (c->gen[i] == 0)
			continue;
		k = snmptab_points(c->tab[i], c->placer, sc->agents[i].af, &sc->agents[i].exporter,
		                   pts + n, max - n, &r);
		if (r == 0)
			log_warnx("snmp %s: none of its addresses is a router's of the topology: no "
			          "observation point", sc->agents[i].peer);
		routers += r != 0;
		n += k;
	}
	snmp_caps(c);
	if (n == c->npoints && (n == 0 || memcmp(pts, c->points, n * sizeof(*pts)) == 0)) {
		free(pts);                   /* nothing changed */
		return;
	}
	if (coll_set_points(c->coll, pts, n) < 0) {
		free(pts);
		log_warnx("snmp: out of memory: the observation points stay");
		return;
	}
	free(c->points);
	c->points = pts;
	c->npoints = n;
	log_info("snmp: %u observation point(s) of %u router(s)", n, routers);
	if (c->w)
		write_points(c);
}

void topofeed_check(struct topofeed *c, uint64_t now_ms, bool force)
{
	if (c->conf->topo == TS_REDIS) {     /* polled by its thread: take it when there */
		if (force)
			topopoll_wait_first(c->tp);
		topo_redis(c);
	} else if (force || now_ms >= c->next_ms) {
		c->next_ms = now_ms + c->conf->topo_check_ms;
		if (c->conf->topo == TS_FILE)
			topo_file(c, force);
	}
	if (c->snmp)
		snmp_points(c);
	if (c->w != NULL && c->conf->nmap > 0 &&
	    coll_inferred_generation(c->coll) != c->inferred_gen)
		write_points(c);
}
