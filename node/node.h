/*
 * node.h — the processing element of one emulated node: an RV64GC user-mode hart
 * with the Zba, Zbb, Zbs and Zicond extensions (32-bit encodings; not Zcb).
 *
 * The hart owns mechanism only: decode, execute, the software TLB and the
 * per-page cache of pre-decoded instructions. Policy (what memory exists, what a
 * fault or an ecall means) belongs to the kernel, which the hart reaches only
 * through the translate hook below and through the stop reasons of rv_run().
 *
 * Invariants
 *  1. x[0] reads as zero at every instruction boundary.
 *  2. rv_run() returns only at an instruction boundary: every instruction before
 *     st->pc has retired and none after it has started. instret counts exactly
 *     the retired instructions, also when a run ends in a fault.
 *  3. A page is never reachable through the write TLB while pre-decoded
 *     instructions for it exist, so every guest store to code is seen and the
 *     decoded copy dropped (self-modifying code and fence.i work).
 *  4. The hart never dereferences a host pointer it did not get from the
 *     translate hook; a guest can make the hart fail only with a stop reason.
 *
 * Life of an instruction: pc → fetch TLB → decoded page (decode on first use)
 * → handler → registers / load-store TLB (hit: one compare and one add; miss:
 * translate hook) → next entry. See docs/architecture.md.
 */
#ifndef SYMUNIX_NODE_H
#define SYMUNIX_NODE_H

#include <stddef.h>
#include <stdint.h>

#define RV_PAGE_SHIFT 12
#define RV_PAGE_SIZE  (1ull << RV_PAGE_SHIFT)

/* Page protection bits, as the translate hook reports them. */
enum { RV_PROT_R = 1, RV_PROT_W = 2, RV_PROT_X = 4 };

/* Access kinds passed to the translate hook. */
enum rv_access { RV_ACCESS_READ = 0, RV_ACCESS_WRITE = 1, RV_ACCESS_EXEC = 2 };

/* fflags bits (fcsr[4:0]) and rounding modes (fcsr[7:5]), as in the ISA manual. */
enum { RV_FFLAG_NX = 1, RV_FFLAG_UF = 2, RV_FFLAG_OF = 4, RV_FFLAG_DZ = 8, RV_FFLAG_NV = 16 };
enum { RV_RM_RNE = 0, RV_RM_RTZ = 1, RV_RM_RDN = 2, RV_RM_RUP = 3, RV_RM_RMM = 4, RV_RM_DYN = 7 };

/*
 * Architectural state the kernel may read and write between runs (syscall
 * arguments, signal frames, core files). f[] holds raw bits; single-precision
 * values are NaN-boxed (upper 32 bits all ones).
 */
struct rv_state {
    uint64_t x[32];
    /* Not architectural: where the interpreter's writes to x0 go (x[32] of
     * its register file, which is x[] itself: no copy around a run). */
    uint64_t x_sink;
    uint64_t pc;
    uint32_t frm;    /* dynamic rounding mode, 0..7 */
    uint32_t fflags; /* accrued exceptions; see rv_sync_fflags() */
    uint64_t f[32];
};

/*
 * Result of translating one guest page. `host` is the host address of the first
 * byte of the page; it must stay valid until the kernel calls rv_flush_range()
 * or rv_flush_all() for that page.
 */
struct rv_page {
    uint8_t *host;
    unsigned prot; /* RV_PROT_* */
    /* With -EREMOTE, the hook may name the page in its own terms (the kernel:
     * its global address); RV_REMOTE_NONE as the hart passes it. The hart
     * remembers it with the page and gives it back in rv_fault.remote. */
    uint64_t remote;
};
#define RV_REMOTE_NONE UINT64_MAX

/*
 * The kernel's hook: translate the page containing `vaddr` for `access`.
 * Returns 0 and fills *out, or a negative errno: -EFAULT when nothing is mapped
 * there (SIGSEGV, SEGV_MAPERR), -EACCES when the protection forbids the access
 * (SIGSEGV, SEGV_ACCERR). Other values are passed through to the stop reason.
 */
typedef int (*rv_translate_fn)(void *ctx, uint64_t vaddr, enum rv_access access,
                               struct rv_page *out);

