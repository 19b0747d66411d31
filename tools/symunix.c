/* tools/symunix.c: placeholder until written. */
