/*
 * core.c — the core file format of ckpt.h: encoding a struct ckpt_core into
 * bytes through a growing buffer with a sticky error flag, decoding and
 * validating bytes through a bounded cursor with a sticky error flag, and the
 * atomic write (temporary name, fsync, renameat, fsync of the directory).
 * docs/core-files.md is the format's specification.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ckpt/ckpt.h"

/* Fixed parts of the records (docs/core-files.md). */
enum {
    PROC_SIZE = 8 * 4 + 5 * 8 + 32 * 8 + 32 * 8, /* 584 */
    SIGACT_SIZE = CKPT_NSIG * 3 * 8,             /* 1536 */
    FD_FIXED = 4 + 4 + 4 + 8,                    /* 20, then the path */
    LSEG_FIXED = 8 + 8 + 4 + 4 + 8 + 8 + 8,      /* 48, then the path */
    REC_HEAD = 12,                               /* type, length, crc */
    HEADER_MAX = 4096,                           /* largest header of any version */
};

static uint32_t crc(uint32_t c, const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(c, p, (uInt)n);
}

/* ---- Byte buffers (ckpt.h): shared with kernel/migrate.c -------------------------- */

void ckpt_put(struct ckpt_obuf *b, const void *src, size_t n)
{
    if (b->err) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->err = -ENOMEM;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

void ckpt_put_u32(struct ckpt_obuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ckpt_put(b, x, 4);
}

void ckpt_put_u64(struct ckpt_obuf *b, uint64_t v)
{
    ckpt_put_u32(b, (uint32_t)v);
    ckpt_put_u32(b, (uint32_t)(v >> 32));
}

const uint8_t *ckpt_take(struct ckpt_ibuf *b, size_t n)
{
    if (b->err || n > b->len - b->pos) {
        if (!b->err) b->err = -EBADMSG;
        return NULL;
    }
    const uint8_t *at = b->p + b->pos;
    b->pos += n;
    return at;
}

uint32_t ckpt_u32_at(const uint8_t *x)
{
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

uint32_t ckpt_get_u32(struct ckpt_ibuf *b)
{
    const uint8_t *x = ckpt_take(b, 4);
    return x ? ckpt_u32_at(x) : 0;
}

uint64_t ckpt_get_u64(struct ckpt_ibuf *b)
{
    uint64_t lo = ckpt_get_u32(b);
    return lo | (uint64_t)ckpt_get_u32(b) << 32;
}

/* ---- Encoding ---------------------------------------------------------------------- */

static void set_u32(uint8_t *at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        at[i] = (uint8_t)(v >> (8 * i));
}

/* A path field: at most CKPT_PATH_MAX-1 bytes, no NUL inside (NULL = ""). */
static void put_path(struct ckpt_obuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= CKPT_PATH_MAX && !b->err) b->err = -ENAMETOOLONG;
    ckpt_put(b, s ? s : "", n < CKPT_PATH_MAX ? n : 0);
}

/* Start a record: returns its offset for rec_end. */
static size_t rec_begin(struct ckpt_obuf *b, uint32_t type)
{
    size_t at = b->len;
    ckpt_put_u32(b, type);
    ckpt_put_u32(b, 0); /* length, patched by rec_end */
    ckpt_put_u32(b, 0); /* crc, patched by rec_end */
    return at;
}

/* Patch the length and the crc of the record begun at `at`. */
static void rec_end(struct ckpt_obuf *b, size_t at)
{
    if (b->err) return;
    uint8_t *r = b->p + at;
    set_u32(r + 4, (uint32_t)(b->len - at - REC_HEAD));
    uint32_t c = crc(0, r, 8);
    c = crc(c, r + REC_HEAD, b->len - at - REC_HEAD);
    set_u32(r + 8, c);
}

static void put_header(struct ckpt_obuf *b, uint32_t nrec)
{
    ckpt_put(b, CKPT_MAGIC, 8);
    ckpt_put_u32(b, CKPT_VERSION);
    ckpt_put_u32(b, CKPT_HEADER_SIZE);
    ckpt_put_u32(b, nrec);
    ckpt_put_u32(b, 0); /* flags: none defined */
    ckpt_put_u32(b, 0); /* reserved */
    ckpt_put_u32(b, 0); /* crc, patched below */
    if (!b->err) set_u32(b->p + 28, crc(0, b->p, 28));
}

static void put_proc(struct ckpt_obuf *b, const struct ckpt_core *c)
{
    size_t at = rec_begin(b, CKPT_REC_PROC);
    const int32_t ids[7] = {c->pid, c->ppid, c->pgid, c->node, c->signal, c->sig_code, c->wstatus};
    for (int i = 0; i < 7; i++)
        ckpt_put_u32(b, (uint32_t)ids[i]);
    ckpt_put_u32(b, c->fcsr);
    ckpt_put_u64(b, c->sig_addr);
    ckpt_put_u64(b, c->pc);
    ckpt_put_u64(b, c->instret);
    ckpt_put_u64(b, c->sigmask);
    ckpt_put_u64(b, c->sigpending);
    for (int i = 0; i < 32; i++)
        ckpt_put_u64(b, c->x[i]);
    for (int i = 0; i < 32; i++)
        ckpt_put_u64(b, c->f[i]);
    rec_end(b, at);
}

static void put_sigact(struct ckpt_obuf *b, const struct ckpt_core *c)
{
    size_t at = rec_begin(b, CKPT_REC_SIGACT);
    for (int i = 0; i < CKPT_NSIG; i++) {
        ckpt_put_u64(b, c->sigact[i].handler);
        ckpt_put_u64(b, c->sigact[i].flags);
        ckpt_put_u64(b, c->sigact[i].mask);
    }
    rec_end(b, at);
}

static void put_fd(struct ckpt_obuf *b, const struct ckpt_fd *f)
{
    size_t at = rec_begin(b, CKPT_REC_FD);
    ckpt_put_u32(b, (uint32_t)f->fd);
    ckpt_put_u32(b, f->flags);
    ckpt_put_u32(b, f->fdflags);
    ckpt_put_u64(b, (uint64_t)f->offset);
    put_path(b, f->path);
    rec_end(b, at);
}

static void put_lseg(struct ckpt_obuf *b, const struct ckpt_lseg *l)
{
    size_t at = rec_begin(b, CKPT_REC_LSEG);
    ckpt_put_u64(b, l->vaddr);
    ckpt_put_u64(b, l->size);
    ckpt_put_u32(b, l->flags);
    ckpt_put_u32(b, l->kind);
    ckpt_put_u64(b, l->off);
    ckpt_put_u64(b, l->dev);
    ckpt_put_u64(b, l->ino);
    put_path(b, l->path);
    rec_end(b, at);
}

int ckpt_core_encode(const struct ckpt_core *c, uint8_t **buf, size_t *len)
{
    if (!c || (c->nfd && !c->fd) || (c->nlseg && !c->lseg)) return -EINVAL;
    struct ckpt_obuf b = {0};
    size_t nrec = 3 + c->nfd + c->nlseg; /* proc, exe, sigact */
    if (nrec > UINT32_MAX) return -EINVAL;
    put_header(&b, (uint32_t)nrec);
    put_proc(&b, c);
    size_t at = rec_begin(&b, CKPT_REC_EXE);
    put_path(&b, c->exe);
    rec_end(&b, at);
    put_sigact(&b, c);
    for (size_t i = 0; i < c->nfd; i++)
        put_fd(&b, &c->fd[i]);
    for (size_t i = 0; i < c->nlseg; i++)
        put_lseg(&b, &c->lseg[i]);
    if (b.err) {
        free(b.p);
        return b.err;
    }
    *buf = b.p;
    *len = b.len;
    return 0;
}

/* ---- Decoding ---------------------------------------------------------------------- */

/* The rest of the record as a path: a malloc'd string ("" when empty). */
static char *get_path(struct ckpt_ibuf *b)
{
    size_t n = b->len - b->pos;
    const uint8_t *x = ckpt_take(b, n);
    if (b->err) return NULL;
    if (n >= CKPT_PATH_MAX || memchr(x, 0, n)) {
        b->err = -EBADMSG;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        b->err = -ENOMEM;
        return NULL;
    }
    memcpy(s, x, n);
    s[n] = 0;
    return s;
}

/* Header: invariant 1. Leaves b->pos after the header; returns the record count. */
static uint32_t get_header(struct ckpt_ibuf *b)
{
    if (b->len < 16 || memcmp(b->p, CKPT_MAGIC, 8) != 0) {
        b->err = -EBADMSG;
        return 0;
    }
    uint32_t version = ckpt_u32_at(b->p + 8), hsize = ckpt_u32_at(b->p + 12);
    if (hsize < 24 || hsize > HEADER_MAX || hsize > b->len ||
        crc(0, b->p, hsize - 4) != ckpt_u32_at(b->p + hsize - 4)) {
        b->err = -EBADMSG;
        return 0;
    }
    if (version > CKPT_VERSION) {
        b->err = -EPROTO;
        return 0;
    }
    if (version == 0 || hsize != CKPT_HEADER_SIZE || ckpt_u32_at(b->p + 20) != 0 ||
        ckpt_u32_at(b->p + 24) != 0) {
        b->err = -EBADMSG;
        return 0;
    }
    b->pos = hsize;
    return ckpt_u32_at(b->p + 16);
}

static void get_proc(struct ckpt_ibuf *r, struct ckpt_core *c)
{
    int32_t *ids[7] = {&c->pid,    &c->ppid,     &c->pgid,   &c->node,
                       &c->signal, &c->sig_code, &c->wstatus};
    for (int i = 0; i < 7; i++)
        *ids[i] = (int32_t)ckpt_get_u32(r);
    c->fcsr = ckpt_get_u32(r);
    c->sig_addr = ckpt_get_u64(r);
    c->pc = ckpt_get_u64(r);
    c->instret = ckpt_get_u64(r);
    c->sigmask = ckpt_get_u64(r);
    c->sigpending = ckpt_get_u64(r);
    for (int i = 0; i < 32; i++)
        c->x[i] = ckpt_get_u64(r);
    for (int i = 0; i < 32; i++)
        c->f[i] = ckpt_get_u64(r);
}

static void get_sigact(struct ckpt_ibuf *r, struct ckpt_core *c)
{
    for (int i = 0; i < CKPT_NSIG; i++) {
        c->sigact[i].handler = ckpt_get_u64(r);
        c->sigact[i].flags = ckpt_get_u64(r);
        c->sigact[i].mask = ckpt_get_u64(r);
    }
}

/* Room for one more element in a growing array of `size`-byte elements. */
static void *grow(void *arr, size_t n, size_t size, int *err)
{
    if (n & (n - 1)) return arr; /* not a power of two: room left */
    void *np = realloc(arr, (n ? 2 * n : 4) * size);
    if (!np) *err = -ENOMEM;
    return np ? np : arr;
}

static void get_fd(struct ckpt_ibuf *r, struct ckpt_core *c)
{
    c->fd = grow(c->fd, c->nfd, sizeof *c->fd, &r->err);
    if (r->err) return;
    struct ckpt_fd *f = &c->fd[c->nfd];
    f->fd = (int32_t)ckpt_get_u32(r);
    f->flags = ckpt_get_u32(r);
    f->fdflags = ckpt_get_u32(r);
    f->offset = (int64_t)ckpt_get_u64(r);
    f->path = get_path(r);
    if (!r->err) c->nfd++;
}

static void get_lseg(struct ckpt_ibuf *r, struct ckpt_core *c)
{
    c->lseg = grow(c->lseg, c->nlseg, sizeof *c->lseg, &r->err);
    if (r->err) return;
    struct ckpt_lseg *l = &c->lseg[c->nlseg];
    l->vaddr = ckpt_get_u64(r);
    l->size = ckpt_get_u64(r);
    l->flags = ckpt_get_u32(r);
    l->kind = ckpt_get_u32(r);
    l->off = ckpt_get_u64(r);
    l->dev = ckpt_get_u64(r);
    l->ino = ckpt_get_u64(r);
    l->path = get_path(r);
    if (!r->err) c->nlseg++;
}

/* Counts of the record types seen, for the "exactly one" checks. */
struct seen {
    unsigned proc, exe, sigact;
};

/* Decode one record's payload r (already checked against its crc) by type;
 * invariant 4 for the sizes. */
static int get_record(uint32_t type, struct ckpt_ibuf *r, struct ckpt_core *c, struct seen *s)
{
    size_t n = r->len;
    switch (type) {
    case CKPT_REC_PROC:
        if (n != PROC_SIZE || s->proc++) return -EBADMSG;
        get_proc(r, c);
        break;
    case CKPT_REC_EXE:
        if (s->exe++) return -EBADMSG;
        c->exe = get_path(r);
        break;
    case CKPT_REC_SIGACT:
        if (n != SIGACT_SIZE || s->sigact++) return -EBADMSG;
        get_sigact(r, c);
        break;
    case CKPT_REC_FD:
        if (n < FD_FIXED) return -EBADMSG;
        get_fd(r, c);
        break;
    case CKPT_REC_LSEG:
        if (n < LSEG_FIXED) return -EBADMSG;
        get_lseg(r, c);
        break;
    default: return 0; /* unknown type: skipped */
    }
    if (!r->err && r->pos != r->len) return -EBADMSG;
    return r->err;
}

/* The next record of b: checks its bounds and crc, then decodes it. */
static int next_record(struct ckpt_ibuf *b, struct ckpt_core *c, struct seen *s)
{
    const uint8_t *h = ckpt_take(b, REC_HEAD);
    if (!h) return b->err;
    uint32_t type = ckpt_u32_at(h), len = ckpt_u32_at(h + 4);
    const uint8_t *payload = ckpt_take(b, len);
    if (!payload) return b->err;
    if (crc(crc(0, h, 8), payload, len) != ckpt_u32_at(h + 8)) return -EBADMSG;
    struct ckpt_ibuf r = {.p = payload, .len = len};
    return get_record(type, &r, c, s);
}

int ckpt_core_decode(const uint8_t *buf, size_t len, struct ckpt_core **out)
{
    struct ckpt_ibuf b = {.p = buf, .len = len};
    uint32_t nrec = get_header(&b);
    if (b.err) return b.err;
    struct ckpt_core *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    struct seen s = {0};
    int err = 0;
    for (uint32_t i = 0; i < nrec && !err; i++)
        err = next_record(&b, c, &s);
    if (!err && (b.pos != b.len || s.proc != 1 || s.sigact != 1)) err = -EBADMSG;
    if (!err && !c->exe && !(c->exe = strdup(""))) err = -ENOMEM;
    if (err) {
        ckpt_core_free(c);
        return err;
    }
    *out = c;
    return 0;
}

void ckpt_core_free(struct ckpt_core *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nfd; i++)
        free(c->fd[i].path);
    for (size_t i = 0; i < c->nlseg; i++)
        free(c->lseg[i].path);
    free(c->fd);
    free(c->lseg);
    free(c->exe);
    free(c);
}

