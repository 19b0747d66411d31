/*
 * gen.c — writes a random RISC-V test program for the difftest (host tool).
 *
 * From a seed, emits an assembly file: a prologue that loads every x and f
 * register with seeded values (FP specials: ±0, ±inf, qNaN, sNaN, subnormals,
 * max/min normals, integer-boundary values; NaN-boxed and unboxed singles) and
 * sets fcsr; N random instructions from RV64IMAFDC (AMOs and LR/SC on a
 * scratch buffer, loads/stores including the compressed sp- and s0-relative
 * forms, forward branches and jumps, fcsr reads and writes, FP ops with random
 * static rounding modes); an epilogue that dumps x0..x31, f0..f31, fcsr and a
 * checksum of the scratch buffer with write(1) and exits 0. With the option
 * `zb`, one unit in eight is a Zba/Zbb/Zbs instruction (assemble with
 * -march=rv64gc_zba_zbb_zbs); without it a seed gives the same file as before
 * the option existed. Zicond is not generated: qemu 7.2 lacks it.
 *
 * Every instruction emitted is legal and cannot trap: s0 (x8) is the scratch
 * base and sp points into the scratch buffer, neither is ever a destination;
 * t6 (x31) is the address register for AMOs; frm is only set to 0..4 so the
 * dynamic rounding mode stays legal. The same seed always gives the same file.
 *
 * Usage: difftest-gen SEED [COUNT [zb]] > test.S
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_BYTES 4096 /* s0 = scratch, sp = scratch + 2048 */
#define DUMP_SLOTS    66   /* x0..x31, f0..f31, fcsr, checksum */

static uint64_t rng_state;
static int gen_zb; /* emit Zba/Zbb/Zbs units too */

/* xorshift64*: small, good enough, and identical on every host. */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

static int range(int lo, int hi)
{
    return lo + below(hi - lo + 1);
}

/* Any register as a source. */
static int src_x(void)
{
    return below(32);
}

/* A destination: never x0, sp (x2) or the scratch base s0 (x8). */
static int dst_x(void)
{
    for (;;) {
        int r = range(1, 31);
        if (r != 2 && r != 8) return r;
    }
}

/* Compressed 3-bit register fields name x8..x15; s0 is not writable. */
static int dst_xc(void)
{
    return range(9, 15);
}

static int src_xc(void)
{
    return range(8, 15);
}

static const char *rm_name(void)
{
    static const char *const rms[] = {"rne", "rtz", "rdn", "rup", "rmm", "dyn"};
    return rms[below(6)];
}

/* ---- seeded initial values ---- */

static uint64_t special_double(void)
{
    static const uint64_t v[] = {
        0x0000000000000000, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
        0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7ff4000000000000,
        0x0000000000000001, 0x800fffffffffffff, 0x7fefffffffffffff, 0xffefffffffffffff,
        0x0010000000000000, 0x8010000000000000, 0x3ff0000000000000, 0xbff8000000000000,
        0x4004000000000000, 0x3fe0000000000000, 0x41e0000000000000, 0xc1e0000000000000,
        0x41dfffffffc00000, 0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000,
        0x41f0000000000000, 0x3ca0000000000000, 0x4330000000000001,
    };
    return v[below(sizeof v / sizeof v[0])];
}

static uint32_t special_single(void)
{
    static const uint32_t v[] = {
        0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
        0x7fa00000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x80800000,
        0x3f800000, 0xbfc00000, 0x40200000, 0x3f000000, 0x4f000000, 0xcf000000, 0x4effffff,
        0x5f000000, 0xdf000000, 0x5f800000, 0x4f800000, 0x33800000,
    };
    return v[below(sizeof v / sizeof v[0])];
}

/* A double with a random sign, a moderate exponent and random mantissa. */
static uint64_t random_double(void)
{
    uint64_t sign = rnd() & 0x8000000000000000ULL;
    uint64_t exp = (uint64_t)range(1023 - 40, 1023 + 70) << 52;
    return sign | exp | (rnd() & 0x000fffffffffffffULL);
}

