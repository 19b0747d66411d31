/*
 * agg.c — aggregation of network records into one message per neighbour and
 * flush (agg.h): the explicit little-endian wire format with a zlib crc32, a
 * decoder that checks everything before trusting anything, and the per-node
 * set of open buffers, closed-buffer queue and counters. No MPI: the network
 * loop moves the bytes.
 */
#include "interconnect/agg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Header field offsets. */
enum {
    H_MAGIC = 0,
    H_VERSION = 4,
    H_RECSIZE = 6,
    H_COUNT = 8,
    H_SENDER = 12,
    H_RECEIVER = 16,
    H_CRC = 20,
};

_Static_assert(H_CRC + 4 == NET_AGG_HDR_SIZE, "header layout");

/* ---- little-endian access, byte by byte (no alignment, no host order) ---- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- records ---- */

static void rec_encode(uint8_t *p, const struct net_rec *r)
{
    p[0] = r->kind, p[1] = r->op, p[2] = r->width, p[3] = r->stage;
    put32(p + 4, 0);
    put64(p + 8, r->addr);
    put64(p + 16, r->val);
    put64(p + 24, r->val2);
    put32(p + 32, r->tag.node);
    put32(p + 36, r->tag.proc);
    put64(p + 40, r->tag.seq);
    put64(p + 48, r->path);
    put64(p + 56, 0);
}

/* Decode the record at p into *r (if not NULL); false if it is not valid. */
static bool rec_decode(const uint8_t *p, struct net_rec *r)
{
    unsigned w = p[2];
    if (p[0] < NET_REC_REQUEST || p[0] > NET_REC_SYNCED || p[1] >= NET_OP_COUNT) return false;
    if (w != 1 && w != 2 && w != 4 && w != 8) return false;
    if (get32(p + 4) != 0 || get64(p + 56) != 0) return false;
    if (!r) return true;
    r->kind = p[0], r->op = p[1], r->width = p[2], r->stage = p[3];
    r->addr = get64(p + 8);
    r->val = get64(p + 16);
    r->val2 = get64(p + 24);
    r->tag.node = get32(p + 32);
    r->tag.proc = get32(p + 36);
    r->tag.seq = get64(p + 40);
    r->path = get64(p + 48);
    return true;
}

/* ---- messages ---- */

/* crc32 of a message of n records, its crc field taken as zero. */
static uint32_t msg_crc(const uint8_t *m, uint32_t n)
{
    static const uint8_t zero[4];
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, m, H_CRC);
    c = crc32(c, zero, sizeof zero);
    c = crc32(c, m + NET_AGG_HDR_SIZE, (uInt)((size_t)n * NET_REC_WIRE_SIZE));
    return (uint32_t)c;
}

/* Write the header (and crc) of a message whose n records are in place. */
static void msg_seal(uint8_t *m, uint32_t n, uint32_t sender, uint32_t receiver)
{
    put32(m + H_MAGIC, NET_AGG_MAGIC);
    put16(m + H_VERSION, NET_AGG_VERSION);
    put16(m + H_RECSIZE, NET_REC_WIRE_SIZE);
    put32(m + H_COUNT, n);
    put32(m + H_SENDER, sender);
    put32(m + H_RECEIVER, receiver);
    put32(m + H_CRC, msg_crc(m, n));
}

long net_agg_encode(const struct net_rec *recs, uint32_t n, uint32_t sender, uint32_t receiver,
                    void *buf, size_t cap)
{
    if (n > NET_AGG_MAX_RECORDS) return -EINVAL;
    size_t len = net_agg_wire_size(n);
    if (cap < len) return -ENOSPC;
    uint8_t *m = buf;
    for (uint32_t i = 0; i < n; i++)
        rec_encode(m + NET_AGG_HDR_SIZE + (size_t)i * NET_REC_WIRE_SIZE, &recs[i]);
    msg_seal(m, n, sender, receiver);
    return (long)len;
}

long net_agg_decode(const void *buf, size_t len, struct net_agg_hdr *hdr, struct net_rec *out,
                    uint32_t max)
{
    const uint8_t *m = buf;
    if (!m || len < NET_AGG_HDR_SIZE) return -EBADMSG;
    if (get32(m + H_MAGIC) != NET_AGG_MAGIC || get16(m + H_VERSION) != NET_AGG_VERSION ||
        get16(m + H_RECSIZE) != NET_REC_WIRE_SIZE)
        return -EBADMSG;
    uint32_t n = get32(m + H_COUNT);
    if (n > NET_AGG_MAX_RECORDS || len != net_agg_wire_size(n)) return -EBADMSG;
    if (get32(m + H_CRC) != msg_crc(m, n)) return -EBADMSG;
    for (uint32_t i = 0; i < n; i++)
        if (!rec_decode(m + NET_AGG_HDR_SIZE + (size_t)i * NET_REC_WIRE_SIZE, NULL))
            return -EBADMSG;
    if (hdr) {
        hdr->count = n;
        hdr->sender = get32(m + H_SENDER);
        hdr->receiver = get32(m + H_RECEIVER);
    }
    if (!out) return n;
    if (n > max) return -ENOSPC;
    for (uint32_t i = 0; i < n; i++)
        rec_decode(m + NET_AGG_HDR_SIZE + (size_t)i * NET_REC_WIRE_SIZE, &out[i]);
    return n;
}

