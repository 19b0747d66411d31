/*
 * ckpt.h — core files (design.md §6; the Symunix II memory management paper,
 * section 3.2.2): the post-mortem state of one process, in one versioned
 * binary format meant to serve core dumps, checkpoints, ps and debuggers.
 *
 * The memory of the process is not in the core file: its text and data are
 * already in its image files, which the close actions keep after an abnormal
 * end. The core file holds what is not in a file: registers, pc, signal state,
 * descriptors, the lseg table (which image file backs which range) and the
 * family links (pid, ppid, pgid, node).
 *
 * struct ckpt_core is a neutral description: no kernel type appears in it, so
 * the kernel fills it, tools read it, and tests build one by hand.
 *
 * File format (docs/core-files.md has the full table), every integer
 * little-endian and fixed-width, no padding outside a checksummed range:
 *   header  "SYMCORE\0", u32 version, u32 header size (32), u32 record
 *           count, u32 flags (0), u32 reserved (0), u32 crc32 of bytes 0..27
 *   records u32 type, u32 length, u32 crc32 (of type, length and payload),
 *           then `length` bytes of payload; the file ends after the last one.
 *
 * Invariants
 *  1. The first 16 bytes (magic, version, header size) keep their meaning in
 *     every version; the header's crc32 is always its last 4 bytes. So a
 *     reader can tell a damaged file (-EBADMSG) from an intact newer one
 *     (-EPROTO) whatever the newer header looks like.
 *  2. Every byte of a file is covered by a crc32: a damaged byte anywhere is
 *     refused, never decoded into wrong values.
 *  3. A reader never reads past the end of the file or of a record: a
 *     truncated file, a record longer than what is left, a count that does
 *     not match the records, or bytes after the last record: -EBADMSG.
 *  4. Record types a reader does not know are skipped (an older reader of a
 *     same-version file that gained a record type); a known record shorter
 *     than its fixed part is refused; a longer fixed-size one is refused too.
 *  5. A file is replaced whole: ckpt_core_write writes a temporary name in
 *     the same directory, fsyncs it, renames it over the name and fsyncs the
 *     directory. A reader sees the old file or the new one, never a mix, and
 *     a failed write leaves no temporary file behind.
 *  6. Functions return 0 or a negative errno and never print.
 */
#ifndef SYMUNIX_CKPT_CKPT_H
#define SYMUNIX_CKPT_CKPT_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_MAGIC       "SYMCORE" /* 8 bytes with its NUL */
#define CKPT_VERSION     1u
#define CKPT_HEADER_SIZE 32u
#define CKPT_NSIG        64
#define CKPT_PATH_MAX    4096         /* bytes of a path in a record, NUL excluded: fewer */
#define CKPT_FILE_MAX    (256u << 20) /* largest core file a reader accepts */

/* Record types. */
enum {
    CKPT_REC_PROC = 1,   /* ids, signal, status, registers, masks (exactly one) */
    CKPT_REC_EXE = 2,    /* the executable's guest path (at most one) */
    CKPT_REC_SIGACT = 3, /* the 64 sigactions (exactly one) */
    CKPT_REC_FD = 4,     /* one open descriptor */
    CKPT_REC_LSEG = 5,   /* one lseg (mapped range) */
};

/* Kinds of lseg (the kernel's K_REGION_* in the same order). */
enum {
    CKPT_LSEG_ANON = 0,
    CKPT_LSEG_FILE_SHARED,
    CKPT_LSEG_FILE_PRIVATE,
    CKPT_LSEG_STACK,
    CKPT_LSEG_BRK,
    CKPT_LSEG_TRAMPOLINE,
    CKPT_LSEG_TEXT,
};

#define CKPT_FD_CLOEXEC 1u /* ckpt_fd.fdflags */

struct ckpt_sigaction {
    uint64_t handler; /* guest address, or 0 (SIG_DFL) / 1 (SIG_IGN) */
    uint64_t flags;   /* SA_* as on Linux riscv64 */
    uint64_t mask;    /* bit n-1 = signal n */
};

struct ckpt_fd {
    int32_t fd;       /* guest descriptor number */
    uint32_t flags;   /* open status flags (O_ACCMODE, O_APPEND...) as F_GETFL says */
    uint32_t fdflags; /* CKPT_FD_CLOEXEC */
    int64_t offset;   /* file offset, -1 when not seekable */
    char *path;       /* guest path, "" (or NULL when writing) when unnamed */
};

