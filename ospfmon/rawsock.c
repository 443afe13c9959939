/*
 * Raw-socket capture backend for OSPFv2 (Linux): see rawsock.h.  Receive
 * only; the socket is never written to.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/sock_diag.h>

#include "decode.h"
#include "log.h"
#include "rawsock.h"

#define OSPF_PROTO        89
#define ALL_SPF_ROUTERS   0xe0000005u     /* 224.0.0.5 */
#define ALL_D_ROUTERS     0xe0000006u     /* 224.0.0.6 */
#define DEFAULT_RCVBUF    (2u * 1024 * 1024)
#define MAX_DATAGRAM      65535           /* IPv4 total length is 16 bits */
#define LLM_REPORTS       "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"

struct capture {
	int fd;
	unsigned ifindex;
	char ifname[IF_NAMESIZE];
	uint64_t read;             /* datagrams delivered */
	uint32_t drops;            /* the socket's drop counter, last seen */
	uint32_t drops_base;       /* ... when the open was done */
	union {                    /* control messages of one datagram */
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct timespec)) +
		          CMSG_SPACE(sizeof(uint32_t)) + 64];
	} ctl;
	uint8_t buf[MAX_DATAGRAM];
};

static int setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

/*
 * Joining 224.0.0.5/6 makes the kernel report the memberships with IGMP on
 * the interface, unless igmp_link_local_mcast_reports is 0 in this network
 * namespace: say so, and how to stop it, before joining.
 */
static void check_igmp_reports(const char *ifname)
{
	FILE *fp = fopen(LLM_REPORTS, "r");
	int v = -1;

	if (fp != NULL) {
		if (fscanf(fp, "%d", &v) != 1)
			v = -1;
		fclose(fp);
	}
	if (v == 0)
		return;
	if (v < 0)
		log_warnx("%s: cannot read %s: the kernel may send IGMP membership "
		          "reports for 224.0.0.5 and 224.0.0.6 on %s", ifname, LLM_REPORTS, ifname);
	else
		log_warnx("%s: the kernel will send IGMP membership reports for 224.0.0.5 "
		          "and 224.0.0.6 on %s (net.ipv4.igmp_link_local_mcast_reports=%d); "
		          "to stop that, run: sysctl -w net.ipv4.igmp_link_local_mcast_reports=0",
		          ifname, ifname, v);
}

