/*
 * test_core.c — ckpt/core.c: a filled struct ckpt_core survives encode/write
 * and decode/read unchanged; every truncation, every damaged byte, a wrong
 * magic and trailing bytes are refused with -EBADMSG; an intact newer version
 * with -EPROTO; the atomic write leaves no temporary file and replaces an
 * existing core whole.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ckpt/ckpt.h"

/* A core with every field set to something distinct. */
static struct ckpt_core *sample(unsigned seed)
{
    struct ckpt_core *c = calloc(1, sizeof *c);
    c->pid = 1000003 + (int)seed;
    c->ppid = 1000001;
    c->pgid = 1000002;
    c->node = 3;
    c->signal = 11;
    c->sig_code = 1;
    c->sig_addr = 8;
    c->wstatus = 11 | 0x80;
    c->pc = 0x10abcull + seed;
    for (int i = 1; i < 32; i++)
        c->x[i] = 0x1111111111111111ull * (uint64_t)i + seed;
    for (int i = 0; i < 32; i++)
        c->f[i] = ~(uint64_t)i << 7;
    c->fcsr = 0x85;
    c->instret = 123456789;
    c->sigmask = 0x5;
    c->sigpending = 0x400;
    for (int i = 0; i < CKPT_NSIG; i++)
        c->sigact[i] = (struct ckpt_sigaction){(uint64_t)i * 16, (uint64_t)i, 1ull << i};
    c->exe = strdup("/bin/test_segv.elf");
    c->nfd = 3;
    c->fd = calloc(3, sizeof *c->fd);
    c->fd[0] = (struct ckpt_fd){0, 2, 0, -1, strdup("")};
    c->fd[1] = (struct ckpt_fd){1, 1, 0, 77, strdup("/out.txt")};
    c->fd[2] = (struct ckpt_fd){9, 0x10000, CKPT_FD_CLOEXEC, 0, strdup("/dir")};
    c->nlseg = 2;
    c->lseg = calloc(2, sizeof *c->lseg);
    c->lseg[0] = (struct ckpt_lseg){0x10000, 0x2000, 5,  CKPT_LSEG_TEXT,
                                    0,       2049,   77, strdup("/bin/test_segv.elf")};
    c->lseg[1] =
        (struct ckpt_lseg){0x3fff000000, 0x800000, 0x13, CKPT_LSEG_STACK, 0, 0, 0, strdup("")};
    return c;
}

static void assert_same(const struct ckpt_core *a, const struct ckpt_core *b)
{
    cr_assert_eq(a->pid, b->pid);
    cr_assert_eq(a->ppid, b->ppid);
    cr_assert_eq(a->pgid, b->pgid);
    cr_assert_eq(a->node, b->node);
    cr_assert_eq(a->signal, b->signal);
    cr_assert_eq(a->sig_code, b->sig_code);
    cr_assert_eq(a->sig_addr, b->sig_addr);
    cr_assert_eq(a->wstatus, b->wstatus);
    cr_assert_eq(a->pc, b->pc);
    cr_assert_arr_eq(a->x, b->x, sizeof a->x);
    cr_assert_arr_eq(a->f, b->f, sizeof a->f);
    cr_assert_eq(a->fcsr, b->fcsr);
    cr_assert_eq(a->instret, b->instret);
    cr_assert_eq(a->sigmask, b->sigmask);
    cr_assert_eq(a->sigpending, b->sigpending);
    cr_assert_arr_eq(a->sigact, b->sigact, sizeof a->sigact);
    cr_assert_str_eq(a->exe, b->exe);
    cr_assert_eq(a->nfd, b->nfd);
    for (size_t i = 0; i < a->nfd; i++) {
        cr_assert_eq(a->fd[i].fd, b->fd[i].fd);
        cr_assert_eq(a->fd[i].flags, b->fd[i].flags);
        cr_assert_eq(a->fd[i].fdflags, b->fd[i].fdflags);
        cr_assert_eq(a->fd[i].offset, b->fd[i].offset);
        cr_assert_str_eq(a->fd[i].path, b->fd[i].path);
    }
    cr_assert_eq(a->nlseg, b->nlseg);
    for (size_t i = 0; i < a->nlseg; i++) {
        const struct ckpt_lseg *x = &a->lseg[i], *y = &b->lseg[i];
        cr_assert(x->vaddr == y->vaddr && x->size == y->size && x->flags == y->flags &&
                  x->kind == y->kind && x->off == y->off && x->dev == y->dev && x->ino == y->ino);
        cr_assert_str_eq(x->path, y->path);
    }
}

