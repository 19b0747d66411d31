/*
 * remote.c — the node kernels of a job as one system: spawn placing children
 * on other nodes, their exits reported to their parents' nodes, kill, the
 * information calls and pdup reaching processes anywhere, and the end of the
 * job when the initial process and every descendant, wherever it ran, are
 * gone.
 * docs/kernel.md "Processes across nodes" is the description.
 *
 * Node kernels talk by byte messages (interconnect/net.h net_msg_*), which
 * keep their order between two ranks. A child placed on node B by a parent on
 * node A runs on B under a pid of B's; A keeps a stand-in (state K_REMOTE)
 * that wait4 and kill see; B reports the child's exit to A, where the
 * stand-in turns zombie. A process waiting for another node (spawn, kill,
 * pinfo...) sleeps on p->rpc until the replies are in.
 *
 * Files are the same on every node: a process that ends abnormally marks its
 * files on every other node too (ABNORMAL), so that a close action sees it
 * wherever the last close happens; a process reading a directory first asks
 * every other node to name its lazy anonymous files there (NAMEDIR).
 *
 * Termination is Dijkstra and Scholten's for diffusing computations, with
 * spawn messages as the only ones that create work: every SPAWN is
 * acknowledged (ACK); a node that was idle when a SPAWN came is "engaged" to
 * its sender and keeps that acknowledgement back until it has no process
 * left and all of its own SPAWNs were acknowledged. Node 0 is the root: when
 * it has no process and no unacknowledged SPAWN, no process exists anywhere
 * and none is on its way, and the job ends. Exits, kills and replies never
 * create processes, so they need no acknowledgement.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interconnect/net.h"
#include "kernel/proc.h"
#include "shm/names.h"

/* The indexes of a SPAWN take this many bytes: the image after them stays
 * 8-byte aligned. */
static size_t idx_bytes(int m)
{
    return ((size_t)m * sizeof(int32_t) + 7) & ~(size_t)7;
}

/* Message kinds. */
enum {
    KM_SPAWN = 1, /* id, pid = parent, a[0] exit signal, a[1] m; m indexes; the image */
    KM_SPAWNED,   /* id, pid = parent, a[0] error, a[1] m, a[2] exit signal; m (index, pid) */
    KM_EXIT,      /* pid = the child, ppid, a[0] wait status */
    KM_REPARENT,  /* pid = the child, ppid = its new parent (0: none) */
    KM_KILL,      /* id, pid = sender, a[0] mode, a[1] target, a[2] signal */
    KM_KILLED,    /* id, pid = sender, a[0] hits or -errno */
    KM_INFO,      /* id, pid = asker, a[0] kind, a[1] target pid, arg */
    KM_INFOED,    /* id, pid = asker, a[0] 0 or -errno; the answer */
    KM_PDUP,      /* id, pid = asker, a[0] target pid; a struct ship_fd and its path */
    KM_PDUPED,    /* id, pid = asker, a[0] the descriptor number or -errno */
    KM_ACK,       /* a SPAWN acknowledged (termination) */
    KM_ABNORMAL,  /* a process ended abnormally holding these files: (dev, ino) pairs */
    KM_NAMEDIR,   /* id, pid = reader, arg = the directory's dev; its ino */
    KM_NAMEDDIR,  /* id, pid = reader: the lazy files there are named */
};

/* Every message starts with this header. The ranks run one build (checked
 * at start), so the layout is the same on both ends. */
struct km {
    uint32_t type;
    int32_t pid, ppid;
    int32_t a[3];
    uint64_t id, arg;
};

bool k_pid_remote(const struct k_kernel *k, int pid)
{
    int node = k_pid_node(pid);
    return k->cfg.net && node >= 0 && node < k->cfg.nodes && node != k->cfg.node;
}

/* Send header h and len bytes of body to node. On failure the job cannot go
 * on correctly (a lost exit or acknowledgement would hang it): end it. */
static int km_send(struct k_kernel *k, int node, const struct km *h, const void *body, size_t len)
{
    uint8_t stack[512], *buf = stack;
    size_t total = sizeof *h + len;
    if (total > sizeof stack && !(buf = malloc(total))) return -ENOMEM;
    memcpy(buf, h, sizeof *h);
    if (len) memcpy(buf + sizeof *h, body, len);
    int rc = net_msg_send(k->cfg.net, node, buf, total);
    if (buf != stack) free(buf);
    if (rc && !k->net_err) {
        k->net_err = rc;
        k_request_kill(k, SIGKILL);
    }
    return rc;
}

