/*
 * abort.c — a program that calls abort().
 * Attacks: glibc's abort unblocks SIGABRT and raises it (tgkill), then resets
 * the action and raises again; the driver must exit with 128+6 = 134.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("calling abort\n");
    fflush(stdout);
    abort();
}
