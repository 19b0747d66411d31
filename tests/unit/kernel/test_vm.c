/*
 * test_vm.c — the address space: regions split and trimmed by munmap and
 * mprotect, placement of new mappings, copyin/copyout faults and protection,
 * brk, mremap, the mmap/munmap/mprotect argument checks, and the Symunix II
 * lseg attributes and image-file offsets that splits and trims must carry
 * (with the mapout/mapctl argument checks).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/syscalls.h"
#include "kfixture.h"
#include "shm/cache.h"
#include "shm/store.h"
#include "symunix/abi.h"

#define PG   RV_PAGE_SIZE
#define RW   (RV_PROT_R | RV_PROT_W)
#define BASE 0x100000ull

static void setup(void)
{
    kfix_setup(0);
}

TestSuite(vm, .init = setup, .fini = kfix_teardown);

static void expect_region(int i, uint64_t start, uint64_t end, unsigned prot)
{
    cr_assert_lt(i, proc->vm.n);
    const struct k_region *r = &proc->vm.r[i];
    cr_expect_eq(r->start, start, "region %d start %#lx", i, r->start);
    cr_expect_eq(r->end, end, "region %d end %#lx", i, r->end);
    cr_expect_eq(r->prot, prot, "region %d prot %u", i, r->prot);
}

/* Write a distinct byte at the start of each of n pages from BASE. */
static void mark_pages(int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t v = (uint8_t)(i + 1);
        cr_assert_eq(k_copyout(proc, BASE + i * PG, &v, 1), 0);
    }
}

static uint8_t byte_at(uint64_t addr)
{
    uint8_t v = 0;
    cr_assert_eq(k_copyin(proc, &v, addr, 1), 0);
    return v;
}

Test(vm, munmap_middle_splits)
{
    cr_assert_eq(k_vm_map(proc, BASE, 4 * PG, RW, K_REGION_ANON, -1, 0), 0);
    mark_pages(4);
    cr_assert_eq(k_vm_unmap(proc, BASE + PG, 2 * PG), 0);
    cr_assert_eq(proc->vm.n, 2);
    expect_region(0, BASE, BASE + PG, RW);
    expect_region(1, BASE + 3 * PG, BASE + 4 * PG, RW);
    cr_expect_eq(byte_at(BASE), 1);
    cr_expect_eq(byte_at(BASE + 3 * PG), 4, "the tail keeps its contents");
    uint8_t v;
    cr_expect_eq(k_copyin(proc, &v, BASE + PG, 1), -EFAULT);
}

Test(vm, munmap_across_regions_and_holes)
{
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, BASE + 3 * PG, 2 * PG, RV_PROT_R, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_unmap(proc, BASE + PG, 3 * PG), 0);
    cr_assert_eq(proc->vm.n, 2);
    expect_region(0, BASE, BASE + PG, RW);
    expect_region(1, BASE + 4 * PG, BASE + 5 * PG, RV_PROT_R);
}

Test(vm, munmap_trims_head_and_tail)
{
    cr_assert_eq(k_vm_map(proc, BASE, 4 * PG, RW, K_REGION_ANON, -1, 0), 0);
    mark_pages(4);
    cr_assert_eq(k_vm_unmap(proc, BASE, PG), 0);
    cr_assert_eq(k_vm_unmap(proc, BASE + 3 * PG, PG), 0);
    cr_assert_eq(proc->vm.n, 1);
    expect_region(0, BASE + PG, BASE + 3 * PG, RW);
    cr_expect_eq(byte_at(BASE + PG), 2);
    cr_expect_eq(byte_at(BASE + 2 * PG), 3);
}

Test(vm, mprotect_middle_splits_in_three)
{
    cr_assert_eq(k_vm_map(proc, BASE, 3 * PG, RW, K_REGION_ANON, -1, 0), 0);
    mark_pages(3);
    cr_assert_eq(k_vm_protect(proc, BASE + PG, PG, RV_PROT_R), 0);
    cr_assert_eq(proc->vm.n, 3);
    expect_region(0, BASE, BASE + PG, RW);
    expect_region(1, BASE + PG, BASE + 2 * PG, RV_PROT_R);
    expect_region(2, BASE + 2 * PG, BASE + 3 * PG, RW);
    cr_expect_eq(byte_at(BASE + PG), 2, "contents survive mprotect");
    uint8_t v = 9;
    cr_expect_eq(k_copyout(proc, BASE + PG, &v, 1), -EFAULT, "read-only now");
    cr_expect_eq(k_copyout(proc, BASE + 2 * PG, &v, 1), 0);
}

Test(vm, mprotect_hole_is_enomem)
{
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_expect_eq(k_vm_protect(proc, BASE, 2 * PG, RV_PROT_R), -ENOMEM);
    expect_region(0, BASE, BASE + PG, RW);
}

