/*
 * mmu.c — the hart's memory slow paths: software TLB refill through the
 * kernel's translate hook, misaligned and page-crossing accesses, atomics,
 * and the cache of pre-decoded code pages (keyed by host page, so aliases
 * share), which is kept out of the write TLB to catch self-modifying code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/hart_impl.h"

#define PAGE_MASK (RV_PAGE_SIZE - 1)
/* Decoded pages kept before everything is dropped and decoding starts over
 * (1024 pages of 66 KiB: 4 MiB of guest code, at most 66 MiB per hart). */
#define MAX_DPAGES 1024

/* ---- translation ---------------------------------------------------------- */

/* Translate the page of addr for access; on failure fill h->fault. Returns the
 * host address of the page, or NULL. */
/* A translate fault; `remote` is the hook's rv_page.remote of addr's page. */
static void set_fault(rv_hart *h, uint64_t addr, enum rv_access access, int err, uint64_t remote)
{
    h->fault = (struct rv_fault){.addr = addr, .access = access, .err = err};
    h->fault.remote =
        err != -EREMOTE || remote == RV_REMOTE_NONE ? RV_REMOTE_NONE : remote + (addr & PAGE_MASK);
}

static uint8_t *xlate(rv_hart *h, uint64_t addr, enum rv_access access)
{
    static const unsigned need[] = {RV_PROT_R, RV_PROT_W, RV_PROT_X};
    struct rv_page pg = {.remote = RV_REMOTE_NONE};
    uint64_t tag = addr & ~(uint64_t)PAGE_MASK;
    int err;
    h->stats.tlb_misses++;
    if (tag == h->remote_tag && (h->remote_access & (1u << access)))
        err = -EREMOTE; /* as translate said last time: nothing changed since */
    else
        err = h->translate(h->ctx, addr, access, &pg);
    if (err == 0 && (!pg.host || !(pg.prot & need[access]))) err = -EACCES;
    if (err == -EREMOTE) {
        if (tag != h->remote_tag) h->remote_tag = tag, h->remote_access = 0;
        if (h->remote_access & (1u << access)) pg.remote = h->remote_name;
        h->remote_name = pg.remote;
        h->remote_access |= 1u << access;
    }
    if (err) {
        set_fault(h, addr, access, err, pg.remote);
        return NULL;
    }
    return pg.host;
}

static unsigned dhash_idx(const uint8_t *host)
{
    uintptr_t v = (uintptr_t)host >> RV_PAGE_SHIFT;
    return (unsigned)((v ^ (v >> 8) ^ (v >> 16)) & (RV_DHASH_SIZE - 1));
}

static struct rv_dpage *dpage_find(rv_hart *h, const uint8_t *host)
{
    struct rv_dpage *p = h->dhash[dhash_idx(host)];
    while (p && p->host != host)
        p = p->hnext;
    return p;
}

/* Unlink a decoded page and put it on the free list. Its entries stay intact
 * until reused, so the interpreter may still read the entry it stands on. */
static void dpage_drop(rv_hart *h, struct rv_dpage *p)
{
    struct rv_dpage **pp = &h->dhash[dhash_idx(p->host)];
    while (*pp != p)
        pp = &(*pp)->hnext;
    *pp = p->hnext;
    *p->lprev = p->lnext;
    if (p->lnext) p->lnext->lprev = p->lprev;
    for (int i = 0; i < RV_FTLB_SIZE; i++)
        if (h->ftlb[i].page == p) h->ftlb[i].vpage = UINT64_MAX;
    p->gen++;
    p->snext = NULL;
    p->hnext = h->free;
    h->free = p;
    h->ndpages--;
    h->stats.decode_flushes++;
}

/* Before a store reaches host page `host`: drop decoded code there. Returns 1
 * if code was dropped. */
static int drop_code_at(rv_hart *h, uint8_t *host)
{
    struct rv_dpage *p = h->ndpages ? dpage_find(h, host) : NULL;
    if (!p) return 0;
    dpage_drop(h, p);
    h->code_dropped = 1;
    return 1;
}

