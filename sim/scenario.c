/*
 * scenario.c — scenario files: schema, loader, validation, reference.
 *
 * How it works.
 *
 * One table, |schema| below, lists every group pattern and key with its
 * value type, default, flags and a one-line description.  It is the single
 * source for three things: validation (is the key known, does its value
 * parse as its type, is a required key missing), "did you mean"
 * suggestions (Levenshtein distance over the table's names), and the
 * Markdown reference (sim_scenario_write_reference, which generates
 * docs/scenarios.md).  Protocol keys ([protocol.peer], [protocol.crypto]
 * and the per-population overrides) also carry the offset of their field
 * in pl_config, so that values are stored generically and the reference
 * prints the defaults of pl_config_defaults(): there is one source of
 * protocol defaults, the core.
 *
 * Loading goes in four steps, each reporting the FIRST problem only:
 *
 *   1. parse the text as a GLib key file (a syntax error names the line);
 *   2. apply the --set overrides (group.key=value) and the seed override to
 *      the key file; the key file as it then stands is the text as run;
 *   3. check every group in file order, and in each group every key in
 *      file order: the group and key are known, the value parses as its
 *      type, then the group's required keys are present;
 *   4. build the sim_scenario in dependency order ([run], [network],
 *      [protocol.*], populations in file order, events in file order,
 *      [metrics], [expect], [sweep]), checking what needs more than one key
 *      (region matrix size, event targets, population regions, sweep keys).
 *
 * Nothing is half-loaded: on any error everything is freed and NULL
 * returned.  No hash table is iterated: groups and keys are visited in the
 * order GKeyFile keeps them (file order, then order of creation).
 */
#include "scenario.h"

#include "kad.h" /* limits of [protocol.kad] */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gossip.h"   /* PL_GOSSIP_PAYLOAD_MAX */
#include "idcost.h"   /* PL_IDCOST_BITS_MAX */
#include "peer.h"     /* PL_PEER_SLOTS_MAX */
#include "sigcache.h" /* PL_SIGCACHE_CAPACITY_MAX */

#include "options.h"  /* sim_options_not_utf8 for --set */

G_DEFINE_QUARK(sim-scenario-error-quark, sim_scenario_error)

/* ------------------------------------------------------------ value types */

typedef enum vtype {
  V_TEXT,       /* any text */
  V_SEED,       /* unsigned 64-bit integer */
  V_DURATION,   /* ns */
  V_SIZE32,     /* bytes, fits in 32 bits */
  V_BANDWIDTH,  /* bit/s */
  V_RATIO,      /* [0, 1] */
  V_U8,         /* count up to 255 */
  V_U16,        /* count up to 65535 */
  V_U32,        /* count up to 2^32-1 */
  V_DIST,       /* distribution of durations */
  V_VERSION,    /* major.minor */
  V_FEATURES,   /* list of feature names */
  V_ROLES,      /* list of role names */
  V_EVICTION,   /* keyword */
  V_BEHAVIOUR,  /* keyword */
  V_ACTION,     /* keyword */
  V_COMMAND,    /* keyword */
  V_NAME,       /* one name: letters, digits, '-', '_' */
  V_NAMES,      /* list of distinct names */
  V_WEIGHTS,    /* list of non-negative numbers, not all 0 */
  V_FRACTIONS,  /* list of >= 2 ratios summing to 1 */
  V_MATRIX,     /* square matrix of duration distributions */
  V_GLOBS,      /* list of glob patterns */
  V_EXPECT,     /* expectation (expect.h) */
  V_SWEEP,      /* list of values of another key */
  V_OVERRIDES,  /* ';'-separated list of group.key=value */
  V_U64,        /* unsigned 64-bit integer (milli-credits) */
  V_KAD_MODE,   /* keyword */
  V_KAD_BOOT,   /* keyword */
  V_GRIND,      /* keyword */
  V_KEY,        /* `random` or 64 hex digits (a 32-byte key) */
  V_FACTOR,     /* a number >= 1 */
  V_GOSSIP_MODE,  /* keyword: pl_gossip_mode */
  V_RUMOR_STOP,   /* keyword: pl_gossip_rumor_stop */
  V_RUMOR_CONTACT, /* keyword: feedback or blind */
  V_BOOL,         /* true or false */
  V_I32,          /* signed 32-bit integer */
  V_TOPICS,       /* list of gossip topics (32-bit numbers), or none */
} vtype;

typedef struct kw {
  const char *name;  /* as written */
  unsigned value;    /* enum value or mask bit */
} kw;

static const kw kw_eviction[] = {
  { "oldest", PL_EVICT_OLDEST }, { "lowest-trust", PL_EVICT_LOWEST_TRUST },
  { "random", PL_EVICT_RANDOM }, { "none", PL_EVICT_NONE }, { NULL, 0 },
};
static const kw kw_behaviour[] = {
  { "honest", SIM_BEHAVIOUR_HONEST }, { "silent", SIM_BEHAVIOUR_SILENT },
  { "version-liar", SIM_BEHAVIOUR_VERSION_LIAR }, { "sybil", SIM_BEHAVIOUR_SYBIL },
  { "eclipse", SIM_BEHAVIOUR_ECLIPSE }, { "fake-ads", SIM_BEHAVIOUR_FAKE_ADS },
  { "censor", SIM_BEHAVIOUR_GOSSIP_CENSOR }, { "covert-flash", SIM_BEHAVIOUR_GOSSIP_FLASH },
  { "spam-invalid", SIM_BEHAVIOUR_GOSSIP_SPAM },
  { "duplicate-flood", SIM_BEHAVIOUR_GOSSIP_DUPFLOOD },
  { "mesh-sybil", SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL }, { NULL, 0 },
};
static const kw kw_kad_mode[] = {
  { "off", PL_KAD_OFF }, { "kademlia", PL_KAD_KADEMLIA }, { "rendezvous", PL_KAD_RENDEZVOUS },
  { NULL, 0 },
};
/* [protocol.kad] bootstrap: stored in pl_kad_config.join (1 = join). */
static const kw kw_kad_boot[] = {
  { "join", 1 }, { "oracle", 0 }, { NULL, 0 },
};
static const kw kw_grind[] = {
  { "none", SIM_GRIND_NONE }, { "victim", SIM_GRIND_VICTIM }, { "key", SIM_GRIND_KEY },
  { NULL, 0 },
};
static const kw kw_action[] = {
  { "partition", SIM_ACTION_PARTITION }, { "heal", SIM_ACTION_HEAL },
  { "crash", SIM_ACTION_CRASH }, { "restart", SIM_ACTION_RESTART },
  { "churn", SIM_ACTION_CHURN }, { "command", SIM_ACTION_COMMAND }, { NULL, 0 },
};
static const kw kw_command[] = {
  { "ping", PL_CMD_PING }, { "connect", PL_CMD_CONNECT },
  { "peer-exchange", PL_CMD_PEER_EXCHANGE }, { "lookup", PL_CMD_KAD_LOOKUP },
  { "store", PL_CMD_KAD_STORE }, { "find-value", PL_CMD_KAD_FIND_VALUE },
  { "refresh", PL_CMD_KAD_REFRESH }, { "announce", PL_CMD_KAD_ANNOUNCE },
  { "find-workers", PL_CMD_KAD_FIND_WORKERS }, { "subscribe", PL_CMD_GOSSIP_SUBSCRIBE },
  { "unsubscribe", PL_CMD_GOSSIP_UNSUBSCRIBE }, { "publish", PL_CMD_GOSSIP_PUBLISH },
  { NULL, 0 },
};
static const kw kw_gossip_mode[] = {
  { "off", PL_GOSSIP_OFF }, { "push", PL_GOSSIP_PUSH }, { "pull", PL_GOSSIP_PULL },
  { "push-pull", PL_GOSSIP_PUSH_PULL }, { "rumor", PL_GOSSIP_RUMOR },
  { "flood", PL_GOSSIP_FLOOD }, { "mesh", PL_GOSSIP_MESH }, { NULL, 0 },
};
static const kw kw_rumor_stop[] = {
  { "counter", PL_GOSSIP_STOP_COUNTER }, { "coin", PL_GOSSIP_STOP_COIN }, { NULL, 0 },
};
static const kw kw_rumor_contact[] = {
  { "feedback", 0 }, { "blind", 1 }, { NULL, 0 },
};
static const kw kw_bool[] = {
  { "true", 1 }, { "false", 0 }, { NULL, 0 },
};
static const kw kw_feature[] = {
  { "peer-exchange", PL_FEATURE_PEER_EXCHANGE }, { "batching", PL_FEATURE_BATCHING },
  { "compression", PL_FEATURE_COMPRESSION }, { NULL, 0 },
};
static const kw kw_role[] = {
  { "requester", PL_ROLE_REQUESTER }, { "worker", PL_ROLE_WORKER },
  { "verifier", PL_ROLE_VERIFIER },
  { "all", PL_ROLE_REQUESTER | PL_ROLE_WORKER | PL_ROLE_VERIFIER }, { NULL, 0 },
};

/* The event target word for every node.  It is the only word a target
 * takes besides a population name, so no population may be named so. */
#define TARGET_ALL "all"

#define ALL_ROLES (PL_ROLE_REQUESTER | PL_ROLE_WORKER | PL_ROLE_VERIFIER)
#define MAX_REGIONS 256u      /* sim_net_node.region is 8 bits */
#define MAX_SWEEP_VALUES 10000u
#define MAX_TOPICS 64u        /* topics in a subscribe list (PL_GOSSIP_TOPICS_MAX) */
/* How far from 1 partition fractions may sum: enough for thirds written as
 * 33.33% (the world gives the last group the rest). */
#define FRACTIONS_EPSILON 1e-3

/* ---------------------------------------------------------------- schema */

enum {
  F_REQUIRED = 1u << 0, /* must be present (for events: when the key belongs to the action) */
  F_POSITIVE = 1u << 1, /* numeric value must be > 0 */
  F_CFG = 1u << 2,      /* default taken from pl_config_defaults() */
  F_TICK = 1u << 3,     /* a period of something repeated: 0 (where F_POSITIVE allows
                         * it) or at least TICK_MIN_NS, so that a typo like 1ns cannot
                         * schedule a run that never ends; for a distribution, a mean
                         * of at least TICK_MIN_NS */
  F_NONZERO_MAJOR = 1u << 4, /* version: major version at least 1 */
};

#define TICK_MIN_NS UINT64_C(1000000) /* 1 ms */

/* Runs one [sweep] may describe (its run ids, job files and databases are
 * enumerated up front). */
#define SWEEP_RUNS_MAX 1000000u

#define NOCFG (-1)
#define CFG(field) ((int)offsetof(pl_config, field))
#define KCFG(field) ((int)offsetof(pl_config, kad) + (int)offsetof(pl_kad_config, field))
#define ACT(a) (UINT64_C(1) << SIM_ACTION_##a)
#define TARGETED (ACT(CRASH) | ACT(RESTART) | ACT(CHURN) | ACT(COMMAND))
/* A key of action command that only some commands read: CMD() of each,
 * which is ACT(COMMAND) and the command's bit above the actions' (a key of
 * action command without command bits belongs to every command). */
#define CMD_SHIFT 8
#define CMD_BIT(kind) (UINT64_C(1) << (CMD_SHIFT + (unsigned)(kind)))
#define CMD(c) (ACT(COMMAND) | CMD_BIT(PL_CMD_##c))
#define CMD_BITS (~(CMD_BIT(0) - 1))
G_STATIC_ASSERT(SIM_ACTION_COMMAND < CMD_SHIFT);
G_STATIC_ASSERT(CMD_SHIFT + PL_CMD_GOSSIP_PUBLISH < 64); /* the highest command kind */

typedef struct skey {
  const char *group;   /* group pattern: "run", "population.*", "event.*" */
  const char *key;     /* key name; "*" stands for any key */
  vtype type;          /* value type */
  const char *def;     /* default as value text, or NULL */
  const char *def_doc; /* reference text of the default when |def| is NULL */
  unsigned flags;      /* F_* */
  int cfg_off;         /* offset of the pl_config field set by this key, or NOCFG */
  uint64_t actions;    /* event keys: mask of ACT() it belongs to, 0 for every action;
                        * with CMD() bits, the commands it belongs to */
  const char *doc;     /* one-line description */
} skey;

typedef struct sgroup {
  const char *name;    /* pattern as in skey.group */
  const char *title;   /* as shown in the reference */
  const char *doc;     /* paragraph for the reference */
} sgroup;

static const sgroup groups[] = {
  { "run", "[run]", "The run as a whole. Required, for `duration`." },
  { "network", "[network]",
    "The simulated network: latency, loss, bandwidth, NAT and regions. Every message "
    "is dropped by loss or partition, queued behind the sender's upload, delayed by "
    "latency plus jitter, and queued behind the receiver's download." },
  { "protocol.peer", "[protocol.peer]",
    "Overlay parameters of every node (defaults from the protocol core, "
    "`pl_config_defaults`). A population may override some of them." },
  { "protocol.crypto", "[protocol.crypto]",
    "Virtual CPU cost of cryptography, and the signature verdict cache." },
  { "protocol.kad", "[protocol.kad]",
    "The discovery layer (docs/kad.md): a Kademlia DHT, or rendezvous hashing, with its "
    "defences. Off unless `mode` is set. Defaults come from the protocol core "
    "(`pl_config_defaults`); a defence whose key is 0 is off." },
  { "protocol.gossip", "[protocol.gossip]",
    "Topic pub/sub by gossip (docs/gossip.md); defaults from the protocol core. The "
    "layer runs only when `mode` is not `off`. Round-based modes (push, pull, push-pull, "
    "rumor) use `heartbeat` as the round. `subscribe` is the simulator's: the topics "
    "every node subscribes to when it starts (a population may override it), so nodes "
    "that join late or restart subscribe too." },
  { "population.*", "[population.NAME]",
    "A group of identical nodes. Populations are laid out in file order: the first "
    "node of a population has the handle that follows the last of the previous one. "
    "Each population's protocol configuration starts from [protocol.peer] and "
    "[protocol.crypto] and then applies the overrides below. At least one population "
    "is required. NAME is made of letters, digits, `-` and `_`, and is not `all` (an "
    "event's `target = all` means every node)." },
  { "event.*", "[event.NAME]",
    "One scripted event of the timeline. Events run in order of `at`, ties in file "
    "order. Keys other than `at` and `action` belong to some actions only (column "
    "\"actions\"), and some keys of action command to some commands only (listed after "
    "`command:`); using one with another action or command is an error. A partition "
    "always splits all nodes, and a heal joins them again. NAME is made of letters, "
    "digits, `-` and `_`." },
  { "metrics", "[metrics]", "Which metrics are recorded: written to the results database "
    "and available to [expect]." },
  { "expect", "[expect]",
    "Expectations checked at the end of the run and printed as TAP lines. Each key is "
    "a label, each value `METRIC[.STAT] OP NUMBER` with OP one of `<`, `<=`, `>`, `>=`, "
    "`==`, `!=` and STAT one of count, sum, mean, min, max, p50, p90, p99, last "
    "(without STAT: sum for counters, mean for observations, last for gauges). A "
    "metric never recorded has count and sum 0 (so `x <= 0` holds for a counter that "
    "never counted); its other statistics are undefined, and an expectation on one of "
    "them fails as \"no observations\" (a latency bound does not hold because nothing "
    "was delivered). An expectation naming a metric the run does not have (a typo, a "
    "layer that is off) or does not record ([metrics] `include`) stops the run before "
    "it starts." },
  { "sweep", "[sweep]",
    "Parameters varied by `peerlab sweep`: every combination of the listed values is "
    "run `seeds` times. Each key other than `seeds` is GROUP.KEY of a known group (a "
    "[population.NAME] or [event.NAME] must be in the file) and its value a list of "
    "values, each valid for that key: separated by `,` (by `;` when the key's own "
    "values contain commas, as lists do), or `range(lo, hi, step)` for numeric keys, "
    "which gives lo, lo+step, ... up to and including hi. `region_latency` and "
    "[expect] keys cannot be swept. Values are checked on load; checks that involve "
    "other keys happen when each combination runs." },
  { "check", "[check]",
    "How `peerlab check --ci` scales the scenario down for continuous integration: "
    "`set` lists overrides applied as if given with `--set` (fewer nodes, a shorter "
    "duration), so that the check runs in seconds. Choose them so that every [expect] "
    "still holds at that scale: `peerlab check --ci FILE` runs it. Each override names "
    "a key of this file's groups (a [population.NAME] or [event.NAME] must be in the "
    "file); [check], [sweep] and [expect] keys cannot be overridden. Each override is "
    "checked on load against its key; checks between keys happen when `peerlab check "
    "--ci` loads the file with them. `peerlab run` and `peerlab check` without `--ci` "
    "ignore this group." },
};

