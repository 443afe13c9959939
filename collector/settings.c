/*
 * anemone-collector configuration (see settings.h).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "ipfix_in.h"
#include "log.h"
#include "schema.h"
#include "settings.h"
#include "writer.h"

void collector_conf_defaults(struct collector_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rcvbuf = COL_DEF_RCVBUF;
	c->flush_ms = SCHEMA_DEFAULT_FLUSH_MS;
	c->max_exporters = COLL_DEFAULT_MAX_EXPORTERS;
	c->max_keys = COLL_DEFAULT_MAX_KEYS;
	c->tcp_max = COL_DEF_TCP_MAX;
	c->tcp_per_source = COL_DEF_TCP_PER_SRC;
	c->tcp_idle_ms = COL_DEF_TCP_IDLE_MS;
	c->snmp.interval_ms = 300000;
	c->snmp.timeout_ms = 2000;
	c->snmp.retries = 1;
	c->snmp.community = "public";
	c->tcp_message_ms = COL_DEF_TCP_MSG_MS;
	c->top_sketch = COL_DEF_TOP_SKETCH;
	c->max_sampling = IPFIX_MAX_SAMPLING_DEFAULT;
	c->max_domains = COLL_DEFAULT_MAX_DOMAINS;
	c->template_memory = COLL_DEFAULT_TEMPLATE_MEMORY;
	c->template_share = COLL_DEFAULT_TEMPLATE_SHARE;
	c->redis = true;
	c->rc.host = "127.0.0.1";
	c->rc.port = RCONN_DEFAULT_PORT;
	c->rc.timeout_ms = RCONN_DEFAULT_TIMEOUT_MS;
	c->topo = TS_REDIS;
	c->topo_check_ms = COL_DEF_CHECK_MS;
}

int col_listen_parse(const char *spec, struct col_listen *l, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	char protos[64];
	size_t n;

	memset(l, 0, sizeof(*l));
	snprintf(l->spec, sizeof(l->spec), "%s", spec);
	if (colon == NULL || (n = (size_t)(colon - spec)) == 0 || n >= sizeof(protos)) {
		snprintf(err, errlen, "'%s': expected PROTO:ADDR:PORT (PROTO v5, v9, ipfix, "
		         "udp or ipfix+tcp; several UDP ones joined by commas)", spec);
		return -1;
	}
	memcpy(protos, spec, n);
	protos[n] = 0;
	if (strcmp(protos, "ipfix+tcp") == 0) {
		l->tcp = true;
		l->protos = CP_IPFIX;
	} else {
		char *save = NULL;
		for (char *t = strtok_r(protos, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (strcmp(t, "v5") == 0)
				l->protos |= CP_V5;
			else if (strcmp(t, "v9") == 0)
				l->protos |= CP_V9;
			else if (strcmp(t, "ipfix") == 0)
				l->protos |= CP_IPFIX;
			else if (strcmp(t, "udp") == 0)
				l->protos |= CP_V5 | CP_V9 | CP_IPFIX;
			else {
				snprintf(err, errlen, "'%s': unknown protocol '%s' (v5, v9, ipfix, udp, "
				         "ipfix+tcp)", spec, t);
				return -1;
			}
		}
		if (l->protos == 0) {
			snprintf(err, errlen, "'%s': no protocol", spec);
			return -1;
		}
	}
	return endpoint_parse(spec, colon + 1, l->tcp ? SOCK_STREAM : SOCK_DGRAM, true, &l->ep,
	                      err, errlen);
}

int col_clock_parse(const char *s, bool *exporter)
{
	if (strcmp(s, "arrival") == 0)
		*exporter = false;
	else if (strcmp(s, "exporter") == 0)
		*exporter = true;
	else
		return -1;
	return 0;
}

int col_prefix_parse(const char *s, struct coll_prefix *p, char *err, size_t errlen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t plen;

	memset(p, 0, sizeof(*p));
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "'%s': not an address", s);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, p->addr.b) == 1)
		p->af = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr.b) == 1)
		p->af = AF_INET6;
	else {
		snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address", s);
		return -1;
	}
	plen = p->af == AF_INET ? 32 : 128;
	if (slash && parse_uint(slash + 1, 0, plen, &plen) < 0) {
		snprintf(err, errlen, "'%s': prefix length must be 0-%d", s, p->af == AF_INET ? 32 : 128);
		return -1;
	}
	p->plen = (uint8_t)plen;
	/* host bits must be zero: a typo'd mask is not silently widened */
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? (plen - i * 8 >= 8 ? 8 : plen - i * 8) : 0;
		uint8_t mask = (uint8_t)(0xff00 >> bits);
		if (p->addr.b[i] & ~mask) {
			snprintf(err, errlen, "'%s': host bits set beyond /%u", s, (unsigned)plen);
			return -1;
		}
	}
	return 0;
}

