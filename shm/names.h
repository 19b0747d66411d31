/*
 * names.h — the naming layer of image files: lazy anonymous files, close
 * actions and reference directories (design.md §4; the Symunix II memory
 * management paper, sections 3.2.1, 3.2.2 and 4.1). The kernel's system
 * calls (open with the anonymous flag, fdname, getdents, close, exit,
 * mkrefdir, fmkrefdir, rmrefdir, spawn/fork) call into this layer; the data
 * itself goes through the buffer cache (cache.h) and the store (store.h).
 *
 * Two tables:
 *  - struct store_names, one per node: every open image file of the node by
 *    identity (st_dev, st_ino), with its count of opens, its close action,
 *    whether a process that had it open ended abnormally, the guest names it
 *    is known by, and, for a lazy anonymous file not yet named, the means to
 *    name it (its directory and a descriptor of its own).
 *  - struct store_names_refdirs, one per process (embedded in the kernel's
 *    process): refnames "@name" bound to directory fds.
 *
 * States of an entry of struct store_names and the function that performs
 * each transition:
 *
 *   (none) --- store_names_anon_create ---------------------------> ANON (opens 1)
 *   (none) --- store_names_file_open -----------------------------> NAMED (opens 1)
 *   NAMED/ANON --- store_names_file_open (same file again) -------> same, opens + 1
 *   ANON --- store_names_anon_name, store_names_dir_materialize --------> NAMED
 *   any --- store_names_file_abnormal ----------------------------> same, abnormal set
 *   any --- store_names_file_close, opens > 1 --------------------> same, opens - 1
 *   ANON --- store_names_file_close, last, delete or no action ---> (none): vanishes
 *   ANON --- store_names_file_close, last, action says keep ------> named, (none)
 *   NAMED --- store_names_file_close, last, delete ---------------> names unlinked
 *   NAMED --- store_names_file_close, last, keep -----------------> (none)
 *
 * Invariants
 *  1. An anonymous file has no name in its directory until store_names_anon_name,
 *     store_names_dir_materialize or a keeping close action names it. With
 *     O_TMPFILE (the normal case) there is no directory entry at all and the
 *     inode is the host's to keep in memory; where the store's file system
 *     refuses O_TMPFILE, the file lives under a hidden name
 *     (STORE_ANON_HIDDEN_PREFIX...), which getdents must skip, and which is
 *     removed when the file is named or closed (a crashed node leaves it).
 *  2. A file that was never named leaves nothing on disk when its last open
 *     is closed, whatever its close action, unless that action keeps it
 *     (DELETE_UNLESS_ABNORMAL after an abnormal end, DELETE_IF_ABNORMAL after
 *     none): then it is named first, so it survives for post-mortem use.
 *  3. Generated names are "anon.<node>.<counter>": the node number keeps the
 *     nodes sharing a store apart, and linkat's EEXIST (another run, a user
 *     file) moves the counter on, so a name never replaces a file.
 *  4. A close action unlinks a remembered name only while that name still
 *     refers to the same file (st_dev, st_ino): a name since renamed away or
 *     reused by another file is left alone.
 *  5. The open count is per node: "last close" is the node's last close.
 *     The abnormal mark is the file's on every node: the kernel tells every
 *     other node that has it open (store_names_file_abnormal_id).
 *  6. A refdir's directory is inside the root, and a "@name/rest" path is
 *     turned into a guest absolute path (the directory's current guest path
 *     joined with rest) that store.c resolves inside the root: ".." from a
 *     refdir climbs at most to the root, as from any directory.
 *  7. Functions return 0 (or a count, or an fd) or a negative errno and never
 *     print. Tables are used by one thread (the node's kernel loop).
 */
#ifndef SYMUNIX_SHM_NAMES_H
#define SYMUNIX_SHM_NAMES_H

#include <stddef.h>
#include <sys/types.h>

#include "shm/store.h"

/* ---- Open image files of a node --------------------------------------------- */

/* Close actions (open/fcntl flags), applied on a file's last close. */
#define STORE_DELETE_ON_LAST_CLOSE   0x1 /* always delete */
#define STORE_DELETE_UNLESS_ABNORMAL 0x2 /* delete unless an opener ended abnormally */
#define STORE_DELETE_IF_ABNORMAL     0x4 /* delete if an opener ended abnormally */
#define STORE_CLOSE_ACTIONS          0x7

