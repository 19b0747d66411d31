/*
 * fp.c — the F and D extensions as a C program sees them.
 * Attacks: arithmetic rounding (printed with %a and %.17g), libm, the dynamic
 * rounding mode (fesetround → frm) and the accrued flags (fetestexcept →
 * fflags), fcvt saturation on overflow and NaN, NaN-boxing of singles, the
 * canonical NaN, fmin/fmax with signalling NaNs, fclass, and NaN printing.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile double vd_one = 1.0, vd_three = 3.0, vd_zero = 0.0, vd_big = 1e308;
static volatile float vf_one = 1.0f, vf_three = 3.0f;

static uint64_t bits_d(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static void arithmetic(void)
{
    double a = vd_one / vd_three, b = a * vd_three, c = sqrt(vd_three);
    printf("1/3=%a %.17g  (1/3)*3=%a  sqrt3=%.17g\n", a, a, b, c);
    float fa = vf_one / vf_three;
    printf("1f/3f=%a %.9g  sqrtf(2)=%a\n", (double)fa, (double)fa, (double)sqrtf(2.0f * vf_one));
    printf("fma(0.1,10,-1)=%a  0.1*10-1=%a\n", fma(0.1 * vd_one, 10, -1), 0.1 * vd_one * 10 - 1);
    printf("fmaf=%a\n", (double)fmaf(0.1f * vf_one, 10.0f, -1.0f));
    printf("denormal: %a %a\n", DBL_MIN / 3 * vd_one, (double)(FLT_MIN / 3 * vf_one));
    printf("-0 + 0 = %g, -0 * 1 = %g\n", -0.0 * vd_one + 0.0, -0.0 * vd_one);
}

static void libm(void)
{
    double x = 0.7 * vd_one;
    printf("sin=%.17g cos=%.17g tan=%.17g\n", sin(x), cos(x), tan(x));
    printf("exp=%.17g log=%.17g pow=%.17g\n", exp(x), log(x), pow(x, 3.3));
    printf("atan2=%.17g hypot=%.17g cbrt=%.17g\n", atan2(x, -2), hypot(x, 3), cbrt(x * 10));
    printf("floor=%g ceil=%g round=%g trunc=%g rint=%g\n", floor(-2.5 * vd_one),
           ceil(-2.5 * vd_one), round(-2.5 * vd_one), trunc(-2.5 * vd_one), rint(-2.5 * vd_one));
    printf("lrint(2.5)=%ld llround(-2.5)=%lld\n", lrint(2.5 * vd_one), llround(-2.5 * vd_one));
    printf("expf=%.9g logf=%.9g sinf=%.9g\n", (double)expf(0.7f * vf_one),
           (double)logf(0.7f * vf_one), (double)sinf(0.7f * vf_one));
    printf("fmin(-0,0)=%g fmax(-0,0)=%g\n", fmin(-0.0 * vd_one, 0.0), fmax(-0.0 * vd_one, 0.0));
}

static void rounding(void)
{
    static const struct {
        int mode;
        const char *name;
    } modes[] = {{FE_TONEAREST, "nearest"},
                 {FE_TOWARDZERO, "towardzero"},
                 {FE_DOWNWARD, "downward"},
                 {FE_UPWARD, "upward"}};
    for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        fesetround(modes[i].mode);
        double p = vd_one / vd_three, n = -vd_one / vd_three;
        float f = vf_one / vf_three;
        printf("%-10s get=%d  1/3=%a -1/3=%a 1f/3f=%a rint(2.5)=%g rint(-1.5)=%g\n", modes[i].name,
               fegetround() == modes[i].mode, p, n, (double)f, rint(2.5 * vd_one),
               rint(-1.5 * vd_one));
    }
    fesetround(FE_TONEAREST);
}

static void print_flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("%-22s flags:%s%s%s%s%s\n", what, f & FE_INVALID ? " NV" : "",
           f & FE_DIVBYZERO ? " DZ" : "", f & FE_OVERFLOW ? " OF" : "",
           f & FE_UNDERFLOW ? " UF" : "", f & FE_INEXACT ? " NX" : "");
    feclearexcept(FE_ALL_EXCEPT);
}

static void flags(void)
{
    volatile double r;
    feclearexcept(FE_ALL_EXCEPT);
    print_flags("cleared");
    r = vd_one + vd_one;
    print_flags("1+1");
    r = vd_one / vd_three;
    print_flags("1/3");
    r = vd_one / vd_zero;
    print_flags("1/0");
    r = vd_zero / vd_zero;
    print_flags("0/0");
    r = vd_big * 10;
    print_flags("1e308*10");
    r = DBL_MIN * vd_one / 3e10;
    print_flags("DBL_MIN/3e10");
    r = sqrt(-vd_one);
    print_flags("sqrt(-1)");
    volatile float rf = (float)(vd_big * vd_zero + 1e300);
    print_flags("(float)1e300");
    (void)r;
    (void)rf;
    feraiseexcept(FE_DIVBYZERO | FE_UNDERFLOW);
    print_flags("feraiseexcept DZ|UF");
}

#define CVT(insn, out_t, in)                                                                       \
    do {                                                                                           \
        out_t o;                                                                                   \
        asm volatile(insn " %0, %1, rtz" : "=r"(o) : "f"(in));                                     \
        printf("%-10s %-12s -> %#llx\n", insn, #in, (unsigned long long)o);                        \
    } while (0)

static void conversions(void)
{
    double inf = vd_one / vd_zero, nan_ = vd_zero / vd_zero;
    double big = 1e300 * vd_one, neg = -1e300 * vd_one, m1 = -1.5 * vd_one;
    feclearexcept(FE_ALL_EXCEPT);
    CVT("fcvt.w.d", long, big);
    CVT("fcvt.w.d", long, neg);
    CVT("fcvt.w.d", long, nan_);
    CVT("fcvt.w.d", long, m1);
    CVT("fcvt.wu.d", long, m1);
    CVT("fcvt.wu.d", long, big);
    CVT("fcvt.wu.d", long, nan_);
    CVT("fcvt.l.d", long, big);
    CVT("fcvt.l.d", long, -inf);
    CVT("fcvt.l.d", long, nan_);
    CVT("fcvt.lu.d", long, m1);
    CVT("fcvt.lu.d", long, inf);
    float fbig = 3e38f * vf_one, fnan = (float)nan_;
    CVT("fcvt.w.s", long, fbig);
    CVT("fcvt.l.s", long, fnan);
    CVT("fcvt.wu.s", long, fbig);
    print_flags("after conversions");
    printf("(float)1e300=%g (float)-1e300=%g (double)(float)nan=%g\n", (float)big, (float)neg,
           (double)fnan);
    printf("(long)1e18=%ld (double)INT64_MAX=%.17g (float)0x7fffffff=%.9g\n", (long)(1e18 * vd_one),
           (double)(INT64_MAX - (long)vd_zero), (double)(float)(0x7fffffff - (int)vd_zero));
    printf("(unsigned long)1.8e19=%lu (double)UINT64_MAX=%.17g\n", (unsigned long)(1.8e19 * vd_one),
           (double)(UINT64_MAX - (unsigned long)vd_zero));
}

static void nans(void)
{
    double qn = vd_zero / vd_zero;
    printf("0/0 bits=%#lx printed: %f %f %e\n", (unsigned long)bits_d(qn), qn, -qn, fabs(qn));
    printf("nan printed: %g %g inf: %g %g\n", NAN * vd_one, -(double)NAN, INFINITY, -INFINITY);
    /* A single stored in an f register without the NaN-box reads as the canonical NaN. */
    double boxed;
    float as_single;
    uint64_t raw = 0x000000003f800000; /* 1.0f, upper half not all ones */
    asm volatile("fmv.d.x %0, %1" : "=f"(boxed) : "r"(raw));
    asm volatile("fadd.s %0, %1, %1" : "=f"(as_single) : "f"(boxed));
    uint32_t sb;
    memcpy(&sb, &as_single, 4);
    printf("unboxed single + itself = %#x\n", sb);
    /* fmv.x.w of a single gives its bits sign-extended. */
    long xw;
    float negf = -2.0f * vf_one;
    asm volatile("fmv.x.w %0, %1" : "=r"(xw) : "f"(negf));
    printf("fmv.x.w(-2.0f) = %#lx\n", xw);
    /* Signalling NaN: fmin returns the other operand and raises NV. */
    uint64_t snan_bits = 0x7ff0000000000001;
    double snan, res;
    asm volatile("fmv.d.x %0, %1" : "=f"(snan) : "r"(snan_bits));
    feclearexcept(FE_ALL_EXCEPT);
    asm volatile("fmin.d %0, %1, %2" : "=f"(res) : "f"(snan), "f"(vd_three));
    printf("fmin.d(sNaN,3)=%g\n", res);
    print_flags("fmin sNaN");
    asm volatile("fmax.d %0, %1, %2" : "=f"(res) : "f"(qn), "f"(qn));
    printf("fmax.d(qNaN,qNaN) bits=%#lx\n", (unsigned long)bits_d(res));
    print_flags("fmax qNaN");
    double vals[] = {-INFINITY,   -1.0, -DBL_MIN / 4, -0.0, 0.0,
                     DBL_MIN / 4, 1.0,  INFINITY,     qn,   snan};
    printf("fclass.d:");
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        long cls;
        asm volatile("fclass.d %0, %1" : "=r"(cls) : "f"(vals[i]));
        printf(" %#lx", cls);
    }
    printf("\n");
    printf("isnan=%d isinf=%d signbit(-0)=%d\n", isnan(qn), isinf(-INFINITY),
           signbit(-0.0 * vd_one));
    printf("feq(nan,nan)=%d flt(1,nan)=%d\n", qn == qn, vd_one < qn);
    print_flags("compare with qNaN");
}

int main(void)
{
    arithmetic();
    libm();
    rounding();
    flags();
    conversions();
    nans();
    return 0;
}
