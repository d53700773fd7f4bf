/*
 * attack_eclipse.h — the eclipse attack: colluders who own a victim's view.
 *
 * Every node of an `eclipse` population runs the honest core with a
 * strategy (pl_strategy, decision points of core/kad.h) that shares one
 * state with its fellow colluders:
 *
 *   kad_find_node     a FIND_NODE (or a FIND_VALUE without values) is
 *                     answered only with live colluders, the ones closest to
 *                     the target, so a lookup that reaches a colluder is
 *                     steered among colluders;
 *   kad_accept_store  every STORE is dropped (and still acknowledged);
 *   kad_find_value    a FIND_VALUE is answered with a forged capability ad
 *                     (unsigned: an honest validator refuses it and counts
 *                     dht.records.forged_rejected);
 *   answer_ping       honest: colluders want to stay in routing tables.
 *
 * Filling the victim's buckets is the host module's part (kad_host.c):
 * every colluder sends a KAD_PING to every victim node when it starts and
 * at every metrics window, so the victim learns it as a contact; ids
 * ground near the victim (attack_sybil.h) land in its sparse close
 * buckets.  Size and timing come from the population (`count`,
 * `join_at`, `mint_budget`, `grind`, `victim`).
 */
#ifndef SIM_ATTACK_ECLIPSE_H
#define SIM_ATTACK_ECLIPSE_H

#include "pl.h"
#include "capability.h"
#include "kad_truth.h"

typedef struct sim_eclipse sim_eclipse;

/* The colluders' shared state over the index |colluders| (borrowed: it
 * knows who is live).  Free with sim_eclipse_free. */
sim_eclipse *sim_eclipse_new(const sim_kad_truth *colluders, sim_kad_id_fn id_of,
                             void *user_data);

/* Teach the colluders the capability-ad keys of |tasks| (|n_tasks| task
 * types, those the scenario's workers offer and requesters ask for) under
 * |classes|: a FIND_VALUE of one of them is answered with a forged ad filed
 * under that very key, dated |now_of|(user_data) and unsigned, so that an
 * honest validator refuses it for its signature (dht.records.forged_rejected)
 * rather than for a wrong key.  Without it, or for another key, the answer
 * is one fixed forged ad, which validators refuse as filed under the wrong
 * key (dht.records.invalid_rejected). */
void sim_eclipse_set_ad_keys(sim_eclipse *e, const pl_cap_classes *classes,
                             const uint32_t *tasks, uint32_t n_tasks,
                             uint64_t (*now_of)(void *user_data));

/* Free |e|.  NULL is ignored. */
void sim_eclipse_free(sim_eclipse *e);

/* The strategy every colluder runs (valid while |e| lives). */
const pl_strategy *sim_eclipse_strategy(const sim_eclipse *e);

/* Fill |out| (room for |max|) with the live colluders closest to
 * |target|, closest first, never |self|; return how many. */
uint32_t sim_eclipse_closest(const sim_eclipse *e, const uint8_t target[PL_ID_BYTES],
                             pl_peer self, pl_peer *out, uint32_t max);

/* Bytes held by |e| (not the index). */
size_t sim_eclipse_memory(const sim_eclipse *e);

#endif
