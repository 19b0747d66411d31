/*
 * sys_file.c — the guest's descriptors, current directory and file system
 * calls, served on the host with Linux riscv64 semantics.
 *
 * A guest fd names a struct k_file that owns one host fd; dup'ed descriptors
 * share it. Guest path names become guest absolute path strings (joined with
 * the cwd or a directory fd's path) and are resolved inside the store root by
 * shm/store.c only; nothing here resolves a guest path on the host directly.
 * Guest memory is reached only through k_copyin/k_copyout, with a bounce
 * buffer for data; structures whose riscv64 layout differs from the host's
 * (struct stat) are converted, the rest are checked equal by static asserts.
 *
 * Image files (docs/store.md, shm/image.h): every open of a regular file is
 * recorded in the node's struct store_names, so the last close applies the
 * file's close action (an abnormal end marks the files on every node);
 * SYM_O_ANON creates a lazy anonymous file; getdents names the directory's
 * anonymous files first, every node's (remote.c); "@name/rest" paths go through
 * the process's reference directories in at_path, the one place where a
 * guest path is made absolute.
 *
 * Virtual anonymous files: SYM_O_ANON gives a k_file with no host file at
 * all (hostfd -1), only a lazy image of the node's cache (vimg), its
 * directory and the flags and close action its host file will get. mapin
 * maps that image directly; mapout, ftruncate, fstat, close, dup, fork, pdup
 * and the fcntl flag and close-action commands are served from the k_file.
 * Every other call gets its k_file through file_get, which materializes a
 * virtual one first (store_anon_create_in, then the image adopts the new file),
 * so no call site ever sees hostfd -1; file_peek is for the few that do not
 * need a host file.
 *
 * Host descriptors (k_file.host: the standard descriptors inherited from the
 * host, the passed-through devices) are read, written and stat'ed, never
 * changed, named, listed or mapped: host_refuses answers at the top of each
 * call that would (docs/store.md, "Host descriptors", decides every call).
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "interconnect/net.h"
#include "kernel/guest_abi.h"
#include "kernel/internal.h"
#include "shm/cache.h"
#include "shm/image.h"
#include "shm/store.h"
#include "symunix/abi.h"

/* The kernel's O_LARGEFILE: glibc on x86_64 defines O_LARGEFILE as 0. */
#define HOST_O_LARGEFILE 0100000

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

/* Layouts that the host shares with riscv64, so bytes are passed unchanged. */
struct g_iovec {
    uint64_t base, len;
};
_Static_assert(sizeof(struct flock) == 32 && offsetof(struct flock, l_start) == 8 &&
                   offsetof(struct flock, l_len) == 16 && offsetof(struct flock, l_pid) == 24,
               "struct flock matches the asm-generic 64-bit layout");
_Static_assert(sizeof(struct statx) == 256, "struct statx is 256 bytes everywhere");
_Static_assert(sizeof(struct timespec) == 16, "timespec is two 64-bit words");

/* Data passes through the node's bounce buffer (k->bounce, K_BOUNCE_SIZE
 * bytes): one per node, the node is single-threaded. */
#define BOUNCE_SIZE K_BOUNCE_SIZE

/* ---- Descriptor table ------------------------------------------------------ */

/* The k_file of fd, as it is: may be virtual (hostfd -1). */
static struct k_file *file_peek(struct k_proc *p, int64_t fd)
{
    if (fd < 0 || fd >= K_NFILE) return NULL;
    return p->fd[fd].f;
}

/*
 * Host descriptors (docs/store.md, "Host descriptors"): the standard
 * descriptors inherited from the host and the passed-through devices may be
 * read, written and stat'ed, never changed, named, listed or mapped. A call
 * that would do so on fd answers err; 0 when fd is no host descriptor (or
 * no descriptor: the call's own EBADF follows).
 */
static int host_refuses(struct k_proc *p, int64_t fd, int err)
{
    struct k_file *f = file_peek(p, fd);
    return f && f->host ? err : 0;
}

/* ---- Virtual anonymous files ------------------------------------------------ */

/* The node's virtual files are listed in k->vfiles; k->umask_v caches the
 * host umask, k->uid_v and k->gid_v the host's effective ids. */
static mode_t cur_umask(struct k_kernel *k)
{
    if (!k->umask_known) {
        k->umask_v = umask(0);
        umask(k->umask_v);
        k->umask_known = 1;
    }
    return k->umask_v;
}

static void vlist_del(struct k_kernel *k, struct k_file *f)
{
    if (f->vprev)
        f->vprev->vnext = f->vnext;
    else
        k->vfiles = f->vnext;
    if (f->vnext) f->vnext->vprev = f->vprev;
    f->vnext = f->vprev = NULL;
}

/* Forget virtual f's image and directory (f itself is the caller's). */
static void virt_drop(struct k_kernel *k, struct k_file *f)
{
    store_image_close(f->vimg); /* a lazy image: its pages go, nothing is written */
    vlist_del(k, f);
    f->vimg = NULL;
    f->vdirfd = -1;
}

static int store_action(int action);
static int reopen_wronly(int h);

/*
 * Give virtual f its host file: the existing anonymous-file path
 * (store_anon_create_in: a memory file recorded in the node's names, one open
 * for this k_file), opened with f's access and status flags; the lazy image
 * then adopts it, so that every mapper keeps the same pages and the file is
 * found by identity from now on. 0 (also when f is not virtual) or a
 * negative errno (f stays virtual).
 */
static int file_materialize(struct k_kernel *k, struct k_file *f)
{
    if (!f->vimg) return 0;
    int h =
        store_anon_create_in(k->names, f->vdirfd, (mode_t)f->vmode, store_action(f->close_action));
    if (h < 0) return h;
    int w = h, r = 0;
    if ((f->vflags & O_ACCMODE) == O_WRONLY && (w = reopen_wronly(h)) < 0) r = w;
    if (!r && fcntl(w, F_SETFL, f->vflags & (O_APPEND | O_NONBLOCK)) < 0) r = -errno;
    if (!r) r = store_image_adopt(f->vimg, h); /* last: it cannot be undone */
    if (r < 0) {
        /* The record goes without its close action: the file was never named. */
        if (w >= 0 && w != h) close(w);
        store_file_setaction(k->names, h, 0);
        store_file_close(k->names, h);
        close(h);
        return r;
    }
    if (w != h) close(h); /* w's record is h's: same file */
    if (f->vabnormal) store_file_abnormal(k->names, w);
    struct store_image *img = f->vimg;
    f->vimg = NULL;
    f->vdirfd = -1; /* the image's: it went with the adoption */
    vlist_del(k, f);
    f->hostfd = w;
    k_vm_park_image(k, img); /* f's reference: kept until the file's last close */
    return 0;
}

/* The k_file of fd with a host file (a virtual one is materialized): what
 * every call that uses f->hostfd goes through. NULL: *err says why (-EBADF,
 * or why the virtual file could not get its host file). */
static struct k_file *file_get(struct k_proc *p, int64_t fd, int *err)
{
    struct k_file *f = file_peek(p, fd);
    *err = -EBADF;
    if (f && f->vimg) {
        int r = file_materialize(p->k, f);
        if (r < 0) {
            *err = r;
            return NULL;
        }
    }
    return f;
}

/* Before the directory (dev, ino) is listed: its virtual files become host
 * files (store_dir_materialize then names them). */
static void materialize_dir(struct k_kernel *k, uint64_t dev, uint64_t ino)
{
    struct stat v;
    for (struct k_file *f = k->vfiles, *next; f; f = next) {
        next = f->vnext;
        if (fstat(f->vdirfd, &v) == 0 && v.st_dev == dev && v.st_ino == ino)
            file_materialize(k, f);
    }
}

void k_files_name_dir(struct k_kernel *k, uint64_t dev, uint64_t ino)
{
    materialize_dir(k, dev, ino);
    store_dir_materialize_id(k->names, (dev_t)dev, (ino_t)ino);
}

