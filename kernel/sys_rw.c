/*
 * sys_rw.c — moving bytes through a descriptor: read, write, pread64,
 * pwrite64, readv, writev, lseek and getdents64 (the directory's lazy
 * anonymous files, every node's, named first: remote.c), fsync and fdatasync
 * (a global segment's file written back by every memory module first). Guest
 * memory is reached only through k_copyin/k_copyout, with the node's bounce
 * buffer (k->bounce, K_BOUNCE_SIZE bytes: one per node, the node is
 * single-threaded) for data; a call that may block on a pipe or terminal
 * sleeps through the io gate instead of holding the node.
 */
#include "kernel/sys_file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interconnect/net.h"
#include "kernel/guest_abi.h"
#include "shm/cache.h"
#include "shm/names.h"
#include "shm/store.h"

/* Layouts that the host shares with riscv64, so bytes are passed unchanged. */
struct g_iovec {
    uint64_t base, len;
};

/* ---- Data transfer --------------------------------------------------------- */

/* A position in a guest iovec list. */
struct cursor {
    const struct g_iovec *iov;
    int cnt, i;
    uint64_t in; /* bytes of iov[i] already used */
};

/* The next contiguous guest piece of at most max bytes; 0 at the end. */
static uint64_t cur_piece(struct cursor *c, uint64_t max, uint64_t *addr)
{
    while (c->i < c->cnt && c->in == c->iov[c->i].len) {
        c->i++;
        c->in = 0;
    }
    if (c->i == c->cnt) return 0;
    uint64_t n = c->iov[c->i].len - c->in;
    *addr = c->iov[c->i].base + c->in;
    return n < max ? n : max;
}

static int is_regular(int h)
{
    struct stat sb;
    return fstat(h, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Host read at the current position (off < 0) or at off. */
static ssize_t host_in(int h, void *buf, size_t n, int64_t off)
{
    return off < 0 ? read(h, buf, n) : pread(h, buf, n, off);
}

/*
 * Read into the guest buffers. Each round is one host read into the bounce
 * buffer, then copied out; a second round happens only for regular files (a
 * pipe or terminal would block where Linux returns). If a copy-out faults, the
 * bytes not delivered are given back by seeking when the file can seek; from a
 * pipe they are lost (Linux also may consume data before it faults).
 */
static int64_t read_iov(struct k_proc *p, int h, const struct g_iovec *iov, int cnt, uint64_t total,
                        int64_t off)
{
    struct cursor c = {iov, cnt, 0, 0};
    uint8_t *bounce = p->k->bounce;
    uint64_t done = 0;
    do {
        size_t want = total - done < K_BOUNCE_SIZE ? total - done : K_BOUNCE_SIZE;
        ssize_t n = host_in(h, bounce, want, off < 0 ? off : off + (int64_t)done);
        if (n < 0) return done ? (int64_t)done : -errno;
        size_t put = 0;
        uint64_t addr, piece;
        while (put < (size_t)n && (piece = cur_piece(&c, n - put, &addr))) {
            if (k_copyout(p, addr, bounce + put, piece) < 0) break;
            put += piece;
            c.in += piece;
        }
        done += put;
        if (put < (size_t)n) {
            if (off < 0) lseek(h, -(off_t)(n - put), SEEK_CUR);
            return done ? (int64_t)done : -EFAULT;
        }
        if ((size_t)n < want || n == 0 || (done < total && !is_regular(h))) break;
    } while (done < total);
    return (int64_t)done;
}

/* Linux sends SIGPIPE to a writer into a pipe with no reader. */
static ssize_t host_out(struct k_proc *p, int h, const void *buf, size_t n, int64_t off)
{
    ssize_t r = off < 0 ? write(h, buf, n) : pwrite(h, buf, n, off);
    if (r < 0 && errno == EPIPE) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = SIGPIPE;
        si.si_code = SI_USER;
        k_signal_post(p, SIGPIPE, &si);
        errno = EPIPE;
    }
    return r;
}

/*
 * Write the guest buffers: gather up to a bounce buffer's worth, one host
 * write per round. A fault in the middle writes what was gathered before it,
 * as Linux writes up to the first bad byte (here: the first bad piece).
 */
static int64_t write_iov(struct k_proc *p, int h, const struct g_iovec *iov, int cnt,
                         uint64_t total, int64_t off)
{
    struct cursor c = {iov, cnt, 0, 0};
    uint8_t *bounce = p->k->bounce;
    uint64_t done = 0;
    do {
        size_t fill = 0;
        int fault = 0;
        uint64_t addr, piece;
        while (done + fill < total && fill < K_BOUNCE_SIZE &&
               (piece = cur_piece(&c, K_BOUNCE_SIZE - fill, &addr))) {
            if (total - done - fill < piece) piece = total - done - fill;
            if (k_copyin(p, bounce + fill, addr, piece) < 0) {
                fault = 1;
                break;
            }
            fill += piece;
            c.in += piece;
        }
        if (fill == 0 && fault) return done ? (int64_t)done : -EFAULT;
        ssize_t n = host_out(p, h, bounce, fill, off < 0 ? off : off + (int64_t)done);
        if (n < 0) return done ? (int64_t)done : -errno;
        done += (uint64_t)n;
        if ((size_t)n < fill || fault || fill == 0) break;
    } while (done < total);
    return (int64_t)done;
}

/*
 * A pipe, terminal or socket opened blocking would stop the whole node in a
 * host read or write, with the process that would unblock it on the same PE:
 * the caller sleeps on the descriptor instead (proc.c polls it) and the call
 * runs again when it is ready. Regular files and descriptors the guest made
 * non-blocking go straight through.
 */
struct io_gate {
    int flags;     /* the host descriptor's status flags, to restore */
    bool nonblock; /* set O_NONBLOCK for this call */
};

/* May a blocking host call on f block? Asked of the host once per description. */
static bool may_block(struct k_file *f)
{
    struct stat sb;
    if (!f->stream)
        f->stream = fstat(f->hostfd, &sb) < 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode) ||
                            S_ISBLK(sb.st_mode)
                        ? 2
                        : 1;
    return f->stream == 1;
}

