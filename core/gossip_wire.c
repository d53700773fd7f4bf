/*
 * gossip_wire.c — the GOSSIP_BATCH codec and published-message builder.
 *
 * A batch is [u8 version][u8 0x20][u8 n_items] followed by n_items items,
 * each starting with its kind byte (integers big-endian):
 *
 *   DATA   [1][u8 hops][u16 round][32 id][u16 len][len bytes: SIGNED envelope]
 *   IHAVE  [2][u32 topic][u8 count][count x 32 id]
 *   IWANT  [3][u8 count][count x 32 id]
 *   GRAFT  [4][u32 topic]
 *   PRUNE  [5][u32 topic][u8 backoff_hb]
 *   SUB    [6][u32 topic]
 *   UNSUB  [7][u32 topic]
 *   DIGEST [8][u8 flags][u16 count][count x 8 short id]
 *   KNEW   [9][u16 count][count x 8 short id]
 *
 * Decoding walks the items left to right; the first bad field decides the
 * reason, as in wire.c, and nothing is acted on unless the whole batch
 * decodes (the layer decodes first, then acts).
 */
#include "gossip.h"
#include "wire.h"

#include <string.h>

#include <glib.h>

#include "identity.h"

static int
decode_item(pl_reader *r, pl_gossip_item *it)
{
  memset(it, 0, sizeof *it);
  PL_TRY(pl_rd_u8(r, &it->kind));
  switch (it->kind) {
  case PL_GOSSIP_ITEM_DATA:
    PL_TRY(pl_rd_u8(r, &it->hops));
    if (it->hops == 0)
      return PL_ERR_BAD_FIELD;
    PL_TRY(pl_rd_u16(r, &it->round));
    PL_TRY(pl_rd_take(r, PL_ID_BYTES, &it->id));
    PL_TRY(pl_rd_u16(r, &it->len));
    if (it->len < PL_WIRE_ENVELOPE_OVERHEAD + 4)
      return PL_ERR_BAD_FIELD;
    if (it->len > PL_WIRE_ENVELOPE_OVERHEAD + 4 + PL_GOSSIP_PAYLOAD_MAX)
      return PL_ERR_OVERLONG;
    PL_TRY(pl_rd_take(r, it->len, &it->data));
    return PL_OK;
  case PL_GOSSIP_ITEM_IHAVE:
    PL_TRY(pl_rd_u32(r, &it->topic));
    G_GNUC_FALLTHROUGH; /* count and ids as IWANT */
  case PL_GOSSIP_ITEM_IWANT: {
    uint8_t count;
    PL_TRY(pl_rd_u8(r, &count));
    if (count == 0)
      return PL_ERR_BAD_FIELD;
    if (count > PL_GOSSIP_IDS_MAX)
      return PL_ERR_OVERLONG;
    it->count = count;
    return pl_rd_take(r, (size_t)count * PL_ID_BYTES, &it->ids);
  }
  case PL_GOSSIP_ITEM_GRAFT:
  case PL_GOSSIP_ITEM_SUB:
  case PL_GOSSIP_ITEM_UNSUB:
    return pl_rd_u32(r, &it->topic);
  case PL_GOSSIP_ITEM_PRUNE:
    PL_TRY(pl_rd_u32(r, &it->topic));
    return pl_rd_u8(r, &it->backoff_hb);
  case PL_GOSSIP_ITEM_DIGEST:
    PL_TRY(pl_rd_u8(r, &it->flags));
    if (it->flags & ~(unsigned)PL_GOSSIP_DIGEST_ALL)
      return PL_ERR_BAD_FIELD;
    /* count and short ids as KNEW (a DIGEST may be empty: "I hold
     * nothing") */
    G_GNUC_FALLTHROUGH;
  case PL_GOSSIP_ITEM_KNEW:
    PL_TRY(pl_rd_u16(r, &it->count));
    if (it->count == 0 && it->kind == PL_GOSSIP_ITEM_KNEW)
      return PL_ERR_BAD_FIELD;
    if (it->count > PL_GOSSIP_SHORT_IDS_MAX)
      return PL_ERR_OVERLONG;
    return pl_rd_take(r, (size_t)it->count * PL_GOSSIP_SHORT_ID_BYTES, &it->ids);
  default:
    return PL_ERR_BAD_FIELD;
  }
}

