/*
 * vm.c — a process's address space: a sorted array of regions (lsegs), each
 * mapping pages of a layer of image files served by the node's buffer cache
 * (shm/cache.h); the hart's translate hook, which pins the cache frame of a
 * page and hands out its memory; copy-on-write (fork, MAP_PRIVATE, exec);
 * swap-out; and the copyin/copyout layer through which all other kernel code
 * touches guest memory.
 *
 * There is no anonymous memory: brk, anonymous mmap, the stack and the
 * trampoline map lazy images (store_cache_image_new_lazy: no host file until a page
 * must be written back); a shared file mapping or mapin maps the file's image,
 * so every mapper of a page uses the same frame; a private mapping is a shadow
 * layer (a lazy image) over the file's layer. A page is read from the newest
 * layer that has it and written into the top layer, copied there first when
 * it came from below (docs/kernel.md, "Memory").
 *
 * Invariants
 *  1. Regions are page-aligned, disjoint and sorted by start.
 *  2. Every page the process's hart may hold a translation for is pinned in
 *     the cache and recorded in vm->pins (one pin per page: for writing when
 *     the page was written, else for reading, and then translate reports the
 *     page without W so that the first write comes back here). A pin is put
 *     only after the hart's view of that page is flushed or together with it
 *     (unmap, protection changes keep pins; swap-out puts them all).
 *  3. Guest protection is enforced by translate and copyin/copyout only.
 *  4. After any change of mappings or protection the hart's view of the range is
 *     flushed (rv_flush_range) before the guest runs again.
 *  5. A region is a Symunix II lseg: its attributes (attr, the image file
 *     identity and offset, the layer) survive every split, the right-hand
 *     piece's offset advanced by the split point. New regions get the
 *     defaults of default_attr(); mapin and mapctl (sys_sym.c) set them
 *     through k_vm_set_attr.
 *  6. A layer below a shadow is never written again. Pages of a private
 *     layer that no other process maps and no shadow sits on are discarded
 *     when unmapped (so a regrown brk reads zeros and the frames are free).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interconnect/net.h"
#include "kernel/vm.h"
#include "shm/cache.h"
#include "shm/store.h"
#include "symunix/abi.h"

#define PAGE RV_PAGE_SIZE
/* Logical size of a lazy image: covers any page number of user space. */
#define IMG_SIZE (1ull << 40)

static uint64_t len_of(const struct k_region *r)
{
    return r->end - r->start;
}

static void flush(struct k_proc *p, uint64_t start, uint64_t len)
{
    if (p->hart) rv_flush_range(p->hart, start, len);
}

/* ---- Sets of page numbers and the pin table (open addressing) ------------- */

static size_t hash64(uint64_t k)
{
    k *= 0x9e3779b97f4a7c15ull;
    return (size_t)(k ^ (k >> 29));
}

/* Is slot h's home cyclically in (i, j]? Then the entry at j may not move to i. */
static bool stays(size_t h, size_t i, size_t j)
{
    return i <= j ? (h > i && h <= j) : (h > i || h <= j);
}

/*
 * The three tables below (page sets, borrowed pages, pins) share one open
 * addressing: entries of `size` bytes whose first field is a nonzero
 * uint64_t key (0: an empty slot), a power-of-two capacity at most half
 * full, linear probing, deletion by shifting the rest of a run back.
 */
static inline uint64_t *oa_key(void *t, size_t size, size_t i)
{
    return (uint64_t *)((char *)t + i * size);
}

/* The slot holding key, or the empty slot where it would go. */
static inline size_t oa_slot(void *t, size_t size, size_t cap, uint64_t key)
{
    size_t m = cap - 1, i = hash64(key) & m;
    while (*oa_key(t, size, i) && *oa_key(t, size, i) != key)
        i = (i + 1) & m;
    return i;
}

/* Table t of n entries with room for one more: t itself, or a table twice
 * the size (`first` entries for an empty one) with t's entries moved in and
 * *cap updated; NULL when out of memory (t is kept). */
static void *oa_room(void *t, size_t size, size_t *cap, size_t n, size_t first)
{
    if ((n + 1) * 2 <= *cap) return t;
    size_t ncap = *cap ? *cap * 2 : first;
    void *nt = calloc(ncap, size);
    if (!nt) return NULL;
    for (size_t i = 0; i < *cap; i++) {
        uint64_t key = *oa_key(t, size, i);
        if (key) memcpy(oa_key(nt, size, oa_slot(nt, size, ncap, key)), oa_key(t, size, i), size);
    }
    free(t);
    *cap = ncap;
    return nt;
}

/* Empty slot i, moving later entries of its run back where they belong. */
static void oa_clear_at(void *t, size_t size, size_t cap, size_t i)
{
    size_t m = cap - 1;
    *oa_key(t, size, i) = 0;
    for (size_t j = (i + 1) & m; *oa_key(t, size, j); j = (j + 1) & m) {
        if (stays(hash64(*oa_key(t, size, j)) & m, i, j)) continue;
        memcpy(oa_key(t, size, i), oa_key(t, size, j), size);
        *oa_key(t, size, j) = 0;
        i = j;
    }
}

/* Page sets: the keys are page numbers + 1. */
static bool pgset_has(const struct k_pgset *s, uint64_t pg)
{
    return s->n && s->keys[oa_slot(s->keys, sizeof *s->keys, s->cap, pg + 1)];
}

static int pgset_add(struct k_pgset *s, uint64_t pg)
{
    uint64_t *keys = oa_room(s->keys, sizeof *keys, &s->cap, s->n, 64);
    if (!keys) return -ENOMEM;
    s->keys = keys;
    size_t i = oa_slot(keys, sizeof *keys, s->cap, pg + 1);
    if (!keys[i]) {
        keys[i] = pg + 1;
        s->n++;
    }
    return 0;
}

static void pgset_del(struct k_pgset *s, uint64_t pg)
{
    if (!s->n) return;
    size_t i = oa_slot(s->keys, sizeof *s->keys, s->cap, pg + 1);
    if (!s->keys[i]) return;
    oa_clear_at(s->keys, sizeof *s->keys, s->cap, i);
    s->n--;
}

/* The borrowed pages of a layer (struct k_borrows), keyed by page + 1. */
static struct k_borrow *bor_find(const struct k_borrows *b, uint64_t pg)
{
    if (!b->n) return NULL;
    struct k_borrow *e = &b->e[oa_slot(b->e, sizeof *b->e, b->cap, pg + 1)];
    return e->key ? e : NULL;
}

/* Page pg borrows page fpg of img (the caller's reference of img moves in). */
static int bor_add(struct k_borrows *b, uint64_t pg, struct store_cache_image *img, uint64_t fpg)
{
    struct k_borrow *t = oa_room(b->e, sizeof *t, &b->cap, b->n, 64);
    if (!t) return -ENOMEM;
    b->e = t;
    struct k_borrow *e = &t[oa_slot(t, sizeof *t, b->cap, pg + 1)];
    if (e->key)
        store_cache_image_close(e->img); /* replaced */
    else
        b->n++;
    *e = (struct k_borrow){.key = pg + 1, .fpg = fpg, .img = img};
    return 0;
}

/* Forget the borrow at e (its image reference goes). */
static void bor_del(struct k_borrows *b, struct k_borrow *e)
{
    store_cache_image_close(e->img);
    oa_clear_at(b->e, sizeof *b->e, b->cap, (size_t)(e - b->e));
    b->n--;
}

static void bor_clear(struct k_borrows *b)
{
    for (size_t i = 0; i < b->cap; i++)
        if (b->e[i].key) store_cache_image_close(b->e[i].img);
    free(b->e);
    *b = (struct k_borrows){0};
}

static struct k_pin *pin_find(struct k_vm *vm, uint64_t vpage)
{
    if (!vm->npins) return NULL;
    struct k_pin *e = &vm->pins[oa_slot(vm->pins, sizeof *e, vm->pcap, vpage)];
    return e->vpage ? e : NULL;
}

/* Add pin (its page is not pinned yet). */
static int pin_add(struct k_vm *vm, const struct k_pin *pin)
{
    struct k_pin *t = oa_room(vm->pins, sizeof *t, &vm->pcap, vm->npins, 256);
    if (!t) return -ENOMEM;
    vm->pins = t;
    t[oa_slot(t, sizeof *t, vm->pcap, pin->vpage)] = *pin;
    vm->npins++;
    return 0;
}

/* Remove the pin at slot i (the frame's pin is the caller's business). */
static void pin_del_at(struct k_vm *vm, size_t i)
{
    oa_clear_at(vm->pins, sizeof *vm->pins, vm->pcap, i);
    vm->npins--;
}

