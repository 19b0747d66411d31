/*
 * kernel.c — the node kernel's life cycle: creating a node's kernel (its
 * cache, names, node cache and bounce buffer), running it (k_run: the
 * scheduler itself is proc.c's), a host signal's kill request, statistics,
 * and freeing it. Processes are allocated in proc.c; the initial process and
 * execve are exec.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kernel/proc.h"
#include "shm/cache.h"
#include "shm/store.h"

#define DEFAULT_QUANTUM 1000000
#define K_NCACHE_PAGES  1024         /* the node cache of global memory: 4 MiB */
#define DEFAULT_MEM     (1ull << 30) /* node memory when --mem is not given */

int k_kernel_new(const struct k_config *cfg, k_kernel **out)
{
    if (!cfg->store) return -EINVAL; /* the file calls need the guest's root */
    struct k_kernel *k = calloc(1, sizeof *k);
    if (!k) return -ENOMEM;
    k->cfg = *cfg;
    if (!k->cfg.quantum) k->cfg.quantum = DEFAULT_QUANTUM;
    k->next_pid = 1;
    k->layer_spares = (struct store_cache_spares)STORE_SPARES_OF(struct k_layer);
    k->file_spares = (struct store_cache_spares)STORE_SPARES_OF(struct k_file);
    if (!(k->bounce = malloc(K_BOUNCE_SIZE))) {
        free(k);
        return -ENOMEM;
    }
    int rc = store_names_new(k->cfg.store, k->cfg.node, 0, &k->names);
    if (rc < 0) {
        free(k->bounce);
        free(k);
        return rc;
    }
    rc = store_cache_new(k->cfg.mem_bytes ? k->cfg.mem_bytes : DEFAULT_MEM, &k->cache);
    if (rc < 0) {
        store_names_free(k->names);
        free(k->bounce);
        free(k);
        return rc;
    }
    store_names_set_rekey(k->names, store_cache_rekey, k->cache);
    if (k->cfg.eng &&
        (rc = rv_ncache_new(k->cfg.ncache_pages ? k->cfg.ncache_pages : K_NCACHE_PAGES,
                            k_net_ncache_wb, k, &k->ncache)) < 0) {
        store_cache_free(k->cache);
        store_names_free(k->names);
        free(k->bounce);
        free(k);
        return rc;
    }
    store_cache_set_materialize(k->cache, k_vm_materialize, k->names);
    *out = k;
    return 0;
}

void k_kernel_free(k_kernel *k)
{
    if (!k) return;
    while (k->procs)
        k_proc_free(k->procs);
    k_vm_unpark_all(k);
    store_cache_spare_drain(&k->layer_spares);
    store_cache_spare_drain(&k->file_spares);
    free(k->bounce);
    if (k->ncache) rv_ncache_free(k->ncache);
    store_cache_free(k->cache);
    store_names_free(k->names);
    free(k);
}

/* ---- Running ---------------------------------------------------------------- */

static void fill_exit(const struct k_proc *p, struct k_exit *out)
{
    out->wstatus = p->wstatus;
    if (WIFEXITED(p->wstatus))
        out->code = WEXITSTATUS(p->wstatus);
    else
        out->code = 128 + WTERMSIG(p->wstatus);
}

/* Run the node until the initial process and all its descendants have ended
 * (proc.c's scheduler; remote.c for those on other nodes); the status is the
 * initial process's. A node without it runs until node 0 ends the job. */
int k_run(k_kernel *k, struct k_exit *out)
{
    struct k_proc *p = k->init;
    bool root = k->cfg.node == 0 || !k->cfg.net || k->cfg.nodes < 2;
    if (!p && root) return -EINVAL;
    k_sched_run(k);
    k_net_end(k);
    if (p) {
        fill_exit(p, out);
    } else {
        out->code = k->job_status;
        out->wstatus = k->job_status << 8;
    }
    while (k->procs)
        k_proc_free(k->procs);
    return k->net_err;
}

/* From a host signal handler: the scheduler ends every process at its next
 * check; the running one is stopped at its next block boundary. */
void k_request_kill(k_kernel *k, int sig)
{
    k->kill_sig = sig > 0 && sig < K_NSIG ? sig : SIGKILL;
    struct k_proc *p = k->current;
    if (p && p->hart) rv_request_stop(p->hart);
}

void k_get_stats(const k_kernel *k, struct k_stats *out)
{
    *out = k->stats;
    if (k->cache) {
        struct store_cache_stats cs;
        struct store_cache_counts cn;
        store_cache_stats(k->cache, &cs);
        store_cache_counts(k->cache, &cn);
        out->mem_bytes = (uint64_t)cn.limit * STORE_PAGE_SIZE;
        out->page_misses = cs.misses;
        out->page_reclaims = cs.reclaims;
        out->page_evictions = cs.evictions;
        out->page_writebacks = cs.writebacks;
    }
    if (k->ncache) {
        struct rv_ncache_stats ns;
        rv_ncache_get_stats(k->ncache, &ns);
        out->ncache_fills = ns.fills;
        out->ncache_evictions = ns.evictions;
        out->ncache_lines_written = ns.lines_written;
        out->ncache_lines_discarded = ns.lines_discarded;
    }
    for (const struct k_proc *p = k->procs; p; p = p->next) {
        if (!p->hart) continue;
        struct rv_stats st;
        rv_get_stats(p->hart, &st);
        out->instructions += st.instret;
        out->tlb_misses += st.tlb_misses;
        out->pages_decoded += st.pages_decoded;
    }
}