int col_redis_parse(const char *s, struct rconn_conf *rc, char *hostbuf, size_t hostlen,
                    char *err, size_t errlen)
{
	if (rconn_parse(s, rc, hostbuf, hostlen) < 0) {
		snprintf(err, errlen, "'%s': expected HOST[:PORT], [IPV6]:PORT or a socket path", s);
		return -1;
	}
	return 0;
}

const char *col_default_id(const struct collector_conf *c, char *buf, size_t len)
{
	char host[256];
	size_t n;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = 0;
	snprintf(buf, len, "%s/", host);
	for (unsigned i = 0; i < c->nlisten && (n = strlen(buf)) + 1 < len; i++)
		snprintf(buf + n, len - n, "%s%s", i ? "," : "", c->listen[i].spec);
	return buf;
}

static const char *const top_known[] = {
	"listen", "allow", "forward", "socket-buffer", "flush-interval", "max-exporters",
	"max-keys", "max-sampling-rate", "max-domains", "template-memory",
	"template-memory-share", "clock", "redis", "topology", "tcp", "exporters", "capacities",
	"routers", "probe-groups", "duplicates", "snmp", "log", "user", NULL
};
static const char *const dup_known[] = { "detect", "window", "records", NULL };
static const char *const redis_known[] = {
	"enabled", "host", "port", "socket", "user", "password", "db", "prefix", "id", "timeout",
	"backlog", "top-n", "top-sketch", NULL
};
static const char *const tcp_known[] = {
	"max-connections", "max-per-source", "idle-timeout", "message-timeout", NULL
};
static const char *const topo_known[] = { "source", "file", "prefix", "check-interval", NULL };
static const char *const map_known[] = { "address", "domain", "interface", "router", "role",
                                         "neighbour", "network", NULL };
static const char *const cap_known[] = { "link", "prefix", "bps", NULL };

/* A list of strings, each handed to fn; errors reported at the element. */
static void string_list(struct conf_ctx *cx, const config_setting_t *root, const char *name,
                        int (*fn)(void *ctx, const char *s, char *err, size_t errlen),
                        void *ctx)
{
	const config_setting_t *l = config_setting_get_member(root, name);
	char err[512];

	if (l == NULL)
		return;
	if (config_setting_type(l) == CONFIG_TYPE_STRING) {
		if (fn(ctx, config_setting_get_string(l), err, sizeof(err)) < 0)
			conf_error(cx, l, "%s: %s", name, err);
		return;
	}
	if (!config_setting_is_aggregate(l)) {
		conf_error(cx, l, "'%s' must be a string or a list of strings", name);
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_error(cx, e, "'%s' must be a list of strings", name);
			continue;
		}
		if (fn(ctx, config_setting_get_string(e), err, sizeof(err)) < 0)
			conf_error(cx, e, "%s", err);
	}
}

static int add_listen(void *ctx, const char *s, char *err, size_t errlen)
{
	struct collector_conf *c = ctx;

	if (c->nlisten == COL_MAX_LISTEN) {
		snprintf(err, errlen, "at most %d listeners", COL_MAX_LISTEN);
		return -1;
	}
	if (col_listen_parse(s, &c->listen[c->nlisten], err, errlen) < 0)
		return -1;
	c->nlisten++;
	return 0;
}

static int add_allow(void *ctx, const char *s, char *err, size_t errlen)
{
	struct collector_conf *c = ctx;

	if (c->nallow == COL_MAX_ALLOW) {
		snprintf(err, errlen, "at most %d allowed prefixes", COL_MAX_ALLOW);
		return -1;
	}
	if (col_prefix_parse(s, &c->allow[c->nallow], err, errlen) < 0)
		return -1;
	c->nallow++;
	return 0;
}

static int add_forward(void *ctx, const char *s, char *err, size_t errlen)
{
	struct collector_conf *c = ctx;

	if (c->nforward == COL_MAX_FORWARD) {
		snprintf(err, errlen, "at most %d forwarding destinations", COL_MAX_FORWARD);
		return -1;
	}
	if (endpoint_parse(s, s, SOCK_DGRAM, false, &c->forward[c->nforward], err, errlen) < 0)
		return -1;
	c->nforward++;
	return 0;
}

