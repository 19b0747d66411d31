/*
 * test_cache.c — the node's buffer cache of image-file pages (shm/cache.c):
 * first-touch fills, zeros past EOF, write-back on sync / close / eviction,
 * shared frames, LRU eviction in a tiny pool, pinning and -ENOMEM, reclaim
 * without I/O, logical size changes, error paths, and a randomised run
 * against a reference copy in memory.
 */
#include "shm/cache.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG STORE_PAGE_SIZE

static char dir[64];

static void mkdir_tmp(void)
{
    strcpy(dir, "/tmp/symunix-cache-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(cache, .init = mkdir_tmp, .fini = rm_tmp);

/* Fill buf with the pattern of (file tag, byte offset). */
static void pattern(unsigned char *buf, size_t len, int tag, size_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)((off + i) * 31 + (off + i) / 4093 + tag * 7);
}

/* Create file `name` holding `len` bytes of pattern(tag); return an fd opened with flags. */
static int mkfile(const char *name, size_t len, int tag, int flags)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    unsigned char *buf = malloc(len ? len : 1);
    pattern(buf, len, tag, 0);
    cr_assert_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
    free(buf);
    close(fd);
    fd = open(path, flags);
    cr_assert_geq(fd, 0);
    return fd;
}

static struct store_cache *mkcache(size_t frames)
{
    struct store_cache *c;
    cr_assert_eq(store_cache_new((uint64_t)frames * PG, &c), 0);
    return c;
}

static struct store_cache_image *mkimage(struct store_cache *c, int fd)
{
    struct store_cache_image *img;
    cr_assert_eq(store_cache_image_open(c, fd, &img), 0);
    return img;
}

static struct store_cache_stats stats(struct store_cache *c)
{
    struct store_cache_stats s;
    store_cache_stats(c, &s);
    return s;
}

static struct store_cache_counts counts(struct store_cache *c)
{
    struct store_cache_counts n;
    store_cache_counts(c, &n);
    return n;
}

/* Pin page pgno, asserting success. */
static struct store_cache_frame *get(struct store_cache_image *img, uint64_t pgno, int flags)
{
    struct store_cache_frame *f;
    int e = store_cache_page_get(img, pgno, flags, &f);
    cr_assert_eq(e, 0, "store_cache_page_get(%llu) = %d", (unsigned long long)pgno, e);
    return f;
}

/* Check `len` bytes of fd at off against pattern(tag). */
static void expect_file_pattern(int fd, size_t off, size_t len, int tag)
{
    unsigned char *got = malloc(len), *want = malloc(len);
    cr_assert_eq(pread(fd, got, len, (off_t)off), (ssize_t)len);
    pattern(want, len, tag, off);
    cr_assert_eq(memcmp(got, want, len), 0);
    free(got);
    free(want);
}

Test(cache, new_refuses_less_than_a_page)
{
    struct store_cache *c;
    cr_assert_eq(store_cache_new(PG - 1, &c), -EINVAL);
    cr_assert_null(c);
    cr_assert_eq(store_cache_new(10 * PG + 5, &c), 0);
    cr_assert_eq(counts(c).limit, 10);
    cr_assert_eq(counts(c).free, 10);
    cr_assert_eq(store_cache_free(c), 0);
}

