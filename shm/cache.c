/*
 * cache.c — the node's buffer cache of image-file pages (see cache.h for the
 * model, the frame states and the invariants).
 *
 * Data structures: every frame that has host memory is on exactly one of two
 * intrusive lists of the cache, `freel` (FREE) or `avail` (AVAILABLE, oldest
 * first), or on neither (IN USE). A frame that caches a page is also in one
 * hash chain (by image and page number) and on its image's list of frames, so
 * a sync or a close visits only that image's pages.
 */
#include "shm/cache.h"

#include <assert.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* The largest page number whose offset fits a host off_t. */
#define PGNO_MAX ((uint64_t)INT64_MAX >> STORE_PAGE_SHIFT)

struct link {
    struct link *prev, *next;
};

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

static void list_init(struct link *h)
{
    h->prev = h->next = h;
}

static int list_empty(const struct link *h)
{
    return h->next == h;
}

static void list_del(struct link *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = l;
}

/* Insert l at the tail of h (most recent). */
static void list_add_tail(struct link *h, struct link *l)
{
    l->prev = h->prev;
    l->next = h;
    h->prev->next = l;
    h->prev = l;
}

struct store_cache_frame {
    struct store_cache_image *img; /* NULL when FREE */
    uint64_t pgno;
    unsigned pins;                   /* IN USE while > 0 */
    unsigned wpins;                  /* pins taken with STORE_PAGE_WRITE (inv. 4) */
    int dirty;                       /* differs from the file (or pinned for writing) */
    struct store_cache_frame *hnext; /* hash chain */
    struct link lru;                 /* on freel or avail, or alone when IN USE */
    struct link ilink;               /* on img->frames when caching a page */
    unsigned char *data;             /* STORE_PAGE_SIZE bytes, page aligned */
};

/* A directory lazy images put their files in: one duplicate fd per directory,
 * shared by all its images (a process may have thousands of segments). A
 * directory no image uses any more stays on the list, idle, with its fd (at
 * most STORE_IDLE_DIRS of them, the oldest closed first), so that a segment
 * created and dropped again and again in one directory (a lazy anonymous
 * file per open) dups no fd each time. */
#define STORE_IDLE_DIRS 8
struct lazy_dir {
    struct lazy_dir *next;
    dev_t dev;
    ino_t ino;
    int fd;
    unsigned refs;
    int own; /* one image's own (store_cache_image_new_lazy_at): not on the list */
};

struct store_cache_image {
    struct store_cache *cache;
    struct link clink;    /* on cache->images */
    struct link frames;   /* frames caching pages of this image */
    int fd;               /* the cache's own duplicate; -1: a lazy image with no file yet */
    int writable;         /* fd opened O_WRONLY or O_RDWR */
    int lazy;             /* made by store_cache_image_new_lazy: never found by identity */
    int memfile;          /* fd is a memory file (memfd): the store has no file yet */
    struct lazy_dir *dir; /* lazy: where its unnamed file goes at first write-back */
    dev_t dev;
    ino_t ino;
    uint64_t size;     /* logical size in bytes */
    uint64_t data_end; /* the host file reads zeros from here on (never written there) */
    unsigned refs;     /* lsegs mapping the image */
};

struct store_cache {
    size_t limit;  /* frames allowed */
    size_t nalloc; /* frames with host memory */
    size_t nfree, navail, npinned, ndirty;
    struct link freel;                     /* FREE frames with memory */
    struct link avail;                     /* AVAILABLE frames, oldest first */
    struct link images;                    /* open images */
    struct lazy_dir *dirs;                 /* newest first */
    unsigned nidle;                        /* dirs with no reference */
    int (*materialize)(void *ctx, int fd); /* store_cache_set_materialize */
    void *mctx;
    struct store_cache_frame **hash;
    size_t hmask;                   /* hash buckets - 1 */
    struct store_cache_frame **all; /* every allocated frame, for store_cache_free */
    struct store_cache_stats st;
    int fail_err;        /* store_cache_failure */
    char fail_what[600]; /* "page N of PATH" */
    /* Images come and go at every open and close of a virtual anonymous
     * file: a few freed ones are kept. */
    struct store_cache_spares image_spares;
    unsigned long lazy_seq; /* lazy_materialize's fallback names */
};

/* ---- Hash of (image, page) ---------------------------------------------- */

static size_t bucket(const struct store_cache *c, const struct store_cache_image *img,
                     uint64_t pgno)
{
    uint64_t h = (uint64_t)(uintptr_t)img * 0x9e3779b97f4a7c15ull;
    h ^= (pgno + (h >> 29)) * 0xbf58476d1ce4e5b9ull;
    return (size_t)(h ^ (h >> 32)) & c->hmask;
}

