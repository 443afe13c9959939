/* libpcap capture backend: live interfaces and pcap/pcapng files. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct capture {
	pcap_t *p;
	bool live;
	cap_frame_fn fn;
	void *ctx;
};

static void pcap_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *cap = (struct capture *)user;
	struct cap_frame f;

	f.data = bytes;
	f.caplen = h->caplen;
	f.wirelen = h->len < h->caplen ? h->caplen : h->len;
	f.ts_ms = (uint64_t)h->ts.tv_sec * 1000 + (uint64_t)h->ts.tv_usec / 1000;
	cap->fn(cap->ctx, &f);
}

static int set_filter(pcap_t *p, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (filter == NULL || *filter == '\0')
		return 0;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(p));
		return -1;
	}
	if (pcap_setfilter(p, &prog) < 0) {
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

static struct capture *pcapcap_open(const struct cap_conf *c, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *cap = calloc(1, sizeof(*cap));
	int rc;

	if (cap == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (c->file != NULL) {
		if ((cap->p = pcap_open_offline(c->file, ebuf)) == NULL) {
			snprintf(err, errlen, "%s: %s", c->file, ebuf);
			goto fail;
		}
	} else {
		cap->live = true;
		if ((cap->p = pcap_create(c->interface, ebuf)) == NULL) {
			snprintf(err, errlen, "%s: %s", c->interface, ebuf);
			goto fail;
		}
		pcap_set_snaplen(cap->p, (int)c->snaplen);
		pcap_set_promisc(cap->p, c->promisc);
		pcap_set_timeout(cap->p, (int)c->timeout_ms);
		if (c->buffer_bytes)
			pcap_set_buffer_size(cap->p, (int)c->buffer_bytes);
		if ((rc = pcap_activate(cap->p)) < 0) {
			if (rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED ||
			    rc == PCAP_ERROR)
				snprintf(err, errlen, "%s: %s", c->interface, pcap_geterr(cap->p));
			else
				snprintf(err, errlen, "%s: %s", c->interface, pcap_statustostr(rc));
			goto fail;
		}
		if (c->pkt_direction != DIR_BOTH &&
		    pcap_setdirection(cap->p, c->pkt_direction == DIR_IN ? PCAP_D_IN : PCAP_D_OUT) < 0) {
			snprintf(err, errlen, "%s: cannot capture one direction only: %s",
			         c->interface, pcap_geterr(cap->p));
			goto fail;
		}
		if (pcap_setnonblock(cap->p, 1, ebuf) < 0) {
			snprintf(err, errlen, "%s: %s", c->interface, ebuf);
			goto fail;
		}
	}
	if (set_filter(cap->p, c->filter, err, errlen) < 0)
		goto fail;
	return cap;
fail:
	if (cap->p)
		pcap_close(cap->p);
	free(cap);
	return NULL;
}

static enum cap_result pcapcap_dispatch(struct capture *cap, int max, cap_frame_fn fn,
                                        void *ctx, char *err, size_t errlen)
{
	int n;

	cap->fn = fn;
	cap->ctx = ctx;
	n = pcap_dispatch(cap->p, max, pcap_cb, (u_char *)cap);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s", pcap_geterr(cap->p));
		return CAP_ERROR;
	}
	if (n == 0 && !cap->live)
		return CAP_EOF;
	return CAP_OK;
}

static int pcapcap_datalink(const struct capture *cap)
{
	return pcap_datalink(cap->p);
}

static int pcapcap_fd(const struct capture *cap)
{
	return cap->live ? pcap_get_selectable_fd(cap->p) : -1;
}

static void pcapcap_stats(struct capture *cap, struct cap_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (!cap->live || pcap_stats(cap->p, &ps) < 0)
		return;
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	st->valid = true;
}

static void pcapcap_close(struct capture *cap)
{
	if (cap == NULL)
		return;
	pcap_close(cap->p);
	free(cap);
}

const struct capture_ops pcap_capture_ops = {
	.name = "pcap",
	.open = pcapcap_open,
	.dispatch = pcapcap_dispatch,
	.datalink = pcapcap_datalink,
	.fd = pcapcap_fd,
	.stats = pcapcap_stats,
	.close = pcapcap_close,
};
