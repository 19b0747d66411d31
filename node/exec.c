/*
 * exec.c — the interpreter: rv_run(), one loop over pre-decoded entries with
 * computed-goto dispatch, plus the CSR slow path.
 *
 * Shape of the loop. Each handler body appears once and ends in NEXT (fall
 * through to the following entry), in a block entry (branches and jumps), or in
 * an exit label at the bottom; bodies with a compressed form are instantiated
 * per size, and again in the fused handlers of frequent pairs (RV_FUSED). Loads and stores try the
 * software TLB inline and call mmu.c out of line on a miss. The current page is not kept as a
 * pointer: the pc of entry e is pcb + e/8 (entries are 16 bytes and describe
 * 2 guest bytes each), so only `e` and `pcb` live across handlers.
 *
 * Instruction counting. `icount` runs ahead: when a block starts at entry e
 * (after a jump, a branch, a page crossing or a re-fetch) it is charged the
 * run of e (in its aux half), the instructions up to the end of that
 * straight-line run. Leaving in the middle of a run subtracts what did not
 * retire: the run of e before e retired (faults), one less after it (ecall,
 * code changes). The budget and rv_request_stop() (which zeroes h->limit) are
 * checked at block entries only; a budget that ends while an LR reservation
 * is held is stretched until the SC (at most RV_LRSC_GRACE instructions, see
 * stop_budget).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "node/fpu.h"
#include "node/hart_impl.h"

#define likely(c)   __builtin_expect(!!(c), 1)
#define unlikely(c) __builtin_expect(!!(c), 0)

#define SX32(v)  ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
#define BOX32(v) (0xffffffff00000000ull | (uint32_t)(v))
/* Rotate left by s (any s, 0 included: no shift by the full width). */
#define ROTL64(v, s) (((v) << (s)) | ((v) >> ((64 - (s)) & 63)))
#define ROTL32(v, s) ((uint32_t)(((v) << (s)) | ((v) >> ((32 - (s)) & 31))))

/* CSR numbers (user level). */
enum {
    CSR_FFLAGS = 0x001,
    CSR_FRM = 0x002,
    CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00,
    CSR_TIME = 0xc01,
    CSR_INSTRET = 0xc02,
};

static uint64_t time_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 10000000u + (uint64_t)ts.tv_nsec / 100u;
}

static int csr_read(rv_hart *h, unsigned csr, uint64_t *val)
{
    switch (csr) {
    case CSR_FFLAGS: *val = h->st.fflags & 0x1f; return 0;
    case CSR_FRM: *val = h->st.frm & 7; return 0;
    case CSR_FCSR: *val = (h->st.fflags & 0x1f) | (h->st.frm & 7) << 5; return 0;
    case CSR_CYCLE:
    case CSR_INSTRET: *val = h->instret; return 0;
    case CSR_TIME: *val = time_ticks(); return 0;
    default: return 1;
    }
}

static void csr_write(rv_hart *h, unsigned csr, uint64_t val)
{
    if (csr == CSR_FFLAGS || csr == CSR_FCSR) h->st.fflags = val & 0x1f;
    if (csr == CSR_FRM) h->st.frm = val & 7;
    if (csr == CSR_FCSR) h->st.frm = (val >> 5) & 7;
}

/*
 * csrrw/csrrs/csrrc and their immediate forms. `rs1_field` is the rs1/uimm
 * field: zero means csrrs/csrrc do not write (so reading a counter is legal).
 * h->instret must hold the count of instructions retired before this one.
 */
int rv_csr(rv_hart *h, uint32_t csr_f3, unsigned rs1_field, uint64_t src, uint64_t *old)
{
    unsigned csr = csr_f3 & 0xfff, f3 = (csr_f3 >> 12) & 3;
    int writes = f3 == 1 || rs1_field != 0;
    uint64_t v;
    if (csr_read(h, csr, &v)) return 1;
    if (writes && (csr >> 10) == 3) return 1; /* read-only counters */
    if (writes) csr_write(h, csr, f3 == 1 ? src : f3 == 2 ? (v | src) : (v & ~src));
    *old = v;
    return 0;
}

_Static_assert(offsetof(struct rv_state, x_sink) == 32 * sizeof(uint64_t),
               "x_sink must be x[32] of the register file");

