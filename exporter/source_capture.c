/*
 * The capture-backed source of ended flows (see source.h): a capture
 * backend (libpcap live or file, or the mapped pcap reader) feeds the meter
 * in the calling thread.  A file is read in bursts on packet time; a live
 * interface on the wall clock (and the packets' time, whichever is later),
 * re-opened every REOPEN_MS after it fails.  A live capture may meter one
 * direction only (input.direction: a capture filter of its own, made anew
 * at every open) and give each exported flow its route from the kernel
 * (export.route-lookup: fib.h).
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "settings.h"
#include "source.h"

#define BURST        512           /* frames per dispatch, live */
#define FILE_BURST   (BURST * 8)   /* frames per dispatch, file */
#define REOPEN_MS    5000

struct capture_source {
	struct flow_source base;
	const struct exporter_conf *conf;
	struct flow_sink sink;
	const struct capture_ops *capops;
	struct capture *cap;           /* NULL while a live capture is down */
	char *filter;                  /* the open capture's filter: the user's
	                                  and the direction's (NULL: the user's) */
	struct fib *fib;               /* route lookup, or NULL */
	int dlt;
	struct meter *meter;
	bool begun;                    /* sink->clock called */
	uint64_t now_ms;               /* latest time: packet or wall clock */
	uint64_t reopen_at;
	uint64_t cap_errors;
	struct cap_stats capst;        /* of the captures already closed */
	struct ratelim drop_rl, reopen_rl;
};

/* The meter's export callback: with route lookup, a copy of the flow gets
 * its egress interface and next hop first (a cache hit, or one netlink
 * query: see fib_fill's cost). */
static void ended(void *ctx, const struct anm_flow *f)
{
	struct capture_source *s = ctx;
	struct anm_flow routed;

	if (s->fib == NULL) {
		s->sink.flow(s->sink.ctx, f);
		return;
	}
	routed = *f;
	fib_fill(s->fib, &routed, s->now_ms);
	s->sink.flow(s->sink.ctx, &routed);
}

/* Time is t (the first call starts the export): the flows due by then are
 * handed over before the frame that brought it is metered. */
static void clock_to(struct capture_source *s, uint64_t t)
{
	s->begun = true;
	s->sink.clock(s->sink.ctx, t);
	if (t > s->now_ms) {
		s->now_ms = t;
		meter_advance(s->meter, t);
		s->sink.tick(s->sink.ctx);
	}
}

static void on_frame(void *ctx, const struct cap_frame *fr)
{
	struct capture_source *s = ctx;
	enum pkt_status st;

	if (!s->begun || fr->ts_ms > s->now_ms)
		clock_to(s, fr->ts_ms);
	st = meter_packet(s->meter, s->dlt, fr->data, fr->caplen, fr->wirelen, s->now_ms);
	if (st != PKT_OK && st != PKT_NOT_IP)
		log_ratelimited(&s->drop_rl, s->now_ms, "dropped a %u-byte frame: %s",
		                fr->wirelen, pkt_status_name(st));
}

/* Live: the wall clock moves time on (never back); flows expire by it. */
static void wall_tick(struct capture_source *s)
{
	uint64_t w = wall_ms();

	if (w > s->now_ms)
		s->now_ms = w;
	s->begun = true;
	s->sink.clock(s->sink.ctx, s->now_ms);
	meter_advance(s->meter, s->now_ms);
	s->sink.tick(s->sink.ctx);
}

/* The Ethernet address of interface name into mac; 1, or 0 when it has
 * none (not Ethernet), or -1 with a message in err.  Cost: one ioctl. */
static int interface_mac(const char *name, uint8_t mac[6], char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, rc;

	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		snprintf(err, errlen, "%s: interface name too long", name);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
		return -1;
	}
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read its MAC address: %s", name, strerror(errno));
		return -1;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return 0;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 1;
}

