/*
 * store.c — the store root: the host directory that is the guest's "/", the
 * resolution of guest path names inside it, and the registry of global
 * segments (<root>/.symunix/gseg/, hidden from guest paths; see "The global
 * segment registry" below and docs/store.md).
 *
 * Every lookup is confined to the root. Where the host has openat2(2), it goes
 * through openat2 with RESOLVE_IN_ROOT relative to an O_PATH fd of the root,
 * so the kernel itself clamps "..", interprets absolute symlinks against the
 * root and defeats rename/symlink races. Where it has not (Linux < 5.6,
 * valgrind) or SYMUNIX_NO_OPENAT2=1 asks, a component-by-component walk with
 * O_NOFOLLOW gives the same answers (see "Resolution" below).
 */
#include "shm/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Tries of a lookup that fails with EAGAIN (see resolve_open). */
#define OPENAT2_TRIES 16

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
    struct dcache *dc; /* validated directories (store_dir_open), NULL: off */
};

static const char *const devices[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                      "/dev/random", "/dev/urandom", "/dev/tty"};

/* ---- Opening the root ---------------------------------------------------- */

/* One openat2 call relative to dirfd with the root-confining resolve flags. */
static int openat2_once(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (unsigned)flags,
        .mode = mode,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd < 0 ? -errno : (int)fd;
}

/* Host path that host fd `fd` refers to; 0 or a negative errno. */
static int fd_host_path(int fd, char *out, size_t outlen)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, outlen);
    if (n < 0) return -errno;
    if ((size_t)n >= outlen) return -ENAMETOOLONG;
    out[n] = '\0';
    return 0;
}

/* Format a one-line reason and return err. */
static int fail(char *err, size_t errlen, int e, const char *root, const char *why)
{
    if (err && errlen) snprintf(err, errlen, "%s: %s", root, why ? why : strerror(-e));
    return e;
}

/* Check that the opened root is a usable, writable directory. */
static int check_root(const char *root, int fd, struct stat *stp, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return fail(err, errlen, -errno, root, NULL);
    *stp = st;
    if (!S_ISDIR(st.st_mode)) return fail(err, errlen, -ENOTDIR, root, "not a directory");
    /* access(2) honours read-only mounts even for root, which is the case
     * a privileged user can hit. */
    if (access(root, W_OK | X_OK) < 0) {
        int e = -errno;
        char why[128];
        snprintf(why, sizeof why, "not writable (%s)", strerror(-e));
        return fail(err, errlen, e, root, why);
    }
    return 0;
}

/*
 * Pick the resolver once: walk mode when SYMUNIX_NO_OPENAT2 is set (and not
 * "0"), or when a probe openat2 fails with ENOSYS (Linux < 5.6, valgrind) or
 * EPERM (a seccomp filter that refuses syscalls it does not know); otherwise
 * openat2. Sets *walk; 0 or a negative errno.
 */
static int pick_resolver(const char *root, int fd, int *walk, char *err, size_t errlen)
{
    const char *force = getenv("SYMUNIX_NO_OPENAT2");
    *walk = force && force[0] && strcmp(force, "0") != 0;
    if (*walk) return 0;
    int probe = openat2_once(fd, ".", O_PATH | O_CLOEXEC, 0);
    if (probe == -ENOSYS || probe == -EPERM) {
        *walk = 1;
        return 0;
    }
    if (probe < 0) return fail(err, errlen, probe, root, NULL);
    close(probe);
    return 0;
}

static void dc_init(struct store *s);
static void dc_free(struct store *s);

int store_open(const char *root, int create, struct store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (create && mkdir(root, 0755) < 0 && errno != EEXIST)
        return fail(err, errlen, -errno, root, NULL);
    int fd = open(root, O_PATH | O_CLOEXEC);
    if (fd < 0) return fail(err, errlen, -errno, root, NULL);
    struct stat st = {0};
    int walk = 0;
    int e = check_root(root, fd, &st, err, errlen);
    if (e == 0) e = pick_resolver(root, fd, &walk, err, errlen);
    struct store *s = NULL;
    char real[PATH_MAX];
    if (e == 0 && (e = fd_host_path(fd, real, sizeof real)) < 0) fail(err, errlen, e, root, NULL);
    if (e == 0 && !(s = calloc(1, sizeof *s))) e = fail(err, errlen, -ENOMEM, root, NULL);
    if (e == 0 && (!(s->root = strdup(root)) || !(s->real = strdup(real))))
        e = fail(err, errlen, -ENOMEM, root, NULL);
    if (e < 0) {
        if (s) {
            free(s->root);
            free(s);
        }
        close(fd);
        return e;
    }
    s->rootfd = fd;
    s->gsegfd = -1;
    s->walk = walk;
    s->rootid = (struct dirid){st.st_dev, st.st_ino};
    dc_init(s);
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s) return;
    dc_free(s);
    if (s->gsegfd >= 0) close(s->gsegfd);
    free(s->made);
    close(s->rootfd);
    free(s->root);
    free(s->real);
    free(s);
}

int store_uses_openat2(const struct store *s)
{
    return !s->walk;
}

const char *store_root_path(const struct store *s)
{
    return s->root;
}

int store_root_fd(const struct store *s)
{
    return s->rootfd;
}

/* ---- Path strings --------------------------------------------------------- */

/* An absolute path under construction: "/" plus components joined by '/'. */
struct pbuf {
    char *s;
    size_t len, cap;
    int err;
};