/* Host address for a read of guest addr (any alignment, within one page). */
static uint8_t *host_read(rv_hart *h, uint64_t addr)
{
    struct rv_tlb *t = &h->rtlb[(addr >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1)];
    uint8_t *page;
    /* A remote page is never in the TLB: an access to global memory does not
     * read its line (cold when a node switches among many harts). */
    if ((addr & ~PAGE_MASK) != h->remote_tag && t->tag == (addr & ~PAGE_MASK))
        return (uint8_t *)(uintptr_t)(addr + t->addend);
    page = xlate(h, addr, RV_ACCESS_READ);
    if (!page) return NULL;
    t->tag = addr & ~PAGE_MASK;
    t->addend = (uintptr_t)page - (addr & ~PAGE_MASK);
    return page + (addr & PAGE_MASK);
}

/* Host address for a write to guest addr; drops decoded code on that page
 * (invariant 3: a page with decoded code never enters the write TLB). */
static uint8_t *host_write(rv_hart *h, uint64_t addr)
{
    struct rv_tlb *t = &h->wtlb[(addr >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1)];
    uint8_t *page;
    if ((addr & ~PAGE_MASK) != h->remote_tag && t->tag == (addr & ~PAGE_MASK))
        return (uint8_t *)(uintptr_t)(addr + t->addend);
    page = xlate(h, addr, RV_ACCESS_WRITE);
    if (!page) return NULL;
    drop_code_at(h, page);
    t->tag = addr & ~PAGE_MASK;
    t->addend = (uintptr_t)page - (addr & ~PAGE_MASK);
    return page + (addr & PAGE_MASK);
}

/* ---- loads and stores ------------------------------------------------------ */

int rv_load_slow(rv_hart *h, uint64_t addr, unsigned size, uint64_t *val)
{
    uint8_t buf[8] = {0};
    unsigned first = (unsigned)(RV_PAGE_SIZE - (addr & PAGE_MASK));
    uint8_t *a, *b = NULL;
    uint64_t v;
    if (first > size) first = size;
    a = host_read(h, addr);
    if (!a) return 1;
    if (first < size && !(b = host_read(h, addr + first))) return 1;
    memcpy(buf, a, first);
    if (b) memcpy(buf + first, b, size - first);
    memcpy(&v, buf, sizeof v); /* little-endian host, as the guest */
    *val = v;
    return 0;
}

int rv_store_slow(rv_hart *h, uint64_t addr, unsigned size, uint64_t val)
{
    uint8_t buf[8];
    unsigned first = (unsigned)(RV_PAGE_SIZE - (addr & PAGE_MASK));
    uint8_t *a, *b = NULL;
    if (first > size) first = size;
    h->code_dropped = 0;
    /* Translate both pages before writing, so a fault leaves memory untouched. */
    a = host_write(h, addr);
    if (!a) return 1;
    if (first < size && !(b = host_write(h, addr + first))) return 1;
    memcpy(buf, &val, sizeof buf);
    memcpy(a, buf, first);
    if (b) memcpy(b, buf + first, size - first);
    return h->code_dropped ? 2 : 0;
}

int rv_cbo(rv_hart *h, uint64_t addr)
{
    struct rv_tlb *t = &h->wtlb[(addr >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1)];
    if (t->tag == (addr & ~PAGE_MASK)) return 0;
    return xlate(h, addr, RV_ACCESS_WRITE) ? 0 : 1;
}

static uint64_t amo_apply(unsigned funct5, uint64_t old, uint64_t src, int word)
{
    int64_t so = word ? (int32_t)old : (int64_t)old, ss = word ? (int32_t)src : (int64_t)src;
    uint64_t uo = word ? (uint32_t)old : old, us = word ? (uint32_t)src : src;
    switch (funct5) {
    case 0x01: return src;
    case 0x00: return old + src;
    case 0x04: return old ^ src;
    case 0x0c: return old & src;
    case 0x08: return old | src;
    case 0x10: return so < ss ? old : src;
    case 0x14: return so > ss ? old : src;
    case 0x18: return uo < us ? old : src;
    default: return uo > us ? old : src; /* 0x1c amomaxu */
    }
}

/*
 * An SC with no local reservation fails here without touching memory (as
 * qemu does), unless the kernel serves the page elsewhere: global memory keeps
 * its reservations at the home memory module, so the hook's own code stops the
 * hart there and the kernel sends the SC on (node.h, rv_memop).
 */
