/*
 * sys_mem.c — the memory system calls (brk, mmap, munmap, mprotect, madvise,
 * msync, mremap). They check arguments the way Linux does and leave the work
 * to vm.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "interconnect/net.h"
#include "kernel/guest_abi.h"
#include "kernel/syscalls.h"
#include "symunix/abi.h"

#define PAGE RV_PAGE_SIZE

static unsigned to_rv_prot(uint64_t prot)
{
    return ((prot & PROT_READ) ? RV_PROT_R : 0) | ((prot & PROT_WRITE) ? RV_PROT_W : 0) |
           ((prot & PROT_EXEC) ? RV_PROT_X : 0);
}

static uint64_t page_up(uint64_t n)
{
    return (n + PAGE - 1) & ~(PAGE - 1);
}

/* Is [addr, addr+len) a valid page-aligned range of user space? */
static bool user_range(uint64_t addr, uint64_t len)
{
    return !(addr & (PAGE - 1)) && addr + len >= addr && addr + len <= K_USER_TOP;
}

/* brk(addr): returns the new break, or the current one when addr is 0 or the
 * change is impossible (as Linux; glibc detects failure by comparing). */
int64_t sys_brk(struct k_proc *p, const uint64_t a[6])
{
    if (a[0] == 0) return (int64_t)p->vm.brk_cur;
    return (int64_t)k_vm_set_brk(p, a[0]);
}

/* The region kind and host fd of an mmap request, or a negative errno. */
static int mmap_backing(struct k_proc *p, uint64_t flags, int fd, int *kind)
{
    bool shared = (flags & G_MAP_TYPE) != G_MAP_PRIVATE;
    if (flags & G_MAP_ANONYMOUS) {
        *kind = K_REGION_ANON;
        return -1;
    }
    int hostfd = k_fd_backing(p, fd);
    if (hostfd < 0) return hostfd;
    int fl = fcntl(hostfd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY) return -EACCES;
    *kind = shared ? K_REGION_FILE_SHARED : K_REGION_FILE_PRIVATE;
    return hostfd;
}

/* Where an mmap goes: the fixed address, the hint, or the top-down search. */
static int mmap_place(struct k_proc *p, uint64_t addr, uint64_t len, uint64_t flags, uint64_t *out)
{
    if (flags & (G_MAP_FIXED | G_MAP_FIXED_NOREPLACE)) {
        if (!user_range(addr, len) || addr < K_USER_MIN)
            return (addr & (PAGE - 1)) ? -EINVAL : -ENOMEM;
        if (!(flags & G_MAP_FIXED) && k_vm_any_mapped(&p->vm, addr, len)) return -EEXIST;
        *out = addr;
        return 0;
    }
    return k_vm_find_free(&p->vm, addr, len, out);
}

