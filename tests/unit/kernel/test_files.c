/*
 * test_files.c — anonymous files made through a directory descriptor
 * (kernel/sys_file.c, docs/store.md "Creating through a directory
 * descriptor"): openat(dirfd, ".", SYM_O_ANON|O_RDWR) makes a virtual
 * anonymous file in the directory the descriptor names, without a path:
 * it works on a directory renamed since it was opened (where the path form
 * fails), it keeps the errors of the path form (EBADF, ENOTDIR, EINVAL), its
 * data reaches a host file, fdname names it in that directory, and when a
 * host process has moved the directory out of the root, no call names it
 * there: fdname and a keeping close action are refused and nothing is left
 * outside; a directory removed since it was opened gets a file but no name.
 * Calls go straight to the sys_* handlers of a one-process kernel.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel/sys_file.h"
#include "kfixture.h"
#include "symunix/abi.h"
#include "../hostdir.h"

#define PG   4096ull
#define STR  0x100000ull /* one page for strings and buffers */
#define BUF  (STR + 2048)
#define ANON (SYM_O_ANON | O_RDWR)

static struct k_proc *p;
static char outdir[64]; /* a host directory outside the root */

static void setup(void)
{
    kfix_setup(0);
    p = k_proc_new(kern);
    cr_assert_not_null(p);
    cr_assert_eq(k_files_init(p), 0);
    cr_assert_eq(k_vm_map(p, STR, PG, RV_PROT_R | RV_PROT_W, K_REGION_ANON, -1, 0), 0);
    strcpy(outdir, "/tmp/symfilesout.XXXXXX");
    cr_assert_not_null(mkdtemp(outdir));
}

/* Remove host directory dir and its (plain) entries. */
static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char path[PATH_MAX];
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            if (unlink(path) < 0) rm_dir(path);
        }
    closedir(d);
    rmdir(dir);
}

static void teardown(void)
{
    k_files_close_all(p);
    char path[PATH_MAX];
    DIR *d = opendir(root);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", root, de->d_name);
            if (unlink(path) < 0) rm_dir(path);
        }
    if (d) closedir(d);
    rm_dir(outdir);
    kfix_teardown();
}

TestSuite(files, .init = setup, .fini = teardown);

/* openat(dirfd, name, flags, mode) with name copied into guest memory. */
static int64_t openat_g(int dirfd, const char *name, int flags, int mode)
{
    cr_assert_eq(k_copyout(p, STR, name, strlen(name) + 1), 0);
    uint64_t a[6] = {(uint64_t)(int64_t)dirfd, STR, (uint64_t)flags, (uint64_t)mode, 0, 0};
    return sys_openat(p, a);
}

static int64_t call1(int64_t (*fn)(struct k_proc *, const uint64_t *), int64_t fd)
{
    uint64_t a[6] = {(uint64_t)fd, 0, 0, 0, 0, 0};
    return fn(p, a);
}

/* fdname(fd) into out: its return value. */
static int64_t fdname_g(int fd, char *out)
{
    uint64_t a[6] = {(uint64_t)fd, BUF, 1024, 0, 0, 0};
    int64_t r = sys_fdname(p, a);
    out[0] = '\0';
    if (r >= 0) cr_assert_eq(k_copyin_str(p, out, BUF, 1024), 0);
    return r;
}

static int64_t write_g(int fd, const char *s)
{
    cr_assert_eq(k_copyout(p, BUF, s, strlen(s)), 0);
    uint64_t a[6] = {(uint64_t)fd, BUF, strlen(s), 0, 0, 0};
    return sys_write(p, a);
}

static void host_mkdir(const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    cr_assert_eq(mkdir(path, 0755), 0, "%s: %s", path, strerror(errno));
}

static int is_virtual(int fd)
{
    struct store_cache_image *img;
    uint64_t ino;
    int flags;
    return k_fd_virtual(p, fd, &img, &ino, &flags);
}

Test(files, create_through_a_dirfd_names_it_there)
{
    host_mkdir("d");
    int dfd = (int)openat_g(-100, "/d", O_RDONLY | O_DIRECTORY, 0);
    cr_assert_geq(dfd, 0);
    int fd = (int)openat_g(dfd, ".", ANON, 0);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    cr_expect_eq(is_virtual(fd), 1, "no host file yet");
    cr_expect_eq(write_g(fd, "data"), 4);
    cr_expect_eq(is_virtual(fd), 0, "a host file now");
    char name[1024];
    cr_assert_geq(fdname_g(fd, name), 0);
    cr_expect_eq(strncmp(name, "/d/anon.", 8), 0, "named %s", name);
    char host[PATH_MAX];
    snprintf(host, sizeof host, "%s%s", root, name);
    struct stat sb;
    cr_expect_eq(stat(host, &sb), 0);
    cr_expect_eq(sb.st_size, 4);
    cr_expect_eq(call1(sys_close, fd), 0);
    /* The other spellings of the directory itself; O_PATH directories too. */
    int pfd = (int)openat_g(-100, "d", O_PATH | O_DIRECTORY, 0);
    cr_assert_geq(pfd, 0);
    const char *same[] = {"./", "./.", ".//."};
    for (size_t i = 0; i < 3; i++) {
        fd = (int)openat_g(i == 1 ? pfd : dfd, same[i], ANON, 0);
        cr_assert_geq(fd, 0, "%s: %s", same[i], strerror(-fd));
        cr_assert_geq(fdname_g(fd, name), 0);
        cr_expect_eq(strncmp(name, "/d/anon.", 8), 0, "%s: named %s", same[i], name);
        cr_expect_eq(call1(sys_close, fd), 0);
    }
    /* ".." is a path as before: the root. */
    fd = (int)openat_g(dfd, "..", ANON, 0);
    cr_assert_geq(fd, 0);
    cr_assert_geq(fdname_g(fd, name), 0);
    cr_expect_eq(strncmp(name, "/anon.", 6), 0, "named %s", name);
    cr_expect_eq(call1(sys_close, fd), 0);
    cr_expect_eq(call1(sys_close, pfd), 0);
    cr_expect_eq(call1(sys_close, dfd), 0);
}

