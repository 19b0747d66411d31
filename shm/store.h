/*
 * store.h — the shared store: the directory tree that every node sees as the
 * guest's "/", and (later) the image files that back every memory segment.
 * The public header of three files, one section each: store.c (the root,
 * path strings and resolution: store_, store_path_), dircache.c (the
 * directory cache: store_dircache_) and gseg.c (the global segment
 * registry: store_gseg_); docs/store.md "Names".
 *
 * Invariants
 *  1. Every guest path resolves inside the root: "..", absolute symlinks and
 *     symlink races cannot escape it (openat2 with RESOLVE_IN_ROOT; on hosts
 *     without openat2, or with SYMUNIX_NO_OPENAT2=1, a component-by-component
 *     walk in store.c that gives the same answers and errno values).
 *  2. Functions return a host fd / 0 or a negative errno; they never print.
 *  3. Only store_path_open follows a path's last component; the *at helpers
 *     (store_path_parent) hand back a parent directory fd and a last component
 *     with no '/' that is never "." or "..", so a host *at call made with them
 *     and without following cannot leave the root either.
 *  4. A few host devices are passed through by name (store_path_device); the
 *     guest can open them but never unlink, rename or otherwise reach them.
 *
 * Guest paths handed to store_path_* are "root-relative": absolute guest paths
 * ("/etc/passwd") or paths relative to the root. Callers join relative guest
 * paths with the process's cwd first (store_path_join).
 */
#ifndef SYMUNIX_SHM_STORE_H
#define SYMUNIX_SHM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct store;

/*
 * Open the store rooted at host directory `root` (created, with parents' parent
 * existing, when `create` is set). The root must be a writable directory.
 * Returns 0 or a negative errno with a one-line reason in err.
 */
int store_open(const char *root, int create, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);

/* 1 when paths are resolved by openat2, 0 in walk mode (host without openat2,
 * or SYMUNIX_NO_OPENAT2 set and not "0" when the store was opened). */
int store_uses_openat2(const struct store *s);

/* Host path of the root, as given (for messages). */
const char *store_root_path(const struct store *s);
/* An O_PATH|O_DIRECTORY fd of the root. */
int store_root_fd(const struct store *s);

/* ---- Guest path strings (store.c; pure string work, no file system access) */

/*
 * Join `path` to the guest directory `base` (absolute) unless `path` is itself
 * absolute; repeated '/' and "." components are dropped, ".." is kept (the
 * resolver interprets it physically, after symlinks, as Linux does). A trailing
 * '/' is kept. 0 or -ENAMETOOLONG (result would not fit outlen), -ENOENT ("").
 */
int store_path_join(const char *base, const char *path, char *out, size_t outlen);

/*
 * Like store_path_join, but also folds ".." lexically (".." at "/" stays at "/")
 * and drops a trailing '/': "a/./b//../c" against "/" gives "/a/c". For names
 * that must be recognised without touching the file system.
 */
int store_path_norm(const char *base, const char *path, char *out, size_t outlen);

/* Host path of the device passed through for guest absolute path `gpath`
 * (after store_path_norm), or NULL. The set: /dev/null, /dev/zero, /dev/full,
 * /dev/random, /dev/urandom, /dev/tty. */
const char *store_path_device(const char *gpath);

/* ---- Resolution inside the root (store.c) -------------------------------- */

/*
 * Open guest path `gpath` with host open(2) `flags` and `mode`, resolving every
 * component inside the root. O_CLOEXEC and O_NOCTTY are always added; `mode`
 * is ignored without O_CREAT/O_TMPFILE. Returns a host fd or a negative errno.
 */
int store_path_open(struct store *s, const char *gpath, int flags, mode_t mode);

/*
 * Open the directory holding the last component of `gpath` (O_PATH|O_DIRECTORY)
 * and copy that component into last (no '/', never "." or ".."). When gpath
 * ends in "." or ".." (or is "/"), the whole path is opened and last is ".".
 * *trailing_slash (may be NULL) tells whether gpath ended in '/'.
 * Returns a host fd or a negative errno (-ENAMETOOLONG: component > lastlen-1).
 */
int store_path_parent(struct store *s, const char *gpath, char *last, size_t lastlen,
                      int *trailing_slash);

/*
 * An O_PATH fd of guest path `gpath` resolved strictly inside the root (no
 * device passthrough): for calls that change the file they name (chmod,
 * utimes, truncate, link) through the host's /proc/self/fd/N. `nofollow`
 * leaves a final symlink unfollowed. A host fd or a negative errno.
 */