Test(cache, first_touch_reads_the_file)
{
    int fd = mkfile("a", 3 * PG, 1, O_RDWR);
    struct store_cache *c = mkcache(8);
    struct store_cache_image *img = mkimage(c, fd);
    cr_assert_eq(store_cache_image_size(img), 3 * PG);
    struct store_cache_frame *f = get(img, 1, 0);
    unsigned char want[PG];
    pattern(want, PG, 1, PG);
    cr_assert_eq(memcmp(store_cache_page_data(f), want, PG), 0);
    struct store_cache_stats s = stats(c);
    cr_assert_eq(s.misses, 1);
    cr_assert_eq(s.reads, 1);
    cr_assert_eq(s.hits, 0);
    cr_assert_eq(counts(c).pinned, 1);
    cr_assert_eq(counts(c).free, 7);
    store_cache_page_put(f, 0);
    cr_assert_eq(counts(c).available, 1);
    cr_assert_eq(store_cache_image_close(img), 0);
    cr_assert_eq(counts(c).free, 8);
    cr_assert_eq(stats(c).writebacks, 0);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, past_eof_is_zeros)
{
    int fd = mkfile("a", 100, 2, O_RDWR);
    int empty = mkfile("e", 0, 0, O_RDWR);
    struct store_cache *c = mkcache(8);
    struct store_cache_image *img = mkimage(c, fd), *eimg = mkimage(c, empty);
    static const unsigned char zero[PG];

    /* The partial last page: 100 bytes of file, then zeros (one read). */
    struct store_cache_frame *f = get(img, 0, 0);
    unsigned char want[PG] = {0};
    pattern(want, 100, 2, 0);
    cr_assert_eq(memcmp(store_cache_page_data(f), want, PG), 0);
    cr_assert_eq(stats(c).reads, 1);

    /* Wholly past EOF, and a never-written file: zeros without I/O. */
    struct store_cache_frame *g = get(img, 5, 0), *h = get(eimg, 0, 0);
    cr_assert_eq(memcmp(store_cache_page_data(g), zero, PG), 0);
    cr_assert_eq(memcmp(store_cache_page_data(h), zero, PG), 0);
    cr_assert_eq(stats(c).reads, 1);
    cr_assert_eq(stats(c).zero_fills, 2);
    store_cache_page_put(f, 0);
    store_cache_page_put(g, 0);
    store_cache_page_put(h, 0);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
    close(empty);
}

Test(cache, write_and_sync_land_on_disk)
{
    int fd = mkfile("a", 2 * PG, 3, O_RDWR);
    struct store_cache *c = mkcache(8);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f = get(img, 1, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0xab, PG);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(counts(c).dirty, 1);
    cr_assert_eq(store_cache_image_sync(img), 0);
    cr_assert_eq(counts(c).dirty, 0);
    cr_assert_eq(stats(c).writebacks, 1);
    unsigned char got[PG], want[PG];
    memset(want, 0xab, PG);
    cr_assert_eq(pread(fd, got, PG, PG), PG);
    cr_assert_eq(memcmp(got, want, PG), 0);
    expect_file_pattern(fd, 0, PG, 3); /* page 0 untouched */

    /* A second sync has nothing to write. */
    cr_assert_eq(store_cache_image_sync(img), 0);
    cr_assert_eq(stats(c).writebacks, 1);

    /* Pinned for writing: sync writes it and it stays dirty (inv. 4). */
    f = get(img, 0, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0x11, PG);
    cr_assert_eq(store_cache_image_sync(img), 0);
    cr_assert_eq(stats(c).writebacks, 2);
    cr_assert_eq(counts(c).dirty, 1);
    memset(store_cache_page_data(f), 0x22, PG); /* written again without telling the cache */
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_sync(img), 0);
    cr_assert_eq(counts(c).dirty, 0);
    memset(want, 0x22, PG);
    cr_assert_eq(pread(fd, got, PG, 0), PG);
    cr_assert_eq(memcmp(got, want, PG), 0);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, writeback_stops_at_the_logical_size)
{
    int fd = mkfile("a", 100, 4, O_RDWR);
    struct store_cache *c = mkcache(4);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f = get(img, 0, STORE_PAGE_WRITE), *g = get(img, 3, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0x5a, PG);
    memset(store_cache_page_data(g), 0x5a, PG);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    store_cache_page_put(g, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_sync(img), 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_size, 100);
    unsigned char got[100], want[100];
    memset(want, 0x5a, 100);
    cr_assert_eq(pread(fd, got, 100, 0), 100);
    cr_assert_eq(memcmp(got, want, 100), 0);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, one_page_one_frame_shared)
{
    int fd = mkfile("a", 2 * PG, 5, O_RDWR);
    char path[128];
    snprintf(path, sizeof path, "%s/a", dir);
    int fd2 = open(path, O_RDWR);
    struct store_cache *c = mkcache(8);
    struct store_cache_image *img = mkimage(c, fd), *img2 = mkimage(c, fd2);
    cr_assert_eq(img, img2, "one file, one image");
    struct store_cache_frame *f = get(img, 1, STORE_PAGE_WRITE),
                             *g = get(img2, 1, STORE_PAGE_WRITE);
    cr_assert_eq(f, g);
    cr_assert_eq(store_cache_page_data(f), store_cache_page_data(g));
    ((unsigned char *)store_cache_page_data(f))[7] = 0x77;
    cr_assert_eq(((unsigned char *)store_cache_page_data(g))[7], 0x77);
    cr_assert_eq(stats(c).reads, 1);
    cr_assert_eq(stats(c).hits, 1);
    cr_assert_eq(counts(c).pinned, 1);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(counts(c).pinned, 1, "still pinned by the second mapper");
    store_cache_page_put(g, STORE_PAGE_WRITE);
    cr_assert_eq(counts(c).available, 1);
    cr_assert_eq(store_cache_image_close(img2), 0);
    cr_assert_eq(stats(c).writebacks, 0, "not the last reference");
    cr_assert_eq(store_cache_image_close(img), 0);
    cr_assert_eq(stats(c).writebacks, 1);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, PG + 7), 1);
    cr_assert_eq(b, 0x77);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
    close(fd2);
}