static int64_t gate_open(struct k_proc *p, struct k_file *f, int wr, struct io_gate *g)
{
    int h = f->hostfd;
    g->nonblock = false;
    if (!may_block(f)) return 0;
    if ((g->flags = fcntl(h, F_GETFL)) < 0 || (g->flags & O_NONBLOCK)) return 0;
    struct pollfd pf = {.fd = h, .events = wr ? POLLOUT : POLLIN};
    if (poll(&pf, 1, 0) <= 0) {
        if (k_signal_interrupts(p)) return K_ERESTART;
        p->blk.hostfd = h;
        p->blk.events = pf.events;
        return K_BLOCK;
    }
    /* Ready; a write may still be larger than the room: take what fits. */
    if (wr && fcntl(h, F_SETFL, g->flags | O_NONBLOCK) == 0) g->nonblock = true;
    return 0;
}

/* Restore the descriptor; a write that found no room after all sleeps. */
static int64_t gate_close(struct k_proc *p, int h, int wr, struct io_gate *g, int64_t r)
{
    if (!g->nonblock) return r;
    fcntl(h, F_SETFL, g->flags);
    if (r != -EAGAIN) return r;
    p->blk.hostfd = h;
    p->blk.events = wr ? POLLOUT : POLLIN;
    return K_BLOCK;
}

/* Read or write one guest buffer. */
static int64_t xfer1(struct k_proc *p, const uint64_t a[6], int64_t off, int wr)
{
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    struct g_iovec one = {a[1], a[2] < G_MAX_RW ? a[2] : G_MAX_RW};
    struct io_gate g;
    int64_t r = off < 0 ? gate_open(p, f, wr, &g) : (g.nonblock = false, 0);
    if (r) return r;
    int64_t cow = 0;
    if (f->image && wr) /* mapped pages reach the file; private mappers keep theirs */
        r = k_vm_file_before_write(p->k, f->hostfd, off, one.len);
    else if (f->image) { /* mapped pages reach the file; resident ones are mapped (§4.3(3)) */
        k_vm_file_before_io(p->k, f->hostfd);
        cow = k_vm_read_cow(p, f->hostfd, off, one.base, one.len);
        one.base += (uint64_t)cow, one.len -= (uint64_t)cow;
        if (off >= 0) off += cow;
    }
    if (!r && (one.len || !cow))
        r = wr ? write_iov(p, f->hostfd, &one, 1, one.len, off)
               : read_iov(p, f->hostfd, &one, 1, one.len, off);
    if (cow) r = r > 0 ? r + cow : cow;
    if (f->image && wr && r > 0) k_vm_file_after_write(p->k, f->hostfd); /* and back */
    return gate_close(p, f->hostfd, wr, &g, r);
}