/* store_names_new flags: use the hidden-name fallback even where the store's
 * file system has O_TMPFILE (tests). */
#define STORE_NAMES_NO_TMPFILE 0x1

/* Prefix of the hidden names of anonymous files in fallback mode. */
#define STORE_ANON_HIDDEN_PREFIX ".symanon."

struct store_names;

/* The node's table for store s (which must outlive it); `node` goes into
 * generated names. 0 or a negative errno. */
int store_names_new(struct store *s, int node, int flags, struct store_names **out);
/* Forget every entry as if each were closed normally for the last time
 * (anonymous files vanish; close actions run). NULL is a no-op. */
void store_names_free(struct store_names *n);
/* Number of entries (open files) and of unnamed anonymous files. */
size_t store_names_count(const struct store_names *n, size_t *anon);

/*
 * Create a lazy anonymous file in directory `dirfd` (an fd of a directory
 * inside the root, as store_path_open gives), opened read/write, with
 * permission bits `mode` (less the umask) and close action `action`. The
 * open is recorded (opens 1). Returns a host fd owned by the caller (close
 * it after store_names_file_close) or a negative errno (EINVAL bad action,
 * ENOTDIR, ENOENT: directory not inside the root or deleted).
 */
int store_names_anon_create(struct store_names *n, int dirfd, mode_t mode, int action);
/* The same for a directory the caller found inside the root earlier (the
 * kernel's virtual anonymous file, checked at its open): not checked again,
 * so a directory deleted or moved out since still works, as it did for a file
 * created at open (naming it then fails with ENOENT). */
int store_names_anon_create_in(struct store_names *n, int dirfd, mode_t mode, int action);

/*
 * fdname: the guest absolute path of the file open at host fd `fd`, naming it
 * first (invariant 3) when it is a lazy anonymous file. Also what pageout,
 * fsync and checkpoint of an anonymous file call. 0, -ENAMETOOLONG (the file
 * is named all the same), -ENOENT (a deleted file or one outside the root),
 * or the host's errno from linkat.
 */
int store_names_anon_name(struct store_names *n, int fd, char *out, size_t outlen);

/*
 * A lazy anonymous file starts as a memory file of the host (memfd, unless
 * STORE_NAMES_NO_TMPFILE): no inode of the store's file system until its data
 * must reach the store. This makes it a host file (unnamed, O_TMPFILE or the
 * fallback) with the same bytes, and puts that file under every host fd of
 * this process that was open on the memory file (same numbers, access, flags
 * and positions): what fsync and write-back call; naming does it first. 0
 * (also when fd is not such a file) or a negative errno.
 */
int store_names_anon_materialize(struct store_names *n, int fd);
/* Told (ctx, old dev, old ino, new dev, new ino) when a memory file has
 * become a host file: the buffer cache re-keys its image. */
typedef void (*store_names_rekey_fn)(void *ctx, dev_t odev, ino_t oino, dev_t ndev, ino_t nino);
void store_names_set_rekey(struct store_names *n, store_names_rekey_fn fn, void *ctx);

/* Before a directory is read: name every anonymous file of this node in
 * directory `dirfd`. The number named, or a negative errno (the first
 * failure; the others are still tried). */
int store_names_dir_materialize(struct store_names *n, int dirfd);
/* The same for the directory whose identity is (ddev, dino): what a node
 * does when a process of another node reads that directory (the kernel's
 * kernel messages, docs/kernel.md "Processes across nodes"). */
int store_names_dir_materialize_id(struct store_names *n, dev_t ddev, ino_t dino);

/* 1 when `name`, an entry of a directory, is a hidden anonymous file. */
int store_names_anon_is_hidden(const char *name);

/*
 * Record an open of the file at host fd `fd` with close action `action`
 * (0: none; several opens OR their actions together), known by guest path
 * `gpath` (absolute; NULL: take the file's current name, if any). 0 or a
 * negative errno (EINVAL bad action).
 */
int store_names_file_open(struct store_names *n, int fd, const char *gpath, int action);
/* fcntl: replace the close action of the open file at fd. 0, -ENOENT
 * (not recorded), -EINVAL. */
int store_names_file_setaction(struct store_names *n, int fd, int action);
/* Remember one more guest name (link, rename) of the open file at fd. */
int store_names_file_named(struct store_names *n, int fd, const char *gpath);
/* A process that had the file at fd open ended abnormally (call once per
 * open file of the process, before its references are dropped). */
