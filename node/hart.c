/*
 * hart.c — life cycle and the kernel-facing calls of the hart: creation,
 * architectural state, flushing translations and decoded code after the
 * kernel changed memory, reservation and statistics. The interpreter itself
 * is in exec.c, the memory slow paths in mmu.c.
 */
#include <stdlib.h>
#include <string.h>

#include "node/hart_impl.h"

rv_hart *rv_hart_new(rv_translate_fn translate, void *ctx)
{
    rv_hart *h = aligned_alloc(64, (sizeof *h + 63) & ~(size_t)63);
    if (!h) return NULL;
    memset(h, 0, sizeof *h);
    h->translate = translate;
    h->ctx = ctx;
    h->code_lo = UINT64_MAX; /* no code decoded yet */
    rv_tlb_flush_all(h);
    return h;
}

void rv_hart_free(rv_hart *h)
{
    if (!h) return;
    rv_dpages_free(h);
    free(h);
}

struct rv_state *rv_state(rv_hart *h)
{
    return &h->st;
}

/* The FPU functions accrue flags straight into st.fflags: nothing to fold. */
void rv_sync_fflags(rv_hart *h)
{
    h->st.fflags &= 0x1f;
}

/* Async-signal-safe: two plain stores. The request stays pending until a
 * budget stop honours it, so one made between two runs stops the next. */
void rv_request_stop(rv_hart *h)
{
    __atomic_store_n(&h->stop_req, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&h->limit, 0, __ATOMIC_SEQ_CST);
}

uint64_t rv_instret(const rv_hart *h)
{
    return h->instret;
}

/* Guest page numbers [lo, hi] covered by [vaddr, vaddr+len); 0 if empty. */
static int page_span(uint64_t vaddr, uint64_t len, uint64_t *lo, uint64_t *hi)
{
    uint64_t last = vaddr + len - 1;
    if (len == 0) return 0;
    if (last < vaddr) last = UINT64_MAX;
    *lo = vaddr >> RV_PAGE_SHIFT;
    *hi = last >> RV_PAGE_SHIFT;
    return 1;
}

void rv_flush_range(rv_hart *h, uint64_t vaddr, uint64_t len)
{
    uint64_t lo, hi;
    if (!page_span(vaddr, len, &lo, &hi)) return;
    rv_tlb_flush_range(h, lo, hi);
    rv_drop_code_range(h, lo, hi);
}

void rv_flush_all(rv_hart *h)
{
    rv_tlb_flush_all(h);
    rv_drop_all_code(h);
}

void rv_code_written(rv_hart *h, uint64_t vaddr, uint64_t len)
{
    uint64_t lo, hi;
    if (!page_span(vaddr, len, &lo, &hi)) return;
    rv_drop_code_range(h, lo, hi);
}

void rv_clear_reservation(rv_hart *h)
{
    h->resv_valid = 0;
}

void rv_get_stats(const rv_hart *h, struct rv_stats *out)
{
    *out = h->stats;
    out->instret = h->instret;
}