/*
 * In *filter, the capture filter for direction d on top of the user's
 * filter (NULL: none), malloc'd (the caller frees it); 0, or -1 with a
 * message in err.
 *
 * On an Ethernet interface the direction is told by MAC addresses, which
 * both the kernel's socket filter and libpcap's user-space interpreter can
 * test:
 *   in   "ether dst MAC or (ether multicast and not ether src MAC)": frames
 *        for this host (its MAC; multicast and broadcast) that it did not
 *        send.  What a router would not forward is left out: frames for
 *        other hosts' MACs, which a packet socket sees even without
 *        promiscuous mode (PACKET_OTHERHOST: a hub-like bridge, a veth
 *        whose peer sends them); the kernel's own test (eth_type_trans) is
 *        "not multicast and not the device's address".
 *   out  "ether src MAC": frames this host sent.
 * Not libpcap's "inbound"/"outbound" (the socket filter's packet-type
 * test, SKF_AD_PKTTYPE): after a filter is installed, libpcap runs it in
 * user space over the ring's blocks already filled, and its interpreter
 * fails every packet-type test, so each (re)open would lose the frames of
 * its first 100-200 ms.  The MAC is read at every open (a re-created
 * interface gets a new one); a MAC changed under a running capture is not
 * followed.  Frames sent from another MAC (a macvlan's VRRP virtual MAC)
 * count as received.  A non-Ethernet interface (tun, WireGuard, an IP
 * tunnel) has no MAC: there *pkt gets the direction for libpcap's own
 * per-frame test of the packet type (pcap_setdirection, in user space: no
 * loss at open), and the filter is the user's alone (NULL for none, *out
 * set: a copy, or NULL).  Cost: one ioctl and a string.
 */
