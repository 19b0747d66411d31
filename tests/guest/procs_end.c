/*
 * procs_end.c — how a node's run ends with several processes (procs-sym.sh):
 *   orphan: the initial process exits 5 while its child still runs; the run
 *           must wait for the child (it creates /child-done) and exit 5.
 *   hang:   a child sleeps a minute and the parent waits for it; the driver
 *           gets SIGTERM and must end both at once (status 143).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int hang = argc > 1 && strcmp(argv[1], "hang") == 0;
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec t = {hang ? 60 : 0, hang ? 0 : 300000000};
        nanosleep(&t, NULL);
        close(open("/child-done", O_WRONLY | O_CREAT, 0600));
        _exit(0);
    }
    if (hang) waitpid(pid, NULL, 0);
    return 5;
}
