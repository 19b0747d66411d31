/*
 * test_start.c — process start: after k_exec_initial the guest stack holds
 * argc, argv, envp and the auxiliary vector as Linux lays them out, registers
 * are set, and pids follow the cluster-wide naming. Also the signal frame that
 * a fault builds, and rt_sigreturn undoing it.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "elfimg.h"
#include "kernel/syscalls.h"
#include "shm/store.h"

static k_kernel *kern;
static struct store *store;
static char err[256];
static char path[64];
static char root[64];

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/symunix-root-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    cr_assert_eq(store_open(root, 0, &store, err, sizeof err), 0, "%s", err);
    struct k_config cfg = {.store = store, .node = 3, .nodes = 4};
    cr_assert_eq(k_kernel_new(&cfg, &kern), 0);
    struct img m;
    img_init(&m);
    snprintf(path, sizeof path, "%s", img_write(&m));
    char *argv[] = {"prog", "first arg", "", NULL};
    char *envp[] = {"HOME=/", "LANG=C", NULL};
    cr_assert_eq(k_exec_initial(kern, path, argv, envp, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    unlink(path);
    k_kernel_free(kern);
    store_close(store);
    rmdir(root);
}

TestSuite(start, .init = setup, .fini = teardown);

static uint64_t word(uint64_t addr)
{
    uint64_t v;
    cr_assert_eq(k_copyin(kern->init, &v, addr, 8), 0, "read %#lx", addr);
    return v;
}

static const char *string(uint64_t addr)
{
    static char s[8][256];
    static int next;
    char *out = s[next++ % 8];
    cr_assert_eq(k_copyin_str(kern->init, out, addr, 256), 0);
    return out;
}

/* The value of auxv entry `type`, failing the test when it is missing. */
static uint64_t auxv(uint64_t type)
{
    uint64_t sp = rv_state(kern->init->hart)->x[2];
    uint64_t at = sp + 8 + (word(sp) + 1) * 8;
    while (word(at))
        at += 8;
    for (at += 8; word(at) != AT_NULL; at += 16)
        if (word(at) == type) return word(at + 8);
    cr_assert_fail("auxv entry %lu missing", type);
    return 0;
}

Test(start, registers_and_pid)
{
    struct rv_state *st = rv_state(kern->init->hart);
    cr_expect_eq(st->pc, IMG_TEXT_VADDR + IMG_TEXT_OFF);
    cr_expect_eq(st->x[2] % 16, 0, "sp 16-byte aligned");
    cr_expect_eq(st->x[10], 0, "a0 = 0: no rtld fini");
    cr_expect_lt(st->x[2], K_STACK_TOP);
    cr_expect_gt(st->x[2], K_STACK_TOP - K_STACK_SIZE);
    cr_expect_eq(kern->init->pid, 3 * K_PID_STRIDE + 1);
    cr_expect_eq(kern->init->state, K_RUNNABLE);
}

Test(start, argv_and_envp)
{
    uint64_t sp = rv_state(kern->init->hart)->x[2];
    cr_assert_eq(word(sp), 3, "argc");
    cr_expect_str_eq(string(word(sp + 8)), "prog");
    cr_expect_str_eq(string(word(sp + 16)), "first arg");
    cr_expect_str_eq(string(word(sp + 24)), "");
    cr_expect_eq(word(sp + 32), 0, "argv NULL");
    cr_expect_str_eq(string(word(sp + 40)), "HOME=/");
    cr_expect_str_eq(string(word(sp + 48)), "LANG=C");
    cr_expect_eq(word(sp + 56), 0, "envp NULL");
    cr_expect_lt(word(sp + 8), word(sp + 16), "strings in order");
}

Test(start, auxv_values)
{
    cr_expect_eq(auxv(AT_PAGESZ), 4096);
    cr_expect_eq(auxv(AT_PHENT), sizeof(Elf64_Phdr));
    cr_expect_eq(auxv(AT_PHNUM), 3);
    cr_expect_eq(auxv(AT_ENTRY), IMG_TEXT_VADDR + IMG_TEXT_OFF);
    cr_expect_eq(auxv(AT_BASE), 0);
    cr_expect_eq(auxv(AT_UID), getuid());
    cr_expect_eq(auxv(AT_SECURE), 0);
    cr_expect_eq(auxv(AT_CLKTCK), 100);
    uint64_t hw = auxv(AT_HWCAP);
    for (const char *c = "imafdc"; *c; c++)
        cr_expect(hw & (1ull << (*c - 'a')), "HWCAP lacks %c", *c);
    cr_expect_str_eq(string(auxv(AT_PLATFORM)), "riscv64");
    /* The program lies outside the root: "/" and its file name, no host path. */
    cr_expect_str_eq(string(auxv(AT_EXECFN)), strrchr(path, '/'));
}

