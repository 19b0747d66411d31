/*
 * store_impl.h — private to shm/: the store object every file of the store
 * shares (store.c: the root and path resolution; dircache.c: the directory
 * cache; gseg.c: the global segment registry), and the calls store.c makes
 * into the other two when the store opens and closes. Nothing outside shm/
 * includes it (tests/unit/shm/ neither: they use the public headers).
 */
#ifndef SYMUNIX_SHM_STORE_IMPL_H
#define SYMUNIX_SHM_STORE_IMPL_H

#include "shm/store.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A directory's identity: the root, or one on a walk's way down. */
struct dirid {
    dev_t dev;
    ino_t ino;
};

struct store {
    char *root;          /* as given */
    char *real;          /* host absolute path of the root, for store_path_of_fd */
    int rootfd;          /* O_PATH|O_DIRECTORY */
    int walk;            /* resolve by walk_open (no openat2), not openat2 */
    struct dirid rootid; /* the root's identity, for walk_open */
    int gsegfd;          /* O_PATH of <root>/.symunix/gseg, -1 until needed */
    uint64_t *made;      /* registry entries this store object created */
    size_t nmade, capmade;
    struct dcache *dc; /* validated directories (store_dircache_open), NULL: off */
};

struct dcache;

/* dircache.c: the directory cache of a newly opened store (none when
 * SYMUNIX_NO_DIRCACHE is set or the root is not on a local file system),
 * and its end (also when inotify runs out: the cache is off for good). */
void store_dircache_init(struct store *s);
void store_dircache_free(struct store *s);

/* gseg.c: what the registry holds of a store being closed (its directory
 * fd, the list of entries it made; the entries stay, see store_gseg_cleanup). */
void store_gseg_free(struct store *s);

#endif /* SYMUNIX_SHM_STORE_IMPL_H */
