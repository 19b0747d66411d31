/* kernel/kernel.c: placeholder until written. */