static struct store_cache_frame *hash_find(struct store_cache *c, struct store_cache_image *img,
                                           uint64_t pgno)
{
    for (struct store_cache_frame *f = c->hash[bucket(c, img, pgno)]; f; f = f->hnext)
        if (f->img == img && f->pgno == pgno) return f;
    return NULL;
}

static void hash_insert(struct store_cache *c, struct store_cache_frame *f)
{
    struct store_cache_frame **b = &c->hash[bucket(c, f->img, f->pgno)];
    f->hnext = *b;
    *b = f;
}

static void hash_remove(struct store_cache *c, struct store_cache_frame *f)
{
    struct store_cache_frame **p = &c->hash[bucket(c, f->img, f->pgno)];
    while (*p != f)
        p = &(*p)->hnext;
    *p = f->hnext;
    f->hnext = NULL;
}

/* ---- Dirty bit ------------------------------------------------------------ */

static void set_dirty(struct store_cache *c, struct store_cache_frame *f)
{
    if (!f->dirty) c->ndirty++;
    f->dirty = 1;
}

static void clear_dirty(struct store_cache *c, struct store_cache_frame *f)
{
    if (f->dirty) c->ndirty--;
    f->dirty = 0;
}

/* ---- I/O ------------------------------------------------------------------ */

/* Record a failure of page pgno of img (store_cache_failure). */
static int failed(struct store_cache_image *img, uint64_t pgno, int err)
{
    struct store_cache *c = img->cache;
    char link[64], path[512];
    int fd = img->fd >= 0 ? img->fd : img->dir ? img->dir->fd : -1;
    ssize_t n = -1;
    if (fd >= 0) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof path - 1);
    }
    if (n < 0) n = snprintf(path, sizeof path, "(unknown)");
    path[n] = 0;
    if (img->fd >= 0)
        snprintf(c->fail_what, sizeof c->fail_what, "page %llu of %s", (unsigned long long)pgno,
                 path);
    else
        snprintf(c->fail_what, sizeof c->fail_what, "page %llu of a new unnamed file in %s",
                 (unsigned long long)pgno, path);
    c->fail_err = err;
    return err;
}

int store_cache_failure(const struct store_cache *c, const char **what)
{
    *what = c->fail_what;
    return c->fail_err;
}

/*
 * Fill f with page pgno of img: zeros past the logical size without I/O,
 * else a pread whose short tail (EOF) is zeroed. 0 or the pread errno.
 */
