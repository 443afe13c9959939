/*
 * Raw-socket capture backend for OSPF (Linux): see rawsock.h.  Receive
 * only; the sockets are never written to.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
#define IP6_HDR           40              /* the IPv6 header put before a payload */
#define LLM_REPORTS       "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"

/* One socket: OSPFv2 (IPv4) or OSPFv3 (IPv6). */
struct sock {
	int fd;                    /* -1: none */
	bool v6;
	uint32_t drops;            /* the socket's drop counter, last seen */
	uint32_t drops_base;       /* ... when the open was done */
};

struct capture {
	struct sock s[2];          /* [0] IPv4; [1] IPv6, fd -1 when the interface
	                              takes no IPv6 */
	int epfd;                  /* readable when either is: the fd polled */
	unsigned ifindex;
	char ifname[IF_NAMESIZE];
	uint64_t read;             /* datagrams delivered */
	union {                    /* control messages of one datagram */
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct timespec)) +
		          CMSG_SPACE(sizeof(uint32_t)) +
		          CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
	} ctl;
	uint8_t buf[IP6_HDR + MAX_DATAGRAM];   /* IPv6: a header, then the payload */
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
	if (setsockopt(cap->s[0].fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		snprintf(err, errlen, "%s: cannot join 224.0.0.%u: %s", cap->ifname,
		         (unsigned)(group & 0xff), strerror(errno));
		return -1;
	}
	return 0;
}

/* ff02::5 or ff02::6 (last octet), on the IPv6 socket. */
static int join6(struct capture *cap, uint8_t last, char *err, size_t errlen)
{
	struct ipv6_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.ipv6mr_multiaddr.s6_addr[0] = 0xff;
	mr.ipv6mr_multiaddr.s6_addr[1] = 0x02;
	mr.ipv6mr_multiaddr.s6_addr[15] = last;
	mr.ipv6mr_interface = cap->ifindex;
	if (setsockopt(cap->s[1].fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0) {
		snprintf(err, errlen, "cannot join ff02::%u: %s", last, strerror(errno));
		return -1;
	}
	return 0;
}

/* The socket's drop counter now (0 where SO_MEMINFO is unknown). */
static uint32_t drops_now(const struct sock *k, uint32_t dflt)
{
#ifdef SO_MEMINFO
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);

	if (k->fd >= 0 && getsockopt(k->fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0 &&
	    len > SK_MEMINFO_DROPS * sizeof(uint32_t))
		return mi[SK_MEMINFO_DROPS];
#endif
	return dflt;
}

/* Receive buffer: forced past rmem_max when allowed (CAP_NET_ADMIN). */
static void size_rcvbuf(struct capture *cap, int fd, uint32_t want, int explicit)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (want > (uint32_t)(0x7fffffff / 2))
		want = 0x7fffffff / 2;
	if (setopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, (int)want) < 0)
		(void)setopt(fd, SOL_SOCKET, SO_RCVBUF, (int)want);
	/* the kernel reports twice what it accounts for payload */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 &&
	    (uint32_t)got / 2 < want) {
		if (explicit)
			log_warnx("%s: receive buffer %d bytes, not %u (net.core.rmem_max)",
			          cap->ifname, got / 2, want);
		else
			log_debug("%s: receive buffer %d bytes", cap->ifname, got / 2);
	}
}

static enum cap_result sock_read(struct capture *cap, struct sock *k, int max, cap_frame_fn fn,
                                 void *ctx, int *n, char *err, size_t errlen);

/* A raw socket of `family` for OSPF bound to the interface, with the
 * receive options; -1 with a message in err. */
