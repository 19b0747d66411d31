/*
 * test_gseg.c — the global segment registry of the store (shm/gseg.c):
 * a file gets an id and keeps it (registering again, or through another fd,
 * reuses the entry); two files forced onto one starting id get different ids
 * (the probe skips a taken one) and each is found again by its own id; a
 * second store object (another rank) resolves an id to the same file; an
 * unnamed O_TMPFILE file is linked, a deleted named one refused; the
 * hidden directory is refused to guest paths by name, through a symlink and
 * as a parent; cleanup removes the entries this store made; the MM callbacks
 * read pages (zeros beyond the end) and write them back without extending
 * the file. ctest runs it with both resolvers (SYMUNIX_NO_OPENAT2).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/store.h"
#include "../hostdir.h"

static char rootdir[64];
static struct store *st;

static void setup(void)
{
    strcpy(rootdir, "/tmp/symgseg.XXXXXX");
    cr_assert_not_null(mkdtemp(rootdir));
    char err[256];
    cr_assert_eq(store_open(rootdir, 0, &st, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    store_close(st);
    rm_tree(rootdir);
}

TestSuite(gseg, .init = setup, .fini = teardown);

/* A file in the root with `n` bytes of 'a' + i % 26. */
static int mkdata(const char *name, size_t n)
{
    int fd = store_path_open(st, name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0, "create %s: %s", name, strerror(-fd));
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + i % 26);
        cr_assert_eq(write(fd, &c, 1), 1);
    }
    return fd;
}

static int entries(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/.symunix/gseg", rootdir);
    int n = 0;
    for (uint64_t id = 1; id < 64; id++) { /* the tests use small ids */
        char e[160];
        snprintf(e, sizeof e, "%s/%06llx", path, (unsigned long long)id);
        n += access(e, F_OK) == 0;
    }
    return n;
}

Test(gseg, same_file_same_id)
{
    int a = mkdata("a", 10);
    uint64_t id1 = 0, id2 = 0, id3 = 0;
    cr_assert_eq(store_gseg_register(st, a, &id1), 0);
    cr_assert(id1 >= 1 && id1 <= STORE_GSEG_MAX);
    struct stat sb;
    fstat(a, &sb);
    cr_assert_eq(id1, store_gseg_hash(sb.st_dev, sb.st_ino), "no collision: the hash's id");
    cr_assert_eq(store_gseg_register(st, a, &id2), 0);
    int a2 = store_path_open(st, "a", O_RDONLY, 0);
    cr_assert_eq(store_gseg_register(st, a2, &id3), 0);
    cr_assert_eq(id2, id1, "registering again reuses the entry");
    cr_assert_eq(id3, id1, "another fd of the same file too");
    uint64_t f = 0;
    cr_assert_eq(store_gseg_find(st, a2, &f), 1);
    cr_assert_eq(f, id1);
    close(a), close(a2);
}

Test(gseg, collision_probes_the_next_id)
{
    int a = mkdata("a", 10), b = mkdata("b", 20), c = mkdata("c", 30);
    uint64_t ia, ib, ic, ib2;
    cr_assert_eq(store_gseg_register_from(st, a, 5, &ia), 0);
    cr_assert_eq(store_gseg_register_from(st, b, 5, &ib), 0);
    cr_assert_eq(store_gseg_register_from(st, c, 5, &ic), 0);
    cr_assert_eq(ia, 5);
    cr_assert_eq(ib, 6, "5 is taken by another file: the next id");
    cr_assert_eq(ic, 7);
    cr_assert_eq(store_gseg_register_from(st, b, 5, &ib2), 0);
    cr_assert_eq(ib2, 6, "b probing from 5 again finds its own entry");
    /* Each id opens its own file. */
    const int fds[] = {a, b, c};
    const uint64_t ids[] = {ia, ib, ic};
    for (int k = 0; k < 3; k++) {
        int fd = store_gseg_open(st, ids[k], O_RDONLY);
        cr_assert_geq(fd, 0);
        struct stat s1, s2;
        fstat(fd, &s1), fstat(fds[k], &s2);
        cr_assert(s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino, "id %llu",
                  (unsigned long long)ids[k]);
        close(fd);
    }
    /* The wrap: from the largest id to 1. */
    int d = mkdata("d", 5), e = mkdata("e", 5);
    uint64_t id, ie;
    cr_assert_eq(store_gseg_register_from(st, d, STORE_GSEG_MAX, &id), 0);
    cr_assert_eq(store_gseg_register_from(st, e, STORE_GSEG_MAX, &ie), 0);
    cr_assert_eq(id, STORE_GSEG_MAX);
    cr_assert_eq(ie, 1);
    cr_assert_eq(store_gseg_register_from(st, a, 0, &id), -EINVAL);
    close(a), close(b), close(c), close(d), close(e);
}