static void pb_pop(struct pbuf *b)
{
    while (b->len > 1 && b->s[b->len - 1] != '/')
        b->len--;
    if (b->len > 1) b->len--; /* the separator */
    b->s[b->len] = '\0';
}

static void pb_push(struct pbuf *b, const char *c, size_t n)
{
    size_t need = (b->len > 1) + n;
    if (b->len + need + 1 > b->cap) {
        b->err = -ENAMETOOLONG;
        return;
    }
    if (b->len > 1) b->s[b->len++] = '/';
    memcpy(b->s + b->len, c, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/*
 * Append the components of `path`. "." is dropped unless it ends the path and
 * we keep it (join keeps a final "." since "dir/." must name a directory);
 * ".." is folded when `fold` is set, else kept for the resolver.
 */
static void pb_walk(struct pbuf *b, const char *path, int fold)
{
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *c = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - c);
        const char *rest = p;
        while (*rest == '/')
            rest++;
        int final = (*rest == '\0');
        if (n == 0) continue;
        if (n == 1 && c[0] == '.' && (fold || !final)) continue;
        if (fold && n == 2 && c[0] == '.' && c[1] == '.')
            pb_pop(b);
        else
            pb_push(b, c, n);
    }
}

/* Shared body of store_path_join and store_path_norm. */
static int build(const char *base, const char *path, char *out, size_t outlen, int fold)
{
    if (outlen < 2) return -ENAMETOOLONG;
    if (path[0] == '\0') return -ENOENT;
    struct pbuf b = {out, 1, outlen, 0};
    out[0] = '/';
    out[1] = '\0';
    if (path[0] != '/') pb_walk(&b, base, fold);
    pb_walk(&b, path, fold);
    size_t plen = strlen(path);
    if (!fold && b.err == 0 && b.len > 1 && path[plen - 1] == '/')
        pb_push(&b, "", 0); /* keeps the trailing '/' */
    return b.err;
}

int store_path_join(const char *base, const char *path, char *out, size_t outlen)
{
    return build(base, path, out, outlen, 0);
}

int store_path_norm(const char *base, const char *path, char *out, size_t outlen)
{
    return build(base, path, out, outlen, 1);
}

const char *store_device_path(const char *gpath)
{
    if (strncmp(gpath, "/dev/", 5) != 0) return NULL;
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        if (strcmp(gpath, devices[i]) == 0) return devices[i];
    return NULL;
}

/* ---- Resolution ------------------------------------------------------------ */

/*
 * Two resolvers, one contract: for every guest path both give the same answer
 * (an fd of the same file, or the same errno), and neither ever reaches a host
 * file outside the root.
 *
 *  - openat2 mode (the default): the host kernel walks the whole path with
 *    RESOLVE_IN_ROOT, clamping ".." and absolute symlinks to the root.
 *  - walk mode (host without openat2 — Linux < 5.6, valgrind — or forced by
 *    SYMUNIX_NO_OPENAT2=1): walk_open below walks the path one component at a
 *    time and interprets symlinks and ".." itself.
 *
 * Walk-mode invariant: the current directory `cur` is always an O_PATH fd of a
 * directory inside the root, because it is either the root or was reached
 * from one inside by
 *   - openat(cur, name, O_PATH|O_NOFOLLOW) of a single component that is not
 *     "." or "..": the host follows no symlink and cannot leave cur; or
 *   - openat(cur, "..") below the root, accepted only when the result is the
 *     very directory (st_dev, st_ino) we stepped down from — else a rename
 *     raced us and the walk ends with EAGAIN (retried, as openat2 does).
 * Symlinks are read (readlinkat on the O_PATH fd) and their target spliced in
 * front of the rest of the path; an absolute target restarts at the root.
 * The caller's open happens last, as openat(cur, name, flags|O_NOFOLLOW): a
 * symlink swapped in there makes it fail (ELOOP) instead of being followed.
 */

/* Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define WALK_MAXLINKS 40

/* State of one walk-mode lookup. */
struct walk {
    int rootfd;
    int cur;           /* O_PATH fd of the current directory: rootfd or owned */
    struct dirid *stk; /* stk[0] the root ... stk[n-1] the current directory */
    size_t n, cap;
};

/* Make fd (owned, or rootfd) the current directory. */
static void walk_set(struct walk *w, int fd)
{
    if (w->cur != w->rootfd) close(w->cur);
    w->cur = fd;
}

/* Back to the root, as for an absolute path or symlink target. */
static void walk_to_root(struct walk *w)
{
    walk_set(w, w->rootfd);
    w->n = 1;
}

/* Step down into directory fd (owned; closed on failure) described by sb. */
static int walk_down(struct walk *w, int fd, const struct stat *sb)
{
    if (w->n == w->cap) {
        size_t cap = w->cap * 2;
        struct dirid *stk = realloc(w->stk, cap * sizeof *stk);
        if (!stk) {
            close(fd);
            return -ENOMEM;
        }
        w->stk = stk;
        w->cap = cap;
    }
    w->stk[w->n++] = (struct dirid){sb->st_dev, sb->st_ino};
    walk_set(w, fd);
    return 0;
}

