/*
 * net.h — the simulated network.
 *
 * A message of |size| payload bytes sent at t from src to dst (bits =
 * (size + header_bytes) * 8, ser(bps) = ceil(bits * 1e9 / bps) ns, 0 when
 * bps is 0 = unlimited):
 *   1. queues on src's upload link, FIFO in send order:
 *        start = max(t, up_free[src]),  up_free[src] = start + ser(up_bps);
 *      a NAT'd src opens (or refreshes) its path to dst at t;
 *   2. draws its delay and its loss (always, whatever the verdict, so that
 *      the k-th send of a run always gets the k-th draws);
 *   3. is dropped if src and dst are in different partition groups, else if
 *      dst is behind NAT and has no open path to src (or both are NAT'd),
 *      else by the loss draw;
 *   4. reaches dst's link at arrive = up_free[src] + latency + jitter,
 *      latency from the region matrix (row = src region, column = dst
 *      region) if regions are set, else from |latency|;
 *   5. is delivered after dst's download queue drains, served in arrival
 *      order: deliver = max(arrive, down_free[dst]) + ser(down_bps),
 *      down_free[dst] = deliver.
 * Step 5 is a separate call (sim_net_arrive) made by the engine at arrival
 * time, so that the download queue is served in arrival order, not send
 * order.  docs/network.md has the full model, its rounding and its
 * simplifications.
 *
 * NAT: a NAT'd node can receive from src only while the path it opened by
 * its own send to src is open: t < last send to src + |nat_timeout_ns|, as
 * behind a home router.  Two NAT'd nodes cannot talk (no hole punching is
 * modelled).
 *
 * Links are authenticated: the receiver learns the true sender.
 *
 * Draws: delays (latency, jitter) come from the stream ("net", 0), loss
 * draws from the stream ("net", 1), both seeded from the run's seed; so
 * adding loss never changes the delay of any message.
 *
 * Memory: 24 bytes per node (two queue clocks, an index into the table of
 * distinct node attributes, a NAT slot), 12 bytes per open NAT path, and 2
 * bytes per node while a partition is active.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "dist.h"
#include "rng.h"

typedef enum sim_net_verdict {
  SIM_NET_OK = 0,
  SIM_NET_DROP_LOSS,       /* lost on the wire */
  SIM_NET_DROP_PARTITION,  /* src and dst in different partition groups */
  SIM_NET_DROP_NAT,        /* dst behind NAT, no path opened to src */
  SIM_NET_VERDICTS
} sim_net_verdict;

typedef struct sim_net_config {
  sim_dist latency;          /* one-way latency, ns (used when n_regions == 0) */
  sim_dist jitter;           /* extra delay per message, ns (zeroed struct: constant 0) */
  double loss;               /* probability a message is lost, [0, 1] */
  uint32_t header_bytes;     /* per-message overhead counted for bandwidth, bytes */
  uint64_t nat_timeout_ns;   /* an opened NAT path stays open this long after its last use, ns */
  uint32_t n_regions;        /* 0: no region matrix; at most 256 */
  const sim_dist *region_latency; /* n_regions * n_regions one-way latencies, ns, row = src region (borrowed) */
} sim_net_config;

/* Per-node network attributes set by the engine. */
typedef struct sim_net_node {
  uint64_t up_bps;     /* upload bandwidth, bit/s; 0 = unlimited */
  uint64_t down_bps;   /* download bandwidth, bit/s; 0 = unlimited */
  uint8_t region;      /* region index (< n_regions), 0 without regions */
  bool nat;            /* behind NAT */
} sim_net_node;

/* Counters kept by the net since sim_net_new. */
typedef struct sim_net_stats {
  uint64_t sent;                           /* sim_net_send calls, messages */
  uint64_t sent_bytes;                     /* their payload, bytes (headers not counted) */
  uint64_t dropped[SIM_NET_VERDICTS];      /* messages dropped, by verdict ([SIM_NET_OK] stays 0);
                                              includes in-flight drops reported by the engine */
  uint64_t dropped_bytes[SIM_NET_VERDICTS]; /* their payload, bytes */
  uint64_t arrived;                        /* messages through the download stage
                                              (sim_net_arrive calls), messages */
  uint64_t arrived_bytes;                  /* their payload, bytes */
} sim_net_stats;

