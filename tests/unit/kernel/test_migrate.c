/*
 * test_migrate.c — a spawn child shipped to another node (kernel/migrate.c):
 * a parent with real lsegs of every spawn action, descriptors and signal
 * state is packed on node 0 and unpacked into a second kernel (node 1) over
 * the same store; the child must have the registers, ids and signal actions,
 * every byte of the copied lsegs, no dropped lseg, zeros in a reallocated
 * one, the same global addresses, a regular file reopened at its offset and
 * no pipe; an untouched 8 MiB lseg costs nothing to pack; a real executable
 * packed after its start runs to its exit on the other kernel. Damaged bytes
 * (every truncation, every flipped byte, crc-valid nonsense) give -EBADMSG
 * or at least leave nothing behind.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zlib.h>

#include "elfimg.h"
#include "kfixture.h"
#include "kernel/sys_file.h"
#include "shm/cache.h"
#include "symunix/abi.h"

#define PG     4096ull
#define RW     (RV_PROT_R | RV_PROT_W)
#define A_COPY 0x100000ull /* 16 pages, anonymous, data in pages 0, 3, 15 */
#define A_RO   0x200000ull /* 2 pages, read-only after being filled */
#define A_DROP 0x300000ull /* 2 pages, SYM_SPAWN_DROP */
#define A_REAL 0x400000ull /* 2 pages, SYM_SPAWN_REALLOC */
#define A_GLOB 0x500000ull /* 3 pages of a store file, global, inherited */
#define A_GCPY 0x600000ull /* 1 page of the same file, global, COPY */
#define A_STK  (K_STACK_TOP - K_STACK_SIZE)

static k_kernel *kern2;
static struct k_proc *par;

static void setup_mem(uint64_t mem)
{
    kfix_setup(mem);
    struct k_config cfg = {.store = store, .node = 1, .nodes = 2, .mem_bytes = mem};
    cr_assert_eq(k_kernel_new(&cfg, &kern2), 0);
    par = k_proc_new(kern);
    cr_assert_not_null(par);
    cr_assert_eq(k_files_init(par), 0);
}

static void teardown(void)
{
    k_kernel_free(kern2);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/f", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/g", root);
    unlink(path);
    kfix_teardown(); /* frees kern and par with it */
}

static void setup(void)
{
    setup_mem(0);
}

/* Nodes of 64 frames: a process with more pages than that has some of
 * them only in its lazy images' files, and its child cannot hold them all
 * in frames either. */
static void setup_small(void)
{
    setup_mem(64 * 4096);
}

TestSuite(migrate, .init = setup, .fini = teardown);
TestSuite(migrate_small, .init = setup_small, .fini = teardown);

static void fill(uint8_t *page, uint64_t va)
{
    for (uint64_t i = 0; i < PG; i++)
        page[i] = (uint8_t)(va / PG * 31 + i * 7 + 1);
}

static void put_page(struct k_proc *p, uint64_t va)
{
    uint8_t b[PG];
    fill(b, va);
    cr_assert_eq(k_copyout(p, va, b, PG), 0);
}

static void set_action(struct k_proc *p, uint64_t va, uint64_t len, unsigned prot, unsigned mask,
                       unsigned attr)
{
    cr_assert_eq(k_vm_set_attr(p, va, len, prot, mask, attr), 0);
}

/* A guest call with a string argument placed at the end of A_COPY's page 14. */
static int64_t call_path(int64_t (*fn)(struct k_proc *, const uint64_t *), const char *s,
                         uint64_t a2, uint64_t a3)
{
    uint64_t at = A_COPY + 14 * PG;
    cr_assert_eq(k_copyout(par, at, s, strlen(s) + 1), 0);
    uint64_t a[6] = {(uint64_t)-100, at, a2, a3, 0, 0};
    int64_t r = fn(par, a);
    uint8_t zero[PG] = {0};
    k_copyout(par, A_COPY + 14 * PG, zero, PG); /* page 14 reads zeros again */
    return r;
}

/* The parent: every kind of lseg, signal state, a file, a pipe. Returns the
 * file's guest fd; *pipefd the pipe's read end. */
