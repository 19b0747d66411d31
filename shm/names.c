/*
 * names.c — the naming layer of image files (see names.h): the node's table
 * of open image files with their close actions and, for lazy anonymous
 * files, the means to name them on demand; and the per-process table of
 * reference directories.
 *
 * Anonymous files are O_TMPFILE files of the host (no directory entry, no
 * name) linked into their directory through /proc/self/fd/N when a name is
 * needed. Where the store's file system has no O_TMPFILE, a hidden name
 * stands in for "no name" (names.h, invariant 1). Paths are never resolved
 * here: every guest path goes through store.c.
 */
#include "shm/names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Generated names tried before giving up with EEXIST. */
#define NAME_TRIES 65536

/* One open image file of the node. */
struct entry {
    dev_t dev;
    ino_t ino;
    int opens;    /* recorded opens not yet closed */
    int action;   /* STORE_DELETE_* */
    int abnormal; /* a process that had it open ended abnormally */
    int anon;     /* a lazy anonymous file with no name yet */
    int mem;      /* anon, and still a memory file (memfd): no host file yet */
    mode_t mode;  /* anon: its permission bits, for the host file made later */
    /* While anon: */
    int afd;      /* our own fd of the file */
    int dirfd;    /* O_PATH fd of its directory */
    dev_t ddev;   /* the directory's identity */
    ino_t dino;   /*   (for store_names_dir_materialize) */
    char *hidden; /* fallback mode: its hidden name in dirfd, else NULL */
    char **names; /* guest absolute paths it is known by */
    size_t nnames;
};

struct store_names {
    struct store *s;
    store_names_rekey_fn rekey; /* told when a memory file becomes a host file */
    void *rekey_ctx;
    int node;
    int flags;         /* STORE_NAMES_* */
    uint64_t counter;  /* next number of a generated name */
    uint64_t hcounter; /* next number of a hidden name (fallback mode) */
    struct entry **e;  /* the open files, in no order */
    size_t n, cap;
};

/* ---- The table -------------------------------------------------------------- */

int store_names_new(struct store *s, int node, int flags, struct store_names **out)
{
    *out = NULL;
    if (flags & ~STORE_NAMES_NO_TMPFILE) return -EINVAL;
    struct store_names *n = calloc(1, sizeof *n);
    if (!n) return -ENOMEM;
    n->s = s;
    n->node = node;
    n->flags = flags;
    *out = n;
    return 0;
}

size_t store_names_count(const struct store_names *n, size_t *anon)
{
    size_t a = 0;
    for (size_t i = 0; i < n->n; i++)
        a += n->e[i]->anon;
    if (anon) *anon = a;
    return n->n;
}

/* Index of the entry of the file open at fd (its identity in *st), or -1. */
static long find_fd(const struct store_names *n, int fd, struct stat *st)
{
    if (fstat(fd, st) < 0) return -1;
    for (size_t i = 0; i < n->n; i++)
        if (n->e[i]->dev == st->st_dev && n->e[i]->ino == st->st_ino) return (long)i;
    return -1;
}

/* A new entry for the file whose identity is st; NULL when out of memory. */
static struct entry *add_entry(struct store_names *n, const struct stat *st)
{
    if (n->n == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 16;
        struct entry **e = realloc(n->e, cap * sizeof *e);
        if (!e) return NULL;
        n->e = e;
        n->cap = cap;
    }
    struct entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->afd = e->dirfd = -1;
    n->e[n->n++] = e;
    return e;
}

/* Drop the anonymous-file state of e (its fds and hidden name string). */
static void drop_anon(struct entry *e)
{
    if (e->afd >= 0) close(e->afd);
    if (e->dirfd >= 0) close(e->dirfd);
    free(e->hidden);
    e->afd = e->dirfd = -1;
    e->hidden = NULL;
    e->anon = 0;
}

/* Forget entry i. */
static void drop_entry(struct store_names *n, size_t i)
{
    struct entry *e = n->e[i];
    drop_anon(e);
    for (size_t k = 0; k < e->nnames; k++)
        free(e->names[k]);
    free(e->names);
    free(e);
    n->e[i] = n->e[--n->n];
}