int
pl_gossip_decode(const uint8_t *body, size_t len, pl_gossip_item *items, uint32_t *n)
{
  pl_reader r = {body, len};
  uint8_t count;
  *n = 0;
  PL_TRY(pl_rd_u8(&r, &count));
  if (count == 0)
    return PL_ERR_BAD_FIELD;
  if (count > PL_GOSSIP_BATCH_ITEMS_MAX)
    return PL_ERR_OVERLONG;
  for (uint32_t i = 0; i < count; i++)
    PL_TRY(decode_item(&r, &items[i]));
  if (r.left != 0)
    return PL_ERR_TRAILING;
  *n = count;
  return PL_OK;
}

/* -------------------------------------------------------------- writer */

int
pl_gossip_item_bytes(const pl_gossip_item *it)
{
  switch (it->kind) {
  case PL_GOSSIP_ITEM_DATA:
    if (it->hops == 0 || it->id == NULL || it->data == NULL ||
        it->len < PL_WIRE_ENVELOPE_OVERHEAD + 4 ||
        it->len > PL_WIRE_ENVELOPE_OVERHEAD + 4 + PL_GOSSIP_PAYLOAD_MAX)
      return PL_ERR_INVALID;
    return PL_GOSSIP_DATA_HEADER_BYTES + it->len;
  case PL_GOSSIP_ITEM_IHAVE:
  case PL_GOSSIP_ITEM_IWANT:
    if (it->count == 0 || it->count > PL_GOSSIP_IDS_MAX || it->ids == NULL)
      return PL_ERR_INVALID;
    return (it->kind == PL_GOSSIP_ITEM_IHAVE ? 6 : 2) + it->count * PL_ID_BYTES;
  case PL_GOSSIP_ITEM_GRAFT:
  case PL_GOSSIP_ITEM_SUB:
  case PL_GOSSIP_ITEM_UNSUB:
    return PL_GOSSIP_TOPIC_ITEM_BYTES;
  case PL_GOSSIP_ITEM_PRUNE:
    return PL_GOSSIP_PRUNE_ITEM_BYTES;
  case PL_GOSSIP_ITEM_DIGEST:
  case PL_GOSSIP_ITEM_KNEW:
    if (it->count > PL_GOSSIP_SHORT_IDS_MAX || (it->count > 0 && it->ids == NULL) ||
        (it->kind == PL_GOSSIP_ITEM_KNEW && it->count == 0) ||
        (it->kind == PL_GOSSIP_ITEM_DIGEST && (it->flags & ~(unsigned)PL_GOSSIP_DIGEST_ALL)))
      return PL_ERR_INVALID;
    return (it->kind == PL_GOSSIP_ITEM_DIGEST ? 4 : 3) +
           it->count * PL_GOSSIP_SHORT_ID_BYTES;
  default:
    return PL_ERR_INVALID;
  }
}

void
pl_gossip_writer_init(pl_gossip_writer *w, uint8_t *buf, size_t cap)
{
  g_assert(cap >= PL_WIRE_HEADER_BYTES + 1);
  w->buf = buf;
  w->cap = MIN(cap, (size_t)PL_GOSSIP_BATCH_MAX_BYTES);
  w->len = PL_WIRE_HEADER_BYTES + 1;
  w->n_items = 0;
  buf[0] = PL_WIRE_VERSION;
  buf[1] = PL_MSG_GOSSIP_BATCH;
  buf[2] = 0;
}

int
pl_gossip_writer_add(pl_gossip_writer *w, const pl_gossip_item *it)
{
  int n = pl_gossip_item_bytes(it);
  if (n < 0)
    return n;
  if (w->n_items >= PL_GOSSIP_BATCH_ITEMS_MAX || w->len + (size_t)n > w->cap)
    return PL_ERR_BUFFER;
  uint8_t *p = w->buf + w->len;
  p[0] = it->kind;
  switch (it->kind) {
  case PL_GOSSIP_ITEM_DATA:
    p[1] = it->hops;
    pl_be_put16(p + 2, it->round);
    memcpy(p + 4, it->id, PL_ID_BYTES);
    pl_be_put16(p + 36, it->len);
    memcpy(p + 38, it->data, it->len);
    break;
  case PL_GOSSIP_ITEM_IHAVE:
    pl_be_put32(p + 1, it->topic);
    p[5] = (uint8_t)it->count;
    memcpy(p + 6, it->ids, (size_t)it->count * PL_ID_BYTES);
    break;
  case PL_GOSSIP_ITEM_IWANT:
    p[1] = (uint8_t)it->count;
    memcpy(p + 2, it->ids, (size_t)it->count * PL_ID_BYTES);
    break;
  case PL_GOSSIP_ITEM_GRAFT:
  case PL_GOSSIP_ITEM_SUB:
  case PL_GOSSIP_ITEM_UNSUB:
    pl_be_put32(p + 1, it->topic);
    break;
  case PL_GOSSIP_ITEM_PRUNE:
    pl_be_put32(p + 1, it->topic);
    p[5] = it->backoff_hb;
    break;
  case PL_GOSSIP_ITEM_DIGEST:
    p[1] = it->flags;
    pl_be_put16(p + 2, it->count);
    if (it->count > 0)
      memcpy(p + 4, it->ids, (size_t)it->count * PL_GOSSIP_SHORT_ID_BYTES);
    break;
  case PL_GOSSIP_ITEM_KNEW:
    pl_be_put16(p + 1, it->count);
    memcpy(p + 3, it->ids, (size_t)it->count * PL_GOSSIP_SHORT_ID_BYTES);
    break;
  default:
    g_assert_not_reached();
  }
  w->len += (size_t)n;
  w->n_items++;
  w->buf[PL_WIRE_HEADER_BYTES] = (uint8_t)w->n_items;
  return PL_OK;
}

