/*
 * test_fpu.c — the F/D semantics of node/fpu.c, checked against hand-derived
 * IEEE 754 bit patterns and flags (cross-checked with qemu-riscv64 while the
 * tables were written), plus a differential test of the host SSE path against
 * the exact software path in the four rounding modes x86 has.
 */
#include <criterion/criterion.h>
#include <xmmintrin.h>

#include "node/fpu.h"

/* Doubles. */
#define D_ONE     0x3ff0000000000000ull
#define D_MONE    0xbff0000000000000ull
#define D_TWO     0x4000000000000000ull
#define D_THREE   0x4008000000000000ull
#define D_HALF    0x3fe0000000000000ull
#define D_MHALF   0xbfe0000000000000ull
#define D_ZERO    0x0000000000000000ull
#define D_NZERO   0x8000000000000000ull
#define D_INF     0x7ff0000000000000ull
#define D_NINF    0xfff0000000000000ull
#define D_QNAN    0x7ff8000000000000ull /* canonical */
#define D_QNANP   0xfff8000000000123ull /* quiet, with payload and sign */
#define D_SNAN    0x7ff0000000000001ull
#define D_MAX     0x7fefffffffffffffull
#define D_NMAX    0xffefffffffffffffull
#define D_MINNORM 0x0010000000000000ull
#define D_MAXSUB  0x000fffffffffffffull
#define D_MINSUB  0x0000000000000001ull
#define D_EPS2    0x3ca0000000000000ull /* 2^-53: half an ulp of 1 */
#define D_1P      0x3ff0000000000001ull /* 1 + 2^-52 */
#define D_1M      0x3fefffffffffffffull /* 1 - 2^-53 */

/* Singles, NaN-boxed. */
#define B(x)     (0xffffffff00000000ull | (x))
#define S_ONE    B(0x3f800000u)
#define S_MONE   B(0xbf800000u)
#define S_ZERO   B(0x00000000u)
#define S_NZERO  B(0x80000000u)
#define S_INF    B(0x7f800000u)
#define S_NINF   B(0xff800000u)
#define S_QNAN   B(0x7fc00000u)
#define S_SNAN   B(0x7f800001u)
#define S_MAX    B(0x7f7fffffu)
#define S_EPS2   B(0x33800000u) /* 2^-24 */
#define S_MINSUB B(0x00000001u)

enum { RNE = RV_RM_RNE, RTZ = RV_RM_RTZ, RDN = RV_RM_RDN, RUP = RV_RM_RUP, RMM = RV_RM_RMM };
enum { NX = RV_FFLAG_NX, UF = RV_FFLAG_UF, OF = RV_FFLAG_OF, DZ = RV_FFLAG_DZ, NV = RV_FFLAG_NV };

/* One operation of the table: op picks the function, dbl the precision. */
enum { ADD, SUB, MUL, DIV, SQRT, MADD, MSUB, NMSUB, NMADD };

struct arith_case {
    int op, dbl;
    uint64_t a, b, c;
    unsigned rm;
    uint64_t want;
    uint32_t flags;
};

static uint64_t run_arith(const struct arith_case *t, uint32_t *fl)
{
    typedef uint64_t (*f2)(uint64_t, uint64_t, unsigned, uint32_t *);
    typedef uint64_t (*f3)(uint64_t, uint64_t, uint64_t, unsigned, uint32_t *);
    static const f2 bin[2][4] = {
        {rv_fpu_add_s, rv_fpu_sub_s, rv_fpu_mul_s, rv_fpu_div_s},
        {rv_fpu_add_d, rv_fpu_sub_d, rv_fpu_mul_d, rv_fpu_div_d},
    };
    static const f3 fma[2][4] = {
        {rv_fpu_madd_s, rv_fpu_msub_s, rv_fpu_nmsub_s, rv_fpu_nmadd_s},
        {rv_fpu_madd_d, rv_fpu_msub_d, rv_fpu_nmsub_d, rv_fpu_nmadd_d},
    };
    if (t->op == SQRT)
        return t->dbl ? rv_fpu_sqrt_d(t->a, t->rm, fl) : rv_fpu_sqrt_s(t->a, t->rm, fl);
    if (t->op < SQRT) return bin[t->dbl][t->op](t->a, t->b, t->rm, fl);
    return fma[t->dbl][t->op - MADD](t->a, t->b, t->c, t->rm, fl);
}

