/*
 * sys_refdir.c — the Symunix II file calls (sym_table): fdname (naming an
 * image file), reference directories (mkrefdir, fmkrefdir, rmrefdir: the
 * "@name" bindings sys_path.c resolves) and pdup (a descriptor into another
 * process, on this node or another: remote.c). The close actions are
 * fcntl's (sys_open.c).
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/guest_abi.h"
#include "shm/names.h"
#include "shm/store.h"

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
    int e = k_host_refuses(p, (int)a[0], -ENOENT); /* no guest name */
    if (e) return e;
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    char path[PATH_MAX];
    int r = store_names_anon_name(p->k->names, f->hostfd, path, sizeof path);
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
    int e = k_at_path(p, G_AT_FDCWD, a[0], g, 0);
    if (e == 0) e = refname_in(p, a[1], ref, sizeof ref);
    if (e < 0) return e;
    return store_names_mkrefdir(k_store_of(p), &p->refdirs, g, ref);
}

/* fmkrefdir(fd, refname): bind refname to the directory open at fd. */
int64_t sys_fmkrefdir(struct k_proc *p, const uint64_t a[6])
{
    int e = k_host_refuses(p, (int)a[0], -ENOTDIR); /* not a directory of the root */
    if (e) return e;
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    char ref[2 * STORE_REFNAME_MAX];
    e = refname_in(p, a[1], ref, sizeof ref);
    if (e < 0) return e;
    return store_names_fmkrefdir(k_store_of(p), &p->refdirs, f->hostfd, ref);
}

/* rmrefdir(refname): remove a binding. */
int64_t sys_rmrefdir(struct k_proc *p, const uint64_t a[6])
{
    char ref[2 * STORE_REFNAME_MAX];
    int e = refname_in(p, a[0], ref, sizeof ref);
    if (e < 0) return e;
    return store_names_rmrefdir(&p->refdirs, ref);
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
    struct k_file *f = k_file_peek(p, (int)a[1]);
    if (!f) return -EBADF;
    int fd = k_fd_install(t, 0, f, 0);
    if (fd >= 0) f->refs++;
    return fd;
}