enum rv_stop rv_run(rv_hart *h, uint64_t budget, struct rv_fault *fault)
{
    static const void *const handlers[2][RV_OP_COUNT] = {
        {
#define RV_OP_LABEL(name) [RV_OP_##name] = &&L_##name,
            RV_OPS(RV_OP_LABEL)
#undef RV_OP_LABEL
        },
        {
#define RV_COP_LABEL(name) [RV_OP_##name] = &&LC_##name,
            RV_COPS(RV_COP_LABEL)
#undef RV_COP_LABEL
        },
    };
    /* Indexed [pair][first's size - 1][second's size - 1], sizes in slots. */
    static const void *const fused[][2][2] = {
#define RV_FUSED_LABELS(a, b)                                                                      \
    {{&&LF_##a##_##b##_11, &&LF_##a##_##b##_12}, {&&LF_##a##_##b##_21, &&LF_##a##_##b##_22}},
        RV_FUSED(RV_FUSED_LABELS)
#undef RV_FUSED_LABELS
    };
    /* The architectural registers in place, x[32] = st.x_sink (RV_SINK):
     * a node switching among many harts must not copy 256 bytes in and out
     * of each for a run of a few instructions. */
    uint64_t *const x = (uint64_t *)((char *)h + offsetof(struct rv_hart, st.x));
    const struct rv_insn *e = NULL;
    uint64_t pcb = 0; /* pc of entry e = pcb + (uintptr_t)e / 8 */
    uint64_t icount = h->instret;
    uint64_t grace_end = 0; /* set when the budget ends with a reservation held */
    uint64_t pc = h->st.pc;
    enum rv_stop stop;

    h->handlers = handlers[0];
    h->chandlers = handlers[1];
    h->fused = fused;
    __atomic_store_n(&h->limit, icount + budget < icount ? UINT64_MAX : icount + budget,
                     __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&h->stop_req, __ATOMIC_SEQ_CST)) h->limit = 0; /* asked between runs */
    x[0] = 0; /* whatever the kernel left there (a signal frame's x0) */
    if (unlikely(pc & 1)) {
        h->fault = (struct rv_fault){.addr = pc, .access = RV_ACCESS_EXEC, .err = -EBUSY};
        goto stop_fault;
    }
    goto fetch;

#define PC     (pcb + ((uintptr_t)e >> 3))
#define RD     x[e->rd]
#define RS1    x[e->rs1]
#define RS2    x[e->rs2]
#define IMM    ((int64_t)e->imm)
#define FD     h->st.f[e->rd]
#define FS1    h->st.f[e->rs1]
#define FS2    h->st.f[e->rs2]
#define FS3    h->st.f[e->rs3]
#define FFLAGS (&h->st.fflags)
/* The slot of a pc in its page, and the decoded page holding entry e at slot. */
#define SLOT(pc)         ((unsigned)(((pc) & (RV_PAGE_SIZE - 1)) >> 1))
#define PAGE_OF(e, slot) ((struct rv_dpage *)(uintptr_t)((e) - (slot)))
#define DISPATCH         goto * e->handler
/* After moving e: an empty asm that hides where e came from, so the compiler
 * loads the handler through the moved e and the dispatch is one `jmp *(reg)`
 * (loading through the old e plus an offset needs a load before the jump). */
#define HIDE_E __asm__("" : "+r"(e))
#define AUX    rv_aux_of(e)
/* Fall through to the next instruction, n entries (2-byte slots) on. */
#define NEXTN(n)                                                                                   \
    do {                                                                                           \
        e += (n);                                                                                  \
        HIDE_E;                                                                                    \
        DISPATCH;                                                                                  \
    } while (0)
#define NEXT NEXTN(2)
/* A handler with a compressed form: body H_name(n) instantiated for both sizes. */
#define BOTH(name)                                                                                 \
    L_##name : H_##name(2, NEXTN);                                                                 \
    LC_##name : H_##name(1, NEXTN)
/* Start a block at e: check the budget, charge the run, go. */
#define ENTER                                                                                      \
    do {                                                                                           \
        if (unlikely(icount >= __atomic_load_n(&h->limit, __ATOMIC_RELAXED))) goto stop_budget;    \
        icount += AUX->run;                                                                        \
        DISPATCH;                                                                                  \
    } while (0)
/* Jump to guest address t: fetch-TLB hit inline, else the shared slow path. */
#define JUMP(t)                                                                                    \
    do {                                                                                           \
        pc = (t);                                                                                  \
        const struct rv_ftlb *ft_ = &h->ftlb[(pc >> RV_PAGE_SHIFT) & (RV_FTLB_SIZE - 1)];          \
        if (unlikely(ft_->vpage != pc >> RV_PAGE_SHIFT)) goto fetch;                               \
        e = &ft_->page->e[(pc & (RV_PAGE_SIZE - 1)) >> 1];                                         \
        pcb = (pc & ~(RV_PAGE_SIZE - 1)) - ((uintptr_t)ft_->page->e >> 3);                         \
        ENTER;                                                                                     \
    } while (0)
/* Taken branch or jal: for in-page targets (rs3 = 1) imm is the distance in
 * bytes of decoded entries; otherwise it is the guest offset. */
#define TAKEN                                                                                      \
    do {                                                                                           \
        if (likely(e->rs3)) {                                                                      \
            e = (const struct rv_insn *)((const char *)e + e->imm);                                \
            ENTER;                                                                                 \
        }                                                                                          \
        pc = PC + IMM;                                                                             \
        goto fetch;                                                                                \
    } while (0)
#define BRANCH(cond, n)                                                                            \
    do {                                                                                           \
        if (cond) TAKEN;                                                                           \
        e += (n);                                                                                  \
        ENTER;                                                                                     \
    } while (0)
#define TLB_HIT(t, a, size) likely((t)->tag == (((a) & ~(RV_PAGE_SIZE - 1)) | ((a) & ((size)-1))))
#define TLB_IDX(a)          (((a) >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1))
/* Load a T from guest address a into dst (sign/zero extended as T is). */
#define LOAD_TO(dst, T, a)                                                                         \
    do {                                                                                           \
        uint64_t a_ = (a);                                                                         \
        const struct rv_tlb *t_ = &h->rtlb[TLB_IDX(a_)];                                           \
        if (TLB_HIT(t_, a_, sizeof(T))) {                                                          \
            T v_;                                                                                  \
            memcpy(&v_, (const void *)(uintptr_t)(a_ + t_->addend), sizeof v_);                    \
            dst = (uint64_t)(int64_t)v_;                                                           \
        } else {                                                                                   \
            uint64_t v_;                                                                           \
            if (unlikely(rv_load_slow(h, a_, sizeof(T), &v_))) goto mem_fault;                     \
            dst = (uint64_t)(int64_t)(T)v_;                                                        \
        }                                                                                          \
    } while (0)
#define STORE(T, a, val)                                                                           \
    do {                                                                                           \
        uint64_t a_ = (a);                                                                         \
        const struct rv_tlb *t_ = &h->wtlb[TLB_IDX(a_)];                                           \
        T v_ = (T)(val);                                                                           \
        if (TLB_HIT(t_, a_, sizeof(T))) {                                                          \
            memcpy((void *)(uintptr_t)(a_ + t_->addend), &v_, sizeof v_);                          \
        } else {                                                                                   \
            int r_ = rv_store_slow(h, a_, sizeof(T), v_);                                          \
            if (unlikely(r_)) {                                                                    \
                if (r_ == 1) goto mem_fault;                                                       \
                goto code_changed;                                                                 \
            }                                                                                      \
        }                                                                                          \
    } while (0)
/* Resolve the entry's rounding mode (imm) into rm_, DYN from frm. */
#define RM                                                                                         \
    unsigned rm_ = (unsigned)e->imm;                                                               \
    if (rm_ == RV_RM_DYN) {                                                                        \
        rm_ = h->st.frm;                                                                           \
        if (unlikely(rm_ > RV_RM_RMM)) goto illegal_insn;                                          \
    }
#define FBIN(fn)                                                                                   \
    do {                                                                                           \
        RM;                                                                                        \
        FD = fn(FS1, FS2, rm_, FFLAGS);                                                            \
        NEXT;                                                                                      \
    } while (0)
#define FUN_RM(dst, fn, src)                                                                       \
    do {                                                                                           \
        RM;                                                                                        \
        dst = fn(src, rm_, FFLAGS);                                                                \
        NEXT;                                                                                      \
    } while (0)
#define FMA(fn)                                                                                    \
    do {                                                                                           \
        RM;                                                                                        \
        FD = fn(FS1, FS2, FS3, rm_, FFLAGS);                                                       \
        NEXT;                                                                                      \
    } while (0)
#define ATOMIC(op)                                                                                 \
    do {                                                                                           \
        uint64_t r_;                                                                               \
        int rc_ = rv_atomic(h, op, (unsigned)e->imm, RS1, RS2, &r_);                               \
        if (unlikely(rc_ == 1)) goto mem_fault;                                                    \
        RD = r_;                                                                                   \
        if (unlikely(rc_)) goto code_changed;                                                      \
        NEXT;                                                                                      \
    } while (0)

    /* Bodies of the handlers that have a compressed form (see BOTH and FUSE):
     * n is the size in slots, `next` what follows a body that falls through. */
#define H_ADDI(n, next)                                                                            \
    RD = RS1 + (uint64_t)IMM;                                                                      \
    next(n)
#define H_ADDIW(n, next)                                                                           \
    RD = SX32(RS1 + (uint64_t)IMM);                                                                \
    next(n)
#define H_LUI(n, next)                                                                             \
    RD = (uint64_t)IMM;                                                                            \
    next(n)
#define H_LW(n, next)                                                                              \
    LOAD_TO(RD, int32_t, RS1 + IMM);                                                               \
    next(n)
#define H_LD(n, next)                                                                              \
    LOAD_TO(RD, int64_t, RS1 + IMM);                                                               \
    next(n)
#define H_SW(n, next)                                                                              \
    STORE(uint32_t, RS1 + IMM, RS2);                                                               \
    next(n)
#define H_SD(n, next)                                                                              \
    STORE(uint64_t, RS1 + IMM, RS2);                                                               \
    next(n)
#define H_FLD(n, next)                                                                             \
    LOAD_TO(FD, uint64_t, RS1 + IMM);                                                              \
    next(n)
#define H_FSD(n, next)                                                                             \
    STORE(uint64_t, RS1 + IMM, FS2);                                                               \
    next(n)
#define H_SRLI(n, next)                                                                            \
    RD = RS1 >> e->imm;                                                                            \
    next(n)
#define H_SRAI(n, next)                                                                            \
    RD = (uint64_t)((int64_t)RS1 >> e->imm);                                                       \
    next(n)
#define H_ANDI(n, next)                                                                            \
    RD = RS1 & (uint64_t)IMM;                                                                      \
    next(n)
#define H_SLLI(n, next)                                                                            \
    RD = RS1 << e->imm;                                                                            \
    next(n)
#define H_ADD(n, next)                                                                             \
    RD = RS1 + RS2;                                                                                \
    next(n)
#define H_SUB(n, next)                                                                             \
    RD = RS1 - RS2;                                                                                \
    next(n)
#define H_XOR(n, next)                                                                             \
    RD = RS1 ^ RS2;                                                                                \
    next(n)
#define H_OR(n, next)                                                                              \
    RD = RS1 | RS2;                                                                                \
    next(n)
#define H_AND(n, next)                                                                             \
    RD = RS1 & RS2;                                                                                \
    next(n)
#define H_SUBW(n, next)                                                                            \
    RD = SX32(RS1 - RS2);                                                                          \
    next(n)
#define H_ADDW(n, next)                                                                            \
    RD = SX32(RS1 + RS2);                                                                          \
    next(n)
#define H_JAL(n, next)                                                                             \
    RD = PC + (n)*2u;                                                                              \
    TAKEN
#define H_JALR(n, next)                                                                            \
    {                                                                                              \
        uint64_t t = (RS1 + (uint64_t)IMM) & ~1ull;                                                \
        RD = PC + (n)*2u;                                                                          \
        JUMP(t);                                                                                   \
    }
#define H_BEQ(n, next) BRANCH(RS1 == RS2, n)
#define H_BNE(n, next) BRANCH(RS1 != RS2, n)

    /* The fused pairs of decode.h's RV_FUSED, for each combination of sizes:
     * the first body steps e onto the second entry instead of dispatching, so
     * the second runs exactly as if dispatched there (its faults, pc and run
     * are its own), and a first half that leaves (fault, code change) never
     * reaches it. Fusing happens within one decoded run only, so neither a
     * block entry nor a budget check is skipped. */
#define STEP(n) e += (n)
#define FUSE(a, b)                                                                                 \
    LF_##a##_##b##_22 : H_##a(2, STEP);                                                            \
    H_##b(2, NEXTN);                                                                               \
    LF_##a##_##b##_21 : H_##a(2, STEP);                                                            \
    H_##b(1, NEXTN);                                                                               \
    LF_##a##_##b##_12 : H_##a(1, STEP);                                                            \
    H_##b(2, NEXTN);                                                                               \
    LF_##a##_##b##_11 : H_##a(1, STEP);                                                            \
    H_##b(1, NEXTN);

L_ILLEGAL:
    goto illegal_insn;
L_LAZY: /* first block entry at this slot: decode its run, charge it, go */
    rv_decode_run(h, PAGE_OF(e, SLOT(PC)), SLOT(PC));
    icount += AUX->run;
    DISPATCH;
L_PAGE_END: /* fell off the end of the page */
    pc = PC;
    goto fetch;
L_STRADDLE: /* 4-byte instruction across the page end: run its (cached) decode alone */
    pc = PC;
    {
        const struct rv_insn *s = rv_straddle(h, PAGE_OF(e, RV_SLOTS - 1), pc);
        if (unlikely(!s)) goto mem_fault;
        e = s;
    }
    pcb = pc - ((uintptr_t)e >> 3);
    DISPATCH;

    BOTH(LUI);
L_AUIPC:
    RD = PC + (uint64_t)IMM;
    NEXT;
    BOTH(JAL);
    BOTH(JALR);
    BOTH(BEQ);
    BOTH(BNE);
L_BLT:
    BRANCH((int64_t)RS1 < (int64_t)RS2, 2);
L_BGE:
    BRANCH((int64_t)RS1 >= (int64_t)RS2, 2);
L_BLTU:
    BRANCH(RS1 < RS2, 2);
L_BGEU:
    BRANCH(RS1 >= RS2, 2);

L_LB:
    LOAD_TO(RD, int8_t, RS1 + IMM);
    NEXT;
L_LH:
    LOAD_TO(RD, int16_t, RS1 + IMM);
    NEXT;
    BOTH(LW);
    BOTH(LD);
L_LBU:
    LOAD_TO(RD, uint8_t, RS1 + IMM);
    NEXT;
L_LHU:
    LOAD_TO(RD, uint16_t, RS1 + IMM);
    NEXT;
L_LWU:
    LOAD_TO(RD, uint32_t, RS1 + IMM);
    NEXT;
L_SB:
    STORE(uint8_t, RS1 + IMM, RS2);
    NEXT;
L_SH:
    STORE(uint16_t, RS1 + IMM, RS2);
    NEXT;
    BOTH(SW);
    BOTH(SD);

    BOTH(ADDI);
L_SLTI:
    RD = (int64_t)RS1 < IMM;
    NEXT;
L_SLTIU:
    RD = RS1 < (uint64_t)IMM;
    NEXT;
L_XORI:
    RD = RS1 ^ (uint64_t)IMM;
    NEXT;
L_ORI:
    RD = RS1 | (uint64_t)IMM;
    NEXT;
    BOTH(ANDI);
    BOTH(SLLI);
    BOTH(SRLI);
    BOTH(SRAI);
    BOTH(ADD);
    BOTH(SUB);
L_SLL:
    RD = RS1 << (RS2 & 63);
    NEXT;
L_SLT:
    RD = (int64_t)RS1 < (int64_t)RS2;
    NEXT;
L_SLTU:
    RD = RS1 < RS2;
    NEXT;
    BOTH(XOR);
L_SRL:
    RD = RS1 >> (RS2 & 63);
    NEXT;
L_SRA:
    RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63));
    NEXT;
    BOTH(OR);
    BOTH(AND);
    BOTH(ADDIW);
