/*
 * symunix/abi.h — the Symunix II call interface shared by guest programs and
 * the emulator's kernel: call numbers, flags and the structures the calls
 * fill. No code, nothing target-specific, so the host kernel includes it too.
 * docs/symunix-calls.md describes each call as a manual page.
 */
#ifndef SYMUNIX_ABI_H
#define SYMUNIX_ABI_H

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
    int32_t family;   /* spawn family: pid of the process whose exec began it */
    int32_t index;    /* 1..n for the children of a spawn, else 0 */
};

/* ---- spawn ------------------------------------------------------------------------ */

/* spawn(n, flags, pids): flags' low byte is the signal each child sends its
 * parent when it ends (SIGCHLD usually, 0 none); the other bits must be 0. */
#define SYM_SPAWN_SIGMASK 0xff
/* Where spawn places the children (docs/symunix-calls.md "spawn"): by default
 * child i goes to node (caller's node + i) mod P, round-robin over the cluster. */
#define SYM_SPAWN_HERE     0x100 /* every child on the caller's node */
#define SYM_SPAWN_ONNODE   0x200 /* every child on node SYM_SPAWN_NODE_OF(flags) */
#define SYM_SPAWN_NODE(n)  (SYM_SPAWN_ONNODE | ((unsigned)(n) << 16))
#define SYM_SPAWN_NODE_OF(f) (((unsigned)(f) >> 16) & 0x7fff)
#define SYM_SPAWN_MAX     256 /* children per call; more is EAGAIN */

#endif /* SYMUNIX_ABI_H */