const char *ckpt_lseg_kind_name(uint32_t kind)
{
    static const char *const names[] = {
        [CKPT_LSEG_ANON] = "anon",
        [CKPT_LSEG_FILE_SHARED] = "shared",
        [CKPT_LSEG_FILE_PRIVATE] = "private",
        [CKPT_LSEG_STACK] = "stack",
        [CKPT_LSEG_BRK] = "brk",
        [CKPT_LSEG_TRAMPOLINE] = "trampoline",
        [CKPT_LSEG_TEXT] = "text",
    };
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* ---- Files ------------------------------------------------------------------------ */

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write buf to a new file `tmp` in dirfd and fsync it. */
static int write_temp(int dirfd, const char *tmp, const uint8_t *buf, size_t len)
{
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    int err = write_all(fd, buf, len);
    if (!err && fsync(fd) < 0) err = -errno;
    if (close(fd) < 0 && !err) err = -errno;
    return err;
}

/* fsync the directory dirfd (which may be an O_PATH descriptor). */
static int fsync_dir(int dirfd)
{
    int d = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return -errno;
    int err = fsync(d) < 0 && errno != EINVAL ? -errno : 0;
    close(d);
    return err;
}

int ckpt_core_write(int dirfd, const char *name, const struct ckpt_core *c)
{
    char tmp[512];
    if (!name || !*name || strchr(name, '/')) return -EINVAL;
    if ((size_t)snprintf(tmp, sizeof tmp, ".%s.tmp.%ld", name, (long)getpid()) >= sizeof tmp)
        return -ENAMETOOLONG;
    uint8_t *buf;
    size_t len;
    int err = ckpt_core_encode(c, &buf, &len);
    if (err) return err;
    unlinkat(dirfd, tmp, 0); /* a leftover of a crashed writer with our pid */
    err = write_temp(dirfd, tmp, buf, len);
    free(buf);
    if (!err && renameat(dirfd, tmp, dirfd, name) < 0) err = -errno;
    if (err) {
        unlinkat(dirfd, tmp, 0);
        return err;
    }
    return fsync_dir(dirfd);
}

int ckpt_core_read_fd(int fd, struct ckpt_core **out)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    if (!S_ISREG(st.st_mode)) return -EINVAL;
    if ((uint64_t)st.st_size > CKPT_FILE_MAX) return -EFBIG;
    size_t len = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -ENOMEM;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* shrank under us: decode what there is */
        got += (size_t)r;
    }
    int err = ckpt_core_decode(buf, got, out);
    free(buf);
    return err;
}

int ckpt_core_read(const char *path, struct ckpt_core **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int err = ckpt_core_read_fd(fd, out);
    close(fd);
    return err;
}