static int fill(struct store_cache *c, struct store_cache_image *img, struct store_cache_frame *f,
                uint64_t pgno)
{
    uint64_t off = pgno << STORE_PAGE_SHIFT;
    if (off >= img->size || off >= img->data_end || img->fd < 0) {
        memset(f->data, 0, STORE_PAGE_SIZE);
        c->st.zero_fills++;
        return 0;
    }
    size_t got = 0;
    c->st.reads++;
    while (got < STORE_PAGE_SIZE) {
        ssize_t n = pread(img->fd, f->data + got, STORE_PAGE_SIZE - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed(img, pgno, -errno);
        if (n == 0) break;
        got += (size_t)n;
    }
    memset(f->data + got, 0, STORE_PAGE_SIZE - got);
    return 0;
}

/*
 * The first write-back of a lazy image: its host file, with no name (O_TMPFILE
 * in its directory; where the file system has none, a fresh name unlinked at
 * once), left empty: pages never written read as zeros past its end. 0 or a negative errno (the
 * image stays lazy).
 */
static int lazy_materialize(struct store_cache_image *img)
{
    int fd = openat(img->dir->fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    for (int tries = 0; fd < 0 && tries < 1000; tries++) {
        char name[64];
        snprintf(name, sizeof name, ".symlazy.%ld.%lu", (long)getpid(), img->cache->lazy_seq++);
        fd = openat(img->dir->fd, name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
            unlinkat(img->dir->fd, name, 0);
        else if (errno != EEXIST)
            break;
    }
    if (fd < 0) return -errno;
    img->fd = fd; /* empty: write-backs make it as long as it needs (sparse) */
    img->writable = 1;
    img->cache->st.materialized++;
    return 0;
}

/*
 * Write a dirty frame's bytes below the logical size to its image file and
 * clear the dirty bit, unless the frame is pinned for writing (inv. 4).
 * 0 or the pwrite errno (the frame stays dirty).
 */
static int writeback(struct store_cache *c, struct store_cache_frame *f)
{
    struct store_cache_image *img = f->img;
    uint64_t off = f->pgno << STORE_PAGE_SHIFT;
    size_t len = 0, done = 0;
    if (off < img->size)
        len = img->size - off < STORE_PAGE_SIZE ? (size_t)(img->size - off) : STORE_PAGE_SIZE;
    if (len && img->fd < 0) {
        int e = lazy_materialize(img);
        if (e < 0) return failed(img, f->pgno, e);
    }
    if (len && img->memfile && c->materialize) {
        /* The page must reach the store: the memory file becomes a host file
         * (under the same fd number) first. On failure it stays in memory. */
        if (c->materialize(c->mctx, img->fd) == 0) img->memfile = 0;
    }
    while (done < len) {
        ssize_t n = pwrite(img->fd, f->data + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed(img, f->pgno, -errno);
        if (n == 0) return failed(img, f->pgno, -EIO);
        done += (size_t)n;
    }
    if (len) c->st.writebacks++;
    if (off + len > img->data_end) img->data_end = off + len;
    if (f->wpins == 0) clear_dirty(c, f);
    return 0;
}

/* ---- Frames --------------------------------------------------------------- */

/* A new frame with host memory, or NULL (limit reached, or no host memory). */
static struct store_cache_frame *frame_new(struct store_cache *c)
{
    if (c->nalloc == c->limit) return NULL;
    struct store_cache_frame *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->data = aligned_alloc(STORE_PAGE_SIZE, STORE_PAGE_SIZE);
    if (!f->data) {
        free(f);
        return NULL;
    }
    list_init(&f->lru);
    list_init(&f->ilink);
    c->all[c->nalloc++] = f;
    c->nfree++;
    list_add_tail(&c->freel, &f->lru);
    return f;
}

/* Detach a caching frame from its page (hash, image list); it keeps its list. */
static void frame_unbind(struct store_cache *c, struct store_cache_frame *f)
{
    hash_remove(c, f);
    list_del(&f->ilink);
    clear_dirty(c, f);
    f->img = NULL;
}

/* AVAILABLE or caching frame with no pins -> FREE. */
static void frame_release(struct store_cache *c, struct store_cache_frame *f)
{
    assert(f->pins == 0);
    frame_unbind(c, f);
    list_del(&f->lru);
    c->navail--;
    c->nfree++;
    list_add_tail(&c->freel, &f->lru);
}

/*
 * Take a frame for a new page, off every list: a FREE one, else the oldest
 * AVAILABLE one that is clean or can be written back (evicted). NULL with *err
 * set to -ENOMEM, or to the last write-back error when only frames whose
 * write-back failed were left.
 */
static struct store_cache_frame *frame_take(struct store_cache *c, int *err)
{
    if (list_empty(&c->freel)) frame_new(c);
    if (!list_empty(&c->freel)) {
        struct store_cache_frame *f = container_of(c->freel.next, struct store_cache_frame, lru);
        list_del(&f->lru);
        c->nfree--;
        return f;
    }
    *err = -ENOMEM;
    for (struct link *l = c->avail.next; l != &c->avail; l = l->next) {
        struct store_cache_frame *f = container_of(l, struct store_cache_frame, lru);
        int e = f->dirty ? writeback(c, f) : 0;
        if (e < 0) {
            *err = e; /* stays dirty and available (inv. 3); try the next one */
            continue;
        }
        frame_unbind(c, f);
        list_del(&f->lru);
        c->navail--;
        c->st.evictions++;
        return f;
    }
    return NULL;
}

/* Give a frame taken by frame_take back to the free list (a failed fill). */
static void frame_untake(struct store_cache *c, struct store_cache_frame *f)
{
    c->nfree++;
    list_add_tail(&c->freel, &f->lru);
}

/* ---- The cache -------------------------------------------------------------- */

int store_cache_new(uint64_t bytes, struct store_cache **out)
{
    *out = NULL;
    uint64_t frames = bytes >> STORE_PAGE_SHIFT;
    if (frames == 0 || frames > SIZE_MAX / sizeof(void *) / 2) return -EINVAL;
    struct store_cache *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    size_t nb = 16;
    while (nb < frames)
        nb <<= 1;
    c->limit = (size_t)frames;
    c->hmask = nb - 1;
    c->hash = calloc(nb, sizeof *c->hash);
    c->all = calloc(c->limit, sizeof *c->all);
    if (!c->hash || !c->all) {
        free(c->hash);
        free(c->all);
        free(c);
        return -ENOMEM;
    }
    list_init(&c->freel);
    list_init(&c->avail);
    list_init(&c->images);
    c->image_spares = (struct store_cache_spares)STORE_SPARES_OF(struct store_cache_image);
    *out = c;
    return 0;
}

static void dir_free(struct store_cache *c, struct lazy_dir *d);

int store_cache_free(struct store_cache *c)
{
    if (!c) return 0;
    int err = 0;
    while (!list_empty(&c->images)) {
        struct store_cache_image *img =
            container_of(c->images.next, struct store_cache_image, clink);
        for (struct link *l = img->frames.next; l != &img->frames; l = l->next) {
            struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
            if (f->pins == 0) continue;
            f->pins = f->wpins = 0; /* the node is going away: IN USE -> AVAILABLE */
            c->npinned--;
            c->navail++;
            list_add_tail(&c->avail, &f->lru);
        }
        img->refs = 1;
        int e = store_cache_image_close(img);
        if (e < 0 && err == 0) err = e;
    }
    while (c->dirs) /* idle directories (the images took the others with them) */
        dir_free(c, c->dirs);
    for (size_t i = 0; i < c->nalloc; i++) {
        free(c->all[i]->data);
        free(c->all[i]);
    }
    free(c->all);
    free(c->hash);
    store_cache_spare_drain(&c->image_spares);
    free(c);
    return err;
}

void store_cache_stats(const struct store_cache *c, struct store_cache_stats *out)
{
    *out = c->st;
}

void store_cache_counts(const struct store_cache *c, struct store_cache_counts *out)
{
    out->limit = c->limit;
    out->free = c->nfree + (c->limit - c->nalloc);
    out->available = c->navail;
    out->pinned = c->npinned;
    out->dirty = c->ndirty;
}

/* ---- Images ------------------------------------------------------------------ */

void *store_cache_spare_get(struct store_cache_spares *s)
{
#ifndef __SANITIZE_ADDRESS__
    if (s->n) {
        void *p = s->v[--s->n];
        memset(p, 0, s->size);
        return p;
    }
#endif
    return calloc(1, s->size);
}

void store_cache_spare_put(struct store_cache_spares *s, void *p)
{
#ifndef __SANITIZE_ADDRESS__
    if (p && s->n < STORE_SPARES) {
        s->v[s->n++] = p;
        return;
    }
#endif
    free(p);
}

void store_cache_spare_drain(struct store_cache_spares *s)
{
    while (s->n)
        free(s->v[--s->n]);
}

static struct store_cache_image *image_alloc(struct store_cache *c)
{
    return store_cache_spare_get(&c->image_spares);
}

static void image_free(struct store_cache *c, struct store_cache_image *img)
{
    store_cache_spare_put(&c->image_spares, img);
}

static struct store_cache_image *image_find(struct store_cache *c, dev_t dev, ino_t ino)
{
    for (struct link *l = c->images.next; l != &c->images; l = l->next) {
        struct store_cache_image *img = container_of(l, struct store_cache_image, clink);
        if (!img->lazy && img->dev == dev && img->ino == ino) return img;
    }
    return NULL;
}

/* Use a duplicate of writable `fd` for write-back instead of a read-only one. */
static void image_upgrade_fd(struct store_cache_image *img, int fd)
{
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return; /* keep the old one; write-back will report */
    close(img->fd);
    img->fd = dup;
    img->writable = 1;
}

int store_cache_image_open(struct store_cache *c, int fd, struct store_cache_image **out)
{
    *out = NULL;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    if (S_ISDIR(st.st_mode)) return -EISDIR;
    if (!S_ISREG(st.st_mode)) return -ENODEV;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -errno;
    int writable = (fl & O_ACCMODE) != O_RDONLY;
    struct store_cache_image *img = image_find(c, st.st_dev, st.st_ino);
    if (img) {
        if (writable && !img->writable) image_upgrade_fd(img, fd);
        img->refs++;
        *out = img;
        return 0;
    }
    img = image_alloc(c);
    if (!img) return -ENOMEM;
    img->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (img->fd < 0) {
        int e = -errno;
        image_free(c, img);
        return e;
    }
    img->cache = c;
    img->memfile = fcntl(fd, F_GET_SEALS) >= 0; /* only memory files have seals */
    img->writable = writable;
    img->dev = st.st_dev;
    img->ino = st.st_ino;
    img->size = img->data_end = (uint64_t)st.st_size;
    img->refs = 1;
    list_init(&img->frames);
    list_add_tail(&c->images, &img->clink);
    *out = img;
    return 0;
}

static int image_writeback(struct store_cache_image *img);

/* A reference to the directory (dev, ino) open at dirfd: its entry on the
 * list (an idle one revived), else a new entry with a duplicate of dirfd. */
static struct lazy_dir *dir_get_id(struct store_cache *c, int dirfd, dev_t dev, ino_t ino)
{
    for (struct lazy_dir *d = c->dirs; d; d = d->next)
        if (d->dev == dev && d->ino == ino) {
            if (d->refs++ == 0) c->nidle--;
            return d;
        }
    struct lazy_dir *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (d->fd < 0) {
        free(d);
        return NULL;
    }
    d->dev = dev;
    d->ino = ino;
    d->refs = 1;
    d->next = c->dirs;
    c->dirs = d;
    return d;
}

static struct lazy_dir *dir_get(struct store_cache *c, int dirfd)
{
    struct stat st;
    if (fstat(dirfd, &st) < 0) return NULL;
    return dir_get_id(c, dirfd, st.st_dev, st.st_ino);
}

/* Unlink d from the list and close it. */
static void dir_free(struct store_cache *c, struct lazy_dir *d)
{
    struct lazy_dir **pp = &c->dirs;
    while (*pp != d)
        pp = &(*pp)->next;
    *pp = d->next;
    close(d->fd);
    free(d);
}

static void dir_put(struct store_cache *c, struct lazy_dir *d)
{
    if (!d || --d->refs) return;
    if (d->own) {
        close(d->fd);
        free(d);
        return;
    }
    if (++c->nidle <= STORE_IDLE_DIRS) return;
    struct lazy_dir *oldest = NULL; /* the list is newest first */
    for (struct lazy_dir *e = c->dirs; e; e = e->next)
        if (e->refs == 0) oldest = e;
    c->nidle--;
    dir_free(c, oldest);
}

/* A new lazy image of `size` bytes whose pages go, when written back, to an
 * unnamed file in directory d (the image takes d's reference). */
static struct store_cache_image *lazy_image(struct store_cache *c, struct lazy_dir *d,
                                            uint64_t size, struct store_cache_image *img)
{
    img->dir = d;
    img->cache = c;
    img->fd = -1;
    img->lazy = 1;
    img->writable = 1;
    img->size = size;
    img->refs = 1;
    list_init(&img->frames);
    list_add_tail(&c->images, &img->clink);
    return img;
}

int store_cache_image_new_lazy(struct store_cache *c, int dirfd, uint64_t size,
                               struct store_cache_image **out)
{
    *out = NULL;
    if (size > (uint64_t)INT64_MAX) return -EFBIG;
    struct store_cache_image *img = image_alloc(c);
    if (!img) return -ENOMEM;
    struct lazy_dir *d = dir_get(c, dirfd);
    if (!d) {
        int e = errno ? -errno : -ENOMEM;
        image_free(c, img);
        return e;
    }
    *out = lazy_image(c, d, size, img);
    return 0;
}

int store_cache_image_new_lazy_id(struct store_cache *c, int dirfd, dev_t dev, ino_t ino,
                                  uint64_t size, struct store_cache_image **out)
{
    *out = NULL;
    if (size > (uint64_t)INT64_MAX) return -EFBIG;
    struct store_cache_image *img = image_alloc(c);
    if (!img) return -ENOMEM;
    struct lazy_dir *d = dir_get_id(c, dirfd, dev, ino);
    if (!d) {
        int e = errno ? -errno : -ENOMEM;
        image_free(c, img);
        return e;
    }
    *out = lazy_image(c, d, size, img);
    return 0;
}

int store_cache_image_dir_fd(const struct store_cache_image *img)
{
    return img->dir ? img->dir->fd : -1;
}

int store_cache_image_new_lazy_at(struct store_cache *c, int dirfd, uint64_t size,
                                  struct store_cache_image **out)
{
    *out = NULL;
    if (size > (uint64_t)INT64_MAX) return -EFBIG;
    struct store_cache_image *img = image_alloc(c);
    struct lazy_dir *d = calloc(1, sizeof *d);
    if (!img || !d) {
        image_free(c, img);
        free(d);
        return -ENOMEM;
    }
    d->fd = dirfd;
    d->refs = 1;
    d->own = 1;
    *out = lazy_image(c, d, size, img);
    return 0;
}

unsigned store_cache_image_refs(const struct store_cache_image *img)
{
    return img->refs;
}

int store_cache_image_has_file(const struct store_cache_image *img)
{
    return img->fd >= 0;
}

int store_cache_image_file_stat(const struct store_cache_image *img, struct stat *st)
{
    if (img->fd < 0) return -ENOENT;
    return fstat(img->fd, st) < 0 ? -errno : 0;
}

void store_cache_set_materialize(struct store_cache *c, int (*fn)(void *ctx, int fd), void *ctx)
{
    c->materialize = fn;
    c->mctx = ctx;
}

void store_cache_rekey(void *cache, dev_t odev, ino_t oino, dev_t ndev, ino_t nino)
{
    struct store_cache_image *img = image_find(cache, odev, oino);
    if (!img) return;
    img->dev = ndev;
    img->ino = nino;
}

int store_cache_image_adopt(struct store_cache_image *img, int fd)
{
    struct store_cache *c = img->cache;
    struct stat st;
    if (!img->lazy) return -EINVAL;
    if (fstat(fd, &st) < 0) return -errno;
    if (!S_ISREG(st.st_mode)) return -ENODEV;
    if (image_find(c, st.st_dev, st.st_ino)) return -EEXIST;
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return -errno;
    /* Pages already written back live in the lazy image's own file. */
    uint64_t end = img->fd < 0 ? 0 : img->data_end < img->size ? img->data_end : img->size;
    enum { CHUNK = 1u << 16 };
    unsigned char *buf = end ? malloc(CHUNK) : NULL;
    int err = end && !buf ? -ENOMEM : 0;
    for (uint64_t off = 0; off < end && !err;) {
        size_t want = end - off < CHUNK ? (size_t)(end - off) : CHUNK;
        ssize_t n = pread(img->fd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? -errno : 0;
            break;
        }
        ssize_t w = pwrite(dup, buf, (size_t)n, (off_t)off);
        if (w != n) err = w < 0 ? -errno : -EIO;
        off += (uint64_t)n;
    }
    free(buf);
    if (!err && ftruncate(dup, (off_t)img->size) < 0) err = -errno;
    if (err) {
        close(dup);
        return err;
    }
    if (img->fd >= 0) close(img->fd);
    dir_put(c, img->dir);
    img->dir = NULL;
    img->fd = dup;
    img->lazy = 0;
    img->writable = (fcntl(dup, F_GETFL) & O_ACCMODE) != O_RDONLY;
    img->memfile = fcntl(dup, F_GET_SEALS) >= 0;
    img->dev = st.st_dev;
    img->ino = st.st_ino;
    img->data_end = end;
    return 0;
}

struct store_cache_image *store_cache_image_find(struct store_cache *c, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) return NULL;
    return image_find(c, st.st_dev, st.st_ino);
}

int store_cache_image_flush(struct store_cache_image *img)
{
    return image_writeback(img);
}

int store_cache_image_reload(struct store_cache_image *img, uint64_t off, uint64_t len)
{
    struct store_cache *c = img->cache;
    struct stat st;
    bool known = img->fd >= 0 && fstat(img->fd, &st) == 0;
    if (known && (uint64_t)st.st_size > img->size)
        img->size = img->data_end =
            (uint64_t)st.st_size; /* a write(2) past the end grew the file */
    else if (known && !img->lazy && (uint64_t)st.st_size < img->size) {
        /* truncated behind our back: write-back must not grow it again */
        img->size = (uint64_t)st.st_size;
        if (img->data_end > img->size) img->data_end = img->size;
    }
    if (len == 0) return 0;
    img->data_end = img->size; /* written behind our back: anything may be data */
    uint64_t first = off >> STORE_PAGE_SHIFT, last = (off + len - 1) >> STORE_PAGE_SHIFT;
    int err = 0;
    for (struct link *l = img->frames.next; l != &img->frames; l = l->next) {
        struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
        if (f->pgno < first || f->pgno > last) continue;
        int e = fill(c, img, f, f->pgno);
        if (e < 0 && err == 0) err = e;
    }
    return err;
}

void store_cache_image_discard(struct store_cache_image *img, uint64_t pgno, uint64_t npages)
{
    struct store_cache *c = img->cache;
    for (struct link *l = img->frames.next; l != &img->frames;) {
        struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
        l = l->next;
        if (f->pgno < pgno || f->pgno - pgno >= npages) continue;
        if (f->pins)
            memset(f->data, 0, STORE_PAGE_SIZE);
        else
            frame_release(c, f);
    }
    if (img->fd < 0 || npages == 0) return;
    off_t off = (off_t)(pgno << STORE_PAGE_SHIFT), len = (off_t)(npages << STORE_PAGE_SHIFT);
    if (fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) == 0) return;
    static const unsigned char zero[STORE_PAGE_SIZE];
    for (uint64_t i = 0; i < npages; i++) /* no hole punching here: write zeros */
        if (pwrite(img->fd, zero, sizeof zero, off + (off_t)(i << STORE_PAGE_SHIFT)) < 0) break;
}

void store_cache_image_hold(struct store_cache_image *img)
{
    img->refs++;
}

/* Write back every dirty frame of img; 0 or the first error. */
static int by_pgno(const void *a, const void *b)
{
    uint64_t x = (*(struct store_cache_frame *const *)a)->pgno,
             y = (*(struct store_cache_frame *const *)b)->pgno;
    return x < y ? -1 : x > y;
}

/* Write back run[0..n), frames of consecutive pages wholly below the logical
 * size, with one pwritev; a failure falls back to one page at a time. */
static int writeback_run(struct store_cache *c, struct store_cache_frame **run, int n)
{
    struct store_cache_image *img = run[0]->img;
    if (n == 1 || img->fd < 0) return writeback(c, run[0]);
    struct iovec iov[64];
    for (int i = 0; i < n; i++)
        iov[i] = (struct iovec){run[i]->data, STORE_PAGE_SIZE};
    off_t off = (off_t)(run[0]->pgno << STORE_PAGE_SHIFT);
    ssize_t want = (ssize_t)n * STORE_PAGE_SIZE;
    if (pwritev(img->fd, iov, n, off) != want) {
        int err = 0;
        for (int i = 0; i < n; i++) {
            int e = writeback(c, run[i]);
            if (e < 0 && err == 0) err = e;
        }
        return err;
    }
    c->st.writebacks += (uint64_t)n;
    if ((uint64_t)off + (uint64_t)want > img->data_end)
        img->data_end = (uint64_t)off + (uint64_t)want;
    for (int i = 0; i < n; i++)
        if (run[i]->wpins == 0) clear_dirty(c, run[i]);
    return 0;
}

/* Write back every dirty frame of img, in page order, runs of consecutive
 * pages with one call each; 0 or the first error. */
static int image_writeback(struct store_cache_image *img)
{
    struct store_cache *c = img->cache;
    size_t n = 0, cap = 0;
    struct store_cache_frame **d = NULL;
    int err = 0;
    for (struct link *l = img->frames.next; l != &img->frames; l = l->next) {
        struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
        if (!f->dirty) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct store_cache_frame **nd = realloc(d, nc * sizeof *nd);
            if (!nd) { /* no room to sort: one page at a time */
                free(d);
                d = NULL;
                n = 0;
                break;
            }
            d = nd;
            cap = nc;
        }
        d[n++] = f;
    }
    if (!d) {
        for (struct link *l = img->frames.next; l != &img->frames; l = l->next) {
            struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
            int e = f->dirty ? writeback(c, f) : 0;
            if (e < 0 && err == 0) err = e;
        }
        return err;
    }
    qsort(d, n, sizeof *d, by_pgno);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && j - i < 64 && d[j]->pgno == d[j - 1]->pgno + 1 &&
               (d[j]->pgno + 1) << STORE_PAGE_SHIFT <= img->size)
            j++;
        if (((d[i]->pgno + 1) << STORE_PAGE_SHIFT) > img->size) j = i + 1; /* a partial last page */
        int e = writeback_run(c, d + i, (int)(j - i));
        if (e < 0 && err == 0) err = e;
        i = j;
    }
    free(d);
    return err;
}

