/* node/mmu.c: placeholder until written. */
