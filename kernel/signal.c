/* kernel/signal.c: placeholder until written. */