Test(cache, reclaim_by_the_same_page_without_io)
{
    int fd = mkfile("a", 2 * PG, 6, O_RDWR);
    struct store_cache *c = mkcache(4);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f = get(img, 0, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0x33, 10);
    store_cache_page_put(f, STORE_PAGE_WRITE); /* swapped out: AVAILABLE, dirty */
    struct store_cache_frame *g = get(img, 0, 0);
    cr_assert_eq(f, g);
    cr_assert_eq(((unsigned char *)store_cache_page_data(g))[9], 0x33);
    struct store_cache_stats s = stats(c);
    cr_assert_eq(s.reads, 1);
    cr_assert_eq(s.reclaims, 1);
    cr_assert_eq(s.writebacks, 0);
    cr_assert_eq(counts(c).dirty, 1, "dirty bit kept across the reclaim");
    store_cache_page_put(g, 0);
    cr_assert_eq(store_cache_free(c), 0);
    expect_file_pattern(fd, 10, PG - 10, 6);
    close(fd);
}

Test(cache, tiny_pool_evicts_lru_and_writes_back)
{
    int fd = mkfile("a", 8 * PG, 7, O_RDWR);
    struct store_cache *c = mkcache(4);
    struct store_cache_image *img = mkimage(c, fd);
    for (uint64_t p = 0; p < 4; p++) {
        int w = (p % 2 == 0) ? STORE_PAGE_WRITE : 0;
        struct store_cache_frame *f = get(img, p, w);
        if (w) memset(store_cache_page_data(f), 0xc0 + (int)p, PG);
        store_cache_page_put(f, w);
    }
    /* available, oldest first: 0 1 2 3. Page 4 evicts page 0 (dirty). */
    struct store_cache_frame *f = get(img, 4, 0);
    store_cache_page_put(f, 0);
    cr_assert_eq(stats(c).evictions, 1);
    cr_assert_eq(stats(c).writebacks, 1);
    unsigned char got[PG], want[PG];
    memset(want, 0xc0, PG);
    cr_assert_eq(pread(fd, got, PG, 0), PG);
    cr_assert_eq(memcmp(got, want, PG), 0);
    /* Reclaim page 1: order becomes 2 3 4 1. Page 5 evicts 2 (dirty), 6 evicts 3 (clean). */
    store_cache_page_put(get(img, 1, 0), 0);
    cr_assert_eq(stats(c).reclaims, 1);
    store_cache_page_put(get(img, 5, 0), 0);
    cr_assert_eq(stats(c).writebacks, 2);
    store_cache_page_put(get(img, 6, 0), 0);
    cr_assert_eq(stats(c).writebacks, 2);
    cr_assert_eq(stats(c).evictions, 3);
    /* 1 is still cached (hit, no read), 0 and 2 come back from the file unchanged. */
    uint64_t reads = stats(c).reads;
    store_cache_page_put(get(img, 1, 0), 0);
    cr_assert_eq(stats(c).reads, reads);
    for (uint64_t p = 0; p <= 2; p += 2) {
        f = get(img, p, 0);
        memset(want, 0xc0 + (int)p, PG);
        cr_assert_eq(memcmp(store_cache_page_data(f), want, PG), 0);
        store_cache_page_put(f, 0);
    }
    cr_assert_eq(stats(c).reads, reads + 2);
    struct store_cache_counts n = counts(c);
    cr_assert_eq(n.free + n.available + n.pinned, n.limit);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, pinned_frames_are_never_evicted)
{
    int fd = mkfile("a", 8 * PG, 8, O_RDWR);
    struct store_cache *c = mkcache(4);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = get(img, (uint64_t)i, STORE_PAGE_WRITE);
        memset(store_cache_page_data(f[i]), 0x40 + i, PG);
    }
    struct store_cache_frame *g;
    cr_assert_eq(store_cache_page_get(img, 4, 0, &g), -ENOMEM);
    cr_assert_null(g);
    struct store_cache_counts n = counts(c);
    cr_assert_eq(n.pinned, 4);
    cr_assert_eq(n.free, 0);
    cr_assert_eq(n.available, 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(((unsigned char *)store_cache_page_data(f[i]))[100], 0x40 + i);
    /* A hit on a pinned page still works when the pool is full. */
    g = get(img, 2, 0);
    cr_assert_eq(g, f[2]);
    store_cache_page_put(g, 0);
    /* One unpinned: the next miss takes exactly that frame. */
    store_cache_page_put(f[1], STORE_PAGE_WRITE);
    g = get(img, 4, 0);
    cr_assert_eq(g, f[1]);
    cr_assert_eq(stats(c).writebacks, 1);
    cr_assert_eq(store_cache_page_get(img, 5, 0, &g), -ENOMEM);
    for (int i = 0; i < 4; i++)
        if (i != 1) cr_assert_eq(((unsigned char *)store_cache_page_data(f[i]))[100], 0x40 + i);
    cr_assert_eq(store_cache_free(c), 0);
    unsigned char b;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pread(fd, &b, 1, (off_t)i * PG + 100), 1);
        cr_assert_eq(b, 0x40 + i);
    }
    close(fd);
}

