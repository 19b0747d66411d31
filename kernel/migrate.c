/*
 * migrate.c — a process as bytes and back (docs/kernel.md "Shipping a
 * process"): what a spawn child placed on another node takes from its parent.
 * k_proc_pack turns the parent into the bytes of the child-to-be, applying
 * each lseg's spawn action as fork_region does on one node; k_proc_unpack
 * builds an EMBRYO process of another node's kernel from them. No MPI here:
 * kernel/remote.c carries the bytes between ranks.
 *
 * Format (version 1; every integer little-endian, fixed width):
 *   header   "SYMPROC\0", u32 version, u32 flags (0), u64 total length
 *   core     u32 length, then a core description (ckpt_core_encode): ids,
 *            registers, signal mask and actions, exe, the child's lsegs
 *            and the descriptors that travel (a stream's path is "")
 *   extra    u32 length, then: i32 sid, i32 family, u64 altstack sp, u64
 *            altstack size, i32 altstack flags, 16 x (u64 cur, u64 max)
 *            limits, u64 brk start, u64 brk, u64 mmap base, str cwd, u32 n
 *            then n x u64 global segment id (one per lseg of the core
 *            part, 0 when local), u32 n
 *            then n x (i32 fd, i32 stream) for the standard streams, u32 n
 *            then n x (str refname, str path) refdirs; str = u32 length
 *            then that many bytes, no NUL
 *   pages    u64 n, then n x (u64 vaddr, 4096 bytes), vaddr strictly rising
 *   crc      u32 crc32 of every byte before it
 *
 * Invariants
 *  1. A page is shipped only when it holds data: pages of lazy images never
 *     written are not read (k_vm_ship_pages), all-zero pages are left out.
 *  2. Unpacking checks the length and the crc before it decodes anything and
 *     never reads past a section; any mismatch is -EBADMSG.
 *  3. Unpacking builds the process completely or frees it (k_proc_free):
 *     nothing of a failed unpack stays in the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ckpt/ckpt.h"
#include "kernel/proc.h"
#include "symunix/abi.h"

#define SHIP_MAGIC   "SYMPROC"
#define SHIP_VERSION 1u
#define SHIP_HEADER  24u
#define PAGE         RV_PAGE_SIZE

_Static_assert(RV_PROT_R == SYM_PROT_READ && RV_PROT_W == SYM_PROT_WRITE &&
                   RV_PROT_X == SYM_PROT_EXEC,
               "an lseg's flags are its protection and attributes in one word");

/* crc32 of n bytes, in pieces a zlib uInt can count. */
static uint32_t crc_of(const uint8_t *p, size_t n)
{
    uLong c = crc32(0, NULL, 0);
    for (size_t done = 0; done < n;) {
        size_t k = n - done > (1u << 30) ? (1u << 30) : n - done;
        c = crc32(c, p + done, (uInt)k);
        done += k;
    }
    return (uint32_t)c;
}

/* ---- Strings in the byte buffers (ckpt.h's, errors sticky) ----------------------- */

static void put_str(struct ckpt_obuf *b, const char *s)
{
    size_t n = strlen(s);
    ckpt_put_u32(b, (uint32_t)n);
    ckpt_put(b, s, n);
}

/* A string of at most max-1 bytes, no NUL inside, into out (max bytes). */
static void get_str(struct ckpt_ibuf *c, char *out, size_t max)
{
    uint32_t n = ckpt_get_u32(c);
    const uint8_t *s = n < max ? ckpt_take(c, n) : NULL;
    if (!s || memchr(s, 0, n)) {
        c->err = -EBADMSG;
        out[0] = 0;
        return;
    }
    memcpy(out, s, n);
    out[n] = 0;
}

/* ---- The global segment id of a region ------------------------------------------- *
 * Shipped per lseg: a region carries the id mapin registered (k_region.gseg),
 * which the child's region must carry too for k_vm_gaddr to give the same
 * global addresses. */

static uint64_t region_gseg(const struct k_region *r)
{
    return (r->attr & SYM_MEM_GLOBAL) ? r->gseg : 0;
}

static void set_region_gseg(struct k_region *r, uint64_t gseg)
{
    r->gseg = gseg;
}

/* ---- Packing ------------------------------------------------------------------------ */

/* The spawn action r gets across nodes: a global COPY shares as INHERIT. */
static unsigned ship_action(const struct k_region *r)
{
    unsigned a = r->attr & SYM_SPAWN_MASK;
    return (r->attr & SYM_MEM_GLOBAL) && a == SYM_SPAWN_COPY ? SYM_SPAWN_INHERIT : a;
}

