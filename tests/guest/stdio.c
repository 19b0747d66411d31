/*
 * stdio.c — the standard descriptors, in volume.
 * Attacks: large writes to stdout through stdio (full buffering on a pipe),
 * raw write(2) and writev(2) to fd 1 interleaved after fflush, partial-write
 * handling in the kernel's write path (1 MiB in one call), stdin at EOF
 * (the harness gives /dev/null), isatty on a pipe, and fstat of fd 1 and 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    unsigned h = 0;
    for (int i = 0; i < 20000; i++) {
        printf("line %5d %08x %s\n", i, h, i % 3 ? "abcdefghijklmnopqrstuvwxyz" : "-");
        h = h * 31 + (unsigned)i;
    }
    fflush(stdout);
    size_t big = 1 << 20;
    char *buf = malloc(big);
    for (size_t i = 0; i < big; i++)
        buf[i] = (i % 64 == 63) ? '\n' : (char)('A' + i % 26);
    size_t done = 0;
    while (done < big) {
        ssize_t n = write(1, buf + done, big - done);
        if (n <= 0) return 2;
        done += (size_t)n;
    }
    struct iovec iov[3] = {{"writev ", 7}, {"to ", 3}, {"stdout\n", 7}};
    if (writev(1, iov, 3) != 17) return 3;
    char c;
    ssize_t r = read(0, &c, 1);
    printf("read(stdin)=%zd\n", r);
    printf("isatty(1)=%d\n", isatty(1));
    struct stat st;
    printf("fstat(1) ok=%d fifo=%d\n", fstat(1, &st) == 0, S_ISFIFO(st.st_mode));
    fprintf(stderr, "this goes to stderr (not compared)\n");
    free(buf);
    return 0;
}
