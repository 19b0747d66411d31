/*
 * fd.c — the descriptor table and the open file descriptions: a guest fd names
 * a struct k_file that owns one host fd, dup'ed descriptors share it; the
 * k_file life cycle (new, put, free), installing and clearing descriptors,
 * the table of a new, forked, exec'ing or ending process (close-on-exec,
 * close-all, an abnormal end marking the image files), and descriptors as
 * they travel to another node (spawn's shipping, pdup to another node).
 *
 * Host descriptors (k_file.host: the standard descriptors inherited from the
 * host, the passed-through devices) are read, written and stat'ed, never
 * changed, named, listed or mapped: k_host_refuses answers at the top of each
 * call that would (docs/store.md, "Host descriptors", decides every call).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "kernel/files.h"
#include "shm/cache.h"
#include "shm/names.h"
#include "shm/store.h"

/* ---- Descriptor table ------------------------------------------------------ */

/* The store root every guest path of p resolves in. */
struct store *k_store_of(struct k_proc *p)
{
    return p->k->cfg.store;
}

/* "/proc/self/fd/N" for host fd h: reaches an O_PATH fd's file on the host. */
void k_path_procfd(char *buf, size_t len, int h)
{
    snprintf(buf, len, "/proc/self/fd/%d", h);
}

/* The k_file of fd, as it is: may be virtual (hostfd -1). */
struct k_file *k_file_peek(struct k_proc *p, int64_t fd)
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
int k_host_refuses(struct k_proc *p, int64_t fd, int err)
{
    struct k_file *f = k_file_peek(p, fd);
    return f && f->host ? err : 0;
}

static struct k_file *file_alloc(struct k_kernel *k)
{
    return store_cache_spare_get(&k->file_spares);
}

void k_file_free(struct k_kernel *k, struct k_file *f)
{
    store_cache_spare_put(&k->file_spares, f);
}

/* Drop one reference; the last records the image file's close (which may
 * apply its close action) and closes the host fd. 0 or the host's close error. */
int k_file_put(struct k_kernel *k, struct k_file *f)
{
    struct store_names *names = k->names;
    if (--f->refs > 0) return 0;
    if (f->vimg && store_names_close_keeps(k_store_action(f->close_action), f->vabnormal))
        k_file_materialize(k, f); /* kept: the names layer names it below */
    if (f->vimg) {                /* never named: nothing remains */
        k_virt_drop(k, f);
        k_file_free(k, f);
        return 0;
    }
    if (f->image) { /* the fd is gone either way; a parked image goes too (vm.c) */
        int gone = store_names_file_close(names, f->hostfd) == 1;
        k_vm_file_closed(k, f->hostfd, gone);
    }
    int r = close(f->hostfd) < 0 ? -errno : 0;
    free(f->dirpath);
    k_file_free(k, f);
    return r == -EINTR ? 0 : r; /* Linux: the fd is gone either way */
}

/* Put f (a reference the caller gives up) in the lowest free slot >= minfd. */
int k_fd_install(struct k_proc *p, int minfd, struct k_file *f, int cloexec)
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
struct k_file *k_file_new(struct k_kernel *k, int hostfd, const char *dirpath)
{
    struct k_file *f = file_alloc(k);
    if (!f || (dirpath && !(f->dirpath = strdup(dirpath)))) {
        k_file_free(k, f);
        return NULL;
    }
    f->hostfd = hostfd;
    f->refs = 1;
    return f;
}

/* Wrap a new host fd in a k_file and install it; closes hostfd on failure. */
int k_fd_new(struct k_proc *p, int hostfd, const char *dirpath, int cloexec)
{
    struct k_file *f = k_file_new(p->k, hostfd, dirpath);
    if (!f) {
        close(hostfd);
        return -ENOMEM;
    }
    int fd = k_fd_install(p, 0, f, cloexec);
    if (fd < 0) k_file_put(p->k, f);
    return fd;
}