/* ---- Requests of a process ------------------------------------------------- */

void k_rpc_begin(struct k_proc *p, int replies)
{
    k_rpc_end(p);
    p->rpc.id = ++p->k->rpc_seq;
    p->rpc.waiting = replies;
}

void k_rpc_end(struct k_proc *p)
{
    free(p->rpc.data);
    free(p->rpc.pids);
    memset(&p->rpc, 0, sizeof p->rpc);
}

/* The local process waiting for reply id, or NULL (it ended meanwhile). */
static struct k_proc *asker(struct k_kernel *k, int pid, uint64_t id)
{
    struct k_proc *p = k_proc_find(k, pid);
    return p && p->rpc.id == id && p->rpc.waiting > 0 ? p : NULL;
}

/* One reply is in: the last one wakes the asker. */
static void replied(struct k_proc *p)
{
    if (--p->rpc.waiting == 0) k_wake(p);
}

/* ---- Spawn ------------------------------------------------------------------ */

int k_remote_spawn(struct k_proc *p, int node, const uint8_t *img, size_t len, const int32_t *idx,
                   int m, int exit_signal)
{
    struct k_kernel *k = p->k;
    size_t blen = idx_bytes(m) + len;
    uint8_t *body = calloc(1, blen);
    if (!body) return -ENOMEM;
    memcpy(body, idx, (size_t)m * sizeof *idx);
    memcpy(body + idx_bytes(m), img, len);
    struct km h = {.type = KM_SPAWN, .pid = p->pid, .id = p->rpc.id, .a = {exit_signal, m}};
    int rc = km_send(k, node, &h, body, blen);
    free(body);
    if (!rc) k->ds_deficit++;
    return rc;
}

/* Node B: make the children a SPAWN asks for, all or none, and answer. */
static void on_spawn(struct k_kernel *k, int src, const struct km *h, const uint8_t *body,
                     size_t len)
{
    int m = h->a[1];
    int32_t pairs[2 * K_SPAWN_MAX];
    struct k_proc *kids[K_SPAWN_MAX];
    int err = 0, made = 0;
    if (m < 1 || m > K_SPAWN_MAX || len < idx_bytes(m)) err = -EBADMSG;
    if (!err && k->nprocs + m > K_NPROC_MAX) err = -EAGAIN;
    const int32_t *idx = (const int32_t *)body;
    const uint8_t *img = err ? NULL : body + idx_bytes(m);
    size_t ilen = err ? 0 : len - idx_bytes(m);
    for (; !err && made < m; made++) {
        struct k_proc *c;
        /* The first child from the image, its siblings as copies of it: they
         * share its pages copy-on-write (text, data) instead of one private
         * copy of the image each, and its open file descriptions. */
        err =
            made == 0 ? k_proc_unpack(k, img, ilen, &c) : k_proc_copy(kids[0], h->a[0], false, &c);
        if (err) break;
        c->ppid = h->pid;
        c->family_index = idx[made];
        c->exit_signal = h->a[0];
        rv_state(c->hart)->x[10] = (uint64_t)idx[made];
        kids[made] = c;
        pairs[2 * made] = idx[made];
        pairs[2 * made + 1] = c->pid;
    }
    if (err) {
        while (made-- > 0) /* never ran */
            k_proc_free(kids[made]);
        made = 0;
    }
    for (int i = 0; i < made; i++) {
        kids[i]->state = K_RUNNABLE;
        k_rq_push(k, kids[i]);
    }
    struct km r = {.type = KM_SPAWNED, .pid = h->pid, .id = h->id, .a = {err, made, h->a[0]}};
    km_send(k, src, &r, pairs, (size_t)made * 2 * sizeof(int32_t));
    /* Termination: the first SPAWN of an idle node engages it to src; any
     * other is acknowledged at once. */
    if (k->cfg.node != 0 && !k->ds_engaged) {
        k->ds_engaged = true;
        k->ds_parent = src;
    } else {
        struct km ack = {.type = KM_ACK};
        km_send(k, src, &ack, NULL, 0);
    }
}

/* Node A: the children on src exist (or failed): each gets a stand-in here,
 * unless the parent ended meanwhile; then src is told they have no parent
 * (they are reaped when they end). */
