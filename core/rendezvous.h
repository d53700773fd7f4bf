/*
 * rendezvous.h — highest-random-weight (rendezvous) hashing over a peer set.
 *
 * The alternative discovery mode ([protocol.kad] mode = rendezvous): instead
 * of walking the XOR metric hop by hop, a node that stores or looks up key
 * K computes, for every peer it knows, the weight
 *
 *   w(K, p) = first 8 bytes, big-endian, of BLAKE2b-256("peerlab hrw v1" || K || id(p))
 *
 * and talks directly to the r peers of highest weight (Thaler and Ravishankar's
 * highest-random-weight mapping).  Two nodes that know the same peers pick
 * the same r peers for K in one hop; when a peer leaves, only the keys it
 * held move (to their next-highest peer), and each peer holds a 1/n share
 * of the keys.  Its price is knowledge: a node must know (most of) the
 * peer set, which Kademlia does not need; with partial views two nodes
 * agree only on the peers they both know, which is what the discovery
 * studies measure.
 *
 * Pure functions over peer handles; ids come from the host through
 * pl_env.peer_id_cb.  Ordering is total (weight, then id bytes, then
 * handle), so the result never depends on the candidates' order.
 */
#ifndef PL_RENDEZVOUS_H
#define PL_RENDEZVOUS_H

#include "kad.h"
#include "pl.h"

/* Most replicas pl_rendezvous_top picks in one call. */
#define PL_RENDEZVOUS_R_MAX 64

/* Weight of node id |peer_id| for |key| (see above). */
uint64_t pl_rendezvous_weight(const uint8_t key[PL_ID_BYTES],
                              const uint8_t peer_id[PL_ID_BYTES]);

/*
 * The (up to) |r| peers of highest weight for |key| among the |n|
 * candidates |cands|, best first, into |out| (room for |r|; |r| <=
 * PL_RENDEZVOUS_R_MAX).  Candidates whose id |env|->peer_id_cb does not
 * know, PL_PEER_NONE, and repeats of a handle already chosen are skipped.
 * Returns how many were written (min(r, distinct known candidates)).
 * Costs one BLAKE2b per candidate; the caller charges hashing if it wants.
 */
uint32_t pl_rendezvous_top(const pl_env *env, const uint8_t key[PL_ID_BYTES],
                           const pl_peer *cands, uint32_t n, pl_peer *out, uint32_t r);

/* Whether |peer| would rank among the top |r| for |key| among |cands|
 * (same rules as pl_rendezvous_top); used by a node to decide whether it
 * is a rightful holder of |key| in its own view. */
bool pl_rendezvous_is_holder(const pl_env *env, const uint8_t key[PL_ID_BYTES],
                             const pl_peer *cands, uint32_t n, pl_peer peer, uint32_t r);

/* ------------------------------------------------ the node's discovery */

/*
 * In mode PL_KAD_RENDEZVOUS the discovery layer's pl_kad_store and
 * pl_kad_find_value come here instead of walking the DHT.  The node's
 * *known peer set* is itself, its routing-table contacts, its sibling
 * list and its connected peers (deduplicated); the replicas of a key are
 * the r = min(k, PL_RENDEZVOUS_R_MAX) peers of highest weight in it.
 */

/* Copy the known peer set of |node| into |out| (room for |max|), self
 * first, the rest in ascending handle order; return how many were
 * copied.  pl_rendezvous_known_bound(node) is enough room for all. */
uint32_t pl_rendezvous_known(pl_node *node, pl_peer *out, uint32_t max);
uint32_t pl_rendezvous_known_bound(const pl_node *node);

/* The replicas of |key| in |node|'s known set into |out| (room for
 * PL_RENDEZVOUS_R_MAX), best first; return how many. */
uint32_t pl_rendezvous_replicas(pl_node *node, const uint8_t key[PL_ID_BYTES], pl_peer *out);

/*
 * STORE |len| bytes of |value| under |key| with lifetime |ttl_ns| at each
 * replica of |key| directly (pl_kad_store_at; the node itself keeps it
 * when it is a replica).  Reports PL_OBS_KAD_STORE (peers = replicas, a = 1
 * hop, b = STOREs sent, c = now).  Returns PL_OK, PL_ERR_NOT_FOUND (no
 * known peer), or the first error of pl_kad_store_at when none was sent.
 */
PL_WARN_UNUSED int pl_rendezvous_store(pl_node *node, pl_time_ns now,
                                       const uint8_t key[PL_ID_BYTES], const uint8_t *value,
                                       size_t len, pl_time_ns ttl_ns);

/* FIND_VALUE |key| at its replicas directly (pl_kad_find_value_at, with
 * |want|, |cb| and |user_data| as for pl_kad_find_value).  Returns PL_OK
 * (|cb| will be called once), PL_ERR_NOT_FOUND (no known peer: |cb| is
 * not called), or pl_kad_find_value_at's error. */
PL_WARN_UNUSED int pl_rendezvous_find_value(pl_node *node, pl_time_ns now,
                                            const uint8_t key[PL_ID_BYTES], uint32_t want,
                                            pl_kad_values_cb cb, void *user_data);

#endif /* PL_RENDEZVOUS_H */