/* mmap(addr, len, prot, flags, fd, off) */
int64_t sys_mmap(struct k_proc *p, const uint64_t a[6])
{
    uint64_t addr = a[0], len = page_up(a[1]), prot = a[2], flags = a[3], off = a[5];
    uint64_t type = flags & G_MAP_TYPE;
    if (a[1] == 0 || (off & (PAGE - 1)) || (prot & ~(uint64_t)G_PROT_MASK)) return -EINVAL;
    if (type != G_MAP_SHARED && type != G_MAP_PRIVATE && type != G_MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (type == G_MAP_SHARED_VALIDATE && (flags & ~(uint64_t)G_MAP_KNOWN)) return -EOPNOTSUPP;
    if (len < a[1] || len > K_USER_TOP) return -ENOMEM;
    int kind = K_REGION_ANON;
    int hostfd = mmap_backing(p, flags, (int)a[4], &kind);
    if (hostfd < -1) return hostfd;
    uint64_t at;
    int rc = mmap_place(p, addr, len, flags, &at);
    if (!rc && (flags & G_MAP_FIXED)) rc = k_vm_unmap(p, at, len);
    if (!rc) rc = k_vm_map(p, at, len, to_rv_prot(prot), kind, hostfd, off);
    if (!rc && kind == K_REGION_ANON && type != G_MAP_PRIVATE) /* shared with fork children */
        rc = k_vm_set_attr(p, at, len, to_rv_prot(prot), SYM_SPAWN_MASK, SYM_SPAWN_INHERIT);
    return rc ? rc : (int64_t)at;
}

/* munmap(addr, len): any range, holes included. */
int64_t sys_munmap(struct k_proc *p, const uint64_t a[6])
{
    uint64_t len = page_up(a[1]);
    if (a[1] == 0 || len < a[1] || !user_range(a[0], len)) return -EINVAL;
    return k_vm_unmap(p, a[0], len);
}

/* mprotect(addr, len, prot): ENOMEM when part of the range is unmapped. */
int64_t sys_mprotect(struct k_proc *p, const uint64_t a[6])
{
    uint64_t len = page_up(a[1]);
    if ((a[0] & (PAGE - 1)) || (a[2] & ~(uint64_t)G_PROT_MASK) || len < a[1]) return -EINVAL;
    if (!user_range(a[0], len)) return -ENOMEM;
    if (len == 0) return 0;
    return k_vm_protect(p, a[0], len, to_rv_prot(a[2]));
}

/* madvise(addr, len, advice): DONTNEED and FREE drop pages (anonymous memory
 * reads back as zeros, as on Linux); every other advice is accepted. */
int64_t sys_madvise(struct k_proc *p, const uint64_t a[6])
{
    uint64_t len = page_up(a[1]);
    if ((a[0] & (PAGE - 1)) || len < a[1]) return -EINVAL;
    if (len == 0) return 0;
    if (!user_range(a[0], len) || !k_vm_all_mapped(&p->vm, a[0], len)) return -ENOMEM;
    if (a[2] != G_MADV_DONTNEED && a[2] != G_MADV_FREE) return 0;
    return k_vm_discard(p, a[0], len);
}

/* msync(addr, len, flags): writes the cache's dirty pages of shared file
 * mappings back (and fsyncs with MS_SYNC). */
/*
 * msync's part for global lsegs (blk.fn; a[0] the start, a[1] the length,
 * a[3] where the lsegs still to sync begin, a[4] 1 while a sync request is in
 * flight): each global lseg's segment is written back by every memory module
 * of every rank (k_net_sync_seg: the process's own requests and the node
 * cache's dirty lines first), one lseg after the other, the process asleep
 * meanwhile as for fsync. EIO when a module's write-back failed.
 */
static int64_t msync_global(struct k_proc *p, const uint64_t a[6])
{
    if (p->net.inflight) return K_BLOCK; /* woken early: its replies are due */
    if (a[4] && net_eng_sync_err(p->k->cfg.eng, (uint32_t)p->pid)) return -EIO;
    p->blk.a[4] = 0;
    for (uint64_t at = a[3], end = a[0] + a[1]; at < end;) {
        int i = k_vm_lookup(&p->vm, at);
        if (i < 0) return -ENOMEM; /* unmapped meanwhile by nobody: cannot happen */
        const struct k_region *r = &p->vm.r[i];
        if (!(r->attr & SYM_MEM_GLOBAL)) {
            at = r->end;
            continue;
        }
        int rc = k_net_sync_seg(p, r->gseg);
        if (rc < 0) return rc;
        p->blk.a[3] = rc == 0 ? r->end : at; /* 1: its own requests go first */
        p->blk.a[4] = rc == 0;
        p->net.pending = true; /* wakes with the last reply */
        return K_BLOCK;
    }
    return 0;
}

/* msync(addr, len, flags): the dirty pages of the shared file mappings in the
 * range reach their files; a global lseg's reach its file from every memory
 * module (msync_global). */
int64_t sys_msync(struct k_proc *p, const uint64_t a[6])
{
    uint64_t len = page_up(a[1]), flags = a[2];
    if ((a[0] & (PAGE - 1)) || (flags & ~(uint64_t)(G_MS_ASYNC | G_MS_INVALIDATE | G_MS_SYNC)) ||
        ((flags & G_MS_ASYNC) && (flags & G_MS_SYNC)) || len < a[1])
        return -EINVAL;
    if (!user_range(a[0], len) || !k_vm_all_mapped(&p->vm, a[0], len)) return -ENOMEM;
    int64_t rc = k_vm_sync(p, a[0], len, flags & G_MS_SYNC);
    if (rc || !p->k->cfg.eng) return rc;
    p->blk.fn = msync_global;
    p->blk.a[0] = a[0], p->blk.a[1] = len, p->blk.a[3] = a[0], p->blk.a[4] = 0;
    rc = msync_global(p, p->blk.a);
    if (rc != K_BLOCK) p->blk = (struct k_block){0};
    return rc;
}

/* mremap(old, oldlen, newlen, flags, new): shrink, grow in place, or move with
 * MREMAP_MAYMOVE; MREMAP_FIXED and DONTUNMAP are not supported (EINVAL). */
int64_t sys_mremap(struct k_proc *p, const uint64_t a[6])
{
    uint64_t oldlen = page_up(a[1]), newlen = page_up(a[2]);
    if ((a[0] & (PAGE - 1)) || (a[3] & ~(uint64_t)G_MREMAP_MAYMOVE) || newlen == 0 ||
        newlen < a[2] || oldlen < a[1])
        return -EINVAL;
    if (oldlen == 0 || !user_range(a[0], oldlen) || newlen > K_USER_TOP) return -EINVAL;
    return k_vm_remap(p, a[0], oldlen, newlen, a[3] & G_MREMAP_MAYMOVE);
}