Test(gseg, another_store_resolves_and_cleanup_removes)
{
    int a = mkdata("a", 100);
    uint64_t id;
    cr_assert_eq(store_gseg_register_from(st, a, 3, &id), 0);
    struct store *other; /* another rank's view of the same root */
    char err[256];
    cr_assert_eq(store_open(rootdir, 0, &other, err, sizeof err), 0);
    int fd = store_gseg_open(other, id, O_RDONLY);
    cr_assert_geq(fd, 0);
    char buf[4];
    cr_assert_eq(pread(fd, buf, 3, 0), 3);
    cr_assert_eq(memcmp(buf, "abc", 3), 0);
    close(fd);
    uint64_t same;
    cr_assert_eq(store_gseg_register_from(other, a, 3, &same), 0);
    cr_assert_eq(same, id);
    store_gseg_cleanup(other); /* it made nothing */
    cr_assert_eq(entries(), 1);
    /* The file outlives its name: the registry keeps it. */
    cr_assert_eq(unlinkat(store_root_fd(st), "a", 0), 0);
    fd = store_gseg_open(other, id, O_RDONLY);
    cr_assert_geq(fd, 0, "a deleted file stays reachable by id");
    close(fd);
    store_gseg_cleanup(st);
    cr_assert_eq(entries(), 0);
    cr_assert_eq(store_gseg_open(other, id, O_RDONLY), -ENOENT);
    uint64_t f;
    cr_assert_eq(store_gseg_find(other, a, &f), 0);
    store_close(other);
    close(a);
}

Test(gseg, unnamed_tmpfile_gets_linked_deleted_file_refused)
{
    int t = store_path_open(st, "/", O_TMPFILE | O_RDWR, 0600);
    cr_assert_geq(t, 0, "O_TMPFILE: %s", strerror(-t));
    cr_assert_eq(pwrite(t, "xyz", 3, 0), 3);
    uint64_t id;
    cr_assert_eq(store_gseg_register_from(st, t, 9, &id), 0, "an unnamed file is linked");
    cr_assert_eq(id, 9);
    int fd = store_gseg_open(st, id, O_RDONLY);
    char b[3];
    cr_assert(fd >= 0 && pread(fd, b, 3, 0) == 3 && memcmp(b, "xyz", 3) == 0);
    close(fd);
    /* A named file deleted before registration cannot be linked. */
    int d = mkdata("d", 4);
    cr_assert_eq(unlinkat(store_root_fd(st), "d", 0), 0);
    cr_assert_eq(store_gseg_register(st, d, &id), -ENOENT);
    close(t), close(d);
}

Test(gseg, hidden_directory_refused_to_guest_paths)
{
    int a = mkdata("a", 10);
    uint64_t id;
    cr_assert_eq(store_gseg_register_from(st, a, 1, &id), 0);
    cr_assert_eq(store_path_open(st, "/.symunix/gseg/000001", O_RDONLY, 0), -EACCES);
    cr_assert_eq(store_path_open(st, "/.symunix", O_RDONLY | O_DIRECTORY, 0), -EACCES);
    cr_assert_eq(store_path_open(st, "etc/../.symunix/gseg", O_RDONLY, 0), -EACCES);
    cr_assert_eq(store_path_lookup(st, "/.symunix/gseg/000001", 0), -EACCES);
    char last[256];
    cr_assert_eq(store_path_parent(st, "/.symunix/gseg/000001", last, sizeof last, NULL), -EACCES);
    cr_assert_eq(store_path_parent(st, "/.symunix", last, sizeof last, NULL), -EACCES,
                 "its own name in the root (unlink, rename)");
    /* A symlink leading there. */
    cr_assert_eq(symlinkat(".symunix/gseg", store_root_fd(st), "sneak"), 0);
    cr_assert_eq(store_path_open(st, "/sneak/000001", O_RDONLY, 0), -EACCES);
    cr_assert_eq(store_path_open(st, "/sneak", O_RDONLY | O_DIRECTORY, 0), -EACCES);
    cr_assert_eq(store_path_parent(st, "/sneak/000001", last, sizeof last, NULL), -EACCES);
    /* Names merely starting alike are ordinary. */
    int fd = store_path_open(st, "/.symunixx", O_RDWR | O_CREAT, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    close(a);
}

Test(gseg, fill_and_writeback_callbacks)
{
    int a = mkdata("a", 4096 + 100); /* page 0 full, page 1 partial, page 2 beyond */
    uint64_t id;
    cr_assert_eq(store_gseg_register(st, a, &id), 0);
    struct store_gseg_io *io;
    cr_assert_eq(store_gseg_io_new(st, &io), 0);
    static uint8_t buf[4096];
    memset(buf, 0, sizeof buf);
    cr_assert_eq(store_gseg_fill(io, id, 0, buf), 0);
    cr_assert(buf[0] == 'a' && buf[25] == 'z' && buf[4095] == (uint8_t)('a' + 4095 % 26));
    memset(buf, 0, sizeof buf);
    cr_assert_eq(store_gseg_fill(io, id, 1, buf), 0);
    cr_assert(buf[99] == (uint8_t)('a' + 4195 % 26) && buf[100] == 0 && buf[4095] == 0,
              "a short last page: zeros past the end");
    memset(buf, 0x5a, sizeof buf);
    cr_assert_eq(store_gseg_fill(io, id, 7, buf), 0);
    cr_assert_eq(buf[0], 0x5a, "beyond the end: the zeroed buffer is left alone (no read)");
    memset(buf, 'Q', sizeof buf);
    cr_assert_eq(store_gseg_writeback(io, id, 1, buf), 0);
    cr_assert_eq(store_gseg_writeback(io, id, 5, buf), 0);
    struct stat sb;
    fstat(a, &sb);
    cr_assert_eq(sb.st_size, 4096 + 100, "write-back never extends the file");
    char c[2];
    cr_assert_eq(pread(a, c, 2, 4096 + 98), 2);
    cr_assert(c[0] == 'Q' && c[1] == 'Q');
    cr_assert_eq(pread(a, c, 1, 0), 1);
    cr_assert_eq(c[0], 'a', "page 0 untouched");
    cr_assert_eq(store_gseg_fill(io, 4242, 0, buf), -ENOENT, "no such segment");
    store_gseg_io_free(io);
    close(a);
}
