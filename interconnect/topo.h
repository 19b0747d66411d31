/*
 * topo.h — the shape of the combining network for any number of nodes P >= 1:
 * how many stages, which rank hosts each switch, the route of a request from a
 * PE to a memory module (MM) and the reply path back, and the home MM of a
 * global page. Pure arithmetic: no MPI, no allocation, no state beyond the few
 * numbers in struct net_topo, so every rank computes the same answers and the
 * unit tests can check all (src, dst) pairs. docs/network.md explains it.
 *
 * The network
 *   An omega (shuffle-exchange) network of 2x2 switches on N = 2^S virtual
 *   endpoints, S = ceil(log2 P) stages (S = 0 for P = 1: the PE talks to its
 *   own MM), N/2 switches per stage. A line (0..N-1) enters stage s, is
 *   perfectly shuffled (rotated left by one bit in S bits), and the shuffled
 *   line l reaches switch l >> 1 on input port l & 1; the switch sends it out
 *   on output port b, which is line (l & ~1) | b of the next stage. Routing is
 *   by destination tag: at stage s, b = bit (S-1-s) of the destination.
 *
 * Virtual endpoints (P not a power of two)
 *   N/2 < P <= N, so K = N - P < N/2 endpoints are phantoms that neither send
 *   nor receive. They are chosen from the "odd" class, the N/2 endpoints whose
 *   bit 0 differs from bit S-1 (the odd numbers below N/2, then the even numbers
 *   from N/2, in that order), spread evenly: phantom j < K is odd-class member
 *   floor(j * (N/2) / K). Real rank r sits at the r-th non-phantom endpoint in
 *   increasing order (vpos; identity when P is a power of two). A stage-0
 *   switch takes endpoints i and i + N/2, a last-stage switch delivers to 2j
 *   and 2j+1: each pair differs in bit S-1 or bit 0, so it holds at most one
 *   phantom, and no switch at either edge is idle; spreading the phantoms
 *   keeps the inner stages' load even too (docs/network.md).
 *
 * Switch hosting
 *   Switch i of stage s has the global index g = s * N/2 + i and lives on rank
 *   g mod P: the S * N/2 switches are dealt round-robin, so every rank hosts
 *   floor(S*N/2 / P) or one more (a difference of at most 1; for P = 2 the one
 *   switch sits on rank 0).
 *
 * Path bits
 *   A request carries path = vsrc << S | vdst (virtual endpoints). From path and
 *   the stage any rank computes the switch, the ports, and the next hop; the
 *   reply carries the same path and walks the stages downwards.
 *
 * Invariants
 *  1. A route from src to dst has exactly S switch hops, one per stage 0..S-1,
 *     and the last switch's output line is vpos(dst): it ends at dst's MM.
 *  2. The link from output port o of switch i at stage s to stage s+1 is a
 *     permutation of the N lines (net_topo_link), so no two routes' hops
 *     collide on one input port with different predecessors.
 *  3. The reply path is the request path reversed: the same switches, stages
 *     S-1 down to 0, entering on the request's output port and leaving on its
 *     input port, ending at src's PE.
 *  4. Requests from all PEs to one MM form a tree converging on it: the hop a
 *     route takes after switch (s, i) depends only on (s, i) and dst, and the
 *     last-stage switch is the same for all sources. Where two routes meet,
 *     they stay together; that is where their requests can combine.
 *  5. Every rank hosts between floor and ceil of (S * N/2) / P switches.
 *  6. net_home is a fixed integer hash: the same (segment, page, P, unit)
 *     gives the same node in every process, on every run and machine.
 */
#ifndef SYMUNIX_TOPO_H
#define SYMUNIX_TOPO_H

#include <stdint.h>

#define NET_TOPO_MAX_NODES  (1u << 20)
#define NET_TOPO_MAX_STAGES 20
/* Interleave unit of global memory, in 4 KiB pages (default: one page). */
#define NET_HOME_PAGE_SIZE    4096u
#define NET_HOME_UNIT_DEFAULT 1u