static int sc_elsewhere(rv_hart *h, uint64_t addr)
{
    struct rv_page pg = {.remote = RV_REMOTE_NONE};
    int err = h->translate(h->ctx, addr, RV_ACCESS_WRITE, &pg);
    if (err == 0 || err == -EFAULT || err == -EACCES) return 0;
    set_fault(h, addr, RV_ACCESS_WRITE, err, pg.remote);
    return 1;
}

int rv_atomic(rv_hart *h, unsigned op, unsigned funct5, uint64_t addr, uint64_t src,
              uint64_t *result)
{
    int word = op == RV_OP_LR_W || op == RV_OP_SC_W || op == RV_OP_AMO_W;
    unsigned size = word ? 4 : 8;
    int is_lr = op == RV_OP_LR_W || op == RV_OP_LR_D;
    uint8_t *p;
    uint64_t old = 0;
    if (addr & (size - 1)) {
        h->fault = (struct rv_fault){
            .addr = addr, .access = is_lr ? RV_ACCESS_READ : RV_ACCESS_WRITE, .err = -EBUSY};
        return 1;
    }
    h->code_dropped = 0;
    if (is_lr) {
        if (!(p = host_read(h, addr))) return 1;
        memcpy(&old, p, size);
        h->resv_addr = addr;
        h->resv_valid = 1;
        *result = word ? (uint64_t)(int64_t)(int32_t)old : old;
        return 0;
    }
    if (op == RV_OP_SC_W || op == RV_OP_SC_D) {
        int ok = h->resv_valid && h->resv_addr == addr;
        h->resv_valid = 0;
        *result = !ok;
        if (!ok) return sc_elsewhere(h, addr);
        if (!(p = host_write(h, addr))) return 1;
        memcpy(p, &src, size);
        return h->code_dropped ? 2 : 0;
    }
    if (!(p = host_write(h, addr))) return 1;
    memcpy(&old, p, size);
    src = amo_apply(funct5, old, src, word);
    memcpy(p, &src, size);
    *result = word ? (uint64_t)(int64_t)(int32_t)old : old;
    return h->code_dropped ? 2 : 0;
}

/* ---- decoded pages --------------------------------------------------------- */

/* Fill one entry from a decoded instruction found at page offset `off`. */
static void fill_entry(rv_hart *h, struct rv_insn *e, const struct rv_decoded *d, int off)
{
    struct rv_aux *a = rv_aux_of(e);
    e->handler = d->len == 2 && h->chandlers[d->op] ? h->chandlers[d->op] : h->handlers[d->op];
    e->imm = d->imm;
    e->rd = d->rd;
    e->rs1 = d->rs1;
    e->rs2 = d->rs2;
    e->rs3 = d->rs3;
    a->len = d->len / 2;
    a->op = (uint8_t)d->op;
    a->run = 1;
    if (rv_op_is_jump(d->op) && d->op != RV_OP_JALR) {
        int64_t t = (int64_t)off + d->imm;
        e->rs3 = off >= 0 && t >= 0 && t < (int64_t)RV_PAGE_SIZE;
        if (e->rs3) e->imm = d->imm / 2 * (int32_t)sizeof *e; /* entry distance in bytes */
    }
}

static void fill_sentinel(rv_hart *h, struct rv_insn *e)
{
    struct rv_decoded d = {.op = RV_OP_PAGE_END, .len = 2};
    fill_entry(h, e, &d, -1);
    rv_aux_of(e)->run = 0;
}

/* Decode the instruction starting at slot s of page p. */
static void decode_slot(rv_hart *h, struct rv_dpage *p, unsigned s)
{
    struct rv_decoded d;
    uint16_t lo, hi = 0;
    memcpy(&lo, p->host + 2 * s, 2);
    if ((lo & 3) == 3 && s == RV_SLOTS - 1) {
        d = (struct rv_decoded){.op = RV_OP_STRADDLE, .len = 4, .rd = RV_SINK};
    } else {
        if ((lo & 3) == 3) memcpy(&hi, p->host + 2 * s + 2, 2);
        rv_decode((uint32_t)lo | (uint32_t)hi << 16, &d);
    }
    fill_entry(h, &p->e[s], &d, (int)(2 * s));
}