Test(vm, translate_reports_fault_kinds)
{
    struct rv_page pg;
    cr_assert_eq(k_vm_map(proc, BASE, PG, RV_PROT_R, K_REGION_ANON, -1, 0), 0);
    cr_expect_eq(k_vm_translate(proc, BASE + 8, RV_ACCESS_READ, &pg), 0);
    cr_assert_not_null(pg.host);
    cr_expect_eq(pg.prot, RV_PROT_R);
    cr_expect_eq(k_vm_translate(proc, BASE, RV_ACCESS_WRITE, &pg), -EACCES);
    cr_expect_eq(k_vm_translate(proc, BASE, RV_ACCESS_EXEC, &pg), -EACCES);
    cr_expect_eq(k_vm_translate(proc, BASE + PG, RV_ACCESS_READ, &pg), -EFAULT);
}

Test(vm, copy_spans_adjacent_regions)
{
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, BASE + PG, PG, RW, K_REGION_ANON, -1, 0), 0);
    char out[32] = "spanning two regions", in[32];
    cr_assert_eq(k_copyout(proc, BASE + PG - 10, out, sizeof out), 0);
    cr_assert_eq(k_copyin(proc, in, BASE + PG - 10, sizeof in), 0);
    cr_expect_str_eq(in, out);
    char s[64];
    cr_expect_eq(k_copyin_str(proc, s, BASE + PG - 10, sizeof s), 0);
    cr_expect_str_eq(s, out);
}

Test(vm, copy_faults)
{
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    char buf[16] = {0};
    cr_expect_eq(k_copyin(proc, buf, BASE + PG - 8, 16), -EFAULT, "runs off the end");
    cr_expect_eq(k_copyout(proc, BASE - 8, buf, 16), -EFAULT, "starts in a hole");
    cr_expect_eq(k_copyin(proc, buf, ~0ull - 4, 16), -EFAULT, "wraps around");
    cr_expect_eq(k_copyin(proc, buf, 0, 1), -EFAULT, "NULL");
    cr_assert_eq(k_vm_protect(proc, BASE, PG, RV_PROT_W), 0);
    cr_expect_eq(k_copyin(proc, buf, BASE, 1), -EFAULT, "write-only is unreadable");
    cr_assert_eq(k_vm_protect(proc, BASE, PG, 0), 0);
    cr_expect_eq(k_copyout(proc, BASE, buf, 1), -EFAULT, "PROT_NONE");
}

Test(vm, copyin_str_limits)
{
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    char fill[PG];
    memset(fill, 'x', sizeof fill);
    cr_assert_eq(k_copyout(proc, BASE, fill, sizeof fill), 0);
    char s[16];
    cr_expect_eq(k_copyin_str(proc, s, BASE, sizeof s), -ENAMETOOLONG);
    cr_expect_eq(k_copyin_str(proc, s, BASE + PG - 4, sizeof s), -EFAULT,
                 "no NUL before the end of the mapping");
}

