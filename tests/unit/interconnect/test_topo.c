/*
 * test_topo.c — the network's shape (interconnect/topo.[ch]) checked
 * exhaustively for every P in 1..64 and every (src, dst): routes have S switch
 * hops and end at dst's MM, consecutive hops are joined by real links, the
 * links between stages are permutations, replies retrace requests, routes to
 * one MM form a tree converging on it, switch hosting is balanced, phantom
 * endpoints leave every last-stage switch a real MM; and net_home spreads
 * pages evenly (chi-square bound), honours the interleave unit and returns
 * fixed golden values (the same in every process and build).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "interconnect/topo.h"

#define MAXP 64

static struct net_topo topo(uint32_t p)
{
    struct net_topo t;
    cr_assert_eq(net_topo_init(&t, p), 0, "P=%u", p);
    return t;
}

/* Rotate left by one in s bits: the perfect shuffle, written independently. */
static uint32_t rotl1(uint32_t v, uint32_t s)
{
    uint32_t n = 1u << s;
    return (2 * v) % n + (2 * v) / n;
}

Test(topo, shape_and_limits)
{
    static const uint32_t p[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64, 65};
    static const uint32_t s[] = {0, 1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 6, 7};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        struct net_topo t = topo(p[i]);
        cr_expect_eq(t.stages, s[i], "P=%u", p[i]);
        cr_expect_eq(t.vsize, 1u << s[i]);
        cr_expect_eq(t.width, s[i] ? (1u << s[i]) / 2 : 0);
    }
    struct net_topo t;
    cr_expect_eq(net_topo_init(&t, 0), -EINVAL);
    cr_expect_eq(net_topo_init(&t, NET_TOPO_MAX_NODES + 1), -EINVAL);
    cr_expect_eq(net_topo_init(&t, NET_TOPO_MAX_NODES), 0);
    cr_expect_eq(t.stages, NET_TOPO_MAX_STAGES);
    struct net_route r;
    t = topo(5);
    cr_expect_eq(net_route(&t, 5, 0, &r), -EINVAL);
    cr_expect_eq(net_route(&t, 0, 5, &r), -EINVAL);
}

/* Real ranks occupy distinct virtual endpoints in increasing order, the partner
 * of a phantom at a stage-0 or last-stage switch is real, vrank inverts vpos. */
Test(topo, virtual_endpoints)
{
    for (uint32_t p = 1; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        uint32_t real = 0;
        for (uint32_t r = 0; r < p; r++) {
            uint32_t v = net_topo_vpos(&t, r);
            cr_assert_lt(v, t.vsize);
            cr_assert_eq(net_topo_vrank(&t, v), (int)r, "P=%u r=%u", p, r);
            if (r) cr_assert_gt(v, net_topo_vpos(&t, r - 1));
        }
        for (uint32_t v = 0; v < t.vsize; v++) {
            int r = net_topo_vrank(&t, v);
            if (r >= 0) {
                real++;
                cr_assert_eq(net_topo_vpos(&t, (uint32_t)r), v);
            } else {
                cr_assert_eq(r, -ENOENT);
                cr_assert(net_topo_vrank(&t, v ^ 1) >= 0, "P=%u: phantoms %u, %u", p, v, v ^ 1);
                cr_assert(net_topo_vrank(&t, v ^ (t.vsize / 2)) >= 0, "P=%u: phantom %u", p, v);
            }
        }
        cr_assert_eq(real, p);
        cr_assert_eq(net_topo_vrank(&t, t.vsize), -ENOENT);
        if ((p & (p - 1)) == 0)
            for (uint32_t r = 0; r < p; r++)
                cr_assert_eq(net_topo_vpos(&t, r), r);
    }
}

/* Invariant 1 and the links: every route has S hops, stage by stage, hosted
 * where net_topo_host says, joined by links, ending on dst's line. */
