/*
 * test_agg.c — message aggregation and its wire format (interconnect/agg.[ch]):
 * random batches round-trip field for field; damaged messages (random byte
 * flips, every truncation, trailing bytes, random garbage, valid checksums over
 * invalid records) are refused with -EBADMSG or decode identically, and the
 * decoder never reads past the end (each case sits in an exact-size heap copy,
 * so ASan catches any overread); zero records; full buffers close themselves;
 * per-neighbour order and counters; messages stay valid until released.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "interconnect/agg.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64* */
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static struct net_rec rnd_rec(void)
{
    static const uint8_t widths[] = {1, 2, 4, 8};
    struct net_rec r;
    memset(&r, 0, sizeof r);
    r.kind = (uint8_t)(NET_REC_REQUEST + rnd() % 4); /* request, reply, sync, synced */
    r.op = (uint8_t)(rnd() % NET_OP_COUNT);
    r.width = widths[rnd() % 4];
    r.stage = (uint8_t)rnd();
    r.addr = rnd();
    r.val = rnd();
    r.val2 = rnd() & 1 ? rnd() : 0;
    r.tag.node = (uint32_t)rnd();
    r.tag.proc = (uint32_t)rnd();
    r.tag.seq = rnd();
    r.path = rnd();
    return r;
}

static int rec_eq(const struct net_rec *a, const struct net_rec *b)
{
    return a->kind == b->kind && a->op == b->op && a->width == b->width && a->stage == b->stage &&
           a->addr == b->addr && a->val == b->val && a->val2 == b->val2 &&
           a->tag.node == b->tag.node && a->tag.proc == b->tag.proc && a->tag.seq == b->tag.seq &&
           a->path == b->path;
}

/* Encode n records into a fresh exact-size heap buffer. */
static uint8_t *encode(const struct net_rec *recs, uint32_t n, size_t *len)
{
    *len = net_agg_wire_size(n);
    uint8_t *b = malloc(*len);
    cr_assert_eq(net_agg_encode(recs, n, 3, 5, b, *len), (long)*len);
    return b;
}

/* Decode buf[0..len) from an exact-size heap copy (overreads trip ASan). */
static long decode_copy(const uint8_t *buf, size_t len, struct net_agg_hdr *h, struct net_rec *out,
                        uint32_t max)
{
    uint8_t *c = malloc(len ? len : 1);
    if (len) memcpy(c, buf, len);
    long n = net_agg_decode(c, len, h, out, max);
    free(c);
    return n;
}

/* Recompute the checksum of a message so that only record checks can refuse it. */
static void reseal(uint8_t *m, size_t len)
{
    memset(m + 20, 0, 4);
    uint32_t c = (uint32_t)crc32(crc32(0L, Z_NULL, 0), m, (uInt)len);
    for (int i = 0; i < 4; i++)
        m[20 + i] = (uint8_t)(c >> (8 * i));
}

Test(agg, round_trip_random_batches)
{
    static struct net_rec in[300], out[300];
    for (int it = 0; it < 200; it++) {
        uint32_t n = it < 3 ? (uint32_t)it : (uint32_t)(rnd() % 300);
        for (uint32_t i = 0; i < n; i++)
            in[i] = rnd_rec();
        size_t len;
        uint8_t *b = encode(in, n, &len);
        cr_assert_eq(len, NET_AGG_HDR_SIZE + n * NET_REC_WIRE_SIZE);
        struct net_agg_hdr h;
        cr_assert_eq(decode_copy(b, len, &h, out, 300), n);
        cr_assert_eq(h.count, n);
        cr_assert_eq(h.sender, 3);
        cr_assert_eq(h.receiver, 5);
        for (uint32_t i = 0; i < n; i++)
            cr_assert(rec_eq(&in[i], &out[i]), "batch %d record %u", it, i);
        free(b);
    }
}

Test(agg, zero_records)
{
    uint8_t b[NET_AGG_HDR_SIZE];
    cr_assert_eq(net_agg_encode(NULL, 0, 0, 1, b, sizeof b), NET_AGG_HDR_SIZE);
    struct net_agg_hdr h = {.count = 99};
    cr_assert_eq(decode_copy(b, sizeof b, &h, NULL, 0), 0);
    cr_assert_eq(h.count, 0);
    struct net_rec r;
    cr_assert_eq(decode_copy(b, sizeof b, NULL, &r, 0), 0);

    struct net_agg *a;
    cr_assert_eq(net_agg_create(0, 4, 8, &a), 0);
    cr_assert_eq(net_agg_flush(a, NET_FLUSH_IDLE), 0);
    struct net_agg_msg m;
    cr_assert_eq(net_agg_next(a, &m), -EAGAIN);
    struct net_agg_stats st;
    net_agg_stats(a, &st);
    cr_assert_eq(st.messages, 0);
    cr_assert_eq(st.flushes[NET_FLUSH_IDLE], 0);
    net_agg_destroy(a);
}

