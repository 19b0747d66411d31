/*
 * vm.c — a process's address space: a sorted array of regions, each backed by
 * exactly the host pages it covers, the hart's translate hook, and the
 * copyin/copyout layer through which all other kernel code touches guest memory.
 *
 * Invariants
 *  1. Regions are page-aligned, disjoint and sorted by start.
 *  2. A region's host range is [host, host + (end - start)) and belongs to that
 *     region alone, so cutting a region cuts its host mapping with munmap.
 *  3. Host memory of anonymous, private-file, stack and brk regions is always
 *     host-RW: guest protection is enforced by translate and copyin/copyout only.
 *     Shared-file regions carry the guest's R/W on the host too, so writing a
 *     file opened read-only fails as on Linux.
 *  4. After any change of mappings or protection the hart's view of the range is
 *     flushed (rv_flush_range) before the guest runs again.
 *  5. A region is a Symunix II lseg: its attributes (attr, and the image file
 *     identity and offset) survive every split, the right-hand piece's offset
 *     advanced by the split point. New regions get the defaults of
 *     default_attr(); mapin and mapctl (sys_sym.c) set them through
 *     k_vm_set_attr.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/internal.h"
#include "symunix/abi.h"

#define PAGE RV_PAGE_SIZE

static uint64_t len_of(const struct k_region *r)
{
    return r->end - r->start;
}

static void flush(struct k_proc *p, uint64_t start, uint64_t len)
{
    if (p->hart) rv_flush_range(p->hart, start, len);
}

void k_vm_init(struct k_vm *vm)
{
    assert(sysconf(_SC_PAGESIZE) == (long)PAGE); /* invariant 2 needs equal pages */
    memset(vm, 0, sizeof *vm);
    vm->mmap_base = K_MMAP_TOP;
}

void k_vm_free(struct k_proc *p)
{
    struct k_vm *vm = &p->vm;
    for (int i = 0; i < vm->n; i++)
        munmap(vm->r[i].host, len_of(&vm->r[i]));
    free(vm->r);
    vm->r = NULL;
    vm->n = vm->cap = 0;
    if (p->hart) rv_flush_all(p->hart);
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

/* Make addr a region boundary: split the region that strictly contains it. */
static int split_at(struct k_vm *vm, uint64_t addr)
{
    int i = k_vm_lookup(vm, addr);
    if (i < 0 || vm->r[i].start == addr) return 0;
    struct k_region tail = vm->r[i];
    tail.start = addr;
    tail.host = vm->r[i].host + (addr - vm->r[i].start);
    tail.host_len = tail.end - tail.start;
    tail.off += addr - vm->r[i].start;
    int rc = insert_at(vm, i + 1, &tail);
    if (rc) return rc;
    vm->r[i].end = addr;
    vm->r[i].host_len = addr - vm->r[i].start;
    return 0;
}

static int host_prot(unsigned prot, int kind)
{
    if (kind != K_REGION_FILE_SHARED) return PROT_READ | PROT_WRITE;
    return PROT_READ | ((prot & RV_PROT_W) ? PROT_WRITE : 0);
}

/* Pages of a file mapping past the end of the file would raise SIGBUS in the
 * host: back them with anonymous zero pages instead (Linux would SIGBUS the
 * guest; zeros are the benign choice for an emulator). */
static int cover_past_eof(uint8_t *host, uint64_t len, int hostfd, uint64_t off)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    uint64_t size = (uint64_t)st.st_size;
    uint64_t valid = size <= off ? 0 : (size - off + PAGE - 1) & ~(PAGE - 1);
    if (valid >= len) return 0;
    void *m = mmap(host + valid, len - valid, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return m == MAP_FAILED ? -errno : 0;
}

/* Host memory for a new region. */
static int host_map(uint64_t len, unsigned prot, int kind, int hostfd, uint64_t off, uint8_t **out)
{
    void *m;
    if (hostfd < 0) {
        m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                 0);
    } else {
        int share = kind == K_REGION_FILE_SHARED ? MAP_SHARED : MAP_PRIVATE;
        m = mmap(NULL, len, host_prot(prot, kind), share, hostfd, (off_t)off);
    }
    if (m == MAP_FAILED) return -errno;
    if (hostfd >= 0) {
        int rc = cover_past_eof(m, len, hostfd, off);
        if (rc) {
            munmap(m, len);
            return rc;
        }
    }
    *out = m;
    return 0;
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
    struct k_region r = {.start = start,
                         .end = start + len,
                         .prot = prot,
                         .kind = kind,
                         .host_len = len,
                         .attr = default_attr(kind)};
    int rc = set_image(&r, hostfd, off);
    if (rc) return rc;
    rc = host_map(len, prot, kind, hostfd, off, &r.host);
    if (rc) return rc;
    rc = insert_at(vm, first_ending_above(vm, start), &r);
    if (rc) {
        munmap(r.host, len);
        return rc;
    }
    flush(p, start, len);
    return 0;
}

