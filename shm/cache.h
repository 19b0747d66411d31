/*
 * cache.h — the node's buffer cache of image-file pages: the only main memory
 * a node has. Every frame is either free or caches one page of one image file
 * (design.md §4: "main memory only caches image-file pages"); the kernel maps
 * frames into processes and the cache writes them back to the store.
 *
 * Model
 *  - An image (struct store_cache_image) is an open regular file of the store,
 *    identified by (st_dev, st_ino), with a count of the lsegs that map it.
 *    Opening the same file twice, through any fd, gives the same image.
 *  - A frame is one 4 KiB page of host memory from a per-node pool of at most
 *    `limit` frames (the node memory size); host memory is taken lazily, up to
 *    the limit, and kept until store_cache_free.
 *  - A frame caches one (image, page number), found through a hash.
 *  - The image has a logical size (the host file's size when opened, changed
 *    only by store_cache_image_set_size). Bytes past it are not file data: a page
 *    wholly past it reads as zeros without I/O, write-back never writes past
 *    it, and growing the size zeroes the cached bytes it uncovers.
 *
 * Frame states and transitions (one per function, as in SQLite's pager.c)
 *
 *   FREE ---------- store_cache_page_get (miss: fill) -----------------> IN USE
 *   AVAILABLE ----- store_cache_page_get (hit: reclaim, no I/O) -------> IN USE
 *   AVAILABLE ----- store_cache_page_get of another page (evict: write
 *                   back if dirty, refill) ----------------------> IN USE
 *   IN USE -------- store_cache_page_put of the last pin --------------> AVAILABLE
 *   AVAILABLE ----- store_cache_image_close of the last ref (write back),
 *                   store_cache_image_set_size (page now past EOF) ----> FREE
 *   dirty bit ----- set by store_cache_page_get(STORE_PAGE_WRITE) and
 *                   store_cache_page_dirty; cleared by a write-back
 *                   (store_cache_image_sync, store_cache_image_close, eviction)
 *
 *   FREE       no image; on the free list (or not yet allocated).
 *   IN USE     pins > 0: referenced by running mappers; never evicted.
 *   AVAILABLE  pins == 0, data valid; on the available list in the order the
 *              frames became available (LRU); reclaimable by its own page,
 *              or taken for another page, oldest first.
 *
 * Invariants
 *  1. A (image, page) is cached by at most one frame: every lookup of it
 *     returns the same memory, so writes through one mapping are seen by all.
 *  2. A frame with pins > 0 is never evicted, dropped or refilled.
 *  3. A dirty frame is never reused or freed without a successful write-back,
 *     except when its page is truncated away (store_cache_image_set_size) or the
 *     host refused the write on the last close (reported, as close(2) does).
 *     A failed write-back leaves the frame dirty and available.
 *  4. A frame pinned for writing (STORE_PAGE_WRITE) counts as dirty for as
 *     long as it is so pinned: a sync writes it and leaves it dirty, since the
 *     mapper may write again without calling the cache.
 *  5. free + available + pinned == limit at all times (store_cache_counts).
 *  6. Functions return 0 or a negative errno and never print. The cache is
 *     used by one thread (the node's kernel loop); it takes no locks.
 */
#ifndef SYMUNIX_SHM_CACHE_H
#define SYMUNIX_SHM_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define STORE_PAGE_SHIFT 12
#define STORE_PAGE_SIZE  (1u << STORE_PAGE_SHIFT)

/* store_cache_page_get flags */
#define STORE_PAGE_WRITE 1 /* the mapper may write: dirty while pinned (inv. 4) */

struct store_cache;
struct store_cache_image;
struct store_cache_frame;

struct store_cache_stats {
    uint64_t hits;         /* lookups that found the page cached (pinned or available) */
    uint64_t misses;       /* lookups that had to take a frame */
    uint64_t reads;        /* pread calls that filled a frame from the file */
    uint64_t zero_fills;   /* misses past EOF, filled with zeros without I/O */
    uint64_t writebacks;   /* dirty pages written to their image file */
    uint64_t reclaims;     /* hits on an AVAILABLE frame (no I/O) */
    uint64_t evictions;    /* AVAILABLE frames taken for another page */
    uint64_t materialized; /* lazy images that got their host file (first write-back) */
};

struct store_cache_counts {
    size_t limit;     /* frames in the pool (the node memory size / 4 KiB) */
    size_t free;      /* FREE frames, including host memory not yet taken */
    size_t available; /* AVAILABLE frames (reclaimable) */
    size_t pinned;    /* IN USE frames */
    size_t dirty;     /* dirty frames, pinned or available */
};

/* ---- The cache ------------------------------------------------------------ */

/*
 * A cache of at most `bytes` of frames (rounded down to pages). 0 or -EINVAL
 * (less than one page), -ENOMEM.
 */
int store_cache_new(uint64_t bytes, struct store_cache **out);

/*
 * Close every image still open (writing back its dirty pages) and free the
 * pool. Pins still held are ignored: the node is going away. Returns 0 or the
 * first write-back error.
 */
int store_cache_free(struct store_cache *c);

