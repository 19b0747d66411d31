/*
 * sys_path.c — guest path names: a guest path becomes a guest absolute path
 * string (joined with the cwd or a directory fd's path; "@name/rest" through
 * the process's reference directories in k_at_path, the one place where a
 * guest path is made absolute), resolved inside the store root by shm/store.c
 * only; nothing in the kernel resolves a guest path on the host directly.
 * Also the current directory (getcwd, chdir, fchdir), the umask new names
 * get, and exec's lookup of the program.
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "shm/names.h"
#include "shm/store.h"

/* ---- Guest path names ---------------------------------------------------- */

/*
 * Turn (dirfd, guest name) into a guest absolute path in out
 * (PATH_MAX). An empty name gives -ENOENT unless allow_empty, in which case
 * out is "" and the caller operates on dirfd itself. A name starting with '@'
 * is a reference-directory path "@name/rest" (dirfd ignored, as for an
 * absolute name): the refdir's current guest path joined with rest, which
 * store.c then resolves inside the root like any other path.
 */
int k_at_name(struct k_proc *p, int dirfd, const char *name, char *out, int allow_empty)
{
    if (name[0] == '\0') {
        out[0] = '\0';
        return allow_empty ? 0 : -ENOENT;
    }
    if (name[0] == '@')
        return store_names_refdir_path(k_store_of(p), &p->refdirs, p->cwd, name, out, PATH_MAX);
    const char *base = p->cwd;
    if (name[0] != '/' && dirfd != G_AT_FDCWD) {
        struct k_file *f = k_file_peek(p, dirfd);
        if (!f) return -EBADF;
        if (!f->dirpath) return -ENOTDIR;
        base = f->dirpath;
    }
    return store_path_join(base, name, out, PATH_MAX);
}

/* k_at_name of the guest string at gaddr. */
int k_at_path(struct k_proc *p, int dirfd, uint64_t gaddr, char *out, int allow_empty)
{
    char name[PATH_MAX];
    int e = k_copyin_str(p, name, gaddr, sizeof name);
    return e < 0 ? e : k_at_name(p, dirfd, name, out, allow_empty);
}

/*
 * A host fd for what an *at call with AT_EMPTY_PATH or a path names. With an
 * empty path it is dirfd's own host fd (*owned = 0) or the cwd; else the path
 * is opened O_PATH (following the last name unless nofollow).
 */
int k_at_target(struct k_proc *p, int dirfd, const char *g, int nofollow, int *owned)
{
    *owned = 1;
    if (g[0] == '\0' && dirfd != G_AT_FDCWD) {
        int err;
        struct k_file *f = k_file_get(p, dirfd, &err);
        if (!f) return err;
        *owned = 0;
        return f->hostfd;
    }
    const char *path = g[0] ? g : p->cwd;
    return store_path_open(k_store_of(p), path, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
}

void k_path_release(int hostfd, int owned)
{
    if (owned) close(hostfd);
}

/* The guest path of a directory just opened as host fd h from guest path g. */
char *k_dir_path(struct k_proc *p, int h, const char *g)
{
    char real[PATH_MAX];
    if (store_path_of_fd(k_store_of(p), h, real, sizeof real) < 0 &&
        store_path_norm("/", g, real, sizeof real) < 0)
        return NULL;
    return strdup(real);
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
    int e = k_at_path(p, G_AT_FDCWD, a[0], g, 0);
    if (e < 0) return e;
    int h = store_path_open(k_store_of(p), g, O_PATH | O_DIRECTORY, 0);
    if (h < 0) return h;
    int r = syscall(SYS_faccessat2, h, "", X_OK, AT_EMPTY_PATH) < 0 ? -errno : 0;
    char *dir = r == 0 ? k_dir_path(p, h, g) : NULL;
    close(h);
    if (r == 0 && !dir) return -ENOMEM;
    if (r == 0) strcpy(p->cwd, dir);
    free(dir);
    return r;
}

int64_t sys_fchdir(struct k_proc *p, const uint64_t a[6])
{
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
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
    int e = k_at_path(p, G_AT_FDCWD, gaddr, g, 0);
    if (e < 0) return e;
    /* O_NONBLOCK: opening a FIFO must not hold the node (exec refuses it). */
    return store_path_open(k_store_of(p), g, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
}