static void encode(const struct ckpt_core *c, uint8_t **buf, size_t *len)
{
    cr_assert_eq(ckpt_core_encode(c, buf, len), 0);
}

Test(ckpt_core, round_trip)
{
    struct ckpt_core *c = sample(0), *d = NULL;
    uint8_t *buf;
    size_t len;
    encode(c, &buf, &len);
    cr_assert_eq(memcmp(buf, "SYMCORE", 8), 0);
    cr_assert_eq(ckpt_core_decode(buf, len, &d), 0);
    assert_same(c, d);
    free(buf);
    ckpt_core_free(c);
    ckpt_core_free(d);
}

Test(ckpt_core, null_strings_read_back_empty)
{
    struct ckpt_core c = {.pid = 5}, *d = NULL;
    struct ckpt_fd fd = {.fd = 1, .offset = -1};
    c.nfd = 1;
    c.fd = &fd;
    uint8_t *buf;
    size_t len;
    encode(&c, &buf, &len);
    cr_assert_eq(ckpt_core_decode(buf, len, &d), 0);
    cr_assert_str_eq(d->exe, "");
    cr_assert_str_eq(d->fd[0].path, "");
    cr_assert_eq(d->fd[0].offset, -1);
    free(buf);
    ckpt_core_free(d);
}

Test(ckpt_core, every_truncation_refused)
{
    struct ckpt_core *c = sample(1), *d = NULL;
    uint8_t *buf;
    size_t len;
    encode(c, &buf, &len);
    for (size_t n = 0; n < len; n++)
        cr_assert_eq(ckpt_core_decode(buf, n, &d), -EBADMSG, "length %zu of %zu", n, len);
    free(buf);
    ckpt_core_free(c);
}

Test(ckpt_core, trailing_bytes_refused)
{
    struct ckpt_core *c = sample(1), *d = NULL;
    uint8_t *buf;
    size_t len;
    encode(c, &buf, &len);
    uint8_t *big = calloc(1, len + 1);
    memcpy(big, buf, len);
    cr_assert_eq(ckpt_core_decode(big, len + 1, &d), -EBADMSG);
    free(big);
    free(buf);
    ckpt_core_free(c);
}

/* Invariant 2: no byte lies outside a crc, so every single-byte change is
 * refused (a format with padding would have to accept those). Every byte is
 * flipped with a random nonzero mask. */
Test(ckpt_core, every_byte_flip_refused)
{
    struct ckpt_core *c = sample(2), *d = NULL;
    uint8_t *buf;
    size_t len;
    encode(c, &buf, &len);
    srand(12345);
    for (size_t i = 0; i < len; i++) {
        uint8_t mask = (uint8_t)(1 + rand() % 255);
        buf[i] ^= mask;
        int r = ckpt_core_decode(buf, len, &d);
        cr_assert_eq(r, -EBADMSG, "byte %zu ^ 0x%02x: %d", i, mask, r);
        buf[i] ^= mask;
    }
    cr_assert_eq(ckpt_core_decode(buf, len, &d), 0);
    ckpt_core_free(d);
    free(buf);
    ckpt_core_free(c);
}

Test(ckpt_core, wrong_magic)
{
    struct ckpt_core *c = sample(3), *d = NULL;
    uint8_t *buf;
    size_t len;
    encode(c, &buf, &len);
    memcpy(buf, "ELFCORE", 8);
    cr_assert_eq(ckpt_core_decode(buf, len, &d), -EBADMSG);
    free(buf);
    ckpt_core_free(c);
}

