/*
 * test_store.c — the store root and guest path resolution (shm/store.c).
 * Each test builds a throw-away root under /tmp and attacks the confinement:
 * "..", absolute and relative symlinks, long names, bad roots.
 * ctest runs this binary twice: as is (openat2 where the host has it) and with
 * SYMUNIX_NO_OPENAT2=1 (the component walk); every test must pass in both, so
 * both resolvers give the same answers. The store_walk suite forces the walk
 * in either run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/store.h"
#include "../hostdir.h"

static char rootdir[64];
static char outdir[64]; /* a host directory outside the root */
static struct store *st;

static void mkfile(const char *dir, const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "create %s", path);
    fputs(text, f);
    fclose(f);
}

static void mk(const char *rel, int isdir, const char *target)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", rootdir, rel);
    int r = target ? symlink(target, path) : isdir ? mkdir(path, 0755) : 0;
    cr_assert_eq(r, 0, "make %s: %s", path, strerror(errno));
}

static void setup(void)
{
    strcpy(rootdir, "/tmp/symstore.XXXXXX");
    strcpy(outdir, "/tmp/symout.XXXXXX");
    cr_assert_not_null(mkdtemp(rootdir));
    cr_assert_not_null(mkdtemp(outdir));
    mkfile(outdir, "secret", "outside");
    mk("etc", 1, NULL);
    mkfile(rootdir, "etc/passwd", "inside");
    char err[256];
    cr_assert_eq(store_open(rootdir, 0, &st, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    rm_tree(rootdir);
    rm_tree(outdir);
}

/* Read the whole (small) file behind a guest path; NULL-terminated text. */
static void read_guest(const char *gpath, char *buf, size_t len)
{
    int fd = store_path_open(st, gpath, O_RDONLY, 0);
    cr_assert_geq(fd, 0, "open %s: %s", gpath, strerror(-fd));
    ssize_t n = read(fd, buf, len - 1);
    cr_assert_geq(n, 0);
    buf[n] = '\0';
    close(fd);
}

/* The guest path of what gpath opens (as a directory or O_PATH). */
static void where(const char *gpath, char *out)
{
    int fd = store_path_open(st, gpath, O_PATH, 0);
    cr_assert_geq(fd, 0, "open %s: %s", gpath, strerror(-fd));
    cr_assert_eq(store_path_of_fd(st, fd, out, PATH_MAX), 0);
    close(fd);
}

/* The same store with the walk resolver forced whatever the host has. */
static void setup_walk(void)
{
    setenv("SYMUNIX_NO_OPENAT2", "1", 1);
    setup();
    cr_assert_eq(store_uses_openat2(st), 0);
}

TestSuite(store, .init = setup, .fini = teardown);
TestSuite(store_walk, .init = setup_walk, .fini = teardown);

Test(store, normalise_folds_dot_dotdot_and_slashes)
{
    char out[PATH_MAX];
    cr_assert_eq(store_path_norm("/", "a/./b//../c", out, sizeof out), 0);
    cr_assert_str_eq(out, "/a/c");
    cr_assert_eq(store_path_norm("/x/y", "a/./b//../c/", out, sizeof out), 0);
    cr_assert_str_eq(out, "/x/y/a/c");
    cr_assert_eq(store_path_norm("/x", "../../../..", out, sizeof out), 0);
    cr_assert_str_eq(out, "/");
    cr_assert_eq(store_path_norm("/x", "/abs//p/.", out, sizeof out), 0);
    cr_assert_str_eq(out, "/abs/p");
    cr_assert_eq(store_path_norm("/", "", out, sizeof out), -ENOENT);
}

Test(store, join_keeps_dotdot_trailing_slash_and_final_dot)
{
    char out[PATH_MAX];
    cr_assert_eq(store_path_join("/w", "a/./b//../c/", out, sizeof out), 0);
    cr_assert_str_eq(out, "/w/a/b/../c/");
    cr_assert_eq(store_path_join("/w", "d/.", out, sizeof out), 0);
    cr_assert_str_eq(out, "/w/d/.");
    cr_assert_eq(store_path_join("/w", "///", out, sizeof out), 0);
    cr_assert_str_eq(out, "/");
    cr_assert_eq(store_path_join("/", "abc", out, 4), -ENAMETOOLONG);
}

Test(store, dotdot_at_root_stays_at_root)
{
    char buf[64], at[PATH_MAX];
    where("/../../..", at);
    cr_assert_str_eq(at, "/");
    read_guest("/../../../etc/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    read_guest("etc/../../etc/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
}

Test(store, absolute_symlink_resolves_inside_root)
{
    char buf[64];
    mk("lnk", 0, "/etc");
    mk("pw", 0, "/etc/passwd");
    read_guest("/lnk/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    read_guest("/pw", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
}

Test(store, relative_symlink_escape_is_clamped)
{
    char buf[64], at[PATH_MAX];
    mk("d", 1, NULL);
    mk("d/up", 0, "../../../../../../../../..");
    where("/d/up", at);
    cr_assert_str_eq(at, "/");
    read_guest("/d/up/etc/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
}

Test(store, symlink_to_outside_in_subdir_is_not_followed_out)
{
    char target[PATH_MAX], last[NAME_MAX + 1];
    snprintf(target, sizeof target, "%s/secret", outdir);
    mk("sub", 1, NULL);
    mk("sub/out", 0, target);
    mk("sub/outdir", 0, outdir);
    cr_assert_eq(store_path_open(st, "/sub/out", O_RDONLY, 0), -ENOENT);
    cr_assert_eq(store_path_open(st, "/sub/outdir/secret", O_RDONLY, 0), -ENOENT);
    /* Creating through the link lands inside the root, never in outdir. */
    int fd = store_path_open(st, "/sub/out", O_WRONLY | O_CREAT, 0644);
    cr_assert_eq(fd, -ENOENT, "dangling link's parent dirs do not exist in the root");
    /* The *at helper names the link itself, in its own directory. */
    int dfd = store_path_parent(st, "/sub/outdir/", last, sizeof last, NULL);
    cr_assert_geq(dfd, 0);
    cr_assert_str_eq(last, "outdir");
    struct stat sb;
    cr_assert_eq(fstatat(dfd, last, &sb, AT_SYMLINK_NOFOLLOW), 0);
    cr_assert(S_ISLNK(sb.st_mode));
    close(dfd);
    cr_assert_eq(store_path_parent(st, "/sub/outdir/secret", last, sizeof last, NULL), -ENOENT);
}

Test(store, long_names_give_enametoolong)
{
    char name[NAME_MAX + 40], path[PATH_MAX + 10], last[NAME_MAX + 1];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char gp[sizeof name + 2];
    snprintf(gp, sizeof gp, "/%s", name);
    cr_assert_eq(store_path_open(st, gp, O_RDONLY, 0), -ENAMETOOLONG);
    cr_assert_eq(store_path_parent(st, gp, last, sizeof last, NULL), -ENAMETOOLONG);
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    char out[PATH_MAX];
    cr_assert_eq(store_path_join("/", path, out, sizeof out), -ENAMETOOLONG);
    cr_assert_eq(store_path_open(st, path, O_RDONLY, 0), -ENAMETOOLONG);
}

Test(store, parent_of_special_names)
{
    char last[NAME_MAX + 1];
    int trailing = -1;
    mk("a", 1, NULL);
    mk("a/b", 1, NULL);
    int fd = store_path_parent(st, "/a/b//", last, sizeof last, &trailing);
    cr_assert_geq(fd, 0);
    cr_assert_str_eq(last, "b");
    cr_assert_eq(trailing, 1);
    close(fd);
    char at[PATH_MAX];
    fd = store_path_parent(st, "/a/b/..", last, sizeof last, &trailing);
    cr_assert_geq(fd, 0);
    cr_assert_str_eq(last, ".");
    cr_assert_eq(store_path_of_fd(st, fd, at, sizeof at), 0);
    cr_assert_str_eq(at, "/a");
    close(fd);
    fd = store_path_parent(st, "/", last, sizeof last, &trailing);
    cr_assert_geq(fd, 0);
    cr_assert_str_eq(last, ".");
    cr_assert_eq(store_path_of_fd(st, fd, at, sizeof at), 0);
    cr_assert_str_eq(at, "/");
    close(fd);
    fd = store_path_parent(st, "/..", last, sizeof last, &trailing);
    cr_assert_geq(fd, 0);
    cr_assert_eq(store_path_of_fd(st, fd, at, sizeof at), 0);
    cr_assert_str_eq(at, "/", "\"..\" as the last name must not reach the host parent");
    close(fd);
}

Test(store, devices_pass_through_by_name_only)
{
    char last[NAME_MAX + 1];
    int fd = store_path_open(st, "/dev/../dev/zero", O_RDONLY, 0);
    cr_assert_geq(fd, 0);
    char z[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    cr_assert_eq(read(fd, z, sizeof z), 8);
    cr_assert_eq(z[0] | z[7], 0);
    close(fd);
    fd = store_path_open(st, "/dev/null", O_WRONLY, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "x", 1), 1);
    close(fd);
    /* Unlink, rename... go through the parent: /dev is not in this root. */
    cr_assert_eq(store_path_parent(st, "/dev/null", last, sizeof last, NULL), -ENOENT);
    cr_assert_eq(store_path_open(st, "/dev/sda", O_RDONLY, 0), -ENOENT);
}

Test(store, path_of_fd_is_guest_absolute)
{
    char at[PATH_MAX];
    mk("x", 1, NULL);
    mk("x/y", 1, NULL);
    mk("ly", 0, "x/y");
    where("/ly", at);
    cr_assert_str_eq(at, "/x/y", "the link is followed; the answer is the real place");
}

/* ---- Symlinks, "..", errno values (both resolvers) ------------------------ */

Test(store, resolver_mode_follows_env)
{
    const char *force = getenv("SYMUNIX_NO_OPENAT2");
    if (force && strcmp(force, "1") == 0) cr_assert_eq(store_uses_openat2(st), 0);
}

/* The checks of the fallback's corner cases; run by both suites. */
static void symlink_loops_give_eloop(void)
{
    mk("self", 0, "self");
    mk("loop1", 0, "loop2");
    mk("loop2", 0, "/loop1");
    cr_assert_eq(store_path_open(st, "/self", O_RDONLY, 0), -ELOOP);
    cr_assert_eq(store_path_open(st, "/loop1", O_RDONLY, 0), -ELOOP);
    cr_assert_eq(store_path_open(st, "/loop1/x", O_RDONLY, 0), -ELOOP);
    cr_assert_eq(store_path_lookup(st, "/loop2/", 0), -ELOOP);
    cr_assert_eq(store_path_open(st, "/loop1", O_WRONLY | O_CREAT, 0644), -ELOOP);
    /* 40 links in one lookup are fine, the 41st is one too many (Linux). */
    char name[16], target[16], buf[64];
    mk("c0", 0, "etc/passwd");
    for (int i = 1; i <= 40; i++) {
        snprintf(name, sizeof name, "c%d", i);
        snprintf(target, sizeof target, "c%d", i - 1);
        mk(name, 0, target);
    }
    read_guest("/c39", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    cr_assert_eq(store_path_open(st, "/c40", O_RDONLY, 0), -ELOOP);
}

static void relative_chain_climbing_above_root_stays_inside(void)
{
    char buf[64], at[PATH_MAX], rel[PATH_MAX];
    mk("d", 1, NULL);
    mk("d/e", 1, NULL);
    mk("d/e/c1", 0, "../c2");
    mk("d/c2", 0, "../../../c3");
    mk("c3", 0, "../../../../etc");
    read_guest("/d/e/c1/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    where("/d/e/c1/../../..", at);
    cr_assert_str_eq(at, "/");
    /* Climbing to the host's "/" and down to the outside file finds nothing. */
    snprintf(rel, sizeof rel, "../../../../../../..%s/secret", outdir);
    mk("d/e/esc", 0, rel);
    cr_assert_eq(store_path_open(st, "/d/e/esc", O_RDONLY, 0), -ENOENT);
    cr_assert_eq(store_path_lookup(st, "/d/e/esc", 0), -ENOENT);
}

static void absolute_targets_resolve_inside_root(void)
{
    char buf[64], at[PATH_MAX];
    mk("a", 1, NULL);
    mk("a/b", 1, NULL);
    mk("a/b/abs", 0, "/etc/passwd");
    mk("a/b/absdir", 0, "/etc/");
    mk("a/slash", 0, "/");
    read_guest("/a/b/abs", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    read_guest("a/b/absdir/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    /* ".." after a symlink is the parent of its target (physical). */
    where("/a/b/absdir/..", at);
    cr_assert_str_eq(at, "/");
    where("/a/slash/a/b", at);
    cr_assert_str_eq(at, "/a/b");
    where("/a/slash/..", at);
    cr_assert_str_eq(at, "/");
}

static void dangling_symlink_with_o_creat_creates_inside(void)
{
    char path[PATH_MAX], target[PATH_MAX];
    struct stat sb;
    mk("sub", 1, NULL);
    mk("sub/dl", 0, "/newfile");
    mk("sub/dlrel", 0, "../../../../../newfile2");
    int fd = store_path_open(st, "/sub/dl", O_WRONLY | O_CREAT, 0600);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    close(fd);
    snprintf(path, sizeof path, "%s/newfile", rootdir);
    cr_assert_eq(lstat(path, &sb), 0, "created at the root's /newfile");
    cr_assert(S_ISREG(sb.st_mode));
    fd = store_path_open(st, "/sub/dlrel", O_WRONLY | O_CREAT, 0600);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    close(fd);
    snprintf(path, sizeof path, "%s/newfile2", rootdir);
    cr_assert_eq(lstat(path, &sb), 0, "a climbing target is clamped at the root");
    /* With O_EXCL the link itself is the name: it exists. */
    mk("sub/dl2", 0, "/newfile3");
    cr_assert_eq(store_path_open(st, "/sub/dl2", O_WRONLY | O_CREAT | O_EXCL, 0600), -EEXIST);
    /* A host-absolute target names a place inside the root, never outdir. */
    snprintf(target, sizeof target, "%s/made", outdir);
    mk("sub/dlout", 0, target);
    cr_assert_eq(store_path_open(st, "/sub/dlout", O_WRONLY | O_CREAT, 0600), -ENOENT);
    snprintf(path, sizeof path, "%s/made", outdir);
    cr_assert_eq(lstat(path, &sb), -1);
    /* A trailing '/' never creates. */
    cr_assert_eq(store_path_open(st, "/sub/new/", O_WRONLY | O_CREAT, 0600), -EISDIR);
    cr_assert_eq(store_path_open(st, "/", O_RDONLY | O_CREAT, 0600), -EISDIR);
}

static void nofollow_on_final_symlink(void)
{
    struct stat sb;
    mk("d", 1, NULL);
    mk("ld", 0, "d");
    mk("lf", 0, "etc/passwd");
    cr_assert_eq(store_path_open(st, "/lf", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
    cr_assert_eq(store_path_open(st, "/lf", O_WRONLY | O_CREAT | O_NOFOLLOW, 0600), -ELOOP);
    cr_assert_eq(store_path_open(st, "/ld", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0), -ENOTDIR);
    /* O_PATH|O_NOFOLLOW is the link itself; without O_NOFOLLOW, its target. */
    int fd = store_path_lookup(st, "/lf", 1);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fstat(fd, &sb), 0);
    cr_assert(S_ISLNK(sb.st_mode));
    close(fd);
    fd = store_path_lookup(st, "/lf", 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fstat(fd, &sb), 0);
    cr_assert(S_ISREG(sb.st_mode));
    close(fd);
    /* A trailing '/' follows even with O_NOFOLLOW, and wants a directory. */
    fd = store_path_open(st, "/ld/", O_RDONLY | O_NOFOLLOW, 0);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    close(fd);
    fd = store_path_open(st, "/ld", O_RDONLY | O_DIRECTORY, 0);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    close(fd);
    cr_assert_eq(store_path_open(st, "/lf/", O_RDONLY, 0), -ENOTDIR);
}

static void dotdot_past_root_and_files_as_dirs(void)
{
    char buf[64], at[PATH_MAX], last[NAME_MAX + 1];
    read_guest("/etc/../../../../etc/./passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    read_guest("../etc/passwd", buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    int fd = store_path_parent(st, "/../../etc/../..//x", last, sizeof last, NULL);
    cr_assert_geq(fd, 0);
    cr_assert_str_eq(last, "x");
    cr_assert_eq(store_path_of_fd(st, fd, at, sizeof at), 0);
    cr_assert_str_eq(at, "/");
    close(fd);
    /* Deeper than the walk's first stack, and back up past the root. */
    char deep[PATH_MAX] = "", up[PATH_MAX] = "/";
    for (int i = 0; i < 24; i++) {
        strcat(deep, i ? "/n" : "n");
        mk(deep, 1, NULL);
        strcat(up, "n/");
    }
    for (int i = 0; i < 30; i++)
        strcat(up, "../");
    strcat(up, "etc/passwd");
    read_guest(up, buf, sizeof buf);
    cr_assert_str_eq(buf, "inside");
    /* A file where a directory is needed. */
    cr_assert_eq(store_path_open(st, "/etc/passwd/x", O_RDONLY, 0), -ENOTDIR);
    cr_assert_eq(store_path_open(st, "/etc/passwd/", O_RDONLY, 0), -ENOTDIR);
    cr_assert_eq(store_path_open(st, "/etc/passwd/.", O_RDONLY, 0), -ENOTDIR);
    cr_assert_eq(store_path_open(st, "/etc/passwd/..", O_RDONLY, 0), -ENOTDIR);
    cr_assert_eq(store_path_lookup(st, "/etc/passwd/x", 1), -ENOTDIR);
    cr_assert_eq(store_path_parent(st, "/etc/passwd/x", last, sizeof last, NULL), -ENOTDIR);
    cr_assert_eq(store_path_open(st, "/etc/nope/x", O_RDONLY, 0), -ENOENT);
    cr_assert_eq(store_path_open(st, "", O_RDONLY, 0), -ENOENT);
    cr_assert_eq(store_path_open(st, "/etc", O_WRONLY, 0), -EISDIR);
    cr_assert_eq(store_path_open(st, "/etc/passwd", O_WRONLY | O_CREAT | O_EXCL, 0600), -EEXIST);
}

/* The lowest free fd: unchanged across a test means the resolver leaks none. */
static int next_fd(void)
{
    int fd = dup(0);
    close(fd);
    return fd;
}

/* Run check `name` in both suites, and check it leaves no fd open. */
#define BOTH(name)                                                                                 \
    Test(store, name)                                                                              \
    {                                                                                              \
        int fd0 = next_fd();                                                                       \
        name();                                                                                    \
        cr_assert_eq(next_fd(), fd0, "an fd leaked");                                              \
    }                                                                                              \
    Test(store_walk, name)                                                                         \
    {                                                                                              \
        int fd0 = next_fd();                                                                       \
        name();                                                                                    \
        cr_assert_eq(next_fd(), fd0, "an fd leaked");                                              \
    }

BOTH(symlink_loops_give_eloop)
BOTH(relative_chain_climbing_above_root_stays_inside)
BOTH(absolute_targets_resolve_inside_root)
BOTH(dangling_symlink_with_o_creat_creates_inside)
BOTH(nofollow_on_final_symlink)
BOTH(dotdot_past_root_and_files_as_dirs)

/* ---- A symlink swapped in during resolution -------------------------------- */

static volatile int racing;

/* Swap the directory r/d with a symlink to outdir, over and over. */
static void *swapper(void *arg)
{
    char d[PATH_MAX], l[PATH_MAX];
    snprintf(d, sizeof d, "%s/r/d", rootdir);
    snprintf(l, sizeof l, "%s/r/l", rootdir);
    while (racing)
        renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE);
    return NULL;
}

static void swapped_symlink_never_leads_outside(void)
{
    char target[PATH_MAX];
    mk("r", 1, NULL);
    mk("r/d", 1, NULL);
    mk("r/d/sub", 1, NULL);
    mkfile(rootdir, "r/d/secret", "inside");
    snprintf(target, sizeof target, "../../../../../../../..%s", outdir);
    mk("r/l", 0, target);
    pthread_t t;
    racing = 1;
    cr_assert_eq(pthread_create(&t, NULL, swapper, NULL), 0);
    int hits = 0;
    for (int i = 0; i < 3000; i++) {
        const char *p = (i & 1) ? "/r/d/secret" : "/r/d/sub/../secret";
        int fd = store_path_open(st, p, O_RDONLY, 0);
        if (fd < 0) continue; /* ENOENT: the link's target is not in the root */
        char buf[16] = "";
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        cr_assert_geq(n, 0);
        cr_assert_str_eq(buf, "inside", "read a file outside the root");
        hits++;
    }
    racing = 0;
    pthread_join(t, NULL);
    cr_log_info("%d of 3000 opens hit the directory", hits);
}

BOTH(swapped_symlink_never_leads_outside)

/* ---- Bad roots ------------------------------------------------------------ */

Test(store_root, nonexistent_root_fails_or_is_created)
{
    char dir[64] = "/tmp/symstore.XXXXXX", path[128], err[256] = "";
    struct store *s = NULL;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/newroot", dir);
    cr_assert_eq(store_open(path, 0, &s, err, sizeof err), -ENOENT);
    cr_assert_null(s);
    cr_assert(strstr(err, path) != NULL, "reason names the root: %s", err);
    cr_assert_eq(store_open(path, 1, &s, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(store_root_path(s), path);
    cr_assert_geq(store_root_fd(s), 0);
    store_close(s);
    cr_assert_eq(rmdir(path), 0);
    snprintf(path, sizeof path, "%s/no/such", dir);
    cr_assert_eq(store_open(path, 1, &s, err, sizeof err), -ENOENT, "only the last level is made");
    cr_assert_eq(rmdir(dir), 0);
}

Test(store_root, root_that_is_a_file_is_refused)
{
    char dir[64] = "/tmp/symstore.XXXXXX", path[128], err[256] = "";
    struct store *s = NULL;
    cr_assert_not_null(mkdtemp(dir));
    mkfile(dir, "f", "x");
    snprintf(path, sizeof path, "%s/f", dir);
    cr_assert_eq(store_open(path, 1, &s, err, sizeof err), -ENOTDIR);
    cr_assert(strstr(err, "not a directory") != NULL, "%s", err);
    unlink(path);
    rmdir(dir);
}

/* As root, permission bits do not stop writes; a read-only mount does. Use a
 * read-only file system when the host has one at hand, else a 0555 directory
 * for an ordinary user; skip when neither applies. */
Test(store_root, unwritable_root_is_refused)
{
    char dir[64] = "/tmp/symstore.XXXXXX", err[256] = "";
    struct store *s = NULL;
    const char *ro = NULL;
    if (geteuid() != 0) {
        cr_assert_not_null(mkdtemp(dir));
        chmod(dir, 0555);
        ro = dir;
    } else if (access("/sys", W_OK) < 0 && errno == EROFS) {
        ro = "/sys";
    } else if (access("/proc/sys", W_OK) < 0 && errno == EROFS) {
        ro = "/proc/sys";
    }
    if (!ro) cr_skip_test("running as root with no read-only mount to try");
    int e = store_open(ro, 0, &s, err, sizeof err);
    cr_assert(e == -EROFS || e == -EACCES, "got %d", e);
    cr_assert(strstr(err, "not writable") != NULL, "%s", err);
    if (ro == dir) rmdir(dir);
}