Test(cache, last_close_writes_back)
{
    int fd = mkfile("a", 4 * PG, 9, O_RDWR);
    struct store_cache *c = mkcache(8);
    struct store_cache_image *img = mkimage(c, fd);
    store_cache_image_hold(img); /* a second lseg (fork) */
    for (uint64_t p = 0; p < 4; p++) {
        struct store_cache_frame *f = get(img, p, STORE_PAGE_WRITE);
        memset(store_cache_page_data(f), 0x90 + (int)p, PG);
        store_cache_page_put(f, STORE_PAGE_WRITE);
    }
    cr_assert_eq(store_cache_image_close(img), 0);
    cr_assert_eq(stats(c).writebacks, 0);
    cr_assert_eq(counts(c).available, 4);
    cr_assert_eq(store_cache_image_close(img), 0);
    cr_assert_eq(stats(c).writebacks, 4);
    cr_assert_eq(counts(c).free, 8);
    cr_assert_eq(counts(c).dirty, 0);
    unsigned char b;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pread(fd, &b, 1, (off_t)i * PG + 4095), 1);
        cr_assert_eq(b, 0x90 + i);
    }
    /* Reopened: the data comes back from the file. */
    img = mkimage(c, fd);
    struct store_cache_frame *f = get(img, 3, 0);
    cr_assert_eq(((unsigned char *)store_cache_page_data(f))[0], 0x93);
    store_cache_page_put(f, 0);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, cache_free_writes_back_even_pinned_pages)
{
    int fd = mkfile("a", 2 * PG, 16, O_RDWR);
    struct store_cache *c = mkcache(4);
    struct store_cache_image *img = mkimage(c, fd);
    store_cache_image_hold(img);
    struct store_cache_frame *f = get(img, 1, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0x3c, PG);
    cr_assert_eq(store_cache_free(c), 0);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, PG + 1), 1);
    cr_assert_eq(b, 0x3c);
    expect_file_pattern(fd, 0, PG, 16);
    close(fd);
}