int store_cache_image_close(struct store_cache_image *img)
{
    assert(img->refs > 0);
    if (--img->refs > 0) return 0;
    struct store_cache *c = img->cache;
    int err = img->lazy ? 0 : image_writeback(img); /* a lazy image's data dies with it */
    while (!list_empty(&img->frames)) {
        struct store_cache_frame *f =
            container_of(img->frames.next, struct store_cache_frame, ilink);
        assert(f->pins == 0 && "last close of an image with a pinned page");
        frame_release(c, f);
    }
    list_del(&img->clink);
    if (img->fd >= 0) close(img->fd);
    dir_put(c, img->dir);
    image_free(c, img);
    return err;
}

int store_cache_image_sync(struct store_cache_image *img)
{
    int err = image_writeback(img);
    if (img->fd >= 0 && fsync(img->fd) < 0 && err == 0) err = -errno;
    return err;
}

uint64_t store_cache_image_size(const struct store_cache_image *img)
{
    return img->size;
}

/* Zero the bytes of frame f that lie in [from, to) of the file. */
static void zero_range(struct store_cache_frame *f, uint64_t from, uint64_t to)
{
    uint64_t base = f->pgno << STORE_PAGE_SHIFT, end = base + STORE_PAGE_SIZE;
    uint64_t lo = from > base ? from : base, hi = to < end ? to : end;
    if (lo < hi) memset(f->data + (lo - base), 0, (size_t)(hi - lo));
}