int k_fd_virtual(struct k_proc *p, int fd, struct store_image **img, uint64_t *ino, int *flags)
{
    struct k_file *f = file_peek(p, fd);
    if (!f) return -EBADF;
    if (!f->vimg) return 0;
    *img = f->vimg;
    *ino = f->vino;
    *flags = f->vflags;
    return 1;
}

/* Open file descriptions come and go at every open and close of a virtual
 * anonymous file: a few freed ones are kept (k->file_spares, shm/cache.h). */
static struct k_file *file_alloc(struct k_kernel *k)
{
    return store_spare_get(&k->file_spares);
}

static void file_free(struct k_kernel *k, struct k_file *f)
{
    store_spare_put(&k->file_spares, f);
}

/* Drop one reference; the last records the image file's close (which may
 * apply its close action) and closes the host fd. 0 or the host's close error. */
static int file_put(struct k_kernel *k, struct k_file *f)
{
    struct store_names *names = k->names;
    if (--f->refs > 0) return 0;
    if (f->vimg && store_close_keeps(store_action(f->close_action), f->vabnormal))
        file_materialize(k, f); /* kept: the names layer names it below */
    if (f->vimg) {              /* never named: nothing remains */
        virt_drop(k, f);
        file_free(k, f);
        return 0;
    }
    if (f->image) { /* the fd is gone either way; a parked image goes too (vm.c) */
        int gone = store_file_close(names, f->hostfd) == 1;
        k_vm_file_closed(k, f->hostfd, gone);
    }
    int r = close(f->hostfd) < 0 ? -errno : 0;
    free(f->dirpath);
    file_free(k, f);
    return r == -EINTR ? 0 : r; /* Linux: the fd is gone either way */
}

/* Put f (a reference the caller gives up) in the lowest free slot >= minfd. */
static int fd_install(struct k_proc *p, int minfd, struct k_file *f, int cloexec)
{
    for (int i = minfd; i < K_NFILE; i++) {
        if (!p->fd[i].f) {
            p->fd[i].f = f;
            p->fd[i].cloexec = cloexec;
            return i;
        }
    }
    return -EMFILE;
}

/* A new open file description of hostfd (one reference), or NULL. */
static struct k_file *file_new(struct k_kernel *k, int hostfd, const char *dirpath)
{
    struct k_file *f = file_alloc(k);
    if (!f || (dirpath && !(f->dirpath = strdup(dirpath)))) {
        file_free(k, f);
        return NULL;
    }
    f->hostfd = hostfd;
    f->refs = 1;
    return f;
}

/* Wrap a new host fd in a k_file and install it; closes hostfd on failure. */
static int fd_new(struct k_proc *p, int hostfd, const char *dirpath, int cloexec)
{
    struct k_file *f = file_new(p->k, hostfd, dirpath);
    if (!f) {
        close(hostfd);
        return -ENOMEM;
    }
    int fd = fd_install(p, 0, f, cloexec);
    if (fd < 0) file_put(p->k, f);
    return fd;
}

/* Same for an image file whose open is already recorded in the node's
 * store_names, with close action `action` (SYM_O_DEL* or 0); on failure the
 * close is recorded and hostfd closed. */
static int fd_new_image(struct k_proc *p, int hostfd, int action, int cloexec)
{
    struct k_file *f = file_new(p->k, hostfd, NULL);
    if (!f) {
        store_file_close(p->k->names, hostfd);
        close(hostfd);
        return -ENOMEM;
    }
    f->image = 1;
    f->close_action = action;
    int fd = fd_install(p, 0, f, cloexec);
    if (fd < 0) file_put(p->k, f);
    return fd;
}

/* Free slot fd (which must be in use). */
static int fd_clear(struct k_proc *p, int fd)
{
    struct k_file *f = p->fd[fd].f;
    p->fd[fd].f = NULL;
    p->fd[fd].cloexec = 0;
    return file_put(p->k, f);
}

/* mmap and mapin of a host descriptor: ENODEV, as Linux for a file that
 * cannot be mapped (its pages would become an image file of the node). */
int k_fd_host(struct k_proc *p, int fd)
{
    int err;
    struct k_file *f = file_get(p, fd, &err);
    return f ? f->hostfd : err;
}

int k_fd_backing(struct k_proc *p, int fd)
{
    int e = host_refuses(p, fd, -ENODEV);
    return e ? e : k_fd_host(p, fd);
}

/*
 * Also binds "@image" to the root "/": the initial process has no image
 * directory of its own, and the root is the one directory every process of
 * the store shares; fork and spawn children inherit the binding by copy.
 */
int k_files_init(struct k_proc *p)
{
    strcpy(p->cwd, "/");
    store_refdirs_init(&p->refdirs);
    for (int i = 0; i < 3; i++) {
        /* A private dup: the guest closing 0-2 must not close ours. */
        int h = fcntl(i, F_DUPFD_CLOEXEC, 3);
        if (h < 0) continue; /* the host had no such fd: neither has the guest */
        struct k_file *f = calloc(1, sizeof *f);
        if (!f) {
            close(h);
            return -ENOMEM;
        }
        f->hostfd = h;
        f->refs = 1;
        f->host = 1;
        p->fd[i].f = f;
        p->fd[i].cloexec = 0;
    }
    return store_mkrefdir(p->k->cfg.store, &p->refdirs, "/", STORE_REFNAME_IMAGE);
}

void k_files_close_all(struct k_proc *p)
{
    for (int i = 0; i < K_NFILE; i++)
        if (p->fd[i].f) fd_clear(p, i);
    store_refdirs_clear(&p->refdirs);
}

/* Also tells every other node about the files that have a name (only those
 * can be open there: a descriptor travels by its path), so that the close
 * action sees the abnormal end wherever the last close happens. */
void k_files_abnormal(struct k_proc *p)
{
    uint64_t ids[2 * K_NFILE];
    size_t n = 0;
    struct stat st;
    for (int i = 0; i < K_NFILE; i++) {
        struct k_file *f = p->fd[i].f;
        if (f && f->vimg) {
            f->vabnormal = 1;
        } else if (f && f->image) {
            store_file_abnormal(p->k->names, f->hostfd);
            if (fstat(f->hostfd, &st) == 0 && st.st_nlink > 0) {
                ids[2 * n] = (uint64_t)st.st_dev;
                ids[2 * n + 1] = (uint64_t)st.st_ino;
                n++;
            }
        }
    }
    k_remote_abnormal(p->k, ids, n);
}

void k_files_close_on_exec(struct k_proc *p)
{
    for (int i = 0; i < K_NFILE; i++)
        if (p->fd[i].f && p->fd[i].cloexec) fd_clear(p, i);
}

int k_files_fork(struct k_proc *child, const struct k_proc *parent)
{
    for (int i = 0; i < K_NFILE; i++) {
        child->fd[i] = parent->fd[i];
        if (child->fd[i].f) child->fd[i].f->refs++;
    }
    strcpy(child->cwd, parent->cwd);
    return store_refdirs_copy(&child->refdirs, &parent->refdirs);
}

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

/* ---- Guest path names ---------------------------------------------------- */

static struct store *store_of(struct k_proc *p)
{
    return p->k->cfg.store;
}

/*
 * Turn (dirfd, guest name) into a guest absolute path in out
 * (PATH_MAX). An empty name gives -ENOENT unless allow_empty, in which case
 * out is "" and the caller operates on dirfd itself. A name starting with '@'
 * is a reference-directory path "@name/rest" (dirfd ignored, as for an
 * absolute name): the refdir's current guest path joined with rest, which
 * store.c then resolves inside the root like any other path.
 */
static int at_name(struct k_proc *p, int dirfd, const char *name, char *out, int allow_empty)
{
    if (name[0] == '\0') {
        out[0] = '\0';
        return allow_empty ? 0 : -ENOENT;
    }
    if (name[0] == '@')
        return store_refdir_path(store_of(p), &p->refdirs, p->cwd, name, out, PATH_MAX);
    const char *base = p->cwd;
    if (name[0] != '/' && dirfd != G_AT_FDCWD) {
        struct k_file *f = file_peek(p, dirfd);
        if (!f) return -EBADF;
        if (!f->dirpath) return -ENOTDIR;
        base = f->dirpath;
    }
    return store_path_join(base, name, out, PATH_MAX);
}

