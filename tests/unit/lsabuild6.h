/*
 * Building OSPFv3 LSAs (RFC 5340 A.4) as wire bytes for tests: begin one
 * LSA with a header and its fixed fields, add its elements (interfaces,
 * prefixes), then lsab6_finish fills in the length and the Fletcher
 * checksum (lsa_checksum), checks it with lsa6_decode (aborting if the
 * decoder refuses it) and gives the view lsdb_install takes (lsdb_lsa6).
 * The view points into the builder's buffer: install it before building
 * the next LSA (lsdb_install copies it).  Every LSA is built at age 1 with
 * sequence number OSPF_INITIAL_SEQ.  Router ids, interface ids and link
 * state ids are host order; IPv6 addresses and prefixes 16 octets in
 * network order.
 */
#ifndef ANEMONE_LSABUILD6_H
#define ANEMONE_LSABUILD6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ospf.h"
#include "ospf6.h"

struct lsabuf6 {
	uint8_t b[65535];            /* the largest LSA the length field allows */
	size_t len;
	size_t count_at;             /* where the element count lives (0: none) */
	unsigned count_width;        /* its octets: 2 or 4 */
};

/* The options a router-LSA gets from lsab6_router: V6, E, R. */
#define LSAB6_OPTS (OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R)

/* A header of LS type `type`, then nothing: an LSA of no known body, or
 * the start of one of the builders below. */
void lsab6_hdr(struct lsabuf6 *l, uint16_t type, uint32_t ls_id, uint32_t adv);

/* Router-LSA: flags (LSA6_ROUTER_*), options (OSPF6_OPT_*), then
 * lsab6_iface for each interface. */
void lsab6_router(struct lsabuf6 *l, uint32_t rid, uint32_t ls_id, uint8_t flags, uint32_t options);
void lsab6_iface(struct lsabuf6 *l, uint8_t type, uint16_t metric, uint32_t ifid,
                 uint32_t nbr_ifid, uint32_t nbr_rid);

/* Network-LSA of the link whose DR is dr, at its interface dr_ifid. */
void lsab6_network(struct lsabuf6 *l, uint32_t dr, uint32_t dr_ifid, const uint32_t *routers,
                   unsigned n);

/* Link-LSA of router rid's interface ifid, link-local address ll; then
 * lsab6_prefix for its prefixes (metric 0). */
void lsab6_link(struct lsabuf6 *l, uint32_t rid, uint32_t ifid, const uint8_t ll[16]);

/* Intra-area-prefix-LSA of adv referring to (ref_type, ref_ls_id,
 * ref_adv); then lsab6_prefix for its prefixes. */
void lsab6_intra(struct lsabuf6 *l, uint32_t adv, uint32_t ls_id, uint16_t ref_type,
                 uint32_t ref_ls_id, uint32_t ref_adv);

/* A prefix of a link- or intra-area-prefix-LSA (field: the metric). */
void lsab6_prefix(struct lsabuf6 *l, uint8_t plen, uint8_t options, uint16_t field,
                  const uint8_t addr[16]);

/* Inter-area-prefix-LSA. */
void lsab6_inter_prefix(struct lsabuf6 *l, uint32_t adv, uint32_t ls_id, uint32_t metric,
                        uint8_t plen, uint8_t options, const uint8_t addr[16]);

/* Inter-area-router-LSA: a path from adv to ASBR dest. */
void lsab6_inter_router(struct lsabuf6 *l, uint32_t adv, uint32_t ls_id, uint32_t metric,
                        uint32_t dest);

/* AS-external-LSA (type LSA6_EXTERNAL) or NSSA-LSA (LSA6_NSSA); a
 * forwarding address (F) when fwd is not NULL. */
void lsab6_external(struct lsabuf6 *l, uint16_t type, uint32_t adv, uint32_t ls_id, bool e2,
                    uint32_t metric, uint8_t plen, uint8_t options, const uint8_t addr[16],
                    const uint8_t *fwd);

/* Length, checksum, decode; *out views l's buffer. */
void lsab6_finish(struct lsabuf6 *l, struct lsa *out);

#endif