Test(topo, routes_reach_every_mm)
{
    for (uint32_t p = 1; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        uint32_t s = t.stages;
        for (uint32_t src = 0; src < p; src++)
            for (uint32_t dst = 0; dst < p; dst++) {
                struct net_route r;
                cr_assert_eq(net_route(&t, src, dst, &r), 0);
                cr_assert_eq(r.nhops, s);
                cr_assert_eq(r.src, src);
                cr_assert_eq(r.dst, dst);
                cr_assert_leq(net_route_mpi_hops(&r), s + 1);
                if (s == 0) {
                    cr_assert_eq(src, dst);
                    cr_assert_eq(net_route_mpi_hops(&r), 0);
                    continue;
                }
                uint32_t vs = net_topo_vpos(&t, src), vd = net_topo_vpos(&t, dst);
                uint32_t l0 = rotl1(vs, s);
                cr_assert_eq(r.hop[0].sw, l0 / 2, "P=%u %u->%u", p, src, dst);
                cr_assert_eq(r.hop[0].in_port, l0 % 2);
                for (uint32_t k = 0; k < s; k++) {
                    const struct net_hop *h = &r.hop[k];
                    cr_assert_eq(h->stage, k);
                    cr_assert_lt(h->sw, t.width);
                    cr_assert_lt(h->out_port, 2);
                    cr_assert_eq(h->rank, net_topo_host(&t, k, h->sw));
                    struct net_hop again;
                    net_topo_hop(&t, r.path, k, &again);
                    cr_assert_eq(memcmp(&again, h, sizeof again), 0);
                    if (k + 1 < s) {
                        uint32_t nsw;
                        unsigned nin;
                        net_topo_link(&t, k, h->sw, h->out_port, &nsw, &nin);
                        cr_assert_eq(nsw, r.hop[k + 1].sw, "P=%u %u->%u k=%u", p, src, dst, k);
                        cr_assert_eq(nin, r.hop[k + 1].in_port);
                    }
                }
                /* the last switch's output line is dst's endpoint */
                cr_assert_eq(2 * r.hop[s - 1].sw + r.hop[s - 1].out_port, vd, "P=%u %u->%u", p, src,
                             dst);
            }
    }
}

/* Invariant 2: output ports of stage s map one-to-one onto inputs of s+1. */
Test(topo, links_are_permutations)
{
    for (uint32_t s = 2; s <= 7; s++) {
        struct net_topo t = topo(1u << s);
        uint8_t *seen = calloc(t.vsize, 1);
        for (uint32_t st = 0; st + 1 < s; st++) {
            memset(seen, 0, t.vsize);
            for (uint32_t sw = 0; sw < t.width; sw++)
                for (unsigned o = 0; o < 2; o++) {
                    uint32_t nsw;
                    unsigned nin;
                    net_topo_link(&t, st, sw, o, &nsw, &nin);
                    cr_assert_lt(nsw, t.width);
                    cr_assert_eq(seen[2 * nsw + nin], 0);
                    seen[2 * nsw + nin] = 1;
                }
        }
        free(seen);
    }
}

/* Invariant 3: the reply path is the request path reversed, ports swapped. */
Test(topo, reply_retraces_request)
{
    for (uint32_t p = 1; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        for (uint32_t src = 0; src < p; src++)
            for (uint32_t dst = 0; dst < p; dst++) {
                struct net_route q, r;
                net_route(&t, src, dst, &q);
                net_route_reply(&q, &r);
                cr_assert_eq(r.src, dst);
                cr_assert_eq(r.dst, src);
                cr_assert_eq(r.nhops, q.nhops);
                cr_assert_eq(net_route_mpi_hops(&r), net_route_mpi_hops(&q));
                for (uint32_t k = 0; k < q.nhops; k++) {
                    const struct net_hop *a = &q.hop[q.nhops - 1 - k], *b = &r.hop[k];
                    cr_assert_eq(a->stage, b->stage);
                    cr_assert_eq(a->sw, b->sw);
                    cr_assert_eq(a->rank, b->rank);
                    cr_assert_eq(a->in_port, b->out_port);
                    cr_assert_eq(a->out_port, b->in_port);
                }
            }
    }
}

