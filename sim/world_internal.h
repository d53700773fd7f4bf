/*
 * world_internal.h — the world's insides, for the host modules of sim/.
 *
 * A *host module* is the simulator's side of one protocol layer: what the
 * world must know of that layer to measure it against ground truth (did a
 * lookup find the true closest node? what fraction of subscribers did a
 * message reach?), to sample its gauges, and to prepare its nodes.  Cores
 * tell it what they did through pl_env.observe_cb (pl.h); the world hands
 * each observation to the module of the layer that owns its kind
 * (kind / PL_OBS_LAYER_RANGE).  A module reads the world (clock, nodes,
 * identities, populations) and records metrics through sim_world_record;
 * it never changes a core except through the core's own API.
 *
 * Adding a module: write sim/<name>_host.c exporting a `const
 * sim_host_module`, and list it in host_modules[] in world.c.
 */
#ifndef SIM_WORLD_INTERNAL_H
#define SIM_WORLD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pl.h"
#include "wire.h"
#include "net.h"
#include "queue.h"
#include "rng.h"
#include "sigcache.h"
#include "trace.h"
#include "world.h"

/* Event kinds (sim_event.kind).  EV_ARRIVE and EV_DELIVER carry the
 * message in ptr and its payload bytes in size (read to prefetch it); the
 * node's timers (EV_TIMER), EV_LEAVE and EV_REARM carry the node's epoch
 * in the top 32 bits of arg. */
enum {
  EV_JOIN = 1,
  EV_TIMER,
  EV_ARRIVE,
  EV_DELIVER,
  EV_SCRIPT,
  EV_REPEAT,
  EV_LEAVE,
  EV_SAMPLE,
  EV_REARM,
};

enum { TRACE_MESSAGE = 1, TRACE_TIMER = 2 };

#define KEY_CHUNK_SHIFT 16
#define KEY_CHUNK (1u << KEY_CHUNK_SHIFT)
#define PROGRESS_EVERY (1u << 16)

/* Message buffers are recycled by size class (world.c, msg_alloc): class c
 * holds buffers of (c + 1) * MSG_CLASS_BYTES bytes; bigger ones go to
 * g_malloc / g_free. */
#define MSG_CLASS_BYTES 64u
#define MSG_CLASSES 32u

/* A message in flight. */
typedef struct message {
  uint64_t sent_ns;   /* when the sender handed it over */
  uint32_t src;       /* sender handle */
  uint32_t dst;       /* receiver handle */
  uint32_t len;       /* payload bytes */
  uint8_t data[];     /* payload */
} message;

/* One interned identity: public key and node id. */
typedef struct identity {
  uint8_t key[PL_KEY_BYTES]; /* Ed25519 public key */
  uint8_t id[PL_ID_BYTES];   /* BLAKE2b-256 of key */
} identity;
G_STATIC_ASSERT(sizeof(identity) == 64); /* one cache line (world.c aligns the chunks) */

/* Host metrics registered after the core's. */
typedef struct host_metrics {
  uint32_t net_sent, net_bytes, net_delivered, net_latency_ms;
  uint32_t drop[SIM_NET_VERDICTS]; /* index by verdict; [SIM_NET_OK] unused */
  uint32_t drop_offline;
  uint32_t cpu_ms;
  uint32_t nodes_alive, peer_count, sigcache_hit_rate;
  uint32_t node_join, node_crash;
  uint32_t *pop_peers;   /* per population: pop.<name>.peer.count (gauge) */
  uint32_t *pop_minor;   /* per population: pop.<name>.negotiated_minor (gauge) */
} host_metrics;

typedef struct sim_host_module sim_host_module;

struct sim_world {
  const sim_scenario *sc;     /* the scenario (borrowed) */
  sim_world_options opt;      /* options (copied) */
  uint32_t n;                 /* scenario nodes: handles 0..n-1 */

  /* identity table */
  identity **id_chunks;       /* chunks of KEY_CHUNK identities */
  uint32_t id_count;          /* identities interned (>= n) */
  uint32_t id_chunk_cap;      /* chunk pointers allocated */
  uint32_t *id_slots;         /* open addressing: handle + 1, 0 = empty */
  uint32_t id_slot_mask;      /* slots - 1 (power of two) */

  /* per node */
  pl_node **nodes;            /* live core or NULL */
  sim_rng *rngs;              /* the node's own stream ("node", i) */
  uint64_t *busy_ns;          /* virtual CPU busy until */
  uint16_t *epoch;            /* incremented at each crash */
  uint16_t *pop_of;           /* population index */

  /* per population */
  pl_config *configs;         /* config with bootstrap filled in */
  pl_peer *bootstrap;         /* shared bootstrap list */
  pl_peer *peer_scratch;      /* room for any node's peers (sampling) */
  uint32_t peer_scratch_len;  /* largest max_peers of any population */
  uint32_t n_bootstrap;

  pl_env env;                 /* shared by all cores */
  pl_sigcache *sigcache;      /* verification memo */
  sim_net *net;               /* network model */
  sim_queue *queue;           /* events */
  void *msg_pool[MSG_CLASSES]; /* per size class, a LIFO list of free message buffers linked
                                  through their first word (NULL: empty) */
  size_t msg_pool_bytes;      /* bytes held in |msg_pool|, bytes */
  sim_trace trace;            /* digest */
  sim_rng event_rng;          /* ("event", 0): target selection, partitions */
  sim_rng churn_rng;          /* ("churn", 0): sessions and downtimes */
  sim_metrics *metrics;
  host_metrics hm;
  bool *record_mask;          /* metric id -> written? ([metrics] include) */
  uint32_t record_mask_len;
  sim_results *results;

