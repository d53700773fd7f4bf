/*
 * peer.h — peer management, the first layer of the node.
 *
 * The peer layer owns the sessions: the HELLO / HELLO_ACK handshake
 * (handshake.h), heartbeats (PING / PONG, round-trip times, timeouts),
 * inbound / outbound limits and eviction, GOODBYE, the address book and
 * its maintenance (refill to target_peers with per-candidate exponential
 * backoff, which is also how a node reconnects after a partition heals),
 * and peer exchange (PEERS_REQ / PEERS).
 *
 * State per node, allocated once in init: an inline array of max_peers
 * slots (connecting or connected peers, by handle) and an address book of
 * max(2 * max_peers, 8) entries (each with the highest node-record seq
 * accepted from that peer).  See docs/core.md for the rules and their
 * timing.
 */
#ifndef PL_PEER_H
#define PL_PEER_H

#include "node_internal.h"

/* The peer layer (PL_LAYER_PEER). */
extern const pl_layer pl_peer_layer;

/* Timer ids of the peer layer (low 24 bits): kind in bits 20-23; for a
 * handshake timeout, the slot in bits 8-19 and its generation in 0-7. */
enum {
  PL_PEER_TIMER_HEARTBEAT = 1,
  PL_PEER_TIMER_MAINTENANCE = 2,
  PL_PEER_TIMER_HANDSHAKE = 3,
};

/* Largest max_peers the slot index in a timer id can address. */
#define PL_PEER_SLOTS_MAX 4096

/* Bootstrap entries dialled per maintenance round at most (and only when
 * no other book entry is due).  Two, as a node queries several seeds: a
 * joiner that learns from a single bootstrap peer only meets the cluster
 * grown around that peer, and with one first contact the overlay splits
 * into about one component per bootstrap peer. */
#define PL_PEER_BOOTSTRAP_DIALS 2

/* Connected outbound peers outside the bootstrap set after which a node
 * closes its outbound sessions to bootstrap peers (if its book also knows
 * target_peers non-bootstrap candidates). */
#define PL_PEER_BOOTSTRAP_RELEASE 1

/* Outbound sessions (connected or connecting) a node keeps even when its
 * inbound peers bring it to target_peers: below this, maintenance dials
 * (the minimum is capped by target_peers and max_outbound), as Bitcoin
 * fills its outbound slots whatever its inbound count. */
#define PL_PEER_MIN_OUTBOUND 2

/* Retry delay cap: the backoff doubles per failure up to
 * maintenance_interval_ns << PL_PEER_BACKOFF_SHIFT_MAX. */
#define PL_PEER_BACKOFF_SHIFT_MAX 5

/* True if |peer| has a completed handshake with |node|. */
bool pl_peer_is_connected(const pl_node *node, pl_peer peer);

/* Start loading what pl_peer_is_connected reads (the node's session
 * keys), to overlap that miss with other work. */
void pl_peer_prefetch_sessions(const pl_node *node);

/* Connected peers (completed handshakes). */
uint32_t pl_peer_connected_count(const pl_node *node);

/* Copy up to |max| connected peers in connection order into |out|; return
 * how many. */
uint32_t pl_peer_list(const pl_node *node, pl_peer *out, uint32_t max);

/* Negotiated minor with connected |peer|, -1 if not connected. */
int pl_peer_minor(const pl_node *node, pl_peer peer);

/* Features common with connected |peer|, 0 if not connected. */
uint32_t pl_peer_features(const pl_node *node, pl_peer peer);

/* Pointer to the highest SIGNED sequence accepted directly from connected
 * |peer|, NULL if not connected (used by pl_node_open_envelope). */
uint64_t *pl_peer_seq_slot(pl_node *node, pl_peer peer);

/* |from| sent a session message without a session: answer GOODBYE
 * (PL_BYE_NOT_CONNECTED) so that it drops its stale view of us. */
void pl_peer_not_connected(pl_node *node, pl_time_ns now, pl_peer from);

/* True if a PEERS from |from| without a session is a referral we take:
 * our features include peer exchange, and either we are dialling |from|
 * (our HELLO awaits its answer) and have not taken a referral on this
 * dial yet, or |from| refused this dial (GOODBYE peer limit) before its
 * referral arrived and the handshake timeout has not passed.  A node
 * refusing us for capacity sends one just before GOODBYE(peer limit);
 * pl_node_receive lets such a PEERS through, any other session message
 * from a non-session peer stays PL_ERR_UNEXPECTED. */
bool pl_peer_takes_referral(const pl_node *node, pl_peer from);

/* Handles in the address book, in book order; copy up to |max| into |out|
 * and return the number held. */
uint32_t pl_peer_book(const pl_node *node, pl_peer *out, uint32_t max);

#endif /* PL_PEER_H */
