/*
 * sys_open.c — calls that make, copy and end descriptors: openat (with
 * SYM_O_ANON's lazy anonymous files, also made through a directory
 * descriptor), close, dup, dup3, fcntl (flags, locks, Symunix II close
 * actions), ioctl and pipe2; the guest's open flags and the host's. Every
 * open of a regular file is recorded in the node's struct store_names, so the
 * last close applies the file's close action (docs/store.md, shm/names.h).
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "shm/cache.h"
#include "shm/names.h"
#include "shm/store.h"
#include "symunix/abi.h"

/* Guest open(2) flag bits and the host bits they stand for. The values agree
 * today (x86_64 and riscv64 both use asm-generic), but the mapping is spelt
 * out so a host with other values stays correct. O_ACCMODE is copied as is. */
static const struct {
    int guest, host;
} oflag_map[] = {
    {0100, O_CREAT},
    {0200, O_EXCL},
    {0400, O_NOCTTY},
    {01000, O_TRUNC},
    {02000, O_APPEND},
    {04000, O_NONBLOCK},
    {010000, O_DSYNC},
    {020000, O_ASYNC},
    {040000, O_DIRECT},
    {0100000, HOST_O_LARGEFILE},
    {0200000, O_DIRECTORY},
    {0400000, O_NOFOLLOW},
    {01000000, O_NOATIME},
    {02000000, O_CLOEXEC},
    {04000000, O_SYNC & ~O_DSYNC},
    {010000000, O_PATH},
    {020000000, __O_TMPFILE},
};

_Static_assert(sizeof(struct flock) == 32 && offsetof(struct flock, l_start) == 8 &&
                   offsetof(struct flock, l_len) == 16 && offsetof(struct flock, l_pid) == 24,
               "struct flock matches the asm-generic 64-bit layout");

/* ---- Flags ----------------------------------------------------------------- */

/* Guest open/F_SETFL flags to host; unknown bits are dropped, as open(2) does. */
static int oflags_to_host(int g)
{
    int h = g & G_O_ACCMODE;
    for (size_t i = 0; i < sizeof oflag_map / sizeof oflag_map[0]; i++)
        if (g & oflag_map[i].guest) h |= oflag_map[i].host;
    return h;
}

static int oflags_to_guest(int h)
{
    int g = h & O_ACCMODE;
    for (size_t i = 0; i < sizeof oflag_map / sizeof oflag_map[0]; i++)
        if (oflag_map[i].host && (h & oflag_map[i].host) == oflag_map[i].host)
            g |= oflag_map[i].guest;
    return g;
}

/* ---- Descriptors: open, close, dup, fcntl, ioctl, pipe --------------------- */

/* The close action (SYM_O_DEL*, or 0) that open flags or an fcntl argument
 * ask for: at most one of the three, else -EINVAL. */
static int close_action_of(int bits)
{
    int action = bits & SYM_O_CLOSE_ACTIONS;
    return (action & (action - 1)) ? -EINVAL : action;
}

/* SYM_O_ANON's access mode and flags: write access, not O_PATH/O_TMPFILE. */
static int anon_flags_ok(int gflags)
{
    int acc = gflags & G_O_ACCMODE;
    if (acc != G_O_WRONLY && acc != G_O_RDWR) return -EINVAL;
    return (gflags & (G_O_PATH | G_O_TMPFILE)) ? -EINVAL : 0;
}

/*
 * A virtual anonymous file in directory d (checked inside the root by the
 * caller), installed as a new descriptor. Its pages, written back only if
 * evicted, go to an unnamed file in that directory: an owned d.fd goes to
 * the image, a lent one (with its identity) is shared through the cache's
 * directory list (dup'ed once per directory). O_RDONLY is refused (nothing
 * could ever be written to it). The C library passes open's mode argument
 * only with O_CREAT (or O_TMPFILE), so the mode is taken with O_CREAT and is
 * 0666 (less the umask) otherwise.
 */
