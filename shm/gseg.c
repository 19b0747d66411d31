/*
 * gseg.c — the global segment registry: <root>/.symunix/gseg/<id> hard
 * links that give every rank the same collision-free id for a file, and the
 * memory modules' fill/write-back callbacks that reach a segment's file by
 * its id (docs/store.md, "The global segment registry").
 */
#include "shm/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The global segment registry ------------------------------------------
 *
 * <root>/.symunix/gseg/<id as 6 hex digits> is a hard link to the image file
 * of global segment id (1 .. STORE_GSEG_MAX). Registration probes from a hash
 * of the file's (st_dev, st_ino): linkat creating the name is the atomic
 * allocation across ranks (EEXIST: the id is taken; if by the same file, it is
 * this file's id, else the next id is tried), and any rank opens the file by
 * its id. Entries are never removed while a job runs (a probe chain must not
 * break), only by store_gseg_cleanup at the job's end, by the store object
 * that made them. */

uint64_t store_gseg_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)dev * 0x9e3779b97f4a7c15ull ^ (uint64_t)ino;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h % STORE_GSEG_MAX + 1;
}

static void gseg_name(uint64_t id, char name[16])
{
    snprintf(name, 16, "%06llx", (unsigned long long)id);
}

/* The registry directory's fd, made on first use when `create` (else
 * -ENOENT while there is none). */
static int gseg_dir(struct store *s, int create)
{
    if (s->gsegfd >= 0) return s->gsegfd;
    int fd =
        openat(s->rootfd, STORE_HIDDEN_DIR "/gseg", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || !create) return fd < 0 ? -errno : (s->gsegfd = fd);
    if (mkdirat(s->rootfd, STORE_HIDDEN_DIR, 0700) < 0 && errno != EEXIST) return -errno;
    if (mkdirat(s->rootfd, STORE_HIDDEN_DIR "/gseg", 0700) < 0 && errno != EEXIST) return -errno;
    fd = openat(s->rootfd, STORE_HIDDEN_DIR "/gseg", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    s->gsegfd = fd;
    return fd;
}

/* Is entry id the file (dev, ino)? 1 yes, 0 another file, -ENOENT none. */
static int gseg_is(int dir, uint64_t id, const struct stat *want)
{
    char name[16];
    struct stat st;
    gseg_name(id, name);
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
    return st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

int store_gseg_register_from(struct store *s, int hostfd, uint64_t start, uint64_t *id)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    if (!S_ISREG(st.st_mode)) return -ENODEV;
    if (start < 1 || start > STORE_GSEG_MAX) return -EINVAL;
    int dir = gseg_dir(s, 1);
    if (dir < 0) return dir;
    char src[64], name[16];
    snprintf(src, sizeof src, "/proc/self/fd/%d", hostfd);
    uint64_t g = start;
    for (uint64_t tries = 0; tries < STORE_GSEG_MAX; tries++, g = g % STORE_GSEG_MAX + 1) {
        int r = gseg_is(dir, g, &st);
        if (r == 1) {
            *id = g;
            return 0;
        }
        if (r == 0) continue;
        if (r != -ENOENT) return r;
        gseg_name(g, name);
        if (linkat(AT_FDCWD, src, dir, name, AT_SYMLINK_FOLLOW) < 0) {
            if (errno == EEXIST) { /* another rank just took it: look again */
                g = g == 1 ? STORE_GSEG_MAX : g - 1;
                continue;
            }
            return -errno;
        }
        if (s->nmade == s->capmade) {
            size_t nc = s->capmade ? s->capmade * 2 : 16;
            uint64_t *nm = realloc(s->made, nc * sizeof *nm);
            if (nm) s->made = nm, s->capmade = nc;
        }
        if (s->nmade < s->capmade) s->made[s->nmade++] = g;
        *id = g;
        return 0;
    }
    return -ENOSPC;
}

int store_gseg_register(struct store *s, int hostfd, uint64_t *id)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    return store_gseg_register_from(s, hostfd, store_gseg_hash(st.st_dev, st.st_ino), id);
}