/* Does the child get r's contents as a private copy (pages shipped)? */
static bool ships_pages(const struct k_region *r)
{
    return !(r->attr & SYM_MEM_GLOBAL) && ship_action(r) == SYM_SPAWN_COPY;
}

/* The child's lsegs, as fork_region makes them, into c->lseg. */
static int pack_lsegs(const struct k_proc *p, struct ckpt_core *c)
{
    c->lseg = calloc(p->vm.n ? (size_t)p->vm.n : 1, sizeof *c->lseg);
    if (!c->lseg) return -ENOMEM;
    for (int i = 0; i < p->vm.n; i++) {
        const struct k_region *r = &p->vm.r[i];
        unsigned action = ship_action(r), attr = r->attr;
        struct ckpt_lseg l = {
            .vaddr = r->start, .size = r->end - r->start, .kind = (uint32_t)r->kind};
        if (action == SYM_SPAWN_DROP) continue;
        if (action == SYM_SPAWN_INHERIT && !(attr & SYM_MEM_GLOBAL)) return -EXDEV;
        if (action == SYM_SPAWN_INHERIT) { /* the same global segment, same place */
            l.off = r->off;
            l.dev = r->dev;
            l.ino = r->ino;
        } else if (action == SYM_SPAWN_REALLOC) { /* fresh zeros, local */
            attr &= ~(unsigned)(SYM_MEM_GLOBAL | SYM_MEM_STRICT);
        }
        /* REALLOC and COPY: private anonymous memory of the child's node. */
        if (action != SYM_SPAWN_INHERIT &&
            (r->kind == K_REGION_FILE_SHARED || r->kind == K_REGION_FILE_PRIVATE))
            l.kind = K_REGION_ANON;
        l.flags = r->prot | attr;
        c->lseg[c->nlseg++] = l;
    }
    return 0;
}

/* The descriptors that travel into c->fd (streams by path ""), the streams
 * and refdirs into x. */
static int pack_files(struct k_proc *p, struct ckpt_core *c, struct k_ship_files *s,
                      struct ckpt_obuf *x)
{
    int rc = k_files_ship(p, s);
    if (rc) return rc;
    if (s->nfd && !(c->fd = calloc(s->nfd, sizeof *c->fd))) return -ENOMEM;
    uint32_t nstream = 0;
    for (size_t i = 0; i < s->nfd; i++) {
        struct k_ship_fd *d = &s->fd[i];
        c->fd[c->nfd++] = (struct ckpt_fd){.fd = d->fd,
                                           .flags = d->flags,
                                           .fdflags = d->cloexec ? CKPT_FD_CLOEXEC : 0,
                                           .offset = d->stream >= 0 ? -1 : d->offset,
                                           .path = d->path};
        d->path = NULL; /* c owns it now */
        nstream += d->stream >= 0;
    }
    ckpt_put_u32(x, nstream);
    for (size_t i = 0; i < s->nfd; i++)
        if (s->fd[i].stream >= 0) {
            ckpt_put_u32(x, (uint32_t)s->fd[i].fd);
            ckpt_put_u32(x, (uint32_t)s->fd[i].stream);
        }
    ckpt_put_u32(x, (uint32_t)s->nref);
    for (size_t i = 0; i < s->nref; i++) {
        put_str(x, s->ref[i].name);
        put_str(x, s->ref[i].path);
    }
    return x->err;
}

/* Everything that is neither in the core description nor a page, up to
 * the streams (pack_files adds those and the refdirs). */
static void pack_extra(const struct k_proc *p, struct ckpt_obuf *x)
{
    ckpt_put_u32(x, (uint32_t)p->sid);
    ckpt_put_u32(x, (uint32_t)p->family);
    ckpt_put_u64(x, p->altstack_sp);
    ckpt_put_u64(x, p->altstack_size);
    ckpt_put_u32(x, (uint32_t)p->altstack_flags);
    for (int i = 0; i < K_NRLIMIT; i++) {
        ckpt_put_u64(x, p->rlim[i].cur);
        ckpt_put_u64(x, p->rlim[i].max);
    }
    ckpt_put_u64(x, p->vm.brk_start);
    ckpt_put_u64(x, p->vm.brk_cur);
    ckpt_put_u64(x, p->vm.mmap_base);
    put_str(x, p->cwd);
    uint32_t n = 0;
    for (int i = 0; i < p->vm.n; i++)
        n += ship_action(&p->vm.r[i]) != SYM_SPAWN_DROP;
    ckpt_put_u32(x, n);
    for (int i = 0; i < p->vm.n; i++) /* the core part's lsegs, in its order */
        if (ship_action(&p->vm.r[i]) != SYM_SPAWN_DROP)
            ckpt_put_u64(x, ship_action(&p->vm.r[i]) == SYM_SPAWN_INHERIT ? region_gseg(&p->vm.r[i])
                                                                          : 0);
}

