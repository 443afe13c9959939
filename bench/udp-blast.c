/*
 * udp-blast: send a file of prepared export datagrams (tests/dgram-replay's
 * format: 4-byte big-endian length, then the datagram) to ADDR:PORT over UDP
 * with sendmmsg, as fast as it can or paced at a number of flow records per
 * second.  For bench/collector-run.
 *
 *   udp-blast [-a ADDR] -p PORT [-r RECORDS_PER_S] [-n RECORDS] [-b BATCH] FILE
 *
 *   -r  pace: records per second (0, the default: no pacing)
 *   -n  send datagrams until this many records are sent (default: the
 *       whole file once); past the end of the file, the file again from its
 *       start, with the IPFIX sequence numbers moved on by the file's record
 *       count at each pass (so they stay consistent for a stream of one
 *       observation domain, as bench/ipfix-gen writes)
 *   -b  datagrams per sendmmsg (default 16)
 *
 * The file is read into memory first.  Records per datagram are counted from
 * the datagrams: NetFlow v5's count; IPFIX data sets divided by their
 * template's record length (templates read from the stream's template sets;
 * fixed-length fields only).  Prints, on stdout:
 *
 *   datagrams=N records=N bytes=N start_ns=T end_ns=T seconds=S
 *   records_per_s=R send_errors=N
 *
 * start_ns and end_ns are CLOCK_REALTIME around the sending.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024

struct dg {
	const uint8_t *p;
	uint32_t len, records;
	uint32_t seq;                   /* IPFIX sequence number as in the file */
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t reclen[65536];          /* IPFIX template id -> record length */

static void ipfix_templates(const uint8_t *s, size_t n)
{
	size_t off = 0;

	while (off + 4 <= n) {
		uint16_t tid = rd16(s + off), cnt = rd16(s + off + 2), len = 0;
		size_t o = off + 4;
		if (tid < 256)
			return;
		for (uint16_t i = 0; i < cnt && o + 4 <= n; i++) {
			uint16_t id = rd16(s + o), fl = rd16(s + o + 2);
			o += id & 0x8000 ? 8 : 4;
			if (fl == 65535) {      /* variable length: not counted */
				len = 0;
				break;
			}
			len = (uint16_t)(len + fl);
		}
		reclen[tid] = len;
		off = o;
		if (cnt == 0)
			return;
	}
}

