/* kernel/syscall.c: placeholder until written. */
