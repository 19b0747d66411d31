/*
 * poll.c — poll/ppoll and select/pselect6 on descriptors. Attacks: pipe
 * readiness (empty, with data, a writer in another process that writes
 * later while the poller sleeps), POLLHUP when the last writer closes,
 * POLLERR on a write end without reader, POLLNVAL for a closed descriptor,
 * negative descriptors ignored, regular files, directories, /dev/null and
 * stdout always ready; timeouts 0, finite and infinite; ppoll's written-back
 * timeout; ppoll and pselect6 with a signal mask that lets a pending signal
 * in (EINTR, the old mask back); EINTR from SIGALRM even with SA_RESTART;
 * select with fd_sets (counts, sets cleared on a timeout, the remaining time
 * written back, EBADF, EINVAL); bad arguments. Built with -DSYMUNIX_ONNODE it
 * runs the same checks in a spawn child on the last node (onnode.sh).
 * Compared with qemu-riscv64; times are not printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static volatile sig_atomic_t got_usr1, got_alrm;

static void check(int cond, const char *what)
{
    printf("%-60s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_sig(int sig)
{
    if (sig == SIGUSR1) got_usr1++;
    if (sig == SIGALRM) got_alrm++;
}

static void msleep(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static void alarm_in(long us)
{
    struct itimerval v = {{0, 0}, {us / 1000000, us % 1000000}};
    setitimer(ITIMER_REAL, &v, NULL);
}

static void pipes(void)
{
    int p[2];
    pipe(p);
    struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int r = poll(f, 2, 0);
    check(r == 1 && f[0].revents == 0 && f[1].revents == POLLOUT,
          "empty pipe: the write end alone is ready");
    write(p[1], "x", 1);
    r = poll(f, 2, 0);
    check(r == 2 && f[0].revents == POLLIN && f[1].revents == POLLOUT,
          "a byte in the pipe: the read end is ready too");
    char c;
    read(p[0], &c, 1);

    double t0 = now();
    r = poll(f, 1, 50);
    check(r == 0 && f[0].revents == 0, "poll 50 ms on an empty pipe: 0");
    check(now() - t0 >= 0.049, "and it waited");

    /* A writer in another process, later: the poller sleeps meanwhile. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        msleep(50);
        write(p[1], "y", 1);
        _exit(0);
    }
    r = poll(f, 1, -1);
    check(r == 1 && f[0].revents == POLLIN, "infinite poll: woken by another process's write");
    check(read(p[0], &c, 1) == 1 && c == 'y', "and the byte is there");
    int st;
    waitpid(pid, &st, 0);

    /* Many entries (more than the scheduler keeps on its stack): 100 of them. */
    static struct pollfd many[100];
    for (int i = 0; i < 100; i++)
        many[i] = (struct pollfd){p[0], POLLIN, 0};
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        msleep(30);
        write(p[1], "w", 1);
        _exit(0);
    }
    r = poll(many, 100, -1);
    check(r == 100 && many[99].revents == POLLIN, "100 entries of one pipe: woken, all 100 ready");
    read(p[0], &c, 1);
    waitpid(pid, &st, 0);

    /* POLLHUP when the last writer goes (it never writes). */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        msleep(30);
        _exit(0);
    }
    close(p[1]);
    f[0].revents = 0;
    r = poll(f, 1, -1);
    check(r == 1 && f[0].revents == POLLHUP, "the last writer closes: POLLHUP");
    waitpid(pid, &st, 0);
    check(read(p[0], &c, 1) == 0, "and read sees EOF");
    close(p[0]);

    /* Data and a closed writer: both; POLLERR on a write end with no reader. */
    pipe(p);
    write(p[1], "z", 1);
    close(p[1]);
    f[0] = (struct pollfd){p[0], POLLIN, 0};
    check(poll(f, 1, 0) == 1 && f[0].revents == (POLLIN | POLLHUP),
          "data then EOF: POLLIN|POLLHUP");
    close(p[0]);
    pipe(p);
    close(p[0]);
    f[0] = (struct pollfd){p[1], POLLOUT, 0};
    check(poll(f, 1, 0) == 1 && f[0].revents == (POLLOUT | POLLERR),
          "no reader left: POLLOUT|POLLERR");
    f[0] = (struct pollfd){p[1], 0, 0};
    check(poll(f, 1, 0) == 1 && f[0].revents == POLLERR, "POLLERR even when not asked for");
    close(p[1]);
}