static int direction_filter(enum cap_direction d, const char *iface, const char *user,
                            char **filter, enum cap_direction *pkt, char *err, size_t errlen)
{
	uint8_t m[6] = { 0 };
	char dir[160], mac[18], *out;
	int has_mac;
	size_t len;

	*filter = NULL;
	*pkt = DIR_BOTH;
	if ((has_mac = interface_mac(iface, m, err, errlen)) < 0)
		return -1;
	if (!has_mac) {
		*pkt = d;
		if (user != NULL && *user != '\0' && (*filter = strdup(user)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
	         m[4], m[5]);
	if (d == DIR_IN)
		snprintf(dir, sizeof(dir), "ether dst %s or (ether multicast and not ether src %s)",
		         mac, mac);
	else
		snprintf(dir, sizeof(dir), "ether src %s", mac);
	len = (user != NULL ? strlen(user) : 0) + strlen(dir) + 16;
	if ((out = malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (user != NULL && *user != '\0')
		snprintf(out, len, "(%s) and (%s)", user, dir);
	else
		snprintf(out, len, "%s", dir);
	*filter = out;
	return 0;
}

/* Open the capture (a live one with its direction's filter, made anew) and
 * tell the route lookup the interface's index, which a re-created
 * interface changes.  0, or -1 with a message in err. */
static int capture_open(struct capture_source *s, char *err, size_t errlen)
{
	struct cap_conf cc = s->conf->cap;

	free(s->filter);
	s->filter = NULL;
	if (cc.interface != NULL && s->conf->direction != DIR_BOTH) {
		if (direction_filter(s->conf->direction, cc.interface, cc.filter, &s->filter,
		                     &cc.pkt_direction, err, errlen) < 0)
			return -1;
		cc.filter = s->filter;
		if (cc.pkt_direction != DIR_BOTH)
			log_debug("%s: no MAC address: the frames %s told by their packet type",
			          cc.interface, cc.pkt_direction == DIR_IN ? "received" : "sent");
	}
	if ((s->cap = s->capops->open(&cc, err, errlen)) == NULL) {
		/* the user's filter compiled when the configuration was
		 * checked: a filter that does not is the direction's */
		if (s->filter != NULL && strncmp(err, "filter '", 8) == 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "%s: cannot capture only the frames %s (direction "
			         "\"%s\"): %s", cc.interface,
			         s->conf->direction == DIR_IN ? "received" : "sent",
			         direction_name(s->conf->direction), why);
		}
		return -1;
	}
	s->dlt = s->capops->datalink(s->cap);
	if (s->fib != NULL)
		fib_set_iif(s->fib, s->conf->direction == DIR_IN ?
		            if_nametoindex(cc.interface) : 0);
	return 0;
}

/* Capture counters so far: those of the captures already closed (a live
 * interface re-opened after it went away) plus the open one's. */
static struct cap_stats capture_stats_now(const struct capture_source *s)
{
	struct cap_stats cur = s->capst, st;

	if (s->cap != NULL) {
		s->capops->stats(s->cap, &st);
		if (st.valid) {
			cur.received += st.received;
			cur.dropped += st.dropped;
			cur.if_dropped += st.if_dropped;
			cur.valid = true;
		}
	}
	return cur;
}

static void src_close(struct flow_source *base)
{
	struct capture_source *s = (struct capture_source *)base;

	if (s == NULL)
		return;
	meter_free(s->meter);
	if (s->cap != NULL)
		s->capops->close(s->cap);
	fib_free(s->fib);
	free(s->filter);
	free(s);
}

/*
 * Open the capture (the mapped reader for a classic pcap file unless
 * libpcap is asked for) and the meter with its flow table (the table's
 * memory is allocated here, up front), and the route lookup's socket.  A
 * live capture's frames get the interface's index as ingressInterface
 * unless the configuration sets one.
 */
static struct flow_source *src_open(const struct exporter_conf *c, const struct flow_sink *sink,
                                    char *err, size_t errlen)
{
	struct capture_source *s = calloc(1, sizeof(*s));
	struct meter_conf mc = c->meter;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &capture_source_ops;
	s->base.replay = c->cap.file != NULL;
	s->conf = c;
	s->sink = *sink;
	s->drop_rl = (struct ratelim)RATELIM_INIT(1000, 5);
	s->reopen_rl = (struct ratelim)RATELIM_INIT(60000, 2);
	s->capops = c->cap.file != NULL && !c->cap.libpcap_only && pcapfile_usable(c->cap.file) ?
	            &pcapfile_capture_ops : &pcap_capture_ops;
	/* exporter_conf_check allows route lookup with live captures only */
	if (c->route_lookup && (s->fib = fib_new(c->meter.flows.seed ^ 0x9e3779b97f4a7c15ull,
	                                         err, errlen)) == NULL)
		goto fail;
	if (capture_open(s, err, errlen) < 0)
		goto fail;
	if (c->cap.interface != NULL && !c->if_index_set)
		mc.in_if = if_nametoindex(c->cap.interface);
	if ((s->meter = meter_new(&mc, ended, s)) == NULL) {
		snprintf(err, errlen, "cannot allocate a flow table of %u flows (%zu MiB)",
		         mc.flows.max_flows,
		         (size_t)mc.flows.max_flows * flowtab_bytes_per_flow() >> 20);
		goto fail;
	}
	return &s->base;
fail:
	src_close(&s->base);
	return NULL;
}

/* A live capture starts the export at the wall clock; a file at its first
 * frame. */
static void src_start(struct flow_source *base)
{
	struct capture_source *s = (struct capture_source *)base;

	if (s->base.replay)
		return;
	s->now_ms = wall_ms();
	s->begun = true;
	s->sink.clock(s->sink.ctx, s->now_ms);
	log_info("capturing on %s%s%s%s, exporting to %u destination(s)%s", s->conf->cap.interface,
	         s->conf->direction != DIR_BOTH ? " (direction " : "",
	         s->conf->direction != DIR_BOTH ? direction_name(s->conf->direction) : "",
	         s->conf->direction != DIR_BOTH ? ")" : "", s->conf->ndest,
	         s->fib != NULL ? " with egress and next hop from the kernel's routes" : "");
	if (s->filter != NULL)
		log_debug("%s: capture filter '%s'", s->conf->cap.interface, s->filter);
}

/* A file: one burst of frames, no waiting. */
static enum source_result file_poll(struct capture_source *s)
{
	char err[512];
	enum cap_result r = s->capops->dispatch(s->cap, FILE_BURST, on_frame, s, err, sizeof(err));

	if (r == CAP_EOF)
		return SOURCE_END;
	if (r == CAP_ERROR) {
		log_warnx("%s: %s", s->conf->cap.file, err);
		s->cap_errors++;
		return SOURCE_FAILED;
	}
	return SOURCE_BUSY;
}

/* Live: re-open a capture that failed when it is time, take one burst,
 * then let the wall clock expire flows.  Always idle after: the caller
 * waits for frames (or a sender) up to the capture timeout. */
static enum source_result live_poll(struct capture_source *s, struct source_wait *w)
{
	char err[512];

	if (s->cap == NULL && s->now_ms >= s->reopen_at) {
		if (capture_open(s, err, sizeof(err)) == 0) {
			log_info("%s: capturing again", s->conf->cap.interface);
		} else {
			log_ratelimited(&s->reopen_rl, s->now_ms, "%s (retrying every %ds)", err,
			                REOPEN_MS / 1000);
			s->reopen_at = s->now_ms + REOPEN_MS;
		}
	}
	if (s->cap != NULL &&
	    s->capops->dispatch(s->cap, BURST, on_frame, s, err, sizeof(err)) == CAP_ERROR) {
		log_warnx("%s: capture failed: %s", s->conf->cap.interface, err);
		s->cap_errors++;
		s->capst = capture_stats_now(s);
		s->capops->close(s->cap);
		s->cap = NULL;
		s->reopen_at = s->now_ms + REOPEN_MS;
	}
	wall_tick(s);
	w->fd = s->cap != NULL ? s->capops->fd(s->cap) : -1;
	w->timeout_ms = (int)s->conf->cap.timeout_ms;
	return SOURCE_IDLE;
}

static enum source_result src_poll(struct flow_source *base, struct source_wait *w)
{
	struct capture_source *s = (struct capture_source *)base;

	return s->base.replay ? file_poll(s) : live_poll(s, w);
}

/* Live: account what the kernel captured before the stop (its buffer hands
 * packets over at the latest after the capture timeout).  Then every flow
 * still in the table ends, forced. */
static void src_stop(struct flow_source *base)
{
	struct capture_source *s = (struct capture_source *)base;
	char err[512];

	if (!s->base.replay && s->cap != NULL) {
		uint64_t until = wall_ms() + s->conf->cap.timeout_ms + 50;
		while (wall_ms() < until) {
			struct pollfd pfd = { s->capops->fd(s->cap), POLLIN, 0 };
			(void)poll(&pfd, 1, 10);
			if (s->capops->dispatch(s->cap, -1, on_frame, s, err, sizeof(err)) != CAP_OK)
				break;
		}
	}
	flowtab_flush(meter_flowtab(s->meter), ANM_END_FORCED);
}

static void src_totals(struct flow_source *base, struct source_totals *t)
{
	struct capture_source *s = (struct capture_source *)base;

	t->ms = *meter_stats(s->meter);
	t->fs = *flowtab_stats(meter_flowtab(s->meter));
	t->cap = capture_stats_now(s);
	t->cap_errors = s->cap_errors;
	if (s->fib != NULL)
		t->fib = *fib_stats(s->fib);
}

const struct flow_source_ops capture_source_ops = {
	.open = src_open,
	.start = src_start,
	.poll = src_poll,
	.stop = src_stop,
	.totals = src_totals,
	.log_detail = NULL,
	.close = src_close,
};