int store_path_lookup(struct store *s, const char *gpath, int nofollow);

/*
 * Guest absolute path of the file open at host fd `hostfd` (which must lie
 * inside the root), found from the host's /proc/self/fd. Returns 0, -ENOENT
 * (deleted, or not inside the root) or -ENAMETOOLONG.
 */
int store_path_of_fd(const struct store *s, int hostfd, char *out, size_t outlen);
/*
 * The same for a directory a name is about to be made in: also -EACCES when
 * it is the hidden directory or lies under it. What naming a lazy anonymous
 * file asks right before it links the name (docs/store.md, "Creating through
 * a directory descriptor"): a directory fd may have been moved since it was
 * found inside the root.
 */
int store_path_of_dir(const struct store *s, int dirfd, char *out, size_t outlen);

/* ---- The directory cache (dircache.c) --------------------------------- */

/*
 * A directory for open(dir, SYM_O_ANON): like store_path_open(gpath,
 * O_PATH|O_DIRECTORY) — the same fd target and the same errno — but served
 * from the store's directory cache when it can (docs/store.md, "The directory
 * cache"): a hit makes one non-blocking read of an inotify fd instead of the
 * walk. out->fd is the store's (owned 0: valid until the next store_dircache_open
 * or store_close; dup it to keep it) or the caller's (owned 1: close it).
 * 0 or a negative errno.
 */
struct store_dircache_dir {
    int fd;
    int owned;
    dev_t dev; /* the directory's identity when the cache holds it; */
    ino_t ino; /* 0, 0 for an owned fd (fstat it) */
};
int store_dircache_open(struct store *s, const char *gpath, struct store_dircache_dir *out);

/* Counters of the directory cache (all 0 when it is off). */
struct store_dircache_stats {
    uint64_t hits, misses;
    uint64_t invalidated; /* entries dropped because their path changed */
};
void store_dircache_stats(const struct store *s, struct store_dircache_stats *out);

/* ---- The global segment registry (gseg.c; docs/store.md) --------------- */

/* The hidden directory of the root: no guest path reaches it (EACCES). */
#define STORE_HIDDEN_DIR ".symunix"
/* Segment ids are 1 .. STORE_GSEG_MAX (net.h: 24 bits). */
#define STORE_GSEG_MAX ((1ull << 24) - 1)

/* Where a file's id probe starts: a hash of (dev, ino), 1 .. STORE_GSEG_MAX. */
uint64_t store_gseg_hash(dev_t dev, ino_t ino);
/*
 * The global segment id of the regular file open at hostfd: its existing
 * registry entry, or a new one (a hard link <root>/.symunix/gseg/<id>, made
 * atomically across ranks by linkat; a taken id is skipped). 0 or -errno
 * (-ENOENT: a deleted, non-O_TMPFILE file cannot be linked; -ENOSPC: full).
 * _from probes from `start` instead of the hash (tests force collisions).
 */
int store_gseg_register(struct store *s, int hostfd, uint64_t *id);
int store_gseg_register_from(struct store *s, int hostfd, uint64_t start, uint64_t *id);
/* Is the file at hostfd registered? 1 and *id, 0 no, or -errno. */
int store_gseg_find(struct store *s, int hostfd, uint64_t *id);
/* Open segment id's file with open flags; a host fd or -errno (-ENOENT). */
int store_gseg_open(struct store *s, uint64_t id, int flags);
/* Remove the entries this store object registered (the job's end, after
 * every rank has written its memory module back). */
void store_gseg_cleanup(struct store *s);

/*
 * The memory modules' page callbacks (net.h net_fill_fn, net_writeback_fn),
 * ctx a struct store_gseg_io: fill reads page `page` (4 KiB) of segment seg's
 * file (beyond its end: zeros without a read; a short read leaves zeros);
 * writeback writes it, clipped to the file's size (never extends the file).
 * A few files are kept open by id.
 */
struct store_gseg_io;
int store_gseg_io_new(struct store *s, struct store_gseg_io **out);
void store_gseg_io_free(struct store_gseg_io *io);
int store_gseg_fill(void *ctx, uint64_t seg, uint64_t page, void *buf);
int store_gseg_writeback(void *ctx, uint64_t seg, uint64_t page, const void *buf);

#endif /* SYMUNIX_SHM_STORE_H */
