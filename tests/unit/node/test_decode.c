/*
 * test_decode.c — the RV64GC decoder alone (with Zba, Zbb, Zbs, Zicond): field
 * extraction, immediates of every format (signs and extremes), compressed
 * expansion to base operations, x0 destinations mapped to the sink, and
 * illegal or reserved encodings.
 * Encodings come from the GNU assembler (riscv64-linux-gnu-as) so the table
 * is checked against an independent encoder.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "node/decode.h"

#define NOIMM INT32_MAX /* "imm not checked" (no real row uses it as a value) */

struct row {
    uint32_t insn;
    const char *text;
    unsigned op;
    int rd, rs1, rs2; /* -1: not checked */
    int32_t imm;
    int rs3;
    int len;
};

static const struct row table[] = {
    {0x12345537, "lui a0, 0x12345", RV_OP_LUI, 10, 0, 0, 305418240, 0, 4},
    {0xfffff2b7, "lui t0, 0xfffff", RV_OP_LUI, 5, 0, 0, -4096, 0, 4},
    {0x80000097, "auipc ra, 0x80000", RV_OP_AUIPC, 1, 0, 0, INT32_MIN, 0, 4},
    {0x001000ef, "jal ra, .+2048", RV_OP_JAL, 1, 0, 0, 2048, 0, 4},
    {0x8000006f, "jal x0, .-1048576", RV_OP_JAL, 32, 0, 0, -1048576, 0, 4},
    {0x7ffff06f, "jal x0, .+1048574", RV_OP_JAL, 32, 0, 0, 1048574, 0, 4},
    {0xfff58567, "jalr a0, -1(a1)", RV_OP_JALR, 10, 11, 0, -1, 0, 4},
    {0x7ff08067, "jalr x0, 2047(ra)", RV_OP_JALR, 32, 1, 0, 2047, 0, 4},
    {0x80b50063, "beq a0, a1, .-4096", RV_OP_BEQ, 32, 10, 11, -4096, 0, 4},
    {0x7e731fe3, "bne t1, t2, .+4094", RV_OP_BNE, 32, 6, 7, 4094, 0, 4},
    {0x00944463, "blt s0, s1, .+8", RV_OP_BLT, 32, 8, 9, 8, 0, 4},
    {0xfed65fe3, "bge a2, a3, .-2", RV_OP_BGE, 32, 12, 13, -2, 0, 4},
    {0x00f760e3, "bltu a4, a5, .+2048", RV_OP_BLTU, 32, 14, 15, 2048, 0, 4},
    {0x811870e3, "bgeu a6, a7, .-2048", RV_OP_BGEU, 32, 16, 17, -2048, 0, 4},
    {0x80010503, "lb a0, -2048(sp)", RV_OP_LB, 10, 2, 0, -2048, 0, 4},
    {0x7ff51583, "lh a1, 2047(a0)", RV_OP_LH, 11, 10, 0, 2047, 0, 4},
    {0x00452003, "lw x0, 4(a0)", RV_OP_LW, 32, 10, 0, 4, 0, 4},
    {0xff8dbf83, "ld t6, -8(s11)", RV_OP_LD, 31, 27, 0, -8, 0, 4},
    {0x0015c503, "lbu a0, 1(a1)", RV_OP_LBU, 10, 11, 0, 1, 0, 4},
    {0x0025d503, "lhu a0, 2(a1)", RV_OP_LHU, 10, 11, 0, 2, 0, 4},
    {0x0035e503, "lwu a0, 3(a1)", RV_OP_LWU, 10, 11, 0, 3, 0, 4},
    {0xfea58fa3, "sb a0, -1(a1)", RV_OP_SB, -1, 11, 10, -1, 0, 4},
    {0x7e531fa3, "sh t0, 2047(t1)", RV_OP_SH, -1, 6, 5, 2047, 0, 4},
    {0x8084a023, "sw s0, -2048(s1)", RV_OP_SW, -1, 9, 8, -2048, 0, 4},
    {0x00113c23, "sd ra, 24(sp)", RV_OP_SD, -1, 2, 1, 24, 0, 4},
    {0xfff58513, "addi a0, a1, -1", RV_OP_ADDI, 10, 11, 0, -1, 0, 4},
    {0x00000013, "addi x0, x0, 0", RV_OP_ADDI, 32, 0, 0, 0, 0, 4},
    {0xffb5a513, "slti a0, a1, -5", RV_OP_SLTI, 10, 11, 0, -5, 0, 4},
    {0xfff5b513, "sltiu a0, a1, -1", RV_OP_SLTIU, 10, 11, 0, -1, 0, 4},
    {0x7ff5c513, "xori a0, a1, 0x7ff", RV_OP_XORI, 10, 11, 0, 2047, 0, 4},
    {0x8005e513, "ori a0, a1, -0x800", RV_OP_ORI, 10, 11, 0, -2048, 0, 4},
    {0x0ff5f513, "andi a0, a1, 0xff", RV_OP_ANDI, 10, 11, 0, 255, 0, 4},
    {0x03f59513, "slli a0, a1, 63", RV_OP_SLLI, 10, 11, 0, 63, 0, 4},
    {0x0205d513, "srli a0, a1, 32", RV_OP_SRLI, 10, 11, 0, 32, 0, 4},
    {0x43f5d513, "srai a0, a1, 63", RV_OP_SRAI, 10, 11, 0, 63, 0, 4},
    {0x00c58533, "add a0, a1, a2", RV_OP_ADD, 10, 11, 12, 0, 0, 4},
    {0x40c58533, "sub a0, a1, a2", RV_OP_SUB, 10, 11, 12, 0, 0, 4},
    {0x00c59533, "sll a0, a1, a2", RV_OP_SLL, 10, 11, 12, 0, 0, 4},
    {0x00c5a533, "slt a0, a1, a2", RV_OP_SLT, 10, 11, 12, 0, 0, 4},
    {0x00c5b533, "sltu a0, a1, a2", RV_OP_SLTU, 10, 11, 12, 0, 0, 4},
    {0x00c5c533, "xor a0, a1, a2", RV_OP_XOR, 10, 11, 12, 0, 0, 4},
    {0x00c5d533, "srl a0, a1, a2", RV_OP_SRL, 10, 11, 12, 0, 0, 4},
    {0x40c5d533, "sra a0, a1, a2", RV_OP_SRA, 10, 11, 12, 0, 0, 4},
    {0x00c5e533, "or a0, a1, a2", RV_OP_OR, 10, 11, 12, 0, 0, 4},
    {0x00c5f533, "and a0, a1, a2", RV_OP_AND, 10, 11, 12, 0, 0, 4},
    {0xff95851b, "addiw a0, a1, -7", RV_OP_ADDIW, 10, 11, 0, -7, 0, 4},
    {0x01f5951b, "slliw a0, a1, 31", RV_OP_SLLIW, 10, 11, 0, 31, 0, 4},
    {0x01f5d51b, "srliw a0, a1, 31", RV_OP_SRLIW, 10, 11, 0, 31, 0, 4},
    {0x4015d51b, "sraiw a0, a1, 1", RV_OP_SRAIW, 10, 11, 0, 1, 0, 4},
    {0x00c5853b, "addw a0, a1, a2", RV_OP_ADDW, 10, 11, 12, 0, 0, 4},
    {0x40c5853b, "subw a0, a1, a2", RV_OP_SUBW, 10, 11, 12, 0, 0, 4},
    {0x00c5953b, "sllw a0, a1, a2", RV_OP_SLLW, 10, 11, 12, 0, 0, 4},
    {0x00c5d53b, "srlw a0, a1, a2", RV_OP_SRLW, 10, 11, 12, 0, 0, 4},
    {0x40c5d53b, "sraw a0, a1, a2", RV_OP_SRAW, 10, 11, 12, 0, 0, 4},
    {0x0330000f, "fence rw, rw", RV_OP_FENCE, -1, -1, -1, NOIMM, 0, 4},
    {0x0000100f, "fence.i", RV_OP_FENCE_I, -1, -1, -1, NOIMM, 0, 4},
    {0x00000073, "ecall", RV_OP_ECALL, -1, -1, -1, NOIMM, 0, 4},
    {0x00100073, "ebreak", RV_OP_EBREAK, -1, -1, -1, NOIMM, 0, 4},
    {0x00359573, "csrrw a0, fcsr, a1", RV_OP_CSR, 10, 11, -1, 4099, 0, 4},
    {0xc0002573, "csrrs a0, cycle, x0", RV_OP_CSR, 10, 0, -1, 11264, 0, 4},
    {0x0025b073, "csrrc x0, frm, a1", RV_OP_CSR, 32, 11, -1, 12290, 0, 4},
    {0x001fd573, "csrrwi a0, fflags, 31", RV_OP_CSR, 10, 31, -1, 20481, 0, 4},
    {0xc0206573, "csrrsi a0, instret, 0", RV_OP_CSR, 10, 0, -1, 27650, 0, 4},
    {0xc010f573, "csrrci a0, time, 1", RV_OP_CSR, 10, 1, -1, 31745, 0, 4},
    {0x0005200f, "cbo.inval (a0)", RV_OP_CBO, -1, 10, -1, 0, 0, 4},
    {0x0015a00f, "cbo.clean (a1)", RV_OP_CBO, -1, 11, -1, 1, 0, 4},
    {0x0026200f, "cbo.flush (a2)", RV_OP_CBO, -1, 12, -1, 2, 0, 4},
    {0x02c58533, "mul a0, a1, a2", RV_OP_MUL, 10, 11, 12, NOIMM, 0, 4},
    {0x02c59533, "mulh a0, a1, a2", RV_OP_MULH, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5a533, "mulhsu a0, a1, a2", RV_OP_MULHSU, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5b533, "mulhu a0, a1, a2", RV_OP_MULHU, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5c533, "div a0, a1, a2", RV_OP_DIV, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5d533, "divu a0, a1, a2", RV_OP_DIVU, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5e533, "rem a0, a1, a2", RV_OP_REM, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5f533, "remu a0, a1, a2", RV_OP_REMU, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5853b, "mulw a0, a1, a2", RV_OP_MULW, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5c53b, "divw a0, a1, a2", RV_OP_DIVW, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5d53b, "divuw a0, a1, a2", RV_OP_DIVUW, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5e53b, "remw a0, a1, a2", RV_OP_REMW, 10, 11, 12, NOIMM, 0, 4},
    {0x02c5f53b, "remuw a0, a1, a2", RV_OP_REMUW, 10, 11, 12, NOIMM, 0, 4},
    {0x1005a52f, "lr.w a0, (a1)", RV_OP_LR_W, 10, 11, -1, NOIMM, 0, 4},
    {0x18c5a52f, "sc.w a0, a2, (a1)", RV_OP_SC_W, 10, 11, 12, NOIMM, 0, 4},
    {0x1605b52f, "lr.d.aqrl a0, (a1)", RV_OP_LR_D, 10, 11, -1, NOIMM, 0, 4},
    {0x1ac5b52f, "sc.d.rl a0, a2, (a1)", RV_OP_SC_D, 10, 11, 12, NOIMM, 0, 4},
    {0x08c5a52f, "amoswap.w a0, a2, (a1)", RV_OP_AMO_W, 10, 11, 12, 1, 0, 4},
    {0x04c5a52f, "amoadd.w.aq a0, a2, (a1)", RV_OP_AMO_W, 10, 11, 12, 0, 0, 4},
    {0x20c5b52f, "amoxor.d a0, a2, (a1)", RV_OP_AMO_D, 10, 11, 12, 4, 0, 4},
    {0x60c5b52f, "amoand.d a0, a2, (a1)", RV_OP_AMO_D, 10, 11, 12, 12, 0, 4},
    {0x40c5a52f, "amoor.w a0, a2, (a1)", RV_OP_AMO_W, 10, 11, 12, 8, 0, 4},
    {0x80c5b02f, "amomin.d x0, a2, (a1)", RV_OP_AMO_D, 32, 11, 12, 16, 0, 4},
    {0xa0c5a52f, "amomax.w a0, a2, (a1)", RV_OP_AMO_W, 10, 11, 12, 20, 0, 4},
    {0xc0c5b52f, "amominu.d a0, a2, (a1)", RV_OP_AMO_D, 10, 11, 12, 24, 0, 4},
    {0xe0c5a52f, "amomaxu.w a0, a2, (a1)", RV_OP_AMO_W, 10, 11, 12, 28, 0, 4},
    {0xffc5a507, "flw fa0, -4(a1)", RV_OP_FLW, 10, 11, -1, -4, 0, 4},
    {0x00813007, "fld f0, 8(sp)", RV_OP_FLD, 0, 2, -1, 8, 0, 4},
    {0x00b52627, "fsw fa1, 12(a0)", RV_OP_FSW, -1, 10, 11, 12, 0, 4},
    {0xfff53827, "fsd f31, -16(a0)", RV_OP_FSD, -1, 10, 31, -16, 0, 4},
    {0x00c58553, "fadd.s fa0, fa1, fa2, rne", RV_OP_FADD_S, 10, 11, 12, 0, 0, 4},
    {0x0a209053, "fsub.d f0, f1, f2, rtz", RV_OP_FSUB_D, 0, 1, 2, 1, 0, 4},
    {0x10c5a553, "fmul.s fa0, fa1, fa2, rdn", RV_OP_FMUL_S, 10, 11, 12, 2, 0, 4},
    {0x1ac5b553, "fdiv.d fa0, fa1, fa2, rup", RV_OP_FDIV_D, 10, 11, 12, 3, 0, 4},
    {0x5805c553, "fsqrt.s fa0, fa1, rmm", RV_OP_FSQRT_S, 10, 11, -1, 4, 0, 4},
    {0x5a05f553, "fsqrt.d fa0, fa1, dyn", RV_OP_FSQRT_D, 10, 11, -1, 7, 0, 4},
    {0x20c58553, "fsgnj.s fa0, fa1, fa2", RV_OP_FSGNJ_S, 10, 11, 12, NOIMM, 0, 4},
    {0x22c59553, "fsgnjn.d fa0, fa1, fa2", RV_OP_FSGNJN_D, 10, 11, 12, NOIMM, 0, 4},
    {0x20c5a553, "fsgnjx.s fa0, fa1, fa2", RV_OP_FSGNJX_S, 10, 11, 12, NOIMM, 0, 4},
    {0x2ac58553, "fmin.d fa0, fa1, fa2", RV_OP_FMIN_D, 10, 11, 12, NOIMM, 0, 4},
    {0x28c59553, "fmax.s fa0, fa1, fa2", RV_OP_FMAX_S, 10, 11, 12, NOIMM, 0, 4},
    {0xa2c5a553, "feq.d a0, fa1, fa2", RV_OP_FEQ_D, 10, 11, 12, NOIMM, 0, 4},
    {0xa0c59053, "flt.s x0, fa1, fa2", RV_OP_FLT_S, 32, 11, 12, NOIMM, 0, 4},
    {0xa2c58553, "fle.d a0, fa1, fa2", RV_OP_FLE_D, 10, 11, 12, NOIMM, 0, 4},
    {0xe0059553, "fclass.s a0, fa1", RV_OP_FCLASS_S, 10, 11, -1, NOIMM, 0, 4},
    {0xe2059553, "fclass.d a0, fa1", RV_OP_FCLASS_D, 10, 11, -1, NOIMM, 0, 4},
    {0xe0058553, "fmv.x.w a0, fa1", RV_OP_FMV_X_W, 10, 11, -1, NOIMM, 0, 4},
    {0xf0058553, "fmv.w.x fa0, a1", RV_OP_FMV_W_X, 10, 11, -1, NOIMM, 0, 4},
    {0xe2058553, "fmv.x.d a0, fa1", RV_OP_FMV_X_D, 10, 11, -1, NOIMM, 0, 4},
    {0xf2000053, "fmv.d.x f0, x0", RV_OP_FMV_D_X, 0, 0, -1, NOIMM, 0, 4},
    {0xc0059553, "fcvt.w.s a0, fa1, rtz", RV_OP_FCVT_W_S, 10, 11, -1, 1, 0, 4},
    {0xc215f553, "fcvt.wu.d a0, fa1, dyn", RV_OP_FCVT_WU_D, 10, 11, -1, 7, 0, 4},
    {0xc025f553, "fcvt.l.s a0, fa1", RV_OP_FCVT_L_S, 10, 11, -1, 7, 0, 4},
    {0xc235b553, "fcvt.lu.d a0, fa1, rup", RV_OP_FCVT_LU_D, 10, 11, -1, 3, 0, 4},
    {0xd005f553, "fcvt.s.w fa0, a1", RV_OP_FCVT_S_W, 10, 11, -1, 7, 0, 4},
    {0xd2158553, "fcvt.d.wu fa0, a1", RV_OP_FCVT_D_WU, 10, 11, -1, 0, 0, 4},
    {0xd0258553, "fcvt.s.l fa0, a1, rne", RV_OP_FCVT_S_L, 10, 11, -1, 0, 0, 4},
    {0xd235c553, "fcvt.d.lu fa0, a1, rmm", RV_OP_FCVT_D_LU, 10, 11, -1, 4, 0, 4},
    {0x40158553, "fcvt.s.d fa0, fa1, rne", RV_OP_FCVT_S_D, 10, 11, -1, 0, 0, 4},
    {0x42058553, "fcvt.d.s fa0, fa1", RV_OP_FCVT_D_S, 10, 11, -1, NOIMM, 0, 4},
    {0x68c58543, "fmadd.s fa0, fa1, fa2, fa3, rne", RV_OP_FMADD_S, 10, 11, 12, 0, 13, 4},
    {0xfac59547, "fmsub.d fa0, fa1, fa2, f31, rtz", RV_OP_FMSUB_D, 10, 11, 12, 1, 31, 4},
    {0x68c5f54b, "fnmsub.s fa0, fa1, fa2, fa3", RV_OP_FNMSUB_S, 10, 11, 12, 7, 13, 4},
    {0x223120cf, "fnmadd.d f1, f2, f3, f4, rdn", RV_OP_FNMADD_D, 1, 2, 3, 2, 4, 4},
    {0x1fe8, "c.addi4spn a0, sp, 1020", RV_OP_ADDI, 10, 2, -1, 1020, 0, 2},
    {0x0044, "c.addi4spn s1, sp, 4", RV_OP_ADDI, 9, 2, -1, 4, 0, 2},
    {0x3de8, "c.fld fa0, 248(a1)", RV_OP_FLD, 10, 11, -1, 248, 0, 2},
    {0x5c7c, "c.lw a5, 124(s0)", RV_OP_LW, 15, 8, -1, 124, 0, 2},
    {0x41a8, "c.lw a0, 64(a1)", RV_OP_LW, 10, 11, -1, 64, 0, 2},
    {0x7fe4, "c.ld s1, 248(a5)", RV_OP_LD, 9, 15, -1, 248, 0, 2},
    {0xa51c, "c.fsd fa5, 8(a0)", RV_OP_FSD, -1, 10, 15, 8, 0, 2},
    {0xc2d0, "c.sw a2, 4(a3)", RV_OP_SW, -1, 13, 12, 4, 0, 2},
    {0xe058, "c.sd a4, 128(s0)", RV_OP_SD, -1, 8, 14, 128, 0, 2},
    {0x0001, "c.nop", RV_OP_ADDI, 32, 0, -1, 0, 0, 2},
    {0x1501, "c.addi a0, -32", RV_OP_ADDI, 10, 10, -1, -32, 0, 2},
    {0x0ffd, "c.addi t6, 31", RV_OP_ADDI, 31, 31, -1, 31, 0, 2},
    {0x357d, "c.addiw a0, -1", RV_OP_ADDIW, 10, 10, -1, -1, 0, 2},
    {0x2081, "c.addiw ra, 0", RV_OP_ADDIW, 1, 1, -1, 0, 0, 2},
    {0x5501, "c.li a0, -32", RV_OP_ADDI, 10, 0, -1, -32, 0, 2},
    {0x4495, "c.li s1, 5", RV_OP_ADDI, 9, 0, -1, 5, 0, 2},
    {0x7101, "c.addi16sp sp, -512", RV_OP_ADDI, 2, 2, -1, -512, 0, 2},
    {0x617d, "c.addi16sp sp, 496", RV_OP_ADDI, 2, 2, -1, 496, 0, 2},
    {0x6141, "c.addi16sp sp, 16", RV_OP_ADDI, 2, 2, -1, 16, 0, 2},
    {0x6505, "c.lui a0, 1", RV_OP_LUI, 10, 0, -1, 4096, 0, 2},
    {0x7401, "c.lui s0, 0xfffe0", RV_OP_LUI, 8, 0, -1, -131072, 0, 2},
    {0x62fd, "c.lui t0, 0x1f", RV_OP_LUI, 5, 0, -1, 126976, 0, 2},
    {0x917d, "c.srli a0, 63", RV_OP_SRLI, 10, 10, -1, 63, 0, 2},
    {0x8485, "c.srai s1, 1", RV_OP_SRAI, 9, 9, -1, 1, 0, 2},
    {0x9781, "c.srai a5, 32", RV_OP_SRAI, 15, 15, -1, 32, 0, 2},
    {0x997d, "c.andi a0, -1", RV_OP_ANDI, 10, 10, -1, -1, 0, 2},
    {0x8a3d, "c.andi a2, 15", RV_OP_ANDI, 12, 12, -1, 15, 0, 2},
    {0x8d0d, "c.sub a0, a1", RV_OP_SUB, 10, 10, 11, NOIMM, 0, 2},
    {0x8c3d, "c.xor s0, a5", RV_OP_XOR, 8, 8, 15, NOIMM, 0, 2},
    {0x8ed9, "c.or a3, a4", RV_OP_OR, 13, 13, 14, NOIMM, 0, 2},
    {0x8e65, "c.and a2, s1", RV_OP_AND, 12, 12, 9, NOIMM, 0, 2},
    {0x9d0d, "c.subw a0, a1", RV_OP_SUBW, 10, 10, 11, NOIMM, 0, 2},
    {0x9d2d, "c.addw a0, a1", RV_OP_ADDW, 10, 10, 11, NOIMM, 0, 2},
    {0xaffd, "c.j .+2046", RV_OP_JAL, 32, -1, -1, 2046, 0, 2},
    {0xb001, "c.j .-2048", RV_OP_JAL, 32, -1, -1, -2048, 0, 2},
    {0xa46d, "c.j .+0x2aa", RV_OP_JAL, 32, -1, -1, 682, 0, 2},
    {0xb46d, "c.j .-0x556", RV_OP_JAL, 32, -1, -1, -1366, 0, 2},
    {0xcd7d, "c.beqz a0, .+254", RV_OP_BEQ, -1, 10, 0, 254, 0, 2},
    {0xf081, "c.bnez s1, .-256", RV_OP_BNE, -1, 9, 0, -256, 0, 2},
    {0xc7cd, "c.beqz a5, .+0xaa", RV_OP_BEQ, -1, 15, 0, 170, 0, 2},
    {0xf7cd, "c.bnez a5, .-0x56", RV_OP_BNE, -1, 15, 0, -86, 0, 2},
    {0x157e, "c.slli a0, 63", RV_OP_SLLI, 10, 10, -1, 63, 0, 2},
    {0x0f86, "c.slli t6, 1", RV_OP_SLLI, 31, 31, -1, 1, 0, 2},
    {0x357e, "c.fldsp fa0, 504(sp)", RV_OP_FLD, 10, 2, -1, 504, 0, 2},
    {0x2022, "c.fldsp f0, 8(sp)", RV_OP_FLD, 0, 2, -1, 8, 0, 2},
    {0x557e, "c.lwsp a0, 252(sp)", RV_OP_LW, 10, 2, -1, 252, 0, 2},
    {0x4292, "c.lwsp t0, 4(sp)", RV_OP_LW, 5, 2, -1, 4, 0, 2},
    {0x70fe, "c.ldsp ra, 504(sp)", RV_OP_LD, 1, 2, -1, 504, 0, 2},
    {0x74a2, "c.ldsp s1, 40(sp)", RV_OP_LD, 9, 2, -1, 40, 0, 2},
    {0x8082, "c.jr ra", RV_OP_JALR, 32, 1, -1, 0, 0, 2},
    {0x852e, "c.mv a0, a1", RV_OP_ADD, 10, 0, 11, NOIMM, 0, 2},
    {0x9002, "c.ebreak", RV_OP_EBREAK, -1, -1, -1, NOIMM, 0, 2},
    {0x9782, "c.jalr a5", RV_OP_JALR, 1, 15, -1, 0, 0, 2},
    {0x957e, "c.add a0, t6", RV_OP_ADD, 10, 10, 31, NOIMM, 0, 2},
    {0xbfaa, "c.fsdsp fa0, 504(sp)", RV_OP_FSD, -1, 2, 10, 504, 0, 2},
    {0xdfaa, "c.swsp a0, 252(sp)", RV_OP_SW, -1, 2, 10, 252, 0, 2},
    {0xc27e, "c.swsp t6, 4(sp)", RV_OP_SW, -1, 2, 31, 4, 0, 2},
    {0xff86, "c.sdsp ra, 504(sp)", RV_OP_SD, -1, 2, 1, 504, 0, 2},
    {0xe826, "c.sdsp s1, 16(sp)", RV_OP_SD, -1, 2, 9, 16, 0, 2},
    /* Zba, Zbb, Zbs (-march=rv64gc_zba_zbb_zbs); Zicond, which this binutils
     * does not know, encoded by hand from the spec (funct7 0000111, OP). */
    {0x2114a2b3, "sh1add t0, s1, a7", RV_OP_SH1ADD, 5, 9, 17, NOIMM, 0, 4},
    {0x2114c2b3, "sh2add t0, s1, a7", RV_OP_SH2ADD, 5, 9, 17, NOIMM, 0, 4},
    {0x2114e2b3, "sh3add t0, s1, a7", RV_OP_SH3ADD, 5, 9, 17, NOIMM, 0, 4},
    {0x091482bb, "add.uw t0, s1, a7", RV_OP_ADD_UW, 5, 9, 17, NOIMM, 0, 4},
    {0x2114a2bb, "sh1add.uw t0, s1, a7", RV_OP_SH1ADD_UW, 5, 9, 17, NOIMM, 0, 4},
    {0x2114c2bb, "sh2add.uw t0, s1, a7", RV_OP_SH2ADD_UW, 5, 9, 17, NOIMM, 0, 4},
    {0x2114e2bb, "sh3add.uw t0, s1, a7", RV_OP_SH3ADD_UW, 5, 9, 17, NOIMM, 0, 4},
    {0x0804929b, "slli.uw t0, s1, 0", RV_OP_SLLI_UW, 5, 9, -1, 0, 0, 4},
    {0x0bf4929b, "slli.uw t0, s1, 63", RV_OP_SLLI_UW, 5, 9, -1, 63, 0, 4},
    {0x4114f2b3, "andn t0, s1, a7", RV_OP_ANDN, 5, 9, 17, NOIMM, 0, 4},
    {0x4114e2b3, "orn t0, s1, a7", RV_OP_ORN, 5, 9, 17, NOIMM, 0, 4},
    {0x4114c2b3, "xnor t0, s1, a7", RV_OP_XNOR, 5, 9, 17, NOIMM, 0, 4},
    {0x60049293, "clz t0, s1", RV_OP_CLZ, 5, 9, -1, NOIMM, 0, 4},
    {0x60149293, "ctz t0, s1", RV_OP_CTZ, 5, 9, -1, NOIMM, 0, 4},
    {0x60249293, "cpop t0, s1", RV_OP_CPOP, 5, 9, -1, NOIMM, 0, 4},
    {0x6004929b, "clzw t0, s1", RV_OP_CLZW, 5, 9, -1, NOIMM, 0, 4},
    {0x6014929b, "ctzw t0, s1", RV_OP_CTZW, 5, 9, -1, NOIMM, 0, 4},
    {0x6024929b, "cpopw t0, s1", RV_OP_CPOPW, 5, 9, -1, NOIMM, 0, 4},
    {0x0b14e2b3, "max t0, s1, a7", RV_OP_MAX, 5, 9, 17, NOIMM, 0, 4},
    {0x0b14f2b3, "maxu t0, s1, a7", RV_OP_MAXU, 5, 9, 17, NOIMM, 0, 4},
    {0x0b14c2b3, "min t0, s1, a7", RV_OP_MIN, 5, 9, 17, NOIMM, 0, 4},
    {0x0b14d2b3, "minu t0, s1, a7", RV_OP_MINU, 5, 9, 17, NOIMM, 0, 4},
    {0x60449293, "sext.b t0, s1", RV_OP_SEXT_B, 5, 9, -1, NOIMM, 0, 4},
    {0x60549293, "sext.h t0, s1", RV_OP_SEXT_H, 5, 9, -1, NOIMM, 0, 4},
    {0x0804c2bb, "zext.h t0, s1", RV_OP_ZEXT_H, 5, 9, -1, NOIMM, 0, 4},
    {0x611492b3, "rol t0, s1, a7", RV_OP_ROL, 5, 9, 17, NOIMM, 0, 4},
    {0x6114d2b3, "ror t0, s1, a7", RV_OP_ROR, 5, 9, 17, NOIMM, 0, 4},
    {0x6014d293, "rori t0, s1, 1", RV_OP_RORI, 5, 9, -1, 1, 0, 4},
    {0x63f4d293, "rori t0, s1, 63", RV_OP_RORI, 5, 9, -1, 63, 0, 4},
    {0x611492bb, "rolw t0, s1, a7", RV_OP_ROLW, 5, 9, 17, NOIMM, 0, 4},
    {0x6114d2bb, "rorw t0, s1, a7", RV_OP_RORW, 5, 9, 17, NOIMM, 0, 4},
    {0x61f4d29b, "roriw t0, s1, 31", RV_OP_RORIW, 5, 9, -1, 31, 0, 4},
    {0x2874d293, "orc.b t0, s1", RV_OP_ORC_B, 5, 9, -1, NOIMM, 0, 4},
    {0x6b84d293, "rev8 t0, s1", RV_OP_REV8, 5, 9, -1, NOIMM, 0, 4},
    {0x491492b3, "bclr t0, s1, a7", RV_OP_BCLR, 5, 9, 17, NOIMM, 0, 4},
    {0x4bf49293, "bclri t0, s1, 63", RV_OP_BCLRI, 5, 9, -1, 63, 0, 4},
    {0x4914d2b3, "bext t0, s1, a7", RV_OP_BEXT, 5, 9, 17, NOIMM, 0, 4},
    {0x4804d293, "bexti t0, s1, 0", RV_OP_BEXTI, 5, 9, -1, 0, 0, 4},
    {0x691492b3, "binv t0, s1, a7", RV_OP_BINV, 5, 9, 17, NOIMM, 0, 4},
    {0x6a049293, "binvi t0, s1, 32", RV_OP_BINVI, 5, 9, -1, 32, 0, 4},
    {0x291492b3, "bset t0, s1, a7", RV_OP_BSET, 5, 9, 17, NOIMM, 0, 4},
    {0x29f49293, "bseti t0, s1, 31", RV_OP_BSETI, 5, 9, -1, 31, 0, 4},
    {0x29149033, "bset x0, s1, a7", RV_OP_BSET, 32, 9, 17, NOIMM, 0, 4},
    {0x6b84d013, "rev8 x0, s1", RV_OP_REV8, 32, 9, -1, NOIMM, 0, 4},
    {0x0f14d2b3, "czero.eqz t0, s1, a7", RV_OP_CZERO_EQZ, 5, 9, 17, NOIMM, 0, 4},
    {0x0f14f2b3, "czero.nez t0, s1, a7", RV_OP_CZERO_NEZ, 5, 9, 17, NOIMM, 0, 4},
    {0x0eb57033, "czero.nez x0, a0, a1", RV_OP_CZERO_NEZ, 32, 10, 11, NOIMM, 0, 4},
};

