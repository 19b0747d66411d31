/*
 * atomics.c — the A extension, instruction by instruction and through C11.
 * Attacks: every AMO (.w and .d, with and without aq/rl) on values chosen so a
 * wrong operand order, missing sign extension of the 32-bit old value, or a
 * signed/unsigned mix-up in min/max shows in the output; LR/SC success and
 * failure codes and LR/SC retry loops; C11 atomics as glibc/gcc emit them.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static int failures;

/* One AMO: print the old value returned and the value left in memory. */
#define AMO(insn, type, init, operand)                                                             \
    do {                                                                                           \
        static volatile type cell;                                                                 \
        cell = (type)(init);                                                                       \
        long old;                                                                                  \
        asm volatile(insn " %0, %2, (%1)"                                                          \
                     : "=r"(old)                                                                   \
                     : "r"(&cell), "r"((long)(operand))                                            \
                     : "memory");                                                                  \
        printf("%-14s init=%#018llx op=%#018llx old=%#018llx mem=%#018llx\n", insn,                \
               (unsigned long long)(type)(init), (unsigned long long)(long)(operand),              \
               (unsigned long long)old, (unsigned long long)cell);                                 \
    } while (0)

static void amo_words(long a, long b)
{
    AMO("amoswap.w", uint32_t, a, b);
    AMO("amoadd.w", uint32_t, a, b);
    AMO("amoxor.w", uint32_t, a, b);
    AMO("amoand.w", uint32_t, a, b);
    AMO("amoor.w", uint32_t, a, b);
    AMO("amomin.w", uint32_t, a, b);
    AMO("amomax.w", uint32_t, a, b);
    AMO("amominu.w", uint32_t, a, b);
    AMO("amomaxu.w", uint32_t, a, b);
    AMO("amoadd.w.aq", uint32_t, a, b);
    AMO("amoswap.w.rl", uint32_t, a, b);
    AMO("amoor.w.aqrl", uint32_t, a, b);
}

static void amo_doubles(long a, long b)
{
    AMO("amoswap.d", uint64_t, a, b);
    AMO("amoadd.d", uint64_t, a, b);
    AMO("amoxor.d", uint64_t, a, b);
    AMO("amoand.d", uint64_t, a, b);
    AMO("amoor.d", uint64_t, a, b);
    AMO("amomin.d", uint64_t, a, b);
    AMO("amomax.d", uint64_t, a, b);
    AMO("amominu.d", uint64_t, a, b);
    AMO("amomaxu.d", uint64_t, a, b);
    AMO("amoadd.d.aq", uint64_t, a, b);
    AMO("amoxor.d.rl", uint64_t, a, b);
    AMO("amomaxu.d.aqrl", uint64_t, a, b);
}

/* The 32-bit AMOs must ignore the upper half of rs2 and sign-extend rd. */
static void amo_w_upper_bits(void)
{
    static volatile uint32_t cell = 0x7fffffff;
    long old;
    asm volatile("amoadd.w %0, %2, (%1)"
                 : "=r"(old)
                 : "r"(&cell), "r"(0x1234567800000001L)
                 : "memory");
    printf("amoadd.w upper bits: old=%#lx mem=%#x\n", old, cell);
    if (cell != 0x80000000u || old != 0x7fffffff) failures++;
    asm volatile("amoswap.w %0, zero, (%1)" : "=r"(old) : "r"(&cell) : "memory");
    printf("amoswap.w sign-extends: old=%#lx\n", old);
    if (old != (long)(int32_t)0x80000000u) failures++;
}

static void lr_sc(void)
{
    static volatile uint64_t d = 5;
    static volatile uint32_t w = 0xfffffff0;
    long v, fail;
    asm volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%2)"
                 : "=&r"(v), "=&r"(fail)
                 : "r"(&d), "r"(77L)
                 : "memory");
    printf("lr.d/sc.d: loaded=%ld sc=%ld mem=%lu\n", v, fail, (unsigned long)d);
    if (v != 5 || fail != 0 || d != 77) failures++;
    asm volatile("lr.w.aq %0, (%2)\n\tsc.w.rl %1, %3, (%2)"
                 : "=&r"(v), "=&r"(fail)
                 : "r"(&w), "r"(1L)
                 : "memory");
    printf("lr.w/sc.w: loaded=%ld sc=%ld mem=%u\n", v, fail, w);
    if (v != -16 || fail != 0 || w != 1) failures++;
    /* A store-conditional with no reservation must fail and not write. */
    asm volatile("sc.d %0, %2, (%1)" : "=&r"(fail) : "r"(&d), "r"(99L) : "memory");
    printf("sc.d without lr: sc=%ld mem=%lu\n", fail, (unsigned long)d);
    if (fail == 0 || d != 77) failures++;
    /* The classic retry loop: atomic increment by 3, a hundred times. */
    for (int i = 0; i < 100; i++) {
        long tmp;
        asm volatile("1: lr.d %0, (%2)\n\t"
                     "addi %0, %0, 3\n\t"
                     "sc.d %1, %0, (%2)\n\t"
                     "bnez %1, 1b"
                     : "=&r"(tmp), "=&r"(fail)
                     : "r"(&d)
                     : "memory");
    }
    printf("lr/sc loop: mem=%lu\n", (unsigned long)d);
    if (d != 377) failures++;
}

static void c11(void)
{
    _Atomic long a = 10;
    _Atomic int b = -3;
    long o1 = atomic_fetch_add(&a, 5);
    long o2 = atomic_fetch_sub(&a, 20);
    long o3 = atomic_fetch_or(&a, 0x100);
    long o4 = atomic_fetch_and(&a, ~0xfL);
    long o5 = atomic_fetch_xor(&a, -1);
    long o6 = atomic_exchange(&a, 42);
    printf("c11 long: %ld %ld %ld %ld %ld %ld now %ld\n", o1, o2, o3, o4, o5, o6, atomic_load(&a));
    long expect = 41;
    int ok1 = atomic_compare_exchange_strong(&a, &expect, 1);
    printf("c11 cas fail: ok=%d expect=%ld\n", ok1, expect);
    int ok2 = atomic_compare_exchange_strong(&a, &expect, 1);
    printf("c11 cas success: ok=%d now=%ld\n", ok2, atomic_load(&a));
    int ob = atomic_fetch_add_explicit(&b, 7, memory_order_relaxed);
    printf("c11 int: old=%d now=%d\n", ob, atomic_load(&b));
    _Atomic short s = 0x7ffe;
    short os = atomic_fetch_add(&s, 3); /* sub-word: gcc emits an LR/SC mask loop */
    printf("c11 short: old=%d now=%d\n", os, atomic_load(&s));
    _Atomic unsigned char c = 250;
    for (int i = 0; i < 10; i++)
        atomic_fetch_add(&c, 1);
    printf("c11 uchar wrap: %u\n", atomic_load(&c));
    atomic_flag f = ATOMIC_FLAG_INIT;
    int t1 = atomic_flag_test_and_set(&f);
    int t2 = atomic_flag_test_and_set(&f);
    printf("c11 flag: %d %d\n", t1, t2);
    atomic_thread_fence(memory_order_seq_cst);
    if (ok1 || !ok2 || t1 || !t2) failures++;
}

int main(void)
{
    amo_words(0x7ffffff0, 0x20);
    amo_words(0x80000005, 0xfffffffe);
    amo_words(3, -7);
    amo_doubles(0x7ffffffffffffff0, 0x20);
    amo_doubles(INT64_MIN + 5, -2);
    amo_doubles(-9, 12);
    amo_w_upper_bits();
    lr_sc();
    c11();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
