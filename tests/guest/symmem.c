/*
 * symmem.c — the Symunix II memory calls (mapin, mapout, mapctl, pinfo,
 * pmemaddr, pmemvect). Attacks: two lsegs of one image file at different
 * addresses must see each other's writes, and read(2) must see them too;
 * mapout of the middle of an lseg splits it and the hole faults, a SIGSEGV
 * handler maps the page back in (the paper's lazy-sharing mechanism) and the
 * access is retried; mapctl of part of an lseg splits it and a write to the
 * read-only part faults; every documented error (EINVAL, ENOMEM, EEXIST,
 * EBADF, EACCES, EISDIR, ENOENT, ESRCH, EFAULT). Symunix-only: qemu has no
 * such calls, so this test compares with symmem.expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <symunix.h>

#define PG 4096ul
#define A  ((char *)0x1000000000ul) /* 64 GiB: far from text, brk and mmap */
#define B  ((char *)0x1000100000ul)
#define C  ((char *)0x1000200000ul)
#define D  ((char *)0x1000300000ul)
/* Accesses: the compiler must not assume two lsegs hold different bytes. */
#define VA  ((volatile char *)A)
#define VB  ((volatile char *)B)
#define VC  ((volatile char *)C)
#define VD  ((volatile char *)D)
#define RW  (SYM_PROT_READ | SYM_PROT_WRITE)
#define BAD ((void *)8)

static int failures;

