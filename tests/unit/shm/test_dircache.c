/*
 * test_dircache.c — the store's directory cache (store_dircache_open, shm/dircache.c).
 * A hit must give exactly what the uncached resolver gives at that moment:
 * every test changes the tree between two lookups of the same guest path —
 * rename, rmdir, a symlink swapped in (inside the root, and pointing out of
 * it), a chmod, a change made by another process — and compares
 * store_dircache_open with store_path_open(O_PATH|O_DIRECTORY) of the same path,
 * errno or identity. The counters (store_dircache_stats) show that the first
 * lookup was cached and the change dropped it, so no test passes with the
 * cache silently off. The suites run with both resolvers (openat2 where the
 * host has it, and the component walk); the root is under /tmp, which must
 * be a local file system for the cache to be on (checked).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/store.h"
#include "../hostdir.h"

static char rootdir[64];
static char outdir[64]; /* a host directory outside the root */
static struct store *st;

/* Host path of guest path rel under the root. */
static const char *host(const char *rel)
{
    static char buf[2][PATH_MAX];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", rootdir, rel);
    return buf[k];
}

static void mkd(const char *rel)
{
    cr_assert_eq(mkdir(host(rel), 0755), 0, "mkdir %s: %s", rel, strerror(errno));
}

static void open_store(void)
{
    char err[256];
    cr_assert_eq(store_open(rootdir, 0, &st, err, sizeof err), 0, "%s", err);
}

static void setup(void)
{
    strcpy(rootdir, "/tmp/symdc.XXXXXX");
    strcpy(outdir, "/tmp/symdcout.XXXXXX");
    cr_assert_not_null(mkdtemp(rootdir));
    cr_assert_not_null(mkdtemp(outdir));
    mkd("a");
    mkd("a/b");
    mkd("x");
    int fd = open(host("a/file"), O_CREAT | O_WRONLY, 0644);
    cr_assert_geq(fd, 0);
    close(fd);
    open_store();
}

static void setup_walk(void)
{
    setenv("SYMUNIX_NO_OPENAT2", "1", 1);
    setup();
    cr_assert_eq(store_uses_openat2(st), 0);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    unsetenv("SYMUNIX_NO_DIRCACHE");
    rm_tree(rootdir);
    rm_tree(outdir);
}

TestSuite(dircache, .init = setup, .fini = teardown);
TestSuite(dircache_walk, .init = setup_walk, .fini = teardown);

static struct store_dircache_stats stats(void)
{
    struct store_dircache_stats s;
    store_dircache_stats(st, &s);
    return s;
}

/* What the uncached resolver says about gpath now: 0 and the identity, or
 * the negative errno. */
static int truth(const char *gpath, struct stat *sb)
{
    int fd = store_path_open(st, gpath, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) return fd;
    cr_assert_eq(fstat(fd, sb), 0);
    close(fd);
    return 0;
}

/* store_dircache_open(gpath) agrees with the uncached resolver; its result (0 or
 * the errno). An owned fd is closed, a cached one checked open. */
static int agree(const char *gpath)
{
    struct stat want, got;
    int t = truth(gpath, &want);
    struct store_dircache_dir d;
    int r = store_dircache_open(st, gpath, &d);
    cr_assert_eq(r, t, "%s: cached %d (%s), resolver %d (%s)", gpath, r, strerror(-r), t,
                 strerror(-t));
    if (r < 0) return r;
    cr_assert_eq(fstat(d.fd, &got), 0, "%s: fd %d not open", gpath, d.fd);
    cr_assert(got.st_dev == want.st_dev && got.st_ino == want.st_ino, "%s: another directory",
              gpath);
    cr_assert(d.owned || (d.dev == want.st_dev && d.ino == want.st_ino), "%s: wrong identity",
              gpath);
    if (d.owned) close(d.fd);
    return 0;
}