/* "..": stays at the root; below it, goes to the directory we came from. */
static int walk_up(struct walk *w)
{
    if (w->n == 1) return 0;
    int fd = openat(w->cur, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat sb;
    const struct dirid *up = &w->stk[w->n - 2];
    int e = fstat(fd, &sb) < 0 ? -errno : 0;
    if (e == 0 && (sb.st_dev != up->dev || sb.st_ino != up->ino)) e = -EAGAIN;
    if (e < 0) {
        close(fd);
        return e;
    }
    w->n--;
    walk_set(w, fd);
    return 0;
}

/* Target of the symlink open at O_PATH fd `fd` into target[PATH_MAX]: its
 * length (> 0) or a negative errno (an empty target names nothing: ENOENT). */
static int link_target(int fd, char *target)
{
    ssize_t n = readlinkat(fd, "", target, PATH_MAX - 1);
    if (n < 0) return -errno;
    if (n == 0) return -ENOENT;
    target[n] = '\0';
    return (int)n;
}

/*
 * Look up `name`, not the last component, in the current directory without
 * following it: a directory becomes the current directory (0), a symlink's
 * target is read into target (its length), anything else is ENOTDIR.
 */
static int walk_step(struct walk *w, const char *name, char *target)
{
    int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat sb;
    int r = fstat(fd, &sb) < 0 ? -errno : 0;
    if (r == 0 && S_ISDIR(sb.st_mode)) return walk_down(w, fd, &sb);
    if (r == 0) r = S_ISLNK(sb.st_mode) ? link_target(fd, target) : -ENOTDIR;
    close(fd);
    return r;
}

/*
 * The caller's open of the last component `name` in the current directory.
 * The host never follows it (O_NOFOLLOW). When following is wanted and the
 * name turns out to be a symlink, its target is read into target and its
 * length returned in *linklen (fd result then meaningless); else *linklen = 0
 * and the result is the host's answer: an fd or a negative errno.
 */
static int walk_last(struct walk *w, const char *name, int trailing_slash, int flags, mode_t mode,
                     char *target, int *linklen)
{
    *linklen = 0;
    /* Linux: a trailing '/' follows and demands a directory; never creates. */
    int follow = trailing_slash || !(flags & O_NOFOLLOW);
    if (trailing_slash && (flags & O_CREAT)) return -EISDIR;
    if (trailing_slash) flags |= O_DIRECTORY;
    int fd = openat(w->cur, name, flags | O_NOFOLLOW, mode);
    if (fd < 0) fd = -errno;
    if (!follow) return fd;
    /* Signs of a symlink under O_NOFOLLOW: ELOOP; ENOTDIR with O_DIRECTORY;
     * success with O_PATH (the fd is the link). */
    int lfd = -1;
    struct stat sb;
    if (fd >= 0 && (flags & O_PATH))
        lfd = fd;
    else if (fd == -ELOOP || (fd == -ENOTDIR && (flags & O_DIRECTORY)))
        lfd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (lfd < 0 || fstat(lfd, &sb) < 0 || !S_ISLNK(sb.st_mode)) {
        if (lfd >= 0 && lfd != fd) close(lfd);
        return fd; /* not a symlink: the host's answer stands */
    }
    int n = link_target(lfd, target);
    close(lfd);
    if (n < 0) return n;
    *linklen = n;
    return 0;
}

/* Splice a symlink target in front of `rest` ("" or starting with '/'),
 * replacing *buf; the new remaining path, or NULL (out of memory). */
static char *splice_link(char **buf, const char *target, size_t tlen, const char *rest)
{
    size_t rlen = strlen(rest);
    char *p = malloc(tlen + rlen + 1);
    if (!p) return NULL;
    memcpy(p, target, tlen);
    memcpy(p + tlen, rest, rlen + 1);
    free(*buf);
    *buf = p;
    return p;
}

/* Walk-mode open of `path` (absolute or root-relative) inside the root. */
static int walk_open(const struct store *s, const char *path, int flags, mode_t mode)
{
    if (path[0] == '\0') return -ENOENT;
    struct walk w = {.rootfd = s->rootfd, .cur = s->rootfd, .n = 1, .cap = 16};
    if (!(w.stk = malloc(w.cap * sizeof *w.stk))) return -ENOMEM;
    w.stk[0] = s->rootid;
    char *buf = NULL;      /* the remaining path once a symlink was spliced in */
    char name[PATH_MAX];   /* one component (the host judges its length) */
    char target[PATH_MAX]; /* a symlink's target */
    const char *p = path;
    int links = 0, r;
    for (;;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        memcpy(name, p, n);
        name[n] = '\0';
        p += n; /* p: what follows the component, "" or "/..." */
        const char *q = p + strspn(p, "/");
        int last = (*q == '\0'), trailing_slash = last && *p == '/';
        int dot = n == 0 || strcmp(name, ".") == 0, dotdot = strcmp(name, "..") == 0;
        if (dot || dotdot) {
            /* "", ".", "..": a directory we reach without a name lookup. */
            if (dotdot && (r = walk_up(&w)) < 0) break;
            if (!last) continue;
            r = openat(w.cur, ".", flags, mode);
            if (r < 0) r = -errno;
            break;
        }
        int len;
        if (last) {
            r = walk_last(&w, name, trailing_slash, flags, mode, target, &len);
            if (len == 0) break;
        } else {
            r = len = walk_step(&w, name, target);
            if (r < 0) break;
            if (len == 0) continue;
        }
        /* A symlink to follow: its target replaces it in the path. */
        if (++links > WALK_MAXLINKS) {
            r = -ELOOP;
            break;
        }
        if (!(p = splice_link(&buf, target, (size_t)len, p))) {
            r = -ENOMEM;
            break;
        }
        if (target[0] == '/') walk_to_root(&w);
    }
    walk_set(&w, w.rootfd);
    free(w.stk);
    free(buf);
    return r;
}

/* Open `path` inside the root with the store's resolver. EAGAIN means a
 * concurrent rename made ".." unsafe to check; the openat2 man page says to
 * retry. Past OPENAT2_TRIES tries it is returned. */
static int resolve_open1(const struct store *s, const char *path, int flags, mode_t mode)
{
    for (int tries = 1;; tries++) {
        int fd =
            s->walk ? walk_open(s, path, flags, mode) : openat2_once(s->rootfd, path, flags, mode);
        if (fd != -EAGAIN || tries == OPENAT2_TRIES) return fd;
    }
}

/* Does host path `host` name the hidden directory or something under it? */
static int is_hidden_host(const struct store *s, const char *host)
{
    size_t rl = strcmp(s->real, "/") == 0 ? 0 : strlen(s->real);
    size_t hl = sizeof STORE_HIDDEN_DIR - 1;
    if (strncmp(host, s->real, rl) != 0 || host[rl] != '/') return 0;
    host += rl + 1;
    return strncmp(host, STORE_HIDDEN_DIR, hl) == 0 && (host[hl] == '\0' || host[hl] == '/');
}

/* Is guest path gpath lexically inside the hidden directory? */
static int is_hidden_gpath(const char *gpath)
{
    char norm[PATH_MAX];
    if (store_path_norm("/", gpath, norm, sizeof norm) != 0) return 0;
    size_t hl = sizeof STORE_HIDDEN_DIR - 1;
    return strncmp(norm + 1, STORE_HIDDEN_DIR, hl) == 0 &&
           (norm[1 + hl] == '\0' || norm[1 + hl] == '/');
}

/* resolve_open1, refusing the hidden directory (-EACCES): by the name before
 * the host call (so nothing is created there), and by where the result is
 * (a symlink may lead there). */
static int resolve_open(const struct store *s, const char *path, int flags, mode_t mode)
{
    if (is_hidden_gpath(path)) return -EACCES;
    int fd = resolve_open1(s, path, flags, mode);
    if (fd < 0) return fd;
    char host[PATH_MAX];
    if (fd_host_path(fd, host, sizeof host) == 0 && is_hidden_host(s, host)) {
        close(fd);
        return -EACCES;
    }
    return fd;
}

int store_path_open(struct store *s, const char *gpath, int flags, mode_t mode)
{
    char norm[PATH_MAX];
    const char *dev = NULL;
    if (strlen(gpath) >= PATH_MAX) return -ENAMETOOLONG;
    if (store_path_norm("/", gpath, norm, sizeof norm) == 0) dev = store_device_path(norm);
    flags |= O_CLOEXEC | O_NOCTTY;
    /* openat2 refuses what openat silently drops; mimic openat (both modes). */
    if (flags & O_PATH) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if (!(flags & O_CREAT) && (flags & __O_TMPFILE) != __O_TMPFILE) mode = 0;
    mode &= 07777;
    if (dev) {
        int fd = open(dev, flags, mode);
        return fd < 0 ? -errno : fd;
    }
    return resolve_open(s, gpath, flags, mode);
}

int store_path_lookup(struct store *s, const char *gpath, int nofollow)
{
    if (strlen(gpath) >= PATH_MAX) return -ENAMETOOLONG;
    return resolve_open(s, gpath, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0);
}

/* ---- The directory cache (store_dir_open) ---------------------------------- */

/*
 * A node's cache of directories the resolver reached, so that open(dir,
 * SYM_O_ANON) need not walk the directory's path on the host again
 * (docs/store.md, "The directory cache"). An entry maps a guest path string,
 * exactly as given, to the O_PATH fd resolve_open gave for it and that
 * directory's identity. It also keeps the path's chain: the directories a
 * walk of it looks a name up in (the root, then each directory on the way;
 * not the last one, of which an O_PATH open asks nothing), every one watched
 * by the store's inotify fd for a change that could make the path name
 * something else or fail otherwise: the name looked up in it created,
 * deleted or moved (rename, unlink, rmdir, mkdir, symlink, link), its own or
 * that name's attributes changed (chmod, chown, setxattr: search
 * permission), the directory itself deleted or moved.
 *
 * Why a hit gives exactly what resolve_open would give now:
 *  1. Only paths with no "." or ".." component are cached, and only when a
 *     component-by-component walk from the root with O_NOFOLLOW reaches the
 *     same directory (st_dev, st_ino) as resolve_open: no symlink and no ".."
 *     lay on that walk, so it crossed what the in-root walk (openat2
 *     RESOLVE_IN_ROOT, or walk_open) crosses for the same names.
 *  2. Each chain directory is watched before its name is looked up in it,
 *     and resolve_open runs after the last watch; the host queues an inotify
 *     event inside the call that changes a watched directory, by any process
 *     of this host, before that call returns. So if resolve_open took
 *     another way (a symlink swapped in meanwhile), an event says so.
 *  3. A miss reads the queue after resolve_open and a lookup reads it first
 *     (one non-blocking read, EAGAIN when nothing changed); every entry whose
 *     chain an event touches is dropped (an overflowed queue drops all). An
 *     entry thus lives only while its chain is as it was when resolve_open
 *     ran, so resolve_open would cross the same names to the same directory
 *     with the same permissions now.
 * A hit can never reach outside the root: its fd is the one resolve_open
 * gave (inside the root, not the hidden directory), and its path still
 * leads there the same way. Not seen by inotify: mounts made under the root
 * while the store is open, and changes made by another host through a
 * network file system; so the cache is used only on local file systems
 * (ext2/3/4, xfs, btrfs, tmpfs), and SYMUNIX_NO_DIRCACHE=1 turns it off.
 */
#define DC_ENTRIES    32   /* entries; the least recently used is replaced */
#define DC_DEPTH      16   /* components of a cacheable path */
#define DC_WATCH_ADDS 4096 /* inotify_add_watch calls before a fresh start */
#define DC_MASK                                                                                    \
    (IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |            \
     IN_MOVE_SELF | IN_ONLYDIR)

struct dc_entry {
    char *path;    /* the key, as given; NULL: a free slot */
    uint64_t hash; /* of path (dc_hash) */
    int fd;        /* O_PATH|O_DIRECTORY, from resolve_open */
    int stale;     /* an event touched the chain: dropped by dc_sweep */
    struct dirid id;
    int n;                   /* chain directories: one per component of the path */
    int wd[DC_DEPTH];        /* their watches */
    uint16_t name[DC_DEPTH]; /* name[i], nlen[i]: the name looked up in chain dir i */
    uint16_t nlen[DC_DEPTH];
    uint64_t used; /* LRU clock */
};

struct dcache {
    int ifd;        /* inotify (non-blocking), -1 until the first miss */
    unsigned adds;  /* inotify_add_watch calls on ifd */
    uint64_t clock; /* LRU */
    int nstale;     /* entries marked stale, not swept yet */
    /* Hashes of the last paths dc_chain refused (a symlink on the way, ...):
     * not walked again on their next misses until an event or a reset. */
    uint64_t nochain[8];
    unsigned nochain_at;
    struct store_dir_stats st;
    struct dc_entry e[DC_ENTRIES];
};

/* Local file systems, where inotify sees every change (statfs(2) magics). */
static int dc_local(int fd)
{
    static const long types[] = {0xEF53 /* ext2/3/4 */, 0x58465342 /* xfs */,
                                 0x9123683E /* btrfs */, 0x01021994 /* tmpfs */};
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0) return 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if ((long)sf.f_type == types[i]) return 1;
    return 0;
}