/* Why rv_run() returned. */
enum rv_stop {
    RV_STOP_BUDGET = 0, /* the instruction budget ran out (or rv_request_stop) */
    RV_STOP_ECALL,      /* ecall retired; st->pc is the instruction after it */
    RV_STOP_EBREAK,     /* ebreak; st->pc points at it; SIGTRAP */
    RV_STOP_ILLEGAL,    /* illegal instruction at st->pc; SIGILL */
    RV_STOP_FAULT,      /* memory fault at st->pc; see rv_fault */
    RV_STOP_CBO,        /* cbo.clean/flush/inval retired (st->pc is after it): rv_fault
                           has the address and, in insn, the RV_CBO_* code */
};

/* Cache-block operations, in rv_fault.insn of RV_STOP_CBO (the encoding's imm12). */
enum { RV_CBO_INVAL = 0, RV_CBO_CLEAN = 1, RV_CBO_FLUSH = 2 };

/* Details of an RV_STOP_FAULT / RV_STOP_ILLEGAL / RV_STOP_CBO. */
struct rv_fault {
    uint64_t addr;         /* faulting data or fetch address (si_addr) */
    enum rv_access access; /* what was attempted */
    int err;       /* -EFAULT (unmapped), -EACCES (protection), -EBUSY (misaligned atomic) */
    uint32_t insn; /* the instruction bits, for RV_STOP_ILLEGAL */
    /* err == -EREMOTE: rv_page.remote of addr's page + addr's offset in it
     * (RV_REMOTE_NONE if the hook gave none), so the kernel need not look the
     * page up again on every access. */
    uint64_t remote;
};

typedef struct rv_hart rv_hart;

/* Create a hart whose memory is resolved by `translate(ctx, ...)`. NULL on ENOMEM. */
rv_hart *rv_hart_new(rv_translate_fn translate, void *ctx);
void rv_hart_free(rv_hart *h);

/* The architectural state; valid to read or write whenever rv_run() is not running. */
struct rv_state *rv_state(rv_hart *h);

/* Fold host-accumulated FP exception flags into rv_state(h)->fflags. Call before
 * reading fflags from outside the hart (signal frames, core files). */
void rv_sync_fflags(rv_hart *h);

/*
 * Run from rv_state(h)->pc until a stop reason or until about `budget`
 * instructions have retired (the check is made between basic blocks, so a run
 * may go a block beyond; while an LR reservation is held it goes on until the
 * SC, at most 64 instructions more, so that LR/SC loops progress at any
 * budget). Fills *fault for RV_STOP_FAULT and RV_STOP_ILLEGAL.
 */
enum rv_stop rv_run(rv_hart *h, uint64_t budget, struct rv_fault *fault);

/* Ask a running rv_run() to return RV_STOP_BUDGET at the next block boundary
 * (safe from a host signal handler). */
void rv_request_stop(rv_hart *h);

/* Retired instructions since rv_hart_new (the instret CSR). */
uint64_t rv_instret(const rv_hart *h);

/* Forget translations (TLB) and decoded code for [vaddr, vaddr+len) after the
 * kernel changed mappings or protection there. */
void rv_flush_range(rv_hart *h, uint64_t vaddr, uint64_t len);
/* Forget every translation and decoded page (context switch, exec). */
void rv_flush_all(rv_hart *h);
/* The kernel wrote guest memory at [vaddr, vaddr+len) behind the hart's back
 * (read(2) into a buffer, signal frame): drop decoded code there. */
void rv_code_written(rv_hart *h, uint64_t vaddr, uint64_t len);

/* Drop any LR reservation (context switch, signal delivery, as Linux does).
 * The kernel may: rv_run never ends on its budget between an LR and its SC. */
void rv_clear_reservation(rv_hart *h);

/*
 * Memory the translate hook does not give as host memory (global memory served
 * over the network): the hook returns its own negative code, rv_run stops
 * with RV_STOP_FAULT and that code at the instruction, and nothing of the
 * instruction has happened. rv_memop_at_pc describes it; once the kernel has
 * the value, rv_memop_finish retires it (exactly once; memop.c).
 */
