/*
 * hart_impl.h — internal to node/: the hart's state, the pre-decoded page
 * format, the software TLBs and the slow paths that exec.c calls out of line.
 * Shared by hart.c (life cycle, public flush calls), mmu.c (TLBs, decoded-page
 * cache, memory slow paths) and exec.c (the interpreter loop).
 */
#ifndef SYMUNIX_NODE_HART_IMPL_H
#define SYMUNIX_NODE_HART_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "node/decode.h"
#include "node/node.h"

/* Entries per decoded page: one per 2-byte slot, plus two sentinels past the
 * end that fall through to the next page (a 4-byte instruction in the last
 * slot advances two entries). */
#define RV_SLOTS   (RV_PAGE_SIZE / 2)
#define RV_ENTRIES (RV_SLOTS + 2)

/*
 * One pre-decoded instruction slot, the part every instruction reads.
 * `handler` is the address of the handler label, so a dispatch is a single
 * indirect jump through the entry.
 */
struct rv_insn {
    const void *handler;
    int32_t imm;
    uint8_t rd, rs1, rs2;
    uint8_t rs3; /* FMA third source; for branches and jal: 1 = target in this page,
                    and then imm is the distance to it in bytes of entries */
};
_Static_assert(sizeof(struct rv_insn) == 16, "decoded entry must stay 16 bytes");

/*
 * The rest of a slot, read only at block entries and on the way out: `run` is
 * the number of instructions from this one to the end of its straight-line run
 * (a jump or the page end), added to instret when a block starts here. It
 * lives at the fixed distance RV_AUX_OFFSET after its entry (rv_aux_of), so
 * reaching it costs no more than a field of the entry would.
 */
struct rv_aux {
    uint16_t run;
    uint8_t len; /* in slots: 1 (compressed) or 2 */
    uint8_t op;  /* enum rv_op, for the slow paths and debugging */
    uint8_t unused[12];
};
_Static_assert(sizeof(struct rv_aux) == sizeof(struct rv_insn), "aux must keep the entry stride");
_Static_assert(RV_OP_COUNT <= 256, "op must fit the aux byte");

/* A decoded page, keyed by the host address of the guest page it came from.
 * e[] and straddle[] are one array of entries, and aux[] runs parallel to it. */
#define RV_DPAGE_VPAGES 4
#define RV_AUX_OFFSET   ((RV_ENTRIES + 3) * sizeof(struct rv_insn))
struct rv_dpage {
    struct rv_insn e[RV_ENTRIES];
    /* The instruction across the page end, decoded with the first bytes of
     * `snext` (valid while snext->gen == snext_gen), then two sentinels. */
    struct rv_insn straddle[3];
    struct rv_aux aux[RV_ENTRIES + 3];
    uint8_t *host;                   /* key: host address of the code page */
    struct rv_dpage *hnext;          /* hash chain, or free-list link */
    struct rv_dpage *lnext, **lprev; /* list of live pages */
    uint64_t vpage[RV_DPAGE_VPAGES]; /* guest pages seen mapping it (page numbers) */
    int nvpage;                      /* > RV_DPAGE_VPAGES: aliases overflowed */
    uint64_t gen;                    /* bumped when dropped: stale references notice */
    struct rv_dpage *snext;
    uint64_t snext_gen;
};
_Static_assert(offsetof(struct rv_dpage, straddle) == sizeof(struct rv_insn) * RV_ENTRIES,
               "straddle[] must continue e[]");
_Static_assert(offsetof(struct rv_dpage, aux) == RV_AUX_OFFSET, "aux[] must follow the entries");

/* The aux half of any entry of a decoded page (e[] or straddle[]). */
#define rv_aux_of(e) ((struct rv_aux *)((char *)(uintptr_t)(e) + RV_AUX_OFFSET))

/* Load/store TLB entry: `tag` is the page-aligned guest address (UINT64_MAX =
 * empty); host address = guest address + addend. */
struct rv_tlb {
    uint64_t tag;
    uintptr_t addend;
};
/* How far past its budget a hart holding an LR reservation may run to reach
 * the SC (retired instructions, checked at block boundaries). The A
 * extension's constrained LR/SC loop is at most 16 instructions; this leaves
 * room for a loop a little outside the letter of that rule. */
#define RV_LRSC_GRACE 64

#define RV_TLB_SIZE   8192
#define RV_FTLB_SIZE  64
#define RV_DHASH_SIZE 256