static void on_spawned(struct k_kernel *k, int src, const struct km *h, const int32_t *pairs,
                       size_t len)
{
    int m = h->a[1];
    if (m < 0 || len < (size_t)m * 2 * sizeof(int32_t)) m = 0;
    struct k_proc *p = asker(k, h->pid, h->id);
    for (int i = 0; i < m; i++) {
        int index = pairs[2 * i], pid = pairs[2 * i + 1];
        struct k_proc *s = p ? k_stub_new(k, pid, src) : NULL;
        if (!s) { /* nobody here will wait for it */
            k_remote_reparent(k, pid, src, 0);
            continue;
        }
        s->ppid = p->pid;
        s->pgid = p->pgid;
        s->sid = p->sid;
        s->family = p->family;
        s->family_index = index;
        s->exit_signal = h->a[2]; /* what the parent is sent when the child's exit comes */
        if (index >= 1 && index <= K_SPAWN_MAX && p->rpc.pids) p->rpc.pids[index - 1] = pid;
    }
    if (!p) return;
    if (h->a[0] && !p->rpc.ret) p->rpc.ret = h->a[0];
    replied(p);
}

/* ---- Exits and orphans ---------------------------------------------------------- */

struct k_proc *k_stub_new(struct k_kernel *k, int pid, int node)
{
    struct k_proc *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->k = k;
    s->pid = pid;
    s->rnode = node;
    s->stub = true;
    s->state = K_REMOTE;
    k_vm_init(&s->vm);
    s->next = k->procs;
    k->procs = s;
    k->nprocs++;
    return s;
}

struct k_proc *k_stub_find(struct k_kernel *k, int pid)
{
    for (struct k_proc *q = k->procs; q; q = q->next)
        if (q->pid == pid && q->stub) return q;
    return NULL;
}

void k_remote_exit(struct k_proc *p)
{
    struct km h = {.type = KM_EXIT, .pid = p->pid, .ppid = p->ppid, .a = {p->wstatus}};
    km_send(p->k, k_pid_node(p->ppid), &h, NULL, 0);
    k_reap_later(p); /* its parent's node keeps the zombie */
}

static void on_exit_msg(struct k_kernel *k, const struct km *h)
{
    struct k_proc *s = k_stub_find(k, h->pid);
    if (!s || s->state != K_REMOTE) return; /* orphaned meanwhile: nobody waits */
    s->state = K_ZOMBIE;
    s->k->sweep_due = true;
    s->wstatus = h->a[0];
    k_notify_parent(s);
}

void k_remote_reparent(struct k_kernel *k, int pid, int node, int ppid)
{
    struct km h = {.type = KM_REPARENT, .pid = pid, .ppid = ppid};
    km_send(k, node, &h, NULL, 0);
}

static void on_reparent(struct k_kernel *k, const struct km *h)
{
    struct k_proc *p = k_proc_find(k, h->pid);
    if (p && p->state != K_ZOMBIE) p->ppid = h->ppid;
}

/* ---- kill ------------------------------------------------------------------------ */

int k_remote_kill(struct k_proc *p, int mode, int target, int sig)
{
    struct k_kernel *k = p->k;
    bool one = mode == K_KILL_PID || mode == K_KILL_TID;
    k_rpc_begin(p, one ? 1 : k->cfg.nodes - 1);
    struct km h = {.type = KM_KILL, .pid = p->pid, .id = p->rpc.id, .a = {mode, target, sig}};
    for (int n = 0; n < k->cfg.nodes; n++) {
        if (n == k->cfg.node || (one && n != k_pid_node(target))) continue;
        int rc = km_send(k, n, &h, NULL, 0);
        if (rc) {
            k_rpc_end(p);
            return rc;
        }
    }
    return 0;
}

void k_remote_kill_send(struct k_kernel *k, int sender, int pid, int sig)
{
    struct km h = {.type = KM_KILL, .pid = sender, .a = {K_KILL_PID, pid, sig}};
    km_send(k, k_pid_node(pid), &h, NULL, 0); /* id 0: the reply finds no asker */
}

static void on_kill(struct k_kernel *k, int src, const struct km *h)
{
    int hits = k_kill_local(k, h->pid, h->a[0], h->a[1], h->a[2]);
    struct km r = {.type = KM_KILLED, .pid = h->pid, .id = h->id, .a = {hits}};
    km_send(k, src, &r, NULL, 0);
}

static void on_killed(struct k_kernel *k, const struct km *h)
{
    struct k_proc *p = asker(k, h->pid, h->id);
    if (!p) return;
    p->rpc.ret += h->a[0];
    replied(p);
}

/* ---- pinfo, pmemaddr, pmemvect ---------------------------------------------------- */