Test(cache, set_size_shrinks_and_grows)
{
    int fd = mkfile("a", 3 * PG, 10, O_RDWR);
    struct store_cache *c = mkcache(8);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f0 = get(img, 0, 0), *f2 = get(img, 2, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_set_size(img, PG + 10), -EBUSY, "page 2 pinned");
    store_cache_page_put(f2, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_set_size(img, 100), 0);
    cr_assert_eq(store_cache_image_size(img), 100);
    cr_assert_eq(counts(c).dirty, 0, "the dirty page past EOF is gone");
    cr_assert_eq(counts(c).available, 0);
    unsigned char *d = store_cache_page_data(f0);
    cr_assert_eq(d[200], 0, "tail of the new last page zeroed");
    d[200] = 0xee; /* past EOF: never file data */
    store_cache_page_dirty(f0);
    store_cache_page_put(f0, 0);
    cr_assert_eq(store_cache_image_set_size(img, 2 * PG), 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_size, 2 * PG);
    f0 = get(img, 0, 0);
    cr_assert_eq(((unsigned char *)store_cache_page_data(f0))[200], 0, "uncovered bytes are zeros");
    store_cache_page_put(f0, 0);
    cr_assert_eq(store_cache_image_close(img), 0);
    unsigned char b = 1;
    cr_assert_eq(pread(fd, &b, 1, 200), 1);
    cr_assert_eq(b, 0);
    expect_file_pattern(fd, 0, 100, 10);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, open_errors)
{
    struct store_cache *c = mkcache(4);
    struct store_cache_image *img;
    int fd = mkfile("a", PG, 11, O_RDWR);
    close(fd);
    cr_assert_eq(store_cache_image_open(c, fd, &img), -EBADF, "closed fd");
    cr_assert_null(img);
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    cr_assert_eq(store_cache_image_open(c, d, &img), -EISDIR);
    close(d);
    int n = open("/dev/null", O_RDWR);
    cr_assert_eq(store_cache_image_open(c, n, &img), -ENODEV);
    close(n);
    /* The cache holds its own fd: closing the caller's does not hurt. */
    fd = mkfile("b", PG, 12, O_RDWR);
    img = mkimage(c, fd);
    close(fd);
    struct store_cache_frame *f = get(img, 0, 0);
    unsigned char want[PG];
    pattern(want, PG, 12, 0);
    cr_assert_eq(memcmp(store_cache_page_data(f), want, PG), 0);
    store_cache_page_put(f, 0);
    cr_assert_eq(store_cache_page_get(img, UINT64_MAX, 0, &f), -EFBIG);
    cr_assert_eq(counts(c).free + counts(c).available, 4);
    cr_assert_eq(store_cache_free(c), 0);
}

Test(cache, read_error_returns_errno_and_frees_the_frame)
{
    int fd = mkfile("a", 2 * PG, 13, O_WRONLY); /* pread fails with EBADF */
    struct store_cache *c = mkcache(2);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f;
    cr_assert_eq(store_cache_page_get(img, 0, 0, &f), -EBADF);
    cr_assert_null(f);
    struct store_cache_counts n = counts(c);
    cr_assert_eq(n.free, 2);
    cr_assert_eq(n.pinned, 0);
    /* Past EOF needs no read, so it works; and its write-back goes out. */
    f = get(img, 2, STORE_PAGE_WRITE);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_set_size(img, 3 * PG), 0);
    f = get(img, 2, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0x66, PG);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_close(img), 0);
    cr_assert_eq(stats(c).writebacks, 1);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

Test(cache, write_error_keeps_the_page_dirty)
{
    int fd = mkfile("a", 4 * PG, 14, O_RDONLY); /* pwrite fails with EBADF */
    struct store_cache *c = mkcache(1);
    struct store_cache_image *img = mkimage(c, fd);
    struct store_cache_frame *f = get(img, 0, STORE_PAGE_WRITE);
    memset(store_cache_page_data(f), 0x99, PG);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_sync(img), -EBADF);
    cr_assert_eq(counts(c).dirty, 1);
    /* The only frame cannot be written back: no other page can come in. */
    struct store_cache_frame *g;
    cr_assert_eq(store_cache_page_get(img, 1, 0, &g), -EBADF);
    cr_assert_eq(counts(c).available, 1);
    g = get(img, 0, 0);
    cr_assert_eq(((unsigned char *)store_cache_page_data(g))[5], 0x99, "nothing lost");
    store_cache_page_put(g, 0);
    /* A writable fd of the same file takes over write-back. */
    char path[128];
    snprintf(path, sizeof path, "%s/a", dir);
    int wfd = open(path, O_RDWR);
    struct store_cache_image *img2 = mkimage(c, wfd);
    cr_assert_eq(img2, img);
    cr_assert_eq(store_cache_image_sync(img), 0);
    cr_assert_eq(counts(c).dirty, 0);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, 5), 1);
    cr_assert_eq(b, 0x99);
    cr_assert_eq(store_cache_image_close(img2), 0);
    /* A refused write on the last close is reported. */
    f = get(img, 1, STORE_PAGE_WRITE);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    struct store_cache_counts n = counts(c);
    cr_assert_eq(n.dirty, 1);
    cr_assert_eq(store_cache_image_close(img), 0, "the writable fd is kept after the upgrade");
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
    close(wfd);

    /* Same, without the upgrade: last close reports the refused write. */
    fd = mkfile("b", PG, 15, O_RDONLY);
    c = mkcache(2);
    img = mkimage(c, fd);
    f = get(img, 0, STORE_PAGE_WRITE);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_close(img), -EBADF);
    n = counts(c);
    cr_assert_eq(n.free, 2);
    cr_assert_eq(n.dirty, 0);
    cr_assert_eq(store_cache_free(c), 0);
    close(fd);
}

