/*
 * memop.c — the hart's side of memory that is not in host memory: when the
 * translate hook refuses an access with a code of its own (global memory that
 * must travel over the network, design §5), rv_run stops at the instruction
 * with nothing retired. rv_memop_at_pc says what that instruction wants
 * (address, width, kind, store data or AMO operand); the kernel gets the value
 * elsewhere, and rv_memop_finish retires the instruction exactly once with it:
 * the destination register written as the instruction would have written it
 * (sign or zero extension, NaN-boxing for flw), the pc advanced, instret + 1.
 *
 * Why here: only node/ knows instruction encodings; the kernel stays out of
 * the decoder and the interpreter stays out of the network.
 */
#include <errno.h>
#include <string.h>

#include "node/decode.h"
#include "node/hart_impl.h"

/* What a load op does with the bytes it reads (a switch, not a table scan:
 * every global access of a process comes through here). */
static int load_shape(unsigned op, struct rv_memop *m)
{
    unsigned width, sext = 1, fp = 0;
    switch (op) {
    case RV_OP_LB: width = 1; break;
    case RV_OP_LH: width = 2; break;
    case RV_OP_LW: width = 4; break;
    case RV_OP_LD: width = 8; break;
    case RV_OP_LBU: width = 1, sext = 0; break;
    case RV_OP_LHU: width = 2, sext = 0; break;
    case RV_OP_LWU: width = 4, sext = 0; break;
    case RV_OP_FLW: width = 4, sext = 0, fp = 1; break;
    case RV_OP_FLD: width = 8, sext = 0, fp = 1; break;
    default: return 0;
    }
    m->kind = RV_MEMOP_LOAD;
    m->width = (uint8_t)width;
    m->sext = (uint8_t)sext;
    m->fp = (uint8_t)fp;
    return 1;
}

static int store_shape(unsigned op, struct rv_memop *m)
{
    unsigned width, fp = 0;
    switch (op) {
    case RV_OP_SB: width = 1; break;
    case RV_OP_SH: width = 2; break;
    case RV_OP_SW: width = 4; break;
    case RV_OP_SD: width = 8; break;
    case RV_OP_FSW: width = 4, fp = 1; break;
    case RV_OP_FSD: width = 8, fp = 1; break;
    default: return 0;
    }
    m->kind = RV_MEMOP_STORE;
    m->width = (uint8_t)width;
    m->fp = (uint8_t)fp;
    return 1;
}

static int atomic_shape(unsigned op, int32_t funct5, struct rv_memop *m)
{
    switch (op) {
    case RV_OP_LR_W:
    case RV_OP_LR_D: m->kind = RV_MEMOP_LR; break;
    case RV_OP_SC_W:
    case RV_OP_SC_D: m->kind = RV_MEMOP_SC; break;
    case RV_OP_AMO_W:
    case RV_OP_AMO_D:
        m->kind = RV_MEMOP_AMO;
        m->amo = (uint8_t)funct5;
        break;
    default: return 0;
    }
    m->width = (op == RV_OP_LR_W || op == RV_OP_SC_W || op == RV_OP_AMO_W) ? 4 : 8;
    m->sext = 1;
    return 1;
}

int rv_memop_at_pc(rv_hart *h, struct rv_memop *m)
{
    const struct rv_state *st = &h->st;
    memset(m, 0, sizeof *m);
    uint32_t bits = rv_insn_bits(h, st->pc);
    if (!bits) return -EFAULT;
    struct rv_decoded d;
    rv_decode(bits, &d);
    m->len = d.len;
    m->rd = d.rd == RV_SINK ? 0 : d.rd;
    if (load_shape(d.op, m)) {
        m->addr = st->x[d.rs1] + (uint64_t)(int64_t)d.imm;
        if (m->fp) m->rd = d.rd; /* f registers: f0 is a real register */
        return 0;
    }
    if (store_shape(d.op, m)) {
        m->addr = st->x[d.rs1] + (uint64_t)(int64_t)d.imm;
        m->val = m->fp ? st->f[d.rs2] : st->x[d.rs2];
        if (m->width < 8) m->val &= (1ull << (8 * m->width)) - 1;
        return 0;
    }
    if (atomic_shape(d.op, d.imm, m)) {
        m->addr = st->x[d.rs1];
        m->val = st->x[d.rs2];
        if (m->width == 4) m->val = (uint64_t)(int64_t)(int32_t)m->val;
        return 0;
    }
    return -EINVAL;
}

/* The register value a load of m's shape produces from the bytes in `value`. */
static uint64_t load_result(const struct rv_memop *m, uint64_t value)
{
    if (m->width == 8) return value;
    unsigned bits = 8 * m->width;
    uint64_t v = value & ((1ull << bits) - 1);
    if (m->fp) return v | ~((1ull << bits) - 1); /* flw: NaN-boxed */
    if (m->sext && (v >> (bits - 1))) v |= ~((1ull << bits) - 1);
    return v;
}

void rv_memop_finish(rv_hart *h, const struct rv_memop *m, uint64_t value)
{
    struct rv_state *st = &h->st;
    if (m->kind != RV_MEMOP_STORE) {
        uint64_t r = load_result(m, value);
        if (m->fp)
            st->f[m->rd] = r;
        else if (m->rd)
            st->x[m->rd] = r;
    }
    st->pc += m->len;
    h->instret++;
}
