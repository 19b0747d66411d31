/*
 * store.c — the store root: the host directory that is the guest's "/", and
 * the resolution of guest path names inside it. The directory cache
 * (store_dircache_open) is dircache.c's, the registry of global segments
 * (<root>/.symunix/gseg/, hidden from guest paths) gseg.c's; the three
 * share struct store (store_impl.h).
 *
 * Every lookup is confined to the root. Where the host has openat2(2), it goes
 * through openat2 with RESOLVE_IN_ROOT relative to an O_PATH fd of the root,
 * so the kernel itself clamps "..", interprets absolute symlinks against the
 * root and defeats rename/symlink races. Where it has not (Linux < 5.6,
 * valgrind) or SYMUNIX_NO_OPENAT2=1 asks, a component-by-component walk with
 * O_NOFOLLOW gives the same answers (see "Resolution" below).
 */
#include "shm/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Tries of a lookup that fails with EAGAIN (see resolve_open). */
#define OPENAT2_TRIES 16

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
    store_dircache_init(s);
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s) return;
    store_dircache_free(s);
    store_gseg_free(s);
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

const char *store_path_device(const char *gpath)
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
    if (store_path_norm("/", gpath, norm, sizeof norm) == 0) dev = store_path_device(norm);
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

int store_path_of_dir(const struct store *s, int dirfd, char *out, size_t outlen)
{
    int r = store_path_of_fd(s, dirfd, out, outlen);
    if (r < 0) return r;
    return is_hidden_gpath(out) ? -EACCES : 0;
}