static const skey schema[] = {
  /* [run] */
  { "run", "name", V_TEXT, NULL, "file name without `.ini`", 0, NOCFG, 0,
    "Name of the study, used in results and reports." },
  { "run", "description", V_TEXT, NULL, "none", 0, NOCFG, 0,
    "Free text describing the study." },
  { "run", "seed", V_SEED, "1", NULL, 0, NOCFG, 0,
    "Seed of every random stream of the run (`--seed` overrides it)." },
  { "run", "duration", V_DURATION, NULL, NULL, F_REQUIRED | F_POSITIVE, NOCFG, 0,
    "Virtual time simulated." },
  { "run", "sample_interval", V_DURATION, "1s", NULL, F_POSITIVE | F_TICK, NOCFG, 0,
    "Length of a metrics window: time series get one row per metric this often." },

  /* [network] */
  { "network", "latency", V_DIST, "lognormal(40ms, 0.5)", NULL, 0, NOCFG, 0,
    "One-way latency, drawn per message (when regions are set, `region_latency` is used instead)." },
  { "network", "jitter", V_DIST, "0", NULL, 0, NOCFG, 0,
    "Extra delay drawn per message and added to the latency." },
  { "network", "loss", V_RATIO, "0", NULL, 0, NOCFG, 0,
    "Probability that a message is lost." },
  { "network", "upload", V_BANDWIDTH, "0", NULL, 0, NOCFG, 0,
    "Upload bandwidth of every node; 0 is unlimited." },
  { "network", "download", V_BANDWIDTH, "0", NULL, 0, NOCFG, 0,
    "Download bandwidth of every node; 0 is unlimited." },
  { "network", "header_bytes", V_SIZE32, "40B", NULL, 0, NOCFG, 0,
    "Per-message overhead counted against bandwidth." },
  { "network", "nat_share", V_RATIO, "0", NULL, 0, NOCFG, 0,
    "Share of nodes behind NAT: they receive only from peers they sent to recently." },
  { "network", "nat_timeout", V_DURATION, "120s", NULL, 0, NOCFG, 0,
    "A path a NATed node opened by sending stays open this long after its last send to "
    "that peer (only the NATed node's own sends refresh it)." },
  { "network", "regions", V_NAMES, NULL, "none", 0, NOCFG, 0,
    "Names of regions (at most 256); each node is placed in one." },
  { "network", "region_weights", V_WEIGHTS, NULL, "equal", 0, NOCFG, 0,
    "Relative number of nodes per region, one per region (normalised to sum 1)." },
  { "network", "region_latency", V_MATRIX, NULL, "`latency` for every pair", 0, NOCFG, 0,
    "One-way latency from region (row) to region (column): one distribution per entry, "
    "entries separated by `,`, rows by `;`, as many rows and columns as regions." },

  /* [protocol.peer] */
  { "protocol.peer", "version", V_VERSION, NULL, NULL, F_CFG | F_NONZERO_MAJOR, CFG(version_major), 0,
    "Protocol version spoken: major.minor (a node speaks every minor from `min_minor` up)." },
  { "protocol.peer", "min_minor", V_U8, NULL, NULL, F_CFG, CFG(version_minor_min), 0,
    "Lowest minor version still accepted from a peer (at most the minor of `version`)." },
  { "protocol.peer", "features", V_FEATURES, NULL, NULL, F_CFG, CFG(features), 0,
    "Feature flags offered in the handshake; peers use the common ones." },
  { "protocol.peer", "target_peers", V_U16, NULL, NULL, F_CFG, CFG(target_peers), 0,
    "Connections a node tries to keep (at most `max_peers`)." },
  { "protocol.peer", "max_peers", V_U16, NULL, NULL, F_CFG, CFG(max_peers), 0,
    "Hard cap on connected plus connecting peers." },
  { "protocol.peer", "max_inbound", V_U16, NULL, NULL, F_CFG, CFG(max_inbound), 0,
    "Cap on peers that connected to the node." },
  { "protocol.peer", "max_outbound", V_U16, NULL, NULL, F_CFG, CFG(max_outbound), 0,
    "Cap on peers the node connected to." },
  { "protocol.peer", "eviction", V_EVICTION, NULL, NULL, F_CFG, CFG(eviction), 0,
    "Which peer makes room for a new inbound one (`none` refuses the newcomer)." },
  { "protocol.peer", "heartbeat_interval", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE | F_TICK,
    CFG(heartbeat_interval_ns), 0, "A PING goes to each peer this often." },
  { "protocol.peer", "peer_timeout", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(peer_timeout_ns), 0, "A peer silent this long is dropped." },
  { "protocol.peer", "handshake_timeout", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(handshake_timeout_ns), 0, "An unanswered HELLO is given up after this long." },
  { "protocol.peer", "maintenance_interval", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE | F_TICK,
    CFG(maintenance_interval_ns), 0,
    "Below `target_peers`, the node looks for more peers this often." },
  { "protocol.peer", "replay_window", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(replay_window_ns), 0, "Signed timestamps are accepted within plus or minus this." },
  { "protocol.peer", "bootstrap", V_U32, "4", NULL, 0, NOCFG, 0,
    "The first N nodes created (handles 0 to N-1) are every node's bootstrap peers." },

  /* [protocol.crypto] */
  { "protocol.crypto", "sign_cost", V_DURATION, NULL, NULL, F_CFG, CFG(sign_cost_ns), 0,
    "Virtual CPU time charged per signature made." },
  { "protocol.crypto", "verify_cost", V_DURATION, NULL, NULL, F_CFG, CFG(verify_cost_ns), 0,
    "Virtual CPU time charged per signature checked." },
  { "protocol.crypto", "hash_cost_per_kib", V_DURATION, NULL, NULL, F_CFG,
    CFG(hash_cost_ns_per_kib), 0, "Virtual CPU time charged per KiB hashed." },
  { "protocol.crypto", "sigcache_capacity", V_U32, "65536", NULL, F_POSITIVE, NOCFG, 0,
    "Signature verdicts memoised by the host, at least; the host keeps room for "
    "2 per node if that is more. A simulator cache: verdicts are identical "
    "either way, only the run time changes." },

  /* [protocol.kad] */
  { "protocol.kad", "mode", V_KAD_MODE, NULL, NULL, F_CFG, KCFG(mode), 0,
    "Discovery: off; kademlia (iterative lookups over k-buckets); rendezvous "
    "(highest-random-weight hashing over the known peers)." },
  { "protocol.kad", "bootstrap", V_KAD_BOOT, NULL, NULL, F_CFG, KCFG(join), 0,
    "join: a node learns the bootstrap peers and looks up its own id (the real "
    "protocol); oracle: the simulator fills every routing table from the true "
    "membership before the node starts (a static network, as PeerSim builds it)." },
  { "protocol.kad", "k", V_U8, NULL, NULL, F_CFG | F_POSITIVE, KCFG(k), 0,
    "Lookup result size and replication factor." },
  { "protocol.kad", "bucket_size", V_U8, NULL, NULL, F_CFG | F_POSITIVE, KCFG(bucket_size), 0,
    "Contacts per k-bucket." },
  { "protocol.kad", "alpha", V_U8, NULL, NULL, F_CFG | F_POSITIVE, KCFG(alpha), 0,
    "Parallel requests per lookup path." },
  { "protocol.kad", "b", V_U8, NULL, NULL, F_CFG | F_POSITIVE, KCFG(b), 0,
    "Bits per digit: 1 is plain Kademlia, 2 to 4 the accelerated lookups." },
  { "protocol.kad", "d", V_U8, NULL, NULL, F_CFG | F_POSITIVE, KCFG(d), 0,
    "Disjoint lookup paths: 1 is plain Kademlia, 2 or more S/Kademlia's defence." },
  { "protocol.kad", "stale_failures", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(stale_failures), 0, "Consecutive timeouts after which a contact is dropped." },
  { "protocol.kad", "replacement_cache", V_U8, NULL, NULL, F_CFG, KCFG(replacement_cache), 0,
    "0: a newcomer to a full bucket makes the node ping the least-recently-seen contact; "
    "N: the newcomer waits instead (no ping) in one cache per node of the N latest such "
    "newcomers, each tagged with its bucket, and replaces a contact of its bucket that "
    "stops answering." },
  { "protocol.kad", "prefix_limit", V_U8, NULL, NULL, F_CFG, KCFG(prefix_limit), 0,
    "Contacts per bucket from one network prefix (0: no limit)." },
  { "protocol.kad", "sibling_size", V_U8, NULL, NULL, F_CFG, KCFG(sibling_size), 0,
    "Length of the sibling list, the contacts closest to the node's own id (0: none)." },
  { "protocol.kad", "id_puzzle_bits", V_U8, NULL, NULL, F_CFG, KCFG(id_puzzle_bits), 0,
    "Id cost: leading zero bits of BLAKE2b(id || nonce) a contact must show (0: off)." },
  { "protocol.kad", "id_min_stake", V_U64, NULL, NULL, F_CFG, KCFG(id_min_stake), 0,
    "Id cost: least stake bound to a contact's id, milli-credits (0: off)." },
  { "protocol.kad", "max_lookups", V_U16, NULL, NULL, F_CFG | F_POSITIVE, KCFG(max_lookups), 0,
    "Lookups a node runs at once; more are refused." },
  { "protocol.kad", "max_records", V_U16, NULL, NULL, F_CFG, KCFG(max_records), 0,
    "Values a node stores for others at most." },
  { "protocol.kad", "rpc_timeout", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(rpc_timeout_ns), 0, "A request unanswered this long has failed." },
  { "protocol.kad", "refresh_interval", V_DURATION, NULL, NULL, F_CFG | F_TICK, KCFG(refresh_interval_ns),
    0, "A bucket untouched this long is refreshed (0: never)." },
  { "protocol.kad", "record_ttl", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(record_ttl_ns), 0, "Default lifetime of a stored value." },
  { "protocol.kad", "republish_interval", V_DURATION, NULL, NULL, F_CFG | F_TICK,
    KCFG(republish_interval_ns), 0, "Own values are published again this often (0: never)." },
  { "protocol.kad", "max_values_per_key", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(max_values_per_key), 0, "Values (one per owner) a node keeps under one key." },
  { "protocol.kad", "cap_classes", V_U8, NULL, NULL, F_CFG | F_POSITIVE, KCFG(cap_classes), 0,
    "Capability ads: classes per dimension (speed, price); class c >= 1 holds "
    "[base * 2^(c-1), base * 2^c)." },
  { "protocol.kad", "cap_find_keys_max", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(cap_find_keys_max), 0, "Capability ads: class keys one find looks up at most." },
  { "protocol.kad", "cap_speed_base", V_U32, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(cap_speed_base), 0, "Capability ads: upper bound of speed class 0." },
  { "protocol.kad", "cap_price_base", V_U64, NULL, NULL, F_CFG | F_POSITIVE,
    KCFG(cap_price_base_mcc), 0,
    "Capability ads: upper bound of price class 0, milli-credits." },
  { "protocol.kad", "cap_ttl", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE, KCFG(cap_ttl_ns), 0,
    "Capability ads: lifetime of an ad." },
  { "protocol.kad", "cap_reannounce", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE | F_TICK,
    KCFG(cap_reannounce_ns), 0, "Capability ads: a worker re-announces this often." },
  { "protocol.kad", "cap_clock_skew", V_DURATION, NULL, NULL, F_CFG, KCFG(cap_clock_skew_ns), 0,
    "Capability ads: how far in the future an ad's last-seen may be." },
  /* [protocol.gossip] */
  { "protocol.gossip", "mode", V_GOSSIP_MODE, NULL, NULL, F_CFG, CFG(gossip.mode), 0,
    "Dissemination: off; push, pull, push-pull (anti-entropy rounds with random "
    "partners); rumor (rumour mongering); flood (fanout with a hop TTL); mesh "
    "(gossipsub-like)." },
  { "protocol.gossip", "heartbeat", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE | F_TICK,
    CFG(gossip.heartbeat_ns), 0, "Mesh heartbeat, and the round of the epidemic modes." },
  { "protocol.gossip", "batch_window", V_DURATION, NULL, NULL, F_CFG,
    CFG(gossip.batch_window_ns), 0,
    "Items queued for a peer leave together at most this long after the first (0: at "
    "the end of the event that queued them)." },
  { "protocol.gossip", "seen_ttl", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.seen_ttl_ns), 0,
    "Seen-cache expiry; older messages are refused as stale. The host closes a "
    "message's delivery figures this long after publication (or at the end of the run)." },
  { "protocol.gossip", "store_ttl", V_DURATION, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.store_ttl_ns), 0,
    "Messages are held for pulls, IWANT and anti-entropy this long (at most `seen_ttl`)." },
  { "protocol.gossip", "anti_entropy", V_DURATION, NULL, NULL, F_CFG | F_TICK,
    CFG(gossip.anti_entropy_ns), 0,
    "Digest exchange with one random peer this often, in any mode (0: off)." },
  { "protocol.gossip", "seen_max", V_U32, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.seen_max), 0, "Seen-cache capacity, entries." },
  { "protocol.gossip", "store_max", V_U32, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.store_max), 0, "Messages held at most." },
  { "protocol.gossip", "max_payload", V_U16, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.max_payload_bytes), 0,
    "Largest payload published or accepted, bytes (at most 3900)." },
  { "protocol.gossip", "ttl_hops", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.ttl_hops), 0, "Hops a message travels at most." },
  { "protocol.gossip", "fanout", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.fanout), 0,
    "flood: peers each node forwards to; mesh: fanout peers for topics published to "
    "without subscribing." },
  { "protocol.gossip", "partners", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.partners), 0,
    "Epidemic modes: partners contacted per round, drawn uniformly from the connected "
    "peers (raise `target_peers` to approach the uniform population of the theory)." },
  { "protocol.gossip", "rounds_max", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.rounds_max), 0,
    "push, push-pull: rounds a node pushes a message after receiving it." },
  { "protocol.gossip", "rumor_k", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.rumor_k), 0,
    "rumor: the k of counter (stop after k unnecessary contacts) or coin (stop with "
    "probability 1/k per unnecessary contact)." },
  { "protocol.gossip", "rumor_stop", V_RUMOR_STOP, NULL, NULL, F_CFG,
    CFG(gossip.rumor_stop), 0, "rumor: how a monger loses interest." },
  { "protocol.gossip", "rumor_contact", V_RUMOR_CONTACT, NULL, NULL, F_CFG,
    CFG(gossip.rumor_blind), 0,
    "rumor: which contacts are unnecessary: feedback (the partner already knew) or "
    "blind (every contact)." },
  { "protocol.gossip", "mesh_d", V_U8, NULL, NULL, F_CFG | F_POSITIVE, CFG(gossip.mesh_d), 0,
    "mesh: target degree D." },
  { "protocol.gossip", "mesh_d_low", V_U8, NULL, NULL, F_CFG, CFG(gossip.mesh_d_low), 0,
    "mesh: graft up to D below this (at most `mesh_d`)." },
  { "protocol.gossip", "mesh_d_high", V_U8, NULL, NULL, F_CFG, CFG(gossip.mesh_d_high), 0,
    "mesh: prune down to D above this (at least `mesh_d`)." },
  { "protocol.gossip", "mesh_d_lazy", V_U8, NULL, NULL, F_CFG, CFG(gossip.mesh_d_lazy), 0,
    "mesh: non-mesh peers sent IHAVE at each heartbeat." },
  { "protocol.gossip", "mcache_len", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.mcache_len), 0, "mesh: heartbeats a message stays in the message cache." },
  { "protocol.gossip", "mcache_gossip", V_U8, NULL, NULL, F_CFG, CFG(gossip.mcache_gossip), 0,
    "mesh: newest heartbeats of the cache advertised in IHAVE (at most `mcache_len`)." },
  { "protocol.gossip", "prune_backoff", V_U8, NULL, NULL, F_CFG, CFG(gossip.prune_backoff_hb), 0,
    "mesh: heartbeats before a pruned peer may be grafted again." },
  { "protocol.gossip", "max_topics", V_U8, NULL, NULL, F_CFG | F_POSITIVE,
    CFG(gossip.max_topics), 0, "Topics a node subscribes to and tracks per peer at most (at most 64)." },
  { "protocol.gossip", "scoring", V_BOOL, NULL, NULL, F_CFG, CFG(gossip.score_enabled), 0,
    "mesh: peer scores from delivery behaviour (first deliveries, invalid messages, "
    "broken promises, violations) choose whom to keep, prune and ignore." },
  { "protocol.gossip", "score_mesh_share", V_U8, NULL, NULL, F_CFG,
    CFG(gossip.score_mesh_share), 0,
    "mesh, with scoring: percent (0-100) of the messages this node received that a mesh "
    "peer owes as mesh deliveries (new messages, and copies within a heartbeat of the "
    "first, sent while it is in our mesh; both counts lose a tenth per heartbeat, like "
    "the other score counters). After `score_mesh_activation` heartbeats in our mesh, "
    "each delivery short of that costs its square in score, and a peer that leaves the "
    "mesh owing keeps that as a decaying penalty (gossipsub's P3 and P3b). 0: off." },
  { "protocol.gossip", "score_mesh_activation", V_U8, NULL, NULL, F_CFG,
    CFG(gossip.score_mesh_activation), 0,
    "mesh: heartbeats a peer spends in our mesh before `score_mesh_share` applies." },
  { "protocol.gossip", "score_gossip_threshold", V_I32, NULL, NULL, F_CFG,
    CFG(gossip.score_gossip_threshold), 0,
    "mesh: no IHAVE / IWANT with peers scored below this." },
  { "protocol.gossip", "score_graylist", V_I32, NULL, NULL, F_CFG, CFG(gossip.score_graylist), 0,
    "mesh: every batch from a peer scored below this is ignored." },
  { "protocol.gossip", "subscribe", V_TOPICS, "none", NULL, 0, NOCFG, 0,
    "Topics every node subscribes to when it starts: a list of numbers, or none." },

  /* [population.NAME] */
  { "population.*", "count", V_U32, NULL, NULL, F_REQUIRED, NOCFG, 0,
    "Number of nodes (0 leaves the population empty, e.g. an attacker fraction of 0 in a "
    "sweep; the populations together need at least 1)." },
  { "population.*", "role", V_ROLES, "all", NULL, 0, NOCFG, 0,
    "Roles played: a list of requester, worker, verifier, or all." },
  { "population.*", "behaviour", V_BEHAVIOUR, "honest", NULL, 0, NOCFG, 0,
    "Strategy: honest; silent (never answers PING); version-liar (advertises a higher "
    "minor and every feature); gossip attacks (docs/gossip.md, Attacks): censor "
    "(receives, never relays), covert-flash (relays until `attack_at`, then censors), "
    "spam-invalid (what it publishes carries a broken signature), duplicate-flood "
    "(sends `copies` extra copies of every message), mesh-sybil (connects to `links` "
    "nodes of `victim`, grafts itself into their meshes ignoring PRUNE, never relays)." },
  { "population.*", "join_at", V_DIST, "0", NULL, 0, NOCFG, 0,
    "When each node joins, drawn per node." },
  { "population.*", "version", V_VERSION, NULL, "[protocol.peer] `version`", F_NONZERO_MAJOR,
    CFG(version_major), 0, "Protocol version of these nodes." },
  { "population.*", "min_minor", V_U8, NULL, "[protocol.peer] `min_minor`", 0,
    CFG(version_minor_min), 0, "Lowest minor version these nodes accept." },
  { "population.*", "features", V_FEATURES, NULL, "[protocol.peer] `features`", 0,
    CFG(features), 0, "Features these nodes offer." },
  { "population.*", "target_peers", V_U16, NULL, "[protocol.peer] `target_peers`", 0,
    CFG(target_peers), 0, "Connections these nodes try to keep." },
  { "population.*", "max_peers", V_U16, NULL, "[protocol.peer] `max_peers`", 0,
    CFG(max_peers), 0, "Cap on peers of these nodes." },
  { "population.*", "upload", V_BANDWIDTH, NULL, "[network] `upload`", 0, NOCFG, 0,
    "Upload bandwidth of these nodes; 0 is unlimited." },
  { "population.*", "download", V_BANDWIDTH, NULL, "[network] `download`", 0, NOCFG, 0,
    "Download bandwidth of these nodes; 0 is unlimited." },
  { "population.*", "nat_share", V_RATIO, NULL, "[network] `nat_share`", 0, NOCFG, 0,
    "Share of these nodes behind NAT." },
  { "population.*", "region", V_NAME, NULL, "drawn by [network] `region_weights`", 0,
    NOCFG, 0, "Region of every node of the population, one of [network] `regions`." },
  { "population.*", "stake", V_U64, "1000000", NULL, 0, NOCFG, 0,
    "Stake bound to each node's id, milli-credits (the ledger oracle behind "
    "[protocol.kad] `id_min_stake`)." },
  { "population.*", "prefixes", V_U32, "0", NULL, 0, NOCFG, 0,
    "Network prefixes (think /24) the nodes share, assigned round robin (0: every node "
    "its own), for [protocol.kad] `prefix_limit`." },
  { "population.*", "mint_budget", V_DURATION, "0", NULL, 0, NOCFG, 0,
    "Sybil id cost: virtual CPU time the population may spend minting node ids (key "
    "generation, grinding and the id puzzle); only as many nodes as it pays for join "
    "(0: no bound)." },
  { "population.*", "stake_budget", V_U64, "0", NULL, 0, NOCFG, 0,
    "Sybil id cost: total stake of the population, milli-credits; with [protocol.kad] "
    "`id_min_stake` it pays for at most stake_budget / id_min_stake ids, each holding the "
    "minimum (0: every node holds `stake`)." },
  { "population.*", "grind", V_GRIND, "none", NULL, 0, NOCFG, 0,
    "Where minted ids are ground: none; victim (sharing `grind_bits` leading bits with the "
    "id of the first node of `victim`); key (with `grind_key`)." },
  { "population.*", "grind_bits", V_U8, "0", NULL, 0, NOCFG, 0,
    "Leading bits a ground id shares with its target (about 2^bits key generations "
    "each, at most 24)." },
  { "population.*", "grind_key", V_KEY, "random", NULL, 0, NOCFG, 0,
    "Target of `grind = key`: 64 hex digits." },
  { "population.*", "victim", V_NAME, NULL, "none", 0, NOCFG, 0,
    "Population under attack: an eclipse population fills its nodes' buckets and counts "
    "their captured lookups; `grind = victim` grinds near its first node; mesh-sybil "
    "(required there) crowds its nodes' meshes." },
  { "population.*", "task", V_U32, "1", NULL, 0, NOCFG, 0,
    "Capability ads: the task type these nodes offer (`announce`)." },
  { "population.*", "speed", V_U32, "100", NULL, 0, NOCFG, 0,
    "Capability ads: the speed these nodes really have (work units per second)." },
  { "population.*", "price", V_U64, "1000", NULL, 0, NOCFG, 0,
    "Capability ads: the price these nodes really ask, milli-credits per work unit." },
  { "population.*", "claim_factor", V_FACTOR, "4", NULL, 0, NOCFG, 0,
    "fake-ads: the nodes claim `speed` times this and `price` divided by it." },
  { "population.*", "subscribe", V_TOPICS, NULL, "[protocol.gossip] `subscribe`", 0, NOCFG, 0,
    "Gossip topics these nodes subscribe to when they start." },
  { "population.*", "attack_at", V_DURATION, "0", NULL, 0, NOCFG, 0,
    "Gossip attacks: when the attack starts (covert-flash: when relaying stops; the "
    "others act from this time on)." },
  { "population.*", "copies", V_U16, "4", NULL, 0, NOCFG, 0,
    "duplicate-flood: extra copies of every data item sent." },
  { "population.*", "links", V_U16, "8", NULL, 0, NOCFG, 0,
    "mesh-sybil: victims each of these nodes connects to (assigned round-robin)." },

  /* [event.NAME] */
  { "event.*", "at", V_DURATION, NULL, NULL, F_REQUIRED, NOCFG, 0,
    "When the event happens (at most the run's `duration`)." },
  { "event.*", "action", V_ACTION, NULL, NULL, F_REQUIRED, NOCFG, 0,
    "partition: split the nodes into groups; heal: end the partition; crash: stop "
    "nodes, losing their state; restart: bring crashed nodes back (same identity, fresh "
    "state); churn: nodes leave and rejoin; command: nodes act (see `command`)." },
  { "event.*", "target", V_NAME, "all", NULL, 0, NOCFG, TARGETED,
    "Population affected, or `all` for every node." },
  { "event.*", "fraction", V_RATIO, "1", NULL, 0, NOCFG, TARGETED,
    "Share of the target's nodes affected, drawn at random (crash and command choose "
    "among live nodes, restart among crashed ones)." },
  { "event.*", "count", V_U32, "0", NULL, 0, NOCFG, TARGETED,
    "Exact number of target nodes affected, instead of `fraction` (0: use `fraction`)." },
  { "event.*", "fractions", V_FRACTIONS, NULL, NULL, F_REQUIRED, NOCFG, ACT(PARTITION),
    "Sizes of the partition's groups: at least 2 ratios, each above 0, summing to 1 "
    "(within 0.001, as thirds written 33.33% do; the last group takes the rest)." },
  { "event.*", "session", V_DIST, NULL, NULL, F_REQUIRED | F_TICK, NOCFG, ACT(CHURN),
    "Time a node stays online, drawn per session." },
  { "event.*", "downtime", V_DIST, NULL, NULL, F_REQUIRED | F_TICK, NOCFG, ACT(CHURN),
    "Time a node stays offline, drawn per absence." },
  { "event.*", "command", V_COMMAND, NULL, NULL, F_REQUIRED, NOCFG, ACT(COMMAND),
    "What each target node is told to do: ping a connected peer; connect to a peer; "
    "peer-exchange: ask a peer for more peers (the node chooses the peer); lookup: a DHT "
    "node lookup of `key`; store: publish a value under `key`; find-value: look up the "
    "values under `key`; refresh: refresh every bucket; announce: sign and publish a "
    "capability ad (population `task`, `speed`, `price`, `stake`) and keep it fresh; "
    "find-workers: find workers for `task` meeting `min_speed` and `max_price`; "
    "subscribe, unsubscribe: to gossip `topic`; publish: a gossip message of `size` "
    "bytes on `topic`. Commands that could do nothing are refused: lookup to "
    "find-workers when [protocol.kad] `mode` is off, subscribe to publish when "
    "[protocol.gossip] `mode` is off." },
  { "event.*", "every", V_DURATION, "0", NULL, F_TICK, NOCFG, ACT(COMMAND),
    "Repeat the command this often (0: once)." },
  { "event.*", "until", V_DURATION, NULL, "end of run", 0, NOCFG, ACT(CHURN) | ACT(COMMAND),
    "Stop churning or repeating at this time (after `at`)." },
  { "event.*", "key", V_KEY, "random", NULL, 0, NOCFG,
    CMD(KAD_LOOKUP) | CMD(KAD_STORE) | CMD(KAD_FIND_VALUE),
    "The DHT key (random: a fresh random key per node and command; victim: the id of the "
    "first node some eclipse population attacks, refused when no population has "
    "behaviour = eclipse and a `victim` with nodes)." },
  { "event.*", "value_size", V_SIZE32, "64B", NULL, 0, NOCFG, CMD(KAD_STORE),
    "Bytes of the value published (at most 1KiB)." },
  { "event.*", "task", V_U32, "1", NULL, 0, NOCFG, CMD(KAD_FIND_WORKERS),
    "The task type wanted (announce publishes its population's `task`)." },
  { "event.*", "min_speed", V_U32, "0", NULL, 0, NOCFG, CMD(KAD_FIND_WORKERS),
    "The least speed wanted." },
  { "event.*", "max_price", V_U64, "18446744073709551615", NULL, 0, NOCFG,
    CMD(KAD_FIND_WORKERS), "The highest price accepted, milli-credits." },
  { "event.*", "want", V_U32, "8", NULL, 0, NOCFG, CMD(KAD_FIND_WORKERS),
    "Workers wanted." },
  { "event.*", "topic", V_U32, "0", NULL, 0, NOCFG,
    CMD(GOSSIP_SUBSCRIBE) | CMD(GOSSIP_UNSUBSCRIBE) | CMD(GOSSIP_PUBLISH),
    "The gossip topic." },
  { "event.*", "size", V_SIZE32, "256B", NULL, 0, NOCFG, CMD(GOSSIP_PUBLISH),
    "Payload bytes of each message (at most [protocol.gossip] `max_payload`)." },

  /* [metrics] */
  { "metrics", "include", V_GLOBS, "*", NULL, 0, NOCFG, 0,
    "Metrics written to the results database: a list of glob patterns over metric "
    "names (`*` and `?` wildcards)." },

  /* [expect] */
  { "expect", "*", V_EXPECT, NULL, "none", 0, NOCFG, 0,
    "LABEL = METRIC[.STAT] OP NUMBER, e.g. `rtt = ping.rtt_ms.p99 <= 400`." },

  /* [sweep] */
  { "sweep", "seeds", V_U32, "1", NULL, F_POSITIVE, NOCFG, 0,
    "Runs per combination of values, each with its own seed." },
  { "sweep", "*", V_SWEEP, NULL, "none", 0, NOCFG, 0,
    "GROUP.KEY = list of values, e.g. `protocol.peer.max_peers = 8, 16, 32` or "
    "`network.loss = range(0, 0.1, 0.02)`." },

  /* [check] */
  { "check", "set", V_OVERRIDES, NULL, "none", 0, NOCFG, 0,
    "Overrides for `peerlab check --ci`, separated by `;`, e.g. "
    "`population.peers.count=200; run.duration=2min`." },
};