static void descriptors(void)
{
    int p[2];
    pipe(p);
    struct pollfd f[4] = {{-1, POLLIN, 7}, {999, POLLIN, 0}, {p[1], POLLOUT, 0}, {-5, POLLOUT, 0}};
    int r = poll(f, 4, 0);
    check(r == 2 && f[0].revents == 0 && f[1].revents == POLLNVAL && f[2].revents == POLLOUT &&
              f[3].revents == 0,
          "negative fd ignored, closed fd POLLNVAL");
    close(p[0]);
    close(p[1]);

    int fd = open("poll.tmp", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello", 5);
    struct pollfd g = {fd, POLLIN | POLLOUT | POLLPRI, 0};
    check(poll(&g, 1, -1) == 1 && g.revents == (POLLIN | POLLOUT), "regular file: POLLIN|POLLOUT");
    close(fd);
    unlink("poll.tmp");
    fd = open("/dev/null", O_RDWR);
    g = (struct pollfd){fd, POLLIN | POLLOUT, 0};
    check(fd >= 0 && poll(&g, 1, 0) == 1 && g.revents == (POLLIN | POLLOUT),
          "/dev/null: POLLIN|POLLOUT");
    close(fd);
    mkdir("poll.dir", 0755);
    fd = open("poll.dir", O_RDONLY | O_DIRECTORY);
    g = (struct pollfd){fd, POLLIN, 0};
    check(fd >= 0 && poll(&g, 1, 0) == 1 && g.revents == POLLIN, "a directory: POLLIN");
    close(fd);
    rmdir("poll.dir");
    g = (struct pollfd){1, POLLOUT, 0};
    check(poll(&g, 1, 0) == 1 && (g.revents & POLLOUT), "stdout: POLLOUT");
    g = (struct pollfd){0, POLLIN, 0};
    check(poll(&g, 1, 0) >= 0, "stdin: poll answers without waiting");

    /* The same descriptor twice counts twice. */
    pipe(p);
    struct pollfd two[2] = {{p[1], POLLOUT, 0}, {p[1], POLLOUT, 0}};
    check(poll(two, 2, 0) == 2, "one descriptor twice: counted twice");
    close(p[0]);
    close(p[1]);
}

static void timeouts_and_signals(void)
{
    int p[2];
    pipe(p);
    struct pollfd f = {p[0], POLLIN, 0};
    struct timespec ts = {0, 30 * 1000 * 1000};
    long r = syscall(SYS_ppoll, &f, 1, &ts, NULL, 8);
    check(r == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0,
          "ppoll timeout: the time left written back (0)");
    ts = (struct timespec){0, 1000000000};
    errno = 0;
    check(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8) == -1 && errno == EINVAL,
          "ppoll tv_nsec 1e9 -> EINVAL");
    errno = 0;
    check(syscall(SYS_ppoll, 8, 1, NULL, NULL, 8) == -1 && errno == EFAULT,
          "ppoll on a bad pointer -> EFAULT");
    errno = 0;
    check(syscall(SYS_ppoll, &f, 1ul << 30, NULL, NULL, 8) == -1 && errno == EINVAL,
          "ppoll nfds 2^30 -> EINVAL");
    sigset_t none;
    sigemptyset(&none);
    ts = (struct timespec){0, 0};
    errno = 0;
    check(syscall(SYS_ppoll, &f, 1, &ts, &none, 4) == -1 && errno == EINVAL,
          "ppoll sigsetsize 4 -> EINVAL");
    check(poll(NULL, 0, 20) == 0, "poll with no descriptors sleeps and returns 0");

    /* ppoll with a mask that lets a pending signal in. */
    sigset_t usr1, empty, cur;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    got_usr1 = 0;
    errno = 0;
    r = ppoll(&f, 1, NULL, &empty);
    check(r == -1 && errno == EINTR && got_usr1 == 1,
          "ppoll's mask lets a pending SIGUSR1 in: EINTR");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    check(sigismember(&cur, SIGUSR1), "and the old mask is back");
    /* The signal stays out when the mask keeps it blocked. */
    raise(SIGUSR1);
    got_usr1 = 0;
    ts = (struct timespec){0, 20 * 1000 * 1000};
    check(ppoll(&f, 1, &ts, &usr1) == 0 && got_usr1 == 0,
          "ppoll's mask keeps SIGUSR1 out: timeout");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    check(got_usr1 == 1, "delivered when unblocked");

    /* SIGALRM interrupts an infinite poll, SA_RESTART or not. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    got_alrm = 0;
    alarm_in(30000);
    errno = 0;
    r = poll(&f, 1, -1);
    check(r == -1 && errno == EINTR && got_alrm == 1,
          "SIGALRM (SA_RESTART) interrupts poll: EINTR");
    close(p[0]);
    close(p[1]);
}

static void selects(void)
{
    int p[2];
    pipe(p);
    int n = (p[0] > p[1] ? p[0] : p[1]) + 1;
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    FD_SET(p[0], &ex);
    struct timeval tv = {0, 0};
    int r = select(n, &rd, &wr, &ex, &tv);
    check(r == 1 && !FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr) && !FD_ISSET(p[0], &ex),
          "select, empty pipe: the write end alone");
    write(p[1], "x", 1);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &rd); /* a write end is never readable */
    FD_SET(p[1], &wr);
    FD_SET(p[0], &wr); /* nor a read end writable */
    tv = (struct timeval){10, 0};
    r = select(n, &rd, &wr, NULL, &tv);
    check(r == 2 && FD_ISSET(p[0], &rd) && !FD_ISSET(p[1], &rd) && FD_ISSET(p[1], &wr) &&
              !FD_ISSET(p[0], &wr),
          "select with data: read and write ends, 2");
    check(tv.tv_sec <= 10 && tv.tv_sec >= 5, "select: the time left written back");
    char c;
    read(p[0], &c, 1);

    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    tv = (struct timeval){0, 50000};
    double t0 = now();
    r = select(n, &rd, NULL, NULL, &tv);
    check(r == 0 && !FD_ISSET(p[0], &rd), "select 50 ms timeout: 0, the set cleared");
    check(tv.tv_sec == 0 && tv.tv_usec == 0, "and no time left");
    check(now() - t0 >= 0.049, "and it waited");

    /* A writer in another process wakes an infinite select. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        msleep(40);
        write(p[1], "y", 1);
        _exit(0);
    }
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = select(n, &rd, NULL, NULL, NULL);
    check(r == 1 && FD_ISSET(p[0], &rd), "infinite select woken by another process's write");
    read(p[0], &c, 1);
    int st;
    waitpid(pid, &st, 0);

    /* EBADF, EINVAL; descriptors past the table are not looked at. */
    int closed = dup(p[0]);
    close(closed);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    FD_SET(closed, &rd);
    tv = (struct timeval){0, 0};
    errno = 0;
    check(select(n > closed ? n : closed + 1, &rd, NULL, NULL, &tv) == -1 && errno == EBADF,
          "select on a closed fd -> EBADF");
    FD_ZERO(&rd);
    FD_SET(900, &rd);
    check(select(901, &rd, NULL, NULL, &tv) == 0, "select: fd 900, past the table, not looked at");
    errno = 0;
    check(select(-1, NULL, NULL, NULL, &tv) == -1 && errno == EINVAL, "select nfds -1 -> EINVAL");
    struct timespec bad = {0, 1000000000};
    errno = 0;
    check(syscall(SYS_pselect6, n, NULL, NULL, NULL, &bad, NULL) == -1 && errno == EINVAL,
          "pselect6 tv_nsec 1e9 -> EINVAL");
    check(select(0, NULL, NULL, NULL, &(struct timeval){0, 20000}) == 0,
          "select with no sets sleeps");

    /* pselect6's mask lets a pending signal in. */
    sigset_t usr1, empty, cur;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    got_usr1 = 0;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    errno = 0;
    r = pselect(n, &rd, NULL, NULL, NULL, &empty);
    check(r == -1 && errno == EINTR && got_usr1 == 1, "pselect's mask lets a pending SIGUSR1 in");
    check(FD_ISSET(p[0], &rd), "EINTR leaves the sets as they were");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    check(sigismember(&cur, SIGUSR1), "and the old mask is back");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* SIGALRM interrupts an infinite select. */
    got_alrm = 0;
    alarm_in(30000);
    errno = 0;
    r = select(n, &rd, NULL, NULL, NULL);
    check(r == -1 && errno == EINTR && got_alrm == 1, "SIGALRM interrupts select: EINTR");

    /* The last writer gone: readable (EOF). */
    close(p[1]);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = select(n, &rd, NULL, NULL, NULL);
    check(r == 1 && FD_ISSET(p[0], &rd), "select: a pipe at EOF is readable");
    close(p[0]);
}

static int run_all(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    pipes();
    descriptors();
    timeouts_and_signals();
    selects();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}

#ifdef SYMUNIX_ONNODE
#include "onnode.h"
#else
int main(void)
{
    return run_all();
}
#endif
