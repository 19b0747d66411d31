/*
 * pipes.c — pipes between processes of one node. A blocking read of an empty
 * pipe or a write into a full one must put only the caller to sleep, not the
 * node: the process that would unblock it runs on the same PE. Attacks: the
 * reader runs first and waits for a writer that sleeps before writing; 1 MiB
 * through a 64 KiB pipe in both directions at once (each side fills the pipe
 * and must yield); EOF when the last writer closes; EPIPE and SIGPIPE for a
 * writer with no reader; a blocked read interrupted by a signal (EINTR
 * without SA_RESTART). Compared with qemu-riscv64.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG (1 << 20)

static char buf[BIG];

static void check(const char *what, int ok)
{
    printf("%-48s %s\n", what, ok ? "ok" : "FAIL");
}

/* Write all of n bytes (a blocking pipe write may return short). */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static unsigned sum_read(int fd, size_t *total)
{
    unsigned sum = 0;
    char b[3000];
    ssize_t n;
    *total = 0;
    while ((n = read(fd, b, sizeof b)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            sum = sum * 31 + (unsigned char)b[i];
        *total += (size_t)n;
    }
    return sum;
}

static void reader_first(void)
{
    int fd[2];
    pipe(fd);
    pid_t pid = fork();
    if (pid == 0) { /* the writer: sleeps first, so the parent's read waits */
        close(fd[0]);
        struct timespec t = {0, 50 * 1000 * 1000};
        nanosleep(&t, NULL);
        write(fd[1], "hello", 5);
        _exit(0);
    }
    close(fd[1]);
    char b[16] = {0};
    ssize_t n = read(fd[0], b, sizeof b);
    check("read waits for a sleeping writer", n == 5 && memcmp(b, "hello", 5) == 0);
    check("EOF after the last writer closed", read(fd[0], b, sizeof b) == 0);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
}

static void both_ways(void)
{
    int down[2], up[2];
    pipe(down);
    pipe(up);
    for (int i = 0; i < BIG; i++)
        buf[i] = (char)(i * 7 + i / 4096);
    unsigned want = 0;
    for (int i = 0; i < BIG; i++)
        want = want * 31 + (unsigned char)buf[i];
    pid_t pid = fork();
    if (pid == 0) { /* echo: read everything while writing everything back */
        close(down[1]);
        close(up[0]);
        char b[5000];
        ssize_t n;
        while ((n = read(down[0], b, sizeof b)) > 0)
            if (write_all(up[1], b, (size_t)n)) _exit(2);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    pid_t pid2 = fork();
    if (pid2 == 0) { /* the feeder: 1 MiB into a 64 KiB pipe */
        close(up[0]);
        _exit(write_all(down[1], buf, BIG) ? 3 : 0);
    }
    close(down[1]);
    size_t total;
    unsigned got = sum_read(up[0], &total);
    close(up[0]);
    int st1, st2;
    waitpid(pid, &st1, 0);
    waitpid(pid2, &st2, 0);
    check("1 MiB through two pipes and an echo process", total == BIG && got == want);
    check("echo and feeder exit 0",
          WIFEXITED(st1) && !WEXITSTATUS(st1) && WIFEXITED(st2) && !WEXITSTATUS(st2));
}

static volatile int sigs;
static void on_sig(int s)
{
    (void)s;
    sigs++;
}

static void broken_and_interrupted(void)
{
    int fd[2];
    pipe(fd);
    close(fd[0]);
    signal(SIGPIPE, on_sig);
    ssize_t w = write(fd[1], "x", 1);
    check("write with no reader: EPIPE", w == -1 && errno == EPIPE);
    check("... and SIGPIPE", sigs == 1);
    close(fd[1]);

    pipe(fd);
    struct sigaction sa = {.sa_handler = on_sig}; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec t = {0, 30 * 1000 * 1000};
        nanosleep(&t, NULL);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    char b[4];
    ssize_t n = read(fd[0], b, sizeof b);
    check("blocked read interrupted: EINTR", n == -1 && errno == EINTR && sigs == 2);
    int st;
    waitpid(pid, &st, 0);
    close(fd[0]);
    close(fd[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    reader_first();
    both_ways();
    broken_and_interrupted();
    return 0;
}