/* Fixed (non-pattern) group names, in reference order. */
static const char *const fixed_groups[] = {
  "run", "network", "protocol.peer", "protocol.crypto", "protocol.kad", "protocol.gossip",
  "metrics", "expect", "sweep", "check", NULL,
};

/* "run, network, ..., population.NAME, event.NAME, metrics, ..." for
 * error messages: every group a key can live in, from fixed_groups, but
 * those in the NULL-terminated |leave_out| (may be NULL).  Free with g_free. */
static char *
group_list(const char *const *leave_out)
{
  GString *out = g_string_new(NULL);
  for (size_t i = 0; fixed_groups[i]; i++) {
    if (strcmp(fixed_groups[i], "metrics") == 0)
      g_string_append(out, ", population.NAME, event.NAME");
    bool skip = false;
    for (size_t j = 0; leave_out && leave_out[j]; j++)
      skip |= strcmp(fixed_groups[i], leave_out[j]) == 0;
    if (!skip)
      g_string_append_printf(out, "%s%s", out->len ? ", " : "", fixed_groups[i]);
  }
  return g_string_free(out, FALSE);
}

/* Groups whose keys a [sweep] or a [check] override cannot vary. */
static const char *const not_varied[] = { "expect", "sweep", "check", NULL };

/* ------------------------------------------------------------- utilities */

static bool
is_name(const char *s)
{
  if (!s || !*s)
    return false;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
      return false;
  return true;
}

/* Optimal string alignment distance (Levenshtein plus transpositions). */
static unsigned
edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  unsigned *d = g_new(unsigned, (la + 1) * (lb + 1));
#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (size_t i = 0; i <= la; i++)
    D(i, 0) = (unsigned)i;
  for (size_t j = 0; j <= lb; j++)
    D(0, j) = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
      unsigned v = MIN(D(i - 1, j) + 1, D(i, j - 1) + 1);
      v = MIN(v, D(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = MIN(v, D(i - 2, j - 2) + 1);
      D(i, j) = v;
    }
  }
  unsigned r = D(la, lb);
#undef D
  g_free(d);
  return r;
}

/* Closest of |cands| to |word| if close enough to be a likely typo (first
 * of equals wins, so the answer follows the candidates' order), or NULL. */
static const char *
suggest(const char *word, const char *const *cands, size_t n)
{
  const char *best = NULL;
  unsigned best_d = UINT_MAX;
  for (size_t i = 0; i < n; i++) {
    if (!cands[i] || strcmp(cands[i], word) == 0)
      continue;
    unsigned d = edit_distance(word, cands[i]);
    unsigned len = (unsigned)strlen(cands[i]);
    unsigned limit = MIN(2u, len / 3 + 1);
    if (d <= limit && d < len && d < best_d) {
      best = cands[i];
      best_d = d;
    }
  }
  return best;
}

/*
 * Split |text| at |sep| characters that are outside parentheses; pieces
 * are stripped of blanks.  Empty text gives no pieces.  Returns NULL if
 * the parentheses do not balance.  Free with g_strfreev.
 */
static char **
split_top(const char *text, char sep)
{
  GPtrArray *parts = g_ptr_array_new();
  int depth = 0;
  const char *start = text;
  bool blank = true;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isspace(*p))
      blank = false;
  if (!blank) {
    for (const char *p = text;; p++) {
      if (*p == '(') {
        depth++;
      } else if (*p == ')') {
        if (--depth < 0)
          break;
      } else if ((*p == sep && depth == 0) || *p == '\0') {
        char *piece = g_strndup(start, (size_t)(p - start));
        g_ptr_array_add(parts, g_strstrip(piece));
        if (*p == '\0')
          break;
        start = p + 1;
      }
    }
  }
  if (depth != 0) {
    g_ptr_array_add(parts, NULL);
    g_strfreev((char **)g_ptr_array_free(parts, FALSE));
    return NULL;
  }
  g_ptr_array_add(parts, NULL);
  return (char **)g_ptr_array_free(parts, FALSE);
}

static const char *
kw_name(const kw *table, unsigned value)
{
  for (const kw *k = table; k->name; k++)
    if (k->value == value)
      return k->name;
  return NULL;
}

/* "a, b or c" of a keyword table. */
static char *
kw_list(const kw *table, const char *last_sep)
{
  GString *s = g_string_new(NULL);
  for (const kw *k = table; k->name; k++) {
    if (k != table)
      g_string_append(s, k[1].name ? ", " : last_sep);
    g_string_append(s, k->name);
  }
  return g_string_free(s, FALSE);
}

/* Look |word| up in |table|; on failure set *|hint| to a suggestion or NULL. */
static bool
kw_lookup(const kw *table, const char *word, unsigned *out, const char **hint)
{
  const char *names[16];
  size_t n = 0;
  for (const kw *k = table; k->name; k++) {
    if (strcmp(k->name, word) == 0) {
      *out = k->value;
      return true;
    }
    g_assert(n < G_N_ELEMENTS(names));
    names[n++] = k->name;
  }
  if (hint)
    *hint = suggest(word, names, n);
  return false;
}

static const kw *
vtype_keywords(vtype t)
{
  switch (t) {
  case V_FEATURES: return kw_feature;
  case V_ROLES: return kw_role;
  case V_EVICTION: return kw_eviction;
  case V_BEHAVIOUR: return kw_behaviour;
  case V_ACTION: return kw_action;
  case V_COMMAND: return kw_command;
  case V_KAD_MODE: return kw_kad_mode;
  case V_KAD_BOOT: return kw_kad_boot;
  case V_GRIND: return kw_grind;
  case V_GOSSIP_MODE: return kw_gossip_mode;
  case V_RUMOR_STOP: return kw_rumor_stop;
  case V_RUMOR_CONTACT: return kw_rumor_contact;
  case V_BOOL: return kw_bool;
  default: return NULL;
  }
}

#define SEED_EXPECTED "an integer from 0 to 18446744073709551615"

static bool
parse_seed(const char *text, uint64_t *seed)
{
  guint64 u;
  if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &u, NULL))
    return false;
  *seed = u;
  return true;
}

bool
sim_scenario_parse_seed(const char *text, uint64_t *seed, GError **error)
{
  if (parse_seed(text, seed))
    return true;
  g_set_error(error, SIM_SCENARIO_ERROR, SIM_SCENARIO_ERROR_OVERRIDE,
              "--seed: found '%s', expected " SEED_EXPECTED " (digits only, as [run] seed)",
              text);
  return false;
}

/* Human description of what a value of type |t| looks like (newly allocated). */
static char *
vtype_expected(vtype t, unsigned flags)
{
  const kw *kws = vtype_keywords(t);
  char *list = kws ? kw_list(kws, " or ") : NULL;
  char *r = NULL;
  bool pos = (flags & F_POSITIVE) != 0;
  switch (t) {
  case V_TEXT: r = g_strdup("text"); break;
  case V_SEED: r = g_strdup(SEED_EXPECTED); break;
  case V_DURATION:
    r = g_strdup_printf("%s%s", sim_units_expected(SIM_UNIT_DURATION),
                        (flags & F_TICK) ? (pos ? ", at least 1ms" : ", 0 or at least 1ms")
                        : pos            ? ", above 0"
                                         : "");
    break;
  case V_SIZE32:
    r = g_strdup_printf("%s, below 4GiB", sim_units_expected(SIM_UNIT_SIZE));
    break;
  case V_BANDWIDTH: r = g_strdup(sim_units_expected(SIM_UNIT_BANDWIDTH)); break;
  case V_RATIO: r = g_strdup(sim_units_expected(SIM_UNIT_RATIO)); break;
  case V_U8: r = g_strdup_printf("an integer from %d to 255", pos ? 1 : 0); break;
  case V_U16: r = g_strdup_printf("an integer from %d to 65535", pos ? 1 : 0); break;
  case V_U32:
    r = g_strdup_printf("%s, from %d to 4294967295", sim_units_expected(SIM_UNIT_COUNT),
                        pos ? 1 : 0);
    break;
  case V_DIST:
    r = g_strdup("a distribution of durations: a duration like 50ms, or constant(v), "
                 "uniform(lower, upper), normal(mean, sd), lognormal(median, sigma), "
                 "pareto(scale, alpha), exponential(mean)");
    break;
  case V_VERSION:
    r = g_strdup_printf("a version major.minor like 1.2 (major %s to 255, minor 0 to 255)",
                        (flags & F_NONZERO_MAJOR) ? "1" : "0");
    break;
  case V_FEATURES: r = g_strdup_printf("a comma-separated list of %s, or none", list); break;
  case V_ROLES: r = g_strdup_printf("a comma-separated list of %s", list); break;
  case V_EVICTION:
  case V_BEHAVIOUR:
  case V_ACTION:
  case V_COMMAND:
  case V_KAD_MODE:
  case V_KAD_BOOT:
  case V_GRIND: r = g_strdup_printf("one of %s", list); break;
  case V_U64: r = g_strdup("an integer from 0 to 18446744073709551615"); break;
  case V_KEY: r = g_strdup("random, victim, or a 32-byte key as 64 hex digits"); break;
  case V_FACTOR: r = g_strdup("a number of at least 1"); break;
  case V_GOSSIP_MODE:
  case V_RUMOR_STOP:
  case V_RUMOR_CONTACT:
  case V_BOOL: r = g_strdup_printf("one of %s", list); break;
  case V_I32: r = g_strdup("an integer from -2147483648 to 2147483647"); break;
  case V_TOPICS:
    r = g_strdup_printf("a comma-separated list of at most %u distinct topics (integers "
                        "from 0 to 4294967295), or none", MAX_TOPICS);
    break;
  case V_NAME: r = g_strdup("a name made of letters, digits, '-' and '_'"); break;
  case V_NAMES:
    r = g_strdup("a comma-separated list of distinct names made of letters, digits, '-' and '_'");
    break;
  case V_WEIGHTS:
    r = g_strdup("a comma-separated list of non-negative numbers, not all 0");
    break;
  case V_FRACTIONS:
    r = g_strdup("a comma-separated list of at least 2 ratios above 0 summing to 1");
    break;
  case V_MATRIX:
    r = g_strdup("a square matrix of duration distributions: entries separated by ',', "
                 "rows by ';'");
    break;
  case V_GLOBS: r = g_strdup("a comma-separated list of glob patterns"); break;
  case V_EXPECT: r = g_strdup("METRIC[.STAT] OP NUMBER"); break;
  case V_SWEEP: r = g_strdup("a list of values, or range(lo, hi, step)"); break;
  case V_OVERRIDES:
    r = g_strdup("a ';'-separated list of group.key=value overrides");
    break;
  }
  g_free(list);
  return r;
}