/* Rewrite the header's version (and its crc, so the file is intact). */
static void set_version(uint8_t *buf, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        buf[8 + i] = (uint8_t)(v >> (8 * i));
    uint32_t crc = (uint32_t)crc32(0, buf, 28);
    for (int i = 0; i < 4; i++)
        buf[28 + i] = (uint8_t)(crc >> (8 * i));
}

Test(ckpt_core, newer_version_is_eproto_older_zero_ebadmsg)
{
    struct ckpt_core *c = sample(4), *d = NULL;
    uint8_t *buf;
    size_t len;
    encode(c, &buf, &len);
    set_version(buf, CKPT_VERSION + 1);
    cr_assert_eq(ckpt_core_decode(buf, len, &d), -EPROTO);
    set_version(buf, 0);
    cr_assert_eq(ckpt_core_decode(buf, len, &d), -EBADMSG);
    set_version(buf, CKPT_VERSION);
    cr_assert_eq(ckpt_core_decode(buf, len, &d), 0);
    ckpt_core_free(d);
    free(buf);
    ckpt_core_free(c);
}

static int tmpdir(char *path)
{
    strcpy(path, "/tmp/ckpt-test.XXXXXX");
    cr_assert_not_null(mkdtemp(path));
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(fd, 0);
    return fd;
}

/* Names in the directory other than . and .. */
static int count_entries(const char *path, const char *only)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!only || strcmp(e->d_name, only)))
            n++;
    closedir(d);
    return n;
}

Test(ckpt_core, atomic_write_replaces_whole_and_leaves_no_temp)
{
    char dir[64], file[128];
    int dfd = tmpdir(dir);
    snprintf(file, sizeof file, "%s/core.7", dir);
    struct ckpt_core *a = sample(5), *b = sample(6), *d = NULL;
    free(b->lseg[1].path);
    b->nlseg = 1; /* a shorter file replacing a longer one */
    cr_assert_eq(ckpt_core_write(dfd, "core.7", a), 0);
    cr_assert_eq(count_entries(dir, "core.7"), 0);
    cr_assert_eq(ckpt_core_read(file, &d), 0);
    assert_same(a, d);
    ckpt_core_free(d);
    cr_assert_eq(ckpt_core_write(dfd, "core.7", b), 0);
    cr_assert_eq(count_entries(dir, "core.7"), 0);
    cr_assert_eq(ckpt_core_read(file, &d), 0);
    assert_same(b, d);
    ckpt_core_free(d);
    cr_assert_eq(ckpt_core_write(dfd, "a/b", b), -EINVAL);
    cr_assert_eq(unlink(file), 0);
    cr_assert_eq(count_entries(dir, NULL), 0);
    close(dfd);
    rmdir(dir);
    ckpt_core_free(a);
    ckpt_core_free(b);
}

Test(ckpt_core, failed_write_leaves_nothing)
{
    char dir[64];
    int dfd = tmpdir(dir);
    struct ckpt_core *a = sample(7);
    free(a->exe);
    a->exe = malloc(CKPT_PATH_MAX + 1);
    memset(a->exe, 'x', CKPT_PATH_MAX);
    a->exe[CKPT_PATH_MAX] = 0;
    cr_assert_eq(ckpt_core_write(dfd, "core.8", a), -ENAMETOOLONG);
    cr_assert_eq(count_entries(dir, NULL), 0);
    close(dfd);
    rmdir(dir);
    ckpt_core_free(a);
}

Test(ckpt_core, read_errors)
{
    struct ckpt_core *d = NULL;
    cr_assert_eq(ckpt_core_read("/nonexistent/core.1", &d), -ENOENT);
    char dir[64], file[128];
    int dfd = tmpdir(dir);
    snprintf(file, sizeof file, "%s/empty", dir);
    close(open(file, O_CREAT | O_WRONLY, 0600));
    cr_assert_eq(ckpt_core_read(file, &d), -EBADMSG);
    unlink(file);
    close(dfd);
    rmdir(dir);
}
