/* kernel/sys_mem.c: placeholder until written. */