static uint32_t random_single(void)
{
    uint32_t sign = (uint32_t)rnd() & 0x80000000u;
    uint32_t exp = (uint32_t)range(127 - 30, 127 + 70) << 23;
    return sign | exp | ((uint32_t)rnd() & 0x007fffffu);
}

static uint64_t init_f(void)
{
    switch (below(20)) {
    case 0:
    case 1:
    case 2:
    case 3: return special_double();
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9: return random_double();
    case 10:
    case 11: return 0xffffffff00000000ULL | special_single(); /* NaN-boxed */
    case 12:
    case 13:
    case 14:
    case 15:
    case 16: return 0xffffffff00000000ULL | random_single();
    case 17: return (uint64_t)special_single(); /* not boxed: reads as a NaN single */
    default: return rnd();
    }
}

static uint64_t init_x(void)
{
    static const uint64_t v[] = {
        0,
        1,
        (uint64_t)-1,
        0x80000000,
        0x7fffffff,
        0xffffffff80000000,
        0xffffffff,
        0x8000000000000000,
        0x7fffffffffffffff,
        0x100000000,
        2,
        (uint64_t)-2,
    };
    switch (below(6)) {
    case 0:
    case 1: return v[below(sizeof v / sizeof v[0])];
    case 2: return (uint64_t)(int64_t)range(-100, 100);
    case 3: return (uint64_t)(int64_t)(int32_t)rnd();
    case 4: return random_double();
    default: return rnd();
    }
}

/* ---- instruction classes; each emits one unit that cannot trap ---- */

static void emit_int_rr(void)
{
    static const char *const ops[] = {
        "add",  "sub",  "sll",  "slt",  "sltu", "xor",   "srl",  "sra",    "or",    "and",
        "addw", "subw", "sllw", "srlw", "sraw", "mul",   "mulh", "mulhsu", "mulhu", "mulw",
        "div",  "divu", "rem",  "remu", "divw", "divuw", "remw", "remuw",
    };
    printf("\t%s x%d, x%d, x%d\n", ops[below(sizeof ops / sizeof ops[0])], dst_x(), src_x(),
           src_x());
}

static void emit_int_imm(void)
{
    static const char *const ops12[] = {"addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"};
    switch (below(6)) {
    case 0:
    case 1:
        printf("\t%s x%d, x%d, %d\n", ops12[below(7)], dst_x(), src_x(), range(-2048, 2047));
        break;
    case 2: {
        static const char *const sh[] = {"slli", "srli", "srai"};
        printf("\t%s x%d, x%d, %d\n", sh[below(3)], dst_x(), src_x(), range(0, 63));
        break;
    }
    case 3: {
        static const char *const shw[] = {"slliw", "srliw", "sraiw"};
        printf("\t%s x%d, x%d, %d\n", shw[below(3)], dst_x(), src_x(), range(0, 31));
        break;
    }
    case 4: printf("\t%s x%d, %d\n", below(2) ? "lui" : "auipc", dst_x(), range(0, 0xfffff)); break;
    default: printf("\tli x%d, %" PRId64 "\n", dst_x(), (int64_t)init_x()); break;
    }
}

static int nonzero6(void)
{
    int v;
    do
        v = range(-32, 31);
    while (v == 0);
    return v;
}

static void emit_compressed_alu(void)
{
    static const char *const ca[] = {"c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"};
    int rd = dst_x();
    switch (below(11)) {
    case 0: printf("\tc.li x%d, %d\n", rd, range(-32, 31)); break;
    case 1: {
        int imm = below(2) ? range(1, 31) : range(0xfffe0, 0xfffff);
        printf("\tc.lui x%d, %d\n", rd, imm);
        break;
    }
    case 2: printf("\tc.addi x%d, %d\n", rd, nonzero6()); break;
    case 3: printf("\tc.addiw x%d, %d\n", rd, range(-32, 31)); break;
    case 4: printf("\tc.slli x%d, %d\n", rd, range(1, 63)); break;
    case 5: printf("\t%s x%d, %d\n", below(2) ? "c.srli" : "c.srai", dst_xc(), range(1, 63)); break;
    case 6: printf("\tc.andi x%d, %d\n", dst_xc(), range(-32, 31)); break;
    case 7: printf("\tc.mv x%d, x%d\n", rd, range(1, 31)); break;
    case 8: printf("\tc.add x%d, x%d\n", rd, range(1, 31)); break;
    case 9: printf("\t%s x%d, x%d\n", ca[below(6)], dst_xc(), src_xc()); break;
    default: printf("\tc.addi4spn x%d, sp, %d\n", dst_xc(), 4 * range(1, 255)); break;
    }
}