/* Put the pins of [start, end); the caller flushes the hart there. */
static void put_range_pins(struct k_vm *vm, uint64_t start, uint64_t end)
{
    if (!vm->npins || start >= end) return;
    if ((end - start) / PAGE <= vm->pcap) {
        for (uint64_t v = start; v < end && vm->npins; v += PAGE) {
            struct k_pin *e = pin_find(vm, v);
            if (!e) continue;
            store_cache_page_put(e->f, e->flags);
            pin_del_at(vm, (size_t)(e - vm->pins));
        }
    } else {
        for (size_t i = 0; i < vm->pcap; i++) {
            while (vm->pins[i].vpage >= start && vm->pins[i].vpage < end) {
                store_cache_page_put(vm->pins[i].f, vm->pins[i].flags);
                pin_del_at(vm, i);
            }
        }
    }
}

/* Put the pins of [start, end) and flush the hart there. */
static void unpin_range(struct k_proc *p, uint64_t start, uint64_t end)
{
    if (!p->vm.npins || start >= end) return;
    put_range_pins(&p->vm, start, end);
    flush(p, start, end - start);
}

/* Put every pin p holds and, if flush, flush its hart; the number of pages
 * put. */
static int put_pins(struct k_proc *p, bool flush)
{
    struct k_vm *vm = &p->vm;
    int n = 0;
    for (size_t i = 0; i < vm->pcap; i++) {
        if (!vm->pins[i].vpage) continue;
        store_cache_page_put(vm->pins[i].f, vm->pins[i].flags);
        vm->pins[i].vpage = 0;
        n++;
    }
    vm->npins = 0;
    if (flush && p->hart) rv_flush_all(p->hart);
    return n;
}

int k_vm_swap_out(struct k_proc *p)
{
    int n = put_pins(p, true);
    if (n && p->k) p->k->stats.swap_outs++;
    return n;
}

/* ---- Layers ----------------------------------------------------------------- */

/*
 * Parked images (k->parked): the image of a file that no lseg maps any more
 * stays open (a reference of this list, at most K_PARKED, oldest closed
 * first) with its pages cached, dirty ones included, until a process closes
 * the file for the last time (k_vm_file_closed): then a file that vanished
 * (an anonymous file never named, or deleted by its close action) is dropped
 * without writing its pages, any other is written back and closed. So mapin,
 * touch, mapout, close of a lazy anonymous file writes nothing.
 */
static void unpark_at(struct k_kernel *k, int i)
{
    memmove(&k->parked[i], &k->parked[i + 1], (size_t)(k->nparked - i - 1) * sizeof *k->parked);
    k->nparked--;
}

/* The last lseg of file image img is gone: park it (its reference moves to
 * the list; a second reference of an image already parked is dropped). */
static void image_park(struct k_kernel *k, struct store_cache_image *img)
{
    for (int i = 0; i < k->nparked; i++)
        if (k->parked[i] == img) {
            store_cache_image_close(img);
            return;
        }
    if (k->nparked == K_PARKED) {
        store_cache_image_close(k->parked[0]);
        unpark_at(k, 0);
    }
    k->parked[k->nparked++] = img;
}

void k_vm_file_closed(struct k_kernel *k, int hostfd, bool vanished)
{
    struct store_cache_image *img = store_cache_image_find(k->cache, hostfd);
    for (int i = 0; img && i < k->nparked; i++) {
        if (k->parked[i] != img) continue;
        unpark_at(k, i);
        if (vanished && store_cache_image_refs(img) == 1) /* nobody maps it, nobody can open it */
            store_cache_image_discard(img, 0, (store_cache_image_size(img) + PAGE - 1) / PAGE);
        store_cache_image_close(img); /* written back unless discarded */
        return;
    }
}

void k_vm_unpark_all(struct k_kernel *k)
{
    while (k->nparked)
        store_cache_image_close(k->parked[--k->nparked]);
}

/* Layers are made and dropped at every mapin and mapout of a virtual
 * anonymous file: a few freed ones are kept (k->layer_spares, shm/cache.h). */
static struct k_layer *layer_alloc(struct k_kernel *k)
{
    return store_cache_spare_get(&k->layer_spares);
}

static void layer_free(struct k_kernel *k, struct k_layer *l)
{
    store_cache_spare_put(&k->layer_spares, l);
}

/* Put l on the list of layers that read pages of files they do not own
 * (shadows over a file, borrowers), unless it is there. */
static void list_copier(struct k_kernel *k, struct k_layer *l)
{
    if (l->fprev || k->file_shadows == l) return;
    l->fnext = k->file_shadows;
    if (k->file_shadows) k->file_shadows->fprev = l;
    k->file_shadows = l;
}

static void layer_put(struct k_kernel *k, struct k_layer *l)
{
    while (l && --l->refs == 0) {
        struct k_layer *below = l->below;
        if (l->fprev)
            l->fprev->fnext = l->fnext;
        else if (k->file_shadows == l)
            k->file_shadows = l->fnext;
        if (l->fnext) l->fnext->fprev = l->fprev;
        if (l->priv || l->direct)
            store_cache_image_close(l->img);
        else
            image_park(k, l->img);
        free(l->present.keys);
        bor_clear(&l->bor);
        free(l->snap);
        l->snap = NULL;
        layer_free(k, l);
        if (below) below->nabove--;
        l = below;
    }
}

/* Where a process's lazy images get their file if they ever need one: its
 * "@image" directory, else the store's root. */
static int image_dir(struct k_proc *p)
{
    int dfd;
    const char *rest;
    if (store_names_refdir_lookup(&p->refdirs, STORE_REFNAME_IMAGE, &dfd, &rest) == 1) return dfd;
    return store_root_fd(p->k->cfg.store);
}

/* A new private layer on a lazy image of `size` bytes, over `below` (NULL:
 * a base layer of zeros). */
static int anon_layer(struct k_proc *p, uint64_t size, struct k_layer *below, struct k_layer **out)
{
    if (!p->k || !p->k->cache) return -ENOMEM;
    struct k_layer *l = layer_alloc(p->k);
    if (!l) return -ENOMEM;
    int rc = store_cache_image_new_lazy(p->k->cache, image_dir(p), size, &l->img);
    if (rc) {
        layer_free(p->k, l);
        return rc;
    }
    l->refs = 1;
    l->priv = l->writable = true;
    l->below = below;
    if (below) {
        below->refs++;
        below->nabove++;
    }
    if (below && !below->priv) list_copier(p->k, l);
    *out = l;
    return 0;
}

/* A base layer on the image of the file at hostfd. */
static int file_layer(struct k_proc *p, int hostfd, struct k_layer **out)
{
    if (!p->k || !p->k->cache) return -ENOMEM;
    int fl = fcntl(hostfd, F_GETFL);
    if (fl < 0) return -EBADF;
    struct k_layer *l = layer_alloc(p->k);
    if (!l) return -ENOMEM;
    int rc = store_cache_image_open(p->k->cache, hostfd, &l->img);
    if (rc) {
        layer_free(p->k, l);
        return rc;
    }
    store_cache_image_reload(l->img, 0, 0); /* take the file's current size */
    l->refs = 1;
    l->writable = (fl & O_ACCMODE) == O_RDWR;
    *out = l;
    return 0;
}

/*
 * An executable's text is a copy-on-write copy of the file (§4.3(2)), and
 * the file may be rewritten while it runs: by this node (the hooks below
 * would copy the pages first), but also by a process of another node, whose
 * write this node's cache never sees. So exec maps a snapshot: an unnamed
 * copy of the file in the process's image directory (FICLONE where the file
 * system shares extents, else copy_file_range, else read and write), made
 * once per version of the file and shared by later execs of that version
 * (same identity, size, mtime and ctime; only when the snapshot was taken
 * 20 ms or more after the last change, so that a later write within the same
 * timestamp tick cannot go unnoticed). When no copy can be made (no room, no
 * O_TMPFILE, no descriptor) the file itself is mapped, as before.
 */
#define SNAP_SETTLE_NS 20000000ll

static int64_t ns_of(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* A new unnamed file in dirfd holding the size bytes of src; fd or -errno. */
static int snapshot_copy(int dirfd, int src, uint64_t size)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    if (ioctl(fd, FICLONE, src) == 0) return fd;
    loff_t in = 0, out = 0;
    int err = -EIO; /* the file ended early */
    while ((uint64_t)in < size) {
        ssize_t n = copy_file_range(src, &in, fd, &out, size - (uint64_t)in, 0);
        if (n > 0) continue;
        if (n < 0) err = -errno;
        if (n == 0 || (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP))
            break;
        err = -ENOMEM;
        char *buf = malloc(65536); /* no copy_file_range between these files */
        while (buf && (uint64_t)in < size) {
            ssize_t r = pread(src, buf, 65536, in);
            ssize_t w = r > 0 ? pwrite(fd, buf, (size_t)r, in) : 0;
            if (r <= 0 || w != r) {
                err = r < 0 || w < 0 ? -errno : -EIO;
                break;
            }
            in += r;
        }
        free(buf);
        break;
    }
    if ((uint64_t)in < size) {
        close(fd);
        return err;
    }
    return fd;
}

