/*
 * inspect.c — `symunix inspect FILE`: a readable summary of a core file
 * (ckpt/ckpt.h): the process, how it ended, its registers, lsegs and
 * descriptors. A damaged file is one line naming it and the problem, status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "tools/commands.h"

static const char *const reg_names[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                          "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                          "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                          "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: symunix inspect [-h] FILE\n"
            "\n"
            "Print a readable summary of a core file (core.PID, written beside a process's\n"
            "image files when a core-dumping signal ends it): pid, parent, the signal and its\n"
            "address, pc, the registers, the lsegs (mapped ranges) and the descriptors.\n"
            "\n"
            "options:\n"
            "  -h, --help   show this help\n"
            "\n"
            "Exit status: 0, 1 when the file cannot be read or is damaged, 2 bad usage.\n");
}

static void print_proc(const struct ckpt_core *c)
{
    printf("process   pid %d  ppid %d  pgid %d  node %d\n", c->pid, c->ppid, c->pgid, c->node);
    printf("exe       %s\n", c->exe[0] ? c->exe : "(unknown)");
    if (c->signal) {
        const char *abbrev = sigabbrev_np(c->signal);
        printf("signal    SIG%s (%d)  code %d  addr 0x%llx%s\n", abbrev ? abbrev : "?", c->signal,
               c->sig_code, (unsigned long long)c->sig_addr,
               (c->wstatus & 0x80) ? "  (core dumped)" : "");
    }
    printf("pc        0x%016llx\n", (unsigned long long)c->pc);
    printf("instret   %llu\n", (unsigned long long)c->instret);
    printf("sigmask   0x%016llx  pending 0x%016llx\n", (unsigned long long)c->sigmask,
           (unsigned long long)c->sigpending);
}

static void print_regs(const struct ckpt_core *c)
{
    printf("\nregisters\n");
    for (int i = 0; i < 32; i++)
        printf("  x%-2d %-4s 0x%016llx%s", i, reg_names[i], (unsigned long long)c->x[i],
               i % 3 == 2 || i == 31 ? "\n" : "  ");
    printf("  fcsr 0x%02x\n", c->fcsr);
}

static void print_lsegs(const struct ckpt_core *c)
{
    printf("\nlsegs (%zu)\n  %-18s %-12s %-4s %-10s %-6s %s\n", c->nlseg, "vaddr", "size", "prot",
           "kind", "attr", "image file");
    for (size_t i = 0; i < c->nlseg; i++) {
        const struct ckpt_lseg *l = &c->lseg[i];
        printf("  0x%016llx 0x%-10llx %c%c%c  %-10s 0x%-4x %s", (unsigned long long)l->vaddr,
               (unsigned long long)l->size, l->flags & 1 ? 'r' : '-', l->flags & 2 ? 'w' : '-',
               l->flags & 4 ? 'x' : '-', ckpt_lseg_kind_name(l->kind), l->flags & ~7u,
               l->path[0] ? l->path : "-");
        if (l->ino) printf(" @0x%llx", (unsigned long long)l->off);
        printf("\n");
    }
}

static void print_fds(const struct ckpt_core *c)
{
    printf("\ndescriptors (%zu)\n", c->nfd);
    for (size_t i = 0; i < c->nfd; i++) {
        const struct ckpt_fd *f = &c->fd[i];
        printf("  %4d  flags 0x%-6x %s offset %-10lld %s\n", f->fd, f->flags,
               f->fdflags & CKPT_FD_CLOEXEC ? "cloexec" : "       ", (long long)f->offset,
               f->path[0] ? f->path : "(unnamed)");
    }
}

int sym_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (o == 'h') {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return SYM_EXIT_USAGE;
    }
    if (optind != argc - 1) {
        usage(stderr);
        return SYM_EXIT_USAGE;
    }
    const char *path = argv[optind];
    struct ckpt_core *c;
    int err = ckpt_core_read(path, &c);
    if (err) {
        const char *why = err == -EBADMSG  ? "damaged or truncated core file"
                          : err == -EPROTO ? "core file of a newer version"
                                           : strerror(-err);
        fprintf(stderr, "symunix inspect: %s: %s\n", path, why);
        return 1;
    }
    print_proc(c);
    print_regs(c);
    print_lsegs(c);
    print_fds(c);
    ckpt_core_free(c);
    return 0;
}