int store_cache_image_set_size(struct store_cache_image *img, uint64_t size)
{
    struct store_cache *c = img->cache;
    if (size > (uint64_t)INT64_MAX) return -EFBIG;
    uint64_t first_gone = (size + STORE_PAGE_SIZE - 1) >> STORE_PAGE_SHIFT;
    struct link *l;
    for (l = img->frames.next; l != &img->frames; l = l->next) {
        struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
        if (f->pgno >= first_gone && f->pins) return -EBUSY;
    }
    if (img->fd >= 0 && ftruncate(img->fd, (off_t)size) < 0) return -errno;
    uint64_t old = img->size;
    for (l = img->frames.next; l != &img->frames;) {
        struct store_cache_frame *f = container_of(l, struct store_cache_frame, ilink);
        l = l->next;
        if (f->pgno >= first_gone)
            frame_release(c, f);
        else /* the new partial last page; bytes past the old EOF never become data */
            zero_range(f, size < old ? size : old, UINT64_MAX);
    }
    img->size = size;
    if (img->data_end > size) img->data_end = size;
    return 0;
}

/* ---- Pages -------------------------------------------------------------------- */

/* Pin a cached frame found by a lookup. */
static void pin(struct store_cache *c, struct store_cache_frame *f, int flags)
{
    if (f->pins++ == 0) {
        list_del(&f->lru); /* off the available list */
        c->navail--;
        c->npinned++;
    }
    if (flags & STORE_PAGE_WRITE) {
        f->wpins++;
        set_dirty(c, f);
    }
}