static const struct arith_case arith_cases[] = {
    /* NaN propagation: canonical NaN out, NV only for sNaN. */
    {ADD, 1, D_QNANP, D_ONE, 0, RNE, D_QNAN, 0},
    {ADD, 1, D_ONE, D_SNAN, 0, RNE, D_QNAN, NV},
    {MUL, 1, D_SNAN, D_QNANP, 0, RNE, D_QNAN, NV},
    {DIV, 1, D_QNANP, D_ONE, 0, RUP, D_QNAN, 0},
    {SQRT, 1, D_SNAN, 0, 0, RNE, D_QNAN, NV},
    {MADD, 1, D_ONE, D_ONE, D_SNAN, RNE, D_QNAN, NV},
    {MADD, 1, D_QNANP, D_ONE, D_ONE, RNE, D_QNAN, 0},
    {ADD, 0, S_SNAN, S_ONE, 0, RNE, S_QNAN, NV},
    {MUL, 0, B(0xffc00123u), S_ONE, 0, RMM, S_QNAN, 0},
    {MADD, 0, S_ONE, S_SNAN, S_ONE, RMM, S_QNAN, NV},
    /* Improperly boxed singles read as the canonical NaN (quiet: no NV). */
    {ADD, 0, 0x000000003f800000ull, S_ONE, 0, RNE, S_QNAN, 0},
    {SQRT, 0, 0x7fffffff40800000ull, 0, 0, RNE, S_QNAN, 0},
    /* Signed zero: x + (-x) is -0 only in RDN. */
    {ADD, 1, D_ONE, D_MONE, 0, RNE, D_ZERO, 0},
    {ADD, 1, D_ONE, D_MONE, 0, RTZ, D_ZERO, 0},
    {ADD, 1, D_ONE, D_MONE, 0, RDN, D_NZERO, 0},
    {ADD, 1, D_ONE, D_MONE, 0, RUP, D_ZERO, 0},
    {ADD, 1, D_ONE, D_MONE, 0, RMM, D_ZERO, 0},
    {SUB, 1, D_ONE, D_ONE, 0, RDN, D_NZERO, 0},
    {ADD, 1, D_NZERO, D_NZERO, 0, RNE, D_NZERO, 0},
    {ADD, 1, D_ZERO, D_NZERO, 0, RNE, D_ZERO, 0},
    {ADD, 1, D_ZERO, D_NZERO, 0, RDN, D_NZERO, 0},
    {MUL, 1, D_NZERO, D_ONE, 0, RNE, D_NZERO, 0},
    {SQRT, 1, D_NZERO, 0, 0, RNE, D_NZERO, 0},
    {MADD, 1, D_ZERO, D_ONE, D_NZERO, RNE, D_ZERO, 0},
    {MADD, 1, D_ZERO, D_ONE, D_NZERO, RDN, D_NZERO, 0},
    {MADD, 1, D_ONE, D_ONE, D_MONE, RDN, D_NZERO, 0},
    {MADD, 1, D_ONE, D_ONE, D_MONE, RMM, D_ZERO, 0},
    {ADD, 0, S_ONE, S_MONE, 0, RDN, S_NZERO, 0},
    {ADD, 0, S_ONE, S_MONE, 0, RMM, S_ZERO, 0},
    /* Infinities and invalid operations. */
    {ADD, 1, D_INF, D_NINF, 0, RNE, D_QNAN, NV},
    {SUB, 1, D_INF, D_INF, 0, RNE, D_QNAN, NV},
    {ADD, 1, D_INF, D_INF, 0, RNE, D_INF, 0},
    {MUL, 1, D_ZERO, D_INF, 0, RNE, D_QNAN, NV},
    {MUL, 1, D_NINF, D_TWO, 0, RMM, D_NINF, 0},
    {DIV, 1, D_INF, D_INF, 0, RNE, D_QNAN, NV},
    {DIV, 1, D_ZERO, D_ZERO, 0, RNE, D_QNAN, NV},
    {DIV, 1, D_INF, D_ZERO, 0, RNE, D_INF, 0},
    {DIV, 1, D_ONE, D_INF, 0, RNE, D_ZERO, 0},
    {SQRT, 1, D_MONE, 0, 0, RNE, D_QNAN, NV},
    {SQRT, 1, D_NINF, 0, 0, RMM, D_QNAN, NV},
    {SQRT, 1, D_INF, 0, 0, RNE, D_INF, 0},
    {MADD, 1, D_ZERO, D_INF, D_QNAN, RNE, D_QNAN, NV}, /* NV even with a quiet addend */
    {MADD, 1, D_INF, D_ZERO, D_QNANP, RMM, D_QNAN, NV},
    {MADD, 0, S_ZERO, S_INF, S_QNAN, RNE, S_QNAN, NV},
    {MADD, 1, D_INF, D_ONE, D_NINF, RNE, D_QNAN, NV},
    {MADD, 1, D_MAX, D_TWO, D_NINF, RNE, D_NINF, 0}, /* fused: no overflow */
    /* Division by zero. */
    {DIV, 1, D_ONE, D_ZERO, 0, RNE, D_INF, DZ},
    {DIV, 1, D_MONE, D_ZERO, 0, RNE, D_NINF, DZ},
    {DIV, 1, D_ONE, D_NZERO, 0, RTZ, D_NINF, DZ},
    {DIV, 0, S_ONE, S_ZERO, 0, RMM, S_INF, DZ},
    /* Overflow: the result depends on the mode and the sign. */
    {MUL, 1, D_MAX, D_TWO, 0, RNE, D_INF, OF | NX},
    {MUL, 1, D_MAX, D_TWO, 0, RTZ, D_MAX, OF | NX},
    {MUL, 1, D_MAX, D_TWO, 0, RDN, D_MAX, OF | NX},
    {MUL, 1, D_MAX, D_TWO, 0, RUP, D_INF, OF | NX},
    {MUL, 1, D_MAX, D_TWO, 0, RMM, D_INF, OF | NX},
    {MUL, 1, D_NMAX, D_TWO, 0, RTZ, D_NMAX, OF | NX},
    {MUL, 1, D_NMAX, D_TWO, 0, RDN, D_NINF, OF | NX},
    {MUL, 1, D_NMAX, D_TWO, 0, RUP, D_NMAX, OF | NX},
    {ADD, 1, D_MAX, D_MAX, 0, RNE, D_INF, OF | NX},
    {ADD, 1, D_MAX, D_ONE, 0, RNE, D_MAX, NX},
    {MUL, 0, S_MAX, B(0x40000000u), 0, RTZ, S_MAX, OF | NX},
    {MUL, 0, S_MAX, B(0x40000000u), 0, RMM, S_INF, OF | NX},
    {MADD, 1, D_MAX, D_TWO, D_NMAX, RNE, D_MAX, 0}, /* 2max - max exact */
    /* Subnormals and underflow (tininess after rounding). */
    {MUL, 1, D_MINNORM, D_HALF, 0, RNE, 0x0008000000000000ull, 0}, /* exact: no UF */
    {DIV, 1, D_MINSUB, D_TWO, 0, RNE, D_ZERO, UF | NX},            /* tie to even 0 */
    {DIV, 1, D_MINSUB, D_TWO, 0, RMM, D_MINSUB, UF | NX},          /* tie away */
    {DIV, 1, D_MINSUB, D_TWO, 0, RUP, D_MINSUB, UF | NX},
    {DIV, 1, D_MINSUB, D_TWO, 0, RDN, D_ZERO, UF | NX},
    {DIV, 1, D_MINSUB, D_TWO, 0, RTZ, D_ZERO, UF | NX},
    {MUL, 1, D_MINSUB | D_NZERO, D_HALF, 0, RDN, D_MINSUB | D_NZERO, UF | NX},
    /* maxsub * (1+2^-52) = 2^-1022 - 2^-1126: rounds to the smallest normal,
     * which is not tiny after rounding (no UF); RTZ keeps it subnormal. */
    {MUL, 1, D_MAXSUB, D_1P, 0, RNE, D_MINNORM, NX},
    {MUL, 1, D_MAXSUB, D_1P, 0, RMM, D_MINNORM, NX},
    {MUL, 1, D_MAXSUB, D_1P, 0, RTZ, D_MAXSUB, UF | NX},
    {ADD, 1, D_MINSUB, D_MINSUB, 0, RNE, 0x0000000000000002ull, 0}, /* exact */
    {MUL, 0, S_MINSUB, B(0x3f000000u), 0, RNE, S_ZERO, UF | NX},
    {MUL, 0, S_MINSUB, B(0x3f000000u), 0, RMM, S_MINSUB, UF | NX},
    /* Ties: RNE and RMM differ exactly on them. */
    {ADD, 1, D_ONE, D_EPS2, 0, RNE, D_ONE, NX},
    {ADD, 1, D_ONE, D_EPS2, 0, RMM, D_1P, NX},
    {ADD, 1, D_ONE, D_EPS2, 0, RUP, D_1P, NX},
    {ADD, 1, D_ONE, D_EPS2, 0, RDN, D_ONE, NX},
    {ADD, 1, D_ONE, D_EPS2, 0, RTZ, D_ONE, NX},
    {ADD, 1, D_MONE, D_EPS2 | D_NZERO, 0, RNE, D_MONE, NX},
    {ADD, 1, D_MONE, D_EPS2 | D_NZERO, 0, RMM, D_1P | D_NZERO, NX},
    {ADD, 1, D_MONE, D_EPS2 | D_NZERO, 0, RDN, D_1P | D_NZERO, NX},
    {ADD, 1, D_MONE, D_EPS2 | D_NZERO, 0, RUP, D_MONE, NX},
    {ADD, 1, D_1P, D_EPS2, 0, RNE, 0x3ff0000000000002ull, NX}, /* odd: both go up */
    {ADD, 1, D_1P, D_EPS2, 0, RMM, 0x3ff0000000000002ull, NX},
    {MADD, 1, D_ONE, D_ONE, D_EPS2, RNE, D_ONE, NX},
    {MADD, 1, D_ONE, D_ONE, D_EPS2, RMM, D_1P, NX},
    {MUL, 1, D_1P, D_1P, 0, RMM, 0x3ff0000000000002ull, NX}, /* 1+2^-51+2^-104 */
    {ADD, 0, S_ONE, S_EPS2, 0, RNE, S_ONE, NX},
    {ADD, 0, S_ONE, S_EPS2, 0, RMM, B(0x3f800001u), NX},
    {ADD, 0, S_ONE, S_EPS2, 0, RUP, B(0x3f800001u), NX},
    /* Ordinary rounding. */
    {DIV, 1, D_ONE, D_THREE, 0, RNE, 0x3fd5555555555555ull, NX},
    {DIV, 1, D_ONE, D_THREE, 0, RUP, 0x3fd5555555555556ull, NX},
    {DIV, 1, D_ONE, D_THREE, 0, RMM, 0x3fd5555555555555ull, NX},
    {SQRT, 1, D_TWO, 0, 0, RNE, 0x3ff6a09e667f3bcdull, NX},
    {SQRT, 1, D_TWO, 0, 0, RTZ, 0x3ff6a09e667f3bccull, NX},
    {SQRT, 1, D_TWO, 0, 0, RMM, 0x3ff6a09e667f3bcdull, NX},
    {SQRT, 1, 0x4010000000000000ull, 0, 0, RNE, D_TWO, 0},
    {SQRT, 0, B(0x40800000u), 0, 0, RMM, B(0x40000000u), 0},
    /* The four FMA forms: a=2, b=3, c=1. */
    {MADD, 1, D_TWO, D_THREE, D_ONE, RNE, 0x401c000000000000ull, 0},
    {MSUB, 1, D_TWO, D_THREE, D_ONE, RNE, 0x4014000000000000ull, 0},
    {NMSUB, 1, D_TWO, D_THREE, D_ONE, RNE, 0xc014000000000000ull, 0},
    {NMADD, 1, D_TWO, D_THREE, D_ONE, RNE, 0xc01c000000000000ull, 0},
    {NMADD, 0, B(0x40000000u), B(0x40400000u), S_ONE, RMM, B(0xc0e00000u), 0},
    /* One rounding: (1+2^-52)(1-2^-53) - 1 = 2^-53 - 2^-105 exactly. */
    {MADD, 1, D_1P, D_1M, D_MONE, RNE, 0x3c9ffffffffffffeull, 0},
    {MSUB, 1, D_1P, D_1M, D_ONE, RMM, 0x3c9ffffffffffffeull, 0},
};

