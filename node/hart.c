/* node/hart.c: placeholder until written. */
