/*
 * capability.h — signed capability ads in the DHT: announce, validate, find.
 *
 * A worker says what it can do in an *ad*: its public key, a task type,
 * its speed (work units per second), its price (milli-credits per work
 * unit), its stake (milli-credits), when it signed (last seen) and how long
 * the ad lives.  The worker signs the ad with its node key; anyone may store
 * or relay it, nobody can change it.
 *
 * Ads are filed in the DHT under
 *
 *   key = BLAKE2b-256("peerlab cap key v1" || task_type u32 ||
 *                     speed_class u8 || price_class u8)
 *
 * where a class is a power-of-two band above a base (pl_cap_class), so a
 * requester who needs "type T, at least speed S, at most price P" looks up
 * the few keys of the classes that can hold such workers (every speed
 * class >= class(S), every price class <= class(P), cheapest price class
 * first), filters the ads by their exact values, and ranks the workers:
 * reputation first (the node's trust hook, equal for all until the trust
 * layer exists), then price, then speed, then key.
 *
 * A worker re-announces (re-signs with a new last-seen) every
 * cap_reannounce_ns, before its ads expire after cap_ttl_ns.  Every node
 * validates every ad it is asked to store and every ad a FIND_VALUE brings
 * back; an ad that does not decode or sits under the wrong key is
 * *invalid*, one past its lifetime or dated in the future is *stale*, one
 * whose signature does not verify (or is missing: all zeros) or whose
 * claimed stake exceeds what the ledger says is *forged*.  Each is dropped
 * and counted (dht.records.invalid_rejected / stale_rejected /
 * forged_rejected).
 *
 * This header has two halves: pure functions on ads (encoding, signing,
 * checking, classes, keys, ranking; no node needed), and the per-node
 * component that the discovery layer (core/kad.c) owns and drives.
 */
#ifndef PL_CAPABILITY_H
#define PL_CAPABILITY_H

#include "pl.h"

/* ------------------------------------------------------------ ad format */

/* First byte of an encoded ad: its DHT value type (kad.h's
 * PL_KAD_VALUE_CAPABILITY, checked at compile time in capability.c). */
#define PL_CAP_AD_TYPE 1

/* Second byte: version of the ad encoding. */
#define PL_CAP_AD_VERSION 1

/* Bytes of an encoded ad: value type (1) + version (1) + worker key (32) +
 * task type (4) + speed (4) + price (8) + stake (8) + last seen (8) + ttl
 * (8) + sig (64), integers big-endian like the rest of the wire.  The
 * encoding is the DHT value as stored. */
#define PL_CAP_AD_BYTES 138

/* Bytes covered by the signature: the domain tag below + the encoding up to
 * (not including) the signature. */
#define PL_CAP_AD_BODY_BYTES (PL_CAP_AD_BYTES - PL_SIG_BYTES)

/* Most classes per dimension (speed, price). */
#define PL_CAP_CLASSES_MAX 16

/* A capability ad, decoded. */
typedef struct pl_cap_ad {
  uint8_t worker[PL_KEY_BYTES]; /* the worker's public key (the signer) */
  uint32_t task_type;           /* task type id (scenario-defined) */
  uint32_t speed;               /* claimed speed, work units per second */
  uint64_t price_mcc;           /* asked price, milli-credits per work unit */
  uint64_t stake_mcc;           /* claimed stake, milli-credits */
  pl_time_ns last_seen_ns;      /* virtual time the worker signed the ad, ns */
  pl_time_ns ttl_ns;            /* lifetime after last_seen_ns, ns (> 0) */
  uint8_t sig[PL_SIG_BYTES];    /* Ed25519 signature by |worker| */
} pl_cap_ad;

/* Where classes start: class 0 holds values below the base, class c >= 1
 * holds [base * 2^(c-1), base * 2^c), the last class everything above. */
typedef struct pl_cap_classes {
  uint32_t speed_base;          /* upper bound of speed class 0, work units/s (>= 1) */
  uint64_t price_base_mcc;      /* upper bound of price class 0, milli-credits (>= 1) */
  uint8_t n_classes;            /* classes per dimension, 1..PL_CAP_CLASSES_MAX */
} pl_cap_classes;