static void dc_init(struct store *s)
{
    const char *off = getenv("SYMUNIX_NO_DIRCACHE");
    if ((off && off[0] && strcmp(off, "0") != 0) || !dc_local(s->rootfd)) return;
    s->dc = calloc(1, sizeof *s->dc); /* NULL: no cache, not an error */
    if (s->dc) s->dc->ifd = -1;
}

static void dc_drop(struct dc_entry *e)
{
    if (e->fd >= 0) close(e->fd);
    free(e->path);
    e->path = NULL;
    e->stale = 0;
}

/* Forget every entry and every watch. */
static void dc_reset(struct dcache *dc)
{
    for (int i = 0; i < DC_ENTRIES; i++)
        if (dc->e[i].path) dc_drop(&dc->e[i]);
    if (dc->ifd >= 0) close(dc->ifd);
    dc->ifd = -1;
    dc->adds = 0;
    dc->nstale = 0;
    memset(dc->nochain, 0, sizeof dc->nochain);
}

static void dc_free(struct store *s)
{
    if (!s->dc) return;
    dc_reset(s->dc);
    free(s->dc);
    s->dc = NULL;
}

/* Mark the entries event ev touches: a self event (no name) of a chain
 * directory, or one naming the component the chain looks up in it. */
static void dc_event(struct dcache *dc, const struct inotify_event *ev)
{
    size_t len = ev->len ? strnlen(ev->name, ev->len) : 0;
    for (int k = 0; k < DC_ENTRIES; k++) {
        struct dc_entry *e = &dc->e[k];
        if (!e->path || e->stale) continue;
        int stale = ev->wd < 0 || (ev->mask & IN_Q_OVERFLOW);
        for (int i = 0; i < e->n && !stale; i++)
            if (e->wd[i] == ev->wd &&
                (!len || (e->nlen[i] == len && memcmp(e->path + e->name[i], ev->name, len) == 0)))
                stale = 1;
        if (stale) {
            e->stale = 1;
            dc->nstale++;
        }
    }
}

