/*
 * ncache.c — the node's cache of global memory (design §4): page copies of
 * cacheable global lsegs, kept with no coherence, written back by 64-byte
 * lines. The program decides when its writes become visible (cbo.clean,
 * cbo.flush, a library call over a range) and when it wants fresh data
 * (cbo.inval, cbo.flush); eviction writes dirty lines back too.
 *
 * The emulator fetches a whole page at a time (allowed by the design) and
 * finds dirty lines by comparing the page with a twin taken when it was
 * filled: the hart writes cached pages directly through its TLB, so there is
 * no per-store hook to mark lines, and a compare per flush is cheap next to
 * the network round trip it feeds.
 *
 * Invariants
 *  1. A page key is cached at most once; data and twin are page-aligned.
 *  2. A line is dirty exactly when data differs from twin in that line.
 *  3. No dirty line is dropped unwritten: eviction and every cbo operation hand
 *     each dirty line of a page they drop to the write-back callback first,
 *     except the line a cbo.inval names, whose writes are discarded by request.
 *     When the callback fails, nothing is dropped and the error is returned.
 *  4. The cache never calls the network itself: it reports lines through the
 *     callback; the kernel sends them and flushes the harts' TLBs for pages
 *     the cache says it dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/node.h"

struct ncache_page {
    uint64_t key;
    uint8_t *data, *twin; /* one allocation: data page, then twin page */
    struct ncache_page *hnext;
    struct ncache_page *lru_prev, *lru_next; /* most recent at the head */
};

struct rv_ncache {
    size_t cap, n;
    size_t nbuckets;
    struct ncache_page **hash;
    struct ncache_page *lru_head, *lru_tail;
    rv_ncache_writeback_fn wb;
    void *ctx;
    struct rv_ncache_stats stats;
};

static size_t bucket(const struct rv_ncache *c, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (c->nbuckets - 1);
}

int rv_ncache_new(size_t pages, rv_ncache_writeback_fn wb, void *ctx, struct rv_ncache **out)
{
    if (pages == 0 || !wb) return -EINVAL;
    struct rv_ncache *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    c->cap = pages;
    for (c->nbuckets = 16; c->nbuckets < pages; c->nbuckets *= 2)
        ;
    c->hash = calloc(c->nbuckets, sizeof *c->hash);
    if (!c->hash) {
        free(c);
        return -ENOMEM;
    }
    c->wb = wb;
    c->ctx = ctx;
    *out = c;
    return 0;
}

static void lru_unlink(struct rv_ncache *c, struct ncache_page *p)
{
    if (p->lru_prev)
        p->lru_prev->lru_next = p->lru_next;
    else
        c->lru_head = p->lru_next;
    if (p->lru_next)
        p->lru_next->lru_prev = p->lru_prev;
    else
        c->lru_tail = p->lru_prev;
    p->lru_prev = p->lru_next = NULL;
}

static void lru_push(struct rv_ncache *c, struct ncache_page *p)
{
    p->lru_next = c->lru_head;
    p->lru_prev = NULL;
    if (c->lru_head) c->lru_head->lru_prev = p;
    c->lru_head = p;
    if (!c->lru_tail) c->lru_tail = p;
}

static struct ncache_page *find(const struct rv_ncache *c, uint64_t key)
{
    struct ncache_page *p = c->hash[bucket(c, key)];
    while (p && p->key != key)
        p = p->hnext;
    return p;
}

static void page_free(struct rv_ncache *c, struct ncache_page *p)
{
    struct ncache_page **pp = &c->hash[bucket(c, p->key)];
    while (*pp != p)
        pp = &(*pp)->hnext;
    *pp = p->hnext;
    lru_unlink(c, p);
    free(p->data);
    free(p);
    c->n--;
}

void rv_ncache_free(struct rv_ncache *c)
{
    if (!c) return;
    while (c->lru_head)
        page_free(c, c->lru_head);
    free(c->hash);
    free(c);
}

/* Hand the dirty lines of p in [lo, hi) (line indexes) to the callback,
 * skipping line `skip` (-1: none); the twin follows each line written. */