/* The index of (first, second) in RV_FUSED, or -1. */
static int fused_pair(unsigned first, unsigned second)
{
    static const uint8_t pairs[][2] = {
#define RV_FUSED_OPS(a, b) {RV_OP_##a, RV_OP_##b},
        RV_FUSED(RV_FUSED_OPS)
#undef RV_FUSED_OPS
    };
    for (unsigned i = 0; i < sizeof pairs / sizeof *pairs; i++)
        if (pairs[i][0] == first && pairs[i][1] == second) return (int)i;
    return -1;
}

/*
 * Decode lazily: from slot s forward to the end of its straight-line run (a
 * jump, the page end, or an already decoded instruction), then give each new
 * entry its run length, back to front, and the fused handler when it and the
 * instruction it falls through to form an RV_FUSED pair (the second stays a
 * complete entry of its own, for jumps to it). Only block entries reach an
 * undecoded slot, since every fall-through inside a run is decoded here.
 */
void rv_decode_run(rv_hart *h, struct rv_dpage *p, unsigned s)
{
    uint16_t path[RV_SLOTS];
    unsigned n = 0;
    for (;;) {
        const struct rv_aux *a = &p->aux[s];
        decode_slot(h, p, s);
        path[n++] = (uint16_t)s;
        if (rv_op_is_jump(a->op) || a->op == RV_OP_STRADDLE) break;
        s += a->len;
        if (s >= RV_SLOTS || p->aux[s].op != RV_OP_LAZY) break;
    }
    while (n--) {
        struct rv_aux *a = &p->aux[path[n]];
        unsigned next = path[n] + a->len;
        int k;
        if (rv_op_is_jump(a->op) || a->op == RV_OP_STRADDLE || next >= RV_SLOTS) continue;
        a->run = (uint16_t)(1 + p->aux[next].run);
        if ((k = fused_pair(a->op, p->aux[next].op)) >= 0)
            p->e[path[n]].handler = h->fused[k][a->len - 1][p->aux[next].len - 1];
    }
}

/* A fresh page: every slot undecoded, sentinels past the end. */
static void init_page(rv_hart *h, struct rv_dpage *p)
{
    struct rv_decoded d = {.op = RV_OP_LAZY, .len = 2, .rd = RV_SINK};
    fill_entry(h, &p->e[0], &d, -1);
    p->aux[0].run = 0;
    for (unsigned s = 1; s < RV_SLOTS; s++) {
        p->e[s] = p->e[0];
        p->aux[s] = p->aux[0];
    }
    fill_sentinel(h, &p->e[RV_SLOTS]);
    fill_sentinel(h, &p->e[RV_SLOTS + 1]);
}

/* Record that decoded page p was reached at guest page vpage; the hart's
 * bounds of such pages let rv_drop_code_range skip flushes of data ranges. */
static void note_vpage(rv_hart *h, struct rv_dpage *p, uint64_t vpage)
{
    for (int i = 0; i < p->nvpage && i < RV_DPAGE_VPAGES; i++)
        if (p->vpage[i] == vpage) return;
    if (p->nvpage < RV_DPAGE_VPAGES) p->vpage[p->nvpage] = vpage;
    if (p->nvpage <= RV_DPAGE_VPAGES) p->nvpage++;
    if (vpage < h->code_lo) h->code_lo = vpage;
    if (vpage > h->code_hi) h->code_hi = vpage;
}

/* Remove every write-TLB entry that reaches host page `host`. */
static void wtlb_forget_host(rv_hart *h, const uint8_t *host)
{
    for (int i = 0; i < RV_TLB_SIZE; i++) {
        struct rv_tlb *t = &h->wtlb[i];
        if (t->tag != UINT64_MAX && (uintptr_t)(t->tag + t->addend) == (uintptr_t)host)
            t->tag = UINT64_MAX;
    }
}

static struct rv_dpage *dpage_new(rv_hart *h, uint8_t *host)
{
    struct rv_dpage *p = h->free;
    unsigned i = dhash_idx(host);
    if (h->ndpages >= MAX_DPAGES) rv_drop_all_code(h);
    if ((p = h->free))
        h->free = p->hnext;
    else if (!(p = aligned_alloc(64, (sizeof *p + 63) & ~(size_t)63)))
        return NULL;
    p->host = host;
    init_page(h, p);
    p->nvpage = 0;
    p->hnext = h->dhash[i];
    h->dhash[i] = p;
    p->lnext = h->live;
    p->lprev = &h->live;
    if (h->live) h->live->lprev = &p->lnext;
    h->live = p;
    h->ndpages++;
    h->stats.pages_decoded++;
    wtlb_forget_host(h, host);
    return p;
}

