/*
 * fork.c — processes as Linux shows them, compared with qemu-riscv64: fork and
 * wait4 with exit codes and deaths by signal, the child's private copy of
 * memory, WNOHANG and ECHILD, kill between processes, a SIGCHLD handler with
 * its siginfo, a sleep cut short by a signal (EINTR), wait4 interrupted
 * without SA_RESTART and restarted with it, a process-shared semaphore and
 * mutex in a shared file mapping (futex between processes), vfork, and an execve that fails with
 * ENOENT and returns. Only the parent prints (after fflush, so that no child repeats its buffer).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static int global = 1;
static volatile int *volatile nowhere; /* NULL, hidden from the compiler */
static volatile sig_atomic_t got_usr1, got_usr2, chld_pid, chld_status, chld_code;

static void check(int cond, const char *what)
{
    printf("%-52s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
    fflush(stdout);
}

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1++;
}

static void on_usr2(int sig)
{
    (void)sig;
    got_usr2++;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_pid = si->si_pid;
    chld_status = si->si_status;
    chld_code = si->si_code;
}

static void msleep(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

static pid_t child(int code)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(code);
    return pid;
}

static void exit_codes(void)
{
    pid_t a = child(7), b = child(0), c = child(255);
    int st, n = 0, sum = 0;
    check(waitpid(b, &st, 0) == b && WIFEXITED(st) && WEXITSTATUS(st) == 0, "waitpid(b): exit 0");
    for (pid_t w; (w = wait(&st)) > 0; n++)
        sum += WEXITSTATUS(st) + (w == a ? 1000 : w == c ? 2000 : 0);
    check(n == 2 && sum == 7 + 1000 + 255 + 2000, "wait(): the other two, exit 7 and 255");
    check(wait(&st) == -1 && errno == ECHILD, "no child left: ECHILD");
}

static int wait_signal(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st);
}

static void signal_deaths(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        kill(getpid(), SIGTERM);
        _exit(1);
    }
    check(wait_signal(pid) == SIGTERM, "child killed by its own SIGTERM");
    pid = fork();
    if (pid == 0) {
        *nowhere = 1;
        _exit(1);
    }
    check(wait_signal(pid) == SIGSEGV, "child killed by SIGSEGV");
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    int st;
    check(waitpid(pid, &st, WNOHANG) == 0, "WNOHANG on a live child: 0");
    check(kill(pid, SIGKILL) == 0, "kill(child, SIGKILL)");
    check(wait_signal(pid) == SIGKILL, "child killed by SIGKILL");
    check(kill(pid, 0) == -1 && errno == ESRCH, "kill of a reaped pid: ESRCH");
}

static void private_memory(void)
{
    global = 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        global = 2;
        _exit(global == 2 ? 0 : 1);
    }
    check(wait_signal(pid) == 1000 && global == 1, "child's write stays in the child");
}

/* MAP_SHARED|MAP_ANONYMOUS memory is shared with the child; MAP_PRIVATE is not. */
static void shared_anonymous(void)
{
    volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile int *pr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sh[0] = pr[0] = 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sh[0] = 2;
        pr[0] = 2;
        _exit(0);
    }
    wait_signal(pid);
    check(sh[0] == 2, "MAP_SHARED|MAP_ANONYMOUS: the child's write is seen");
    check(pr[0] == 1, "MAP_PRIVATE|MAP_ANONYMOUS: the child's write is not");
    munmap((void *)sh, 4096);
    munmap((void *)pr, 4096);
}

/* The child waits for SIGUSR1 (blocked until sigsuspend), then exits 42. */
static void kill_between(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    signal(SIGUSR1, on_usr1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        while (!got_usr1)
            sigsuspend(&none);
        _exit(42);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    msleep(50);
    check(kill(pid, SIGUSR1) == 0, "kill(child, SIGUSR1)");
    check(wait_signal(pid) == 1042, "child's handler ran, sigsuspend returned");
}

static void sigchld_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t pid = child(5);
    while (!chld_pid)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    check(chld_pid == pid && chld_status == 5 && chld_code == CLD_EXITED,
          "SIGCHLD handler: si_pid, si_status 5, CLD_EXITED");
    check(wait_signal(pid) == 1005, "then wait4 reaps it");
    signal(SIGCHLD, SIG_DFL);
}