L_SLLIW:
    RD = SX32((uint32_t)RS1 << e->imm);
    NEXT;
L_SRLIW:
    RD = SX32((uint32_t)RS1 >> e->imm);
    NEXT;
L_SRAIW:
    RD = SX32((int32_t)RS1 >> e->imm);
    NEXT;
    BOTH(ADDW);
    BOTH(SUBW);
L_SLLW:
    RD = SX32((uint32_t)RS1 << (RS2 & 31));
    NEXT;
L_SRLW:
    RD = SX32((uint32_t)RS1 >> (RS2 & 31));
    NEXT;
L_SRAW:
    RD = SX32((int32_t)RS1 >> (RS2 & 31));
    NEXT;

    RV_FUSED(FUSE)

L_FENCE:
    NEXT;
L_FENCE_I: /* drop every decoded page, then re-fetch the next instruction */
    rv_drop_all_code(h);
    goto code_changed;
L_ECALL:
    pc = PC + AUX->len * 2u;
    icount -= AUX->run - 1u;
    stop = RV_STOP_ECALL;
    goto out;
L_EBREAK:
    pc = PC;
    icount -= AUX->run;
    stop = RV_STOP_EBREAK;
    goto out;
L_CSR : {
    uint64_t old;
    h->instret = icount - AUX->run;
    if (rv_csr(h, (uint32_t)e->imm, e->rs1, (e->imm >> 12) & 4 ? e->rs1 : RS1, &old))
        goto illegal_insn;
    RD = old;
    NEXT;
}
L_CBO: /* retired; the kernel decides what a cache operation means for that memory */
    if (rv_cbo(h, RS1)) goto mem_fault;
    h->fault = (struct rv_fault){.addr = RS1, .access = RV_ACCESS_WRITE, .insn = (uint32_t)e->imm};
    pc = PC + AUX->len * 2u;
    icount -= AUX->run - 1u;
    stop = RV_STOP_CBO;
    goto out;

