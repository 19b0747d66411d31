/*
 * node/fpu.c — the F and D extensions' arithmetic, on raw bits (see fpu.h).
 *
 * Two paths compute every rounded operation:
 *  - the host path runs the one matching SSE/FMA3 instruction with MXCSR's
 *    rounding control set from rm and maps MXCSR's flags to fflags. x86 SSE
 *    and RISC-V agree on IEEE 754 results and flags once NaNs are made
 *    canonical (both detect tininess after rounding, both raise underflow only
 *    when the tiny result is also inexact), so this path is exact and fast;
 *  - the soft path is an exact integer implementation (unpack, compute with a
 *    round-to-odd sticky bit in 128 bits, round once). It serves RMM, which x86
 *    lacks, and FMA on hosts without FMA3; tests also run it against the host.
 * Conversions to and from integers are done in integer arithmetic only.
 *
 * MXCSR discipline. The emulator always runs with MXCSR in its default state
 * (RNE, all exceptions masked, no FTZ/DAZ); nothing here leaves it otherwise.
 * So the RNE fast path is plain SSE arithmetic that never touches MXCSR (a
 * stmxcsr costs about 8 ns on the AMD host): a result well inside the normal
 * range cannot carry NV/DZ/OF/UF, and NX is either already accrued in the
 * guest's fflags or found from an exact error term (TwoSum, FMA residual).
 * Everything else takes one asm statement that loads the mode with cleared
 * flags, runs the instruction, reads the flags and reloads the default, so
 * the compiler can neither fold nor move FP work into that window. Host flag
 * bits are left as the plain fast-path arithmetic sets them: they are never
 * read outside that window and change no host computation.
 */
#include "fpu.h"

#include <string.h>

/* ---------- formats and bit helpers ---------- */

/* One IEEE binary format: p significand bits (with the hidden one), width w. */
struct fmt {
    int p, w, bias, emax;
    uint64_t emask; /* all-ones exponent field, unshifted */
};
static const struct fmt F32 = {24, 32, 127, 127, 0xff};
static const struct fmt F64 = {53, 64, 1023, 1023, 0x7ff};

#define CANON_S 0x7fc00000u
#define CANON_D 0x7ff8000000000000ull
#define BOX     0xffffffff00000000ull

typedef unsigned __int128 u128;

static inline uint32_t unbox(uint64_t a)
{
    return (a >> 32) == 0xffffffffu ? (uint32_t)a : CANON_S;
}

static inline uint64_t box(uint32_t s)
{
    return BOX | s;
}

static inline uint64_t sign_bit(const struct fmt *f)
{
    return 1ull << (f->w - 1);
}

static inline uint64_t frac_mask(const struct fmt *f)
{
    return (1ull << (f->p - 1)) - 1;
}

static inline uint64_t exp_field(const struct fmt *f, uint64_t x)
{
    return (x >> (f->p - 1)) & f->emask;
}

static inline int is_nan(const struct fmt *f, uint64_t x)
{
    return exp_field(f, x) == f->emask && (x & frac_mask(f)) != 0;
}

static inline int is_snan(const struct fmt *f, uint64_t x)
{
    return is_nan(f, x) && !(x & (1ull << (f->p - 2)));
}

static inline int is_inf(const struct fmt *f, uint64_t x)
{
    return exp_field(f, x) == f->emask && (x & frac_mask(f)) == 0;
}

static inline int is_zero(const struct fmt *f, uint64_t x)
{
    return (x & (sign_bit(f) - 1)) == 0;
}

static inline uint64_t canon(const struct fmt *f)
{
    return f->w == 64 ? CANON_D : CANON_S;
}

static inline uint64_t inf_of(const struct fmt *f, int s)
{
    return (s ? sign_bit(f) : 0) | (f->emask << (f->p - 1));
}

static inline uint64_t zero_of(const struct fmt *f, int s)
{
    return s ? sign_bit(f) : 0;
}

static inline double d_of(uint64_t x)
{
    double d;
    memcpy(&d, &x, sizeof d);
    return d;
}

static inline uint64_t bits_d(double d)
{
    uint64_t x;
    memcpy(&x, &d, sizeof x);
    return x;
}

static inline float f_of(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

static inline uint32_t bits_f(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
}

/* ---------- the soft path: exact rounding ---------- */

/* Whether rounding away the discarded part (half = its top bit, sticky = the
 * rest nonzero) increments the kept magnitude whose low bit is lsb. */
static inline int round_up(unsigned rm, int s, int lsb, int half, int sticky)
{
    switch (rm) {
    case RV_RM_RTZ: return 0;
    case RV_RM_RDN: return s && (half || sticky);
    case RV_RM_RUP: return !s && (half || sticky);
    case RV_RM_RMM: return half;
    default: return half && (sticky || lsb);
    }
}

/* m >> sh rounded by rm; *inexact reports discarded bits. Needs m < 2^127. */
static uint64_t shift_round(u128 m, int sh, unsigned rm, int s, int *inexact)
{
    uint64_t q;
    int half, sticky;
    if (sh >= 128) {
        q = 0, half = 0, sticky = m != 0;
    } else {
        q = (uint64_t)(m >> sh);
        half = (int)(m >> (sh - 1)) & 1;
        sticky = (m & (((u128)1 << (sh - 1)) - 1)) != 0;
    }
    *inexact = half || sticky;
    return q + round_up(rm, s, q & 1, half, sticky);
}

static uint64_t overflow_result(const struct fmt *f, int s, unsigned rm, uint32_t *fflags)
{
    uint64_t maxf = ((uint64_t)(f->emax + f->bias) << (f->p - 1)) | frac_mask(f);
    *fflags |= RV_FFLAG_OF | RV_FFLAG_NX;
    if (rm == RV_RM_RTZ || (rm == RV_RM_RDN && !s) || (rm == RV_RM_RUP && s))
        return zero_of(f, s) | maxf;
    return inf_of(f, s);
}

static inline int bitlen128(u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64);
    return hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)m);
}

