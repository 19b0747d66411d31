/*
 * dircache.c — the store's directory cache: the directories open(dir,
 * SYM_O_ANON) names, kept with the O_PATH fd the resolver (store.c) gave,
 * while inotify reports no change on their path (store_dircache_open; why a hit
 * answers as the resolver would is below, and docs/store.md "The directory
 * cache").
 */
#include "shm/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* ---- The directory cache (store_dircache_open) ---------------------------------- */

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
    struct store_dircache_stats st;
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

void store_dircache_init(struct store *s)
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

void store_dircache_free(struct store *s)
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
static int dc_miss(struct store *s, const char *gpath, struct store_dircache_dir *out)
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
        store_dircache_free(s);                 /* off for good: no host call wasted */
        dc = NULL;
        chained = -1;
    }
    int fd = store_path_open(s, gpath, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) return fd;
    *out = (struct store_dircache_dir){.fd = fd, .owned = 1};
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

int store_dircache_open(struct store *s, const char *gpath, struct store_dircache_dir *out)
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
            *out = (struct store_dircache_dir){
                .fd = e->fd, .owned = 0, .dev = e->id.dev, .ino = e->id.ino};
            return 0;
        }
    }
    if (dc) dc->st.misses++;
    return dc_miss(s, gpath, out);
}

void store_dircache_stats(const struct store *s, struct store_dircache_stats *out)
{
    *out = s->dc ? s->dc->st : (struct store_dircache_stats){0};
}
