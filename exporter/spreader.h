/*
 * Which of n workers meters a frame (software spreading for DPDK ports
 * without RSS): a hash of the frame's flow key, with the fields that may
 * differ between the two directions of a conversation put in one order
 * (addresses and ports), left out (ToS, ICMP type and code) or not known
 * (interface).  So every packet of a flow, and both directions of a
 * conversation, go to one worker.  A later fragment gets the ports of its
 * first fragment from a table of the spreader's own, as the meter does.
 * Frames that do not decode go to worker 0.  Seed as the flow tables'.
 *
 * Pure of I/O and clocks (time is passed in); one spreader per spreading
 * thread, not shared.  Memory: FRAG_SLOTS fragment slots (about 230 KiB).
 */
#ifndef ANEMONE_SPREADER_H
#define ANEMONE_SPREADER_H

#include <stdint.h>

#include "decode.h"

struct spreader;

/* key_fields: the meter's KEY_* bits; n workers (0 is taken as 1).  NULL
 * when out of memory.  Free with spreader_free (NULL is fine). */
struct spreader *spreader_new(unsigned key_fields, uint64_t seed, unsigned n);
void spreader_free(struct spreader *sp);

/* The worker, 0..n-1, that meters this frame; now_ms as for meter_packet
 * (fragment table expiry).  With decoded non-NULL, the frame's decoding is
 * left there for meter_packet_decoded (af non-zero), or af is 0 if it did
 * not decode (or n is 1).  Cost: one decode and one hash. */
unsigned spreader_pick(struct spreader *sp, int dlt, const uint8_t *buf, uint32_t caplen,
                       uint32_t wirelen, uint64_t now_ms, struct pkt_info *decoded);

#endif
