/*
 * store.h — the shared store: the directory tree that every node sees as the
 * guest's "/", and (later) the image files that back every memory segment.
 *
 * Invariants
 *  1. Every guest path resolves inside the root: "..", absolute symlinks and
 *     symlink races cannot escape it (openat2 with RESOLVE_IN_ROOT).
 *  2. Functions return a host fd / 0 or a negative errno; they never print.
 */
#ifndef SYMUNIX_SHM_STORE_H
#define SYMUNIX_SHM_STORE_H

#include <stddef.h>
#include <sys/types.h>

struct store;

/*
 * Open the store rooted at host directory `root` (created, with parents' parent
 * existing, when `create` is set). The root must be a writable directory.
 * Returns 0 or a negative errno with a one-line reason in err.
 */
int store_open(const char *root, int create, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);

/* Host path of the root, as given (for messages). */
const char *store_root_path(const struct store *s);
/* An O_PATH|O_DIRECTORY fd of the root. */
int store_root_fd(const struct store *s);

#endif /* SYMUNIX_SHM_STORE_H */
