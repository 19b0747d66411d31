/*
 * sys_names.c — calls that change names and attributes: mkdirat, unlinkat,
 * symlinkat, linkat, renameat2, fchmodat, truncate, utimensat, and by
 * descriptor ftruncate and fchmod (refused on host descriptors). Every name
 * is made inside the store root through sys_path.c's helpers.
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "shm/store.h"

_Static_assert(sizeof(struct timespec) == 16, "timespec is two 64-bit words");

int64_t sys_ftruncate(struct k_proc *p, const uint64_t a[6])
{
    int e = k_host_refuses(p, (int)a[0], -EPERM);
    if (e) return e;
    if ((int64_t)a[1] < 0) return k_file_peek(p, (int)a[0]) ? -EINVAL : -EBADF;
    return k_fd_host_op(p, (int)a[0], 2, a[1]);
}

int64_t sys_fchmod(struct k_proc *p, const uint64_t a[6])
{
    int e = k_host_refuses(p, (int)a[0], -EPERM);
    if (e) return e;
    return k_fd_host_op(p, (int)a[0], 3, a[1]);
}

/* ---- Changing names -------------------------------------------------------- */

/* Guest path of (dirfd, gaddr), then its parent dir fd and last name. */
static int at_parent(struct k_proc *p, int dirfd, uint64_t gaddr, char *last, int *slash)
{
    char g[PATH_MAX];
    int e = k_at_path(p, dirfd, gaddr, g, 0);
    if (e < 0) return e;
    return store_path_parent(k_store_of(p), g, last, NAME_MAX + 1, slash);
}

