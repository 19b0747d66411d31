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

/* What a load op does with the bytes it reads. */
static int load_shape(unsigned op, struct rv_memop *m)
{
    static const struct {
        uint16_t op;
        uint8_t width, sext, fp;
    } loads[] = {
        {RV_OP_LB, 1, 1, 0},  {RV_OP_LH, 2, 1, 0},  {RV_OP_LW, 4, 1, 0},
        {RV_OP_LD, 8, 1, 0},  {RV_OP_LBU, 1, 0, 0}, {RV_OP_LHU, 2, 0, 0},
        {RV_OP_LWU, 4, 0, 0}, {RV_OP_FLW, 4, 0, 1}, {RV_OP_FLD, 8, 0, 1},
    };
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        if (loads[i].op != op) continue;
        m->kind = RV_MEMOP_LOAD;
        m->width = loads[i].width;
        m->sext = loads[i].sext;
        m->fp = loads[i].fp;
        return 1;
    }
    return 0;
}

static int store_shape(unsigned op, struct rv_memop *m)
{
    static const struct {
        uint16_t op;
        uint8_t width, fp;
    } stores[] = {
        {RV_OP_SB, 1, 0}, {RV_OP_SH, 2, 0},  {RV_OP_SW, 4, 0},
        {RV_OP_SD, 8, 0}, {RV_OP_FSW, 4, 1}, {RV_OP_FSD, 8, 1},
    };
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        if (stores[i].op != op) continue;
        m->kind = RV_MEMOP_STORE;
        m->width = stores[i].width;
        m->fp = stores[i].fp;
        return 1;
    }
    return 0;
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
