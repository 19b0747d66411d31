/* kernel/vm.c: placeholder until written. */
