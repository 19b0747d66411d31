/*
 * symunix.h — the guest side of Symunix II: the Symunix II calls (Table 1 of
 * the 1988 paper, plus reference directories, anonymous files, fdname, pdup
 * and spawn) as thin inline wrappers that a RISC-V guest program calls, and the
 * fetch-and-add primitives. Numbers, flags and structures are in
 * symunix/abi.h, which the emulator's kernel shares.
 *
 * The Symunix II calls live in their own number range, above every Linux
 * riscv64 number, so a plain Linux program never reaches them by accident.
 * Errors follow the Linux convention: a wrapper returns -1 and sets errno.
 * docs/symunix-calls.md describes each call as a manual page.
 */
#ifndef SYMUNIX_USER_H
#define SYMUNIX_USER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "symunix/abi.h"

/* ---- Wrappers ------------------------------------------------------------------- */

static inline long sym_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a3 __asm__("a3") = a3;
    register long r_a4 __asm__("a4") = a4;
    register long r_a5 __asm__("a5") = a5;
    register long r_a7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r_a0)
                     : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a7)
                     : "memory");
    if (r_a0 < 0 && r_a0 > -4096) {
        errno = (int)-r_a0;
        return -1;
    }
    return r_a0;
}

/* Map [vaddr, vaddr+size) to the image file fd at offset off. */
static inline int mapin(void *vaddr, size_t size, int fd, long off, unsigned flags)
{
    return (int)sym_syscall6(SYM_NR_mapin, (long)vaddr, (long)size, fd, off, flags, 0);
}
/* Unmap any range (it need not start or end an lseg). */
static inline int mapout(void *vaddr, size_t size)
{
    return (int)sym_syscall6(SYM_NR_mapout, (long)vaddr, (long)size, 0, 0, 0, 0);
}
/* Change virtual attributes of a range (splitting lsegs as needed). */
static inline int mapctl(void *vaddr, size_t size, unsigned flags)
{
    return (int)sym_syscall6(SYM_NR_mapctl, (long)vaddr, (long)size, flags, 0, 0, 0);
}
static inline int pinfo(int pid, struct sym_pinfo *buf)
{
    return (int)sym_syscall6(SYM_NR_pinfo, pid, (long)buf, 0, 0, 0, 0);
}
static inline int pmemaddr(int pid, struct sym_lseg_info *buf, void *vaddr)
{
    return (int)sym_syscall6(SYM_NR_pmemaddr, pid, (long)buf, (long)vaddr, 0, 0, 0);
}
/* Fill buf with up to size bytes of struct sym_lseg_info; returns the number of
 * lsegs the process has (which may exceed what fitted). */
static inline int pmemvect(int pid, struct sym_lseg_info *buf, size_t size)
{
    return (int)sym_syscall6(SYM_NR_pmemvect, pid, (long)buf, (long)size, 0, 0, 0);
}
static inline int mkrefdir(const char *path, const char *refname)
{
    return (int)sym_syscall6(SYM_NR_mkrefdir, (long)path, (long)refname, 0, 0, 0, 0);
}
static inline int fmkrefdir(int fd, const char *refname)
{
    return (int)sym_syscall6(SYM_NR_fmkrefdir, fd, (long)refname, 0, 0, 0, 0);
}
static inline int rmrefdir(const char *refname)
{
    return (int)sym_syscall6(SYM_NR_rmrefdir, (long)refname, 0, 0, 0, 0, 0);
}
/* The file's name (naming a lazy anonymous file now); returns the length. */
static inline int fdname(int fd, char *buf, size_t size)
{
    return (int)sym_syscall6(SYM_NR_fdname, fd, (long)buf, (long)size, 0, 0, 0);
}

/* Give process pid of the caller's node a duplicate of the caller's
 * descriptor fd; returns the descriptor's number in pid's table (pid 0 or
 * getpid(): the same as dup(fd)). */
static inline int pdup(int pid, int fd)
{
    return (int)sym_syscall6(SYM_NR_pdup, pid, fd, 0, 0, 0, 0);
}

/* Create n children at once, a family: each child's call returns its index
 * 1..n, the caller's returns 0 and fills pids[0..n-1] (when not NULL) with the
 * children's pids. flags: the signal a child sends its parent when it ends
 * (SIGCHLD usually; 0 none), or'ed with where they run: by default child i on
 * node (caller's + i) mod P; SYM_SPAWN_HERE all on the caller's node;
 * SYM_SPAWN_NODE(n) all on node n. */
static inline int spawn(int n, int flags, int32_t *pids)
{
    return (int)sym_syscall6(SYM_NR_spawn, n, flags, (long)pids, 0, 0, 0);
}

/* ---- Fetch-and-add --------------------------------------------------------------- */

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

/* ---- The node cache of global memory --------------------------------------------- */

/* On every 64-byte line of [addr, addr+len) of a cacheable global lseg
 * (SYM_MEM_GLOBAL | SYM_CACHE): sym_cache_clean writes the node cache's dirty
 * bytes back to global memory (cbo.clean); sym_cache_flush writes them back
 * and drops the page from the node cache, so the next access fetches it again
 * (cbo.flush); sym_cache_inval drops it too, discarding the line's own writes
 * (the page's other dirty lines are written back) (cbo.inval). The caller
 * waits for its write-backs. On other memory they do nothing. */
#define SYM_CACHE_LINE 64
#define SYM_CBO_RANGE(name, imm)                                                                   \
    static inline void name(const volatile void *addr, unsigned long len)                         \
    {                                                                                              \
        unsigned long a = (unsigned long)addr & ~(unsigned long)(SYM_CACHE_LINE - 1);             \
        for (; a < (unsigned long)addr + len; a += SYM_CACHE_LINE)                                 \
            __asm__ volatile(".insn i 0x0f, 2, x0, " #imm "(%0)" : : "r"(a) : "memory");         \
    }
SYM_CBO_RANGE(sym_cache_inval, 0)
SYM_CBO_RANGE(sym_cache_clean, 1)
SYM_CBO_RANGE(sym_cache_flush, 2)

#endif /* SYMUNIX_USER_H */
