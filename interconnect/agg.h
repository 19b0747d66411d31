/*
 * agg.h — message aggregation for the combining network: requests and replies
 * bound for one neighbour rank are appended as fixed-size wire records to that
 * neighbour's outgoing buffer, and a buffer leaves as one MPI message when it
 * is full or when the node flushes (it ran out of runnable work). Also the wire
 * format of such a message and its checked decoder. No MPI here: the network
 * loop (a later issue) sends what net_agg_next hands it and decodes what it
 * receives, so this builds and is unit-tested without mpirun.
 *
 * Why: one MPI message costs microseconds; a record is 64 bytes. Packing
 * every record for a neighbour into one message per flush amortises that
 * cost, while flushing when idle keeps latency bounded.
 *
 * Wire format (all integers little-endian; docs/network.md has the table)
 *   header, NET_AGG_HDR_SIZE = 24 bytes:
 *     u32 magic NET_AGG_MAGIC | u16 version | u16 record size | u32 count |
 *     u32 sender rank | u32 receiver rank | u32 crc32
 *   then count records of NET_REC_WIRE_SIZE = 64 bytes each:
 *     u8 kind | u8 op | u8 width | u8 stage | u32 reserved (0) | u64 addr |
 *     u64 val | u64 val2 | u32 tag.node | u32 tag.proc | u64 tag.seq |
 *     u64 path | u64 reserved (0)
 *   crc32 (zlib's) covers the header with its crc field zeroed, then the records.
 *
 * Invariants
 *  1. A message is exactly NET_AGG_HDR_SIZE + count * NET_REC_WIRE_SIZE bytes;
 *     net_agg_decode refuses any other length, a wrong magic, version, record
 *     size or checksum, and any record with an invalid kind, op or width or a
 *     non-zero reserved field, with -EBADMSG, and never reads past len.
 *  2. decode(encode(records)) == records, field for field.
 *  3. Records for one neighbour leave in the order they were appended: buffers
 *     of one neighbour are handed out by net_agg_next in the order they were
 *     closed, and a buffer is closed before a newer one for the same neighbour
 *     receives records. So a process's requests keep their order per link.
 *  4. A buffer holds at most its capacity; the append that fills it closes it
 *     (cause NET_FLUSH_FULL) and is the only append that returns 1. An empty
 *     buffer is never closed: a flush with nothing pending sends nothing.
 *  5. A message handed out by net_agg_next stays valid and unchanged until
 *     net_agg_release (the send may be non-blocking).
 *
 * A buffer's life
 *   open      receives records (net_agg_append)
 *   closed    full (net_agg_append) or flushed (net_agg_flush); header and crc
 *             are written; queued for sending
 *   sending   handed out by net_agg_next; the caller sends msg.data, msg.len
 *   released  net_agg_release: recycled for a later open buffer
 */
#ifndef SYMUNIX_AGG_H
#define SYMUNIX_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "interconnect/combine.h"

#define NET_AGG_MAGIC     0x4d4e5953u /* "SYNM" in a little-endian dump */
#define NET_AGG_VERSION   1
#define NET_AGG_HDR_SIZE  24
#define NET_REC_WIRE_SIZE 64
/* Largest records per buffer accepted by net_agg_create and the decoder. */
#define NET_AGG_MAX_RECORDS (1u << 20)

enum net_rec_kind {
    NET_REC_REQUEST = 1, /* PE -> MM, stages ascending */
    NET_REC_REPLY = 2,   /* MM -> PE, stages descending */
    /* Control (net.h NET_MREQ_SYNC), straight between ranks, no switch:
     * op LOAD, width 8, stage 0, path 0; segment in NET_GADDR_SEG(addr). */
    NET_REC_SYNC = 3,   /* PE -> every MM: write segment back */
    NET_REC_SYNCED = 4, /* MM -> PE: done; val pages written, val2 errno */
};

/* One request or reply in flight, as it crosses a link. */
struct net_rec {
    uint8_t kind;  /* enum net_rec_kind */
    uint8_t op;    /* enum net_op */
    uint8_t width; /* 1, 2, 4 or 8 */
    uint8_t stage; /* route state: the stage this record goes to next */
    uint64_t addr; /* physical global address */
    uint64_t val;  /* request operand, or the reply value */
    uint64_t val2; /* CAS's expected value; else 0 */
    struct net_tag tag;
    uint64_t path; /* route state: path bits, vsrc << S | vdst (topo.h) */
};