void store_cache_stats(const struct store_cache *c, struct store_cache_stats *out);
void store_cache_counts(const struct store_cache *c, struct store_cache_counts *out);

/*
 * The last I/O failure of a page (a fill's pread, a write-back's pwrite, the
 * creation of a lazy image's host file): its negative errno (0: none yet)
 * and, in *what, "page N of PATH" with the host path of the file (for a lazy
 * image with no file yet, "a new unnamed file in DIR"), valid until the next
 * failure. Recorded when it happens, so the kernel can say which file of the
 * store it could not page.
 */
int store_cache_failure(const struct store_cache *c, const char **what);

/* ---- Images ----------------------------------------------------------------- */

/*
 * Open the image of the regular file at host fd `fd` (the caller keeps `fd`;
 * the cache holds its own duplicate). When that file (st_dev, st_ino) is
 * already open, its reference count goes up and the same image comes back;
 * a writable fd then replaces a read-only one for write-back.
 * 0 or -EBADF (fd not open), -EISDIR (a directory), -ENODEV (not a regular
 * file), -EMFILE, -ENOMEM.
 */
int store_cache_image_open(struct store_cache *c, int fd, struct store_cache_image **out);

/*
 * A lazy image: memory with no host file yet (the kernel's anonymous memory:
 * brk, anonymous mmap, the stack, copy-on-write layers). Its pages read as
 * zeros until written; the first write-back (eviction, sync) creates an
 * unnamed file (O_TMPFILE) in directory `dirfd` (the cache keeps a duplicate),
 * which write-backs extend as needed; `size` is its logical size. It is never found by identity
 * (store_cache_image_open/find), and its last close drops its pages without writing them. 0 or a
 * negative errno.
 */
int store_cache_image_new_lazy(struct store_cache *c, int dirfd, uint64_t size,
                               struct store_cache_image **out);
/* The same, taking directory fd `dirfd` over instead of sharing a duplicate:
 * no host call; the image closes dirfd with its last close (or when it
 * adopts a file). On failure the caller keeps dirfd. What a virtual
 * anonymous file of the kernel (one lazy image per open) uses. */
int store_cache_image_new_lazy_at(struct store_cache *c, int dirfd, uint64_t size,
                                  struct store_cache_image **out);
/* The same as store_cache_image_new_lazy for directory dirfd whose identity
 * (dev, ino) the caller knows (store_dircache_open): no fstat; the cache dups
 * dirfd only when it holds no fd of that directory yet, and keeps a few
 * directories no image uses any more open for the next image. */
int store_cache_image_new_lazy_id(struct store_cache *c, int dirfd, dev_t dev, ino_t ino,
                                  uint64_t size, struct store_cache_image **out);
/* The directory fd lazy image img will put its file in (the image's: valid
 * while img is lazy and open), or -1. */
int store_cache_image_dir_fd(const struct store_cache_image *img);
/* References (lsegs, and whoever else holds the image open). */
unsigned store_cache_image_refs(const struct store_cache_image *img);
/* 1 when the image has a host file (a lazy one after its first write-back). */
int store_cache_image_has_file(const struct store_cache_image *img);
/* fstat of the image's host file: 0, -ENOENT (none yet) or the host's errno. */
int store_cache_image_file_stat(const struct store_cache_image *img, struct stat *st);

/*
 * Lazy image img becomes the image of the regular file at host fd `fd` (the
 * caller keeps `fd`; the cache holds its own duplicate): found by identity
 * from then on and written back to that file. The bytes already written back
 * to the lazy image's own unnamed file are copied to `fd` and its size
 * becomes the image's; cached pages stay cached (dirty ones reach the file
 * on write-back, as for any image). How a virtual anonymous file of the
 * kernel gets its host file. 0 or -EINVAL (not lazy), -EEXIST (that file
 * already has an image), -ENODEV, or the host's errno (img stays lazy).
 */
int store_cache_image_adopt(struct store_cache_image *img, int fd);
/* The open image of the regular file at host fd `fd`, or NULL (no reference
 * taken): how read/write/ftruncate/fsync find the pages mappers see. */
struct store_cache_image *store_cache_image_find(struct store_cache *c, int fd);
/* Before the first write-back to an image whose file is a memory file (a lazy
 * anonymous file not yet in the store, shm/names.h), call fn(ctx, fd) with the
 * image's fd: it makes it a host file of the store under the same fd number
 * (store_names_anon_materialize), 0 or -errno. */
void store_cache_set_materialize(struct store_cache *c, int (*fn)(void *ctx, int fd), void *ctx);
/* The file (odev, oino) is now known as (ndev, nino) (a lazy anonymous file
 * turned from a memory file into a host file under the same fds; names.h's
 * store_names_set_rekey callback, cache = the struct store_cache). */
void store_cache_rekey(void *cache, dev_t odev, ino_t oino, dev_t ndev, ino_t nino);
/* Write back every dirty page (no fsync): before a read(2) of the file. */
int store_cache_image_flush(struct store_cache_image *img);
/* After a write(2) of [off, off+len) of the file: refill the cached pages of
 * that range from it (pinned ones in place, so mappers see the new bytes) and
 * take a grown file size. 0 or the first pread error. */