/* Short name of a value type for the reference's "form" column. */
static char *
vtype_form(vtype t)
{
  const kw *kws = vtype_keywords(t);
  if (kws) {
    GString *s = g_string_new(t == V_FEATURES || t == V_ROLES ? "list of " : "");
    for (const kw *k = kws; k->name; k++)
      g_string_append_printf(s, "%s`%s`", k == kws ? "" : ", ", k->name);
    return g_string_free(s, FALSE);
  }
  switch (t) {
  case V_TEXT: return g_strdup("text");
  case V_SEED: return g_strdup("integer");
  case V_DURATION: return g_strdup("duration");
  case V_SIZE32: return g_strdup("size");
  case V_BANDWIDTH: return g_strdup("bandwidth");
  case V_RATIO: return g_strdup("ratio");
  case V_U8: return g_strdup("integer 0-255");
  case V_U16: return g_strdup("integer 0-65535");
  case V_U32: return g_strdup("count");
  case V_DIST: return g_strdup("distribution of durations");
  case V_VERSION: return g_strdup("major.minor");
  case V_NAME: return g_strdup("name");
  case V_NAMES: return g_strdup("list of names");
  case V_WEIGHTS: return g_strdup("list of numbers");
  case V_FRACTIONS: return g_strdup("list of ratios");
  case V_MATRIX: return g_strdup("matrix of distributions");
  case V_GLOBS: return g_strdup("list of globs");
  case V_EXPECT: return g_strdup("expectation");
  case V_SWEEP: return g_strdup("list of values");
  case V_OVERRIDES: return g_strdup("list of overrides");
  case V_U64: return g_strdup("integer");
  case V_KEY: return g_strdup("`random`, `victim` or 64 hex digits");
  case V_FACTOR: return g_strdup("number >= 1");
  case V_I32: return g_strdup("signed integer");
  case V_TOPICS: return g_strdup("list of topics");
  default: break;
  }
  g_assert_not_reached();
  return NULL;
}

/* ----------------------------------------------------------- value parse */

/* A parsed value.  Which members are set depends on the type. */
typedef struct pval {
  uint64_t u;          /* integers, ns, bytes, bit/s, keyword value or mask, version major<<8|minor */
  double d;            /* ratio */
  sim_dist dist;       /* distribution (ns) */
  char **strv;         /* names, globs (owned) */
  double *nums;        /* weights or fractions (owned) */
  sim_dist *matrix;    /* rows*rows entries (owned) */
  uint32_t n;          /* entries of nums / rows of matrix / names */
  uint8_t key[PL_ID_BYTES]; /* V_KEY: the key when u = 1 */
} pval;

static void
pval_clear(pval *v)
{
  g_strfreev(v->strv);
  g_free(v->nums);
  g_free(v->matrix);
  memset(v, 0, sizeof *v);
}

/* Append ", did you mean 'x'?" to an expectation text. */
static char *
with_hint(char *expected, const char *hint)
{
  if (!hint)
    return expected;
  char *r = g_strdup_printf("%s; did you mean '%s'?", expected, hint);
  g_free(expected);
  return r;
}

static bool
parse_list_of_keywords(const kw *table, const char *text, bool allow_none, uint64_t *mask,
                       const char **hint)
{
  char **parts = split_top(text, ',');
  bool ok = parts != NULL;
  *mask = 0;
  if (ok && !parts[0])
    ok = allow_none;
  if (ok && allow_none && parts[0] && !parts[1] && strcmp(parts[0], "none") == 0) {
    g_strfreev(parts);
    return true;
  }
  for (size_t i = 0; ok && parts[i]; i++) {
    unsigned v;
    if (!kw_lookup(table, parts[i], &v, hint))
      ok = false;
    else
      *mask |= v;
  }
  g_strfreev(parts);
  return ok;
}

static bool is_dotted_name(const char *s);

/*
 * Parse |text| as type |t| (with |flags| F_POSITIVE) into |out| (zeroed
 * first; free with pval_clear).  On failure returns false, leaves |out|
 * empty and sets *|expected| to a newly allocated description.
 */
static bool
parse_value(vtype t, unsigned flags, const char *text, pval *out, char **expected)
{
  memset(out, 0, sizeof *out);
  const char *hint = NULL;
  const char *dist_why = NULL;
  bool ok = false;
  bool pos = (flags & F_POSITIVE) != 0;
  char *extra = NULL; /* a specific reason, replaces the generic description */

  switch (t) {
  case V_TEXT:
    ok = true;
    break;
  case V_SEED:
    ok = parse_seed(text, &out->u);
    break;
  case V_DURATION:
    ok = sim_units_parse_u64(text, SIM_UNIT_DURATION, &out->u) && (!pos || out->u > 0) &&
         (!(flags & F_TICK) || out->u == 0 || out->u >= TICK_MIN_NS);
    break;
  case V_SIZE32:
    ok = sim_units_parse_u64(text, SIM_UNIT_SIZE, &out->u) && out->u <= UINT32_MAX;
    break;
  case V_BANDWIDTH:
    ok = sim_units_parse_u64(text, SIM_UNIT_BANDWIDTH, &out->u);
    break;
  case V_RATIO:
    ok = sim_units_parse(text, SIM_UNIT_RATIO, &out->d) && out->d >= 0.0 && out->d <= 1.0;
    break;
  case V_U8:
  case V_U16:
  case V_U32: {
    uint64_t max = t == V_U8 ? UINT8_MAX : t == V_U16 ? UINT16_MAX : UINT32_MAX;
    ok = sim_units_parse_u64(text, SIM_UNIT_COUNT, &out->u) && out->u <= max &&
         (!pos || out->u > 0);
    break;
  }
  case V_DIST:
    ok = sim_dist_parse(text, SIM_UNIT_DURATION, &out->dist, &dist_why);
    if (ok && (flags & F_TICK) && sim_dist_mean(&out->dist) < (double)TICK_MIN_NS) {
      ok = false;
      dist_why = "a distribution of durations with a mean of at least 1ms";
    }
    break;
  case V_VERSION: {
    char **parts = g_strsplit(text, ".", -1);
    guint64 major, minor;
    ok = g_strv_length(parts) == 2 &&
         g_ascii_string_to_unsigned(parts[0], 10, 0, 255, &major, NULL) &&
         g_ascii_string_to_unsigned(parts[1], 10, 0, 255, &minor, NULL) &&
         (!(flags & F_NONZERO_MAJOR) || major >= 1);
    if (ok)
      out->u = major << 8 | minor;
    g_strfreev(parts);
    break;
  }
  case V_FEATURES:
    ok = parse_list_of_keywords(kw_feature, text, true, &out->u, &hint);
    break;
  case V_ROLES:
    ok = parse_list_of_keywords(kw_role, text, false, &out->u, &hint);
    break;
  case V_EVICTION:
  case V_BEHAVIOUR:
  case V_ACTION:
  case V_COMMAND:
  case V_KAD_MODE:
  case V_KAD_BOOT:
  case V_GRIND:
  case V_GOSSIP_MODE:
  case V_RUMOR_STOP:
  case V_RUMOR_CONTACT:
  case V_BOOL: {
    unsigned v = 0;
    ok = kw_lookup(vtype_keywords(t), text, &v, &hint);
    out->u = v;
    break;
  }
  case V_I32: {
    gint64 i;
    ok = g_ascii_string_to_signed(text, 10, INT32_MIN, INT32_MAX, &i, NULL);
    out->u = (uint64_t)i;
    break;
  }
  case V_TOPICS: {
    char **parts = split_top(text, ',');
    uint32_t n = parts ? g_strv_length(parts) : 0;
    ok = parts != NULL && n > 0;
    if (ok && n == 1 && strcmp(parts[0], "none") == 0)
      n = 0;
    if (ok && n > MAX_TOPICS) {
      ok = false;
      extra = g_strdup_printf("at most %u topics (found %u)", MAX_TOPICS, n);
    }
    out->nums = g_new0(double, n ? n : 1);
    for (uint32_t i = 0; ok && i < n; i++) {
      guint64 u;
      ok = g_ascii_string_to_unsigned(parts[i], 10, 0, UINT32_MAX, &u, NULL);
      out->nums[i] = (double)u;
      for (uint32_t j = 0; ok && j < i; j++)
        if (out->nums[j] == out->nums[i]) {
          ok = false;
          extra = g_strdup_printf("distinct topics (%s appears twice)", parts[i]);
        }
    }
    out->n = n;
    g_strfreev(parts);
    break;
  }
  case V_NAME:
    ok = is_name(text);
    break;
  case V_NAMES: {
    char **parts = split_top(text, ',');
    ok = parts != NULL;
    for (size_t i = 0; ok && parts[i]; i++) {
      if (!is_name(parts[i]))
        ok = false;
      for (size_t j = 0; ok && j < i; j++)
        if (strcmp(parts[i], parts[j]) == 0) {
          ok = false;
          extra = g_strdup_printf("distinct names ('%s' appears twice)", parts[i]);
        }
    }
    if (ok && g_strv_length(parts) > MAX_REGIONS) {
      ok = false;
      extra = g_strdup_printf("at most %u names", MAX_REGIONS);
    }
    if (ok) {
      out->n = g_strv_length(parts);
      out->strv = parts;
    } else {
      g_strfreev(parts);
    }
    break;
  }
  case V_WEIGHTS:
  case V_FRACTIONS: {
    char **parts = split_top(text, ',');
    uint32_t n = parts ? g_strv_length(parts) : 0;
    double sum = 0.0;
    ok = parts != NULL && n > 0;
    out->nums = g_new0(double, n ? n : 1);
    for (uint32_t i = 0; ok && i < n; i++) {
      if (t == V_WEIGHTS)
        ok = sim_units_parse(parts[i], SIM_UNIT_NONE, &out->nums[i]) && out->nums[i] >= 0.0;
      else
        ok = sim_units_parse(parts[i], SIM_UNIT_RATIO, &out->nums[i]) &&
             out->nums[i] >= 0.0 && out->nums[i] <= 1.0;
      if (ok && t == V_FRACTIONS && out->nums[i] == 0.0) {
        ok = false;
        extra = g_strdup_printf("at least 2 ratios above 0 summing to 1 (group %u is '%s', a "
                                "group of no nodes)", i + 1, parts[i]);
      }
      sum += ok ? out->nums[i] : 0.0;
    }
    if (ok && t == V_WEIGHTS && !(sum > 0.0))
      ok = false;
    if (ok && t == V_FRACTIONS && (n < 2 || fabs(sum - 1.0) > FRACTIONS_EPSILON)) {
      ok = false;
      extra = g_strdup_printf("at least 2 ratios summing to 1 (found %u summing to %.12g)",
                              n, sum);
    }
    g_strfreev(parts);
    out->n = n;
    break;
  }
  case V_MATRIX: {
    char **rows = split_top(text, ';');
    uint32_t n = rows ? g_strv_length(rows) : 0;
    if (n > 0 && rows[n - 1][0] == '\0')
      n--; /* a trailing ';' */
    ok = rows != NULL && n > 0 && n <= MAX_REGIONS;
    out->matrix = g_new0(sim_dist, ok ? (size_t)n * n : 1);
    for (uint32_t r = 0; ok && r < n; r++) {
      char **cols = split_top(rows[r], ',');
      uint32_t m = cols ? g_strv_length(cols) : 0;
      if (m != n) {
        ok = false;
        extra = g_strdup_printf("a square matrix of duration distributions, entries "
                                "separated by ',', rows by ';' (row %u has %u entries, "
                                "there are %u rows)", r + 1, m, n);
      }
      for (uint32_t c = 0; ok && c < m; c++) {
        if (!sim_dist_parse(cols[c], SIM_UNIT_DURATION, &out->matrix[(size_t)r * n + c],
                            &dist_why)) {
          ok = false;
          extra = g_strdup_printf("in row %u, entry %u ('%s'): %s", r + 1, c + 1, cols[c],
                                  dist_why);
        }
      }
      g_strfreev(cols);
    }
    g_strfreev(rows);
    out->n = n;
    break;
  }
  case V_GLOBS: {
    char **parts = split_top(text, ',');
    ok = parts != NULL;
    for (size_t i = 0; ok && parts[i]; i++)
      if (!parts[i][0])
        ok = false;
    if (ok)
      out->strv = parts;
    else
      g_strfreev(parts);
    break;
  }
  case V_OVERRIDES: {
    /* syntax only here; build_check resolves each key */
    char **parts = split_top(text, ';');
    ok = parts != NULL;
    for (size_t i = 0; ok && parts[i]; i++) {
      const char *eq = strchr(parts[i], '=');
      char *lhs = eq ? g_strstrip(g_strndup(parts[i], (size_t)(eq - parts[i]))) : NULL;
      ok = lhs && strchr(lhs, '.') && is_dotted_name(lhs);
      if (!ok)
        extra = g_strdup_printf("a ';'-separated list of group.key=value overrides "
                                "('%s' is not group.key=value)", parts[i]);
      g_free(lhs);
    }
    if (ok)
      out->strv = parts;
    else
      g_strfreev(parts);
    break;
  }
  case V_U64: {
    ok = sim_units_parse_u64(text, SIM_UNIT_COUNT, &out->u) && (!pos || out->u > 0);
    break;
  }
  case V_KEY: {
    /* out->u = 0: random; 1: the key in out->key; 2: victim. */
    if (strcmp(text, "random") == 0) {
      ok = true;
      break;
    }
    if (strcmp(text, "victim") == 0) {
      ok = true;
      out->u = 2;
      break;
    }
    ok = strlen(text) == 2 * PL_ID_BYTES;
    for (size_t i = 0; ok && i < PL_ID_BYTES; i++) {
      int hi = g_ascii_xdigit_value(text[2 * i]), lo = g_ascii_xdigit_value(text[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      out->key[i] = (uint8_t)(hi << 4 | lo);
    }
    out->u = 1;
    break;
  }
  case V_FACTOR:
    ok = sim_units_parse(text, SIM_UNIT_NONE, &out->d) && out->d >= 1.0 && out->d < 1e9;
    break;
  case V_EXPECT:
  case V_SWEEP:
    g_assert_not_reached();
    break;
  }

  if (ok)
    return true;
  pval_clear(out);
  if (extra)
    *expected = extra;
  else if (t == V_DIST && dist_why)
    *expected = g_strdup(dist_why);
  else
    *expected = with_hint(vtype_expected(t, flags), hint);
  return false;
}

/* ------------------------------------------------------------ the schema */

/* Schema group pattern of the concrete group name |group|, or NULL. */
static const char *
group_pattern(const char *group)
{
  for (size_t i = 0; fixed_groups[i]; i++)
    if (strcmp(group, fixed_groups[i]) == 0)
      return fixed_groups[i];
  if (g_str_has_prefix(group, "population.") && is_name(group + strlen("population.")))
    return "population.*";
  if (g_str_has_prefix(group, "event.") && is_name(group + strlen("event.")))
    return "event.*";
  return NULL;
}

/* Schema entry of |key| in group pattern |pattern|, or NULL. */
static const skey *
find_key(const char *pattern, const char *key)
{
  const skey *any = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(schema); i++) {
    if (strcmp(schema[i].group, pattern) != 0)
      continue;
    if (strcmp(schema[i].key, key) == 0)
      return &schema[i];
    if (strcmp(schema[i].key, "*") == 0)
      any = &schema[i];
  }
  return any;
}

/* Whether event key |k| belongs to |action| and, for a command, to
 * |command| (-1: not known yet, so to any). */
static bool
key_belongs(const skey *k, int action, int command)
{
  if (!k->actions)
    return true;
  if (action < 0 || !(k->actions & (UINT64_C(1) << action)))
    return false;
  return action != SIM_ACTION_COMMAND || command < 0 || !(k->actions & CMD_BITS) ||
         (k->actions & CMD_BIT(command));
}

/* Key names of |pattern| (belonging to |action| and |command| if >= 0, as
 * key_belongs), NULL-terminated in a new array of static strings. */
static const char **
key_names(const char *pattern, int action, int command, size_t *n_out)
{
  const char **names = g_new0(const char *, G_N_ELEMENTS(schema) + 1);
  size_t n = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(schema); i++) {
    const skey *k = &schema[i];
    if (strcmp(k->group, pattern) != 0 || strcmp(k->key, "*") == 0)
      continue;
    if (action >= 0 && !key_belongs(k, action, command))
      continue;
    names[n++] = k->key;
  }
  *n_out = n;
  return names;
}