/* Invariant 4: routes from all PEs to one MM form a tree converging on it.
 * Once two routes share a switch they share every later hop; every pair shares
 * the last-stage switch; stage s has at most 2^(S-1-s) distinct switches. */
Test(topo, requests_to_one_mm_form_a_tree)
{
    static struct net_route r[MAXP];
    for (uint32_t p = 2; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        uint32_t s = t.stages;
        for (uint32_t dst = 0; dst < p; dst++) {
            for (uint32_t src = 0; src < p; src++)
                net_route(&t, src, dst, &r[src]);
            for (uint32_t a = 0; a < p; a++)
                for (uint32_t b = a + 1; b < p; b++) {
                    uint32_t meet = s;
                    for (uint32_t k = 0; k < s && meet == s; k++)
                        if (r[a].hop[k].sw == r[b].hop[k].sw) meet = k;
                    cr_assert_lt(meet, s, "P=%u dst=%u: %u and %u never meet", p, dst, a, b);
                    for (uint32_t k = meet; k < s; k++) {
                        cr_assert_eq(r[a].hop[k].sw, r[b].hop[k].sw);
                        cr_assert_eq(r[a].hop[k].out_port, r[b].hop[k].out_port);
                    }
                }
            for (uint32_t k = 0; k < s; k++) {
                uint32_t distinct = 0;
                for (uint32_t a = 0; a < p; a++) {
                    uint32_t b = 0;
                    while (b < a && r[b].hop[k].sw != r[a].hop[k].sw)
                        b++;
                    distinct += b == a;
                }
                cr_assert_leq(distinct, 1u << (s - 1 - k), "P=%u dst=%u stage %u", p, dst, k);
            }
        }
    }
}

/* Invariant 5: hosting is balanced and net_topo_hosted enumerates it. */
Test(topo, hosting_is_balanced)
{
    static uint32_t count[MAXP];
    for (uint32_t p = 1; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        memset(count, 0, sizeof count);
        for (uint32_t st = 0; st < t.stages; st++)
            for (uint32_t sw = 0; sw < t.width; sw++) {
                uint32_t h = net_topo_host(&t, st, sw);
                cr_assert_lt(h, p);
                count[h]++;
            }
        uint32_t lo = UINT32_MAX, hi = 0, total = 0;
        for (uint32_t r = 0; r < p; r++) {
            lo = count[r] < lo ? count[r] : lo;
            hi = count[r] > hi ? count[r] : hi;
            total += count[r];
            cr_assert_eq(net_topo_nhosted(&t, r), count[r], "P=%u r=%u", p, r);
            for (uint32_t k = 0; k < count[r]; k++) {
                uint32_t st, sw;
                cr_assert_eq(net_topo_hosted(&t, r, k, &st, &sw), 0);
                cr_assert_eq(net_topo_host(&t, st, sw), r);
            }
            uint32_t st, sw;
            cr_assert_eq(net_topo_hosted(&t, r, count[r], &st, &sw), -ENOENT);
        }
        cr_assert_eq(total, t.stages * t.width);
        cr_assert_leq(hi - lo, 1, "P=%u: %u..%u switches per rank", p, lo, hi);
    }
}

/* Phantoms cost no last-stage switch its MM, and every stage-0 switch has a
 * real PE on one of its inputs: no switch at the edges is idle. */
Test(topo, no_idle_edge_switches)
{
    for (uint32_t p = 2; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        for (uint32_t sw = 0; sw < t.width; sw++) {
            cr_assert(net_topo_vrank(&t, 2 * sw) >= 0 || net_topo_vrank(&t, 2 * sw + 1) >= 0,
                      "P=%u: last-stage switch %u has no MM", p, sw);
            /* stage-0 switch sw takes lines whose shuffle is 2sw, 2sw+1 */
            int used = 0;
            for (uint32_t v = 0; v < t.vsize; v++)
                used += rotl1(v, t.stages) / 2 == sw && net_topo_vrank(&t, v) >= 0;
            cr_assert_geq(used, 1, "P=%u: stage-0 switch %u has no PE", p, sw);
        }
    }
}

/* Under all-pairs traffic every switch of every stage carries some route, and
 * the busiest carries at most twice the mean. */
