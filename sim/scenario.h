/*
 * scenario.h — scenario files (GLib key files), loaded and validated.
 *
 * A scenario is read completely and checked before anything runs: an
 * unknown group or key (with a "did you mean" suggestion), a value of the
 * wrong form, a missing required key, or an inconsistency (an event naming
 * a population that does not exist) is an error naming the file, the group,
 * the key, what was found and what was expected.  docs/scenarios.md is the
 * reference of every group and key with its default; the schema table in
 * scenario.c is its single source.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <glib.h>
#include <stdint.h>
#include <stdbool.h>
#include "pl.h"
#include "dist.h"
#include "net.h"
#include "expect.h"

#define SIM_SCENARIO_ERROR (sim_scenario_error_quark())
GQuark sim_scenario_error_quark(void);

/*
 * Error codes, with the form of their messages (FILE is the path as given,
 * or the display name for in-memory text):
 *
 *   READ      "FILE: cannot read: ..." or "FILE: line N: not a valid key file: ..."
 *   UNKNOWN   "FILE: [group] unknown group, did you mean [network]?"
 *             "FILE: [group] unknown key 'kye', did you mean 'key'?" (or the known keys)
 *             "FILE: [event.x] key: not a key of action 'heal' (keys of heal: ...)"
 *             "FILE: [sweep] group.key: unknown key ..." (a sweep over an unknown key)
 *   VALUE     "FILE: [group] key: found 'VALUE', expected DESCRIPTION"
 *   MISSING   "FILE: [group] key: missing, expected DESCRIPTION"
 *   CONFLICT  "FILE: [group] key: found ..., expected ..." where another key decides
 *             (region matrix size, min_minor above the minor version, ...)
 *   OVERRIDE  "FILE: --set 'ARG': expected group.key=value ...", or "...: expected
 *             UTF-8 text, ..." for an ARG that is not UTF-8 (shown with U+FFFD)
 *
 * A problem with a value set by --set ends with " (set by --set 'ARG')";
 * an unknown key in a --set is UNKNOWN and names the argument.
 */
typedef enum sim_scenario_error_code {
  SIM_SCENARIO_ERROR_READ,      /* file missing or unreadable, not a key file */
  SIM_SCENARIO_ERROR_UNKNOWN,   /* unknown group or key (or a key of another event action) */
  SIM_SCENARIO_ERROR_VALUE,     /* a value of the wrong form or out of range */
  SIM_SCENARIO_ERROR_MISSING,   /* a required key is absent */
  SIM_SCENARIO_ERROR_CONFLICT,  /* keys that contradict each other */
  SIM_SCENARIO_ERROR_OVERRIDE,  /* a --set argument is not group.key=value, or not UTF-8 */
} sim_scenario_error_code;

/* Behaviours a population can have (strategies in sim/adversary*.c). */
typedef enum sim_behaviour {
  SIM_BEHAVIOUR_HONEST = 0,
  SIM_BEHAVIOUR_SILENT,        /* never answers PING (looks dead to heartbeats) */
  SIM_BEHAVIOUR_VERSION_LIAR,  /* advertises a higher minor and all features */
  SIM_BEHAVIOUR_SYBIL,         /* minted ids (sim/attack_sybil.c) that run the honest protocol */
  SIM_BEHAVIOUR_ECLIPSE,       /* colluders (sim/attack_eclipse.c) */
  SIM_BEHAVIOUR_FAKE_ADS,      /* workers whose ads overstate them (sim/attack_fakeads.c) */
  /* gossip attacks (sim/attack_censor.c, attack_spam.c, attack_meshsybil.c; strategies
   * installed by the gossip host module with the population's parameters) */
  SIM_BEHAVIOUR_GOSSIP_CENSOR,     /* receives, never relays (from attack_at) */
  SIM_BEHAVIOUR_GOSSIP_FLASH,      /* covert flash: relays until attack_at, then censors */
  SIM_BEHAVIOUR_GOSSIP_SPAM,       /* publishes messages with broken signatures */
  SIM_BEHAVIOUR_GOSSIP_DUPFLOOD,   /* sends |copies| extra copies of every data item */
  SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL, /* crowds the meshes of |victim|, never relays */
} sim_behaviour;

/* Where a population's minted ids are ground (sim/attack_sybil.c). */
typedef enum sim_grind {
  SIM_GRIND_NONE = 0,          /* ids as they come */
  SIM_GRIND_VICTIM,            /* near the id of the first node of the victim population */
  SIM_GRIND_KEY,               /* near grind_key */
} sim_grind;

/* A population's part in the discovery layer: ledger and network facts
 * the host reports to the cores, Sybil id cost, attack targets, ads. */
