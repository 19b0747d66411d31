/*
 * fpu.h — internal to node/: the semantics of the F and D extensions, kept apart
 * from the interpreter so that the IEEE 754 corner cases (NaN boxing and
 * canonical NaNs, signed zeros, five rounding modes, exception flags, saturating
 * conversions) live in one place and are unit-tested directly.
 *
 * Contract for every function here
 *  - Values are raw bits. Single-precision operands arrive NaN-boxed in a
 *    uint64_t; an operand that is not properly boxed reads as the canonical NaN
 *    (0x7fc00000). Single-precision results are returned NaN-boxed.
 *  - `rm` is a resolved rounding mode, RV_RM_RNE..RV_RM_RMM (never DYN: the
 *    interpreter resolves DYN from frm and raises SIGILL for 5, 6 or a bad frm).
 *  - Exception flags raised by the operation are ORed into *fflags (RV_FFLAG_*).
 *  - NaN results are the canonical NaN (0x7ff8000000000000 / 0x7fc00000).
 *  - Integer results of conversions and comparisons are returned as the value
 *    to write to the destination x register (32-bit results sign-extended).
 */
#ifndef SYMUNIX_NODE_FPU_H
#define SYMUNIX_NODE_FPU_H

#include <stdint.h>

#include "node.h"

#define RV_FPU_BINOP(name)                                                                         \
    uint64_t rv_fpu_##name##_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);             \
    uint64_t rv_fpu_##name##_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
RV_FPU_BINOP(add)
RV_FPU_BINOP(sub)
RV_FPU_BINOP(mul)
RV_FPU_BINOP(div)
#undef RV_FPU_BINOP

uint64_t rv_fpu_sqrt_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags);

/* fmin/fmax: IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0; NV on sNaN. */
uint64_t rv_fpu_min_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_max_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags);

/* Fused multiply-add family: madd = a*b+c, msub = a*b-c, nmsub = -(a*b)+c,
 * nmadd = -(a*b)-c, each with a single rounding. */
#define RV_FPU_FMA(name)                                                                           \
    uint64_t rv_fpu_##name##_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags); \
    uint64_t rv_fpu_##name##_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
RV_FPU_FMA(madd)
RV_FPU_FMA(msub)
RV_FPU_FMA(nmsub)
RV_FPU_FMA(nmadd)
#undef RV_FPU_FMA

/* Sign injection (no flags; single-precision inputs still unboxed/checked). */
uint64_t rv_fpu_sgnj_s(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjn_s(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjx_s(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnj_d(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjn_d(uint64_t a, uint64_t b);
uint64_t rv_fpu_sgnjx_d(uint64_t a, uint64_t b);

/* Comparisons return 0 or 1. feq is quiet (NV only on sNaN); flt/fle signal NV on any NaN. */
uint64_t rv_fpu_eq_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_lt_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_le_s(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t rv_fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags);

/* fclass: the 10-bit mask of the ISA manual. */
uint64_t rv_fpu_class_s(uint64_t a);
uint64_t rv_fpu_class_d(uint64_t a);

/* Float -> integer, saturating as the ISA manual's table says (NaN -> max). */
uint64_t rv_fpu_cvt_w_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_wu_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_l_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_lu_s(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_w_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_wu_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_l_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_lu_d(uint64_t a, unsigned rm, uint32_t *fflags);

/* Integer -> float. `x` is the source x register's full 64-bit value; the _w/_wu
 * forms use its low 32 bits. */
uint64_t rv_fpu_cvt_s_w(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_s_wu(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_s_l(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_s_lu(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_w(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_wu(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_l(uint64_t x, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_lu(uint64_t x, unsigned rm, uint32_t *fflags);

/* Between formats: fcvt.s.d rounds; fcvt.d.s is exact (NV on sNaN). */
uint64_t rv_fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t rv_fpu_cvt_d_s(uint64_t a, unsigned rm, uint32_t *fflags);

/*
 * The exact software path (integer arithmetic only) that serves RMM and hosts
 * without FMA3, exported so tests can check it against the host path in every
 * rounding mode. `dbl` picks double (else NaN-boxed single); unused operands
 * are ignored. Same contract as the functions above.
 */
enum {
    RV_FPU_OP_ADD,
    RV_FPU_OP_SUB,
    RV_FPU_OP_MUL,
    RV_FPU_OP_DIV,
    RV_FPU_OP_SQRT,
    RV_FPU_OP_MADD,
    RV_FPU_OP_MSUB,
    RV_FPU_OP_NMSUB,
    RV_FPU_OP_NMADD,
    RV_FPU_OP_CVT_S_D, /* a is a double; the result a NaN-boxed single */
};
uint64_t rv_fpu_soft(unsigned op, int dbl, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                     uint32_t *fflags);

#endif /* SYMUNIX_NODE_FPU_H */
