/*
 * The metering process: one captured frame in, flow-table updates out.
 * Sampling, decoding, fragment association and key selection happen here, in
 * that order; the flow table does the rest.  Pure of I/O: frames and times are
 * passed in, ended flows leave through the export callback.
 */
#ifndef ANEMONE_METER_H
#define ANEMONE_METER_H

#include <stdbool.h>
#include <stdint.h>
#include "decode.h"
#include "export.h"
#include "flowtab.h"

/* Flow key fields (configuration "key"); absent fields are zero in the key
 * and in exported records. */
enum {
	KEY_SRC_ADDR = 1 << 0,
	KEY_DST_ADDR = 1 << 1,
	KEY_SRC_PORT = 1 << 2,
	KEY_DST_PORT = 1 << 3,
	KEY_PROTO    = 1 << 4,
	KEY_TOS      = 1 << 5,
	KEY_VLAN     = 1 << 6,
	KEY_IN_IF    = 1 << 7,
	KEY_ALL      = (1 << 8) - 1,
};

/* Name -> KEY_* bit ("src-addr", ...); 0 if unknown. */
unsigned meter_key_field(const char *name);

#define FRAG_SLOTS   4096     /* remembered first fragments (direct-mapped) */
#define FRAG_KEEP_MS 30000    /* how long a first fragment's ports are kept */

struct meter_conf {
	struct flowtab_conf flows;
	unsigned key_fields;      /* KEY_* bits */
	uint32_t in_if;           /* ingressInterface of this capture */
	uint32_t sampling;        /* 1-in-N; 0/1 = every packet */
	enum sampling_mode sampling_mode;
	uint64_t sampling_seed;   /* random mode */
};

struct meter_stats {
	uint64_t seen;            /* frames offered */
	uint64_t sampled_out;     /* skipped by packet sampling */
	uint64_t decoded;         /* accounted to a flow */
	uint64_t drops[PKT_STATUS_MAX];  /* by decoder status; [PKT_OK] unused */
	uint64_t frag_unmatched;  /* later fragments whose first was not seen */
};

struct meter;

struct meter *meter_new(const struct meter_conf *conf, flow_export_fn fn, void *ctx);
void meter_free(struct meter *m);

/* As meter_packet, for a frame pkt_decode has already decoded (PKT_OK). */
void meter_packet_decoded(struct meter *m, const struct pkt_info *pi, uint64_t now_ms);

/* Account one frame captured at now_ms.  Returns the decoder's status (PKT_OK
 * also for frames skipped by sampling) so the caller can log drops. */
enum pkt_status meter_packet(struct meter *m, int dlt, const uint8_t *buf,
                             uint32_t caplen, uint32_t wirelen, uint64_t now_ms);

/* Move the meter's clock to now_ms if that is later, exporting every flow
 * whose timeout has passed (before the packet that brought the new time is
 * accounted: it then starts a new flow instead of extending the old one).
 * Timeouts are whole milliseconds, so only a new millisecond can make
 * anything due. */
void meter_advance(struct meter *m, uint64_t now_ms);

/* As meter_advance, but ending at most max flows (see flowtab_expire: the
 * records are the same).  Returns true while due flows remain; calling it
 * again with the same time goes on.  For a receiver that must not stall. */
bool meter_expire(struct meter *m, uint64_t now_ms, unsigned max);

/* The ingressInterface of the frames that follow (a capture of several
 * ports tells them apart). */
void meter_set_in_if(struct meter *m, uint32_t in_if);

struct flowtab *meter_flowtab(struct meter *m);
const struct meter_stats *meter_stats(const struct meter *m);

#endif