struct rv_ftlb {
    uint64_t vpage; /* guest page number, UINT64_MAX = empty */
    struct rv_dpage *page;
    uint8_t *host; /* page->host, here for rv_insn_bits (the decoded page is cold) */
};

/* What one run of a hart touches comes first, packed (a node switches
 * among many harts, each run a few instructions: its cost is cold cache
 * lines), then the registers, then the big tables. */
struct rv_hart {
    uint64_t instret;
    uint64_t limit; /* stop at a block boundary once instret >= limit; 0 = stop now */
    int stop_req;   /* rv_request_stop() not yet honoured by a budget stop */
    int resv_valid;
    int code_dropped; /* a store hit decoded code: the loop must re-fetch */
    /* The last page translate answered -EREMOTE for (global memory the node
     * does not cache: every access goes to the network), and a bit per
     * rv_access it answered so for; UINT64_MAX: none. Flushed with the TLB,
     * so a repeated access skips the kernel's region lookup. */
    unsigned remote_access;
    uint64_t remote_tag;
    uint64_t remote_name;             /* the hook's rv_page.remote for remote_tag */
    const void *const *handlers;      /* label addresses per op, set by the interpreter */
    const void *const *chandlers;     /* per op, the compressed variant (NULL: none) */
    const void *const (*fused)[2][2]; /* per RV_FUSED pair and sizes, the fused handler */
    rv_translate_fn translate;
    void *ctx;
    uint64_t resv_addr; /* LR reservation */
    struct rv_stats stats;
    struct rv_fault fault;

    struct rv_dpage *live, *free;
    uint64_t ndpages;
    struct rv_dpage *scratch;  /* its straddle[]: a straddling instruction not cached */
    uint64_t code_lo, code_hi; /* bounds of the guest pages code was decoded at since
                                  the last rv_drop_all_code (empty: lo > hi) */

    /* used in place by the interpreter (x[32] = st.x_sink) */
    _Alignas(64) struct rv_state st;

    struct rv_ftlb ftlb[RV_FTLB_SIZE];
    struct rv_dpage *dhash[RV_DHASH_SIZE];
    struct rv_tlb rtlb[RV_TLB_SIZE];
    struct rv_tlb wtlb[RV_TLB_SIZE];
};

/* mmu.c: memory slow paths. Each returns 0, or 1 after filling h->fault. */
int rv_load_slow(rv_hart *h, uint64_t addr, unsigned size, uint64_t *val);
/* As above; 2 when the store dropped decoded code (h->code_dropped set). */
int rv_store_slow(rv_hart *h, uint64_t addr, unsigned size, uint64_t val);
/* LR/SC/AMO: op is RV_OP_LR_*, RV_OP_SC_* or RV_OP_AMO_* with funct5. */
int rv_atomic(rv_hart *h, unsigned op, unsigned funct5, uint64_t addr, uint64_t src,
              uint64_t *result);
/* cbo.*: check that addr translates for a store. */
int rv_cbo(rv_hart *h, uint64_t addr);
/* The decoded page holding guest pc, decoding it on first use; NULL after
 * filling h->fault (fetch fault). Also fills the fetch TLB. */
struct rv_dpage *rv_fetch_page(rv_hart *h, uint64_t pc);
/* Decode the straight-line run starting at undecoded slot s of page p. */
void rv_decode_run(rv_hart *h, struct rv_dpage *p, unsigned s);
/* The decoded instruction straddling the end of page p (guest pc = its
 * address), followed by sentinels; NULL after filling h->fault. */
const struct rv_insn *rv_straddle(rv_hart *h, struct rv_dpage *p, uint64_t pc);
/* Drop every decoded page / the ones seen at guest pages [lo, hi]. */
void rv_drop_all_code(rv_hart *h);
void rv_drop_code_range(rv_hart *h, uint64_t vpage_lo, uint64_t vpage_hi);
void rv_tlb_flush_all(rv_hart *h);
void rv_tlb_flush_range(rv_hart *h, uint64_t vpage_lo, uint64_t vpage_hi);
void rv_dpages_free(rv_hart *h);

/* The raw bits of the instruction at guest pc (0 if unreadable), for SIGILL. */
uint32_t rv_insn_bits(rv_hart *h, uint64_t pc);

/* exec.c: CSR access (imm of RV_OP_CSR); 0, or 1 for an illegal instruction. */
int rv_csr(rv_hart *h, uint32_t csr_f3, unsigned rs1_field, uint64_t src, uint64_t *old);

#endif /* SYMUNIX_NODE_HART_IMPL_H */
