/*
 * segv.c — a program that dies of SIGSEGV (no handler).
 * Attacks: default action of a synchronous fault: the process is killed and
 * the driver exits with 128+11 = 139. Output written before the fault through
 * stdio with line buffering must still appear.
 */
#include <stdio.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("about to fault\n");
    volatile int *p = (volatile int *)8;
    asm("" : "+r"(p)); /* hide the constant from the compiler */
    *p = 42;
    printf("still alive?!\n");
    return 0;
}
