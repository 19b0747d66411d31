/*
 * names.c — the naming layer through the kernel's file calls (symunix only):
 * lazy anonymous files (SYM_O_ANON), getdents naming them, fdname and its
 * errors, close actions from open flags and fcntl with a normal end,
 * reference directories ("@name/rest" paths, their errors, the root that
 * "@name/.." cannot leave) and pdup on the caller itself. Generated names
 * are printed as "anon.<node>.<n>" so the output is stable; compared with
 * names.expected.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symunix.h"

/* "anon.<node>.<n>" for a generated name, else the name itself. */
static const char *stable(const char *name)
{
    unsigned node, n;
    char end;
    if (sscanf(name, "anon.%u.%u%c", &node, &n, &end) == 2) return "anon.<node>.<n>";
    return name;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the sorted entries of dir (without "." and ".."). */
static void list(const char *dir)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        printf("ls %s: %s\n", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(stable(e->d_name));
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("%s\n", n ? "" : " (empty)");
}

static const char *err(int r)
{
    return r < 0 ? strerror(errno) : "ok";
}

static const char *exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? "exists" : "gone";
}

static void anon_files(void)
{
    mkdir("d", 0755);
    mkdir("e", 0755);
    int fd = open("d", SYM_O_ANON | O_RDWR, 0644);
    char buf[64] = {0};
    printf("anon open: %s\n", err(fd));
    printf("write: %zd\n", write(fd, "anonymous data", 14));
    lseek(fd, 0, SEEK_SET);
    printf("read back: %zd %s\n", read(fd, buf, sizeof buf - 1), buf);
    list("d");
    char path[256];
    int n = fdname(fd, path, sizeof path);
    printf("fdname: %d %s %s\n", n, n == (int)strlen(path) ? "len-ok" : "len-bad",
           strncmp(path, "/d/", 3) == 0 ? stable(path + 3) : path);
    printf("fdname small: %s\n", err(fdname(fd, path, 3)));
    printf("fdname badfd: %s\n", err(fdname(999, path, sizeof path)));
    printf("fdname badbuf: %s\n", err(fdname(fd, (char *)8, sizeof path)));
    close(fd);
    list("d");
    fd = open("e", SYM_O_ANON | O_WRONLY, 0644);
    printf("anon e write: %zd\n", write(fd, "x", 1));
    close(fd);
    struct stat sb;
    fd = open("e", SYM_O_ANON | O_CREAT | O_RDWR, 0600); /* O_CREAT: the mode is passed */
    printf("anon mode: %s %o\n", err(fstat(fd, &sb)), (unsigned)(sb.st_mode & 0777));
    close(fd);
    list("e");
    printf("anon rdonly: %s\n", err(open("e", SYM_O_ANON | O_RDONLY)));
    close(open("e/file", O_CREAT | O_WRONLY, 0644));
    printf("anon on file: %s\n", err(open("e/file", SYM_O_ANON | O_RDWR)));
    printf("anon missing dir: %s\n", err(open("nodir", SYM_O_ANON | O_RDWR)));
    printf("two actions: %s\n", err(open("e/file", O_RDWR | SYM_O_DELCLOSE | SYM_O_DELABNORMAL)));
    unlink("e/file");
}

/* Open path with flags, close it and say whether it survived. */
static void close_action(const char *path, int flags)
{
    int fd = open(path, O_CREAT | O_RDWR | flags, 0644);
    close(fd);
    printf("close action %s: %s\n", path, exists(path));
}

