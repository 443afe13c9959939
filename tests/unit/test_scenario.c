/* What-if scenarios (cli/scenario.h): the edited database says what the
 * routers would flood after the change, and nothing else changes. */
#include <string.h>

#include "check.h"
#include "lsabuild.h"
#include "lsdb.h"
#include "scenario.h"
#include "topo.h"

static uint64_t now = 1000000;

static void install(struct lsdb *db, struct lsabuf *l, uint32_t area)
{
	struct lsa a;

	lsab_finish(l, &a);
	lsdb_install(db, area, &a, now, NULL);
}

/*
 * R1 -- p2p 10.0.12.0/30 (cost 10 each way) -- R2; R1, R2, R3 on the LAN
 * 10.0.0.0/24 (DR R1, 10.0.0.1; costs 1); stubs 10.N.0.0/24; R3 is an ASBR
 * (192.0.2.0/24 E2 20).
 */
static struct lsdb *build(void)
{
	struct lsdb *db = lsdb_new(100);
	struct lsabuf l;
	uint32_t lan[3] = { IP(1,1,1,1), IP(2,2,2,2), IP(3,3,3,3) };

	lsab_router_begin(&l, IP(1,1,1,1), 0, 0x80000001);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,12,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,1), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), IP(255,255,255,0), 1);
	install(db, &l, 0);
	lsab_router_begin(&l, IP(2,2,2,2), 0, 0x80000001);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,12,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,2), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,2,0,0), IP(255,255,255,0), 1);
	install(db, &l, 0);
	lsab_router_begin(&l, IP(3,3,3,3), LSA_ROUTER_E, 0x80000001);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,3), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,3,0,0), IP(255,255,255,0), 1);
	install(db, &l, 0);
	lsab_network(&l, IP(10,0,0,1), IP(1,1,1,1), IP(255,255,255,0), lan, 3);
	install(db, &l, 0);
	lsab_external(&l, IP(192,0,2,0), IP(3,3,3,3), IP(255,255,255,0), true, 20, 0);
	install(db, &l, LSDB_AS_SCOPE);
	return db;
}

static const struct topo_link *link_of(const struct topo *t, uint8_t type, uint32_t a, uint32_t b)
{
	for (unsigned i = 0; i < t->nl; i++)
		if (t->l[i].type == type && t->l[i].a == a && t->l[i].b == b)
			return &t->l[i];
	return NULL;
}

static int has_prefix(const struct topo *t, uint8_t kind, uint32_t prefix, uint32_t router)
{
	for (unsigned i = 0; i < t->np; i++)
		if (t->p[i].kind == kind && t->p[i].prefix == prefix && t->p[i].router == router)
			return 1;
	return 0;
}

static int has_router(const struct topo *t, uint32_t id)
{
	for (unsigned i = 0; i < t->nr; i++)
		if (t->r[i].id == id)
			return 1;
	return 0;
}

/* Apply one change; the topology of the result (NULL on error, err set). */
static struct topo *apply(const struct lsdb *db, enum scen_kind k, uint32_t a, uint32_t b, int net,
                          uint32_t cost, char *err)
{
	struct scen_change c = { k, a, b, net, cost };
	struct lsdb *d = scen_apply(db, now, &c, 1, err, 256);
	struct topo *t;

	if (d == NULL)
		return NULL;
	t = topo_build(d, now);
	lsdb_free(d);
	return t;
}