static void check(const char *what, int ok)
{
    printf("%-44s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

/* Does the call fail with errno e? */
static int fails(long rc, int e)
{
    return rc == -1 && errno == e;
}

/* ---- The SIGSEGV handler: maps the page back in, or makes it writable. */

static int image2;                 /* the image file of lseg C */
static volatile int faults;        /* SIGSEGVs handled */
static volatile int fix_by_mapctl; /* 0: mapin the page; 1: mapctl it RW */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    char *page = (char *)((unsigned long)si->si_addr & ~(PG - 1));
    faults++;
    int rc = fix_by_mapctl ? mapctl(page, PG, RW | SYM_CACHE)
                           : mapin(page, PG, image2, page - C, RW | SYM_CACHE);
    if (rc) _exit(3); /* the retried access would loop forever */
}

static int lseg_at(void *vaddr, struct sym_lseg_info *out)
{
    return pmemaddr(0, out, vaddr);
}

/* Two lsegs of one image file share its pages, and read(2) sees them. */
static int test_sharing(void)
{
    int fd = open("image1", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("open image1", fd >= 0);
    check("mapin A (2 pages)", mapin(A, 2 * PG, fd, 0, RW | SYM_SPAWN_INHERIT) == 0);
    check("mapin B (same file, other address)", mapin(B, 2 * PG, fd, 0, RW) == 0);
    struct stat st;
    check("image file extended to 2 pages", fstat(fd, &st) == 0 && st.st_size == 2 * PG);
    VA[10] = 'a';
    VB[PG + 20] = 'b';
    check("B sees A's write", VB[10] == 'a');
    check("A sees B's write", VA[PG + 20] == 'b');
    char buf[2] = {0};
    check("read(2) sees A's write", pread(fd, buf, 1, 10) == 1 && buf[0] == 'a');
    check("read(2) sees B's write", pread(fd, buf, 1, PG + 20) == 1 && buf[0] == 'b');
    check("write(2) is seen through A", pwrite(fd, "w", 1, 30) == 1 && VA[30] == 'w');
    struct sym_lseg_info li;
    check("pmemaddr B", lseg_at(B + 5, &li) == 0);
    check("  vaddr, size, offset",
          li.vaddr == (unsigned long)B && li.size == 2 * PG && li.offset == 0);
    check("  flags exactly RW", li.flags == RW);
    check("  kind FILE", li.kind == SYM_LSEG_FILE);
    check("  dev, ino of the image file", li.dev == st.st_dev && li.ino == st.st_ino);
    check("pmemaddr A: spawn inherit",
          lseg_at(A, &li) == 0 && li.flags == (RW | SYM_SPAWN_INHERIT));
    return fd;
}

/* mapout of the middle splits; the hole faults and the handler maps it back. */
static void test_mapout_split(void)
{
    image2 = open("image2", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check("mapin C (4 pages)", mapin(C, 4 * PG, image2, 0, RW | SYM_CACHE) == 0);
    VC[PG + 7] = 42;
    check("mapout middle page of C", mapout(C + PG, PG) == 0);
    struct sym_lseg_info li[2];
    check("pmemaddr hole: ENOENT", fails(lseg_at(C + PG, li), ENOENT));
    check("left piece: 1 page, offset 0",
          lseg_at(C, &li[0]) == 0 && li[0].size == PG && li[0].offset == 0);
    check("right piece: 2 pages, offset 2 pages",
          lseg_at(C + 2 * PG, &li[1]) == 0 && li[1].vaddr == (unsigned long)(C + 2 * PG) &&
              li[1].size == 2 * PG && li[1].offset == 2 * PG);
    check("pieces keep the attributes",
          li[0].flags == (RW | SYM_CACHE) && li[1].flags == li[0].flags);
    fix_by_mapctl = 0;
    faults = 0;
    char v = VC[PG + 7];
    check("hole faulted once, handler mapped it in", faults == 1);
    check("the image file kept the page", v == 42);
    check("mapout of unmapped range: EINVAL", fails(mapout(D, PG), EINVAL));
    check("mapout misaligned: EINVAL", fails(mapout(C + 1, PG), EINVAL));
    check("mapout size 0: EINVAL", fails(mapout(C, 0), EINVAL));
}

/* mapctl of part of an lseg splits it; a write to the read-only part faults. */
static void test_mapctl(void)
{
    struct sym_lseg_info li;
    check("mapctl page 3 of C read-only",
          mapctl(C + 3 * PG, PG, SYM_PROT_READ | SYM_SPAWN_COPY | SYM_EXEC_KEEP) == 0);
    check("  split: read-only piece",
          lseg_at(C + 3 * PG, &li) == 0 && li.size == PG && li.offset == 3 * PG &&
              li.flags == (SYM_PROT_READ | SYM_SPAWN_COPY | SYM_EXEC_KEEP));
    check("  split: the rest unchanged", lseg_at(C + 2 * PG, &li) == 0 && li.size == PG &&
                                             li.offset == 2 * PG && li.flags == (RW | SYM_CACHE));
    fix_by_mapctl = 1;
    faults = 0;
    VC[3 * PG] = 9;
    check("write to the read-only page faulted once", faults == 1 && VC[3 * PG] == 9);
    check("mapctl physical bit: EINVAL", fails(mapctl(C, PG, RW | SYM_MEM_GLOBAL), EINVAL));
    check("mapctl over a hole: ENOMEM", fails(mapctl(C, 8 * PG, RW), ENOMEM));
    check("mapctl misaligned: EINVAL", fails(mapctl(C + 8, PG, RW), EINVAL));
}

/* Every mapin error. */
static void test_mapin_errors(int fd)
{
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    int ro = open("image1", O_RDONLY);
    check("mapin overlapping: EEXIST", fails(mapin(A + PG, 2 * PG, fd, 0, RW), EEXIST));
    check("mapin misaligned vaddr: EINVAL", fails(mapin(D + 1, PG, fd, 0, RW), EINVAL));
    check("mapin misaligned size: EINVAL", fails(mapin(D, 100, fd, 0, RW), EINVAL));
    check("mapin misaligned offset: EINVAL", fails(mapin(D, PG, fd, 7, RW), EINVAL));
    check("mapin size 0: EINVAL", fails(mapin(D, 0, fd, 0, RW), EINVAL));
    check("mapin unknown flag: EINVAL", fails(mapin(D, PG, fd, 0, RW | 0x1000), EINVAL));
    check("mapin below user space: ENOMEM", fails(mapin((void *)0x1000, PG, fd, 0, RW), ENOMEM));
    check("mapin above user space: ENOMEM",
          fails(mapin((void *)0x4000000000ul, PG, fd, 0, RW), ENOMEM));
    check("mapin bad fd: EBADF", fails(mapin(D, PG, 999, 0, RW), EBADF));
    check("mapin directory: EISDIR", fails(mapin(D, PG, dir, 0, SYM_PROT_READ), EISDIR));
    check("mapin RW of read-only fd: EACCES", fails(mapin(D, PG, ro, 0, RW), EACCES));
    check("mapin R of read-only fd", mapin(D, PG, ro, 0, SYM_PROT_READ) == 0 && VD[10] == 'a');
    check("mapout it", mapout(D, PG) == 0);
    /* A file with data can be global: the MMs fill its pages from it. */
    check("mapin strict global of data",
          mapin(D, PG, fd, PG, RW | SYM_MEM_STRICT | SYM_MEM_GLOBAL) == 0);
    struct sym_lseg_info li;
    check("  global, at its offset", lseg_at(D, &li) == 0 &&
                                         li.flags == (RW | SYM_MEM_STRICT | SYM_MEM_GLOBAL) &&
                                         li.offset == PG);
    check("  reads the file's data", VD[20] == 'b');
    close(dir);
    close(ro);
}

/* pinfo and pmemvect agree with each other and with getpid. */
static void test_info(void)
{
    struct sym_pinfo pi;
    int n = pmemvect(0, NULL, 0);
    check("pmemvect count", n >= 6);
    check("pinfo(0)", pinfo(0, &pi) == 0);
    check("  pid, ppid, pgid", pi.pid == getpid() && pi.ppid == getppid() && pi.pgid == getpgid(0));
    check("  nlsegs = pmemvect's count", pi.nlsegs == n);
    check("  node 0, running", pi.node == 0 && pi.state == 1);
    check("  vsize, instret", pi.vsize > 8 * PG && pi.instret > 1000);
    size_t len = strnlen(pi.name, sizeof pi.name);
    check("  name", len > 0 && len < sizeof pi.name && (len == 63 || strstr(pi.name, "symmem")));
    check("pinfo(getpid())", pinfo(getpid(), &pi) == 0 && pi.pid == getpid());
    check("pinfo unknown pid: ESRCH", fails(pinfo(12345, &pi), ESRCH));
    check("pinfo bad buffer: EFAULT", fails(pinfo(0, BAD), EFAULT));
    struct sym_lseg_info v[64], li;
    memset(v, 0, sizeof v);
    check("pmemvect tiny buffer: count, nothing copied",
          pmemvect(0, v, sizeof v[0] - 1) == n && v[0].size == 0);
    check("pmemvect one entry",
          pmemvect(0, v, sizeof v[0]) == n && v[0].size != 0 && v[1].size == 0);
    check("pmemvect all", n <= 64 && pmemvect(0, v, sizeof v) == n);
    int sorted = 1, text = 0, stack = 0, files = 0;
    for (int i = 0; i < n; i++) {
        if (i && v[i].vaddr < v[i - 1].vaddr + v[i - 1].size) sorted = 0;
        text += v[i].kind == SYM_LSEG_TEXT;
        stack += v[i].kind == SYM_LSEG_STACK;
        files += v[i].kind == SYM_LSEG_FILE;
    }
    check("  sorted and disjoint", sorted);
    check("  text, stack and the image-file lsegs", text >= 1 && stack == 1 && files == 7);
    check("pmemvect bad buffer: EFAULT", fails(pmemvect(0, BAD, sizeof v), EFAULT));
    check("pmemvect unknown pid: ESRCH", fails(pmemvect(12345, v, sizeof v), ESRCH));
    check("pmemaddr bad buffer: EFAULT", fails(pmemaddr(0, BAD, A), EFAULT));
    check("pmemaddr unknown pid: ESRCH", fails(pmemaddr(12345, &li, A), ESRCH));
    check("pmemaddr of the stack", pmemaddr(0, &li, &li) == 0 && li.kind == SYM_LSEG_STACK);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    int fd = test_sharing();
    test_mapout_split();
    test_mapctl();
    test_mapin_errors(fd);
    test_info();
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures != 0;
}
