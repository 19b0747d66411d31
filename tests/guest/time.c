/*
 * time.c — clocks and sleeping.
 * Attacks: clock_gettime (MONOTONIC never goes back, REALTIME is a plausible
 * date), gettimeofday, nanosleep sleeping at least the time asked, and
 * nanosleep's EINVAL on a bad tv_nsec. Only comparisons are printed: times differ.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static int failures;

static void check(int cond, const char *what)
{
    printf("%-44s %s\n", what, cond ? "ok" : "FAIL");
    if (!cond) failures++;
}

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    struct timespec ts;
    check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000,
          "clock_gettime MONOTONIC");
    int mono = 1;
    double prev = now(CLOCK_MONOTONIC);
    for (int i = 0; i < 10000; i++) {
        double t = now(CLOCK_MONOTONIC);
        mono &= t >= prev;
        prev = t;
    }
    check(mono, "MONOTONIC never decreases");
    check(now(CLOCK_REALTIME) > 1577836800.0, "REALTIME after 2020");
    struct timeval tv;
    check(gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1577836800, "gettimeofday after 2020");
    check(clock_getres(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec > 0,
          "clock_getres");

    double t0 = now(CLOCK_MONOTONIC);
    struct timespec req = {0, 20 * 1000 * 1000};
    check(nanosleep(&req, NULL) == 0, "nanosleep 20 ms");
    double slept = now(CLOCK_MONOTONIC) - t0;
    check(slept >= 0.020, "slept at least 20 ms");
    check(slept < 5.0, "slept less than 5 s");
    struct timespec bad = {0, 1000000000};
    check(nanosleep(&bad, NULL) == -1 && errno == EINVAL, "nanosleep tv_nsec=1e9 -> EINVAL");
    check(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0, "clock_gettime PROCESS_CPUTIME");
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
}