/* A 30 s sleep cut short by the parent's SIGUSR2: EINTR. */
static void sleep_interrupted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec t = {30, 0};
        int r = nanosleep(&t, &t);
        _exit(r == -1 && errno == EINTR && got_usr2 && t.tv_sec > 20 ? 11 : 12);
    }
    msleep(200);
    kill(pid, SIGUSR2);
    check(wait_signal(pid) == 1011, "nanosleep cut by a signal: EINTR, time left");
}

/* wait4 interrupted by a handler without SA_RESTART: EINTR. */
static void wait_interrupted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    got_usr1 = 0;
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        msleep(200);
        kill(parent, SIGUSR1);
        msleep(200);
        _exit(3);
    }
    int st;
    pid_t r = waitpid(pid, &st, 0);
    check(r == -1 && errno == EINTR && got_usr1 == 1, "waitpid cut by a handler: EINTR");
    check(wait_signal(pid) == 1003, "waitpid again: exit 3");

    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    got_usr1 = 0;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        msleep(200);
        kill(parent, SIGUSR1);
        msleep(200);
        _exit(4);
    }
    r = waitpid(pid, &st, 0);
    check(r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 4 && got_usr1 == 1,
          "waitpid with an SA_RESTART handler: restarted");
}

/* A semaphore and a mutex in a MAP_SHARED file mapping, used by two processes. */
struct shared {
    sem_t sem;
    pthread_mutex_t mutex;
    long counter;
};

static void futex_shared(void)
{
    int fd = open("futex.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 4096);
    struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    unlink("futex.tmp");
    check(sh != MAP_FAILED, "MAP_SHARED file mapping");
    sem_init(&sh->sem, 1, 0);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->mutex, &ma);
    sh->counter = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (sem_wait(&sh->sem) != 0) _exit(1);
        for (int i = 0; i < 20000; i++) {
            pthread_mutex_lock(&sh->mutex);
            long c = sh->counter;
            for (volatile int j = 0; j < 20; j++)
                ;
            sh->counter = c + 1;
            pthread_mutex_unlock(&sh->mutex);
        }
        _exit(0);
    }
    msleep(100);
    check(waitpid(pid, NULL, WNOHANG) == 0, "child sleeps in sem_wait");
    sem_post(&sh->sem);
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&sh->mutex);
        long c = sh->counter;
        for (volatile int j = 0; j < 20; j++)
            ;
        sh->counter = c + 1;
        pthread_mutex_unlock(&sh->mutex);
    }
    check(wait_signal(pid) == 1000, "sem_post woke it; it exits 0");
    check(sh->counter == 40000, "shared mutex: 2 x 20000 increments, none lost");
    munmap(sh, 4096);
}

/* SIGCHLD set to SIG_IGN: children leave no zombie; wait blocks until they
 * are all gone, then ECHILD. */
static void no_zombies(void)
{
    signal(SIGCHLD, SIG_IGN);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        msleep(100);
        _exit(6);
    }
    int st;
    check(wait(&st) == -1 && errno == ECHILD, "SIGCHLD ignored: wait gives ECHILD after it");
    check(kill(pid, 0) == -1 && errno == ESRCH, "and the child left no zombie");
    signal(SIGCHLD, SIG_DFL);
}

static void vfork_exec(void)
{
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) _exit(9);
    check(pid > 0 && wait_signal(pid) == 1009, "vfork: child exits 9");
    char *argv[] = {"nothing", NULL};
    errno = 0;
    check(execve("/no/such/program", argv, argv + 1) == -1 && errno == ENOENT,
          "execve of a missing file: ENOENT, still here");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    exit_codes();
    signal_deaths();
    private_memory();
    shared_anonymous();
    kill_between();
    sigchld_handler();
    sleep_interrupted();
    wait_interrupted();
    futex_shared();
    no_zombies();
    vfork_exec();
    printf("%s\n", failures ? "SOME FAILED" : "all passed");
    return failures != 0;
}
