/*
 * kernel.c — the node kernel's life cycle: creating the initial process from an
 * executable (address space, Linux-style initial stack, registers), the run loop
 * execve, and k_run (the scheduler itself, fork, spawn and the end of a process
 * are in proc.c).
 *
 * Process start (docs/kernel.md): the stack is laid out as Linux's exec does on
 * RISC-V: from the top, a NULL word, the AT_EXECFN string, the environment and
 * argument strings, the AT_PLATFORM string, 16 AT_RANDOM bytes; then, 16-byte
 * aligned, argc, argv[], NULL, envp[], NULL and the auxiliary vector.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/internal.h"
#include "kernel/sys_file.h"
#include "shm/cache.h"
#include "shm/store.h"

#define DEFAULT_QUANTUM 1000000
#define K_NCACHE_PAGES  1024               /* the node cache of global memory: 4 MiB */
#define DEFAULT_MEM     (1ull << 30)       /* node memory when --mem is not given */
#define ARG_MAX_BYTES   (K_STACK_SIZE / 4) /* as Linux: a quarter of RLIMIT_STACK */
#define NAUX            19

int k_kernel_new(const struct k_config *cfg, k_kernel **out)
{
    if (!cfg->store) return -EINVAL; /* the file calls need the guest's root */
    struct k_kernel *k = calloc(1, sizeof *k);
    if (!k) return -ENOMEM;
    k->cfg = *cfg;
    if (!k->cfg.quantum) k->cfg.quantum = DEFAULT_QUANTUM;
    k->next_pid = 1;
    k->layer_spares = (struct store_spares)STORE_SPARES_OF(struct k_layer);
    k->file_spares = (struct store_spares)STORE_SPARES_OF(struct k_file);
    if (!(k->bounce = malloc(K_BOUNCE_SIZE))) {
        free(k);
        return -ENOMEM;
    }
    int rc = store_names_new(k->cfg.store, k->cfg.node, 0, &k->names);
    if (rc < 0) {
        free(k->bounce);
        free(k);
        return rc;
    }
    rc = store_cache_new(k->cfg.mem_bytes ? k->cfg.mem_bytes : DEFAULT_MEM, &k->cache);
    if (rc < 0) {
        store_names_free(k->names);
        free(k->bounce);
        free(k);
        return rc;
    }
    store_names_set_rekey(k->names, store_cache_rekey, k->cache);
    if (k->cfg.eng &&
        (rc = rv_ncache_new(k->cfg.ncache_pages ? k->cfg.ncache_pages : K_NCACHE_PAGES,
                            k_net_ncache_wb, k, &k->ncache)) < 0) {
        store_cache_free(k->cache);
        store_names_free(k->names);
        free(k->bounce);
        free(k);
        return rc;
    }
    store_cache_set_materialize(k->cache, k_vm_materialize, k->names);
    *out = k;
    return 0;
}

/* Release everything a process holds (it must not be running). */
static void proc_free(struct k_kernel *k, struct k_proc *p)
{
    if (p->net.inflight) k->net_waiter[p->net.slot] = NULL; /* its replies are dropped */
    free(p->net.fill);
    free(p->pollv);
    k_fifo_abandon(p);
    for (struct k_proc **pp = &k->procs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            k->nprocs--;
            break;
        }
    }
    k_rq_remove(k, p);
    k_untime(p);
    k_rpc_end(p);
    if (k->init == p) k->init = NULL;
    if (p->state != K_ZOMBIE && !p->stub) {
        k->nlive--;
        k_files_close_all(p);
    }
    k_vm_free(p);
    if (p->hart) {
        struct rv_stats st;
        rv_get_stats(p->hart, &st);
        k->stats.instructions += st.instret;
        k->stats.tlb_misses += st.tlb_misses;
        k->stats.pages_decoded += st.pages_decoded;
        rv_hart_free(p->hart);
    }
    free(p);
}

void k_proc_free(struct k_proc *p)
{
    proc_free(p->k, p);
}