Test(fpu, arithmetic_table)
{
    for (size_t i = 0; i < sizeof arith_cases / sizeof arith_cases[0]; i++) {
        const struct arith_case *t = &arith_cases[i];
        uint32_t fl = 0;
        uint64_t got = run_arith(t, &fl);
        cr_expect(got == t->want && fl == t->flags,
                  "case %zu (op %d %s rm %u): got %#llx/%#x want %#llx/%#x", i, t->op,
                  t->dbl ? "d" : "s", t->rm, (unsigned long long)got, fl,
                  (unsigned long long)t->want, t->flags);
        /* Flags already accrued must not hide new ones nor change the result. */
        uint32_t fl2 = NX;
        cr_expect(run_arith(t, &fl2) == t->want && fl2 == (t->flags | NX), "case %zu with NX set",
                  i);
    }
}

/* Float -> integer conversions. */
enum { W, WU, L, LU };
struct toint_case {
    int kind, dbl;
    uint64_t a;
    unsigned rm;
    uint64_t want;
    uint32_t flags;
};

static const struct toint_case toint_cases[] = {
    {W, 1, 0x41e65a0bc0000000ull, RNE, 0x7fffffffull, NV},         /* 3e9 */
    {W, 1, 0xc1e65a0bc0000000ull, RNE, 0xffffffff80000000ull, NV}, /* -3e9 */
    {W, 1, D_QNAN, RNE, 0x7fffffffull, NV},
    {W, 1, D_QNANP, RTZ, 0x7fffffffull, NV}, /* NaN saturates positive */
    {W, 1, D_INF, RNE, 0x7fffffffull, NV},
    {W, 1, D_NINF, RNE, 0xffffffff80000000ull, NV},
    {W, 1, 0x41dfffffffe00000ull, RNE, 0x7fffffffull, NV}, /* 2^31-0.5 rounds to 2^31 */
    {W, 1, 0x41dfffffffe00000ull, RTZ, 0x7fffffffull, NX},
    {W, 1, 0x41dfffffffe00000ull, RMM, 0x7fffffffull, NV},
    {W, 1, 0xc1e0000000000000ull, RNE, 0xffffffff80000000ull, 0}, /* -2^31 exact */
    {W, 1, 0x4004000000000000ull, RNE, 2, NX},                    /* 2.5 */
    {W, 1, 0x4004000000000000ull, RMM, 3, NX},
    {W, 1, 0x4004000000000000ull, RUP, 3, NX},
    {W, 1, 0x4004000000000000ull, RDN, 2, NX},
    {W, 1, 0x4004000000000000ull, RTZ, 2, NX},
    {W, 1, 0xc004000000000000ull, RNE, (uint64_t)-2, NX},
    {W, 1, 0xc004000000000000ull, RMM, (uint64_t)-3, NX},
    {W, 1, 0xc004000000000000ull, RDN, (uint64_t)-3, NX},
    {W, 1, D_MHALF, RNE, 0, NX},
    {W, 1, D_MHALF, RDN, (uint64_t)-1, NX},
    {W, 1, D_MHALF, RMM, (uint64_t)-1, NX},
    {W, 1, D_NZERO, RNE, 0, 0},
    {W, 1, D_MINSUB, RUP, 1, NX},
    /* wu: sign-extended 32-bit result; -0.5 in each mode. */
    {WU, 1, 0x41e65a0bc0000000ull, RNE, 0xffffffffb2d05e00ull, 0},
    {WU, 1, 0xc1e65a0bc0000000ull, RNE, 0, NV},
    {WU, 1, D_QNAN, RNE, 0xffffffffffffffffull, NV},
    {WU, 1, D_INF, RNE, 0xffffffffffffffffull, NV},
    {WU, 1, D_NINF, RNE, 0, NV},
    {WU, 1, D_MHALF, RNE, 0, NX},
    {WU, 1, D_MHALF, RTZ, 0, NX},
    {WU, 1, D_MHALF, RDN, 0, NV},
    {WU, 1, D_MHALF, RUP, 0, NX},
    {WU, 1, D_MHALF, RMM, 0, NV},
    {WU, 1, D_MONE, RTZ, 0, NV},
    {WU, 1, 0x41efffffffe00000ull, RTZ, 0xffffffffffffffffull, 0},  /* 2^32-1 */
    {WU, 1, 0x41f0000000000000ull, RTZ, 0xffffffffffffffffull, NV}, /* 2^32 */
    /* l and lu at the edges of 64 bits. */
    {L, 1, 0x43e0000000000000ull, RNE, 0x7fffffffffffffffull, NV},
    {L, 1, 0xc3e0000000000000ull, RNE, 0x8000000000000000ull, 0},
    {L, 1, 0xc3e0000000000001ull, RNE, 0x8000000000000000ull, NV},
    {L, 1, D_QNAN, RNE, 0x7fffffffffffffffull, NV},
    {L, 1, 0x43dfffffffffffffull, RNE, 0x7ffffffffffffc00ull, 0},
    {LU, 1, 0x43f0000000000000ull, RNE, ~0ull, NV},
    {LU, 1, 0x43e0000000000000ull, RNE, 0x8000000000000000ull, 0},
    {LU, 1, 0x43efffffffffffffull, RNE, 0xfffffffffffff800ull, 0},
    {LU, 1, D_MONE, RNE, 0, NV},
    {LU, 1, D_NINF, RNE, 0, NV},
    {LU, 1, D_QNAN, RNE, ~0ull, NV},
    /* Singles. */
    {W, 0, B(0x4f32d05eu), RNE, 0x7fffffffull, NV}, /* 3e9f */
    {WU, 0, B(0x4f32d05eu), RNE, 0xffffffffb2d05e00ull, 0},
    {W, 0, B(0xc0200000u), RMM, (uint64_t)-3, NX}, /* -2.5f */
    {W, 0, B(0xc0200000u), RNE, (uint64_t)-2, NX},
    {WU, 0, B(0xbf000000u), RDN, 0, NV},
    {L, 0, B(0xdf000000u), RNE, 0x8000000000000000ull, 0}, /* -2^63 */
    {L, 0, B(0x5f000000u), RNE, 0x7fffffffffffffffull, NV},
    {LU, 0, B(0x5f800000u), RNE, ~0ull, NV},       /* 2^64 */
    {W, 0, 0x3f800000ull, RNE, 0x7fffffffull, NV}, /* unboxed: canonical NaN */
};