static int sock_open(struct capture *cap, int family, const struct cap_conf *c, char *err,
                     size_t errlen)
{
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, OSPF_PROTO);
	const char *v = family == AF_INET6 ? "IPv6 " : "";

	if (fd < 0) {
		if (errno == EPERM || errno == EACCES)
			snprintf(err, errlen, "%s: %sraw socket: permission denied "
			         "(needs root or CAP_NET_RAW)", cap->ifname, v);
		else
			snprintf(err, errlen, "%s: %sraw socket: %s", cap->ifname, v, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, cap->ifname,
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
	if (family == AF_INET ? setopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0) < 0
	                      : setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0) < 0) {
		snprintf(err, errlen, "%s: %sMULTICAST_ALL: %s", cap->ifname,
		         family == AF_INET ? "IP_" : "IPV6_", strerror(errno));
		goto fail;
	}
	/* IPv6: the destination (the header is not given) and hop limit; the
	 * checksum is left to the monitor, which counts what fails it */
	if (family == AF_INET6 && (setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0 ||
	                           setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0)) {
		snprintf(err, errlen, "%s: IPv6 socket options: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	if (setopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) < 0 ||
	    setopt(fd, SOL_SOCKET, SO_RXQ_OVFL, 1) < 0) {
		snprintf(err, errlen, "%s: socket options: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	size_rcvbuf(cap, fd, c->buffer_bytes ? c->buffer_bytes : DEFAULT_RCVBUF,
	            c->buffer_bytes != 0);
	return fd;
fail:
	close(fd);
	return -1;
}

/* Until SO_BINDTODEVICE took effect the socket heard OSPF from every
 * interface: throw away what it queued meanwhile. */
static void sock_drain(struct capture *cap, struct sock *k)
{
	char drain_err[64];
	int drained = 0;

	if (sock_read(cap, k, -1, NULL, NULL, &drained, drain_err, sizeof(drain_err)) == CAP_ERROR)
		log_debug("%s: %s", cap->ifname, drain_err);
	k->drops = k->drops_base = drops_now(k, k->drops);
}

/* Whether the interface takes IPv6: its disable_ipv6 is 0.  (A socket
 * joins ff02::5 on an interface whose IPv6 is disabled, and hears nothing.) */
static bool ipv6_on(const char *ifname, char *err, size_t errlen)
{
	char path[128];
	FILE *fp;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "no IPv6 (%s: %s)", path, strerror(errno));
		return false;
	}
	if (fscanf(fp, "%d", &v) != 1)
		v = -1;
	fclose(fp);
	if (v != 0) {
		snprintf(err, errlen, "IPv6 is disabled on %s (net.ipv6.conf.%s.disable_ipv6)",
		         ifname, ifname);
		return false;
	}
	return true;
}

static struct capture *rawsock_open(const struct cap_conf *c, char *err, size_t errlen)
{
	struct capture *cap;
	char err6[256];

	if (c->interface == NULL || c->file != NULL) {
		snprintf(err, errlen, "raw socket: listens on an interface, reads no file");
		return NULL;
	}
	if ((cap = calloc(1, sizeof(*cap))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cap->s[0] = (struct sock){ .fd = -1 };
	cap->s[1] = (struct sock){ .fd = -1, .v6 = true };
	cap->epfd = -1;
	if (strlen(c->interface) >= sizeof(cap->ifname) ||
	    (cap->ifindex = if_nametoindex(c->interface)) == 0) {
		snprintf(err, errlen, "%s: no such interface", c->interface);
		goto fail;
	}
	memcpy(cap->ifname, c->interface, strlen(c->interface) + 1);
	if ((cap->s[0].fd = sock_open(cap, AF_INET, c, err, errlen)) < 0)
		goto fail;
	sock_drain(cap, &cap->s[0]);
	check_igmp_reports(cap->ifname);
	if (join(cap, ALL_SPF_ROUTERS, err, errlen) < 0 ||
	    join(cap, ALL_D_ROUTERS, err, errlen) < 0)
		goto fail;
	/*
	 * OSPFv3: an interface without IPv6 (disabled, or no IPv6 in this
	 * kernel) is heard for OSPFv2 only, and said so.  The kernel reports
	 * the memberships of ff02::5 and ff02::6 with MLD, from the
	 * interface's link-local address or, without one, from :: (RFC 3590);
	 * Linux has no switch for it as it has for IGMP.
	 */
	if (ipv6_on(cap->ifname, err6, sizeof(err6)) &&
	    (cap->s[1].fd = sock_open(cap, AF_INET6, c, err6, sizeof(err6))) >= 0)
		sock_drain(cap, &cap->s[1]);
	if (cap->s[1].fd < 0 || join6(cap, 5, err6, sizeof(err6)) < 0 ||
	    join6(cap, 6, err6, sizeof(err6)) < 0) {
		log_warnx("%s: OSPFv3 (IPv6) not heard: %s", cap->ifname, err6);
		if (cap->s[1].fd >= 0)
			close(cap->s[1].fd);
		cap->s[1].fd = -1;
	} else {
		log_info("%s: joined ff02::5 and ff02::6 for OSPFv3: the kernel sends MLD "
		         "reports for them on %s", cap->ifname, cap->ifname);
	}
	/* one descriptor to poll for both */
	if ((cap->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: epoll: %s", cap->ifname, strerror(errno));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (cap->s[i].fd >= 0 && epoll_ctl(cap->epfd, EPOLL_CTL_ADD, cap->s[i].fd, &ev) < 0) {
			snprintf(err, errlen, "%s: epoll: %s", cap->ifname, strerror(errno));
			goto fail;
		}
	}
	cap->read = 0;
	return cap;
fail:
	for (int i = 0; i < 2; i++)
		if (cap->s[i].fd >= 0)
			close(cap->s[i].fd);
	if (cap->epfd >= 0)
		close(cap->epfd);
	free(cap);
	return NULL;
}

/* The datagram's kernel receive time and the socket's drop counter; for
 * IPv6 also its destination and hop limit. */
static uint64_t take_cmsgs(struct sock *k, struct msghdr *mh, uint8_t *dst6, int *hops)
{
	struct cmsghdr *cm;
	struct timespec ts = { 0, 0 };
	bool have_ts = false;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(dst6, &pi.ipi6_addr, 16);
			continue;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(hops, CMSG_DATA(cm), sizeof(int));
			continue;
		}
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(ts))) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			have_ts = true;
		} else if (cm->cmsg_type == SO_RXQ_OVFL &&
		           cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			memcpy(&k->drops, CMSG_DATA(cm), sizeof(uint32_t));
		}
	}
	if (!have_ts)
		clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read up to max datagrams from one socket (max < 0: until none is
 * queued); fn NULL discards.  An IPv4 datagram comes whole; an IPv6
 * payload is given an IPv6 header (source, destination, hop limit, next
 * header 89) so that frames of both read alike (DLT_RAW). */