void k_kernel_free(k_kernel *k)
{
    if (!k) return;
    while (k->procs)
        proc_free(k, k->procs);
    k_vm_unpark_all(k);
    store_spare_drain(&k->layer_spares);
    store_spare_drain(&k->file_spares);
    free(k->bounce);
    if (k->ncache) rv_ncache_free(k->ncache);
    store_cache_free(k->cache);
    store_names_free(k->names);
    free(k);
}

static void default_rlimits(struct k_proc *p)
{
    for (int i = 0; i < K_NRLIMIT; i++)
        p->rlim[i] = (struct k_rlimit){K_RLIM_INF, K_RLIM_INF};
    p->rlim[RLIMIT_STACK].cur = K_STACK_SIZE;
    p->rlim[RLIMIT_NOFILE] = (struct k_rlimit){K_NFILE, K_NFILE};
    p->rlim[RLIMIT_CORE].cur = 0;
}

/* ---- The initial stack ---------------------------------------------------- */

/* Builds the initial stack downward from sp; a sticky error keeps callers short. */
struct stack_builder {
    struct k_proc *p;
    uint64_t sp;
    int err;
};

static uint64_t push_bytes(struct stack_builder *b, const void *data, uint64_t len)
{
    b->sp -= len;
    if (!b->err) b->err = k_copyout(b->p, b->sp, data, len);
    return b->sp;
}

static uint64_t push_str(struct stack_builder *b, const char *s)
{
    return push_bytes(b, s, strlen(s) + 1);
}

static int count_strings(char *const v[], uint64_t *bytes)
{
    int n = 0;
    for (; v && v[n]; n++)
        *bytes += strlen(v[n]) + 1 + sizeof(uint64_t);
    return n;
}

/* Push the strings of v from the last to the first, so that they lie in order;
 * their guest addresses go to addr[]. */
static void push_vector(struct stack_builder *b, char *const v[], int n, uint64_t *addr)
{
    for (int i = n - 1; i >= 0; i--)
        addr[i] = push_str(b, v[i]);
}

static uint64_t hwcap(void)
{
    const char *ext = "imafdc";
    uint64_t bits = 0;
    for (const char *c = ext; *c; c++)
        bits |= 1ull << (*c - 'a');
    return bits;
}

/* The auxiliary vector, as (type, value) pairs ending with AT_NULL. */
static void fill_auxv(uint64_t *aux, const struct k_elf_info *ei, uint64_t phdr, uint64_t random,
                      uint64_t execfn, uint64_t platform)
{
    const uint64_t v[NAUX][2] = {
        {AT_PHDR, phdr},       {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, ei->phnum}, {AT_PAGESZ, RV_PAGE_SIZE},
        {AT_BASE, 0},          {AT_FLAGS, 0},
        {AT_ENTRY, ei->entry}, {AT_UID, getuid()},
        {AT_EUID, geteuid()},  {AT_GID, getgid()},
        {AT_EGID, getegid()},  {AT_SECURE, 0},
        {AT_RANDOM, random},   {AT_HWCAP, hwcap()},
        {AT_HWCAP2, 0},        {AT_CLKTCK, 100},
        {AT_EXECFN, execfn},   {AT_PLATFORM, platform},
        {AT_NULL, 0},
    };
    memcpy(aux, v, sizeof v);
}

/* Strings and AT_RANDOM bytes, top down; fills argv/envp addresses. */
static void push_strings(struct stack_builder *b, const char *execfn_s, char *const argv[],
                         int argc, char *const envp[], int envc, uint64_t *words, uint64_t top[3])
{
    uint8_t rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) b->err = -EIO;
    b->sp -= 8; /* a NULL word at the very top, as Linux leaves */
    top[0] = push_str(b, execfn_s);
    push_vector(b, envp, envc, words + 1 + argc + 1);
    push_vector(b, argv, argc, words + 1);
    top[1] = push_str(b, "riscv64");
    b->sp &= ~7ull;
    top[2] = push_bytes(b, rnd, sizeof rnd);
}