static bool same_version(const struct k_snap *a, const struct k_snap *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* The node cache's image of host file hostfd, if it has one. */
static struct store_cache_image *file_image(struct k_kernel *k, int hostfd)
{
    return k && k->cache ? store_cache_image_find(k->cache, hostfd) : NULL;
}

/* The base layer of an executable's text: its snapshot (above). */
static int text_layer(struct k_proc *p, int hostfd, struct k_layer **out)
{
    struct store_cache_image *fimg = file_image(p->k, hostfd);
    if (fimg) store_cache_image_flush(fimg); /* writes through mappings reach the file first */
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    struct k_snap key = {.dev = (uint64_t)st.st_dev,
                         .ino = (uint64_t)st.st_ino,
                         .size = (uint64_t)st.st_size,
                         .mtime_ns = ns_of(st.st_mtim),
                         .ctime_ns = ns_of(st.st_ctim)};
    for (struct k_layer *s = p->k->file_shadows; s; s = s->fnext) {
        struct k_layer *b = s->below;
        if (b && b->snap && b->snap->shareable && same_version(b->snap, &key)) {
            b->refs++;
            *out = b;
            return 0;
        }
    }
    int fd = snapshot_copy(image_dir(p), hostfd, key.size);
    if (fd < 0) return file_layer(p, hostfd, out); /* no copy: the file itself */
    int rc = file_layer(p, fd, out);
    close(fd);
    if (rc) return file_layer(p, hostfd, out);
    struct k_snap *sn = malloc(sizeof *sn);
    if (sn) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t changed = key.mtime_ns > key.ctime_ns ? key.mtime_ns : key.ctime_ns;
        *sn = key;
        sn->shareable = ns_of(now) - changed >= SNAP_SETTLE_NS;
    }
    (*out)->snap = sn;
    (*out)->direct = true; /* closed with its last layer, never parked */
    (*out)->writable = false;
    return 0;
}

void k_vm_park_image(struct k_kernel *k, struct store_cache_image *img)
{
    image_park(k, img);
}

/* Does layer l itself hold page pg? */
static bool layer_has(const struct k_layer *l, uint64_t pg)
{
    return !l->below || pgset_has(&l->present, pg);
}

/* Where page pg of layer l is read from: the newest layer from l down that
 * holds it, or the file page one of them borrowed (page *fpg of the image
 * returned). */
static struct store_cache_image *page_src(const struct k_layer *l, uint64_t pg, uint64_t *fpg)
{
    for (;; l = l->below) {
        const struct k_borrow *b = bor_find(&l->bor, pg);
        if (b) {
            *fpg = b->fpg;
            return b->img;
        }
        if (layer_has(l, pg)) {
            *fpg = pg;
            return l->img;
        }
    }
}

/* May the pages of region r be thrown away when r stops mapping them? */
static bool discardable(const struct k_region *r)
{
    const struct k_layer *l = r->layer;
    return l->priv && !l->shared && l->nabove == 0;
}

/* Throw away pages [start, end) of region r's layer (discardable(r) holds). */
static void discard_pages(struct k_region *r, uint64_t start, uint64_t end)
{
    struct k_layer *l = r->layer;
    uint64_t pg = (r->off + (start - r->start)) / PAGE, n = (end - start) / PAGE;
    store_cache_image_discard(l->img, pg, n);
    for (size_t i = 0; l->bor.n && i < l->bor.cap;) { /* borrowed pages go too */
        uint64_t k = l->bor.e[i].key;
        if (k && k - 1 >= pg && k - 1 - pg < n) {
            bor_del(&l->bor, &l->bor.e[i]); /* may move another entry into i */
            continue;
        }
        i++;
    }
    if (!l->below || !l->present.n) return;
    if (n <= 4 * l->present.n) {
        for (uint64_t i = 0; i < n; i++)
            pgset_del(&l->present, pg + i);
        return;
    }
    for (size_t i = 0; i < l->present.cap;) { /* a wide range: walk the set */
        uint64_t k = l->present.keys[i];
        if (k && k - 1 >= pg && k - 1 - pg < n) {
            pgset_del(&l->present, k - 1); /* may move another entry into i */
            continue;
        }
        i++;
    }
}

/* ---- The cache ---------------------------------------------------------------- */

/*
 * Pin page pg of img. When the cache is full, the node's other processes are
 * swapped out and, if `self_ok` (the hart of p is not running), p itself.
 */
static int get_page(struct k_proc *p, struct store_cache_image *img, uint64_t pg, int flags,
                    bool self_ok, struct store_cache_frame **f)
{
    int rc = store_cache_page_get(img, pg, flags, f);
    if (rc != -ENOMEM || !p->k) return rc;
    for (struct k_proc *q = p->k->procs; q; q = q->next)
        if (q != p) k_vm_swap_out(q);
    rc = store_cache_page_get(img, pg, flags, f);
    if (rc != -ENOMEM || !self_ok) return rc;
    k_vm_swap_out(p);
    return store_cache_page_get(img, pg, flags, f);
}

/* Pin page pg of img: for process p (get_page, with self_ok), or for the
 * kernel itself when p is NULL (kernel_get: no hart is running). */
static int kernel_get(struct k_kernel *k, struct store_cache_image *img, uint64_t pg, int flags,
                      struct store_cache_frame **f);
static int get_for(struct k_kernel *k, struct k_proc *p, bool self_ok,
                   struct store_cache_image *img, uint64_t pg, int flags,
                   struct store_cache_frame **f)
{
    return p ? get_page(p, img, pg, flags, self_ok, f) : kernel_get(k, img, pg, flags, f);
}

/* Layer l gets its own copy of page pg, now read from page fpg of img (a
 * file's, about to change); zeros when fpg is past the file's end. */
static int copy_own(struct k_kernel *k, struct k_proc *p, bool self_ok, struct k_layer *l,
                    uint64_t pg, struct store_cache_image *img, uint64_t fpg)
{
    struct store_cache_frame *from, *to;
    bool data = fpg * PAGE < store_cache_image_size(img);
    int rc = data ? get_for(k, p, self_ok, img, fpg, 0, &from) : 0;
    if (rc) return rc;
    rc = get_for(k, p, self_ok, l->img, pg, STORE_PAGE_WRITE, &to);
    if (!rc) {
        if (data)
            memcpy(store_cache_page_data(to), store_cache_page_data(from), PAGE);
        else
            memset(store_cache_page_data(to), 0, PAGE);
        store_cache_page_put(to, STORE_PAGE_WRITE);
    }
    if (data) store_cache_page_put(from, 0);
    return rc;
}

/* Put every pin of the node's processes (or of `only`) on page pg of layer
 * l (a region of theirs maps l, or a layer above it), flushing their harts
 * there; except the hart of `running`, which is inside its translate hook
 * and may execute that very page: its pins are put without a flush and the
 * answer is true (the caller returns K_EREFLUSH, proc.c flushes). */
static bool unpin_layer_page(struct k_kernel *k, struct k_proc *only, struct k_proc *running,
                             const struct k_layer *l, uint64_t pg)
{
    bool later = false;
    for (struct k_proc *q = only ? only : k->procs; q; q = only ? NULL : q->next) {
        if (!q->vm.npins) continue;
        for (int i = 0; i < q->vm.n; i++) {
            const struct k_region *r = &q->vm.r[i];
            const struct k_layer *m = r->layer;
            while (m && m != l)
                m = m->below;
            if (!m || pg * PAGE < r->off || pg * PAGE - r->off >= len_of(r)) continue;
            uint64_t v = r->start + (pg * PAGE - r->off);
            if (q != running) {
                unpin_range(q, v, v + PAGE);
            } else if (pin_find(&q->vm, v)) {
                put_range_pins(&q->vm, v, v + PAGE);
                later = true;
            }
        }
    }
    return later;
}

/*
 * Pages [first, last] of file image img are about to change (a write through
 * a mapping, write(2), a truncation): every copy-on-write shadow over the
 * file that still reads one of them from the file takes its own copy first,
 * so a fork child keeps the page as it was at the fork (the node's processes
 * other than p drop their pins on the way: one may read the file's frame
 * through its shadow; p drops its pins on the pages copied); and every page read(2) mapped from one
 * of them (borrowed) becomes its borrower's own, the pins on it put. p is the process whose hart
 * may be running (NULL: none); self_ok as get_page (false: p's hart is running, and K_EREFLUSH when
 * p's own pins were put: the instruction runs again after a flush).
 */
