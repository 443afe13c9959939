/*
 * Capture backend for classic pcap files: the file is mapped and parsed in
 * place (pcapfile.c), with libpcap used only to compile and run a BPF filter.
 * Behaves as the libpcap backend does on the same file: same frames, same
 * timestamps, same link type, the same errors for a damaged file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "pcapfile.h"

#define RELEASE_CHUNK (4u << 20)

struct capture {
	const uint8_t *map;
	size_t len;
	size_t off;
	size_t released;            /* pages before this offset were let go */
	struct pcapfile_hdr hdr;
	int dlt;
	bool has_filter;
	struct bpf_program prog;
};

bool pcapfile_usable(const char *path)
{
	uint8_t buf[PCAPFILE_HDR_LEN];
	struct pcapfile_hdr h;
	struct stat st;
	bool ok = false;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
	    pcapfile_header(buf, sizeof(buf), &h) == PCAPF_OK && h.version_major == 2)
		ok = true;
	close(fd);
	return ok;
}

static void pfile_close(struct capture *cap)
{
	if (cap == NULL)
		return;
	if (cap->map != NULL && cap->len > 0)
		munmap((void *)cap->map, cap->len);
	if (cap->has_filter)
		pcap_freecode(&cap->prog);
	free(cap);
}

static struct capture *pfile_open(const struct cap_conf *c, char *err, size_t errlen)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	struct stat st;
	int fd = -1;
	void *map;

	if (cap == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fd = open(c->file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", c->file, strerror(errno));
		goto fail;
	}
	cap->len = (size_t)st.st_size;
	map = mmap(NULL, cap->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", c->file, strerror(errno));
		cap->len = 0;
		goto fail;
	}
	cap->map = map;
	(void)madvise(map, cap->len, MADV_SEQUENTIAL);
	close(fd);
	fd = -1;
	if (pcapfile_header(cap->map, cap->len, &cap->hdr) != PCAPF_OK) {
		snprintf(err, errlen, "%s: not a pcap file, or its header is cut short", c->file);
		goto fail;
	}
	cap->off = PCAPFILE_HDR_LEN;
	cap->dlt = pcapfile_dlt(cap->hdr.linktype);
	if (c->filter != NULL && *c->filter != '\0') {
		pcap_t *dead = pcap_open_dead(cap->dlt, PCAPFILE_MAX_CAPLEN);
		if (dead == NULL || pcap_compile(dead, &cap->prog, c->filter, 1,
		                                 PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "filter '%s': %s", c->filter,
			         dead ? pcap_geterr(dead) : "out of memory");
			if (dead)
				pcap_close(dead);
			goto fail;
		}
		pcap_close(dead);
		cap->has_filter = true;
	}
	return cap;
fail:
	if (fd >= 0)
		close(fd);
	pfile_close(cap);
	return NULL;
}

/* Let go of the pages already read, a chunk at a time, so that reading a
 * large file does not grow the resident set (the page cache keeps them); 4 MiB a time. */
static void release_read(struct capture *cap)
{
	size_t upto = cap->off & ~((size_t)RELEASE_CHUNK - 1);

	if (upto > cap->released) {
		(void)madvise((void *)(cap->map + cap->released), upto - cap->released,
		              MADV_DONTNEED);
		cap->released = upto;
	}
}

static enum cap_result pfile_dispatch(struct capture *cap, int max, cap_frame_fn fn,
                                      void *ctx, char *err, size_t errlen)
{
	struct pcapfile_rec r;
	struct cap_frame f;

	release_read(cap);

	for (int n = 0; n < max; n++) {
		switch (pcapfile_record(cap->map, cap->len, cap->off, &cap->hdr, &r)) {
		case PCAPF_OK:
			break;
		case PCAPF_EOF:
			return CAP_EOF;
		case PCAPF_BAD_CAPLEN:
			snprintf(err, errlen, "damaged dump file: the record at offset %zu claims %u "
			         "captured bytes (at most %u)", cap->off, r.caplen, PCAPFILE_MAX_CAPLEN);
			return CAP_ERROR;
		default:
			snprintf(err, errlen, "truncated dump file: the record at offset %zu needs more "
			         "than the %zu bytes left", cap->off, cap->len - cap->off);
			return CAP_ERROR;
		}
		cap->off = r.next;
		if (cap->has_filter) {
			struct pcap_pkthdr ph;
			memset(&ph, 0, sizeof(ph));
			ph.caplen = r.caplen;
			ph.len = r.wirelen;
			if (pcap_offline_filter(&cap->prog, &ph, r.data) == 0)
				continue;
		}
		f.data = r.data;
		f.caplen = r.caplen;
		f.wirelen = r.wirelen;
		f.ts_ms = r.ts_ms;
		fn(ctx, &f);
	}
	return CAP_OK;
}

static int pfile_datalink(const struct capture *cap)
{
	return cap->dlt;
}

static int pfile_fd(const struct capture *cap)
{
	(void)cap;
	return -1;
}

static void pfile_stats(struct capture *cap, struct cap_stats *st)
{
	(void)cap;
	memset(st, 0, sizeof(*st));
}

const struct capture_ops pcapfile_capture_ops = {
	.name = "pcapfile",
	.open = pfile_open,
	.dispatch = pfile_dispatch,
	.datalink = pfile_datalink,
	.fd = pfile_fd,
	.stats = pfile_stats,
	.close = pfile_close,
};