Test(fpu, float_to_int_table)
{
    typedef uint64_t (*fn)(uint64_t, unsigned, uint32_t *);
    static const fn f[2][4] = {
        {rv_fpu_cvt_w_s, rv_fpu_cvt_wu_s, rv_fpu_cvt_l_s, rv_fpu_cvt_lu_s},
        {rv_fpu_cvt_w_d, rv_fpu_cvt_wu_d, rv_fpu_cvt_l_d, rv_fpu_cvt_lu_d},
    };
    for (size_t i = 0; i < sizeof toint_cases / sizeof toint_cases[0]; i++) {
        const struct toint_case *t = &toint_cases[i];
        uint32_t fl = 0;
        uint64_t got = f[t->dbl][t->kind](t->a, t->rm, &fl);
        cr_expect(got == t->want && fl == t->flags, "case %zu: got %#llx/%#x want %#llx/%#x", i,
                  (unsigned long long)got, fl, (unsigned long long)t->want, t->flags);
    }
}

Test(fpu, int_to_float)
{
    uint32_t fl = 0;
    /* 2^24+1 is a tie between 2^24 and 2^24+2. */
    cr_expect_eq(rv_fpu_cvt_s_w(16777217, RNE, &fl), B(0x4b800000u));
    cr_expect_eq(fl, NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_w(16777217, RMM, &fl), B(0x4b800001u));
    cr_expect_eq(rv_fpu_cvt_s_w(16777217, RUP, &fl), B(0x4b800001u));
    cr_expect_eq(rv_fpu_cvt_s_w(16777217, RTZ, &fl), B(0x4b800000u));
    cr_expect_eq(rv_fpu_cvt_s_w((uint32_t)-16777217, RDN, &fl), B(0xcb800001u));
    cr_expect_eq(fl, NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_wu(0xffffffffu, RNE, &fl), B(0x4f800000u)); /* 2^32 */
    cr_expect_eq(rv_fpu_cvt_s_wu(0xffffffffu, RTZ, &fl), B(0x4f7fffffu));
    cr_expect_eq(rv_fpu_cvt_s_l(0, RNE, &fl), S_ZERO);
    cr_expect_eq(rv_fpu_cvt_s_lu(~0ull, RNE, &fl), B(0x5f800000u)); /* 2^64 */
    cr_expect_eq(fl, NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_d_l((1ull << 53) + 1, RNE, &fl), 0x4340000000000000ull);
    cr_expect_eq(fl, NX);
    cr_expect_eq(rv_fpu_cvt_d_l((1ull << 53) + 1, RMM, &fl), 0x4340000000000001ull);
    cr_expect_eq(rv_fpu_cvt_d_l(0x8000000000000000ull, RNE, &fl), 0xc3e0000000000000ull);
    cr_expect_eq(rv_fpu_cvt_d_lu(~0ull, RNE, &fl), 0x43f0000000000000ull);
    cr_expect_eq(rv_fpu_cvt_d_lu(~0ull, RTZ, &fl), 0x43efffffffffffffull);
    fl = 0;
    /* The _w forms read only the low 32 bits of the x register. */
    cr_expect_eq(rv_fpu_cvt_d_w(0x12345678ffffffffull, RNE, &fl), D_MONE);
    cr_expect_eq(rv_fpu_cvt_d_wu(0x12345678ffffffffull, RNE, &fl), 0x41efffffffe00000ull);
    cr_expect_eq(rv_fpu_cvt_d_l(3, RNE, &fl), 0x4008000000000000ull);
    cr_expect_eq(fl, 0);
}

