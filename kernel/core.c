/*
 * core.c — core dumps (design.md §6): when a core-dumping signal's default
 * action ends a process, describe the process as a struct ckpt_core (ckpt/ckpt.h)
 * and write it as "core.<pid>" in the process's "@image" directory, beside its
 * image files. The memory itself is in those image files, kept by their close
 * actions after the abnormal end. A failure to write is silent: the process
 * ends with its signal all the same.
 *
 * k_core_describe, the part of the description that is not about how the
 * process ended, is also the first part of a process shipped to another
 * node (migrate.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "kernel/proc.h"

_Static_assert((int)CKPT_LSEG_TEXT == (int)K_REGION_TEXT &&
                   (int)CKPT_LSEG_ANON == (int)K_REGION_ANON &&
                   (int)CKPT_LSEG_TRAMPOLINE == (int)K_REGION_TRAMPOLINE,
               "ckpt lseg kinds follow K_REGION_*");
_Static_assert(CKPT_NSIG == K_NSIG, "one sigaction per signal");

#define CORE_BIT(sig) (1ull << (sig))
#define CORE_SIGNALS                                                                               \
    (CORE_BIT(SIGQUIT) | CORE_BIT(SIGILL) | CORE_BIT(SIGTRAP) | CORE_BIT(SIGABRT) |                \
     CORE_BIT(SIGBUS) | CORE_BIT(SIGFPE) | CORE_BIT(SIGSEGV) | CORE_BIT(SIGXCPU) |                 \
     CORE_BIT(SIGXFSZ) | CORE_BIT(SIGSYS))

bool k_core_signal(int sig)
{
    return sig > 0 && sig < 64 && (CORE_SIGNALS & CORE_BIT(sig));
}

/* The guest path of the open file description f ("" when it has none). */
static char *file_path(struct k_proc *p, const struct k_file *f)
{
    char path[PATH_MAX];
    if (f->dirpath) return strdup(f->dirpath);
    if (store_path_of_fd(p->k->cfg.store, f->hostfd, path, sizeof path)) path[0] = 0;
    return strdup(path);
}

static int fill_fds(struct k_proc *p, struct ckpt_core *c)
{
    c->fd = calloc(K_NFILE, sizeof *c->fd);
    if (!c->fd) return -ENOMEM;
    for (int i = 0; i < K_NFILE; i++) {
        const struct k_file *f = p->fd[i].f;
        if (!f) continue;
        struct ckpt_fd *d = &c->fd[c->nfd++];
        int fl = fcntl(f->hostfd, F_GETFL);
        d->fd = i;
        d->flags = fl < 0 ? 0 : (uint32_t)fl;
        d->fdflags = p->fd[i].cloexec ? CKPT_FD_CLOEXEC : 0;
        d->offset = lseek(f->hostfd, 0, SEEK_CUR);
        if (!(d->path = file_path(p, f))) return -ENOMEM;
    }
    return 0;
}

/* The guest path of the image file (dev, ino): the executable's for text,
 * else an open descriptor's of the same file, else "". */
static char *lseg_path(struct k_proc *p, const struct ckpt_core *c, const struct k_region *r)
{
    if (r->kind == K_REGION_TEXT) return strdup(p->exe);
    for (size_t i = 0; r->ino && i < c->nfd; i++) {
        struct stat st;
        int h = k_fd_host(p, c->fd[i].fd);
        if (h >= 0 && !fstat(h, &st) && (uint64_t)st.st_dev == r->dev &&
            (uint64_t)st.st_ino == r->ino)
            return strdup(c->fd[i].path);
    }
    return strdup("");
}

static int fill_lsegs(struct k_proc *p, struct ckpt_core *c)
{
    c->lseg = calloc(p->vm.n ? (size_t)p->vm.n : 1, sizeof *c->lseg);
    if (!c->lseg) return -ENOMEM;
    for (int i = 0; i < p->vm.n; i++) {
        const struct k_region *r = &p->vm.r[i];
        struct ckpt_lseg *l = &c->lseg[c->nlseg++];
        *l = (struct ckpt_lseg){.vaddr = r->start,
                                .size = r->end - r->start,
                                .flags = r->prot | r->attr,
                                .kind = (uint32_t)r->kind,
                                .off = r->off,
                                .dev = r->dev,
                                .ino = r->ino};
        if (!(l->path = lseg_path(p, c, r))) return -ENOMEM;
    }
    return 0;
}

/* What a core file and a shipped process share (ktypes.h). */
int k_core_describe(struct k_proc *p, struct ckpt_core *c)
{
    rv_sync_fflags(p->hart);
    const struct rv_state *st = rv_state(p->hart);
    c->pid = p->pid;
    c->ppid = p->ppid;
    c->pgid = p->pgid;
    c->node = p->k->cfg.node;
    c->pc = st->pc;
    c->fcsr = (st->frm << 5) | (st->fflags & 31);
    c->instret = rv_instret(p->hart);
    c->sigmask = p->sigmask;
    c->sigpending = p->sigpending;
    memcpy(c->x, st->x, sizeof c->x);
    memcpy(c->f, st->f, sizeof c->f);
    for (int s = 1; s <= K_NSIG; s++)
        c->sigact[s - 1] =
            (struct ckpt_sigaction){p->sigact[s].handler, p->sigact[s].flags, p->sigact[s].mask};
    return (c->exe = strdup(p->exe)) ? 0 : -ENOMEM;
}

/* Describe p, ending with wstatus by signal sig (si_code, si_addr), in c. */
static int core_fill(struct k_proc *p, int wstatus, int code, uint64_t addr, struct ckpt_core *c)
{
    *c = (struct ckpt_core){
        .signal = WTERMSIG(wstatus), .sig_code = code, .sig_addr = addr, .wstatus = wstatus};
    int err = k_core_describe(p, c);
    if (!err) err = fill_fds(p, c);
    return err ? err : fill_lsegs(p, c);
}

int k_core_dump(struct k_proc *p, int wstatus, int code, uint64_t addr)
{
    int dirfd;
    const char *rest;
    if (store_names_refdir_lookup(&p->refdirs, STORE_REFNAME_IMAGE, &dirfd, &rest) != 1)
        return -ENOENT;
    struct ckpt_core *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    char name[32];
    snprintf(name, sizeof name, "core.%d", p->pid);
    int err = core_fill(p, wstatus, code, addr, c);
    if (!err) err = ckpt_core_write(dirfd, name, c);
    ckpt_core_free(c);
    return err;
}
