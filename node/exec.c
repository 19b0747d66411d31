/* node/exec.c: placeholder until written. */