typedef struct sim_kad_pop {
  uint64_t stake_mcc;          /* stake bound to each node's id, milli-credits */
  uint32_t prefixes;           /* network prefixes shared round robin (0: one per node) */
  uint64_t mint_budget_ns;     /* virtual CPU for minting ids, ns (0: unbounded) */
  uint64_t stake_budget_mcc;   /* total stake for ids, milli-credits (0: unbounded) */
  sim_grind grind;             /* where ids are ground */
  uint8_t grind_bits;          /* leading bits shared with the grind target */
  uint8_t grind_key[PL_ID_BYTES]; /* target of SIM_GRIND_KEY */
  int victim;                  /* population under attack, or -1 */
  uint32_t task;               /* ads: task type offered */
  uint32_t speed;              /* ads: true speed, work units per second */
  uint64_t price_mcc;          /* ads: true price, milli-credits per work unit */
  double claim_factor;         /* fake-ads: claimed speed x this, price / this (>= 1) */
} sim_kad_pop;

typedef struct sim_population {
  char *name;                  /* from [population.<name>] */
  uint32_t count;              /* nodes */
  uint32_t first;              /* handle of its first node (assigned in file order) */
  uint32_t roles;              /* PL_ROLE_* mask */
  sim_behaviour behaviour;     /* strategy */
  sim_dist join_at;            /* when each node joins, ns (default constant 0) */
  pl_config config;            /* protocol config: [protocol.*] then this group's overrides;
                                  bootstrap fields filled by the engine */
  sim_net_node net;            /* bandwidth (0 unlimited); region and nat drawn per node */
  double nat_share;            /* share of its nodes behind NAT */
  int region;                  /* fixed region index, or -1 to draw by region weights */
  sim_kad_pop kad;             /* discovery-layer facts and attack parameters */
  uint32_t *topics;            /* gossip topics subscribed at start (owned; n_topics entries) */
  uint32_t n_topics;           /* entries in |topics| */
  uint64_t attack_at_ns;       /* gossip attacks: start (covert flash: stop relaying), ns */
  uint16_t attack_copies;      /* duplicate-flood: extra copies per data item */
  uint16_t attack_links;       /* mesh-sybil: victims each node connects to */
  int attack_victim;           /* mesh-sybil: victim population index, or -1 */
} sim_population;

typedef enum sim_action {
  SIM_ACTION_PARTITION = 0,    /* split nodes into groups: fractions= */
  SIM_ACTION_HEAL,             /* end the partition */
  SIM_ACTION_CRASH,            /* crash target nodes (state lost) */
  SIM_ACTION_RESTART,          /* restart crashed target nodes (same identity, fresh state) */
  SIM_ACTION_CHURN,            /* start churn on target: session=, downtime=, until= */
  SIM_ACTION_COMMAND,          /* issue a node command: command=, every=, until= */
} sim_action;

typedef struct sim_event_spec {
  char *name;                  /* from [event.<name>] */
  sim_action action;           /* what happens */
  uint64_t at_ns;              /* when */
  int target;                  /* crash/restart/churn/command: population index, or -1 for
                                  all nodes (partition and heal act on every node) */
  double fraction;             /* crash/restart/churn/command: share of the target affected
                                  (default 1) */
  uint32_t count;              /* or an exact number of nodes (0: use fraction; never more
                                  than the target's nodes) */
  double *fractions;           /* partition: group sizes, summing to 1 */
  uint32_t n_fractions;        /* partition: number of groups */
  sim_dist session;            /* churn: online session length, ns */
  sim_dist downtime;           /* churn: offline time, ns */
  pl_command_kind command;     /* command: which */
  uint64_t every_ns;           /* command: repeat period (0: once) */
  uint64_t until_ns;           /* churn/command: stop at (0: end of run) */
  bool key_random;             /* lookup/store/find-value: a random key per node and command */
  bool key_victim;             /* ... or the id of the first attacked node (else |key|) */
  uint8_t key[PL_ID_BYTES];    /* ... else this key */
  uint32_t value_size;         /* store: value bytes */
  uint32_t task;               /* find-workers: task type */
  uint32_t min_speed;          /* find-workers: least speed */
  uint64_t max_price_mcc;      /* find-workers: highest price, milli-credits */
  uint32_t want;               /* find-workers: workers wanted */
  uint32_t topic;              /* command subscribe/unsubscribe/publish: gossip topic */
  uint32_t size_bytes;         /* command publish: payload bytes */
} sim_event_spec;

/* One varied parameter of [sweep]: run each grid point by applying
 * "group.key=value" as an override. */
typedef struct sim_sweep_param {
  char *group;                 /* group of the varied key ("protocol.peer", "population.x") */
  char *key;                   /* the key */
  char **values;               /* values as text, each valid for the key; range() expanded
                                  (NULL-terminated, in order) */
} sim_sweep_param;