/* Read or write a guest iovec list (readv/writev). */
static int64_t xferv(struct k_proc *p, const uint64_t a[6], int wr)
{
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    int64_t cnt = (int64_t)a[2];
    struct g_iovec iovs[G_IOV_MAX];
    if (cnt < 0 || cnt > G_IOV_MAX) return -EINVAL;
    if (k_copyin(p, iovs, a[1], (uint64_t)cnt * sizeof iovs[0]) < 0) return -EFAULT;
    uint64_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if ((int64_t)iovs[i].len < 0) return -EINVAL;
        if (iovs[i].len > G_MAX_RW - total)
            iovs[i].len = G_MAX_RW - total; /* Linux truncates the excess */
        total += iovs[i].len;
    }
    struct io_gate g;
    int64_t r = gate_open(p, f, wr, &g);
    if (r) return r;
    if (f->image && wr)
        r = k_vm_file_before_write(p->k, f->hostfd, -1, total);
    else if (f->image)
        k_vm_file_before_io(p->k, f->hostfd);
    if (!r)
        r = wr ? write_iov(p, f->hostfd, iovs, (int)cnt, total, -1)
               : read_iov(p, f->hostfd, iovs, (int)cnt, total, -1);
    if (f->image && wr && r > 0) k_vm_file_after_write(p->k, f->hostfd);
    return gate_close(p, f->hostfd, wr, &g, r);
}

int64_t sys_read(struct k_proc *p, const uint64_t a[6])
{
    return xfer1(p, a, -1, 0);
}

int64_t sys_write(struct k_proc *p, const uint64_t a[6])
{
    return xfer1(p, a, -1, 1);
}

int64_t sys_pread64(struct k_proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0) return k_file_peek(p, (int)a[0]) ? -EINVAL : -EBADF;
    return xfer1(p, a, (int64_t)a[3], 0);
}

int64_t sys_pwrite64(struct k_proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0) return k_file_peek(p, (int)a[0]) ? -EINVAL : -EBADF;
    return xfer1(p, a, (int64_t)a[3], 1);
}

int64_t sys_readv(struct k_proc *p, const uint64_t a[6])
{
    return xferv(p, a, 0);
}

int64_t sys_writev(struct k_proc *p, const uint64_t a[6])
{
    return xferv(p, a, 1);
}

int64_t sys_lseek(struct k_proc *p, const uint64_t a[6])
{
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    off_t r = lseek(f->hostfd, (off_t)a[1], (int)a[2]);
    return r < 0 ? -errno : r;
}

/* Remove the records of hidden anonymous files from n bytes of linux_dirent64
 * records (d_reclen at 16, d_name at 19); returns the bytes left. */
static long drop_hidden(uint8_t *buf, long n)
{
    long in = 0, out = 0;
    while (in + 19 < n) {
        uint16_t reclen;
        memcpy(&reclen, buf + in + 16, sizeof reclen);
        if (reclen == 0 || in + reclen > n) break;
        if (!store_names_anon_is_hidden((const char *)buf + in + 19)) {
            memmove(buf + out, buf + in, reclen);
            out += reclen;
        }
        in += reclen;
    }
    return out;
}

/* Before listing a directory, its anonymous files get names (they become
 * visible); a failure to name one only leaves it out of the listing. A
 * listing from its start (position 0: opendir, rewinddir) first asks every
 * other node to name its own there (k_remote_namedir; the caller sleeps
 * until all answered and is called again). */
int64_t sys_getdents64(struct k_proc *p, const uint64_t a[6])
{
    int e = k_host_refuses(p, (int)a[0], -ENOTDIR); /* a host directory is not listed */
    if (e) return e;
    int err;
    struct k_file *f = k_file_get(p, (int)a[0], &err);
    if (!f) return err;
    off_t pos = lseek(f->hostfd, 0, SEEK_CUR);
    struct stat d;
    if (f->dirpath && fstat(f->hostfd, &d) == 0) {
        struct k_kernel *k = p->k;
        if (p->rpc.id) { /* called again: the other nodes named theirs */
            if (p->rpc.waiting > 0) return K_BLOCK;
            k_rpc_end(p);
        } else if (pos == 0 && k->cfg.net && k->cfg.nodes > 1 &&
                   k_remote_namedir(p, (uint64_t)d.st_dev, (uint64_t)d.st_ino) == 0) {
            return K_BLOCK;
        }
        k_files_name_dir(k, (uint64_t)d.st_dev, (uint64_t)d.st_ino);
    }
    uint8_t *bounce = p->k->bounce;
    size_t want = a[2] < K_BOUNCE_SIZE ? a[2] : K_BOUNCE_SIZE;
    long n;
    do { /* a batch of hidden names only is not the end of the directory */
        n = syscall(SYS_getdents64, f->hostfd, bounce, want);
        if (n < 0) return -errno;
    } while (n > 0 && (n = drop_hidden(bounce, n)) == 0);
    if (n > 0 && k_copyout(p, a[1], bounce, (uint64_t)n) < 0) {
        if (pos >= 0) lseek(f->hostfd, pos, SEEK_SET); /* the entries were not seen */
        return -EFAULT;
    }
    return n;
}