static int ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static void load_map(struct conf_ctx *cx, struct collector_conf *c, const config_setting_t *l)
{
	if (!config_setting_is_list(l)) {
		conf_error(cx, l, "'exporters' must be a list of groups ( { address = ...; "
		           "router = ...; }, ... )");
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		struct coll_map *m = &c->map[c->nmap];
		struct coll_prefix p;
		const char *s;
		uint64_t v;
		char err[256];

		if (!config_setting_is_group(g)) {
			conf_error(cx, g, "each exporter must be a group { address = ...; router = ...; }");
			continue;
		}
		if (c->nmap == COL_MAX_MAP) {
			conf_error(cx, g, "at most %d exporter mappings", COL_MAX_MAP);
			return;
		}
		memset(m, 0, sizeof(*m));
		conf_known(cx, g, map_known);
		if (conf_string(cx, g, "address", &s) <= 0) {
			conf_error(cx, g, "exporter needs 'address'");
			continue;
		}
		if (col_prefix_parse(s, &p, err, sizeof(err)) < 0 ||
		    p.plen != (p.af == AF_INET ? 32 : 128)) {
			conf_error(cx, config_setting_get_member(g, "address"),
			           "'%s': expected one address", s);
			continue;
		}
		m->af = p.af;
		m->addr = p.addr;
		m->any_domain = m->any_if = true;
		if (conf_uint(cx, g, "domain", 0, UINT32_MAX, &v) > 0) {
			m->any_domain = false;
			m->domain = (uint32_t)v;
		}
		if (conf_uint(cx, g, "interface", 0, UINT32_MAX, &v) > 0) {
			m->any_if = false;
			m->ifindex = (uint32_t)v;
		}
		if (conf_string(cx, g, "router", &s) <= 0) {
			conf_error(cx, g, "exporter needs 'router' (an OSPF router id)");
			continue;
		}
		if (ipv4(s, &m->router) < 0 || m->router == 0) {
			conf_error(cx, config_setting_get_member(g, "router"),
			           "'%s': a router id is a dotted quad", s);
			continue;
		}
		m->role = COLL_ROLE_INGRESS;
		if (conf_string(cx, g, "role", &s) > 0) {
			if (strcmp(s, "edge") == 0) {
				m->role = COLL_ROLE_EDGE;
			} else if (strcmp(s, "ingress") == 0) {
				m->role = COLL_ROLE_INGRESS;
			} else if (strcmp(s, "core") == 0) {
				m->role = COLL_ROLE_CORE;
			} else if (strcmp(s, "router") == 0) {
				m->role = COLL_ROLE_ROUTER;
			} else {
				conf_error(cx, config_setting_get_member(g, "role"),
				           "'%s': role is \"edge\" (facing outside the OSPF domain), "
				           "\"core\" (facing the router 'neighbour') or \"router\" "
				           "(the router's own export, on every interface)", s);
				continue;
			}
		}
		if (m->role == COLL_ROLE_ROUTER && !m->any_if) {
			conf_error(cx, config_setting_get_member(g, "interface"),
			           "role = \"router\" is for every interface of the exporter: "
			           "an interface's own entry has role \"edge\" or \"core\"");
			continue;
		}
		if (conf_string(cx, g, "neighbour", &s) > 0) {
			if (m->role != COLL_ROLE_CORE) {
				conf_error(cx, config_setting_get_member(g, "neighbour"),
				           "'neighbour' goes with role = \"core\"");
				continue;
			}
			if (ipv4(s, &m->neighbour) < 0 || m->neighbour == 0) {
				conf_error(cx, config_setting_get_member(g, "neighbour"),
				           "'%s': a router id is a dotted quad", s);
				continue;
			}
			if (m->neighbour == m->router) {
				conf_error(cx, config_setting_get_member(g, "neighbour"),
				           "'%s': the neighbour is another router than 'router'", s);
				continue;
			}
		}
		if (conf_string(cx, g, "network", &s) > 0) {
			if (m->role != COLL_ROLE_CORE || m->neighbour != 0) {
				conf_error(cx, config_setting_get_member(g, "network"),
				           "'network' goes with role = \"core\", instead of 'neighbour'");
				continue;
			}
			if (ipv4(s, &m->network) < 0 || m->network == 0) {
				conf_error(cx, config_setting_get_member(g, "network"),
				           "'%s': a LAN is named by its DR's interface address (the "
				           "network-LSA's id), a dotted quad", s);
				continue;
			}
		}
		if (m->role == COLL_ROLE_CORE && m->neighbour == 0 && m->network == 0) {
			conf_error(cx, config_setting_get_member(g, "role"),
			           "role = \"core\" needs 'neighbour' (the router id at the other "
			           "end of a point-to-point interface) or 'network' (a LAN's id)");
			continue;
		}
		c->nmap++;
	}
}

/* snmp = { community = "public"; interval = "300s"; timeout = "2s"; retries = 1;
 * agents = ( { exporter = "10.0.0.1"; address = "10.0.0.1"; port = 161; } ); } */