int store_cache_page_get(struct store_cache_image *img, uint64_t pgno, int flags,
                         struct store_cache_frame **out)
{
    struct store_cache *c = img->cache;
    *out = NULL;
    if (pgno > PGNO_MAX) return -EFBIG;
    struct store_cache_frame *f = hash_find(c, img, pgno);
    if (f) {
        c->st.hits++;
        if (f->pins == 0) c->st.reclaims++;
        pin(c, f, flags);
        *out = f;
        return 0;
    }
    c->st.misses++;
    int err = 0;
    f = frame_take(c, &err);
    if (!f) return err;
    err = fill(c, img, f, pgno);
    if (err < 0) {
        frame_untake(c, f);
        return err;
    }
    f->img = img;
    f->pgno = pgno;
    f->pins = 1;
    f->wpins = 0;
    f->dirty = 0;
    hash_insert(c, f);
    list_add_tail(&img->frames, &f->ilink);
    c->npinned++;
    if (flags & STORE_PAGE_WRITE) {
        f->wpins = 1;
        set_dirty(c, f);
    }
    *out = f;
    return 0;
}

void store_cache_page_put(struct store_cache_frame *f, int flags)
{
    struct store_cache *c = f->img->cache;
    assert(f->pins > 0);
    if (flags & STORE_PAGE_WRITE) {
        assert(f->wpins > 0);
        f->wpins--;
    }
    if (--f->pins == 0) {
        c->npinned--;
        c->navail++;
        list_add_tail(&c->avail, &f->lru); /* most recently available */
    }
}

