/* SPDX-License-Identifier: MIT */
/*
 * The spool's attachment chunks as the loop thread asks for them (spool.h, "Attachment
 * chunks"): a chunk put, checked and reserved like an envelope's put and queued on the
 * writer, and a chunk get queued on the reader. The SQL is in spool_chunk_sql.c.
 */
#include <string.h>

#include "rejsepost_errors.h"
#include "spool_int.h"
#include "chunk.h"     /* RP__CHUNK_SEALED_MAX, RP__CHUNK_COUNT_MAX */
#include "transport.h" /* RP__CHUNK_GET_MAX */

int rp__spool_put_chunk(rp__spool *sp, rp__spool_req *req, const rp__spool_chunk *ch,
                        rp__spool_cb cb) {
  int r, over;

  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (ch == NULL || !rp__spool_id_ok(ch->sender) || !rp__spool_id_ok(ch->recipient) ||
      ch->bytes == NULL || ch->len == 0 || ch->count == 0 || ch->index >= ch->count ||
      ch->count > (uint64_t)INT64_MAX)
    return RP_EINVAL;
  /* The count bounds the chunk file's offsets (index * RP__CHUNK_SEALED_MAX). */
  if (ch->len > RP__CHUNK_SEALED_MAX || ch->len > ch->message_max ||
      ch->count > RP__CHUNK_COUNT_MAX)
    return RP_ETOOBIG;
  if ((r = rp__spool_reserve(sp, ch->recipient, ch->sender, ch->len, &over)) != 0) return r;

  rp__spool_req_start(sp, req, RP__SPOOL_CHUNK_PUT, cb);
  memcpy(req->priv.msg_id, ch->msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.sender, ch->sender, strlen(ch->sender) + 1);
  memcpy(req->priv.recipient, ch->recipient, strlen(ch->recipient) + 1);
  req->priv.index = ch->index;
  req->priv.count = ch->count;
  req->priv.expires_ms = ch->expires_ms;
  req->priv.bytes = ch->bytes;
  req->priv.len = ch->len;
  req->priv.message_max = ch->message_max;
  req->priv.check_only = over;
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_chunk_get(rp__spool *sp, rp__spool_req *req, const char *recipient,
                        const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t from,
                        uint64_t count, size_t max_bytes, int64_t now_ms, rp__spool_cb cb) {
  if (sp->closing) return RP_ECLOSED;
  if (!rp__spool_id_ok(recipient) || msg_id == NULL || count == 0 ||
      count > RP__CHUNK_GET_MAX || from > (uint64_t)INT64_MAX || max_bytes == 0)
    return RP_EINVAL;
  rp__spool_req_start(sp, req, RP__SPOOL_CHUNK_GET, cb);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  memcpy(req->priv.msg_id, msg_id, RP_MSG_ID_BYTES);
  req->priv.index = from;
  req->priv.count = count;
  req->priv.max_bytes = max_bytes;
  req->priv.now_ms = now_ms;
  rp__spool_enqueue(&sp->reader, req);
  return 0;
}