struct page_sink {
    struct ckpt_obuf *b;
    uint64_t n;
};

static int page_out(void *arg, uint64_t vaddr, const void *page)
{
    static const uint8_t zero[PAGE];
    struct page_sink *s = arg;
    if (!memcmp(page, zero, PAGE)) return 0; /* the child reads zeros there anyway */
    ckpt_put_u64(s->b, vaddr);
    ckpt_put(s->b, page, PAGE);
    s->n++;
    return s->b->err;
}

/* The pages section: every local COPY region's pages that hold data. */
static int pack_pages(struct k_proc *p, struct ckpt_obuf *b)
{
    size_t at = b->len;
    struct page_sink s = {.b = b};
    ckpt_put_u64(b, 0); /* the count, filled in below */
    for (int i = 0; i < p->vm.n && !b->err; i++) {
        if (!ships_pages(&p->vm.r[i])) continue;
        int rc = k_vm_ship_pages(p, i, page_out, &s);
        if (rc) return rc;
    }
    if (b->err) return b->err;
    for (int k = 0; k < 8; k++)
        b->p[at + (size_t)k] = (uint8_t)(s.n >> (8 * k));
    return 0;
}

static int pack_core(struct k_proc *p, struct ckpt_obuf *out, struct ckpt_obuf *x)
{
    struct ckpt_core *c = calloc(1, sizeof *c);
    struct k_ship_files s = {0};
    if (!c) return -ENOMEM;
    int rc = k_core_describe(p, c);
    c->sigpending = 0; /* a child starts with nothing pending */
    if (!rc) rc = pack_lsegs(p, c);
    if (!rc) {
        pack_extra(p, x);
        rc = pack_files(p, c, &s, x);
    }
    uint8_t *enc = NULL;
    size_t n = 0;
    if (!rc) rc = ckpt_core_encode(c, &enc, &n);
    if (!rc && n > UINT32_MAX) rc = -ENOMEM;
    if (!rc) {
        ckpt_put_u32(out, (uint32_t)n);
        ckpt_put(out, enc, n);
        rc = out->err;
    }
    free(enc);
    k_ship_files_free(&s);
    ckpt_core_free(c);
    return rc;
}

int k_proc_pack(struct k_proc *p, uint8_t **buf, size_t *len)
{
    struct ckpt_obuf b = {0}, x = {0};
    ckpt_put(&b, SHIP_MAGIC, 8);
    ckpt_put_u32(&b, SHIP_VERSION);
    ckpt_put_u32(&b, 0);
    ckpt_put_u64(&b, 0); /* total length, filled in below */
    int rc = b.err ? b.err : pack_core(p, &b, &x);
    if (!rc && x.len > UINT32_MAX) rc = -ENOMEM;
    if (!rc) {
        ckpt_put_u32(&b, (uint32_t)x.len);
        ckpt_put(&b, x.p, x.len);
        rc = b.err ? b.err : pack_pages(p, &b);
    }
    free(x.p);
    if (!rc) {
        uint64_t total = b.len + 4;
        for (int k = 0; k < 8; k++)
            b.p[16 + k] = (uint8_t)(total >> (8 * k));
        ckpt_put_u32(&b, crc_of(b.p, b.len));
        rc = b.err;
    }
    if (rc) {
        free(b.p);
        return rc;
    }
    *buf = b.p;
    *len = b.len;
    return 0;
}

/* ---- Unpacking ---------------------------------------------------------------------- */

struct extra {
    int32_t sid, family, altstack_flags;
    uint64_t altstack_sp, altstack_size, brk_start, brk_cur, mmap_base;
    struct k_rlimit rlim[K_NRLIMIT];
    char cwd[PATH_MAX];
    uint32_t ngseg;
    uint64_t *gseg; /* per lseg of the core part */
};