int store_cache_page_cached(struct store_cache_image *img, uint64_t pgno)
{
    return hash_find(img->cache, img, pgno) != NULL;
}

void store_cache_page_dirty(struct store_cache_frame *f)
{
    assert(f->pins > 0);
    set_dirty(f->img->cache, f);
}

void *store_cache_page_data(const struct store_cache_frame *f)
{
    return f->data;
}

/* ---- Pages that hold data (shipping a process) ----------------------------- */

struct pglist {
    uint64_t *v;
    size_t n, cap;
    int err;
};

static void pglist_add(struct pglist *l, uint64_t pg)
{
    if (l->err) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        uint64_t *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            l->err = -ENOMEM;
            return;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = pg;
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The pages of [first, end) inside data extents of img's host file. */
static void file_data_pages(struct store_cache_image *img, uint64_t first, uint64_t end,
                            struct pglist *l)
{
    uint64_t lim = img->size < img->data_end ? img->size : img->data_end;
    uint64_t lo = first << STORE_PAGE_SHIFT, hi = end << STORE_PAGE_SHIFT;
    if (img->fd < 0 || lo >= lim) return;
    if (hi > lim || hi < lo) hi = lim;
    off_t keep = lseek(img->fd, 0, SEEK_CUR); /* a duplicate shares its position */
    for (uint64_t at = lo; at < hi && !l->err;) {
        off_t d = lseek(img->fd, (off_t)at, SEEK_DATA), h = -1;
        if (d >= 0) h = lseek(img->fd, d, SEEK_HOLE);
        if (d < 0 && errno == ENXIO) break;               /* no data from here on */
        if (d < 0 || h < 0) d = (off_t)at, h = (off_t)hi; /* cannot tell: all of it */
        uint64_t a = (uint64_t)d & ~(uint64_t)(STORE_PAGE_SIZE - 1), b = (uint64_t)h;
        if (b > hi) b = hi;
        for (uint64_t x = a; x < b; x += STORE_PAGE_SIZE)
            pglist_add(l, x >> STORE_PAGE_SHIFT);
        at = b > at ? b : at + STORE_PAGE_SIZE;
    }
    if (keep >= 0) lseek(img->fd, keep, SEEK_SET);
}

int store_cache_image_data_pages(struct store_cache_image *img, uint64_t first, uint64_t n,
                                 uint64_t **out, size_t *count)
{
    struct pglist l = {0};
    uint64_t end = first + n < first ? UINT64_MAX : first + n;
    for (struct link *k = img->frames.next; k != &img->frames; k = k->next) {
        struct store_cache_frame *f = container_of(k, struct store_cache_frame, ilink);
        if (f->pgno >= first && f->pgno < end) pglist_add(&l, f->pgno);
    }
    file_data_pages(img, first, end, &l);
    if (l.err) {
        free(l.v);
        return l.err;
    }
    if (l.n) qsort(l.v, l.n, sizeof *l.v, by_u64);
    size_t u = 0;
    for (size_t i = 0; i < l.n; i++)
        if (!u || l.v[u - 1] != l.v[i]) l.v[u++] = l.v[i];
    if (!u) {
        free(l.v);
        l.v = NULL;
    }
    *out = l.v;
    *count = u;
    return 0;
}
