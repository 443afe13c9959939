# topo-enterprise.sh: an "enterprise-like" single-area OSPF network for
# tests/lab/ospf-lab.sh (up DIR --topology tests/lab/topo-enterprise.sh),
# recorded by tests/lab/record-enterprise.sh into tests/data/enterprise.
# A shell fragment: it only sets the lab's topology variables (see "the
# topology" in ospf-lab.sh) and ROUTER_NAMES.
#
#               r5 hq-access              mon 10.0.0.254 (listener, no OSPF;
#               pri 0                      |               the monitor segment)
#                |                         |
#   ====+========+=========================+=========+====  HQ LAN 10.0.0.0/24,
#       |                                            |      cost 10, area 0
#   r1 hq-core1 -------------- 10 -------------- r2 hq-core2
#   DR, pri 200                                  BDR, pri 100
#    |      |                                      |      |
#    |     10                                     10      |
#    |      |                                      |      |
#    |   r3 dc-core1 ---------- 10 ---------- r4 dc-core2 |
#    |      |  \                               /   |      |
#    |     10   10                           10   10      |
#    |      |     \                         /      |      |
#    |      |      r10 inet-edge ----------+       |      |
#    |      |      ASBR: 198.51.100.0/24 E2 20     |      |
#    |      +------------- r6 dc-servers ----------+      |
#    |                                                    |
#   50 WAN north                               WAN south 50
#    |                                                    |
#   r7 branch-north                          r8 branch-south
#    |                                                    |
#   50 WAN east                       slow WAN backup 200 |
#    |                                                    |
#    +------------------ r9 branch-east ------------------+
#
# Every router rN: router id 10.255.0.N, stub 10.100.N.0/24 (passive), all
# in area 0.0.0.0.  p2p link rA-rB: 10.A.B.0/24, rA = 10.A.B.A, rB =
# 10.A.B.B (r3-r10: 10.3.10.3 and 10.3.10.10); the number after the link in
# P2P_LINKS is the OSPF cost of both ends.
# shellcheck shell=sh disable=SC2034

BASE_ROUTERS="r1 r2 r3 r4 r5 r6 r7 r8 r9 r10"
LAN_MEMBERS="r1:200 r2:100 r5:0"
LAN_COST=10
ADDED_PRIO=0
P2P_LINKS="
r1:r2:0.0.0.0:10.1.2.0/24:10
r3:r4:0.0.0.0:10.3.4.0/24:10
r1:r3:0.0.0.0:10.1.3.0/24:10
r2:r4:0.0.0.0:10.2.4.0/24:10
r3:r6:0.0.0.0:10.3.6.0/24:10
r4:r6:0.0.0.0:10.4.6.0/24:10
r3:r10:0.0.0.0:10.3.10.0/24:10
r4:r10:0.0.0.0:10.4.10.0/24:10
r1:r7:0.0.0.0:10.1.7.0/24:50
r2:r8:0.0.0.0:10.2.8.0/24:50
r7:r9:0.0.0.0:10.7.9.0/24:50
r8:r9:0.0.0.0:10.8.9.0/24:200
"
TAPPED_LINKS=""
NSSA_AREAS=""
ASBRS="r10:2:20"
EXT_ROUTES="r10:198.51.100.0/24"
stub_area() { echo 0.0.0.0; }

# router -> name (record-enterprise.sh writes them out by router id)
ROUTER_NAMES="r1:hq-core1 r2:hq-core2 r3:dc-core1 r4:dc-core2 r5:hq-access
r6:dc-servers r7:branch-north r8:branch-south r9:branch-east r10:inet-edge"
