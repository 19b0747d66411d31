/*
 * fifo.c — opening a FIFO waits for the other end as on Linux, without
 * holding the node: the process sleeps, the others of its node run, and a
 * signal interrupts the wait (fifo.sh makes the FIFOs in the root, since the
 * guest has no mknod, and compares the output with qemu's).
 *   fork     a child waits in a blocking open (read, then write) while the
 *            parent, on the same node, runs and later opens the other end;
 *   host     read what a host process (fifo.sh) writes into "fhost";
 *   nonblock O_NONBLOCK and O_RDWR opens never wait (read-only succeeds,
 *            write-only is ENXIO without a reader);
 *   alarm    SIGALRM without SA_RESTART interrupts a waiting open (EINTR),
 *            and the interrupted opener is no longer a reader;
 *   stuck    says "waiting" and opens "fstuck", whose other end nobody opens
 *            (host-signal.sh: SIGTERM must still end the job).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

static void say(const char *fmt, const char *a, long b)
{
    printf(fmt, a, b);
    fflush(stdout);
}

/* One round: the child opens `name` with child_mode and waits; the parent
 * runs meanwhile, then opens the other end; a line goes from writer to reader. */
static void round_trip(const char *name, int child_reads)
{
    pid_t c = fork();
    if (c == 0) {
        int fd = open(name, child_reads ? O_RDONLY : O_WRONLY);
        if (fd < 0) _exit(2);
        if (child_reads) {
            char buf[64] = {0};
            ssize_t n = read(fd, buf, sizeof buf - 1);
            say("child read %s (%ld bytes)\n", n > 0 ? buf : "nothing\n", (long)n);
        } else {
            ssize_t n = write(fd, "from child\n", 11);
            say("child wrote %s(%ld bytes)\n", "", (long)n);
        }
        close(fd);
        _exit(0);
    }
    /* The parent runs although the child waits in open. */
    long spins = 0;
    for (int i = 0; i < 20; i++) {
        nap_ms(10);
        spins++;
    }
    int st = 0;
    say("%sparent ran %ld naps while the child waits\n",
        waitpid(c, &st, WNOHANG) == 0 ? "" : "NOT: ", spins);
    int fd = open(name, child_reads ? O_WRONLY : O_RDONLY);
    if (fd < 0) perror("parent open");
    char buf[64] = {0};
    ssize_t n = child_reads ? write(fd, "from parent\n", 12) : read(fd, buf, sizeof buf - 1);
    close(fd);
    waitpid(c, &st, 0); /* the child's line first */
    if (child_reads)
        say("parent wrote %s(%ld bytes)\n", "", (long)n);
    else
        say("parent read %s (%ld bytes)\n", n > 0 ? buf : "nothing\n", (long)n);
    say("child %s status %ld\n", WIFEXITED(st) ? "exited" : "signalled",
        WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void try_open(const char *what, const char *name, int flags)
{
    errno = 0;
    int fd = open(name, flags);
    int e = errno;
    if (fd < 0) {
        printf("%s: -1 %s\n", what, strerrorname_np(e));
        fflush(stdout);
        return;
    }
    int fl = fcntl(fd, F_GETFL);
    say("%s: ok, O_NONBLOCK %ld\n", what, (long)!!(fl & O_NONBLOCK));
    close(fd);
}

static void nonblock(void)
{
    try_open("rdonly|nonblock, no writer", "fnb", O_RDONLY | O_NONBLOCK);
    try_open("wronly|nonblock, no reader", "fnb", O_WRONLY | O_NONBLOCK);
    try_open("rdwr", "fnb", O_RDWR);
    try_open("rdwr|nonblock", "fnb", O_RDWR | O_NONBLOCK);
    int r = open("fnb", O_RDONLY | O_NONBLOCK);
    char c;
    ssize_t n = read(r, &c, 1);
    say("read, no writer: %s%ld\n", "", (long)n);
    try_open("wronly|nonblock, a reader", "fnb", O_WRONLY | O_NONBLOCK);
    try_open("wronly, a reader", "fnb", O_WRONLY);
    int w = open("fnb", O_WRONLY);
    errno = 0;
    n = read(r, &c, 1);
    say("read, a writer, empty: %s%ld\n", errno == EAGAIN ? "EAGAIN " : "", (long)n);
    close(w);
    close(r);
    /* A regular file opened blocking is not left non-blocking. */
    int f = open("plain", O_RDWR | O_CREAT, 0600);
    say("regular file: O_NONBLOCK %s%ld\n", "", (long)!!(fcntl(f, F_GETFL) & O_NONBLOCK));
    close(f);
    f = open("plain", O_RDONLY);
    say("regular file rdonly: O_NONBLOCK %s%ld\n", "", (long)!!(fcntl(f, F_GETFL) & O_NONBLOCK));
    close(f);
    unlink("plain");
}

static volatile sig_atomic_t alarms;
static void on_alarm(int s)
{
    (void)s;
    alarms++;
}

static void interrupted(void)
{
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = 0};
    sigaction(SIGALRM, &sa, NULL);
    for (int wr = 0; wr <= 1; wr++) {
        alarm(1);
        errno = 0;
        int fd = open("falarm", wr ? O_WRONLY : O_RDONLY);
        int e = errno;
        say("%s open: %ld", wr ? "write" : "read", (long)fd);
        say(" %s, alarms %ld\n", fd < 0 ? strerrorname_np(e) : "", (long)alarms);
        /* The interrupted reader left: no reader for a non-blocking writer. */
        errno = 0;
        int w = open("falarm", O_WRONLY | O_NONBLOCK);
        say("then wronly|nonblock: %s %ld\n", w < 0 ? strerrorname_np(errno) : "ok", (long)w);
        if (w >= 0) close(w);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "fork";
    if (!strcmp(mode, "fork")) {
        round_trip("ffork", 1);
        round_trip("ffork", 0);
    } else if (!strcmp(mode, "host")) {
        int fd = open("fhost", O_RDONLY);
        char buf[128] = {0};
        ssize_t n, t = 0;
        while ((n = read(fd, buf + t, sizeof buf - 1 - (size_t)t)) > 0)
            t += n;
        say("from the host: %s(%ld bytes)\n", buf, (long)t);
    } else if (!strcmp(mode, "nonblock")) {
        nonblock();
    } else if (!strcmp(mode, "alarm")) {
        interrupted();
    } else if (!strcmp(mode, "stuck")) {
        say("waiting%s %ld\n", "", 0L);
        int fd = open("fstuck", O_RDONLY);
        say("opened?! %s%ld\n", "", (long)fd);
    }
    return 0;
}