/* What creating "name/" (a non-directory) gives on Linux: EEXIST or ENOENT. */
static int slash_create_error(int pfd, const char *last)
{
    struct stat sb;
    return fstatat(pfd, last, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? -EEXIST : -ENOENT;
}

int64_t sys_mkdirat(struct k_proc *p, const uint64_t a[6])
{
    char last[NAME_MAX + 1];
    int pfd = at_parent(p, (int)a[0], a[1], last, NULL);
    if (pfd < 0) return pfd;
    int r = mkdirat(pfd, last, (mode_t)(a[2] & 07777)) < 0 ? -errno : 0;
    close(pfd);
    return r;
}

int64_t sys_unlinkat(struct k_proc *p, const uint64_t a[6])
{
    int flags = (int)a[2];
    if (flags & ~G_AT_REMOVEDIR) return -EINVAL;
    char last[NAME_MAX + 1];
    int slash;
    int pfd = at_parent(p, (int)a[0], a[1], last, &slash);
    if (pfd < 0) return pfd;
    int r;
    struct stat sb;
    if (slash && !(flags & G_AT_REMOVEDIR)) /* unlink("x/"): Linux never follows x */
        r = fstatat(pfd, last, &sb, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
            : S_ISDIR(sb.st_mode)                            ? -EISDIR
                                                             : -ENOTDIR;
    else
        r = unlinkat(pfd, last, flags & G_AT_REMOVEDIR ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
    close(pfd);
    return r;
}

int64_t sys_symlinkat(struct k_proc *p, const uint64_t a[6])
{
    char target[PATH_MAX], last[NAME_MAX + 1];
    int e = k_copyin_str(p, target, a[0], sizeof target);
    if (e < 0) return e;
    if (target[0] == '\0') return -ENOENT;
    int slash;
    int pfd = at_parent(p, (int)a[1], a[2], last, &slash);
    if (pfd < 0) return pfd;
    /* The target is stored verbatim: it is only ever followed inside the root. */
    int r = slash ? slash_create_error(pfd, last) : symlinkat(target, pfd, last) < 0 ? -errno : 0;
    close(pfd);
    return r;
}

/* linkat of the file behind O_PATH fd h (the name is not looked up again). */
static int link_fd(int h, int npfd, const char *nlast)
{
    char src[64];
    k_path_procfd(src, sizeof src, h);
    return linkat(AT_FDCWD, src, npfd, nlast, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

int64_t sys_linkat(struct k_proc *p, const uint64_t a[6])
{
    int odirfd = (int)a[0], flags = (int)a[4];
    if (flags & ~(G_AT_SYMLINK_FOLLOW | G_AT_EMPTY_PATH)) return -EINVAL;
    char g[PATH_MAX], olast[NAME_MAX + 1], nlast[NAME_MAX + 1];
    int e = k_at_path(p, odirfd, a[1], g, flags & G_AT_EMPTY_PATH);
    if (e < 0) return e;
    int nslash, npfd = at_parent(p, (int)a[2], a[3], nlast, &nslash);
    if (npfd < 0) return npfd;
    int r, owned, h, oslash = g[0] && g[strlen(g) - 1] == '/';
    if (nslash) {
        r = slash_create_error(npfd, nlast);
    } else if (g[0] == '\0' && (r = k_host_refuses(p, odirfd, -EXDEV)) != 0) {
        /* a host object gets no name inside the root */
    } else if (g[0] == '\0') { /* AT_EMPTY_PATH: the descriptor's file */
        r = h = k_at_target(p, odirfd, g, 0, &owned);
        if (h >= 0) {
            r = link_fd(h, npfd, nlast);
            k_path_release(h, owned);
        }
    } else if ((flags & G_AT_SYMLINK_FOLLOW) || oslash) {
        r = h = store_path_lookup(k_store_of(p), g, 0);
        if (h >= 0) {
            r = link_fd(h, npfd, nlast);
            close(h);
        }
    } else { /* the last name itself, never followed */
        r = h = store_path_parent(k_store_of(p), g, olast, sizeof olast, NULL);
        if (h >= 0) {
            r = linkat(h, olast, npfd, nlast, 0) < 0 ? -errno : 0;
            close(h);
        }
    }
    close(npfd);
    return r;
}

static int64_t rename_at(struct k_proc *p, const uint64_t a[6], unsigned flags)
{
    char olast[NAME_MAX + 1], nlast[NAME_MAX + 1];
    int oslash, nslash;
    int opfd = at_parent(p, (int)a[0], a[1], olast, &oslash);
    if (opfd < 0) return opfd;
    int npfd = at_parent(p, (int)a[2], a[3], nlast, &nslash);
    if (npfd < 0) {
        close(opfd);
        return npfd;
    }
    int r = 0;
    struct stat sb;
    if (oslash || nslash) /* "x/" names must be directories; x is not followed */
        r = fstatat(opfd, olast, &sb, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
            : S_ISDIR(sb.st_mode)                              ? 0
                                                               : -ENOTDIR;
    if (r == 0) r = syscall(SYS_renameat2, opfd, olast, npfd, nlast, flags) < 0 ? -errno : 0;
    close(opfd);
    close(npfd);
    return r;
}

int64_t sys_renameat2(struct k_proc *p, const uint64_t a[6])
{
    return rename_at(p, a, (unsigned)a[4]);
}

/* ---- Changing attributes by name ------------------------------------------- */

/* Resolve (dirfd, path) strictly in the root, following, for chmod/truncate. */
static int lookup_follow(struct k_proc *p, int dirfd, uint64_t gaddr)
{
    char g[PATH_MAX];
    int e = k_at_path(p, dirfd, gaddr, g, 0);
    if (e < 0) return e;
    return store_path_lookup(k_store_of(p), g, 0);
}

int64_t sys_fchmodat(struct k_proc *p, const uint64_t a[6])
{
    int h = lookup_follow(p, (int)a[0], a[1]);
    if (h < 0) return h;
    char src[64];
    k_path_procfd(src, sizeof src, h);
    int r = chmod(src, (mode_t)(a[2] & 07777)) < 0 ? -errno : 0;
    close(h);
    return r;
}

int64_t sys_truncate(struct k_proc *p, const uint64_t a[6])
{
    if ((int64_t)a[1] < 0) return -EINVAL;
    int h = lookup_follow(p, G_AT_FDCWD, a[0]);
    if (h < 0) return h;
    char src[64];
    k_path_procfd(src, sizeof src, h);
    int r = k_vm_file_before_truncate(p->k, h, a[1]); /* copy-on-write mappers keep theirs */
    if (!r) r = truncate(src, (off_t)a[1]) < 0 ? -errno : 0;
    if (!r) k_vm_file_truncated(p->k, h);
    close(h);
    return r;
}

int64_t sys_utimensat(struct k_proc *p, const uint64_t a[6])
{
    int dirfd = (int)a[0], flags = (int)a[3];
    if (flags & ~(G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH)) return -EINVAL;
    struct timespec ts[2], *tp = NULL;
    if (a[2]) {
        if (k_copyin(p, ts, a[2], sizeof ts) < 0) return -EFAULT;
        tp = ts;
    }
    char g[PATH_MAX] = "";
    if (a[1]) {
        int e = k_at_path(p, dirfd, a[1], g, flags & G_AT_EMPTY_PATH);
        if (e < 0) return e;
    }
    if (g[0] == '\0') { /* NULL or empty name: the descriptor itself */
        int e = k_host_refuses(p, dirfd, -EPERM);
        if (e) return e;
        int err;
        struct k_file *f = k_file_get(p, dirfd, &err);
        if (!f) return dirfd == G_AT_FDCWD ? -EFAULT : -EBADF;
        return futimens(f->hostfd, tp) < 0 ? -errno : 0;
    }
    char last[NAME_MAX + 1];
    int slash, r;
    if (flags & G_AT_SYMLINK_NOFOLLOW) {
        int pfd = store_path_parent(k_store_of(p), g, last, sizeof last, &slash);
        if (pfd < 0) return pfd;
        if (!slash) {
            r = utimensat(pfd, last, tp, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
            close(pfd);
            return r;
        }
        close(pfd); /* "x/" follows x after all */
    }
    int h = store_path_lookup(k_store_of(p), g, 0);
    if (h < 0) return h;
    char src[64];
    k_path_procfd(src, sizeof src, h);
    r = utimensat(AT_FDCWD, src, tp, 0) < 0 ? -errno : 0;
    close(h);
    return r;
}