/* Read the events queued so far and mark the entries they touch. A read
 * error forgets everything (the queue can no longer be trusted). */
static void dc_poll(struct dcache *dc)
{
    union {
        struct inotify_event ev;
        char b[4096];
    } u;
    const size_t most = sizeof(struct inotify_event) + NAME_MAX + 1;
    for (;;) {
        ssize_t n = read(dc->ifd, u.b, sizeof u.b);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            dc_reset(dc);
            return;
        }
        memset(dc->nochain, 0, sizeof dc->nochain); /* a refused path may do now */
        for (ssize_t at = 0; at + (ssize_t)sizeof(struct inotify_event) <= n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(u.b + at);
            dc_event(dc, ev);
            at += (ssize_t)(sizeof *ev + ev->len);
        }
        if ((size_t)n + most <= sizeof u.b) return; /* the queue was emptied */
    }
}

/* Drop the stale entries. */
static void dc_sweep(struct dcache *dc)
{
    if (!dc->nstale) return;
    dc->nstale = 0;
    for (int i = 0; i < DC_ENTRIES; i++)
        if (dc->e[i].path && dc->e[i].stale) {
            dc_drop(&dc->e[i]);
            dc->st.invalidated++;
        }
}

/* FNV-1a of a path: compared before the strings. */
static uint64_t dc_hash(const char *p)
{
    uint64_t h = 0xcbf29ce484222325ull;
    while (*p)
        h = (h ^ (unsigned char)*p++) * 0x100000001b3ull;
    return h;
}