/*
 * Round (-1)^s * m * 2^e (m != 0) to format f. m is exact, or rounded to odd
 * at a bit at least two places below f's rounding point. Tininess is judged
 * after rounding, as RISC-V (and x86) do.
 */
static uint64_t round_pack(const struct fmt *f, int s, int e, u128 m, unsigned rm, uint32_t *fflags)
{
    int n = bitlen128(m), inexact, tiny_inexact;
    if (n == 128) {
        m = (m >> 1) | (m & 1), e++, n--;
    }
    m <<= 127 - n; /* top bit now at 126: room for the carry of rounding */
    e -= 127 - n;
    int top = e + 126, emin = 1 - f->bias, sh = 127 - f->p;
    uint64_t q = shift_round(m, sh, rm, s, &inexact);
    int carry = (int)(q >> f->p);
    if (top >= emin) {
        if (carry) q >>= 1, top++;
        if (top > f->emax) return overflow_result(f, s, rm, fflags);
        if (inexact) *fflags |= RV_FFLAG_NX;
        return zero_of(f, s) | ((uint64_t)(top + f->bias) << (f->p - 1)) | (q & frac_mask(f));
    }
    int tiny = top + carry < emin;
    q = shift_round(m, sh + (emin - top), rm, s, &tiny_inexact);
    if (tiny_inexact) *fflags |= RV_FFLAG_NX | (tiny ? RV_FFLAG_UF : 0);
    return zero_of(f, s) | q; /* q == 2^(p-1) encodes the smallest normal */
}

/* A finite nonzero value as (-1)^s * m * 2^e. */
struct unpacked {
    int s, e;
    uint64_t m;
};

static struct unpacked unpack(const struct fmt *f, uint64_t x)
{
    struct unpacked u;
    uint64_t ef = exp_field(f, x);
    u.s = (x & sign_bit(f)) != 0;
    u.m = x & frac_mask(f);
    if (ef == 0) {
        u.e = 1 - f->bias - (f->p - 1);
    } else {
        u.m |= 1ull << (f->p - 1);
        u.e = (int)ef - f->bias - (f->p - 1);
    }
    return u;
}

/* Shift u's significand left so its top bit is bit 52 (exact). */
static struct unpacked normalize53(struct unpacked u)
{
    int sh = __builtin_clzll(u.m) - 11;
    u.m <<= sh;
    u.e -= sh;
    return u;
}

/* (-1)^sa*ma*2^ea + (-1)^sb*mb*2^eb, both nonzero, ma and mb below 2^126. */
static uint64_t soft_sum(const struct fmt *f, int sa, int ea, u128 ma, int sb, int eb, u128 mb,
                         unsigned rm, uint32_t *fflags)
{
    int sha = 125 - (bitlen128(ma) - 1), shb = 125 - (bitlen128(mb) - 1);
    ma <<= sha, ea -= sha; /* both tops at bit 125, low bits zero: exact */
    mb <<= shb, eb -= shb;
    if (ea < eb) {
        u128 tm = ma;
        int te = ea, ts = sa;
        ma = mb, ea = eb, sa = sb;
        mb = tm, eb = te, sb = ts;
    }
    int d = ea - eb;
    if (d >= 127)
        mb = 1; /* only the sticky bit survives */
    else if (d > 0)
        mb = (mb >> d) | ((mb & (((u128)1 << d) - 1)) != 0);
    /* ma is even, so ma ± (mb rounded to odd) is the sum rounded to odd. */
    u128 m;
    int s = sa;
    if (sa == sb) {
        m = ma + mb;
    } else if (ma >= mb) {
        m = ma - mb;
    } else {
        m = mb - ma, s = sb;
    }
    if (m == 0) return zero_of(f, rm == RV_RM_RDN);
    return round_pack(f, s, ea, m, rm, fflags);
}

/* Results of operations whose operands include a NaN: canonical, NV on sNaN. */
static uint64_t nan_result(const struct fmt *f, int signalling, uint32_t *fflags)
{
    if (signalling) *fflags |= RV_FFLAG_NV;
    return canon(f);
}

static uint64_t invalid(const struct fmt *f, uint32_t *fflags)
{
    return nan_result(f, 1, fflags);
}

static uint64_t soft_add(const struct fmt *f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b)) return nan_result(f, is_snan(f, a) || is_snan(f, b), fflags);
    int sa = (a & sign_bit(f)) != 0, sb = (b & sign_bit(f)) != 0;
    if (is_inf(f, a)) return is_inf(f, b) && sa != sb ? invalid(f, fflags) : a;
    if (is_inf(f, b)) return b;
    if (is_zero(f, a) && is_zero(f, b)) return sa == sb ? a : zero_of(f, rm == RV_RM_RDN);
    if (is_zero(f, a)) return b;
    if (is_zero(f, b)) return a;
    struct unpacked ua = unpack(f, a), ub = unpack(f, b);
    return soft_sum(f, ua.s, ua.e, ua.m, ub.s, ub.e, ub.m, rm, fflags);
}

static uint64_t soft_mul(const struct fmt *f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b)) return nan_result(f, is_snan(f, a) || is_snan(f, b), fflags);
    int s = ((a ^ b) & sign_bit(f)) != 0;
    if (is_inf(f, a) || is_inf(f, b))
        return is_zero(f, a) || is_zero(f, b) ? invalid(f, fflags) : inf_of(f, s);
    if (is_zero(f, a) || is_zero(f, b)) return zero_of(f, s);
    struct unpacked ua = unpack(f, a), ub = unpack(f, b);
    return round_pack(f, s, ua.e + ub.e, (u128)ua.m * ub.m, rm, fflags);
}