/* Bytes of the item written at |p| (our own encoding, so well formed). */
static size_t
written_item_bytes(const uint8_t *p)
{
  switch (p[0]) {
  case PL_GOSSIP_ITEM_DATA:
    return PL_GOSSIP_DATA_HEADER_BYTES + (size_t)pl_be_get16(p + 36);
  case PL_GOSSIP_ITEM_IHAVE:
    return 6 + (size_t)p[5] * PL_ID_BYTES;
  case PL_GOSSIP_ITEM_IWANT:
    return 2 + (size_t)p[1] * PL_ID_BYTES;
  case PL_GOSSIP_ITEM_GRAFT:
  case PL_GOSSIP_ITEM_SUB:
  case PL_GOSSIP_ITEM_UNSUB:
    return PL_GOSSIP_TOPIC_ITEM_BYTES;
  case PL_GOSSIP_ITEM_PRUNE:
    return PL_GOSSIP_PRUNE_ITEM_BYTES;
  case PL_GOSSIP_ITEM_DIGEST:
    return 4 + (size_t)pl_be_get16(p + 2) * PL_GOSSIP_SHORT_ID_BYTES;
  case PL_GOSSIP_ITEM_KNEW:
    return 3 + (size_t)pl_be_get16(p + 1) * PL_GOSSIP_SHORT_ID_BYTES;
  default:
    g_assert_not_reached();
  }
}

bool
pl_gossip_writer_drop_data(pl_gossip_writer *w, const uint8_t id[PL_ID_BYTES])
{
  size_t off = PL_WIRE_HEADER_BYTES + 1;
  for (uint32_t i = 0; i < w->n_items; i++) {
    uint8_t *p = w->buf + off;
    size_t n = written_item_bytes(p);
    g_assert(off + n <= w->len);
    if (p[0] == PL_GOSSIP_ITEM_DATA && memcmp(p + 4, id, PL_ID_BYTES) == 0) {
      memmove(p, p + n, w->len - off - n);
      w->len -= n;
      w->n_items--;
      w->buf[PL_WIRE_HEADER_BYTES] = (uint8_t)w->n_items;
      return true;
    }
    off += n;
  }
  return false;
}

size_t
pl_gossip_writer_finish(pl_gossip_writer *w)
{
  return w->n_items == 0 ? 0 : w->len;
}

int
pl_gossip_message_build(uint8_t *buf, size_t cap, const uint8_t seed[PL_SEED_BYTES],
                        const uint8_t key[PL_KEY_BYTES], uint64_t seq, pl_time_ns timestamp_ns,
                        uint32_t topic, const uint8_t *data, size_t len,
                        uint8_t id[PL_ID_BYTES])
{
  if (len > PL_GOSSIP_PAYLOAD_MAX)
    return PL_ERR_INVALID;
  uint8_t payload[4 + PL_GOSSIP_PAYLOAD_MAX];
  pl_be_put32(payload, topic);
  if (len > 0) {
    if (data != NULL)
      memcpy(payload + 4, data, len);
    else
      memset(payload + 4, 0, len);
  }
  int n = pl_envelope_seal(buf, cap, seed, key, seq, timestamp_ns, PL_MSG_GOSSIP_DATA, payload,
                           4 + len);
  if (n < 0)
    return n;
  pl_hash(buf, (size_t)n, id);
  return n;
}