static enum cap_result sock_read(struct capture *cap, struct sock *k, int max, cap_frame_fn fn,
                                 void *ctx, int *n, char *err, size_t errlen)
{
	struct cap_frame f;
	struct iovec iov;
	struct msghdr mh;
	struct sockaddr_in6 from;
	ssize_t len;

	while (max < 0 || *n < max) {
		uint8_t *ip = cap->buf, dst6[16] = { 0 };
		int hops = 1;
		iov.iov_base = k->v6 ? cap->buf + IP6_HDR : cap->buf;
		iov.iov_len = MAX_DATAGRAM;
		memset(&mh, 0, sizeof(mh));
		memset(&from, 0, sizeof(from));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cap->ctl.b;
		mh.msg_controllen = sizeof(cap->ctl.b);
		if ((len = recvmsg(k->fd, &mh, MSG_DONTWAIT)) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return CAP_OK;
			snprintf(err, errlen, "recvmsg: %s", strerror(errno));
			return CAP_ERROR;
		}
		f.ts_ms = take_cmsgs(k, &mh, dst6, &hops);
		(*n)++;
		if (fn == NULL)
			continue;
		cap->read++;
		if (k->v6) {
			memset(ip, 0, IP6_HDR);
			ip[0] = 0x60;
			ip[4] = (uint8_t)(len >> 8);
			ip[5] = (uint8_t)len;
			ip[6] = OSPF_PROTO;
			ip[7] = (uint8_t)hops;
			memcpy(ip + 8, &from.sin6_addr, 16);
			memcpy(ip + 24, dst6, 16);
			len += IP6_HDR;
		}
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
	struct epoll_event ev[2];
	enum cap_result r;
	int n = 0;

	/* (empties the ready list; level-triggered, so nothing is lost) */
	(void)epoll_wait(cap->epfd, ev, 2, 0);
	for (int i = 0; i < 2; i++)
		if (cap->s[i].fd >= 0 &&
		    (r = sock_read(cap, &cap->s[i], max, fn, ctx, &n, err, errlen)) != CAP_OK)
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
	return DLT_RAW;             /* IPv4 or IPv6, by the version */
}

static int rawsock_fd(const struct capture *cap)
{
	return cap->epfd;
}

static void rawsock_stats(struct capture *cap, struct cap_stats *st)
{
	memset(st, 0, sizeof(*st));
	/* the counters now, not as of the last datagram read */
	for (int i = 0; i < 2; i++) {
		struct sock *k = &cap->s[i];
		if (k->fd < 0)
			continue;
		k->drops = drops_now(k, k->drops);
		st->dropped += (uint32_t)(k->drops - k->drops_base);
	}
	st->received = cap->read + st->dropped;
	st->valid = true;
}

static void rawsock_close(struct capture *cap)
{
	if (cap == NULL)
		return;
	for (int i = 0; i < 2; i++)    /* memberships go with the sockets */
		if (cap->s[i].fd >= 0)
			close(cap->s[i].fd);
	close(cap->epfd);
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