typedef struct sim_net sim_net;

/* Create a network for |n_nodes| node handles 0..n_nodes-1 (all with
 * unlimited bandwidth, region 0, no NAT, one partition group), drawing from
 * the streams ("net", 0) and ("net", 1) of |seed|.  |config| is copied; its
 * region matrix is borrowed and must outlive the net.  A config out of
 * range (loss outside [0, 1], more than 256 regions, regions without a
 * matrix) is a programmer error (asserted): the scenario loader validates.
 * Returns a new net; free with sim_net_free. */
sim_net *sim_net_new(const sim_net_config *config, uint32_t n_nodes, uint64_t seed);

/* Free |net| and everything it holds (NULL is a no-op). */
void sim_net_free(sim_net *net);

/* Set node |node|'s attributes to |attrs| (copied).  A node that stops
 * being NAT'd loses its open paths; queues are kept.  |node| < n_nodes and
 * |attrs|->region < max(n_regions, 1) are asserted. */
void sim_net_set_node(sim_net *net, uint32_t node, const sim_net_node *attrs);

/* Copy node |node|'s attributes into *|out|. */
void sim_net_get_node(const sim_net *net, uint32_t node, sim_net_node *out);

/* Send |size| payload bytes from |src| to |dst| at |now_ns|.  On SIM_NET_OK,
 * *|arrive_ns| is when the message reaches dst's link; call sim_net_arrive
 * then.  Any other verdict: the message is gone (*|arrive_ns| is still
 * written, with the time it would have arrived).  Updates src's upload
 * queue and NAT paths either way as a real send would, and the counters.
 * A message to oneself passes partition and NAT checks.  Node handles out
 * of range are asserted. */
sim_net_verdict sim_net_send(sim_net *net, uint64_t now_ns, uint32_t src, uint32_t dst,
                             uint32_t size, uint64_t *arrive_ns);

/* The message of |size| payload bytes reached |dst|'s link at |now_ns|:
 * returns the delivery time after dst's download queue (served in the order
 * of these calls, which the engine makes in arrival order), and counts it
 * in stats.arrived.  Equal to now_ns (and no queue state changes) when
 * dst's download is unlimited, so the engine may skip the call while
 * sim_net_has_download_stage is false. */
uint64_t sim_net_arrive(sim_net *net, uint64_t now_ns, uint32_t dst, uint32_t size);

/* Count a message of |size| payload bytes that was accepted by
 * sim_net_send but dropped by the engine in flight for reason |why| (not
 * SIM_NET_OK), e.g. SIM_NET_DROP_PARTITION when sim_net_partitioned is true
 * at arrival.  Counting only: no other state changes. */
void sim_net_drop_in_flight(sim_net *net, sim_net_verdict why, uint32_t size);

/* True if a message arriving now from |src| to |dst| would cross a
 * partition (checked again at delivery: a partition cuts messages in
 * flight).  False while no partition is active. */
bool sim_net_partitioned(const sim_net *net, uint32_t src, uint32_t dst);

/* Split the nodes into groups: |group_of| has one entry per node (copied).
 * NULL heals (everyone in one group; the group array is freed). */
void sim_net_partition(sim_net *net, const uint16_t *group_of);

/* A crashed node loses its queues (upload and download are free at once)
 * and its NAT paths.  Its attributes and partition group are kept. */
void sim_net_reset_node(sim_net *net, uint32_t node);

/* True if the download stage matters (some node has finite download). */
bool sim_net_has_download_stage(const sim_net *net);

/* Bytes of memory held (the net itself, per-node arrays, attribute table,
 * NAT paths, partition groups). */
size_t sim_net_memory(const sim_net *net);

/* The counters since sim_net_new (pointer valid until sim_net_free). */
const sim_net_stats *sim_net_get_stats(const sim_net *net);

/* Serialisation delay of |bytes| (header included) at |bps| bit/s:
 * ceil(bytes * 8 * 1e9 / bps) ns, exact (128-bit arithmetic), saturated at
 * UINT64_MAX; 0 when |bps| is 0 (unlimited). */
uint64_t sim_net_serialisation_ns(uint64_t bytes, uint64_t bps);

#endif
