/* kernel/sys_file.c: placeholder until written. */