Test(fpu, between_formats)
{
    uint32_t fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(0x3ff0000010000000ull, RNE, &fl), S_ONE); /* 1+2^-24 tie */
    cr_expect_eq(fl, NX);
    cr_expect_eq(rv_fpu_cvt_s_d(0x3ff0000010000000ull, RMM, &fl), B(0x3f800001u));
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(D_MAX, RNE, &fl), S_INF);
    cr_expect_eq(fl, OF | NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(D_MAX, RTZ, &fl), S_MAX);
    cr_expect_eq(fl, OF | NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(D_NMAX, RMM, &fl), S_NINF);
    cr_expect_eq(fl, OF | NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(0x358dee7a4ad4b81full, RNE, &fl), S_ZERO); /* 1e-50 */
    cr_expect_eq(fl, UF | NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(0x358dee7a4ad4b81full, RUP, &fl), S_MINSUB);
    cr_expect_eq(fl, UF | NX);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(0x36a0000000000000ull, RNE, &fl), S_MINSUB); /* 2^-149 */
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_cvt_s_d(D_SNAN, RNE, &fl), S_QNAN);
    cr_expect_eq(fl, NV);
    fl = 0;
    cr_expect_eq(rv_fpu_cvt_s_d(D_QNANP, RNE, &fl), S_QNAN);
    cr_expect_eq(rv_fpu_cvt_s_d(D_NZERO, RNE, &fl), S_NZERO);
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_cvt_d_s(B(0x3fc00000u), RNE, &fl), 0x3ff8000000000000ull);
    cr_expect_eq(rv_fpu_cvt_d_s(S_MINSUB, RNE, &fl), 0x36a0000000000000ull);
    cr_expect_eq(rv_fpu_cvt_d_s(0x3f800000ull, RNE, &fl), D_QNAN); /* unboxed */
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_cvt_d_s(S_SNAN, RNE, &fl), D_QNAN);
    cr_expect_eq(fl, NV);
}

