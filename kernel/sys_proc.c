/* kernel/sys_proc.c: placeholder until written. */
