/*
 * kad_truth.h — ground truth of a Kademlia network: the member nodes sorted
 * by node id, which of them are live, the live node closest to any key in
 * the XOR metric, and the members whose ids share a given prefix.
 *
 * The kad host module (sim/kad_host.c) uses it to judge a lookup (did it
 * find the true closest live node?) and to fill routing tables from the
 * truth (oracle bootstrap).  Only the simulator has this view; no core
 * ever reads it.
 *
 * How it works.  Members are kept in one array sorted by node id (ties are
 * impossible: ids are BLAKE2b-256 of distinct keys; equal ids sort by
 * handle).  Every id prefix then names one contiguous range of that array,
 * found by two binary searches.  The XOR-closest member to a key is found
 * by walking the implicit binary trie: keep the range sharing the key's
 * first b bits, split it at bit b (a binary search) and keep the half that
 * agrees with the key's bit b if it holds a live member, the other half
 * otherwise.  Liveness is a Fenwick tree of counts over array positions,
 * so "does this range hold a live member" is O(log N) and the whole walk
 * O(log^2 N).  The first 32 bits of every id are also kept in one array in
 * sorted order, so the splits of the top 32 levels (all of them in any
 * network below ~10^9 members) binary-search that compact array instead of
 * fetching one id from the host per probe.  Memory: 16 bytes per member.
 */
#ifndef SIM_KAD_TRUTH_H
#define SIM_KAD_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl.h"

typedef struct sim_kad_truth sim_kad_truth;

/* Node id (32 bytes) of handle |h|; the pointer stays valid for the life
 * of the index. */
typedef const uint8_t *(*sim_kad_id_fn)(uint32_t h, void *user_data);

/*
 * Index the members |handles| (|n| distinct handles, copied), whose ids
 * come from |id_of|(h, |user_data|) (kept and called again by the
 * queries).  Every member starts not live.  Returns the index (free with
 * sim_kad_truth_free).
 */
sim_kad_truth *sim_kad_truth_new(const uint32_t *handles, uint32_t n, sim_kad_id_fn id_of,
                                 void *user_data);

/* Free |t|.  NULL is ignored. */
void sim_kad_truth_free(sim_kad_truth *t);

/* Members in the index. */
uint32_t sim_kad_truth_count(const sim_kad_truth *t);

/* Live members. */
uint32_t sim_kad_truth_live_count(const sim_kad_truth *t);

/* Mark member |h| live or not.  Returns false (and changes nothing) if
 * |h| is not a member. */
bool sim_kad_truth_set_live(sim_kad_truth *t, uint32_t h, bool live);

/* Whether |h| is a live member. */
bool sim_kad_truth_is_live(const sim_kad_truth *t, uint32_t h);

/* The live member whose id is closest to |key| in the XOR metric, or
 * PL_PEER_NONE when no member is live. */
uint32_t sim_kad_truth_closest(const sim_kad_truth *t, const uint8_t key[PL_ID_BYTES]);

/* sim_kad_truth_closest with member |except| (e.g. the node that asks)
 * counted as not live; |except| may be PL_PEER_NONE or a non-member.
 * Changes nothing, so a network where everyone is live keeps its O(1)
 * range counts. */
uint32_t sim_kad_truth_closest_except(const sim_kad_truth *t, const uint8_t key[PL_ID_BYTES],
                                      uint32_t except);

/*
 * Positions [*|lo|, *|hi|) of the members (live or not) whose ids share
 * the first |bits| (0..256) bits with |key|.  Returns *hi - *lo.  The
 * member at a position is sim_kad_truth_at.
 */
uint32_t sim_kad_truth_prefix_range(const sim_kad_truth *t, const uint8_t key[PL_ID_BYTES],
                                    unsigned bits, uint32_t *lo, uint32_t *hi);

/*
 * Within positions [|lo|, |hi|), whose ids all share their first |bit|
 * bits (e.g. a prefix range, or [0, count) for bit 0), the first position
 * whose id has bit |bit| set: [lo, split) holds the ids with bit |bit| = 0,
 * [split, hi) those with 1.  One binary search testing one bit per step.
 */
uint32_t sim_kad_truth_split(const sim_kad_truth *t, uint32_t lo, uint32_t hi, unsigned bit);

/* Handle of the member at sorted position |pos| (< count). */
uint32_t sim_kad_truth_at(const sim_kad_truth *t, uint32_t pos);

/* Bytes held by |t| (0 for NULL). */
size_t sim_kad_truth_memory(const sim_kad_truth *t);

#endif