/* at_name of the guest string at gaddr. */
static int at_path(struct k_proc *p, int dirfd, uint64_t gaddr, char *out, int allow_empty)
{
    char name[PATH_MAX];
    int e = k_copyin_str(p, name, gaddr, sizeof name);
    return e < 0 ? e : at_name(p, dirfd, name, out, allow_empty);
}

/*
 * A host fd for what an *at call with AT_EMPTY_PATH or a path names. With an
 * empty path it is dirfd's own host fd (*owned = 0) or the cwd; else the path
 * is opened O_PATH (following the last name unless nofollow).
 */
static int at_target(struct k_proc *p, int dirfd, const char *g, int nofollow, int *owned)
{
    *owned = 1;
    if (g[0] == '\0' && dirfd != G_AT_FDCWD) {
        int err;
        struct k_file *f = file_get(p, dirfd, &err);
        if (!f) return err;
        *owned = 0;
        return f->hostfd;
    }
    const char *path = g[0] ? g : p->cwd;
    return store_path_open(store_of(p), path, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
}

static void release(int hostfd, int owned)
{
    if (owned) close(hostfd);
}

/* The guest path of a directory just opened as host fd h from guest path g. */
static char *dir_path(struct k_proc *p, int h, const char *g)
{
    char real[PATH_MAX];
    if (store_path_of_fd(store_of(p), h, real, sizeof real) < 0 &&
        store_path_norm("/", g, real, sizeof real) < 0)
        return NULL;
    return strdup(real);
}

/* "/proc/self/fd/N" for host fd h: reaches an O_PATH fd's file on the host. */
static void proc_fd(char *buf, size_t len, int h)
{
    snprintf(buf, len, "/proc/self/fd/%d", h);
}

/* ---- Descriptors: open, close, dup, fcntl, ioctl, pipe --------------------- */

/* The close action (SYM_O_DEL*, or 0) that open flags or an fcntl argument
 * ask for: at most one of the three, else -EINVAL. */
static int close_action_of(int bits)
{
    int action = bits & SYM_O_CLOSE_ACTIONS;
    return (action & (action - 1)) ? -EINVAL : action;
}

/* SYM_O_DEL* to the store's STORE_DELETE_* (0 stays 0). */
static int store_action(int action)
{
    return action == SYM_O_DELCLOSE         ? STORE_DELETE_ON_LAST_CLOSE
           : action == SYM_O_DELNOTABNORMAL ? STORE_DELETE_UNLESS_ABNORMAL
           : action == SYM_O_DELABNORMAL    ? STORE_DELETE_IF_ABNORMAL
                                            : 0;
}

/* Host fd h (read/write) reopened write-only; h is kept. */
static int reopen_wronly(int h)
{
    char src[64];
    proc_fd(src, sizeof src, h);
    int r = open(src, O_WRONLY | O_CLOEXEC);
    return r < 0 ? -errno : r;
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
static int64_t anon_new(struct k_proc *p, const struct store_dir *d, int gflags, mode_t mode,
                        int action)
{
    struct k_file *f = file_new(p->k, -1, NULL);
    int r = !f || !p->k->cache ? -ENOMEM
            : d->owned         ? store_image_new_lazy_at(p->k->cache, d->fd, 0, &f->vimg)
                       : store_image_new_lazy_id(p->k->cache, d->fd, d->dev, d->ino, 0, &f->vimg);
    if (r < 0) {
        file_free(p->k, f);
        if (d->owned) close(d->fd);
        return r;
    }
    mode = (gflags & G_O_CREAT) ? mode & 07777 : 0666; /* see above */
    f->image = 1;
    f->close_action = action;
    f->vdirfd = store_image_dir_fd(f->vimg);
    f->vmode = (int)(mode & ~cur_umask(p->k));
    f->vflags = ((gflags & G_O_ACCMODE) == G_O_WRONLY ? O_WRONLY : O_RDWR) | HOST_O_LARGEFILE |
                ((gflags & G_O_APPEND) ? O_APPEND : 0) | ((gflags & G_O_NONBLOCK) ? O_NONBLOCK : 0);
    f->vino = (1ull << 63) | ++p->k->vino_last;
    f->vtime = time(NULL);
    f->vnext = p->k->vfiles;
    if (p->k->vfiles) p->k->vfiles->vprev = f;
    p->k->vfiles = f;
    int fd = fd_install(p, 0, f, !!(gflags & G_O_CLOEXEC));
    if (fd < 0) file_put(p->k, f);
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
     * EACCES when a component cannot be searched): store_dir_open answers as
     * an O_PATH open of it would (no read permission on the directory itself
     * is asked), from the store's directory cache when the path has not
     * changed since (one non-blocking inotify read), else by the walk. The
     * file itself is virtual. */
    struct store_dir d;
    if ((r = store_dir_open(store_of(p), g, &d)) < 0) return r;
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
 * since, the file gets a name only where store_dir_of_fd finds it inside the
 * root at that time (docs/store.md, "Creating through a directory
 * descriptor"). Errors as for the path form: EBADF, ENOTDIR (dirfd is not a
 * directory), EINVAL (flags).
 */
static int64_t open_anon_at(struct k_proc *p, int dirfd, int gflags, mode_t mode, int action)
{
    struct k_file *df = file_peek(p, dirfd);
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
    struct store_dir d = {.fd = df->hostfd, .dev = (dev_t)df->ddev, .ino = (ino_t)df->dino};
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
        int e = store_file_open(p->k->names, h, NULL, store_action(action));
        if (e < 0) {
            close(h);
            return e;
        }
        return fd_new_image(p, h, action, cloexec);
    }
    /* Only an O_PATH or read-only open can yield a directory. */
    char *dirpath = NULL;
    if (((gflags & G_O_PATH) || (gflags & G_O_ACCMODE) == 0) && S_ISDIR(sb.st_mode) &&
        !(dirpath = dir_path(p, h, g))) {
        close(h);
        return -ENOMEM;
    }
    int fd = fd_new(p, h, dirpath, cloexec);
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
    if ((e = at_name(p, dirfd, name, g, 0)) < 0) return e;
    if (gflags & SYM_O_ANON) return open_anon(p, g, gflags, (mode_t)a[3], action);
    int hflags = oflags_to_host(gflags);
    if (hflags & O_TRUNC) { /* copy-on-write mappers of the file keep their pages (vm.c) */
        int t = store_path_open(store_of(p), g, O_PATH | (hflags & O_NOFOLLOW), 0);
        e = t >= 0 ? k_vm_file_before_truncate(p->k, t, 0) : 0;
        if (t >= 0) close(t);
        if (e < 0) return e;
    }
    int64_t hr = k_fifo_open(p, store_of(p), g, hflags, (mode_t)a[3]); /* a FIFO waits */
    if (hr < 0) return hr;
    int h = (int)hr;
    if (hflags & O_TRUNC) k_vm_file_truncated(p->k, h);
    int64_t fd = open_install(p, h, g, gflags, action);
    char norm[PATH_MAX]; /* the test store_path_open made: a passed-through device */
    if (fd >= 0 && store_path_norm("/", g, norm, sizeof norm) == 0 && store_device_path(norm))
        p->fd[fd].f->host = 1;
    return fd;
}

int64_t sys_close(struct k_proc *p, const uint64_t a[6])
{
    int fd = (int)a[0];
    if (!file_peek(p, fd)) return -EBADF;
    return fd_clear(p, fd);
}

int64_t sys_dup(struct k_proc *p, const uint64_t a[6])
{
    struct k_file *f = file_peek(p, (int)a[0]);
    if (!f) return -EBADF;
    int fd = fd_install(p, 0, f, 0);
    if (fd >= 0) f->refs++;
    return fd;
}

int64_t sys_dup3(struct k_proc *p, const uint64_t a[6])
{
    int oldfd = (int)a[0], newfd = (int)a[1], flags = (int)a[2];
    if (flags & ~G_O_CLOEXEC) return -EINVAL;
    if (oldfd == newfd) return -EINVAL;
    struct k_file *f = file_peek(p, oldfd);
    if (!f || newfd < 0 || newfd >= K_NFILE) return -EBADF;
    f->refs++;
    if (p->fd[newfd].f) fd_clear(p, newfd); /* Linux ignores the close error here */
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
    int r = store_file_setaction(p->k->names, f->hostfd, store_action(action));
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
    struct k_file *f = file_peek(p, fd);
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
        if (!(f = file_get(p, fd, &err))) return err;
    }
    switch (cmd) {
    case G_F_DUPFD:
    case G_F_DUPFD_CLOEXEC:
        if (a[2] >= K_NFILE) return -EINVAL;
        r = fd_install(p, (int)a[2], f, cmd == G_F_DUPFD_CLOEXEC);
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
    struct k_file *f = file_get(p, (int)a[0], &err);
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
    int fds[2] = {fd_new(p, h[0], NULL, cloexec), -1};
    if (fds[0] < 0) {
        close(h[1]);
        return fds[0];
    }
    fds[1] = fd_new(p, h[1], NULL, cloexec);
    int e = fds[1] < 0 ? fds[1] : k_copyout(p, a[0], fds, sizeof fds);
    if (e < 0) {
        fd_clear(p, fds[0]);
        if (fds[1] >= 0) fd_clear(p, fds[1]);
        return e;
    }
    return 0;
}

/* ---- Data transfer --------------------------------------------------------- */

/* A position in a guest iovec list. */
struct cursor {
    const struct g_iovec *iov;
    int cnt, i;
    uint64_t in; /* bytes of iov[i] already used */
};

/* The next contiguous guest piece of at most max bytes; 0 at the end. */
static uint64_t cur_piece(struct cursor *c, uint64_t max, uint64_t *addr)
{
    while (c->i < c->cnt && c->in == c->iov[c->i].len) {
        c->i++;
        c->in = 0;
    }
    if (c->i == c->cnt) return 0;
    uint64_t n = c->iov[c->i].len - c->in;
    *addr = c->iov[c->i].base + c->in;
    return n < max ? n : max;
}

static int is_regular(int h)
{
    struct stat sb;
    return fstat(h, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Host read at the current position (off < 0) or at off. */
static ssize_t host_in(int h, void *buf, size_t n, int64_t off)
{
    return off < 0 ? read(h, buf, n) : pread(h, buf, n, off);
}

/*
 * Read into the guest buffers. Each round is one host read into the bounce
 * buffer, then copied out; a second round happens only for regular files (a
 * pipe or terminal would block where Linux returns). If a copy-out faults, the
 * bytes not delivered are given back by seeking when the file can seek; from a
 * pipe they are lost (Linux also may consume data before it faults).
 */
static int64_t read_iov(struct k_proc *p, int h, const struct g_iovec *iov, int cnt, uint64_t total,
                        int64_t off)
{
    struct cursor c = {iov, cnt, 0, 0};
    uint8_t *bounce = p->k->bounce;
    uint64_t done = 0;
    do {
        size_t want = total - done < BOUNCE_SIZE ? total - done : BOUNCE_SIZE;
        ssize_t n = host_in(h, bounce, want, off < 0 ? off : off + (int64_t)done);
        if (n < 0) return done ? (int64_t)done : -errno;
        size_t put = 0;
        uint64_t addr, piece;
        while (put < (size_t)n && (piece = cur_piece(&c, n - put, &addr))) {
            if (k_copyout(p, addr, bounce + put, piece) < 0) break;
            put += piece;
            c.in += piece;
        }
        done += put;
        if (put < (size_t)n) {
            if (off < 0) lseek(h, -(off_t)(n - put), SEEK_CUR);
            return done ? (int64_t)done : -EFAULT;
        }
        if ((size_t)n < want || n == 0 || (done < total && !is_regular(h))) break;
    } while (done < total);
    return (int64_t)done;
}

/* Linux sends SIGPIPE to a writer into a pipe with no reader. */
static ssize_t host_out(struct k_proc *p, int h, const void *buf, size_t n, int64_t off)
{
    ssize_t r = off < 0 ? write(h, buf, n) : pwrite(h, buf, n, off);
    if (r < 0 && errno == EPIPE) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = SIGPIPE;
        si.si_code = SI_USER;
        k_signal_post(p, SIGPIPE, &si);
        errno = EPIPE;
    }
    return r;
}

/*
 * Write the guest buffers: gather up to a bounce buffer's worth, one host
 * write per round. A fault in the middle writes what was gathered before it,
 * as Linux writes up to the first bad byte (here: the first bad piece).
 */
static int64_t write_iov(struct k_proc *p, int h, const struct g_iovec *iov, int cnt,
                         uint64_t total, int64_t off)
{
    struct cursor c = {iov, cnt, 0, 0};
    uint8_t *bounce = p->k->bounce;
    uint64_t done = 0;
    do {
        size_t fill = 0;
        int fault = 0;
        uint64_t addr, piece;
        while (done + fill < total && fill < BOUNCE_SIZE &&
               (piece = cur_piece(&c, BOUNCE_SIZE - fill, &addr))) {
            if (total - done - fill < piece) piece = total - done - fill;
            if (k_copyin(p, bounce + fill, addr, piece) < 0) {
                fault = 1;
                break;
            }
            fill += piece;
            c.in += piece;
        }
        if (fill == 0 && fault) return done ? (int64_t)done : -EFAULT;
        ssize_t n = host_out(p, h, bounce, fill, off < 0 ? off : off + (int64_t)done);
        if (n < 0) return done ? (int64_t)done : -errno;
        done += (uint64_t)n;
        if ((size_t)n < fill || fault || fill == 0) break;
    } while (done < total);
    return (int64_t)done;
}

/*
 * A pipe, terminal or socket opened blocking would stop the whole node in a
 * host read or write, with the process that would unblock it on the same PE:
 * the caller sleeps on the descriptor instead (proc.c polls it) and the call
 * runs again when it is ready. Regular files and descriptors the guest made
 * non-blocking go straight through.
 */
struct io_gate {
    int flags;     /* the host descriptor's status flags, to restore */
    bool nonblock; /* set O_NONBLOCK for this call */
};

/* May a blocking host call on f block? Asked of the host once per description. */
static bool may_block(struct k_file *f)
{
    struct stat sb;
    if (!f->stream)
        f->stream = fstat(f->hostfd, &sb) < 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode) ||
                            S_ISBLK(sb.st_mode)
                        ? 2
                        : 1;
    return f->stream == 1;
}

static int64_t gate_open(struct k_proc *p, struct k_file *f, int wr, struct io_gate *g)
{
    int h = f->hostfd;
    g->nonblock = false;
    if (!may_block(f)) return 0;
    if ((g->flags = fcntl(h, F_GETFL)) < 0 || (g->flags & O_NONBLOCK)) return 0;
    struct pollfd pf = {.fd = h, .events = wr ? POLLOUT : POLLIN};
    if (poll(&pf, 1, 0) <= 0) {
        if (k_signal_interrupts(p)) return K_ERESTART;
        p->blk.hostfd = h;
        p->blk.events = pf.events;
        return K_BLOCK;
    }
    /* Ready; a write may still be larger than the room: take what fits. */
    if (wr && fcntl(h, F_SETFL, g->flags | O_NONBLOCK) == 0) g->nonblock = true;
    return 0;
}

/* Restore the descriptor; a write that found no room after all sleeps. */
static int64_t gate_close(struct k_proc *p, int h, int wr, struct io_gate *g, int64_t r)
{
    if (!g->nonblock) return r;
    fcntl(h, F_SETFL, g->flags);
    if (r != -EAGAIN) return r;
    p->blk.hostfd = h;
    p->blk.events = wr ? POLLOUT : POLLIN;
    return K_BLOCK;
}

/* Read or write one guest buffer. */
static int64_t xfer1(struct k_proc *p, const uint64_t a[6], int64_t off, int wr)
{
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    struct g_iovec one = {a[1], a[2] < G_MAX_RW ? a[2] : G_MAX_RW};
    struct io_gate g;
    int64_t r = off < 0 ? gate_open(p, f, wr, &g) : (g.nonblock = false, 0);
    if (r) return r;
    int64_t cow = 0;
    if (f->image && wr) /* mapped pages reach the file; private mappers keep theirs */
        r = k_vm_file_before_write(p->k, f->hostfd, off, one.len);
    else if (f->image) { /* mapped pages reach the file; resident ones are mapped (§4.3(3)) */
        k_vm_file_before_io(p->k, f->hostfd);
        cow = k_vm_read_cow(p, f->hostfd, off, one.base, one.len);
        one.base += (uint64_t)cow, one.len -= (uint64_t)cow;
        if (off >= 0) off += cow;
    }
    if (!r && (one.len || !cow))
        r = wr ? write_iov(p, f->hostfd, &one, 1, one.len, off)
               : read_iov(p, f->hostfd, &one, 1, one.len, off);
    if (cow) r = r > 0 ? r + cow : cow;
    if (f->image && wr && r > 0) k_vm_file_after_write(p->k, f->hostfd); /* and back */
    return gate_close(p, f->hostfd, wr, &g, r);
}

/* Read or write a guest iovec list (readv/writev). */
static int64_t xferv(struct k_proc *p, const uint64_t a[6], int wr)
{
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    int64_t cnt = (int64_t)a[2];
    struct g_iovec iovs[G_IOV_MAX];
    if (cnt < 0 || cnt > G_IOV_MAX) return -EINVAL;
    if (k_copyin(p, iovs, a[1], (uint64_t)cnt * sizeof iovs[0]) < 0) return -EFAULT;
    uint64_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if ((int64_t)iovs[i].len < 0) return -EINVAL;
        if (iovs[i].len > G_MAX_RW - total)
            iovs[i].len = G_MAX_RW - total; /* Linux truncates the excess */
        total += iovs[i].len;
    }
    struct io_gate g;
    int64_t r = gate_open(p, f, wr, &g);
    if (r) return r;
    if (f->image && wr)
        r = k_vm_file_before_write(p->k, f->hostfd, -1, total);
    else if (f->image)
        k_vm_file_before_io(p->k, f->hostfd);
    if (!r)
        r = wr ? write_iov(p, f->hostfd, iovs, (int)cnt, total, -1)
               : read_iov(p, f->hostfd, iovs, (int)cnt, total, -1);
    if (f->image && wr && r > 0) k_vm_file_after_write(p->k, f->hostfd);
    return gate_close(p, f->hostfd, wr, &g, r);
}

