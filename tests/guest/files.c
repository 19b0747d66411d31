/*
 * files.c — file I/O inside the store root, relative paths only.
 * Attacks: openat/read/write/lseek/pread/pwrite/readv/writev, fstat/stat,
 * ftruncate, fsync, mkdir/rename/unlink/rmdir, getdents64 (sorted listing),
 * dup/dup2/fcntl/pipe, getcwd/chdir, and the errno values the guest must see
 * (ENOENT, EEXIST, EBADF, ENOTDIR, ENOTEMPTY, EFAULT from a bad pointer).
 * Descriptor numbers and absolute paths are never printed: under qemu they are
 * the host's, which differ from the emulator's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;

static void check(int cond, const char *what)
{
    printf("%-40s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

/* Print the errno of a call that must fail with a specific error. */
static void expect_errno(long ret, int want, const char *what)
{
    int e = ret < 0 ? errno : 0;
    printf("%-40s ret=%ld errno=%s\n", what, ret, e ? strerror(e) : "none");
    if (ret >= 0 || e != want) failures++;
}

/* Raw syscall: glibc wrappers may check pointers themselves. */
static void expect_raw_errno(long ret, int want, const char *what)
{
    printf("%-40s %s\n", what, ret == -1 && errno == want ? "ok" : "FAIL");
    if (!(ret == -1 && errno == want)) failures++;
}

