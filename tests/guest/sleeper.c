/*
 * sleeper.c — sleeps for argv[1] seconds (default 30) and exits 0: the guest
 * of host-signal.sh, which ends the job with a host signal meanwhile.
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 30);
    return 0;
}