Test(start, at_phdr_points_at_program_headers)
{
    Elf64_Phdr ph;
    cr_assert_eq(k_copyin(kern->init, &ph, auxv(AT_PHDR), sizeof ph), 0);
    cr_expect_eq(ph.p_type, PT_LOAD);
    cr_expect_eq(ph.p_vaddr, IMG_TEXT_VADDR);
}

Test(start, at_random_is_16_readable_bytes)
{
    uint8_t r[16], zero[16] = {0};
    cr_assert_eq(k_copyin(kern->init, r, auxv(AT_RANDOM), 16), 0);
    cr_expect_neq(memcmp(r, zero, 16), 0);
}

Test(start, kernel_needs_a_store)
{
    k_kernel *k2 = NULL;
    struct k_config cfg = {0};
    cr_expect_eq(k_kernel_new(&cfg, &k2), -EINVAL);
}

Test(start, second_exec_refused)
{
    char *argv[] = {"x", NULL};
    cr_expect_eq(k_exec_initial(kern, path, argv, argv + 1, err, sizeof err), -EBUSY);
}

Test(start, refusal_reason_reaches_caller)
{
    k_kernel *k2;
    struct k_config cfg = {.store = store};
    cr_assert_eq(k_kernel_new(&cfg, &k2), 0);
    char *argv[] = {"x", NULL};
    cr_expect_eq(k_exec_initial(k2, "/nonexistent", argv, argv + 1, err, sizeof err), -ENOENT);
    cr_expect(strstr(err, "/nonexistent") != NULL, "%s", err);
    cr_expect_null(k2->init);
    k_kernel_free(k2);
}

/* ---- Signal frames ---------------------------------------------------------- */

static void set_handler(int sig, uint64_t handler, uint64_t flags, uint64_t mask)
{
    kern->init->sigact[sig] = (struct k_sigaction){handler, flags, mask};
}

Test(start, fault_without_handler_kills)
{
    k_signal_fault(kern->init, SIGSEGV, SEGV_MAPERR, 0x1234);
    cr_expect_eq(kern->init->state, K_ZOMBIE);
    cr_expect(WIFSIGNALED(kern->init->wstatus) && WTERMSIG(kern->init->wstatus) == SIGSEGV);
}

Test(start, blocked_fault_kills)
{
    set_handler(SIGSEGV, 0x10100, 0, 0);
    kern->init->sigmask = 1ull << (SIGSEGV - 1);
    k_signal_fault(kern->init, SIGSEGV, SEGV_MAPERR, 0x1234);
    cr_expect_eq(kern->init->state, K_ZOMBIE);
}

