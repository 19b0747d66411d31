/*
 * test_names.c — the naming layer of image files (shm/names.c): lazy
 * anonymous files, close actions and reference directories.
 * Each test builds a throw-away store root under /tmp. Anonymous-file tests
 * run twice inside the test: with O_TMPFILE and with the hidden-name fallback
 * (STORE_NAMES_NO_TMPFILE). ctest runs the binary twice: as is (openat2 where
 * the host has it) and with SYMUNIX_NO_OPENAT2=1 (store.c's walk), so the
 * refdir confinement is checked under both resolvers.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/names.h"
#include "shm/store.h"
#include "../hostdir.h"

static char rootdir[64];
static char outdir[64]; /* a host directory outside the root */
static struct store *st;

static void hostpath(const char *rel, char *out)
{
    snprintf(out, PATH_MAX, "%s/%s", rootdir, rel);
}

static void mkdir_in(const char *rel)
{
    char p[PATH_MAX];
    hostpath(rel, p);
    cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
}

static void mkfile_at(const char *dir, const char *rel, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "create %s", p);
    fputs(text, f);
    fclose(f);
}

static int exists(const char *rel)
{
    char p[PATH_MAX];
    struct stat sb;
    hostpath(rel, p);
    return lstat(p, &sb) == 0;
}

/* Entries of root-relative directory rel (not . and ..); hidden anonymous
 * names counted only with all; the first visible name into first. */