static uint64_t soft_div(const struct fmt *f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b)) return nan_result(f, is_snan(f, a) || is_snan(f, b), fflags);
    int s = ((a ^ b) & sign_bit(f)) != 0;
    if (is_inf(f, a)) return is_inf(f, b) ? invalid(f, fflags) : inf_of(f, s);
    if (is_inf(f, b)) return zero_of(f, s);
    if (is_zero(f, b)) {
        if (is_zero(f, a)) return invalid(f, fflags);
        *fflags |= RV_FFLAG_DZ;
        return inf_of(f, s);
    }
    if (is_zero(f, a)) return zero_of(f, s);
    struct unpacked ua = normalize53(unpack(f, a)), ub = normalize53(unpack(f, b));
    u128 num = (u128)ua.m << 64;
    u128 q = num / ub.m;
    q |= (num % ub.m) != 0; /* at least 64 quotient bits, then sticky */
    return round_pack(f, s, ua.e - ub.e - 64, q, rm, fflags);
}

/* floor(sqrt(m)); *exact says whether the root is exact. */
static u128 isqrt128(u128 m, int *exact)
{
    u128 root = 0, bit = (u128)1 << 126;
    while (bit > m)
        bit >>= 2;
    while (bit) {
        if (m >= root + bit) {
            m -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    *exact = m == 0;
    return root;
}

static uint64_t soft_sqrt(const struct fmt *f, uint64_t a, unsigned rm, uint32_t *fflags)
{
    if (is_nan(f, a)) return nan_result(f, is_snan(f, a), fflags);
    if (is_zero(f, a)) return a;
    if (a & sign_bit(f)) return invalid(f, fflags);
    if (is_inf(f, a)) return a;
    struct unpacked u = normalize53(unpack(f, a));
    if (u.e & 1) u.m <<= 1, u.e--;
    int exact;
    u128 r = isqrt128((u128)u.m << 72, &exact); /* about 63 root bits */
    return round_pack(f, 0, (u.e - 72) / 2, r | !exact, rm, fflags);
}

/* (-1)^negp * a*b + (-1)^negc * c with one rounding. */
static uint64_t soft_fma(const struct fmt *f, uint64_t a, uint64_t b, uint64_t c, int negp,
                         int negc, unsigned rm, uint32_t *fflags)
{
    int inf_times_zero = (is_inf(f, a) && is_zero(f, b)) || (is_zero(f, a) && is_inf(f, b));
    if (is_nan(f, a) || is_nan(f, b) || is_nan(f, c))
        return nan_result(f, is_snan(f, a) || is_snan(f, b) || is_snan(f, c) || inf_times_zero,
                          fflags);
    if (inf_times_zero) return invalid(f, fflags);
    int sp = (((a ^ b) & sign_bit(f)) != 0) ^ negp, sc = ((c & sign_bit(f)) != 0) ^ negc;
    if (is_inf(f, a) || is_inf(f, b))
        return is_inf(f, c) && sc != sp ? invalid(f, fflags) : inf_of(f, sp);
    if (is_inf(f, c)) return inf_of(f, sc);
    if (is_zero(f, a) || is_zero(f, b)) {
        if (!is_zero(f, c)) return zero_of(f, sc) | (c & (sign_bit(f) - 1));
        return sp == sc ? zero_of(f, sp) : zero_of(f, rm == RV_RM_RDN);
    }
    struct unpacked ua = unpack(f, a), ub = unpack(f, b);
    u128 prod = (u128)ua.m * ub.m;
    if (is_zero(f, c)) return round_pack(f, sp, ua.e + ub.e, prod, rm, fflags);
    struct unpacked uc = unpack(f, c);
    return soft_sum(f, sp, ua.e + ub.e, prod, sc, uc.e, uc.m, rm, fflags);
}

static uint64_t soft_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    if (is_nan(&F64, a)) return nan_result(&F32, is_snan(&F64, a), fflags);
    int s = a >> 63;
    if (is_inf(&F64, a)) return inf_of(&F32, s);
    if (is_zero(&F64, a)) return zero_of(&F32, s);
    struct unpacked u = unpack(&F64, a);
    return round_pack(&F32, s, u.e, u.m, rm, fflags);
}

uint64_t rv_fpu_soft(unsigned op, int dbl, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                     uint32_t *fflags)
{
    const struct fmt *f = dbl ? &F64 : &F32;
    uint64_t r, sgn = sign_bit(f);
    if (!dbl) a = unbox(a), b = unbox(b), c = unbox(c);
    switch (op) {
    case RV_FPU_OP_ADD: r = soft_add(f, a, b, rm, fflags); break;
    case RV_FPU_OP_SUB: r = soft_add(f, a, b ^ sgn, rm, fflags); break;
    case RV_FPU_OP_MUL: r = soft_mul(f, a, b, rm, fflags); break;
    case RV_FPU_OP_DIV: r = soft_div(f, a, b, rm, fflags); break;
    case RV_FPU_OP_SQRT: r = soft_sqrt(f, a, rm, fflags); break;
    case RV_FPU_OP_MADD: r = soft_fma(f, a, b, c, 0, 0, rm, fflags); break;
    case RV_FPU_OP_MSUB: r = soft_fma(f, a, b, c, 0, 1, rm, fflags); break;
    case RV_FPU_OP_NMSUB: r = soft_fma(f, a, b, c, 1, 0, rm, fflags); break;
    case RV_FPU_OP_NMADD: r = soft_fma(f, a, b, c, 1, 1, rm, fflags); break;
    case RV_FPU_OP_CVT_S_D: return box((uint32_t)soft_cvt_s_d(a, rm, fflags));
    default: return dbl ? CANON_D : box(CANON_S);
    }
    return dbl ? r : box((uint32_t)r);
}

/* ---------- the host path: SSE under MXCSR ---------- */

#define MXCSR_DEFAULT 0x1f80u /* all exceptions masked, RNE, no FTZ/DAZ */
#define MXCSR_FLAGS   0x3fu

static const uint32_t mxcsr_default = MXCSR_DEFAULT;

/* MXCSR flag bits (IE DE ZE OE UE PE) -> fflags; DE has no RISC-V meaning. */
static const uint8_t x86_to_rv[64] = {
#define X(i)                                                                                       \
    (((i)&1 ? RV_FFLAG_NV : 0) | ((i)&4 ? RV_FFLAG_DZ : 0) | ((i)&8 ? RV_FFLAG_OF : 0) |           \
     ((i)&16 ? RV_FFLAG_UF : 0) | ((i)&32 ? RV_FFLAG_NX : 0))
#define X4(i)  X(i), X(i + 1), X(i + 2), X(i + 3)
#define X16(i) X4(i), X4(i + 4), X4(i + 8), X4(i + 12)
    X16(0), X16(16), X16(32), X16(48)
#undef X16
#undef X4
#undef X
};

/* MXCSR rounding control (bits 14:13) for each RISC-V rm; 5..7 never arrive. */
static const uint32_t rm_to_rc[8] = {0x0000, 0x6000, 0x2000, 0x4000, 0, 0, 0, 0};

static int host_has_fma;

static void __attribute__((constructor)) detect_fma(void)
{
    __builtin_cpu_init();
    host_has_fma = __builtin_cpu_supports("fma");
}

/*
 * x op= y under MXCSR mode `mode` (flags cleared), then read the flags and put
 * MXCSR back to its default, all in one asm statement so that no other FP
 * operation can be scheduled inside the window.
 */
#define SLOW2(insn, x, y, mode, after)                                                             \
    __asm__ volatile("ldmxcsr %[mm]\n\t" insn " %[yy], %[xx]\n\t"                                  \
                     "stmxcsr %[cc]\n\tldmxcsr %[dd]"                                              \
                     : [xx] "+x"(x), [cc] "=m"(after)                                              \
                     : [yy] "x"(y), [mm] "m"(mode), [dd] "m"(mxcsr_default))
/* z = ±(x*y) ± z, FMA3 "231" form, likewise. */
#define SLOW3(insn, x, y, z, mode, after)                                                          \
    __asm__ volatile("ldmxcsr %[mm]\n\t" insn " %[yy], %[xx], %[zz]\n\t"                           \
                     "stmxcsr %[cc]\n\tldmxcsr %[dd]"                                              \
                     : [zz] "+x"(z), [cc] "=m"(after)                                              \
                     : [xx] "x"(x), [yy] "x"(y), [mm] "m"(mode), [dd] "m"(mxcsr_default))

/* One double-precision operation on the host with exact flags, any rm but RMM.
 * op is a constant after inlining. */
static inline __attribute__((always_inline)) uint64_t
slow_d(unsigned op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    double x = d_of(a), y = d_of(b), z = d_of(c);
    uint32_t mode = MXCSR_DEFAULT | rm_to_rc[rm & 7], after;
    switch (op) {
    case RV_FPU_OP_ADD: SLOW2("addsd", x, y, mode, after); break;
    case RV_FPU_OP_SUB: SLOW2("subsd", x, y, mode, after); break;
    case RV_FPU_OP_MUL: SLOW2("mulsd", x, y, mode, after); break;
    case RV_FPU_OP_DIV: SLOW2("divsd", x, y, mode, after); break;
    case RV_FPU_OP_SQRT: SLOW2("sqrtsd", x, x, mode, after); break;
    case RV_FPU_OP_MADD:
        SLOW3("vfmadd231sd", x, y, z, mode, after);
        x = z;
        break;
    case RV_FPU_OP_MSUB:
        SLOW3("vfmsub231sd", x, y, z, mode, after);
        x = z;
        break;
    case RV_FPU_OP_NMSUB:
        SLOW3("vfnmadd231sd", x, y, z, mode, after);
        x = z;
        break;
    default:
        SLOW3("vfnmsub231sd", x, y, z, mode, after);
        x = z;
        break;
    }
    *fflags |= x86_to_rv[after & MXCSR_FLAGS];
    uint64_t r = bits_d(x);
    return (r & ~(1ull << 63)) > 0x7ff0000000000000ull ? CANON_D : r;
}

static inline __attribute__((always_inline)) uint32_t
slow_s(unsigned op, uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags)
{
    float x = f_of(a), y = f_of(b), z = f_of(c);
    uint32_t mode = MXCSR_DEFAULT | rm_to_rc[rm & 7], after;
    switch (op) {
    case RV_FPU_OP_ADD: SLOW2("addss", x, y, mode, after); break;
    case RV_FPU_OP_SUB: SLOW2("subss", x, y, mode, after); break;
    case RV_FPU_OP_MUL: SLOW2("mulss", x, y, mode, after); break;
    case RV_FPU_OP_DIV: SLOW2("divss", x, y, mode, after); break;
    case RV_FPU_OP_SQRT: SLOW2("sqrtss", x, x, mode, after); break;
    case RV_FPU_OP_MADD:
        SLOW3("vfmadd231ss", x, y, z, mode, after);
        x = z;
        break;
    case RV_FPU_OP_MSUB:
        SLOW3("vfmsub231ss", x, y, z, mode, after);
        x = z;
        break;
    case RV_FPU_OP_NMSUB:
        SLOW3("vfnmadd231ss", x, y, z, mode, after);
        x = z;
        break;
    default:
        SLOW3("vfnmsub231ss", x, y, z, mode, after);
        x = z;
        break;
    }
    *fflags |= x86_to_rv[after & MXCSR_FLAGS];
    uint32_t r = bits_f(x);
    return (r & 0x7fffffffu) > 0x7f800000u ? CANON_S : r;
}

/* ---------- the RNE fast path: plain SSE, flags from the result ---------- */

/*
 * MXCSR is in its default state (RNE) whenever no slow-path asm is running,
 * so RNE arithmetic is plain C. A result whose exponent lies well inside the
 * normal range cannot come with NV, DZ, OF or UF; only NX remains, and that is
 * skipped when the guest already has NX (the usual case) or found from an
 * exact error term. Anything else returns 0 and takes the slow path.
 *
 * SAFE_D: results of at least 2^(emin+2p+1) make the error terms of mul, div
 * and sqrt multiples of at least 2^emin, so they are computed exactly.
 */
#define SAFE_LO_D 108u
#define SAFE_HI_D 0x7fcu
#define SAFE_LO_S 2u
#define SAFE_HI_S 0xfdu

static inline unsigned ef_d(uint64_t x)
{
    return (unsigned)(x >> 52) & 0x7ff;
}

static inline unsigned ef_s(uint32_t x)
{
    return (x >> 23) & 0xff;
}

static inline int safe_d(uint64_t x)
{
    return ef_d(x) - SAFE_LO_D <= SAFE_HI_D - SAFE_LO_D;
}

static inline int safe_s(uint32_t x)
{
    return ef_s(x) - SAFE_LO_S <= SAFE_HI_S - SAFE_LO_S;
}

/* The FMA3 forms as plain (non-volatile) asm: MXCSR is RNE here. */
#define FMA_D(insn, x, y, z)                                                                       \
    __asm__(insn " %[yy], %[xx], %[zz]" : [zz] "+x"(z) : [xx] "x"(x), [yy] "x"(y))

static inline double fms_d(double x, double y, double z) /* x*y - z, one rounding */
{
    FMA_D("vfmsub231sd", x, y, z);
    return z;
}

/* Whether the rounded sum r = x + y was inexact (TwoSum error term). */
static inline int sum_inexact_d(double x, double y, double r)
{
    double yv = r - x;
    return (x - (r - yv)) + (y - yv) != 0;
}

static inline int sum_inexact_s(float x, float y, float r)
{
    float yv = r - x;
    return (x - (r - yv)) + (y - yv) != 0;
}

static inline __attribute__((always_inline)) int fast_d(unsigned op, uint64_t a, uint64_t b,
                                                        uint64_t c, uint32_t *fflags, uint64_t *out)
{
    double x = d_of(a), y = d_of(b), z = d_of(c), r;
    int know_nx = (*fflags & RV_FFLAG_NX) != 0, zero_ok = 0, nx = 0;
    switch (op) {
    case RV_FPU_OP_ADD:
    case RV_FPU_OP_SUB:
        if (op == RV_FPU_OP_SUB) y = -y;
        r = x + y;
        zero_ok = 1; /* a zero sum is exact */
        if (!know_nx && safe_d(bits_d(r))) {
            if (ef_d(a) > SAFE_HI_D || ef_d(b) > SAFE_HI_D)
                return 0; /* keep TwoSum clear of overflow */
            nx = sum_inexact_d(x, y, r);
        }
        break;
    case RV_FPU_OP_MUL:
        r = x * y;
        zero_ok = (a << 1) == 0 || (b << 1) == 0;
        if (!know_nx && safe_d(bits_d(r))) {
            if (!host_has_fma) return 0;
            nx = fms_d(x, y, r) != 0;
        }
        break;
    case RV_FPU_OP_DIV:
        r = x / y;
        zero_ok = (a << 1) == 0 || ef_d(b) == 0x7ff;
        if (!know_nx && safe_d(bits_d(r))) {
            if (!host_has_fma || ef_d(a) < SAFE_LO_D) return 0;
            nx = fms_d(r, y, x) != 0;
        }
        break;
    case RV_FPU_OP_SQRT:
        r = x;
        __asm__("sqrtsd %[xx], %[rr]" : [rr] "+x"(r) : [xx] "x"(x));
        zero_ok = 1; /* sqrt(±0) = ±0 */
        if (!know_nx && safe_d(bits_d(r))) {
            if (!host_has_fma || ef_d(a) < SAFE_LO_D) return 0;
            nx = fms_d(r, r, x) != 0;
        }
        break;
    default:
        if (!host_has_fma || !know_nx) return 0;
        r = z;
        if (op == RV_FPU_OP_MADD)
            FMA_D("vfmadd231sd", x, y, r);
        else if (op == RV_FPU_OP_MSUB)
            FMA_D("vfmsub231sd", x, y, r);
        else if (op == RV_FPU_OP_NMSUB)
            FMA_D("vfnmadd231sd", x, y, r);
        else
            FMA_D("vfnmsub231sd", x, y, r);
        break;
    }
    uint64_t rb = bits_d(r);
    if (__builtin_expect(safe_d(rb), 1)) {
        *fflags |= nx ? RV_FFLAG_NX : 0;
        *out = rb;
        return 1;
    }
    if ((rb << 1) == 0 && zero_ok) {
        *out = rb;
        return 1;
    }
    return 0;
}

#define FMA_S(insn, x, y, z)                                                                       \
    __asm__(insn " %[yy], %[xx], %[zz]" : [zz] "+x"(z) : [xx] "x"(x), [yy] "x"(y))

/* Singles check exactness in double, where their products are exact. */
static inline __attribute__((always_inline)) int fast_s(unsigned op, uint32_t a, uint32_t b,
                                                        uint32_t c, uint32_t *fflags, uint32_t *out)
{
    float x = f_of(a), y = f_of(b), z = f_of(c), r;
    int know_nx = (*fflags & RV_FFLAG_NX) != 0, zero_ok = 0, nx = 0;
    switch (op) {
    case RV_FPU_OP_ADD:
    case RV_FPU_OP_SUB:
        if (op == RV_FPU_OP_SUB) y = -y;
        r = x + y;
        zero_ok = 1;
        if (!know_nx) {
            if (ef_s(a) > SAFE_HI_S || ef_s(b) > SAFE_HI_S) return 0;
            nx = sum_inexact_s(x, y, r);
        }
        break;
    case RV_FPU_OP_MUL:
        r = x * y;
        zero_ok = (a << 1) == 0 || (b << 1) == 0;
        nx = (double)x * (double)y != (double)r;
        break;
    case RV_FPU_OP_DIV:
        r = x / y;
        zero_ok = (a << 1) == 0 || ef_s(b) == 0xff;
        nx = (double)r * (double)y != (double)x;
        break;
    case RV_FPU_OP_SQRT:
        r = x;
        __asm__("sqrtss %[xx], %[rr]" : [rr] "+x"(r) : [xx] "x"(x));
        zero_ok = 1;
        nx = (double)r * (double)r != (double)x;
        break;
    default:
        if (!host_has_fma || !know_nx) return 0;
        r = z;
        if (op == RV_FPU_OP_MADD)
            FMA_S("vfmadd231ss", x, y, r);
        else if (op == RV_FPU_OP_MSUB)
            FMA_S("vfmsub231ss", x, y, r);
        else if (op == RV_FPU_OP_NMSUB)
            FMA_S("vfnmadd231ss", x, y, r);
        else
            FMA_S("vfnmsub231ss", x, y, r);
        break;
    }
    uint32_t rb = bits_f(r);
    if (__builtin_expect(safe_s(rb), 1)) {
        *fflags |= nx ? RV_FFLAG_NX : 0;
        *out = rb;
        return 1;
    }
    if ((rb << 1) == 0 && zero_ok) {
        *out = rb;
        return 1;
    }
    return 0;
}

static inline int is_fma_op(unsigned op)
{
    return op >= RV_FPU_OP_MADD && op <= RV_FPU_OP_NMADD;
}

/* x86 leaves NV for inf*0 + qNaN to the implementation; RISC-V requires it. */
static inline uint32_t fma_nan_flags(const struct fmt *f, uint64_t a, uint64_t b, uint64_t r)
{
    if (r != canon(f)) return 0;
    if ((is_inf(f, a) && is_zero(f, b)) || (is_zero(f, a) && is_inf(f, b))) return RV_FFLAG_NV;
    return 0;
}

static inline __attribute__((always_inline)) uint64_t
arith_d(unsigned op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    uint64_t r;
    if (__builtin_expect(rm == RV_RM_RNE, 1) && fast_d(op, a, b, c, fflags, &r)) return r;
    if (rm == RV_RM_RMM || (is_fma_op(op) && !host_has_fma))
        return rv_fpu_soft(op, 1, a, b, c, rm, fflags);
    r = slow_d(op, a, b, c, rm, fflags);
    if (is_fma_op(op)) *fflags |= fma_nan_flags(&F64, a, b, r);
    return r;
}

static inline __attribute__((always_inline)) uint64_t
arith_s(unsigned op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    uint32_t ua = unbox(a), ub = unbox(b), uc = unbox(c), r;
    if (__builtin_expect(rm == RV_RM_RNE, 1) && fast_s(op, ua, ub, uc, fflags, &r)) return box(r);
    if (rm == RV_RM_RMM || (is_fma_op(op) && !host_has_fma))
        return rv_fpu_soft(op, 0, a, b, c, rm, fflags);
    r = slow_s(op, ua, ub, uc, rm, fflags);
    if (is_fma_op(op)) *fflags |= fma_nan_flags(&F32, ua, ub, r);
    return box(r);
}

/* ---------- public arithmetic ---------- */

#define DEF_BINOP(name, OP)                                                                        \
    uint64_t rv_fpu_##name##_s(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)              \
    {                                                                                              \
        return arith_s(OP, a, b, 0, rm, fflags);                                                   \
    }                                                                                              \
    uint64_t rv_fpu_##name##_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)              \
    {                                                                                              \
        return arith_d(OP, a, b, 0, rm, fflags);                                                   \
    }
DEF_BINOP(add, RV_FPU_OP_ADD)
DEF_BINOP(sub, RV_FPU_OP_SUB)
DEF_BINOP(mul, RV_FPU_OP_MUL)
DEF_BINOP(div, RV_FPU_OP_DIV)
#undef DEF_BINOP

uint64_t rv_fpu_sqrt_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return arith_s(RV_FPU_OP_SQRT, a, 0, 0, rm, fflags);
}

