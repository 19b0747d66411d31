/*
 * vfile.c — virtual anonymous files: SYM_O_ANON gives a k_file with no host
 * file at all (hostfd -1), only a lazy image of the node's cache (vimg), its
 * directory and the flags and close action its host file will get. mapin
 * maps that image directly; mapout, ftruncate, fstat, close, dup, fork, pdup
 * and the fcntl flag and close-action commands are served from the k_file.
 * Every other call gets its k_file through k_file_get, which materializes a
 * virtual one first (store_names_anon_create_in, then the image adopts the new
 * file), so no call site ever sees hostfd -1; k_file_peek (fd.c) is for the
 * few that do not need a host file. Kept apart because it is the one place
 * that knows a k_file may have no host file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/guest_abi.h"
#include "kernel/files.h"
#include "shm/cache.h"
#include "shm/names.h"
#include "shm/store.h"
#include "symunix/abi.h"

/* ---- Virtual anonymous files ------------------------------------------------ */

/* The node's virtual files are listed in k->vfiles; k->umask_v caches the
 * host umask, k->uid_v and k->gid_v the host's effective ids. */
mode_t k_cur_umask(struct k_kernel *k)
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
void k_virt_drop(struct k_kernel *k, struct k_file *f)
{
    store_cache_image_close(f->vimg); /* a lazy image: its pages go, nothing is written */
    vlist_del(k, f);
    f->vimg = NULL;
    f->vdirfd = -1;
}

/* SYM_O_DEL* to the store's STORE_DELETE_* (0 stays 0). */
int k_store_action(int action)
{
    return action == SYM_O_DELCLOSE         ? STORE_DELETE_ON_LAST_CLOSE
           : action == SYM_O_DELNOTABNORMAL ? STORE_DELETE_UNLESS_ABNORMAL
           : action == SYM_O_DELABNORMAL    ? STORE_DELETE_IF_ABNORMAL
                                            : 0;
}

/* Host fd h (read/write) reopened write-only; h is kept. */
int k_reopen_wronly(int h)
{
    char src[64];
    k_path_procfd(src, sizeof src, h);
    int r = open(src, O_WRONLY | O_CLOEXEC);
    return r < 0 ? -errno : r;
}

/*
 * Give virtual f its host file: the existing anonymous-file path
 * (store_names_anon_create_in: a memory file recorded in the node's names, one open
 * for this k_file), opened with f's access and status flags; the lazy image
 * then adopts it, so that every mapper keeps the same pages and the file is
 * found by identity from now on. 0 (also when f is not virtual) or a
 * negative errno (f stays virtual).
 */
int k_file_materialize(struct k_kernel *k, struct k_file *f)
{
    if (!f->vimg) return 0;
    int h = store_names_anon_create_in(k->names, f->vdirfd, (mode_t)f->vmode,
                                       k_store_action(f->close_action));
    if (h < 0) return h;
    int w = h, r = 0;
    if ((f->vflags & O_ACCMODE) == O_WRONLY && (w = k_reopen_wronly(h)) < 0) r = w;
    if (!r && fcntl(w, F_SETFL, f->vflags & (O_APPEND | O_NONBLOCK)) < 0) r = -errno;
    if (!r) r = store_cache_image_adopt(f->vimg, h); /* last: it cannot be undone */
    if (r < 0) {
        /* The record goes without its close action: the file was never named. */
        if (w >= 0 && w != h) close(w);
        store_names_file_setaction(k->names, h, 0);
        store_names_file_close(k->names, h);
        close(h);
        return r;
    }
    if (w != h) close(h); /* w's record is h's: same file */
    if (f->vabnormal) store_names_file_abnormal(k->names, w);
    struct store_cache_image *img = f->vimg;
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
struct k_file *k_file_get(struct k_proc *p, int64_t fd, int *err)
{
    struct k_file *f = k_file_peek(p, fd);
    *err = -EBADF;
    if (f && f->vimg) {
        int r = k_file_materialize(p->k, f);
        if (r < 0) {
            *err = r;
            return NULL;
        }
    }
    return f;
}

/* Before the directory (dev, ino) is listed: its virtual files become host
 * files (store_names_dir_materialize then names them). */
static void materialize_dir(struct k_kernel *k, uint64_t dev, uint64_t ino)
{
    struct stat v;
    for (struct k_file *f = k->vfiles, *next; f; f = next) {
        next = f->vnext;
        if (fstat(f->vdirfd, &v) == 0 && v.st_dev == dev && v.st_ino == ino)
            k_file_materialize(k, f);
    }
}

void k_files_name_dir(struct k_kernel *k, uint64_t dev, uint64_t ino)
{
    materialize_dir(k, dev, ino);
    store_names_dir_materialize_id(k->names, (dev_t)dev, (ino_t)ino);
}

int k_fd_virtual(struct k_proc *p, int fd, struct store_cache_image **img, uint64_t *ino,
                 int *flags)
{
    struct k_file *f = k_file_peek(p, fd);
    if (!f) return -EBADF;
    if (!f->vimg) return 0;
    *img = f->vimg;
    *ino = f->vino;
    *flags = f->vflags;
    return 1;
}

/* Open file descriptions come and go at every open and close of a virtual
 * anonymous file: a few freed ones are kept (k->file_spares, shm/cache.h). */