  uint64_t now_ns;            /* virtual clock */
  uint64_t events;            /* events processed */
  double wall_start, wall_s;  /* wall-clock start and elapsed */
  uint64_t peak_rss;
  char trace_hex[65];
  sim_expect_outcome *outcomes;

  /* host modules: state per entry of host_modules[] in world.c */
  void **module_state;
  int8_t layer_module[PL_LAYER_MAX]; /* per layer: index in host_modules[] of its module, -1 none */
  GHashTable *seed_override;  /* handle -> 32-byte seed chosen by a module (lookup only) */
  uint8_t *absent;            /* per node: 1 if it never exists (node_exists); NULL if none */

  /* event targets: the last candidate list built (select_targets) */
  uint64_t membership;        /* bumped whenever a node joins or leaves */
  GArray *cand;               /* uint32_t handles, or NULL */
  uint64_t cand_membership;   /* |membership| when |cand| was built */
  int32_t cand_target;        /* its event target population (-1: all) */
  int32_t cand_live;          /* its want_live */

  /* Added after the fields above were laid out for the event loop, and
   * kept here, at the end, so that they stay where they were. */
  uint32_t *pop_timed_out;    /* per population: pop.<name>.peer.timed_out (counter) */
  bool build_cut;             /* a module stopped building its state early (stop flag) */
  bool names_only;            /* built only to name its metrics (sim_world_check_expectations):
                                 a module's init registers its metrics and returns */
};

/* Whether the run was asked to stop (SIGINT, SIGTERM): the event loop
 * checks it now and then, and a module building a large state between. */
static inline bool
sim_world_stop_requested(const sim_world *w)
{
  return w->opt.stop_flag != NULL && *w->opt.stop_flag;
}


/*
 * The simulator's side of one protocol layer.  Every hook but |name| and
 * |layer| may be NULL.
 */
struct sim_host_module {
  const char *name;            /* "kad", "gossip", ... */
  pl_layer_id layer;           /* receives observations of kinds layer*PL_OBS_LAYER_RANGE.. */
  /* Build the module's state when the world is built, after the host's
   * own metrics are registered and before the results database is
   * opened: register the module's metrics here (sim_metrics_register on
   * w->metrics).  Scenario, populations and identities are ready; no node
   * has joined.  Return the state (NULL is allowed when there is none).
   * When w->names_only is set, no node exists and only the metrics are
   * wanted: register them and return a state |free| accepts, building
   * nothing that costs per node. */
  void *(*init)(sim_world *w);
  /* Node |h| joined and its core was started (also after a restart or a
   * churn re-join). */
  void (*node_started)(sim_world *w, void *state, uint32_t h);
  /* Node |h| crashed or left (its core is already freed). */
  void (*node_stopped)(sim_world *w, void *state, uint32_t h);
  /* Core |self| reported |obs| (borrowed for the call). */
  void (*observe)(sim_world *w, void *state, pl_peer self, const pl_observation *obs);
  /* A metrics window closes at w->now_ns: record gauges. */
  void (*sample)(sim_world *w, void *state);
  /* Bytes the module holds, for the benchmark's per-node figure. */
  size_t (*memory)(const sim_world *w, const void *state);
  /* Free |state|. */
  void (*free)(void *state);
  /* While the world is built, before |init|: the signing seed of scenario
   * node |h| if it is not the stream ("key", h) (an id ground near a
   * target, say); return false to keep the default.  The world keeps the
   * seed for every later join of |h|. */
  bool (*node_seed)(const sim_world *w, uint32_t h, uint8_t seed[PL_SEED_BYTES]);
  /* While the world is built, before |init|: whether scenario node |h|
   * exists (false: it never joins, not even by restart; a Sybil id its
   * attacker could not pay for). */
  bool (*node_exists)(const sim_world *w, uint32_t h);
  /* Node |h| is joining: its strategy if the module decides it (a
   * strategy with state, e.g. colluders that know each other), or NULL to
   * leave it to the population's behaviour.  The strategy must outlive
   * the node. */
  const pl_strategy *(*node_strategy)(sim_world *w, void *state, uint32_t h);
  /* An [event] command of this module's layer (kind / PL_LAYER_CMD_RANGE
   * == |layer|) goes to node |h|: fill in |cmd|'s peer, arg and data
   * (room for |cap| bytes at |buf|, which outlives the call into the
   * node).  Return false to skip the node. */
  bool (*command)(sim_world *w, void *state, uint32_t h, const sim_event_spec *ev,
                  pl_command *cmd, uint8_t *buf, size_t cap);
};

/* Record |value| for metric |metric| (an id from sim_metrics_register),
 * unless [metrics] include leaves it out. */
void sim_world_record(sim_world *w, uint32_t metric, double value);

/* Whether [metrics] include keeps |metric|: a gauge nobody records need
 * not be computed. */
bool sim_world_recorded(const sim_world *w, uint32_t metric);

/* Public key and node id (BLAKE2b-256 of the key) of handle |h| (< w->id_count). */
const uint8_t *sim_world_key(const sim_world *w, uint32_t h);
const uint8_t *sim_world_node_id(const sim_world *w, uint32_t h);

/* The state of host module |module| (NULL before its init ran, or if it
 * is not in host_modules[]). */
void *sim_world_module_state(const sim_world *w, const sim_host_module *module);

/* The default signing seed of scenario node |h|: the stream ("key", h). */
void sim_world_default_seed(const sim_world *w, uint32_t h, uint8_t seed[PL_SEED_BYTES]);

/* The population of scenario node |h| (< w->n). */
const sim_population *sim_world_population(const sim_world *w, uint32_t h);

#endif