struct rv_dpage *rv_fetch_page(rv_hart *h, uint64_t pc)
{
    uint64_t vpage = pc >> RV_PAGE_SHIFT;
    uint8_t *host = xlate(h, pc, RV_ACCESS_EXEC);
    struct rv_dpage *p;
    if (!host) return NULL;
    p = dpage_find(h, host);
    if (!p && !(p = dpage_new(h, host))) {
        h->fault = (struct rv_fault){.addr = pc, .access = RV_ACCESS_EXEC, .err = -ENOMEM};
        return NULL;
    }
    note_vpage(h, p, vpage);
    h->ftlb[vpage & (RV_FTLB_SIZE - 1)] = (struct rv_ftlb){.vpage = vpage, .page = p, .host = host};
    return p;
}

/*
 * The next page is fetched (and so gets a decoded page of its own, which
 * keeps it out of the write TLB): a store to either half then drops a page
 * whose generation the cache checks, so the cached decode never goes stale.
 */
const struct rv_insn *rv_straddle(rv_hart *h, struct rv_dpage *p, uint64_t pc)
{
    uint64_t vnext = (pc + 2) >> RV_PAGE_SHIFT;
    const struct rv_ftlb *ft = &h->ftlb[vnext & (RV_FTLB_SIZE - 1)];
    uint64_t gen = p->gen;
    uint8_t *low = p->host;
    struct rv_dpage *next = ft->vpage == vnext ? ft->page : rv_fetch_page(h, pc + 2);
    struct rv_insn *out = p->straddle;
    struct rv_decoded d;
    uint16_t lo, hi;
    if (!next) return NULL;
    if (p->gen != gen) { /* fetching dropped p: decode, do not cache */
        if (!h->scratch && !(h->scratch = aligned_alloc(64, (sizeof *p + 63) & ~(size_t)63))) {
            h->fault = (struct rv_fault){.addr = pc, .access = RV_ACCESS_EXEC, .err = -ENOMEM};
            return NULL;
        }
        out = h->scratch->straddle;
    } else if (p->snext == next && p->snext_gen == next->gen)
        return p->straddle;
    memcpy(&lo, low + RV_PAGE_SIZE - 2, 2);
    memcpy(&hi, next->host, 2);
    rv_decode((uint32_t)lo | (uint32_t)hi << 16, &d);
    fill_entry(h, &out[0], &d, -1); /* -1: no in-page branch targets */
    fill_sentinel(h, &out[1]);
    fill_sentinel(h, &out[2]);
    if (out == p->straddle) {
        p->snext = next;
        p->snext_gen = next->gen;
    }
    return out;
}

/* Host page of the code at guest pc: the fetch TLB's (the instruction the
 * hart stopped at was fetched through it, so the kernel's stop for a global
 * access pays no page-table walk here), else a translate for execution. */
static uint8_t *code_host(rv_hart *h, uint64_t pc)
{
    uint64_t vpage = pc >> RV_PAGE_SHIFT;
    const struct rv_ftlb *ft = &h->ftlb[vpage & (RV_FTLB_SIZE - 1)];
    if (ft->vpage == vpage) return ft->host;
    return xlate(h, pc, RV_ACCESS_EXEC);
}

uint32_t rv_insn_bits(rv_hart *h, uint64_t pc)
{
    struct rv_fault saved = h->fault;
    uint16_t lo = 0, hi = 0;
    uint8_t *a = code_host(h, pc), *b;
    if (a) memcpy(&lo, a + (pc & PAGE_MASK), 2);
    if (a && (lo & 3) == 3 && (b = code_host(h, pc + 2)))
        memcpy(&hi, b + ((pc + 2) & PAGE_MASK), 2);
    h->fault = saved;
    return (uint32_t)lo | (uint32_t)hi << 16;
}

