/*
 * netstats.c — the network's statistics across the cluster: every rank's
 * counters (its MM, its MPI traffic) and every switch's, gathered to rank 0
 * without a busy-polling collective, printed as the --stats summary, or
 * written as the --stats-json document (jansson). docs/network.md lists the
 * fields.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "interconnect/net.h"
#include "interconnect/netpriv.h"
#include "interconnect/topo.h"

void net_report_free(struct net_report *r)
{
    if (!r) return;
    free(r->ranks);
    free(r->sw);
    free(r);
}

/* One rank's block: its net_rank_stats, then its switches' net_sw_stats. */
static size_t block_size(const struct net_topo *t, uint32_t r)
{
    return sizeof(struct net_rank_stats) + net_topo_nhosted(t, r) * sizeof(struct net_sw_stats);
}

static void fill_block(struct net_eng *e, uint8_t *b)
{
    struct net_rank_stats rs;
    net_eng_rank_stats(e, &rs);
    memcpy(b, &rs, sizeof rs);
    b += sizeof rs;
    for (uint32_t k = 0; k < net_eng_nsw(e); k++) {
        struct net_sw_stats ss;
        net_eng_sw_stats(e, k, &ss);
        memcpy(b + k * sizeof ss, &ss, sizeof ss);
    }
}

static int unpack(const struct net_topo *t, const uint8_t *all, struct net_report *r)
{
    uint32_t nsw = 0;
    for (uint32_t k = 0; k < t->nodes; k++)
        nsw += net_topo_nhosted(t, k);
    r->ranks = calloc(t->nodes, sizeof *r->ranks);
    r->sw = calloc(nsw ? nsw : 1, sizeof *r->sw);
    if (!r->ranks || !r->sw) return -ENOMEM;
    r->nranks = t->nodes, r->stages = t->stages, r->nsw = nsw;
    uint32_t j = 0;
    for (uint32_t k = 0; k < t->nodes; k++) {
        memcpy(&r->ranks[k], all, sizeof r->ranks[k]);
        all += sizeof r->ranks[k];
        for (uint32_t i = 0; i < net_topo_nhosted(t, k); i++, j++) {
            memcpy(&r->sw[j], all, sizeof r->sw[j]);
            all += sizeof r->sw[j];
        }
    }
    return 0;
}

int net_eng_gather_comm(struct net_eng *e, struct net *n, int combining, struct net_report **out)
{
    struct net_topo t;
    uint32_t P = (uint32_t)net_size(n), me = (uint32_t)net_rank(n);
    *out = NULL;
    if (net_topo_init(&t, P) < 0) return -EINVAL;
    size_t mine = block_size(&t, me), total = 0;
    uint8_t *blk = malloc(mine);
    int *counts = calloc(P, sizeof *counts), *displs = calloc(P, sizeof *displs);
    uint8_t *all = NULL;
    int rc = blk && counts && displs ? 0 : -ENOMEM;
    if (rc == 0) {
        fill_block(e, blk);
        for (uint32_t k = 0; k < P; k++) {
            counts[k] = (int)block_size(&t, k);
            displs[k] = (int)total;
            total += block_size(&t, k);
        }
        if (me == 0 && !(all = malloc(total))) rc = -ENOMEM;
    }
    if (rc == 0 && net_mpi_active(n)) {
        MPI_Request req;
        if (MPI_Igatherv(blk, (int)mine, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, net_comm(n),
                         &req) != MPI_SUCCESS ||
            net_idle_wait(&req, 1000) < 0)
            rc = -EIO;
    } else if (rc == 0) {
        memcpy(all, blk, mine);
    }
    if (rc == 0 && me == 0) {
        struct net_report *r = calloc(1, sizeof *r);
        if (!r) {
            rc = -ENOMEM;
        } else {
            r->combining = combining;
            rc = unpack(&t, all, r);
            if (rc < 0)
                net_report_free(r);
            else
                *out = r;
        }
    }
    free(blk);
    free(counts);
    free(displs);
    free(all);
    return rc;
}

/* Totals over ranks and switches. */
struct totals {
    uint64_t issued, msgs, bytes, served, mm_max, combines, req_in, rep_in, wb_peak, q_peak;
    uint64_t watched, pe_combines;
};

static void totals(const struct net_report *r, struct totals *t)
{
    memset(t, 0, sizeof *t);
    for (uint32_t k = 0; k < r->nranks; k++) {
        const struct net_rank_stats *s = &r->ranks[k];
        t->issued += s->issued;
        t->msgs += s->msgs_sent;
        t->bytes += s->bytes_sent;
        t->served += s->mm.served;
        t->watched += s->mm.watched;
        t->pe_combines += s->pe_combines;
        t->combines += s->pe_combines;
        if (s->mm.served > t->mm_max) t->mm_max = s->mm.served;
    }
    for (uint32_t j = 0; j < r->nsw; j++) {
        const struct net_sw_stats *s = &r->sw[j];
        t->combines += s->combines;
        t->req_in += s->req_in;
        t->rep_in += s->rep_in;
        if (s->wb_peak > t->wb_peak) t->wb_peak = s->wb_peak;
        if (s->q_peak > t->q_peak) t->q_peak = s->q_peak;
    }
}