/* Watch directory fd; its watch descriptor or -1. */
static int dc_watch(struct dcache *dc, int fd)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    dc->adds++;
    return inotify_add_watch(dc->ifd, link, DC_MASK);
}

/*
 * Walk `path` from the root one component at a time (O_NOFOLLOW), watching
 * each directory before looking the next name up in it, and fill e's chain;
 * *end gets the identity of the directory reached. 0, or -1 when the path
 * cannot be cached (a ".", ".." or symlink component, too deep, or a host
 * error: then resolve_open alone answers), -2 when the host has no inotify
 * watch left (ENOSPC: fs.inotify.max_user_watches).
 */
static int dc_chain(struct store *s, const char *path, struct dc_entry *e, struct dirid *end)
{
    struct dcache *dc = s->dc;
    int cur = s->rootfd, rc = -1;
    char comp[NAME_MAX + 1];
    e->n = 0;
    for (const char *p = path;;) {
        while (*p == '/')
            p++;
        if (!*p) break;
        const char *c = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - c);
        if (n > NAME_MAX || (c[0] == '.' && (n == 1 || (n == 2 && c[1] == '.'))) ||
            e->n == DC_DEPTH)
            goto out;
        memcpy(comp, c, n);
        comp[n] = '\0';
        e->name[e->n] = (uint16_t)(c - path);
        e->nlen[e->n] = (uint16_t)n;
        if ((e->wd[e->n++] = dc_watch(dc, cur)) < 0) { /* before the lookup */
            if (errno == ENOSPC || errno == ENOMEM) rc = -2;
            goto out;
        }
        int next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (cur != s->rootfd) close(cur);
        if ((cur = next) < 0) goto out;
    }
    struct stat st;
    if (fstat(cur, &st) == 0) {
        *end = (struct dirid){st.st_dev, st.st_ino};
        rc = 0;
    }
out:
    if (cur >= 0 && cur != s->rootfd) close(cur);
    return rc;
}

/* The slot for a new entry: a free one, else the least recently used. */
static struct dc_entry *dc_slot(struct dcache *dc)
{
    struct dc_entry *old = &dc->e[0];
    for (int i = 0; i < DC_ENTRIES; i++) {
        if (!dc->e[i].path) return &dc->e[i];
        if (dc->e[i].used < old->used) old = &dc->e[i];
    }
    dc_drop(old);
    return old;
}

/* A miss: resolve gpath and, when it can be cached, keep it (see above). */
static int dc_miss(struct store *s, const char *gpath, struct store_dir *out)
{
    struct dcache *dc = s->dc;
    struct dc_entry tmp;
    struct dirid end = {0, 0};
    int chained = -1;
    uint64_t h = dc_hash(gpath);
    if (dc && dc->adds > DC_WATCH_ADDS) dc_reset(dc);
    if (dc && dc->ifd < 0) dc->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int refused = 0;
    for (unsigned i = 0; dc && i < 8; i++)
        refused |= dc->nochain[i] == h;
    if (dc && dc->ifd >= 0 && !refused && strlen(gpath) <= UINT16_MAX) {
        chained = dc_chain(s, gpath, &tmp, &end);
        if (chained == -1) dc->nochain[dc->nochain_at++ % 8] = h;
    }
    if (dc && (dc->ifd < 0 || chained == -2)) { /* out of inotify instances or watches */
        dc_free(s);                             /* off for good: no host call wasted */
        dc = NULL;
        chained = -1;
    }
    int fd = store_path_open(s, gpath, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) return fd;
    *out = (struct store_dir){.fd = fd, .owned = 1};
    struct stat st;
    if (chained < 0 || fstat(fd, &st) < 0 || end.dev != st.st_dev || end.ino != st.st_ino) return 0;
    out->dev = st.st_dev;
    out->ino = st.st_ino;
    struct dc_entry *e = dc_slot(dc);
    *e = tmp;
    if (!(e->path = strdup(gpath))) return 0;
    e->hash = h;
    e->fd = -1; /* the caller's until the entry proves fresh */
    e->stale = 0;
    e->id = end;
    e->used = ++dc->clock;
    dc_poll(dc); /* what changed since the watches were set */
    dc_sweep(dc);
    if (e->path) {
        e->fd = fd;
        out->owned = 0;
    }
    return 0;
}

int store_dir_open(struct store *s, const char *gpath, struct store_dir *out)
{
    struct dcache *dc = s->dc;
    if (dc && dc->ifd >= 0) {
        dc_poll(dc);
        dc_sweep(dc);
        uint64_t h = dc_hash(gpath);
        for (int i = 0; i < DC_ENTRIES; i++) {
            struct dc_entry *e = &dc->e[i];
            if (!e->path || e->hash != h || strcmp(e->path, gpath) != 0) continue;
            e->used = ++dc->clock;
            dc->st.hits++;
            *out = (struct store_dir){.fd = e->fd, .owned = 0, .dev = e->id.dev, .ino = e->id.ino};
            return 0;
        }
    }
    if (dc) dc->st.misses++;
    return dc_miss(s, gpath, out);
}

void store_dir_stats(const struct store *s, struct store_dir_stats *out)
{
    *out = s->dc ? s->dc->st : (struct store_dir_stats){0};
}

