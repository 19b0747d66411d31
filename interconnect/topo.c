/*
 * topo.c — the combining network's shape (topo.h): stages, switch hosting,
 * routes and reply paths of the omega network on 2^S virtual endpoints, and
 * the home node of a global page. Pure integer arithmetic so that every rank
 * derives the same network from P alone, and the tests can check every pair.
 */
#include "interconnect/topo.h"

#include <errno.h>

int net_topo_init(struct net_topo *t, uint32_t nodes)
{
    if (nodes < 1 || nodes > NET_TOPO_MAX_NODES) return -EINVAL;
    uint32_t s = 0;
    while ((1u << s) < nodes)
        s++;
    t->nodes = nodes;
    t->stages = s;
    t->vsize = 1u << s;
    t->width = s ? (1u << s) / 2 : 0;
    return 0;
}

/*
 * Phantom endpoints (topo.h): the "odd" class is the N/2 endpoints whose bit 0
 * differs from bit S-1, listed in increasing order: the odd numbers below N/2,
 * then the even numbers from N/2. Phantom j (j < K = N - P) is odd-class member
 * floor(j * (N/2) / K). Every real rank is one of the others, in increasing order.
 */

/* Odd-class members below v. */
static uint32_t odd_below(const struct net_topo *t, uint32_t v)
{
    uint32_t half = t->vsize / 2;
    return v <= half ? v / 2 : half / 2 + (v - half + 1) / 2;
}

/* Phantoms below v. */
static uint32_t phantoms_below(const struct net_topo *t, uint32_t v)
{
    uint64_t k = t->vsize - t->nodes, m = t->vsize / 2;
    if (k == 0) return 0;
    uint64_t n = (odd_below(t, v) * k + m - 1) / m; /* j with floor(j*m/k) < c */
    return (uint32_t)(n < k ? n : k);
}

static int is_phantom(const struct net_topo *t, uint32_t v)
{
    return phantoms_below(t, v + 1) != phantoms_below(t, v);
}

uint32_t net_topo_vpos(const struct net_topo *t, uint32_t r)
{
    /* the smallest v with r + 1 real endpoints in 0..v */
    uint32_t lo = r, hi = t->vsize - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (mid + 1 - phantoms_below(t, mid + 1) >= r + 1)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int net_topo_vrank(const struct net_topo *t, uint32_t v)
{
    if (v >= t->vsize || is_phantom(t, v)) return -ENOENT;
    return (int)(v - phantoms_below(t, v));
}

/* Total number of switches, S * N/2. */
static uint32_t nswitches(const struct net_topo *t)
{
    return t->stages * t->width;
}

uint32_t net_topo_host(const struct net_topo *t, uint32_t stage, uint32_t sw)
{
    return (stage * t->width + sw) % t->nodes;
}

uint32_t net_topo_nhosted(const struct net_topo *t, uint32_t r)
{
    uint32_t total = nswitches(t);
    return r < total ? (total - 1 - r) / t->nodes + 1 : 0;
}

int net_topo_hosted(const struct net_topo *t, uint32_t r, uint32_t k, uint32_t *stage, uint32_t *sw)
{
    if (r >= t->nodes || k >= net_topo_nhosted(t, r)) return -ENOENT;
    uint32_t g = r + k * t->nodes;
    *stage = g / t->width;
    *sw = g % t->width;
    return 0;
}

uint64_t net_topo_path(const struct net_topo *t, uint32_t src, uint32_t dst)
{
    return (uint64_t)net_topo_vpos(t, src) << t->stages | net_topo_vpos(t, dst);
}

/* The perfect shuffle of line l: rotate left by one bit in S bits (S >= 1). */
static uint32_t shuffle(const struct net_topo *t, uint32_t l)
{
    return ((l << 1) | (l >> (t->stages - 1))) & (t->vsize - 1);
}

void net_topo_hop(const struct net_topo *t, uint64_t path, uint32_t stage, struct net_hop *h)
{
    uint32_t mask = t->vsize - 1, s = t->stages;
    uint32_t vsrc = (uint32_t)(path >> s) & mask, vdst = (uint32_t)path & mask;
    /* the line entering stage `stage`: the source's low bits, then the
     * destination's top `stage` bits already routed */
    uint32_t line = ((vsrc << stage) | (uint32_t)((uint64_t)vdst >> (s - stage))) & mask;
    uint32_t l = shuffle(t, line);
    h->stage = stage;
    h->sw = l >> 1;
    h->in_port = (uint8_t)(l & 1);
    h->out_port = (uint8_t)((vdst >> (s - 1 - stage)) & 1);
    h->rank = net_topo_host(t, stage, h->sw);
}

void net_topo_link(const struct net_topo *t, uint32_t stage, uint32_t sw, unsigned out,
                   uint32_t *nsw, unsigned *nin)
{
    uint32_t l = shuffle(t, (sw << 1) | (out & 1));
    *nsw = l >> 1;
    *nin = l & 1;
}

int net_route(const struct net_topo *t, uint32_t src, uint32_t dst, struct net_route *r)
{
    if (src >= t->nodes || dst >= t->nodes) return -EINVAL;
    r->src = src;
    r->dst = dst;
    r->nhops = t->stages;
    r->path = net_topo_path(t, src, dst);
    for (uint32_t s = 0; s < t->stages; s++)
        net_topo_hop(t, r->path, s, &r->hop[s]);
    return 0;
}

void net_route_reply(const struct net_route *req, struct net_route *rep)
{
    uint32_t n = req->nhops;
    rep->src = req->dst;
    rep->dst = req->src;
    rep->nhops = n;
    rep->path = req->path;
    for (uint32_t k = 0; k < n; k++) {
        rep->hop[k] = req->hop[n - 1 - k];
        rep->hop[k].in_port = req->hop[n - 1 - k].out_port;
        rep->hop[k].out_port = req->hop[n - 1 - k].in_port;
    }
}

uint32_t net_route_mpi_hops(const struct net_route *r)
{
    uint32_t n = 0, at = r->src;
    for (uint32_t k = 0; k < r->nhops; k++) {
        n += r->hop[k].rank != at;
        at = r->hop[k].rank;
    }
    return n + (r->dst != at);
}

/* splitmix64's finalizer: a fixed bijection of 64-bit integers that mixes
 * every input bit into every output bit (no seeds, no pointers). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

uint32_t net_home_unit(uint64_t seg, uint64_t page, uint32_t nodes, uint32_t unit)
{
    if (nodes <= 1) return 0;
    if (unit == 0) unit = 1;
    uint64_t h = mix64(mix64(seg + 0x9e3779b97f4a7c15ull) ^ (page / unit));
    return (uint32_t)(h % nodes);
}

uint32_t net_home(uint64_t seg, uint64_t page, uint32_t nodes)
{
    return net_home_unit(seg, page, nodes, NET_HOME_UNIT_DEFAULT);
}
