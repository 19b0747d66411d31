/*
 * symunix.h — the guest side of Symunix II: the system-call numbers, flags and
 * structures of the Symunix II calls (Table 1 of the 1988 paper, plus reference
 * directories, anonymous files, fdname and pdup), thin inline wrappers that a
 * RISC-V guest program calls, and the fetch-and-add primitives.
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

/* ---- Call numbers ---------------------------------------------------------- */

#define SYM_NR_BASE      2048
#define SYM_NR_mapin     (SYM_NR_BASE + 0)
#define SYM_NR_mapout    (SYM_NR_BASE + 1)
#define SYM_NR_mapctl    (SYM_NR_BASE + 2)
#define SYM_NR_pinfo     (SYM_NR_BASE + 3)
#define SYM_NR_pmemaddr  (SYM_NR_BASE + 4)
#define SYM_NR_pmemvect  (SYM_NR_BASE + 5)
#define SYM_NR_mkrefdir  (SYM_NR_BASE + 6)
#define SYM_NR_fmkrefdir (SYM_NR_BASE + 7)
#define SYM_NR_rmrefdir  (SYM_NR_BASE + 8)
#define SYM_NR_fdname    (SYM_NR_BASE + 9)
#define SYM_NR_pdup      (SYM_NR_BASE + 10)
#define SYM_NR_spawn     (SYM_NR_BASE + 11)
#define SYM_NR_LIMIT     (SYM_NR_BASE + 12)

/* ---- mapin / mapctl flags ---------------------------------------------------- */

/* Virtual attributes (may differ between lsegs sharing one physical segment;
 * mapctl changes them, splitting the lseg when it covers part of it). */
#define SYM_PROT_READ  0x1
#define SYM_PROT_WRITE 0x2
#define SYM_PROT_EXEC  0x4
#define SYM_CACHE      0x8 /* cacheable (global memory: kept in the node cache) */

/* Action on spawn/fork, a 2-bit field. */
#define SYM_SPAWN_SHIFT   4
#define SYM_SPAWN_MASK    (3u << SYM_SPAWN_SHIFT)
#define SYM_SPAWN_DROP    (0u << SYM_SPAWN_SHIFT) /* absent in the child */
#define SYM_SPAWN_COPY    (1u << SYM_SPAWN_SHIFT) /* private copy (copy-on-write) */
#define SYM_SPAWN_INHERIT (2u << SYM_SPAWN_SHIFT) /* shared, same address */
#define SYM_SPAWN_REALLOC (3u << SYM_SPAWN_SHIFT) /* fresh zeroed memory */

#define SYM_EXEC_KEEP 0x40 /* kept across exec (default: dropped) */

/* Physical attributes, fixed when the physical segment is created (mapin only;
 * mapctl refuses them with EINVAL). */
#define SYM_MEM_GLOBAL 0x100 /* global (interleaved over the MMs); default local */
#define SYM_MEM_STRICT 0x200 /* fail rather than substitute the other type */

#define SYM_MAPIN_FLAGS                                                                            \
    (SYM_PROT_READ | SYM_PROT_WRITE | SYM_PROT_EXEC | SYM_CACHE | SYM_SPAWN_MASK | SYM_EXEC_KEEP | \
     SYM_MEM_GLOBAL | SYM_MEM_STRICT)
#define SYM_MAPCTL_FLAGS                                                                           \
    (SYM_PROT_READ | SYM_PROT_WRITE | SYM_PROT_EXEC | SYM_CACHE | SYM_SPAWN_MASK | SYM_EXEC_KEEP)

/* ---- open / fcntl flags ------------------------------------------------------ */

/* Bits unused by Linux riscv64's open flags (asm-generic fcntl.h). */
#define SYM_O_ANON           040000000  /* path names a directory: create an unnamed file in it */
#define SYM_O_DELCLOSE       0100000000 /* delete on the last close */
#define SYM_O_DELNOTABNORMAL 0200000000 /* ... unless an opener ended abnormally */
#define SYM_O_DELABNORMAL    0400000000 /* ... only if an opener ended abnormally */
#define SYM_O_CLOSE_ACTIONS  (SYM_O_DELCLOSE | SYM_O_DELNOTABNORMAL | SYM_O_DELABNORMAL)
/* fcntl commands to read and set a descriptor's close action (one of the above or 0). */
#define SYM_F_GETCLOSE 1100
#define SYM_F_SETCLOSE 1101

/* ---- Information calls --------------------------------------------------------- */

/* One logical segment, as pmemaddr and pmemvect describe it. */
struct sym_lseg_info {
    uint64_t vaddr;  /* start, page-aligned */
    uint64_t size;   /* bytes, a multiple of the page size */
    uint32_t flags;  /* SYM_PROT_*, SYM_CACHE, SYM_SPAWN_*, SYM_EXEC_KEEP, SYM_MEM_* */
    uint32_t kind;   /* SYM_LSEG_* */
    uint64_t offset; /* offset of vaddr in the image file */
    uint64_t dev;    /* identity of the image file (0, 0 when it has none yet) */
    uint64_t ino;
};
enum {
    SYM_LSEG_ANON = 0,
    SYM_LSEG_FILE = 1,
    SYM_LSEG_STACK = 2,
    SYM_LSEG_BRK = 3,
    SYM_LSEG_TEXT = 4,
    SYM_LSEG_OTHER = 5
};

/* Fixed-size information about a process (pinfo). */
struct sym_pinfo {
    int32_t pid, ppid, pgid;
    int32_t node;     /* the node it runs on */
    int32_t state;    /* 0 runnable, 1 running, 2 sleeping, 3 zombie */
    int32_t nlsegs;   /* number of logical segments */
    uint64_t vsize;   /* bytes mapped in all lsegs */
    uint64_t instret; /* instructions retired */
    char name[64];    /* the program's path as given to exec, NUL-terminated */
};

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

#endif /* SYMUNIX_USER_H */
