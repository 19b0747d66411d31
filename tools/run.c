/* tools/run.c: placeholder until written. */
