/*
 * hostblock.c — calls the emulator must not pass to the host as they are,
 * since the host call would hold the whole node (and a host signal) while
 * it waits; compared with qemu (a FIFO as the program: check-driver.sh).
 * fcntl record locks that wait
 * (F_OFD_SETLKW, F_SETLKW): a process waiting for a lock held by another open file
 * description gets it when the holder lets go; a signal whose action lacks
 * SA_RESTART interrupts the wait with EINTR, one with SA_RESTART does not;
 * F_OFD_GETLK names the conflict. While one process waits, the others of
 * its node run (the holder must, to let go).
 * "hostblock.elf deadlock": locks byte 0 through one open file description and
 * waits for it through another, forever; prints "locked" first (the guest of
 * host-signal.sh's "lock" case: a host signal must still end the job).
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

static int lock(int fd, int cmd, short type, off_t start)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1};
    return fcntl(fd, cmd, &fl);
}

static void nap_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

static volatile sig_atomic_t got;
static int ack[2]; /* the child's handler says it ran: the parent goes on only then */
static void on_usr1(int s)
{
    (void)s;
    got++;
    ssize_t w = write(ack[1], "x", 1);
    (void)w;
}

static int open_file(void)
{
    int fd = open("locks.dat", O_RDWR | O_CREAT, 0600);
    if (fd < 0) perror("open");
    return fd;
}

/* The child waits for byte 0 with SETLKW (cmd) and reports how it ended
 * through its exit status: 0 got it, 1 EINTR, 2 another error. */
static int child_wait(int cmd, int restart)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0};
    sigaction(SIGUSR1, &sa, NULL);
    int fd = open_file();
    if (lock(fd, cmd, F_WRLCK, 0) == 0) _exit(got ? 10 : 0); /* 10: got it after a signal */
    _exit(errno == EINTR ? 1 : 2);
}

/* A waiter, the holder's lock on byte 0 (fd), and what happens next. */
static void scenario(const char *name, int fd, int cmd, int restart, int signal_it)
{
    if (pipe(ack) != 0) perror("pipe");
    pid_t c = fork();
    if (c == 0) child_wait(cmd, restart);
    nap_ms(100);
    /* It cannot have the lock yet: the holder (we) never let go. */
    int st = 0;
    printf("%s: waiter still waiting: %s\n", name, waitpid(c, &st, WNOHANG) == 0 ? "yes" : "no");
    if (signal_it && !restart) {
        /* Again until it ends: a signal that came before it began to wait
         * interrupted nothing. */
        while (waitpid(c, &st, WNOHANG) == 0) {
            kill(c, SIGUSR1);
            nap_ms(50);
        }
        printf("%s: waiter ended with %d\n", name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        close(ack[0]);
        close(ack[1]);
        return;
    }
    if (signal_it) {
        char x;
        kill(c, SIGUSR1);
        while (read(ack[0], &x, 1) < 0 && errno == EINTR) {
        }
    }
    lock(fd, F_OFD_SETLK, F_UNLCK, 0);
    waitpid(c, &st, 0);
    printf("%s: waiter ended with %d\n", name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    lock(fd, F_OFD_SETLK, F_WRLCK, 0); /* hold it again for the next */
    close(ack[0]);
    close(ack[1]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int a = open_file(), b = open_file();
    if (a < 0 || b < 0) return 1;
    if (lock(a, F_OFD_SETLK, F_WRLCK, 0) != 0) {
        perror("F_OFD_SETLK");
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
        printf("locked\n");
        lock(b, F_OFD_SETLKW, F_WRLCK, 0); /* never returns */
        perror("F_OFD_SETLKW");
        return 1;
    }
    /* Another open file description conflicts, even in the same process. */
    errno = 0;
    printf("OFD SETLK on a held byte: %d %s\n", lock(b, F_OFD_SETLK, F_WRLCK, 0), strerror(errno));
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    fcntl(b, F_OFD_GETLK, &q);
    printf("OFD GETLK: type %s start %ld len %ld pid %d\n", q.l_type == F_WRLCK ? "W" : "?",
           (long)q.l_start, (long)q.l_len, q.l_pid);
    printf("OFD SETLK on a free byte: %d\n", lock(b, F_OFD_SETLK, F_WRLCK, 5));

    scenario("OFD waits, holder lets go", a, F_OFD_SETLKW, 0, 0);
    scenario("OFD waits, signal without SA_RESTART", a, F_OFD_SETLKW, 0, 1);
    scenario("OFD waits, signal with SA_RESTART", a, F_OFD_SETLKW, 1, 1);
    /* A process-associated lock of the child against the OFD lock. */
    scenario("POSIX waits, holder lets go", a, F_SETLKW, 0, 0);
    printf("done\n");
    return 0;
}
