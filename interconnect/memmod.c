/*
 * memmod.c — one rank's memory module: pages of global segments in an
 * open-addressing hash keyed by (segment, page), filled on first touch, the
 * serving of requests with LR/SC reservations, write-back of dirty pages and
 * eviction under a page limit (memmod.h has the rules).
 */
#include "interconnect/memmod.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct page {
    uint8_t data[NET_PAGE_SIZE]; /* first: as aligned as malloc's memory */
    uint64_t seg, pno;
    bool dirty;
};

struct resv {
    uint32_t node, proc;
    uint64_t addr;
    uint8_t width;
};

/* A table slot: the key inline, so probing touches no page. */
struct pslot {
    uint64_t seg, pno;
    struct page *p; /* NULL = empty */
};

struct net_mm {
    net_fill_fn fill;
    net_writeback_fn wb;
    void *ctx;
    uint64_t watch;
    struct page *last; /* the page of the previous request (hot spots) */
    struct pslot *tab; /* open addressing, linear probing */
    size_t cap, n;     /* cap a power of two, n <= cap / 2 */
    struct resv *resv;
    size_t nresv, capresv;
    uint64_t limit; /* most pages kept (0: no limit); eviction beyond */
    size_t hand;    /* the eviction clock's slot */
    struct net_mm_stats st;
};

static size_t hash_page(uint64_t seg, uint64_t pno, size_t cap)
{
    uint64_t h = (seg * 0x9e3779b97f4a7c15ull) ^ (pno * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

int net_mm_create(net_fill_fn fill, net_writeback_fn wb, void *ctx, uint64_t watch,
                  struct net_mm **out)
{
    struct net_mm *mm = calloc(1, sizeof *mm);
    if (!mm) return -ENOMEM;
    mm->fill = fill, mm->wb = wb, mm->ctx = ctx, mm->watch = watch;
    mm->cap = 64;
    mm->tab = calloc(mm->cap, sizeof *mm->tab);
    if (!mm->tab) {
        free(mm);
        return -ENOMEM;
    }
    *out = mm;
    return 0;
}

void net_mm_destroy(struct net_mm *mm)
{
    if (!mm) return;
    for (size_t i = 0; i < mm->cap; i++)
        free(mm->tab[i].p);
    free(mm->tab);
    free(mm->resv);
    free(mm);
}

static size_t slot_of(const struct net_mm *mm, uint64_t seg, uint64_t pno)
{
    size_t i = hash_page(seg, pno, mm->cap);
    while (mm->tab[i].p && (mm->tab[i].seg != seg || mm->tab[i].pno != pno))
        i = (i + 1) & (mm->cap - 1);
    return i;
}

static void put(struct net_mm *mm, struct page *p)
{
    mm->tab[slot_of(mm, p->seg, p->pno)] = (struct pslot){p->seg, p->pno, p};
}

/* Empty slot i, shifting back the entries of its probe run (linear probing). */
static void tab_del(struct net_mm *mm, size_t i)
{
    size_t j = i, mask = mm->cap - 1;
    mm->tab[i].p = NULL;
    for (;;) {
        j = (j + 1) & mask;
        if (!mm->tab[j].p) return;
        size_t home = hash_page(mm->tab[j].seg, mm->tab[j].pno, mm->cap);
        /* j stays unless its home lies cyclically outside (i, j]. */
        bool stay = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stay) continue;
        mm->tab[i] = mm->tab[j];
        mm->tab[j].p = NULL;
        i = j;
    }
}

/* Write page p back if dirty. 0 or the callback's errno (p stays dirty). */
static int page_clean(struct net_mm *mm, struct page *p)
{
    if (!p->dirty) return 0;
    int rc = mm->wb ? mm->wb(mm->ctx, p->seg, p->pno, p->data) : 0;
    if (rc < 0) return rc;
    p->dirty = false;
    mm->st.writebacks++;
    return 0;
}

/* Make room under the limit (invariant 5): evict one page, the next one the
 * clock hand finds that is clean or can be written back. Only with a fill
 * callback (an evicted page must come back from its file) and a write-back
 * one. 1 if a page went, 0 if none could. */
static int evict_one(struct net_mm *mm)
{
    if (!mm->fill || !mm->wb || !mm->n) return 0;
    for (size_t k = 0; k < mm->cap; k++) {
        size_t i = (mm->hand + k) & (mm->cap - 1);
        struct page *p = mm->tab[i].p;
        if (!p || page_clean(mm, p) < 0) continue;
        tab_del(mm, i);
        if (mm->last == p) mm->last = NULL;
        free(p);
        mm->n--;
        mm->st.evictions++;
        mm->hand = (i + 1) & (mm->cap - 1);
        return 1;
    }
    return 0;
}

void net_mm_set_limit(struct net_mm *mm, uint64_t max_pages)
{
    mm->limit = max_pages;
}

static int grow(struct net_mm *mm)
{
    size_t ocap = mm->cap;
    struct pslot *old = mm->tab;
    struct pslot *tab = calloc(ocap * 2, sizeof *tab);
    if (!tab) return -ENOMEM;
    mm->tab = tab, mm->cap = ocap * 2;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].p) put(mm, old[i].p);
    free(old);
    return 0;
}