int store_cache_image_reload(struct store_cache_image *img, uint64_t off, uint64_t len);
/* Forget pages [pgno, pgno+npages): unpinned frames become FREE without
 * write-back, pinned ones are zeroed; the host file's range is made a hole
 * (or zeros). For lazy images whose pages nobody else may see (munmap, brk,
 * MADV_DONTNEED). */
void store_cache_image_discard(struct store_cache_image *img, uint64_t pgno, uint64_t npages);

/* One more lseg maps the image (fork/spawn inheriting a segment). */
void store_cache_image_hold(struct store_cache_image *img);

/*
 * One lseg fewer. On the last one (last unmap), every dirty page is written
 * back, the image's frames become FREE and the image is freed; no frame of it
 * may still be pinned. Returns 0 or the first write-back error (the pages the
 * host refused are dropped: inv. 3).
 */
int store_cache_image_close(struct store_cache_image *img);

/*
 * fsync semantics: write back every dirty page of the image (pinned or
 * available; inv. 4), then fsync the host fd. 0 or the first error; pages
 * whose write failed stay dirty.
 */
int store_cache_image_sync(struct store_cache_image *img);

/* The image's logical size in bytes. */
uint64_t store_cache_image_size(const struct store_cache_image *img);

/*
 * Set the logical size (ftruncate of the host file). Shrinking frees the
 * frames of pages wholly past the new size (their data is gone, dirty or not)
 * and zeroes the tail of a partial last page; growing zeroes the cached bytes
 * in [old size, new size). 0 or -EBUSY (a page that would vanish is pinned),
 * -EFBIG, or the errno of ftruncate.
 */
int store_cache_image_set_size(struct store_cache_image *img, uint64_t size);

/* ---- Pages ------------------------------------------------------------------ */

/*
 * Pin page `pgno` of `img` and return its frame: from the cache (a hit), or
 * from a FREE frame, else the least recently AVAILABLE frame (written back
 * first if dirty), filled from the file (zeros past EOF). `flags`:
 * STORE_PAGE_WRITE to pin for writing (marks dirty). 0 or -ENOMEM (every
 * frame pinned; the scheduler then swaps a process out), -EFBIG (page beyond
 * the largest file offset), the errno of a failed pread (the frame goes back
 * FREE), or of a failed write-back when no other frame could be taken.
 */
int store_cache_page_get(struct store_cache_image *img, uint64_t pgno, int flags,
                         struct store_cache_frame **out);

/* Drop one pin taken by store_cache_page_get with the same `flags`. */
void store_cache_page_put(struct store_cache_frame *f, int flags);

/* Is page pgno of img cached in a frame (pinned or available)? No I/O, no
 * pin, no statistics: a read(2) asks before mapping the page (§4.3(3)). */
int store_cache_page_cached(struct store_cache_image *img, uint64_t pgno);

/* Mark a pinned frame dirty (a write by the kernel itself, e.g. read(2)). */
void store_cache_page_dirty(struct store_cache_frame *f);

/* The frame's STORE_PAGE_SIZE bytes (valid while pinned). */
void *store_cache_page_data(const struct store_cache_frame *f);

/* ---- Pages that hold data (shipping a process, kernel/migrate.c) ---------- */

/*
 * The page numbers in [first, first+n) of img that may hold data, sorted and
 * unique, in a new malloc'd array (*out; NULL when *count is 0): the pages
 * cached in a frame, and those inside the data extents of the host file
 * below its written end and the logical size (SEEK_DATA/SEEK_HOLE; the whole
 * range when the file system cannot tell). A page of a lazy image that was
 * never written is not listed. Nothing is read and no frame is taken; the
 * host fd's file position is left as it was. 0 or -ENOMEM.
 */
int store_cache_image_data_pages(struct store_cache_image *img, uint64_t first, uint64_t n,
                                 uint64_t **out, size_t *count);

/*
 * A few freed objects of one size kept for reuse: for the structures made and
 * dropped at every open, mapin, mapout and close of a virtual anonymous file
 * (k_file, layer, image). Under AddressSanitizer nothing is kept, so that it
 * still sees a use after free. Each set lives in its owner (the node's cache,
 * the node's kernel), so only that node's thread uses it; the owner drains
 * it when it goes.
 */
#define STORE_SPARES 8
struct store_cache_spares {
    size_t size; /* of each object */
    int n;
    void *v[STORE_SPARES];
};
#define STORE_SPARES_OF(type)                                                                      \
    {                                                                                              \
        .size = sizeof(type)                                                                       \
    }
/* A zeroed object (a kept one, else calloc'd), or NULL. */
void *store_cache_spare_get(struct store_cache_spares *s);
/* Keep p for reuse, or free it (NULL: nothing). */
void store_cache_spare_put(struct store_cache_spares *s, void *p);
/* Free the kept objects (when their owner goes). */
void store_cache_spare_drain(struct store_cache_spares *s);

#endif /* SYMUNIX_SHM_CACHE_H */