Test(start, frame_layout_and_sigreturn)
{
    struct k_proc *p = kern->init;
    struct rv_state *st = rv_state(p->hart);
    for (int i = 1; i < 32; i++)
        st->x[i] = 0x1000 + i;
    st->x[2] = K_STACK_TOP - 0x1008; /* deliberately misaligned */
    st->f[5] = 0x4009;
    st->frm = 2;
    st->fflags = 1;
    uint64_t pc = st->pc, sp = st->x[2];
    set_handler(SIGSEGV, 0x10100, 0x4 /* SA_SIGINFO */, 1ull << (SIGUSR1 - 1));
    k_signal_fault(p, SIGSEGV, SEGV_ACCERR, 0xdead000);
    cr_assert_eq(p->state, K_RUNNABLE);
    cr_expect_eq(st->pc, 0x10100);
    cr_expect_eq(st->x[1], K_TRAMP_ADDR);
    cr_expect_eq(st->x[10], SIGSEGV);
    uint64_t frame = st->x[2];
    cr_expect_eq(frame % 16, 0);
    cr_expect_leq(frame + 1088, sp);
    cr_expect_eq(st->x[11], frame);
    cr_expect_eq(st->x[12], frame + 128);
    int32_t info[4];
    cr_assert_eq(k_copyin(p, info, frame, 16), 0);
    cr_expect_eq(info[0], SIGSEGV);
    cr_expect_eq(info[2], SEGV_ACCERR);
    cr_expect_eq(word(frame + 16), 0xdead000, "si_addr");
    uint64_t uc = frame + 128;
    cr_expect_eq(word(uc + 40), 0, "saved mask");
    cr_expect_eq(word(uc + 176), pc, "sc_regs.pc");
    cr_expect_eq(word(uc + 176 + 8 * 5), 0x1005, "x5");
    cr_expect_eq(word(uc + 176 + 256 + 8 * 5), 0x4009, "f5");
    uint32_t fcsr;
    cr_assert_eq(k_copyin(p, &fcsr, uc + 176 + 512, 4), 0);
    cr_expect_eq(fcsr, (2 << 5) | 1);
    uint64_t blocked = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGSEGV - 1));
    cr_expect_eq(p->sigmask, blocked, "sa_mask and the signal itself blocked");
    /* the handler changes the saved pc; rt_sigreturn must honour it */
    uint64_t newpc = 0x10200;
    cr_assert_eq(k_copyout(p, uc + 176, &newpc, 8), 0);
    const uint64_t a[6] = {0};
    int64_t ret = sys_rt_sigreturn(p, a);
    cr_expect_eq(st->pc, newpc);
    cr_expect_eq(st->x[2], sp);
    cr_expect_eq((uint64_t)ret, 0x1000 + 10, "a0 restored");
    cr_expect_eq(p->sigmask, 0);
    cr_expect_eq(st->frm, 2);
    cr_expect_eq(st->f[5], 0x4009);
}

Test(start, trampoline_is_sigreturn)
{
    uint32_t code[2];
    cr_assert_eq(k_copyin(kern->init, code, K_TRAMP_ADDR, 8), 0);
    cr_expect_eq(code[0], 0x08b00893, "li a7, 139");
    cr_expect_eq(code[1], 0x00000073, "ecall");
    struct rv_page pg;
    cr_expect_eq(k_vm_translate(kern->init, K_TRAMP_ADDR, RV_ACCESS_WRITE, &pg), -EACCES);
}

Test(start, kill_self_is_delivered_by_default_action)
{
    const uint64_t a[6] = {kern->init->pid, SIGUSR1};
    cr_expect_eq(sys_kill(kern->init, a), 0);
    const uint64_t b[6] = {kern->init->pid + 1, SIGUSR1};
    cr_expect_eq(sys_kill(kern->init, b), -ESRCH);
    k_signal_deliver(kern->init);
    cr_expect_eq(kern->init->state, K_ZOMBIE);
    cr_expect_eq(WTERMSIG(kern->init->wstatus), SIGUSR1);
}

Test(start, unknown_syscall_is_enosys_and_counted)
{
    struct rv_state *st = rv_state(kern->init->hart);
    for (int i = 0; i < 3; i++) {
        st->x[17] = i == 2 ? 435 : 9999; /* clone3 stays ENOSYS (glibc falls back to clone) */
        k_syscall(kern->init);
        cr_expect_eq((int64_t)st->x[10], -ENOSYS);
    }
    struct k_stats s;
    k_get_stats(kern, &s);
    cr_expect_eq(s.syscalls, 3);
    cr_expect_eq(s.enosys, 3);
    cr_assert_eq(s.enosys_distinct, 2);
    cr_expect_eq(s.enosys_nr[0], 9999);
    cr_expect_eq(s.enosys_count[0], 2);
    cr_expect_eq(s.enosys_nr[1], 435);
}

Test(start, sigprocmask_cannot_block_sigkill)
{
    struct k_proc *p = kern->init;
    uint64_t set = ~0ull, old = 1;
    uint64_t where = K_STACK_TOP - K_STACK_SIZE; /* scratch: bottom of the stack */
    cr_assert_eq(k_copyout(p, where, &set, 8), 0);
    const uint64_t a[6] = {2 /* SIG_SETMASK */, where, where + 8, 8};
    cr_expect_eq(sys_rt_sigprocmask(p, a), 0);
    cr_expect_eq(p->sigmask, ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1))));
    cr_assert_eq(k_copyin(p, &old, where + 8, 8), 0);
    cr_expect_eq(old, 0);
    const uint64_t bad[6] = {2, where, 0, 16};
    cr_expect_eq(sys_rt_sigprocmask(p, bad), -EINVAL, "sigsetsize must be 8");
}
