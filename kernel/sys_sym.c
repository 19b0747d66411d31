/*
 * sys_sym.c — the Symunix II memory calls of Table 1 of the 1988 paper: mapin,
 * mapout and mapctl change the caller's logical segments (lsegs, the regions of
 * vm.c); pinfo, pmemaddr and pmemvect describe a process and its lsegs. They
 * check arguments and leave the work to vm.c, as sys_mem.c does for mmap.
 * docs/symunix-calls.md is the manual.
 *
 * pinfo, pmemaddr and pmemvect describe any process of the caller's node.
 * Every lseg maps pages of its image file in the node's buffer cache (vm.c),
 * so writes through any mapping are seen by every other mapping of the file on
 * the node and by read(2). A global lseg (SYM_MEM_GLOBAL) is the exception:
 * its pages live in the memory modules (filled from the image file, written
 * back on fsync and at the job's end) and the hart's accesses go over the
 * network (gmem.c); global_ok gives it its segment id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interconnect/net.h"
#include "kernel/syscalls.h"
#include "shm/cache.h"
#include "shm/names.h"
#include "shm/store.h"
#include "symunix/abi.h"

#define PAGE RV_PAGE_SIZE

/* The attribute bits of a region other than protection, and the virtual ones. */
#define ATTR_ALL     (SYM_CACHE | SYM_SPAWN_MASK | SYM_EXEC_KEEP | SYM_MEM_GLOBAL | SYM_MEM_STRICT)
#define ATTR_VIRTUAL (SYM_CACHE | SYM_SPAWN_MASK | SYM_EXEC_KEEP)

static unsigned rv_prot_of(uint64_t flags)
{
    return ((flags & SYM_PROT_READ) ? RV_PROT_R : 0) | ((flags & SYM_PROT_WRITE) ? RV_PROT_W : 0) |
           ((flags & SYM_PROT_EXEC) ? RV_PROT_X : 0);
}

static unsigned sym_prot_of(unsigned prot)
{
    return ((prot & RV_PROT_R) ? SYM_PROT_READ : 0) | ((prot & RV_PROT_W) ? SYM_PROT_WRITE : 0) |
           ((prot & RV_PROT_X) ? SYM_PROT_EXEC : 0);
}

/* Are vaddr and size page-aligned and size non-zero? */
static bool aligned(uint64_t vaddr, uint64_t size)
{
    return size != 0 && !((vaddr | size) & (PAGE - 1));
}

/* Is [vaddr, vaddr+size) inside user space? */
static bool in_user(uint64_t vaddr, uint64_t size)
{
    return vaddr >= K_USER_MIN && vaddr + size > vaddr && vaddr + size <= K_USER_TOP;
}

/* The host fd behind an image-file descriptor, checked for mapin: a regular
 * file open for reading (and writing when `write`). Fills *st. */
static int image_fd(struct k_proc *p, int fd, bool write, struct stat *st)
{
    int hostfd = k_fd_backing(p, fd);
    if (hostfd < 0) return hostfd == -ENODEV ? hostfd : -EBADF; /* ENODEV: a host descriptor */
    if (fstat(hostfd, st) < 0) return -errno;
    if (S_ISDIR(st->st_mode)) return -EISDIR;
    if (!S_ISREG(st->st_mode)) return -ENODEV;
    int fl = fcntl(hostfd, F_GETFL);
    if (fl < 0) return -EBADF;
    if ((fl & O_ACCMODE) == O_WRONLY || (write && (fl & O_ACCMODE) != O_RDWR)) return -EACCES;
    return hostfd;
}

/* Grow the image file to cover [off, off+size) when it is writable and short
 * (a fresh empty file is the usual image file), through the node's cache so
 * that it knows the new pages are holes (zeros without I/O). A read-only
 * short file is left alone: the pages past its end read as zeros (vm.c). */
static int cover_image(struct k_proc *p, int hostfd, const struct stat *st, uint64_t end)
{
    int fl = fcntl(hostfd, F_GETFL);
    if ((uint64_t)st->st_size >= end || (fl & O_ACCMODE) != O_RDWR) return 0;
    int rc = k_vm_file_truncate(p->k, hostfd, end);
    if (rc == 1) rc = ftruncate(hostfd, (off_t)end) < 0 ? -errno : 0;
    return rc;
}