/* A scratch offset from s0 for an access of `size` bytes: naturally aligned,
 * except one time in eight (Linux completes misaligned loads and stores, so
 * they must not trap; they exercise the slow path of the memory access). */
static int s0_offset(int size)
{
    if (size > 1 && below(8) == 0) return below(2048 - size);
    return size * below(2048 / size);
}

/* sp = scratch + 2048: any offset in [-2048, 2047] stays inside. */
static int sp_offset(int size)
{
    if (size > 1 && below(8) == 0) return below(4096 - size) - 2048;
    return size * below(4096 / size) - 2048;
}

/* AMOs and LR/SC need natural alignment (a misaligned AMO raises SIGBUS). */
static int amo_offset(int size)
{
    return size * below(2048 / size);
}

static void emit_load_store(void)
{
    static const char *const loads[] = {"lb", "lbu", "lh", "lhu", "lw", "lwu", "ld"};
    static const int lsize[] = {1, 1, 2, 2, 4, 4, 8};
    static const char *const stores[] = {"sb", "sh", "sw", "sd"};
    int k, sz;
    int use_sp = below(2);
    const char *base = use_sp ? "sp" : "s0";
#define OFF(size) (use_sp ? sp_offset(size) : s0_offset(size))
    switch (below(4)) {
    case 0:
        k = below(7);
        printf("\t%s x%d, %d(%s)\n", loads[k], dst_x(), OFF(lsize[k]), base);
        break;
    case 1:
        k = below(4);
        sz = 1 << k;
        printf("\t%s x%d, %d(%s)\n", stores[k], src_x(), OFF(sz), base);
        break;
    case 2:
        sz = below(2) ? 4 : 8;
        printf("\t%s f%d, %d(%s)\n", sz == 4 ? "flw" : "fld", below(32), OFF(sz), base);
        break;
    default:
        sz = below(2) ? 4 : 8;
        printf("\t%s f%d, %d(%s)\n", sz == 4 ? "fsw" : "fsd", below(32), OFF(sz), base);
        break;
    }
#undef OFF
}

static void emit_compressed_mem(void)
{
    switch (below(12)) {
    case 0: printf("\tc.lw x%d, %d(s0)\n", dst_xc(), 4 * below(32)); break;
    case 1: printf("\tc.ld x%d, %d(s0)\n", dst_xc(), 8 * below(32)); break;
    case 2: printf("\tc.sw x%d, %d(s0)\n", src_xc(), 4 * below(32)); break;
    case 3: printf("\tc.sd x%d, %d(s0)\n", src_xc(), 8 * below(32)); break;
    case 4: printf("\tc.fld f%d, %d(s0)\n", range(8, 15), 8 * below(32)); break;
    case 5: printf("\tc.fsd f%d, %d(s0)\n", range(8, 15), 8 * below(32)); break;
    case 6: printf("\tc.lwsp x%d, %d(sp)\n", dst_x(), 4 * below(64)); break;
    case 7: printf("\tc.ldsp x%d, %d(sp)\n", dst_x(), 8 * below(64)); break;
    case 8: printf("\tc.swsp x%d, %d(sp)\n", src_x(), 4 * below(64)); break;
    case 9: printf("\tc.sdsp x%d, %d(sp)\n", src_x(), 8 * below(64)); break;
    case 10: printf("\tc.fldsp f%d, %d(sp)\n", below(32), 8 * below(64)); break;
    default: printf("\tc.fsdsp f%d, %d(sp)\n", below(32), 8 * below(64)); break;
    }
}

static const char *order_suffix(void)
{
    static const char *const s[] = {"", "", ".aq", ".rl", ".aqrl"};
    return s[below(5)];
}