Test(vm, find_free_is_top_down_and_honours_hints)
{
    uint64_t a, b;
    cr_assert_eq(k_vm_find_free(&proc->vm, 0, 4 * PG, &a), 0);
    cr_expect_eq(a, K_MMAP_TOP - 4 * PG);
    cr_assert_eq(k_vm_map(proc, a, 4 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_find_free(&proc->vm, 0, PG, &b), 0);
    cr_expect_eq(b, a - PG, "directly below the previous mapping");
    cr_assert_eq(k_vm_find_free(&proc->vm, BASE, PG, &b), 0);
    cr_expect_eq(b, BASE, "a free hint is taken");
    cr_assert_eq(k_vm_find_free(&proc->vm, a + PG, PG, &b), 0);
    cr_expect_eq(b, a - PG, "a busy hint is not");
}

Test(vm, brk_grows_and_shrinks)
{
    proc->vm.brk_start = proc->vm.brk_cur = BASE;
    cr_expect_eq(k_vm_set_brk(proc, BASE + 100), BASE + 100);
    char v = 7;
    cr_assert_eq(k_copyout(proc, BASE + 99, &v, 1), 0);
    cr_expect_eq(k_vm_set_brk(proc, BASE + 5 * PG), BASE + 5 * PG);
    cr_expect_eq(proc->vm.n, 1, "grown in place");
    cr_expect_eq(byte_at(BASE + 99), 7, "contents kept across growth");
    cr_expect_eq(k_vm_set_brk(proc, BASE + PG), BASE + PG);
    cr_expect_eq(k_copyin(proc, &v, BASE + PG, 1), -EFAULT, "shrunk");
    cr_expect_eq(k_vm_set_brk(proc, BASE - PG), BASE + PG, "below the start: refused");
    cr_assert_eq(k_vm_map(proc, BASE + 2 * PG, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_expect_eq(k_vm_set_brk(proc, BASE + 3 * PG), BASE + PG, "collision: refused");
}

Test(vm, mremap_grow_and_move)
{
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    mark_pages(1);
    cr_expect_eq(k_vm_remap(proc, BASE, PG, 2 * PG, false), (int64_t)BASE, "in place");
    cr_assert_eq(k_vm_map(proc, BASE + 2 * PG, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_expect_eq(k_vm_remap(proc, BASE, 2 * PG, 4 * PG, false), -ENOMEM);
    int64_t to = k_vm_remap(proc, BASE, 2 * PG, 4 * PG, true);
    cr_assert_gt(to, 0);
    cr_expect_neq(to, (int64_t)BASE);
    cr_expect_eq(byte_at((uint64_t)to), 1, "contents moved");
    uint8_t v;
    cr_expect_eq(k_copyin(proc, &v, BASE, 1), -EFAULT, "old range unmapped");
}

/* ---- The syscall layer over the same address space -------------------------- */

static int64_t call(int64_t (*fn)(struct k_proc *, const uint64_t[6]), uint64_t a0, uint64_t a1,
                    uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
    return fn(proc, a);
}

#define MAP_ANON_PRIV 0x22
#define MAP_FIXED_    0x10

Test(vm, mmap_argument_checks)
{
    cr_expect_eq(call(sys_mmap, 0, 0, 3, MAP_ANON_PRIV, -1, 0), -EINVAL, "zero length");
    cr_expect_eq(call(sys_mmap, 0, PG, 3, 0x20, -1, 0), -EINVAL, "no type");
    cr_expect_eq(call(sys_mmap, 0, PG, 3, MAP_ANON_PRIV, -1, 1), -EINVAL, "unaligned offset");
    cr_expect_eq(call(sys_mmap, BASE + 1, PG, 3, MAP_ANON_PRIV | MAP_FIXED_, -1, 0), -EINVAL);
    cr_expect_eq(call(sys_mmap, 0, ~0ull - 5, 3, MAP_ANON_PRIV, -1, 0), -ENOMEM);
    cr_expect_eq(call(sys_munmap, BASE + 1, PG, 0, 0, 0, 0), -EINVAL);
    cr_expect_eq(call(sys_mprotect, BASE, PG, 1, 0, 0, 0), -ENOMEM, "nothing mapped");
}

Test(vm, mmap_fixed_replaces_and_noreplace_refuses)
{
    int64_t a = call(sys_mmap, 0, 3 * PG, 3, MAP_ANON_PRIV, -1, 0);
    cr_assert_gt(a, 0);
    uint8_t v = 5;
    cr_assert_eq(k_copyout(proc, (uint64_t)a + PG, &v, 1), 0);
    cr_expect_eq(call(sys_mmap, a + PG, PG, 1, MAP_ANON_PRIV | 0x100000, -1, 0), -EEXIST);
    cr_expect_eq(call(sys_mmap, a + PG, PG, 1, MAP_ANON_PRIV | MAP_FIXED_, -1, 0), a + PG);
    cr_expect_eq(proc->vm.n, 3);
    cr_expect_eq(byte_at((uint64_t)a + PG), 0, "fresh zero page");
    cr_expect_eq(call(sys_munmap, a, 3 * PG, 0, 0, 0, 0), 0);
    cr_expect_eq(proc->vm.n, 0);
}

Test(vm, mmap_file_private_and_past_eof)
{
    char path[] = "/tmp/symunix-vm-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(write(fd, "hello", 5), 5);
    struct k_region *r;
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_FILE_PRIVATE, fd, 0), 0);
    r = &proc->vm.r[0];
    cr_expect_eq(r->kind, K_REGION_FILE_PRIVATE);
    char head[5];
    cr_assert_eq(k_copyin(proc, head, BASE, 5), 0);
    cr_expect_eq(memcmp(head, "hello", 5), 0);
    cr_expect_eq(byte_at(BASE + PG + 5), 0, "past EOF reads zero, not SIGBUS");
    char w = 'J';
    cr_assert_eq(k_copyout(proc, BASE, &w, 1), 0);
    char back[5];
    cr_assert_eq(pread(fd, back, 5, 0), 5);
    cr_expect_eq(back[0], 'h', "private writes do not reach the file");
    close(fd);
}

/* ---- lseg attributes (symunix/abi.h bits in k_region.attr) ---------------- */

/* A temporary host file of n pages, already unlinked. */
static int temp_file(int pages)
{
    char path[] = "/tmp/symunix-vm-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(ftruncate(fd, pages * PG), 0);
    return fd;
}

static void expect_attr(int i, unsigned attr, uint64_t off)
{
    cr_assert_lt(i, proc->vm.n);
    const struct k_region *r = &proc->vm.r[i];
    cr_expect_eq(r->attr, attr, "region %d attr %#x", i, r->attr);
    cr_expect_eq(r->off, off, "region %d off %#lx", i, r->off);
}

Test(vm, new_regions_get_default_attributes)
{
    int fd = temp_file(2);
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, BASE + PG, PG, RW, K_REGION_FILE_SHARED, fd, PG), 0);
    cr_assert_eq(k_vm_map(proc, BASE + 2 * PG, PG, RW, K_REGION_FILE_PRIVATE, fd, 0), 0);
    expect_attr(0, SYM_CACHE | SYM_SPAWN_COPY, 0);
    expect_attr(1, SYM_CACHE | SYM_SPAWN_INHERIT, PG);
    expect_attr(2, SYM_CACHE | SYM_SPAWN_COPY, 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_expect_eq(proc->vm.r[1].dev, (uint64_t)st.st_dev);
    cr_expect_eq(proc->vm.r[1].ino, (uint64_t)st.st_ino);
    cr_expect_eq(proc->vm.r[0].ino, 0, "anonymous memory has no image file yet");
    close(fd);
}

Test(vm, unmap_split_carries_attributes_and_offsets)
{
    int fd = temp_file(8);
    unsigned attr = SYM_SPAWN_DROP | SYM_EXEC_KEEP | SYM_MEM_GLOBAL | SYM_MEM_STRICT;
    cr_assert_eq(k_vm_map(proc, BASE, 4 * PG, RW, K_REGION_FILE_SHARED, fd, 2 * PG), 0);
    cr_assert_eq(k_vm_set_attr(proc, BASE, 4 * PG, RW, ~0u, attr), 0);
    cr_assert_eq(k_vm_unmap(proc, BASE + PG, PG), 0);
    cr_assert_eq(proc->vm.n, 2);
    expect_region(0, BASE, BASE + PG, RW);
    expect_region(1, BASE + 2 * PG, BASE + 4 * PG, RW);
    expect_attr(0, attr, 2 * PG);
    expect_attr(1, attr, 4 * PG);
    cr_expect_eq(proc->vm.r[1].ino, proc->vm.r[0].ino, "both pieces map the same image file");
    cr_assert_eq(k_vm_unmap(proc, BASE + 2 * PG, PG), 0);
    expect_attr(1, attr, 5 * PG); /* head trimmed: offset advances */
    close(fd);
}

Test(vm, set_attr_splits_and_masks)
{
    cr_assert_eq(k_vm_map(proc, BASE, 3 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, BASE, 3 * PG, RW, SYM_MEM_GLOBAL, SYM_MEM_GLOBAL), 0);
    unsigned virt = SYM_CACHE | SYM_SPAWN_MASK | SYM_EXEC_KEEP;
    cr_assert_eq(k_vm_set_attr(proc, BASE + PG, PG, RV_PROT_R, virt, SYM_EXEC_KEEP), 0);
    cr_assert_eq(proc->vm.n, 3);
    expect_region(1, BASE + PG, BASE + 2 * PG, RV_PROT_R);
    expect_attr(0, SYM_CACHE | SYM_SPAWN_COPY | SYM_MEM_GLOBAL, 0);
    expect_attr(1, SYM_EXEC_KEEP | SYM_MEM_GLOBAL, PG);
    expect_attr(2, SYM_CACHE | SYM_SPAWN_COPY | SYM_MEM_GLOBAL, 2 * PG);
    cr_expect_eq(k_vm_set_attr(proc, BASE, 4 * PG, RW, virt, 0), -ENOMEM, "hole: nothing changed");
    expect_attr(0, SYM_CACHE | SYM_SPAWN_COPY | SYM_MEM_GLOBAL, 0);
}

Test(vm, mapout_and_mapctl_argument_checks)
{
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_expect_eq(call(sys_mapout, BASE + 4 * PG, PG, 0, 0, 0, 0), -EINVAL, "no mapped page");
    cr_expect_eq(call(sys_mapout, BASE + 1, PG, 0, 0, 0, 0), -EINVAL);
    cr_expect_eq(call(sys_mapctl, BASE, PG, SYM_PROT_READ | SYM_MEM_GLOBAL, 0, 0, 0), -EINVAL);
    cr_expect_eq(call(sys_mapctl, BASE, 3 * PG, SYM_PROT_READ, 0, 0, 0), -ENOMEM);
    cr_expect_eq(call(sys_mapctl, BASE, PG, SYM_PROT_READ, 0, 0, 0), 0);
    expect_region(0, BASE, BASE + PG, RV_PROT_R);
    cr_expect_eq(call(sys_mapout, BASE + PG, 4 * PG, 0, 0, 0, 0), 0, "holes are fine");
    cr_expect_eq(proc->vm.n, 1);
}

/* ---- Frames: fork, copy-on-write, swap-out (issue 3) ----------------------- */

/* A second process of the same kernel with an empty address space. */
static struct k_proc *new_proc(int pid)
{
    struct k_proc *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    c->k = kern;
    c->pid = pid;
    k_vm_init(&c->vm);
    return c;
}

static void free_proc(struct k_proc *c)
{
    k_vm_free(c);
    free(c);
}

static uint8_t byte_of(struct k_proc *q, uint64_t addr)
{
    uint8_t v = 0;
    cr_assert_eq(k_copyin(q, &v, addr, 1), 0);
    return v;
}

static void put_byte(struct k_proc *q, uint64_t addr, uint8_t v)
{
    cr_assert_eq(k_copyout(q, addr, &v, 1), 0);
}

/* Parent region of 3 pages at BASE with 'a', 'b', 'c' in them (the third
 * page untouched before the fork when `touch3` is false), spawn action act. */
static struct k_proc *fork_with(unsigned act, bool touch3)
{
    cr_assert_eq(k_vm_map(proc, BASE, 3 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, BASE, 3 * PG, RW, SYM_SPAWN_MASK, act), 0);
    put_byte(proc, BASE, 'a');
    put_byte(proc, BASE + PG, 'b');
    if (touch3) put_byte(proc, BASE + 2 * PG, 'c');
    struct k_proc *c = new_proc(2);
    cr_assert_eq(k_vm_fork(proc, c), 0);
    return c;
}

Test(vm, fork_copy_is_copy_on_write)
{
    struct k_proc *c = fork_with(SYM_SPAWN_COPY, false);
    cr_assert_eq(c->vm.n, 1);
    expect_region(0, BASE, BASE + 3 * PG, RW); /* the parent's, unchanged */
    cr_expect_eq(byte_of(c, BASE), 'a', "the child sees the parent's data");
    cr_expect_eq(byte_of(c, BASE + PG), 'b');
    cr_expect_eq(byte_of(c, BASE + 2 * PG), 0);
    put_byte(c, BASE, 'C');
    cr_expect_eq(byte_of(proc, BASE), 'a', "a child's write is private");
    put_byte(proc, BASE + PG, 'P');
    cr_expect_eq(byte_of(c, BASE + PG), 'b', "a parent's write is private");
    put_byte(proc, BASE, 'Q');
    cr_expect_eq(byte_of(c, BASE), 'C');
    cr_expect_eq(byte_of(proc, BASE), 'Q');
    put_byte(c, BASE + 2 * PG, 'z');
    cr_expect_eq(byte_of(proc, BASE + 2 * PG), 0, "untouched page: still zero in the parent");
    /* A grandchild of the child: three layers deep. */
    struct k_proc *g = new_proc(3);
    cr_assert_eq(k_vm_fork(c, g), 0);
    cr_expect_eq(byte_of(g, BASE), 'C');
    cr_expect_eq(byte_of(g, BASE + PG), 'b');
    cr_expect_eq(byte_of(g, BASE + 2 * PG), 'z');
    put_byte(g, BASE + PG, 'G');
    cr_expect_eq(byte_of(c, BASE + PG), 'b');
    cr_expect_eq(byte_of(proc, BASE + PG), 'P');
    free_proc(c); /* the middle of the chain goes first */
    cr_expect_eq(byte_of(g, BASE), 'C');
    cr_expect_eq(byte_of(g, BASE + PG), 'G');
    free_proc(g);
    cr_expect_eq(byte_of(proc, BASE), 'Q');
}

/* A family made without the parent writing between forks: every child sits
 * one layer above the parent's frozen memory (no chain as deep as the
 * family), and each side's writes stay its own. */
Test(vm, forks_without_a_write_between_share_one_frozen_layer)
{
    struct k_proc *c1 = fork_with(SYM_SPAWN_COPY, true);
    struct k_layer *mine = proc->vm.r[0].layer, *frozen = mine->below;
    cr_assert_not_null(frozen);
    cr_expect_eq(c1->vm.r[0].layer->below, frozen);
    struct k_proc *c2 = new_proc(3), *c3 = new_proc(4);
    cr_assert_eq(k_vm_fork(proc, c2), 0);
    cr_assert_eq(k_vm_fork(proc, c3), 0);
    cr_expect_eq(proc->vm.r[0].layer, mine, "the parent keeps its (empty) shadow");
    cr_expect_eq(c2->vm.r[0].layer->below, frozen, "no deeper than the first child");
    cr_expect_eq(c3->vm.r[0].layer->below, frozen);
    put_byte(c2, BASE, 'X');
    put_byte(proc, BASE + PG, 'P');
    cr_expect_eq(byte_of(c3, BASE), 'a', "a sibling's write is private");
    cr_expect_eq(byte_of(c3, BASE + PG), 'b', "so is the parent's");
    cr_expect_eq(byte_of(c1, BASE + PG), 'b');
    cr_expect_eq(byte_of(proc, BASE), 'a');
    cr_expect_eq(byte_of(c2, BASE + 2 * PG), 'c');
    /* The parent wrote: the next child needs a freeze, and sees the write. */
    struct k_proc *c4 = new_proc(5);
    cr_assert_eq(k_vm_fork(proc, c4), 0);
    cr_expect_neq(proc->vm.r[0].layer, mine);
    cr_expect_eq(byte_of(c4, BASE + PG), 'P');
    put_byte(proc, BASE + PG, 'Q');
    cr_expect_eq(byte_of(c4, BASE + PG), 'P');
    free_proc(c1);
    free_proc(c3);
    cr_expect_eq(byte_of(c2, BASE), 'X');
    cr_expect_eq(byte_of(c2, BASE + PG), 'b');
    free_proc(c2);
    free_proc(c4);
    cr_expect_eq(byte_of(proc, BASE + PG), 'Q');
}

Test(vm, fork_inherit_shares_pages)
{
    struct k_proc *c = fork_with(SYM_SPAWN_INHERIT, true);
    cr_expect_eq(byte_of(c, BASE + 2 * PG), 'c');
    put_byte(c, BASE, 'C');
    cr_expect_eq(byte_of(proc, BASE), 'C', "a child's write is seen by the parent");
    put_byte(proc, BASE + PG, 'P');
    cr_expect_eq(byte_of(c, BASE + PG), 'P', "and the other way");
    /* The parent unmapping its piece does not zero the child's pages. */
    cr_assert_eq(k_vm_unmap(proc, BASE, 3 * PG), 0);
    cr_expect_eq(byte_of(c, BASE), 'C');
    free_proc(c);
}

Test(vm, fork_realloc_gives_zeros_and_drop_nothing)
{
    cr_assert_eq(k_vm_map(proc, BASE + 8 * PG, PG, RV_PROT_R, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, BASE + 8 * PG, PG, RV_PROT_R, SYM_SPAWN_MASK, SYM_SPAWN_DROP),
                 0);
    struct k_proc *c = fork_with(SYM_SPAWN_REALLOC, true);
    cr_assert_eq(c->vm.n, 1, "the DROP region is absent");
    cr_expect_eq(c->vm.r[0].start, BASE);
    cr_expect_eq(c->vm.r[0].end, BASE + 3 * PG);
    cr_expect_eq(c->vm.r[0].prot, RW);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(byte_of(c, BASE + i * PG), 0, "fresh zeros");
    put_byte(c, BASE, 'C');
    cr_expect_eq(byte_of(proc, BASE), 'a');
    uint8_t v;
    cr_expect_eq(k_copyin(c, &v, BASE + 8 * PG, 1), -EFAULT);
    free_proc(c);
}

Test(vm, fork_copy_of_private_file_mapping)
{
    int fd = temp_file(2);
    cr_assert_eq(pwrite(fd, "file", 4, 0), 4);
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_FILE_PRIVATE, fd, 0), 0);
    put_byte(proc, BASE + PG, 'p');
    struct k_proc *c = new_proc(2);
    cr_assert_eq(k_vm_fork(proc, c), 0);
    cr_expect_eq(byte_of(c, BASE), 'f');
    cr_expect_eq(byte_of(c, BASE + PG), 'p');
    put_byte(c, BASE, 'F');
    put_byte(proc, BASE + 1, 'I');
    cr_expect_eq(byte_of(proc, BASE), 'f');
    cr_expect_eq(byte_of(c, BASE + 1), 'i');
    char back[4];
    cr_assert_eq(pread(fd, back, 4, 0), 4);
    cr_expect_eq(memcmp(back, "file", 4), 0, "private writes never reach the file");
    free_proc(c);
    close(fd);
}