/*
 * Make the image file behind hostfd global memory up to byte `end`: its
 * segment id in *gseg (the store's registry: store_gseg_register). A lazy
 * anonymous file gets its store file first (the registry links it); the
 * node's dirty pages of the file are written to it, since the MMs fill pages
 * from the file. -EFBIG past the 2^40 bytes of a global segment, -ENODEV with
 * no network engine (a kernel made without one), or the registry's errno.
 */
static int global_ok(struct k_proc *p, int hostfd, uint64_t end, uint64_t *gseg)
{
    if (!p->k->cfg.eng) return -ENODEV;
    if (end > (1ull << NET_SEG_SHIFT)) return -EFBIG;
    int rc = store_names_anon_materialize(p->k->names, hostfd);
    if (rc < 0) return rc;
    k_vm_file_before_io(p->k, hostfd);
    rc = store_gseg_register(p->k->cfg.store, hostfd, gseg);
    if (rc == 0 && *gseg > NET_MAX_SEG) rc = -ENOSPC;
    return rc;
}

/* Give the regions of [vaddr, vaddr+size) global segment id gseg. */
static void set_gseg(struct k_proc *p, uint64_t vaddr, uint64_t size, uint64_t gseg)
{
    for (int i = k_vm_lookup(&p->vm, vaddr); i >= 0 && i < p->vm.n; i++) {
        if (p->vm.r[i].start >= vaddr + size) break;
        p->vm.r[i].gseg = gseg;
    }
}

/* mapin(vaddr, size, fd, off, flags): map [vaddr, vaddr+size) to the image file
 * fd at off, as a new lseg with the attributes in flags. */
int64_t sys_mapin(struct k_proc *p, const uint64_t a[6])
{
    uint64_t vaddr = a[0], size = a[1], off = a[3], flags = a[4];
    if (!aligned(vaddr, size) || (off & (PAGE - 1)) || (flags & ~(uint64_t)SYM_MAPIN_FLAGS))
        return -EINVAL;
    if (off + size < off || (int64_t)(off + size) < 0) return -EINVAL;
    if (!in_user(vaddr, size)) return -ENOMEM;
    if (k_vm_any_mapped(&p->vm, vaddr, size)) return -EEXIST;
    struct store_cache_image *vimg;
    uint64_t vino;
    int vfl, rc = k_fd_virtual(p, (int)a[2], &vimg, &vino, &vfl);
    if (rc < 0) return rc;
    /* A virtual anonymous file maps its lazy image with no host call; global
     * memory is named by the file's host identity, so it gets its file first
     * (image_fd below), which also keeps its data's one identity. */
    if (rc == 1 && !(flags & SYM_MEM_GLOBAL)) {
        if ((vfl & O_ACCMODE) == O_WRONLY ||
            ((flags & SYM_PROT_WRITE) && (vfl & O_ACCMODE) != O_RDWR))
            return -EACCES;
        rc = k_vm_map_image(p, vaddr, size, rv_prot_of(flags), ATTR_ALL, (unsigned)flags, vimg,
                            vino, off);
        if (!rc && (vfl & O_ACCMODE) == O_RDWR && store_cache_image_size(vimg) < off + size) {
            rc = store_cache_image_set_size(vimg, off + size); /* as cover_image */
            if (rc) k_vm_unmap(p, vaddr, size);
        }
        return rc;
    }
    struct stat st;
    int hostfd = image_fd(p, (int)a[2], flags & SYM_PROT_WRITE, &st);
    if (hostfd < 0) return hostfd;
    uint64_t gseg = 0;
    if (flags & SYM_MEM_GLOBAL) {
        int g = global_ok(p, hostfd, off + size, &gseg);
        if (g < 0 && (flags & SYM_MEM_STRICT)) return g;
        if (g < 0) flags &= ~(uint64_t)SYM_MEM_GLOBAL; /* local memory instead */
        if (fstat(hostfd, &st) < 0) return -errno;     /* materialized: a new identity */
    }
    rc = k_vm_map(p, vaddr, size, rv_prot_of(flags), K_REGION_FILE_SHARED, hostfd, off);
    if (!rc) rc = cover_image(p, hostfd, &st, off + size); /* the image is open now */
    if (!rc) rc = k_vm_set_attr(p, vaddr, size, rv_prot_of(flags), ATTR_ALL, (unsigned)flags);
    if (!rc && (flags & SYM_MEM_GLOBAL)) set_gseg(p, vaddr, size, gseg);
    if (rc) k_vm_unmap(p, vaddr, size);
    return rc;
}

