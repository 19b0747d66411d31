/*
 * signal.c — signals as Linux riscv64 shows them to a program: the actions and
 * masks, the frame built on the guest stack for a handler, rt_sigreturn through
 * the trampoline page, default actions, and synchronous faults from the hart.
 *
 * Frame (docs/kernel.md), at a 16-byte aligned sp, as Linux's rt_sigframe:
 *   +0    siginfo (128 bytes)
 *   +128  ucontext: uc_flags, uc_link, uc_stack (24), uc_sigmask (8) padded to
 *         1024 bits, then at +176 mcontext: sc_regs {pc, x1..x31}, and the FP
 *         union sized for Q (528 bytes) holding the D layout: f[32], fcsr.
 * The handler is entered with ra = the trampoline (li a7,139; ecall), a0 = sig,
 * a1 = &siginfo, a2 = &ucontext. riscv64 has no sa_restorer.
 *
 * Default actions: terminate; terminate with a core file for the core-dumping
 * signals (SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU,
 * SIGXFSZ, SIGSYS: core.c writes core.<pid>, and the wait status gets the core
 * flag 0x80 when it was written); ignore (SIGCHLD, SIGURG, SIGWINCH, SIGCONT)
 * and stop, which is treated as ignore until there is job control.
 *
 * Between processes: k_signal_post wakes a sleeping process for a signal it
 * does not block; its sleeping call then ends with EINTR or is restarted after
 * the handler (SA_RESTART, syscall.c). sigsuspend and ppoll's temporary mask
 * is saved in saved_mask: the handler's frame records the saved one, so that
 * rt_sigreturn puts it back.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/guest_abi.h"
#include "kernel/proc.h"

/* The Linux riscv64 number of rt_sigreturn (the trampoline calls it). */
enum { NR_RT_SIGRETURN = 139 };

struct g_stack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};

struct g_mcontext {
    uint64_t regs[32]; /* pc, x1..x31 */
    uint64_t f[32];    /* __riscv_d_ext_state inside the Q-sized union */
    uint32_t fcsr;
    uint8_t q_rest[528 - 32 * 8 - 4];
} __attribute__((aligned(16)));

struct g_ucontext {
    uint64_t flags;
    uint64_t link;
    struct g_stack stack;
    uint64_t sigmask;
    uint8_t unused[1024 / 8 - 8];
    struct g_mcontext mc;
};

struct g_sigframe {
    uint8_t info[128];
    struct g_ucontext uc;
};

_Static_assert(sizeof(struct g_mcontext) == 784, "riscv sigcontext");
_Static_assert(offsetof(struct g_ucontext, mc) == 176, "riscv ucontext");
_Static_assert(sizeof(struct g_sigframe) == 1088, "riscv rt_sigframe");

struct g_sigaction {
    uint64_t handler, flags, mask;
};

#define BIT(sig)    (1ull << ((sig)-1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

static bool default_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT || sig == SIGSTOP ||
           sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static bool is_ignored(const struct k_proc *p, int sig)
{
    uint64_t h = p->sigact[sig].handler;
    return sig != SIGKILL && (h == G_SIG_IGN || (h == G_SIG_DFL && default_ignores(sig)));
}

void k_signal_post(struct k_proc *p, int sig, const siginfo_t *info)
{
    if (sig < 1 || sig > K_NSIG || (is_ignored(p, sig) && !(p->sigmask & BIT(sig)))) return;
    p->sigpending |= BIT(sig);
    p->siginfo[sig] = *info;
    p->siginfo[sig].si_signo = sig;
    if (p->state == K_SLEEPING && (!(p->sigmask & BIT(sig)) || sig == SIGKILL)) k_wake(p);
}

int k_signal_next(const struct k_proc *p)
{
    uint64_t ready = p->sigpending & ~(p->sigmask & ~UNBLOCKABLE);
    return ready ? __builtin_ctzll(ready) + 1 : 0;
}

bool k_signal_restarts(const struct k_proc *p, int sig)
{
    const struct k_sigaction *a = &p->sigact[sig];
    return sig != SIGKILL && a->handler != G_SIG_DFL && a->handler != G_SIG_IGN &&
           (a->flags & G_SA_RESTART);
}