Test(vm, fork_copy_of_shared_file_keeps_the_parent_shared)
{
    int fd = temp_file(1);
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_FILE_SHARED, fd, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, BASE, PG, RW, SYM_SPAWN_MASK, SYM_SPAWN_COPY), 0);
    struct k_proc *c = new_proc(2);
    cr_assert_eq(k_vm_fork(proc, c), 0);
    put_byte(c, BASE, 'C');
    put_byte(proc, BASE + 1, 'P');
    k_vm_file_before_io(kern, fd);
    char back[2];
    cr_assert_eq(pread(fd, back, 2, 0), 2);
    cr_expect_eq(back[0], 0, "the child's copy is private");
    cr_expect_eq(back[1], 'P', "the parent still writes the file");
    free_proc(c);
    close(fd);
}

Test(vm, exec_drop_keeps_exec_keep_regions)
{
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, BASE + 4 * PG, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_set_attr(proc, BASE + PG, PG, RW, SYM_EXEC_KEEP, SYM_EXEC_KEEP), 0);
    put_byte(proc, BASE + PG, 'k');
    proc->vm.brk_start = proc->vm.brk_cur = BASE + 16 * PG;
    k_vm_exec_drop(proc);
    cr_assert_eq(proc->vm.n, 1);
    expect_region(0, BASE + PG, BASE + 2 * PG, RW);
    cr_expect_eq(byte_at(BASE + PG), 'k');
    cr_expect_eq(proc->vm.brk_cur, 0);
    cr_expect_eq(proc->vm.mmap_base, K_MMAP_TOP);
}

