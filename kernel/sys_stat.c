/*
 * sys_stat.c — what a name or a descriptor says about its file: fstat,
 * newfstatat, statx (virtual files answered from their k_file), faccessat,
 * faccessat2 and readlinkat; the guest's struct stat, whose riscv64 layout
 * differs from the host's and is converted.
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "shm/cache.h"
#include "shm/store.h"

/* Guest struct stat (asm-generic, 128 bytes): differs from x86_64's. */
struct g_stat {
    uint64_t dev, ino;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev, pad1;
    int64_t size;
    int32_t blksize, pad2;
    int64_t blocks;
    int64_t atime;
    uint64_t atime_nsec;
    int64_t mtime;
    uint64_t mtime_nsec;
    int64_t ctime;
    uint64_t ctime_nsec;
    uint32_t unused4, unused5;
};
_Static_assert(sizeof(struct g_stat) == 128, "riscv64 struct stat is 128 bytes");

_Static_assert(sizeof(struct statx) == 256, "struct statx is 256 bytes everywhere");

/* ---- Status ---------------------------------------------------------------- */

static int stat_to_guest(const struct stat *s, struct g_stat *g)
{
    memset(g, 0, sizeof *g);
    g->dev = s->st_dev;
    g->ino = s->st_ino;
    g->mode = s->st_mode;
    g->nlink = (uint32_t)s->st_nlink;
    if (g->nlink != s->st_nlink) return -EOVERFLOW;
    g->uid = s->st_uid;
    g->gid = s->st_gid;
    g->rdev = s->st_rdev;
    g->size = s->st_size;
    g->blksize = (int32_t)s->st_blksize;
    g->blocks = s->st_blocks;
    g->atime = s->st_atim.tv_sec;
    g->atime_nsec = (uint64_t)s->st_atim.tv_nsec;
    g->mtime = s->st_mtim.tv_sec;
    g->mtime_nsec = (uint64_t)s->st_mtim.tv_nsec;
    g->ctime = s->st_ctim.tv_sec;
    g->ctime_nsec = (uint64_t)s->st_ctim.tv_nsec;
    return 0;
}

/* fstat host fd h into the guest's struct stat at gbuf. */
static int64_t stat_out(struct k_proc *p, int h, uint64_t gbuf)
{
    struct stat sb;
    struct g_stat gs;
    if (fstat(h, &sb) < 0) return -errno;
    int e = stat_to_guest(&sb, &gs);
    if (e < 0) return e;
    return k_copyout(p, gbuf, &gs, sizeof gs);
}

/* The host's effective ids (read once): the owner a virtual file shows. */
static void host_ids(struct k_kernel *k)
{
    if (!k->ids_known) {
        k->uid_v = geteuid();
        k->gid_v = getegid();
        k->ids_known = 1;
    }
}

/* fstat of a virtual anonymous file: what its host file would show, less
 * the inode number (node-unique) and the device (0 while its pages are only
 * in memory, else that of the file of the store they were evicted to). */
static int64_t stat_virtual(struct k_proc *p, const struct k_file *f, uint64_t gbuf)
{
    struct g_stat gs;
    struct stat st;
    memset(&gs, 0, sizeof gs);
    host_ids(p->k);
    if (store_cache_image_file_stat(f->vimg, &st) == 0) gs.dev = st.st_dev;
    gs.ino = f->vino;
    gs.mode = S_IFREG | (uint32_t)f->vmode;
    gs.nlink = 1;
    gs.uid = p->k->uid_v;
    gs.gid = p->k->gid_v;
    gs.size = (int64_t)store_cache_image_size(f->vimg);
    gs.blksize = 4096;
    gs.atime = gs.mtime = gs.ctime = f->vtime;
    return k_copyout(p, gbuf, &gs, sizeof gs);
}

/* statx of a virtual anonymous file: the same fields as stat_virtual. */
static void statx_virtual(struct k_kernel *k, const struct k_file *f, struct statx *sx)
{
    struct stat st;
    memset(sx, 0, sizeof *sx);
    host_ids(k);
    if (store_cache_image_file_stat(f->vimg, &st) == 0) {
        sx->stx_dev_major = major(st.st_dev);
        sx->stx_dev_minor = minor(st.st_dev);
    }
    sx->stx_mask = STATX_BASIC_STATS & ~STATX_BTIME;
    sx->stx_blksize = 4096;
    sx->stx_nlink = 1;
    sx->stx_uid = k->uid_v;
    sx->stx_gid = k->gid_v;
    sx->stx_mode = (uint16_t)(S_IFREG | f->vmode);
    sx->stx_ino = f->vino;
    sx->stx_size = store_cache_image_size(f->vimg);
    sx->stx_atime.tv_sec = sx->stx_mtime.tv_sec = sx->stx_ctime.tv_sec = f->vtime;
}

int64_t sys_fstat(struct k_proc *p, const uint64_t a[6])
{
    struct k_file *f = k_file_peek(p, (int)a[0]);
    if (f && f->vimg) return stat_virtual(p, f, a[1]);
    int err;
    f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    return stat_out(p, f->hostfd, a[1]);
}

/* The file a stat-like call names: (dirfd, path) honouring AT_EMPTY_PATH and
 * AT_SYMLINK_NOFOLLOW. Returns a host fd (close it if *owned) or -errno. */