/* Lay out the initial stack; returns the initial sp or a negative errno. */
static int64_t build_stack(struct k_proc *p, const char *path, char *const argv[],
                           char *const envp[], const struct k_elf_info *ei)
{
    uint64_t bytes = strlen(path) + 64;
    int argc = count_strings(argv, &bytes), envc = count_strings(envp, &bytes);
    if (bytes > ARG_MAX_BYTES) return -E2BIG;
    uint64_t nwords = 1 + argc + 1 + envc + 1 + 2 * NAUX;
    uint64_t *words = calloc(nwords, sizeof *words);
    if (!words) return -ENOMEM;
    struct stack_builder b = {.p = p, .sp = K_STACK_TOP};
    uint64_t top[3]; /* execfn, platform, random */
    push_strings(&b, path, argv, argc, envp, envc, words, top);
    uint64_t phdr = ei->phdr;
    if (!phdr) /* not in any segment: give glibc a copy on the stack */
        phdr = push_bytes(&b, ei->phdr_copy, ei->phnum * sizeof(Elf64_Phdr));
    words[0] = (uint64_t)argc;
    fill_auxv(words + 1 + argc + 1 + envc + 1, ei, phdr, top[2], top[0], top[1]);
    b.sp = (b.sp - nwords * 8) & ~15ull;
    if (!b.err) b.err = k_copyout(p, b.sp, words, nwords * 8);
    free(words);
    return b.err ? b.err : (int64_t)b.sp;
}

/* ---- Creating the initial process ----------------------------------------- */

struct k_proc *k_proc_new(struct k_kernel *k)
{
    struct k_proc *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->k = k;
    p->pid = k->cfg.node * K_PID_STRIDE + k->next_pid++;
    p->ppid = 0;
    p->pgid = p->sid = p->family = p->pid;
    p->exit_signal = SIGCHLD;
    k_vm_init(&p->vm);
    default_rlimits(p);
    p->hart = rv_hart_new(k_vm_translate, p);
    if (!p->hart) {
        free(p);
        return NULL;
    }
    p->next = k->procs;
    k->procs = p;
    k->nprocs++;
    k->nlive++; /* EMBRYO counts as alive until k_proc_exit or proc_free */
    return p;
}

/* Map the stack and the trampoline, build the stack, set the registers. */
static int start_image(struct k_proc *p, const char *path, char *const argv[], char *const envp[],
                       const struct k_elf_info *ei)
{
    int rc = k_vm_map(p, K_STACK_TOP - K_STACK_SIZE, K_STACK_SIZE, RV_PROT_R | RV_PROT_W,
                      K_REGION_STACK, -1, 0);
    if (!rc) rc = k_signal_map_trampoline(p);
    if (rc) return rc;
    int64_t sp = build_stack(p, path, argv, envp, ei);
    if (sp < 0) return (int)sp;
    struct rv_state *st = rv_state(p->hart);
    memset(st, 0, sizeof *st);
    st->x[2] = (uint64_t)sp;
    st->pc = ei->entry;
    return 0;
}

/* What readlink("/proc/self/exe") answers (and AT_EXECFN, the core file's
 * exe, pinfo's name): glibc wants an absolute path, and the guest sees only
 * guest paths (docs/store.md, "The program's path"). The guest path when the
 * executable lies inside the store root, else "/" and its file name: a
 * placeholder that shows no host directory (the guest cannot reach the file
 * either way). */
static void set_exe(struct k_proc *p, const char *path)
{
    char abs[PATH_MAX], root[PATH_MAX];
    if (!realpath(path, abs)) snprintf(abs, sizeof abs, "%s", path);
    const struct store *s = p->k->cfg.store;
    size_t n = s && realpath(store_root_path(s), root) ? strlen(root) : 0;
    if (n == 1 && abs[0] == '/') /* the root is the host's "/" */
        snprintf(p->exe, sizeof p->exe, "%s", abs);
    else if (n > 1 && strncmp(abs, root, n) == 0 && abs[n] == '/')
        snprintf(p->exe, sizeof p->exe, "%s", abs + n);
    else {
        const char *base = strrchr(abs, '/');
        base = base && base[1] ? base + 1 : abs;
        snprintf(p->exe, sizeof p->exe, "/%s", base);
    }
}