Test(vm, mapout_across_lsegs_with_frames)
{
    cr_assert_eq(k_vm_map(proc, BASE, 3 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, BASE + 3 * PG, 3 * PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_map(proc, BASE + 6 * PG, 3 * PG, RW, K_REGION_ANON, -1, 0), 0);
    mark_pages(9);
    cr_expect_eq(proc->vm.npins, 9);
    cr_assert_eq(k_vm_unmap(proc, BASE + 2 * PG, 5 * PG), 0);
    cr_assert_eq(proc->vm.n, 2);
    expect_region(0, BASE, BASE + 2 * PG, RW);
    expect_region(1, BASE + 7 * PG, BASE + 9 * PG, RW);
    cr_expect_eq(proc->vm.npins, 4, "the pins of the unmapped pages are put");
    cr_expect_eq(byte_at(BASE + PG), 2);
    cr_expect_eq(byte_at(BASE + 7 * PG), 8);
    cr_expect_eq(byte_at(BASE + 8 * PG), 9);
    /* Remapping the hole gives zeros, not the old pages. */
    cr_assert_eq(k_vm_map(proc, BASE + 2 * PG, 5 * PG, RW, K_REGION_ANON, -1, 0), 0);
    for (int i = 2; i < 7; i++)
        cr_expect_eq(byte_at(BASE + i * PG), 0);
}

Test(vm, mapctl_on_part_of_an_lseg_with_frames)
{
    cr_assert_eq(k_vm_map(proc, BASE, 4 * PG, RW, K_REGION_ANON, -1, 0), 0);
    mark_pages(4);
    cr_assert_eq(
        k_vm_set_attr(proc, BASE + PG, 2 * PG, RV_PROT_R, SYM_SPAWN_MASK, SYM_SPAWN_INHERIT), 0);
    cr_assert_eq(proc->vm.n, 3);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(byte_at(BASE + i * PG), i + 1, "page %d keeps its data", i);
    uint8_t v = 9;
    cr_expect_eq(k_copyout(proc, BASE + PG, &v, 1), -EFAULT, "now read-only");
    struct rv_page pg;
    cr_expect_eq(k_vm_translate(proc, BASE + 2 * PG, RV_ACCESS_WRITE, &pg), -EACCES);
    /* Fork: the middle is shared, the ends are copied. */
    struct k_proc *c = new_proc(2);
    cr_assert_eq(k_vm_fork(proc, c), 0);
    cr_assert_eq(k_vm_protect(proc, BASE + PG, 2 * PG, RW), 0);
    put_byte(proc, BASE + PG, 'S');
    put_byte(proc, BASE, 'X');
    cr_expect_eq(byte_of(c, BASE + PG), 'S');
    cr_expect_eq(byte_of(c, BASE), 1);
    free_proc(c);
}

Test(vm, brk_shrink_then_regrow_reads_zeros)
{
    proc->vm.brk_start = proc->vm.brk_cur = BASE;
    cr_assert_eq(k_vm_set_brk(proc, BASE + 4 * PG), BASE + 4 * PG);
    mark_pages(4);
    cr_assert_eq(k_vm_set_brk(proc, BASE + PG), BASE + PG);
    cr_assert_eq(k_vm_set_brk(proc, BASE + 4 * PG), BASE + 4 * PG);
    cr_expect_eq(byte_at(BASE), 1);
    for (int i = 1; i < 4; i++)
        cr_expect_eq(byte_at(BASE + i * PG), 0, "page %d regrown as zeros", i);
}

Test(vm, translate_pins_for_read_then_upgrades)
{
    struct rv_page pg, pw;
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_ANON, -1, 0), 0);
    cr_assert_eq(k_vm_translate(proc, BASE, RV_ACCESS_READ, &pg), 0);
    cr_expect_eq(pg.prot, RV_PROT_R, "a read pin: the first write must come back");
    cr_assert_eq(k_vm_translate(proc, BASE, RV_ACCESS_WRITE, &pw), 0);
    cr_expect_eq(pw.prot, RW);
    cr_expect_eq(pw.host, pg.host, "the same frame, now pinned for writing");
    struct store_cache_counts n;
    store_cache_counts(kern->cache, &n);
    cr_expect_eq(n.pinned, 1);
    cr_expect_eq(n.dirty, 1);
}