static int stat_target(struct k_proc *p, int dirfd, uint64_t gpath, int flags, int *owned)
{
    char g[PATH_MAX] = "";
    int empty_ok = !!(flags & G_AT_EMPTY_PATH);
    int e = (gpath == 0 && empty_ok) ? 0 : k_at_path(p, dirfd, gpath, g, empty_ok);
    if (e < 0) return e;
    return k_at_target(p, dirfd, g, flags & G_AT_SYMLINK_NOFOLLOW, owned);
}

/* The virtual anonymous file a stat-like call names with AT_EMPTY_PATH and
 * an empty (or NULL) path, else NULL (the call then goes the host way). */
static struct k_file *stat_virtual_target(struct k_proc *p, int dirfd, uint64_t gpath, int flags)
{
    char c[2];
    struct k_file *f = k_file_peek(p, dirfd);
    if (!(flags & G_AT_EMPTY_PATH) || !f || !f->vimg) return NULL;
    if (gpath && (k_copyin_str(p, c, gpath, sizeof c) < 0 || c[0])) return NULL;
    return f;
}

int64_t sys_newfstatat(struct k_proc *p, const uint64_t a[6])
{
    int dirfd = (int)a[0], flags = (int)a[3];
    if (flags & ~(G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH | G_AT_NO_AUTOMOUNT)) return -EINVAL;
    struct k_file *vf = stat_virtual_target(p, dirfd, a[1], flags);
    if (vf) return stat_virtual(p, vf, a[2]);
    int owned, h = stat_target(p, dirfd, a[1], flags, &owned);
    if (h < 0) return h;
    int64_t r = stat_out(p, h, a[2]);
    k_path_release(h, owned);
    return r;
}

int64_t sys_statx(struct k_proc *p, const uint64_t a[6])
{
    int dirfd = (int)a[0], flags = (int)a[2];
    if (flags &
            ~(G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH | G_AT_NO_AUTOMOUNT | G_AT_STATX_SYNC_TYPE) ||
        (flags & G_AT_STATX_SYNC_TYPE) == G_AT_STATX_SYNC_TYPE)
        return -EINVAL;
    struct statx sx;
    struct k_file *vf = stat_virtual_target(p, dirfd, a[1], flags);
    if (vf) {
        statx_virtual(p->k, vf, &sx);
        return k_copyout(p, a[4], &sx, sizeof sx);
    }
    int owned, h = stat_target(p, dirfd, a[1], flags, &owned);
    if (h < 0) return h;
    int hflags = AT_EMPTY_PATH | (flags & (G_AT_STATX_SYNC_TYPE | G_AT_NO_AUTOMOUNT));
    int64_t r = statx(h, "", hflags, (unsigned)a[3], &sx) < 0 ? -errno : 0;
    k_path_release(h, owned);
    if (r == 0) r = k_copyout(p, a[4], &sx, sizeof sx);
    return r;
}

static int64_t access_at(struct k_proc *p, int dirfd, uint64_t gpath, int mode, int flags)
{
    if (flags & ~(G_AT_EACCESS | G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH)) return -EINVAL;
    if (mode & ~7) return -EINVAL;
    char g[PATH_MAX];
    int e = k_at_path(p, dirfd, gpath, g, flags & G_AT_EMPTY_PATH);
    if (e < 0) return e;
    int owned, h = k_at_target(p, dirfd, g, flags & G_AT_SYMLINK_NOFOLLOW, &owned);
    if (h < 0) return h;
    int hflags = AT_EMPTY_PATH | (flags & G_AT_EACCESS ? AT_EACCESS : 0);
    int64_t r = syscall(SYS_faccessat2, h, "", mode, hflags) < 0 ? -errno : 0;
    k_path_release(h, owned);
    return r;
}

int64_t sys_faccessat(struct k_proc *p, const uint64_t a[6])
{
    return access_at(p, (int)a[0], a[1], (int)a[2], 0);
}

int64_t sys_faccessat2(struct k_proc *p, const uint64_t a[6])
{
    return access_at(p, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

int64_t sys_readlinkat(struct k_proc *p, const uint64_t a[6])
{
    int dirfd = (int)a[0];
    int size = (int)a[3];
    if (size <= 0) return -EINVAL;
    char g[PATH_MAX], norm[PATH_MAX];
    int e = k_at_path(p, dirfd, a[1], g, dirfd != G_AT_FDCWD);
    if (e < 0) return e;
    if (g[0] && store_path_norm("/", g, norm, sizeof norm) == 0 &&
        strcmp(norm, "/proc/self/exe") == 0) {
        size_t n = strlen(p->exe);
        n = n < (size_t)size ? n : (size_t)size;
        return k_copyout(p, a[2], p->exe, n) < 0 ? -EFAULT : (int64_t)n;
    }
    int owned, h = k_at_target(p, dirfd, g, 1, &owned);
    if (h < 0) return h;
    uint8_t *bounce = p->k->bounce;
    size_t want = (size_t)size < K_BOUNCE_SIZE ? (size_t)size : K_BOUNCE_SIZE;
    ssize_t n = readlinkat(h, "", (char *)bounce, want);
    int64_t r = n < 0 ? -errno : n;
    struct stat sb;
    if (r == -ENOENT && g[0] && fstat(h, &sb) == 0 && !S_ISLNK(sb.st_mode))
        r = -EINVAL; /* a named non-link; "" on the fd itself stays ENOENT */
    k_path_release(h, owned);
    if (n > 0 && k_copyout(p, a[2], bounce, (uint64_t)n) < 0) r = -EFAULT;
    return r;
}