static void load_snmp(struct conf_ctx *cx, struct collector_conf *c, const config_setting_t *g)
{
	static const char *const known[] = { "community", "interval", "timeout", "retries",
	                                     "agents", "user", "auth", "auth-password",
	                                     "priv-password", NULL };
	static const char *const agent_known[] = { "exporter", "address", "port",
	                                           NULL };
	struct snmp_conf *s = &c->snmp;
	const config_setting_t *l;
	const char *str;
	uint64_t v;

	if (!config_setting_is_group(g)) {
		conf_error(cx, g, "'snmp' must be a group { community = ...; agents = ( ... ); }");
		return;
	}
	conf_known(cx, g, known);
	s->community = "public";
	if (conf_string(cx, g, "community", &str) > 0)
		s->community = str;
	if (conf_string(cx, g, "user", &str) > 0)
		s->user = str;
	if (conf_string(cx, g, "auth", &str) > 0) {
		if (strcmp(str, "SHA") != 0 && strcmp(str, "SHA-256") != 0)
			conf_error(cx, config_setting_get_member(g, "auth"),
			           "'%s': auth is \"SHA\" (HMAC-SHA-96) or \"SHA-256\"", str);
		s->auth_sha256 = strcmp(str, "SHA-256") == 0;
	}
	if (conf_string(cx, g, "auth-password", &str) > 0) {
		if (strlen(str) < 8)
			conf_error(cx, config_setting_get_member(g, "auth-password"),
			           "an SNMPv3 password has 8 characters or more");
		s->auth_password = str;
	}
	if (conf_string(cx, g, "priv-password", &str) > 0) {
		if (strlen(str) < 8)
			conf_error(cx, config_setting_get_member(g, "priv-password"),
			           "an SNMPv3 password has 8 characters or more");
		if (s->auth_password == NULL)
			conf_error(cx, config_setting_get_member(g, "priv-password"),
			           "'priv-password' needs 'auth-password' (privacy without "
			           "authentication does not exist in SNMPv3)");
		s->priv_password = str;
	}
	if ((s->auth_password || s->priv_password) && s->user == NULL)
		conf_error(cx, g, "SNMPv3 passwords need 'user'");
	conf_duration_ms(cx, g, "interval", 10000, 86400000, &s->interval_ms);
	conf_duration_ms(cx, g, "timeout", 100, 60000, &s->timeout_ms);
	if (conf_uint(cx, g, "retries", 0, 10, &v) > 0)
		s->retries = (unsigned)v;
	l = config_setting_get_member(g, "agents");
	if (l == NULL || !config_setting_is_list(l) || config_setting_length(l) == 0) {
		conf_error(cx, l ? l : g, "'snmp' needs 'agents', a list of groups ( { exporter = "
		           "\"10.0.0.1\"; address = \"10.0.0.1\"; }, ... ): whose interfaces, and "
		           "whom to ask");
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *a = config_setting_get_elem(l, (unsigned)i);
		struct snmp_agent *ag = &s->agents[s->nagents];
		struct coll_prefix p;
		char err[256], host[64];
		uint64_t port = 161;

		if (!config_setting_is_group(a)) {
			conf_error(cx, a, "each SNMP agent must be a group { exporter = ...; }");
			continue;
		}
		if (s->nagents == SNMP_MAX_AGENTS) {
			conf_error(cx, a, "at most %d SNMP agents", SNMP_MAX_AGENTS);
			return;
		}
		conf_known(cx, a, agent_known);
		if (conf_string(cx, a, "exporter", &str) <= 0) {
			conf_error(cx, a, "SNMP agent needs 'exporter' (the address its records come from)");
			continue;
		}
		if (col_prefix_parse(str, &p, err, sizeof(err)) < 0 || p.af != AF_INET || p.plen != 32) {
			conf_error(cx, config_setting_get_member(a, "exporter"),
			           "'%s': expected one IPv4 address", str);
			continue;
		}
		ag->af = p.af;
		ag->exporter = p.addr;
		inet_ntop(AF_INET, p.addr.b, host, sizeof(host));
		if (conf_string(cx, a, "address", &str) > 0) {
			struct in_addr x;
			if (inet_pton(AF_INET, str, &x) != 1) {
				conf_error(cx, config_setting_get_member(a, "address"),
				           "'%s': expected an IPv4 address", str);
				continue;
			}
			snprintf(host, sizeof(host), "%s", str);
		}
		if (conf_uint(cx, a, "port", 1, 65535, &port) < 0)
			continue;
		snprintf(ag->peer, sizeof(ag->peer), "udp:%s:%u", host, (unsigned)port);
		s->nagents++;
	}
}

/* probe-groups = ( { name = "span-dc1"; exporters = [ "192.0.2.10",
 * "192.0.2.11" ]; silent = "30s"; }, ... ) */
