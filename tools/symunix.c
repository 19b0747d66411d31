/*
 * symunix.c — entry point of the `symunix` command: picks the subcommand.
 * The emulator proper is `symunix run` (run.c); `symunix inspect` (inspect.c)
 * reads core files; later issues add ckpt, restart and ps here.
 */
#include <stdio.h>
#include <string.h>

#include "tools/commands.h"

#ifndef SYMUNIX_VERSION
#define SYMUNIX_VERSION "0.1"
#endif

static void usage(FILE *out)
{
    fprintf(out, "usage: symunix COMMAND [OPTIONS] [ARGS...]\n"
                 "\n"
                 "An emulator of the NYU Ultracomputer running Symunix II: every MPI rank is a\n"
                 "node with an RV64GC processor; guest programs are static RISC-V Linux ELFs.\n"
                 "\n"
                 "commands:\n"
                 "  run PROG [ARGS...]   run a RISC-V program (alone, or under mpirun -np N)\n"
                 "  inspect FILE         summarise a core file (core.PID) written by a crash\n"
                 "  help [COMMAND]       show this help, or a command's help\n"
                 "  version              print the version\n"
                 "\n"
                 "examples:\n"
                 "  symunix run --root ./symroot hello.elf\n"
                 "  mpirun -np 4 symunix run --stats prog.elf arg1 arg2\n"
                 "  symunix inspect ./symroot/core.1\n"
                 "\n"
                 "'symunix COMMAND --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SYM_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0) return sym_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0) return sym_cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2 && strcmp(argv[2], "run") == 0) {
            char *args[] = {"run", "--help", NULL};
            return sym_cmd_run(2, args);
        }
        if (argc > 2 && strcmp(argv[2], "inspect") == 0) {
            char *args[] = {"inspect", "--help", NULL};
            return sym_cmd_inspect(2, args);
        }
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("symunix %s\n", SYMUNIX_VERSION);
        return 0;
    }
    fprintf(stderr, "symunix: unknown command '%s' (try 'symunix --help')\n", cmd);
    return SYM_EXIT_USAGE;
}