void k_signal_exec_reset(struct k_proc *p)
{
    for (int sig = 1; sig <= K_NSIG; sig++)
        if (p->sigact[sig].handler != G_SIG_IGN) p->sigact[sig] = (struct k_sigaction){0};
    p->altstack_sp = p->altstack_size = 0;
    p->altstack_flags = G_SS_DISABLE;
    p->has_saved_mask = false;
}

/* The guest's 128-byte siginfo from the host-layout one kept while pending. */
static void encode_info(const siginfo_t *si, uint8_t out[128])
{
    int32_t head[3] = {si->si_signo, si->si_errno, si->si_code};
    memset(out, 0, 128);
    memcpy(out, head, sizeof head);
    if (si->si_code > 0 &&
        (si->si_signo == SIGSEGV || si->si_signo == SIGBUS || si->si_signo == SIGILL ||
         si->si_signo == SIGTRAP || si->si_signo == SIGFPE)) {
        uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
        memcpy(out + 16, &addr, 8);
    } else {
        int32_t ids[3] = {si->si_pid, (int32_t)si->si_uid, si->si_status};
        memcpy(out + 16, ids, si->si_signo == SIGCHLD && si->si_code > 0 ? 12 : 8);
    }
}

static bool on_altstack(const struct k_proc *p, uint64_t sp)
{
    return p->altstack_size && sp > p->altstack_sp && sp <= p->altstack_sp + p->altstack_size;
}

static int32_t altstack_flags(const struct k_proc *p, uint64_t sp)
{
    if (!p->altstack_size) return G_SS_DISABLE;
    return on_altstack(p, sp) ? G_SS_ONSTACK : p->altstack_flags;
}

static void save_context(struct k_proc *p, struct g_ucontext *uc)
{
    rv_sync_fflags(p->hart);
    const struct rv_state *st = rv_state(p->hart);
    uc->stack = (struct g_stack){
        .sp = p->altstack_sp, .flags = altstack_flags(p, st->x[2]), .size = p->altstack_size};
    uc->sigmask = p->has_saved_mask ? p->saved_mask : p->sigmask; /* sigsuspend's own mask ends */
    uc->mc.regs[0] = st->pc;
    memcpy(&uc->mc.regs[1], &st->x[1], 31 * sizeof(uint64_t));
    memcpy(uc->mc.f, st->f, sizeof uc->mc.f);
    uc->mc.fcsr = (st->frm << 5) | (st->fflags & 31);
}

/* Build the frame and enter the handler; -EFAULT when the stack is unusable. */
static int setup_frame(struct k_proc *p, int sig, struct k_sigaction *act)
{
    struct rv_state *st = rv_state(p->hart);
    uint64_t sp = st->x[2];
    if ((act->flags & G_SA_ONSTACK) && p->altstack_size && !on_altstack(p, sp))
        sp = p->altstack_sp + p->altstack_size;
    uint64_t frame = (sp - sizeof(struct g_sigframe)) & ~15ull;
    struct g_sigframe f;
    memset(&f, 0, sizeof f);
    encode_info(&p->siginfo[sig], f.info);
    save_context(p, &f.uc);
    if (k_copyout(p, frame, &f, sizeof f)) return -EFAULT;
    st->x[1] = K_TRAMP_ADDR;
    st->x[2] = frame;
    st->x[10] = (uint64_t)sig;
    st->x[11] = frame;
    st->x[12] = frame + offsetof(struct g_sigframe, uc);
    st->pc = act->handler;
    p->has_saved_mask = false;
    p->sigmask |= act->mask | ((act->flags & G_SA_NODEFER) ? 0 : BIT(sig));
    p->sigmask &= ~UNBLOCKABLE;
    if (act->flags & G_SA_RESETHAND) *act = (struct k_sigaction){0};
    rv_clear_reservation(p->hart);
    p->k->stats.signals++;
    return 0;
}