/* What a requester needs. */
typedef struct pl_cap_need {
  uint32_t task_type;           /* task type wanted */
  uint32_t min_speed;           /* slowest acceptable worker, work units/s */
  uint64_t max_price_mcc;       /* dearest acceptable price, milli-credits per unit */
  uint64_t min_stake_mcc;       /* least acceptable claimed stake, milli-credits */
  uint32_t want;                /* stop looking once this many workers are found (>= 1) */
} pl_cap_need;

/*
 * Encode |ad| into |buf| (|cap| bytes).  Returns PL_CAP_AD_BYTES,
 * PL_ERR_BUFFER if |cap| is smaller, or PL_ERR_INVALID if the ad is not
 * canonical (ttl_ns = 0).
 */
PL_WARN_UNUSED int pl_cap_ad_encode(const pl_cap_ad *ad, uint8_t *buf, size_t cap);

/*
 * Decode |len| bytes into |out|.  Returns PL_OK, PL_ERR_TRUNCATED,
 * PL_ERR_TRAILING, PL_ERR_UNKNOWN_TYPE (first byte not PL_CAP_AD_TYPE),
 * PL_ERR_WIRE_VERSION (unknown version byte) or PL_ERR_BAD_FIELD (ttl 0).
 * Does not check the signature.
 */
PL_WARN_UNUSED int pl_cap_ad_decode(const uint8_t *bytes, size_t len, pl_cap_ad *out);

/* The signed message of |ad|: domain tag || encoding without the
 * signature, into |msg| (PL_CAP_SIGNED_BYTES); returns its length. */
#define PL_CAP_SIGNED_BYTES (18 + PL_CAP_AD_BODY_BYTES)
size_t pl_cap_ad_signed_bytes(const pl_cap_ad *ad, uint8_t msg[PL_CAP_SIGNED_BYTES]);

/* Sign |ad| in place with the key pair of |seed| (whose public key must be
 * ad->worker).  Pure: the caller charges the signing cost. */
void pl_cap_ad_sign(pl_cap_ad *ad, const uint8_t seed[PL_SEED_BYTES]);

/* Class of |value| with class-0 bound |base| (>= 1) among |n_classes|
 * (>= 1): 0 below |base|, else floor(log2(value / base)) + 1, at most
 * n_classes - 1. */
uint8_t pl_cap_class(uint64_t value, uint64_t base, uint8_t n_classes);

/* Whether |classes| is usable (bases >= 1, 1 <= n_classes <= max). */
bool pl_cap_classes_valid(const pl_cap_classes *classes);

/* DHT key of (task type, speed class, price class) into |key|. */
void pl_cap_key(uint32_t task_type, uint8_t speed_class, uint8_t price_class,
                uint8_t key[PL_ID_BYTES]);

/* DHT key |ad| belongs under, with |classes|. */
void pl_cap_ad_key(const pl_cap_ad *ad, const pl_cap_classes *classes,
                   uint8_t key[PL_ID_BYTES]);

/*
 * The keys a requester with |need| looks up, in query order, at most
 * |max| of them, into |keys| (room for |max| keys).  The order walks the
 * grid of suitable (speed class, price class) pairs by distance from the
 * need's corner: (speed class − class(min_speed)) + price class
 * ascending, the cheaper price class first at equal distance.  Returns
 * how many (0 if no class can match).
 */
uint32_t pl_cap_need_keys(const pl_cap_need *need, const pl_cap_classes *classes,
                          uint8_t (*keys)[PL_ID_BYTES], uint32_t max);

/* Whether |ad| meets |need| by its exact values (type, speed, price,
 * stake).  Does not check freshness or signature. */
bool pl_cap_ad_meets(const pl_cap_ad *ad, const pl_cap_need *need);