int k_remote_info(struct k_proc *p, int kind, int pid, uint64_t arg)
{
    k_rpc_begin(p, 1);
    struct km h = {.type = KM_INFO, .pid = p->pid, .id = p->rpc.id, .a = {kind, pid}, .arg = arg};
    int rc = km_send(p->k, k_pid_node(pid), &h, NULL, 0);
    if (rc) k_rpc_end(p);
    return rc;
}

static void on_info(struct k_kernel *k, int src, const struct km *h)
{
    void *ans = NULL;
    size_t len = 0;
    int rc = k_info_local(k, h->a[0], h->a[1], h->arg, &ans, &len);
    struct km r = {.type = KM_INFOED, .pid = h->pid, .id = h->id, .a = {rc}};
    km_send(k, src, &r, rc ? NULL : ans, rc ? 0 : len);
    free(ans);
}

static void on_infoed(struct k_kernel *k, const struct km *h, const uint8_t *body, size_t len)
{
    struct k_proc *p = asker(k, h->pid, h->id);
    if (!p) return;
    p->rpc.ret = h->a[0];
    if (!h->a[0] && (p->rpc.data = malloc(len ? len : 1))) {
        memcpy(p->rpc.data, body, len);
        p->rpc.len = len;
    } else if (!h->a[0]) {
        p->rpc.ret = -ENOMEM;
    }
    replied(p);
}

/* ---- pdup ----------------------------------------------------------------------------- */

/* A descriptor as it travels: then its guest path, NUL-terminated. */
struct ship_fd {
    int32_t stream;
    uint32_t flags;
    int64_t offset;
};

int64_t k_remote_pdup(struct k_proc *p, int pid, int fd)
{
    if (p->rpc.id) { /* called again: the answer */
        if (p->rpc.waiting > 0) return K_BLOCK;
        int64_t r = p->rpc.ret;
        k_rpc_end(p);
        return r;
    }
    struct k_ship_fd d = {0};
    int rc = k_file_ship_one(p, fd, &d);
    if (rc) {
        free(d.path);
        return rc;
    }
    size_t plen = d.path ? strlen(d.path) + 1 : 0;
    uint8_t *body = malloc(sizeof(struct ship_fd) + plen);
    if (!body) {
        free(d.path);
        return -ENOMEM;
    }
    struct ship_fd w = {.stream = d.stream, .flags = d.flags, .offset = d.offset};
    memcpy(body, &w, sizeof w);
    if (plen) memcpy(body + sizeof w, d.path, plen);
    free(d.path);
    k_rpc_begin(p, 1);
    struct km h = {.type = KM_PDUP, .pid = p->pid, .id = p->rpc.id, .a = {pid}};
    rc = km_send(p->k, k_pid_node(pid), &h, body, sizeof w + plen);
    free(body);
    if (rc) {
        k_rpc_end(p);
        return rc;
    }
    return K_BLOCK;
}

static void on_pdup(struct k_kernel *k, int src, const struct km *h, const uint8_t *body,
                    size_t len)
{
    struct k_proc *t = k_proc_find(k, h->a[0]);
    struct ship_fd w;
    int rc;
    if (!t || t->state == K_ZOMBIE) {
        rc = -ESRCH;
    } else if (len < sizeof w || (len > sizeof w && body[len - 1] != 0)) {
        rc = -EINVAL; /* not from this build */
    } else {
        memcpy(&w, body, sizeof w);
        struct k_ship_fd d = {.stream = w.stream, .flags = w.flags, .offset = w.offset};
        d.path = len > sizeof w ? (char *)(body + sizeof w) : NULL;
        rc = k_file_land_free(t, &d);
        if (rc == -EBADMSG) rc = -EINVAL;
    }
    struct km r = {.type = KM_PDUPED, .pid = h->pid, .id = h->id, .a = {rc}};
    km_send(k, src, &r, NULL, 0);
}

static void on_pduped(struct k_kernel *k, const struct km *h)
{
    struct k_proc *p = asker(k, h->pid, h->id);
    if (!p) return;
    p->rpc.ret = h->a[0];
    replied(p);
}

/* ---- Files across nodes -------------------------------------------------------------- */

void k_remote_abnormal(struct k_kernel *k, const uint64_t *ids, size_t n)
{
    if (!k->cfg.net || k->cfg.nodes < 2 || n == 0) return;
    struct km h = {.type = KM_ABNORMAL};
    for (int node = 0; node < k->cfg.nodes; node++)
        if (node != k->cfg.node) km_send(k, node, &h, ids, n * 2 * sizeof *ids);
}

