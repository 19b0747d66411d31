/*
 * store.c — the store root: the host directory that is the guest's "/", and
 * the resolution of guest path names inside it.
 *
 * Every lookup goes through openat2(2) with RESOLVE_IN_ROOT relative to an
 * O_PATH fd of the root, so the kernel itself clamps "..", interprets absolute
 * symlinks against the root and defeats rename/symlink races. Path strings are
 * only joined and cleaned here, never resolved by hand.
 */
#include "shm/store.h"

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

/* openat2 can fail with EAGAIN when a concurrent rename makes ".." unsafe to
 * check; the man page says to retry. Past this many tries it is returned. */
#define OPENAT2_TRIES 16

struct store {
    char *root; /* as given */
    char *real; /* host absolute path of the root, for store_path_of_fd */
    int rootfd; /* O_PATH|O_DIRECTORY */
};

static const char *const devices[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                      "/dev/random", "/dev/urandom", "/dev/tty"};

/* ---- Opening the root ---------------------------------------------------- */

/* openat2 relative to dirfd with the root-confining resolve flags. */
static int openat2_in(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (unsigned)flags,
        .mode = mode,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    for (int tries = 1;; tries++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        if (errno != EAGAIN || tries == OPENAT2_TRIES) return -errno;
    }
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
static int check_root(const char *root, int fd, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return fail(err, errlen, -errno, root, NULL);
    if (!S_ISDIR(st.st_mode)) return fail(err, errlen, -ENOTDIR, root, "not a directory");
    /* access(2) honours read-only mounts even for root, which is the case
     * a privileged user can hit. */
    if (access(root, W_OK | X_OK) < 0) {
        int e = -errno;
        char why[128];
        snprintf(why, sizeof why, "not writable (%s)", strerror(-e));
        return fail(err, errlen, e, root, why);
    }
    int probe = openat2_in(fd, ".", O_PATH | O_CLOEXEC, 0);
    if (probe == -ENOSYS)
        return fail(err, errlen, -ENOSYS, root, "host kernel lacks openat2 (Linux 5.6+ needed)");
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
    int e = check_root(root, fd, err, errlen);
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
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s) return;
    close(s->rootfd);
    free(s->root);
    free(s->real);
    free(s);
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

int store_path_open(struct store *s, const char *gpath, int flags, mode_t mode)
{
    char norm[PATH_MAX];
    const char *dev = NULL;
    if (strlen(gpath) >= PATH_MAX) return -ENAMETOOLONG;
    if (store_path_norm("/", gpath, norm, sizeof norm) == 0) dev = store_device_path(norm);
    flags |= O_CLOEXEC | O_NOCTTY;
    /* openat2 refuses what openat silently drops; mimic openat. */
    if (flags & O_PATH) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if (!(flags & O_CREAT) && (flags & __O_TMPFILE) != __O_TMPFILE) mode = 0;
    mode &= 07777;
    if (dev) {
        int fd = open(dev, flags, mode);
        return fd < 0 ? -errno : fd;
    }
    return openat2_in(s->rootfd, gpath, flags, mode);
}

int store_path_lookup(struct store *s, const char *gpath, int nofollow)
{
    if (strlen(gpath) >= PATH_MAX) return -ENAMETOOLONG;
    return openat2_in(s->rootfd, gpath, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0);
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
        return openat2_in(s->rootfd, n == 0 ? "/" : gpath, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }
    if (n >= lastlen) return -ENAMETOOLONG;
    memcpy(last, comp, n);
    last[n] = '\0';
    char parent[PATH_MAX];
    memcpy(parent, gpath, slash);
    parent[slash] = '\0';
    return openat2_in(s->rootfd, slash == 0 ? "." : parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
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