typedef struct sim_scenario {
  char *path;                  /* file as given ("<string>" for in-memory text) */
  char *text;                  /* the key file as run: after --set and the seed override,
                                  as written by g_key_file_to_data (comments kept) */

  /* [run] */
  char *name;                  /* default: file basename without .ini */
  char *description;           /* free text, may be NULL */
  uint64_t seed;               /* default 1 */
  uint64_t duration_ns;        /* virtual time to run */
  uint64_t sample_interval_ns; /* metrics window */

  /* [network] */
  sim_net_config net;          /* latency, jitter, loss, header, nat timeout, regions */
  sim_net_node net_defaults;   /* default bandwidths */
  double nat_share;            /* default share of nodes behind NAT */
  char **region_names;         /* n = net.n_regions (NULL-terminated; empty without regions) */
  double *region_weights;      /* n = net.n_regions, summing to 1 (NULL without regions) */
  sim_dist *region_latency;    /* n*n ns, row = source region, referenced by
                                  net.region_latency (NULL without regions) */

  /* [protocol.peer], [protocol.crypto], [protocol.gossip] */
  pl_config protocol;          /* defaults for every population */
  uint32_t bootstrap_count;    /* first N nodes act as bootstrap peers */
  uint32_t sigcache_capacity;  /* verdicts memoised */
  uint32_t *topics;            /* [protocol.gossip] subscribe (owned; n_topics entries) */
  uint32_t n_topics;           /* entries in |topics| */

  /* [population.*], in file order */
  sim_population *populations;
  uint32_t n_populations;
  uint32_t total_nodes;        /* sum of counts */

  /* [event.*], sorted by (at, file order) */
  sim_event_spec *events;
  uint32_t n_events;

  /* [metrics] */
  char **metrics_include;      /* glob patterns of metrics written (NULL-terminated; default "*") */

  /* [expect], in file order */
  sim_expect *expects;
  uint32_t n_expects;

  /* [sweep] (validated now; run by `peerlab sweep`) */
  sim_sweep_param *sweep;
  uint32_t n_sweep;
  uint32_t sweep_seeds;        /* seeds per grid point (default 1) */

  /* [check] (used by `peerlab check --ci`) */
  char **check_set;            /* "group.key=value" overrides, stripped (NULL-terminated;
                                  empty without [check]) */
} sim_scenario;

/*
 * Load and validate the scenario at |path|, applying |overrides| (a
 * NULL-terminated array of "group.key=value"; may be NULL) first, then
 * |seed_override| if non-NULL (it replaces [run] seed).  In an override
 * the group is the longest dotted prefix that is a fixed group or
 * population.NAME / event.NAME; the value is stripped of surrounding
 * blanks; an override may create a group.  The whole file is checked and
 * the FIRST problem reported, in file order of groups, then of keys, then
 * the checks between groups ([run], [network], [protocol.*], populations,
 * events, [expect], [sweep]).  Returns the scenario (free with
 * sim_scenario_free), or NULL with |error| set (domain SIM_SCENARIO_ERROR,
 * codes and messages above); nothing is kept on error.
 */
sim_scenario *sim_scenario_load(const char *path, const char *const *overrides,
                                const uint64_t *seed_override, GError **error);

/* Same, from the NUL-terminated |text| in memory; |display_name| (NULL:
 * "<string>") stands for the file name in errors, in s->path, and gives
 * the default [run] name. */
sim_scenario *sim_scenario_load_data(const char *text, const char *display_name,
                                     const char *const *overrides,
                                     const uint64_t *seed_override, GError **error);

/* Parse |text|, the value of a command's --seed, as a seed in the one
 * form [run] seed takes: decimal digits only (no sign, blanks, exponent,
 * fraction or unit), from 0 to 18446744073709551615, into |*seed|, so a
 * seed is written the same way everywhere.  Returns false, leaving |*seed|
 * untouched, with |error| (SIM_SCENARIO_ERROR_OVERRIDE) saying so on
 * anything else. */
bool sim_scenario_parse_seed(const char *text, uint64_t *seed, GError **error);

/* |s|'s name as a file name stem (newly allocated): '/', '\\', control
 * characters and a leading '.' become '_', an empty name "run", so that
 * results/STEM-seedSEED.db and results/STEM-sweep stay inside results/. */
char *sim_scenario_file_stem(const sim_scenario *s);

/* Free |s| and everything it owns.  NULL is ignored. */
void sim_scenario_free(sim_scenario *s);

/* Append to |out| the Markdown reference of every group and key, with
 * forms, defaults (protocol defaults from pl_config_defaults) and a short
 * guide.  docs/scenarios.md is exactly this text (`peerlab reference >
 * docs/scenarios.md`); test-scenario checks it. */
void sim_scenario_write_reference(GString *out);

#endif
