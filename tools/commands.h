/*
 * commands.h — internal to tools/: the subcommands of the `symunix` command.
 * Each takes the arguments after its own name (argv[0] is the subcommand) and
 * returns the process exit status.
 */
#ifndef SYMUNIX_TOOLS_COMMANDS_H
#define SYMUNIX_TOOLS_COMMANDS_H

/* Exit statuses of the symunix command itself (a guest's own status passes through). */
enum {
    SYM_EXIT_USAGE = 2,      /* bad command line */
    SYM_EXIT_INTERNAL = 125, /* the emulator could not start or failed (not the guest) */
    SYM_EXIT_NOEXEC = 126,   /* the program is not a usable RISC-V executable */
    SYM_EXIT_NOENT = 127,    /* the program does not exist */
};

int sym_cmd_run(int argc, char **argv);
int sym_cmd_inspect(int argc, char **argv);

#endif