int64_t sys_read(struct k_proc *p, const uint64_t a[6])
{
    return xfer1(p, a, -1, 0);
}

int64_t sys_write(struct k_proc *p, const uint64_t a[6])
{
    return xfer1(p, a, -1, 1);
}

int64_t sys_pread64(struct k_proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0) return file_peek(p, (int)a[0]) ? -EINVAL : -EBADF;
    return xfer1(p, a, (int64_t)a[3], 0);
}

int64_t sys_pwrite64(struct k_proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0) return file_peek(p, (int)a[0]) ? -EINVAL : -EBADF;
    return xfer1(p, a, (int64_t)a[3], 1);
}

int64_t sys_readv(struct k_proc *p, const uint64_t a[6])
{
    return xferv(p, a, 0);
}

int64_t sys_writev(struct k_proc *p, const uint64_t a[6])
{
    return xferv(p, a, 1);
}

int64_t sys_lseek(struct k_proc *p, const uint64_t a[6])
{
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    off_t r = lseek(f->hostfd, (off_t)a[1], (int)a[2]);
    return r < 0 ? -errno : r;
}

/* Remove the records of hidden anonymous files from n bytes of linux_dirent64
 * records (d_reclen at 16, d_name at 19); returns the bytes left. */
static long drop_hidden(uint8_t *buf, long n)
{
    long in = 0, out = 0;
    while (in + 19 < n) {
        uint16_t reclen;
        memcpy(&reclen, buf + in + 16, sizeof reclen);
        if (reclen == 0 || in + reclen > n) break;
        if (!store_anon_is_hidden((const char *)buf + in + 19)) {
            memmove(buf + out, buf + in, reclen);
            out += reclen;
        }
        in += reclen;
    }
    return out;
}