static void load_groups(struct conf_ctx *cx, struct collector_conf *c, const config_setting_t *l)
{
	static const char *const known[] = { "name", "exporters", "silent", NULL };

	if (!config_setting_is_list(l)) {
		conf_error(cx, l, "'probe-groups' must be a list of groups ( { name = \"span1\"; "
		           "exporters = [ \"192.0.2.10\", \"192.0.2.11\" ]; }, ... )");
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i), *xs;
		struct coll_group *pg = &c->groups[c->ngroups];
		unsigned first = c->nmembers;
		const char *s;
		bool bad = false;

		if (!config_setting_is_group(g)) {
			conf_error(cx, g, "each probe group must be a group { name = ...; exporters = "
			           "[ ... ]; }");
			continue;
		}
		if (c->ngroups == COL_MAX_GROUPS) {
			conf_error(cx, g, "at most %d probe groups", COL_MAX_GROUPS);
			return;
		}
		memset(pg, 0, sizeof(*pg));
		conf_known(cx, g, known);
		if (conf_string(cx, g, "name", &s) <= 0) {
			conf_error(cx, g, "probe group needs 'name'");
			continue;
		}
		pg->name = s;
		for (unsigned k = 0; k < c->ngroups; k++)
			if (strcmp(c->groups[k].name, s) == 0) {
				conf_error(cx, config_setting_get_member(g, "name"),
				           "probe group '%s' is named twice", s);
				bad = true;
			}
		if (bad)
			continue;
		conf_duration_ms(cx, g, "silent", 1000, 86400000, &pg->silent_ms);
		xs = config_setting_get_member(g, "exporters");
		if (xs == NULL || !config_setting_is_array(xs) || config_setting_length(xs) < 2) {
			conf_error(cx, xs ? xs : g, "probe group '%s' needs 'exporters', an array of two "
			           "or more addresses that see the same packets", pg->name);
			continue;
		}
		for (int k = 0; k < config_setting_length(xs) && !bad; k++) {
			const config_setting_t *e = config_setting_get_elem(xs, (unsigned)k);
			const char *a = config_setting_get_string(e);
			struct coll_prefix p;
			char err[256];
			if (a == NULL || col_prefix_parse(a, &p, err, sizeof(err)) < 0 ||
			    p.plen != (p.af == AF_INET ? 32 : 128)) {
				conf_error(cx, e, "'%s': expected one address", a ? a : "");
				bad = true;
				break;
			}
			for (unsigned m = 0; m < c->nmembers; m++)
				if (c->members[m].af == p.af &&
				    memcmp(&c->members[m].addr, &p.addr, sizeof(p.addr)) == 0) {
					conf_error(cx, e, "'%s' is already in probe group '%s'", a,
					           c->groups[c->members[m].group].name);
					bad = true;
				}
			if (bad)
				break;
			if (c->nmembers == COL_MAX_MEMBERS) {
				conf_error(cx, e, "at most %d probe group members", COL_MAX_MEMBERS);
				bad = true;
				break;
			}
			c->members[c->nmembers++] = (struct coll_member){ p.af, p.addr, c->ngroups };
		}
		if (bad) {
			c->nmembers = first;
			continue;
		}
		c->ngroups++;
	}
}

/* routers = ( { id = "A.B.C.D"; name = "hq-core1"; }, ... ) */
static void load_names(struct conf_ctx *cx, struct collector_conf *c, const config_setting_t *l)
{
	static const char *const known[] = { "id", "name", NULL };

	if (!config_setting_is_list(l)) {
		conf_error(cx, l, "'routers' must be a list of groups ( { id = \"10.255.0.1\"; "
		           "name = \"core1\"; }, ... )");
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		const char *id = NULL, *name = NULL;
		struct in_addr a;

		if (!config_setting_is_group(g)) {
			conf_error(cx, g, "a router is a group { id = ...; name = ...; }");
			continue;
		}
		conf_known(cx, g, known);
		if (conf_string(cx, g, "id", &id) <= 0 || conf_string(cx, g, "name", &name) <= 0) {
			conf_error(cx, g, "a router needs both 'id' and 'name'");
			continue;
		}
		if (inet_pton(AF_INET, id, &a) != 1) {
			conf_error(cx, config_setting_get_member(g, "id"), "'%s' is not a router id "
			           "(a.b.c.d)", id);
			continue;
		}
		if (*name == 0 || strcspn(name, " =\n\t") != strlen(name)) {
			conf_error(cx, config_setting_get_member(g, "name"), "router name '%s': one word, "
			           "no '='", name);
			continue;
		}
		if (c->nnames == COL_MAX_NAMES) {
			conf_error(cx, g, "at most %d router names", COL_MAX_NAMES);
			return;
		}
		c->names[c->nnames].id = ntohl(a.s_addr);
		c->names[c->nnames++].name = name;
	}
}