Test(fpu, min_max)
{
    uint32_t fl = 0;
    cr_expect_eq(rv_fpu_min_d(D_ZERO, D_NZERO, &fl), D_NZERO);
    cr_expect_eq(rv_fpu_min_d(D_NZERO, D_ZERO, &fl), D_NZERO);
    cr_expect_eq(rv_fpu_max_d(D_NZERO, D_ZERO, &fl), D_ZERO);
    cr_expect_eq(rv_fpu_max_d(D_ZERO, D_NZERO, &fl), D_ZERO);
    cr_expect_eq(rv_fpu_min_d(D_QNANP, D_ONE, &fl), D_ONE);
    cr_expect_eq(rv_fpu_max_d(D_TWO, D_QNANP, &fl), D_TWO);
    cr_expect_eq(rv_fpu_min_d(D_NINF, D_ONE, &fl), D_NINF);
    cr_expect_eq(rv_fpu_max_d(D_NMAX, D_MONE, &fl), D_MONE);
    cr_expect_eq(rv_fpu_min_d(D_QNANP, D_QNANP, &fl), D_QNAN);
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_min_d(D_SNAN, D_ONE, &fl), D_ONE); /* quietly the number, but NV */
    cr_expect_eq(fl, NV);
    fl = 0;
    cr_expect_eq(rv_fpu_max_d(D_SNAN, D_QNAN, &fl), D_QNAN);
    cr_expect_eq(fl, NV);
    fl = 0;
    cr_expect_eq(rv_fpu_min_s(S_ZERO, S_NZERO, &fl), S_NZERO);
    cr_expect_eq(rv_fpu_max_s(S_ONE, S_QNAN, &fl), S_ONE);
    cr_expect_eq(rv_fpu_max_s(0x3f800000ull, S_MONE, &fl), S_MONE); /* unboxed = NaN */
    cr_expect_eq(rv_fpu_min_s(S_MONE, B(0xc0000000u), &fl), B(0xc0000000u));
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_max_s(S_SNAN, S_SNAN, &fl), S_QNAN);
    cr_expect_eq(fl, NV);
}

