/*
 * spawn_actions.c — what a fork child sees of each lseg, by its spawn action
 * (design §4, issue 3): COPY is a private copy-on-write copy, INHERIT the same
 * pages shared at the same address, REALLOC fresh zeros, DROP absent. Also the
 * two-process case of "map the same image file and see each other's writes":
 * parent and child mapin one named file independently, at different addresses.
 *
 * Order is forced, not hoped for: the processes hand a turn word back and forth
 * in the INHERIT lseg, yielding the PE while they wait, so each check happens
 * after the other side's write. The copy-on-write checks run in both
 * directions (parent writes after the fork, then the child writes). The child
 * reports through its exit status, the parent through stdout. Symunix-only:
 * compared with spawn_actions.expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sched.h>

#include <symunix.h>

#define PG 4096ul
#define RW (SYM_PROT_READ | SYM_PROT_WRITE)

#define COPY    ((volatile char *)0x1000000000ul)
#define INHERIT ((volatile char *)0x1000100000ul)
#define REALLOC ((volatile char *)0x1000200000ul)
#define DROP    ((volatile char *)0x1000300000ul)
#define NAMED_P ((volatile char *)0x1000400000ul) /* the named file, parent's view */
#define NAMED_C ((volatile char *)0x1000500000ul) /* the named file, child's view */

/* INHERIT page 1: the turn word. */
#define TURN ((volatile int *)(INHERIT + PG))

static int failures;

static void check(const char *what, int ok)
{
    printf("%-52s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static void wait_turn(int t)
{
    while (*TURN != t)
        sched_yield();
}

/* ---- DROP: the child's access must fault. ---- */

static sigjmp_buf segv_jump;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(segv_jump, 1);
}

static int faults_on_read(volatile char *addr)
{
    struct sigaction sa = {.sa_handler = on_segv};
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(segv_jump, 1)) return 1;
    (void)*addr;
    return 0;
}

/* Each failed child check sets one bit of its exit status. */
static int child(void)
{
    int bad = 0;
    wait_turn(1); /* the parent has written COPY after the fork */
    if (COPY[0] != 'c' || COPY[PG + 7] != 'C') bad |= 1;   /* sees the fork-time copy */
    if (INHERIT[0] != 'i') bad |= 2;                       /* sees the shared page */
    if (REALLOC[0] != 0 || REALLOC[PG - 1] != 0) bad |= 4; /* fresh zeros */
    if (!faults_on_read(DROP)) bad |= 8;                   /* absent */
    COPY[0] = 'k';                                         /* private: parent must not see it */
    INHERIT[0] = 'K';                                      /* shared: parent must see it */
    REALLOC[0] = 'r';

    int fd = open("spawn_named", O_RDWR);
    if (fd < 0 || mapin((void *)NAMED_C, PG, fd, 0, RW) != 0)
        bad |= 16;
    else if (NAMED_C[100] != 'p')
        bad |= 32; /* the parent's write through its own mapin */
    else
        NAMED_C[200] = 'q'; /* the parent must see it through its own */
    *TURN = 2;
    wait_turn(3); /* the parent checked; COPY must still be the child's own */
    if (COPY[0] != 'k') bad |= 64;
    return bad;
}

static int map_anon(volatile char *at, size_t size, unsigned action)
{
    int fd = open(".", O_RDWR | SYM_O_ANON, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) return -1;
    int rc = mapin((void *)at, size, fd, 0, RW | action);
    close(fd); /* the lseg keeps the image file */
    return rc;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    check("mapin COPY lseg", map_anon(COPY, 2 * PG, SYM_SPAWN_COPY) == 0);
    check("mapin INHERIT lseg", map_anon(INHERIT, 2 * PG, SYM_SPAWN_INHERIT) == 0);
    check("mapin REALLOC lseg", map_anon(REALLOC, PG, SYM_SPAWN_REALLOC) == 0);
    check("mapin DROP lseg", map_anon(DROP, PG, SYM_SPAWN_DROP) == 0);
    COPY[0] = 'c';
    COPY[PG + 7] = 'C';
    INHERIT[0] = 'i';
    REALLOC[0] = 'z';
    DROP[0] = 'd';
    *TURN = 0;

    int nf = open("spawn_named", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("named file: ftruncate", nf >= 0 && ftruncate(nf, PG) == 0);
    check("named file: parent's mapin", mapin((void *)NAMED_P, PG, nf, 0, RW) == 0);
    NAMED_P[100] = 'p';

    pid_t pid = fork();
    if (pid == 0) _exit(child());
    check("fork", pid > 0);

    COPY[0] = 'P'; /* after the fork: copy-on-write keeps the child's copy */
    *TURN = 1;
    wait_turn(2);
    check("COPY: the child's write is private", COPY[0] == 'P');
    check("COPY: untouched page still the parent's", COPY[PG + 7] == 'C');
    check("INHERIT: the child's write is shared", INHERIT[0] == 'K');
    check("REALLOC: the parent keeps its data", REALLOC[0] == 'z');
    check("DROP: the parent keeps its lseg", DROP[0] == 'd');
    check("named file: the child's write, seen by the parent", NAMED_P[200] == 'q');
    char buf[PG];
    check("named file: read(2) sees both writes",
          pread(nf, buf, PG, 0) == (ssize_t)PG && buf[100] == 'p' && buf[200] == 'q');
    *TURN = 3;

    int st = 0;
    check("wait4 reaps the child", waitpid(pid, &st, 0) == pid);
    check("child exited normally", WIFEXITED(st));
    int bad = WEXITSTATUS(st);
    check("child: COPY shows the fork-time data", !(bad & 1));
    check("child: INHERIT shows the parent's data", !(bad & 2));
    check("child: REALLOC is zeros", !(bad & 4));
    check("child: DROP is absent (SIGSEGV)", !(bad & 8));
    check("child: mapin of the named file", !(bad & 16));
    check("child: sees the parent's write to the named file", !(bad & 32));
    check("child: COPY stays private after the parent's write", !(bad & 64));
    unlink("spawn_named");
    printf("%s\n", failures ? "FAILED" : "all spawn actions ok");
    return failures != 0;
}