/* Why an ad was refused, for counting. */
typedef enum pl_cap_reject {
  PL_CAP_REJECT_INVALID = 0,    /* malformed, or under the wrong key, or ttl over the cap */
  PL_CAP_REJECT_STALE = 1,      /* expired, or signed in the future beyond the skew */
  PL_CAP_REJECT_FORGED = 2,     /* signature bad or missing, or stake claim above the ledger */
  PL_CAP_REJECT_KINDS = 3,      /* number of kinds */
} pl_cap_reject;

/* Rejection kind of a pl_cap_check / validator error code. */
pl_cap_reject pl_cap_reject_of(int err);

/* The checks a receiver applies, in order, all but the signature pure. */
typedef struct pl_cap_policy {
  pl_cap_classes classes;       /* class boundaries (for the key check) */
  pl_time_ns ttl_max_ns;        /* longest lifetime accepted, ns */
  pl_time_ns skew_ns;           /* how far in the future last_seen may be, ns */
} pl_cap_policy;

/*
 * Check the decoded |ad| found under |key| at |now| against |policy|,
 * without its signature: PL_ERR_BAD_FIELD if |key| is not the ad's key or
 * ttl_ns > ttl_max_ns (invalid); PL_ERR_STALE if now >= last_seen + ttl or
 * last_seen > now + skew (stale); PL_ERR_BAD_SIGNATURE if the signature is
 * all zeros (unsigned: forged, no need to verify).  PL_OK otherwise.
 */
PL_WARN_UNUSED int pl_cap_ad_check(const pl_cap_ad *ad, const uint8_t key[PL_ID_BYTES],
                                   pl_time_ns now, const pl_cap_policy *policy);

/* Verify the signature of |ad| through |env|'s memo (no CPU charge).
 * PL_OK or PL_ERR_BAD_SIGNATURE. */
PL_WARN_UNUSED int pl_cap_ad_verify(const pl_env *env, const pl_cap_ad *ad);

/* A ranked candidate: the ad and the reputation it was ranked by. */
typedef struct pl_cap_ranked {
  pl_cap_ad ad;                 /* the worker's ad (newest seen) */
  uint32_t reputation;          /* score from the reputation hook (higher first) */
} pl_cap_ranked;

/* Sort |n| candidates best first: reputation descending, then price
 * ascending, then speed descending, then worker key ascending (a total
 * order: the result never depends on the input order). */
void pl_cap_rank(pl_cap_ranked *cands, size_t n);

/* ------------------------------------------------- the node's component */

/*
 * The capability application of the discovery layer (a pl_kad_app, see
 * kad.h): validates values of type PL_CAP_AD_TYPE on every STORE and every
 * VALUES answer, carries out PL_CMD_KAD_ANNOUNCE and
 * PL_CMD_KAD_FIND_WORKERS, and re-announces on its timer.  Its state is
 * found with pl_kad_app_state(node, PL_CAP_APP_NAME).
 *
 * Commands (integers big-endian, like the wire):
 *   PL_CMD_KAD_ANNOUNCE      arg = task type; data = speed u32 |
 *                            price_mcc u64 | stake_mcc u64 (PL_CAP_SPEC_BYTES)
 *   PL_CMD_KAD_FIND_WORKERS  arg = task type; data = min_speed u32 |
 *                            max_price_mcc u64 | min_stake_mcc u64 | want u32
 *                            (PL_CAP_NEED_BYTES; want 0 means 1)
 * A find reports PL_OBS_KAD_WORKERS (kad.h) and cap.find.workers.
 */
#define PL_CAP_APP_NAME "capability"
#define PL_CAP_SPEC_BYTES 20
#define PL_CAP_NEED_BYTES 24

#define PL_CAP_SPECS_MAX 4          /* task types one worker announces at once */
#define PL_CAP_FINDS_MAX 8          /* finds in flight per node; more are refused */
#define PL_CAP_FIND_PARALLEL 4      /* FIND_VALUE lookups in flight per find */
#define PL_CAP_FIND_KEYS_MAX 64     /* keys one find may query (cap_find_keys_max is capped) */
#define PL_CAP_FIND_RESULTS_MAX 64  /* distinct workers one find collects at most */