/* AMOs and LR/SC address the scratch buffer through t6. */
static void emit_atomic(void)
{
    static const char *const amo[] = {"amoswap", "amoadd", "amoxor",  "amoand", "amoor",
                                      "amomin",  "amomax", "amominu", "amomaxu"};
    const char *w = below(2) ? "w" : "d";
    int size = *w == 'w' ? 4 : 8;
    printf("\taddi t6, s0, %d\n", amo_offset(size));
    switch (below(8)) {
    case 0: {
        /* LR then SC at once: the reservation holds, the SC must succeed. The
         * LR must not overwrite t6, the address. */
        int rd;
        do
            rd = dst_x();
        while (rd == 31);
        printf("\tlr.%s%s x%d, (t6)\n", w, order_suffix(), rd);
        printf("\tsc.%s%s x%d, x%d, (t6)\n", w, order_suffix(), dst_x(), src_x());
        break;
    }
    case 1:
        /* No reservation is held here (every SC ends one): this SC must fail. */
        printf("\tsc.%s x%d, x%d, (t6)\n", w, dst_x(), src_x());
        break;
    default:
        printf("\t%s.%s%s x%d, x%d, (t6)\n", amo[below(9)], w, order_suffix(), dst_x(), src_x());
        break;
    }
}

static void emit_fp_arith(void)
{
    static const char *const ar[] = {"fadd", "fsub", "fmul", "fdiv"};
    static const char *const mm[] = {"fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"};
    static const char *const fma[] = {"fmadd", "fmsub", "fnmadd", "fnmsub"};
    const char *t = below(2) ? "s" : "d";
    switch (below(5)) {
    case 0:
    case 1:
        printf("\t%s.%s f%d, f%d, f%d, %s\n", ar[below(4)], t, below(32), below(32), below(32),
               rm_name());
        break;
    case 2: printf("\tfsqrt.%s f%d, f%d, %s\n", t, below(32), below(32), rm_name()); break;
    case 3:
        printf("\t%s.%s f%d, f%d, f%d\n", mm[below(5)], t, below(32), below(32), below(32));
        break;
    default:
        printf("\t%s.%s f%d, f%d, f%d, f%d, %s\n", fma[below(4)], t, below(32), below(32),
               below(32), below(32), rm_name());
        break;
    }
}

static void emit_fp_convert(void)
{
    static const char *const ints[] = {"w", "wu", "l", "lu"};
    const char *t = below(2) ? "s" : "d";
    const char *i = ints[below(4)];
    switch (below(7)) {
    case 0:
    case 1: printf("\tfcvt.%s.%s x%d, f%d, %s\n", i, t, dst_x(), below(32), rm_name()); break;
    case 2:
        /* int → double is exact for w/wu and takes no rounding mode */
        if (*t == 'd' && i[0] == 'w')
            printf("\tfcvt.d.%s f%d, x%d\n", i, below(32), src_x());
        else
            printf("\tfcvt.%s.%s f%d, x%d, %s\n", t, i, below(32), src_x(), rm_name());
        break;
    case 3:
        if (below(2))
            printf("\tfcvt.s.d f%d, f%d, %s\n", below(32), below(32), rm_name());
        else
            printf("\tfcvt.d.s f%d, f%d\n", below(32), below(32));
        break;
    case 4: {
        static const char *const mv[] = {"fmv.x.w", "fmv.x.d"};
        printf("\t%s x%d, f%d\n", mv[below(2)], dst_x(), below(32));
        break;
    }
    case 5: {
        static const char *const mv[] = {"fmv.w.x", "fmv.d.x"};
        printf("\t%s f%d, x%d\n", mv[below(2)], below(32), src_x());
        break;
    }
    default: {
        static const char *const cmp[] = {"feq", "flt", "fle", "fclass"};
        int k = below(4);
        if (k == 3)
            printf("\tfclass.%s x%d, f%d\n", t, dst_x(), below(32));
        else
            printf("\t%s.%s x%d, f%d, f%d\n", cmp[k], t, dst_x(), below(32), below(32));
        break;
    }
    }
}

/* Fresh FP values keep NaNs from taking over the register file. */
static void emit_fp_reload(void)
{
    printf("\tli t6, 0x%016" PRIx64 "\n\tfmv.d.x f%d, t6\n", init_f(), below(32));
}