int main(void)
{
	struct lsdb *db = build();
	struct topo *t;
	const struct topo_link *l;
	char err[256];

	/* nothing changed: the copy is the same network */
	t = apply(db, SC_COST, IP(1,1,1,1), IP(2,2,2,2), 0, 10, err);
	CHECK(t != NULL);
	if (t) {
		CHECK((l = link_of(t, LINK_P2P, IP(1,1,1,1), IP(2,2,2,2))) != NULL && l->two_way);
		CHECK_EQ(t->nn, 1);
		CHECK(has_prefix(t, TP_EXTERNAL, IP(192,0,2,0), IP(3,3,3,3)));
		topo_free(t);
	}

	/* a p2p link fails: both directions and the subnet's stubs go */
	t = apply(db, SC_FAIL_LINK, IP(2,2,2,2), IP(1,1,1,1), 0, 0, err);
	CHECK(t != NULL);
	if (t) {
		CHECK(link_of(t, LINK_P2P, IP(1,1,1,1), IP(2,2,2,2)) == NULL);
		CHECK(!has_prefix(t, TP_STUB, IP(10,0,12,0), IP(1,1,1,1)));
		CHECK(!has_prefix(t, TP_STUB, IP(10,0,12,0), IP(2,2,2,2)));
		CHECK(has_prefix(t, TP_STUB, IP(10,1,0,0), IP(1,1,1,1)));
		CHECK((l = link_of(t, LINK_TRANSIT, IP(1,1,1,1), IP(10,0,0,1))) != NULL && l->two_way);
		topo_free(t);
	}

	/* routers that only share the LAN have no link of their own */
	t = apply(db, SC_FAIL_LINK, IP(1,1,1,1), IP(3,3,3,3), 0, 0, err);
	CHECK(t == NULL);
	CHECK(strstr(err, "share transit network 10.0.0.1") != NULL);
	CHECK(strstr(err, "(1.1.1.1-10.0.0.1)") != NULL);

	/* a LAN attachment fails: R3 leaves the network-LSA and loses its link */
	t = apply(db, SC_FAIL_LINK, IP(3,3,3,3), IP(10,0,0,1), 1, 0, err);
	CHECK(t != NULL);
	if (t) {
		CHECK(link_of(t, LINK_TRANSIT, IP(3,3,3,3), IP(10,0,0,1)) == NULL);
		CHECK_EQ(t->nn, 1);
		CHECK_EQ(t->nn ? t->n[0].n : 0, 2);
		CHECK((l = link_of(t, LINK_TRANSIT, IP(2,2,2,2), IP(10,0,0,1))) != NULL && l->two_way);
		topo_free(t);
	}

	/* two attachments fail: one router left, the LAN is its stub */
	{
		struct scen_change c[2] = { { SC_FAIL_LINK, IP(3,3,3,3), IP(10,0,0,1), 1, 0 },
		                            { SC_FAIL_LINK, IP(2,2,2,2), IP(10,0,0,1), 1, 0 } };
		struct lsdb *d = scen_apply(db, now, c, 2, err, sizeof(err));
		CHECK(d != NULL);
		if (d) {
			t = topo_build(d, now);
			CHECK_EQ(t->nn, 0);
			CHECK(link_of(t, LINK_TRANSIT, IP(1,1,1,1), IP(10,0,0,1)) == NULL);
			CHECK(has_prefix(t, TP_STUB, IP(10,0,0,0), IP(1,1,1,1)));
			topo_free(t);
			lsdb_free(d);
		}
	}

	/* the DR fails: the LAN stays with the others, its p2p peer keeps the
	 * subnet's stub (its own interface is up) */
	t = apply(db, SC_FAIL_ROUTER, IP(1,1,1,1), 0, 0, 0, err);
	CHECK(t != NULL);
	if (t) {
		CHECK(!has_router(t, IP(1,1,1,1)));
		CHECK_EQ(t->nn, 1);
		CHECK_EQ(t->nn ? t->n[0].n : 0, 2);
		CHECK((l = link_of(t, LINK_TRANSIT, IP(3,3,3,3), IP(10,0,0,1))) != NULL && l->two_way);
		CHECK(link_of(t, LINK_P2P, IP(1,1,1,1), IP(2,2,2,2)) == NULL);
		CHECK(has_prefix(t, TP_STUB, IP(10,0,12,0), IP(2,2,2,2)));
		topo_free(t);
	}

	/* an ASBR fails: its externals go with it */
	t = apply(db, SC_FAIL_ROUTER, IP(3,3,3,3), 0, 0, 0, err);
	CHECK(t != NULL);
	if (t) {
		CHECK(!has_prefix(t, TP_EXTERNAL, IP(192,0,2,0), IP(3,3,3,3)));
		CHECK(!has_prefix(t, TP_STUB, IP(10,3,0,0), IP(3,3,3,3)));
		topo_free(t);
	}

	/* a cost is one direction, the subnet's stub with it */
	t = apply(db, SC_COST, IP(1,1,1,1), IP(2,2,2,2), 0, 50, err);
	CHECK(t != NULL);
	if (t) {
		CHECK((l = link_of(t, LINK_P2P, IP(1,1,1,1), IP(2,2,2,2))) != NULL);
		CHECK_EQ(l ? l->cost_ab : 0, 50);
		CHECK_EQ(l ? l->cost_ba : 0, 10);
		for (unsigned i = 0; i < t->np; i++)
			if (t->p[i].prefix == IP(10,0,12,0))
				CHECK_EQ(t->p[i].cost, t->p[i].router == IP(1,1,1,1) ? 50 : 10);
		topo_free(t);
	}

	/* towards a router across the LAN: the cost onto the LAN */
	t = apply(db, SC_COST, IP(1,1,1,1), IP(3,3,3,3), 0, 7, err);
	CHECK(t != NULL);
	if (t) {
		CHECK((l = link_of(t, LINK_TRANSIT, IP(1,1,1,1), IP(10,0,0,1))) != NULL);
		CHECK_EQ(l ? l->cost_ab : 0, 7);
		topo_free(t);
	}

	/* what is not there */
	CHECK(apply(db, SC_FAIL_ROUTER, IP(9,9,9,9), 0, 0, 0, err) == NULL);
	CHECK(strstr(err, "no router 9.9.9.9") != NULL);
	CHECK(apply(db, SC_FAIL_LINK, IP(1,1,1,1), IP(9,9,9,9), 0, 0, err) == NULL);
	CHECK(apply(db, SC_COST, IP(1,1,1,1), IP(2,2,2,2), 0, 0, err) == NULL);
	CHECK(strstr(err, "1 to 65535") != NULL);
	CHECK(apply(db, SC_FAIL_LINK, IP(2,2,2,2), IP(10,0,0,9), 1, 0, err) == NULL);
	CHECK_EQ(scen_network_of(db, IP(10,0,0,77)), IP(10,0,0,1));
	CHECK_EQ(scen_network_of(db, IP(10,9,0,1)), 0);

	lsdb_free(db);
	return check_done("test_scenario");
}