struct ckpt_lseg {
    uint64_t vaddr, size; /* guest range [vaddr, vaddr+size) */
    uint32_t flags;       /* SYM_PROT_* | SYM_CACHE | SYM_SPAWN_* | SYM_EXEC_KEEP | SYM_MEM_* */
    uint32_t kind;        /* CKPT_LSEG_* */
    uint64_t off;         /* offset of vaddr in the image file */
    uint64_t dev, ino;    /* the image file's host identity, (0, 0) when none */
    char *path;           /* the image file's guest path, "" (or NULL) when not known */
};

struct ckpt_core {
    /* family links */
    int32_t pid, ppid, pgid, node;
    /* how it ended */
    int32_t signal;    /* the signal that ended it, 0 for none (a checkpoint) */
    int32_t sig_code;  /* its si_code (Linux values) */
    uint64_t sig_addr; /* its si_addr (faults), else 0 */
    int32_t wstatus;   /* wait status, the core flag 0x80 included */
    /* registers */
    uint64_t pc;
    uint64_t x[32]; /* x[0] is 0 */
    uint64_t f[32];
    uint32_t fcsr;
    uint64_t instret;
    /* signal state */
    uint64_t sigmask, sigpending;
    struct ckpt_sigaction sigact[CKPT_NSIG]; /* sigact[n-1] is signal n's */
    /* files and memory */
    char *exe; /* executable's guest path; NULL or "" when unknown */
    size_t nfd;
    struct ckpt_fd *fd;
    size_t nlseg;
    struct ckpt_lseg *lseg;
};

/* Encode c into a new malloc'd buffer (*buf, *len; the caller frees). 0,
 * -ENOMEM, -ENAMETOOLONG (a path of CKPT_PATH_MAX bytes or more), -EINVAL. */
int ckpt_core_encode(const struct ckpt_core *c, uint8_t **buf, size_t *len);
/* Decode and validate a whole file's bytes into a new struct (free it with
 * ckpt_core_free). 0, -EBADMSG (damaged, truncated), -EPROTO (a newer
 * version), -ENOMEM. */
int ckpt_core_decode(const uint8_t *buf, size_t len, struct ckpt_core **out);

/* Write c as `name` in directory dirfd, atomically (invariant 5), mode 0600.
 * 0 or a negative errno (nothing is left under the temporary name). */
int ckpt_core_write(int dirfd, const char *name, const struct ckpt_core *c);
/* Read and validate the core file open at fd / at path: as ckpt_core_decode,
 * plus the host's errno for read errors; -EFBIG beyond CKPT_FILE_MAX. */
int ckpt_core_read_fd(int fd, struct ckpt_core **out);
int ckpt_core_read(const char *path, struct ckpt_core **out);

/* Free a struct from ckpt_core_decode/read, or one whose strings and arrays
 * were malloc'd by its builder. NULL is a no-op. */
void ckpt_core_free(struct ckpt_core *c);

/* Name of a record type / lseg kind, for tools ("?" when unknown). */
const char *ckpt_lseg_kind_name(uint32_t kind);

/* ---- Byte buffers --------------------------------------------------------------------
 * The little-endian encoding of core files, also used by kernel/migrate.c for
 * a process shipped to another node. Errors are sticky: once err is set
 * (-ENOMEM writing, -EBADMSG reading past the end) every put does nothing and
 * every get returns 0, so a coder checks once at the end. */
struct ckpt_obuf {
    uint8_t *p; /* malloc'd; the caller frees it */
    size_t len, cap;
    int err;
};
struct ckpt_ibuf {
    const uint8_t *p;
    size_t len, pos;
    int err;
};
void ckpt_put(struct ckpt_obuf *b, const void *src, size_t n);
void ckpt_put_u32(struct ckpt_obuf *b, uint32_t v);
void ckpt_put_u64(struct ckpt_obuf *b, uint64_t v);
/* The next n bytes (NULL past the end: err set). */
const uint8_t *ckpt_take(struct ckpt_ibuf *b, size_t n);
uint32_t ckpt_u32_at(const uint8_t *x);
uint32_t ckpt_get_u32(struct ckpt_ibuf *b);
uint64_t ckpt_get_u64(struct ckpt_ibuf *b);

#endif /* SYMUNIX_CKPT_CKPT_H */