static int64_t anon_new(struct k_proc *p, const struct store_dircache_dir *d, int gflags,
                        mode_t mode, int action)
{
    struct k_file *f = k_file_new(p->k, -1, NULL);
    int r = !f || !p->k->cache ? -ENOMEM
            : d->owned
                ? store_cache_image_new_lazy_at(p->k->cache, d->fd, 0, &f->vimg)
                : store_cache_image_new_lazy_id(p->k->cache, d->fd, d->dev, d->ino, 0, &f->vimg);
    if (r < 0) {
        k_file_free(p->k, f);
        if (d->owned) close(d->fd);
        return r;
    }
    mode = (gflags & G_O_CREAT) ? mode & 07777 : 0666; /* see above */
    f->image = 1;
    f->close_action = action;
    f->vdirfd = store_cache_image_dir_fd(f->vimg);
    f->vmode = (int)(mode & ~k_cur_umask(p->k));
    f->vflags = ((gflags & G_O_ACCMODE) == G_O_WRONLY ? O_WRONLY : O_RDWR) | HOST_O_LARGEFILE |
                ((gflags & G_O_APPEND) ? O_APPEND : 0) | ((gflags & G_O_NONBLOCK) ? O_NONBLOCK : 0);
    f->vino = (1ull << 63) | ++p->k->vino_last;
    f->vtime = time(NULL);
    f->vnext = p->k->vfiles;
    if (p->k->vfiles) p->k->vfiles->vprev = f;
    p->k->vfiles = f;
    int fd = k_fd_install(p, 0, f, !!(gflags & G_O_CLOEXEC));
    if (fd < 0) k_file_put(p->k, f);
    return fd;
}

/*
 * open(dir, SYM_O_ANON | access, mode): a lazy anonymous file in directory g,
 * unnamed until fdname, getdents of g or a keeping close action names it.
 */
static int64_t open_anon(struct k_proc *p, const char *g, int gflags, mode_t mode, int action)
{
    int r = anon_flags_ok(gflags);
    if (r < 0) return r;
    /* The directory must exist inside the root and be one (ENOENT, ENOTDIR;
     * EACCES when a component cannot be searched): store_dircache_open answers as
     * an O_PATH open of it would (no read permission on the directory itself
     * is asked), from the store's directory cache when the path has not
     * changed since (one non-blocking inotify read), else by the walk. The
     * file itself is virtual. */
    struct store_dircache_dir d;
    if ((r = store_dircache_open(k_store_of(p), g, &d)) < 0) return r;
    return anon_new(p, &d, gflags, mode, action);
}

/* Does relative name `name` denote its directory itself: ".", then only "/"
 * and "." components ("./", "./.", ".//.")? */
static int names_dir_itself(const char *name)
{
    if (name[0] != '.') return 0;
    for (const char *c = name; *c; c++)
        if (*c == '.' && c[1] != '/' && c[1] != '\0')
            return 0; /* "..", ".x" */
        else if (*c != '.' && *c != '/')
            return 0;
    return 1;
}

/*
 * openat(dirfd, ".", SYM_O_ANON | access, mode): the anonymous file goes in
 * the directory open at dirfd, the inode the descriptor names (Linux's
 * O_TMPFILE idiom), with no path and no host call: that directory was found
 * inside the root when it was opened, and whatever a host process did to it
 * since, the file gets a name only where store_path_of_dir finds it inside the
 * root at that time (docs/store.md, "Creating through a directory
 * descriptor"). Errors as for the path form: EBADF, ENOTDIR (dirfd is not a
 * directory), EINVAL (flags).
 */
static int64_t open_anon_at(struct k_proc *p, int dirfd, int gflags, mode_t mode, int action)
{
    struct k_file *df = k_file_peek(p, dirfd);
    if (!df) return -EBADF;
    if (!df->dirpath) return -ENOTDIR;
    int r = anon_flags_ok(gflags);
    if (r < 0) return r;
    if (df->dino == 0) { /* not known at its open (a shipped descriptor): once */
        struct stat sb;
        if (fstat(df->hostfd, &sb) < 0) return -errno;
        df->ddev = sb.st_dev;
        df->dino = sb.st_ino;
    }
    struct store_dircache_dir d = {
        .fd = df->hostfd, .dev = (dev_t)df->ddev, .ino = (ino_t)df->dino};
    return anon_new(p, &d, gflags, mode, action);
}

/* Install host fd h, just opened from guest path g: a directory keeps its
 * guest path, a regular file is recorded as an image file with `action`. */