/* Remember guest path gpath as a name of e (once). 0 or -ENOMEM. */
static int remember(struct entry *e, const char *gpath)
{
    for (size_t k = 0; k < e->nnames; k++)
        if (strcmp(e->names[k], gpath) == 0) return 0;
    char **names = realloc(e->names, (e->nnames + 1) * sizeof *names);
    if (!names) return -ENOMEM;
    e->names = names;
    if (!(names[e->nnames] = strdup(gpath))) return -ENOMEM;
    e->nnames++;
    return 0;
}

static int check_action(int action)
{
    return (action & ~STORE_CLOSE_ACTIONS) ? -EINVAL : 0;
}

/* ---- Names on disk ------------------------------------------------------------ */

/* The next generated name, with the hidden prefix or not (invariant 3). */
static void gen_name(struct store_names *n, int hidden, char *buf, size_t len)
{
    uint64_t k = hidden ? n->hcounter++ : n->counter++;
    snprintf(buf, len, "%sanon.%d.%llu", hidden ? STORE_ANON_HIDDEN_PREFIX : "", n->node,
             (unsigned long long)k);
}

/* Give anonymous e a generated name in its directory (linkat never replaces
 * a name: EEXIST moves on to the next). The name into name[NAME_MAX+1]. */
static int link_anon(struct store_names *n, struct entry *e, char *name)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", e->afd);
    for (int tries = 0; tries < NAME_TRIES; tries++) {
        gen_name(n, 0, name, NAME_MAX + 1);
        int r = e->hidden ? linkat(e->dirfd, e->hidden, e->dirfd, name, 0)
                          : linkat(AT_FDCWD, proc, e->dirfd, name, AT_SYMLINK_FOLLOW);
        if (r == 0) {
            if (e->hidden) unlinkat(e->dirfd, e->hidden, 0);
            return 0;
        }
        if (errno != EEXIST) return -errno;
    }
    return -EEXIST;
}

static int create_file(struct store_names *n, struct entry *e, mode_t mode);

/* Replace every host fd of this process open on the file (dev, ino) by a new
 * open of the file at fd `to` (same access, flags, position, close-on-exec):
 * whoever holds such an fd (the kernel's descriptors, the cache, this table)
 * now holds the new file under the same number. 0 or -errno. */