/* Names of the commands whose CMD() bits are in |mask|, in kw_command
 * order, NULL-terminated in a new array of static strings. */
static const char **
command_names(uint64_t mask, size_t *n_out)
{
  const char **names = g_new0(const char *, G_N_ELEMENTS(kw_command));
  size_t n = 0;
  for (const kw *c = kw_command; c->name; c++)
    if (mask & CMD_BIT(c->value))
      names[n++] = c->name;
  *n_out = n;
  return names;
}

static char *
join_names(const char **names, size_t n)
{
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < n; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", names[i]);
  return g_string_free(s, FALSE);
}

/* --------------------------------------------------------------- loading */

typedef struct origin {
  char *group;  /* group set by an override */
  char *key;    /* key set by it */
  char *text;   /* the override as given */
} origin;

typedef struct ctx {
  const char *path;      /* display name */
  GKeyFile *kf;          /* the key file (after overrides) */
  GArray *origins;       /* of origin */
  GError **error;        /* where the first error goes */
  bool failed;           /* an error was set */
  sim_scenario *s;       /* being built */
} ctx;

static const char *
origin_of(const ctx *c, const char *group, const char *key)
{
  if (!group || !key)
    return NULL;
  for (guint i = c->origins->len; i-- > 0;) {
    const origin *o = &g_array_index(c->origins, origin, i);
    if (strcmp(o->group, group) == 0 && strcmp(o->key, key) == 0)
      return o->text;
  }
  return NULL;
}

/*
 * Set the error "PATH: [group] key: MESSAGE" (or "PATH: [group] MESSAGE"
 * without a key, "PATH: MESSAGE" without a group), noting the --set
 * argument that gave the value if any.  Always returns false.
 */
G_GNUC_PRINTF(5, 6) static bool
fail(ctx *c, int code, const char *group, const char *key, const char *fmt, ...)
{
  g_assert(!c->failed);
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  GString *s = g_string_new(c->path);
  g_string_append(s, ": ");
  if (group)
    g_string_append_printf(s, "[%s] ", group);
  if (key)
    g_string_append_printf(s, "%s: ", key);
  g_string_append(s, msg);
  const char *o = origin_of(c, group, key);
  if (o)
    g_string_append_printf(s, " (set by --set '%s')", o);
  g_set_error_literal(c->error, SIM_SCENARIO_ERROR, code, s->str);
  g_string_free(s, TRUE);
  g_free(msg);
  c->failed = true;
  return false;
}

static bool
fail_value(ctx *c, const char *group, const char *key, const char *text, const char *expected)
{
  return fail(c, SIM_SCENARIO_ERROR_VALUE, group, key, "found '%s', expected %s", text,
              expected);
}

static bool
fail_missing(ctx *c, const char *group, const skey *k)
{
  char *exp = vtype_expected(k->type, k->flags);
  fail(c, SIM_SCENARIO_ERROR_MISSING, group, k->key, "missing, expected %s", exp);
  g_free(exp);
  return false;
}

static bool
fail_unknown_key(ctx *c, const char *group, const char *pattern, const char *key)
{
  size_t n;
  const char **names = key_names(pattern, -1, -1, &n);
  const char *hint = suggest(key, names, n);
  if (hint) {
    fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, NULL, "unknown key '%s', did you mean '%s'?",
         key, hint);
  } else {
    char *all = join_names(names, n);
    fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, NULL, "unknown key '%s' (known keys: %s)",
         key, all);
    g_free(all);
  }
  g_free(names);
  return false;
}

/* Candidate group names for a suggestion about the unknown |group|. */
static bool
fail_unknown_group(ctx *c, const char *group)
{
  const char *cands[16];
  size_t n = 0;
  char *pop = NULL, *ev = NULL;
  for (size_t i = 0; fixed_groups[i]; i++)
    cands[n++] = fixed_groups[i];
  const char *dot = strchr(group, '.');
  if (dot && is_name(dot + 1)) {
    pop = g_strconcat("population", dot, NULL);
    ev = g_strconcat("event", dot, NULL);
    cands[n++] = pop;
    cands[n++] = ev;
  }
  const char *hint = suggest(group, cands, n);
  if (hint) {
    fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, NULL, "unknown group, did you mean [%s]?", hint);
  } else if (g_str_has_prefix(group, "population.") || g_str_has_prefix(group, "event.")) {
    fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, NULL,
         "unknown group: the name after the dot must be one segment of letters, digits, "
         "'-' and '_'");
  } else {
    char *known = group_list(NULL);
    fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, NULL, "unknown group (known groups: %s)", known);
    g_free(known);
  }
  g_free(pop);
  g_free(ev);
  return false;
}

/* Value of |group|/|key| as text (newly allocated), or NULL if absent.
 * Invalid escapes or UTF-8 fail with an error (and *|bad| set). */
static char *
get_text(ctx *c, const char *group, const char *key, bool *bad)
{
  *bad = false;
  if (!g_key_file_has_key(c->kf, group, key, NULL))
    return NULL;
  GError *e = NULL;
  char *text = g_key_file_get_string(c->kf, group, key, &e);
  if (!text) {
    char *bytes = g_key_file_get_value(c->kf, group, key, NULL);
    char *raw = bytes ? g_utf8_make_valid(bytes, -1) : NULL;
    g_free(bytes);
    fail(c, SIM_SCENARIO_ERROR_VALUE, group, key, "found '%s', expected UTF-8 text "
         "without invalid escapes (%s)", raw ? raw : "", e->message);
    g_free(raw);
    g_error_free(e);
    *bad = true;
    return NULL;
  }
  return g_strstrip(text);
}

/* The value of keyword |key| (of type |type|: the action or the command)
 * of event |group| if present and valid: >= 0; -1 if absent; -2 after an
 * error. */
static int
event_keyword(ctx *c, const char *group, const char *key, vtype type)
{
  bool bad;
  char *text = get_text(c, group, key, &bad);
  if (bad)
    return -2;
  if (!text)
    return -1;
  pval v;
  char *exp = NULL;
  int r;
  if (parse_value(type, 0, text, &v, &exp)) {
    r = (int)v.u;
  } else {
    fail_value(c, group, key, text, exp);
    r = -2;
  }
  g_free(exp);
  g_free(text);
  return r;
}

/* Whether event |group| (already checked) lacks key |k|: NULL if |k|
 * belongs to its action and command, else "action" or "command". */
static const char *
event_lacks(ctx *c, const char *group, const skey *k)
{
  int action = event_keyword(c, group, "action", V_ACTION);
  if (!key_belongs(k, action, -1))
    return "action";
  int command = action == SIM_ACTION_COMMAND ? event_keyword(c, group, "command", V_COMMAND) : -1;
  return key_belongs(k, action, command) ? NULL : "command";
}

/* Step 3 for one group: known keys with well-formed values, required keys present. */
static bool
check_group(ctx *c, const char *group)
{
  const char *pattern = group_pattern(group);
  if (!pattern)
    return fail_unknown_group(c, group);
  bool is_event = strcmp(pattern, "event.*") == 0;
  if (strcmp(pattern, "population.*") == 0 &&
      strcmp(group + strlen("population."), TARGET_ALL) == 0)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, NULL,
                "the name '" TARGET_ALL "' is reserved: an event's target = " TARGET_ALL
                " means every node, so it cannot also name a population; choose another name");
  int action = -1, command = -1;
  if (is_event) {
    action = event_keyword(c, group, "action", V_ACTION);
    if (action == -2)
      return false;
    if (action == SIM_ACTION_COMMAND)
      command = event_keyword(c, group, "command", V_COMMAND);
    if (command == -2)
      return false;
  }

  gsize n_keys = 0;
  char **keys = g_key_file_get_keys(c->kf, group, &n_keys, NULL);
  bool ok = true;
  for (gsize i = 0; ok && i < n_keys; i++) {
    const char *key = keys[i];
    const skey *k = find_key(pattern, key);
    if (!k) {
      ok = fail_unknown_key(c, group, pattern, key);
      break;
    }
    if (is_event && action >= 0 && !key_belongs(k, action, -1)) {
      size_t n;
      const char **names = key_names(pattern, action, -1, &n);
      char *all = join_names(names, n);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, key,
                "not a key of action '%s' (keys of %s: %s)", kw_name(kw_action, (unsigned)action),
                kw_name(kw_action, (unsigned)action), all);
      g_free(all);
      g_free(names);
      break;
    }
    if (is_event && command >= 0 && !key_belongs(k, action, command)) {
      size_t n, n_cmds;
      const char **names = key_names(pattern, action, command, &n);
      const char **cmds = command_names(k->actions, &n_cmds);
      char *all = join_names(names, n);
      char *users = join_names(cmds, n_cmds);
      const char *name = kw_name(kw_command, (unsigned)command);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, key,
                "not a key of command '%s', only of %s (keys of %s: %s)", name, users, name,
                all);
      g_free(users);
      g_free(all);
      g_free(cmds);
      g_free(names);
      break;
    }
    bool bad;
    char *text = get_text(c, group, key, &bad);
    if (bad) {
      ok = false;
      break;
    }
    if (k->type == V_EXPECT) {
      sim_expect e;
      const char *why = NULL;
      if (!sim_expect_parse(key, text, &e, &why))
        ok = fail_value(c, group, key, text, why);
      else
        sim_expect_clear(&e);
    } else if (k->type != V_SWEEP) {
      pval v;
      char *exp = NULL;
      if (!parse_value(k->type, k->flags, text, &v, &exp))
        ok = fail_value(c, group, key, text, exp);
      pval_clear(&v);
      g_free(exp);
    }
    g_free(text);
  }
  g_strfreev(keys);
  if (!ok)
    return false;

  for (size_t i = 0; i < G_N_ELEMENTS(schema); i++) {
    const skey *k = &schema[i];
    if (strcmp(k->group, pattern) != 0 || !(k->flags & F_REQUIRED))
      continue;
    if (is_event && !key_belongs(k, action, command))
      continue;
    if (!g_key_file_has_key(c->kf, group, k->key, NULL))
      return fail_missing(c, group, k);
  }
  return true;
}

/*
 * Value of |key| in |group| (pattern |pattern|), parsed: the file's value
 * if present (already checked by check_group), else the schema default.
 * Returns true if the key is present in the file.  Without either, |out|
 * is zeroed.
 */
static bool
get_val(ctx *c, const char *group, const char *pattern, const char *key, pval *out)
{
  const skey *k = find_key(pattern, key);
  g_assert(k && k->type != V_EXPECT && k->type != V_SWEEP);
  bool bad;
  char *text = get_text(c, group, key, &bad);
  g_assert(!bad); /* checked in step 3 */
  const char *src = text ? text : k->def;
  memset(out, 0, sizeof *out);
  if (src) {
    char *exp = NULL;
    bool ok = parse_value(k->type, k->flags, src, out, &exp);
    if (!ok)
      g_error("scenario schema: value '%s' of [%s] %s does not parse: %s", src, group, key, exp);
  }
  g_free(text);
  return text != NULL;
}

static bool
has(ctx *c, const char *group, const char *key)
{
  return g_key_file_has_key(c->kf, group, key, NULL);
}

/* Store a parsed value of |k| into the pl_config field it names. */
static void
store_cfg(const skey *k, const pval *v, pl_config *cfg)
{
  g_assert(k->cfg_off >= 0);
  char *base = (char *)cfg + k->cfg_off;
  switch (k->type) {
  case V_VERSION:
    cfg->version_major = (uint8_t)(v->u >> 8);
    cfg->version_minor = (uint8_t)(v->u & 0xff);
    break;
  case V_U8: *(uint8_t *)base = (uint8_t)v->u; break;
  case V_U16: *(uint16_t *)base = (uint16_t)v->u; break;
  case V_FEATURES: *(uint32_t *)base = (uint32_t)v->u; break;
  case V_DURATION: *(pl_time_ns *)base = v->u; break;
  case V_EVICTION: *(pl_eviction *)base = (pl_eviction)v->u; break;
  case V_KAD_MODE: *(pl_kad_mode *)base = (pl_kad_mode)v->u; break;
  case V_KAD_BOOT: *(uint8_t *)base = (uint8_t)v->u; break;
  case V_U64: *(uint64_t *)base = v->u; break;
  case V_U32: *(uint32_t *)base = (uint32_t)v->u; break;
  case V_I32: *(int32_t *)base = (int32_t)(int64_t)v->u; break;
  case V_GOSSIP_MODE: *(pl_gossip_mode *)base = (pl_gossip_mode)v->u; break;
  case V_RUMOR_STOP:
  case V_RUMOR_CONTACT:
  case V_BOOL: *(uint8_t *)base = (uint8_t)v->u; break;
  default: g_assert_not_reached();
  }
}

/* Apply every pl_config key of |pattern| present in |group| to |cfg|. */
static void
apply_cfg(ctx *c, const char *group, const char *pattern, pl_config *cfg)
{
  for (size_t i = 0; i < G_N_ELEMENTS(schema); i++) {
    const skey *k = &schema[i];
    if (strcmp(k->group, pattern) != 0 || k->cfg_off < 0 || !has(c, group, k->key))
      continue;
    pval v;
    get_val(c, group, pattern, k->key, &v);
    store_cfg(k, &v, cfg);
    pval_clear(&v);
  }
}

/* Cross-key checks of a protocol configuration set in |group|. */
static bool
check_cfg(ctx *c, const char *group, const pl_config *cfg)
{
  if (cfg->version_minor_min > cfg->version_minor)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, "min_minor",
                "found '%u', expected at most the minor version of 'version' (%u.%u)",
                cfg->version_minor_min, cfg->version_major, cfg->version_minor);
  if (cfg->max_peers < 1 || cfg->max_peers > PL_PEER_SLOTS_MAX)
    return fail(c, SIM_SCENARIO_ERROR_VALUE, group, "max_peers",
                "found '%u', expected 1 to %u", cfg->max_peers, PL_PEER_SLOTS_MAX);
  if (cfg->target_peers > cfg->max_peers)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, "target_peers",
                "found '%u', expected at most 'max_peers' (%u)", cfg->target_peers,
                cfg->max_peers);
  const pl_kad_config *kc = &cfg->kad;
  static const struct { const char *key; size_t off; unsigned max; } limits[] = {
    { "k", offsetof(pl_kad_config, k), PL_KAD_K_MAX },
    { "bucket_size", offsetof(pl_kad_config, bucket_size), PL_KAD_K_MAX },
    { "alpha", offsetof(pl_kad_config, alpha), PL_KAD_ALPHA_MAX },
    { "b", offsetof(pl_kad_config, b), PL_KAD_B_MAX },
    { "d", offsetof(pl_kad_config, d), PL_KAD_D_MAX },
    { "sibling_size", offsetof(pl_kad_config, sibling_size), PL_KAD_SIBLINGS_MAX },
    { "id_puzzle_bits", offsetof(pl_kad_config, id_puzzle_bits), PL_IDCOST_BITS_MAX },
  };
  const char *kgroup = strcmp(group, "protocol.peer") == 0 ? "protocol.kad" : group;
  for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
    unsigned v = *((const uint8_t *)kc + limits[i].off);
    if (v > limits[i].max)
      return fail(c, SIM_SCENARIO_ERROR_VALUE, kgroup, limits[i].key,
                  "found '%u', expected at most %u", v, limits[i].max);
  }
  if (kc->cap_reannounce_ns >= kc->cap_ttl_ns)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, kgroup, "cap_reannounce",
                "found a period of at least 'cap_ttl', expected less, so ads are renewed "
                "before they expire");
  return true;
}

/* Cross-key checks of a gossip configuration set in |group|. */
static bool
check_gossip_cfg(ctx *c, const char *group, const pl_gossip_config *g)
{
  if (g->score_mesh_share > 100)
    return fail(c, SIM_SCENARIO_ERROR_VALUE, group, "score_mesh_share",
                "found '%u', expected a percentage from 0 to 100", g->score_mesh_share);
  if (g->mesh_d_low > g->mesh_d)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, "mesh_d_low",
                "found '%u', expected at most 'mesh_d' (%u)", g->mesh_d_low, g->mesh_d);
  if (g->mesh_d_high < g->mesh_d)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, "mesh_d_high",
                "found '%u', expected at least 'mesh_d' (%u)", g->mesh_d_high, g->mesh_d);
  if (g->mcache_gossip > g->mcache_len)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, "mcache_gossip",
                "found '%u', expected at most 'mcache_len' (%u)", g->mcache_gossip,
                g->mcache_len);
  if (g->store_ttl_ns > g->seen_ttl_ns)
    return fail(c, SIM_SCENARIO_ERROR_CONFLICT, group, "store_ttl",
                "found %.3fs, expected at most 'seen_ttl' (%.3fs)",
                (double)g->store_ttl_ns / 1e9, (double)g->seen_ttl_ns / 1e9);
  if (g->max_payload_bytes > PL_GOSSIP_PAYLOAD_MAX)
    return fail(c, SIM_SCENARIO_ERROR_VALUE, group, "max_payload",
                "found '%u', expected at most %u bytes", g->max_payload_bytes,
                PL_GOSSIP_PAYLOAD_MAX);
  if (g->max_topics > MAX_TOPICS)
    return fail(c, SIM_SCENARIO_ERROR_VALUE, group, "max_topics",
                "found '%u', expected at most %u", g->max_topics, MAX_TOPICS);
  return true;
}

/* The topics of a parsed V_TOPICS value, newly allocated (never NULL). */
static uint32_t *
topics_of(const pval *v, uint32_t *n)
{
  uint32_t *t = g_new(uint32_t, v->n ? v->n : 1);
  for (uint32_t i = 0; i < v->n; i++)
    t[i] = (uint32_t)v->nums[i];
  *n = v->n;
  return t;
}

/* ---------------------------------------------------------- build steps */

static char *
default_name(const char *path)
{
  char *base = g_path_get_basename(path);
  if (g_str_has_suffix(base, ".ini") && strlen(base) > 4)
    base[strlen(base) - 4] = '\0';
  return base;
}

static bool
build_run(ctx *c)
{
  sim_scenario *s = c->s;
  pval v;
  bool bad;
  s->name = get_text(c, "run", "name", &bad);
  if (!s->name)
    s->name = default_name(c->path);
  s->description = get_text(c, "run", "description", &bad);
  get_val(c, "run", "run", "seed", &v);
  s->seed = v.u;
  get_val(c, "run", "run", "duration", &v);
  s->duration_ns = v.u;
  get_val(c, "run", "run", "sample_interval", &v);
  s->sample_interval_ns = v.u;
  return true;
}