Test(decode, table_of_encodings)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct row *r = &table[i];
        struct rv_decoded d;
        rv_decode(r->insn, &d);
        cr_assert_eq(d.op, r->op, "%s: op %s, want %s", r->text, rv_op_name(d.op),
                     rv_op_name(r->op));
        cr_assert_eq(d.len, r->len, "%s: len %d", r->text, d.len);
        if (r->rd >= 0) cr_assert_eq(d.rd, r->rd, "%s: rd %d", r->text, d.rd);
        if (r->rs1 >= 0) cr_assert_eq(d.rs1, r->rs1, "%s: rs1 %d", r->text, d.rs1);
        if (r->rs2 >= 0) cr_assert_eq(d.rs2, r->rs2, "%s: rs2 %d", r->text, d.rs2);
        if (r->imm != NOIMM) cr_assert_eq(d.imm, r->imm, "%s: imm %d", r->text, d.imm);
        if (r->rs3) cr_assert_eq(d.rs3, r->rs3, "%s: rs3 %d", r->text, d.rs3);
    }
}

/* Encodings that must be refused: reserved compressed forms, rv32-only or
 * privileged instructions, reserved rounding modes and formats, bad funct
 * fields, and longer-than-32-bit encodings. */
static const uint32_t illegal[] = {
    0x0000,     /* all-zero 16-bit */
    0x0004,     /* c.addi4spn with nzuimm = 0 */
    0x4002,     /* c.lwsp x0 */
    0x6002,     /* c.ldsp x0 */
    0x8002,     /* c.jr x0 */
    0x2001,     /* c.addiw x0 (was c.jal on rv32) */
    0x6501,     /* c.lui a0, 0 */
    0x6101,     /* c.addi16sp sp, 0 */
    0x8000,     /* quadrant 0, funct3 100: reserved */
    0x9c41,     /* CA funct 100111, funct2 10: reserved on rv64 */
    0x9c61,     /* ... funct2 11 */
    0x10500073, /* wfi */
    0x30200073, /* mret */
    0x10200073, /* sret */
    0x12000073, /* sfence.vma */
    0x00004073, /* SYSTEM funct3 4 */
    0x00c5d553, /* fadd.s rm = 5 */
    0x00c5e553, /* fadd.s rm = 6 */
    0x04c58553, /* fadd.h (fmt 2) */
    0x06c58553, /* fadd.q (fmt 3) */
    0x1015a52f, /* lr.w with rs2 != 0 */
    0x28c5a52f, /* AMO funct5 0x05 */
    0x00c5952f, /* AMO funct3 1 */
    0x0005f503, /* LOAD funct3 7 */
    0x04059513, /* slli with funct6 1 */
    0x0205951b, /* slliw with shamt[5] set */
    0x0045200f, /* cbo.zero (Zicboz, not provided) */
    0x0015208f, /* cbo.clean with rd != 0 */
    0x00059567, /* jalr funct3 1 */
    0x00b52063, /* BRANCH funct3 2 */
    0x40b51533, /* OP funct7 0x20 funct3 1 */
    0x5815f553, /* fsqrt.s with rs2 != 0 */
    0xe005a553, /* fmv.x.w with funct3 2 */
    0xc045f553, /* fcvt.w.s with rs2 4 */
    0x4005f553, /* fcvt with funct5 8, fmt S and rs2 0 (would be fcvt.s.s) */
    0x4215f553, /* fcvt with funct5 8, fmt D and rs2 1 (would be fcvt.d.d) */
    0x00c5d543, /* fmadd.s rm = 5 */
    0x04c58543, /* fmadd.h */
    0xffffffff, /* >= 80-bit encoding */
    0x0000007f, /* 64-bit encoding */
    0x0000003f, /* 48-bit encoding */
    0x0000001f, /* 48-bit encoding */
    0x0000000b, /* custom-0 */
    0x60359513, /* OP-IMM funct3 1, imm12 0x603: no Zbb unary op 3 */
    0x60659513, /* ... imm12 0x606 */
    0x6035951b, /* OP-IMM-32 funct3 1, imm12 0x603 (no cpopw+1) */
    0x6205951b, /* roriw with shamt[5] set */
    0x0c05951b, /* slli.uw's funct6 + 1 */
    0x08c5c53b, /* RV64 pack (zext.h with rs2 != 0): Zbkb, not Zbb */
    0x6985d513, /* rev8, RV32 encoding */
    0x6875d513, /* brev8 (Zbkb) */
    0x2885d513, /* orc.b's imm12 + 1 */
    0x20c58533, /* funct7 0x10 funct3 0 (no sh0add) */
    0x0ac59533, /* clmul (Zbc, not provided) */
    0x28c5953b, /* bset in OP-32 */
    0x40c5f53b, /* andn in OP-32 */
    0x0ac5c53b, /* min in OP-32 */
    0x0ec5d53b, /* czero.eqz in OP-32 */
    0x0ec5853b, /* funct7 0000111 funct3 0 */
};