static int64_t open_install(struct k_proc *p, int h, const char *g, int gflags, int action)
{
    int cloexec = !!(gflags & G_O_CLOEXEC);
    struct stat sb;
    if (fstat(h, &sb) < 0) {
        close(h);
        return -errno;
    }
    if (S_ISREG(sb.st_mode)) {
        int e = store_names_file_open(p->k->names, h, NULL, k_store_action(action));
        if (e < 0) {
            close(h);
            return e;
        }
        return k_fd_new_image(p, h, action, cloexec);
    }
    /* Only an O_PATH or read-only open can yield a directory. */
    char *dirpath = NULL;
    if (((gflags & G_O_PATH) || (gflags & G_O_ACCMODE) == 0) && S_ISDIR(sb.st_mode) &&
        !(dirpath = k_dir_path(p, h, g))) {
        close(h);
        return -ENOMEM;
    }
    int fd = k_fd_new(p, h, dirpath, cloexec);
    if (fd >= 0 && dirpath) { /* what open_anon_at needs, without a host call */
        p->fd[fd].f->ddev = sb.st_dev;
        p->fd[fd].f->dino = sb.st_ino;
    }
    free(dirpath);
    return fd;
}

/* Symunix bits (SYM_O_*) never reach the host: oflags_to_host drops them. */
int64_t sys_openat(struct k_proc *p, const uint64_t a[6])
{
    char name[PATH_MAX], g[PATH_MAX];
    int gflags = (int)a[2], dirfd = (int)a[0];
    int action = close_action_of(gflags);
    if (action < 0) return action;
    int e = k_copyin_str(p, name, a[1], sizeof name);
    if (e < 0) return e;
    if ((gflags & SYM_O_ANON) && dirfd != G_AT_FDCWD && names_dir_itself(name))
        return open_anon_at(p, dirfd, gflags, (mode_t)a[3], action);
    if ((e = k_at_name(p, dirfd, name, g, 0)) < 0) return e;
    if (gflags & SYM_O_ANON) return open_anon(p, g, gflags, (mode_t)a[3], action);
    int hflags = oflags_to_host(gflags);
    if (hflags & O_TRUNC) { /* copy-on-write mappers of the file keep their pages (vm.c) */
        int t = store_path_open(k_store_of(p), g, O_PATH | (hflags & O_NOFOLLOW), 0);
        e = t >= 0 ? k_vm_file_before_truncate(p->k, t, 0) : 0;
        if (t >= 0) close(t);
        if (e < 0) return e;
    }
    int64_t hr = k_fifo_open(p, k_store_of(p), g, hflags, (mode_t)a[3]); /* a FIFO waits */
    if (hr < 0) return hr;
    int h = (int)hr;
    if (hflags & O_TRUNC) k_vm_file_truncated(p->k, h);
    int64_t fd = open_install(p, h, g, gflags, action);
    char norm[PATH_MAX]; /* the test store_path_open made: a passed-through device */
    if (fd >= 0 && store_path_norm("/", g, norm, sizeof norm) == 0 && store_path_device(norm))
        p->fd[fd].f->host = 1;
    return fd;
}

int64_t sys_close(struct k_proc *p, const uint64_t a[6])
{
    int fd = (int)a[0];
    if (!k_file_peek(p, fd)) return -EBADF;
    return k_fd_clear(p, fd);
}

int64_t sys_dup(struct k_proc *p, const uint64_t a[6])
{
    struct k_file *f = k_file_peek(p, (int)a[0]);
    if (!f) return -EBADF;
    int fd = k_fd_install(p, 0, f, 0);
    if (fd >= 0) f->refs++;
    return fd;
}

int64_t sys_dup3(struct k_proc *p, const uint64_t a[6])
{
    int oldfd = (int)a[0], newfd = (int)a[1], flags = (int)a[2];
    if (flags & ~G_O_CLOEXEC) return -EINVAL;
    if (oldfd == newfd) return -EINVAL;
    struct k_file *f = k_file_peek(p, oldfd);
    if (!f || newfd < 0 || newfd >= K_NFILE) return -EBADF;
    f->refs++;
    if (p->fd[newfd].f) k_fd_clear(p, newfd); /* Linux ignores the close error here */
    p->fd[newfd].f = f;
    p->fd[newfd].cloexec = !!(flags & G_O_CLOEXEC);
    return newfd;
}

/* How often a waiting lock call tries again (fcntl_lock). */
#define LOCK_RETRY_NS 2000000ull