/* mapout(vaddr, size): unmap any page-aligned range; EINVAL when it holds no
 * mapped page. */
int64_t sys_mapout(struct k_proc *p, const uint64_t a[6])
{
    uint64_t vaddr = a[0], size = a[1];
    if (!aligned(vaddr, size) || !in_user(vaddr, size)) return -EINVAL;
    if (!k_vm_any_mapped(&p->vm, vaddr, size)) return -EINVAL;
    return k_vm_unmap(p, vaddr, size);
}

/* mapctl(vaddr, size, flags): set protection and virtual attributes of a fully
 * mapped range (splitting lsegs at its ends); ENOMEM over a hole. */
int64_t sys_mapctl(struct k_proc *p, const uint64_t a[6])
{
    uint64_t vaddr = a[0], size = a[1], flags = a[2];
    if (!aligned(vaddr, size) || (flags & ~(uint64_t)SYM_MAPCTL_FLAGS)) return -EINVAL;
    if (!in_user(vaddr, size) || !k_vm_all_mapped(&p->vm, vaddr, size)) return -ENOMEM;
    return k_vm_set_attr(p, vaddr, size, rv_prot_of(flags), ATTR_VIRTUAL, (unsigned)flags);
}

/* pinfo's state numbers (symunix/abi.h). */
static int32_t pinfo_state(const struct k_proc *t)
{
    switch (t->state) {
    case K_RUNNING: return 1;
    case K_SLEEPING: return 2;
    case K_ZOMBIE: return 3;
    default: return 0;
    }
}

static uint32_t lseg_kind(int kind)
{
    switch (kind) {
    case K_REGION_ANON: return SYM_LSEG_ANON;
    case K_REGION_FILE_SHARED:
    case K_REGION_FILE_PRIVATE: return SYM_LSEG_FILE;
    case K_REGION_STACK: return SYM_LSEG_STACK;
    case K_REGION_BRK: return SYM_LSEG_BRK;
    case K_REGION_TEXT: return SYM_LSEG_TEXT;
    default: return SYM_LSEG_OTHER;
    }
}

/* Describe region r as the guest sees an lseg. */
static void lseg_info(const struct k_region *r, struct sym_lseg_info *out)
{
    memset(out, 0, sizeof *out);
    out->vaddr = r->start;
    out->size = r->end - r->start;
    out->flags = sym_prot_of(r->prot) | r->attr;
    out->kind = lseg_kind(r->kind);
    out->offset = r->off;
    out->dev = r->dev;
    out->ino = r->ino;
}

/* pinfo's answer about t. */
static void pinfo_fill(const struct k_proc *t, struct sym_pinfo *info)
{
    memset(info, 0, sizeof *info);
    info->pid = t->pid;
    info->ppid = t->ppid;
    info->pgid = t->pgid;
    info->node = t->k ? t->k->cfg.node : 0;
    info->state = pinfo_state(t);
    info->family = t->family;
    info->index = t->family_index;
    info->nlsegs = t->vm.n;
    for (int i = 0; i < t->vm.n; i++)
        info->vsize += t->vm.r[i].end - t->vm.r[i].start;
    if (t->hart) {
        struct rv_stats s;
        rv_get_stats(t->hart, &s);
        info->instret = s.instret;
    }
    memcpy(info->name, t->exe, strnlen(t->exe, sizeof info->name - 1)); /* info is zeroed */
}

/* pmemvect's answer: the number of lsegs, then the first `arg` of them. */
struct vect_answer {
    int64_t n;
    struct sym_lseg_info lseg[];
};