/* ---- Randomised: nothing lost over thousands of operations ------------------ */

#define RIMAGES 3
#define RPAGES  12
#define RFRAMES 5
#define RPINS   3

struct pinned {
    struct store_cache_frame *f;
    int img, page, flags;
};

Test(cache, random_against_a_reference_copy)
{
    static unsigned char ref[RIMAGES][RPAGES * PG];
    int fds[RIMAGES];
    struct store_cache_image *img[RIMAGES];
    struct store_cache *c = mkcache(RFRAMES);
    for (int i = 0; i < RIMAGES; i++) {
        char name[16];
        snprintf(name, sizeof name, "r%d", i);
        size_t len = (size_t)(RPAGES / 2) * PG + 123 * (size_t)i; /* then a sparse tail */
        fds[i] = mkfile(name, len, 20 + i, O_RDWR);
        pattern(ref[i], len, 20 + i, 0);
        cr_assert_eq(ftruncate(fds[i], RPAGES * PG), 0); /* the segment's size */
        img[i] = mkimage(c, fds[i]);
    }
    struct pinned pins[RPINS];
    int npins = 0;
    unsigned seed = 12345;
    for (int op = 0; op < 20000; op++) {
        int r = rand_r(&seed) % 100;
        if (r < 55 && npins < RPINS) { /* get, check, maybe write */
            int i = rand_r(&seed) % RIMAGES, p = rand_r(&seed) % RPAGES;
            int flags = rand_r(&seed) % 2 ? STORE_PAGE_WRITE : 0;
            struct store_cache_frame *f;
            int e = store_cache_page_get(img[i], (uint64_t)p, flags, &f);
            if (e == -ENOMEM) {
                cr_assert_eq(counts(c).pinned, RFRAMES);
                continue;
            }
            cr_assert_eq(e, 0);
            unsigned char *d = store_cache_page_data(f);
            cr_assert_eq(memcmp(d, ref[i] + (size_t)p * PG, PG), 0, "op %d: page differs", op);
            pins[npins++] = (struct pinned){f, i, p, flags};
        } else if (r < 80 && npins > 0) { /* write through a write pin, put */
            int k = rand_r(&seed) % npins;
            struct pinned pn = pins[k];
            if (pn.flags & STORE_PAGE_WRITE) {
                int off = rand_r(&seed) % PG, len = 1 + rand_r(&seed) % 64;
                if (off + len > (int)PG) len = (int)PG - off;
                unsigned char v = (unsigned char)rand_r(&seed);
                memset((unsigned char *)store_cache_page_data(pn.f) + off, v, (size_t)len);
                memset(ref[pn.img] + (size_t)pn.page * PG + off, v, (size_t)len);
            }
            store_cache_page_put(pn.f, pn.flags);
            pins[k] = pins[--npins];
        } else if (r < 85) {
            cr_assert_eq(store_cache_image_sync(img[rand_r(&seed) % RIMAGES]), 0);
        } else if (r < 87) { /* last close and reopen of an image with nothing pinned */
            int i = rand_r(&seed) % RIMAGES, busy = 0;
            for (int k = 0; k < npins; k++)
                busy |= pins[k].img == i;
            if (busy) continue;
            cr_assert_eq(store_cache_image_close(img[i]), 0);
            img[i] = mkimage(c, fds[i]);
        }
        struct store_cache_counts n = counts(c);
        cr_assert_eq(n.free + n.available + n.pinned, n.limit);
    }
    while (npins > 0) {
        npins--;
        store_cache_page_put(pins[npins].f, pins[npins].flags);
    }
    struct store_cache_stats s = stats(c);
    cr_assert_gt(s.evictions, 1000);
    cr_assert_gt(s.reclaims, 100);
    cr_assert_gt(s.writebacks, 100);
    cr_assert_eq(store_cache_free(c), 0);
    static unsigned char got[RPAGES * PG];
    for (int i = 0; i < RIMAGES; i++) {
        cr_assert_eq(pread(fds[i], got, sizeof got, 0), (ssize_t)sizeof got);
        cr_assert_eq(memcmp(got, ref[i], sizeof got), 0, "image %d differs on disk", i);
        close(fds[i]);
    }
}