static bool
build_network(ctx *c)
{
  sim_scenario *s = c->s;
  const char *g = "network";
  pval v;
  get_val(c, g, g, "latency", &v);
  s->net.latency = v.dist;
  get_val(c, g, g, "jitter", &v);
  s->net.jitter = v.dist;
  get_val(c, g, g, "loss", &v);
  s->net.loss = v.d;
  get_val(c, g, g, "upload", &v);
  s->net_defaults.up_bps = v.u;
  get_val(c, g, g, "download", &v);
  s->net_defaults.down_bps = v.u;
  get_val(c, g, g, "header_bytes", &v);
  s->net.header_bytes = (uint32_t)v.u;
  get_val(c, g, g, "nat_share", &v);
  s->nat_share = v.d;
  get_val(c, g, g, "nat_timeout", &v);
  s->net.nat_timeout_ns = v.u;

  get_val(c, g, g, "regions", &v);
  uint32_t n = v.n;
  s->region_names = v.strv ? v.strv : g_new0(char *, 1);
  v.strv = NULL;
  if (n == 0) {
    if (has(c, g, "region_weights"))
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "region_weights",
                  "found weights, expected none without 'regions'");
    if (has(c, g, "region_latency"))
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "region_latency",
                  "found a matrix, expected none without 'regions'");
    return true;
  }

  s->region_weights = g_new0(double, n);
  if (get_val(c, g, g, "region_weights", &v)) {
    if (v.n != n) {
      uint32_t found = v.n;
      pval_clear(&v);
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "region_weights",
                  "found %u weights, expected %u (one per region in 'regions')", found, n);
    }
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
      sum += v.nums[i];
    for (uint32_t i = 0; i < n; i++)
      s->region_weights[i] = v.nums[i] / sum;
    pval_clear(&v);
  } else {
    for (uint32_t i = 0; i < n; i++)
      s->region_weights[i] = 1.0 / n;
  }

  if (get_val(c, g, g, "region_latency", &v)) {
    if (v.n != n) {
      uint32_t rows = v.n;
      pval_clear(&v);
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "region_latency",
                  "found a %ux%u matrix, expected %ux%u (one row and column per region "
                  "in 'regions')", rows, rows, n, n);
    }
    s->region_latency = v.matrix;
    v.matrix = NULL;
    pval_clear(&v);
  } else {
    s->region_latency = g_new(sim_dist, (size_t)n * n);
    for (size_t i = 0; i < (size_t)n * n; i++)
      s->region_latency[i] = s->net.latency;
  }
  s->net.n_regions = n;
  s->net.region_latency = s->region_latency;
  return true;
}

static bool
build_protocol(ctx *c)
{
  sim_scenario *s = c->s;
  pval v;
  pl_config_defaults(&s->protocol);
  apply_cfg(c, "protocol.peer", "protocol.peer", &s->protocol);
  apply_cfg(c, "protocol.crypto", "protocol.crypto", &s->protocol);
  apply_cfg(c, "protocol.kad", "protocol.kad", &s->protocol);
  get_val(c, "protocol.peer", "protocol.peer", "bootstrap", &v);
  s->bootstrap_count = (uint32_t)v.u;
  get_val(c, "protocol.crypto", "protocol.crypto", "sigcache_capacity", &v);
  if (v.u > PL_SIGCACHE_CAPACITY_MAX)
    return fail(c, SIM_SCENARIO_ERROR_VALUE, "protocol.crypto", "sigcache_capacity",
                "found '%" PRIu64 "', expected at most %zu", v.u, PL_SIGCACHE_CAPACITY_MAX);
  s->sigcache_capacity = (uint32_t)v.u;
  apply_cfg(c, "protocol.gossip", "protocol.gossip", &s->protocol);
  get_val(c, "protocol.gossip", "protocol.gossip", "subscribe", &v);
  s->topics = topics_of(&v, &s->n_topics);
  pval_clear(&v);
  if (!check_cfg(c, "protocol.peer", &s->protocol))
    return false;
  return check_gossip_cfg(c, "protocol.gossip", &s->protocol.gossip);
}

static int
region_index(const sim_scenario *s, const char *name)
{
  for (uint32_t i = 0; i < s->net.n_regions; i++)
    if (strcmp(s->region_names[i], name) == 0)
      return (int)i;
  return -1;
}

static bool resolve_victims(ctx *c, char **group_names);

static bool
build_populations(ctx *c, char **group_names)
{
  sim_scenario *s = c->s;
  const char *pat = "population.*";
  uint32_t n = 0;
  for (size_t i = 0; group_names[i]; i++)
    if (g_strcmp0(group_pattern(group_names[i]), pat) == 0)
      n++;
  if (n == 0)
    return fail(c, SIM_SCENARIO_ERROR_MISSING, "population.NAME", "count",
                "missing, expected at least one [population.NAME] group with a count");
  s->populations = g_new0(sim_population, n);
  s->n_populations = n;
  uint64_t total = 0;
  uint32_t p = 0;
  for (size_t i = 0; group_names[i]; i++) {
    const char *g = group_names[i];
    if (g_strcmp0(group_pattern(g), pat) != 0)
      continue;
    sim_population *pop = &s->populations[p++];
    pval v;
    pop->name = g_strdup(g + strlen("population."));
    get_val(c, g, pat, "count", &v);
    pop->count = (uint32_t)v.u;
    pop->first = (uint32_t)total;
    total += pop->count;
    if (total >= UINT32_MAX)
      return fail(c, SIM_SCENARIO_ERROR_VALUE, g, "count",
                  "found '%u', expected the populations to total fewer than %u nodes",
                  pop->count, UINT32_MAX);
    get_val(c, g, pat, "role", &v);
    pop->roles = (uint32_t)v.u;
    get_val(c, g, pat, "behaviour", &v);
    pop->behaviour = (sim_behaviour)v.u;
    get_val(c, g, pat, "join_at", &v);
    pop->join_at = v.dist;

    pop->config = s->protocol;
    apply_cfg(c, g, pat, &pop->config);
    pop->config.roles = pop->roles;
    pop->config.bootstrap = NULL;
    pop->config.n_bootstrap = 0;
    if (!check_cfg(c, g, &pop->config))
      return false;

    pop->net = s->net_defaults;
    if (get_val(c, g, pat, "upload", &v))
      pop->net.up_bps = v.u;
    if (get_val(c, g, pat, "download", &v))
      pop->net.down_bps = v.u;
    pop->net.region = 0;
    pop->net.nat = false;
    pop->nat_share = s->nat_share;
    if (get_val(c, g, pat, "nat_share", &v))
      pop->nat_share = v.d;

    sim_kad_pop *kp = &pop->kad;
    get_val(c, g, pat, "stake", &v);
    kp->stake_mcc = v.u;
    get_val(c, g, pat, "prefixes", &v);
    kp->prefixes = (uint32_t)v.u;
    get_val(c, g, pat, "mint_budget", &v);
    kp->mint_budget_ns = v.u;
    get_val(c, g, pat, "stake_budget", &v);
    kp->stake_budget_mcc = v.u;
    get_val(c, g, pat, "grind", &v);
    kp->grind = (sim_grind)v.u;
    get_val(c, g, pat, "grind_bits", &v);
    kp->grind_bits = (uint8_t)v.u;
    if (kp->grind_bits > 24)
      return fail(c, SIM_SCENARIO_ERROR_VALUE, g, "grind_bits",
                  "found '%u', expected at most 24 (each ground id costs about 2^bits key "
                  "generations)", kp->grind_bits);
    if (get_val(c, g, pat, "grind_key", &v) && v.u == 2)
      return fail(c, SIM_SCENARIO_ERROR_VALUE, g, "grind_key",
                  "found 'victim', expected 64 hex digits (use 'grind = victim')");
    if (v.u)
      memcpy(kp->grind_key, v.key, PL_ID_BYTES);
    bool has_gkey = v.u != 0;
    if (kp->grind == SIM_GRIND_KEY && !has_gkey)
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "grind_key",
                  "missing, expected 64 hex digits with 'grind = key'");
    kp->victim = -1;
    get_val(c, g, pat, "task", &v);
    kp->task = (uint32_t)v.u;
    get_val(c, g, pat, "speed", &v);
    kp->speed = (uint32_t)v.u;
    get_val(c, g, pat, "price", &v);
    kp->price_mcc = v.u;
    get_val(c, g, pat, "claim_factor", &v);
    kp->claim_factor = v.d;
    if (get_val(c, g, pat, "subscribe", &v)) {
      pop->topics = topics_of(&v, &pop->n_topics);
      pval_clear(&v);
    } else {
      pop->n_topics = s->n_topics;
      pop->topics = g_new(uint32_t, s->n_topics ? s->n_topics : 1);
      memcpy(pop->topics, s->topics, sizeof(uint32_t) * s->n_topics);
    }
    get_val(c, g, pat, "attack_at", &v);
    pop->attack_at_ns = v.u;
    if (pop->attack_at_ns > s->duration_ns)
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "attack_at",
                  "found %.3fs, expected a time within the run ([run] duration)",
                  (double)pop->attack_at_ns / 1e9);
    get_val(c, g, pat, "copies", &v);
    pop->attack_copies = (uint16_t)v.u;
    get_val(c, g, pat, "links", &v);
    pop->attack_links = (uint16_t)v.u;
    pop->attack_victim = -1;

    pop->region = -1;
    bool bad;
    char *region = get_text(c, g, "region", &bad);
    if (region) {
      pop->region = region_index(s, region);
      if (pop->region < 0) {
        if (s->net.n_regions == 0) {
          fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "region",
               "found '%s', expected no region: [network] regions is not set", region);
        } else {
          char *all = join_names((const char **)s->region_names, s->net.n_regions);
          const char *hint = suggest(region, (const char *const *)s->region_names,
                                     s->net.n_regions);
          fail(c, SIM_SCENARIO_ERROR_VALUE, g, "region",
               "found '%s', expected one of the [network] regions: %s%s%s%s", region, all,
               hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
          g_free(all);
        }
        g_free(region);
        return false;
      }
      g_free(region);
    }
  }
  s->total_nodes = (uint32_t)total;
  if (total == 0) {
    char *g0 = g_strconcat("population.", s->populations[0].name, NULL);
    fail(c, SIM_SCENARIO_ERROR_VALUE, g0, "count",
         "found 0 nodes in every population, expected at least 1 node in all");
    g_free(g0);
    return false;
  }
  if (total >= PL_PEER_MAX / 2) {
    /* handles are 24 bits (pl.h); half are kept for identities learnt
     * during the run (Sybil keys, forged contacts) */
    char *g0 = g_strconcat("population.", s->populations[0].name, NULL);
    fail(c, SIM_SCENARIO_ERROR_VALUE, g0, "count",
         "found %" G_GUINT64_FORMAT " nodes in all populations, expected fewer than %u",
         (guint64)total, (unsigned)(PL_PEER_MAX / 2));
    g_free(g0);
    return false;
  }
  return resolve_victims(c, group_names);
}

/*
 * [population.X] victim names another population, anywhere in the file.
 * The Kademlia attacks read it (eclipse: whose buckets to fill; grind =
 * victim: whose id to grind near) and so does mesh-sybil (whose meshes to
 * crowd), which requires it.  Both views get the same index.
 */
static bool
resolve_victims(ctx *c, char **group_names)
{
  sim_scenario *s = c->s;
  uint32_t p = 0;
  for (size_t i = 0; group_names[i]; i++) {
    const char *g = group_names[i];
    if (g_strcmp0(group_pattern(g), "population.*") != 0)
      continue;
    sim_population *pop = &s->populations[p++];
    bool bad;
    char *victim = get_text(c, g, "victim", &bad);
    if (!victim) {
      if (pop->behaviour == SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL)
        return fail(c, SIM_SCENARIO_ERROR_MISSING, g, "victim",
                    "missing, expected the name of the population whose meshes the "
                    "mesh-sybil nodes crowd");
      continue;
    }
    for (uint32_t q = 0; q < s->n_populations; q++)
      if (strcmp(s->populations[q].name, victim) == 0)
        pop->kad.victim = (int)q;
    if (pop->kad.victim < 0 || pop->kad.victim == (int)(pop - s->populations)) {
      fail(c, SIM_SCENARIO_ERROR_VALUE, g, "victim",
           "found '%s', expected the name of another population", victim);
      g_free(victim);
      return false;
    }
    if (pop->behaviour != SIM_BEHAVIOUR_ECLIPSE && pop->behaviour != SIM_BEHAVIOUR_SYBIL &&
        pop->behaviour != SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL && pop->kad.grind != SIM_GRIND_VICTIM) {
      g_free(victim);
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "victim",
                  "found a victim, expected none: only behaviours eclipse, sybil and "
                  "mesh-sybil, and grind = victim, have victims");
    }
    pop->attack_victim = pop->kad.victim;
    if (pop->kad.grind == SIM_GRIND_VICTIM && s->populations[pop->kad.victim].count == 0) {
      fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "victim",
           "found '%s', an empty population, expected one with a node to grind near", victim);
      g_free(victim);
      return false;
    }
    g_free(victim);
  }
  for (uint32_t q = 0; q < s->n_populations; q++) {
    const sim_population *pop = &s->populations[q];
    if (pop->kad.grind == SIM_GRIND_VICTIM && pop->kad.victim < 0) {
      char *g = g_strconcat("population.", pop->name, NULL);
      fail(c, SIM_SCENARIO_ERROR_MISSING, g, "victim",
           "missing, expected the name of a population with 'grind = victim'");
      g_free(g);
      return false;
    }
  }
  return true;
}

/* Does a population event |x| targets (any, for all) run the layer its
 * command goes to? */
static bool
target_runs_command(const sim_scenario *s, const sim_event_spec *x)
{
  for (uint32_t p = 0; p < s->n_populations; p++)
    if ((x->target < 0 || x->target == (int)p) &&
        pl_config_runs_command(&s->populations[p].config, x->command))
      return true;
  return false;
}

/* Is there a node for an event's `key = victim` to stand for: a node of a
 * population that an eclipse population attacks, both running the
 * discovery layer (what sim/kad_host.c takes as victims)? */
static bool
has_eclipse_victim(const sim_scenario *s)
{
  for (uint32_t p = 0; p < s->n_populations; p++) {
    const sim_population *pop = &s->populations[p];
    if (pop->behaviour != SIM_BEHAVIOUR_ECLIPSE || pop->kad.victim < 0 ||
        pop->config.kad.mode == PL_KAD_OFF)
      continue;
    const sim_population *v = &s->populations[pop->kad.victim];
    if (v->count > 0 && v->config.kad.mode != PL_KAD_OFF)
      return true;
  }
  return false;
}

typedef struct event_order {
  uint64_t at_ns;  /* time */
  uint32_t index;  /* file order */
} event_order;

static int
cmp_event_order(const void *a, const void *b)
{
  const event_order *x = a, *y = b;
  if (x->at_ns != y->at_ns)
    return x->at_ns < y->at_ns ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static bool
build_events(ctx *c, char **group_names)
{
  sim_scenario *s = c->s;
  const char *pat = "event.*";
  uint32_t n = 0;
  for (size_t i = 0; group_names[i]; i++)
    if (g_strcmp0(group_pattern(group_names[i]), pat) == 0)
      n++;
  if (n == 0)
    return true;
  sim_event_spec *ev = g_new0(sim_event_spec, n);
  s->events = ev;
  s->n_events = n;
  uint32_t e = 0;
  for (size_t i = 0; group_names[i]; i++) {
    const char *g = group_names[i];
    if (g_strcmp0(group_pattern(g), pat) != 0)
      continue;
    sim_event_spec *x = &ev[e++];
    pval v;
    x->name = g_strdup(g + strlen("event."));
    get_val(c, g, pat, "action", &v);
    x->action = (sim_action)v.u;
    get_val(c, g, pat, "at", &v);
    x->at_ns = v.u;
    if (x->at_ns > s->duration_ns) {
      bool bad;
      char *at = get_text(c, g, "at", &bad);
      char *dur = get_text(c, "run", "duration", &bad);
      fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "at",
           "found '%s', expected a time within the run ([run] duration = %s)", at, dur);
      g_free(at);
      g_free(dur);
      return false;
    }

    bool bad;
    char *target = get_text(c, g, "target", &bad);
    x->target = -1;
    if (target && strcmp(target, TARGET_ALL) != 0) {
      for (uint32_t p = 0; p < s->n_populations; p++)
        if (strcmp(s->populations[p].name, target) == 0)
          x->target = (int)p;
      if (x->target < 0) {
        const char **names = g_new0(const char *, s->n_populations + 2);
        names[0] = TARGET_ALL;
        for (uint32_t p = 0; p < s->n_populations; p++)
          names[p + 1] = s->populations[p].name;
        char *all = join_names(names, s->n_populations + 1);
        const char *hint = suggest(target, names, s->n_populations + 1);
        fail(c, SIM_SCENARIO_ERROR_VALUE, g, "target",
             "found '%s', expected a population name or all (one of: %s)%s%s%s", target, all,
             hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
        g_free(all);
        g_free(names);
        g_free(target);
        return false;
      }
    }
    g_free(target);

    get_val(c, g, pat, "fraction", &v);
    x->fraction = v.d;
    bool has_count = get_val(c, g, pat, "count", &v);
    x->count = (uint32_t)v.u;
    if (has_count && x->count > 0 && has(c, g, "fraction"))
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "count",
                  "found '%u' together with 'fraction', expected only one of them", x->count);
    uint32_t size = x->target >= 0 ? s->populations[x->target].count : s->total_nodes;
    if (x->count > size)
      return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "count",
                  "found '%u', expected at most the %u nodes of the target", x->count, size);

    switch (x->action) {
    case SIM_ACTION_PARTITION:
      get_val(c, g, pat, "fractions", &v);
      x->fractions = v.nums;
      x->n_fractions = v.n;
      break;
    case SIM_ACTION_CHURN:
      get_val(c, g, pat, "session", &v);
      x->session = v.dist;
      get_val(c, g, pat, "downtime", &v);
      x->downtime = v.dist;
      break;
    case SIM_ACTION_COMMAND:
      get_val(c, g, pat, "command", &v);
      x->command = (pl_command_kind)v.u;
      get_val(c, g, pat, "every", &v);
      x->every_ns = v.u;
      get_val(c, g, pat, "key", &v);
      x->key_random = v.u == 0;
      x->key_victim = v.u == 2;
      memcpy(x->key, v.key, PL_ID_BYTES);
      get_val(c, g, pat, "value_size", &v);
      x->value_size = (uint32_t)v.u;
      if (x->value_size > 1024)
        return fail(c, SIM_SCENARIO_ERROR_VALUE, g, "value_size",
                    "found %u bytes, expected at most 1KiB", x->value_size);
      get_val(c, g, pat, "task", &v);
      x->task = (uint32_t)v.u;
      get_val(c, g, pat, "min_speed", &v);
      x->min_speed = (uint32_t)v.u;
      get_val(c, g, pat, "max_price", &v);
      x->max_price_mcc = v.u;
      get_val(c, g, pat, "want", &v);
      x->want = (uint32_t)v.u;
      get_val(c, g, pat, "topic", &v);
      x->topic = (uint32_t)v.u;
      get_val(c, g, pat, "size", &v);
      x->size_bytes = (uint32_t)v.u;
      if (x->command == PL_CMD_GOSSIP_PUBLISH && x->size_bytes > PL_GOSSIP_PAYLOAD_MAX)
        return fail(c, SIM_SCENARIO_ERROR_VALUE, g, "size",
                    "found %u bytes, expected at most %u", x->size_bytes,
                    PL_GOSSIP_PAYLOAD_MAX);
      /* commands that could do nothing are mistakes */
      if (!target_runs_command(s, x)) {
        const char *layer = pl_command_layer_name(x->command);
        return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "command",
                    "found '%s', a command of the %s layer, but [protocol.%s] mode is off, so "
                    "no node it targets runs that layer",
                    kw_name(kw_command, x->command), layer, layer);
      }
      if (x->key_victim && !has_eclipse_victim(s))
        return fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "key",
                    "found 'victim', the first node an eclipse population attacks, but no "
                    "population has behaviour = eclipse and a victim with nodes, so there is "
                    "no such node; expected random or 64 hex digits");
      break;
    default:
      break;
    }
    if (x->action == SIM_ACTION_CHURN || x->action == SIM_ACTION_COMMAND) {
      if (get_val(c, g, pat, "until", &v)) {
        x->until_ns = v.u;
        if (x->until_ns <= x->at_ns) {
          char *until = get_text(c, g, "until", &bad);
          char *at = get_text(c, g, "at", &bad);
          fail(c, SIM_SCENARIO_ERROR_CONFLICT, g, "until",
               "found '%s', expected a time after 'at' (%s)", until, at);
          g_free(until);
          g_free(at);
          return false;
        }
      }
    }
  }

  /* sort by (at, file order) */
  event_order *order = g_new(event_order, n);
  for (uint32_t i = 0; i < n; i++)
    order[i] = (event_order){ ev[i].at_ns, i };
  if (n > 1) /* g_new of 0 is NULL, which qsort may not take */
    qsort(order, n, sizeof *order, cmp_event_order);
  sim_event_spec *sorted = g_new(sim_event_spec, n);
  for (uint32_t i = 0; i < n; i++)
    sorted[i] = ev[order[i].index];
  g_free(order);
  g_free(ev);
  s->events = sorted;
  return true;
}