/* Look gpath up twice: the second time must be a hit. */
static void cached(const char *gpath)
{
    agree(gpath);
    uint64_t h = stats().hits;
    agree(gpath);
    cr_assert_eq(stats().hits, h + 1, "%s was not served from the cache", gpath);
}

/* The lowest free fd: the cache keeps at most a bounded number open. */
static int next_fd(void)
{
    int fd = dup(0);
    close(fd);
    return fd;
}

static void on_local_fs(void)
{
    cr_assert(stats().misses == 0 && stats().hits == 0);
    struct store_dircache_dir d;
    cr_assert_eq(store_dircache_open(st, "/a", &d), 0);
    if (d.owned) close(d.fd);
    cr_assert_eq(stats().misses, 1, "the cache is off: is /tmp a local file system?");
}

static void hit_is_the_same_directory(void)
{
    on_local_fs();
    cached("/a/b");
    cached("a/b"); /* another key: the string as given */
    cached("/");
    struct store_dircache_dir d;
    cr_assert_eq(store_dircache_open(st, "/a/b", &d), 0);
    cr_assert_eq(d.owned, 0, "a hit lends the cache's fd");
}

static void renamed_directory_is_gone(void)
{
    cached("/a/b");
    cr_assert_eq(rename(host("a/b"), host("a/c")), 0);
    cr_assert_eq(agree("/a/b"), -ENOENT);
    cr_assert_geq(stats().invalidated, 1);
    agree("/a/c");
}

static void directory_replaced_by_another(void)
{
    cached("/a/b");
    cr_assert_eq(rename(host("a/b"), host("x/old")), 0);
    mkd("a/b"); /* a new directory by the same name */
    agree("/a/b");
}

static void removed_directory_is_gone(void)
{
    cached("/a/b");
    cr_assert_eq(rmdir(host("a/b")), 0);
    cr_assert_eq(agree("/a/b"), -ENOENT);
    cr_assert_eq(agree("/a/b"), -ENOENT); /* nothing cached for it */
}

static void renamed_parent_is_seen(void)
{
    cached("/a/b");
    cr_assert_eq(rename(host("a"), host("z")), 0);
    cr_assert_eq(agree("/a/b"), -ENOENT);
    agree("/z/b");
}

static void replaced_by_symlink_inside(void)
{
    cached("/a/b");
    cr_assert_eq(rmdir(host("a/b")), 0);
    cr_assert_eq(symlink("/x", host("a/b")), 0); /* absolute: the root's /x */
    agree("/a/b");
    uint64_t h = stats().hits;
    agree("/a/b"); /* a symlink on the way: never cached */
    cr_assert_eq(stats().hits, h);
    cr_assert_eq(unlink(host("a/b")), 0);
    mkd("a/b"); /* a directory again: cached again */
    cached("/a/b");
}

static void symlink_out_of_root_is_refused(void)
{
    cached("/a/b");
    cr_assert_eq(rename(host("a/b"), host("x/b")), 0);
    cr_assert_eq(symlink(outdir, host("a/b")), 0); /* the host's path: not inside */
    cr_assert_eq(agree("/a/b"), -ENOENT);
    cr_assert_eq(unlink(host("a/b")), 0);
    cr_assert_eq(symlink("../../../../../../../..", host("a/b")), 0); /* clamped to the root */
    agree("/a/b");
    struct store_dircache_dir d;
    struct stat out;
    cr_assert_eq(stat(outdir, &out), 0);
    cr_assert_eq(store_dircache_open(st, "/a/b", &d), 0);
    cr_assert(!(d.dev == out.st_dev && d.ino == out.st_ino), "reached outside the root");
    if (d.owned) close(d.fd);
}

static void parent_replaced_by_symlink(void)
{
    cached("/a/b");
    mkd("x/b");
    cr_assert_eq(rename(host("a"), host("y")), 0);
    cr_assert_eq(symlink("x", host("a")), 0); /* /a/b is now /x/b */
    agree("/a/b");
}

