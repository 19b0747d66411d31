/*
 * hello.c — the first thing a guest sees: argv, envp and the auxiliary vector.
 * Attacks: the initial stack layout built by the ELF loader (argc/argv/envp/auxv
 * order and termination), AT_PAGESZ, AT_HWCAP (must advertise I, M, A, F, D, C)
 * and AT_RANDOM (glibc's stack protector reads 16 bytes there).
 * The harness sets SYMUNIX_GUEST_VAR so the environment can be checked without
 * printing the host's whole environment (which differs between runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static int hwcap_has(unsigned long hwcap, char ext)
{
    return (hwcap >> (ext - 'A')) & 1;
}

int main(int argc, char **argv, char **envp)
{
    printf("hello, world\n");
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=\"%s\"\n", i, argv[i]);
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
    printf("envp follows argv: %s\n", envp == argv + argc + 1 ? "yes" : "no");

    const char *v = getenv("SYMUNIX_GUEST_VAR");
    printf("SYMUNIX_GUEST_VAR=%s\n", v ? v : "(unset)");

    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    unsigned long hwcap = getauxval(AT_HWCAP);
    const char *need = "IMAFDC";
    int ok = 1;
    for (const char *p = need; *p; p++) {
        if (!hwcap_has(hwcap, *p)) {
            printf("AT_HWCAP lacks %c\n", *p);
            ok = 0;
        }
    }
    printf("AT_HWCAP has IMAFDC: %s\n", ok ? "yes" : "no");

    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM non-null: %s\n", rnd ? "yes" : "no");
    /* Reading the 16 bytes must not fault; their value is random. */
    volatile unsigned sum = 0;
    for (int i = 0; rnd && i < 16; i++)
        sum += rnd[i];
    printf("AT_RANDOM readable: %s\n", rnd ? "yes" : "no");
    printf("AT_PHDR set: %s\n", getauxval(AT_PHDR) ? "yes" : "no");
    printf("AT_ENTRY set: %s\n", getauxval(AT_ENTRY) ? "yes" : "no");
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    fflush(stdout);
    return ok ? 0 : 1;
}