int store_gseg_find(struct store *s, int hostfd, uint64_t *id)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    int dir = gseg_dir(s, 0);
    if (dir == -ENOENT) return 0;
    if (dir < 0) return dir;
    uint64_t g = store_gseg_hash(st.st_dev, st.st_ino);
    for (uint64_t tries = 0; tries < STORE_GSEG_MAX; tries++, g = g % STORE_GSEG_MAX + 1) {
        int r = gseg_is(dir, g, &st);
        if (r == 1) {
            *id = g;
            return 1;
        }
        if (r == -ENOENT) return 0;
        if (r < 0) return r;
    }
    return 0;
}

int store_gseg_open(struct store *s, uint64_t id, int flags)
{
    int dir = gseg_dir(s, 0);
    if (dir < 0) return dir;
    char name[16];
    gseg_name(id, name);
    int fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

void store_gseg_free(struct store *s)
{
    if (s->gsegfd >= 0) close(s->gsegfd);
    free(s->made);
}

void store_gseg_cleanup(struct store *s)
{
    if (s->gsegfd < 0) return;
    for (size_t i = 0; i < s->nmade; i++) {
        char name[16];
        gseg_name(s->made[i], name);
        unlinkat(s->gsegfd, name, 0);
    }
    s->nmade = 0;
}

/* ---- The memory modules' callbacks: pages of global segments ---- */

#define GSEG_PAGE 4096u
#define GSEG_NFD  64 /* open files kept */

struct store_gseg_io {
    struct store *s;
    struct {
        uint64_t id; /* 0: empty */
        int fd;
    } fds[GSEG_NFD];
    unsigned next; /* the slot the next open replaces */
};

int store_gseg_io_new(struct store *s, struct store_gseg_io **out)
{
    struct store_gseg_io *io = calloc(1, sizeof *io);
    if (!io) return -ENOMEM;
    io->s = s;
    for (unsigned i = 0; i < GSEG_NFD; i++)
        io->fds[i].fd = -1;
    *out = io;
    return 0;
}

void store_gseg_io_free(struct store_gseg_io *io)
{
    if (!io) return;
    for (unsigned i = 0; i < GSEG_NFD; i++)
        if (io->fds[i].fd >= 0) close(io->fds[i].fd);
    free(io);
}

/* The open file of segment id (read-write, else read-only), or -errno. */
static int io_fd(struct store_gseg_io *io, uint64_t id)
{
    for (unsigned i = 0; i < GSEG_NFD; i++)
        if (io->fds[i].id == id) return io->fds[i].fd;
    int fd = store_gseg_open(io->s, id, O_RDWR);
    if (fd == -EACCES || fd == -EROFS) fd = store_gseg_open(io->s, id, O_RDONLY);
    if (fd < 0) return fd;
    unsigned k = io->next;
    io->next = (k + 1) % GSEG_NFD;
    if (io->fds[k].fd >= 0) close(io->fds[k].fd);
    io->fds[k].id = id, io->fds[k].fd = fd;
    return fd;
}

int store_gseg_fill(void *ctx, uint64_t seg, uint64_t page, void *buf)
{
    struct store_gseg_io *io = ctx;
    int fd = io_fd(io, seg);
    if (fd < 0) return fd;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    uint64_t off = page * GSEG_PAGE;
    if (off >= (uint64_t)st.st_size) return 0; /* beyond the end: zeros, no read */
    size_t got = 0;
    while (got < GSEG_PAGE) {
        ssize_t n = pread(fd, (char *)buf + got, GSEG_PAGE - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) break; /* the end: the rest stays zero */
        got += (size_t)n;
    }
    return 0;
}

int store_gseg_writeback(void *ctx, uint64_t seg, uint64_t page, const void *buf)
{
    struct store_gseg_io *io = ctx;
    int fd = io_fd(io, seg);
    if (fd < 0) return fd;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    uint64_t off = page * GSEG_PAGE, size = (uint64_t)st.st_size;
    if (off >= size) return 0; /* beyond the end (truncated): nothing to keep */
    size_t len = size - off < GSEG_PAGE ? (size_t)(size - off) : GSEG_PAGE, put = 0;
    while (put < len) {
        ssize_t n = pwrite(fd, (const char *)buf + put, len - put, (off_t)(off + put));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        put += (size_t)n;
    }
    return 0;
}