static int get_extra(struct ckpt_ibuf *c, struct extra *e)
{
    e->sid = (int32_t)ckpt_get_u32(c);
    e->family = (int32_t)ckpt_get_u32(c);
    e->altstack_sp = ckpt_get_u64(c);
    e->altstack_size = ckpt_get_u64(c);
    e->altstack_flags = (int32_t)ckpt_get_u32(c);
    for (int i = 0; i < K_NRLIMIT; i++) {
        e->rlim[i].cur = ckpt_get_u64(c);
        e->rlim[i].max = ckpt_get_u64(c);
    }
    e->brk_start = ckpt_get_u64(c);
    e->brk_cur = ckpt_get_u64(c);
    e->mmap_base = ckpt_get_u64(c);
    get_str(c, e->cwd, sizeof e->cwd);
    if (!c->err && e->cwd[0] != '/') c->err = -EBADMSG;
    e->ngseg = ckpt_get_u32(c);
    if (c->err || e->ngseg > (c->len - c->pos) / 8) return -EBADMSG;
    if (!(e->gseg = calloc(e->ngseg ? e->ngseg : 1, sizeof *e->gseg))) return -ENOMEM;
    for (uint32_t i = 0; i < e->ngseg; i++)
        e->gseg[i] = ckpt_get_u64(c);
    return c->err;
}

/* The descriptors of core c and the streams and refdirs of x, as
 * k_files_land wants them (paths borrowed from c). */
static int get_files(struct ckpt_ibuf *x, const struct ckpt_core *c, struct k_ship_files *s)
{
    if (c->nfd && !(s->fd = calloc(c->nfd, sizeof *s->fd))) return -ENOMEM;
    for (size_t i = 0; i < c->nfd; i++, s->nfd++) {
        const struct ckpt_fd *d = &c->fd[i];
        s->fd[i] = (struct k_ship_fd){.fd = d->fd,
                                      .stream = -1,
                                      .flags = d->flags,
                                      .cloexec = d->fdflags & CKPT_FD_CLOEXEC,
                                      .offset = d->offset};
        if (d->path && d->path[0] && !(s->fd[i].path = strdup(d->path))) return -ENOMEM;
    }
    uint32_t nstream = ckpt_get_u32(x);
    for (uint32_t i = 0; i < nstream && !x->err; i++) {
        int32_t fd = (int32_t)ckpt_get_u32(x), stream = (int32_t)ckpt_get_u32(x);
        size_t j = 0;
        while (j < s->nfd && s->fd[j].fd != fd)
            j++;
        if (j == s->nfd || s->fd[j].path || s->fd[j].stream >= 0 || stream < 0 || stream > 2)
            return -EBADMSG;
        s->fd[j].stream = stream;
    }
    uint32_t nref = ckpt_get_u32(x);
    if (x->err || nref > STORE_REFDIR_MAX) return -EBADMSG;
    if (!(s->ref = calloc(nref ? nref : 1, sizeof *s->ref))) return -ENOMEM;
    char path[PATH_MAX];
    for (uint32_t i = 0; i < nref && !x->err; i++, s->nref++) {
        get_str(x, s->ref[i].name, sizeof s->ref[i].name);
        get_str(x, path, sizeof path);
        if (!x->err && !(s->ref[i].path = strdup(path))) return -ENOMEM;
    }
    if (x->err || x->pos != x->len) return -EBADMSG;
    for (size_t i = 0; i < s->nfd; i++) /* every fd is a stream or has a path */
        if (s->fd[i].stream < 0 && !s->fd[i].path) return -EBADMSG;
    return 0;
}

/* Registers, signal state, ids and limits of c and e into new process p. */
static int set_state(struct k_proc *p, const struct ckpt_core *c, const struct extra *e)
{
    if (c->exe && strlen(c->exe) >= sizeof p->exe) return -EBADMSG;
    struct rv_state *st = rv_state(p->hart);
    memcpy(st->x, c->x, sizeof st->x);
    memcpy(st->f, c->f, sizeof st->f);
    st->x[0] = 0;
    st->pc = c->pc;
    st->frm = (c->fcsr >> 5) & 7;
    st->fflags = c->fcsr & 31;
    for (int s = 1; s <= K_NSIG; s++)
        p->sigact[s] = (struct k_sigaction){c->sigact[s - 1].handler, c->sigact[s - 1].flags,
                                            c->sigact[s - 1].mask};
    p->sigmask = c->sigmask;
    p->pgid = c->pgid;
    p->sid = e->sid;
    p->family = e->family;
    p->altstack_sp = e->altstack_sp;
    p->altstack_size = e->altstack_size;
    p->altstack_flags = e->altstack_flags;
    memcpy(p->rlim, e->rlim, sizeof p->rlim);
    snprintf(p->exe, sizeof p->exe, "%s", c->exe ? c->exe : "");
    memcpy(p->cwd, e->cwd, sizeof p->cwd);
    return 0;
}