uint64_t rv_fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return arith_d(RV_FPU_OP_SQRT, a, 0, 0, rm, fflags);
}

#define DEF_FMA(name, OP)                                                                          \
    uint64_t rv_fpu_##name##_s(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)  \
    {                                                                                              \
        return arith_s(OP, a, b, c, rm, fflags);                                                   \
    }                                                                                              \
    uint64_t rv_fpu_##name##_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)  \
    {                                                                                              \
        return arith_d(OP, a, b, c, rm, fflags);                                                   \
    }
DEF_FMA(madd, RV_FPU_OP_MADD)
DEF_FMA(msub, RV_FPU_OP_MSUB)
DEF_FMA(nmsub, RV_FPU_OP_NMSUB)
DEF_FMA(nmadd, RV_FPU_OP_NMADD)
#undef DEF_FMA

/* ---------- min/max, sign injection, compare, classify (bits only) ---------- */

/* -1, 0 or 1 as a <, =, > b; neither may be a NaN; -0 equals +0. */
static int cmp_num(const struct fmt *f, uint64_t a, uint64_t b)
{
    uint64_t sgn = sign_bit(f), mag = sgn - 1;
    if ((a & mag) == 0 && (b & mag) == 0) return 0;
    /* Map sign-magnitude to a monotonic unsigned key. */
    uint64_t ka = (a & sgn) ? ~a & (sgn | mag) : a | sgn;
    uint64_t kb = (b & sgn) ? ~b & (sgn | mag) : b | sgn;
    return (ka > kb) - (ka < kb);
}