Test(agg, encode_and_decode_limits)
{
    struct net_rec r[3] = {rnd_rec(), rnd_rec(), rnd_rec()};
    uint8_t b[NET_AGG_HDR_SIZE + 3 * NET_REC_WIRE_SIZE];
    cr_assert_eq(net_agg_encode(r, 3, 0, 1, b, sizeof b - 1), -ENOSPC);
    cr_assert_eq(net_agg_encode(r, NET_AGG_MAX_RECORDS + 1, 0, 1, b, sizeof b), -EINVAL);
    cr_assert_eq(net_agg_encode(r, 3, 0, 1, b, sizeof b), (long)sizeof b);
    struct net_rec out[2];
    struct net_agg_hdr h;
    cr_assert_eq(net_agg_decode(b, sizeof b, &h, out, 2), -ENOSPC);
    cr_assert_eq(h.count, 3);
    cr_assert_eq(net_agg_decode(b, sizeof b, NULL, NULL, 0), 3);
    cr_assert_eq(net_agg_decode(NULL, 0, NULL, NULL, 0), -EBADMSG);
}

/* Every truncation, and a trailing byte, is refused. */
Test(agg, truncation_at_every_length)
{
    struct net_rec in[7];
    for (int i = 0; i < 7; i++)
        in[i] = rnd_rec();
    size_t len;
    uint8_t *b = encode(in, 7, &len);
    for (size_t l = 0; l < len; l++)
        cr_assert_eq(decode_copy(b, l, NULL, NULL, 0), -EBADMSG, "length %zu", l);
    uint8_t *longer = calloc(1, len + 1);
    memcpy(longer, b, len);
    cr_assert_eq(decode_copy(longer, len + 1, NULL, NULL, 0), -EBADMSG);
    cr_assert_eq(decode_copy(b, len, NULL, NULL, 0), 7);
    free(longer);
    free(b);
}

/* Random byte flips: refused cleanly, or decoded identically (never seen with
 * a crc32, but allowed by the contract); never a crash or an overread. */