/* Before listing a directory, its anonymous files get names (they become
 * visible); a failure to name one only leaves it out of the listing. A
 * listing from its start (position 0: opendir, rewinddir) first asks every
 * other node to name its own there (k_remote_namedir; the caller sleeps
 * until all answered and is called again). */
int64_t sys_getdents64(struct k_proc *p, const uint64_t a[6])
{
    int e = host_refuses(p, (int)a[0], -ENOTDIR); /* a host directory is not listed */
    if (e) return e;
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    off_t pos = lseek(f->hostfd, 0, SEEK_CUR);
    struct stat d;
    if (f->dirpath && fstat(f->hostfd, &d) == 0) {
        struct k_kernel *k = p->k;
        if (p->rpc.id) { /* called again: the other nodes named theirs */
            if (p->rpc.waiting > 0) return K_BLOCK;
            k_rpc_end(p);
        } else if (pos == 0 && k->cfg.net && k->cfg.nodes > 1 &&
                   k_remote_namedir(p, (uint64_t)d.st_dev, (uint64_t)d.st_ino) == 0) {
            return K_BLOCK;
        }
        k_files_name_dir(k, (uint64_t)d.st_dev, (uint64_t)d.st_ino);
    }
    uint8_t *bounce = p->k->bounce;
    size_t want = a[2] < BOUNCE_SIZE ? a[2] : BOUNCE_SIZE;
    long n;
    do { /* a batch of hidden names only is not the end of the directory */
        n = syscall(SYS_getdents64, f->hostfd, bounce, want);
        if (n < 0) return -errno;
    } while (n > 0 && (n = drop_hidden(bounce, n)) == 0);
    if (n > 0 && k_copyout(p, a[1], bounce, (uint64_t)n) < 0) {
        if (pos >= 0) lseek(f->hostfd, pos, SEEK_SET); /* the entries were not seen */
        return -EFAULT;
    }
    return n;
}

static int64_t on_host_fd(struct k_proc *p, int fd, int op, uint64_t arg);

/*
 * fsync/fdatasync of a global segment's file (blk.fn; a[0] fd, a[1] op, a[2]
 * the segment, a[3] 1 once the sync request is issued): the process's own
 * requests complete first (the node cache's dirty lines it writes back
 * included), then every MM of every rank writes the segment back (the
 * sync-segment request, k_net_sync_seg), then the host call. It sleeps
 * without holding the PE, as for its memory requests. EIO if an MM's
 * write-back failed.
 */
static int64_t gsync_wait(struct k_proc *p, const uint64_t a[6])
{
    if (p->net.inflight) return K_BLOCK; /* woken early: its replies are due */
    if (!a[3]) {
        int rc = k_net_sync_seg(p, a[2]);
        if (rc < 0) return rc;
        if (rc == 0) p->blk.a[3] = 1;
        p->net.pending = p->net.inflight > 0; /* wakes with the last reply */
        return p->net.inflight ? K_BLOCK : 0;
    }
    int err = net_eng_sync_err(p->k->cfg.eng, (uint32_t)p->pid);
    int64_t r = on_host_fd(p, (int)a[0], (int)a[1] + 4, 0); /* the host call only */
    return err ? -EIO : r;
}