int k_exec_initial(k_kernel *k, const char *path, char *const argv[], char *const envp[], char *err,
                   size_t errlen)
{
    if (errlen) err[0] = 0;
    if (k->init) {
        snprintf(err, errlen, "%s: this node already has its initial process", path);
        return -EBUSY;
    }
    struct k_proc *p = k_proc_new(k);
    if (!p) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    struct k_elf_info ei;
    set_exe(p, path); /* AT_EXECFN too: the guest sees no host path */
    int rc = k_elf_load(p, path, &ei, err, errlen);
    if (!rc) {
        rc = start_image(p, p->exe, argv, envp, &ei);
        if (rc) snprintf(err, errlen, "%s: cannot build the process: %s", path, strerror(-rc));
    }
    free(ei.phdr_copy);
    if (!rc && (rc = k_files_init(p)) != 0)
        snprintf(err, errlen, "%s: cannot set up descriptors: %s", path, strerror(-rc));
    if (rc) {
        k_files_close_all(p);
        proc_free(k, p);
        return rc;
    }
    p->state = K_RUNNABLE;
    k->init = p;
    k_rq_push(k, p);
    return 0;
}

/* ---- execve -------------------------------------------------------------------- */

#define MAX_ARG_STRLEN (32 * RV_PAGE_SIZE) /* Linux: one string at most 32 pages */

static void free_vector(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Copy in the NULL-terminated guest vector at gvec (NULL: empty), counting its
 * bytes as build_stack does into *bytes; -EFAULT, -E2BIG or -ENOMEM. */
static int copy_vector(struct k_proc *p, uint64_t gvec, char *buf, uint64_t *bytes, char ***out)
{
    size_t n = 0, cap = 16;
    char **v = calloc(cap + 1, sizeof *v);
    if (!v) return -ENOMEM;
    for (; gvec; n++) {
        uint64_t ptr;
        int rc = k_copyin(p, &ptr, gvec + n * 8, 8);
        if (!rc && !ptr) break;
        if (!rc) rc = k_copyin_str(p, buf, ptr, MAX_ARG_STRLEN);
        if (rc == -ENAMETOOLONG) rc = -E2BIG;
        if (!rc && (*bytes += strlen(buf) + 1 + 8) > ARG_MAX_BYTES) rc = -E2BIG;
        if (!rc && n == cap) {
            char **nv = realloc(v, (2 * cap + 1) * sizeof *v);
            if (nv) {
                memset(nv + cap, 0, (cap + 1) * sizeof *v);
                v = nv;
                cap *= 2;
            } else {
                rc = -ENOMEM;
            }
        }
        if (!rc && !(v[n] = strdup(buf))) rc = -ENOMEM;
        if (rc) {
            free_vector(v);
            return rc;
        }
    }
    *out = v;
    return 0;
}

/* Open and check what execve names, before anything of the caller changes:
 * host fd (close-on-exec) or -ENOENT/-EACCES/-ENOEXEC/... */
static int exec_open(struct k_proc *p, uint64_t gpath, char *g, char *host)
{
    int h = k_path_open_exec(p, gpath, g);
    if (h < 0) return h;
    struct stat st;
    int rc = fstat(h, &st) < 0 ? -errno : 0;
    if (!rc && (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))) rc = -EACCES;
    snprintf(host, PATH_MAX, "/proc/self/fd/%d", h);
    char why[256];
    if (!rc) rc = k_elf_check(host, why, sizeof why);
    if (rc) {
        close(h);
        return rc;
    }
    return h;
}

/* The new image is in place: what else exec changes in the process. */
static void exec_commit(struct k_proc *p, const char *g)
{
    k_files_close_on_exec(p);
    k_signal_exec_reset(p);
    snprintf(p->exe, sizeof p->exe, "%s", g);
    p->family = p->pid; /* exec begins a new family */
    p->family_index = 0;
    p->clear_child_tid = p->robust_list = 0;
    if (p->vfork_parent) {
        p->vfork_parent->vfork_child = NULL;
        k_wake(p->vfork_parent);
        p->vfork_parent = NULL;
    }
}

/*
 * execve(path, argv, envp). Everything that can fail without harm is done
 * first: the path (resolved inside the store root like every guest path), the
 * file's type and x bits, the ELF checks, the argument and environment copies.
 * Then the old image goes (k_vm_exec_drop keeps SYM_EXEC_KEEP lsegs) and the
 * new one is loaded; a failure from there on ends the process with SIGSEGV,
 * as Linux does past its point of no return.
 */