Test(agg, random_corruption)
{
    static struct net_rec in[40], out[40];
    unsigned refused = 0, identical = 0;
    for (int it = 0; it < 5000; it++) {
        uint32_t n = (uint32_t)(rnd() % 40);
        for (uint32_t i = 0; i < n; i++)
            in[i] = rnd_rec();
        size_t len;
        uint8_t *b = encode(in, n, &len);
        int flips = 1 + (int)(rnd() % 4);
        for (int f = 0; f < flips; f++)
            b[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
        /* sometimes truncate as well */
        size_t l = rnd() % 4 == 0 ? (size_t)(rnd() % (len + 1)) : len;
        long got = decode_copy(b, l, NULL, out, 40);
        if (got == -EBADMSG) {
            refused++;
        } else {
            cr_assert_eq(got, n, "iteration %d", it);
            for (uint32_t i = 0; i < n; i++)
                cr_assert(rec_eq(&in[i], &out[i]));
            identical++;
        }
        free(b);
    }
    cr_assert_eq(refused + identical, 5000);
    cr_expect_gt(refused, 4900);
}

/* Random garbage, and headers that claim absurd counts. */
Test(agg, garbage_is_refused)
{
    for (int it = 0; it < 2000; it++) {
        size_t len = (size_t)(rnd() % 300);
        uint8_t *b = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            b[i] = (uint8_t)rnd();
        if (len >= NET_AGG_HDR_SIZE && it % 2) { /* a plausible header */
            b[0] = 0x53, b[1] = 0x59, b[2] = 0x4e, b[3] = 0x4d;
            b[4] = NET_AGG_VERSION, b[5] = 0;
            b[6] = NET_REC_WIRE_SIZE, b[7] = 0;
            if (it % 4 == 1) b[8] = b[9] = b[10] = b[11] = 0xff; /* 4 G records */
        }
        cr_assert_eq(decode_copy(b, len, NULL, NULL, 0), -EBADMSG, "iteration %d", it);
        free(b);
    }
}

/* A correct checksum over an invalid record is still refused. */
Test(agg, invalid_records_refused)
{
    struct net_rec r = rnd_rec();
    size_t len;
    static const struct {
        size_t off;
        uint8_t v;
    } bad[] = {
        {0, 0},            /* kind 0 */
        {0, 5},            /* kind 5 (3, 4: the sync control) */
        {1, NET_OP_COUNT}, /* op out of range */
        {2, 3},            /* width 3 */
        {2, 16},           /* width 16 */
        {4, 1},            /* reserved */
        {63, 0x80},        /* reserved tail */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *b = encode(&r, 1, &len);
        b[NET_AGG_HDR_SIZE + bad[i].off] = bad[i].v;
        reseal(b, len);
        cr_assert_eq(decode_copy(b, len, NULL, NULL, 0), -EBADMSG, "case %zu", i);
        free(b);
    }
    uint8_t *b = encode(&r, 1, &len);
    reseal(b, len); /* reseal is a no-op on a good message */
    cr_assert_eq(decode_copy(b, len, NULL, NULL, 0), 1);
    b[5] = 1; /* version */
    reseal(b, len);
    cr_assert_eq(decode_copy(b, len, NULL, NULL, 0), -EBADMSG);
    free(b);
}

Test(agg, arguments)
{
    struct net_agg *a;
    cr_assert_eq(net_agg_create(4, 4, 8, &a), -EINVAL);
    cr_assert_eq(net_agg_create(0, 0, 8, &a), -EINVAL);
    cr_assert_eq(net_agg_create(0, 4, 0, &a), -EINVAL);
    cr_assert_eq(net_agg_create(0, 4, NET_AGG_MAX_RECORDS + 1, &a), -EINVAL);
    cr_assert_eq(net_agg_create(1, 4, 8, &a), 0);
    struct net_rec r = rnd_rec();
    cr_assert_eq(net_agg_append(a, 1, &r), -EINVAL); /* itself */
    cr_assert_eq(net_agg_append(a, 4, &r), -EINVAL);
    cr_assert_eq(net_agg_open_count(a, 9), 0);
    struct net_agg_link_stats ls = {.records = 7};
    net_agg_link_stats(a, 9, &ls);
    cr_assert_eq(ls.records, 0);
    net_agg_destroy(a);
    net_agg_destroy(NULL);
}

/* Decode a message handed out by the aggregator into out; returns its count. */
static uint32_t check_msg(const struct net_agg_msg *m, uint32_t self, struct net_rec *out,
                          uint32_t max)
{
    struct net_agg_hdr h;
    long n = decode_copy(m->data, m->len, &h, out, max);
    cr_assert_eq(n, m->count);
    cr_assert_eq(h.sender, self);
    cr_assert_eq(h.receiver, m->dest);
    cr_assert_eq(m->len, net_agg_wire_size(m->count));
    return (uint32_t)n;
}

Test(agg, full_buffer_closes_itself)
{
    struct net_agg *a;
    struct net_rec in[9], out[4];
    cr_assert_eq(net_agg_create(0, 3, 4, &a), 0);
    for (int i = 0; i < 9; i++) {
        in[i] = rnd_rec();
        cr_assert_eq(net_agg_append(a, 1, &in[i]), i == 3 || i == 7, "append %d", i);
    }
    cr_assert_eq(net_agg_open_count(a, 1), 1);
    cr_assert_eq(net_agg_open_count(a, 2), 0);
    struct net_agg_msg m1, m2, m3, none;
    cr_assert_eq(net_agg_next(a, &m1), 0);
    cr_assert_eq(net_agg_next(a, &m2), 0);
    cr_assert_eq(net_agg_next(a, &none), -EAGAIN);
    cr_assert_eq(m1.cause, NET_FLUSH_FULL);
    cr_assert_eq(m1.dest, 1);
    cr_assert_eq(check_msg(&m1, 0, out, 4), 4);
    for (int i = 0; i < 4; i++)
        cr_assert(rec_eq(&in[i], &out[i]));
    cr_assert_eq(net_agg_flush(a, NET_FLUSH_IDLE), 1);
    cr_assert_eq(net_agg_next(a, &m3), 0);
    cr_assert_eq(m3.cause, NET_FLUSH_IDLE);
    cr_assert_eq(check_msg(&m3, 0, out, 4), 1);
    cr_assert(rec_eq(&in[8], &out[0]));
    /* m2 is still intact although newer buffers were filled and closed */
    cr_assert_eq(check_msg(&m2, 0, out, 4), 4);
    for (int i = 0; i < 4; i++)
        cr_assert(rec_eq(&in[4 + i], &out[i]));

    struct net_agg_stats st;
    net_agg_stats(a, &st);
    cr_assert_eq(st.flushes[NET_FLUSH_FULL], 2);
    cr_assert_eq(st.flushes[NET_FLUSH_IDLE], 1);
    cr_assert_eq(st.flushes[NET_FLUSH_FORCE], 0);
    cr_assert_eq(st.records, 9);
    cr_assert_eq(st.messages, 3);
    cr_assert_eq(st.bytes, 3 * NET_AGG_HDR_SIZE + 9 * NET_REC_WIRE_SIZE);
    cr_assert_eq(st.pending, 3);
    struct net_agg_link_stats ls;
    net_agg_link_stats(a, 1, &ls);
    cr_assert_eq(ls.records, 9);
    cr_assert_eq(ls.messages, 3);
    cr_assert_eq(ls.bytes, st.bytes);
    net_agg_link_stats(a, 2, &ls);
    cr_assert_eq(ls.records + ls.messages + ls.bytes, 0);

    net_agg_release(a, &m1);
    net_agg_release(a, &m2);
    net_agg_stats(a, &st);
    cr_assert_eq(st.pending, 1);
    /* released buffers are reused; m3 stays unreleased: destroy frees it */
    for (int i = 0; i < 4; i++)
        net_agg_append(a, 2, &in[i]);
    cr_assert_eq(net_agg_next(a, &m1), 0);
    cr_assert_eq(m1.dest, 2);
    cr_assert_eq(check_msg(&m1, 0, out, 4), 4);
    net_agg_destroy(a);
}

/* Random traffic to several neighbours with random flushes: each neighbour
 * receives exactly its records in append order; the counters add up. */
Test(agg, per_neighbour_order_and_counters)
{
    enum { P = 6, N = 5000, CAP = 17 };
    static struct net_rec sent[P][N], got[P][N], out[CAP];
    static uint32_t nsent[P], ngot[P];
    struct net_agg *a;
    cr_assert_eq(net_agg_create(2, P, CAP, &a), 0);
    uint64_t flushes = 0;
    for (int i = 0; i < N; i++) {
        uint32_t d = (uint32_t)(rnd() % P);
        if (d == 2) d = 3;
        struct net_rec r = rnd_rec();
        r.tag.seq = (uint64_t)i;
        sent[d][nsent[d]++] = r;
        cr_assert_geq(net_agg_append(a, d, &r), 0);
        if (rnd() % 50 == 0) flushes += (uint64_t)net_agg_flush(a, NET_FLUSH_FORCE);
        struct net_agg_msg m;
        while (rnd() % 3 == 0 && net_agg_next(a, &m) == 0) {
            uint32_t n = check_msg(&m, 2, out, CAP);
            memcpy(&got[m.dest][ngot[m.dest]], out, n * sizeof out[0]);
            ngot[m.dest] += n;
            net_agg_release(a, &m);
        }
    }
    flushes += (uint64_t)net_agg_flush(a, NET_FLUSH_IDLE);
    struct net_agg_msg m;
    while (net_agg_next(a, &m) == 0) {
        uint32_t n = check_msg(&m, 2, out, CAP);
        memcpy(&got[m.dest][ngot[m.dest]], out, n * sizeof out[0]);
        ngot[m.dest] += n;
        net_agg_release(a, &m);
    }
    struct net_agg_stats st;
    net_agg_stats(a, &st);
    uint64_t recs = 0, bytes = 0, msgs = 0;
    for (uint32_t d = 0; d < P; d++) {
        cr_assert_eq(ngot[d], nsent[d], "neighbour %u", d);
        for (uint32_t i = 0; i < nsent[d]; i++)
            cr_assert(rec_eq(&sent[d][i], &got[d][i]), "neighbour %u record %u", d, i);
        struct net_agg_link_stats ls;
        net_agg_link_stats(a, d, &ls);
        cr_assert_eq(ls.records, nsent[d]);
        cr_assert_eq(ls.bytes, ls.messages * NET_AGG_HDR_SIZE + ls.records * NET_REC_WIRE_SIZE);
        recs += ls.records, bytes += ls.bytes, msgs += ls.messages;
    }
    cr_assert_eq(st.records, N);
    cr_assert_eq(recs, N);
    cr_assert_eq(bytes, st.bytes);
    cr_assert_eq(msgs, st.messages);
    cr_assert_eq(st.flushes[NET_FLUSH_FORCE] + st.flushes[NET_FLUSH_IDLE], flushes);
    cr_assert_eq(st.flushes[NET_FLUSH_FULL] + flushes, st.messages);
    cr_assert_eq(st.pending, 0);
    net_agg_destroy(a);
}
