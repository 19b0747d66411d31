/*
 * cowfile.c — copy-on-write of named files (issue 11 item 1; the paper's
 * §4.3(1) and (3)), run by cow.sh with a MODE:
 *
 *  spawn-here, spawn-node1: a mapping of a named file with spawn action COPY
 *   (a mapin set to COPY, and a MAP_PRIVATE mmap) is a snapshot at the spawn:
 *   after the spawn the parent writes the file through a mapping made after
 *   it, with write(2), and then ftruncates it to 0; the child (on the
 *   parent's node, or on node 1) then still reads the bytes of the spawn.
 *   The child waits for a flag file the parent makes when it is done.
 *  read: an 8 MiB file made resident by writing it through mapin is read(2)
 *   page-aligned into fresh memory; the data must be right, a later write to
 *   the buffer must not reach the file, and later writes to the file (write
 *   (2), a mapping, ftruncate) must not reach the buffer. cow.sh runs it
 *   under --mem 14M and wants few page evictions: the read maps the file's
 *   resident pages copy-on-write instead of copying them.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define PG    4096ul
#define RW    (SYM_PROT_READ | SYM_PROT_WRITE)
#define MAPIN ((volatile char *)0x3000000000ul)
#define MAPW  ((volatile char *)0x3100000000ul)

static int failures;

static void check(const char *what, int ok)
{
    printf("%-60s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static void msleep(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* ---- spawn ---------------------------------------------------------------- */

#define SRC  "/cow_src"
#define FLAG "/cow_go"

/* The child: wait for the parent's flag, then check both copies. */
static int spawn_child(volatile char *priv)
{
    for (int i = 0; access(FLAG, F_OK) != 0; i++) {
        if (i > 60000) return 64; /* a minute: the parent never finished */
        msleep(1);
    }
    int bad = 0;
    if (MAPIN[10] != 'A' || MAPIN[PG + 5] != 'A') bad |= 1;
    if (priv[10] != 'A' || priv[PG + 5] != 'A') bad |= 2;
    for (size_t i = 0; i < 2 * PG; i++)
        if (MAPIN[i] != 'A' || priv[i] != 'A') {
            bad |= 4;
            break;
        }
    return bad;
}