/* ---- Lazy images, discard, zero pages, reload, batched write-back ---------- */

/* Entries of dir other than . and .. */
static int entries(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", dir);
    return system(cmd) == 0 ? 0 : 1;
}

Test(cache, lazy_image_has_no_file_until_written_back)
{
    struct store_cache *c = mkcache(2);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(dfd, 0);
    struct store_cache_image *img;
    cr_assert_eq(store_cache_image_new_lazy(c, dfd, 1ull << 40, &img), 0);
    cr_expect_eq(store_cache_image_has_file(img), 0);
    struct store_cache_frame *f[3];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(store_cache_page_get(img, (uint64_t)i, STORE_PAGE_WRITE, &f[i]), 0);
        memset(store_cache_page_data(f[i]), 'a' + i, PG);
        store_cache_page_put(f[i], STORE_PAGE_WRITE);
    }
    cr_expect_eq(stats(c).zero_fills, 2);
    cr_expect_eq(store_cache_image_has_file(img), 0, "nothing written back yet");
    /* A third page evicts page 0: written to a new unnamed file. */
    cr_assert_eq(store_cache_page_get(img, 2, 0, &f[2]), 0);
    cr_expect_eq(store_cache_image_has_file(img), 1);
    cr_expect_eq(stats(c).materialized, 1);
    cr_expect_eq(entries(), 0, "the file has no name in the directory");
    store_cache_page_put(f[2], 0);
    cr_assert_eq(store_cache_page_get(img, 0, 0, &f[0]), 0);
    cr_expect_eq(((unsigned char *)store_cache_page_data(f[0]))[PG - 1], 'a',
                 "read back from the file");
    store_cache_page_put(f[0], 0);
    uint64_t wb = stats(c).writebacks;
    cr_assert_eq(store_cache_image_close(img), 0);
    cr_expect_eq(stats(c).writebacks, wb, "a lazy image's last close writes nothing");
    close(dfd);
    store_cache_free(c);
}

/* A virtual anonymous file's image: its own directory fd, then it adopts a
 * host file and keeps every byte: evicted pages (from its unnamed file) and
 * cached ones, pinned frames staying the same memory. */
Test(cache, lazy_at_adopts_a_file_with_every_byte)
{
    struct store_cache *c = mkcache(2);
    int dfd = open(dir, O_PATH | O_DIRECTORY);
    cr_assert_geq(dfd, 0);
    struct store_cache_image *img;
    cr_assert_eq(store_cache_image_new_lazy_at(c, dfd, 0, &img), 0);
    cr_assert_eq(store_cache_image_set_size(img, 3 * PG), 0);
    struct store_cache_frame *f[3];
    for (int i = 0; i < 3; i++) { /* page 0 is evicted to the unnamed file */
        cr_assert_eq(store_cache_page_get(img, (uint64_t)i, STORE_PAGE_WRITE, &f[i]), 0);
        memset(store_cache_page_data(f[i]), 'a' + i, PG);
        if (i < 2) store_cache_page_put(f[i], STORE_PAGE_WRITE);
    }
    cr_expect_eq(store_cache_image_has_file(img), 1, "page 0 was written back");
    cr_expect_eq(entries(), 0, "no name in the directory");
    int fd = mkfile("adopted", 0, 0, O_RDWR);
    cr_expect_eq(store_cache_image_adopt(img, fd), 0);
    cr_expect_eq(store_cache_image_adopt(img, fd), -EINVAL, "not lazy any more");
    cr_expect_eq(store_cache_image_find(c, fd), img, "found by identity now");
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_expect_eq(st.st_size, 3 * PG, "the file has the image's size");
    unsigned char b = 0;
    cr_expect_eq(pread(fd, &b, 1, 10), 1);
    cr_expect_eq(b, 'a', "the evicted page was copied into the file");
    memset(store_cache_page_data(f[2]), 'z', 1); /* still the pinned frame */
    store_cache_page_put(f[2], STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_image_flush(img), 0);
    cr_expect_eq(pread(fd, &b, 1, 2 * PG), 1);
    cr_expect_eq(b, 'z', "cached pages reach the adopted file on write-back");
    cr_expect_eq(pread(fd, &b, 1, PG + 5), 1);
    cr_expect_eq(b, 'b');
    cr_assert_eq(store_cache_image_close(img), 0);
    close(fd);
    cr_expect_eq(fcntl(dfd, F_GETFD), -1, "the image closed the directory fd it owned");
    store_cache_free(c);
}