int k_info_local(struct k_kernel *k, int kind, int pid, uint64_t arg, void **out, size_t *len)
{
    struct k_proc *t = k_proc_find(k, pid); /* zombies included: they have no lsegs */
    bool ids = kind == K_INFO_IDS || kind == K_INFO_SETPGID;
    if (!t || (ids && t->state == K_ZOMBIE)) return -ESRCH;
    if (kind == K_INFO_SETPGID) {
        int rc = k_setpgid_here(t, (int32_t)(uint32_t)arg, (arg & K_SETPGID_EXISTS) != 0);
        if (rc) return rc;
    }
    size_t size = sizeof(struct sym_pinfo);
    uint64_t fit = 0;
    int i = -1;
    if (kind == K_INFO_PMEMADDR) {
        if ((i = k_vm_lookup(&t->vm, arg)) < 0) return -ENOENT;
        size = sizeof(struct sym_lseg_info);
    } else if (kind == K_INFO_PMEMVECT) {
        fit = arg < (uint64_t)t->vm.n ? arg : (uint64_t)t->vm.n;
        size = sizeof(struct vect_answer) + fit * sizeof(struct sym_lseg_info);
    } else if (ids) {
        size = sizeof(struct k_ids);
    } else if (kind != K_INFO_PINFO) {
        return -EINVAL;
    }
    void *ans = calloc(1, size);
    if (!ans) return -ENOMEM;
    if (ids) {
        *(struct k_ids *)ans = (struct k_ids){.pgid = t->pgid, .sid = t->sid};
    } else if (kind == K_INFO_PINFO) {
        pinfo_fill(t, ans);
    } else if (kind == K_INFO_PMEMADDR) {
        lseg_info(&t->vm.r[i], ans);
    } else {
        struct vect_answer *v = ans;
        v->n = t->vm.n;
        for (uint64_t j = 0; j < fit; j++)
            lseg_info(&t->vm.r[j], &v->lseg[j]);
    }
    *out = ans;
    *len = size;
    return 0;
}

int64_t k_info_get(struct k_proc *p, int kind, uint64_t pid, uint64_t arg, void **ans, size_t *len)
{
    if (pid == 0) pid = (uint64_t)p->pid;
    if (pid > INT32_MAX) return -ESRCH;
    if (!k_pid_remote(p->k, (int)pid)) return k_info_local(p->k, kind, (int)pid, arg, ans, len);
    if (!p->rpc.id) {
        int rc = k_remote_info(p, kind, (int)pid, arg);
        return rc ? rc : K_BLOCK;
    }
    if (p->rpc.waiting > 0) return K_BLOCK;
    int64_t rc = p->rpc.ret;
    *ans = p->rpc.data;
    *len = p->rpc.len;
    p->rpc.data = NULL;
    k_rpc_end(p);
    return rc;
}

/* pinfo(pid, buf): fixed-size information about a process of any node. */
int64_t sys_pinfo(struct k_proc *p, const uint64_t a[6])
{
    void *ans = NULL;
    size_t len = 0;
    int64_t rc = k_info_get(p, K_INFO_PINFO, a[0], 0, &ans, &len);
    if (rc) return rc;
    rc = len == sizeof(struct sym_pinfo) ? k_copyout(p, a[1], ans, len) : -EIO;
    free(ans);
    return rc;
}

/* pmemaddr(pid, buf, vaddr): the lseg holding vaddr; ENOENT when none does. */
int64_t sys_pmemaddr(struct k_proc *p, const uint64_t a[6])
{
    void *ans = NULL;
    size_t len = 0;
    int64_t rc = k_info_get(p, K_INFO_PMEMADDR, a[0], a[2], &ans, &len);
    if (rc) return rc;
    rc = len == sizeof(struct sym_lseg_info) ? k_copyout(p, a[1], ans, len) : -EIO;
    free(ans);
    return rc;
}

/* pmemvect(pid, buf, size): as many whole lseg descriptions as fit in size
 * bytes, in address order; returns the number of lsegs. */
int64_t sys_pmemvect(struct k_proc *p, const uint64_t a[6])
{
    void *ans = NULL;
    size_t len = 0;
    int64_t rc =
        k_info_get(p, K_INFO_PMEMVECT, a[0], a[2] / sizeof(struct sym_lseg_info), &ans, &len);
    if (rc) return rc;
    const struct vect_answer *v = ans;
    size_t fit = len >= sizeof *v ? (len - sizeof *v) / sizeof v->lseg[0] : 0;
    rc = len >= sizeof *v ? v->n : -EIO;
    if (fit && k_copyout(p, a[1], v->lseg, fit * sizeof v->lseg[0])) rc = -EFAULT;
    free(ans);
    return rc;
}