/* si_addr of a fault's siginfo, 0 for any other. */
static uint64_t fault_addr(const siginfo_t *si)
{
    bool fault = si->si_signo == SIGSEGV || si->si_signo == SIGBUS || si->si_signo == SIGILL ||
                 si->si_signo == SIGTRAP || si->si_signo == SIGFPE;
    return fault && si->si_code > 0 ? (uint64_t)(uintptr_t)si->si_addr : 0;
}

/* End p by sig's default action; a core-dumping signal first writes its core
 * file (a failure to write it changes nothing but the core flag). */
static void die(struct k_proc *p, int sig, int code, uint64_t addr)
{
    int wstatus = sig;
    if (k_core_signal(sig) && k_core_dump(p, sig | K_WCOREFLAG, code, addr) == 0)
        wstatus |= K_WCOREFLAG;
    k_proc_exit(p, wstatus);
}

/* Deliver sig now: by default action or to the handler. */
static void deliver(struct k_proc *p, int sig)
{
    struct k_sigaction *act = &p->sigact[sig];
    p->sigpending &= ~BIT(sig);
    if (sig == SIGKILL || sig == SIGSTOP || act->handler == G_SIG_DFL) {
        const siginfo_t *si = &p->siginfo[sig];
        if (!default_ignores(sig) || sig == SIGKILL) die(p, sig, si->si_code, fault_addr(si));
        return;
    }
    if (act->handler == G_SIG_IGN) return;
    if (setup_frame(p, sig, act))
        die(p, SIGSEGV, SI_KERNEL, 0); /* as Linux's force_sigsegv on a bad stack */
}

void k_signal_deliver(struct k_proc *p)
{
    int sig = k_signal_next(p);
    if (sig) deliver(p, sig);
    if (p->has_saved_mask && p->state != K_SLEEPING) { /* no handler ran: the old mask again */
        p->sigmask = p->saved_mask;
        p->has_saved_mask = false;
    }
}