Test(cache, discard_frees_frames_and_zeroes_pages)
{
    struct store_cache *c = mkcache(8);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    struct store_cache_image *img;
    cr_assert_eq(store_cache_image_new_lazy(c, dfd, 1ull << 40, &img), 0);
    struct store_cache_frame *f, *p;
    cr_assert_eq(store_cache_page_get(img, 5, STORE_PAGE_WRITE, &f), 0);
    memset(store_cache_page_data(f), 7, PG);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_page_get(img, 6, STORE_PAGE_WRITE, &p), 0); /* stays pinned */
    memset(store_cache_page_data(p), 9, PG);
    cr_assert_eq(store_cache_image_sync(img), 0); /* now in the file too */
    store_cache_image_discard(img, 5, 2);
    struct store_cache_counts n;
    store_cache_counts(c, &n);
    cr_expect_eq(n.available, 0, "page 5's frame is free");
    cr_expect_eq(((unsigned char *)store_cache_page_data(p))[0], 0, "the pinned page is zeroed");
    store_cache_page_put(p, STORE_PAGE_WRITE);
    cr_assert_eq(store_cache_page_get(img, 5, 0, &f), 0);
    cr_expect_eq(((unsigned char *)store_cache_page_data(f))[100], 0,
                 "the file's copy is gone too");
    store_cache_page_put(f, 0);
    store_cache_image_close(img);
    close(dfd);
    store_cache_free(c);
}

Test(cache, grown_pages_and_reload)
{
    struct store_cache *c = mkcache(8);
    int fd = mkfile("g", 0, 0, O_RDWR);
    struct store_cache_image *img = mkimage(c, fd);
    cr_assert_eq(store_cache_image_set_size(img, 4 * PG), 0);
    struct store_cache_frame *f;
    cr_assert_eq(store_cache_page_get(img, 1, 0, &f), 0);
    cr_expect_eq(stats(c).reads, 0, "a page of a hole is zero without a pread");
    /* write(2) around the cache, then the kernel's reload. */
    cr_assert_eq(pwrite(fd, "xy", 2, PG + 10), 2);
    cr_assert_eq(store_cache_image_reload(img, PG, 2), 0);
    cr_expect_eq(((char *)store_cache_page_data(f))[11], 'y', "the pinned page is refilled");
    store_cache_page_put(f, 0);
    cr_assert_eq(pwrite(fd, "z", 1, 6 * PG), 1); /* grows the file */
    cr_assert_eq(store_cache_image_reload(img, 6 * PG, 1), 0);
    cr_expect_eq(store_cache_image_size(img), 6 * PG + 1);
    cr_assert_eq(store_cache_page_get(img, 6, 0, &f), 0);
    cr_expect_eq(((char *)store_cache_page_data(f))[0], 'z');
    store_cache_page_put(f, 0);
    cr_expect_eq(store_cache_image_find(c, fd), img);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    store_cache_rekey(c, st.st_dev, st.st_ino, st.st_dev, st.st_ino + 1000000);
    cr_expect_null(store_cache_image_find(c, fd), "re-keyed away from fd's identity");
    store_cache_image_close(img);
    close(fd);
    store_cache_free(c);
}

Test(cache, write_back_is_in_page_order_and_batched)
{
    struct store_cache *c = mkcache(128);
    int fd = mkfile("b", 0, 0, O_RDWR);
    struct store_cache_image *img = mkimage(c, fd);
    cr_assert_eq(store_cache_image_set_size(img, 100 * PG + 5), 0);
    struct store_cache_frame *f;
    for (int i = 100; i >= 0; i -= 1) {
        cr_assert_eq(store_cache_page_get(img, (uint64_t)i, STORE_PAGE_WRITE, &f), 0);
        memset(store_cache_page_data(f), i, PG);
        store_cache_page_put(f, STORE_PAGE_WRITE);
    }
    cr_assert_eq(store_cache_image_sync(img), 0);
    cr_expect_eq(stats(c).writebacks, 101);
    for (int i = 0; i <= 100; i += 33) {
        unsigned char b = 0xff;
        cr_assert_eq(pread(fd, &b, 1, (off_t)i * PG + 3), 1);
        cr_expect_eq(b, i, "page %d", i);
    }
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_expect_eq(st.st_size, 100 * PG + 5, "the partial last page stops at the size");
    store_cache_image_close(img);
    close(fd);
    store_cache_free(c);
}
