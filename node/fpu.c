/* node/fpu.c: placeholder until written. */
