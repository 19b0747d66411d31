/*
 * lrsc.c — guest test of LR/SC forward progress under preemption: run by
 * CMake at the default quantum and at --quantum 1, 2, 3 and 4, each compared
 * with qemu-riscv64. Four forked children and the parent add to counters in
 * a MAP_SHARED page with constrained LR/SC loops (lr.w/sc.w with a compare,
 * as glibc's CAS; lr.d/sc.d with ALU work in between), with __atomic
 * compare-exchange (the compiler's own LR/SC loop), and through stdio and
 * malloc (glibc's locks). With a quantum shorter than a loop, a reservation
 * lost at every context switch used to livelock the first LR/SC for good; the
 * totals also show that no increment was lost or doubled.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define KIDS  4
#define ITERS 300

struct shared {
    uint32_t w; /* lr.w/sc.w compare-and-swap increments */
    uint32_t pad;
    uint64_t d;   /* lr.d/sc.d increments */
    uint64_t cas; /* __atomic_compare_exchange increments */
};

/* glibc's shape: lr.w; bne to retry the load; sc.w; bnez. */
static void inc_w(uint32_t *p)
{
    uint32_t old, seen;
    long fail;
    do {
        old = __atomic_load_n(p, __ATOMIC_RELAXED);
        __asm__ volatile("1: lr.w.aq %0, (%2)\n\t"
                         "bne %0, %3, 2f\n\t"
                         "sc.w.rl %1, %4, (%2)\n\t"
                         "bnez %1, 1b\n\t"
                         "li %1, 0\n\t"
                         "j 3f\n"
                         "2: li %1, 1\n"
                         "3:"
                         : "=&r"(seen), "=&r"(fail)
                         : "r"(p), "r"((long)(int32_t)old), "r"(old + 1)
                         : "memory");
    } while (fail);
}

/* An increment with some base-ISA work between the LR and the SC (still a
 * constrained loop: 8 instructions). */
static void inc_d(uint64_t *p)
{
    uint64_t v, t;
    long fail;
    __asm__ volatile("1: lr.d %0, (%3)\n\t"
                     "addi %1, %0, 3\n\t"
                     "xori %1, %1, 5\n\t"
                     "xori %1, %1, 5\n\t"
                     "addi %1, %1, -2\n\t"
                     "sc.d %2, %1, (%3)\n\t"
                     "bnez %2, 1b"
                     : "=&r"(v), "=&r"(t), "=&r"(fail)
                     : "r"(p)
                     : "memory");
}

static void inc_cas(uint64_t *p)
{
    uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(p, &old, old + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        ;
}

static void work(struct shared *s, int who)
{
    for (int i = 0; i < ITERS; i++) {
        inc_w(&s->w);
        inc_d(&s->d);
        inc_cas(&s->cas);
        if (i % 100 == 0) {
            char *m = malloc(64 + (size_t)who); /* malloc's arena lock */
            if (!m) _exit(3);
            snprintf(m, 64, "%d", i);
            free(m);
        }
    }
}

int main(void)
{
    struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("lrsc: %d processes, %d increments each\n", KIDS + 1, ITERS);
    fflush(stdout);
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        if (kids[k] < 0) {
            perror("fork");
            return 1;
        }
        if (kids[k] == 0) {
            work(s, k + 1);
            _exit(0);
        }
    }
    work(s, 0);
    int bad = 0;
    for (int k = 0; k < KIDS; k++) {
        int st;
        if (waitpid(kids[k], &st, 0) != kids[k] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
    }
    printf("children that failed: %d\n", bad);
    printf("lr.w/sc.w total: %u\n", s->w);
    printf("lr.d/sc.d total: %llu\n", (unsigned long long)s->d);
    printf("cas total: %llu\n", (unsigned long long)s->cas);
    int ok =
        s->w == (KIDS + 1) * ITERS && s->d == (KIDS + 1) * ITERS && s->cas == (KIDS + 1) * ITERS;
    printf("%s\n", ok ? "exact" : "WRONG");
    return ok && !bad ? 0 : 1;
}