Test(fpu, compare)
{
    uint32_t fl = 0;
    cr_expect_eq(rv_fpu_eq_d(D_ZERO, D_NZERO, &fl), 1);
    cr_expect_eq(rv_fpu_lt_d(D_NZERO, D_ZERO, &fl), 0);
    cr_expect_eq(rv_fpu_le_d(D_NZERO, D_ZERO, &fl), 1);
    cr_expect_eq(rv_fpu_lt_d(D_MONE, D_ONE, &fl), 1);
    cr_expect_eq(rv_fpu_lt_d(D_NMAX, D_NINF, &fl), 0);
    cr_expect_eq(rv_fpu_le_d(D_INF, D_INF, &fl), 1);
    cr_expect_eq(rv_fpu_lt_d(D_MINSUB, D_MINNORM, &fl), 1);
    cr_expect_eq(rv_fpu_eq_d(D_QNAN, D_QNAN, &fl), 0); /* feq is quiet */
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_eq_d(D_SNAN, D_ONE, &fl), 0);
    cr_expect_eq(fl, NV);
    fl = 0;
    cr_expect_eq(rv_fpu_lt_d(D_QNAN, D_ONE, &fl), 0); /* flt/fle signal */
    cr_expect_eq(fl, NV);
    fl = 0;
    cr_expect_eq(rv_fpu_le_d(D_ONE, D_QNANP, &fl), 0);
    cr_expect_eq(fl, NV);
    fl = 0;
    cr_expect_eq(rv_fpu_lt_s(S_MONE, S_ZERO, &fl), 1);
    cr_expect_eq(rv_fpu_le_s(B(0xc0000000u), S_MONE, &fl), 1);
    cr_expect_eq(rv_fpu_eq_s(S_NZERO, S_ZERO, &fl), 1);
    cr_expect_eq(rv_fpu_eq_s(0x3f800000ull, 0x3f800000ull, &fl), 0); /* unboxed: quiet NaNs */
    cr_expect_eq(fl, 0);
    cr_expect_eq(rv_fpu_le_s(S_QNAN, S_ONE, &fl), 0);
    cr_expect_eq(fl, NV);
}

Test(fpu, sign_injection)
{
    cr_expect_eq(rv_fpu_sgnj_d(D_ONE, D_NZERO), D_MONE);
    cr_expect_eq(rv_fpu_sgnjn_d(D_ONE, D_NZERO), D_ONE);
    cr_expect_eq(rv_fpu_sgnjx_d(D_MONE, D_NZERO), D_ONE);
    cr_expect_eq(rv_fpu_sgnj_d(D_SNAN, D_MONE), D_SNAN | D_NZERO); /* payload kept */
    cr_expect_eq(rv_fpu_sgnjn_s(S_ONE, S_ONE), S_MONE);
    cr_expect_eq(rv_fpu_sgnjx_s(S_MONE, S_MONE), S_ONE);
    cr_expect_eq(rv_fpu_sgnj_s(0x3f800000ull, S_MONE), B(0xffc00000u)); /* unboxed a */
    cr_expect_eq(rv_fpu_sgnj_s(S_ONE, 0xbf800000ull), S_ONE);           /* unboxed b is +qNaN */
}

