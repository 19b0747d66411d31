/*
 * memmod.h — the memory module (MM) of one rank: the pages of global segments
 * whose home (net_home) is this rank, keyed by (segment, page), and the
 * serving of memory requests against them, LR/SC reservations included.
 * Internal to interconnect/; MPI-free, so it is unit-tested without mpirun.
 *
 * Why: global memory is interleaved over the ranks' MMs; a request that
 * reached its home through the network is served here, atomically with
 * respect to every other request to the word (one thread per rank).
 *
 * Invariants
 *  1. A page exists from its first touch on: it is zero-filled, then the fill
 *     callback (if any) is asked for its contents; a failed fill leaves no page
 *     and the request fails with the callback's errno, without effect.
 *  2. Any request that may change a word marks its page dirty; writeback
 *     hands every dirty page to the writeback callback and cleans it.
 *  3. LR sets the requester's (node, proc) reservation on the word (replacing
 *     its earlier one); SC succeeds (reply 0) only if that reservation is still
 *     there, and removes it either way (failure: reply 1, no store). Any write
 *     to the word's bytes by anyone removes every reservation on it.
 *  4. Values: combine.h's net_apply rules for widths 4 and 8; widths 1, 2
 *     (LOAD, STORE only) reply zero-extended.
 *  5. With a page limit (net_mm_set_limit), a first touch at the limit first
 *     evicts one page (a clock over the table): a clean one goes, a dirty one
 *     is written back and goes; one whose write-back fails stays. Only when
 *     both callbacks exist (else nothing could bring the page back): without
 *     them, or when nothing can go, the MM grows past the limit. Eviction
 *     keeps LR/SC reservations (they name addresses, not pages).
 */
#ifndef SYMUNIX_MEMMOD_H
#define SYMUNIX_MEMMOD_H

#include <stdbool.h>
#include <stdint.h>

#include "interconnect/combine.h"
#include "interconnect/net.h"

struct net_mm;

/* 0 or -ENOMEM. fill, wb may be NULL. watch: address counted in stats. */
int net_mm_create(net_fill_fn fill, net_writeback_fn wb, void *ctx, uint64_t watch,
                  struct net_mm **out);
void net_mm_destroy(struct net_mm *mm);

/* Serve r (its addr is a global address, NET_GADDR). 0 and *reply, or
 * -EINVAL (op, width or alignment), -ENOMEM, or the fill callback's errno. */
int net_mm_serve(struct net_mm *mm, const struct net_req *r, uint64_t *reply);

/* Write back dirty pages of seg (all if seg == UINT64_MAX): pages written,
 * or the first negative errno (that page stays dirty, the rest are tried). */
long net_mm_writeback(struct net_mm *mm, uint64_t seg);
/* Keep at most max_pages pages (0: no limit), invariant 5. */
void net_mm_set_limit(struct net_mm *mm, uint64_t max_pages);
/* Drop every page of seg without writing it back, and its reservations. */
void net_mm_forget(struct net_mm *mm, uint64_t seg);
/* Is this page present? (tests) */
bool net_mm_has_page(const struct net_mm *mm, uint64_t seg, uint64_t page);

void net_mm_get_stats(const struct net_mm *mm, struct net_mm_stats *st);

#endif /* SYMUNIX_MEMMOD_H */