static bool
build_expects(ctx *c)
{
  sim_scenario *s = c->s;
  if (!g_key_file_has_group(c->kf, "expect"))
    return true;
  gsize n = 0;
  char **keys = g_key_file_get_keys(c->kf, "expect", &n, NULL);
  s->expects = g_new0(sim_expect, n ? n : 1);
  for (gsize i = 0; i < n; i++) {
    bool bad;
    char *text = get_text(c, "expect", keys[i], &bad);
    const char *why = NULL;
    bool ok = sim_expect_parse(keys[i], text, &s->expects[i], &why);
    g_assert(ok); /* checked in step 3 */
    s->n_expects++;
    g_free(text);
  }
  g_strfreev(keys);
  return true;
}

/* Is |t| a numeric type that range() can produce? */
static bool
rangeable(vtype t)
{
  switch (t) {
  case V_SEED: case V_DURATION: case V_SIZE32: case V_BANDWIDTH: case V_RATIO:
  case V_U8: case V_U16: case V_U32:
    return true;
  default:
    return false;
  }
}

static sim_unit
vtype_unit(vtype t)
{
  switch (t) {
  case V_DURATION: return SIM_UNIT_DURATION;
  case V_SIZE32: return SIM_UNIT_SIZE;
  case V_BANDWIDTH: return SIM_UNIT_BANDWIDTH;
  case V_RATIO: return SIM_UNIT_RATIO;
  default: return SIM_UNIT_COUNT;
  }
}

/* Text of an integer value of |t| in its base unit. */
static char *
format_int(vtype t, uint64_t u)
{
  switch (t) {
  case V_DURATION: {
    char buf[64];
    sim_units_format((double)u, SIM_UNIT_DURATION, buf, sizeof buf);
    uint64_t back;
    if (sim_units_parse_u64(buf, SIM_UNIT_DURATION, &back) && back == u)
      return g_strdup(buf);
    return g_strdup_printf("%" PRIu64 "ns", u);
  }
  case V_SIZE32: return g_strdup_printf("%" PRIu64 "B", u);
  case V_BANDWIDTH: return g_strdup_printf("%" PRIu64 "bit", u);
  default: return g_strdup_printf("%" PRIu64, u);
  }
}

/*
 * Expand "range(lo, hi, step)" for key type |t| into |values|.  Returns
 * false with *|why| (newly allocated) on a malformed range.
 */
static bool
expand_range(vtype t, const char *text, GPtrArray *values, char **why)
{
  const char *p = text + strlen("range(");
  size_t len = strlen(p);
  char *inner = NULL;
  char **args = NULL;
  bool ok = len > 0 && p[len - 1] == ')';
  if (ok) {
    inner = g_strndup(p, len - 1);
    args = g_strsplit(inner, ",", -1);
    ok = g_strv_length(args) == 3;
  }
  if (ok) {
    for (int i = 0; i < 3; i++)
      g_strstrip(args[i]);
    if (t == V_RATIO) {
      double lo, hi, step;
      ok = sim_units_parse(args[0], SIM_UNIT_NONE, &lo) &&
           sim_units_parse(args[1], SIM_UNIT_NONE, &hi) &&
           sim_units_parse(args[2], SIM_UNIT_NONE, &step) && step > 0 && lo <= hi &&
           (hi - lo) / step < MAX_SWEEP_VALUES;
      for (uint32_t i = 0; ok; i++) {
        double x = lo + step * i;
        if (x > hi + step * 1e-9)
          break;
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_formatd(buf, sizeof buf, "%.12g", x);
        g_ptr_array_add(values, g_strdup(buf));
      }
    } else {
      sim_unit unit = vtype_unit(t);
      uint64_t lo, hi, step;
      if (t == V_SEED) {
        guint64 a, b, d;
        ok = g_ascii_string_to_unsigned(args[0], 10, 0, G_MAXUINT64, &a, NULL) &&
             g_ascii_string_to_unsigned(args[1], 10, 0, G_MAXUINT64, &b, NULL) &&
             g_ascii_string_to_unsigned(args[2], 10, 0, G_MAXUINT64, &d, NULL);
        lo = a, hi = b, step = d;
      } else {
        ok = sim_units_parse_u64(args[0], unit, &lo) && sim_units_parse_u64(args[1], unit, &hi) &&
             sim_units_parse_u64(args[2], unit, &step);
      }
      ok = ok && step > 0 && lo <= hi && (hi - lo) / step < MAX_SWEEP_VALUES;
      for (uint64_t x = lo; ok; x += step) {
        g_ptr_array_add(values, format_int(t, x));
        if (hi - x < step)
          break;
      }
    }
  }
  if (!ok) {
    char *exp = vtype_expected(t, 0);
    *why = g_strdup_printf("range(lo, hi, step) with lo <= hi, step > 0, at most %u values, "
                           "each %s", MAX_SWEEP_VALUES, exp);
    g_free(exp);
  }
  g_strfreev(args);
  g_free(inner);
  return ok;
}

/*
 * Resolve "group.key" against the known groups: the group is the longest
 * dotted prefix that is a fixed group or a pattern group with one name
 * segment.  Returns false if no prefix is a group.
 */
static bool
resolve_dotted(const char *dotted, char **group, char **key)
{
  for (const char *dot = strrchr(dotted, '.'); dot && dot > dotted;) {
    char *g = g_strndup(dotted, (size_t)(dot - dotted));
    if (group_pattern(g) && dot[1]) {
      *group = g;
      *key = g_strdup(dot + 1);
      return true;
    }
    g_free(g);
    const char *prev = dot - 1;
    while (prev >= dotted && *prev != '.')
      prev--;
    dot = prev >= dotted ? prev : NULL;
  }
  return false;
}

static bool
build_sweep(ctx *c)
{
  sim_scenario *s = c->s;
  pval v;
  get_val(c, "sweep", "sweep", "seeds", &v);
  s->sweep_seeds = (uint32_t)v.u;
  if (!g_key_file_has_group(c->kf, "sweep"))
    return true;
  gsize n = 0;
  char **keys = g_key_file_get_keys(c->kf, "sweep", &n, NULL);
  s->sweep = g_new0(sim_sweep_param, n ? n : 1);
  bool ok = true;
  for (gsize i = 0; ok && i < n; i++) {
    const char *dotted = keys[i];
    if (strcmp(dotted, "seeds") == 0)
      continue;
    char *group = NULL, *key = NULL;
    const char *pattern = NULL;
    const skey *k = NULL;
    const char *whose = NULL;
    if (!resolve_dotted(dotted, &group, &key)) {
      char *known = group_list(not_varied);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted,
                "unknown parameter: expected GROUP.KEY with GROUP one of %s", known);
      g_free(known);
    } else if ((pattern = group_pattern(group)) && (strcmp(pattern, "sweep") == 0 ||
                                                    strcmp(pattern, "expect") == 0)) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted,
                "[%s] keys cannot be swept", group);
    } else if (strchr(pattern, '*') && !g_key_file_has_group(c->kf, group)) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted,
                "unknown group [%s]: not in the file", group);
    } else if (!(k = find_key(pattern, key))) {
      size_t nn;
      const char **names = key_names(pattern, -1, -1, &nn);
      const char *hint = suggest(key, names, nn);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted,
                "unknown key '%s' in [%s]%s%s%s", key, group, hint ? ", did you mean '" : "",
                hint ? hint : "", hint ? "'?" : "");
      g_free(names);
    } else if (strcmp(pattern, "event.*") == 0 && (whose = event_lacks(c, group, k))) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted,
                "'%s' is not a key of this event's %s", key, whose);
    } else if (k->type == V_MATRIX) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted, "'%s' cannot be swept", key);
    } else if (strcmp(pattern, "run") == 0 && strcmp(key, "seed") == 0) {
      /* each run's seed is the sweep's to set (S, S+1, ... per point) */
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "sweep", dotted,
                "the seed cannot be swept: `seeds = N` runs every point with seeds S, S+1, "
                "..., S+N-1 from [run] seed");
    }

    GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
    bool bad;
    char *text = ok ? get_text(c, "sweep", dotted, &bad) : NULL;
    if (ok) {
      char *why = NULL;
      char *stripped = g_strstrip(g_strdup(text));
      if (g_str_has_prefix(stripped, "range(")) {
        if (!rangeable(k->type)) {
          ok = fail(c, SIM_SCENARIO_ERROR_VALUE, "sweep", dotted,
                    "found '%s', expected a list of values (range() is only for keys whose "
                    "values are numbers)", text);
        } else if (!expand_range(k->type, stripped, values, &why)) {
          ok = fail_value(c, "sweep", dotted, text, why);
        }
      } else {
        char **parts = split_top(stripped, strchr(stripped, ';') ? ';' : ',');
        for (size_t j = 0; parts && parts[j]; j++)
          g_ptr_array_add(values, g_strdup(parts[j]));
        g_strfreev(parts);
      }
      g_free(stripped);
      g_free(why);
      if (ok && values->len == 0)
        ok = fail_value(c, "sweep", dotted, text, "a list of at least one value");
    }
    for (guint j = 0; ok && j < values->len; j++) {
      pval pv;
      char *exp = NULL;
      const char *val = g_ptr_array_index(values, j);
      if (!parse_value(k->type, k->flags, val, &pv, &exp)) {
        char *msg = g_strdup_printf("%s (for [%s] %s)", exp, group, key);
        ok = fail_value(c, "sweep", dotted, val, msg);
        g_free(msg);
      }
      pval_clear(&pv);
      g_free(exp);
    }
    if (ok) {
      sim_sweep_param *sp = &s->sweep[s->n_sweep++];
      sp->group = g_strdup(group);
      sp->key = g_strdup(key);
      g_ptr_array_add(values, NULL);
      sp->values = (char **)g_ptr_array_free(values, FALSE);
    } else {
      g_ptr_array_free(values, TRUE);
    }
    g_free(text);
    g_free(group);
    g_free(key);
  }
  g_strfreev(keys);
  if (ok) {
    double runs = s->sweep_seeds;
    for (uint32_t i = 0; i < s->n_sweep; i++)
      runs *= g_strv_length(s->sweep[i].values);
    if (runs > SWEEP_RUNS_MAX)
      ok = fail(c, SIM_SCENARIO_ERROR_VALUE, "sweep", "seeds",
                "the grid holds %.0f runs (seeds times every parameter's values), expected at "
                "most %u",
                runs, SWEEP_RUNS_MAX);
  }
  return ok;
}

/* [check] set: each override names a known key of this file whose value
 * parses as that key's type (checks between keys happen when `peerlab
 * check --ci` loads the file with them). */
static bool
build_check(ctx *c)
{
  sim_scenario *s = c->s;
  pval v;
  get_val(c, "check", "check", "set", &v);
  char **sets = v.strv ? v.strv : g_new0(char *, 1);
  bool ok = true;
  for (size_t i = 0; ok && sets[i]; i++) {
    const char *eq = strchr(sets[i], '=');
    char *lhs = g_strstrip(g_strndup(sets[i], (size_t)(eq - sets[i])));
    char *value = g_strstrip(g_strdup(eq + 1));
    char *group = NULL, *key = NULL;
    const char *pattern = NULL;
    const skey *k = NULL;
    const char *whose = NULL;
    if (!resolve_dotted(lhs, &group, &key)) {
      char *known = group_list(not_varied);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "check", "set",
                "'%s': no known group in '%s', expected GROUP.KEY with GROUP one of %s",
                sets[i], lhs, known);
      g_free(known);
    } else if ((pattern = group_pattern(group)) &&
               (strcmp(pattern, "check") == 0 || strcmp(pattern, "sweep") == 0 ||
                strcmp(pattern, "expect") == 0)) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "check", "set",
                "'%s': [%s] keys cannot be overridden by [check]", sets[i], group);
    } else if (strchr(pattern, '*') && !g_key_file_has_group(c->kf, group)) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "check", "set",
                "'%s': unknown group [%s]: not in the file", sets[i], group);
    } else if (!(k = find_key(pattern, key))) {
      size_t nn;
      const char **names = key_names(pattern, -1, -1, &nn);
      const char *hint = suggest(key, names, nn);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "check", "set",
                "'%s': unknown key '%s' in [%s]%s%s%s", sets[i], key, group,
                hint ? ", did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
      g_free(names);
    } else if (strcmp(pattern, "event.*") == 0 && (whose = event_lacks(c, group, k))) {
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, "check", "set",
                "'%s': '%s' is not a key of this event's %s", sets[i], key, whose);
    } else {
      pval pv;
      char *exp = NULL;
      if (!parse_value(k->type, k->flags, value, &pv, &exp))
        ok = fail(c, SIM_SCENARIO_ERROR_VALUE, "check", "set",
                  "'%s': found '%s', expected %s (for [%s] %s)", sets[i], value, exp, group,
                  key);
      pval_clear(&pv);
      g_free(exp);
    }
    g_free(lhs);
    g_free(value);
    g_free(group);
    g_free(key);
  }
  if (ok)
    s->check_set = sets;
  else
    g_strfreev(sets);
  return ok;
}

/* ------------------------------------------------------------ overrides */

/* Dot-separated non-empty segments of [A-Za-z0-9_-]. */
static bool
is_dotted_name(const char *s)
{
  char **parts = g_strsplit(s, ".", -1);
  bool ok = parts[0] != NULL;
  for (size_t i = 0; ok && parts[i]; i++)
    ok = is_name(parts[i]);
  g_strfreev(parts);
  return ok;
}

static bool
apply_override(ctx *c, const char *arg)
{
  const char *eq = strchr(arg, '=');
  char *lhs = eq ? g_strstrip(g_strndup(arg, (size_t)(eq - arg))) : NULL;
  char *group = NULL, *key = NULL;
  bool ok = true;
  /* the command line passes bytes as they are; a scenario is UTF-8 */
  char *not_utf8 = sim_options_not_utf8("--set", arg);
  if (not_utf8) {
    ok = fail(c, SIM_SCENARIO_ERROR_OVERRIDE, NULL, NULL, "%s", not_utf8);
    g_free(not_utf8);
  } else if (!eq || !strchr(lhs, '.') || !is_dotted_name(lhs)) {
    ok = fail(c, SIM_SCENARIO_ERROR_OVERRIDE, NULL, NULL,
              "--set '%s': expected group.key=value, e.g. network.loss=0.01", arg);
  } else if (!resolve_dotted(lhs, &group, &key)) {
    char *known = group_list(NULL);
    ok = fail(c, SIM_SCENARIO_ERROR_OVERRIDE, NULL, NULL,
              "--set '%s': no known group in '%s', expected group.key=value with group one "
              "of %s", arg, lhs, known);
    g_free(known);
  } else {
    const char *pattern = group_pattern(group);
    if (!find_key(pattern, key)) {
      size_t n;
      const char **names = key_names(pattern, -1, -1, &n);
      const char *hint = suggest(key, names, n);
      ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, NULL,
                "unknown key '%s'%s%s%s (in --set '%s')", key, hint ? ", did you mean '" : "",
                hint ? hint : "", hint ? "'?" : "", arg);
      g_free(names);
    } else {
      char *value = g_strstrip(g_strdup(eq + 1));
      g_key_file_set_string(c->kf, group, key, value);
      g_free(value);
      origin o = { group, key, g_strdup(arg) };
      g_array_append_val(c->origins, o);
      group = key = NULL;
    }
  }
  g_free(lhs);
  g_free(group);
  g_free(key);
  return ok;
}