static int file_changing(struct k_kernel *k, struct k_proc *p, bool self_ok,
                         struct store_cache_image *img, uint64_t first, uint64_t last)
{
    uint64_t size = store_cache_image_size(img), end = (size + PAGE - 1) / PAGE;
    struct k_proc *running = p && !self_ok ? p : NULL;
    bool reflush = false;
    for (struct k_layer *s = k->file_shadows; s; s = s->fnext) {
        if (s->below && s->below->img == img && first < end) {
            uint64_t hi = last < end - 1 ? last : end - 1; /* past the end: zeros already */
            bool swapped = false;
            for (uint64_t pg = first; pg <= hi; pg++) {
                if (pgset_has(&s->present, pg)) continue;
                if (!swapped) {
                    for (struct k_proc *q = k->procs; q; q = q->next)
                        if (q != p) k_vm_swap_out(q);
                    swapped = true;
                }
                int rc = copy_own(k, p, self_ok, s, pg, img, pg);
                if (!rc) rc = pgset_add(&s->present, pg);
                if (rc) return rc;
                if (p) reflush |= unpin_layer_page(k, p, running, s, pg); /* p's view through s */
            }
        }
        for (size_t i = 0; s->bor.n && i < s->bor.cap;) {
            struct k_borrow *b = &s->bor.e[i];
            if (!b->key || b->img != img || b->fpg < first || b->fpg > last) {
                i++;
                continue;
            }
            uint64_t pg = b->key - 1;
            reflush |= unpin_layer_page(k, NULL, running, s, pg);
            int rc = copy_own(k, p, self_ok, s, pg, img, b->fpg);
            if (!rc && s->below) rc = pgset_add(&s->present, pg);
            if (rc) return rc;
            bor_del(&s->bor, b); /* may move another entry into i */
        }
    }
    return reflush ? K_EREFLUSH : 0;
}

/* Protection the hart may use for page pin e of region r. */
static unsigned pin_prot(const struct k_region *r, const struct k_pin *e)
{
    return (e->flags & STORE_PAGE_WRITE) ? r->prot : r->prot & ~(unsigned)RV_PROT_W;
}

/*
 * The memory of the page holding vaddr, pinned for `access` (invariant 2):
 * the translate hook's work, and the kernel's for copyin/copyout. `need` is
 * the protection the region must have (0: none, for the loader). -EFAULT,
 * -EACCES, -ENOMEM (cache full), or an I/O errno.
 */
static int pin_page(struct k_proc *p, uint64_t vaddr, enum rv_access access, unsigned need,
                    bool self_ok, uint8_t **host, unsigned *prot)
{
    struct k_vm *vm = &p->vm;
    int i = k_vm_lookup(vm, vaddr);
    if (i < 0) return -EFAULT;
    const struct k_region *r = &vm->r[i];
    if ((r->prot & need) != need) return -EACCES;
    /* Global memory lives in the MMs: the hart's accesses and the kernel's
     * (copy_piece) go over the network (gmem.c). */
    if (r->attr & SYM_MEM_GLOBAL) {
        if (!(r->attr & SYM_CACHE) || !p->k->ncache) return -EREMOTE;
        /* Cacheable: the node cache's copy, at full speed (no coherence). */
        uint64_t g = NET_GADDR(r->gseg, r->off + ((vaddr & ~(PAGE - 1)) - r->start));
        uint8_t *page = rv_ncache_lookup(p->k->ncache, g / PAGE);
        if (!page) return K_EFETCH;
        *host = page;
        *prot = r->prot;
        return 0;
    }
    uint64_t vpage = vaddr & ~(PAGE - 1), pg = (r->off + (vpage - r->start)) / PAGE;
    bool write = access == RV_ACCESS_WRITE;
    struct k_pin *e = pin_find(vm, vpage), held = {0};
    if (e && (!write || (e->flags & STORE_PAGE_WRITE))) {
        *host = store_cache_page_data(e->f);
        *prot = pin_prot(r, e);
        return 0;
    }
    if (e) { /* a read pin to upgrade: ours to put once the new one is taken */
        held = *e;
        pin_del_at(vm, (size_t)(e - vm->pins));
    }
    struct k_layer *top = r->layer;
    struct k_pin pin = {.vpage = vpage, .flags = write ? STORE_PAGE_WRITE : 0, .top = true};
    int rc;
    struct k_borrow *bor = write ? bor_find(&top->bor, pg) : NULL;
    bool drop_bor = false;
    uint64_t fpg;
    if (!write) {
        struct store_cache_image *src = page_src(top, pg, &fpg);
        pin.top = src == top->img && fpg == pg;
        rc = get_page(p, src, fpg, 0, self_ok, &pin.f);
    } else if (!bor && ((held.f && held.top) || layer_has(top, pg))) {
        rc = top->priv ? 0 : file_changing(p->k, p, self_ok, top->img, pg, pg);
        if (!rc) rc = get_page(p, top->img, pg, STORE_PAGE_WRITE, self_ok, &pin.f);
    } else { /* copy-on-write: the page comes up from a layer below or a file */
        struct store_cache_frame *src = held.f;
        struct store_cache_image *from = page_src(top, pg, &fpg);
        rc = src ? 0 : get_page(p, from, fpg, 0, self_ok, &src);
        if (!rc) rc = get_page(p, top->img, pg, STORE_PAGE_WRITE, self_ok, &pin.f);
        if (!rc) {
            memcpy(store_cache_page_data(pin.f), store_cache_page_data(src), PAGE);
            rc = top->below ? pgset_add(&top->present, pg) : 0;
            if (rc) store_cache_page_put(pin.f, STORE_PAGE_WRITE);
        }
        drop_bor = !rc && bor; /* once every frame of its image is put */
        if (src && src != held.f) store_cache_page_put(src, 0);
        flush(p, vpage, PAGE); /* the hart may still read the old frame */
    }
    if (!rc && (rc = pin_add(vm, &pin)) != 0) store_cache_page_put(pin.f, pin.flags);
    if (held.f) store_cache_page_put(held.f, held.flags);
    if (drop_bor) bor_del(&top->bor, bor_find(&top->bor, pg));
    if (rc) {
        if (held.f) flush(p, vpage, PAGE);
        return rc;
    }
    r = &vm->r[k_vm_lookup(vm, vaddr)]; /* a swap-out does not move regions, but be plain */
    *host = store_cache_page_data(pin.f);
    *prot = pin_prot(r, &pin);
    return 0;
}

/* ---- The address space ------------------------------------------------------------ */

void k_vm_init(struct k_vm *vm)
{
    memset(vm, 0, sizeof *vm);
    vm->mmap_base = K_MMAP_TOP;
}

void k_vm_free(struct k_proc *p)
{
    struct k_vm *vm = &p->vm;
    /* An exit, not a swap-out: the process never runs again and its hart
     * goes with it (proc.c k_proc_free), so its TLB is not worth a flush (two 8192-entry
     * arrays: ~50 us a process, paid by every exit of a large family). */
    put_pins(p, false);
    for (int i = 0; i < vm->n; i++)
        layer_put(p->k, vm->r[i].layer);
    free(vm->r);
    free(vm->pins);
    vm->r = NULL;
    vm->pins = NULL;
    vm->n = vm->cap = 0;
    vm->pcap = vm->npins = 0;
}