/* minimumNumber/maximumNumber of IEEE 754-2019, with -0 below +0. */
static uint64_t minmax(const struct fmt *f, uint64_t a, uint64_t b, int want_max, uint32_t *fflags)
{
    int na = is_nan(f, a), nb = is_nan(f, b);
    if (is_snan(f, a) || is_snan(f, b)) *fflags |= RV_FFLAG_NV;
    if (na && nb) return canon(f);
    if (na) return b;
    if (nb) return a;
    int c = cmp_num(f, a, b);
    if (c == 0 && a != b) /* +0 and -0 */
        c = (a & sign_bit(f)) ? -1 : 1;
    return (c > 0) == want_max ? a : b;
}

uint64_t rv_fpu_min_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return box((uint32_t)minmax(&F32, unbox(a), unbox(b), 0, fflags));
}

uint64_t rv_fpu_max_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return box((uint32_t)minmax(&F32, unbox(a), unbox(b), 1, fflags));
}

uint64_t rv_fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return minmax(&F64, a, b, 0, fflags);
}

uint64_t rv_fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return minmax(&F64, a, b, 1, fflags);
}

uint64_t rv_fpu_sgnj_s(uint64_t a, uint64_t b)
{
    return box((unbox(a) & 0x7fffffffu) | (unbox(b) & 0x80000000u));
}

