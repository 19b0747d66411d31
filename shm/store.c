/* shm/store.c: placeholder until written. */
