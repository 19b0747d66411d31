/* hello.c — the smallest guest: the quickstart's first program under symunix. */
#include <stdio.h>

int main(void)
{
    printf("Hello from RISC-V on Symunix II\n");
    return 0;
}
