/*
 * net.h — the simulated network.
 *
 * A message of |size| bytes sent at t from src to dst:
 *   1. is dropped if src and dst are in different partition groups, if dst
 *      is behind NAT and has no open path to src, or by the loss draw;
 *   2. leaves src after its upload queue drains: depart = max(t, up_free[src]),
 *      up_free[src] = depart + (size + header_bytes) * 8 / up_bps;
 *   3. reaches dst's link after the one-way latency (from the region matrix
 *      if regions are set, else from |latency|) plus |jitter|;
 *   4. is delivered after dst's download queue drains, computed in arrival
 *      order: deliver = max(arrive, down_free[dst]) + bits / down_bps.
 * Bandwidth 0 means unlimited (no serialisation delay).  Step 4 is a
 * separate call (sim_net_arrive) made by the engine at arrival time, so that
 * the download queue is served in arrival order, not send order.
 *
 * NAT: a NAT'd node can receive only from peers it has itself sent to within
 * |nat_timeout_ns| (the path it opened), as behind a home router.  Two NAT'd
 * nodes cannot talk (no hole punching is modelled).
 *
 * Links are authenticated: the receiver learns the true sender.
 *
 * All draws come from the stream ("net", 0) seeded from the run's seed.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

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
  sim_dist jitter;           /* extra delay per message, ns */
  double loss;               /* probability a message is lost, [0, 1] */
  uint32_t header_bytes;     /* per-message overhead counted for bandwidth */
  uint64_t nat_timeout_ns;   /* an opened NAT path stays open this long after its last use */
  uint32_t n_regions;        /* 0: no region matrix */
  const sim_dist *region_latency; /* n_regions * n_regions one-way latencies, row = src region (borrowed) */
} sim_net_config;

/* Per-node network attributes set by the engine. */
typedef struct sim_net_node {
  uint64_t up_bps;     /* upload bandwidth, bit/s; 0 = unlimited */
  uint64_t down_bps;   /* download bandwidth, bit/s; 0 = unlimited */
  uint8_t region;      /* region index (< n_regions), 0 without regions */
  bool nat;            /* behind NAT */
} sim_net_node;

typedef struct sim_net sim_net;

/* Create a network for |n_nodes| node handles 0..n_nodes-1 (all with
 * unlimited bandwidth, region 0, no NAT, one partition group).  |config|
 * is copied; its region matrix is borrowed and must outlive the net. */
sim_net *sim_net_new(const sim_net_config *config, uint32_t n_nodes, uint64_t seed);
void sim_net_free(sim_net *net);

/* Set node |node|'s attributes. */
void sim_net_set_node(sim_net *net, uint32_t node, const sim_net_node *attrs);

/* Send |size| payload bytes from |src| to |dst| at |now_ns|.  On SIM_NET_OK,
 * *|arrive_ns| is when the message reaches dst's link; call sim_net_arrive
 * then.  Any other verdict: the message is gone.  Updates src's upload
 * queue and NAT paths either way as a real send would. */
sim_net_verdict sim_net_send(sim_net *net, uint64_t now_ns, uint32_t src, uint32_t dst,
                             uint32_t size, uint64_t *arrive_ns);

/* The message reached |dst|'s link at |now_ns|: returns the delivery time
 * after dst's download queue.  Equal to now_ns with unlimited download. */
uint64_t sim_net_arrive(sim_net *net, uint64_t now_ns, uint32_t dst, uint32_t size);

/* True if a message arriving now from |src| to |dst| would cross a
 * partition (checked again at delivery: a partition cuts messages in
 * flight). */
bool sim_net_partitioned(const sim_net *net, uint32_t src, uint32_t dst);

/* Split the nodes into groups: |group_of| has one entry per node (copied).
 * NULL heals (everyone in one group). */
void sim_net_partition(sim_net *net, const uint16_t *group_of);

/* A crashed node loses its queues and NAT paths. */
void sim_net_reset_node(sim_net *net, uint32_t node);

/* True if the download stage matters (some node has finite download). */
bool sim_net_has_download_stage(const sim_net *net);

/* Bytes of memory held (per-node arrays, NAT table). */
size_t sim_net_memory(const sim_net *net);

#endif