static int spawn_mode(int flags)
{
    unlink(FLAG);
    int fd = open(SRC, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char buf[2 * PG];
    memset(buf, 'A', sizeof buf);
    check("spawn: the file written", fd >= 0 && write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
    check("spawn: mapin with spawn action COPY",
          mapin((void *)MAPIN, 2 * PG, fd, 0, RW | SYM_SPAWN_COPY) == 0);
    volatile char *priv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check("spawn: a MAP_PRIVATE mapping", priv != MAP_FAILED);
    check("spawn: both read the file", MAPIN[0] == 'A' && priv[PG] == 'A');
    int32_t pid;
    int me = spawn(1, SIGCHLD | flags, &pid);
    if (me > 0) _exit(spawn_child(priv));
    check("spawn: one child", me == 0);

    /* After the spawn: a new shared mapping, write(2), ftruncate. */
    volatile char *w = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("parent: a shared mapping made after the spawn", w != MAP_FAILED);
    w[10] = 'B';
    w[PG + 5] = 'B';
    munmap((void *)w, 2 * PG);
    check("parent: pwrite(2)", pwrite(fd, "CC", 2, 100) == 2);
    check("parent: ftruncate to 0", ftruncate(fd, 0) == 0);
    int ff = open(FLAG, O_WRONLY | O_CREAT, 0600);
    check("parent: the flag", ff >= 0);
    close(ff);

    int st;
    check("wait4 reaps the child", waitpid(pid, &st, 0) == pid && WIFEXITED(st));
    int bad = WEXITSTATUS(st);
    check("child: COPY mapin is the spawn-time snapshot", !(bad & 1));
    check("child: MAP_PRIVATE is the spawn-time snapshot", !(bad & 2));
    check("child: every byte of both", !(bad & 4));
    check("child: the flag came", !(bad & 64));
    close(fd);
    unlink(SRC);
    unlink(FLAG);
    return 0;
}

/* ---- read ----------------------------------------------------------------- */

#define BIG   "/cow_big"
#define BIGSZ (8ul << 20)
#define NPG   (BIGSZ / PG)

static uint64_t word(uint64_t i)
{
    return i * 0x9e3779b97f4a7c15ull + 1;
}

static int read_mode(void)
{
    int fd = open(BIG, O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("read: create", fd >= 0 && ftruncate(fd, BIGSZ) == 0);
    check("read: mapin", mapin((void *)MAPW, BIGSZ, fd, 0, RW) == 0);
    volatile uint64_t *m = (volatile uint64_t *)MAPW;
    for (uint64_t i = 0; i < BIGSZ / 8; i++)
        m[i] = word(i);
    check("read: mapout (the pages stay resident)", mapout((void *)MAPW, BIGSZ) == 0);

    uint64_t *buf = mmap(NULL, BIGSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("read: fresh memory", buf != MAP_FAILED);
    buf[0] = 1; /* a fork now freezes it: the read goes into a shadow with no page of its own */
    pid_t early = fork();
    if (early == 0) _exit(0);
    check("read: a fork before the read", early > 0 && waitpid(early, NULL, 0) == early);
    check("read: read(2) of 8 MiB", pread(fd, buf, BIGSZ, 0) == (ssize_t)BIGSZ);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < BIGSZ / 8; i++)
        if (buf[i] != word(i)) bad++;
    check("read: every word right", bad == 0);

    /* A fork child's copy of the buffer is the buffer at the fork. */
    unlink(FLAG);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; access(FLAG, F_OK) != 0; i++) {
            if (i > 60000) _exit(2);
            msleep(1);
        }
        _exit(buf[9 * PG / 8] == word(9 * PG / 8) && buf[10 * PG / 8] == word(10 * PG / 8) ? 0 : 1);
    }
    uint64_t zz[2] = {0, 0};
    check("read: pwrite(2) after a fork", pwrite(fd, zz, 16, 9 * PG) == 16);
    buf[10 * PG / 8] = 0;
    int ff = open(FLAG, O_WRONLY | O_CREAT, 0600);
    close(ff);
    int st;
    check("read: the fork child keeps the buffer as it was",
          waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    check("read: the parent's buffer too", buf[9 * PG / 8] == word(9 * PG / 8));
    buf[10 * PG / 8] = word(10 * PG / 8);
    unlink(FLAG);

    /* The buffer is private: writing it does not reach the file. */
    buf[3] = 7;
    buf[NPG / 2 * (PG / 8)] = 8;
    uint64_t v[2];
    check("read: the buffer's writes do not reach the file",
          pread(fd, &v[0], 8, 24) == 8 && v[0] == word(3) &&
              pread(fd, &v[1], 8, NPG / 2 * PG) == 8 && v[1] == word(NPG / 2 * (PG / 8)));
    /* And the file's later changes do not reach the buffer. */
    uint64_t z = 0;
    check("read: pwrite(2) to the file", pwrite(fd, &z, 8, 5 * PG) == 8);
    check("read: the buffer keeps its page", buf[5 * PG / 8] == word(5 * PG / 8));
    check("read: mapin again", mapin((void *)MAPW, BIGSZ, fd, 0, RW) == 0);
    MAPW[6 * PG] = 0x55;
    MAPW[6 * PG + 1] = 0x55;
    check("read: mapout", mapout((void *)MAPW, BIGSZ) == 0);
    check("read: a mapping's write does not reach the buffer", buf[6 * PG / 8] == word(6 * PG / 8));
    check("read: ftruncate to 4 MiB", ftruncate(fd, BIGSZ / 2) == 0);
    bad = 0;
    for (uint64_t i = 0; i < BIGSZ / 8; i++)
        if (buf[i] != (i == 3 ? 7 : i == NPG / 2 * (PG / 8) ? 8 : word(i))) bad++;
    check("read: every word of the buffer still right", bad == 0);
    close(fd);
    unlink(BIG);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "spawn-here"))
        spawn_mode(SYM_SPAWN_HERE);
    else if (!strcmp(mode, "spawn-node1"))
        spawn_mode(SYM_SPAWN_NODE(1));
    else if (!strcmp(mode, "read"))
        read_mode();
    else {
        fprintf(stderr, "usage: cowfile spawn-here|spawn-node1|read\n");
        return 2;
    }
    printf("%s: %s\n", mode, failures ? "FAILED" : "all ok");
    return failures != 0;
}