/* capacities = ( { link = "A-B"; bps = "10G"; }, { prefix = "P/L"; bps = N; } ) */
static void load_caps(struct conf_ctx *cx, struct collector_conf *c, const config_setting_t *l)
{
	if (!config_setting_is_list(l)) {
		conf_error(cx, l, "'capacities' must be a list of groups ( { link = \"A-B\"; "
		           "bps = \"10G\"; }, ... )");
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i), *v;
		struct cap_rule *r = &c->caps[c->ncaps];
		const char *link = NULL, *pfx = NULL, *s;
		char buf[64], err[256];

		if (!config_setting_is_group(g)) {
			conf_error(cx, g, "each capacity must be a group { link = ...; bps = ...; }");
			continue;
		}
		if (c->ncaps == COL_MAX_CAPS) {
			conf_error(cx, g, "at most %d capacities", COL_MAX_CAPS);
			return;
		}
		memset(r, 0, sizeof(*r));
		conf_known(cx, g, cap_known);
		conf_string(cx, g, "link", &link);
		conf_string(cx, g, "prefix", &pfx);
		if ((link == NULL) == (pfx == NULL)) {
			conf_error(cx, g, "a capacity needs one of 'link' (\"A-B\", router ids) or "
			           "'prefix' (of interface addresses)");
			continue;
		}
		if (link) {
			const char *dash = strchr(link, '-');
			size_t n = dash ? (size_t)(dash - link) : 0;
			if (dash == NULL || n >= sizeof(buf) || (memcpy(buf, link, n), buf[n] = 0,
			    ipv4(buf, &r->a) < 0) || ipv4(dash + 1, &r->b) < 0) {
				conf_error(cx, config_setting_get_member(g, "link"),
				           "'%s': a link is \"A-B\", two router ids", link);
				continue;
			}
		} else {
			struct coll_prefix p;
			if (col_prefix_parse(pfx, &p, err, sizeof(err)) < 0 || p.af != AF_INET) {
				conf_error(cx, config_setting_get_member(g, "prefix"), "%s",
				           p.af == AF_INET6 ? "OSPFv2 links have IPv4 addresses" : err);
				continue;
			}
			r->by_prefix = true;
			r->prefix = ntohl(p.addr.w[0]);
			r->mask = p.plen ? 0xffffffffu << (32 - p.plen) : 0;
		}
		v = config_setting_get_member(g, "bps");
		if (v == NULL) {
			conf_error(cx, g, "a capacity needs 'bps'");
			continue;
		}
		if (config_setting_type(v) == CONFIG_TYPE_STRING) {
			s = config_setting_get_string(v);
			if (parse_bps(s, &r->bps) < 0) {
				conf_error(cx, v, "'%s': a rate in bits/s, e.g. 1000000000 or \"1G\"", s);
				continue;
			}
		} else if (config_setting_type(v) == CONFIG_TYPE_INT ||
		           config_setting_type(v) == CONFIG_TYPE_INT64) {
			long long x = config_setting_get_int64(v);
			if (x <= 0) {
				conf_error(cx, v, "bps must be positive");
				continue;
			}
			r->bps = (uint64_t)x;
		} else {
			conf_error(cx, v, "bps must be a number or a string like \"10G\"");
			continue;
		}
		c->ncaps++;
	}
}

