/*
 * memmod.c — one rank's memory module: pages of global segments in an
 * open-addressing hash keyed by (segment, page), filled on first touch, and
 * the serving of requests with LR/SC reservations (memmod.h has the rules).
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
        int rc = mm->wb ? mm->wb(mm->ctx, p->seg, p->pno, p->data) : 0;
        if (rc < 0) {
            if (!err) err = rc;
            continue;
        }
        p->dirty = false;
        mm->st.writebacks++;
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
