/*
 * kfixture.h — the fixture the address-space and loader tests share: memory
 * comes from a node kernel's cache of frames, so each test gets a kernel over
 * a scratch store root and one process with an empty address space.
 * Included by one test file each (its statics are that file's).
 */
#ifndef SYMUNIX_TEST_KFIXTURE_H
#define SYMUNIX_TEST_KFIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel/syscalls.h"
#include "shm/store.h"

static struct k_proc *proc;
static struct store *store;
static k_kernel *kern;
static char root[] = "/tmp/symunix-ktest-XXXXXX";

/* A kernel configured as cfg (its store: a fresh scratch root) and process 1. */
static void kfix_setup_cfg(struct k_config cfg)
{
    char why[256] = "";
    cr_assert_not_null(mkdtemp(root));
    cr_assert_eq(store_open(root, 0, &store, why, sizeof why), 0, "%s", why);
    cfg.store = store;
    cr_assert_eq(k_kernel_new(&cfg, &kern), 0);
    proc = calloc(1, sizeof *proc);
    cr_assert_not_null(proc);
    proc->k = kern;
    proc->pid = 1;
    k_vm_init(&proc->vm);
}

/* A kernel with `mem` bytes of node memory (0: the default) and process 1. */
static inline void kfix_setup(uint64_t mem)
{
    kfix_setup_cfg((struct k_config){.mem_bytes = mem});
}

static void kfix_teardown(void)
{
    k_vm_free(proc);
    free(proc);
    k_kernel_free(kern);
    store_close(store);
    rmdir(root);
}

#endif /* SYMUNIX_TEST_KFIXTURE_H */