static void emit_fcsr(void)
{
    switch (below(7)) {
    case 0: printf("\tfrcsr x%d\n", dst_x()); break;
    case 1: printf("\tfrflags x%d\n", dst_x()); break;
    case 2: printf("\tfrrm x%d\n", dst_x()); break;
    case 3: printf("\tfsrmi x%d, %d\n", dst_x(), range(0, 4)); break; /* 5..7 are reserved */
    case 4: printf("\tfsflagsi x%d, %d\n", dst_x(), range(0, 31)); break;
    case 5: printf("\tfsflags x%d, x%d\n", dst_x(), src_x()); break;
    default:
        printf("\t%s x%d, fflags, %d\n", below(2) ? "csrrsi" : "csrrci", dst_x(), range(0, 31));
        break;
    }
}

static void emit_misc(void)
{
    switch (below(4)) {
    case 0: printf("\tfence\n"); break;
    case 1: printf("\tfence.i\n"); break;
    case 2: printf("\tnop\n"); break;
    default: printf("\tc.nop\n"); break;
    }
}

/* Zba, Zbb, Zbs: register, immediate and unary forms. */
static void emit_bitmanip(void)
{
    static const char *const rr[] = {
        "sh1add", "sh2add", "sh3add", "add.uw", "sh1add.uw", "sh2add.uw", "sh3add.uw", "andn",
        "orn",    "xnor",   "max",    "maxu",   "min",       "minu",      "rol",       "ror",
        "rolw",   "rorw",   "bclr",   "bext",   "binv",      "bset",
    };
    static const char *const un[] = {"clz",    "ctz",    "cpop",   "clzw",  "ctzw", "cpopw",
                                     "sext.b", "sext.h", "zext.h", "orc.b", "rev8"};
    static const char *const sh6[] = {"slli.uw", "rori", "bclri", "bexti", "binvi", "bseti"};
    switch (below(4)) {
    case 0:
    case 1:
        printf("\t%s x%d, x%d, x%d\n", rr[below(sizeof rr / sizeof rr[0])], dst_x(), src_x(),
               src_x());
        break;
    case 2: {
        const char *op = un[below(sizeof un / sizeof un[0])];
        int rd = dst_x(), rs = src_x();
        /* qemu 7.2 gets ctzw wrong for a zero low word under a nonzero high
         * word (the 64-bit count, not 32): give it a zero-extended word. */
        if (strcmp(op, "ctzw") == 0) {
            printf("\tzext.w x%d, x%d\n", rd, rs);
            rs = rd;
        }
        printf("\t%s x%d, x%d\n", op, rd, rs);
        break;
    }
    default:
        if (below(7) == 0)
            printf("\troriw x%d, x%d, %d\n", dst_x(), src_x(), range(0, 31));
        else
            printf("\t%s x%d, x%d, %d\n", sh6[below(6)], dst_x(), src_x(), range(0, 63));
        break;
    }
}

/* One straight-line unit (no control flow). */
static void emit_unit(void)
{
    if (gen_zb && below(8) == 0) {
        emit_bitmanip();
        return;
    }
    int w = below(100);
    if (w < 22)
        emit_int_rr();
    else if (w < 36)
        emit_int_imm();
    else if (w < 46)
        emit_compressed_alu();
    else if (w < 58)
        emit_load_store();
    else if (w < 64)
        emit_compressed_mem();
    else if (w < 72)
        emit_atomic();
    else if (w < 83)
        emit_fp_arith();
    else if (w < 87)
        emit_fp_reload();
    else if (w < 95)
        emit_fp_convert();
    else if (w < 98)
        emit_fcsr();
    else
        emit_misc();
}

