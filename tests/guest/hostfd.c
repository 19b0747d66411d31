/*
 * hostfd.c — descriptors the guest inherits from the host, and devices the
 * store passes through, are host objects (docs/store.md, "Host
 * descriptors"): read, written, polled and stat'ed, never changed, linked,
 * listed or mapped. Run by hostfd.sh with a host file, then a host
 * directory, as stdin (argv[1] "file" or "dir"), and once more for the
 * program path ("exe"); every fd-taking call is tried on fd 0 (and on an
 * opened /dev/full, /dev/zero) and its result printed, compared with
 * hostfd.expected. The script then checks on the host that nothing changed.
 * Symunix only: under qemu these calls reach the host files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "symunix.h"

#define BASE ((void *)0x2000000000UL)

static const char *ename(int e)
{
    static const struct {
        int e;
        const char *n;
    } t[] = {{EPERM, "EPERM"},   {ENOENT, "ENOENT"},   {EBADF, "EBADF"},
             {EACCES, "EACCES"}, {EEXIST, "EEXIST"},   {EXDEV, "EXDEV"},
             {ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
             {EINVAL, "EINVAL"}, {ENOTTY, "ENOTTY"},   {ENOSPC, "ENOSPC"},
             {ESPIPE, "ESPIPE"}, {ENOLCK, "ENOLCK"},   {EROFS, "EROFS"},
             {ENOSYS, "ENOSYS"}, {EFAULT, "EFAULT"},   {EOPNOTSUPP, "EOPNOTSUPP"}};
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].e == e) return t[i].n;
    static char buf[32];
    snprintf(buf, sizeof buf, "errno %d", e);
    return buf;
}

/* One line: the call and "ok" (or the value when asked) or its errno's name. */
static void show(const char *what, long r)
{
    if (r < 0)
        printf("%-34s %s\n", what, ename(errno));
    else
        printf("%-34s ok\n", what);
}

/* The calls that change, name, list or map the file behind fd (all refused);
 * `cur` is its own status, so that a call the old code let through changes
 * nothing on a device node. */
