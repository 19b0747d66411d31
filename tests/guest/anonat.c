/*
 * anonat.c — anonymous files made through a directory descriptor (symunix
 * only): openat(dirfd, ".", SYM_O_ANON|O_RDWR), Linux's O_TMPFILE idiom,
 * makes the file in the directory the descriptor names, with no path. The
 * file takes data by write and by mapin, fdname names it in that directory,
 * a descriptor that is not a directory gives ENOTDIR, and a directory renamed
 * after it was opened still gets the file (the path form, which goes by the
 * old name, does not). The case of a directory moved out of the store root
 * by a host process needs the host: tests/unit/kernel/test_files.c.
 * Generated names are printed as "anon.<node>.<n>"; compared with
 * anonat.expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symunix.h"

#define PG   4096UL
#define BASE ((char *)0x2000000000UL)
#define RW   (SYM_PROT_READ | SYM_PROT_WRITE)

static const char *err(long r)
{
    return r < 0 ? strerror(errno) : "ok";
}

/* fdname of fd with the generated part made stable: "DIR/anon.<node>.<n>". */
static void show_name(const char *what, int fd)
{
    char buf[256], *slash;
    unsigned node, k;
    char end;
    if (fdname(fd, buf, sizeof buf) < 0) {
        printf("%s: fdname: %s\n", what, strerror(errno));
        return;
    }
    slash = strrchr(buf, '/');
    if (slash && sscanf(slash + 1, "anon.%u.%u%c", &node, &k, &end) == 2)
        strcpy(slash + 1, "anon.<node>.<n>");
    printf("%s: fdname: %s\n", what, buf);
}

int main(void)
{
    mkdir("d", 0755);
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    printf("open d: %s\n", err(dfd));

    /* Data by write, read back by pread, and by mapin. */
    int fd = openat(dfd, ".", SYM_O_ANON | O_RDWR, 0600);
    printf("openat(d, \".\"): %s\n", err(fd));
    printf("write: %ld\n", (long)write(fd, "hello", 5));
    char got[8] = "";
    printf("pread: %ld %s\n", (long)pread(fd, got, 5, 0), got);
    show_name("written", fd);
    printf("close: %s\n", err(close(fd)));

    fd = openat(dfd, "./", SYM_O_ANON | O_RDWR);
    printf("openat(d, \"./\"): %s\n", err(fd));
    printf("ftruncate: %s\n", err(ftruncate(fd, PG)));
    printf("mapin: %s\n", err(mapin(BASE, PG, fd, 0, RW)));
    strcpy(BASE, "mapped");
    printf("pread after a store: %ld %s\n", (long)pread(fd, got, 7, 0), got);
    printf("mapout: %s\n", err(mapout(BASE, PG)));
    show_name("mapped", fd);
    printf("close: %s\n", err(close(fd)));

    /* Never named: nothing remains. */
    fd = openat(dfd, ".", SYM_O_ANON | O_RDWR);
    printf("mapin: %s\n", err(mapin(BASE, PG, fd, 0, RW)));
    BASE[0] = 1;
    printf("mapout: %s, close: %s\n", err(mapout(BASE, PG)), err(close(fd)));

    /* Not a directory. */
    int ffd = open("f", O_RDWR | O_CREAT, 0644);
    fd = openat(ffd, ".", SYM_O_ANON | O_RDWR);
    printf("openat(file, \".\"): %s\n", err(fd));
    fd = openat(99, ".", SYM_O_ANON | O_RDWR);
    printf("openat(99, \".\"): %s\n", err(fd));
    fd = openat(dfd, ".", SYM_O_ANON | O_RDONLY);
    printf("openat(d, \".\", O_RDONLY): %s\n", err(fd));

    /* The directory renamed after it was opened. */
    printf("rename d e: %s\n", err(rename("d", "e")));
    fd = openat(dfd, "../d", SYM_O_ANON | O_RDWR);
    printf("openat(d, \"../d\"): %s\n", err(fd));
    fd = openat(dfd, ".", SYM_O_ANON | O_RDWR);
    printf("openat(d, \".\") after the rename: %s\n", err(fd));
    show_name("renamed", fd);
    printf("close: %s\n", err(close(fd)));
    printf("close d: %s\n", err(close(dfd)));

    /* Names made: the two fdname'd files and the renamed one, in e. */
    int n = 0;
    for (int i = 0; i < 8; i++) {
        char p[64];
        snprintf(p, sizeof p, "e/anon.0.%d", i);
        if (unlink(p) == 0) n++;
    }
    printf("names in e: %d\n", n);
    printf("rmdir e: %s\n", err(rmdir("e")));
    unlink("f");
    return 0;
}