void net_report_print(const struct net_report *r, FILE *f)
{
    struct totals t;
    totals(r, &t);
    fprintf(f, "network: %u ranks, %u stages, %u switches, combining %s\n", r->nranks, r->stages,
            r->nsw, r->combining ? "on" : "off");
    fprintf(f, "net requests: %llu\n", (unsigned long long)t.issued);
    fprintf(f, "net mm served: %llu (busiest mm %llu, per request %.4f)\n",
            (unsigned long long)t.served, (unsigned long long)t.mm_max,
            t.issued ? (double)t.served / (double)t.issued : 0.0);
    fprintf(f, "net combines: %llu (%llu in PE queues; wait-buffer peak %llu, queue peak %llu)\n",
            (unsigned long long)t.combines, (unsigned long long)t.pe_combines,
            (unsigned long long)t.wb_peak, (unsigned long long)t.q_peak);
    fprintf(f, "net mpi messages: %llu (%llu bytes, %.1f records each)\n",
            (unsigned long long)t.msgs, (unsigned long long)t.bytes,
            t.msgs ? (double)(t.bytes - 24 * t.msgs) / 64.0 / (double)t.msgs : 0.0);
    fprintf(f, "%-6s %10s %10s %10s %10s %10s %10s\n", "rank", "issued", "mm-served", "msgs-out",
            "bytes-out", "msgs-in", "bytes-in");
    for (uint32_t k = 0; k < r->nranks; k++) {
        const struct net_rank_stats *s = &r->ranks[k];
        fprintf(f, "%-6u %10llu %10llu %10llu %10llu %10llu %10llu\n", k,
                (unsigned long long)s->issued, (unsigned long long)s->mm.served,
                (unsigned long long)s->msgs_sent, (unsigned long long)s->bytes_sent,
                (unsigned long long)s->msgs_recv, (unsigned long long)s->bytes_recv);
    }
    fprintf(f, "%-12s %5s %10s %10s %10s %8s %8s\n", "switch", "rank", "req-in", "req-out",
            "combines", "wb-peak", "q-peak");
    for (uint32_t j = 0; j < r->nsw; j++) {
        const struct net_sw_stats *s = &r->sw[j];
        char name[32];
        snprintf(name, sizeof name, "s%u.%u", s->stage, s->sw);
        fprintf(f, "%-12s %5u %10llu %10llu %10llu %8llu %8llu\n", name, s->rank,
                (unsigned long long)s->req_in, (unsigned long long)s->req_out,
                (unsigned long long)s->combines, (unsigned long long)s->wb_peak,
                (unsigned long long)s->q_peak);
    }
}

#define JU(v) json_integer((json_int_t)(v))

static json_t *rank_json(uint32_t k, const struct net_rank_stats *s)
{
    json_t *mm = json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "served", JU(s->mm.served), "loads",
        JU(s->mm.loads), "stores", JU(s->mm.stores), "amos", JU(s->mm.amos), "lrsc", JU(s->mm.lrsc),
        "pages", JU(s->mm.pages), "fills", JU(s->mm.fills), "writebacks", JU(s->mm.writebacks),
        "evictions", JU(s->mm.evictions), "syncs", JU(s->mm.syncs), "watched", JU(s->mm.watched));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:o,s:o,s:o},s:o,s:o}", "rank", JU(k),
                     "issued", JU(s->issued), "completed", JU(s->completed), "mpi_messages_sent",
                     JU(s->msgs_sent), "mpi_bytes_sent", JU(s->bytes_sent), "mpi_messages_received",
                     JU(s->msgs_recv), "mpi_bytes_received", JU(s->bytes_recv), "flushes", "full",
                     JU(s->flush_full), "idle", JU(s->flush_idle), "force", JU(s->flush_force),
                     "pe_combines", JU(s->pe_combines), "mm", mm);
}

static json_t *sw_json(const struct net_sw_stats *s)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "rank", JU(s->rank), "stage",
                     JU(s->stage), "switch", JU(s->sw), "requests_in", JU(s->req_in),
                     "requests_out", JU(s->req_out), "replies_in", JU(s->rep_in), "replies_out",
                     JU(s->rep_out), "combines", JU(s->combines), "wait_buffer_refused",
                     JU(s->wb_refused), "wait_buffer_peak", JU(s->wb_peak), "queue_peak",
                     JU(s->q_peak));
}

int net_report_json(const struct net_report *r, const char *path)
{
    struct totals t;
    totals(r, &t);
    json_t *ranks = json_array(), *sws = json_array();
    for (uint32_t k = 0; k < r->nranks; k++)
        json_array_append_new(ranks, rank_json(k, &r->ranks[k]));
    for (uint32_t j = 0; j < r->nsw; j++)
        json_array_append_new(sws, sw_json(&r->sw[j]));
    json_t *doc =
        json_pack("{s:o,s:o,s:o,s:b,s:{s:o,s:o,s:o,s:o,s:o,s:o},s:o,s:o}", "nranks", JU(r->nranks),
                  "stages", JU(r->stages), "switches", JU(r->nsw), "combining", r->combining,
                  "totals", "requests", JU(t.issued), "mm_served", JU(t.served), "mm_busiest",
                  JU(t.mm_max), "combines", JU(t.combines), "mpi_messages", JU(t.msgs), "mpi_bytes",
                  JU(t.bytes), "ranks", ranks, "switch_stats", sws);
    if (!doc) return -ENOMEM;
    int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 ? 0 : -EIO;
    json_decref(doc);
    return rc;
}