/* What a worker announces (one per task type). */
typedef struct pl_cap_spec {
  uint32_t task_type;           /* task type id */
  uint32_t speed;               /* claimed speed, work units per second */
  uint64_t price_mcc;           /* asked price, milli-credits per work unit */
  uint64_t stake_mcc;           /* claimed stake, milli-credits */
} pl_cap_spec;

/* Counters of one node's capability component. */
typedef struct pl_cap_stats {
  uint32_t announced;           /* ads signed and published (first and re-announcements) */
  uint32_t publish_failed;      /* publications kad refused (e.g. max_lookups in flight) */
  uint32_t accepted;            /* ads that passed validation */
  uint32_t rejected[PL_CAP_REJECT_KINDS]; /* ads refused, by pl_cap_reject kind */
  uint32_t finds_started;       /* finds begun */
  uint32_t finds_refused;       /* finds refused (PL_CAP_FINDS_MAX in flight) */
  uint32_t finds_done;          /* finds completed */
  uint32_t lookups_failed;      /* FIND_VALUE starts that kad refused (e.g. max_lookups) */
} pl_cap_stats;

/* The capability app, for kad.c's apps[] table. */
typedef struct pl_kad_app pl_kad_app;
extern const pl_kad_app pl_capability_app;

/*
 * Completion of pl_cap_find: the |n| workers meeting |need| that were
 * found (at most need->want), best first (pl_cap_rank), borrowed for the
 * call.  Called exactly once per successful pl_cap_find, from inside a
 * pl_node_* entry point (possibly the one that started it); never after
 * the node stopped.
 */
typedef void (*pl_cap_found_cb)(pl_node *node, pl_time_ns now, const pl_cap_need *need,
                                const pl_cap_ranked *workers, uint32_t n, void *user_data);

/*
 * Announce |spec| at |now|: sign an ad (charging the signing cost), publish
 * it through the DHT under its class key, and keep re-announcing it every
 * cap_reannounce_ns with a fresh last-seen.  A spec with the same task type
 * replaces the earlier one.  Returns PL_OK, PL_ERR_INVALID (kad or the
 * capability app not running, or a config whose classes are unusable),
 * PL_ERR_NOMEM (PL_CAP_SPECS_MAX task types already announced).  A DHT
 * refusal of the publication itself (max_lookups) is retried at the next
 * re-announcement.
 */
PL_WARN_UNUSED int pl_cap_announce(pl_node *node, pl_time_ns now, const pl_cap_spec *spec);

/*
 * Find workers meeting |need| (copied): FIND_VALUE the need's class keys
 * (at most cap_find_keys_max, cheapest price class first,
 * PL_CAP_FIND_PARALLEL at a time) until need->want workers are found or
 * the keys run out, then rank them (reputation from the node's trust hook,
 * then price) and call |cb| (may be NULL: the observation is the only
 * output).  Returns PL_OK, PL_ERR_INVALID (not running, want 0),
 * PL_ERR_NOMEM (PL_CAP_FINDS_MAX finds in flight).
 */
PL_WARN_UNUSED int pl_cap_find(pl_node *node, pl_time_ns now, const pl_cap_need *need,
                               pl_cap_found_cb cb, void *user_data);

/* Counters of |node|'s component (all zero if it has none). */
pl_cap_stats pl_cap_stats_of(const pl_node *node);

/* The receiver's policy derived from |config| (classes, ttl cap, skew). */
pl_cap_policy pl_cap_policy_of(const pl_config *config);

/* Encode a command payload for PL_CMD_KAD_ANNOUNCE (|spec| minus its task
 * type) / PL_CMD_KAD_FIND_WORKERS (|need| minus its task type) into
 * |out|. */
void pl_cap_spec_encode(const pl_cap_spec *spec, uint8_t out[PL_CAP_SPEC_BYTES]);
void pl_cap_need_encode(const pl_cap_need *need, uint8_t out[PL_CAP_NEED_BYTES]);

#endif /* PL_CAPABILITY_H */