static void chmod_of_parent_drops_entry(void)
{
    cached("/a/b");
    uint64_t inv = stats().invalidated;
    cr_assert_eq(chmod(host("a"), 0700), 0);
    agree("/a/b");
    cr_assert_eq(stats().invalidated, inv + 1, "a chmod on the way must drop the entry");
}

static void unrelated_changes_keep_entry(void)
{
    cached("/a/b");
    mkd("a/b/inner"); /* inside the target: nothing on the way changed */
    mkd("a/other");
    int fd = open(host("a/b/f"), O_CREAT | O_WRONLY, 0644);
    cr_assert_geq(fd, 0);
    close(fd);
    uint64_t h = stats().hits;
    agree("/a/b");
    cr_assert_eq(stats().hits, h + 1);
}

static void files_and_hidden_give_errors(void)
{
    cr_assert_eq(agree("/a/file"), -ENOTDIR);
    cr_assert_eq(agree("/a/file"), -ENOTDIR);
    cr_assert_eq(agree("/nonexistent"), -ENOENT);
    cr_assert_eq(mkdir(host(STORE_HIDDEN_DIR), 0755), 0);
    cr_assert_eq(agree("/" STORE_HIDDEN_DIR), -EACCES);
    cr_assert_eq(agree("/" STORE_HIDDEN_DIR), -EACCES);
    agree("/a/../a/b"); /* "..": resolved, never cached */
    uint64_t h = stats().hits;
    agree("/a/../a/b");
    cr_assert_eq(stats().hits, h);
}

static void change_by_another_process(void)
{
    cached("/a/b");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(rename(host("a/b"), host("a/moved")) == 0 ? 0 : 1);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(agree("/a/b"), -ENOENT); /* right after: the event is queued */
}

static void bounded_and_no_fd_leak(void)
{
    int fd0 = next_fd();
    char rel[32], g[40];
    for (int i = 0; i < 100; i++) {
        snprintf(rel, sizeof rel, "x/d%d", i);
        mkd(rel);
        snprintf(g, sizeof g, "/%s", rel);
        agree(g);
    }
    cr_assert_leq(next_fd(), fd0 + 40, "the cache holds more fds than its bound");
    for (int i = 99; i >= 60; i--) { /* the newest are still right */
        snprintf(g, sizeof g, "/x/d%d", i);
        agree(g);
    }
    store_close(st); /* every fd goes with the store (its root's too) */
    st = NULL;
    cr_assert_lt(next_fd(), fd0, "an fd outlived the store");
    open_store();
}

/* Run check `name` in both suites. */
#define BOTH(name)                                                                                 \
    Test(dircache, name)                                                                           \
    {                                                                                              \
        name();                                                                                    \
    }                                                                                              \
    Test(dircache_walk, name)                                                                      \
    {                                                                                              \
        name();                                                                                    \
    }

BOTH(hit_is_the_same_directory)
BOTH(renamed_directory_is_gone)
BOTH(directory_replaced_by_another)
BOTH(removed_directory_is_gone)
BOTH(renamed_parent_is_seen)
BOTH(replaced_by_symlink_inside)
BOTH(symlink_out_of_root_is_refused)
BOTH(parent_replaced_by_symlink)
BOTH(chmod_of_parent_drops_entry)
BOTH(unrelated_changes_keep_entry)
BOTH(files_and_hidden_give_errors)
BOTH(change_by_another_process)
BOTH(bounded_and_no_fd_leak)

Test(dircache, off_by_env_gives_the_same_answers)
{
    store_close(st);
    setenv("SYMUNIX_NO_DIRCACHE", "1", 1);
    open_store();
    agree("/a/b");
    agree("/a/b");
    cr_assert_eq(rmdir(host("a/b")), 0);
    cr_assert_eq(agree("/a/b"), -ENOENT);
    struct store_dircache_stats s = stats();
    cr_assert(s.hits == 0 && s.misses == 0);
}