static int replace_fds(dev_t dev, ino_t ino, int to)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -errno;
    int self = dirfd(d), err = 0;
    struct dirent *de;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", to);
    while ((de = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        struct stat st;
        if (*end || end == de->d_name || fd == self || fd == to) continue;
        if (fstat((int)fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino) continue;
        int fl = fcntl((int)fd, F_GETFL), fdfl = fcntl((int)fd, F_GETFD);
        off_t pos = lseek((int)fd, 0, SEEK_CUR);
        int nfd = open(proc, (fl & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_CLOEXEC);
        if (nfd < 0) {
            err = -errno;
            continue;
        }
        if (pos > 0) lseek(nfd, pos, SEEK_SET);
        if (dup3(nfd, (int)fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0 && err == 0) err = -errno;
        close(nfd);
    }
    closedir(d);
    return err;
}

/* A memory file gets its host file: an unnamed file in its directory with the
 * same bytes, which replaces the memory file everywhere (replace_fds). */
static int mem_to_file(struct store_names *n, struct entry *e)
{
    struct stat st;
    int fd = create_file(n, e, e->mode);
    if (fd < 0) return fd;
    char buf[65536];
    off_t off = 0;
    ssize_t got;
    int r = 0;
    while ((got = pread(e->afd, buf, sizeof buf, off)) > 0) {
        if (pwrite(fd, buf, (size_t)got, off) != got) {
            r = -EIO;
            break;
        }
        off += got;
    }
    if (got < 0) r = -errno;
    if (r == 0 && fstat(e->afd, &st) == 0 && ftruncate(fd, st.st_size) < 0) r = -errno;
    struct stat nst;
    if (r == 0 && fstat(fd, &nst) < 0) r = -errno;
    if (r == 0) r = replace_fds(e->dev, e->ino, fd);
    close(fd);
    if (r < 0) {
        if (e->hidden) { /* the fallback's hidden name of the aborted copy */
            unlinkat(e->dirfd, e->hidden, 0);
            free(e->hidden);
            e->hidden = NULL;
        }
        return r;
    }
    if (n->rekey) n->rekey(n->rekey_ctx, e->dev, e->ino, nst.st_dev, nst.st_ino);
    e->dev = nst.st_dev;
    e->ino = nst.st_ino;
    e->mem = 0;
    return 0;
}

int store_names_anon_materialize(struct store_names *n, int fd)
{
    struct stat st;
    long i = find_fd(n, fd, &st);
    if (i < 0 || !n->e[i]->mem) return 0;
    return mem_to_file(n, n->e[i]);
}

void store_names_set_rekey(struct store_names *n, store_names_rekey_fn fn, void *ctx)
{
    n->rekey = fn;
    n->rekey_ctx = ctx;
}

/* Name anonymous entry e (invariant 3) and remember its guest path. */
static int name_entry(struct store_names *n, struct entry *e)
{
    char name[NAME_MAX + 1], dir[PATH_MAX], gpath[PATH_MAX];
    /* Its directory was inside the root when the file was made, but a host
     * process may have moved it out (or under the hidden directory) since:
     * no name, and no host file for one, is made there then. */
    int r = store_path_of_dir(n->s, e->dirfd, dir, sizeof dir);
    if (r < 0) return r;
    if (e->mem) {
        int m = mem_to_file(n, e);
        if (m < 0) return m;
    }
    r = link_anon(n, e, name);
    if (r < 0) return r;
    /* Named on disk from here on, whatever follows. */
    r = store_path_of_fd(n->s, e->dirfd, dir, sizeof dir);
    if (r == 0) r = store_path_join(dir, name, gpath, sizeof gpath);
    if (r == 0) r = remember(e, gpath);
    drop_anon(e);
    return r;
}

/* Whether guest path gpath still names the file (dev, ino): 1 yes, 0 no. If
 * `do_unlink` is set and it does, the name is unlinked (1, or a negative errno). */
static int name_check(struct store *s, const char *gpath, dev_t dev, ino_t ino, int do_unlink)
{
    char last[NAME_MAX + 1];
    int pfd = store_path_parent(s, gpath, last, sizeof last, NULL);
    if (pfd < 0) return 0; /* gone, or never a name we could reach */
    struct stat st;
    int r = 0;
    if (strcmp(last, ".") != 0 && fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        st.st_dev == dev && st.st_ino == ino) {
        r = 1;
        if (do_unlink && unlinkat(pfd, last, 0) < 0) r = errno == ENOENT ? 0 : -errno;
    }
    close(pfd);
    return r;
}

/* ---- Lazy anonymous files ----------------------------------------------------- */

/* Fallback: create the file under a hidden name in dirfd. An fd or -errno. */
static int create_hidden(struct store_names *n, struct entry *e, mode_t mode)
{
    char name[NAME_MAX + 1], dir[PATH_MAX];
    int r = store_path_of_dir(n->s, e->dirfd, dir, sizeof dir); /* a name: see name_entry */
    if (r < 0) return r;
    for (int tries = 0; tries < NAME_TRIES; tries++) {
        gen_name(n, 1, name, sizeof name);
        int fd = openat(e->dirfd, name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0) {
            if (!(e->hidden = strdup(name))) {
                unlinkat(e->dirfd, name, 0);
                close(fd);
                return -ENOMEM;
            }
            return fd;
        }
        if (errno != EEXIST) return -errno;
    }
    return -EEXIST;
}

/* Create the unnamed file in e->dirfd: O_TMPFILE, or the fallback where the
 * file system (EOPNOTSUPP) or the host kernel (EISDIR, EINVAL) lacks it. */
static int create_file(struct store_names *n, struct entry *e, mode_t mode)
{
    if (!(n->flags & STORE_NAMES_NO_TMPFILE)) {
        int fd = openat(e->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
        if (fd >= 0) return fd;
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -errno;
    }
    return create_hidden(n, e, mode);
}

/* A memory file (memfd) standing for a lazy anonymous file until its data
 * must reach the store: no inode of the store's file system, no name. An fd,
 * or -errno (the caller then makes a host file at once). */
static int create_mem(mode_t mode)
{
    int fd = memfd_create("symanon", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, mode & ~um) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

/* store_names_anon_create, checking that dirfd is inside the root when `check`. */
static int anon_create(struct store_names *n, int dirfd, mode_t mode, int action, int check)
{
    struct stat dst, st;
    char dir[PATH_MAX];
    if (check_action(action) < 0) return -EINVAL;
    if (fstat(dirfd, &dst) < 0) return -errno;
    if (!S_ISDIR(dst.st_mode)) return -ENOTDIR;
    int r = check ? store_path_of_fd(n->s, dirfd, dir, sizeof dir) : 0;
    if (r < 0) return r;
    struct entry tmp = {.afd = -1, .dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)};
    if (tmp.dirfd < 0) return -errno;
    struct entry *e = NULL;
    int mem = (n->flags & STORE_NAMES_NO_TMPFILE) ? -1 : create_mem(mode & 07777);
    int fd = mem >= 0 ? mem : create_file(n, &tmp, mode & 07777);
    r = fd < 0 ? fd : 0;
    if (r == 0 && fstat(fd, &st) < 0) r = -errno;
    if (r == 0 && (tmp.afd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) r = -errno;
    if (r == 0 && !(e = add_entry(n, &st))) r = -ENOMEM;
    if (r < 0) {
        if (tmp.hidden) unlinkat(tmp.dirfd, tmp.hidden, 0);
        drop_anon(&tmp);
        if (fd >= 0) close(fd);
        return r;
    }
    e->opens = 1;
    e->action = action;
    e->anon = 1;
    e->mem = mem >= 0;
    e->mode = mode & 07777;
    e->afd = tmp.afd;
    e->dirfd = tmp.dirfd;
    e->hidden = tmp.hidden;
    e->ddev = dst.st_dev;
    e->dino = dst.st_ino;
    return fd;
}

int store_names_anon_create(struct store_names *n, int dirfd, mode_t mode, int action)
{
    return anon_create(n, dirfd, mode, action, 1);
}

int store_names_anon_create_in(struct store_names *n, int dirfd, mode_t mode, int action)
{
    return anon_create(n, dirfd, mode, action, 0);
}

int store_names_anon_name(struct store_names *n, int fd, char *out, size_t outlen)
{
    struct stat st;
    long i = find_fd(n, fd, &st);
    if (i < 0) return store_path_of_fd(n->s, fd, out, outlen);
    struct entry *e = n->e[i];
    if (e->anon) {
        int r = name_entry(n, e);
        if (r < 0) return r;
    }
    /* A linked O_TMPFILE fd still reads "(deleted)" in /proc: answer a
     * remembered name that still names the file. */
    for (size_t k = 0; k < e->nnames; k++) {
        if (name_check(n->s, e->names[k], e->dev, e->ino, 0) != 1) continue;
        if (strlen(e->names[k]) >= outlen) return -ENAMETOOLONG;
        strcpy(out, e->names[k]);
        return 0;
    }
    return store_path_of_fd(n->s, fd, out, outlen);
}

int store_names_dir_materialize(struct store_names *n, int dirfd)
{
    struct stat dst;
    if (fstat(dirfd, &dst) < 0) return -errno;
    return store_names_dir_materialize_id(n, dst.st_dev, dst.st_ino);
}

int store_names_dir_materialize_id(struct store_names *n, dev_t ddev, ino_t dino)
{
    int named = 0, err = 0;
    for (size_t i = 0; i < n->n; i++) {
        struct entry *e = n->e[i];
        if (!e->anon || e->ddev != ddev || e->dino != dino) continue;
        int r = name_entry(n, e);
        if (r < 0 && err == 0) err = r;
        if (!e->anon) named++;
    }
    return err < 0 ? err : named;
}

int store_names_anon_is_hidden(const char *name)
{
    return strncmp(name, STORE_ANON_HIDDEN_PREFIX, sizeof STORE_ANON_HIDDEN_PREFIX - 1) == 0;
}

/* ---- Opens, closes and close actions -------------------------------------------- */

int store_names_file_open(struct store_names *n, int fd, const char *gpath, int action)
{
    struct stat st;
    char cur[PATH_MAX];
    if (check_action(action) < 0) return -EINVAL;
    long i = find_fd(n, fd, &st);
    if (i < 0 && fstat(fd, &st) < 0) return -errno;
    struct entry *e = i >= 0 ? n->e[i] : add_entry(n, &st);
    if (!e) return -ENOMEM;
    e->opens++;
    e->action |= action;
    if (!gpath && store_path_of_fd(n->s, fd, cur, sizeof cur) == 0) gpath = cur;
    return gpath ? remember(e, gpath) : 0;
}

int store_names_file_setaction(struct store_names *n, int fd, int action)
{
    struct stat st;
    if (check_action(action) < 0) return -EINVAL;
    long i = find_fd(n, fd, &st);
    if (i < 0) return -ENOENT;
    n->e[i]->action = action;
    return 0;
}

int store_names_file_named(struct store_names *n, int fd, const char *gpath)
{
    struct stat st;
    long i = find_fd(n, fd, &st);
    return i < 0 ? -ENOENT : remember(n->e[i], gpath);
}

int store_names_file_abnormal(struct store_names *n, int fd)
{
    struct stat st;
    long i = find_fd(n, fd, &st);
    if (i < 0) return -ENOENT;
    n->e[i]->abnormal = 1;
    return 0;
}

int store_names_file_abnormal_id(struct store_names *n, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < n->n; i++) {
        if (n->e[i]->dev != dev || n->e[i]->ino != ino) continue;
        n->e[i]->abnormal = 1;
        return 1;
    }
    return 0;
}

/* The close action's verdict: delete the file or keep it. */
static int wants_delete(int action, int abnormal)
{
    return (action & STORE_DELETE_ON_LAST_CLOSE) ||
           ((action & STORE_DELETE_UNLESS_ABNORMAL) && !abnormal) ||
           ((action & STORE_DELETE_IF_ABNORMAL) && abnormal);
}

int store_names_close_keeps(int action, int abnormal)
{
    return action != 0 && !wants_delete(action, abnormal);
}

/* Unlink every remembered name of e (and the current name of fd, when fd
 * is given) that still names it (invariant 4). 1 or the first error. */
static int unlink_names(struct store_names *n, struct entry *e, int fd)
{
    char cur[PATH_MAX];
    int err = 0;
    for (size_t k = 0; k < e->nnames; k++) {
        int r = name_check(n->s, e->names[k], e->dev, e->ino, 1);
        if (r < 0 && err == 0) err = r;
    }
    if (fd >= 0 && store_path_of_fd(n->s, fd, cur, sizeof cur) == 0) {
        int r = name_check(n->s, cur, e->dev, e->ino, 1);
        if (r < 0 && err == 0) err = r;
    }
    return err < 0 ? err : 1;
}

/* The last close of entry i (fd: an fd of the file, or -1): apply the
 * action, forget the entry. 1 deleted, 0 kept, or a negative errno. */
static int last_close(struct store_names *n, size_t i, int fd)
{
    struct entry *e = n->e[i];
    int del = wants_delete(e->action, e->abnormal), r;
    if (e->anon && e->action && !del) {
        r = name_entry(n, e); /* kept: it needs a name to survive */
        if (r < 0 && e->anon && e->hidden) unlinkat(e->dirfd, e->hidden, 0); /* refused */
    } else if (e->anon) {
        /* Vanishes: O_TMPFILE with its last fd; the fallback's hidden name. */
        if (e->hidden) unlinkat(e->dirfd, e->hidden, 0);
        r = 1;
    } else {
        r = del ? unlink_names(n, e, fd) : 0;
    }
    drop_entry(n, i);
    return r;
}

int store_names_file_close(struct store_names *n, int fd)
{
    struct stat st;
    long i = find_fd(n, fd, &st);
    if (i < 0) return -ENOENT;
    if (--n->e[i]->opens > 0) return 0;
    return last_close(n, (size_t)i, fd);
}

void store_names_free(struct store_names *n)
{
    if (!n) return;
    while (n->n > 0)
        last_close(n, n->n - 1, -1);
    free(n->e);
    free(n);
}

/* ---- Reference directories ------------------------------------------------------ */

/* 0 when name is a well-formed refname, else -EINVAL. */
static int check_refname(const char *name)
{
    size_t len = strnlen(name, STORE_REFNAME_MAX);
    if (len < 2 || len >= STORE_REFNAME_MAX || name[0] != '@' || strchr(name, '/')) return -EINVAL;
    return 0;
}

/* The slot bound to the len bytes at name, or NULL. */
static const struct store_names_refdir *find_ref(const struct store_names_refdirs *t,
                                                 const char *name, size_t len)
{
    for (int i = 0; i < STORE_REFDIR_MAX; i++) {
        const struct store_names_refdir *r = &t->ent[i];
        if (r->name[0] && strlen(r->name) == len && memcmp(r->name, name, len) == 0) return r;
    }
    return NULL;
}

void store_names_refdirs_init(struct store_names_refdirs *t)
{
    memset(t, 0, sizeof *t);
}

void store_names_refdirs_clear(struct store_names_refdirs *t)
{
    for (int i = 0; i < STORE_REFDIR_MAX; i++)
        if (t->ent[i].name[0]) close(t->ent[i].fd);
    store_names_refdirs_init(t);
}

int store_names_refdirs_copy(struct store_names_refdirs *dst, const struct store_names_refdirs *src)
{
    store_names_refdirs_init(dst);
    for (int i = 0; i < STORE_REFDIR_MAX; i++) {
        if (!src->ent[i].name[0]) continue;
        int fd = fcntl(src->ent[i].fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            int e = -errno;
            store_names_refdirs_clear(dst);
            return e;
        }
        dst->ent[i] = src->ent[i];
        dst->ent[i].fd = fd;
    }
    return 0;
}

/* Bind refname (checked) to directory fd (owned: closed on failure). */
static int bind_ref(struct store_names_refdirs *t, int fd, const char *refname)
{
    struct store_names_refdir *r =
        (struct store_names_refdir *)find_ref(t, refname, strlen(refname));
    for (int i = 0; !r && i < STORE_REFDIR_MAX; i++)
        if (!t->ent[i].name[0]) r = &t->ent[i];
    if (!r) {
        close(fd);
        return -ENOSPC;
    }
    if (r->name[0]) close(r->fd);
    strcpy(r->name, refname);
    r->fd = fd;
    return 0;
}

int store_names_fmkrefdir(struct store *s, struct store_names_refdirs *t, int fd,
                          const char *refname)
{
    struct stat st;
    char dir[PATH_MAX];
    if (check_refname(refname) < 0) return -EINVAL;
    if (fstat(fd, &st) < 0) return -errno;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    int r = store_path_of_fd(s, fd, dir, sizeof dir); /* inside the root? */
    if (r < 0) return r;
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return -errno;
    return bind_ref(t, dup, refname);
}

int store_names_mkrefdir(struct store *s, struct store_names_refdirs *t, const char *gpath,
                         const char *refname)
{
    char path[PATH_MAX];
    struct stat st;
    if (check_refname(refname) < 0) return -EINVAL;
    int r = store_names_refdir_path(s, t, "/", gpath, path, sizeof path);
    if (r < 0) return r;
    int fd = store_path_lookup(s, path, 0);
    if (fd < 0) return fd;
    r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
    if (r < 0) {
        close(fd);
        return r;
    }
    return bind_ref(t, fd, refname);
}

int store_names_rmrefdir(struct store_names_refdirs *t, const char *refname)
{
    if (check_refname(refname) < 0) return -EINVAL;
    struct store_names_refdir *r =
        (struct store_names_refdir *)find_ref(t, refname, strlen(refname));
    if (!r) return -ENOENT;
    close(r->fd);
    memset(r, 0, sizeof *r);
    return 0;
}

int store_names_refdir_lookup(const struct store_names_refdirs *t, const char *gpath, int *dirfd,
                              const char **rest)
{
    *dirfd = -1;
    *rest = gpath;
    if (gpath[0] != '@') return 0;
    size_t len = strcspn(gpath, "/");
    const struct store_names_refdir *r = len < STORE_REFNAME_MAX ? find_ref(t, gpath, len) : NULL;
    if (!r) return -ENOENT;
    const char *p = gpath + len;
    while (*p == '/')
        p++;
    *dirfd = r->fd;
    *rest = p;
    return 1;
}

int store_names_refdir_path(const struct store *s, const struct store_names_refdirs *t,
                            const char *cwd, const char *gpath, char *out, size_t outlen)
{
    int dirfd;
    const char *rest;
    char dir[PATH_MAX];
    int r = store_names_refdir_lookup(t, gpath, &dirfd, &rest);
    if (r == 0) return store_path_join(cwd, gpath, out, outlen);
    if (r < 0) return r;
    /* The directory's current place: follows renames; fails once it is
     * deleted or moved out of the root (invariant 6). */
    if ((r = store_path_of_fd(s, dirfd, dir, sizeof dir)) < 0) return r;
    if (rest[0]) return store_path_join(dir, rest, out, outlen);
    int slash = rest > gpath && rest[-1] == '/' && strcmp(dir, "/") != 0;
    if (strlen(dir) + (size_t)slash >= outlen) return -ENAMETOOLONG;
    strcpy(out, dir);
    if (slash) strcat(out, "/");
    return 0;
}