static void
origin_clear(gpointer p)
{
  origin *o = p;
  g_free(o->group);
  g_free(o->key);
  g_free(o->text);
}

/* Line (1-based) of a key-file syntax error in |text|: the first line
 * whose prefix no longer parses. */
static unsigned
syntax_error_line(const char *text)
{
  unsigned line = 1;
  for (const char *p = text;; line++) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - text) + 1 : strlen(text);
    GKeyFile *kf = g_key_file_new();
    char *prefix = g_strndup(text, len);
    bool ok = g_key_file_load_from_data(kf, prefix, len, G_KEY_FILE_NONE, NULL);
    g_free(prefix);
    g_key_file_free(kf);
    if (!ok || !nl)
      return line;
    p = nl + 1;
  }
}

/* GKeyFile keeps the last of two equal keys and merges two equal groups
 * without a word, so a key given twice would silently lose one value (an
 * [expect] line, say).  Scan the text for both, and for localised keys
 * (key[locale]), which GKeyFile would hide from the unknown-key check. */
static bool
check_duplicates(ctx *c, const char *text)
{
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char **lines = g_strsplit(text, "\n", -1);
  char *group = NULL;
  bool ok = true;
  for (guint i = 0; ok && lines[i]; i++) {
    char *l = g_strstrip(lines[i]);
    if (l[0] == '\0' || l[0] == '#' || l[0] == ';')
      continue;
    char *id;
    if (l[0] == '[') {
      char *end = strchr(l, ']');
      if (end == NULL)
        continue; /* a syntax error: GKeyFile reports it */
      g_free(group);
      group = g_strndup(l + 1, (size_t)(end - l - 1));
      id = g_strdup_printf("[%s]", group);
    } else {
      char *eq = strchr(l, '=');
      if (eq == NULL || group == NULL)
        continue; /* a syntax error: GKeyFile reports it */
      char *key = g_strstrip(g_strndup(l, (size_t)(eq - l)));
      if (strchr(key, '[') != NULL) {
        ok = fail(c, SIM_SCENARIO_ERROR_UNKNOWN, group, key,
                  "line %u: localised keys (key[locale]) are not part of a scenario", i + 1);
        g_free(key);
        break;
      }
      id = g_strdup_printf("[%s] %s", group, key);
      g_free(key);
    }
    gpointer first = g_hash_table_lookup(seen, id);
    if (first != NULL) {
      ok = fail(c, SIM_SCENARIO_ERROR_CONFLICT, NULL, NULL,
                "%s appears twice (lines %u and %u): give each group and key once", id,
                GPOINTER_TO_UINT(first), i + 1);
      g_free(id);
    } else {
      g_hash_table_insert(seen, id, GUINT_TO_POINTER(i + 1));
    }
  }
  g_free(group);
  g_strfreev(lines);
  g_hash_table_destroy(seen);
  return ok;
}

/* ---------------------------------------------------------------- public */

sim_scenario *
sim_scenario_load_data(const char *text, const char *display_name,
                       const char *const *overrides, const uint64_t *seed_override,
                       GError **error)
{
  g_return_val_if_fail(text != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  if (!display_name)
    display_name = "<string>";

  ctx c = { .path = display_name, .error = error };
  c.origins = g_array_new(FALSE, TRUE, sizeof(origin));
  g_array_set_clear_func(c.origins, origin_clear);
  c.kf = g_key_file_new();
  c.s = g_new0(sim_scenario, 1);
  c.s->path = g_strdup(display_name);
  bool ok = true;

  GError *e = NULL;
  if (!g_key_file_load_from_data(c.kf, text, (gsize)-1, G_KEY_FILE_KEEP_COMMENTS, &e)) {
    ok = fail(&c, SIM_SCENARIO_ERROR_READ, NULL, NULL, "line %u: not a valid key file: %s",
              syntax_error_line(text), e->message);
    g_error_free(e);
  }
  if (ok)
    ok = check_duplicates(&c, text);
  for (size_t i = 0; ok && overrides && overrides[i]; i++)
    ok = apply_override(&c, overrides[i]);
  if (ok && seed_override)
    g_key_file_set_uint64(c.kf, "run", "seed", *seed_override);

  char **group_names = ok ? g_key_file_get_groups(c.kf, NULL) : NULL;
  for (size_t i = 0; ok && group_names[i]; i++)
    ok = check_group(&c, group_names[i]);
  /* required keys of fixed groups absent from the file */
  for (size_t i = 0; ok && i < G_N_ELEMENTS(schema); i++) {
    const skey *k = &schema[i];
    if ((k->flags & F_REQUIRED) && !strchr(k->group, '*') &&
        !g_key_file_has_group(c.kf, k->group))
      ok = fail_missing(&c, k->group, k);
  }

  ok = ok && build_run(&c) && build_network(&c) && build_protocol(&c) &&
       build_populations(&c, group_names) && build_events(&c, group_names);
  if (ok) {
    pval v;
    get_val(&c, "metrics", "metrics", "include", &v);
    c.s->metrics_include = v.strv ? v.strv : g_new0(char *, 1);
  }
  ok = ok && build_expects(&c) && build_sweep(&c) && build_check(&c);
  if (ok)
    c.s->text = g_key_file_to_data(c.kf, NULL, NULL);

  g_strfreev(group_names);
  g_key_file_free(c.kf);
  g_array_free(c.origins, TRUE);
  if (!ok) {
    sim_scenario_free(c.s);
    return NULL;
  }
  return c.s;
}

/* Scenario files are small; anything larger is a mistake (or /dev/zero). */
#define SCENARIO_BYTES_MAX ((size_t)16 << 20)

/* The contents of |path|, NUL-terminated, at most SCENARIO_BYTES_MAX bytes
 * (*|len| of them), read in bounded steps so that an endless file (a
 * device, a FIFO) is refused instead of read forever. */
static char *
read_bounded(const char *path, size_t *len, GError **error)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    int err = errno;
    g_set_error(error, SIM_SCENARIO_ERROR, SIM_SCENARIO_ERROR_READ, "%s: cannot read: %s", path,
                g_strerror(err));
    return NULL;
  }
  GString *buf = g_string_new(NULL);
  char chunk[65536];
  size_t n;
  bool too_big = false;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (buf->len + n > SCENARIO_BYTES_MAX) {
      too_big = true;
      break;
    }
    g_string_append_len(buf, chunk, (gssize)n);
  }
  int err = ferror(f) ? errno : 0;
  fclose(f);
  if (too_big || err) {
    if (too_big)
      g_set_error(error, SIM_SCENARIO_ERROR, SIM_SCENARIO_ERROR_READ,
                  "%s: larger than %zu MiB: not a scenario file", path,
                  SCENARIO_BYTES_MAX >> 20);
    else
      g_set_error(error, SIM_SCENARIO_ERROR, SIM_SCENARIO_ERROR_READ, "%s: cannot read: %s",
                  path, g_strerror(err));
    g_string_free(buf, TRUE);
    return NULL;
  }
  *len = buf->len;
  return g_string_free(buf, FALSE);
}

sim_scenario *
sim_scenario_load(const char *path, const char *const *overrides,
                  const uint64_t *seed_override, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  size_t len;
  char *text = read_bounded(path, &len, error);
  if (text == NULL)
    return NULL;
  const char *nul = memchr(text, '\0', len);
  if (nul != NULL) {
    g_set_error(error, SIM_SCENARIO_ERROR, SIM_SCENARIO_ERROR_READ,
                "%s: a NUL byte at offset %zu: not a text file", path, (size_t)(nul - text));
    g_free(text);
    return NULL;
  }
  sim_scenario *s = sim_scenario_load_data(text, path, overrides, seed_override, error);
  g_free(text);
  return s;
}

char *
sim_scenario_file_stem(const sim_scenario *s)
{
  g_return_val_if_fail(s != NULL && s->name != NULL, NULL);
  if (s->name[0] == '\0')
    return g_strdup("run");
  char *stem = g_strdup(s->name);
  for (unsigned char *p = (unsigned char *)stem; *p; p++)
    if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
      *p = '_';
  if (stem[0] == '.')
    stem[0] = '_';
  return stem;
}

void
sim_scenario_free(sim_scenario *s)
{
  if (!s)
    return;
  g_free(s->path);
  g_free(s->text);
  g_free(s->name);
  g_free(s->description);
  g_strfreev(s->region_names);
  g_free(s->region_weights);
  g_free(s->region_latency);
  for (uint32_t i = 0; i < s->n_populations; i++) {
    g_free(s->populations[i].name);
    g_free(s->populations[i].topics);
  }
  g_free(s->topics);
  g_free(s->populations);
  for (uint32_t i = 0; i < s->n_events; i++) {
    g_free(s->events[i].name);
    g_free(s->events[i].fractions);
  }
  g_free(s->events);
  g_strfreev(s->metrics_include);
  for (uint32_t i = 0; i < s->n_expects; i++)
    sim_expect_clear(&s->expects[i]);
  g_free(s->expects);
  for (uint32_t i = 0; i < s->n_sweep; i++) {
    g_free(s->sweep[i].group);
    g_free(s->sweep[i].key);
    g_strfreev(s->sweep[i].values);
  }
  g_free(s->sweep);
  g_strfreev(s->check_set);
  g_free(s);
}

/* ------------------------------------------------------------ reference */

/* Default of |k| as shown in the reference (newly allocated). */
static char *
default_text(const skey *k, const pl_config *defaults)
{
  if (k->flags & F_REQUIRED)
    return g_strdup("**required**");
  if (k->flags & F_CFG) {
    const char *base = (const char *)defaults + k->cfg_off;
    switch (k->type) {
    case V_VERSION:
      return g_strdup_printf("`%u.%u`", defaults->version_major, defaults->version_minor);
    case V_U8: return g_strdup_printf("`%u`", *(const uint8_t *)base);
    case V_U16: return g_strdup_printf("`%u`", *(const uint16_t *)base);
    case V_DURATION: {
      char *t = format_int(V_DURATION, *(const pl_time_ns *)base);
      char *r = g_strdup_printf("`%s`", t);
      g_free(t);
      return r;
    }
    case V_EVICTION:
      return g_strdup_printf("`%s`", kw_name(kw_eviction, *(const pl_eviction *)base));
    case V_KAD_MODE:
      return g_strdup_printf("`%s`", kw_name(kw_kad_mode, *(const pl_kad_mode *)base));
    case V_KAD_BOOT:
      return g_strdup_printf("`%s`", kw_name(kw_kad_boot, *(const uint8_t *)base ? 1 : 0));
    case V_U64:
      return g_strdup_printf("`%" PRIu64 "`", *(const uint64_t *)base);
    case V_U32: return g_strdup_printf("`%u`", *(const uint32_t *)base);
    case V_I32: return g_strdup_printf("`%d`", *(const int32_t *)base);
    case V_GOSSIP_MODE:
      return g_strdup_printf("`%s`", kw_name(kw_gossip_mode, *(const pl_gossip_mode *)base));
    case V_RUMOR_STOP:
    case V_RUMOR_CONTACT:
    case V_BOOL: {
      const kw *table = k->type == V_RUMOR_STOP      ? kw_rumor_stop
                        : k->type == V_RUMOR_CONTACT ? kw_rumor_contact
                                                     : kw_bool;
      return g_strdup_printf("`%s`", kw_name(table, *(const uint8_t *)base));
    }
    case V_FEATURES: {
      uint32_t mask = *(const uint32_t *)base;
      GString *s = g_string_new(NULL);
      for (const kw *f = kw_feature; f->name; f++)
        if (mask & f->value)
          g_string_append_printf(s, "%s%s", s->len ? ", " : "", f->name);
      if (!s->len)
        g_string_append(s, "none");
      g_string_prepend_c(s, '`');
      g_string_append_c(s, '`');
      return g_string_free(s, FALSE);
    }
    default: g_assert_not_reached();
    }
  }
  if (k->def)
    return g_strdup_printf("`%s`", k->def);
  return g_strdup(k->def_doc ? k->def_doc : "none");
}

static const char guide[] =
  "## Writing a scenario\n"
  "\n"
  "A scenario is a GLib key file: `[group]` lines start groups, `key = value` lines\n"
  "set keys, lines starting with `#` are comments. One file describes one study:\n"
  "\n"
  "```ini\n"
  "[run]\n"
  "duration = 5min\n"
  "\n"
  "[network]\n"
  "latency = lognormal(40ms, 0.5)\n"
  "loss = 0.5%\n"
  "\n"
  "[population.peers]\n"
  "count = 1000\n"
  "join_at = uniform(0s, 20s)\n"
  "\n"
  "[event.split]\n"
  "at = 2min\n"
  "action = partition\n"
  "fractions = 0.5, 0.5\n"
  "\n"
  "[expect]\n"
  "connected = peer.count.mean >= 6\n"
  "```\n"
  "\n"
  "Only `[run] duration` and one `[population.NAME]` with a `count` are required;\n"
  "every other key has the default listed below. The whole file is checked before\n"
  "anything runs, and the first problem is reported as\n"
  "`FILE: [group] key: found 'VALUE', expected FORM`; an unknown group or key gets a\n"
  "\"did you mean\" suggestion when a known name is close. `peerlab validate FILE`\n"
  "checks files without running them. A file is UTF-8 text of at most 16 MiB; each\n"
  "group and each key within a group is given once (a repeated one is refused rather\n"
  "than silently replaced). The default results file is named after `[run] name`,\n"
  "with `/`, `\\`, control characters and a leading `.` replaced by `_`, so that a\n"
  "name never writes outside `results/`.\n"
  "Expectations are checked against the metrics when the run is set up, after the\n"
  "file: one naming a metric the run does not have, or does not record (`[metrics]\n"
  "include`), stops it there (exit status 2). `peerlab validate` makes the same\n"
  "check without building the world.\n"
  "\n"
  "Any key can be changed from the command line with `--set group.key=value`\n"
  "(repeatable), e.g. `--set network.loss=1%` or `--set population.extra.count=10`,\n"
  "which may create groups; `--seed N` replaces `[run] seed`. A `--set` argument is\n"
  "UTF-8 text like the file, whatever the locale. The results database stores the\n"
  "scenario text as run, after these overrides.\n"
  "\n"
  "Lists are comma-separated (`features = peer-exchange, batching`); commas inside\n"
  "parentheses belong to a distribution, as in\n"
  "`region_latency = 20ms, lognormal(80ms, 0.3); lognormal(80ms, 0.3), 20ms`.\n"
  "\n";

void
sim_scenario_write_reference(GString *out)
{
  g_assert(out != NULL);
  pl_config defaults;
  pl_config_defaults(&defaults);

  g_string_append(out,
    "# Scenario file reference\n"
    "\n"
    "<!-- Generated by `peerlab reference` from the schema in sim/scenario.c:\n"
    "     do not edit; regenerate with `peerlab reference > docs/scenarios.md`. -->\n"
    "\n");
  g_string_append(out, guide);

  g_string_append(out,
    "## Value forms\n"
    "\n"
    "| form | written as |\n"
    "|---|---|\n");
  static const vtype forms[] = { V_DURATION, V_SIZE32, V_BANDWIDTH, V_RATIO, V_U32, V_DIST,
                                 V_VERSION, V_NAME };
  for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
    char *form = vtype_form(forms[i]);
    char *exp = vtype_expected(forms[i], 0);
    g_string_append_printf(out, "| %s | %s |\n", form, exp);
    g_free(form);
    g_free(exp);
  }
  g_string_append(out,
    "\n"
    "Distributions: `constant(v)` or a bare value; `uniform(lower, upper)`;\n"
    "`normal(mean, sd)` (truncated at 0); `lognormal(median, sigma)` (sigma of the\n"
    "underlying normal, a plain number); `pareto(scale, alpha)` (scale is the minimum,\n"
    "alpha a plain number); `exponential(mean)`.\n"
    "\n"
    "A *period* (the interval of something repeated: samples, heartbeats, refreshes, an\n"
    "event's `every`) is a duration of at least 1ms, or 0 where the key allows 0 (off); a\n"
    "*distribution of periods* (churn sessions and downtimes) has a mean of at least 1ms.\n"
    "So a slip such as `1ns` is refused instead of scheduling a run that never ends.\n"
    "\n");

  for (size_t gi = 0; gi < G_N_ELEMENTS(groups); gi++) {
    const sgroup *g = &groups[gi];
    bool is_event = strcmp(g->name, "event.*") == 0;
    g_string_append_printf(out, "## %s\n\n%s\n\n", g->title, g->doc);
    if (is_event)
      g_string_append(out, "| key | actions | form | default | meaning |\n|---|---|---|---|---|\n");
    else
      g_string_append(out, "| key | form | default | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < G_N_ELEMENTS(schema); i++) {
      const skey *k = &schema[i];
      if (strcmp(k->group, g->name) != 0)
        continue;
      char *form = (k->flags & F_TICK) ? g_strdup(k->type == V_DIST ? "distribution of periods"
                                                                      : "period")
                                       : vtype_form(k->type);
      char *def = default_text(k, &defaults);
      const char *key = strcmp(k->key, "*") != 0 ? k->key
                        : strcmp(g->name, "expect") == 0 ? "LABEL" : "GROUP.KEY";
      g_string_append_printf(out, "| `%s` | ", key);
      if (is_event) {
        if (!k->actions) {
          g_string_append(out, "all");
        } else {
          bool first = true;
          for (const kw *a = kw_action; a->name; a++)
            if (k->actions & (UINT64_C(1) << a->value)) {
              g_string_append_printf(out, "%s%s", first ? "" : ", ", a->name);
              first = false;
            }
          size_t n;
          const char **cmds = command_names(k->actions, &n);
          char *users = join_names(cmds, n);
          if (n)
            g_string_append_printf(out, ": %s", users);
          g_free(users);
          g_free(cmds);
        }
        g_string_append(out, " | ");
      }
      g_string_append_printf(out, "%s | %s | %s |\n", form, def, k->doc);
      g_free(form);
      g_free(def);
    }
    g_string_append(out, "\n");
  }
}
