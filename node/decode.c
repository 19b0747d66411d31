/* node/decode.c: placeholder until written. */