/*
 * fsync/fdatasync of a global segment's file (blk.fn; a[0] fd, a[1] op, a[2]
 * the segment, a[3] 1 once the sync request is issued): the process's own
 * requests complete first (the node cache's dirty lines it writes back
 * included), then every MM of every rank writes the segment back (the
 * sync-segment request, k_net_sync_seg), then the host call. It sleeps
 * without holding the PE, as for its memory requests. EIO if an MM's
 * write-back failed.
 */
static int64_t gsync_wait(struct k_proc *p, const uint64_t a[6])
{
    if (p->net.inflight) return K_BLOCK; /* woken early: its replies are due */
    if (!a[3]) {
        int rc = k_net_sync_seg(p, a[2]);
        if (rc < 0) return rc;
        if (rc == 0) p->blk.a[3] = 1;
        p->net.pending = p->net.inflight > 0; /* wakes with the last reply */
        return p->net.inflight ? K_BLOCK : 0;
    }
    int err = net_eng_sync_err(p->k->cfg.eng, (uint32_t)p->pid);
    int64_t r = k_fd_host_op(p, (int)a[0], (int)a[1] + 4, 0); /* the host call only */
    return err ? -EIO : r;
}

/* fsync, fdatasync, ftruncate, fchmod: the host call on the host fd, or the
 * cache's when the file has an image (mapped pages). fsync and fdatasync of
 * a global segment's file sleep in gsync_wait first; op 4, 5: after it. */
int64_t k_fd_host_op(struct k_proc *p, int fd, int op, uint64_t arg)
{
    bool after = op >= 4;
    if (after) op -= 4;
    struct k_file *f = k_file_peek(p, fd);
    if (f && f->vimg && op == 2) { /* ftruncate of a virtual file: its image's size */
        int r = store_cache_image_set_size(f->vimg, arg);
        if (r != -EBUSY) return r; /* a mapped page would vanish: the host way */
    }
    int err;
    f = k_file_get(p, fd, &err);
    if (!f) return err;
    if (f->host) after = true; /* no store step: fsync, fdatasync only (others refused) */
    if (op <= 1 && !after) {
        store_names_anon_materialize(p->k->names, f->hostfd); /* data reaches the store */
        uint64_t seg;
        if (p->k->cfg.eng && store_gseg_find(p->k->cfg.store, f->hostfd, &seg) == 1) {
            int c = k_vm_file_sync(p->k, f->hostfd);
            if (c < 0) return c;
            p->blk.fn = gsync_wait;
            p->blk.a[0] = (uint64_t)fd, p->blk.a[1] = (uint64_t)op, p->blk.a[2] = seg;
            p->blk.a[3] = 0;
            int64_t r = gsync_wait(p, p->blk.a);
            if (r != K_BLOCK) p->blk = (struct k_block){0};
            return r;
        }
    }
    if (op <= 2 && !after) { /* a file with cached pages: through the cache (vm.c) */
        int c =
            op == 2 ? k_vm_file_truncate(p->k, f->hostfd, arg) : k_vm_file_sync(p->k, f->hostfd);
        if (c <= 0) return c;
    }
    int r = op == 0   ? fsync(f->hostfd)
            : op == 1 ? fdatasync(f->hostfd)
            : op == 2 ? ftruncate(f->hostfd, (off_t)arg)
                      : fchmod(f->hostfd, (mode_t)(arg & 07777));
    return r < 0 ? -errno : 0;
}

int64_t sys_fsync(struct k_proc *p, const uint64_t a[6])
{
    return k_fd_host_op(p, (int)a[0], 0, 0);
}

int64_t sys_fdatasync(struct k_proc *p, const uint64_t a[6])
{
    return k_fd_host_op(p, (int)a[0], 1, 0);
}
