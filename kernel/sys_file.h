/*
 * sys_file.h — the file-related Linux system calls and what their files
 * share: the descriptor table, the current directory and every call that
 * names a file or moves bytes through a descriptor. syscall.c puts the
 * handlers in its table.
 *
 * The file calls, one idea per file:
 *   fd.c         the descriptor table, open file descriptions (k_file), the
 *                tables of fork/exec/exit, descriptors shipped to other nodes
 *   vfile.c      virtual anonymous files (no host file until a call needs one)
 *   sys_path.c   guest path names and the *at helpers, cwd, umask, exec's lookup
 *   sys_open.c   openat, close, dup, fcntl, ioctl, pipe2; open flags
 *   sys_rw.c     read/write and their p/v forms, lseek, getdents64, fsync
 *   sys_stat.c   fstat, newfstatat, statx, faccessat, readlinkat
 *   sys_names.c  mkdirat, unlinkat, symlinkat, linkat, renameat2, chmod,
 *                truncate, utimensat
 *   sys_refdir.c Symunix II: fdname, reference directories, pdup
 *
 * Each handler has the k_syscall_fn signature: it gets the six argument
 * registers and returns the value for a0, a negative Linux errno on failure.
 * The k_ helpers below are private to these files (layer 5, docs/kernel.md
 * "Layers"); those fd.c and vfile.c provide are in files.h.
 */
#ifndef SYMUNIX_KERNEL_SYS_FILE_H
#define SYMUNIX_KERNEL_SYS_FILE_H

#include <stdint.h>

#include "kernel/syscalls.h"

/* ---- Shared by the file calls' files -------------------------------------- */

/* sys_path.c: guest path names. */
int k_at_name(struct k_proc *p, int dirfd, const char *name, char *out, int allow_empty);
int k_at_path(struct k_proc *p, int dirfd, uint64_t gaddr, char *out, int allow_empty);
int k_at_target(struct k_proc *p, int dirfd, const char *g, int nofollow, int *owned);
void k_path_release(int hostfd, int owned);
char *k_dir_path(struct k_proc *p, int h, const char *g);

/* sys_rw.c: fsync (op 0), fdatasync (1), ftruncate (2), fchmod (3) on fd's
 * host file, through the cache when the file has mapped pages. */
int64_t k_fd_host_op(struct k_proc *p, int fd, int op, uint64_t arg);

/* execve's lookup: the guest path at gaddr (relative to cwd, or "@ref/...")
 * opened read-only inside the store root; its guest absolute path goes to g
 * (PATH_MAX bytes). The host fd, or a negative errno. */
int k_path_open_exec(struct k_proc *p, uint64_t gaddr, char *g);

int64_t sys_getcwd(struct k_proc *p, const uint64_t a[6]);
int64_t sys_dup(struct k_proc *p, const uint64_t a[6]);
int64_t sys_dup3(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fcntl(struct k_proc *p, const uint64_t a[6]);
int64_t sys_ioctl(struct k_proc *p, const uint64_t a[6]);
int64_t sys_mkdirat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_unlinkat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_symlinkat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_linkat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_renameat2(struct k_proc *p, const uint64_t a[6]);
int64_t sys_truncate(struct k_proc *p, const uint64_t a[6]);
int64_t sys_ftruncate(struct k_proc *p, const uint64_t a[6]);
int64_t sys_faccessat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_faccessat2(struct k_proc *p, const uint64_t a[6]);
int64_t sys_chdir(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fchdir(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fchmod(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fchmodat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_openat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_close(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pipe2(struct k_proc *p, const uint64_t a[6]);
int64_t sys_getdents64(struct k_proc *p, const uint64_t a[6]);
int64_t sys_lseek(struct k_proc *p, const uint64_t a[6]);
int64_t sys_read(struct k_proc *p, const uint64_t a[6]);
int64_t sys_write(struct k_proc *p, const uint64_t a[6]);
int64_t sys_readv(struct k_proc *p, const uint64_t a[6]);
int64_t sys_writev(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pread64(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pwrite64(struct k_proc *p, const uint64_t a[6]);
int64_t sys_readlinkat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_newfstatat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fstat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fsync(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fdatasync(struct k_proc *p, const uint64_t a[6]);
int64_t sys_utimensat(struct k_proc *p, const uint64_t a[6]);
int64_t sys_statx(struct k_proc *p, const uint64_t a[6]);
int64_t sys_umask(struct k_proc *p, const uint64_t a[6]);

/* Symunix II calls (sym_table): image-file names, reference directories, pdup. */
int64_t sys_mkrefdir(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fmkrefdir(struct k_proc *p, const uint64_t a[6]);
int64_t sys_rmrefdir(struct k_proc *p, const uint64_t a[6]);
int64_t sys_fdname(struct k_proc *p, const uint64_t a[6]);
int64_t sys_pdup(struct k_proc *p, const uint64_t a[6]);

#endif /* SYMUNIX_KERNEL_SYS_FILE_H */