/* A forward branch or jump over a few units; returns the units emitted. */
static int emit_forward_jump(int label)
{
    static const char *const br[] = {"beq", "bne", "blt", "bge", "bltu", "bgeu"};
    switch (below(6)) {
    case 0:
    case 1: printf("\t%s x%d, x%d, .Lf%d\n", br[below(6)], src_x(), src_x(), label); break;
    case 2: printf("\t%s x%d, .Lf%d\n", below(2) ? "c.beqz" : "c.bnez", src_xc(), label); break;
    case 3: printf("\tjal x%d, .Lf%d\n", below(4) ? dst_x() : 0, label); break;
    case 4: printf("\tc.j .Lf%d\n", label); break;
    default:
        /* jalr through t6: rd may be t6 itself (the target is read first) */
        printf("\tla t6, .Lf%d\n\tjalr x%d, 0(t6)\n", label, below(4) ? dst_x() : 0);
        break;
    }
    int n = below(6);
    for (int i = 0; i < n; i++)
        emit_unit();
    printf(".Lf%d:\n", label);
    return n + 1;
}

static void emit_prologue(uint64_t seed)
{
    printf("# difftest program, seed %" PRIu64 " (generated by difftest-gen: do not edit)\n", seed);
    printf("\t.option norelax\n\t.data\n\t.balign 64\ndump:\t.zero %d\n", DUMP_SLOTS * 8);
    printf("\t.balign 64\nscratch:\n");
    for (int i = 0; i < SCRATCH_BYTES / 8; i++)
        printf("\t.quad 0x%016" PRIx64 "\n", below(3) ? init_x() : init_f());
    printf("\t.text\n\t.globl _start\n_start:\n");
    printf("\tla s0, scratch\n\taddi sp, s0, 1024\n\taddi sp, sp, 1024\n");
    for (int f = 0; f < 32; f++)
        printf("\tli t6, 0x%016" PRIx64 "\n\tfmv.d.x f%d, t6\n", init_f(), f);
    printf("\tli t6, %d\n\tfscsr t6\n", range(0, 4) << 5 | below(32));
    for (int x = 1; x < 32; x++)
        if (x != 2 && x != 8) printf("\tli x%d, 0x%016" PRIx64 "\n", x, init_x());
    printf("# ---- body ----\n");
}

/* Store every register, fcsr and a checksum of scratch; write them; exit(0). */
static void emit_epilogue(void)
{
    printf("# ---- epilogue ----\n\tla t6, dump\n");
    for (int x = 1; x < 31; x++)
        printf("\tsd x%d, %d(t6)\n", x, 8 * x);
    printf("\tmv t5, t6\n\tsd t6, %d(t5)\n", 8 * 31); /* t6 holds dump, not its body value */
    for (int f = 0; f < 32; f++)
        printf("\tfsd f%d, %d(t5)\n", f, 8 * (32 + f));
    printf("\tfrcsr t4\n\tsd t4, %d(t5)\n", 8 * 64);
    /* checksum: h = rotl(h, 5) ^ word, then h *= odd constant, over every word */
    printf("\tla t0, scratch\n\tli t1, %d\n\tadd t1, t1, t0\n\tli t2, 0\n"
           "\tli t3, 0x9e3779b97f4a7c15\n"
           "1:\tld a0, 0(t0)\n\tslli a1, t2, 5\n\tsrli a2, t2, 59\n\tor t2, a1, a2\n"
           "\txor t2, t2, a0\n\tmul t2, t2, t3\n\taddi t0, t0, 8\n\tbltu t0, t1, 1b\n",
           SCRATCH_BYTES);
    printf("\tsd t2, %d(t5)\n", 8 * 65);
    printf("\tli a0, 1\n\tmv a1, t5\n\tli a2, %d\n\tli a7, 64\n\tecall\n", DUMP_SLOTS * 8);
    printf("\tli a0, 0\n\tli a7, 93\n\tecall\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: difftest-gen SEED [COUNT [zb]] > test.S\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    int count = argc > 2 ? atoi(argv[2]) : 2000;
    gen_zb = argc > 3 && strcmp(argv[3], "zb") == 0;
    if (argc > 3 && !gen_zb) {
        fprintf(stderr, "difftest-gen: unknown extension set %s (known: zb)\n", argv[3]);
        return 2;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
    if (!rng_state) rng_state = 1;
    for (int i = 0; i < 8; i++)
        rnd();
    emit_prologue(seed);
    int label = 0;
    for (int n = 0; n < count;)
        n += below(10) == 0 ? emit_forward_jump(label++) : (emit_unit(), 1);
    emit_epilogue();
    return 0;
}