static void test_rw(void)
{
    int fd = open("data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check(fd >= 0, "open O_CREAT");
    check(write(fd, "hello file\n", 11) == 11, "write 11");
    check(lseek(fd, 0, SEEK_CUR) == 11, "lseek SEEK_CUR");
    check(lseek(fd, 6, SEEK_SET) == 6, "lseek SEEK_SET");
    char buf[64] = {0};
    check(read(fd, buf, sizeof buf) == 5 && memcmp(buf, "file\n", 5) == 0, "read after seek");
    check(read(fd, buf, sizeof buf) == 0, "read at EOF");
    check(pwrite(fd, "HELLO", 5, 0) == 5, "pwrite");
    check(lseek(fd, 0, SEEK_CUR) == 11, "pwrite keeps offset");
    memset(buf, 0, sizeof buf);
    check(pread(fd, buf, 10, 0) == 10 && strcmp(buf, "HELLO file") == 0, "pread");
    check(lseek(fd, 0, SEEK_END) == 11, "lseek SEEK_END");
    check(lseek(fd, 100, SEEK_END) == 111 && write(fd, "x", 1) == 1, "write past EOF (hole)");

    struct stat st;
    check(fstat(fd, &st) == 0 && st.st_size == 112 && S_ISREG(st.st_mode), "fstat size 112");
    check((st.st_mode & 0700) == 0600, "fstat owner rw");
    memset(buf, 'z', sizeof buf);
    check(pread(fd, buf, 4, 50) == 4 && !buf[0] && !buf[1] && !buf[2] && !buf[3],
          "hole reads zeros");
    check(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate 5");
    check(fsync(fd) == 0, "fsync");

    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    check(lseek(fd, 0, SEEK_SET) == 0 && writev(fd, wv, 3) == 6, "writev");
    char a[3] = {0}, b[5] = {0};
    struct iovec rv[2] = {{a, 2}, {b, 4}};
    check(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, rv, 2) == 6, "readv");
    printf("readv got \"%s\" \"%s\"\n", a, b);
    check(close(fd) == 0, "close");

    check(stat("data.txt", &st) == 0 && st.st_size == 6, "stat size 6");
    check(access("data.txt", R_OK | W_OK) == 0, "access");

    fd = open("data.txt", O_WRONLY | O_APPEND);
    check(fd >= 0 && write(fd, "++", 2) == 2 && close(fd) == 0, "O_APPEND write");
    check(stat("data.txt", &st) == 0 && st.st_size == 8, "append grew to 8");
}

static void test_errors(void)
{
    expect_errno(open("missing.txt", O_RDONLY), ENOENT, "open missing");
    expect_errno(open("data.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST,
                 "open O_EXCL existing");
    expect_errno(close(12345), EBADF, "close bad fd");
    expect_errno(read(-1, NULL, 0), EBADF, "read fd -1");
    expect_errno(open("data.txt/sub", O_RDONLY), ENOTDIR, "open through a file");
    expect_errno(mkdir("data.txt", 0755), EEXIST, "mkdir over a file");
    expect_errno(unlink("nodir/x"), ENOENT, "unlink in missing dir");
    expect_errno(rmdir("data.txt"), ENOTDIR, "rmdir a file");

    int fd = open("data.txt", O_RDONLY);
    expect_raw_errno(syscall(SYS_read, fd, (void *)16, 4), EFAULT, "read into bad pointer");
    expect_raw_errno(syscall(SYS_write, 1, (void *)16, 4), EFAULT, "write from bad pointer");
    expect_raw_errno(syscall(SYS_openat, AT_FDCWD, (void *)16, O_RDONLY), EFAULT,
                     "openat bad path pointer");
    expect_raw_errno(syscall(SYS_fstat, fd, (void *)16), EFAULT, "fstat bad buffer");
    expect_errno(write(fd, "x", 1), EBADF, "write to O_RDONLY fd");
    close(fd);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List a directory sorted by name: getdents order is the filesystem's own. */
static void list_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, strerror(errno));
        failures++;
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    /* Names starting with '@' are the kernel's reference directories. */
    while ((e = readdir(d)) && n < 64)
        if (e->d_name[0] != '@') names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void test_dirs(void)
{
    check(mkdir("dir", 0755) == 0, "mkdir dir");
    check(mkdir("dir/sub", 0755) == 0, "mkdir dir/sub");
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "dir/f%d", 4 - i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        check(fd >= 0 && close(fd) == 0, "create dir/fN");
    }
    list_dir("dir");
    struct stat st;
    check(stat("dir", &st) == 0 && S_ISDIR(st.st_mode), "stat dir is dir");
    check(rename("dir/f0", "dir/sub/moved") == 0, "rename into subdir");
    check(rename("data.txt", "dir/data2.txt") == 0, "rename file");
    list_dir("dir");
    list_dir("dir/sub");
    expect_errno(rmdir("dir/sub"), ENOTEMPTY, "rmdir non-empty");
    check(unlink("dir/sub/moved") == 0, "unlink");
    check(rmdir("dir/sub") == 0, "rmdir empty");
    expect_errno(stat("dir/sub", &st), ENOENT, "stat removed dir");
    list_dir("dir");
    list_dir(".");
}

static void test_fds(void)
{
    int fd = open("dir/data2.txt", O_RDONLY);
    int d = dup(fd);
    check(d >= 0 && d != fd, "dup");
    char c;
    check(read(fd, &c, 1) == 1 && lseek(d, 0, SEEK_CUR) == 1, "dup shares offset");
    check(dup2(fd, 40) == 40, "dup2 to 40");
    check(dup2(fd, fd) == fd, "dup2 to itself");
    check(fcntl(40, F_GETFD) == 0, "dup2 clears FD_CLOEXEC");
    check(fcntl(40, F_SETFD, FD_CLOEXEC) == 0 && fcntl(40, F_GETFD) == FD_CLOEXEC, "F_SETFD");
    int d2 = fcntl(fd, F_DUPFD, 50);
    check(d2 >= 50, "F_DUPFD >= 50");
    check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "F_GETFL O_RDONLY");
    int d3 = fcntl(fd, F_DUPFD_CLOEXEC, 60);
    check(d3 >= 60 && fcntl(d3, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
    close(fd);
    close(d);
    close(40);
    close(d2);
    close(d3);
    expect_errno(fcntl(40, F_GETFD), EBADF, "fcntl closed fd");

    int p[2];
    check(pipe(p) == 0, "pipe");
    check(write(p[1], "through the pipe", 16) == 16, "pipe write");
    char buf[32] = {0};
    check(read(p[0], buf, sizeof buf) == 16 && strcmp(buf, "through the pipe") == 0, "pipe read");
    close(p[1]);
    check(read(p[0], buf, sizeof buf) == 0, "pipe EOF after close");
    close(p[0]);
}

static void test_cwd(void)
{
    char buf[4096];
    check(mkdir("cwdtest", 0755) == 0 && chdir("cwdtest") == 0, "chdir cwdtest");
    check(getcwd(buf, sizeof buf) != NULL, "getcwd");
    const char *slash = strrchr(buf, '/');
    printf("getcwd ends in: %s\n", slash ? slash : "(no slash)");
    int fd = open("inner", O_CREAT | O_WRONLY, 0644);
    check(fd >= 0 && close(fd) == 0, "create relative to new cwd");
    check(chdir("..") == 0, "chdir ..");
    struct stat st;
    check(stat("cwdtest/inner", &st) == 0, "file landed in cwdtest");
    expect_errno(chdir("dir/data2.txt"), ENOTDIR, "chdir to a file");
    expect_errno(chdir("nowhere"), ENOENT, "chdir missing");
    check(getcwd(buf, 1) == NULL && errno == ERANGE, "getcwd ERANGE");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_rw();
    test_errors();
    test_dirs();
    test_fds();
    test_cwd();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