Test(files, errors_as_for_the_path_form)
{
    host_mkdir("d");
    int ffd = (int)openat_g(-100, "/f", O_RDWR | O_CREAT, 0644);
    cr_assert_geq(ffd, 0);
    int dfd = (int)openat_g(-100, "/d", O_RDONLY | O_DIRECTORY, 0);
    cr_assert_geq(dfd, 0);
    cr_expect_eq(openat_g(ffd, ".", ANON, 0), -ENOTDIR, "a file is no directory");
    cr_expect_eq(openat_g(ffd, "x", ANON, 0), -ENOTDIR, "nor for the path form");
    int vfd = (int)openat_g(dfd, ".", ANON, 0);
    cr_assert_geq(vfd, 0);
    cr_expect_eq(openat_g(vfd, ".", ANON, 0), -ENOTDIR, "a virtual file neither");
    cr_expect_eq(openat_g(77, ".", ANON, 0), -EBADF);
    cr_expect_eq(openat_g(-1, ".", ANON, 0), -EBADF);
    cr_expect_eq(openat_g(dfd, ".", SYM_O_ANON | O_RDONLY, 0), -EINVAL);
    cr_expect_eq(openat_g(dfd, ".", ANON | O_PATH, 0), -EINVAL);
    cr_expect_eq(openat_g(dfd, ".", ANON | SYM_O_DELCLOSE | SYM_O_DELABNORMAL, 0), -EINVAL);
    cr_expect_eq(openat_g(dfd, ".x", ANON, 0), -ENOENT, "a name, not the directory");
    cr_expect_eq(openat_g(dfd, "", ANON, 0), -ENOENT);
}

/* The guest opens directory /d; then a host process renames it to host
 * path `to` (from = its old host path). Returns the guest descriptor. */
static int open_d_then_move(char from[PATH_MAX], const char *to)
{
    host_mkdir("d");
    int dfd = (int)openat_g(-100, "/d", O_RDONLY | O_DIRECTORY, 0);
    cr_assert_geq(dfd, 0);
    snprintf(from, PATH_MAX, "%s/d", root);
    cr_assert_eq(rename(from, to), 0);
    return dfd;
}

Test(files, a_renamed_directory_still_gets_the_file)
{
    char from[PATH_MAX], to[PATH_MAX], name[1024];
    snprintf(to, sizeof to, "%s/e", root);
    int dfd = open_d_then_move(from, to);
    cr_expect_eq(openat_g(dfd, "../d", ANON, 0), -ENOENT, "the path form uses the old path");
    int fd = (int)openat_g(dfd, ".", ANON, 0);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    cr_assert_geq(fdname_g(fd, name), 0);
    cr_expect_eq(strncmp(name, "/e/anon.", 8), 0, "named %s", name);
    cr_expect_eq(count_host(to), 1);
}

/* A host process moves the opened directory out of the root: the file is
 * made (no host call could tell), holds data, but is never named there. */
Test(files, a_directory_moved_out_of_the_root_gets_no_name)
{
    char from[PATH_MAX], to[PATH_MAX], name[1024];
    snprintf(to, sizeof to, "%s/d", outdir);
    int dfd = open_d_then_move(from, to);
    int fd = (int)openat_g(dfd, ".", ANON, 0);
    int kept = (int)openat_g(dfd, ".", ANON | SYM_O_DELABNORMAL, 0);
    cr_assert_geq(fd, 0);
    cr_assert_geq(kept, 0);
    cr_expect_eq(write_g(fd, "data"), 4, "its data is stored, unnamed");
    cr_expect_eq(fdname_g(fd, name), -ENOENT);
    cr_expect_eq(fdname_g(kept, name), -ENOENT);
    cr_expect_eq(call1(sys_close, kept), 0, "kept by its action, but no name outside");
    cr_expect_eq(call1(sys_close, fd), 0);
    cr_expect_eq(count_host(to), 0, "nothing outside the root");
    /* Back inside: named again. */
    cr_assert_eq(rename(to, from), 0);
    fd = (int)openat_g(dfd, ".", ANON, 0);
    cr_assert_geq(fdname_g(fd, name), 0);
    cr_expect_eq(strncmp(name, "/d/anon.", 8), 0, "named %s", name);
}

/* A directory removed after it was opened: no host call tells, so the file
 * is made (Linux's O_TMPFILE would refuse), and it can never be named. */
Test(files, a_removed_directory_gets_a_file_but_no_name)
{
    host_mkdir("d");
    int dfd = (int)openat_g(-100, "/d", O_RDONLY | O_DIRECTORY, 0);
    cr_assert_geq(dfd, 0);
    char path[PATH_MAX], name[1024];
    snprintf(path, sizeof path, "%s/d", root);
    cr_assert_eq(rmdir(path), 0);
    cr_expect_eq(openat_g(-100, "/d", ANON, 0), -ENOENT, "the path form: no such directory");
    int fd = (int)openat_g(dfd, ".", ANON, 0);
    cr_assert_geq(fd, 0, "%s", strerror(-fd));
    cr_expect_eq(write_g(fd, "data"), 4);
    cr_expect_eq(fdname_g(fd, name), -ENOENT);
    cr_expect_eq(call1(sys_close, fd), 0);
}