enum rv_memop_kind { RV_MEMOP_LOAD, RV_MEMOP_STORE, RV_MEMOP_AMO, RV_MEMOP_LR, RV_MEMOP_SC };
/* AMO funct5 codes (the ISA's), in rv_memop.amo. */
enum {
    RV_AMO_ADD = 0x00,
    RV_AMO_SWAP = 0x01,
    RV_AMO_XOR = 0x04,
    RV_AMO_OR = 0x08,
    RV_AMO_AND = 0x0c,
    RV_AMO_MIN = 0x10,
    RV_AMO_MAX = 0x14,
    RV_AMO_MINU = 0x18,
    RV_AMO_MAXU = 0x1c
};
struct rv_memop {
    uint64_t addr; /* effective address */
    uint64_t val;  /* store data (zero-extended to width), AMO/SC operand (sign-extended .w) */
    uint8_t kind;  /* enum rv_memop_kind */
    uint8_t width; /* 1, 2, 4 or 8 bytes */
    uint8_t sext;  /* a load sign-extends its value */
    uint8_t fp;    /* flw/fld/fsw/fsd: rd or the data is an f register */
    uint8_t amo;   /* RV_AMO_* for RV_MEMOP_AMO */
    uint8_t rd;    /* destination register (0: none) */
    uint8_t len;   /* instruction length, 2 or 4 */
};
/* Describe the memory instruction at the stopped hart's pc: 0, -EINVAL (not a
 * load, store or atomic), -EFAULT (the pc is not readable). */
int rv_memop_at_pc(rv_hart *h, struct rv_memop *op);
/* Retire op with `value` (the bytes loaded, the AMO's old value, SC's 0/1;
 * ignored for stores): writes rd as the instruction would, pc += len,
 * instret + 1. */
void rv_memop_finish(rv_hart *h, const struct rv_memop *op, uint64_t value);

/*
 * The node cache of global memory (ncache.c): page copies of cacheable global
 * lsegs, with no coherence; dirty 64-byte lines go back through the kernel's
 * callback on cbo.clean/flush/inval, eviction and rv_ncache_writeback_all.
 * Pages are named by a key the kernel chooses (a global page number).
 */
#define RV_NCACHE_LINE 64
typedef struct rv_ncache rv_ncache;
/* Write the line at byte `off` of page `key` (RV_NCACHE_LINE bytes) to global
 * memory: 0 or a negative errno (the line stays dirty). */
typedef int (*rv_ncache_writeback_fn)(void *ctx, uint64_t key, unsigned off, const uint8_t *line);
enum rv_ncache_opkind { RV_NCACHE_CLEAN, RV_NCACHE_FLUSH, RV_NCACHE_INVAL };
struct rv_ncache_stats {
    uint64_t hits, misses, fills, evictions, drops;
    uint64_t lines_written;   /* dirty lines handed to the callback */
    uint64_t lines_discarded; /* dirty lines a cbo.inval threw away */
    uint64_t pages;           /* cached now */
};
/* A cache of at most `pages` pages. 0, -EINVAL, -ENOMEM. */
int rv_ncache_new(size_t pages, rv_ncache_writeback_fn wb, void *ctx, rv_ncache **out);
/* Drop everything without writing back (write back first if it matters). */
void rv_ncache_free(rv_ncache *c);
/* The cached copy of page `key` (RV_PAGE_SIZE bytes, page-aligned), or NULL. */
uint8_t *rv_ncache_lookup(rv_ncache *c, uint64_t key);
/* Cache page `key` with the RV_PAGE_SIZE bytes fetched from global memory;
 * when full, the least recently used page is written back and dropped and its
 * key returned in *evicted (else UINT64_MAX): the caller flushes the harts'
 * views of it. 0 or the callback's error (nothing changed) or -ENOMEM. */
int rv_ncache_fill(rv_ncache *c, uint64_t key, const void *bytes, uint8_t **out, uint64_t *evicted);
/* A cbo on the line holding byte `off` of page `key`: CLEAN writes that line
 * back; FLUSH writes the page's dirty lines back and drops the page; INVAL
 * does the same but discards that line's writes. *dropped = 1 when the page
 * was dropped (flush the harts' views). 0 or the callback's error. */
int rv_ncache_op(rv_ncache *c, uint64_t key, unsigned off, enum rv_ncache_opkind op, int *dropped);
/* Write back every dirty line (fsync, checkpoint, exit). */
int rv_ncache_writeback_all(rv_ncache *c);
void rv_ncache_get_stats(const rv_ncache *c, struct rv_ncache_stats *out);

/* Counters for --stats. */
struct rv_stats {
    uint64_t instret;
    uint64_t tlb_misses;
    uint64_t pages_decoded;
    uint64_t decode_flushes;
};
void rv_get_stats(const rv_hart *h, struct rv_stats *out);

#endif /* SYMUNIX_NODE_H */