/* fsync, fdatasync, ftruncate, fchmod: the host call on the host fd, or the
 * cache's when the file has an image (mapped pages). fsync and fdatasync of
 * a global segment's file sleep in gsync_wait first; op 4, 5: after it. */
static int64_t on_host_fd(struct k_proc *p, int fd, int op, uint64_t arg)
{
    bool after = op >= 4;
    if (after) op -= 4;
    struct k_file *f = file_peek(p, fd);
    if (f && f->vimg && op == 2) { /* ftruncate of a virtual file: its image's size */
        int r = store_image_set_size(f->vimg, arg);
        if (r != -EBUSY) return r; /* a mapped page would vanish: the host way */
    }
    int err;
    f = file_get(p, fd, &err);
    if (!f) return err;
    if (f->host) after = true; /* no store step: fsync, fdatasync only (others refused) */
    if (op <= 1 && !after) {
        store_anon_materialize(p->k->names, f->hostfd); /* data reaches the store */
        uint64_t seg;
        if (p->k->cfg.eng && store_gseg_find(p->k->cfg.store, f->hostfd, &seg) == 1) {
            int c = k_vm_file_sync(p->k, f->hostfd);
            if (c < 0) return c;
            p->blk.fn = gsync_wait;
            p->blk.a[0] = (uint64_t)fd, p->blk.a[1] = (uint64_t)op, p->blk.a[2] = seg;
            p->blk.a[3] = 0;
            int64_t r = gsync_wait(p, p->blk.a);
            if (r != K_BLOCK) p->blk = (struct k_block){0};
            return r;
        }
    }
    if (op <= 2 && !after) { /* a file with cached pages: through the cache (vm.c) */
        int c =
            op == 2 ? k_vm_file_truncate(p->k, f->hostfd, arg) : k_vm_file_sync(p->k, f->hostfd);
        if (c <= 0) return c;
    }
    int r = op == 0   ? fsync(f->hostfd)
            : op == 1 ? fdatasync(f->hostfd)
            : op == 2 ? ftruncate(f->hostfd, (off_t)arg)
                      : fchmod(f->hostfd, (mode_t)(arg & 07777));
    return r < 0 ? -errno : 0;
}

int64_t sys_fsync(struct k_proc *p, const uint64_t a[6])
{
    return on_host_fd(p, (int)a[0], 0, 0);
}

int64_t sys_fdatasync(struct k_proc *p, const uint64_t a[6])
{
    return on_host_fd(p, (int)a[0], 1, 0);
}

int64_t sys_ftruncate(struct k_proc *p, const uint64_t a[6])
{
    int e = host_refuses(p, (int)a[0], -EPERM);
    if (e) return e;
    if ((int64_t)a[1] < 0) return file_peek(p, (int)a[0]) ? -EINVAL : -EBADF;
    return on_host_fd(p, (int)a[0], 2, a[1]);
}

int64_t sys_fchmod(struct k_proc *p, const uint64_t a[6])
{
    int e = host_refuses(p, (int)a[0], -EPERM);
    if (e) return e;
    return on_host_fd(p, (int)a[0], 3, a[1]);
}

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
    if (store_image_file_stat(f->vimg, &st) == 0) gs.dev = st.st_dev;
    gs.ino = f->vino;
    gs.mode = S_IFREG | (uint32_t)f->vmode;
    gs.nlink = 1;
    gs.uid = p->k->uid_v;
    gs.gid = p->k->gid_v;
    gs.size = (int64_t)store_image_size(f->vimg);
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
    if (store_image_file_stat(f->vimg, &st) == 0) {
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
    sx->stx_size = store_image_size(f->vimg);
    sx->stx_atime.tv_sec = sx->stx_mtime.tv_sec = sx->stx_ctime.tv_sec = f->vtime;
}

int64_t sys_fstat(struct k_proc *p, const uint64_t a[6])
{
    struct k_file *f = file_peek(p, (int)a[0]);
    if (f && f->vimg) return stat_virtual(p, f, a[1]);
    int err;
    f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    return stat_out(p, f->hostfd, a[1]);
}

/* The file a stat-like call names: (dirfd, path) honouring AT_EMPTY_PATH and
 * AT_SYMLINK_NOFOLLOW. Returns a host fd (close it if *owned) or -errno. */
static int stat_target(struct k_proc *p, int dirfd, uint64_t gpath, int flags, int *owned)
{
    char g[PATH_MAX] = "";
    int empty_ok = !!(flags & G_AT_EMPTY_PATH);
    int e = (gpath == 0 && empty_ok) ? 0 : at_path(p, dirfd, gpath, g, empty_ok);
    if (e < 0) return e;
    return at_target(p, dirfd, g, flags & G_AT_SYMLINK_NOFOLLOW, owned);
}

/* The virtual anonymous file a stat-like call names with AT_EMPTY_PATH and
 * an empty (or NULL) path, else NULL (the call then goes the host way). */
static struct k_file *stat_virtual_target(struct k_proc *p, int dirfd, uint64_t gpath, int flags)
{
    char c[2];
    struct k_file *f = file_peek(p, dirfd);
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
    release(h, owned);
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
    release(h, owned);
    if (r == 0) r = k_copyout(p, a[4], &sx, sizeof sx);
    return r;
}

static int64_t access_at(struct k_proc *p, int dirfd, uint64_t gpath, int mode, int flags)
{
    if (flags & ~(G_AT_EACCESS | G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH)) return -EINVAL;
    if (mode & ~7) return -EINVAL;
    char g[PATH_MAX];
    int e = at_path(p, dirfd, gpath, g, flags & G_AT_EMPTY_PATH);
    if (e < 0) return e;
    int owned, h = at_target(p, dirfd, g, flags & G_AT_SYMLINK_NOFOLLOW, &owned);
    if (h < 0) return h;
    int hflags = AT_EMPTY_PATH | (flags & G_AT_EACCESS ? AT_EACCESS : 0);
    int64_t r = syscall(SYS_faccessat2, h, "", mode, hflags) < 0 ? -errno : 0;
    release(h, owned);
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
    int e = at_path(p, dirfd, a[1], g, dirfd != G_AT_FDCWD);
    if (e < 0) return e;
    if (g[0] && store_path_norm("/", g, norm, sizeof norm) == 0 &&
        strcmp(norm, "/proc/self/exe") == 0) {
        size_t n = strlen(p->exe);
        n = n < (size_t)size ? n : (size_t)size;
        return k_copyout(p, a[2], p->exe, n) < 0 ? -EFAULT : (int64_t)n;
    }
    int owned, h = at_target(p, dirfd, g, 1, &owned);
    if (h < 0) return h;
    uint8_t *bounce = p->k->bounce;
    size_t want = (size_t)size < BOUNCE_SIZE ? (size_t)size : BOUNCE_SIZE;
    ssize_t n = readlinkat(h, "", (char *)bounce, want);
    int64_t r = n < 0 ? -errno : n;
    struct stat sb;
    if (r == -ENOENT && g[0] && fstat(h, &sb) == 0 && !S_ISLNK(sb.st_mode))
        r = -EINVAL; /* a named non-link; "" on the fd itself stays ENOENT */
    release(h, owned);
    if (n > 0 && k_copyout(p, a[2], bounce, (uint64_t)n) < 0) r = -EFAULT;
    return r;
}

/* ---- Changing names -------------------------------------------------------- */