L_MUL:
    RD = RS1 * RS2;
    NEXT;
L_MULH:
    RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)(int64_t)RS2) >> 64);
    NEXT;
L_MULHSU:
    RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)RS2) >> 64);
    NEXT;
L_MULHU:
    RD = (uint64_t)(((unsigned __int128)RS1 * RS2) >> 64);
    NEXT;
L_DIV : {
    int64_t a = (int64_t)RS1, b = (int64_t)RS2;
    RD = b == 0 ? UINT64_MAX : (a == INT64_MIN && b == -1) ? (uint64_t)a : (uint64_t)(a / b);
    NEXT;
}
L_DIVU:
    RD = RS2 == 0 ? UINT64_MAX : RS1 / RS2;
    NEXT;
L_REM : {
    int64_t a = (int64_t)RS1, b = (int64_t)RS2;
    RD = b == 0 ? (uint64_t)a : (a == INT64_MIN && b == -1) ? 0 : (uint64_t)(a % b);
    NEXT;
}
L_REMU:
    RD = RS2 == 0 ? RS1 : RS1 % RS2;
    NEXT;
L_MULW:
    RD = SX32(RS1 * RS2);
    NEXT;
L_DIVW : {
    int32_t a = (int32_t)RS1, b = (int32_t)RS2;
    RD = b == 0 ? UINT64_MAX : (a == INT32_MIN && b == -1) ? SX32(a) : SX32(a / b);
    NEXT;
}
L_DIVUW : {
    uint32_t a = (uint32_t)RS1, b = (uint32_t)RS2;
    RD = b == 0 ? UINT64_MAX : SX32(a / b);
    NEXT;
}
L_REMW : {
    int32_t a = (int32_t)RS1, b = (int32_t)RS2;
    RD = b == 0 ? SX32(a) : (a == INT32_MIN && b == -1) ? 0 : SX32(a % b);
    NEXT;
}
L_REMUW : {
    uint32_t a = (uint32_t)RS1, b = (uint32_t)RS2;
    RD = b == 0 ? SX32(a) : SX32(a % b);
    NEXT;
}

    /* Zba: address generation. */