/*
 * fcntl lock commands: struct flock has the same layout on host and guest.
 * A lock that waits (F_SETLKW, F_OFD_SETLKW) is never passed through: the
 * host call would hold the whole node, and a host signal, until the lock is
 * free (forever in a deadlock, or when the holder is a process of the same
 * node that can no longer run). It is tried without waiting instead; while
 * the lock is held elsewhere the process sleeps and tries again every
 * LOCK_RETRY_NS, and a signal interrupts the wait as on Linux (restarted
 * under SA_RESTART). Unlike Linux no deadlock is reported (EDEADLK).
 */
static int64_t fcntl_lock(struct k_proc *p, int h, int cmd, uint64_t garg)
{
    static const int host_cmd[] = {
        [G_F_GETLK] = F_GETLK, [G_F_SETLK] = F_SETLK, [G_F_SETLKW] = F_SETLK};
    struct flock fl;
    if (k_copyin(p, &fl, garg, sizeof fl) < 0) return -EFAULT;
    int hc = cmd <= G_F_SETLKW ? host_cmd[cmd] : cmd == G_F_OFD_GETLK ? F_OFD_GETLK : F_OFD_SETLK;
    if (fcntl(h, hc, &fl) < 0) {
        int e = errno;
        if ((cmd != G_F_SETLKW && cmd != G_F_OFD_SETLKW) || (e != EAGAIN && e != EACCES)) return -e;
        if (k_signal_interrupts(p)) return K_ERESTART;
        p->blk.deadline = k_now_ns() + LOCK_RETRY_NS;
        return K_BLOCK;
    }
    if ((cmd == G_F_GETLK || cmd == G_F_OFD_GETLK) && k_copyout(p, garg, &fl, sizeof fl) < 0)
        return -EFAULT;
    return 0;
}

/* fcntl(fd, SYM_F_SETCLOSE, action): replace the close action of an image
 * file (0 or one SYM_O_DEL* flag). -EINVAL for anything else. */
static int64_t fcntl_setclose(struct k_proc *p, struct k_file *f, uint64_t arg)
{
    if (!f->image || arg > INT32_MAX || (arg & ~(uint64_t)SYM_O_CLOSE_ACTIONS)) return -EINVAL;
    int action = close_action_of((int)arg);
    if (action < 0) return action;
    if (f->vimg) { /* its record is made when it gets a host file */
        f->close_action = action;
        return 0;
    }
    int r = store_names_file_setaction(p->k->names, f->hostfd, k_store_action(action));
    if (r == 0) f->close_action = action;
    return r;
}

/* The commands a virtual anonymous file answers itself (-1: not one). */
static int64_t fcntl_virtual(struct k_file *f, int cmd, uint64_t arg)
{
    /* What F_SETFL may change on Linux; the rest of arg is ignored. */
    const int settable = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK;
    int h;
    switch (cmd) {
    case G_F_GETFL: return oflags_to_guest(f->vflags);
    case G_F_SETFL:
        h = oflags_to_host((int)arg) & settable;
        if (h & ~(O_APPEND | O_NONBLOCK)) return -1; /* the host file decides */
        f->vflags = (f->vflags & ~settable) | h;
        return 0;
    default: return -1;
    }
}

