/*
 * cowexec.c — a running program keeps its text when its executable is
 * rewritten (issue 11 item 1; the paper's §4.3(2): text is a copy-on-write
 * copy of the a.out file, "the disk file can be rewritten, while the file is
 * shared"). Run by cow.sh, which copies this program into the store root as
 * /cowexec.elf and starts it with a MODE: it execs /cowexec.elf MODE run,
 * which rewrites its own executable by MODE (zeros, which are illegal
 * instructions) and then calls NF functions, each on its own text page that
 * nothing touched before the rewrite, after 16 MiB of other memory has been
 * touched (on --mem 4M: the pages cached before are gone). Every one must
 * return its own value.
 *
 * MODE: otrunc (open O_TRUNC, write zeros), truncate (truncate(path, 0)),
 * mmap (a MAP_SHARED read/write mapping of the file, zeroed), mapin (the same
 * through mapin), remote (a child spawned on node 1 writes zeros with
 * pwrite(2): needs 2 ranks).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symunix.h"

#define EXE   "/cowexec.elf"
#define PG    4096ul
#define MAPAT ((void *)0x3000000000ul)

/* NF functions, one per page, never called before the rewrite. */
#define F(n)                                                                                       \
    __attribute__((noinline, aligned(4096))) static long f##n(long x)                              \
    {                                                                                              \
        return x * 7 + n;                                                                          \
    }
#define F8(a) F(a##0) F(a##1) F(a##2) F(a##3) F(a##4) F(a##5) F(a##6) F(a##7)
F8(1)
F8(2)
F8(3) F8(4) F8(5) F8(6)
#define R8(a) f##a##0, f##a##1, f##a##2, f##a##3, f##a##4, f##a##5, f##a##6, f##a##7,
    static long (*const volatile fns[])(long) = {R8(1) R8(2) R8(3) R8(4) R8(5) R8(6)};
static const long ids[] = {10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27,
                           30, 31, 32, 33, 34, 35, 36, 37, 40, 41, 42, 43, 44, 45, 46, 47,
                           50, 51, 52, 53, 54, 55, 56, 57, 60, 61, 62, 63, 64, 65, 66, 67};
#define NF (sizeof fns / sizeof fns[0])

static int zero_fd(int fd, off_t size)
{
    static char zeros[65536];
    for (off_t at = 0; at < size;) {
        size_t n = size - at < (off_t)sizeof zeros ? (size_t)(size - at) : sizeof zeros;
        ssize_t w = pwrite(fd, zeros, n, at);
        if (w <= 0) return -1;
        at += w;
    }
    return 0;
}

/* Rewrite EXE by mode; 0 when done. */
static int rewrite(const char *mode, off_t size)
{
    if (!strcmp(mode, "otrunc")) {
        int fd = open(EXE, O_WRONLY | O_TRUNC);
        if (fd < 0) return -1;
        int rc = zero_fd(fd, size);
        close(fd);
        return rc;
    }
    if (!strcmp(mode, "truncate")) return truncate(EXE, 0);
    if (!strcmp(mode, "mmap") || !strcmp(mode, "mapin")) {
        int fd = open(EXE, O_RDWR);
        if (fd < 0) return -1;
        size_t len = ((size_t)size + PG - 1) & ~(PG - 1);
        char *m = MAPAT;
        if (!strcmp(mode, "mmap")) {
            m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) return -1;
        } else if (mapin(m, len, fd, 0, SYM_PROT_READ | SYM_PROT_WRITE) != 0) {
            return -1;
        }
        memset(m, 0, (size_t)size);
        int rc = !strcmp(mode, "mmap") ? munmap(m, len) : mapout(m, len);
        close(fd);
        return rc;
    }
    if (!strcmp(mode, "remote")) {
        int32_t pid;
        fflush(stdout);
        int me = spawn(1, SIGCHLD | SYM_SPAWN_NODE(1), &pid);
        if (me < 0) return -1;
        if (me > 0) { /* the child, on node 1 */
            int fd = open(EXE, O_WRONLY);
            _exit(fd < 0 || zero_fd(fd, size) != 0 ? 1 : 0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
        return 0;
    }
    return -1;
}

/* Touch 16 MiB of fresh memory: on a small node (cow.sh runs with --mem 4M)
 * every clean page cached before, the executable's too, is evicted, so a
 * text page that still read the file would be read again now. */
static void sweep(void)
{
    size_t n = 16ul << 20;
    volatile char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    for (size_t i = 0; i < n; i += PG)
        m[i] = 1;
    munmap((void *)m, n);
}

/* The file now reads as the rewrite left it: zeros, or nothing. */
static int rewritten(const char *mode)
{
    int fd = open(EXE, O_RDONLY);
    if (fd < 0) return 0;
    unsigned char b[64];
    ssize_t n = pread(fd, b, sizeof b, 0);
    close(fd);
    if (!strcmp(mode, "truncate")) return n == 0;
    if (n != (ssize_t)sizeof b) return 0;
    for (size_t i = 0; i < sizeof b; i++)
        if (b[i]) return 0;
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: cowexec MODE\n");
        return 2;
    }
    const char *mode = argv[1];
    if (argc < 3 || strcmp(argv[2], "run")) { /* the initial program: exec the store's copy */
        char *args[] = {EXE, argv[1], "run", NULL};
        execv(EXE, args);
        perror("execv " EXE);
        return 2;
    }
    struct stat st;
    if (stat(EXE, &st) != 0) return 3;
    if (fns[0](1) != 1 * 7 + ids[0]) return 4; /* one page touched before */
    int rc = rewrite(mode, st.st_size);
    sweep();
    printf("%s: executable rewritten %s\n", mode, rc == 0 && rewritten(mode) ? "ok" : "FAIL");
    long bad = 0;
    for (size_t i = 0; i < NF; i++)
        if (fns[i]((long)i) != (long)i * 7 + ids[i]) bad++;
    printf("%s: %zu text pages run after the rewrite %s\n", mode, NF, bad ? "FAIL" : "ok");
    return bad != 0 || rc != 0;
}