Test(decode, illegal_encodings)
{
    for (size_t i = 0; i < sizeof illegal / sizeof illegal[0]; i++) {
        struct rv_decoded d;
        rv_decode(illegal[i], &d);
        cr_assert_eq(d.op, RV_OP_ILLEGAL, "%#x decoded as %s", illegal[i], rv_op_name(d.op));
        cr_assert_eq((uint32_t)d.imm, (illegal[i] & 3) == 3 ? illegal[i] : (illegal[i] & 0xffff),
                     "%#x: imm must carry the bits", illegal[i]);
    }
}

Test(decode, compressed_ignores_upper_half)
{
    struct rv_decoded a, b;
    rv_decode(0x0505, &a);     /* c.addi a0, 1 */
    rv_decode(0xdead0505, &b); /* same, with garbage above */
    cr_assert_eq(a.op, RV_OP_ADDI);
    cr_assert_eq(b.op, RV_OP_ADDI);
    cr_assert_eq(b.len, 2);
    cr_assert_eq(b.imm, 1);
    cr_assert_eq(b.rd, 10);
}

Test(decode, x0_destination_is_sink_but_f0_is_not)
{
    struct rv_decoded d;
    rv_decode(0x00000013, &d); /* addi x0, x0, 0 */
    cr_assert_eq(d.rd, RV_SINK);
    rv_decode(0x00b57053, &d); /* fadd.s f0, fa0, fa1, dyn */
    cr_assert_eq(d.op, RV_OP_FADD_S);
    cr_assert_eq(d.rd, 0);
    cr_assert_eq(d.imm, 7);
    rv_decode(0xa0b52053, &d); /* feq.s x0, fa0, fa1 */
    cr_assert_eq(d.op, RV_OP_FEQ_S);
    cr_assert_eq(d.rd, RV_SINK);
}

Test(decode, jumps_end_runs)
{
    cr_assert(rv_op_is_jump(RV_OP_JAL));
    cr_assert(rv_op_is_jump(RV_OP_JALR));
    cr_assert(rv_op_is_jump(RV_OP_BEQ));
    cr_assert(rv_op_is_jump(RV_OP_BGEU));
    cr_assert(!rv_op_is_jump(RV_OP_ECALL));
    cr_assert(!rv_op_is_jump(RV_OP_LD));
    cr_assert(!rv_op_is_jump(RV_OP_AUIPC));
}

Test(decode, names)
{
    cr_assert_str_eq(rv_op_name(RV_OP_FCVT_D_LU), "FCVT_D_LU");
    cr_assert_str_eq(rv_op_name(RV_OP_COUNT), "?");
}