static int build_parent(int *pipefd)
{
    struct rv_state *st = rv_state(par->hart);
    for (int i = 1; i < 32; i++)
        st->x[i] = 0x1000u * i + 7;
    st->f[3] = 0x400921fb54442d18ull;
    st->pc = 0x10abc;
    par->pgid = 4242;
    par->sid = 4240;
    par->family = 4241;
    par->sigact[SIGUSR1] = (struct k_sigaction){0x12340, 0x10000000, 1ull << (SIGINT - 1)};
    par->sigact[SIGTERM] = (struct k_sigaction){1, 0, 0};
    par->sigmask = 1ull << (SIGUSR2 - 1);
    par->sigpending = 1ull << (SIGHUP - 1);
    par->altstack_sp = 0x7000;
    par->altstack_size = 8192;
    par->rlim[RLIMIT_NOFILE].cur = 77;
    strcpy(par->exe, "/bin/prog");

    cr_assert_eq(k_vm_map(par, A_COPY, 16 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(par, A_RO, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(par, A_DROP, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(par, A_REAL, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(par, A_STK, K_STACK_SIZE, RW, K_REGION_STACK, -1, 0), 0);
    for (int pg = 0; pg < 16; pg += pg == 0 ? 3 : 12) /* 0, 3, 15 */
        put_page(par, A_COPY + pg * PG);
    uint8_t junk[PG];
    cr_assert_eq(k_copyin(par, junk, A_COPY + 5 * PG, PG), 0); /* read, never written */
    put_page(par, A_RO);
    put_page(par, A_RO + PG);
    set_action(par, A_RO, 2 * PG, RV_PROT_R, 0, 0);
    put_page(par, A_DROP);
    set_action(par, A_DROP, 2 * PG, RW, SYM_SPAWN_MASK, SYM_SPAWN_DROP);
    put_page(par, A_REAL);
    set_action(par, A_REAL, 2 * PG, RW | RV_PROT_X, SYM_SPAWN_MASK, SYM_SPAWN_REALLOC);
    put_page(par, K_STACK_TOP - PG);

    /* A store file mapped global: its (dev, ino, off) name the global pages. */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/g", root);
    int h = open(path, O_RDWR | O_CREAT, 0600);
    cr_assert_geq(h, 0);
    cr_assert_eq(ftruncate(h, 16 * PG), 0);
    cr_assert_eq(k_vm_map(par, A_GLOB, 3 * PG, RW, K_REGION_FILE_SHARED, h, 2 * PG), 0);
    cr_assert_eq(k_vm_map(par, A_GCPY, PG, RW, K_REGION_FILE_SHARED, h, 9 * PG), 0);
    close(h);
    set_action(par, A_GLOB, 3 * PG, RW, SYM_MEM_GLOBAL | SYM_SPAWN_MASK,
               SYM_MEM_GLOBAL | SYM_SPAWN_INHERIT);
    set_action(par, A_GCPY, PG, RW, SYM_MEM_GLOBAL | SYM_SPAWN_MASK,
               SYM_MEM_GLOBAL | SYM_SPAWN_COPY);
    par->vm.r[k_vm_lookup(&par->vm, A_GLOB)].gseg = 5; /* what mapin sets */
    par->vm.r[k_vm_lookup(&par->vm, A_GCPY)].gseg = 5;

    /* Descriptors: a regular file at offset 5 with O_APPEND, a pipe. */
    int fd = (int)call_path(sys_openat, "/f", O_RDWR | O_CREAT | O_APPEND, 0644);
    cr_assert_geq(fd, 3);
    cr_assert_eq(write(k_fd_host(par, fd), "hello, world", 12), 12);
    cr_assert_eq(lseek(k_fd_host(par, fd), 5, SEEK_SET), 5);
    uint64_t a[6] = {A_COPY + 14 * PG, 0};
    cr_assert_eq(sys_pipe2(par, a), 0);
    int32_t pfd[2];
    cr_assert_eq(k_copyin(par, pfd, A_COPY + 14 * PG, sizeof pfd), 0);
    uint8_t zero[PG] = {0};
    k_copyout(par, A_COPY + 14 * PG, zero, PG);
    *pipefd = pfd[0];
    return fd;
}

static struct k_proc *ship(size_t *len)
{
    uint8_t *buf;
    size_t n;
    cr_assert_eq(k_proc_pack(par, &buf, &n), 0);
    struct k_proc *c = NULL;
    cr_assert_eq(k_proc_unpack(kern2, buf, n, &c), 0);
    free(buf);
    if (len) *len = n;
    return c;
}

Test(migrate, child_gets_registers_ids_and_signal_state)
{
    int pipefd;
    build_parent(&pipefd);
    struct k_proc *c = ship(NULL);
    const struct rv_state *ps = rv_state(par->hart), *cs = rv_state(c->hart);
    cr_expect_eq(memcmp(cs->x, ps->x, sizeof cs->x), 0);
    cr_expect_eq(memcmp(cs->f, ps->f, sizeof cs->f), 0);
    cr_expect_eq(cs->pc, 0x10abc);
    cr_expect_eq(c->k, kern2);
    cr_expect_eq(c->pid / K_PID_STRIDE, 1, "a pid of node 1: %d", c->pid);
    cr_expect_eq(c->state, K_EMBRYO);
    cr_expect(!c->on_rq);
    cr_expect_eq(c->ppid, 0);
    cr_expect_eq(c->family_index, 0);
    cr_expect_eq(c->pgid, 4242);
    cr_expect_eq(c->sid, 4240);
    cr_expect_eq(c->family, 4241);
    cr_expect_eq(c->sigact[SIGUSR1].handler, 0x12340);
    cr_expect_eq(c->sigact[SIGUSR1].flags, 0x10000000);
    cr_expect_eq(c->sigact[SIGUSR1].mask, 1ull << (SIGINT - 1));
    cr_expect_eq(c->sigact[SIGTERM].handler, 1);
    cr_expect_eq(c->sigmask, 1ull << (SIGUSR2 - 1));
    cr_expect_eq(c->sigpending, 0, "nothing pending in a child");
    cr_expect_eq(c->altstack_sp, 0x7000);
    cr_expect_eq(c->altstack_size, 8192);
    cr_expect_eq(c->rlim[RLIMIT_NOFILE].cur, 77);
    cr_expect_str_eq(c->exe, "/bin/prog");
    cr_expect_str_eq(c->cwd, "/");
}

/* Every byte of [va, va+len) of c equals the parent's (read through k_copyin). */
static void expect_same(struct k_proc *c, uint64_t va, uint64_t len)
{
    static uint8_t a[16 * PG], b[16 * PG];
    cr_assert_eq(k_copyin(par, a, va, len), 0);
    cr_assert_eq(k_copyin(c, b, va, len), 0, "child reads %#llx", (unsigned long long)va);
    cr_expect_eq(memcmp(a, b, len), 0, "contents at %#llx", (unsigned long long)va);
}

Test(migrate, memory_follows_each_spawn_action)
{
    int pipefd;
    build_parent(&pipefd);
    struct k_proc *c = ship(NULL);
    expect_same(c, A_COPY, 16 * PG);
    uint8_t b[PG], want[PG];
    fill(want, A_COPY + 15 * PG);
    cr_assert_eq(k_copyin(c, b, A_COPY + 15 * PG, PG), 0);
    cr_expect_eq(memcmp(b, want, PG), 0, "the data itself, not only equality");
    expect_same(c, A_RO, 2 * PG);
    int i = k_vm_lookup(&c->vm, A_RO);
    cr_assert_geq(i, 0);
    cr_expect_eq(c->vm.r[i].prot, RV_PROT_R, "protection kept");
    cr_expect_eq(c->vm.r[i].end, A_RO + 2 * PG);
    expect_same(c, K_STACK_TOP - 2 * PG, 2 * PG);
    i = k_vm_lookup(&c->vm, A_STK);
    cr_assert_geq(i, 0);
    cr_expect_eq(c->vm.r[i].kind, K_REGION_STACK);
    cr_expect_eq(c->vm.r[i].end, K_STACK_TOP);

    cr_expect_eq(k_vm_lookup(&c->vm, A_DROP), -1, "DROP: absent");
    cr_expect(!k_vm_any_mapped(&c->vm, A_DROP, 2 * PG));

    i = k_vm_lookup(&c->vm, A_REAL);
    cr_assert_geq(i, 0, "REALLOC: present");
    cr_expect_eq(c->vm.r[i].prot, RW | RV_PROT_X);
    cr_expect_eq(c->vm.r[i].end, A_REAL + 2 * PG);
    static const uint8_t zero[PG];
    cr_assert_eq(k_copyin(c, b, A_REAL, PG), 0);
    cr_expect_eq(memcmp(b, zero, PG), 0, "REALLOC: zeros");

    /* Global: the same global address for every page, both actions. */
    for (uint64_t va = A_GLOB; va < A_GLOB + 3 * PG; va += PG / 2) {
        uint64_t g1, g2;
        cr_assert_eq(k_vm_gaddr(par, va, &g1), 0);
        cr_assert_eq(k_vm_gaddr(c, va, &g2), 0, "global in the child at %#llx",
                     (unsigned long long)va);
        cr_expect_eq(g1, g2);
    }
    uint64_t g1, g2;
    cr_assert_eq(k_vm_gaddr(par, A_GCPY + 8, &g1), 0);
    cr_assert_eq(k_vm_gaddr(c, A_GCPY + 8, &g2), 0);
    cr_expect_eq(g1, g2, "a global COPY shares the segment");
    i = k_vm_lookup(&c->vm, A_GLOB);
    cr_expect(c->vm.r[i].attr & SYM_MEM_GLOBAL);
    cr_expect_eq(c->vm.r[i].attr & SYM_SPAWN_MASK, SYM_SPAWN_INHERIT);
}

Test(migrate, untouched_pages_cost_nothing)
{
    int pipefd;
    build_parent(&pipefd);
    struct store_cache_counts before, after;
    store_cache_counts(kern->cache, &before);
    uint8_t *buf;
    size_t n;
    cr_assert_eq(k_proc_pack(par, &buf, &n), 0);
    store_cache_counts(kern->cache, &after);
    free(buf);
    cr_log_info("six data pages and an 8 MiB stack: %zu bytes", n);
    /* Data pages: A_COPY 0, 3, 15, A_RO 0, 1, the stack's top: 6 pages. */
    cr_expect_lt(n, 7 * (PG + 8) + 8192, "packed %zu bytes", n);
    cr_expect_gt(n, 6 * (PG + 8), "packed %zu bytes", n);
    long taken = (long)before.free - (long)after.free;
    cr_expect_leq(taken, 2, "frames taken by packing: %ld", taken);
}

Test(migrate, local_inherit_is_refused)
{
    cr_assert_eq(k_vm_map(par, A_COPY, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    set_action(par, A_COPY + PG, PG, RW, SYM_SPAWN_MASK, SYM_SPAWN_INHERIT);
    uint8_t *buf = NULL;
    size_t n;
    cr_expect_eq(k_proc_pack(par, &buf, &n), -EXDEV);
    set_action(par, A_COPY + PG, PG, RW, SYM_SPAWN_MASK, SYM_SPAWN_DROP);
    cr_expect_eq(k_proc_pack(par, &buf, &n), 0, "dropped: it may go");
    free(buf);
}

Test(migrate, descriptors_reopened_streams_kept_pipes_closed)
{
    int pipefd;
    int fd = build_parent(&pipefd);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/d", root);
    cr_assert_eq(mkdir(path, 0700), 0);
    cr_assert_eq(store_names_mkrefdir(store, &par->refdirs, "/d", "@work"), 0);
    int dfd = (int)call_path(sys_openat, "/d", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    cr_assert_geq(dfd, 0);
    strcpy(par->cwd, "/d");
    struct k_proc *c = ship(NULL);
    cr_expect_str_eq(c->cwd, "/d");
    cr_assert_not_null(c->fd[dfd].f, "the directory is open in the child");
    cr_expect_str_eq(c->fd[dfd].f->dirpath, "/d");
    cr_expect(c->fd[dfd].cloexec, "close-on-exec kept");
    cr_expect(!c->fd[fd].cloexec);
    char g[PATH_MAX];
    cr_expect_eq(store_names_refdir_path(store, &c->refdirs, "/", "@work/x", g, sizeof g), 0);
    cr_expect_str_eq(g, "/d/x", "@work bound to the same directory");
    int h = k_fd_host(c, fd), ph = k_fd_host(par, fd);
    cr_assert_geq(h, 0, "the file is open in the child");
    cr_expect_neq(h, ph, "its own description");
    cr_expect_eq(lseek(h, 0, SEEK_CUR), 5, "at the parent's offset");
    struct stat a, b;
    cr_assert_eq(fstat(h, &a), 0);
    cr_assert_eq(fstat(ph, &b), 0);
    cr_expect(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "the same file");
    cr_expect_eq(fcntl(h, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR | O_APPEND);
    cr_expect_eq(k_fd_host(c, pipefd), -EBADF, "the pipe's read end is closed");
    cr_expect_eq(k_fd_host(c, pipefd + 1), -EBADF, "the write end too");
    if (fcntl(1, F_GETFD) >= 0) {
        struct stat s1, c1;
        cr_assert_eq(fstat(1, &s1), 0);
        cr_assert_not_null(c->fd[1].f, "stdout travels");
        cr_expect(c->fd[1].f->host, "still a host descriptor (docs/store.md)");
        cr_expect_eq(k_fd_backing(c, 1), -ENODEV, "which is never mapped");
        cr_assert_eq(fstat(c->fd[1].f->hostfd, &c1), 0);
        cr_expect(s1.st_ino == c1.st_ino && s1.st_dev == c1.st_dev, "the node's own stdout");
    }
    int ifd;
    const char *rest;
    cr_expect_eq(store_names_refdir_lookup(&c->refdirs, STORE_REFNAME_IMAGE, &ifd, &rest), 1,
                 "@image bound in the child");
    k_files_close_all(c); /* the directory goes before the scratch root */
    k_files_close_all(par);
    rmdir(path);
}

static int nprocs2(void)
{
    return kern2->nprocs;
}

Test(migrate, truncated_or_damaged_bytes_are_refused)
{
    int pipefd;
    build_parent(&pipefd);
    uint8_t *buf;
    size_t n;
    cr_assert_eq(k_proc_pack(par, &buf, &n), 0);
    struct k_proc *c = NULL;
    int before = nprocs2();
    for (size_t l = 0; l < n; l++)
        cr_assert_eq(k_proc_unpack(kern2, buf, l, &c), -EBADMSG, "truncated to %zu", l);
    for (size_t i = 0; i < n; i++) {
        buf[i] ^= 0x20;
        cr_assert_eq(k_proc_unpack(kern2, buf, n, &c), -EBADMSG, "byte %zu flipped", i);
        buf[i] ^= 0x20;
    }
    cr_expect_eq(nprocs2(), before, "nothing left behind");
    cr_expect_null(c);
    cr_expect_eq(k_proc_unpack(kern2, buf, n, &c), 0, "the intact bytes still work");
    free(buf);
}

/* Damage behind a valid crc: the decoder's own checks. Never a crash, and a
 * refusal leaves nothing behind (the ASan build checks the leaks). */
Test(migrate, nonsense_with_a_valid_crc_leaves_nothing)
{
    int pipefd;
    build_parent(&pipefd);
    uint8_t *buf;
    size_t n;
    cr_assert_eq(k_proc_pack(par, &buf, &n), 0);
    size_t pages = n - 4 - 8 - 6 * (PG + 8); /* where the pages section starts */
    int refused = 0;
    for (size_t i = 24; i < n - 4; i += i < pages + 16 ? 1 : 509) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (uint8_t)(1u << bit);
            uint32_t crc = (uint32_t)crc32(0, buf, (uInt)(n - 4)), old;
            memcpy(&old, buf + n - 4, 4);
            memcpy(buf + n - 4, &crc, 4);
            int before = nprocs2();
            struct k_proc *c = NULL;
            int rc = k_proc_unpack(kern2, buf, n, &c);
            if (rc) {
                refused++;
                cr_assert_eq(nprocs2(), before, "byte %zu: refused and gone", i);
            } else {
                k_proc_free(c);
            }
            memcpy(buf + n - 4, &old, 4);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
    cr_expect_gt(refused, 0);
    free(buf);
}

Test(migrate, private_file_mapping_becomes_a_copy_of_its_pages)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/f", root);
    int h = open(path, O_RDWR | O_CREAT, 0600);
    cr_assert_geq(h, 0);
    uint8_t b[3 * PG];
    for (uint64_t i = 0; i < 3; i++)
        fill(b + i * PG, 0x900000 + i * PG);
    cr_assert_eq(pwrite(h, b, sizeof b, PG), (ssize_t)sizeof b);
    /* Pages 1..3 of the file, then 5 pages: two past the end of the file. */
    cr_assert_eq(k_vm_map(par, A_COPY, 5 * PG, RV_PROT_R | RV_PROT_X, K_REGION_TEXT, h, PG), 0);
    cr_assert_eq(k_vm_map(par, A_RO, 4 * PG, RW, K_REGION_FILE_PRIVATE, h, 0), 0);
    put_page(par, A_RO + 2 * PG); /* a shadow page over the file's page 2 */
    cr_assert_eq(lseek(h, 7, SEEK_SET), 7);
    size_t n;
    struct k_proc *c = ship(&n);
    cr_expect_eq(lseek(h, 0, SEEK_CUR), 7, "the cache's duplicate shares h's offset: kept");
    close(h);
    cr_expect_lt(n, 7 * (PG + 8) + 8192, "3 + 3 file pages + the shadow's: %zu", n);
    expect_same(c, A_COPY, 5 * PG);
    expect_same(c, A_RO, 4 * PG);
    uint8_t got[PG];
    cr_assert_eq(k_copyin(c, got, A_COPY, PG), 0);
    cr_expect_eq(memcmp(got, b, PG), 0, "the file's bytes");
    int i = k_vm_lookup(&c->vm, A_COPY), j = k_vm_lookup(&c->vm, A_RO);
    cr_assert(i >= 0 && j >= 0);
    cr_expect_eq(c->vm.r[i].kind, K_REGION_TEXT);
    cr_expect_eq(c->vm.r[i].prot, RV_PROT_R | RV_PROT_X);
    cr_expect_eq(c->vm.r[j].kind, K_REGION_ANON, "private file memory: anonymous");
    cr_expect_eq(c->vm.r[j].ino, 0);
    /* The child's copy is its own: a write to the file is not seen there. */
    h = open(path, O_RDWR);
    cr_assert_eq(pwrite(h, "XXXX", 4, PG), 4);
    close(h);
    cr_assert_eq(k_copyin(c, got, A_COPY, PG), 0);
    cr_expect_eq(memcmp(got, b, PG), 0);
}

Test(migrate_small, pages_written_back_travel_too)
{
    const uint64_t np = 200; /* more than the node's 64 frames */
    cr_assert_eq(k_vm_map(par, A_COPY, np * PG, RW, K_REGION_ANON, -1, 0), 0);
    for (uint64_t i = 0; i < np; i += 2)
        put_page(par, A_COPY + i * PG);
    k_vm_swap_out(par);
    struct store_cache_stats st;
    store_cache_stats(kern->cache, &st);
    cr_assert_gt(st.writebacks, 0, "some pages are only in the lazy image's file");
    size_t n;
    struct k_proc *c = ship(&n);
    cr_expect_lt(n, (np / 2 + 1) * (PG + 8) + 8192, "only the written pages: %zu", n);
    store_cache_stats(kern2->cache, &st);
    cr_expect_gt(st.writebacks, 0, "the child's node could not keep them all in frames");
    uint8_t got[PG], want[PG];
    static const uint8_t zero[PG];
    for (uint64_t i = 0; i < np; i++) {
        cr_assert_eq(k_copyin(c, got, A_COPY + i * PG, PG), 0);
        if (i % 2) {
            cr_assert_eq(memcmp(got, zero, PG), 0, "page %llu: zeros", (unsigned long long)i);
            continue;
        }
        fill(want, A_COPY + i * PG);
        cr_assert_eq(memcmp(got, want, PG), 0, "page %llu", (unsigned long long)i);
    }
}

/* A real executable: text and data from the ELF file, a bss, the stack
 * with argc, the trampoline. The child, run on the second kernel, exits
 * with argc + data[0] + bss[0x200] + a1, every term set in the parent
 * after its start. */
Test(migrate, an_executable_runs_on_the_other_node)
{
    static const uint8_t code[] = {
        0x02, 0x65,             /* c.ldsp a0, 0(sp)  argc */
        0xc9, 0x62,             /* c.lui t0, 0x12    the data page */
        0x03, 0xc3, 0x02, 0x00, /* lbu t1, 0(t0) */
        0x1a, 0x95,             /* c.add a0, t1 */
        0x83, 0xc3, 0x02, 0x20, /* lbu t2, 0x200(t0)  bss */
        0x1e, 0x95,             /* c.add a0, t2 */
        0x2e, 0x95,             /* c.add a0, a1 */
        0x93, 0x08, 0xd0, 0x05, /* li a7, 93 (exit) */
        0x73, 0x00, 0x00, 0x00, /* ecall */
    };
    struct img m;
    img_init(&m);
    memcpy(m.b + IMG_TEXT_OFF, code, sizeof code);
    img_ph(&m, 0)->p_filesz = img_ph(&m, 0)->p_memsz = IMG_TEXT_OFF + sizeof code;
    char exe[64];
    snprintf(exe, sizeof exe, "%s", img_write(&m));
    char *argv[] = {"prog", "a", "b", NULL}, *envp[] = {NULL}, err[256];
    cr_assert_eq(k_exec_initial(kern, exe, argv, envp, err, sizeof err), 0, "%s", err);
    struct k_proc *p = kern->init;
    uint8_t v = 0x10;
    cr_assert_eq(k_copyout(p, IMG_DATA_VADDR, &v, 1), 0);
    v = 5;
    cr_assert_eq(k_copyout(p, IMG_DATA_VADDR + 0x200, &v, 1), 0);
    rv_state(p->hart)->x[11] = 7;
    uint8_t *buf;
    size_t n;
    cr_assert_eq(k_proc_pack(p, &buf, &n), 0);
    cr_log_info("an executable's child: %zu bytes", n);
    unlink(exe); /* the child needs nothing of the file any more */
    struct k_proc *c;
    cr_assert_eq(k_proc_unpack(kern2, buf, n, &c), 0);
    free(buf);
    c->state = K_RUNNABLE;
    k_rq_push(kern2, c);
    kern2->init = c;
    struct k_exit ex;
    cr_assert_eq(k_run(kern2, &ex), 0);
    cr_expect_eq(ex.code, 3 + 0x10 + 5 + 7, "exit code %d", ex.code);
}

/* The cache's list of an image's pages that hold data: cached frames and
 * the written extents of its file (not its holes), nothing else, within the
 * range asked, with nothing read and no frame taken. */
static uint64_t *data_pages(struct store_cache_image *img, uint64_t first, uint64_t n, size_t *cnt)
{
    struct store_cache_stats before, after;
    store_cache_stats(kern->cache, &before);
    uint64_t *v;
    cr_assert_eq(store_cache_image_data_pages(img, first, n, &v, cnt), 0);
    store_cache_stats(kern->cache, &after);
    cr_expect_eq(after.reads, before.reads, "nothing read");
    cr_expect_eq(after.misses, before.misses, "no frame taken");
    return v;
}

static void write_page(struct store_cache_image *img, uint64_t pg)
{
    struct store_cache_frame *f;
    cr_assert_eq(store_cache_page_get(img, pg, STORE_PAGE_WRITE, &f), 0);
    memset(store_cache_page_data(f), (int)pg, PG);
    store_cache_page_put(f, STORE_PAGE_WRITE);
}

Test(migrate_small, data_pages_of_a_lazy_image)
{
    struct store_cache_image *img, *other;
    int root_fd = store_root_fd(store);
    cr_assert_eq(store_cache_image_new_lazy(kern->cache, root_fd, 1ull << 30, &img), 0);
    cr_assert_eq(store_cache_image_new_lazy(kern->cache, root_fd, 1ull << 30, &other), 0);
    write_page(img, 3);
    write_page(img, 10);
    cr_assert_eq(store_cache_image_sync(img), 0); /* both in its file */
    store_cache_image_discard(img, 3, 1);         /* a hole in the file, no frame */
    struct store_cache_frame *f;
    for (uint64_t pg = 0; pg < 100; pg++) { /* 64 frames: page 10's frame goes */
        cr_assert_eq(store_cache_page_get(other, pg, 0, &f), 0);
        store_cache_page_put(f, 0);
    }
    size_t n;
    uint64_t *v = data_pages(img, 0, 1000, &n);
    cr_assert_eq(n, 1, "only page 10, in the file: %zu", n);
    cr_expect_eq(v[0], 10);
    free(v);
    write_page(img, 40); /* cached only */
    v = data_pages(img, 0, 1000, &n);
    cr_assert_eq(n, 2);
    cr_expect(v[0] == 10 && v[1] == 40);
    free(v);
    v = data_pages(img, 11, 29, &n);
    cr_expect_eq(n, 0, "none in [11, 40)");
    cr_expect_null(v);
    v = data_pages(other, 0, 1000, &n);
    cr_expect_gt(n, 0, "frames read as zeros may hold data: listed");
    free(v);
    store_cache_image_close(other);
    store_cache_image_close(img);
}