uint64_t rv_fpu_sgnjn_s(uint64_t a, uint64_t b)
{
    return box((unbox(a) & 0x7fffffffu) | (~unbox(b) & 0x80000000u));
}

uint64_t rv_fpu_sgnjx_s(uint64_t a, uint64_t b)
{
    return box(unbox(a) ^ (unbox(b) & 0x80000000u));
}

uint64_t rv_fpu_sgnj_d(uint64_t a, uint64_t b)
{
    return (a & ~(1ull << 63)) | (b & (1ull << 63));
}

uint64_t rv_fpu_sgnjn_d(uint64_t a, uint64_t b)
{
    return (a & ~(1ull << 63)) | (~b & (1ull << 63));
}

uint64_t rv_fpu_sgnjx_d(uint64_t a, uint64_t b)
{
    return a ^ (b & (1ull << 63));
}

enum { CMP_EQ, CMP_LT, CMP_LE };

/* feq is quiet (NV only for sNaN); flt and fle signal on any NaN. */
static uint64_t compare(const struct fmt *f, uint64_t a, uint64_t b, int kind, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b)) {
        if (kind != CMP_EQ || is_snan(f, a) || is_snan(f, b)) *fflags |= RV_FFLAG_NV;
        return 0;
    }
    int c = cmp_num(f, a, b);
    return kind == CMP_EQ ? c == 0 : kind == CMP_LT ? c < 0 : c <= 0;
}