L_SH1ADD:
    RD = (RS1 << 1) + RS2;
    NEXT;
L_SH2ADD:
    RD = (RS1 << 2) + RS2;
    NEXT;
L_SH3ADD:
    RD = (RS1 << 3) + RS2;
    NEXT;
L_ADD_UW:
    RD = (uint64_t)(uint32_t)RS1 + RS2;
    NEXT;
L_SH1ADD_UW:
    RD = ((uint64_t)(uint32_t)RS1 << 1) + RS2;
    NEXT;
L_SH2ADD_UW:
    RD = ((uint64_t)(uint32_t)RS1 << 2) + RS2;
    NEXT;
L_SH3ADD_UW:
    RD = ((uint64_t)(uint32_t)RS1 << 3) + RS2;
    NEXT;
L_SLLI_UW:
    RD = (uint64_t)(uint32_t)RS1 << e->imm;
    NEXT;

    /* Zbb: basic bit manipulation. */
L_ANDN:
    RD = RS1 & ~RS2;
    NEXT;
L_ORN:
    RD = RS1 | ~RS2;
    NEXT;
L_XNOR:
    RD = ~(RS1 ^ RS2);
    NEXT;
L_CLZ:
    RD = RS1 ? (uint64_t)__builtin_clzll(RS1) : 64;
    NEXT;