void rv_drop_all_code(rv_hart *h)
{
    while (h->live)
        dpage_drop(h, h->live);
    h->code_lo = UINT64_MAX;
    h->code_hi = 0;
}

void rv_drop_code_range(rv_hart *h, uint64_t lo, uint64_t hi)
{
    /* Mapping calls flush data ranges far more often than code: a range
     * outside every guest page code was ever decoded at has nothing to drop
     * (a page whose aliases overflowed RV_DPAGE_VPAGES was counted in bounds
     * when they were noted, so the bounds cover it too). */
    if (hi < h->code_lo || lo > h->code_hi) return;
    struct rv_dpage *p = h->live, *next;
    for (; p; p = next) {
        int hit = p->nvpage > RV_DPAGE_VPAGES;
        next = p->lnext;
        for (int i = 0; i < p->nvpage && i < RV_DPAGE_VPAGES; i++)
            hit |= p->vpage[i] >= lo && p->vpage[i] <= hi;
        if (hit) dpage_drop(h, p);
    }
}

void rv_dpages_free(rv_hart *h)
{
    rv_drop_all_code(h);
    free(h->scratch);
    h->scratch = NULL;
    while (h->free) {
        struct rv_dpage *p = h->free;
        h->free = p->hnext;
        free(p);
    }
}

/* ---- TLB maintenance ------------------------------------------------------- */

void rv_tlb_flush_all(rv_hart *h)
{
    h->remote_tag = UINT64_MAX;
    for (int i = 0; i < RV_TLB_SIZE; i++)
        h->rtlb[i].tag = h->wtlb[i].tag = UINT64_MAX;
    for (int i = 0; i < RV_FTLB_SIZE; i++)
        h->ftlb[i].vpage = UINT64_MAX;
}

/* The long-range case: sweep both arrays. */
static void tlb_sweep_range(rv_hart *h, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < RV_TLB_SIZE; i++) {
        uint64_t r = h->rtlb[i].tag >> RV_PAGE_SHIFT, w = h->wtlb[i].tag >> RV_PAGE_SHIFT;
        if (h->rtlb[i].tag != UINT64_MAX && r >= lo && r <= hi) h->rtlb[i].tag = UINT64_MAX;
        if (h->wtlb[i].tag != UINT64_MAX && w >= lo && w <= hi) h->wtlb[i].tag = UINT64_MAX;
    }
}

/* Forget the entries of guest pages lo..hi (page numbers). A range shorter than
 * the TLB visits only the slots its pages index: munmap and mprotect of a few
 * pages must not sweep the whole arrays. */
void rv_tlb_flush_range(rv_hart *h, uint64_t lo, uint64_t hi)
{
    if (h->remote_tag != UINT64_MAX && h->remote_tag >> RV_PAGE_SHIFT >= lo &&
        h->remote_tag >> RV_PAGE_SHIFT <= hi)
        h->remote_tag = UINT64_MAX;
    if (hi - lo < RV_TLB_SIZE) {
        for (uint64_t vp = lo; vp <= hi; vp++) {
            struct rv_tlb *r = &h->rtlb[vp & (RV_TLB_SIZE - 1)],
                          *w = &h->wtlb[vp & (RV_TLB_SIZE - 1)];
            if (r->tag != UINT64_MAX && r->tag >> RV_PAGE_SHIFT == vp) r->tag = UINT64_MAX;
            if (w->tag != UINT64_MAX && w->tag >> RV_PAGE_SHIFT == vp) w->tag = UINT64_MAX;
        }
    } else {
        tlb_sweep_range(h, lo, hi);
    }
    /* The fetch TLB holds pages code was decoded at, all inside the bounds. */
    if (hi < h->code_lo || lo > h->code_hi) return;
    if (hi - lo < RV_FTLB_SIZE) {
        for (uint64_t vp = lo; vp <= hi; vp++)
            if (h->ftlb[vp & (RV_FTLB_SIZE - 1)].vpage == vp)
                h->ftlb[vp & (RV_FTLB_SIZE - 1)].vpage = UINT64_MAX;
        return;
    }
    for (int i = 0; i < RV_FTLB_SIZE; i++)
        if (h->ftlb[i].vpage >= lo && h->ftlb[i].vpage <= hi) h->ftlb[i].vpage = UINT64_MAX;
}
