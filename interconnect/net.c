/* interconnect/net.c: placeholder until written. */