int64_t sys_execve(struct k_proc *p, const uint64_t a[6])
{
    char g[PATH_MAX], host[PATH_MAX], given[PATH_MAX];
    int rc = k_copyin_str(p, given, a[0], sizeof given);
    if (rc) return rc;
    int h = exec_open(p, a[0], g, host);
    if (h < 0) return h;
    char *buf = malloc(MAX_ARG_STRLEN);
    char **argv = NULL, **envp = NULL;
    uint64_t bytes = strlen(given) + 64;
    rc = buf ? copy_vector(p, a[1], buf, &bytes, &argv) : -ENOMEM;
    if (!rc) rc = copy_vector(p, a[2], buf, &bytes, &envp);
    free(buf);
    if (!rc) {
        /* The point of no return. */
        struct k_elf_info ei = {0};
        char why[256];
        k_vm_exec_drop(p);
        if (p->hart) rv_flush_all(p->hart);
        rc = k_elf_load(p, host, &ei, why, sizeof why);
        if (!rc) rc = start_image(p, given, argv, envp, &ei);
        free(ei.phdr_copy);
        if (rc)
            k_proc_exit(p, SIGSEGV);
        else
            exec_commit(p, g);
        rc = 0;
    }
    close(h);
    free_vector(argv);
    free_vector(envp);
    return rc;
}

/* ---- Running ---------------------------------------------------------------- */

static void fill_exit(const struct k_proc *p, struct k_exit *out)
{
    out->wstatus = p->wstatus;
    if (WIFEXITED(p->wstatus))
        out->code = WEXITSTATUS(p->wstatus);
    else
        out->code = 128 + WTERMSIG(p->wstatus);
}

/* Run the node until the initial process and all its descendants have ended
 * (proc.c's scheduler; remote.c for those on other nodes); the status is the
 * initial process's. A node without it runs until node 0 ends the job. */
int k_run(k_kernel *k, struct k_exit *out)
{
    struct k_proc *p = k->init;
    bool root = k->cfg.node == 0 || !k->cfg.net || k->cfg.nodes < 2;
    if (!p && root) return -EINVAL;
    k_sched_run(k);
    k_net_end(k);
    if (p) {
        fill_exit(p, out);
    } else {
        out->code = k->job_status;
        out->wstatus = k->job_status << 8;
    }
    while (k->procs)
        proc_free(k, k->procs);
    return k->net_err;
}

/* From a host signal handler: the scheduler ends every process at its next
 * check; the running one is stopped at its next block boundary. */
void k_request_kill(k_kernel *k, int sig)
{
    k->kill_sig = sig > 0 && sig < K_NSIG ? sig : SIGKILL;
    struct k_proc *p = k->current;
    if (p && p->hart) rv_request_stop(p->hart);
}

void k_get_stats(const k_kernel *k, struct k_stats *out)
{
    *out = k->stats;
    if (k->cache) {
        struct store_cache_stats cs;
        struct store_cache_counts cn;
        store_cache_stats(k->cache, &cs);
        store_cache_counts(k->cache, &cn);
        out->mem_bytes = (uint64_t)cn.limit * STORE_PAGE_SIZE;
        out->page_misses = cs.misses;
        out->page_reclaims = cs.reclaims;
        out->page_evictions = cs.evictions;
        out->page_writebacks = cs.writebacks;
    }
    if (k->ncache) {
        struct rv_ncache_stats ns;
        rv_ncache_get_stats(k->ncache, &ns);
        out->ncache_fills = ns.fills;
        out->ncache_evictions = ns.evictions;
        out->ncache_lines_written = ns.lines_written;
        out->ncache_lines_discarded = ns.lines_discarded;
    }
    for (const struct k_proc *p = k->procs; p; p = p->next) {
        if (!p->hart) continue;
        struct rv_stats st;
        rv_get_stats(p->hart, &st);
        out->instructions += st.instret;
        out->tlb_misses += st.tlb_misses;
        out->pages_decoded += st.pages_decoded;
    }
}