Test(fpu, classify)
{
    static const struct {
        uint64_t d, s;
        uint64_t mask;
    } c[] = {
        {D_NINF, S_NINF, 1 << 0},
        {D_MONE, S_MONE, 1 << 1},
        {D_MINSUB | D_NZERO, S_MINSUB | 0x80000000u, 1 << 2},
        {D_NZERO, S_NZERO, 1 << 3},
        {D_ZERO, S_ZERO, 1 << 4},
        {D_MAXSUB, B(0x007fffffu), 1 << 5},
        {D_MINNORM, B(0x00800000u), 1 << 6},
        {D_INF, S_INF, 1 << 7},
        {D_SNAN, S_SNAN, 1 << 8},
        {D_QNANP, S_QNAN, 1 << 9},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cr_expect_eq(rv_fpu_class_d(c[i].d), c[i].mask, "double class %zu", i);
        cr_expect_eq(rv_fpu_class_s(c[i].s), c[i].mask, "single class %zu", i);
    }
    cr_expect_eq(rv_fpu_class_s(0x00000000ff800000ull), 1 << 9); /* unboxed: qNaN */
}

/* The host's own FP environment is left as found: RNE, nothing unmasked. */
Test(fpu, host_mxcsr_restored)
{
    uint32_t fl = 0;
    rv_fpu_add_d(D_ONE, D_EPS2, RUP, &fl);
    rv_fpu_madd_s(S_ONE, S_ONE, S_EPS2, RTZ, &fl);
    rv_fpu_cvt_s_d(0x3ff0000010000000ull, RDN, &fl);
    rv_fpu_mul_d(D_MAX, D_TWO, RMM, &fl);
    cr_expect_eq(_mm_getcsr() & ~0x3fu, 0x1f80u);
    volatile double one = 1.0, eps = 0x1p-53;
    cr_expect(one + eps == 1.0, "host arithmetic still rounds to nearest");
}

/* xorshift64 and operand shapes that reach every rounding situation. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t operand(int dbl)
{
    static const uint64_t sd[] = {D_ZERO,   D_NZERO,   D_INF, D_NINF, D_QNAN, D_SNAN, D_MINSUB,
                                  D_MAXSUB, D_MINNORM, D_MAX, D_ONE,  D_MONE, D_EPS2, D_1P};
    int ebits = dbl ? 11 : 8, mbits = dbl ? 52 : 23;
    uint64_t emax = (1ull << ebits) - 1, r = next(), e;
    int few_bits = r % 5 == 4;
    switch (r % 5) {
    case 0: {
        uint64_t x = sd[(r >> 8) % (sizeof sd / sizeof sd[0])];
        return dbl ? x : rv_fpu_cvt_s_d(x, RNE, &(uint32_t){0});
    }
    case 1: e = (r >> 8) % 40; break;                     /* tiny */
    case 2: e = emax - 1 - (r >> 8) % 40; break;          /* huge */
    case 3: e = (emax >> 1) - 30 + (r >> 8) % 60; break;  /* ordinary */
    default: e = (emax >> 1) - 30 + (r >> 8) % 60; break; /* few significant bits */
    }
    uint64_t m = next() & ((1ull << mbits) - 1);
    if (few_bits) /* exact products, frequent ties */
        m &= ~((1ull << (mbits - 6)) - 1);
    uint64_t x = (next() & 1) << (ebits + mbits) | e << mbits | m;
    return dbl ? x : 0xffffffff00000000ull | x;
}

/* The host path and the exact software path are independent implementations;
 * they must agree bit for bit, flags included, in RNE, RTZ, RDN and RUP. */
Test(fpu, host_path_matches_soft_path)
{
    long bad = 0;
    for (int i = 0; i < 200000; i++) {
        struct arith_case t = {.op = (int)(next() % 9), .dbl = (int)(next() & 1)};
        t.rm = (unsigned)(next() % 4);
        t.a = operand(t.dbl), t.b = operand(t.dbl), t.c = operand(t.dbl);
        uint32_t fh = 0, fs = 0;
        uint64_t h = run_arith(&t, &fh);
        uint64_t s = rv_fpu_soft((unsigned)t.op, t.dbl, t.a, t.b, t.c, t.rm, &fs);
        if ((h != s || fh != fs) && bad++ < 5)
            cr_log_error("op %d %s rm %u a %#llx b %#llx c %#llx: host %#llx/%#x soft %#llx/%#x",
                         t.op, t.dbl ? "d" : "s", t.rm, (unsigned long long)t.a,
                         (unsigned long long)t.b, (unsigned long long)t.c, (unsigned long long)h,
                         fh, (unsigned long long)s, fs);
    }
    cr_expect_eq(bad, 0, "%ld disagreements", bad);
}