static void on_abnormal(struct k_kernel *k, const uint8_t *body, size_t len)
{
    for (size_t off = 0; off + 2 * sizeof(uint64_t) <= len; off += 2 * sizeof(uint64_t)) {
        uint64_t id[2];
        memcpy(id, body + off, sizeof id);
        store_names_file_abnormal_id(k->names, (dev_t)id[0], (ino_t)id[1]);
    }
}

int k_remote_namedir(struct k_proc *p, uint64_t dev, uint64_t ino)
{
    struct k_kernel *k = p->k;
    k_rpc_begin(p, k->cfg.nodes - 1);
    struct km h = {.type = KM_NAMEDIR, .pid = p->pid, .id = p->rpc.id, .arg = dev};
    for (int n = 0; n < k->cfg.nodes; n++) {
        if (n == k->cfg.node) continue;
        int rc = km_send(k, n, &h, &ino, sizeof ino);
        if (rc) {
            k_rpc_end(p);
            return rc;
        }
    }
    return 0;
}

static void on_namedir(struct k_kernel *k, int src, const struct km *h, const uint8_t *body,
                       size_t len)
{
    uint64_t ino;
    if (len == sizeof ino) {
        memcpy(&ino, body, sizeof ino);
        k_files_name_dir(k, h->arg, ino);
    }
    struct km r = {.type = KM_NAMEDDIR, .pid = h->pid, .id = h->id};
    km_send(k, src, &r, NULL, 0);
}

static void on_nameddir(struct k_kernel *k, const struct km *h)
{
    struct k_proc *p = asker(k, h->pid, h->id);
    if (p) replied(p);
}

/* ---- Messages and termination ------------------------------------------------------ */

static void dispatch(struct k_kernel *k, int src, const uint8_t *buf, size_t len)
{
    struct km h;
    if (len < sizeof h) return; /* not from this build: ignore */
    memcpy(&h, buf, sizeof h);
    const uint8_t *body = buf + sizeof h;
    size_t blen = len - sizeof h;
    switch (h.type) {
    case KM_SPAWN: on_spawn(k, src, &h, body, blen); break;
    case KM_SPAWNED: on_spawned(k, src, &h, (const int32_t *)body, blen); break;
    case KM_EXIT: on_exit_msg(k, &h); break;
    case KM_REPARENT: on_reparent(k, &h); break;
    case KM_KILL: on_kill(k, src, &h); break;
    case KM_KILLED: on_killed(k, &h); break;
    case KM_INFO: on_info(k, src, &h); break;
    case KM_INFOED: on_infoed(k, &h, body, blen); break;
    case KM_PDUP: on_pdup(k, src, &h, body, blen); break;
    case KM_PDUPED: on_pduped(k, &h); break;
    case KM_ABNORMAL: on_abnormal(k, body, blen); break;
    case KM_NAMEDIR: on_namedir(k, src, &h, body, blen); break;
    case KM_NAMEDDIR: on_nameddir(k, &h); break;
    case KM_ACK:
        if (k->ds_deficit) k->ds_deficit--;
        break;
    default: break;
    }
}

void k_remote_poll(struct k_kernel *k)
{
    struct net *n = k->cfg.net;
    if (!n || k->cfg.nodes < 2) return;
    for (;;) {
        int src;
        void *buf;
        size_t len;
        int rc = net_msg_recv(n, &src, &buf, &len);
        if (rc <= 0) {
            if (rc < 0 && !k->net_err) {
                k->net_err = rc;
                k_request_kill(k, SIGKILL);
            }
            break;
        }
        /* malloc'd by net_msg_recv: aligned for the int32 arrays in bodies */
        dispatch(k, src, buf, len);
        free(buf);
    }
    if (k->cfg.node != 0 && k->ds_engaged && k->nlive == 0 && k->ds_deficit == 0) {
        struct km ack = {.type = KM_ACK};
        k->ds_engaged = false;
        km_send(k, k->ds_parent, &ack, NULL, 0);
    }
    if (k->cfg.node != 0 && !k->job_ended) {
        int st = 0;
        int rc = net_job_end_test(n, &st);
        if (rc == 1) {
            k->job_ended = true;
            k->job_status = st;
        }
    }
}

bool k_remote_done(struct k_kernel *k)
{
    if (!k->cfg.net || k->cfg.nodes < 2) return k->nlive == 0;
    if (k->cfg.node == 0) return k->nlive == 0 && k->ds_deficit == 0;
    return k->job_ended;
}