static int write_lines(struct rv_ncache *c, struct ncache_page *p, unsigned lo, unsigned hi,
                       int skip)
{
    for (unsigned l = lo; l < hi; l++) {
        size_t off = (size_t)l * RV_NCACHE_LINE;
        if ((int)l == skip || !memcmp(p->data + off, p->twin + off, RV_NCACHE_LINE)) continue;
        int rc = c->wb(c->ctx, p->key, (unsigned)off, p->data + off);
        if (rc) return rc;
        memcpy(p->twin + off, p->data + off, RV_NCACHE_LINE);
        c->stats.lines_written++;
    }
    return 0;
}

#define NLINES (RV_PAGE_SIZE / RV_NCACHE_LINE)

uint8_t *rv_ncache_lookup(struct rv_ncache *c, uint64_t key)
{
    struct ncache_page *p = find(c, key);
    if (!p) {
        c->stats.misses++;
        return NULL;
    }
    c->stats.hits++;
    lru_unlink(c, p);
    lru_push(c, p);
    return p->data;
}

int rv_ncache_fill(struct rv_ncache *c, uint64_t key, const void *bytes, uint8_t **out,
                   uint64_t *evicted)
{
    *evicted = UINT64_MAX;
    struct ncache_page *p = find(c, key);
    if (p) { /* filled twice (two waiters): keep the copy the hart may have written */
        *out = p->data;
        return 0;
    }
    if (c->n == c->cap) {
        struct ncache_page *victim = c->lru_tail;
        int rc = write_lines(c, victim, 0, NLINES, -1);
        if (rc) return rc;
        *evicted = victim->key;
        page_free(c, victim);
        c->stats.evictions++;
    }
    p = calloc(1, sizeof *p);
    uint8_t *mem = aligned_alloc(RV_PAGE_SIZE, 2 * RV_PAGE_SIZE);
    if (!p || !mem) {
        free(p);
        free(mem);
        return -ENOMEM;
    }
    p->key = key;
    p->data = mem;
    p->twin = mem + RV_PAGE_SIZE;
    memcpy(p->data, bytes, RV_PAGE_SIZE);
    memcpy(p->twin, bytes, RV_PAGE_SIZE);
    size_t b = bucket(c, key);
    p->hnext = c->hash[b];
    c->hash[b] = p;
    lru_push(c, p);
    c->n++;
    c->stats.fills++;
    *out = p->data;
    return 0;
}

int rv_ncache_op(struct rv_ncache *c, uint64_t key, unsigned off, enum rv_ncache_opkind op,
                 int *dropped)
{
    *dropped = 0;
    struct ncache_page *p = find(c, key);
    if (!p) return 0; /* nothing cached: every cbo is done */
    unsigned line = (off % RV_PAGE_SIZE) / RV_NCACHE_LINE;
    int rc;
    switch (op) {
    case RV_NCACHE_CLEAN: return write_lines(c, p, line, line + 1, -1);
    case RV_NCACHE_FLUSH: rc = write_lines(c, p, 0, NLINES, -1); break;
    case RV_NCACHE_INVAL:
        rc = write_lines(c, p, 0, NLINES, (int)line);
        if (!rc && memcmp(p->data + line * RV_NCACHE_LINE, p->twin + line * RV_NCACHE_LINE,
                          RV_NCACHE_LINE))
            c->stats.lines_discarded++;
        break;
    default: return -EINVAL;
    }
    if (rc) return rc;
    page_free(c, p); /* a line cannot be dropped alone: the whole page goes (clean now) */
    c->stats.drops++;
    *dropped = 1;
    return 0;
}

int rv_ncache_writeback_all(struct rv_ncache *c)
{
    for (struct ncache_page *p = c->lru_head; p; p = p->lru_next) {
        int rc = write_lines(c, p, 0, NLINES, -1);
        if (rc) return rc;
    }
    return 0;
}

void rv_ncache_get_stats(const struct rv_ncache *c, struct rv_ncache_stats *out)
{
    *out = c->stats;
    out->pages = c->n;
}