int k_vm_unmap(struct k_proc *p, uint64_t start, uint64_t len)
{
    struct k_vm *vm = &p->vm;
    uint64_t end = start + len;
    int rc = split_at(vm, start);
    if (!rc) rc = split_at(vm, end);
    if (rc) return rc;
    int i = first_ending_above(vm, start);
    while (i < vm->n && vm->r[i].start < end) {
        munmap(vm->r[i].host, len_of(&vm->r[i]));
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
    int rc = split_at(vm, start);
    if (!rc) rc = split_at(vm, end);
    if (rc) return rc;
    for (int i = first_ending_above(vm, start); i < vm->n && vm->r[i].start < end; i++) {
        struct k_region *r = &vm->r[i];
        if (r->kind == K_REGION_FILE_SHARED &&
            mprotect(r->host, len_of(r), host_prot(prot, r->kind)) < 0) {
            rc = -errno;
            break;
        }
        r->prot = prot;
        r->attr = (r->attr & ~mask) | (attr & mask);
    }
    flush(p, start, len);
    return rc;
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

int k_vm_translate(void *ctx, uint64_t vaddr, enum rv_access access, struct rv_page *out)
{
    struct k_proc *p = ctx;
    int i = k_vm_lookup(&p->vm, vaddr);
    if (i < 0) return -EFAULT;
    const struct k_region *r = &p->vm.r[i];
    static const unsigned need[] = {RV_PROT_R, RV_PROT_W, RV_PROT_X};
    if (!(r->prot & need[access])) return -EACCES;
    uint64_t page = vaddr & ~(PAGE - 1);
    out->host = r->host + (page - r->start);
    out->prot = r->prot;
    return 0;
}

/*
 * Walk [g, g+len) region by region, calling fn on each host piece. `need` is the
 * protection every piece must have (0: none). -EFAULT at the first hole or
 * protection failure; pieces before it have been visited.
 */
static int walk(struct k_proc *p, uint64_t g, uint64_t len, unsigned need,
                void (*fn)(uint8_t *host, uint64_t off, uint64_t n, void *arg), void *arg)
{
    uint64_t done = 0;
    if (g + len < g) return -EFAULT;
    while (done < len) {
        int i = k_vm_lookup(&p->vm, g + done);
        if (i < 0 || (p->vm.r[i].prot & need) != need) return -EFAULT;
        const struct k_region *r = &p->vm.r[i];
        uint64_t n = r->end - (g + done);
        if (n > len - done) n = len - done;
        fn(r->host + (g + done - r->start), done, n, arg);
        done += n;
    }
    return 0;
}

static void piece_in(uint8_t *host, uint64_t off, uint64_t n, void *arg)
{
    memcpy((uint8_t *)arg + off, host, n);
}

static void piece_out(uint8_t *host, uint64_t off, uint64_t n, void *arg)
{
    memcpy(host, (const uint8_t *)arg + off, n);
}

int k_copyin(struct k_proc *p, void *dst, uint64_t gsrc, uint64_t len)
{
    return walk(p, gsrc, len, RV_PROT_R, piece_in, dst);
}

int k_copyout(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len)
{
    int rc = walk(p, gdst, len, RV_PROT_W, piece_out, (void *)src);
    if (p->hart && len) rv_code_written(p->hart, gdst, len);
    return rc;
}

int k_vm_poke(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len)
{
    int rc = walk(p, gdst, len, 0, piece_out, (void *)src);
    if (p->hart && len) rv_code_written(p->hart, gdst, len);
    return rc;
}

int k_copyin_str(struct k_proc *p, char *dst, uint64_t gsrc, uint64_t max)
{
    uint64_t n = 0;
    while (n < max) {
        int i = k_vm_lookup(&p->vm, gsrc + n);
        if (i < 0 || !(p->vm.r[i].prot & RV_PROT_R)) return -EFAULT;
        const struct k_region *r = &p->vm.r[i];
        const uint8_t *src = r->host + (gsrc + n - r->start);
        uint64_t avail = r->end - (gsrc + n);
        if (avail > max - n) avail = max - n;
        const uint8_t *nul = memchr(src, 0, avail);
        uint64_t take = nul ? (uint64_t)(nul - src) + 1 : avail;
        memcpy(dst + n, src, take);
        n += take;
        if (nul) return 0;
    }
    if (max) dst[max - 1] = 0;
    return -ENAMETOOLONG;
}

/* ---- brk and mremap ------------------------------------------------------ */

/* Grow region i in place to new_end: host mremap (the host address may move,
 * so the hart forgets the old translation). */
static int grow_region(struct k_proc *p, int i, uint64_t new_end)
{
    struct k_region *r = &p->vm.r[i];
    void *m = mremap(r->host, len_of(r), new_end - r->start, MREMAP_MAYMOVE);
    if (m == MAP_FAILED) return -ENOMEM;
    r->host = m;
    r->end = new_end;
    r->host_len = len_of(r);
    flush(p, r->start, len_of(r));
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
    flush(p, r.start, len_of(&r));
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

/* ---- TEMPORARY (proc branch): eager k_vm_fork/k_vm_exec_drop ---- */
/*
 * Stand-ins for the two contracts of internal.h on the host-mmap regions of
 * this file, until the buffer-cache vm.c with copy-on-write replaces them:
 * COPY copies eagerly (only pages the host ever touched that are not all
 * zero, so untouched stack and heap stay unallocated in the child); DROP leaves the range out;
 * REALLOC maps fresh zero memory; INHERIT maps the same host pages again
 * (mremap with old size 0 duplicates a MAP_SHARED mapping) for file-shared
 * regions (a copy when the host refuses, e.g. pages past the file's end) and
 * copies the others.
 */

/* Copy every page of src that is not all zero into dst (zero memory). The
 * host's page map tells which pages of src were ever touched (present or
 * swapped); the others read as zeros and are skipped without a look. */
static void copy_nonzero(uint8_t *dst, const uint8_t *src, uint64_t len)
{
    static const uint8_t zero[PAGE];
    uint64_t ent[512];
    int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    for (uint64_t o = 0; o < len; o += 512 * PAGE) {
        uint64_t n = (len - o) / PAGE < 512 ? (len - o) / PAGE : 512;
        off_t at = (off_t)((uintptr_t)(src + o) / PAGE * 8);
        bool known = pm >= 0 && pread(pm, ent, n * 8, at) == (ssize_t)(n * 8);
        for (uint64_t i = 0; i < n; i++) {
            const uint8_t *s = src + o + i * PAGE;
            if (known && !(ent[i] >> 62)) continue; /* neither present nor swapped */
            if (memcmp(s, zero, PAGE) != 0) memcpy(dst + o + i * PAGE, s, PAGE);
        }
    }
    if (pm >= 0) close(pm);
}

/* The child's copy of region r by its spawn action; *skip when DROP. */
static int fork_region(const struct k_region *r, struct k_region *out, bool *skip)
{
    unsigned action = r->attr & SYM_SPAWN_MASK;
    uint64_t len = len_of(r);
    *out = *r;
    out->host_len = len;
    *skip = action == SYM_SPAWN_DROP;
    if (*skip) return 0;
    if (action == SYM_SPAWN_INHERIT && r->kind == K_REGION_FILE_SHARED) {
        void *m = mremap(r->host, 0, len, MREMAP_MAYMOVE);
        if (m != MAP_FAILED) {
            out->host = m;
            return 0;
        }
    }
    int rc = host_map(len, r->prot, K_REGION_ANON, -1, 0, &out->host);
    if (rc) return rc;
    if (action == SYM_SPAWN_REALLOC) {
        if (r->kind == K_REGION_FILE_SHARED || r->kind == K_REGION_FILE_PRIVATE) {
            out->kind = K_REGION_ANON;
            out->dev = out->ino = out->off = 0;
        }
        return 0;
    }
    copy_nonzero(out->host, r->host, len);
    if (r->kind == K_REGION_FILE_SHARED) out->kind = K_REGION_FILE_PRIVATE; /* a private copy */
    return 0;
}

int k_vm_fork(struct k_proc *parent, struct k_proc *child)
{
    struct k_vm *pv = &parent->vm, *cv = &child->vm;
    for (int i = 0; i < pv->n; i++) {
        struct k_region r;
        bool skip;
        int rc = fork_region(&pv->r[i], &r, &skip);
        if (!rc && !skip) {
            rc = insert_at(cv, cv->n, &r);
            if (rc) munmap(r.host, len_of(&r));
        }
        if (rc) {
            k_vm_free(child);
            return rc;
        }
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
    for (int i = 0; i < vm->n;) {
        if (vm->r[i].attr & SYM_EXEC_KEEP) {
            i++;
            continue;
        }
        munmap(vm->r[i].host, len_of(&vm->r[i]));
        remove_at(vm, i);
    }
    vm->brk_start = vm->brk_cur = 0;
    vm->mmap_base = K_MMAP_TOP;
    if (p->hart) rv_flush_all(p->hart);
}