/* The lsegs of c, then the pages section at pg, into p. */
static int set_memory(struct k_proc *p, const struct ckpt_core *c, const struct extra *e,
                      struct ckpt_ibuf *pg)
{
    if (e->ngseg != c->nlseg) return -EBADMSG;
    for (size_t i = 0; i < c->nlseg; i++) {
        const struct ckpt_lseg *l = &c->lseg[i];
        unsigned attr = l->flags & ~7u;
        if (l->vaddr + l->size < l->vaddr || l->kind > K_REGION_TEXT || (attr & ~SYM_MAPIN_FLAGS))
            return -EBADMSG;
        struct k_region r = {.start = l->vaddr,
                             .end = l->vaddr + l->size,
                             .prot = l->flags & 7u,
                             .kind = (int)l->kind,
                             .attr = attr,
                             .off = l->off,
                             .dev = l->dev,
                             .ino = l->ino};
        set_region_gseg(&r, e->gseg[i]);
        int rc = k_vm_land_region(p, &r);
        if (rc) return rc;
    }
    p->vm.brk_start = e->brk_start;
    p->vm.brk_cur = e->brk_cur;
    p->vm.mmap_base = e->mmap_base;
    uint64_t n = ckpt_get_u64(pg), last = 0;
    if (pg->err || n > (pg->len - pg->pos) / (8 + PAGE)) return -EBADMSG;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t va = ckpt_get_u64(pg);
        const uint8_t *data = ckpt_take(pg, PAGE);
        if (!data || (i && va <= last)) return -EBADMSG;
        int rc = k_vm_land_page(p, va, data);
        if (rc) return rc;
        last = va;
    }
    return pg->pos == pg->len ? 0 : -EBADMSG;
}

/* A section: u32 length, then that many bytes, as a cursor of its own. */
static struct ckpt_ibuf section(struct ckpt_ibuf *c)
{
    uint32_t n = ckpt_get_u32(c);
    const uint8_t *p = ckpt_take(c, n);
    return (struct ckpt_ibuf){.p = p, .len = p ? n : 0, .err = p ? 0 : -EBADMSG};
}

/* Check the header, the length and the crc; the cursor over what is between. */
static int check_frame(const uint8_t *buf, size_t len, struct ckpt_ibuf *body)
{
    if (len < SHIP_HEADER + 4 || memcmp(buf, SHIP_MAGIC, 8)) return -EBADMSG;
    uint64_t total = ckpt_u32_at(buf + 16) | (uint64_t)ckpt_u32_at(buf + 20) << 32;
    if (total != len || ckpt_u32_at(buf + 8) != SHIP_VERSION || ckpt_u32_at(buf + 12) != 0)
        return -EBADMSG;
    if (crc_of(buf, len - 4) != ckpt_u32_at(buf + len - 4)) return -EBADMSG;
    *body = (struct ckpt_ibuf){.p = buf + SHIP_HEADER, .len = len - SHIP_HEADER - 4};
    return 0;
}

/* Build p from the decoded parts. */
static int unpack_into(struct k_proc *p, const struct ckpt_core *c, struct ckpt_ibuf *xs,
                       struct ckpt_ibuf *pages)
{
    struct extra *e = calloc(1, sizeof *e);
    struct k_ship_files s = {0};
    int rc = e ? get_extra(xs, e) : -ENOMEM;
    if (!rc) rc = get_files(xs, c, &s);
    if (!rc) rc = set_state(p, c, e);
    /* Descriptors and refdirs first: the child's lazy images go to its @image. */
    if (!rc) rc = k_files_land(p, &s);
    if (!rc) rc = set_memory(p, c, e, pages);
    if (!rc && p->hart) rv_flush_all(p->hart);
    k_ship_files_free(&s);
    if (e) free(e->gseg);
    free(e);
    return rc;
}

int k_proc_unpack(struct k_kernel *k, const uint8_t *buf, size_t len, struct k_proc **out)
{
    struct ckpt_ibuf body;
    int rc = check_frame(buf, len, &body);
    if (rc) return rc;
    struct ckpt_ibuf cs = section(&body), xs = section(&body);
    struct ckpt_ibuf pages = {.p = body.p + body.pos, .len = body.len - body.pos};
    if (cs.err || xs.err) return -EBADMSG;
    struct ckpt_core *c;
    rc = ckpt_core_decode(cs.p, cs.len, &c);
    if (rc) return rc == -ENOMEM ? rc : -EBADMSG;
    struct k_proc *p = NULL;
    if (k->nprocs >= K_NPROC_MAX)
        rc = -EAGAIN;
    else if (!(p = k_proc_new(k)))
        rc = -ENOMEM;
    if (!rc) {
        p->state = K_EMBRYO;
        rc = unpack_into(p, c, &xs, &pages);
    }
    ckpt_core_free(c);
    if (rc && p) k_proc_free(p);
    if (rc) return rc;
    *out = p;
    return 0;
}