/* The page, created (invariant 1) if absent. 0 or -errno. */
static int page_get(struct net_mm *mm, uint64_t seg, uint64_t pno, struct page **out)
{
    if (mm->last && mm->last->seg == seg && mm->last->pno == pno) {
        *out = mm->last;
        return 0;
    }
    size_t i = slot_of(mm, seg, pno);
    if (mm->tab[i].p) {
        *out = mm->last = mm->tab[i].p;
        return 0;
    }
    if (mm->limit && mm->n >= mm->limit) evict_one(mm); /* none: go over the limit */
    struct page *p = calloc(1, sizeof *p);
    if (!p) return -ENOMEM;
    p->seg = seg, p->pno = pno;
    if (mm->fill) {
        int rc = mm->fill(mm->ctx, seg, pno, p->data);
        if (rc < 0) {
            free(p);
            return rc;
        }
        mm->st.fills++;
    }
    if ((mm->n + 1) * 2 > mm->cap) {
        if (grow(mm) < 0) {
            free(p);
            return -ENOMEM;
        }
    }
    put(mm, p);
    mm->n++;
    mm->st.pages++;
    *out = mm->last = p;
    return 0;
}

bool net_mm_has_page(const struct net_mm *mm, uint64_t seg, uint64_t page)
{
    return mm->tab[slot_of(mm, seg, page)].p != NULL;
}

/* ---- reservations (invariant 3): a short list; LR/SC are rare ---- */

static struct resv *resv_find(struct net_mm *mm, struct net_tag t)
{
    for (size_t i = 0; i < mm->nresv; i++)
        if (mm->resv[i].node == t.node && mm->resv[i].proc == t.proc) return &mm->resv[i];
    return NULL;
}

static void resv_drop(struct net_mm *mm, struct resv *r)
{
    *r = mm->resv[--mm->nresv];
}

static int resv_set(struct net_mm *mm, const struct net_req *q)
{
    struct resv *r = resv_find(mm, q->tag);
    if (!r) {
        if (mm->nresv == mm->capresv) {
            size_t nc = mm->capresv ? mm->capresv * 2 : 16;
            struct resv *nr = realloc(mm->resv, nc * sizeof *nr);
            if (!nr) return -ENOMEM;
            mm->resv = nr, mm->capresv = nc;
        }
        r = &mm->resv[mm->nresv++];
    }
    *r = (struct resv){q->tag.node, q->tag.proc, q->addr, q->width};
    return 0;
}

/* A write to [addr, addr+width) by anyone: reservations on those bytes go. */
static void resv_kill(struct net_mm *mm, uint64_t addr, unsigned width)
{
    for (size_t i = 0; i < mm->nresv;) {
        struct resv *r = &mm->resv[i];
        if (r->addr < addr + width && addr < r->addr + r->width)
            resv_drop(mm, r);
        else
            i++;
    }
}

