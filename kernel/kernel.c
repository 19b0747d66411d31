/*
 * kernel.c — the node kernel's life cycle: creating the initial process from an
 * executable (address space, Linux-style initial stack, registers), the run loop
 * that drives the hart and turns each stop reason into a syscall or a signal,
 * and the end of a process.
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
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/internal.h"
#include "shm/cache.h"
#include "shm/store.h"

#define DEFAULT_QUANTUM 1000000
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
    int rc = store_names_new(k->cfg.store, k->cfg.node, 0, &k->names);
    if (rc < 0) {
        free(k);
        return rc;
    }
    rc = store_cache_new(k->cfg.mem_bytes ? k->cfg.mem_bytes : DEFAULT_MEM, &k->cache);
    if (rc < 0) {
        store_names_free(k->names);
        free(k);
        return rc;
    }
    store_names_set_rekey(k->names, store_cache_rekey, k->cache);
    store_cache_set_materialize(k->cache, k_vm_materialize, k->names);
    *out = k;
    return 0;
}

/* Release everything a process holds (it must not be running). */
static void proc_free(struct k_kernel *k, struct k_proc *p)
{
    if (p->state != K_ZOMBIE) k_files_close_all(p);
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

void k_kernel_free(k_kernel *k)
{
    if (!k) return;
    if (k->init) proc_free(k, k->init);
    k_vm_unpark_all(k);
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

static struct k_proc *proc_new(struct k_kernel *k)
{
    struct k_proc *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->k = k;
    p->pid = k->cfg.node * K_PID_STRIDE + k->next_pid++;
    p->ppid = 0;
    p->pgid = p->pid;
    k_vm_init(&p->vm);
    default_rlimits(p);
    p->hart = rv_hart_new(k_vm_translate, p);
    if (!p->hart) {
        free(p);
        return NULL;
    }
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

/* What readlink("/proc/self/exe") answers: glibc wants an absolute path. The
 * guest path when the executable lies inside the store root, else the host's
 * absolute path (the guest cannot open it, but it can print it). */
static void set_exe(struct k_proc *p, const char *path)
{
    char abs[PATH_MAX], root[PATH_MAX];
    if (!realpath(path, abs)) snprintf(abs, sizeof abs, "/%s", path);
    const struct store *s = p->k->cfg.store;
    size_t n = s && realpath(store_root_path(s), root) ? strlen(root) : 0;
    if (n > 1 && strncmp(abs, root, n) == 0 && abs[n] == '/')
        snprintf(p->exe, sizeof p->exe, "%s", abs + n);
    else
        snprintf(p->exe, sizeof p->exe, "%s", abs);
}

int k_exec_initial(k_kernel *k, const char *path, char *const argv[], char *const envp[], char *err,
                   size_t errlen)
{
    if (errlen) err[0] = 0;
    if (k->init) {
        snprintf(err, errlen, "%s: this node already has its initial process", path);
        return -EBUSY;
    }
    struct k_proc *p = proc_new(k);
    if (!p) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    struct k_elf_info ei;
    int rc = k_elf_load(p, path, &ei, err, errlen);
    if (!rc) {
        rc = start_image(p, path, argv, envp, &ei);
        if (rc) snprintf(err, errlen, "%s: cannot build the process: %s", path, strerror(-rc));
    }
    free(ei.phdr_copy);
    if (!rc && (rc = k_files_init(p)) != 0)
        snprintf(err, errlen, "%s: cannot set up descriptors: %s", path, strerror(-rc));
    if (rc) {
        p->state = K_ZOMBIE; /* nothing of the descriptor table to close */
        proc_free(k, p);
        return rc;
    }
    set_exe(p, path);
    p->state = K_RUNNABLE;
    k->init = p;
    return 0;
}

/* ---- Running ---------------------------------------------------------------- */

void k_proc_exit(struct k_proc *p, int wstatus)
{
    if (p->state == K_ZOMBIE) return;
    p->wstatus = wstatus;
    p->state = K_ZOMBIE;
    if (WIFSIGNALED(wstatus)) k_files_abnormal(p); /* an abnormal end */
    k_files_close_all(p);
}

/*
 * The cache had no frame for the page p faulted on, with every other process
 * of the node swapped out (vm.c): p gives up its own pages and runs again,
 * refaulting only what the instruction needs. When that happens twice with no
 * instruction retired between, p alone cannot fit: it ends with SIGKILL.
 */
static void out_of_memory(struct k_proc *p, const struct rv_fault *f)
{
    uint64_t n = rv_instret(p->hart);
    if (p->vm.oom_repeat && p->vm.oom_instret == n) {
        fprintf(stderr,
                "symunix: pid %d: out of memory at %#llx (node memory %llu bytes): killed\n",
                p->pid, (unsigned long long)f->addr,
                (unsigned long long)(p->k->cfg.mem_bytes ? p->k->cfg.mem_bytes : DEFAULT_MEM));
        k_proc_exit(p, SIGKILL);
        return;
    }
    p->vm.oom_repeat = 1;
    p->vm.oom_instret = n;
    k_vm_swap_out(p);
}

/* Turn a hart stop into a syscall or a signal. */
static void handle_stop(struct k_proc *p, enum rv_stop why, const struct rv_fault *f)
{
    uint64_t pc = rv_state(p->hart)->pc;
    switch (why) {
    case RV_STOP_BUDGET: break;
    case RV_STOP_ECALL: k_syscall(p); break;
    case RV_STOP_EBREAK: k_signal_fault(p, SIGTRAP, TRAP_BRKPT, pc); break;
    case RV_STOP_ILLEGAL: k_signal_fault(p, SIGILL, ILL_ILLOPC, pc); break;
    case RV_STOP_FAULT:
        if (f->err == -ENOMEM)
            out_of_memory(p, f);
        else if (f->err == -EBUSY)
            k_signal_fault(p, SIGBUS, BUS_ADRALN, f->addr);
        else
            k_signal_fault(p, SIGSEGV, f->err == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, f->addr);
        break;
    }
}

static void fill_exit(const struct k_proc *p, struct k_exit *out)
{
    out->wstatus = p->wstatus;
    if (WIFEXITED(p->wstatus))
        out->code = WEXITSTATUS(p->wstatus);
    else
        out->code = 128 + WTERMSIG(p->wstatus);
}

int k_run(k_kernel *k, struct k_exit *out)
{
    struct k_proc *p = k->init;
    if (!p) return -EINVAL;
    while (p->state != K_ZOMBIE) {
        if (k->kill_sig) {
            k_proc_exit(p, k->kill_sig & 0x7f);
            break;
        }
        k_signal_deliver(p);
        if (p->state == K_ZOMBIE) break;
        struct rv_fault f;
        p->state = K_RUNNING;
        enum rv_stop why = rv_run(p->hart, k->cfg.quantum, &f);
        p->state = K_RUNNABLE;
        handle_stop(p, why, &f);
    }
    fill_exit(p, out);
    k->init = NULL;
    proc_free(k, p);
    return 0;
}

void k_request_kill(k_kernel *k, int sig)
{
    k->kill_sig = sig > 0 && sig < K_NSIG ? sig : SIGKILL;
    struct k_proc *p = k->init;
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
    if (k->init && k->init->hart) {
        struct rv_stats st;
        rv_get_stats(k->init->hart, &st);
        out->instructions += st.instret;
        out->tlb_misses += st.tlb_misses;
        out->pages_decoded += st.pages_decoded;
    }
}
