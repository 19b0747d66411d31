/*
 * sys_file.h — the file-related Linux system calls (kernel/sys_file.c): the
 * descriptor table, the current directory and every call that names a file or
 * moves bytes through a descriptor. syscall.c puts these in its table.
 *
 * Each handler has the k_syscall_fn signature: it gets the six argument
 * registers and returns the value for a0, a negative Linux errno on failure.
 */
#ifndef SYMUNIX_KERNEL_SYS_FILE_H
#define SYMUNIX_KERNEL_SYS_FILE_H

#include <stdint.h>

struct k_proc;

/* Give a child (fork/spawn) the parent's descriptors (shared, as dup), cwd and
 * reference directories (copied). 0 or a negative errno (no refdirs then). */
int k_files_fork(struct k_proc *child, const struct k_proc *parent);
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
