/*
 * xdir.c — reading a directory names the lazy anonymous files that processes
 * of other nodes made in it (issue 11 item 2; the paper §4.1: no name until
 * one is asked for, by fdname or by reading the directory). Run by xdir.sh
 * on 1 to 4 ranks with the number of nodes P as argv[1]; the output does not
 * depend on P.
 *
 * Children on every other node (one child on node 0 when alone) each make in
 * xl/ a virtual anonymous file (ftruncate only: no host file at all) and one
 * that has a memory file (written), and one in xo/; then they wait. The
 * initial process lists xl/ from node 0: every child's two files must be
 * there, named by the child's node (anon.<node>.<n>), with their contents;
 * xo/, never read while its file lived, must be empty after the children end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symunix.h"

#define PG    4096ul
#define G     ((volatile int64_t *)0x2000000000ul) /* the global lseg: 1 page */
#define GFLAG (SYM_PROT_READ | SYM_PROT_WRITE | SYM_MEM_GLOBAL | SYM_MEM_STRICT | SYM_SPAWN_INHERIT)
#define NMAX  8

enum { W_READY = 0, W_GO = 1 };

static int nodes, failures;

static void check(const char *what, int ok)
{
    printf("%-60s %s\n", what, ok ? "ok" : "FAIL");
    fflush(stdout);
    if (!ok) failures++;
}

static void msleep(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int64_t amoadd(volatile int64_t *p, int64_t v)
{
    int64_t r;
    __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

static void await(volatile int64_t *w, int64_t v)
{
    while (amoadd(w, 0) < v)
        msleep(1);
}

static int my_node(void)
{
    struct sym_pinfo pi;
    return pinfo(0, &pi) == 0 ? pi.node : -1;
}

/* A child: its lazy files, then wait for the listing to be done. */
static void child(void)
{
    char msg[32];
    int node = my_node();
    int v = open("xl", SYM_O_ANON | O_RDWR, 0644); /* stays virtual */
    int m = open("xl", SYM_O_ANON | O_RDWR, 0644); /* gets a memory file */
    int o = open("xo", SYM_O_ANON | O_RDWR, 0644);
    int len = snprintf(msg, sizeof msg, "from node %d\n", node);
    int ok = v >= 0 && m >= 0 && o >= 0 && ftruncate(v, 3 * PG) == 0 &&
             write(m, msg, (size_t)len) == len && write(o, msg, (size_t)len) == len;
    amoadd(&G[W_READY], 1);
    await(&G[W_GO], 1);
    close(v);
    close(m);
    close(o);
    _exit(ok ? 0 : 1);
}

/* Entries of dir (not . and ..) into names[]; their number. */
static int list(const char *dir, char names[][64], int max)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < max)
            snprintf(names[n++], 64, "%.63s", e->d_name);
    if (d) closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    nodes = argc > 1 ? atoi(argv[1]) : 1;
    int kids = nodes > 1 ? nodes - 1 : 1;
    mkdir("xl", 0755);
    mkdir("xo", 0755);
    int fd = open("/", O_RDWR | SYM_O_ANON, 0600);
    check("mapin a global page", fd >= 0 && mapin((void *)G, PG, fd, 0, GFLAG) == 0);
    close(fd);
    int32_t pids[NMAX];
    fflush(stdout);
    /* Child i on node i mod P: every other node (node 0 when alone). */
    if (spawn(kids, SIGCHLD | (nodes > 1 ? 0 : SYM_SPAWN_HERE), pids) > 0) child();
    await(&G[W_READY], kids);

    char names[2 * NMAX + 4][64];
    int n = list("xl", names, 2 * NMAX + 4);
    check("the listing of xl/ names every child's two lazy files", n == 2 * kids);
    int per[NMAX] = {0}, good = 1, sizes = 0, texts = 0;
    for (int i = 0; i < n; i++) {
        unsigned node, k;
        char end, path[96], buf[64] = {0};
        if (sscanf(names[i], "anon.%u.%u%c", &node, &k, &end) != 2 || node >= NMAX) {
            good = 0;
            continue;
        }
        per[node]++;
        snprintf(path, sizeof path, "xl/%.63s", names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size == 3 * (long)PG) sizes++;
        int f = open(path, O_RDONLY);
        char want[32];
        snprintf(want, sizeof want, "from node %u\n", node);
        if (f >= 0 && read(f, buf, sizeof buf - 1) > 0 && strcmp(buf, want) == 0) texts++;
        if (f >= 0) close(f);
    }
    for (int c = 0; c < kids; c++)
        if (per[nodes > 1 ? c + 1 : 0] != 2) good = 0;
    check("each named anon.<node>.<n> by the child's own node", good);
    check("the virtual ones have their size", sizes == kids);
    check("the written ones hold what the child wrote", texts == kids);
    G[W_GO] = 1;
    int ends = 0;
    for (int c = 0; c < kids; c++) {
        int st;
        if (waitpid(pids[c], &st, 0) == pids[c] && WIFEXITED(st) && WEXITSTATUS(st) == 0) ends++;
    }
    check("the children ended normally", ends == kids);
    check("the named files stay after their last close", list("xl", names, 2 * NMAX + 4) == n);
    check("xo/, never read while its files lived, is empty", list("xo", names, 4) == 0);
    printf("%s\n", failures ? "SOME FAILED" : "ALL OK");
    return failures ? 1 : 0;
}