static bool valid_req(const struct net_req *r)
{
    unsigned w = r->width;
    if (w != 1 && w != 2 && w != 4 && w != 8) return false;
    if (r->addr & (w - 1)) return false;
    if (r->op >= NET_OP_COUNT) return false;
    if (w < 4 && r->op != NET_OP_LOAD && r->op != NET_OP_STORE) return false;
    return true;
}

static void count(struct net_mm *mm, unsigned op)
{
    switch (op) {
    case NET_OP_LOAD: mm->st.loads++; break;
    case NET_OP_STORE: mm->st.stores++; break;
    case NET_OP_LR:
    case NET_OP_SC: mm->st.lrsc++; break;
    default: mm->st.amos++; break;
    }
}

int net_mm_serve(struct net_mm *mm, const struct net_req *r, uint64_t *reply)
{
    if (!valid_req(r)) return -EINVAL;
    uint64_t seg = NET_GADDR_SEG(r->addr), off = NET_GADDR_OFF(r->addr);
    struct page *p;
    int rc = page_get(mm, seg, off / NET_PAGE_SIZE, &p);
    if (rc < 0) return rc;
    mm->st.served++;
    if (r->addr == mm->watch) mm->st.watched++;
    count(mm, r->op);
    uint8_t *w = p->data + off % NET_PAGE_SIZE;
    unsigned width = r->width;
    uint64_t x = 0;
    memcpy(&x, w, width); /* little-endian host, like the guest */
    if (width == 4) x = net_canon(4, x);
    if (r->op == NET_OP_LR) {
        if ((rc = resv_set(mm, r)) < 0) return rc;
        *reply = x;
        return 0;
    }
    if (r->op == NET_OP_SC) {
        struct resv *rv = resv_find(mm, r->tag);
        bool ok = rv && rv->addr == r->addr && rv->width == width;
        if (rv) resv_drop(mm, rv);
        *reply = ok ? 0 : 1;
        if (!ok) return 0;
        x = r->val;
    } else if (width < 4) {
        if (r->op == NET_OP_LOAD) {
            *reply = x;
            return 0;
        }
        x = r->val;
        *reply = NET_ACK;
    } else {
        uint64_t old = x;
        net_apply(r, &x, reply);
        if (r->op == NET_OP_LOAD || (r->op == NET_OP_CAS && x == old)) return 0;
    }
    memcpy(w, &x, width);
    p->dirty = true;
    if (mm->nresv) resv_kill(mm, r->addr, width);
    return 0;
}

long net_mm_writeback(struct net_mm *mm, uint64_t seg)
{
    long n = 0;
    int err = 0;
    for (size_t i = 0; i < mm->cap; i++) {
        struct page *p = mm->tab[i].p;
        if (!p || !p->dirty || (seg != UINT64_MAX && p->seg != seg)) continue;
        int rc = page_clean(mm, p);
        if (rc < 0) {
            if (!err) err = rc;
            continue;
        }
        n++;
    }
    return err ? err : n;
}

void net_mm_forget(struct net_mm *mm, uint64_t seg)
{
    /* Free seg's pages, then re-insert the others (rare: a segment goes away). */
    size_t cap = mm->cap, n = 0;
    struct page **keep = malloc((mm->n ? mm->n : 1) * sizeof *keep);
    for (size_t i = 0; i < cap; i++) {
        struct page *p = mm->tab[i].p;
        if (!p) continue;
        if (p->seg == seg) {
            if (keep) {
                free(p);
                mm->tab[i].p = NULL;
            } else {
                memset(p->data, 0, NET_PAGE_SIZE); /* no memory to rebuild: zero it */
                p->dirty = false;
            }
        } else if (keep) {
            keep[n++] = p;
            mm->tab[i].p = NULL;
        }
    }
    if (keep) {
        for (size_t i = 0; i < n; i++)
            put(mm, keep[i]);
        mm->n = n;
        free(keep);
    }
    mm->last = NULL;
    for (size_t i = 0; i < mm->nresv;) {
        if (NET_GADDR_SEG(mm->resv[i].addr) == seg)
            resv_drop(mm, &mm->resv[i]);
        else
            i++;
    }
}

void net_mm_get_stats(const struct net_mm *mm, struct net_mm_stats *st)
{
    *st = mm->st;
    st->pages = mm->n;
}