/* A decoded header. */
struct net_agg_hdr {
    uint32_t count;
    uint32_t sender;
    uint32_t receiver;
};

/* Why a buffer was closed. */
enum net_flush_cause {
    NET_FLUSH_FULL,  /* it reached its capacity */
    NET_FLUSH_IDLE,  /* the node ran out of runnable work */
    NET_FLUSH_FORCE, /* explicit (a fence, shutdown, a test) */
    NET_FLUSH_NCAUSES
};

/* Wire size of a message of n records. */
static inline size_t net_agg_wire_size(uint32_t n)
{
    return NET_AGG_HDR_SIZE + (size_t)n * NET_REC_WIRE_SIZE;
}

/* Encode n records into buf (cap bytes). Returns the message length, or
 * -EINVAL (n > NET_AGG_MAX_RECORDS) or -ENOSPC (cap too small). */
long net_agg_encode(const struct net_rec *recs, uint32_t n, uint32_t sender, uint32_t receiver,
                    void *buf, size_t cap);

/*
 * Check the message buf[0..len) and decode it: fills *hdr (if not NULL) and
 * out[0..count) (out may be NULL to check only). Returns count, -EBADMSG if the
 * message is damaged (invariant 1), or -ENOSPC if count > max (then *hdr is
 * filled, nothing else).
 */
long net_agg_decode(const void *buf, size_t len, struct net_agg_hdr *hdr, struct net_rec *out,
                    uint32_t max);

/* ---- the per-node aggregator: one open buffer per neighbour ---- */

struct net_agg;

/* A closed buffer to send. data/len: the message; the rest for the caller's
 * bookkeeping. Owned by the aggregator until net_agg_release. */
struct net_agg_msg {
    uint32_t dest;
    uint32_t count;
    uint8_t cause; /* enum net_flush_cause */
    const void *data;
    size_t len;
    void *priv; /* the aggregator's */
};

struct net_agg_link_stats {
    uint64_t records;  /* records sent (closed) toward this neighbour */
    uint64_t bytes;    /* message bytes, headers included */
    uint64_t messages; /* buffers closed */
};

struct net_agg_stats {
    uint64_t flushes[NET_FLUSH_NCAUSES]; /* buffers closed, by cause */
    uint64_t records, bytes, messages;   /* totals over all neighbours */
    uint32_t pending;                    /* closed buffers not yet released */
};

/* An aggregator for rank self among nranks, cap records per buffer
 * (1..NET_AGG_MAX_RECORDS). Returns 0, -EINVAL or -ENOMEM. */
int net_agg_create(uint32_t self, uint32_t nranks, uint32_t cap, struct net_agg **out);
/* Frees a and every buffer, including messages not yet released. */
void net_agg_destroy(struct net_agg *a);

/* Append r to dest's open buffer. Returns 0, 1 if that filled and closed it
 * (a message is ready), -EINVAL (dest out of range, or dest == self: a hop
 * within a rank is not a message) or -ENOMEM. */
int net_agg_append(struct net_agg *a, uint32_t dest, const struct net_rec *r);
/* Records in dest's open buffer (0 if none). */
uint32_t net_agg_open_count(const struct net_agg *a, uint32_t dest);
/* Close every non-empty open buffer with the given cause. Returns the number
 * of buffers closed (0: nothing pending; invariant 4). */
int net_agg_flush(struct net_agg *a, enum net_flush_cause cause);
/* Take the oldest closed buffer: 0 and *m filled, or -EAGAIN if none. */
int net_agg_next(struct net_agg *a, struct net_agg_msg *m);
/* Give back a message from net_agg_next once its send has completed. */
void net_agg_release(struct net_agg *a, struct net_agg_msg *m);

void net_agg_stats(const struct net_agg *a, struct net_agg_stats *st);
/* Per-neighbour counters; zeros for dest out of range. */
void net_agg_link_stats(const struct net_agg *a, uint32_t dest, struct net_agg_link_stats *st);

#endif /* SYMUNIX_AGG_H */
