/*
 * memory.c — mmap, munmap and mprotect as the guest sees them.
 * Attacks: anonymous private mappings (zero-filled, large, at a hint),
 * MAP_SHARED file mappings whose stores read() must see (and whose file
 * writes the mapping must see), munmap of part of a mapping then a touch
 * (SIGSEGV, SEGV_MAPERR), mprotect to read-only then a store (SIGSEGV,
 * SEGV_ACCERR), mprotect back to read-write, and misaligned loads and
 * stores (which Linux completes: no signal), also across a page boundary.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;
static sigjmp_buf jump_back;
static volatile void *fault_addr;
static volatile int fault_code;

static void check(int cond, const char *what)
{
    printf("%-44s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jump_back, 1);
}

/* Store one byte at p; returns 1 if it faulted at p. */
static int store_faults(volatile char *p)
{
    fault_addr = NULL;
    if (sigsetjmp(jump_back, 1) == 0) {
        *p = 1;
        return 0;
    }
    return fault_addr == (void *)p;
}

static void anon(void)
{
    size_t len = 64 << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(p != MAP_FAILED, "mmap anonymous 64 MiB");
    check(((unsigned long)p & 4095) == 0, "page aligned");
    int zero = 1;
    for (size_t i = 0; i < len; i += 4096)
        zero &= p[i] == 0;
    check(zero, "zero-filled");
    for (size_t i = 0; i < len; i += 4096)
        p[i] = (char)i;
    check(p[len - 4096] == (char)(len - 4096), "writable");
    check(munmap(p, len) == 0, "munmap");
    check(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED,
          "mmap length 0 fails");
}

static void shared_file(void)
{
    int fd = open("shared.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check(fd >= 0 && ftruncate(fd, 8192) == 0, "create 8 KiB file");
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED, "mmap MAP_SHARED file");
    strcpy(m, "written through the mapping");
    strcpy(m + 4096, "second page");
    char buf[64] = {0};
    check(pread(fd, buf, 27, 0) == 27 && strcmp(buf, "written through the mapping") == 0,
          "read() sees mapped store");
    check(pread(fd, buf, 12, 4096) == 12 && strcmp(buf, "second page") == 0,
          "read() sees second page");
    check(pwrite(fd, "FILE", 4, 100) == 4 && memcmp(m + 100, "FILE", 4) == 0,
          "mapping sees write()");
    check(msync(m, 8192, MS_SYNC) == 0, "msync");
    check(munmap(m, 8192) == 0, "munmap shared");
    char *again = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    check(again != MAP_FAILED && strcmp(again, "second page") == 0, "remap at offset 4096");
    munmap(again, 4096);
    close(fd);
}

static void unmap_then_touch(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = p[4096] = p[8192] = 7;
    check(munmap(p + 4096, 4096) == 0, "munmap middle page");
    check(!store_faults(p), "first page still mapped");
    check(store_faults(p + 4096 + 10), "touch unmapped page -> SIGSEGV at addr");
    check(fault_code == SEGV_MAPERR, "si_code SEGV_MAPERR");
    check(!store_faults(p + 8192) && p[8192] == 1, "third page still mapped");
    munmap(p, 3 * 4096);
}

static void protect(void)
{
    char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(p, "before");
    check(mprotect(p, 4096, PROT_READ) == 0, "mprotect first page read-only");
    check(strcmp(p, "before") == 0, "still readable");
    check(store_faults(p + 5), "store to read-only -> SIGSEGV at addr");
    check(fault_code == SEGV_ACCERR, "si_code SEGV_ACCERR");
    check(strcmp(p, "before") == 0, "contents unchanged");
    check(!store_faults(p + 4096), "second page still writable");
    check(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0 && !store_faults(p + 5),
          "mprotect back to read-write");
    check(mprotect(p, 4096, PROT_NONE) == 0, "mprotect PROT_NONE");
    fault_addr = NULL;
    if (sigsetjmp(jump_back, 1) == 0) {
        (void)*(volatile char *)(p + 1);
        check(0, "load from PROT_NONE faulted");
    } else {
        check(fault_addr == p + 1, "load from PROT_NONE -> SIGSEGV");
    }
    munmap(p, 2 * 4096);
}

/* Misaligned integer and FP accesses, one of them straddling two pages. */
static void misaligned(void)
{
    char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 2 * 4096; i++)
        p[i] = (char)(i * 7 + 1);
    unsigned long v, w;
    asm volatile("ld %0, 0(%1)" : "=r"(v) : "r"(p + 3));
    asm volatile("lw %0, 0(%1)" : "=r"(w) : "r"(p + 4094));
    printf("misaligned ld=%#lx lw(page-crossing)=%#lx\n", v, w);
    asm volatile("sd %0, 0(%1)" ::"r"(0x1122334455667788UL), "r"(p + 4093) : "memory");
    asm volatile("ld %0, 0(%1)" : "=r"(v) : "r"(p + 4093));
    printf("misaligned sd/ld across pages=%#lx\n", v);
    double d;
    asm volatile("fld %0, 0(%1)" : "=f"(d) : "r"(p + 4095));
    asm volatile("fsd %0, 0(%1)" ::"f"(d), "r"(p + 9) : "memory");
    asm volatile("lhu %0, 0(%1)" : "=r"(v) : "r"(p + 4095));
    printf("misaligned fsd/lhu ok: %d lhu=%#lx\n", memcmp(p + 9, p + 4095, 8) == 0, v);
    munmap(p, 2 * 4096);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    anon();
    shared_file();
    unmap_then_touch();
    protect();
    misaligned();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