void k_signal_fault(struct k_proc *p, int sig, int code, uint64_t addr)
{
    uint64_t h = p->sigact[sig].handler;
    if ((p->sigmask & BIT(sig)) || h == G_SIG_DFL || h == G_SIG_IGN) {
        die(p, sig, code, addr);
        return;
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = code;
    si.si_addr = (void *)(uintptr_t)addr;
    p->siginfo[sig] = si;
    deliver(p, sig);
}

int k_signal_map_trampoline(struct k_proc *p)
{
    /* li a7, 139 (addi a7, zero, 139); ecall */
    const uint32_t code[2] = {(NR_RT_SIGRETURN << 20) | (17 << 7) | 0x13, 0x00000073};
    int rc =
        k_vm_map(p, K_TRAMP_ADDR, RV_PAGE_SIZE, RV_PROT_R | RV_PROT_X, K_REGION_TRAMPOLINE, -1, 0);
    return rc ? rc : k_vm_poke(p, K_TRAMP_ADDR, code, sizeof code);
}

/* ---- System calls ----------------------------------------------------------- */

/* rt_sigaction(sig, act, oact, sigsetsize) */
int64_t sys_rt_sigaction(struct k_proc *p, const uint64_t a[6])
{
    int sig = (int)a[0];
    struct g_sigaction nw, old;
    if (a[3] != 8 || sig < 1 || sig > K_NSIG) return -EINVAL;
    if (a[1] && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
    if (a[1] && k_copyin(p, &nw, a[1], sizeof nw)) return -EFAULT;
    struct k_sigaction *cur = &p->sigact[sig];
    old = (struct g_sigaction){cur->handler, cur->flags, cur->mask};
    if (a[2] && k_copyout(p, a[2], &old, sizeof old)) return -EFAULT;
    if (a[1]) {
        *cur = (struct k_sigaction){nw.handler, nw.flags, nw.mask & ~UNBLOCKABLE};
        if (is_ignored(p, sig)) p->sigpending &= ~BIT(sig);
    }
    return 0;
}

/* rt_sigprocmask(how, set, oset, sigsetsize) */
int64_t sys_rt_sigprocmask(struct k_proc *p, const uint64_t a[6])
{
    uint64_t set, old = p->sigmask;
    if (a[3] != 8) return -EINVAL;
    if (a[1]) {
        if (k_copyin(p, &set, a[1], 8)) return -EFAULT;
        if (a[0] != G_SIG_BLOCK && a[0] != G_SIG_UNBLOCK && a[0] != G_SIG_SETMASK) return -EINVAL;
    }
    if (a[2] && k_copyout(p, a[2], &old, 8)) return -EFAULT;
    if (a[1]) {
        if (a[0] == G_SIG_BLOCK)
            p->sigmask |= set;
        else if (a[0] == G_SIG_UNBLOCK)
            p->sigmask &= ~set;
        else
            p->sigmask = set;
        p->sigmask &= ~UNBLOCKABLE;
    }
    return 0;
}

/* rt_sigpending(set, sigsetsize) */
int64_t sys_rt_sigpending(struct k_proc *p, const uint64_t a[6])
{
    if (a[1] > 8) return -EINVAL;
    uint64_t set = p->sigpending;
    return k_copyout(p, a[0], &set, a[1]) ? -EFAULT : 0;
}

/* rt_sigreturn(): restore what setup_frame saved at sp; the restored a0 is the
 * "result", so k_syscall's write of a0 changes nothing. */
int64_t sys_rt_sigreturn(struct k_proc *p, const uint64_t a[6])
{
    struct rv_state *st = rv_state(p->hart);
    struct g_ucontext uc;
    if (k_copyin(p, &uc, st->x[2] + offsetof(struct g_sigframe, uc), sizeof uc)) {
        die(p, SIGSEGV, SI_KERNEL, 0);
        return 0;
    }
    rv_sync_fflags(p->hart);
    st->pc = uc.mc.regs[0];
    memcpy(&st->x[1], &uc.mc.regs[1], 31 * sizeof(uint64_t));
    memcpy(st->f, uc.mc.f, sizeof st->f);
    st->frm = (uc.mc.fcsr >> 5) & 7;
    st->fflags = uc.mc.fcsr & 31;
    p->sigmask = uc.sigmask & ~UNBLOCKABLE;
    int32_t mode = uc.stack.flags & ~(int32_t)G_SS_AUTODISARM;
    if (!on_altstack(p, st->x[2]) && (mode == 0 || mode == G_SS_DISABLE)) {
        bool off = mode == G_SS_DISABLE || uc.stack.size < G_MINSIGSTKSZ;
        p->altstack_sp = off ? 0 : uc.stack.sp;
        p->altstack_size = off ? 0 : uc.stack.size;
        p->altstack_flags = off ? G_SS_DISABLE : uc.stack.flags;
    }
    rv_clear_reservation(p->hart);
    return (int64_t)st->x[10];
}

/* sigaltstack(ss, old_ss) */
int64_t sys_sigaltstack(struct k_proc *p, const uint64_t a[6])
{
    uint64_t sp = rv_state(p->hart)->x[2];
    struct g_stack old = {
        .sp = p->altstack_sp, .flags = altstack_flags(p, sp), .size = p->altstack_size};
    if (a[0]) {
        struct g_stack ss;
        if (k_copyin(p, &ss, a[0], sizeof ss)) return -EFAULT;
        if (on_altstack(p, sp)) return -EPERM;
        int32_t mode = ss.flags & ~(int32_t)G_SS_AUTODISARM;
        if (mode != 0 && mode != G_SS_DISABLE && mode != G_SS_ONSTACK) return -EINVAL;
        if (mode == G_SS_DISABLE) {
            p->altstack_sp = p->altstack_size = 0;
            p->altstack_flags = G_SS_DISABLE;
        } else {
            if (ss.size < G_MINSIGSTKSZ) return -ENOMEM;
            p->altstack_sp = ss.sp;
            p->altstack_size = ss.size;
            p->altstack_flags = ss.flags & (int32_t)G_SS_AUTODISARM;
        }
    }
    if (a[1] && k_copyout(p, a[1], &old, sizeof old)) return -EFAULT;
    return 0;
}
