/*
 * symunix.h — the guest side of Symunix II: declarations a RISC-V guest program
 * includes to use the Symunix II calls (mapin, mapout, spawn, ...) and the
 * fetch-and-add primitives. The calls arrive with the memory-management issue;
 * for now this header gives the fetch-and-add primitives, which are plain
 * RISC-V AMOs and already work on one node.
 */
#ifndef SYMUNIX_USER_H
#define SYMUNIX_USER_H

#include <stdint.h>

/* F&A(V, e): return the old *v and add e, atomically (amoadd.d). */
static inline int64_t sym_faa(volatile int64_t *v, int64_t e)
{
    int64_t old;
    __asm__ volatile("amoadd.d.aqrl %0, %2, (%1)" : "=r"(old) : "r"(v), "r"(e) : "memory");
    return old;
}

/* F&A on a 32-bit word (amoadd.w). */
static inline int32_t sym_faa32(volatile int32_t *v, int32_t e)
{
    int32_t old;
    __asm__ volatile("amoadd.w.aqrl %0, %2, (%1)" : "=r"(old) : "r"(v), "r"(e) : "memory");
    return old;
}

#endif /* SYMUNIX_USER_H */