uint64_t rv_fpu_eq_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&F32, unbox(a), unbox(b), CMP_EQ, fflags);
}

uint64_t rv_fpu_lt_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&F32, unbox(a), unbox(b), CMP_LT, fflags);
}

uint64_t rv_fpu_le_s(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&F32, unbox(a), unbox(b), CMP_LE, fflags);
}

uint64_t rv_fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&F64, a, b, CMP_EQ, fflags);
}

uint64_t rv_fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&F64, a, b, CMP_LT, fflags);
}

uint64_t rv_fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return compare(&F64, a, b, CMP_LE, fflags);
}

/* The fclass mask: bit 0 -inf ... bit 7 +inf, bit 8 sNaN, bit 9 qNaN. */
static uint64_t classify(const struct fmt *f, uint64_t a)
{
    int neg = (a & sign_bit(f)) != 0;
    uint64_t ef = exp_field(f, a), frac = a & frac_mask(f);
    if (ef == f->emask) {
        if (frac) return is_snan(f, a) ? 1u << 8 : 1u << 9;
        return neg ? 1u << 0 : 1u << 7;
    }
    if (ef != 0) return neg ? 1u << 1 : 1u << 6;
    if (frac) return neg ? 1u << 2 : 1u << 5;
    return neg ? 1u << 3 : 1u << 4;
}

uint64_t rv_fpu_class_s(uint64_t a)
{
    return classify(&F32, unbox(a));
}

uint64_t rv_fpu_class_d(uint64_t a)
{
    return classify(&F64, a);
}

/* ---------- float -> integer ---------- */

/* Destination ranges as magnitude bounds per sign (for the exact path) and as
 * signed bounds (for the fast path), with the saturated results; NaN
 * saturates positive. */
struct irange {
    uint64_t neg_max; /* largest magnitude allowed for a negative result */
    uint64_t pos_max;
    int64_t lo, hi;
    uint64_t at_neg, at_pos;
    int narrow; /* 32-bit result: sign-extend it */
};

static const struct irange R_W = {
    1ull << 31, 0x7fffffff, INT32_MIN, INT32_MAX, 0xffffffff80000000ull, 0x7fffffff, 1};
static const struct irange R_WU = {0, 0xffffffff, 0, UINT32_MAX, 0, 0xffffffffffffffffull, 1};
static const struct irange R_L = {1ull << 63, INT64_MAX, INT64_MIN, INT64_MAX,
                                  1ull << 63, INT64_MAX, 0};
static const struct irange R_LU = {0, ~0ull, 0, INT64_MAX, 0, ~0ull, 0};

static inline uint64_t fit(const struct irange *r, uint64_t v)
{
    return r->narrow ? (uint64_t)(int64_t)(int32_t)(uint32_t)v : v;
}

/* Round x (format f) to an integer by rm and fit it to r, as the ISA's table
 * says: out-of-range results and NaN saturate with NV, no NX; otherwise NX
 * when inexact. Exact integer arithmetic for every input. */
static uint64_t to_int(const struct fmt *f, uint64_t x, const struct irange *r, unsigned rm,
                       uint32_t *fflags)
{
    if (is_nan(f, x)) {
        *fflags |= RV_FFLAG_NV;
        return r->at_pos;
    }
    int s = (x & sign_bit(f)) != 0;
    if (is_zero(f, x)) return 0;
    uint64_t mag;
    int inexact = 0;
    if (is_inf(f, x)) goto out_of_range;
    struct unpacked u = unpack(f, x);
    if (u.e >= 0) {
        if (64 - __builtin_clzll(u.m) + u.e > 64) goto out_of_range;
        mag = u.m << u.e;
    } else {
        mag = shift_round(u.m, -u.e, rm, s, &inexact);
    }
    if (s ? mag > r->neg_max : mag > r->pos_max) goto out_of_range;
    if (inexact) *fflags |= RV_FFLAG_NX;
    return fit(r, s ? -mag : mag);
out_of_range:
    *fflags |= RV_FFLAG_NV;
    return s ? r->at_neg : r->at_pos;
}

