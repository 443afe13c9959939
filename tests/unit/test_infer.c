/*
 * infer: an interface is decided from its records' votes only once 8
 * records voted and one answer is in 90 % of them and in more than any
 * other (equal-cost votes hold several answers); a tie stays undecided
 * until another interface of the exporter takes one of the answers; a
 * vote whose every answer another interface has is not taken; halving
 * lets a new answer take over; the table's bound holds.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "infer.h"

static struct infer_key key(uint32_t addr, uint32_t ifindex)
{
	struct infer_key k;

	memset(&k, 0, sizeof(k));
	k.af = 2;
	k.addr.w[0] = addr;
	k.ifindex = ifindex;
	return k;
}

static const struct infer_cand R3 = { IK_NEIGHBOUR, 3 }, R4 = { IK_NEIGHBOUR, 4 },
	R6 = { IK_NEIGHBOUR, 6 }, EDGE = { IK_EDGE, 0 }, LAN = { IK_NETWORK, 0x0a000001 };

static int vote1(struct infer *t, struct infer_key k, struct infer_cand c)
{
	return infer_vote(t, &k, 5, &c, 1);
}

int main(void)
{
	struct infer *t = infer_new(4, 1);
	struct infer_key a = key(1, 1), b = key(1, 2), c = key(1, 3), other = key(2, 3);
	struct infer_cand ecmp[3] = { R3, R4, R6 };
	struct infer_point p[8];
	const struct infer_cand *d;

	/* 7 votes: not yet; the 8th decides */
	for (int i = 0; i < 7; i++)
		CHECK_EQ(vote1(t, a, R3), 0);
	CHECK(infer_decided(t, &a) == NULL);
	CHECK_EQ(vote1(t, a, R3), 1);
	d = infer_decided(t, &a);
	CHECK(d != NULL && d->kind == IK_NEIGHBOUR && d->id == 3);
	CHECK_EQ(infer_decided_count(t), 1);

	/* 8 of 10 (80 %): not decided; two more: 10 of 12 (83 %), still not;
	 * 28 of 30 (93 %): decided */
	vote1(t, b, LAN);
	vote1(t, b, LAN);
	for (int i = 0; i < 8; i++)
		vote1(t, b, EDGE);
	CHECK(infer_decided(t, &b) == NULL);
	vote1(t, b, EDGE);
	vote1(t, b, EDGE);
	CHECK(infer_decided(t, &b) == NULL);
	for (int i = 0; i < 18; i++)
		vote1(t, b, EDGE);
	d = infer_decided(t, &b);
	CHECK(d != NULL && d->kind == IK_EDGE);

	/* equal-cost votes {r3, r4, r6} only: a tie, undecided, and no
	 * likeliest; r3 is interface a's: the likeliest of {r3, r4, r6} for c
	 * is not yet one (r4 and r6 tie) */
	for (int i = 0; i < 20; i++)
		CHECK_EQ(infer_vote(t, &c, 5, ecmp, 3), 0);
	CHECK(infer_decided(t, &c) == NULL);
	CHECK(infer_likeliest(t, &c, ecmp, 3) == NULL);
	CHECK(infer_taken(t, &c, &R3));
	CHECK(!infer_taken(t, &c, &R4));
	CHECK(!infer_taken(t, &a, &R3));          /* (its own) */
	CHECK(!infer_taken(t, &other, &R3));      /* (another exporter's) */
	/* r4 votes: c decides r4 (r3 is a's, not c's to take) */
	CHECK_EQ(vote1(t, c, R4), 1);
	d = infer_decided(t, &c);
	CHECK(d != NULL && d->id == 4);
	/* a vote for r3 alone at c: a's answer, not taken */
	{
		struct infer_point q[4];
		unsigned n = infer_points(t, q, 4), i;
		for (i = 0; i < n && q[i].k.ifindex != 3; i++)
			;
		CHECK(i < n);
		uint32_t before = i < n ? q[i].total : 0;
		vote1(t, c, R3);
		n = infer_points(t, q, 4);
		for (i = 0; i < n && q[i].k.ifindex != 3; i++)
			;
		CHECK(i < n && q[i].total == before);
	}

	/* a new answer takes over once it holds 90 % (halving forgets) */
	for (int i = 0; i < 4 * INFER_HALVE_AT && infer_decided(t, &a)->id == 3; i++)
		vote1(t, a, R6);
	d = infer_decided(t, &a);
	CHECK(d != NULL && d->id == 6);
	CHECK(!infer_taken(t, &c, &R3));          /* r3 is nobody's now */

	/* the bound: 4 interfaces; a fifth's votes are not kept */
	CHECK_EQ(vote1(t, other, R3), 0);
	CHECK_EQ(vote1(t, key(3, 1), R3), -1);
	CHECK_EQ(infer_full(t), 1);
	CHECK_EQ(infer_points(t, p, 8), 3);
	infer_free(t);
	return check_done("test_infer");
}