struct net_topo {
    uint32_t nodes;  /* P, real ranks */
    uint32_t stages; /* S = ceil(log2 P) */
    uint32_t vsize;  /* N = 2^S virtual endpoints */
    uint32_t width;  /* N/2 switches per stage (0 when S = 0) */
};

/* One switch on a route: where it is, which rank runs it, ports used. */
struct net_hop {
    uint32_t stage;
    uint32_t sw;      /* switch index within the stage, 0..N/2-1 */
    uint32_t rank;    /* host rank */
    uint8_t in_port;  /* port the message enters on */
    uint8_t out_port; /* port it leaves on */
};

/* A route: from the PE of rank src through nhops switches to the MM of dst
 * (a request), or back (a reply: src is then the MM's rank, dst the PE's). */
struct net_route {
    uint32_t src, dst;
    uint32_t nhops; /* == stages */
    uint64_t path;  /* vsrc << S | vdst of the request */
    struct net_hop hop[NET_TOPO_MAX_STAGES];
};

/* Shape of a network of `nodes` ranks. Returns 0, or -EINVAL unless
 * 1 <= nodes <= NET_TOPO_MAX_NODES. */
int net_topo_init(struct net_topo *t, uint32_t nodes);

/* Virtual endpoint of real rank r (r < P). */
uint32_t net_topo_vpos(const struct net_topo *t, uint32_t r);
/* Real rank at virtual endpoint v, or -ENOENT if v is a phantom (or >= N). */
int net_topo_vrank(const struct net_topo *t, uint32_t v);

/* The rank hosting switch sw of stage s (caller keeps s < S, sw < N/2). */
uint32_t net_topo_host(const struct net_topo *t, uint32_t stage, uint32_t sw);
/* How many switches rank r hosts. */
uint32_t net_topo_nhosted(const struct net_topo *t, uint32_t r);
/* The k-th switch hosted by rank r (k < net_topo_nhosted): 0 or -ENOENT. */
int net_topo_hosted(const struct net_topo *t, uint32_t r, uint32_t k, uint32_t *stage,
                    uint32_t *sw);

/* Path bits of a request from the PE of src to the MM of dst (both < P). */
uint64_t net_topo_path(const struct net_topo *t, uint32_t src, uint32_t dst);
/* The request's hop at stage s (< S) for path bits `path`. What a switch's
 * rank computes from a record's route state. */
void net_topo_hop(const struct net_topo *t, uint64_t path, uint32_t stage, struct net_hop *h);
/* Where output port `out` of switch sw at stage s < S-1 leads: *nsw, *nin of
 * stage s+1 (invariant 2). */
void net_topo_link(const struct net_topo *t, uint32_t stage, uint32_t sw, unsigned out,
                   uint32_t *nsw, unsigned *nin);

/* The route of a request from src's PE to dst's MM. 0 or -EINVAL. */
int net_route(const struct net_topo *t, uint32_t src, uint32_t dst, struct net_route *r);
/* The reply path of request route req (invariant 3). */
void net_route_reply(const struct net_route *req, struct net_route *rep);
/* Number of hops of r that cross between ranks (MPI messages), counting the
 * step from the source to the first switch and from the last one to dst. */
uint32_t net_route_mpi_hops(const struct net_route *r);

/* Home node of page `page` (4 KiB page number within the segment) of segment
 * seg among `nodes` nodes, interleaved in units of `unit` pages (unit >= 1;
 * pages page - page % unit .. + unit-1 share a home). nodes >= 1. */
uint32_t net_home_unit(uint64_t seg, uint64_t page, uint32_t nodes, uint32_t unit);
/* net_home_unit with the default unit, NET_HOME_UNIT_DEFAULT. */
uint32_t net_home(uint64_t seg, uint64_t page, uint32_t nodes);

#endif /* SYMUNIX_TOPO_H */