static int count_dir(const char *rel, int all, char *first)
{
    char p[PATH_MAX];
    hostpath(rel, p);
    DIR *d = opendir(p);
    cr_assert_not_null(d, "opendir %s", p);
    int n = 0;
    struct dirent *de;
    if (first) first[0] = '\0';
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (!all && store_names_anon_is_hidden(de->d_name)) continue;
        if (first && !first[0] && !store_names_anon_is_hidden(de->d_name))
            strcpy(first, de->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void setup(void)
{
    strcpy(rootdir, "/tmp/symimg.XXXXXX");
    strcpy(outdir, "/tmp/symimgout.XXXXXX");
    cr_assert_not_null(mkdtemp(rootdir));
    cr_assert_not_null(mkdtemp(outdir));
    mkfile_at(outdir, "secret", "outside");
    char err[256];
    cr_assert_eq(store_open(rootdir, 0, &st, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    store_close(st);
    rm_tree(rootdir);
    rm_tree(outdir);
}

static int gdir(const char *gpath)
{
    int fd = store_path_open(st, gpath, O_PATH | O_DIRECTORY, 0);
    cr_assert_geq(fd, 0, "open %s: %s", gpath, strerror(-fd));
    return fd;
}

static struct store_names *names(int node, int flags)
{
    struct store_names *n;
    cr_assert_eq(store_names_new(st, node, flags, &n), 0);
    return n;
}

/* Both ways of being unnamed: O_TMPFILE and the hidden-name fallback. */
static const int modes[] = {0, STORE_NAMES_NO_TMPFILE};

/* ---- Lazy anonymous files -------------------------------------------------- */

TestSuite(anon, .init = setup, .fini = teardown);

Test(anon, invisible_until_named_then_appears)
{
    mkdir_in("img");
    for (int m = 0; m < 2; m++) {
        struct store_names *n = names(3, modes[m]);
        int dfd = gdir("/img");
        int fd = store_names_anon_create(n, dfd, 0600, 0);
        cr_assert_geq(fd, 0, "create: %s", strerror(-fd));
        cr_assert_eq(count_dir("img", 0, NULL), 0, "mode %d: visible before naming", m);
        cr_assert_eq(pwrite(fd, "hello", 5, 4096), 5);
        char buf[8] = {0};
        cr_assert_eq(pread(fd, buf, 5, 4096), 5);
        cr_assert_str_eq(buf, "hello");
        size_t anon;
        cr_assert_eq(store_names_count(n, &anon), 1);
        cr_assert_eq(anon, 1);

        char path[PATH_MAX], first[NAME_MAX + 1], want[64];
        cr_assert_eq(store_names_anon_name(n, fd, path, sizeof path), 0);
        cr_assert_eq(count_dir("img", 1, first), 1, "mode %d: hidden name left behind", m);
        snprintf(want, sizeof want, "anon.3.%d", 0);
        cr_assert_str_eq(first, want);
        snprintf(want, sizeof want, "/img/anon.3.%d", 0);
        cr_assert_str_eq(path, want);
        store_names_count(n, &anon);
        cr_assert_eq(anon, 0);
        /* Named again: the same name; the data is the file's. */
        char again[PATH_MAX];
        cr_assert_eq(store_names_anon_name(n, fd, again, sizeof again), 0);
        cr_assert_str_eq(again, path);
        int rfd = store_path_open(st, path, O_RDONLY, 0);
        cr_assert_geq(rfd, 0);
        memset(buf, 0, sizeof buf);
        cr_assert_eq(pread(rfd, buf, 5, 4096), 5);
        cr_assert_str_eq(buf, "hello");
        close(rfd);
        /* No action: a named file stays after the last close. */
        cr_assert_eq(store_names_file_close(n, fd), 0);
        close(fd);
        close(dfd);
        cr_assert(exists("img/anon.3.0"));
        char p[PATH_MAX];
        hostpath("img/anon.3.0", p);
        cr_assert_eq(unlink(p), 0);
        store_names_free(n);
    }
}

Test(anon, materialize_names_that_directory_only)
{
    mkdir_in("a");
    mkdir_in("b");
    for (int m = 0; m < 2; m++) {
        struct store_names *n = names(0, modes[m]);
        int da = gdir("/a"), db = gdir("/b");
        int fds[3] = {store_names_anon_create(n, da, 0644, 0),
                      store_names_anon_create(n, da, 0644, 0),
                      store_names_anon_create(n, db, 0644, 0)};
        for (int i = 0; i < 3; i++)
            cr_assert_geq(fds[i], 0);
        cr_assert_eq(count_dir("a", 0, NULL), 0);
        cr_assert_eq(store_names_dir_materialize(n, da), 2);
        cr_assert_eq(count_dir("a", 1, NULL), 2, "mode %d", m);
        cr_assert_eq(count_dir("b", 0, NULL), 0);
        size_t anon;
        store_names_count(n, &anon);
        cr_assert_eq(anon, 1);
        cr_assert_eq(store_names_dir_materialize(n, da), 0, "already named");
        /* The one in b never named: b ends empty (hidden name included). */
        cr_assert_eq(store_names_file_close(n, fds[2]), 1);
        close(fds[2]);
        cr_assert_eq(count_dir("b", 1, NULL), 0);
        for (int i = 0; i < 2; i++) {
            cr_assert_eq(store_names_file_close(n, fds[i]), 0);
            close(fds[i]);
        }
        cr_assert_eq(count_dir("a", 1, NULL), 2, "named files stay (no action)");
        close(da);
        close(db);
        store_names_free(n);
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -f %s/a/*", rootdir);
        cr_assert_eq(system(cmd), 0);
    }
}

/* store_names_dir_materialize_id: by the directory's identity (a reader on
 * another node), the same files as store_names_dir_materialize. */
Test(anon, materialize_by_identity_names_that_directory_only)
{
    mkdir_in("a");
    mkdir_in("b");
    struct store_names *n = names(2, 0);
    int da = gdir("/a"), db = gdir("/b");
    int fa = store_names_anon_create(n, da, 0644, 0), fb = store_names_anon_create(n, db, 0644, 0);
    cr_assert_geq(fa, 0);
    cr_assert_geq(fb, 0);
    struct stat sa;
    cr_assert_eq(fstat(da, &sa), 0);
    cr_assert_eq(store_names_dir_materialize_id(n, sa.st_dev, sa.st_ino), 1);
    cr_assert_eq(count_dir("a", 1, NULL), 1);
    cr_assert_eq(count_dir("b", 1, NULL), 0);
    cr_assert_eq(store_names_dir_materialize_id(n, sa.st_dev, sa.st_ino), 0, "already named");
    store_names_file_close(n, fa);
    store_names_file_close(n, fb);
    close(fa);
    close(fb);
    close(da);
    close(db);
    store_names_free(n);
}

Test(anon, unnamed_close_leaves_nothing)
{
    mkdir_in("img");
    for (int m = 0; m < 2; m++) {
        int before = open_fds();
        struct store_names *n = names(1, modes[m]);
        int dfd = gdir("/img");
        int fd = store_names_anon_create(n, dfd, 0600, STORE_DELETE_ON_LAST_CLOSE);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, "data", 4), 4);
        cr_assert_eq(count_dir("img", 1, NULL), m, "only the fallback has an entry");
        cr_assert_eq(store_names_file_close(n, fd), 1);
        close(fd);
        cr_assert_eq(count_dir("img", 1, NULL), 0);
        cr_assert_eq(store_names_count(n, NULL), 0);
        /* Left open at shutdown: vanishes too. */
        int left = store_names_anon_create(n, dfd, 0600, 0);
        cr_assert_geq(left, 0);
        store_names_free(n);
        close(left);
        cr_assert_eq(count_dir("img", 1, NULL), 0);
        close(dfd);
        cr_assert_eq(open_fds(), before, "mode %d: an fd leaked", m);
    }
}

Test(anon, names_never_collide_across_nodes)
{
    mkdir_in("img");
    mkfile_at(rootdir, "img/anon.1.0", "user file");
    struct store_names *n1 = names(1, 0), *n2 = names(2, 0);
    int dfd = gdir("/img");
    int f1 = store_names_anon_create(n1, dfd, 0600, 0),
        f2 = store_names_anon_create(n2, dfd, 0600, 0);
    char p1[PATH_MAX], p2[PATH_MAX];
    cr_assert_eq(store_names_anon_name(n1, f1, p1, sizeof p1), 0);
    cr_assert_eq(store_names_anon_name(n2, f2, p2, sizeof p2), 0);
    cr_assert_str_eq(p1, "/img/anon.1.1", "EEXIST moves the counter on");
    cr_assert_str_eq(p2, "/img/anon.2.0");
    char buf[16] = {0};
    int u = store_path_open(st, "/img/anon.1.0", O_RDONLY, 0);
    cr_assert_eq(read(u, buf, sizeof buf - 1), 9);
    cr_assert_str_eq(buf, "user file");
    close(u);
    cr_assert_eq(store_names_file_close(n1, f1), 0);
    cr_assert_eq(store_names_file_close(n2, f2), 0);
    close(f1);
    close(f2);
    close(dfd);
    store_names_free(n1);
    store_names_free(n2);
}

Test(anon, fdname_of_an_ordinary_file_and_refusals)
{
    mkdir_in("d");
    mkfile_at(rootdir, "d/f", "x");
    struct store_names *n = names(0, 0);
    int fd = store_path_open(st, "/d/f", O_RDONLY, 0);
    char p[PATH_MAX];
    cr_assert_eq(store_names_anon_name(n, fd, p, sizeof p), 0);
    cr_assert_str_eq(p, "/d/f");
    cr_assert_eq(store_names_anon_create(n, fd, 0600, 0), -ENOTDIR);
    int dfd = gdir("/d");
    cr_assert_eq(store_names_anon_create(n, dfd, 0600, 0x40), -EINVAL);
    int out = open(outdir, O_PATH | O_DIRECTORY);
    cr_assert_eq(store_names_anon_create(n, out, 0600, 0), -ENOENT, "outside the root");
    cr_assert_eq(count_dir("d", 1, NULL), 1);
    close(out);
    close(dfd);
    close(fd);
    store_names_free(n);
}

/* ---- Close actions ------------------------------------------------------------ */

TestSuite(closeact, .init = setup, .fini = teardown);

/* action x ended abnormally -> deleted? */
static const struct {
    int action, abnormal, deleted;
} verdicts[] = {
    {0, 0, 0},
    {0, 1, 0},
    {STORE_DELETE_ON_LAST_CLOSE, 0, 1},
    {STORE_DELETE_ON_LAST_CLOSE, 1, 1},
    {STORE_DELETE_UNLESS_ABNORMAL, 0, 1},
    {STORE_DELETE_UNLESS_ABNORMAL, 1, 0},
    {STORE_DELETE_IF_ABNORMAL, 0, 0},
    {STORE_DELETE_IF_ABNORMAL, 1, 1},
};
#define NVERDICTS (sizeof verdicts / sizeof verdicts[0])

Test(closeact, named_file_table)
{
    struct store_names *n = names(0, 0);
    for (size_t i = 0; i < NVERDICTS; i++) {
        mkfile_at(rootdir, "f", "image");
        int a = store_path_open(st, "/f", O_RDWR, 0), b = store_path_open(st, "f", O_RDONLY, 0);
        cr_assert_eq(store_names_file_open(n, a, "/f", verdicts[i].action), 0);
        cr_assert_eq(store_names_file_open(n, b, NULL, 0), 0);
        cr_assert_eq(store_names_count(n, NULL), 1, "one file, two opens");
        if (verdicts[i].abnormal) cr_assert_eq(store_names_file_abnormal(n, b), 0);
        cr_assert_eq(store_names_file_close(n, b), 0, "not the last close");
        close(b);
        cr_assert(exists("f"));
        cr_assert_eq(store_names_file_close(n, a), verdicts[i].deleted, "row %zu", i);
        close(a);
        cr_assert_eq(exists("f"), !verdicts[i].deleted, "row %zu", i);
        cr_assert_eq(store_names_count(n, NULL), 0);
    }
    store_names_free(n);
}

/* Two nodes' tables open one file; the holder on node 1 ends abnormally and
 * node 0 is told by identity (what the kernel's ABNORMAL message does): the
 * last close on node 0 must follow the table with the mark. */
Test(closeact, abnormal_mark_by_identity_from_another_node)
{
    struct store_names *n0 = names(0, 0), *n1 = names(1, 0);
    for (size_t i = 0; i < NVERDICTS; i++) {
        mkfile_at(rootdir, "f", "image");
        int a = store_path_open(st, "/f", O_RDWR, 0), b = store_path_open(st, "/f", O_RDWR, 0);
        struct stat sb;
        cr_assert_eq(fstat(b, &sb), 0);
        cr_assert_eq(store_names_file_open(n0, a, "/f", verdicts[i].action), 0);
        cr_assert_eq(store_names_file_open(n1, b, NULL, 0), 0);
        if (verdicts[i].abnormal) {
            cr_assert_eq(store_names_file_abnormal(n1, b), 0);
            cr_assert_eq(store_names_file_abnormal_id(n0, sb.st_dev, sb.st_ino), 1);
        }
        cr_assert_eq(store_names_file_close(n1, b), 0, "row %zu: node 1 has no action", i);
        close(b);
        cr_assert(exists("f"));
        cr_assert_eq(store_names_file_close(n0, a), verdicts[i].deleted, "row %zu", i);
        close(a);
        cr_assert_eq(exists("f"), !verdicts[i].deleted, "row %zu", i);
        cr_assert_eq(store_names_file_abnormal_id(n0, sb.st_dev, sb.st_ino), 0,
                     "not open: no entry");
    }
    store_names_free(n0);
    store_names_free(n1);
}

Test(closeact, anonymous_file_table)
{
    mkdir_in("img");
    for (int m = 0; m < 2; m++) {
        struct store_names *n = names(0, modes[m]);
        int dfd = gdir("/img");
        for (size_t i = 0; i < NVERDICTS; i++) {
            for (int named = 0; named < 2; named++) {
                int fd = store_names_anon_create(n, dfd, 0600, verdicts[i].action);
                cr_assert_geq(fd, 0);
                char p[PATH_MAX];
                if (named) cr_assert_eq(store_names_anon_name(n, fd, p, sizeof p), 0);
                if (verdicts[i].abnormal) cr_assert_eq(store_names_file_abnormal(n, fd), 0);
                int r = store_names_file_close(n, fd);
                close(fd);
                /* Unnamed with no action: vanishes (nothing was ever asked of
                 * it); a keeping action names it so it survives. */
                int kept = !verdicts[i].deleted && (named || verdicts[i].action);
                cr_assert_eq(r, !kept, "mode %d row %zu named %d", m, i, named);
                cr_assert_eq(count_dir("img", 1, NULL), kept, "mode %d row %zu named %d", m, i,
                             named);
                char cmd[PATH_MAX + 16];
                snprintf(cmd, sizeof cmd, "rm -f %s/img/*", rootdir);
                cr_assert_eq(system(cmd), 0);
            }
        }
        close(dfd);
        store_names_free(n);
    }
}

/* What the kernel asks before dropping a never-named virtual file: exactly
 * the rows where the table above keeps an unnamed anonymous file. */
Test(closeact, close_keeps_agrees_with_the_table)
{
    for (size_t i = 0; i < NVERDICTS; i++)
        cr_expect_eq(store_names_close_keeps(verdicts[i].action, verdicts[i].abnormal),
                     !verdicts[i].deleted && verdicts[i].action != 0, "row %zu", i);
}

Test(closeact, only_names_still_naming_the_file_are_unlinked)
{
    struct store_names *n = names(0, 0);
    mkfile_at(rootdir, "old", "image");
    int fd = store_path_open(st, "/old", O_RDWR, 0);
    cr_assert_eq(store_names_file_open(n, fd, "/old", STORE_DELETE_ON_LAST_CLOSE), 0);
    char a[PATH_MAX], b[PATH_MAX];
    hostpath("old", a);
    hostpath("moved", b);
    cr_assert_eq(rename(a, b), 0);
    mkfile_at(rootdir, "old", "someone else's");
    cr_assert_eq(store_names_file_close(n, fd), 1);
    close(fd);
    cr_assert(exists("old"), "a new file under the remembered name is kept");
    cr_assert(!exists("moved"), "the file's current name is unlinked");
    store_names_free(n);
}

Test(closeact, setaction_links_and_errors)
{
    struct store_names *n = names(0, 0);
    mkfile_at(rootdir, "f", "x");
    int fd = store_path_open(st, "/f", O_RDWR, 0);
    cr_assert_eq(store_names_file_close(n, fd), -ENOENT);
    cr_assert_eq(store_names_file_abnormal(n, fd), -ENOENT);
    cr_assert_eq(store_names_file_setaction(n, fd, STORE_DELETE_ON_LAST_CLOSE), -ENOENT);
    cr_assert_eq(store_names_file_open(n, fd, "/f", 8), -EINVAL);
    cr_assert_eq(store_names_file_open(n, fd, "/f", 0), 0);
    cr_assert_eq(store_names_file_setaction(n, fd, 0x10), -EINVAL);
    cr_assert_eq(store_names_file_setaction(n, fd, STORE_DELETE_ON_LAST_CLOSE), 0);
    char a[PATH_MAX], b[PATH_MAX];
    hostpath("f", a);
    hostpath("g", b);
    cr_assert_eq(link(a, b), 0);
    cr_assert_eq(store_names_file_named(n, fd, "/g"), 0);
    cr_assert_eq(store_names_file_close(n, fd), 1);
    close(fd);
    cr_assert(!exists("f") && !exists("g"), "every remembered name is unlinked");
    store_names_free(n);
    cr_assert_eq(store_names_new(st, 0, 0x100, &n), -EINVAL);
    cr_assert_null(n);
}

/* ---- Reference directories ----------------------------------------------------- */

TestSuite(refdir, .init = setup, .fini = teardown);

static void path_ok(struct store_names_refdirs *t, const char *in, const char *want)
{
    char out[PATH_MAX];
    int r = store_names_refdir_path(st, t, "/a", in, out, sizeof out);
    cr_assert_eq(r, 0, "%s: %s", in, strerror(-r));
    cr_assert_str_eq(out, want, "%s", in);
}

static void read_is(const char *gpath, const char *want)
{
    char buf[32] = {0};
    int fd = store_path_open(st, gpath, O_RDONLY, 0);
    cr_assert_geq(fd, 0, "%s: %s", gpath, strerror(-fd));
    cr_assert_geq(read(fd, buf, sizeof buf - 1), 0);
    close(fd);
    cr_assert_str_eq(buf, want, "%s", gpath);
}

Test(refdir, bind_resolve_remove)
{
    mkdir_in("a");
    mkdir_in("a/b");
    mkfile_at(rootdir, "a/b/f", "inside");
    struct store_names_refdirs t = {0};
    cr_assert_eq(store_names_mkrefdir(st, &t, "/a/b", "@d"), 0);
    int dfd;
    const char *rest;
    cr_assert_eq(store_names_refdir_lookup(&t, "@d//f", &dfd, &rest), 1);
    cr_assert_geq(dfd, 0);
    cr_assert_str_eq(rest, "f");
    cr_assert_eq(store_names_refdir_lookup(&t, "x/f", &dfd, &rest), 0);
    cr_assert_eq(dfd, -1);
    cr_assert_str_eq(rest, "x/f");
    path_ok(&t, "@d/f", "/a/b/f");
    path_ok(&t, "@d", "/a/b");
    path_ok(&t, "@d/", "/a/b/");
    path_ok(&t, "x", "/a/x");
    path_ok(&t, "/@d/f", "/@d/f");
    char p[PATH_MAX];
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@d/f", p, sizeof p), 0);
    read_is(p, "inside");
    /* A refdir path to mkrefdir; rebinding replaces. */
    cr_assert_eq(store_names_mkrefdir(st, &t, "@d/..", "@e"), 0);
    path_ok(&t, "@e/b/f", "/a/b/f"); /* bound to /a itself */
    cr_assert_eq(store_names_mkrefdir(st, &t, "/a", "@d"), 0);
    path_ok(&t, "@d/b/f", "/a/b/f");
    /* fmkrefdir of an open directory; the refdir follows a rename. */
    int fd = store_path_open(st, "/a/b", O_RDONLY | O_DIRECTORY, 0);
    cr_assert_eq(store_names_fmkrefdir(st, &t, fd, STORE_REFNAME_IMAGE), 0);
    close(fd);
    char from[PATH_MAX], to[PATH_MAX];
    hostpath("a/b", from);
    hostpath("a/c", to);
    cr_assert_eq(rename(from, to), 0);
    path_ok(&t, "@image/f", "/a/c/f");
    cr_assert_eq(store_names_rmrefdir(&t, "@d"), 0);
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@d/f", p, sizeof p), -ENOENT);
    cr_assert_eq(store_names_rmrefdir(&t, "@d"), -ENOENT);
    store_names_refdirs_clear(&t);
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@image/f", p, sizeof p), -ENOENT);
}

Test(refdir, cannot_leave_the_root)
{
    mkdir_in("a");
    mkdir_in("a/b");
    char up[PATH_MAX];
    hostpath("a/b/up", up);
    cr_assert_eq(symlink("../../../../..", up), 0);
    struct store_names_refdirs t;
    store_names_refdirs_init(&t);
    cr_assert_eq(store_names_mkrefdir(st, &t, "/a/b", "@d"), 0);
    char p[PATH_MAX], rel[PATH_MAX];
    const char *outname = strrchr(outdir, '/') + 1;
    const char *tries[] = {"@d/../../../../%s/secret", "@d/up/%s/secret", "@d/up/../%s/secret"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(rel, sizeof rel, tries[i], outname);
        cr_assert_eq(store_names_refdir_path(st, &t, "/", rel, p, sizeof p), 0);
        int fd = store_path_open(st, p, O_RDONLY, 0);
        cr_assert_eq(fd, -ENOENT, "%s escaped", rel);
    }
    /* "@d/../../.." is the root itself. */
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@d/../../..", p, sizeof p), 0);
    int fd = store_path_open(st, p, O_PATH | O_DIRECTORY, 0);
    cr_assert_geq(fd, 0);
    struct stat a, b;
    cr_assert_eq(fstat(fd, &a), 0);
    cr_assert_eq(fstat(store_root_fd(st), &b), 0);
    cr_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    close(fd);
    /* A binding of a directory outside the root is refused; so is binding
     * through a path that would leave it. */
    int out = open(outdir, O_RDONLY | O_DIRECTORY);
    cr_assert_eq(store_names_fmkrefdir(st, &t, out, "@out"), -ENOENT);
    close(out);
    snprintf(rel, sizeof rel, "/../%s", outname);
    cr_assert_eq(store_names_mkrefdir(st, &t, rel, "@out"), -ENOENT);
    /* Moved out of the root after binding: it no longer resolves. */
    char from[PATH_MAX], to[PATH_MAX];
    hostpath("a/b", from);
    snprintf(to, sizeof to, "%s/b", outdir);
    cr_assert_eq(rename(from, to), 0);
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@d/up", p, sizeof p), -ENOENT);
    store_names_refdirs_clear(&t);
}

Test(refdir, bad_unknown_and_not_directories)
{
    mkdir_in("a");
    mkfile_at(rootdir, "a/f", "x");
    struct store_names_refdirs t = {0};
    char p[PATH_MAX];
    const char *bad[] = {"", "d", "@", "@a/b", "@0123456789012345678901234567890123"};
    int dfd = gdir("/a");
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(store_names_mkrefdir(st, &t, "/a", bad[i]), -EINVAL, "'%s'", bad[i]);
        cr_assert_eq(store_names_fmkrefdir(st, &t, dfd, bad[i]), -EINVAL, "'%s'", bad[i]);
        cr_assert_eq(store_names_rmrefdir(&t, bad[i]), -EINVAL, "'%s'", bad[i]);
    }
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@nope/f", p, sizeof p), -ENOENT);
    cr_assert_eq(store_names_refdir_path(st, &t, "/", "@", p, sizeof p), -ENOENT);
    cr_assert_eq(store_names_rmrefdir(&t, "@nope"), -ENOENT);
    cr_assert_eq(store_names_mkrefdir(st, &t, "/a/f", "@f"), -ENOTDIR);
    cr_assert_eq(store_names_mkrefdir(st, &t, "/a/none", "@f"), -ENOENT);
    cr_assert_eq(store_names_mkrefdir(st, &t, "@nope/x", "@f"), -ENOENT);
    int ffd = store_path_open(st, "/a/f", O_RDONLY, 0);
    cr_assert_eq(store_names_fmkrefdir(st, &t, ffd, "@f"), -ENOTDIR);
    close(ffd);
    /* Table full: ENOSPC for a new name; rebinding still works. */
    for (int i = 0; i < STORE_REFDIR_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "@r%d", i);
        cr_assert_eq(store_names_fmkrefdir(st, &t, dfd, name), 0);
    }
    cr_assert_eq(store_names_fmkrefdir(st, &t, dfd, "@more"), -ENOSPC);
    cr_assert_eq(store_names_mkrefdir(st, &t, "/", "@r3"), 0);
    path_ok(&t, "@r3/a/f", "/a/f");
    close(dfd);
    store_names_refdirs_clear(&t);
}

Test(refdir, inherited_by_copy)
{
    mkdir_in("a");
    mkfile_at(rootdir, "a/f", "shared");
    struct store_names_refdirs parent = {0}, child;
    cr_assert_eq(store_names_mkrefdir(st, &parent, "/a", "@image"), 0);
    cr_assert_eq(store_names_mkrefdir(st, &parent, "/", "@root"), 0);
    cr_assert_eq(store_names_refdirs_copy(&child, &parent), 0);
    int pfd, cfd;
    const char *rest;
    cr_assert_eq(store_names_refdir_lookup(&parent, "@image/f", &pfd, &rest), 1);
    cr_assert_eq(store_names_refdir_lookup(&child, "@image/f", &cfd, &rest), 1);
    cr_assert_neq(pfd, cfd, "the child has its own fd");
    cr_assert_eq(store_names_rmrefdir(&parent, "@image"), 0);
    char p[PATH_MAX];
    cr_assert_eq(store_names_refdir_path(st, &child, "/", "@image/f", p, sizeof p), 0);
    read_is(p, "shared");
    path_ok(&child, "@root/a", "/a");
    cr_assert_eq(store_names_refdir_path(st, &parent, "/", "@image/f", p, sizeof p), -ENOENT);
    store_names_refdirs_clear(&parent);
    store_names_refdirs_clear(&child);
}

/* ---- Memory files: no store inode until the data must reach the store ----- */

static int rekeyed;
static void on_rekey(void *ctx, dev_t odev, ino_t oino, dev_t ndev, ino_t nino)
{
    (void)odev;
    (void)ndev;
    *(int *)ctx = oino != nino;
}

/* store_names_anon_create_in: no root check (the kernel checked the directory at
 * open), so a directory removed since still gives a file; store_names_anon_create
 * refuses it. Naming it then fails. */
Test(anon, create_in_skips_the_root_check)
{
    mkdir_in("gone");
    struct store_names *n = names(0, 0);
    int dfd = gdir("/gone");
    char p[PATH_MAX];
    hostpath("gone", p);
    cr_assert_eq(rmdir(p), 0);
    cr_expect_eq(store_names_anon_create(n, dfd, 0600, 0), -ENOENT);
    int fd = store_names_anon_create_in(n, dfd, 0600, 0);
    cr_assert_geq(fd, 0);
    cr_expect_eq(pwrite(fd, "x", 1, 0), 1);
    size_t anon;
    cr_expect_eq(store_names_count(n, &anon), 1);
    cr_expect_eq(anon, 1);
    cr_expect_lt(store_names_anon_name(n, fd, p, sizeof p), 0, "no name in a deleted directory");
    cr_expect_eq(store_names_file_close(n, fd), 1, "vanishes");
    close(fd);
    close(dfd);
    store_names_free(n);
}

Test(anon, memory_file_becomes_a_host_file_under_the_same_fds)
{
    mkdir_in("img");
    struct store_names *n = names(4, 0);
    store_names_set_rekey(n, on_rekey, &rekeyed);
    int dfd = gdir("/img");
    int fd = store_names_anon_create(n, dfd, 0640, 0);
    cr_assert_geq(fd, 0);
    struct stat before, after, dst;
    cr_assert_eq(fstat(fd, &before), 0);
    cr_assert_eq(fstat(dfd, &dst), 0);
    cr_expect_neq(before.st_dev, dst.st_dev, "a memory file, not a file of the store");
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    cr_assert_eq(pwrite(fd, "memory", 6, 8192), 6);
    cr_assert_eq(lseek(dup, 3, SEEK_SET), 3);
    cr_assert_eq(store_names_anon_materialize(n, fd), 0);
    cr_assert_eq(fstat(fd, &after), 0);
    cr_expect_eq(after.st_dev, dst.st_dev, "now a file of the store");
    cr_expect_eq(after.st_size, 8198);
    mode_t um = umask(0);
    umask(um);
    cr_expect_eq(after.st_mode & 0777, 0640 & ~um, "mode %o", after.st_mode & 0777);
    cr_expect_eq(rekeyed, 1, "the cache was told");
    struct stat d2;
    cr_assert_eq(fstat(dup, &d2), 0);
    cr_expect_eq(d2.st_ino, after.st_ino, "every fd on it was replaced");
    cr_expect_eq(lseek(dup, 0, SEEK_CUR), 3, "with its position");
    cr_expect_eq(count_dir("img", 1, NULL), 0, "still without a name");
    char path[PATH_MAX], buf[7] = {0};
    cr_assert_eq(store_names_anon_name(n, fd, path, sizeof path), 0);
    int rfd = store_path_open(st, path, O_RDONLY, 0);
    cr_assert_geq(rfd, 0);
    cr_assert_eq(pread(rfd, buf, 6, 8192), 6);
    cr_expect_str_eq(buf, "memory");
    close(rfd);
    cr_assert_eq(store_names_file_close(n, fd), 0);
    close(fd);
    close(dup);
    close(dfd);
    store_names_free(n);
}

/* A directory a host process moves out of the root (or under the hidden
 * directory) after an anonymous file was made in it: naming the file, by
 * fdname or by a keeping close action, is refused (ENOENT, EACCES) and
 * leaves no name there (nor the fallback's hidden name, once closed). */
Test(anon, no_name_in_a_directory_moved_out_of_the_root)
{
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        struct store_names *n = names(0, modes[m]);
        mkdir_in("mv");
        int dfd = gdir("/mv");
        int fd = store_names_anon_create_in(n, dfd, 0600, 0);
        int kept = store_names_anon_create_in(n, dfd, 0600, STORE_DELETE_IF_ABNORMAL);
        cr_assert_geq(fd, 0);
        cr_assert_geq(kept, 0);
        char from[PATH_MAX], to[PATH_MAX], out[PATH_MAX];
        hostpath("mv", from);
        snprintf(to, sizeof to, "%s/mv", outdir);
        cr_assert_eq(rename(from, to), 0, "%s", strerror(errno));
        cr_expect_eq(store_names_anon_name(n, fd, out, sizeof out), -ENOENT, "mode %zu", m);
        cr_expect_eq(store_names_anon_materialize(n, fd), 0, "unnamed data may still be stored");
        cr_expect_eq(store_names_anon_name(n, fd, out, sizeof out), -ENOENT);
        cr_expect_eq(store_names_file_close(n, kept), -ENOENT, "a keeping close cannot name it");
        cr_expect_eq(store_names_file_close(n, fd), 1);
        close(fd);
        close(kept);
        cr_expect_eq(count_host(to), 0, "nothing left outside the root (mode %zu)", m);
        cr_expect_eq(store_names_anon_create_in(n, dfd, 0600, 0) >= 0, modes[m] == 0,
                     "the fallback would need a hidden name there: refused");
        /* Under the hidden directory: no name either. */
        char hid[PATH_MAX];
        hostpath(STORE_HIDDEN_DIR, hid);
        mkdir(hid, 0700);
        snprintf(hid + strlen(hid), sizeof hid - strlen(hid), "/mv");
        cr_assert_eq(rename(to, hid), 0, "%s", strerror(errno));
        store_names_free(n);
        n = names(1, 0);
        fd = store_names_anon_create_in(n, dfd, 0600, 0);
        cr_assert_geq(fd, 0);
        cr_expect_eq(store_names_anon_name(n, fd, out, sizeof out), -EACCES);
        cr_expect_eq(store_names_file_close(n, fd), 1);
        close(fd);
        cr_expect_eq(count_host(hid), 0);
        cr_assert_eq(rmdir(hid), 0);
        close(dfd);
        store_names_free(n);
    }
}
