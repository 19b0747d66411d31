/*
 * onnode.h — the main() of a guest test built with -DSYMUNIX_ONNODE: the
 * test's run_all() runs in a spawn child placed on the last node (argv[1] is
 * the number of nodes P; node 0 on one rank), so that what a differential
 * test checks on node 0 is checked on another node too (onnode.sh compares
 * the output with qemu's run of the plain build). The parent prints nothing:
 * the child's lines are the output, its status the program's.
 */
#include <symunix.h>

int main(int argc, char **argv)
{
    int nodes = argc > 1 ? atoi(argv[1]) : 1;
    int32_t pid;
    fflush(stdout);
    int me = spawn(1, SIGCHLD | SYM_SPAWN_NODE(nodes - 1), &pid);
    if (me < 0) return 120;
    if (me > 0) {
        struct sym_pinfo pi;
        if (pinfo(0, &pi) != 0 || pi.node != nodes - 1) _exit(121);
        exit(run_all());
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) return 122;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
