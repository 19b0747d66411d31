/*
 * virtanon.c — virtual anonymous files (symunix only): open(dir, SYM_O_ANON)
 * gives a descriptor with no host file until a call needs one. The cheap
 * calls (mapin, mapout, ftruncate, fstat, fcntl flags and close actions, dup,
 * fork, pdup, close) work on the virtual file; every other call (read, write,
 * pread, pwrite, lseek, fsync, fdname, getdents of its directory, fchmod)
 * gives it a host file first, and the file must then behave exactly as it
 * did: the bytes written through a mapping are the file's, mappers keep
 * seeing the same pages, fstat keeps its type and size. A never-named file
 * leaves nothing behind when closed; one whose close action keeps it is named.
 * The directory check at open gives the same answers when the directory
 * changes between opens (the store's directory cache). Generated names are
 * printed as "anon.<node>.<n>"; compared with virtanon.expected.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symunix.h"

#define PG   4096UL
#define BASE ((char *)0x2000000000UL)
#define RW   (SYM_PROT_READ | SYM_PROT_WRITE)

static const char *err(long r)
{
    return r < 0 ? strerror(errno) : "ok";
}

/* Print the sorted entries of dir (generated names made stable). */
static void list(const char *dir)
{
    char names[16][300];
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        printf("ls %s: %s\n", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < 16) {
        unsigned node, k;
        char end;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (sscanf(e->d_name, "anon.%u.%u%c", &node, &k, &end) == 2)
            strcpy(names[n++], "anon.<node>.<n>");
        else
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("%s\n", n ? "" : " (empty)");
}

/* "reg SIZE" of fd's fstat, or the error. */
static const char *st(int fd)
{
    static char buf[64];
    struct stat sb;
    if (fstat(fd, &sb) < 0) return strerror(errno);
    snprintf(buf, sizeof buf, "%s %lld", S_ISREG(sb.st_mode) ? "reg" : "other",
             (long long)sb.st_size);
    return buf;
}

/* Data through a mapping, then a read: the file has the mapper's bytes. */
static void mapped_then_read(void)
{
    mkdir("m", 0755);
    int fd = open("m", SYM_O_ANON | O_RDWR, 0644);
    printf("open: %s, fstat: %s\n", err(fd), st(fd));
    printf("ftruncate 2 pages: %s, ", err(ftruncate(fd, 2 * PG)));
    printf("fstat: %s\n", st(fd));
    printf("mapin: %s\n", err(mapin(BASE, 2 * PG, fd, 0, RW)));
    strcpy(BASE, "hello");
    strcpy(BASE + PG, "world");
    char buf[16] = {0};
    printf("pread page 1: %zd ", pread(fd, buf, 5, PG)); /* materializes */
    printf("%s\n", buf);
    printf("fstat after: %s\n", st(fd));
    strcpy(BASE, "again");
    memset(buf, 0, sizeof buf);
    printf("pread page 0 after a store: %zd ", pread(fd, buf, 5, 0));
    printf("%s\n", buf);
    printf("pwrite: %zd, ", pwrite(fd, "HELLO", 5, 0));
    printf("mapping sees: %.5s\n", BASE);
    printf("fsync: %s\n", err(fsync(fd)));
    printf("mapout: %s, ", err(mapout(BASE, 2 * PG)));
    printf("close: %s\n", err(close(fd)));
    list("m");
}

/* Written, listed and named: the content survives materialization. */
static void written_listed_named(void)
{
    mkdir("w", 0755);
    int fd = open("w", SYM_O_ANON | O_RDWR, 0600);
    printf("mapin 1 page: %s, ", err(mapin(BASE, PG, fd, 0, RW)));
    printf("fstat: %s\n", st(fd));
    strcpy(BASE + 100, "listed");
    list("w"); /* names it */
    char path[256], buf[16] = {0};
    int n = fdname(fd, path, sizeof path);
    printf("fdname: %s %s\n", n > 0 ? "ok" : err(n),
           strncmp(path, "/w/anon.", 8) ? path : "/w/anon.*");
    int fd2 = open(path, O_RDONLY);
    printf("by name: %zd ", pread(fd2, buf, 6, 100));
    printf("%s\n", buf);
    printf("fstat by name: %s\n", st(fd2));
    close(fd2);
    mapout(BASE, PG);
    close(fd);
    list("w");

    /* fdname of a virtual file with nothing mapped; write(2) and lseek. */
    fd = open("w", SYM_O_ANON | O_RDWR, 0600);
    printf("write: %zd, ", write(fd, "abc", 3));
    printf("lseek: %lld, fstat: %s\n", (long long)lseek(fd, 0, SEEK_CUR), st(fd));
    close(fd);
    list("w");
}

/* Virtual files shared by dup, pdup and fork. */
static void shared(void)
{
    mkdir("s", 0755);
    int fd = open("s", SYM_O_ANON | O_RDWR, 0600);
    int d = dup(fd), pd = pdup(0, fd);
    printf("dup: %s, pdup: %s\n", d > fd ? "ok" : err(d), pd > d ? "ok" : err(pd));
    printf("ftruncate via dup: %s, ", err(ftruncate(d, PG)));
    printf("fstat via fd: %s\n", st(fd));
    printf("mapin via pdup: %s\n", err(mapin(BASE, PG, pd, 0, RW | SYM_SPAWN_INHERIT)));
    strcpy(BASE, "parent");
    pid_t pid = fork();
    if (pid == 0) { /* the child writes through its inherited mapping and fd */
        strcpy(BASE + 10, "cmap");
        pwrite(fd, "cfd", 3, 20);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
    printf("parent sees: %s %s %.3s\n", BASE, BASE + 10, BASE + 20);
    char buf[8] = {0};
    printf("pread via dup: %zd ", pread(d, buf, 4, 10));
    printf("%s\n", buf);
    mapout(BASE, PG);
    close(fd);
    close(pd);
    printf("still open via dup: %s\n", st(d));
    close(d);
    list("s");

    /* A fork child closes its copy; the parent's stays virtual and works. */
    fd = open("s", SYM_O_ANON | O_RDWR, 0600);
    ftruncate(fd, PG);
    if ((pid = fork()) == 0) _exit(close(fd) == 0 ? 0 : 1);
    waitpid(pid, &status, 0);
    printf("child closed: %s, parent fstat: %s\n", WEXITSTATUS(status) == 0 ? "ok" : "failed",
           st(fd));
    close(fd);
    list("s");
}

/* fcntl on a virtual file, and the same answers once it has a host file. */
static void flags(void)
{
    mkdir("f", 0755);
    int fd = open("f", SYM_O_ANON | O_RDWR | O_CLOEXEC, 0600);
    int fl = fcntl(fd, F_GETFL);
    printf("getfl: rdwr %d append %d; getfd cloexec %d\n", (fl & O_ACCMODE) == O_RDWR,
           !!(fl & O_APPEND), fcntl(fd, F_GETFD) == FD_CLOEXEC);
    printf("setfl append: %s\n", err(fcntl(fd, F_SETFL, O_APPEND)));
    printf("setfd 0: %s, ", err(fcntl(fd, F_SETFD, 0)));
    printf("getfd %d\n", fcntl(fd, F_GETFD));
    printf("setclose delclose: %s, ", err(fcntl(fd, SYM_F_SETCLOSE, SYM_O_DELCLOSE)));
    printf("getclose %d\n", fcntl(fd, SYM_F_GETCLOSE) == SYM_O_DELCLOSE);
    write(fd, "12", 2);
    write(fd, "34", 2); /* O_APPEND held across materialization */
    fl = fcntl(fd, F_GETFL);
    printf("after write: size %s, getfl append %d, getclose %d\n", st(fd), !!(fl & O_APPEND),
           fcntl(fd, SYM_F_GETCLOSE) == SYM_O_DELCLOSE);
    close(fd);

    fd = open("f", SYM_O_ANON | O_WRONLY, 0600);
    fl = fcntl(fd, F_GETFL);
    printf("wronly: getfl wronly %d, ", (fl & O_ACCMODE) == O_WRONLY);
    printf("mapin %s, ", err(mapin(BASE, PG, fd, 0, SYM_PROT_READ)));
    printf("fstat %s, ", st(fd));
    printf("write %zd\n", write(fd, "x", 1));
    printf("wronly after write: getfl wronly %d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY);
    close(fd);
    list("f");
}

/* Close actions on never-materialized files: only a keeping one leaves a file. */
static void close_actions(void)
{
    mkdir("c", 0755);
    int fd = open("c", SYM_O_ANON | O_RDWR | SYM_O_DELCLOSE, 0600);
    mapin(BASE, PG, fd, 0, RW);
    strcpy(BASE, "gone");
    mapout(BASE, PG);
    close(fd);
    list("c");
    fd = open("c", SYM_O_ANON | O_RDWR | SYM_O_DELABNORMAL, 0600); /* normal end: kept */
    mapin(BASE, PG, fd, 0, RW);
    strcpy(BASE, "kept");
    close(fd); /* still mapped: the name comes at the close all the same */
    list("c");
    DIR *d = opendir("c");
    struct dirent *e;
    char path[300] = "", buf[8] = {0};
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') snprintf(path, sizeof path, "c/%s", e->d_name);
    closedir(d);
    int k = open(path, O_RDONLY);
    printf("kept file: %zd ", pread(k, buf, 4, 0));
    printf("%s, mapping: %s\n", buf, BASE);
    close(k);
    printf("mapout: %s\n", err(mapout(BASE, PG)));

    /* Closed while mapped and never named: the mapping keeps the pages. */
    fd = open("c", SYM_O_ANON | O_RDWR, 0600);
    printf("mapin: %s, ", err(mapin(BASE, PG, fd, 0, RW)));
    printf("close: %s\n", err(close(fd)));
    strcpy(BASE, "orphan");
    printf("mapped after close: %s\n", BASE);
    printf("mapout: %s\n", err(mapout(BASE, PG)));
}

/* The directory removed before the file needs a host file: it still gets
 * one (as a file created at open had), only a name is impossible. */
static void deleted_dir(void)
{
    mkdir("x", 0755);
    int fd = open("x", SYM_O_ANON | O_RDWR, 0600);
    printf("rmdir under a virtual file: %s\n", err(rmdir("x")));
    printf("write: %zd, ", pwrite(fd, "data", 4, 0));
    char buf[8] = {0}, path[256];
    printf("pread: %zd ", pread(fd, buf, 4, 0));
    printf("%s\n", buf);
    printf("fdname: %s\n", err(fdname(fd, path, sizeof path)));
    printf("close: %s\n", err(close(fd)));
}

/* The directory is checked at open, as before. */
static void errors(void)
{
    close(open("file", O_CREAT | O_WRONLY, 0644));
    printf("on a file: %s\n", err(open("file", SYM_O_ANON | O_RDWR)));
    printf("missing dir: %s\n", err(open("nodir", SYM_O_ANON | O_RDWR)));
    printf("rdonly: %s\n", err(open(".", SYM_O_ANON | O_RDONLY)));
    printf("mapin badfd: %s\n", err(mapin(BASE, PG, 99, 0, RW)));
    printf("fstat badfd: %s\n", err(fstat(99, &(struct stat){0})));
}

/* One lazy operation in dir: open, mapin, touch, mapout, close; the open's
 * result. */
static const char *lazy_op(const char *dir)
{
    int fd = open(dir, SYM_O_ANON | O_RDWR);
    if (fd < 0) return strerror(errno);
    if (mapin(BASE, PG, fd, 0, RW) != 0) return "mapin failed";
    if (BASE[0] != 0) return "not zero";
    BASE[0] = 1;
    if (mapout(BASE, PG) != 0 || close(fd) != 0) return "mapout/close failed";
    return "ok";
}

/* The kernel remembers directories it checked (the store's directory
 * cache): a directory renamed, removed or replaced (by another directory,
 * a file, a symlink inside the root or one climbing out of it) between two
 * opens gives what the first open of it would, and a file opened before a
 * rename is named where its directory went. */
static void dir_changes(void)
{
    mkdir("dc", 0755);
    mkdir("dc/a", 0755);
    printf("dc/a: %s, again: %s\n", lazy_op("dc/a"), lazy_op("dc/a"));
    int fd = open("dc/a", SYM_O_ANON | O_RDWR);
    printf("rename: %s\n", err(rename("dc/a", "dc/r")));
    printf("dc/a after rename: %s, dc/r: %s\n", lazy_op("dc/a"), lazy_op("dc/r"));
    char path[256] = "";
    printf("fdname: %s ", err(fdname(fd, path, sizeof path)));
    printf("%s\n", strncmp(path, "/dc/r/anon.", 11) == 0 ? "/dc/r/anon.*" : path);
    unlink(path);
    close(fd);
    printf("rmdir: %s, dc/r: %s\n", err(rmdir("dc/r")), lazy_op("dc/r"));
    mkdir("dc/r", 0755);
    printf("made again: %s\n", lazy_op("dc/r"));
    rmdir("dc/r");
    close(open("dc/r", O_CREAT | O_WRONLY, 0644));
    printf("now a file: %s\n", lazy_op("dc/r"));
    unlink("dc/r");
    mkdir("dc/t", 0755);
    printf("symlink inside: %s, ", err(symlink("/dc/t", "dc/r")));
    printf("open: %s, again: %s\n", lazy_op("dc/r"), lazy_op("dc/r"));
    unlink("dc/r");
    symlink("../../../../../../..", "dc/r"); /* ".." stops at the root */
    printf("symlink climbing out: %s, again: %s\n", lazy_op("dc/r"), lazy_op("dc/r"));
    unlink("dc/r");
    symlink("/usr/bin", "dc/r"); /* a host directory: the root has no /usr */
    printf("symlink to a host dir: %s\n", lazy_op("dc/r"));
    unlink("dc/r");
    rmdir("dc/t");
    list("dc");
    rmdir("dc");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    mapped_then_read();
    written_listed_named();
    shared();
    flags();
    close_actions();
    deleted_dir();
    errors();
    dir_changes();
    return 0;
}