static int is_dot_or_dotdot(const char *c, size_t n)
{
    return (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.');
}

int store_path_parent(struct store *s, const char *gpath, char *last, size_t lastlen,
                      int *trailing_slash)
{
    size_t len = strlen(gpath);
    if (len >= PATH_MAX) return -ENAMETOOLONG;
    if (len == 0) return -ENOENT;
    size_t end = len;
    while (end > 0 && gpath[end - 1] == '/')
        end--;
    if (trailing_slash) *trailing_slash = (end < len);
    size_t slash = end;
    while (slash > 0 && gpath[slash - 1] != '/')
        slash--;
    const char *comp = gpath + slash;
    size_t n = end - slash;
    if (lastlen < 2) return -ENAMETOOLONG;
    if (n == 0 || is_dot_or_dotdot(comp, n)) {
        /* The root, or a name that is a directory by definition: let the
         * resolver open it, and operate on "." inside it. */
        strcpy(last, ".");
        return resolve_open(s, n == 0 ? "/" : gpath, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }
    if (n >= lastlen) return -ENAMETOOLONG;
    memcpy(last, comp, n);
    last[n] = '\0';
    char parent[PATH_MAX];
    memcpy(parent, gpath, slash);
    parent[slash] = '\0';
    int fd = resolve_open(s, slash == 0 ? "." : parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    struct stat st;
    if (fd >= 0 && strcmp(last, STORE_HIDDEN_DIR) == 0 && fstat(fd, &st) == 0 &&
        st.st_dev == s->rootid.dev && st.st_ino == s->rootid.ino) {
        close(fd); /* the hidden directory's own name in the root */
        return -EACCES;
    }
    return fd;
}

int store_path_of_fd(const struct store *s, int hostfd, char *out, size_t outlen)
{
    char host[PATH_MAX];
    int e = fd_host_path(hostfd, host, sizeof host);
    if (e < 0) return e;
    if (host[0] != '/') return -ENOENT; /* pipe:[...], anon_inode:... */
    size_t hl = strlen(host), rl = strlen(s->real);
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof deleted - 1;
    if (hl >= dl && strcmp(host + hl - dl, deleted) == 0) return -ENOENT;
    const char *rest;
    if (strcmp(s->real, "/") == 0)
        rest = host;
    else if (strncmp(host, s->real, rl) == 0 && (host[rl] == '\0' || host[rl] == '/'))
        rest = host + rl;
    else
        return -ENOENT;
    if (rest[0] == '\0') rest = "/";
    if (strlen(rest) >= outlen) return -ENAMETOOLONG;
    strcpy(out, rest);
    return 0;
}

int store_dir_of_fd(const struct store *s, int dirfd, char *out, size_t outlen)
{
    int r = store_path_of_fd(s, dirfd, out, outlen);
    if (r < 0) return r;
    return is_hidden_gpath(out) ? -EACCES : 0;
}

/* ---- The global segment registry ------------------------------------------
 *
 * <root>/.symunix/gseg/<id as 6 hex digits> is a hard link to the image file
 * of global segment id (1 .. STORE_GSEG_MAX). Registration probes from a hash
 * of the file's (st_dev, st_ino): linkat creating the name is the atomic
 * allocation across ranks (EEXIST: the id is taken; if by the same file, it is
 * this file's id, else the next id is tried), and any rank opens the file by
 * its id. Entries are never removed while a job runs (a probe chain must not
 * break), only by store_gseg_cleanup at the job's end, by the store object
 * that made them. */

uint64_t store_gseg_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)dev * 0x9e3779b97f4a7c15ull ^ (uint64_t)ino;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h % STORE_GSEG_MAX + 1;
}

static void gseg_name(uint64_t id, char name[16])
{
    snprintf(name, 16, "%06llx", (unsigned long long)id);
}

/* The registry directory's fd, made on first use when `create` (else
 * -ENOENT while there is none). */
static int gseg_dir(struct store *s, int create)
{
    if (s->gsegfd >= 0) return s->gsegfd;
    int fd =
        openat(s->rootfd, STORE_HIDDEN_DIR "/gseg", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || !create) return fd < 0 ? -errno : (s->gsegfd = fd);
    if (mkdirat(s->rootfd, STORE_HIDDEN_DIR, 0700) < 0 && errno != EEXIST) return -errno;
    if (mkdirat(s->rootfd, STORE_HIDDEN_DIR "/gseg", 0700) < 0 && errno != EEXIST) return -errno;
    fd = openat(s->rootfd, STORE_HIDDEN_DIR "/gseg", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    s->gsegfd = fd;
    return fd;
}

/* Is entry id the file (dev, ino)? 1 yes, 0 another file, -ENOENT none. */
static int gseg_is(int dir, uint64_t id, const struct stat *want)
{
    char name[16];
    struct stat st;
    gseg_name(id, name);
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
    return st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

int store_gseg_register_from(struct store *s, int hostfd, uint64_t start, uint64_t *id)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    if (!S_ISREG(st.st_mode)) return -ENODEV;
    if (start < 1 || start > STORE_GSEG_MAX) return -EINVAL;
    int dir = gseg_dir(s, 1);
    if (dir < 0) return dir;
    char src[64], name[16];
    snprintf(src, sizeof src, "/proc/self/fd/%d", hostfd);
    uint64_t g = start;
    for (uint64_t tries = 0; tries < STORE_GSEG_MAX; tries++, g = g % STORE_GSEG_MAX + 1) {
        int r = gseg_is(dir, g, &st);
        if (r == 1) {
            *id = g;
            return 0;
        }
        if (r == 0) continue;
        if (r != -ENOENT) return r;
        gseg_name(g, name);
        if (linkat(AT_FDCWD, src, dir, name, AT_SYMLINK_FOLLOW) < 0) {
            if (errno == EEXIST) { /* another rank just took it: look again */
                g = g == 1 ? STORE_GSEG_MAX : g - 1;
                continue;
            }
            return -errno;
        }
        if (s->nmade == s->capmade) {
            size_t nc = s->capmade ? s->capmade * 2 : 16;
            uint64_t *nm = realloc(s->made, nc * sizeof *nm);
            if (nm) s->made = nm, s->capmade = nc;
        }
        if (s->nmade < s->capmade) s->made[s->nmade++] = g;
        *id = g;
        return 0;
    }
    return -ENOSPC;
}

int store_gseg_register(struct store *s, int hostfd, uint64_t *id)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    return store_gseg_register_from(s, hostfd, store_gseg_hash(st.st_dev, st.st_ino), id);
}

int store_gseg_find(struct store *s, int hostfd, uint64_t *id)
{
    struct stat st;
    if (fstat(hostfd, &st) < 0) return -errno;
    int dir = gseg_dir(s, 0);
    if (dir == -ENOENT) return 0;
    if (dir < 0) return dir;
    uint64_t g = store_gseg_hash(st.st_dev, st.st_ino);
    for (uint64_t tries = 0; tries < STORE_GSEG_MAX; tries++, g = g % STORE_GSEG_MAX + 1) {
        int r = gseg_is(dir, g, &st);
        if (r == 1) {
            *id = g;
            return 1;
        }
        if (r == -ENOENT) return 0;
        if (r < 0) return r;
    }
    return 0;
}

int store_gseg_open(struct store *s, uint64_t id, int flags)
{
    int dir = gseg_dir(s, 0);
    if (dir < 0) return dir;
    char name[16];
    gseg_name(id, name);
    int fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

void store_gseg_cleanup(struct store *s)
{
    if (s->gsegfd < 0) return;
    for (size_t i = 0; i < s->nmade; i++) {
        char name[16];
        gseg_name(s->made[i], name);
        unlinkat(s->gsegfd, name, 0);
    }
    s->nmade = 0;
}

/* ---- The memory modules' callbacks: pages of global segments ---- */

#define GSEG_PAGE 4096u
#define GSEG_NFD  64 /* open files kept */

struct store_gseg_io {
    struct store *s;
    struct {
        uint64_t id; /* 0: empty */
        int fd;
    } fds[GSEG_NFD];
    unsigned next; /* the slot the next open replaces */
};

int store_gseg_io_new(struct store *s, struct store_gseg_io **out)
{
    struct store_gseg_io *io = calloc(1, sizeof *io);
    if (!io) return -ENOMEM;
    io->s = s;
    for (unsigned i = 0; i < GSEG_NFD; i++)
        io->fds[i].fd = -1;
    *out = io;
    return 0;
}

void store_gseg_io_free(struct store_gseg_io *io)
{
    if (!io) return;
    for (unsigned i = 0; i < GSEG_NFD; i++)
        if (io->fds[i].fd >= 0) close(io->fds[i].fd);
    free(io);
}

/* The open file of segment id (read-write, else read-only), or -errno. */
static int io_fd(struct store_gseg_io *io, uint64_t id)
{
    for (unsigned i = 0; i < GSEG_NFD; i++)
        if (io->fds[i].id == id) return io->fds[i].fd;
    int fd = store_gseg_open(io->s, id, O_RDWR);
    if (fd == -EACCES || fd == -EROFS) fd = store_gseg_open(io->s, id, O_RDONLY);
    if (fd < 0) return fd;
    unsigned k = io->next;
    io->next = (k + 1) % GSEG_NFD;
    if (io->fds[k].fd >= 0) close(io->fds[k].fd);
    io->fds[k].id = id, io->fds[k].fd = fd;
    return fd;
}

int store_gseg_fill(void *ctx, uint64_t seg, uint64_t page, void *buf)
{
    struct store_gseg_io *io = ctx;
    int fd = io_fd(io, seg);
    if (fd < 0) return fd;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    uint64_t off = page * GSEG_PAGE;
    if (off >= (uint64_t)st.st_size) return 0; /* beyond the end: zeros, no read */
    size_t got = 0;
    while (got < GSEG_PAGE) {
        ssize_t n = pread(fd, (char *)buf + got, GSEG_PAGE - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) break; /* the end: the rest stays zero */
        got += (size_t)n;
    }
    return 0;
}

int store_gseg_writeback(void *ctx, uint64_t seg, uint64_t page, const void *buf)
{
    struct store_gseg_io *io = ctx;
    int fd = io_fd(io, seg);
    if (fd < 0) return fd;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    uint64_t off = page * GSEG_PAGE, size = (uint64_t)st.st_size;
    if (off >= size) return 0; /* beyond the end (truncated): nothing to keep */
    size_t len = size - off < GSEG_PAGE ? (size_t)(size - off) : GSEG_PAGE, put = 0;
    while (put < len) {
        ssize_t n = pwrite(fd, (const char *)buf + put, len - put, (off_t)(off + put));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        put += (size_t)n;
    }
    return 0;
}