/* ---- the aggregator ---- */

struct aggbuf {
    struct aggbuf *next; /* closed queue or free list */
    struct aggbuf *all;  /* every buffer ever allocated, for destroy */
    uint32_t dest, count;
    uint8_t cause;
    uint8_t data[]; /* header + cap records */
};

struct net_agg {
    uint32_t self, nranks, cap;
    struct aggbuf **open;            /* [nranks]: open buffer per neighbour, or NULL */
    struct aggbuf *head, *tail;      /* closed, oldest first */
    struct aggbuf *free;             /* released, for reuse */
    struct aggbuf *all;              /* owner list */
    struct net_agg_link_stats *link; /* [nranks] */
    struct net_agg_stats st;
};

int net_agg_create(uint32_t self, uint32_t nranks, uint32_t cap, struct net_agg **out)
{
    if (nranks < 1 || self >= nranks || cap < 1 || cap > NET_AGG_MAX_RECORDS) return -EINVAL;
    struct net_agg *a = calloc(1, sizeof *a);
    if (!a) return -ENOMEM;
    a->self = self, a->nranks = nranks, a->cap = cap;
    a->open = calloc(nranks, sizeof *a->open);
    a->link = calloc(nranks, sizeof *a->link);
    if (!a->open || !a->link) {
        net_agg_destroy(a);
        return -ENOMEM;
    }
    *out = a;
    return 0;
}

void net_agg_destroy(struct net_agg *a)
{
    if (!a) return;
    for (struct aggbuf *b = a->all, *nx; b; b = nx) {
        nx = b->all;
        free(b);
    }
    free(a->open);
    free(a->link);
    free(a);
}

/* An empty buffer for dest: a released one, or a new one. NULL if out of memory. */
static struct aggbuf *buf_get(struct net_agg *a, uint32_t dest)
{
    struct aggbuf *b = a->free;
    if (b) {
        a->free = b->next;
    } else {
        b = malloc(sizeof *b + net_agg_wire_size(a->cap));
        if (!b) return NULL;
        b->all = a->all;
        a->all = b;
    }
    b->next = NULL;
    b->dest = dest;
    b->count = 0;
    return b;
}

/* Seal dest's open buffer and queue it for sending (open -> closed). */
static void buf_close(struct net_agg *a, uint32_t dest, enum net_flush_cause cause)
{
    struct aggbuf *b = a->open[dest];
    size_t len = net_agg_wire_size(b->count);
    a->open[dest] = NULL;
    msg_seal(b->data, b->count, a->self, dest);
    b->cause = (uint8_t)cause;
    if (a->tail)
        a->tail->next = b;
    else
        a->head = b;
    a->tail = b;
    a->link[dest].records += b->count;
    a->link[dest].bytes += len;
    a->link[dest].messages++;
    a->st.flushes[cause]++;
    a->st.records += b->count;
    a->st.bytes += len;
    a->st.messages++;
    a->st.pending++;
}

int net_agg_append(struct net_agg *a, uint32_t dest, const struct net_rec *r)
{
    if (dest >= a->nranks || dest == a->self) return -EINVAL;
    struct aggbuf *b = a->open[dest];
    if (!b && !(b = a->open[dest] = buf_get(a, dest))) return -ENOMEM;
    rec_encode(b->data + NET_AGG_HDR_SIZE + (size_t)b->count * NET_REC_WIRE_SIZE, r);
    if (++b->count < a->cap) return 0;
    buf_close(a, dest, NET_FLUSH_FULL);
    return 1;
}

uint32_t net_agg_open_count(const struct net_agg *a, uint32_t dest)
{
    return dest < a->nranks && a->open[dest] ? a->open[dest]->count : 0;
}

int net_agg_flush(struct net_agg *a, enum net_flush_cause cause)
{
    int n = 0;
    if ((unsigned)cause >= NET_FLUSH_NCAUSES) cause = NET_FLUSH_FORCE;
    for (uint32_t d = 0; d < a->nranks; d++) {
        if (!a->open[d] || a->open[d]->count == 0) continue;
        buf_close(a, d, cause);
        n++;
    }
    return n;
}

int net_agg_next(struct net_agg *a, struct net_agg_msg *m)
{
    struct aggbuf *b = a->head;
    if (!b) return -EAGAIN;
    a->head = b->next;
    if (!a->head) a->tail = NULL;
    b->next = NULL;
    m->dest = b->dest;
    m->count = b->count;
    m->cause = b->cause;
    m->data = b->data;
    m->len = net_agg_wire_size(b->count);
    m->priv = b;
    return 0;
}

void net_agg_release(struct net_agg *a, struct net_agg_msg *m)
{
    struct aggbuf *b = m->priv;
    if (!b) return;
    b->next = a->free;
    a->free = b;
    a->st.pending--;
    m->priv = NULL;
    m->data = NULL;
}

void net_agg_stats(const struct net_agg *a, struct net_agg_stats *st)
{
    *st = a->st;
}

void net_agg_link_stats(const struct net_agg *a, uint32_t dest, struct net_agg_link_stats *st)
{
    if (dest < a->nranks)
        *st = a->link[dest];
    else
        memset(st, 0, sizeof *st);
}
