/*
 * files.h — layer 3 of kernel/ (docs/kernel.md "Layers"): descriptors (fd.c:
 * the descriptor table, open file descriptions, a process's table at fork,
 * exec and exit, descriptors shipped to another node; vfile.c: virtual
 * anonymous files). Below it: address spaces (vm.h), the global-memory
 * client, the store. The k_ helpers below "For the file calls" serve the
 * system calls of sys_file.h.
 */
#ifndef SYMUNIX_KERNEL_FILES_H
#define SYMUNIX_KERNEL_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "kernel/vm.h"

/* Host fd behind guest fd (poll, core files), or -EBADF. */
int k_fd_host(struct k_proc *p, int fd);

/* The same for a descriptor that is to back memory (mmap, mapin): -ENODEV for
 * a host descriptor, which may be read and written but never mapped
 * (docs/store.md "Host descriptors"). */
int k_fd_backing(struct k_proc *p, int fd);

/* mapin of descriptor fd: 1 and its lazy image, inode number and host
 * status flags when it is a virtual anonymous file (nothing materialized),
 * 0 when it is not (use k_fd_host), -EBADF. */
int k_fd_virtual(struct k_proc *p, int fd, struct store_cache_image **img, uint64_t *ino,
                 int *flags);

/* Set up fds 0, 1, 2 on the host's and cwd "/" for a new initial process. */
int k_files_init(struct k_proc *p);

/* Close every descriptor (exit) / the close-on-exec ones (exec). */
void k_files_close_all(struct k_proc *p);
void k_files_close_on_exec(struct k_proc *p);

/* The process is ending abnormally (fatal signal): mark its open image files
 * so that their close actions see it (call before k_files_close_all). */
void k_files_abnormal(struct k_proc *p);

/* vfile.c: name every lazy anonymous file of this node (virtual or not)
 * made in the directory (dev, ino), as before a listing of it. */
void k_files_name_dir(struct k_kernel *k, uint64_t dev, uint64_t ino);

/* Describe the descriptors of p that can travel into *s (zeroed by the
 * caller; free it with k_ship_files_free even on failure): the emulator's
 * own standard streams, and regular files and directories inside the store
 * (by guest path, status flags and offset). Pipes, sockets, virtual
 * anonymous files, deleted files and files outside the store are left out
 * (the child has them closed); so are refdirs whose directory is gone.
 * 0 or -ENOMEM. */
int k_files_ship(struct k_proc *p, struct k_ship_files *s);

/* Give p (no descriptors, no refdirs) what s describes: streams of p's node,
 * files reopened by path with their flags and offset, refdirs bound by path.
 * 0 or the errno of the first failed reopen (what was installed stays, for
 * the caller's k_files_close_all). -EBADMSG for a malformed entry. */
int k_files_land(struct k_proc *p, const struct k_ship_files *s);
void k_ship_files_free(struct k_ship_files *s);

/* pdup to another node: describe p's descriptor fd as it can travel (d->path
 * malloc'd): 0, -EBADF, or -EXDEV when it cannot (a pipe, socket, device,
 * virtual anonymous, deleted or outside the store). */
int k_file_ship_one(struct k_proc *p, int fd, struct k_ship_fd *d);

/* ... and on the target's node: open it into t's lowest free slot with
 * close-on-exec clear. The descriptor number, or -errno (-EMFILE...). */
int k_file_land_free(struct k_proc *t, const struct k_ship_fd *d);

/* The kernel's O_LARGEFILE: glibc on x86_64 defines O_LARGEFILE as 0. */
#define HOST_O_LARGEFILE 0100000

/* ---- For the file calls (sys_file.h) ------------------------------------ */

/* fd.c: the descriptor table. */
/* The k_file of fd, as it is: may be virtual (hostfd -1). */
struct k_file *k_file_peek(struct k_proc *p, int64_t fd);
/* err when fd is a host descriptor (docs/store.md "Host descriptors"), else 0. */
int k_host_refuses(struct k_proc *p, int64_t fd, int err);
struct k_file *k_file_new(struct k_kernel *k, int hostfd, const char *dirpath);
void k_file_free(struct k_kernel *k, struct k_file *f);
/* Drop one reference to f; the last one closes it. 0 or a negative errno. */
int k_file_put(struct k_kernel *k, struct k_file *f);
/* Install f at the lowest free fd >= minfd: the fd or -EMFILE. */
int k_fd_install(struct k_proc *p, int minfd, struct k_file *f, int cloexec);
int k_fd_new(struct k_proc *p, int hostfd, const char *dirpath, int cloexec);
int k_fd_new_image(struct k_proc *p, int hostfd, int action, int cloexec);
int k_fd_clear(struct k_proc *p, int fd);

/* vfile.c: virtual anonymous files. */
mode_t k_cur_umask(struct k_kernel *k);
/* The k_file of fd with a host file (a virtual one materialized first), or
 * NULL with *err set. */
struct k_file *k_file_get(struct k_proc *p, int64_t fd, int *err);
int k_file_materialize(struct k_kernel *k, struct k_file *f);
void k_virt_drop(struct k_kernel *k, struct k_file *f);

/* The store root every guest path of p resolves in; "/proc/self/fd/N" for host fd h. */
struct store *k_store_of(struct k_proc *p);
void k_path_procfd(char *buf, size_t len, int h);
/* vfile.c: SYM_O_DEL* as the store's close action; host fd h reopened write-only. */
int k_store_action(int action);
int k_reopen_wronly(int h);

/* Give a child (fork/spawn) the parent's descriptors (shared, as dup), cwd and
 * reference directories (copied). 0 or a negative errno (no refdirs then). */
int k_files_fork(struct k_proc *child, const struct k_proc *parent);

#endif /* SYMUNIX_KERNEL_FILES_H */