static void changes(const char *tag, int fd, const struct stat *cur)
{
    char w[64];
#define T(name, call)                                                                              \
    do {                                                                                           \
        snprintf(w, sizeof w, "%s %s", tag, name);                                                 \
        errno = 0;                                                                                 \
        show(w, (long)(call));                                                                     \
    } while (0)
    struct timespec ts[2] = {cur->st_atim, cur->st_mtim};
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    T("fchmod", fchmod(fd, cur->st_mode & 07777));
    T("futimens", futimens(fd, ts));
    T("utimensat(fd, \"\")", utimensat(fd, "", ts, AT_EMPTY_PATH));
    T("ftruncate", ftruncate(fd, cur->st_size));
    T("linkat(AT_EMPTY_PATH)", linkat(fd, "", AT_FDCWD, "/linked", AT_EMPTY_PATH));
    T("getdents64", syscall(SYS_getdents64, fd, w, sizeof w));
    T("fchdir", fchdir(fd));
    T("openat(fd, \"x\")", openat(fd, "x", O_RDONLY));
    T("openat(fd, \"x\", O_CREAT)", openat(fd, "x", O_RDWR | O_CREAT, 0600));
    T("openat(fd, \".\", SYM_O_ANON)", openat(fd, ".", SYM_O_ANON | O_RDWR));
    T("mkdirat(fd, \"x\")", mkdirat(fd, "x", 0700));
    T("unlinkat(fd, \"x\")", unlinkat(fd, "x", 0));
    T("symlinkat(\"/\", fd, \"x\")", symlinkat("/", fd, "x"));
    T("renameat(fd, \"x\", fd, \"y\")", renameat(fd, "x", fd, "y"));
    T("fchmodat(fd, \"x\")", fchmodat(fd, "x", 0600, 0));
    T("fstatat(fd, \"x\")", fstatat(fd, "x", &(struct stat){0}, 0));
    T("fcntl F_SETLK", fcntl(fd, F_SETLK, &fl));
    T("fcntl F_GETLK", fcntl(fd, F_GETLK, &fl));
    T("fcntl F_OFD_SETLK", fcntl(fd, F_OFD_SETLK, &fl));
    T("fcntl F_SETPIPE_SZ", fcntl(fd, F_SETPIPE_SZ, 65536));
    T("ioctl TCSETS", ioctl(fd, TCSETS, &(struct termios){0}));
    void *m;
    T("mmap", (m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED ? -1 : 0);
    if (m != MAP_FAILED) munmap(m, 4096);
    T("mapin", mapin(BASE, 4096, fd, 0, SYM_PROT_READ));
    mapout(BASE, 4096); /* when the old code mapped it */
    T("fmkrefdir", fmkrefdir(fd, "@host"));
    char name[256];
    T("fdname", fdname(fd, name, sizeof name));
#undef T
}

/* The calls that read, write or describe: allowed (the host answers). */
static void reads(const char *tag, int fd)
{
    char w[64], buf[64] = {0};
    struct stat st;
    unsigned char sx[256];
    struct termios tio;
    int n;
#define T(name, call)                                                                              \
    do {                                                                                           \
        snprintf(w, sizeof w, "%s %s", tag, name);                                                 \
        errno = 0;                                                                                 \
        show(w, (long)(call));                                                                     \
    } while (0)
    T("fstat", fstat(fd, &st));
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    T("poll POLLIN", poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN) ? 0 : -1);
    T("fstatat(fd, \"\", AT_EMPTY_PATH)", fstatat(fd, "", &st, AT_EMPTY_PATH));
    T("statx(fd, \"\", AT_EMPTY_PATH)", syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, sx));
    T("faccessat2(fd, \"\", R_OK)", syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
    T("fcntl F_GETFL", fcntl(fd, F_GETFL));
    T("fcntl F_SETFL (same flags)", fcntl(fd, F_SETFL, fcntl(fd, F_GETFL)));
    T("fcntl F_GETFD", fcntl(fd, F_GETFD));
    T("ioctl TCGETS", ioctl(fd, TCGETS, &tio));
    T("ioctl FIONREAD", ioctl(fd, FIONREAD, &n));
    T("fsync", fsync(fd));
    T("fdatasync", fdatasync(fd));
    int d = dup(fd);
    T("dup", d);
    T("dup3", dup3(fd, 40, O_CLOEXEC));
    T("fcntl F_DUPFD", fcntl(fd, F_DUPFD, 41));
    T("pdup(0, fd)", pdup(0, fd));
    close(d), close(40), close(41);
    T("pread", pread(fd, buf, 4, 0));
    T("lseek", lseek(fd, 0, SEEK_SET));
    T("read", read(fd, buf, sizeof buf - 1));
    if (S_ISREG(st.st_mode)) printf("%s read: %s", tag, buf);
    struct iovec iov = {buf, 4};
    T("readv", readv(fd, &iov, 1));
    T("write", write(fd, "x", 1));
    T("pwrite", pwrite(fd, "x", 1, 0));
    T("writev", writev(fd, &iov, 1));
#undef T
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "file";
    if (!strcmp(mode, "exe")) { /* the program's own path, as the guest sees it */
        char exe[256] = {0};
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        printf("/proc/self/exe -> %s\n", n < 0 ? ename(errno) : exe);
        const char *fn = (const char *)getauxval(AT_EXECFN);
        printf("AT_EXECFN -> %s\n", fn ? fn : "(none)");
        return 0;
    }
    struct stat st;
    if (fstat(0, &st) < 0) return 2;
    printf("stdin is a %s\n", S_ISDIR(st.st_mode) ? "directory" : "file");
    changes("stdin", 0, &st);
    reads("stdin", 0);
    if (strcmp(mode, "file")) return 0;
    /* Devices the store passes through: the same rule. */
    int full = open("/dev/full", O_RDWR);
    if (full < 0 || fstat(full, &st) < 0) return 3;
    changes("/dev/full", full, &st);
    reads("/dev/full", full);
    close(full);
    int zero = open("/dev/zero", O_RDWR);
    show("/dev/zero mmap MAP_SHARED",
         mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0) == MAP_FAILED ? -1 : 0);
    close(zero);
    /* By name, /dev/full is only opened: changing calls resolve in the root. */
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    errno = 0;
    show("utimensat(\"/dev/full\")", utimensat(AT_FDCWD, "/dev/full", ts, 0));
    errno = 0;
    show("chmod(\"/dev/full\")", chmod("/dev/full", st.st_mode & 07777));
    errno = 0;
    show("open(\"/linked\")", open("/linked", O_RDWR));
    return 0;
}
