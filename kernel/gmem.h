/*
 * gmem.h — layer 1 of kernel/ (docs/kernel.md "Layers"): the kernel's client
 * of global memory (gmem.c): accesses sent to the network, pages of cacheable
 * global lsegs fetched into the node cache, write-backs, the kernel's own
 * synchronous copies, the replies delivered. Below it: ktypes.h, hooks.h, and
 * outside kernel/ the store (shm/) and the network engine (interconnect/).
 */
#ifndef SYMUNIX_KERNEL_GMEM_H
#define SYMUNIX_KERNEL_GMEM_H

#include "kernel/hooks.h"

/* fsync/fdatasync of a global segment's file (gmem.c, sys_rw.c): write the
 * node cache back (stores on p's behalf), and once none are left in flight
 * issue the sync-segment request on p's behalf (net.h NET_MREQ_SYNC). 1: p
 * has requests in flight, call again when they are in; 0: the sync is
 * issued (it completes when p->net.inflight is 0); or a negative errno. */
int k_net_sync_seg(struct k_proc *p, uint64_t seg);

/* The node cache's write-back callback (gmem.c): a dirty line as 8 stores. */
int k_net_ncache_wb(void *ctx, uint64_t key, unsigned off, const uint8_t *line);

/* After the last process: write the node cache back and wait for it (gmem.c). */
void k_net_end(struct k_kernel *k);

/* copyin/copyout on global memory (vm.c walk), synchronous: the caller waits
 * in place, the engine progressing and other processes' replies delivered,
 * after p's own earlier requests (its fence). k_net_kcopy moves n bytes
 * (at most K_NET_KCOPY_MAX) between buf and global address g of a
 * non-cacheable lseg
 * (loads and stores over the network); k_net_kfetch brings the page holding
 * g into the node cache (a cacheable lseg). 0, or -EFAULT: a reply carried an
 * error (nothing of a read reaches buf), no engine, or the engine failed. */
#define K_NET_KCOPY_MAX (16 * RV_PAGE_SIZE)
int k_net_kcopy(struct k_proc *p, uint64_t g, uint8_t *buf, uint64_t n, bool write);
int k_net_kfetch(struct k_proc *p, uint64_t g);

/* The hart stopped at an access to global memory (gmem.c): p's load, store,
 * AMO, LR or SC goes to the network (translate said -EREMOTE), p's page of a
 * cacheable global lseg is fetched into the node cache (K_EFETCH), p's cbo.*
 * writes back or drops cached lines. p sleeps until the replies are in. */
void k_net_access(struct k_proc *p, const struct rv_fault *f);
void k_net_fetch(struct k_proc *p, const struct rv_fault *f);
void k_net_cbo(struct k_proc *p, const struct rv_fault *f);

/* Deliver the engine's completions: instructions retire, processes run again. */
void k_net_reap(struct k_kernel *k);

/* p no longer waits for global-memory replies (it ends): its slot is free. */
void k_net_unwait(struct k_proc *p);

#endif /* SYMUNIX_KERNEL_GMEM_H */