int store_names_file_abnormal(struct store_names *n, int fd);
/* The same for the file whose identity is (dev, ino), when this node has it
 * open: a holder on another node ended abnormally (the kernel passes the
 * mark on to every node, so that the last close, wherever it happens, sees
 * it). 1 marked, 0 not open here. */
int store_names_file_abnormal_id(struct store_names *n, dev_t dev, ino_t ino);
/*
 * Record a close of the file at fd (call before closing fd). On the last
 * close, apply the action (invariants 2 and 4) and forget the file. Returns
 * 1 when the file was deleted (or vanished), 0 when kept or still open,
 * -ENOENT when fd's file was not recorded, or the first host error met while
 * unlinking (the file is forgotten all the same).
 */
int store_names_file_close(struct store_names *n, int fd);

/* 1 when the last close of a never-named anonymous file with close action
 * `action` must name it first (invariant 2): the action keeps it, given
 * whether an opener ended abnormally. What the kernel asks before dropping
 * a virtual anonymous file (one with no host file yet) without a trace. */
int store_names_close_keeps(int action, int abnormal);

/* ---- Reference directories of a process -------------------------------------- */

#define STORE_REFDIR_MAX    16 /* bindings per process */
#define STORE_REFNAME_MAX   32 /* bytes of a refname with its '@' and NUL */
#define STORE_REFNAME_IMAGE "@image"

struct store_names_refdir {
    char name[STORE_REFNAME_MAX]; /* "@..."; "" = free slot */
    int fd;                       /* directory, inside the root; owned */
};

/* Zero-initialised (or store_names_refdirs_init) means empty. */
struct store_names_refdirs {
    struct store_names_refdir ent[STORE_REFDIR_MAX];
};

void store_names_refdirs_init(struct store_names_refdirs *t);
/* Close every binding (process exit); the table is then empty. */
void store_names_refdirs_clear(struct store_names_refdirs *t);
/* Inheritance on spawn/fork: dst (empty) gets a duplicate of every binding.
 * 0 or a negative errno (dst then empty). */
int store_names_refdirs_copy(struct store_names_refdirs *dst,
                             const struct store_names_refdirs *src);

/*
 * Bind (or rebind) `refname` to the directory at guest path `gpath`: absolute
 * (the caller joins a relative one with the cwd) or a refdir path ("@x/dir",
 * turned into a guest path by store_names_refdir_path first).
 * Errors: EINVAL bad refname ("" or no leading '@', just "@", a '/', longer
 * than STORE_REFNAME_MAX-1), ENOTDIR not a directory, ENOENT and the like
 * from resolution, ENOSPC table full (a new name with STORE_REFDIR_MAX bound),
 * EMFILE/ENFILE from the host when duplicating the fd.
 */
int store_names_mkrefdir(struct store *s, struct store_names_refdirs *t, const char *gpath,
                         const char *refname);
/* Same, for the directory open at host fd `fd` (which must be inside the
 * root: else ENOENT). The table keeps its own duplicate. */
int store_names_fmkrefdir(struct store *s, struct store_names_refdirs *t, int fd,
                          const char *refname);
/* Remove a binding: 0, -EINVAL bad refname, -ENOENT unknown. */
int store_names_rmrefdir(struct store_names_refdirs *t, const char *refname);

/*
 * Split guest path `gpath` starting with '@' into the bound directory's fd
 * (owned by the table) and the rest after the refname and its '/'s ("" for
 * "@name" or "@name/"). 1 when gpath is a refdir path, 0 when it does not
 * start with '@' (*dirfd = -1, *rest = gpath), -ENOENT when the refname is
 * not bound (or could not be: bad or too long).
 */
int store_names_refdir_lookup(const struct store_names_refdirs *t, const char *gpath, int *dirfd,
                              const char **rest);

/*
 * The guest absolute path the kernel resolves for `gpath`: a refdir path
 * becomes the refdir's current guest path joined with the rest (a trailing
 * '/' kept), anything else is store_path_join(cwd, gpath). Hand the result to
 * store_path_open & co. 0, -ENOENT (unknown refname; refdir deleted or moved
 * out of the root), -ENAMETOOLONG.
 */
int store_names_refdir_path(const struct store *s, const struct store_names_refdirs *t,
                            const char *cwd, const char *gpath, char *out, size_t outlen);

#endif /* SYMUNIX_SHM_NAMES_H */