int64_t sys_fcntl(struct k_proc *p, const uint64_t a[6])
{
    int fd = (int)a[0], cmd = (int)a[1];
    struct k_file *f = k_file_peek(p, fd);
    if (!f) return -EBADF;
    int r;
    if (f->host && ((cmd >= G_F_GETLK && cmd <= G_F_SETLKW) ||
                    (cmd >= G_F_OFD_GETLK && cmd <= G_F_OFD_SETLKW)))
        return -ENOLCK; /* a host object's locks are the host's */
    if (f->host && cmd == G_F_SETPIPE_SZ) return -EPERM;
    switch (cmd) { /* the commands that need no host file */
    case G_F_DUPFD:
    case G_F_DUPFD_CLOEXEC:
    case G_F_GETFD:
    case G_F_SETFD:
    case SYM_F_GETCLOSE:
    case SYM_F_SETCLOSE: break;
    default:
        if (f->vimg && (r = (int)fcntl_virtual(f, cmd, a[2])) != -1) return r;
        int err;
        if (!(f = k_file_get(p, fd, &err))) return err;
    }
    switch (cmd) {
    case G_F_DUPFD:
    case G_F_DUPFD_CLOEXEC:
        if (a[2] >= K_NFILE) return -EINVAL;
        r = k_fd_install(p, (int)a[2], f, cmd == G_F_DUPFD_CLOEXEC);
        if (r >= 0) f->refs++;
        return r;
    case G_F_GETFD: return p->fd[fd].cloexec ? G_FD_CLOEXEC : 0;
    case G_F_SETFD: p->fd[fd].cloexec = !!(a[2] & G_FD_CLOEXEC); return 0;
    case G_F_GETFL: r = fcntl(f->hostfd, F_GETFL); return r < 0 ? -errno : oflags_to_guest(r);
    case G_F_SETFL:
        r = fcntl(f->hostfd, F_SETFL, oflags_to_host((int)a[2]));
        return r < 0 ? -errno : 0;
    case G_F_GETLK:
    case G_F_SETLK:
    case G_F_SETLKW:
    case G_F_OFD_GETLK:
    case G_F_OFD_SETLK:
    case G_F_OFD_SETLKW: return fcntl_lock(p, f->hostfd, cmd, a[2]);
    case G_F_GETPIPE_SZ:
    case G_F_SETPIPE_SZ:
        r = fcntl(f->hostfd, cmd == G_F_GETPIPE_SZ ? F_GETPIPE_SZ : F_SETPIPE_SZ, (int)a[2]);
        return r < 0 ? -errno : r;
    case SYM_F_GETCLOSE: return f->image ? f->close_action : -EINVAL;
    case SYM_F_SETCLOSE: return fcntl_setclose(p, f, a[2]);
    default: return -EINVAL;
    }
}

/* An ioctl whose argument is `size` bytes the host fills (get) or reads (set). */
static int64_t ioctl_bytes(struct k_proc *p, int h, unsigned long req, uint64_t garg, size_t size,
                           int get)
{
    uint8_t buf[64] = {0};
    if (!get && k_copyin(p, buf, garg, size) < 0) return -EFAULT;
    if (ioctl(h, req, buf) < 0) return -errno;
    if (get && k_copyout(p, garg, buf, size) < 0) return -EFAULT;
    return 0;
}

int64_t sys_ioctl(struct k_proc *p, const uint64_t a[6])
{
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    int h = f->hostfd;
    unsigned req = (unsigned)a[1];
    if (f->host && (req == G_TCSETS || req == G_TCSETSW || req == G_TCSETSF))
        return -EPERM; /* the user's terminal is not the guest's to change */
    switch (req) {
    case G_TCGETS: return ioctl_bytes(p, h, TCGETS, a[2], G_TERMIOS_SIZE, 1);
    case G_TCSETS: return ioctl_bytes(p, h, TCSETS, a[2], G_TERMIOS_SIZE, 0);
    case G_TCSETSW: return ioctl_bytes(p, h, TCSETSW, a[2], G_TERMIOS_SIZE, 0);
    case G_TCSETSF: return ioctl_bytes(p, h, TCSETSF, a[2], G_TERMIOS_SIZE, 0);
    case G_TIOCGWINSZ: return ioctl_bytes(p, h, TIOCGWINSZ, a[2], G_WINSIZE_SIZE, 1);
    case G_FIONREAD: return ioctl_bytes(p, h, FIONREAD, a[2], sizeof(int), 1);
    default: return -ENOTTY;
    }
}

int64_t sys_pipe2(struct k_proc *p, const uint64_t a[6])
{
    int flags = (int)a[1];
    if (flags & ~(G_O_CLOEXEC | G_O_NONBLOCK | G_O_DIRECT)) return -EINVAL;
    int h[2];
    if (pipe2(h, oflags_to_host(flags) | O_CLOEXEC) < 0) return -errno;
    int cloexec = !!(flags & G_O_CLOEXEC);
    int fds[2] = {k_fd_new(p, h[0], NULL, cloexec), -1};
    if (fds[0] < 0) {
        close(h[1]);
        return fds[0];
    }
    fds[1] = k_fd_new(p, h[1], NULL, cloexec);
    int e = fds[1] < 0 ? fds[1] : k_copyout(p, a[0], fds, sizeof fds);
    if (e < 0) {
        k_fd_clear(p, fds[0]);
        if (fds[1] >= 0) k_fd_clear(p, fds[1]);
        return e;
    }
    return 0;
}