static void close_actions(void)
{
    mkdir("c", 0755);
    close_action("c/delclose", SYM_O_DELCLOSE);
    close_action("c/delnotabnormal", SYM_O_DELNOTABNORMAL);
    close_action("c/delabnormal", SYM_O_DELABNORMAL);
    close_action("c/none", 0);
    int fd = open("c/fcntl", O_CREAT | O_RDWR, 0644);
    printf("getclose: %d\n", fcntl(fd, SYM_F_GETCLOSE));
    printf("setclose: %d\n", fcntl(fd, SYM_F_SETCLOSE, SYM_O_DELCLOSE));
    printf("getclose: %s\n", fcntl(fd, SYM_F_GETCLOSE) == SYM_O_DELCLOSE ? "DELCLOSE" : "?");
    printf("setclose two: %s\n",
           err(fcntl(fd, SYM_F_SETCLOSE, SYM_O_DELCLOSE | SYM_O_DELABNORMAL)));
    close(fd);
    printf("fcntl DELCLOSE: %s\n", exists("c/fcntl"));
    int a = open("c/twice", O_CREAT | O_RDWR | SYM_O_DELCLOSE, 0644);
    int b = open("c/twice", O_RDWR);
    close(a);
    printf("twice after one close: %s\n", exists("c/twice"));
    close(b);
    printf("twice after last close: %s\n", exists("c/twice"));
    int dfd = open("c", O_RDONLY | O_DIRECTORY);
    printf("setclose dir: %s\n", err(fcntl(dfd, SYM_F_SETCLOSE, SYM_O_DELCLOSE)));
    close(dfd);
    fd = open("c", SYM_O_ANON | O_RDWR | SYM_O_DELABNORMAL, 0644);
    close(fd);
    fd = open("c", SYM_O_ANON | O_RDWR | SYM_O_DELNOTABNORMAL, 0644);
    close(fd);
    list("c");
}

static void refdirs(void)
{
    struct stat a, b;
    mkdir("r", 0755);
    mkdir("r/sub", 0755);
    printf("@image is /: %s\n",
           stat("@image", &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino ? "yes" : "no");
    printf("mkrefdir r: %s\n", err(mkrefdir("r", "@r")));
    int fd = open("@r/sub/../x", O_CREAT | O_WRONLY, 0644);
    printf("create @r/sub/../x: %s, r/x %s\n", err(fd), exists("r/x"));
    close(fd);
    fd = open("@r/../../../..", O_RDONLY | O_DIRECTORY);
    printf("@r/../../../.. is /: %s\n",
           fd >= 0 && fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino ? "yes"
                                                                                       : "no");
    close(fd);
    int dfd = open("r/sub", O_RDONLY | O_DIRECTORY);
    printf("fmkrefdir sub: %s\n", err(fmkrefdir(dfd, "@s")));
    close(dfd);
    close(open("@s/y", O_CREAT | O_WRONLY, 0644));
    printf("r/sub/y: %s\n", exists("r/sub/y"));
    char cwd[256];
    printf("chdir @s: %s, cwd %s\n", err(chdir("@s")), getcwd(cwd, sizeof cwd));
    chdir("/");
    printf("rmrefdir r: %s\n", err(rmrefdir("@r")));
    printf("open @r/x: %s\n", err(open("@r/x", O_RDONLY)));
    printf("rmrefdir r again: %s\n", err(rmrefdir("@r")));
    printf("mkrefdir no @: %s\n", err(mkrefdir("r", "r")));
    printf("mkrefdir @: %s\n", err(mkrefdir("r", "@")));
    printf("mkrefdir @a/b: %s\n", err(mkrefdir("r", "@a/b")));
    printf("mkrefdir long: %s\n", err(mkrefdir("r", "@0123456789012345678901234567890123456789")));
    printf("rmrefdir no @: %s\n", err(rmrefdir("x")));
    printf("mkrefdir file: %s\n", err(mkrefdir("r/x", "@f")));
    printf("mkrefdir missing: %s\n", err(mkrefdir("nodir", "@n")));
    printf("fmkrefdir badfd: %s\n", err(fmkrefdir(999, "@z")));
    int r = 0, i;
    for (i = 0; i < 20 && r == 0; i++) {
        char name[16];
        snprintf(name, sizeof name, "@n%d", i);
        r = mkrefdir("r", name);
    }
    printf("mkrefdir until full: %s after %d more\n", err(r), i - 1);
}

static void pdups(void)
{
    int fd = open("c/none", O_RDONLY);
    int d = pdup(0, fd);
    printf("pdup 0: %s\n", d > fd ? "new fd" : err(d));
    close(d);
    d = pdup(getpid(), fd);
    printf("pdup self: %s\n", d > fd ? "new fd" : err(d));
    close(d);
    printf("pdup other: %s\n", err(pdup(12345, fd)));
    printf("pdup badfd: %s\n", err(pdup(0, 999)));
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    anon_files();
    close_actions();
    refdirs();
    pdups();
    return 0;
}