L_CTZ:
    RD = RS1 ? (uint64_t)__builtin_ctzll(RS1) : 64;
    NEXT;
L_CPOP:
    RD = (uint64_t)__builtin_popcountll(RS1);
    NEXT;
L_CLZW:
    RD = (uint32_t)RS1 ? (uint64_t)__builtin_clz((uint32_t)RS1) : 32;
    NEXT;
L_CTZW:
    RD = (uint32_t)RS1 ? (uint64_t)__builtin_ctz((uint32_t)RS1) : 32;
    NEXT;
L_CPOPW:
    RD = (uint64_t)__builtin_popcount((uint32_t)RS1);
    NEXT;
L_MAX:
    RD = (int64_t)RS1 > (int64_t)RS2 ? RS1 : RS2;
    NEXT;
L_MAXU:
    RD = RS1 > RS2 ? RS1 : RS2;
    NEXT;
L_MIN:
    RD = (int64_t)RS1 < (int64_t)RS2 ? RS1 : RS2;
    NEXT;
L_MINU:
    RD = RS1 < RS2 ? RS1 : RS2;
    NEXT;
L_SEXT_B:
    RD = (uint64_t)(int64_t)(int8_t)RS1;
    NEXT;
L_SEXT_H:
    RD = (uint64_t)(int64_t)(int16_t)RS1;
    NEXT;
L_ZEXT_H:
    RD = (uint16_t)RS1;
    NEXT;
L_ROL:
    RD = ROTL64(RS1, RS2 & 63);
    NEXT;
L_ROR:
    RD = ROTL64(RS1, (64 - (RS2 & 63)) & 63);
    NEXT;
L_RORI:
    RD = ROTL64(RS1, (64 - (unsigned)e->imm) & 63);
    NEXT;
L_ROLW:
    RD = SX32(ROTL32((uint32_t)RS1, RS2 & 31));
    NEXT;
L_RORW:
    RD = SX32(ROTL32((uint32_t)RS1, (32 - (RS2 & 31)) & 31));
    NEXT;
L_RORIW:
    RD = SX32(ROTL32((uint32_t)RS1, (32 - (unsigned)e->imm) & 31));
    NEXT;
L_ORC_B : {
    /* A byte's high bit, or any of its other bits, moved up; then spread. */
    uint64_t v = RS1, lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t any = (((v & lo7) + lo7) | v) & ~lo7;
    RD = (any >> 7) * 0xff;
    NEXT;
}
L_REV8:
    RD = __builtin_bswap64(RS1);
    NEXT;

    /* Zbs: single-bit operations. */
L_BCLR:
    RD = RS1 & ~(1ull << (RS2 & 63));
    NEXT;
L_BCLRI:
    RD = RS1 & ~(1ull << e->imm);
    NEXT;
L_BEXT:
    RD = (RS1 >> (RS2 & 63)) & 1;
    NEXT;
L_BEXTI:
    RD = (RS1 >> e->imm) & 1;
    NEXT;
L_BINV:
    RD = RS1 ^ (1ull << (RS2 & 63));
    NEXT;