Test(vm, shared_file_mapping_is_coherent_with_file_io)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(fd, 0);
    int f = openat(fd, "img", O_CREAT | O_RDWR, 0600);
    cr_assert_geq(f, 0);
    cr_assert_eq(ftruncate(f, 2 * PG), 0);
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_FILE_SHARED, f, 0), 0);
    struct k_proc *q = new_proc(2);
    cr_assert_eq(k_vm_map(q, BASE + 16 * PG, 2 * PG, RW, K_REGION_FILE_SHARED, f, 0), 0);
    put_byte(proc, BASE + PG, 'm');
    cr_expect_eq(byte_of(q, BASE + 17 * PG), 'm', "two mappers share the frame");
    k_vm_file_before_io(kern, f);
    char c = 0;
    cr_assert_eq(pread(f, &c, 1, PG), 1);
    cr_expect_eq(c, 'm', "a read(2) sees the mapped write");
    k_vm_file_before_io(kern, f);
    cr_assert_eq(pwrite(f, "w", 1, 5), 1);
    k_vm_file_after_write(kern, f);
    cr_expect_eq(byte_at(BASE + 5), 'w', "a mapper sees a write(2)");
    cr_expect_eq(k_vm_file_sync(kern, f), 0);
    free_proc(q);
    close(f);
    unlinkat(fd, "img", 0);
    close(fd);
}

