/*
 * misc.c — assorted system calls and self-modifying code.
 * Attacks: uname (machine riscv64), getrandom (returns the length asked),
 * getpid/getppid/getuid, and code written at run time into an RWX mapping:
 * run it after fence.i, overwrite it, run it again — a hart that caches
 * decoded instructions must notice the new bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;

static void check(int cond, const char *what)
{
    printf("%-44s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

/* addi a0, zero, imm ; jalr zero, 0(ra) */
static void emit_return_imm(uint32_t *code, int imm)
{
    code[0] = ((uint32_t)(imm & 0xfff) << 20) | (10 << 7) | 0x13;
    code[1] = 0x00008067;
}

/* c.li a0, imm ; c.jr ra (compressed forms, 16 bits each) */
static void emit_return_imm_rvc(uint16_t *code, int imm)
{
    code[0] = (uint16_t)(0x4000 | ((imm & 0x20) << 7) | (10 << 7) | ((imm & 0x1f) << 2) | 1);
    code[1] = 0x8082;
}

static void smc(void)
{
    uint32_t *code =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(code != MAP_FAILED, "mmap RWX");
    if (code == MAP_FAILED) return;
    int (*fn)(void) = (int (*)(void))code;
    emit_return_imm(code, 42);
    __builtin___clear_cache((char *)code, (char *)(code + 2));
    int r1 = fn();
    emit_return_imm(code, 7);
    __builtin___clear_cache((char *)code, (char *)(code + 2));
    int r2 = fn();
    printf("generated code returned %d then %d\n", r1, r2);
    check(r1 == 42 && r2 == 7, "rewritten code runs the new bytes");
    for (int i = 0; i < 100; i++) {
        emit_return_imm(code, i);
        asm volatile("fence.i" ::: "memory");
        if (fn() != i) {
            check(0, "rewrite loop");
            return;
        }
    }
    check(1, "100 rewrites with fence.i");
    emit_return_imm_rvc((uint16_t *)code, 31);
    asm volatile("fence.i" ::: "memory");
    int r3 = fn();
    printf("compressed generated code returned %d\n", r3);
    check(r3 == 31, "compressed rewrite");
    munmap(code, 4096);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct utsname u;
    check(uname(&u) == 0, "uname");
    printf("machine=%s sysname=%s\n", u.machine, u.sysname);
    unsigned char buf[300];
    check(getrandom(buf, sizeof buf, 0) == (ssize_t)sizeof buf, "getrandom 300 bytes");
    check(getrandom(buf, 5, GRND_NONBLOCK) == 5, "getrandom 5 GRND_NONBLOCK");
    check(getpid() > 0, "getpid > 0");
    check(getppid() >= 0, "getppid >= 0");
    check(getuid() == geteuid() && getgid() == getegid(), "uid == euid, gid == egid");
    char host[256];
    check(gethostname(host, sizeof host) == 0, "gethostname");
    smc();
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