L_BINVI:
    RD = RS1 ^ (1ull << e->imm);
    NEXT;
L_BSET:
    RD = RS1 | (1ull << (RS2 & 63));
    NEXT;
L_BSETI:
    RD = RS1 | (1ull << e->imm);
    NEXT;

    /* Zicond: conditional zero. */
L_CZERO_EQZ:
    RD = RS2 ? RS1 : 0;
    NEXT;
L_CZERO_NEZ:
    RD = RS2 ? 0 : RS1;
    NEXT;

L_LR_W:
    ATOMIC(RV_OP_LR_W);
L_SC_W:
    ATOMIC(RV_OP_SC_W);
L_AMO_W:
    ATOMIC(RV_OP_AMO_W);
L_LR_D:
    ATOMIC(RV_OP_LR_D);
L_SC_D:
    ATOMIC(RV_OP_SC_D);
L_AMO_D:
    ATOMIC(RV_OP_AMO_D);

L_FLW : {
    uint64_t v;
    LOAD_TO(v, uint32_t, RS1 + IMM);
    FD = BOX32(v);
    NEXT;
}
    BOTH(FLD);
L_FSW:
    STORE(uint32_t, RS1 + IMM, FS2);
    NEXT;
    BOTH(FSD);

L_FMADD_S:
    FMA(rv_fpu_madd_s);
L_FMSUB_S:
    FMA(rv_fpu_msub_s);
L_FNMSUB_S:
    FMA(rv_fpu_nmsub_s);
L_FNMADD_S:
    FMA(rv_fpu_nmadd_s);
L_FMADD_D:
    FMA(rv_fpu_madd_d);
L_FMSUB_D:
    FMA(rv_fpu_msub_d);
L_FNMSUB_D:
    FMA(rv_fpu_nmsub_d);
L_FNMADD_D:
    FMA(rv_fpu_nmadd_d);

L_FADD_S:
    FBIN(rv_fpu_add_s);
L_FSUB_S:
    FBIN(rv_fpu_sub_s);
L_FMUL_S:
    FBIN(rv_fpu_mul_s);
L_FDIV_S:
    FBIN(rv_fpu_div_s);
L_FSQRT_S:
    FUN_RM(FD, rv_fpu_sqrt_s, FS1);
L_FSGNJ_S:
    FD = rv_fpu_sgnj_s(FS1, FS2);
    NEXT;
L_FSGNJN_S:
    FD = rv_fpu_sgnjn_s(FS1, FS2);
    NEXT;
L_FSGNJX_S:
    FD = rv_fpu_sgnjx_s(FS1, FS2);
    NEXT;
L_FMIN_S:
    FD = rv_fpu_min_s(FS1, FS2, FFLAGS);
    NEXT;
L_FMAX_S:
    FD = rv_fpu_max_s(FS1, FS2, FFLAGS);
    NEXT;
L_FEQ_S:
    RD = rv_fpu_eq_s(FS1, FS2, FFLAGS);
    NEXT;
L_FLT_S:
    RD = rv_fpu_lt_s(FS1, FS2, FFLAGS);
    NEXT;
L_FLE_S:
    RD = rv_fpu_le_s(FS1, FS2, FFLAGS);
    NEXT;
L_FCLASS_S:
    RD = rv_fpu_class_s(FS1);
    NEXT;
L_FMV_X_W:
    RD = SX32(FS1);
    NEXT;
L_FMV_W_X:
    FD = BOX32(RS1);
    NEXT;
L_FCVT_W_S:
    FUN_RM(RD, rv_fpu_cvt_w_s, FS1);
L_FCVT_WU_S:
    FUN_RM(RD, rv_fpu_cvt_wu_s, FS1);
L_FCVT_L_S:
    FUN_RM(RD, rv_fpu_cvt_l_s, FS1);
L_FCVT_LU_S:
    FUN_RM(RD, rv_fpu_cvt_lu_s, FS1);
L_FCVT_S_W:
    FUN_RM(FD, rv_fpu_cvt_s_w, RS1);
L_FCVT_S_WU:
    FUN_RM(FD, rv_fpu_cvt_s_wu, RS1);
L_FCVT_S_L:
    FUN_RM(FD, rv_fpu_cvt_s_l, RS1);
L_FCVT_S_LU:
    FUN_RM(FD, rv_fpu_cvt_s_lu, RS1);

L_FADD_D:
    FBIN(rv_fpu_add_d);
L_FSUB_D:
    FBIN(rv_fpu_sub_d);
L_FMUL_D:
    FBIN(rv_fpu_mul_d);
L_FDIV_D:
    FBIN(rv_fpu_div_d);
L_FSQRT_D:
    FUN_RM(FD, rv_fpu_sqrt_d, FS1);
L_FSGNJ_D:
    FD = rv_fpu_sgnj_d(FS1, FS2);
    NEXT;