/* ---- Memory accounting: a node of 16 frames ---------------------------------- */

TestSuite(vmsmall, .init = NULL, .fini = kfix_teardown);

Test(vmsmall, own_pages_are_swapped_out_and_back)
{
    kfix_setup(16 * PG);
    cr_assert_eq(k_vm_map(proc, BASE, 64 * PG, RW, K_REGION_ANON, -1, 0), 0);
    for (int i = 0; i < 64; i++) {
        uint64_t v = 0x1000 + i;
        cr_assert_eq(k_copyout(proc, BASE + i * PG + 8, &v, sizeof v), 0, "page %d", i);
    }
    for (int i = 0; i < 64; i++) {
        uint64_t v = 0;
        cr_assert_eq(k_copyin(proc, &v, BASE + i * PG + 8, sizeof v), 0);
        cr_expect_eq(v, 0x1000 + (uint64_t)i, "page %d came back", i);
    }
    struct store_cache_stats st;
    store_cache_stats(kern->cache, &st);
    cr_expect_gt(st.evictions, 0);
    cr_expect_gt(st.writebacks, 0);
    cr_expect_eq(st.materialized, 1, "the lazy image got its file at the first write-back");
    cr_expect_leq(proc->vm.npins, 16);
}

Test(vmsmall, other_processes_are_swapped_out)
{
    kfix_setup(16 * PG);
    struct k_proc *q = new_proc(2);
    proc->next = q; /* the node's process list */
    kern->procs = proc;
    cr_assert_eq(k_vm_map(q, BASE, 12 * PG, RW, K_REGION_ANON, -1, 0), 0);
    for (int i = 0; i < 12; i++)
        put_byte(q, BASE + i * PG, (uint8_t)(i + 100));
    cr_assert_eq(q->vm.npins, 12);
    cr_assert_eq(k_vm_map(proc, BASE, 12 * PG, RW, K_REGION_ANON, -1, 0), 0);
    struct rv_page pg;
    for (int i = 0; i < 12; i++) /* the hart's path: never swaps itself out */
        cr_assert_eq(k_vm_translate(proc, BASE + i * PG, RV_ACCESS_WRITE, &pg), 0, "page %d", i);
    cr_expect_eq(q->vm.npins, 0, "the other process was swapped out");
    cr_expect_eq(proc->vm.npins, 12);
    /* Everything pinned by proc: a 5th page for the hart fails with ENOMEM. */
    cr_assert_eq(k_vm_map(proc, BASE + 32 * PG, 8 * PG, RW, K_REGION_ANON, -1, 0), 0);
    int rc = 0;
    for (int i = 0; i < 8 && !rc; i++)
        rc = k_vm_translate(proc, BASE + (32 + i) * PG, RV_ACCESS_WRITE, &pg);
    cr_expect_eq(rc, -ENOMEM);
    cr_expect_gt(k_vm_swap_out(proc), 0);
    for (int i = 0; i < 12; i++)
        cr_expect_eq(byte_of(q, BASE + i * PG), i + 100, "q's page %d survived", i);
    kern->procs = NULL;
    free_proc(q);
}