Test(topo, all_pairs_load)
{
    static uint32_t load[NET_TOPO_MAX_STAGES][MAXP];
    for (uint32_t p = 2; p <= MAXP; p++) {
        struct net_topo t = topo(p);
        memset(load, 0, sizeof load);
        for (uint32_t src = 0; src < p; src++)
            for (uint32_t dst = 0; dst < p; dst++) {
                struct net_route r;
                net_route(&t, src, dst, &r);
                for (uint32_t k = 0; k < r.nhops; k++)
                    load[k][r.hop[k].sw]++;
            }
        double mean = (double)p * p / t.width;
        for (uint32_t k = 0; k < t.stages; k++)
            for (uint32_t sw = 0; sw < t.width; sw++) {
                cr_assert_gt(load[k][sw], 0, "P=%u: switch %u of stage %u idle", p, sw, k);
                cr_assert_leq(load[k][sw], 2 * mean, "P=%u stage %u switch %u", p, k, sw);
            }
    }
}

/* Pages spread evenly: chi-square over many pages well inside its tail. */
Test(topo, home_spreads_pages)
{
    static const uint32_t ps[] = {2, 3, 5, 7, 8, 13, 31, 64, 100};
    static uint32_t count[100];
    const uint32_t n = 200000;
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        uint32_t p = ps[i];
        memset(count, 0, sizeof count);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t h = net_home(k % 5, k / 5, p); /* 5 segments, consecutive pages */
            cr_assert_lt(h, p);
            count[h]++;
        }
        double e = (double)n / p, chi2 = 0;
        for (uint32_t r = 0; r < p; r++)
            chi2 += (count[r] - e) * (count[r] - e) / e;
        double df = p - 1, bound = df + 6 * sqrt(2 * df) + 6;
        cr_expect_lt(chi2, bound, "P=%u chi2=%.1f bound=%.1f", p, chi2, bound);
    }
    for (uint64_t pg = 0; pg < 1000; pg++)
        cr_assert_eq(net_home(3, pg, 1), 0);
}

/* The interleave unit: `unit` consecutive pages share a home, and units differ. */
Test(topo, home_interleave_unit)
{
    uint32_t changes = 0;
    for (uint64_t pg = 0; pg < 4096; pg++) {
        cr_assert_eq(net_home_unit(9, pg, 7, 4), net_home_unit(9, pg - pg % 4, 7, 4));
        cr_assert_eq(net_home_unit(9, pg, 7, 4), net_home_unit(9, pg / 4, 7, 1));
        cr_assert_eq(net_home_unit(9, pg, 7, 1), net_home(9, pg, 7));
        if (pg % 4 == 0 && pg)
            changes += net_home_unit(9, pg, 7, 4) != net_home_unit(9, pg - 1, 7, 4);
    }
    cr_expect_gt(changes, 800, "units 4 pages apart should usually move");
}

/* Invariant 6: fixed values, the same in every process, build and machine.
 * (Computed once from the definition; a change here changes where every page
 * of a checkpoint lives, so it must be deliberate.) */
Test(topo, home_golden_values)
{
    static const struct {
        uint64_t seg, page;
        uint32_t p, home;
    } g[] = {
        {0ull, 0ull, 2, 1},
        {0ull, 0x1ull, 3, 0},
        {0x1ull, 0ull, 5, 4},
        {0x1ull, 0x3039ull, 7, 2},
        {0x7ull, 0x1000ull, 8, 6},
        {0x2aull, 0x1ull, 13, 11},
        {0xdeadbeefull, 0x4dull, 64, 61},
        {0x3ull, 0xf4240ull, 100, 41},
        {0xffffffffffffffffull, 0xffffffffffffffffull, 63, 7},
        {0x2ull, 0x2ull, 4, 0},
    };
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
        cr_expect_eq(net_home(g[i].seg, g[i].page, g[i].p), g[i].home, "net_home(%llu, %llu, %u)",
                     (unsigned long long)g[i].seg, (unsigned long long)g[i].page, g[i].p);
}