unsigned collector_conf_load(struct collector_conf *c, config_t *cfg, const char *path)
{
	struct conf_ctx cx = { path, 0 };
	const config_setting_t *root, *g;
	const char *s;
	uint64_t v;

	c->path = path;
	if (conf_read(&cx, cfg, path) < 0)
		return cx.errors ? cx.errors : 1;
	root = config_root_setting(cfg);
	conf_known(&cx, root, top_known);
	string_list(&cx, root, "listen", add_listen, c);
	string_list(&cx, root, "allow", add_allow, c);
	string_list(&cx, root, "forward", add_forward, c);
	if (conf_uint(&cx, root, "socket-buffer", 4096, 1u << 30, &v) > 0)
		c->rcvbuf = (uint32_t)v;
	if (conf_duration_ms(&cx, root, "flush-interval", 1000, 30000, &c->flush_ms) > 0 &&
	    schema_res_flush(c->flush_ms) == NULL) {
		conf_error(&cx, config_setting_get_member(root, "flush-interval"),
		           "flush-interval must divide a minute in whole seconds (1s, 2s, 5s, 10s, "
		           "15s, 20s, 30s)");
		c->flush_ms = SCHEMA_DEFAULT_FLUSH_MS;
	}
	if (conf_string(&cx, root, "clock", &s) > 0 && col_clock_parse(s, &c->clock_exporter) < 0)
		conf_error(&cx, config_setting_get_member(root, "clock"),
		           "clock must be \"arrival\" or \"exporter\", not \"%s\"", s);
	conf_uint(&cx, root, "max-exporters", 1, 1u << 24, &c->max_exporters);
	conf_uint(&cx, root, "max-keys", 1024, 1u << 28, &c->max_keys);
	conf_uint(&cx, root, "max-sampling-rate", 1, 1u << 31, &c->max_sampling);
	conf_uint(&cx, root, "max-domains", 1, COLL_MAX_DOMAINS, &c->max_domains);
	conf_uint(&cx, root, "template-memory", 1u << 20, (uint64_t)1 << 40, &c->template_memory);
	conf_uint(&cx, root, "template-memory-share", 1, 100, &c->template_share);

	if ((g = config_setting_get_member(root, "redis")) != NULL) {
		conf_known(&cx, g, redis_known);
		conf_bool(&cx, g, "enabled", &c->redis);
		conf_string(&cx, g, "host", &c->rc.host);
		if (conf_uint(&cx, g, "port", 1, 65535, &v) > 0)
			c->rc.port = (uint16_t)v;
		conf_string(&cx, g, "socket", &c->rc.unix_path);
		conf_string(&cx, g, "user", &c->rc.user);
		conf_string(&cx, g, "password", &c->rc.password);
		if (conf_uint(&cx, g, "db", 0, 1u << 20, &v) > 0)
			c->rc.db = (int)v;
		conf_string(&cx, g, "prefix", &c->prefix);
		if (conf_string(&cx, g, "id", &c->writer_id) > 0 && *c->writer_id == 0)
			conf_error(&cx, config_setting_get_member(g, "id"), "id must not be empty");
		if (conf_duration_ms(&cx, g, "timeout", 10, 60000, &v) > 0)
			c->rc.timeout_ms = (uint32_t)v;
		conf_uint(&cx, g, "backlog", 1u << 16, (uint64_t)1 << 40, &c->backlog_bytes);
		conf_uint(&cx, g, "top-n", 1, 10000, &c->top_n);
		if (conf_uint(&cx, g, "top-sketch", 1, 1024, &c->top_sketch) > 0 &&
		    c->top_sketch * (c->top_n ? c->top_n : WRITER_DEFAULT_TOP_N) > AGG_MAX_TOP_K) {
			conf_error(&cx, config_setting_get_member(g, "top-sketch"),
			           "top-sketch x top-n must be at most %u counters", AGG_MAX_TOP_K);
			c->top_sketch = COL_DEF_TOP_SKETCH;
		}
	}
	if ((g = config_setting_get_member(root, "tcp")) != NULL) {
		conf_known(&cx, g, tcp_known);
		conf_uint(&cx, g, "max-connections", 1, 65536, &c->tcp_max);
		conf_uint(&cx, g, "max-per-source", 1, 65536, &c->tcp_per_source);
		conf_duration_ms(&cx, g, "idle-timeout", 100, 86400000, &c->tcp_idle_ms);
		conf_duration_ms(&cx, g, "message-timeout", 100, 3600000, &c->tcp_message_ms);
	}
	if ((g = config_setting_get_member(root, "topology")) != NULL) {
		conf_known(&cx, g, topo_known);
		if (conf_string(&cx, g, "source", &s) > 0) {
			if (strcmp(s, "redis") == 0)
				c->topo = TS_REDIS;
			else if (strcmp(s, "file") == 0)
				c->topo = TS_FILE;
			else if (strcmp(s, "none") == 0)
				c->topo = TS_NONE;
			else
				conf_error(&cx, config_setting_get_member(g, "source"),
				           "topology source must be redis, file or none");
		}
		conf_string(&cx, g, "file", &c->topo_file);
		conf_string(&cx, g, "prefix", &c->topo_prefix);
		conf_duration_ms(&cx, g, "check-interval", 100, 3600000, &c->topo_check_ms);
		if (c->topo == TS_FILE && c->topo_file == NULL)
			conf_error(&cx, g, "topology source 'file' needs 'file'");
	}
	if ((g = config_setting_get_member(root, "exporters")) != NULL)
		load_map(&cx, c, g);
	if ((g = config_setting_get_member(root, "probe-groups")) != NULL)
		load_groups(&cx, c, g);
	if ((g = config_setting_get_member(root, "duplicates")) != NULL) {
		bool on = true;
		conf_known(&cx, g, dup_known);
		if (conf_bool(&cx, g, "detect", &on) > 0)
			c->dedup_off = !on;
		conf_duration_ms(&cx, g, "window", 1000, 86400000, &c->dedup_window_ms);
		conf_uint(&cx, g, "records", 64, 1u << 28, &c->dedup_records);
	}
	if ((g = config_setting_get_member(root, "snmp")) != NULL)
		load_snmp(&cx, c, g);
	if ((g = config_setting_get_member(root, "capacities")) != NULL)
		load_caps(&cx, c, g);
	if ((g = config_setting_get_member(root, "routers")) != NULL)
		load_names(&cx, c, g);
	conf_log_group(&cx, root, &c->syslog, &c->verbose, &c->log_file);
	conf_string(&cx, root, "user", &c->user);
	return cx.errors;
}

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-collector [-nvVh] [-c FILE] [-l PROTO:ADDR:PORT ...] [--redis HOST:PORT]\n"
	"                         [--no-redis] [--topology redis|FILE|none] [--flush DURATION]\n"
	"                         [--clock arrival|exporter] [-u USER] [--log-file FILE]\n"
	"  -l SPEC    listen: PROTO v5, v9, ipfix (UDP; several joined by commas, or udp\n"
	"             for all three) or ipfix+tcp; ADDR * for every address:\n"
	"             -l udp:*:2055 -l ipfix+tcp:[::1]:4739\n"
	"  -c FILE    configuration file (libconfig)    -n  check the configuration, exit\n"
	"             (default: " ANEMONE_SYSCONFDIR "/anemone-collector.conf if it exists)\n"
	"  -u USER    run as USER once the listeners are open (keeping no capability)\n"
	"  --log-file FILE   log to FILE instead of stderr (reopened on SIGHUP)\n"
	"  --redis HOST[:PORT] | PATH   where to write (default 127.0.0.1:6379)\n"
	"  --no-redis                   aggregate and log only\n"
	"  --topology redis|FILE|none   OSPF topology: as anemone-ospfmon publishes it in\n"
	"             Redis (default), an LSDB file (snapshot or JSON), or none\n"
	"  --flush D  flush interval (default 10s)      -v  debug logging\n"
	"  -V         version                           -h  this help\n"
	"  --clock exporter   time buckets by the messages' export time (replays of\n"
	"             captured exports), not by arrival (the default)\n"
	"SIGUSR1 logs statistics; SIGHUP reopens the log file; SIGTERM/SIGINT write\n"
	"what is held and exit.\n");
}