/* Index of the first region whose end is above addr (n when none). */
static int first_ending_above(const struct k_vm *vm, uint64_t addr)
{
    int lo = 0, hi = vm->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (vm->r[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int k_vm_lookup(const struct k_vm *vm, uint64_t addr)
{
    int i = first_ending_above(vm, addr);
    return (i < vm->n && vm->r[i].start <= addr) ? i : -1;
}

bool k_vm_any_mapped(const struct k_vm *vm, uint64_t start, uint64_t len)
{
    int i = first_ending_above(vm, start);
    return i < vm->n && vm->r[i].start < start + len;
}

bool k_vm_all_mapped(const struct k_vm *vm, uint64_t start, uint64_t len)
{
    uint64_t at = start, end = start + len;
    for (int i = first_ending_above(vm, start); at < end; i++) {
        if (i >= vm->n || vm->r[i].start > at) return false;
        at = vm->r[i].end;
    }
    return true;
}

/* Insert r at index i, keeping the array sorted. */
static int insert_at(struct k_vm *vm, int i, const struct k_region *r)
{
    if (vm->n == vm->cap) {
        int cap = vm->cap ? vm->cap * 2 : 16;
        struct k_region *nr = realloc(vm->r, cap * sizeof *nr);
        if (!nr) return -ENOMEM;
        vm->r = nr;
        vm->cap = cap;
    }
    memmove(&vm->r[i + 1], &vm->r[i], (vm->n - i) * sizeof *vm->r);
    vm->r[i] = *r;
    vm->n++;
    return 0;
}

static void remove_at(struct k_vm *vm, int i)
{
    memmove(&vm->r[i], &vm->r[i + 1], (vm->n - i - 1) * sizeof *vm->r);
    vm->n--;
}

/* Split region i at addr, which lies strictly inside it. */
static int split_region(struct k_vm *vm, int i, uint64_t addr)
{
    struct k_region tail = vm->r[i];
    tail.start = addr;
    tail.off += addr - vm->r[i].start;
    int rc = insert_at(vm, i + 1, &tail);
    if (rc) return rc;
    vm->r[i].end = addr;
    vm->r[i].layer->refs++; /* both pieces map it */
    return 0;
}

/* Make addr a region boundary: split the region that strictly contains it. */
static int split_at(struct k_vm *vm, uint64_t addr)
{
    int i = k_vm_lookup(vm, addr);
    if (i < 0 || vm->r[i].start == addr) return 0;
    return split_region(vm, i, addr);
}

/* Attributes of a region made by mmap, brk, the loader or the kernel: local,
 * cacheable, dropped on exec; shared on spawn for MAP_SHARED file mappings,
 * copied otherwise. */
static unsigned default_attr(int kind)
{
    return SYM_CACHE | (kind == K_REGION_FILE_SHARED ? SYM_SPAWN_INHERIT : SYM_SPAWN_COPY);
}

/* Record the image file of a file-backed region r: its identity and offset. */
static int set_image(struct k_region *r, int hostfd, uint64_t off)
{
    struct stat st;
    if (hostfd < 0) return 0;
    if (fstat(hostfd, &st) < 0) return -errno;
    r->dev = (uint64_t)st.st_dev;
    r->ino = (uint64_t)st.st_ino;
    r->off = off;
    return 0;
}

int k_vm_map(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, int kind, int hostfd,
             uint64_t off)
{
    struct k_vm *vm = &p->vm;
    if (len == 0 || ((start | len) & (PAGE - 1)) || k_vm_any_mapped(vm, start, len)) return -EINVAL;
    struct k_region r = {
        .start = start, .end = start + len, .prot = prot, .kind = kind, .attr = default_attr(kind)};
    int rc = set_image(&r, hostfd, off);
    if (rc) return rc;
    if (hostfd < 0) {
        rc = anon_layer(p, IMG_SIZE, NULL, &r.layer);
    } else {
        struct k_layer *file;
        rc = kind == K_REGION_TEXT ? text_layer(p, hostfd, &file) : file_layer(p, hostfd, &file);
        if (rc) return rc;
        if (kind == K_REGION_FILE_SHARED) {
            r.layer = file;
            if ((prot & RV_PROT_W) && !file->writable) rc = -EACCES;
        } else {
            uint64_t size = off + len > IMG_SIZE ? off + len : IMG_SIZE;
            rc = anon_layer(p, size, file, &r.layer);
            layer_put(p->k, file); /* the shadow holds it now (or nobody) */
        }
    }
    if (!rc) rc = insert_at(vm, first_ending_above(vm, start), &r);
    if (rc) {
        layer_put(p->k, r.layer);
        return rc;
    }
    flush(p, start, len);
    return 0;
}

int k_vm_map_image(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, unsigned mask,
                   unsigned attr, struct store_cache_image *img, uint64_t ino, uint64_t off)
{
    struct k_vm *vm = &p->vm;
    int at = first_ending_above(vm, start); /* k_vm_any_mapped's test, and where r goes */
    if (len == 0 || ((start | len) & (PAGE - 1)) || (at < vm->n && vm->r[at].start < start + len))
        return -EINVAL;
    struct k_layer *l = layer_alloc(p->k);
    if (!l) return -ENOMEM;
    store_cache_image_hold(img);
    l->img = img;
    l->refs = 1;
    l->writable = l->direct = true;
    struct k_region r = {.start = start,
                         .end = start + len,
                         .prot = prot,
                         .kind = K_REGION_FILE_SHARED,
                         .attr = (default_attr(K_REGION_FILE_SHARED) & ~mask) | (attr & mask),
                         .layer = l,
                         .ino = ino,
                         .off = off};
    int rc = insert_at(vm, at, &r);
    if (rc) {
        layer_put(p->k, l);
        return rc;
    }
    flush(p, start, len);
    return 0;
}

/* Region i stops mapping [start, end) (inside it): its pages go when nobody
 * else can see them (invariant 6). */
static void region_drop_pages(struct k_proc *p, int i, uint64_t start, uint64_t end)
{
    struct k_region *r = &p->vm.r[i];
    put_range_pins(&p->vm, start, end); /* both callers flush the hart after it */
    if (discardable(r)) discard_pages(r, start, end);
}

int k_vm_unmap(struct k_proc *p, uint64_t start, uint64_t len)
{
    struct k_vm *vm = &p->vm;
    uint64_t end = start + len;
    /* Cut the regions at the ends first (split_at, with one search). */
    int i = first_ending_above(vm, start), j, rc;
    if (i < vm->n && vm->r[i].start < start) {
        if ((rc = split_region(vm, i, start)) != 0) return rc;
        i++;
    }
    for (j = i; j < vm->n && vm->r[j].end <= end;)
        j++;
    if (j < vm->n && vm->r[j].start < end && (rc = split_region(vm, j, end)) != 0) return rc;
    while (i < vm->n && vm->r[i].start < end) {
        region_drop_pages(p, i, vm->r[i].start, vm->r[i].end);
        layer_put(p->k, vm->r[i].layer);
        remove_at(vm, i);
    }
    flush(p, start, len);
    return 0;
}

int k_vm_protect(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    return k_vm_set_attr(p, start, len, prot, 0, 0);
}

int k_vm_set_attr(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, unsigned mask,
                  unsigned attr)
{
    struct k_vm *vm = &p->vm;
    uint64_t end = start + len;
    if (!k_vm_all_mapped(vm, start, len)) return -ENOMEM;
    if (prot & RV_PROT_W) /* writing a file opened read-only fails as on Linux */
        for (int i = first_ending_above(vm, start); i < vm->n && vm->r[i].start < end; i++)
            if (!vm->r[i].layer->writable) return -EACCES;
    int rc = split_at(vm, start);
    if (!rc) rc = split_at(vm, end);
    if (rc) return rc;
    for (int i = first_ending_above(vm, start); i < vm->n && vm->r[i].start < end; i++) {
        struct k_region *r = &vm->r[i];
        r->prot = prot;
        r->attr = (r->attr & ~mask) | (attr & mask);
    }
    flush(p, start, len);
    return 0;
}

/* Is [start, start+len) inside user space and free? */
static bool range_free(const struct k_vm *vm, uint64_t start, uint64_t len)
{
    return start >= K_USER_MIN && start + len > start && start + len <= K_MMAP_TOP &&
           !k_vm_any_mapped(vm, start, len);
}

int k_vm_find_free(const struct k_vm *vm, uint64_t hint, uint64_t len, uint64_t *out)
{
    hint &= ~(PAGE - 1);
    if (hint && range_free(vm, hint, len)) {
        *out = hint;
        return 0;
    }
    /* Top-down: try the gap below each region, from the highest one under the top. */
    uint64_t top = vm->mmap_base;
    int i = first_ending_above(vm, top);
    if (i < vm->n && vm->r[i].start < top) top = vm->r[i].start;
    for (i--;; i--) {
        uint64_t floor = i >= 0 ? vm->r[i].end : K_USER_MIN;
        if (top >= floor + len) {
            *out = top - len;
            return 0;
        }
        if (i < 0) return -ENOMEM;
        top = vm->r[i].start;
    }
}

/* The segment id of a global region is the image file's entry in the
 * store's registry (store_gseg_register, set by mapin in r->gseg): every rank
 * resolves it to the same file (docs/store.md). */
int k_vm_gaddr(const struct k_proc *p, uint64_t vaddr, uint64_t *gaddr)
{
    int i = k_vm_lookup(&p->vm, vaddr);
    if (i < 0) return -EFAULT;
    const struct k_region *r = &p->vm.r[i];
    if (!(r->attr & SYM_MEM_GLOBAL)) return -EFAULT;
    if (!r->gseg) return -EFAULT;
    *gaddr = NET_GADDR(r->gseg, r->off + (vaddr - r->start));
    return 0;
}

void k_vm_ncache_dropped(struct k_kernel *k, uint64_t key)
{
    uint64_t seg = key >> (NET_SEG_SHIFT - 12), off = (key << 12) & ((1ull << NET_SEG_SHIFT) - 1);
    for (struct k_proc *q = k->procs; q; q = q->next) {
        if (!q->hart) continue;
        for (int i = 0; i < q->vm.n; i++) {
            const struct k_region *r = &q->vm.r[i];
            if ((r->attr & (SYM_MEM_GLOBAL | SYM_CACHE)) != (SYM_MEM_GLOBAL | SYM_CACHE)) continue;
            if (off < r->off || off - r->off >= len_of(r)) continue;
            if (r->gseg == seg) rv_flush_range(q->hart, r->start + (off - r->off), PAGE);
        }
    }
}

int k_vm_translate(void *ctx, uint64_t vaddr, enum rv_access access, struct rv_page *out)
{
    static const unsigned need[] = {RV_PROT_R, RV_PROT_W, RV_PROT_X};
    int rc = pin_page(ctx, vaddr, access, need[access], false, &out->host, &out->prot);
    /* The page's global address, which the hart remembers with the page:
     * the access itself (gmem.c k_net_access) then needs no region lookup. */
    if (rc == -EREMOTE && k_vm_gaddr(ctx, vaddr & ~(PAGE - 1), &out->remote) != 0)
        out->remote = RV_REMOTE_NONE;
    return rc;
}

/*
 * Copy up to n bytes between buf and guest address at: to the guest when
 * access is RV_ACCESS_WRITE, else from it; *did says how many. `need` is the
 * protection the region must have (0: none). Local memory and a cached
 * global page are pinned host memory, copied to the end of the page; a page
 * of a cacheable global lseg not in the node cache is fetched first (the
 * copy then dirties its lines like the hart's stores); non-cacheable global
 * memory is read or written over the network (gmem.c k_net_kcopy) up to the
 * end of its lseg, at most K_NET_KCOPY_MAX at a time (its global addresses
 * are contiguous there). -EFAULT for a hole, a protection failure or an
 * error reply, or the cache's error; nothing is done then.
 */
static int copy_piece(struct k_proc *p, uint64_t at, uint8_t *buf, uint64_t n, unsigned need,
                      enum rv_access access, uint64_t *did)
{
    uint8_t *host;
    unsigned prot;
    uint64_t g;
    int rc = pin_page(p, at, access, need, true, &host, &prot);
    if (rc == K_EFETCH) {
        rc = k_vm_gaddr(p, at, &g);
        if (!rc) rc = k_net_kfetch(p, g);
        /* nothing runs between the fill and this lookup: it hits */
        if (!rc) rc = pin_page(p, at, access, need, true, &host, &prot);
        if (rc == K_EFETCH) rc = -EFAULT;
    }
    if (rc == -EREMOTE) {
        const struct k_region *r = &p->vm.r[k_vm_lookup(&p->vm, at)];
        if (n > r->end - at) n = r->end - at;
        if (n > K_NET_KCOPY_MAX) n = K_NET_KCOPY_MAX;
        rc = k_vm_gaddr(p, at, &g);
        if (!rc) rc = k_net_kcopy(p, g, buf, n, access == RV_ACCESS_WRITE);
        *did = n;
        return rc;
    }
    if (rc) return rc == -EACCES ? -EFAULT : rc;
    if (n > PAGE - (at & (PAGE - 1))) n = PAGE - (at & (PAGE - 1));
    if (access == RV_ACCESS_WRITE)
        memcpy(host + (at & (PAGE - 1)), buf, n);
    else
        memcpy(buf, host + (at & (PAGE - 1)), n);
    *did = n;
    return 0;
}

/*
 * Copy [g, g+len) piece by piece (copy_piece). -EFAULT at the first hole or
 * protection failure, or the cache's error; pieces before it have been
 * copied.
 */
static int walk(struct k_proc *p, uint64_t g, uint64_t len, unsigned need, enum rv_access access,
                uint8_t *buf)
{
    uint64_t done = 0;
    if (g + len < g) return -EFAULT;
    while (done < len) {
        uint64_t did = 0;
        int rc = copy_piece(p, g + done, buf + done, len - done, need, access, &did);
        if (rc) return rc;
        done += did;
    }
    return 0;
}

int k_copyin(struct k_proc *p, void *dst, uint64_t gsrc, uint64_t len)
{
    return walk(p, gsrc, len, RV_PROT_R, RV_ACCESS_READ, dst);
}

int k_copyout(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len)
{
    int rc = walk(p, gdst, len, RV_PROT_W, RV_ACCESS_WRITE, (uint8_t *)src);
    if (p->hart && len) rv_code_written(p->hart, gdst, len);
    return rc;
}

int k_vm_poke(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len)
{
    int rc = walk(p, gdst, len, 0, RV_ACCESS_WRITE, (uint8_t *)src);
    if (p->hart && len) rv_code_written(p->hart, gdst, len);
    return rc;
}

/* A string is read in pieces of at most this many bytes, none crossing a
 * page: in global memory each piece is a round trip of its words, so a short
 * path costs a few loads, not a page's. */
#define STR_PIECE 256

int k_copyin_str(struct k_proc *p, char *dst, uint64_t gsrc, uint64_t max)
{
    uint64_t n = 0;
    while (n < max) {
        uint64_t at = gsrc + n;
        if (at < gsrc) return -EFAULT;
        uint64_t avail = STR_PIECE - (at & (STR_PIECE - 1));
        if (avail > max - n) avail = max - n;
        int rc = copy_piece(p, at, (uint8_t *)dst + n, avail, RV_PROT_R, RV_ACCESS_READ, &avail);
        if (rc) return rc;
        const char *nul = memchr(dst + n, 0, avail);
        if (nul) return 0;
        n += avail;
    }
    if (max) dst[max - 1] = 0;
    return -ENAMETOOLONG;
}

/* ---- brk and mremap ------------------------------------------------------ */

/* Grow region i in place to new_end (free above it): the layer's pages there
 * are made zeros first when they are ours to drop (invariant 6). */
static int grow_region(struct k_proc *p, int i, uint64_t new_end)
{
    struct k_region *r = &p->vm.r[i];
    if (r->off + (new_end - r->start) > store_cache_image_size(r->layer->img)) return -ENOMEM;
    if (discardable(r)) discard_pages(r, r->end, new_end);
    uint64_t old_end = r->end;
    r->end = new_end;
    /* The pages mapped before keep their translations: only the new ones
     * (which the hart may remember as unmapped) are flushed. */
    flush(p, old_end, new_end - old_end);
    return 0;
}

uint64_t k_vm_set_brk(struct k_proc *p, uint64_t newbrk)
{
    struct k_vm *vm = &p->vm;
    uint64_t old_top = (vm->brk_cur + PAGE - 1) & ~(PAGE - 1);
    uint64_t new_top = (newbrk + PAGE - 1) & ~(PAGE - 1);
    if (newbrk < vm->brk_start || new_top > K_MMAP_TOP || new_top < newbrk) return vm->brk_cur;
    if (new_top < old_top) {
        k_vm_unmap(p, new_top, old_top - new_top);
    } else if (new_top > old_top) {
        if (k_vm_any_mapped(vm, old_top, new_top - old_top)) return vm->brk_cur;
        int i = old_top > vm->brk_start ? k_vm_lookup(vm, old_top - 1) : -1;
        int rc;
        if (i >= 0 && vm->r[i].kind == K_REGION_BRK && vm->r[i].end == old_top)
            rc = grow_region(p, i, new_top);
        else
            rc =
                k_vm_map(p, old_top, new_top - old_top, RV_PROT_R | RV_PROT_W, K_REGION_BRK, -1, 0);
        if (rc) return vm->brk_cur;
    }
    vm->brk_cur = newbrk;
    return newbrk;
}

/* Move region i to a new guest address `to` (free, same length). */
static void move_region(struct k_proc *p, int i, uint64_t to)
{
    struct k_vm *vm = &p->vm;
    struct k_region r = vm->r[i];
    unpin_range(p, r.start, r.end); /* pins are by guest address */
    remove_at(vm, i);
    r.end = to + len_of(&r);
    r.start = to;
    insert_at(vm, first_ending_above(vm, to), &r); /* cannot fail: we just removed one */
    flush(p, r.start, len_of(&r));
}

int64_t k_vm_remap(struct k_proc *p, uint64_t old, uint64_t oldlen, uint64_t newlen, bool maymove)
{
    struct k_vm *vm = &p->vm;
    int i = k_vm_lookup(vm, old);
    if (i < 0 || old + oldlen > vm->r[i].end) return -EFAULT;
    if (newlen <= oldlen) {
        if (newlen < oldlen) k_vm_unmap(p, old + newlen, oldlen - newlen);
        return (int64_t)old;
    }
    int rc = split_at(vm, old);
    if (!rc) rc = split_at(vm, old + oldlen);
    if (rc) return rc;
    i = k_vm_lookup(vm, old);
    if (vm->r[i].kind == K_REGION_FILE_SHARED || vm->r[i].kind == K_REGION_FILE_PRIVATE)
        return -EINVAL; /* growing file mappings is not supported (see docs) */
    if (range_free(vm, old + oldlen, newlen - oldlen))
        return grow_region(p, i, old + newlen) ?: (int64_t)old;
    if (!maymove) return -ENOMEM;
    uint64_t to;
    rc = k_vm_find_free(vm, 0, newlen, &to);
    if (rc) return rc;
    move_region(p, i, to);
    i = k_vm_lookup(vm, to);
    return grow_region(p, i, to + newlen) ?: (int64_t)to;
}

/* ---- fork, exec ------------------------------------------------------------- */

/* The size of a shadow over region r's layer: enough for every page of it. */
static uint64_t shadow_size(const struct k_region *r)
{
    uint64_t end = r->off + len_of(r);
    return end > IMG_SIZE ? end : IMG_SIZE;
}

/* The child's piece of parent region r by its spawn action, into *c. 1 when
 * the child gets nothing (DROP). */
static int fork_region(struct k_proc *parent, struct k_proc *child, struct k_region *r,
                       struct k_region *c)
{
    *c = *r;
    int rc = 0;
    unsigned action = r->attr & SYM_SPAWN_MASK;
    /* A global lseg names one global segment: COPY shares it as INHERIT does
     * (no copy-on-write of global memory yet; docs/symunix-calls.md). */
    if ((r->attr & SYM_MEM_GLOBAL) && action == SYM_SPAWN_COPY) action = SYM_SPAWN_INHERIT;
    switch (action) {
    case SYM_SPAWN_DROP: return 1;
    case SYM_SPAWN_INHERIT: /* the same pages: writes on either side are seen by both */
        r->layer->refs++;
        if (r->layer->priv) r->layer->shared = true;
        return 0;
    case SYM_SPAWN_REALLOC: /* fresh zeros, same range and protection */
        c->off = c->dev = c->ino = c->gseg = 0;
        c->attr &= ~(unsigned)(SYM_MEM_GLOBAL | SYM_MEM_STRICT); /* local memory */
        if (c->kind == K_REGION_FILE_SHARED || c->kind == K_REGION_FILE_PRIVATE)
            c->kind = K_REGION_ANON;
        return anon_layer(child, IMG_SIZE, NULL, &c->layer);
    default: /* SYM_SPAWN_COPY: copy-on-write */ break;
    }
    struct k_layer *l = r->layer;
    /* The parent wrote nothing since its memory was last frozen (its shadow
     * holds and borrows no page, and only this region uses it): the child shadows the
     * frozen layer itself and the parent keeps its shadow. So spawn's
     * children all sit one layer above the parent's memory, not in a chain
     * as deep as the family (each page lookup walks the chain). */
    if (l->priv && l->below && l->refs == 1 && l->nabove == 0 && !l->shared && l->present.n == 0 &&
        l->bor.n == 0)
        return anon_layer(child, shadow_size(r), l->below, &c->layer);
    rc = anon_layer(child, shadow_size(r), l, &c->layer);
    if (rc) return rc;
    if (!l->priv) {
        /* A shared file stays the parent's to write: every write pin on the
         * node goes, so that the next write to a page the child's shadow
         * still reads from the file copies it there first. */
        for (struct k_proc *q = parent->k->procs; q; q = q->next)
            k_vm_swap_out(q);
        return 0;
    }
    /* The parent's memory freezes under a shadow of its own; its pins on the
     * frozen layer go, so that its next write comes back to be copied. */
    struct k_layer *mine;
    rc = anon_layer(parent, shadow_size(r), l, &mine);
    if (rc) {
        layer_put(parent->k, c->layer);
        return rc;
    }
    unpin_range(parent, r->start, r->end);
    r->layer = mine;
    layer_put(parent->k, l); /* the region's reference; both shadows hold it */
    return 0;
}

int k_vm_fork(struct k_proc *parent, struct k_proc *child)
{
    struct k_vm *pv = &parent->vm, *cv = &child->vm;
    if (cv->n) return -EINVAL;
    for (int i = 0; i < pv->n; i++) {
        struct k_region c;
        int rc = fork_region(parent, child, &pv->r[i], &c);
        if (rc == 1) continue;
        if (!rc && (rc = insert_at(cv, cv->n, &c)) != 0) layer_put(parent->k, c.layer);
        if (rc) return rc;
    }
    cv->brk_start = pv->brk_start;
    cv->brk_cur = pv->brk_cur;
    cv->mmap_base = pv->mmap_base;
    if (child->hart) rv_flush_all(child->hart);
    return 0;
}

void k_vm_exec_drop(struct k_proc *p)
{
    struct k_vm *vm = &p->vm;
    for (int i = vm->n - 1; i >= 0; i--) {
        if (vm->r[i].attr & SYM_EXEC_KEEP) continue;
        region_drop_pages(p, i, vm->r[i].start, vm->r[i].end);
        layer_put(p->k, vm->r[i].layer);
        remove_at(vm, i);
    }
    vm->brk_start = vm->brk_cur = 0;
    vm->mmap_base = K_MMAP_TOP;
    if (p->hart) rv_flush_all(p->hart);
}

int k_vm_map_zero(struct k_proc *p, uint64_t start, uint64_t len)
{
    struct k_vm *vm = &p->vm;
    uint64_t end = start + len;
    if (!k_vm_all_mapped(vm, start, len)) return -ENOMEM;
    unpin_range(p, start, end);
    for (int i = first_ending_above(vm, start); i < vm->n && vm->r[i].start < end; i++) {
        struct k_region *r = &vm->r[i];
        if (!r->layer->below) continue; /* anonymous: zeros already */
        uint64_t lo = r->start > start ? r->start : start, hi = r->end < end ? r->end : end;
        for (uint64_t v = lo; v < hi; v += PAGE) {
            uint64_t pg = (r->off + (v - r->start)) / PAGE;
            store_cache_image_discard(r->layer->img, pg, 1);
            int rc = pgset_add(&r->layer->present, pg);
            if (rc) return rc;
        }
    }
    return 0;
}

/* ---- madvise, msync ------------------------------------------------------------- */

int k_vm_discard(struct k_proc *p, uint64_t start, uint64_t len)
{
    struct k_vm *vm = &p->vm;
    uint64_t end = start + len;
    for (int i = first_ending_above(vm, start); i < vm->n && vm->r[i].start < end; i++) {
        struct k_region *r = &vm->r[i];
        uint64_t lo = r->start > start ? r->start : start, hi = r->end < end ? r->end : end;
        unpin_range(p, lo, hi);
        if (discardable(r)) discard_pages(r, lo, hi);
    }
    return 0;
}

int k_vm_sync(struct k_proc *p, uint64_t start, uint64_t len, bool wait)
{
    struct k_vm *vm = &p->vm;
    uint64_t end = start + len;
    for (int i = first_ending_above(vm, start); i < vm->n && vm->r[i].start < end; i++) {
        struct k_region *r = &vm->r[i];
        if (r->kind != K_REGION_FILE_SHARED) continue;
        int rc =
            wait ? store_cache_image_sync(r->layer->img) : store_cache_image_flush(r->layer->img);
        if (rc) return rc;
    }
    return 0;
}

/* ---- File system calls on mapped files ---------------------------------------- */

int k_vm_materialize(void *names, int hostfd)
{
    return store_names_anon_materialize(names, hostfd);
}

void k_vm_file_before_io(struct k_kernel *k, int hostfd)
{
    struct store_cache_image *img = file_image(k, hostfd);
    if (img) store_cache_image_flush(img);
}

void k_vm_file_after_write(struct k_kernel *k, int hostfd)
{
    struct store_cache_image *img = file_image(k, hostfd);
    if (img) store_cache_image_reload(img, 0, UINT64_MAX);
}

/* Pin page pg of img for the kernel itself: when the cache is full, every
 * process of the node is swapped out (none is running). */
static int kernel_get(struct k_kernel *k, struct store_cache_image *img, uint64_t pg, int flags,
                      struct store_cache_frame **f)
{
    int rc = store_cache_page_get(img, pg, flags, f);
    if (rc != -ENOMEM) return rc;
    for (struct k_proc *q = k->procs; q; q = q->next)
        k_vm_swap_out(q);
    return store_cache_page_get(img, pg, flags, f);
}

int k_vm_file_before_write(struct k_kernel *k, int hostfd, int64_t off, uint64_t len)
{
    struct store_cache_image *img = file_image(k, hostfd);
    if (!img) return 0;
    store_cache_image_flush(img);
    if (len == 0) return 0;
    if (off < 0) {
        struct stat st;
        int fl = fcntl(hostfd, F_GETFL);
        off = lseek(hostfd, 0, SEEK_CUR);
        if (fl >= 0 && (fl & O_APPEND) && fstat(hostfd, &st) == 0) off = st.st_size;
        if (off < 0) return 0;
    }
    return file_changing(k, NULL, true, img, (uint64_t)off / PAGE,
                         ((uint64_t)off + len - 1) / PAGE);
}

/* Pages from byte len of img on are about to be cut off or zeroed. */
static int before_cut(struct k_kernel *k, struct store_cache_image *img, uint64_t len)
{
    return file_changing(k, NULL, true, img, len / PAGE, UINT64_MAX / PAGE);
}

int k_vm_file_truncate(struct k_kernel *k, int hostfd, uint64_t len)
{
    struct store_cache_image *img = file_image(k, hostfd);
    if (!img) return 1;
    int rc = before_cut(k, img, len);
    if (rc) return rc;
    rc = store_cache_image_set_size(img, len);
    if (rc != -EBUSY) return rc;
    /* A mapped page would vanish: the file shrinks all the same (Linux would
     * SIGBUS the mapper; here the page stays readable and is never written). */
    if (ftruncate(hostfd, (off_t)len) < 0) return -errno;
    return store_cache_image_reload(img, 0, UINT64_MAX);
}

int k_vm_file_before_truncate(struct k_kernel *k, int hostfd, uint64_t len)
{
    struct store_cache_image *img = file_image(k, hostfd);
    if (!img) return 0;
    store_cache_image_flush(img);
    return before_cut(k, img, len);
}

void k_vm_file_truncated(struct k_kernel *k, int hostfd)
{
    struct store_cache_image *img = file_image(k, hostfd);
    if (img) store_cache_image_reload(img, 0, UINT64_MAX);
}

int64_t k_vm_read_cow(struct k_proc *p, int hostfd, int64_t off, uint64_t buf, uint64_t len)
{
    struct store_cache_image *img = file_image(p->k, hostfd);
    if (!img || (buf & (PAGE - 1)) || len < PAGE) return 0;
    int64_t at = off >= 0 ? off : lseek(hostfd, 0, SEEK_CUR);
    struct stat st;
    if (at < 0 || (at & (PAGE - 1)) || fstat(hostfd, &st) < 0) return 0;
    uint64_t size = store_cache_image_size(img);
    if ((uint64_t)st.st_size < size) size = (uint64_t)st.st_size;
    struct k_vm *vm = &p->vm;
    uint64_t done = 0;
    while (len - done >= PAGE) {
        uint64_t fpg = ((uint64_t)at + done) / PAGE, v = buf + done;
        if ((fpg + 1) * PAGE > size || !store_cache_page_cached(img, fpg)) break;
        int i = k_vm_lookup(vm, v);
        if (i < 0) break;
        struct k_region *r = &vm->r[i];
        struct k_layer *l = r->layer;
        /* Only memory this process alone maps: its hart is the only one to
         * flush (§4.3: no copy-on-write into a region already shared). */
        if ((r->attr & SYM_MEM_GLOBAL) || !(r->prot & RV_PROT_W) || !l->priv || l->shared ||
            l->nabove || l->img == img)
            break;
        uint64_t pg = (r->off + (v - r->start)) / PAGE;
        store_cache_image_hold(img);
        if (bor_add(&l->bor, pg, img, fpg)) {
            store_cache_image_close(img);
            break;
        }
        unpin_range(p, v, v + PAGE);
        store_cache_image_discard(l->img, pg, 1); /* its own page, replaced */
        if (l->below) pgset_del(&l->present, pg);
        list_copier(p->k, l);
        if (p->hart) rv_code_written(p->hart, v, PAGE);
        done += PAGE;
    }
    if (done && off < 0) lseek(hostfd, (off_t)done, SEEK_CUR);
    return (int64_t)done;
}

void k_vm_paging_failed(struct k_proc *p, uint64_t addr, int err)
{
    const char *what = NULL;
    if (!p->k || !p->k->cache || store_cache_failure(p->k->cache, &what) != err)
        what = "a page of an image file of the store";
    char todo[160];
    struct rlimit rl;
    switch (-err) {
    case ENOSPC:
    case EDQUOT:
        snprintf(todo, sizeof todo,
                 "the store's file system is full: free space there, or give the node more "
                 "memory (--mem) so that fewer pages go out");
        break;
    case EFBIG:
        snprintf(todo, sizeof todo, "a file size limit stops it: raise it (ulimit -f)");
        break;
    case EMFILE:
    case ENFILE:
        getrlimit(RLIMIT_NOFILE, &rl);
        snprintf(todo, sizeof todo,
                 "no host file descriptor is left: raise the limit of open files (ulimit -n, "
                 "now %llu)",
                 (unsigned long long)rl.rlim_cur);
        break;
    default: snprintf(todo, sizeof todo, "the store's file system failed"); break;
    }
    fprintf(stderr, "symunix: pid %d: paging failed at %#llx: %s: %s; %s: killed (SIGBUS)\n",
            p->pid, (unsigned long long)addr, what, strerror(-err), todo);
    k_proc_exit(p, SIGBUS);
}

int k_vm_file_sync(struct k_kernel *k, int hostfd)
{
    struct store_cache_image *img = file_image(k, hostfd);
    return img ? store_cache_image_sync(img) : 1;
}

/* ---- Shipping an address space (migrate.c) ------------------------------------ *
 * Reading a region's pages that hold data, whatever its protection, without
 * caching pages that were never written; and building a region of a new
 * process from shipped pages. Nothing here pins pages in a process's table. */

/* Page numbers of layer l in [lo, lo+n) that may hold data (malloc'd, not
 * sorted): a shadow's own pages, a base layer's cached or written pages, and
 * the pages it borrowed from files. */
static int layer_data_pages(const struct k_layer *l, uint64_t lo, uint64_t n, uint64_t **out,
                            size_t *cnt)
{
    *out = NULL;
    *cnt = 0;
    if (!l->below) {
        int rc = store_cache_image_data_pages(l->img, lo, n, out, cnt);
        if (rc || !l->bor.n) return rc;
    }
    size_t have = *cnt, want = have + l->present.n + l->bor.n;
    if (want == have) return 0;
    uint64_t *v = realloc(*out, want * sizeof *v);
    if (!v) {
        free(*out);
        *out = NULL;
        return -ENOMEM;
    }
    for (size_t i = 0; l->below && i < l->present.cap; i++) {
        uint64_t k = l->present.keys[i];
        if (k && k - 1 >= lo && k - 1 - lo < n) v[(*cnt)++] = k - 1;
    }
    for (size_t i = 0; i < l->bor.cap; i++) {
        uint64_t k = l->bor.e[i].key;
        if (k && k - 1 >= lo && k - 1 - lo < n) v[(*cnt)++] = k - 1;
    }
    *out = v;
    return 0;
}

/* The same for every layer of r from its top down, in one array. */
static int region_data_pages(const struct k_region *r, uint64_t lo, uint64_t n, uint64_t **out,
                             size_t *cnt)
{
    uint64_t *all = NULL, *v;
    size_t nall = 0, m;
    for (const struct k_layer *l = r->layer; l; l = l->below) {
        int rc = layer_data_pages(l, lo, n, &v, &m);
        uint64_t *na = !rc && m ? realloc(all, (nall + m) * sizeof *na) : all;
        if (rc || (m && !na)) {
            free(v);
            free(all);
            return rc ? rc : -ENOMEM;
        }
        all = na;
        if (m) memcpy(all + nall, v, m * sizeof *v);
        nall += m;
        free(v);
    }
    *out = all;
    *cnt = nall;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int k_vm_ship_pages(struct k_proc *p, int i, int (*fn)(void *arg, uint64_t vaddr, const void *page),
                    void *arg)
{
    const struct k_region *r = &p->vm.r[i];
    uint64_t lo = r->off / PAGE, n = len_of(r) / PAGE, *pg;
    size_t cnt;
    int rc = region_data_pages(r, lo, n, &pg, &cnt);
    if (rc) return rc;
    if (cnt) qsort(pg, cnt, sizeof *pg, cmp_u64);
    for (size_t j = 0; j < cnt && !rc; j++) {
        if (j && pg[j] == pg[j - 1]) continue;
        struct store_cache_frame *f;
        uint64_t fpg;
        struct store_cache_image *src = page_src(p->vm.r[i].layer, pg[j], &fpg);
        rc = get_page(p, src, fpg, 0, true, &f);
        if (rc) break;
        rc = fn(arg, p->vm.r[i].start + (pg[j] - lo) * PAGE, store_cache_page_data(f));
        store_cache_page_put(f, 0);
    }
    free(pg);
    return rc;
}

int k_vm_land_region(struct k_proc *p, const struct k_region *r)
{
    struct k_vm *vm = &p->vm;
    if (r->start >= r->end || ((r->start | r->end) & (PAGE - 1)) || r->start < K_USER_MIN ||
        r->end > K_USER_TOP || (vm->n && vm->r[vm->n - 1].end > r->start))
        return -EBADMSG;
    if (!(r->attr & SYM_MEM_GLOBAL) && (r->off || r->dev || r->ino))
        return -EBADMSG; /* local memory of the child is anonymous */
    struct k_region c = *r;
    int rc = anon_layer(p, IMG_SIZE, NULL, &c.layer);
    if (!rc && (rc = insert_at(vm, vm->n, &c)) != 0) layer_put(p->k, c.layer);
    if (!rc) flush(p, c.start, len_of(&c));
    return rc;
}

int k_vm_land_page(struct k_proc *p, uint64_t vaddr, const void *data)
{
    int i = k_vm_lookup(&p->vm, vaddr);
    if (i < 0 || (vaddr & (PAGE - 1)) || (p->vm.r[i].attr & SYM_MEM_GLOBAL)) return -EBADMSG;
    const struct k_region *r = &p->vm.r[i];
    struct store_cache_frame *f;
    int rc = get_page(p, r->layer->img, (r->off + (vaddr - r->start)) / PAGE, STORE_PAGE_WRITE,
                      true, &f);
    if (rc) return rc;
    memcpy(store_cache_page_data(f), data, PAGE);
    store_cache_page_put(f, STORE_PAGE_WRITE);
    if (p->hart) rv_code_written(p->hart, vaddr, PAGE);
    return 0;
}
