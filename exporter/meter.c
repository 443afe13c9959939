/*
 * The metering process (see meter.h): sampling, decoding, fragment
 * association and key selection for each frame, then the flow table.
 */
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "flowkey.h"
#include "meter.h"

#define TCP_FIN 0x01
#define TCP_RST 0x04

struct meter {
	struct meter_conf conf;
	struct flowtab *ft;
	uint64_t sample_count;
	uint64_t rng;
	uint64_t now_ms;
	struct frag_slot frag[FRAG_SLOTS];
	struct meter_stats st;
};

static const struct { const char *name; unsigned bit; } key_names[] = {
	{ "src-addr", KEY_SRC_ADDR }, { "dst-addr", KEY_DST_ADDR },
	{ "src-port", KEY_SRC_PORT }, { "dst-port", KEY_DST_PORT },
	{ "proto", KEY_PROTO },       { "tos", KEY_TOS },
	{ "vlan", KEY_VLAN },         { "in-if", KEY_IN_IF },
};

unsigned meter_key_field(const char *name)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strcmp(name, key_names[i].name) == 0)
			return key_names[i].bit;
	return 0;
}

struct meter *meter_new(const struct meter_conf *conf, flow_export_fn fn, void *ctx)
{
	struct meter *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->conf = *conf;
	m->rng = conf->sampling_seed ? conf->sampling_seed : 0x2545f4914f6cdd1dull;
	if ((m->ft = flowtab_new(&conf->flows, fn, ctx)) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void meter_free(struct meter *m)
{
	if (m == NULL)
		return;
	flowtab_free(m->ft);
	free(m);
}

/* xorshift64*: a fast generator for random 1-in-N sampling (not for secrets). */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* True if this packet is selected by 1-in-N sampling.  Upstream sampling
 * happened before the capture: every packet seen is taken. */
static int sample_take(struct meter *m)
{
	uint32_t n = m->conf.sampling;

	if (n <= 1 || m->conf.sampling_mode == SAMPLING_UPSTREAM)
		return 1;
	if (m->conf.sampling_mode == SAMPLING_RANDOM)
		return rng_next(&m->rng) % n == 0;
	return m->sample_count++ % n == 0;
}

/* Account a decoded packet that sampling selected. */
static void meter_account(struct meter *m, const struct pkt_info *pi, uint64_t now_ms)
{
	struct pkt_info resolved;
	struct flow_key k;
	struct flow_pkt p;
	unsigned kf = m->conf.key_fields;

	if (pi->frag != PKT_FRAG_NONE) {
		resolved = *pi;                /* with the ports of its first fragment */
		if (!flow_frag_resolve(m->frag, &resolved, now_ms))
			m->st.frag_unmatched++;
		pi = &resolved;
	}
	flow_key_of(kf, m->conf.in_if, pi, &k);

	p.octets = pi->ip_len;
	p.tcp_flags = pi->tcp_flags;            /* the decoder sets them for TCP only */
	/* FIN/RST ends a flow only when the flow is one connection: with ports
	 * out of the key, one connection closing must not end the aggregate */
	p.ends_flow = (p.tcp_flags & (TCP_FIN | TCP_RST)) &&
	              (kf & (KEY_SRC_PORT | KEY_DST_PORT)) == (KEY_SRC_PORT | KEY_DST_PORT);
	p.has_mac = pi->has_mac;
	memcpy(p.src_mac, pi->src_mac, 6);
	memcpy(p.dst_mac, pi->dst_mac, 6);

	flowtab_update(m->ft, &k, &p, now_ms);
	m->st.decoded++;
}

enum pkt_status meter_packet(struct meter *m, int dlt, const uint8_t *buf,
                             uint32_t caplen, uint32_t wirelen, uint64_t now_ms)
{
	struct pkt_info pi;
	enum pkt_status st;

	m->st.seen++;
	if (!sample_take(m)) {
		m->st.sampled_out++;
		return PKT_OK;
	}
	if ((st = pkt_decode(dlt, buf, caplen, wirelen, &pi)) != PKT_OK) {
		m->st.drops[st]++;
		return st;
	}
	meter_account(m, &pi, now_ms);
	return PKT_OK;
}

void meter_packet_decoded(struct meter *m, const struct pkt_info *pi, uint64_t now_ms)
{
	m->st.seen++;
	if (!sample_take(m)) {
		m->st.sampled_out++;
		return;
	}
	meter_account(m, pi, now_ms);
}

void meter_advance(struct meter *m, uint64_t now_ms)
{
	if (now_ms > m->now_ms)
		meter_expire(m, now_ms, UINT_MAX);
}

bool meter_expire(struct meter *m, uint64_t now_ms, unsigned max)
{
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
	return flowtab_expire(m->ft, m->now_ms, max);
}

void meter_set_in_if(struct meter *m, uint32_t in_if)
{
	m->conf.in_if = in_if;
}

struct flowtab *meter_flowtab(struct meter *m)
{
	return m->ft;
}

const struct meter_stats *meter_stats(const struct meter *m)
{
	return &m->st;
}