/*
 * The command line, then the configuration file it names (or the default
 * one), then the command line's settings over the file's.  Returns -1 to
 * run, or the exit status after printing what was asked or what is wrong.
 * Strings point into argv, *cfg and static buffers.
 */
int collector_settings_load(struct collector_conf *conf, struct config_t *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "redis", required_argument, NULL, 'R' },
		{ "no-redis", no_argument, NULL, 'N' },
		{ "topology", required_argument, NULL, 'T' },
		{ "flush", required_argument, NULL, 'F' },
		{ "clock", required_argument, NULL, 'C' },
		{ "user", required_argument, NULL, 'u' },
		{ "log-file", required_argument, NULL, 'G' },
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfile = NULL, *cli_topo = NULL, *cli_redis = NULL, *cli_flush = NULL;
	const char *cli_clock = NULL, *cli_user = NULL, *cli_log = NULL;
	const char *cli_listen[COL_MAX_LISTEN];
	unsigned ncli_listen = 0;
	bool check = false, no_redis = false;
	int verbose = 0, opt;
	char err[512];
	static char hostbuf[256], cfgbuf[512];

	while ((opt = getopt_long(argc, argv, "c:l:nu:vVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cfile = optarg; break;
		case 'l':
			if (ncli_listen == COL_MAX_LISTEN) {
				fprintf(stderr, "anemone-collector: at most %d -l\n", COL_MAX_LISTEN);
				return CONF_EXIT;
			}
			cli_listen[ncli_listen++] = optarg;
			break;
		case 'n': check = true; break;
		case 'v': verbose++; break;
		case 'R': cli_redis = optarg; break;
		case 'N': no_redis = true; break;
		case 'T': cli_topo = optarg; break;
		case 'F': cli_flush = optarg; break;
		case 'C': cli_clock = optarg; break;
		case 'u': cli_user = optarg; break;
		case 'G': cli_log = optarg; break;
		case 'V': daemon_version("anemone-collector"); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return CONF_EXIT;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "anemone-collector: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return CONF_EXIT;
	}
	log_init("anemone-collector", LOG_TO_STDERR, verbose);
	collector_conf_defaults(conf);
	cfile = daemon_config_path(cfile, "anemone-collector", cfgbuf, sizeof(cfgbuf));
	if (cfile && collector_conf_load(conf, cfg, cfile) > 0)
		return CONF_EXIT;
	if (ncli_listen) {
		conf->nlisten = 0;
		for (unsigned i = 0; i < ncli_listen; i++) {
			if (col_listen_parse(cli_listen[i], &conf->listen[conf->nlisten], err, sizeof(err)) < 0) {
				fprintf(stderr, "anemone-collector: -l %s\n", err);
				return CONF_EXIT;
			}
			conf->nlisten++;
		}
	}
	if (cli_redis) {
		if (col_redis_parse(cli_redis, &conf->rc, hostbuf, sizeof(hostbuf), err, sizeof(err)) < 0) {
			fprintf(stderr, "anemone-collector: --redis %s\n", err);
			return CONF_EXIT;
		}
		conf->redis = true;
	}
	if (no_redis)
		conf->redis = false;
	if (cli_topo) {
		if (strcmp(cli_topo, "redis") == 0) {
			conf->topo = TS_REDIS;
		} else if (strcmp(cli_topo, "none") == 0) {
			conf->topo = TS_NONE;
		} else {
			conf->topo = TS_FILE;
			conf->topo_file = cli_topo;
		}
	}
	if (cli_flush && (parse_duration_ms(cli_flush, &conf->flush_ms) < 0 ||
	                  schema_res_flush(conf->flush_ms) == NULL)) {
		fprintf(stderr, "anemone-collector: --flush '%s': must divide a minute in whole "
		        "seconds (1s, 2s, 5s, 10s, 15s, 20s, 30s)\n", cli_flush);
		return CONF_EXIT;
	}
	if (cli_clock && col_clock_parse(cli_clock, &conf->clock_exporter) < 0) {
		fprintf(stderr, "anemone-collector: --clock '%s': arrival or exporter\n", cli_clock);
		return CONF_EXIT;
	}
	if (conf->nlisten == 0) {
		fprintf(stderr, "anemone-collector: nothing to listen on: give -l PROTO:ADDR:PORT "
		        "or 'listen' in the configuration\n");
		return CONF_EXIT;
	}
	if (conf->topo == TS_REDIS && !conf->redis) {
		fprintf(stderr, "anemone-collector: --topology redis needs Redis "
		        "(give --topology FILE or none with --no-redis)\n");
		return CONF_EXIT;
	}
	if (cli_user)
		conf->user = cli_user;
	if (cli_log)
		conf->log_file = cli_log;
	if (verbose)
		conf->verbose = verbose;
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	return -1;
}