L_FSGNJN_D:
    FD = rv_fpu_sgnjn_d(FS1, FS2);
    NEXT;
L_FSGNJX_D:
    FD = rv_fpu_sgnjx_d(FS1, FS2);
    NEXT;
L_FMIN_D:
    FD = rv_fpu_min_d(FS1, FS2, FFLAGS);
    NEXT;
L_FMAX_D:
    FD = rv_fpu_max_d(FS1, FS2, FFLAGS);
    NEXT;
L_FEQ_D:
    RD = rv_fpu_eq_d(FS1, FS2, FFLAGS);
    NEXT;
L_FLT_D:
    RD = rv_fpu_lt_d(FS1, FS2, FFLAGS);
    NEXT;
L_FLE_D:
    RD = rv_fpu_le_d(FS1, FS2, FFLAGS);
    NEXT;
L_FCLASS_D:
    RD = rv_fpu_class_d(FS1);
    NEXT;
L_FMV_X_D:
    RD = FS1;
    NEXT;
L_FMV_D_X:
    FD = RS1;
    NEXT;
L_FCVT_W_D:
    FUN_RM(RD, rv_fpu_cvt_w_d, FS1);
L_FCVT_WU_D:
    FUN_RM(RD, rv_fpu_cvt_wu_d, FS1);
L_FCVT_L_D:
    FUN_RM(RD, rv_fpu_cvt_l_d, FS1);
L_FCVT_LU_D:
    FUN_RM(RD, rv_fpu_cvt_lu_d, FS1);
L_FCVT_D_W:
    FUN_RM(FD, rv_fpu_cvt_d_w, RS1);
L_FCVT_D_WU:
    FUN_RM(FD, rv_fpu_cvt_d_wu, RS1);
L_FCVT_D_L:
    FUN_RM(FD, rv_fpu_cvt_d_l, RS1);
L_FCVT_D_LU:
    FUN_RM(FD, rv_fpu_cvt_d_lu, RS1);
L_FCVT_S_D:
    FUN_RM(FD, rv_fpu_cvt_s_d, FS1);
L_FCVT_D_S:
    FUN_RM(FD, rv_fpu_cvt_d_s, FS1);

    /* ---- block entry from an arbitrary pc, and the exits ---------------- */
fetch : {
    /* Cross-page branches, jal and falling off a page end come here: try the
     * fetch TLB before the translate hook. */
    const struct rv_ftlb *ft = &h->ftlb[(pc >> RV_PAGE_SHIFT) & (RV_FTLB_SIZE - 1)];
    struct rv_dpage *p = ft->vpage == pc >> RV_PAGE_SHIFT ? ft->page : rv_fetch_page(h, pc);
    if (unlikely(!p)) goto stop_fault;
    e = &p->e[(pc & (RV_PAGE_SIZE - 1)) >> 1];
    pcb = (pc & ~(RV_PAGE_SIZE - 1)) - ((uintptr_t)p->e >> 3);
    ENTER;
}
code_changed: /* e retired but its page (or all code) may be gone: re-fetch */
    pc = PC + AUX->len * 2u;
    icount -= AUX->run - 1u;
    goto fetch;
mem_fault: /* h->fault is filled; e did not retire */
    pc = PC;
    icount -= AUX->run;
    goto stop_fault;
illegal_insn:
    pc = PC;
    icount -= AUX->run;
    h->fault = (struct rv_fault){.addr = pc, .access = RV_ACCESS_EXEC, .err = 0};
    h->fault.insn = AUX->op == RV_OP_ILLEGAL ? (uint32_t)e->imm : rv_insn_bits(h, pc);
    stop = RV_STOP_ILLEGAL;
    goto out;
stop_budget:
    /* LR/SC forward progress: the kernel drops the reservation at a context
     * switch, so a budget that ends between an LR and its SC would fail that
     * SC on every turn (a livelock when the budget is shorter than the loop).
     * While a reservation is held, go on a bounded number of instructions
     * (RV_LRSC_GRACE: a constrained loop reaches its SC within 16), block by
     * block; the SC ends the reservation and the next block boundary stops.
     * A stop request (the job ends) is not delayed. */
    if (h->resv_valid && !__atomic_load_n(&h->stop_req, __ATOMIC_RELAXED)) {
        if (!grace_end) grace_end = icount + RV_LRSC_GRACE;
        if (icount < grace_end) {
            icount += AUX->run;
            DISPATCH;
        }
    }
    __atomic_store_n(&h->stop_req, 0, __ATOMIC_SEQ_CST);
    pc = PC;
    stop = RV_STOP_BUDGET;
    goto out;
stop_fault:
    stop = RV_STOP_FAULT;
out:
    h->instret = icount;
    h->st.pc = pc;
    if (fault && (stop == RV_STOP_FAULT || stop == RV_STOP_ILLEGAL || stop == RV_STOP_CBO))
        *fault = h->fault;
    return stop;
}
