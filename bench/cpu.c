/*
 * cpu.c — single-node CPU benchmark (guest program).
 *
 * A deterministic mix of the work real programs give a hart, in three phases,
 * each printing a checksum so two emulators can be checked for agreeing:
 *   int  — PRNG, sorting, an open-addressing hash table, string operations;
 *   mem  — array sweeps, memcpy, and pointer chasing through a few MiB;
 *   fp   — double-precision matrix multiply and an n-body simulation.
 * Usage: cpu.elf [SCALE]   (default 12, about 2-3 s under qemu; time is linear in SCALE)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t prng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
    prng ^= prng << 13;
    prng ^= prng >> 7;
    prng ^= prng << 17;
    return prng;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Integer phase 1: fill, qsort, and fold the sorted order into a hash. */
static uint64_t int_sort(int n)
{
    uint32_t *a = malloc(n * sizeof *a);
    for (int i = 0; i < n; i++)
        a[i] = (uint32_t)next_rand();
    qsort(a, n, sizeof *a, cmp_u32);
    uint64_t h = 0;
    for (int i = 0; i < n; i += 7)
        h = mix(h, a[i]);
    free(a);
    return h;
}

/* Integer phase 2: open addressing with linear probing; insert then look up. */
static uint64_t int_hash(int n)
{
    size_t cap = 1;
    while (cap < (size_t)n * 2)
        cap <<= 1;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);
    for (int i = 0; i < n; i++) {
        uint64_t k = (next_rand() % (n * 4u)) | 1;
        size_t j = (k * 0x9e3779b97f4a7c15ULL) >> 40 & (cap - 1);
        while (keys[j] && keys[j] != k)
            j = (j + 1) & (cap - 1);
        keys[j] = k;
        vals[j]++;
    }
    uint64_t h = 0;
    for (int i = 0; i < n; i++) {
        uint64_t k = (uint64_t)(2 * i + 1);
        size_t j = (k * 0x9e3779b97f4a7c15ULL) >> 40 & (cap - 1);
        while (keys[j] && keys[j] != k)
            j = (j + 1) & (cap - 1);
        if (keys[j]) h = mix(h, vals[j] * k);
    }
    free(keys);
    free(vals);
    return h;
}

/* Integer phase 3: string building, searching and comparing. */
static uint64_t int_strings(int n)
{
    char buf[256], prev[256] = "";
    uint64_t h = 0;
    for (int i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof buf, "item-%d-%llx-%s", i, (unsigned long long)next_rand(),
                           i & 1 ? "odd" : "even");
        h = mix(h, strlen(buf) + (uint64_t)len);
        h = mix(h, (uint64_t)(strcmp(buf, prev) > 0));
        const char *p = strchr(buf, 'x');
        h = mix(h, p ? (uint64_t)(p - buf) : 99);
        h = mix(h, strstr(buf, "odd") != NULL);
        memcpy(prev, buf, (size_t)len + 1);
    }
    return h;
}

/* Memory phase: sweeps and memcpy over 8 MiB, pointer chase over 4 MiB. */
static uint64_t mem_phase(int rounds)
{
    size_t n = (8u << 20) / sizeof(uint64_t);
    uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++)
        a[i] = i * 2654435761u;
    uint64_t h = 0;
    for (int r = 0; r < rounds; r++) {
        memcpy(b, a, n * sizeof *a);
        for (size_t i = 0; i < n; i += 8)
            b[i] += (uint64_t)r;
        uint64_t s = 0;
        for (size_t i = 0; i < n; i++)
            s += b[i] ^ (s >> 3);
        h = mix(h, s);
    }
    /* A single random cycle through 512 Ki slots: every load misses the TLB/caches. */
    size_t m = (4u << 20) / sizeof(uint32_t);
    uint32_t *next = (uint32_t *)b;
    for (size_t i = 0; i < m; i++)
        next[i] = (uint32_t)i;
    for (size_t i = m - 1; i > 0; i--) { /* Sattolo: one cycle */
        size_t j = next_rand() % i;
        uint32_t t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    uint32_t p = 0;
    for (size_t i = 0; i < m * (size_t)rounds / 2; i++)
        p = next[p];
    h = mix(h, p);
    free(a);
    free(b);
    return h;
}

static uint64_t fold_double(uint64_t h, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return mix(h, u);
}

/* FP phase 1: C = A * B for n x n doubles, i-k-j order. */
static uint64_t fp_matmul(int n)
{
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n);
    double *c = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n * n; i++) {
        a[i] = (double)(next_rand() % 1000) / 997.0 - 0.5;
        b[i] = (double)(next_rand() % 1000) / 991.0 - 0.5;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
    uint64_t h = 0;
    for (int i = 0; i < n * n; i += 13)
        h = fold_double(h, c[i]);
    free(a);
    free(b);
    free(c);
    return h;
}

/* FP phase 2: a small gravitational n-body system, leapfrog steps. */
static uint64_t fp_nbody(int steps)
{
    enum { N = 32 };
    double x[N][3], v[N][3], m[N];
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < 3; d++) {
            x[i][d] = (double)(next_rand() % 2000) / 100.0 - 10.0;
            v[i][d] = (double)(next_rand() % 200) / 1000.0 - 0.1;
        }
        m[i] = 1.0 + (double)(next_rand() % 100) / 50.0;
    }
    const double dt = 0.001;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++) {
                double d[3], r2 = 0.01;
                for (int k = 0; k < 3; k++) {
                    d[k] = x[j][k] - x[i][k];
                    r2 += d[k] * d[k];
                }
                double inv = 1.0 / (r2 * sqrt(r2));
                for (int k = 0; k < 3; k++) {
                    v[i][k] += d[k] * m[j] * inv * dt;
                    v[j][k] -= d[k] * m[i] * inv * dt;
                }
            }
        for (int i = 0; i < N; i++)
            for (int k = 0; k < 3; k++)
                x[i][k] += v[i][k] * dt;
    }
    uint64_t h = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 3; k++)
            h = fold_double(h, x[i][k]);
    return h;
}

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 12;
    if (scale < 1) scale = 1;
    uint64_t s1 = int_sort(60000 * scale);
    uint64_t s2 = int_hash(80000 * scale);
    uint64_t s3 = int_strings(20000 * scale);
    printf("int:  sort %016llx hash %016llx strings %016llx\n", (unsigned long long)s1,
           (unsigned long long)s2, (unsigned long long)s3);
    uint64_t m1 = mem_phase(scale);
    printf("mem:  sweep+chase %016llx\n", (unsigned long long)m1);
    int n = 100;
    uint64_t f1 = 0;
    for (int r = 0; r < scale; r++)
        f1 = mix(f1, fp_matmul(n));
    uint64_t f2 = fp_nbody(150 * scale);
    printf("fp:   matmul(%dx%d) %016llx nbody %016llx\n", n, n, (unsigned long long)f1,
           (unsigned long long)f2);
    printf("total %016llx\n", (unsigned long long)mix(mix(mix(mix(mix(s1, s2), s3), m1), f1), f2));
    return 0;
}