/* The same for |x| < 2^62 with host truncation; returns 0 for other inputs
 * (NaN fails the comparison). x - trunc(x) is exact, and comparisons of
 * non-NaN values raise nothing. */
static inline __attribute__((always_inline)) int
to_int_fast(double x, const struct irange *r, unsigned rm, uint32_t *fflags, uint64_t *out)
{
    if (!(__builtin_fabs(x) < 0x1p62)) return 0;
    int64_t t = (int64_t)x, v;
    double frac = x - (double)t;
    switch (rm) {
    case RV_RM_RTZ: v = t; break;
    case RV_RM_RDN: v = t - (frac < 0); break;
    case RV_RM_RUP: v = t + (frac > 0); break;
    case RV_RM_RMM: v = t + (frac >= 0.5) - (frac <= -0.5); break;
    default:
        v = t + (frac > 0.5 || (frac == 0.5 && (t & 1))) -
            (frac < -0.5 || (frac == -0.5 && (t & 1)));
        break;
    }
    if (v < r->lo || v > r->hi) {
        *fflags |= RV_FFLAG_NV;
        *out = v < 0 ? r->at_neg : r->at_pos;
        return 1;
    }
    if (frac != 0) *fflags |= RV_FFLAG_NX;
    *out = fit(r, (uint64_t)v);
    return 1;
}

#define DEF_TO_INT(name, R)                                                                        \
    uint64_t rv_fpu_cvt_##name##_s(uint64_t a, unsigned rm, uint32_t *fflags)                      \
    {                                                                                              \
        uint64_t v;                                                                                \
        if (to_int_fast((double)f_of(unbox(a)), &R, rm, fflags, &v)) return v;                     \
        return to_int(&F32, unbox(a), &R, rm, fflags);                                             \
    }                                                                                              \
    uint64_t rv_fpu_cvt_##name##_d(uint64_t a, unsigned rm, uint32_t *fflags)                      \
    {                                                                                              \
        uint64_t v;                                                                                \
        if (to_int_fast(d_of(a), &R, rm, fflags, &v)) return v;                                    \
        return to_int(&F64, a, &R, rm, fflags);                                                    \
    }
DEF_TO_INT(w, R_W)
DEF_TO_INT(wu, R_WU)
DEF_TO_INT(l, R_L)
DEF_TO_INT(lu, R_LU)
#undef DEF_TO_INT

/* ---------- integer -> float ---------- */

/* (-1)^s * mag in format f: exact below 2^p, else one rounding. */
static uint64_t from_int(const struct fmt *f, int s, uint64_t mag, unsigned rm, uint32_t *fflags)
{
    if (mag == 0) return 0;
    return round_pack(f, s, 0, mag, rm, fflags);
}

static inline uint64_t from_signed(const struct fmt *f, int64_t v, unsigned rm, uint32_t *fflags)
{
    return from_int(f, v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v, rm, fflags);
}

uint64_t rv_fpu_cvt_s_w(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return box((uint32_t)from_signed(&F32, (int32_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_wu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return box((uint32_t)from_int(&F32, 0, (uint32_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_l(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return box((uint32_t)from_signed(&F32, (int64_t)x, rm, fflags));
}

uint64_t rv_fpu_cvt_s_lu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return box((uint32_t)from_int(&F32, 0, x, rm, fflags));
}

uint64_t rv_fpu_cvt_d_w(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return bits_d((double)(int32_t)x); /* always exact */
}

uint64_t rv_fpu_cvt_d_wu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    return bits_d((double)(uint32_t)x);
}

uint64_t rv_fpu_cvt_d_l(uint64_t x, unsigned rm, uint32_t *fflags)
{
    int64_t v = (int64_t)x;
    if (v >= -(1ll << 53) && v <= (1ll << 53)) return bits_d((double)v);
    return from_signed(&F64, v, rm, fflags);
}

uint64_t rv_fpu_cvt_d_lu(uint64_t x, unsigned rm, uint32_t *fflags)
{
    if (x <= (1ull << 53)) return bits_d((double)x);
    return from_int(&F64, 0, x, rm, fflags);
}

/* ---------- between formats ---------- */

uint64_t rv_fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    double x = d_of(a);
    float y;
    if (__builtin_expect(rm == RV_RM_RNE, 1)) {
        y = (float)x; /* MXCSR is RNE here */
        uint32_t r = bits_f(y);
        if (safe_s(r)) {
            *fflags |= (double)y != x ? RV_FFLAG_NX : 0;
            return box(r);
        }
        if ((r << 1) == 0 && (a << 1) == 0) return box(r);
    }
    if (rm == RV_RM_RMM) return box((uint32_t)soft_cvt_s_d(a, rm, fflags));
    uint32_t mode = MXCSR_DEFAULT | rm_to_rc[rm & 7], after;
    __asm__ volatile("ldmxcsr %[mm]\n\tcvtsd2ss %[xx], %[yy]\n\tstmxcsr %[cc]\n\tldmxcsr %[dd]"
                     : [yy] "=x"(y), [cc] "=m"(after)
                     : [xx] "x"(x), [mm] "m"(mode), [dd] "m"(mxcsr_default));
    *fflags |= x86_to_rv[after & MXCSR_FLAGS];
    uint32_t r = bits_f(y);
    return box((r & 0x7fffffffu) > 0x7f800000u ? CANON_S : r);
}

uint64_t rv_fpu_cvt_d_s(uint64_t a, unsigned rm, uint32_t *fflags)
{
    uint32_t s = unbox(a);
    if (is_nan(&F32, s)) return nan_result(&F64, is_snan(&F32, s), fflags);
    return bits_d((double)f_of(s)); /* exact; subnormal singles are normal doubles */
}