static uint32_t count_records(const uint8_t *p, size_t len)
{
	uint32_t n = 0;
	size_t off = 16;

	if (len >= 4 && rd16(p) == 5)
		return rd16(p + 2);
	if (len < 16 || rd16(p) != 10)
		return 0;
	while (off + 4 <= len) {
		uint16_t id = rd16(p + off), sl = rd16(p + off + 2);
		if (sl < 4 || off + sl > len)
			break;
		if (id == 2)
			ipfix_templates(p + off + 4, sl - 4u);
		else if (id >= 256 && reclen[id])
			n += (sl - 4u) / reclen[id];
		off += sl;
	}
	return n;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	int port = 0, batch = 16, opt, fd, sndbuf = 8 << 20;
	double rate = 0;
	uint64_t limit = UINT64_MAX, sent_dg = 0, sent_rec = 0, sent_bytes = 0, errors = 0;
	uint64_t t0, t1, m0, m1;
	struct sockaddr_in sa;
	struct dg *d;
	size_t nd = 0, cap = 1 << 16, off = 0;
	uint64_t file_rec = 0, pass = 0;
	uint8_t *buf;
	struct stat st;
	FILE *f;

	while ((opt = getopt(argc, argv, "a:p:r:n:b:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'n': limit = strtoull(optarg, NULL, 10); break;
		case 'b': batch = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind + 1 != argc || port <= 0 || port > 65535 || batch < 1 || batch > MAX_BATCH)
		goto usage;

	if ((f = fopen(argv[optind], "rb")) == NULL || fstat(fileno(f), &st) < 0) {
		perror(argv[optind]);
		return 1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL ||
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "udp-blast: cannot read %s\n", argv[optind]);
		return 1;
	}
	fclose(f);
	if ((d = malloc(cap * sizeof(*d))) == NULL)
		return 1;
	while (off + 4 <= (size_t)st.st_size) {
		uint32_t l = rd32(buf + off);
		if (off + 4 + l > (size_t)st.st_size)
			break;
		if (nd == cap && (d = realloc(d, (cap *= 2) * sizeof(*d))) == NULL)
			return 1;
		d[nd].p = buf + off + 4;
		d[nd].len = l;
		d[nd].records = count_records(d[nd].p, l);
		d[nd].seq = l >= 16 && rd16(d[nd].p) == 10 ? rd32(d[nd].p + 8) : 0;
		file_rec += d[nd].records;
		nd++;
		off += 4 + (size_t)l;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "udp-blast: bad address %s\n", addr);
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}

	if (nd == 0) {
		fprintf(stderr, "udp-blast: no datagram in %s\n", argv[optind]);
		return 1;
	}
	if (limit == UINT64_MAX)
		limit = file_rec;
	if (file_rec == 0) {
		fprintf(stderr, "udp-blast: no records counted in %s\n", argv[optind]);
		return 1;
	}
	t0 = now_ns(CLOCK_REALTIME);
	m0 = now_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; sent_rec < limit;) {
		struct mmsghdr mm[MAX_BATCH];
		struct iovec iov[MAX_BATCH];
		uint64_t pend = sent_rec;
		int k = 0, r;

		if (i == nd) {
			i = 0;
			pass++;
		}
		while (k < batch && i + (size_t)k < nd && pend < limit) {
			pend += d[i + k].records;
			if (d[i + k].len >= 16 && rd16(d[i + k].p) == 10)
				wr32((uint8_t *)d[i + k].p + 8, (uint32_t)(d[i + k].seq + pass * file_rec));
			iov[k].iov_base = (void *)d[i + k].p;
			iov[k].iov_len = d[i + k].len;
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			k++;
		}
		if ((r = sendmmsg(fd, mm, (unsigned)k, 0)) < 0) {
			if (errno == EINTR)
				continue;
			/* ECONNREFUSED from an earlier datagram (nobody listening
			 * for a moment), ENOBUFS: count, skip the first, go on */
			errors++;
			r = 1;
		}
		for (int j = 0; j < r; j++) {
			sent_dg++;
			sent_rec += d[i + (size_t)j].records;
			sent_bytes += d[i + (size_t)j].len;
		}
		i += (size_t)r;
		if (rate > 0) {
			uint64_t due = m0 + (uint64_t)((double)sent_rec / rate * 1e9);
			uint64_t now = now_ns(CLOCK_MONOTONIC);
			if (due > now + 20000) {
				struct timespec ts = { (time_t)(due / 1000000000ull),
				                       (long)(due % 1000000000ull) };
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			} else {
				while (now_ns(CLOCK_MONOTONIC) < due)
					;
			}
		}
	}
	m1 = now_ns(CLOCK_MONOTONIC);
	t1 = now_ns(CLOCK_REALTIME);
	printf("datagrams=%llu records=%llu bytes=%llu start_ns=%llu end_ns=%llu seconds=%.6f "
	       "records_per_s=%.0f send_errors=%llu\n",
	       (unsigned long long)sent_dg, (unsigned long long)sent_rec,
	       (unsigned long long)sent_bytes, (unsigned long long)t0, (unsigned long long)t1,
	       (double)(m1 - m0) / 1e9, (double)sent_rec / ((double)(m1 - m0) / 1e9),
	       (unsigned long long)errors);
	return 0;
usage:
	fprintf(stderr, "usage: udp-blast [-a ADDR] -p PORT [-r RECORDS_PER_S] [-n RECORDS] "
	        "[-b BATCH] FILE\n");
	return 2;
}