/* Same for an image file whose open is already recorded in the node's
 * store_names, with close action `action` (SYM_O_DEL* or 0); on failure the
 * close is recorded and hostfd closed. */
int k_fd_new_image(struct k_proc *p, int hostfd, int action, int cloexec)
{
    struct k_file *f = k_file_new(p->k, hostfd, NULL);
    if (!f) {
        store_names_file_close(p->k->names, hostfd);
        close(hostfd);
        return -ENOMEM;
    }
    f->image = 1;
    f->close_action = action;
    int fd = k_fd_install(p, 0, f, cloexec);
    if (fd < 0) k_file_put(p->k, f);
    return fd;
}

/* Free slot fd (which must be in use). */
int k_fd_clear(struct k_proc *p, int fd)
{
    struct k_file *f = p->fd[fd].f;
    p->fd[fd].f = NULL;
    p->fd[fd].cloexec = 0;
    return k_file_put(p->k, f);
}

/* mmap and mapin of a host descriptor: ENODEV, as Linux for a file that
 * cannot be mapped (its pages would become an image file of the node). */
int k_fd_host(struct k_proc *p, int fd)
{
    int err;
    struct k_file *f = k_file_get(p, fd, &err);
    return f ? f->hostfd : err;
}

int k_fd_backing(struct k_proc *p, int fd)
{
    int e = k_host_refuses(p, fd, -ENODEV);
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
    store_names_refdirs_init(&p->refdirs);
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
    return store_names_mkrefdir(p->k->cfg.store, &p->refdirs, "/", STORE_REFNAME_IMAGE);
}

void k_files_close_all(struct k_proc *p)
{
    for (int i = 0; i < K_NFILE; i++)
        if (p->fd[i].f) k_fd_clear(p, i);
    store_names_refdirs_clear(&p->refdirs);
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
            store_names_file_abnormal(p->k->names, f->hostfd);
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
        if (p->fd[i].f && p->fd[i].cloexec) k_fd_clear(p, i);
}

int k_files_fork(struct k_proc *child, const struct k_proc *parent)
{
    for (int i = 0; i < K_NFILE; i++) {
        child->fd[i] = parent->fd[i];
        if (child->fd[i].f) child->fd[i].f->refs++;
    }
    strcpy(child->cwd, parent->cwd);
    return store_names_refdirs_copy(&child->refdirs, &parent->refdirs);
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
    else if (store_path_of_fd(k_store_of(p), f->hostfd, path, sizeof path) < 0)
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
        const struct store_names_refdir *e = &p->refdirs.ent[i];
        char path[PATH_MAX];
        if (!e->name[0] || store_path_of_fd(k_store_of(p), e->fd, path, sizeof path) < 0) continue;
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
    int h = d->stream >= 0
                ? fcntl(d->stream, F_DUPFD_CLOEXEC, 3)
                : store_path_open(k_store_of(p), d->path, (int)(d->flags & SHIP_FLAGS), 0);
    if (h < 0) return d->stream >= 0 ? 0 : h; /* the host has no such stream: nor has the guest */
    struct stat st;
    int rc = fstat(h, &st) < 0 ? -errno : 0;
    bool reg = !rc && d->stream < 0 && S_ISREG(st.st_mode);
    if (!rc && reg && !(d->flags & O_PATH) && lseek(h, d->offset, SEEK_SET) < 0) rc = -errno;
    if (!rc && reg) rc = store_names_file_open(p->k->names, h, NULL, 0);
    struct k_file *f = NULL;
    if (!rc && !(f = k_file_new(p->k, h, d->stream < 0 && S_ISDIR(st.st_mode) ? d->path : NULL))) {
        if (reg) store_names_file_close(p->k->names, h);
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
        int rc = store_names_mkrefdir(k_store_of(p), &p->refdirs, r->path, r->name);
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
    if (!k_file_peek(p, fd)) return -EBADF;
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