/* Guest path of (dirfd, gaddr), then its parent dir fd and last name. */
static int at_parent(struct k_proc *p, int dirfd, uint64_t gaddr, char *last, int *slash)
{
    char g[PATH_MAX];
    int e = at_path(p, dirfd, gaddr, g, 0);
    if (e < 0) return e;
    return store_path_parent(store_of(p), g, last, NAME_MAX + 1, slash);
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
    proc_fd(src, sizeof src, h);
    return linkat(AT_FDCWD, src, npfd, nlast, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

int64_t sys_linkat(struct k_proc *p, const uint64_t a[6])
{
    int odirfd = (int)a[0], flags = (int)a[4];
    if (flags & ~(G_AT_SYMLINK_FOLLOW | G_AT_EMPTY_PATH)) return -EINVAL;
    char g[PATH_MAX], olast[NAME_MAX + 1], nlast[NAME_MAX + 1];
    int e = at_path(p, odirfd, a[1], g, flags & G_AT_EMPTY_PATH);
    if (e < 0) return e;
    int nslash, npfd = at_parent(p, (int)a[2], a[3], nlast, &nslash);
    if (npfd < 0) return npfd;
    int r, owned, h, oslash = g[0] && g[strlen(g) - 1] == '/';
    if (nslash) {
        r = slash_create_error(npfd, nlast);
    } else if (g[0] == '\0' && (r = host_refuses(p, odirfd, -EXDEV)) != 0) {
        /* a host object gets no name inside the root */
    } else if (g[0] == '\0') { /* AT_EMPTY_PATH: the descriptor's file */
        r = h = at_target(p, odirfd, g, 0, &owned);
        if (h >= 0) {
            r = link_fd(h, npfd, nlast);
            release(h, owned);
        }
    } else if ((flags & G_AT_SYMLINK_FOLLOW) || oslash) {
        r = h = store_path_lookup(store_of(p), g, 0);
        if (h >= 0) {
            r = link_fd(h, npfd, nlast);
            close(h);
        }
    } else { /* the last name itself, never followed */
        r = h = store_path_parent(store_of(p), g, olast, sizeof olast, NULL);
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
    int e = at_path(p, dirfd, gaddr, g, 0);
    if (e < 0) return e;
    return store_path_lookup(store_of(p), g, 0);
}

int64_t sys_fchmodat(struct k_proc *p, const uint64_t a[6])
{
    int h = lookup_follow(p, (int)a[0], a[1]);
    if (h < 0) return h;
    char src[64];
    proc_fd(src, sizeof src, h);
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
    proc_fd(src, sizeof src, h);
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
        int e = at_path(p, dirfd, a[1], g, flags & G_AT_EMPTY_PATH);
        if (e < 0) return e;
    }
    if (g[0] == '\0') { /* NULL or empty name: the descriptor itself */
        int e = host_refuses(p, dirfd, -EPERM);
        if (e) return e;
        int err;
        struct k_file *f = file_get(p, dirfd, &err);
        if (!f) return dirfd == G_AT_FDCWD ? -EFAULT : -EBADF;
        return futimens(f->hostfd, tp) < 0 ? -errno : 0;
    }
    char last[NAME_MAX + 1];
    int slash, r;
    if (flags & G_AT_SYMLINK_NOFOLLOW) {
        int pfd = store_path_parent(store_of(p), g, last, sizeof last, &slash);
        if (pfd < 0) return pfd;
        if (!slash) {
            r = utimensat(pfd, last, tp, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
            close(pfd);
            return r;
        }
        close(pfd); /* "x/" follows x after all */
    }
    int h = store_path_lookup(store_of(p), g, 0);
    if (h < 0) return h;
    char src[64];
    proc_fd(src, sizeof src, h);
    r = utimensat(AT_FDCWD, src, tp, 0) < 0 ? -errno : 0;
    close(h);
    return r;
}

/* ---- Current directory, umask ---------------------------------------------- */

int64_t sys_getcwd(struct k_proc *p, const uint64_t a[6])
{
    size_t n = strlen(p->cwd) + 1;
    if (a[1] < n) return -ERANGE;
    if (k_copyout(p, a[0], p->cwd, n) < 0) return -EFAULT;
    return (int64_t)n; /* the raw call returns the length with the NUL */
}

int64_t sys_chdir(struct k_proc *p, const uint64_t a[6])
{
    char g[PATH_MAX];
    int e = at_path(p, G_AT_FDCWD, a[0], g, 0);
    if (e < 0) return e;
    int h = store_path_open(store_of(p), g, O_PATH | O_DIRECTORY, 0);
    if (h < 0) return h;
    int r = syscall(SYS_faccessat2, h, "", X_OK, AT_EMPTY_PATH) < 0 ? -errno : 0;
    char *dir = r == 0 ? dir_path(p, h, g) : NULL;
    close(h);
    if (r == 0 && !dir) return -ENOMEM;
    if (r == 0) strcpy(p->cwd, dir);
    free(dir);
    return r;
}

int64_t sys_fchdir(struct k_proc *p, const uint64_t a[6])
{
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    if (!f->dirpath) return -ENOTDIR;
    if (syscall(SYS_faccessat2, f->hostfd, "", X_OK, AT_EMPTY_PATH) < 0) return -errno;
    strcpy(p->cwd, f->dirpath);
    return 0;
}

/* The host process's umask serves the node's guests (see docs/syscalls.md). */
int64_t sys_umask(struct k_proc *p, const uint64_t a[6])
{
    mode_t old = umask((mode_t)(a[0] & 0777));
    p->k->umask_v = (mode_t)(a[0] & 0777); /* what virtual files get from now on */
    p->k->umask_known = 1;
    return old;
}

int k_path_open_exec(struct k_proc *p, uint64_t gaddr, char *g)
{
    int e = at_path(p, G_AT_FDCWD, gaddr, g, 0);
    if (e < 0) return e;
    /* O_NONBLOCK: opening a FIFO must not hold the node (exec refuses it). */
    return store_path_open(store_of(p), g, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
}

/* ---- Symunix II: names of image files, reference directories, pdup ---------- */

/* Copy in a refname; one too long for any binding is simply a bad one. */
static int refname_in(struct k_proc *p, uint64_t gaddr, char *out, size_t len)
{
    int e = k_copyin_str(p, out, gaddr, len);
    return e == -ENAMETOOLONG ? -EINVAL : e;
}

/* fdname(fd, buf, size): the file's guest path, naming a lazy anonymous file
 * now. Returns the length without the NUL; -ERANGE when size cannot hold it. */
int64_t sys_fdname(struct k_proc *p, const uint64_t a[6])
{
    int e = host_refuses(p, (int)a[0], -ENOENT); /* no guest name */
    if (e) return e;
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    char path[PATH_MAX];
    int r = store_anon_name(p->k->names, f->hostfd, path, sizeof path);
    if (r < 0) return r;
    size_t n = strlen(path);
    if (a[2] < n + 1) return -ERANGE;
    if (k_copyout(p, a[1], path, n + 1) < 0) return -EFAULT;
    return (int64_t)n;
}

/* mkrefdir(path, refname): bind refname to the directory path names. */
int64_t sys_mkrefdir(struct k_proc *p, const uint64_t a[6])
{
    char g[PATH_MAX], ref[2 * STORE_REFNAME_MAX];
    int e = at_path(p, G_AT_FDCWD, a[0], g, 0);
    if (e == 0) e = refname_in(p, a[1], ref, sizeof ref);
    if (e < 0) return e;
    return store_mkrefdir(store_of(p), &p->refdirs, g, ref);
}

/* fmkrefdir(fd, refname): bind refname to the directory open at fd. */
int64_t sys_fmkrefdir(struct k_proc *p, const uint64_t a[6])
{
    int e = host_refuses(p, (int)a[0], -ENOTDIR); /* not a directory of the root */
    if (e) return e;
    int err;
    struct k_file *f = file_get(p, (int)a[0], &err);
    if (!f) return err;
    char ref[2 * STORE_REFNAME_MAX];
    e = refname_in(p, a[1], ref, sizeof ref);
    if (e < 0) return e;
    return store_fmkrefdir(store_of(p), &p->refdirs, f->hostfd, ref);
}

/* rmrefdir(refname): remove a binding. */
int64_t sys_rmrefdir(struct k_proc *p, const uint64_t a[6])
{
    char ref[2 * STORE_REFNAME_MAX];
    int e = refname_in(p, a[0], ref, sizeof ref);
    if (e < 0) return e;
    return store_rmrefdir(&p->refdirs, ref);
}

/*
 * pdup(pid, fd): give process pid a duplicate of the caller's descriptor fd
 * and return the new descriptor's number in pid's table (close-on-exec
 * clear). On the caller's node it is the same open file description, as dup;
 * pid 0 or the caller's own pid is dup(fd). A process of another node gets
 * the file reopened there (remote.c; k_file_ship_one says what can travel).
 * -ESRCH: no such process, or it has ended.
 */
int64_t sys_pdup(struct k_proc *p, const uint64_t a[6])
{
    int pid = (int)a[0];
    if (a[0] > INT32_MAX) return -ESRCH;
    if (pid && k_pid_remote(p->k, pid)) return k_remote_pdup(p, pid, (int)a[1]);
    struct k_proc *t = pid == 0 ? p : k_proc_find(p->k, pid);
    if (!t || t->state == K_ZOMBIE) return -ESRCH;
    struct k_file *f = file_peek(p, (int)a[1]);
    if (!f) return -EBADF;
    int fd = fd_install(t, 0, f, 0);
    if (fd >= 0) f->refs++;
    return fd;
}

/* ---- Shipping descriptors to another node (migrate.c) ----------------------- */

/* Status flags a reopen takes over (F_GETFL's, less what open cannot set again). */
#define SHIP_FLAGS                                                                                 \
    (O_ACCMODE | O_APPEND | O_NONBLOCK | O_PATH | O_DIRECTORY | O_SYNC | O_DSYNC | O_NOATIME |     \
     HOST_O_LARGEFILE)

/* Which of the host's standard streams (0..2) host fd h is, preferring `want`; -1: none. */
static int host_stream(int h, int want)
{
    struct stat a, b;
    if (fstat(h, &a) < 0) return -1;
    int got = -1;
    for (int i = 2; i >= 0; i--)
        if (fstat(i, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
            (got < 0 || i == want || (got != want && i < got)))
            got = i;
    return got;
}

/* Describe guest fd i of p into d; 1 when it cannot travel (left closed). */
static int ship_fd(struct k_proc *p, int i, struct k_ship_fd *d)
{
    const struct k_file *f = p->fd[i].f;
    struct stat st;
    char path[PATH_MAX];
    *d = (struct k_ship_fd){.fd = i, .stream = -1, .cloexec = (uint32_t) !!p->fd[i].cloexec};
    if (f->vimg || fstat(f->hostfd, &st) < 0) return 1; /* virtual: only this node has it */
    if (f->host) /* travels only as the host's stream of the other node */
        return (d->stream = host_stream(f->hostfd, i)) >= 0 ? 0 : 1;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return 1; /* pipe, socket, device */
    if (S_ISREG(st.st_mode) && st.st_nlink == 0) return 1;      /* deleted or never named */
    if (f->dirpath)
        snprintf(path, sizeof path, "%s", f->dirpath);
    else if (store_path_of_fd(store_of(p), f->hostfd, path, sizeof path) < 0)
        return 1; /* outside the store */
    int fl = fcntl(f->hostfd, F_GETFL);
    off_t off = S_ISREG(st.st_mode) ? lseek(f->hostfd, 0, SEEK_CUR) : 0;
    d->flags = fl < 0 ? 0 : (uint32_t)(fl & SHIP_FLAGS);
    d->offset = off < 0 ? 0 : off;
    return (d->path = strdup(path)) ? 0 : -ENOMEM;
}

int k_files_ship(struct k_proc *p, struct k_ship_files *s)
{
    size_t n = 0;
    for (int i = 0; i < K_NFILE; i++)
        n += p->fd[i].f != NULL;
    if (n && !(s->fd = calloc(n, sizeof *s->fd))) return -ENOMEM;
    for (int i = 0; i < K_NFILE; i++) {
        if (!p->fd[i].f) continue;
        int rc = ship_fd(p, i, &s->fd[s->nfd]);
        if (rc < 0) return rc;
        if (rc == 0) s->nfd++;
    }
    if (!(s->ref = calloc(STORE_REFDIR_MAX, sizeof *s->ref))) return -ENOMEM;
    for (int i = 0; i < STORE_REFDIR_MAX; i++) {
        const struct store_refdir *e = &p->refdirs.ent[i];
        char path[PATH_MAX];
        if (!e->name[0] || store_path_of_fd(store_of(p), e->fd, path, sizeof path) < 0) continue;
        struct k_ship_refdir *r = &s->ref[s->nref];
        memcpy(r->name, e->name, sizeof r->name);
        if (!(r->path = strdup(path))) return -ENOMEM;
        s->nref++;
    }
    return 0;
}

/* Open what d describes on p's node into guest slot d->fd. */
static int land_fd(struct k_proc *p, const struct k_ship_fd *d)
{
    if (d->fd < 0 || d->fd >= K_NFILE || p->fd[d->fd].f || d->stream < -1 || d->stream > 2 ||
        (d->stream < 0 && (!d->path || d->path[0] != '/')))
        return -EBADMSG;
    int h = d->stream >= 0 ? fcntl(d->stream, F_DUPFD_CLOEXEC, 3)
                           : store_path_open(store_of(p), d->path, (int)(d->flags & SHIP_FLAGS), 0);
    if (h < 0) return d->stream >= 0 ? 0 : h; /* the host has no such stream: nor has the guest */
    struct stat st;
    int rc = fstat(h, &st) < 0 ? -errno : 0;
    bool reg = !rc && d->stream < 0 && S_ISREG(st.st_mode);
    if (!rc && reg && !(d->flags & O_PATH) && lseek(h, d->offset, SEEK_SET) < 0) rc = -errno;
    if (!rc && reg) rc = store_file_open(p->k->names, h, NULL, 0);
    struct k_file *f = NULL;
    if (!rc && !(f = file_new(p->k, h, d->stream < 0 && S_ISDIR(st.st_mode) ? d->path : NULL))) {
        if (reg) store_file_close(p->k->names, h);
        rc = -ENOMEM;
    }
    if (rc) {
        close(h);
        return rc;
    }
    f->image = reg;
    f->host = d->stream >= 0;
    if (f->dirpath) {
        f->ddev = st.st_dev;
        f->dino = st.st_ino;
    }
    p->fd[d->fd].f = f;
    p->fd[d->fd].cloexec = !!d->cloexec;
    return 0;
}

int k_files_land(struct k_proc *p, const struct k_ship_files *s)
{
    for (size_t i = 0; i < s->nfd; i++) {
        int rc = land_fd(p, &s->fd[i]);
        if (rc) return rc;
    }
    for (size_t i = 0; i < s->nref; i++) {
        const struct k_ship_refdir *r = &s->ref[i];
        if (!memchr(r->name, 0, sizeof r->name) || !r->path) return -EBADMSG;
        int rc = store_mkrefdir(store_of(p), &p->refdirs, r->path, r->name);
        if (rc) return rc == -EINVAL ? -EBADMSG : rc;
    }
    return 0;
}

void k_ship_files_free(struct k_ship_files *s)
{
    for (size_t i = 0; i < s->nfd; i++)
        free(s->fd[i].path);
    for (size_t i = 0; s->ref && i < s->nref; i++)
        free(s->ref[i].path);
    free(s->fd);
    free(s->ref);
    memset(s, 0, sizeof *s);
}

/* ---- pdup to another node (remote.c) -------------------------------------------------- */

int k_file_ship_one(struct k_proc *p, int fd, struct k_ship_fd *d)
{
    if (!file_peek(p, fd)) return -EBADF;
    int rc = ship_fd(p, fd, d);
    return rc == 1 ? -EXDEV : rc;
}

int k_file_land_free(struct k_proc *t, const struct k_ship_fd *d)
{
    int slot = 0;
    while (slot < K_NFILE && t->fd[slot].f)
        slot++;
    if (slot == K_NFILE) return -EMFILE;
    struct k_ship_fd at = *d;
    at.fd = slot;
    at.cloexec = 0;
    int rc = land_fd(t, &at);
    if (rc) return rc;
    return t->fd[slot].f ? slot : -EBADF; /* a stream this node's host lacks */
}