Test(vm, unmapped_file_image_is_parked_until_close)
{
    int fd = temp_file(2);
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_FILE_SHARED, fd, 0), 0);
    put_byte(proc, BASE + PG, 'p');
    cr_assert_eq(k_vm_unmap(proc, BASE, 2 * PG), 0);
    char c = 0;
    k_vm_file_before_io(kern, fd); /* a read(2) still sees the data */
    cr_assert_eq(pread(fd, &c, 1, PG), 1);
    cr_expect_eq(c, 'p');
    /* Mapped again: the same frames (a reclaim, no read). */
    struct store_cache_stats before, after;
    store_cache_stats(kern->cache, &before);
    cr_assert_eq(k_vm_map(proc, BASE, 2 * PG, RW, K_REGION_FILE_SHARED, fd, 0), 0);
    put_byte(proc, BASE + PG + 1, 'q');
    cr_assert_eq(k_vm_unmap(proc, BASE, 2 * PG), 0);
    store_cache_stats(kern->cache, &after);
    cr_expect_eq(after.reads, before.reads);
    /* The file vanished with its last close: its dirty page is dropped unwritten. */
    k_vm_file_closed(kern, fd, true);
    store_cache_stats(kern->cache, &after);
    cr_expect_eq(after.writebacks, before.writebacks, "nothing written for a vanished file");
    cr_expect_null(store_cache_image_find(kern->cache, fd), "the image is gone");
    cr_assert_eq(pread(fd, &c, 1, PG + 1), 1);
    cr_expect_eq(c, 0);
    close(fd);
}

Test(vm, parked_image_is_written_back_at_close)
{
    int fd = temp_file(1);
    cr_assert_eq(k_vm_map(proc, BASE, PG, RW, K_REGION_FILE_SHARED, fd, 0), 0);
    put_byte(proc, BASE + 3, 'w');
    cr_assert_eq(k_vm_unmap(proc, BASE, PG), 0);
    k_vm_file_closed(kern, fd, false);
    cr_expect_null(store_cache_image_find(kern->cache, fd));
    char c = 0;
    cr_assert_eq(pread(fd, &c, 1, 3), 1);
    cr_expect_eq(c, 'w', "written back when closed");
    close(fd);
}