static int join(struct capture *cap, uint32_t group, char *err, size_t errlen)
{
	struct ip_mreqn mr;

	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(group);
	mr.imr_address.s_addr = htonl(INADDR_ANY);
	mr.imr_ifindex = (int)cap->ifindex;
	if (setsockopt(cap->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		snprintf(err, errlen, "%s: cannot join 224.0.0.%u: %s", cap->ifname,
		         (unsigned)(group & 0xff), strerror(errno));
		return -1;
	}
	return 0;
}

/* The socket's drop counter now (0 where SO_MEMINFO is unknown). */
static uint32_t drops_now(const struct capture *cap, uint32_t dflt)
{
#ifdef SO_MEMINFO
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);

	if (getsockopt(cap->fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0 &&
	    len > SK_MEMINFO_DROPS * sizeof(uint32_t))
		return mi[SK_MEMINFO_DROPS];
#endif
	return dflt;
}

/* Receive buffer: forced past rmem_max when allowed (CAP_NET_ADMIN). */
static void size_rcvbuf(struct capture *cap, uint32_t want, int explicit)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (want > (uint32_t)(0x7fffffff / 2))
		want = 0x7fffffff / 2;
	if (setopt(cap->fd, SOL_SOCKET, SO_RCVBUFFORCE, (int)want) < 0)
		(void)setopt(cap->fd, SOL_SOCKET, SO_RCVBUF, (int)want);
	/* the kernel reports twice what it accounts for payload */
	if (getsockopt(cap->fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 &&
	    (uint32_t)got / 2 < want) {
		if (explicit)
			log_warnx("%s: receive buffer %d bytes, not %u (net.core.rmem_max)",
			          cap->ifname, got / 2, want);
		else
			log_debug("%s: receive buffer %d bytes", cap->ifname, got / 2);
	}
}

static enum cap_result rawsock_read(struct capture *cap, int max, cap_frame_fn fn,
                                    void *ctx, int *n, char *err, size_t errlen);

static struct capture *rawsock_open(const struct cap_conf *c, char *err, size_t errlen)
{
	struct capture *cap;
	char drain_err[64];
	int drained;

	if (c->interface == NULL || c->file != NULL) {
		snprintf(err, errlen, "raw socket: listens on an interface, reads no file");
		return NULL;
	}
	if ((cap = calloc(1, sizeof(*cap))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cap->fd = -1;
	if (strlen(c->interface) >= sizeof(cap->ifname) ||
	    (cap->ifindex = if_nametoindex(c->interface)) == 0) {
		snprintf(err, errlen, "%s: no such interface", c->interface);
		goto fail;
	}
	memcpy(cap->ifname, c->interface, strlen(c->interface) + 1);
	cap->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, OSPF_PROTO);
	if (cap->fd < 0) {
		if (errno == EPERM || errno == EACCES)
			snprintf(err, errlen, "%s: raw socket: permission denied "
			         "(needs root or CAP_NET_RAW)", cap->ifname);
		else
			snprintf(err, errlen, "%s: raw socket: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	if (setsockopt(cap->fd, SOL_SOCKET, SO_BINDTODEVICE, cap->ifname,
	               (socklen_t)strlen(cap->ifname) + 1) < 0) {
		if (errno == ENODEV)
			snprintf(err, errlen, "%s: no such interface", cap->ifname);
		else if (errno == EPERM || errno == EACCES)
			snprintf(err, errlen, "%s: SO_BINDTODEVICE: permission denied "
			         "(needs root or CAP_NET_RAW)", cap->ifname);
		else
			snprintf(err, errlen, "%s: SO_BINDTODEVICE: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	/* only the groups joined here, not every group joined on the host */
	if (setopt(cap->fd, IPPROTO_IP, IP_MULTICAST_ALL, 0) < 0) {
		snprintf(err, errlen, "%s: IP_MULTICAST_ALL: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	if (setopt(cap->fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) < 0 ||
	    setopt(cap->fd, SOL_SOCKET, SO_RXQ_OVFL, 1) < 0) {
		snprintf(err, errlen, "%s: socket options: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	size_rcvbuf(cap, c->buffer_bytes ? c->buffer_bytes : DEFAULT_RCVBUF, c->buffer_bytes != 0);
	/*
	 * Until SO_BINDTODEVICE took effect the socket heard OSPF from every
	 * interface: throw away what it queued meanwhile.
	 */
	drained = 0;
	if (rawsock_read(cap, -1, NULL, NULL, &drained, drain_err, sizeof(drain_err)) == CAP_ERROR)
		log_debug("%s: %s", cap->ifname, drain_err);
	cap->read = 0;
	cap->drops = cap->drops_base = drops_now(cap, cap->drops);
	check_igmp_reports(cap->ifname);
	if (join(cap, ALL_SPF_ROUTERS, err, errlen) < 0 ||
	    join(cap, ALL_D_ROUTERS, err, errlen) < 0)
		goto fail;
	return cap;
fail:
	if (cap->fd >= 0)
		close(cap->fd);
	free(cap);
	return NULL;
}

/* The datagram's kernel receive time, and the socket's drop counter. */
static uint64_t take_cmsgs(struct capture *cap, struct msghdr *mh)
{
	struct cmsghdr *cm;
	struct timespec ts = { 0, 0 };
	bool have_ts = false;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(ts))) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			have_ts = true;
		} else if (cm->cmsg_type == SO_RXQ_OVFL &&
		           cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			memcpy(&cap->drops, CMSG_DATA(cm), sizeof(uint32_t));
		}
	}
	if (!have_ts)
		clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read up to max datagrams (max < 0: until none is queued); fn NULL discards. */
static enum cap_result rawsock_read(struct capture *cap, int max, cap_frame_fn fn,
                                    void *ctx, int *n, char *err, size_t errlen)
{
	struct cap_frame f;
	struct iovec iov;
	struct msghdr mh;
	ssize_t len;

	while (max < 0 || *n < max) {
		iov.iov_base = cap->buf;
		iov.iov_len = sizeof(cap->buf);
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cap->ctl.b;
		mh.msg_controllen = sizeof(cap->ctl.b);
		if ((len = recvmsg(cap->fd, &mh, MSG_DONTWAIT)) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return CAP_OK;
			snprintf(err, errlen, "recvmsg: %s", strerror(errno));
			return CAP_ERROR;
		}
		f.ts_ms = take_cmsgs(cap, &mh);
		(*n)++;
		if (fn == NULL)
			continue;
		cap->read++;
		f.data = cap->buf;
		f.caplen = f.wirelen = (uint32_t)len;
		fn(ctx, &f);
	}
	return CAP_OK;
}

static enum cap_result rawsock_dispatch(struct capture *cap, int max, cap_frame_fn fn,
                                        void *ctx, char *err, size_t errlen)
{
	char name[IF_NAMESIZE];
	enum cap_result r;
	int n = 0;

	if ((r = rawsock_read(cap, max, fn, ctx, &n, err, errlen)) != CAP_OK)
		return r;
	/*
	 * A socket bound to an interface that is deleted just hears nothing
	 * more; libpcap reports that as an error, so does this.
	 */
	if (n == 0 && (if_indextoname(cap->ifindex, name) == NULL ||
	               strcmp(name, cap->ifname) != 0)) {
		snprintf(err, errlen, "interface %s is gone (deleted or renamed)", cap->ifname);
		return CAP_ERROR;
	}
	return CAP_OK;
}

static int rawsock_datalink(const struct capture *cap)
{
	(void)cap;
	return DLT_IPV4;
}

static int rawsock_fd(const struct capture *cap)
{
	return cap->fd;
}

static void rawsock_stats(struct capture *cap, struct cap_stats *st)
{
	memset(st, 0, sizeof(*st));
	/* the counter now, not as of the last datagram read */
	cap->drops = drops_now(cap, cap->drops);
	st->dropped = (uint32_t)(cap->drops - cap->drops_base);
	st->received = cap->read + st->dropped;
	st->valid = true;
}

static void rawsock_close(struct capture *cap)
{
	if (cap == NULL)
		return;
	close(cap->fd);        /* memberships go with the socket */
	free(cap);
}

const struct capture_ops ospf_rawsock_ops = {
	.name = "raw-socket",
	.open = rawsock_open,
	.dispatch = rawsock_dispatch,
	.datalink = rawsock_datalink,
	.fd = rawsock_fd,
	.stats = rawsock_stats,
	.close = rawsock_close,
};
