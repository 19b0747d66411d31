/*
 * decode.h — internal to node/: the list of operations the interpreter knows and
 * the decoder that turns one RV64GC instruction (32-bit or compressed), or one
 * of the Zba, Zbb, Zbs and Zicond extensions (32-bit encodings only), into an
 * operation plus its fields. The operation list is an X-macro so that the enum
 * here and the handler table in exec.c cannot drift apart; so is the list of
 * pairs the interpreter fuses.
 *
 * Field conventions of struct rv_decoded (the decoder applies them, so the
 * interpreter never checks them at run time):
 *  - rd of an operation that writes an x register is RV_SINK (32) when the
 *    instruction names x0, so handlers write rd unconditionally.
 *  - Compressed forms expand to their base operation (c.addi → ADDI).
 *  - imm holds the sign-extended immediate; for FP operations with a rounding
 *    mode it holds rm (0..4 or 7 = DYN; 5 and 6 decode as ILLEGAL); for CSR it
 *    holds csr | funct3 << 12; for AMO it holds funct5; for CBO the cbo.* code;
 *    for ILLEGAL the instruction bits; for the immediate shifts, rotates and
 *    single-bit operations (SLLI_UW, RORI, RORIW, B*I) the shift amount.
 *  - rs3 holds the third FP source of the fused multiply-add family.
 * LAZY, PAGE_END and STRADDLE are the interpreter's own entries (a slot not
 * decoded yet, the fall-through past a page end, an instruction across it);
 * the decoder never returns them.
 */
#ifndef SYMUNIX_NODE_DECODE_H
#define SYMUNIX_NODE_DECODE_H

#include <stdint.h>

#include "node/node.h"

#define RV_SINK 32

/* The X-macro lists are laid out by hand, by extension. */
/* clang-format off */
/* X(name): every operation, in handler order. */
#define RV_OPS(X)                                                                          \
    X(ILLEGAL) X(LAZY) X(PAGE_END) X(STRADDLE)                                             \
    X(LUI) X(AUIPC)                                                                        \
    X(JAL) X(JALR) X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU)                             \
    X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU)                                           \
    X(SB) X(SH) X(SW) X(SD)                                                                \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI)                        \
    X(SRAI)                                                                                \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA)                               \
    X(OR) X(AND)                                                                           \
    X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW) X(ADDW) X(SUBW) X(SLLW) X(SRLW)                    \
    X(SRAW)                                                                                \
    X(FENCE) X(FENCE_I) X(ECALL) X(EBREAK) X(CSR) X(CBO)                                   \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                        \
    X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW)                                              \
    X(SH1ADD) X(SH2ADD) X(SH3ADD) X(ADD_UW) X(SH1ADD_UW) X(SH2ADD_UW) X(SH3ADD_UW)         \
    X(SLLI_UW)                                                                             \
    X(ANDN) X(ORN) X(XNOR) X(CLZ) X(CTZ) X(CPOP) X(CLZW) X(CTZW) X(CPOPW) X(MAX) X(MAXU)   \
    X(MIN) X(MINU) X(SEXT_B) X(SEXT_H) X(ZEXT_H) X(ROL) X(ROR) X(RORI) X(ROLW) X(RORW)     \
    X(RORIW) X(ORC_B) X(REV8)                                                              \
    X(BCLR) X(BCLRI) X(BEXT) X(BEXTI) X(BINV) X(BINVI) X(BSET) X(BSETI)                    \
    X(CZERO_EQZ) X(CZERO_NEZ)                                                              \
    X(LR_W) X(SC_W) X(AMO_W) X(LR_D) X(SC_D) X(AMO_D)                                      \
    X(FLW) X(FLD) X(FSW) X(FSD)                                                            \
    X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) X(FMADD_D) X(FMSUB_D) X(FNMSUB_D)        \
    X(FNMADD_D)                                                                            \
    X(FADD_S) X(FSUB_S) X(FMUL_S) X(FDIV_S) X(FSQRT_S) X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S)  \
    X(FMIN_S) X(FMAX_S) X(FEQ_S) X(FLT_S) X(FLE_S) X(FCLASS_S) X(FMV_X_W) X(FMV_W_X)       \
    X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S) X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) \
    X(FCVT_S_LU)                                                                           \
    X(FADD_D) X(FSUB_D) X(FMUL_D) X(FDIV_D) X(FSQRT_D) X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D)  \
    X(FMIN_D) X(FMAX_D) X(FEQ_D) X(FLT_D) X(FLE_D) X(FCLASS_D) X(FMV_X_D) X(FMV_D_X)       \
    X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D) X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) \
    X(FCVT_D_LU)                                                                           \
    X(FCVT_S_D) X(FCVT_D_S)

/* X(name): the operations some compressed instruction expands to. The
 * interpreter gives each a second handler that advances by 2 bytes. */
#define RV_COPS(X)                                              \
    X(ADDI) X(ADDIW) X(LUI) X(LW) X(LD) X(SW) X(SD) X(FLD)      \
    X(FSD) X(SRLI) X(SRAI) X(ANDI) X(SLLI) X(ADD) X(SUB) X(XOR) \
    X(OR) X(AND) X(SUBW) X(ADDW) X(JAL) X(JALR) X(BEQ) X(BNE)

/* X(first, second): adjacent pairs that the interpreter runs as one handler
 * when the first falls through to the second within a decoded run (the most
 * frequent pairs on the CPU benchmark). Both must be in RV_COPS, and the
 * first must not be a jump. */
#define RV_FUSED(X)                                                 \
    X(ADDI, ADDI) X(ADD, ADD) X(SD, SD) X(LD, LD) X(ADD, ADDI)      \
    X(LD, ADDI) X(ADDI, BNE) X(FLD, FLD) X(SW, ADDI) X(LW, ADDI)    \
    X(FLD, ADDI) X(ADDI, ADD) X(SLLI, XOR) X(ADDI, BEQ) X(ADD, BNE) \
    X(ADDI, XOR) X(XOR, ADD) X(SLLI, ADD) X(FSD, BNE) X(ADDI, SD)   \
    X(ADD, JALR) X(SRLI, ADDI) X(LD, SRLI) X(LW, LW) X(ADDI, SW)
/* clang-format on */

enum rv_op {
#define RV_OP_ENUM(name) RV_OP_##name,
    RV_OPS(RV_OP_ENUM)
#undef RV_OP_ENUM
        RV_OP_COUNT
};

/* CBO codes (imm of RV_OP_CBO): RV_CBO_* in node.h. */

struct rv_decoded {
    uint16_t op; /* enum rv_op */
    uint8_t len; /* instruction length in bytes: 2 or 4 */
    uint8_t rd, rs1, rs2, rs3;
    int32_t imm;
};

/* Decode one instruction. `insn` holds at least its low 16 bits; the upper 16
 * are read only when the low two bits say the instruction is 32 bits long.
 * Never fails: anything unknown becomes RV_OP_ILLEGAL with imm = the bits. */
void rv_decode(uint32_t insn, struct rv_decoded *out);

/* 1 when the operation may change the pc other than by falling through: the
 * end of a straight-line run for instruction counting. */
int rv_op_is_jump(unsigned op);

/* The operation's name, for tests and debugging. */
const char *rv_op_name(unsigned op);

#endif /* SYMUNIX_NODE_DECODE_H */
