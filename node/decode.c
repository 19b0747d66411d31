/*
 * decode.c — RV64GC instruction decoder, with Zba, Zbb, Zbs and Zicond: one
 * 32-bit or 16-bit instruction to an operation and its fields (see decode.h
 * for the conventions). It is run once per instruction slot when a code page
 * is pre-decoded, never on the hot path, so it favours plain, checkable code
 * over speed. Compressed instructions are
 * expanded here to their base operation, so the interpreter has no C handlers.
 */
#include "node/decode.h"

#include <stddef.h>

static const char *const op_names[] = {
#define RV_OP_NAME(name) #name,
    RV_OPS(RV_OP_NAME)
#undef RV_OP_NAME
};

const char *rv_op_name(unsigned op)
{
    return op < RV_OP_COUNT ? op_names[op] : "?";
}

int rv_op_is_jump(unsigned op)
{
    return (op >= RV_OP_JAL && op <= RV_OP_BGEU);
}

/* Bits [hi:lo] of x, shifted down. */
static inline uint32_t bits(uint32_t x, int hi, int lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* Sign-extend the low `n` bits of x. */
static inline int32_t sext(uint32_t x, int n)
{
    return (int32_t)(x << (32 - n)) >> (32 - n);
}

static void set(struct rv_decoded *d, unsigned op, unsigned rd, unsigned rs1, unsigned rs2,
                int32_t imm)
{
    d->op = (uint16_t)op;
    d->rd = (uint8_t)rd;
    d->rs1 = (uint8_t)rs1;
    d->rs2 = (uint8_t)rs2;
    d->imm = imm;
}

/* An operation writing x[rd]: x0 becomes the sink slot. */
static void set_x(struct rv_decoded *d, unsigned op, unsigned rd, unsigned rs1, unsigned rs2,
                  int32_t imm)
{
    set(d, op, rd ? rd : RV_SINK, rs1, rs2, imm);
}

static void illegal(struct rv_decoded *d, uint32_t insn)
{
    set(d, RV_OP_ILLEGAL, RV_SINK, 0, 0, (int32_t)insn);
}

/* ---- 32-bit instructions ------------------------------------------------- */

static int32_t imm_i(uint32_t i)
{
    return (int32_t)i >> 20;
}
static int32_t imm_s(uint32_t i)
{
    return sext((bits(i, 31, 25) << 5) | bits(i, 11, 7), 12);
}
static int32_t imm_b(uint32_t i)
{
    uint32_t v = (bits(i, 31, 31) << 12) | (bits(i, 7, 7) << 11) | (bits(i, 30, 25) << 5) |
                 (bits(i, 11, 8) << 1);
    return sext(v, 13);
}
static int32_t imm_j(uint32_t i)
{
    uint32_t v = (bits(i, 31, 31) << 20) | (bits(i, 19, 12) << 12) | (bits(i, 20, 20) << 11) |
                 (bits(i, 30, 21) << 1);
    return sext(v, 21);
}

static void dec_load(uint32_t i, struct rv_decoded *d)
{
    static const uint16_t ops[8] = {RV_OP_LB,  RV_OP_LH,  RV_OP_LW,  RV_OP_LD,
                                    RV_OP_LBU, RV_OP_LHU, RV_OP_LWU, RV_OP_ILLEGAL};
    unsigned f3 = bits(i, 14, 12);
    if (f3 == 7) return illegal(d, i);
    set_x(d, ops[f3], bits(i, 11, 7), bits(i, 19, 15), 0, imm_i(i));
}

static void dec_store(uint32_t i, struct rv_decoded *d)
{
    static const uint16_t ops[4] = {RV_OP_SB, RV_OP_SH, RV_OP_SW, RV_OP_SD};
    unsigned f3 = bits(i, 14, 12);
    if (f3 > 3) return illegal(d, i);
    set(d, ops[f3], RV_SINK, bits(i, 19, 15), bits(i, 24, 20), imm_s(i));
}

static void dec_branch(uint32_t i, struct rv_decoded *d)
{
    static const uint16_t ops[8] = {RV_OP_BEQ, RV_OP_BNE, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
                                    RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU,    RV_OP_BGEU};
    unsigned op = ops[bits(i, 14, 12)];
    if (op == RV_OP_ILLEGAL) return illegal(d, i);
    set(d, op, RV_SINK, bits(i, 19, 15), bits(i, 24, 20), imm_b(i));
}

/* OP-IMM funct3 1 and 5: the shifts by immediate, and the Zbb/Zbs forms that
 * share their encoding space (funct6 above a 6-bit shamt, or a whole imm12). */
static unsigned op_imm_shift(uint32_t i)
{
    unsigned f3 = bits(i, 14, 12), f6 = bits(i, 31, 26), imm12 = bits(i, 31, 20);
    if (f3 == 1) {
        switch (f6) {
        case 0x00: return RV_OP_SLLI;
        case 0x0a: return RV_OP_BSETI;
        case 0x12: return RV_OP_BCLRI;
        case 0x1a: return RV_OP_BINVI;
        }
        switch (imm12) { /* clz a0, a1 is 0x60059513 */
        case 0x600: return RV_OP_CLZ;
        case 0x601: return RV_OP_CTZ;
        case 0x602: return RV_OP_CPOP;
        case 0x604: return RV_OP_SEXT_B;
        case 0x605: return RV_OP_SEXT_H;
        }
        return RV_OP_ILLEGAL;
    }
    switch (f6) {
    case 0x00: return RV_OP_SRLI;
    case 0x10: return RV_OP_SRAI;
    case 0x12: return RV_OP_BEXTI;
    case 0x18: return RV_OP_RORI;
    }
    if (imm12 == 0x287) return RV_OP_ORC_B;
    if (imm12 == 0x6b8) return RV_OP_REV8;
    return RV_OP_ILLEGAL;
}

static void dec_op_imm(uint32_t i, struct rv_decoded *d)
{
    static const uint16_t ops[8] = {RV_OP_ADDI, RV_OP_SLLI, RV_OP_SLTI, RV_OP_SLTIU,
                                    RV_OP_XORI, RV_OP_SRLI, RV_OP_ORI,  RV_OP_ANDI};
    unsigned f3 = bits(i, 14, 12), op = ops[f3];
    int32_t imm = imm_i(i);
    if (f3 == 1 || f3 == 5) {
        op = op_imm_shift(i);
        if (op == RV_OP_ILLEGAL) return illegal(d, i);
        imm = (int32_t)bits(i, 25, 20);
    }
    set_x(d, op, bits(i, 11, 7), bits(i, 19, 15), 0, imm);
}

static void dec_op_imm32(uint32_t i, struct rv_decoded *d)
{
    unsigned f3 = bits(i, 14, 12), f7 = bits(i, 31, 25), op;
    int32_t imm = (int32_t)bits(i, 24, 20);
    if (f3 == 0) {
        op = RV_OP_ADDIW;
        imm = imm_i(i);
    } else if (f3 == 1 && f7 == 0) {
        op = RV_OP_SLLIW;
    } else if (f3 == 1 && bits(i, 31, 26) == 0x02) { /* slli.uw: a 6-bit shamt */
        op = RV_OP_SLLI_UW;
        imm = (int32_t)bits(i, 25, 20);
    } else if (f3 == 1 && f7 == 0x30 && imm <= 2) {
        op = RV_OP_CLZW + (unsigned)imm; /* clzw, ctzw, cpopw */
    } else if (f3 == 5 && f7 == 0) {
        op = RV_OP_SRLIW;
    } else if (f3 == 5 && f7 == 0x20) {
        op = RV_OP_SRAIW;
    } else if (f3 == 5 && f7 == 0x30) {
        op = RV_OP_RORIW;
    } else {
        return illegal(d, i);
    }
    set_x(d, op, bits(i, 11, 7), bits(i, 19, 15), 0, imm);
}

/* OP and OP-32 by funct7, then funct3: base, M, Zba, Zbb, Zbs, Zicond. */
static void dec_op(uint32_t i, struct rv_decoded *d)
{
    enum { I = RV_OP_ILLEGAL };
    static const uint16_t base[8] = {RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
                                     RV_OP_XOR, RV_OP_SRL, RV_OP_OR,  RV_OP_AND};
    static const uint16_t mul[8] = {RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
                                    RV_OP_DIV, RV_OP_DIVU, RV_OP_REM,    RV_OP_REMU};
    static const uint16_t f20[8] = {RV_OP_SUB,  I,         I,         I,
                                    RV_OP_XNOR, RV_OP_SRA, RV_OP_ORN, RV_OP_ANDN};
    static const uint16_t f05[8] = {I, I, I, I, RV_OP_MIN, RV_OP_MINU, RV_OP_MAX, RV_OP_MAXU};
    static const uint16_t f10[8] = {I, I, RV_OP_SH1ADD, I, RV_OP_SH2ADD, I, RV_OP_SH3ADD, I};
    static const uint16_t f30[8] = {I, RV_OP_ROL, I, I, I, RV_OP_ROR, I, I};
    static const uint16_t f24[8] = {I, RV_OP_BCLR, I, I, I, RV_OP_BEXT, I, I};
    static const uint16_t f34[8] = {I, RV_OP_BINV, I, I, I, I, I, I};
    static const uint16_t f14[8] = {I, RV_OP_BSET, I, I, I, I, I, I};
    static const uint16_t f07[8] = {I, I, I, I, I, RV_OP_CZERO_EQZ, I, RV_OP_CZERO_NEZ};
    unsigned f3 = bits(i, 14, 12), op;
    switch (bits(i, 31, 25)) {
    case 0x00: op = base[f3]; break;
    case 0x01: op = mul[f3]; break;
    case 0x20: op = f20[f3]; break;
    case 0x05: op = f05[f3]; break;
    case 0x10: op = f10[f3]; break;
    case 0x30: op = f30[f3]; break;
    case 0x24: op = f24[f3]; break;
    case 0x34: op = f34[f3]; break;
    case 0x14: op = f14[f3]; break;
    case 0x07: op = f07[f3]; break;
    default: op = I;
    }
    if (op == I) return illegal(d, i);
    set_x(d, op, bits(i, 11, 7), bits(i, 19, 15), bits(i, 24, 20), 0);
}

static void dec_op32(uint32_t i, struct rv_decoded *d)
{
    enum { I = RV_OP_ILLEGAL };
    static const uint16_t base[8] = {RV_OP_ADDW, RV_OP_SLLW, I, I, I, RV_OP_SRLW, I, I};
    static const uint16_t mul[8] = {RV_OP_MULW, I,           I,          I,
                                    RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW};
    static const uint16_t f20[8] = {RV_OP_SUBW, I, I, I, I, RV_OP_SRAW, I, I};
    static const uint16_t f04[8] = {RV_OP_ADD_UW, I, I, I, RV_OP_ZEXT_H, I, I, I};
    static const uint16_t f10[8] = {I, I, RV_OP_SH1ADD_UW, I, RV_OP_SH2ADD_UW, I, RV_OP_SH3ADD_UW,
                                    I};
    static const uint16_t f30[8] = {I, RV_OP_ROLW, I, I, I, RV_OP_RORW, I, I};
    unsigned f3 = bits(i, 14, 12), rs2 = bits(i, 24, 20), op;
    switch (bits(i, 31, 25)) {
    case 0x00: op = base[f3]; break;
    case 0x01: op = mul[f3]; break;
    case 0x20: op = f20[f3]; break;
    case 0x04: op = f04[f3]; break;
    case 0x10: op = f10[f3]; break;
    case 0x30: op = f30[f3]; break;
    default: op = I;
    }
    if (op == RV_OP_ZEXT_H && rs2 != 0) op = I; /* the rest of RV64 `pack` is not Zbb */
    if (op == I) return illegal(d, i);
    set_x(d, op, bits(i, 11, 7), bits(i, 19, 15), rs2, 0);
}

static void dec_misc_mem(uint32_t i, struct rv_decoded *d)
{
    unsigned f3 = bits(i, 14, 12);
    int32_t imm = imm_i(i);
    if (f3 == 0) return set(d, RV_OP_FENCE, RV_SINK, 0, 0, 0);
    if (f3 == 1) return set(d, RV_OP_FENCE_I, RV_SINK, 0, 0, 0);
    if (f3 == 2 && bits(i, 11, 7) == 0 && imm >= RV_CBO_INVAL && imm <= RV_CBO_FLUSH)
        return set(d, RV_OP_CBO, RV_SINK, bits(i, 19, 15), 0, imm);
    illegal(d, i);
}

static void dec_system(uint32_t i, struct rv_decoded *d)
{
    unsigned f3 = bits(i, 14, 12);
    if (i == 0x00000073) return set(d, RV_OP_ECALL, RV_SINK, 0, 0, 0);
    if (i == 0x00100073) return set(d, RV_OP_EBREAK, RV_SINK, 0, 0, 0);
    if (f3 == 0 || f3 == 4) return illegal(d, i);
    set_x(d, RV_OP_CSR, bits(i, 11, 7), bits(i, 19, 15), 0, (int32_t)(bits(i, 31, 20) | f3 << 12));
}

static void dec_amo(uint32_t i, struct rv_decoded *d)
{
    unsigned f3 = bits(i, 14, 12), f5 = bits(i, 31, 27), rs2 = bits(i, 24, 20);
    int dbl = f3 == 3;
    if (f3 != 2 && f3 != 3) return illegal(d, i);
    switch (f5) {
    case 0x02:
        if (rs2 != 0) return illegal(d, i);
        return set_x(d, dbl ? RV_OP_LR_D : RV_OP_LR_W, bits(i, 11, 7), bits(i, 19, 15), 0, 0);
    case 0x03:
        return set_x(d, dbl ? RV_OP_SC_D : RV_OP_SC_W, bits(i, 11, 7), bits(i, 19, 15), rs2, 0);
    case 0x00:
    case 0x01:
    case 0x04:
    case 0x08:
    case 0x0c:
    case 0x10:
    case 0x14:
    case 0x18:
    case 0x1c:
        return set_x(d, dbl ? RV_OP_AMO_D : RV_OP_AMO_W, bits(i, 11, 7), bits(i, 19, 15), rs2,
                     (int32_t)f5);
    default: return illegal(d, i);
    }
}

static void dec_fp_ldst(uint32_t i, struct rv_decoded *d, int store)
{
    unsigned f3 = bits(i, 14, 12);
    if (f3 != 2 && f3 != 3) return illegal(d, i);
    if (store)
        set(d, f3 == 2 ? RV_OP_FSW : RV_OP_FSD, RV_SINK, bits(i, 19, 15), bits(i, 24, 20),
            imm_s(i));
    else
        set(d, f3 == 2 ? RV_OP_FLW : RV_OP_FLD, bits(i, 11, 7), bits(i, 19, 15), 0, imm_i(i));
}

static void dec_fma(uint32_t i, struct rv_decoded *d)
{
    unsigned fmt = bits(i, 26, 25), rm = bits(i, 14, 12);
    unsigned which = bits(i, 3, 2); /* 0 madd, 1 msub, 2 nmsub, 3 nmadd */
    if (fmt > 1 || rm == 5 || rm == 6) return illegal(d, i);
    set(d, (fmt ? RV_OP_FMADD_D : RV_OP_FMADD_S) + which, bits(i, 11, 7), bits(i, 19, 15),
        bits(i, 24, 20), (int32_t)rm);
    d->rs3 = (uint8_t)bits(i, 31, 27);
}

/* OP-FP: ops[] is indexed by the S form; the D form is at the same distance. */
static void dec_op_fp(uint32_t i, struct rv_decoded *d)
{
    unsigned f5 = bits(i, 31, 27), fmt = bits(i, 26, 25), rm = bits(i, 14, 12);
    unsigned rd = bits(i, 11, 7), rs1 = bits(i, 19, 15), rs2 = bits(i, 24, 20);
    int dbl = fmt == 1, xdest = 0, use_rm = 1;
    unsigned op = RV_OP_ILLEGAL;
    if (fmt > 1) return illegal(d, i);
    switch (f5) {
    case 0x00: op = RV_OP_FADD_S; break;
    case 0x01: op = RV_OP_FSUB_S; break;
    case 0x02: op = RV_OP_FMUL_S; break;
    case 0x03: op = RV_OP_FDIV_S; break;
    case 0x0b: op = rs2 == 0 ? RV_OP_FSQRT_S : RV_OP_ILLEGAL; break;
    case 0x04:
        use_rm = 0;
        op = rm <= 2 ? RV_OP_FSGNJ_S + rm : RV_OP_ILLEGAL;
        break;
    case 0x05:
        use_rm = 0;
        op = rm <= 1 ? RV_OP_FMIN_S + rm : RV_OP_ILLEGAL;
        break;
    case 0x08: /* fcvt.s.d (fmt S, rs2 1) / fcvt.d.s (fmt D, rs2 0) */
        if (rs2 != (dbl ? 0u : 1u)) return illegal(d, i);
        op = dbl ? RV_OP_FCVT_D_S : RV_OP_FCVT_S_D;
        dbl = 0;
        break;
    case 0x14:
        use_rm = 0, xdest = 1;
        op = rm == 2 ? RV_OP_FEQ_S : rm == 1 ? RV_OP_FLT_S : rm == 0 ? RV_OP_FLE_S : RV_OP_ILLEGAL;
        break;
    case 0x18:
        xdest = 1;
        op = rs2 <= 3 ? RV_OP_FCVT_W_S + rs2 : RV_OP_ILLEGAL;
        break;
    case 0x1a: op = rs2 <= 3 ? RV_OP_FCVT_S_W + rs2 : RV_OP_ILLEGAL; break;
    case 0x1c:
        use_rm = 0, xdest = 1;
        op = rs2 != 0  ? RV_OP_ILLEGAL
             : rm == 0 ? RV_OP_FMV_X_W
             : rm == 1 ? RV_OP_FCLASS_S
                       : RV_OP_ILLEGAL;
        break;
    case 0x1e:
        use_rm = 0;
        op = rs2 == 0 && rm == 0 ? RV_OP_FMV_W_X : RV_OP_ILLEGAL;
        break;
    }
    if (op == RV_OP_ILLEGAL || (use_rm && (rm == 5 || rm == 6))) return illegal(d, i);
    if (dbl) op += RV_OP_FADD_D - RV_OP_FADD_S;
    set(d, op, xdest && rd == 0 ? RV_SINK : rd, rs1, rs2, use_rm ? (int32_t)rm : 0);
}

static void decode32(uint32_t i, struct rv_decoded *d)
{
    unsigned rd = bits(i, 11, 7), rs1 = bits(i, 19, 15);
    d->len = 4;
    switch (i & 0x7f) {
    case 0x03: return dec_load(i, d);
    case 0x07: return dec_fp_ldst(i, d, 0);
    case 0x0f: return dec_misc_mem(i, d);
    case 0x13: return dec_op_imm(i, d);
    case 0x17: return set_x(d, RV_OP_AUIPC, rd, 0, 0, (int32_t)(i & 0xfffff000u));
    case 0x1b: return dec_op_imm32(i, d);
    case 0x23: return dec_store(i, d);
    case 0x27: return dec_fp_ldst(i, d, 1);
    case 0x2f: return dec_amo(i, d);
    case 0x33: return dec_op(i, d);
    case 0x37: return set_x(d, RV_OP_LUI, rd, 0, 0, (int32_t)(i & 0xfffff000u));
    case 0x3b: return dec_op32(i, d);
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f: return dec_fma(i, d);
    case 0x53: return dec_op_fp(i, d);
    case 0x63: return dec_branch(i, d);
    case 0x67:
        if (bits(i, 14, 12) != 0) return illegal(d, i);
        return set_x(d, RV_OP_JALR, rd, rs1, 0, imm_i(i));
    case 0x6f: return set_x(d, RV_OP_JAL, rd, 0, 0, imm_j(i));
    case 0x73: return dec_system(i, d);
    default: return illegal(d, i);
    }
}

/* ---- Compressed instructions --------------------------------------------- */

/* The 3-bit register fields of the CIW/CL/CS/CA/CB formats name x8..x15. */
static unsigned creg(uint32_t i, int lo)
{
    return 8 + bits(i, lo + 2, lo);
}

/* CI-format 6-bit signed immediate: imm[5] = bit 12, imm[4:0] = bits 6:2. */
static int32_t imm_ci(uint32_t i)
{
    return sext((bits(i, 12, 12) << 5) | bits(i, 6, 2), 6);
}

/* CL/CS offsets scaled by 8 (c.ld, c.sd, c.fld, c.fsd) and by 4 (c.lw, c.sw). */
static int32_t uimm_cl8(uint32_t i)
{
    return (int32_t)((bits(i, 12, 10) << 3) | (bits(i, 6, 5) << 6));
}
static int32_t uimm_cl4(uint32_t i)
{
    return (int32_t)((bits(i, 12, 10) << 3) | (bits(i, 6, 6) << 2) | (bits(i, 5, 5) << 6));
}

static void dec_c0(uint32_t i, struct rv_decoded *d)
{
    unsigned rd = creg(i, 2), rs1 = creg(i, 7);
    switch (bits(i, 15, 13)) {
    case 0: {
        int32_t imm = (int32_t)((bits(i, 12, 11) << 4) | (bits(i, 10, 7) << 6) |
                                (bits(i, 6, 6) << 2) | (bits(i, 5, 5) << 3));
        if (imm == 0) return illegal(d, i); /* includes the all-zero instruction */
        return set_x(d, RV_OP_ADDI, rd, 2, 0, imm);
    }
    case 1: return set(d, RV_OP_FLD, rd, rs1, 0, uimm_cl8(i));
    case 2: return set_x(d, RV_OP_LW, rd, rs1, 0, uimm_cl4(i));
    case 3: return set_x(d, RV_OP_LD, rd, rs1, 0, uimm_cl8(i));
    case 5: return set(d, RV_OP_FSD, RV_SINK, rs1, rd, uimm_cl8(i));
    case 6: return set(d, RV_OP_SW, RV_SINK, rs1, rd, uimm_cl4(i));
    case 7: return set(d, RV_OP_SD, RV_SINK, rs1, rd, uimm_cl8(i));
    default: return illegal(d, i);
    }
}

static void dec_c1_alu(uint32_t i, struct rv_decoded *d)
{
    static const uint16_t ops[8] = {RV_OP_SUB,  RV_OP_XOR,  RV_OP_OR,      RV_OP_AND,
                                    RV_OP_SUBW, RV_OP_ADDW, RV_OP_ILLEGAL, RV_OP_ILLEGAL};
    unsigned rd = creg(i, 7), rs2 = creg(i, 2);
    int32_t shamt = (int32_t)((bits(i, 12, 12) << 5) | bits(i, 6, 2));
    unsigned op;
    switch (bits(i, 11, 10)) {
    case 0: return set_x(d, RV_OP_SRLI, rd, rd, 0, shamt);
    case 1: return set_x(d, RV_OP_SRAI, rd, rd, 0, shamt);
    case 2: return set_x(d, RV_OP_ANDI, rd, rd, 0, imm_ci(i));
    }
    op = ops[(bits(i, 12, 12) << 2) | bits(i, 6, 5)];
    if (op == RV_OP_ILLEGAL) return illegal(d, i);
    set_x(d, op, rd, rd, rs2, 0);
}

static int32_t imm_cj(uint32_t i)
{
    uint32_t v = (bits(i, 12, 12) << 11) | (bits(i, 11, 11) << 4) | (bits(i, 10, 9) << 8) |
                 (bits(i, 8, 8) << 10) | (bits(i, 7, 7) << 6) | (bits(i, 6, 6) << 7) |
                 (bits(i, 5, 3) << 1) | (bits(i, 2, 2) << 5);
    return sext(v, 12);
}

static int32_t imm_cb(uint32_t i)
{
    uint32_t v = (bits(i, 12, 12) << 8) | (bits(i, 11, 10) << 3) | (bits(i, 6, 5) << 6) |
                 (bits(i, 4, 3) << 1) | (bits(i, 2, 2) << 5);
    return sext(v, 9);
}

static void dec_c1(uint32_t i, struct rv_decoded *d)
{
    unsigned rd = bits(i, 11, 7);
    switch (bits(i, 15, 13)) {
    case 0: return set_x(d, RV_OP_ADDI, rd, rd, 0, imm_ci(i));
    case 1:
        if (rd == 0) return illegal(d, i);
        return set_x(d, RV_OP_ADDIW, rd, rd, 0, imm_ci(i));
    case 2: return set_x(d, RV_OP_ADDI, rd, 0, 0, imm_ci(i));
    case 3:
        if (rd == 2) {
            int32_t imm =
                sext((bits(i, 12, 12) << 9) | (bits(i, 6, 6) << 4) | (bits(i, 5, 5) << 6) |
                         (bits(i, 4, 3) << 7) | (bits(i, 2, 2) << 5),
                     10);
            if (imm == 0) return illegal(d, i);
            return set_x(d, RV_OP_ADDI, 2, 2, 0, imm);
        }
        if (imm_ci(i) == 0) return illegal(d, i);
        return set_x(d, RV_OP_LUI, rd, 0, 0, (int32_t)((uint32_t)imm_ci(i) << 12));
    case 4: return dec_c1_alu(i, d);
    case 5: return set_x(d, RV_OP_JAL, 0, 0, 0, imm_cj(i));
    case 6: return set(d, RV_OP_BEQ, RV_SINK, creg(i, 7), 0, imm_cb(i));
    default: return set(d, RV_OP_BNE, RV_SINK, creg(i, 7), 0, imm_cb(i));
    }
}

static void dec_c2_jr(uint32_t i, struct rv_decoded *d)
{
    unsigned rs1 = bits(i, 11, 7), rs2 = bits(i, 6, 2);
    if (!bits(i, 12, 12)) {
        if (rs2 != 0) return set_x(d, RV_OP_ADD, rs1, 0, rs2, 0); /* c.mv */
        if (rs1 == 0) return illegal(d, i);
        return set_x(d, RV_OP_JALR, 0, rs1, 0, 0); /* c.jr */
    }
    if (rs2 != 0) return set_x(d, RV_OP_ADD, rs1, rs1, rs2, 0); /* c.add */
    if (rs1 == 0) return set(d, RV_OP_EBREAK, RV_SINK, 0, 0, 0);
    set_x(d, RV_OP_JALR, 1, rs1, 0, 0); /* c.jalr */
}

static void dec_c2(uint32_t i, struct rv_decoded *d)
{
    unsigned rd = bits(i, 11, 7), rs2 = bits(i, 6, 2);
    int32_t ldsp8 = (int32_t)((bits(i, 12, 12) << 5) | (bits(i, 6, 5) << 3) | (bits(i, 4, 2) << 6));
    int32_t sdsp8 = (int32_t)((bits(i, 12, 10) << 3) | (bits(i, 9, 7) << 6));
    switch (bits(i, 15, 13)) {
    case 0:
        return set_x(d, RV_OP_SLLI, rd, rd, 0, (int32_t)((bits(i, 12, 12) << 5) | bits(i, 6, 2)));
    case 1: return set(d, RV_OP_FLD, rd, 2, 0, ldsp8);
    case 2:
        if (rd == 0) return illegal(d, i);
        return set_x(
            d, RV_OP_LW, rd, 2, 0,
            (int32_t)((bits(i, 12, 12) << 5) | (bits(i, 6, 4) << 2) | (bits(i, 3, 2) << 6)));
    case 3:
        if (rd == 0) return illegal(d, i);
        return set_x(d, RV_OP_LD, rd, 2, 0, ldsp8);
    case 4: return dec_c2_jr(i, d);
    case 5: return set(d, RV_OP_FSD, RV_SINK, 2, rs2, sdsp8);
    case 6:
        return set(d, RV_OP_SW, RV_SINK, 2, rs2,
                   (int32_t)((bits(i, 12, 9) << 2) | (bits(i, 8, 7) << 6)));
    default: return set(d, RV_OP_SD, RV_SINK, 2, rs2, sdsp8);
    }
}

void rv_decode(uint32_t insn, struct rv_decoded *out)
{
    out->rs3 = 0;
    if ((insn & 3) == 3) return decode32(insn, out);
    insn &= 0xffff;
    out->len = 2;
    switch (insn & 3) {
    case 0: return dec_c0(insn, out);
    case 1: return dec_c1(insn, out);
    default: return dec_c2(insn, out);
    }
}
