/* kernel/elf.c: placeholder until written. */
