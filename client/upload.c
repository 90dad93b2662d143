/* SPDX-License-Identifier: MIT */
/* The upload of attachment chunks; see upload.h. Loop thread only. */
#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chunk.h"
#include "client.h"
#include "conn.h"
#include "envelope_hdr.h"
#include "hold.h"
#include "host_log.h"
#include "recv.h"

static void progress(rp_client *c, const rp__cl_upload *u) {
  char id[RP_ID_STRLEN];
  if (c->cfg.progress == NULL) return;
  sodium_bin2hex(id, sizeof id, u->msg_id, RP_MSG_ID_BYTES);
  c->cfg.progress(c->cfg.progress_data, c, id, RP_PROGRESS_SEND, u->bytes_acked, u->bytes);
}

/* Sets the upload up for o from the outbox: which chunks the relay already has. */
static int start(rp_client *c, rp__cl_upload *u, const rp__store_out *o) {
  rp__envcont cont;
  rp__envhdr h;
  uint64_t n = 0;
  int rc;
  memset(u, 0, sizeof *u);
  if ((rc = rp__envhdr_container_parse(o->envelope, o->envelope_len, &cont, &h, NULL)) != 0)
    return rc;
  if ((rc = rp__store_out_chunks_sum(c->st, o->msg_id, &n, &u->acked, &u->bytes,
                                     &u->bytes_acked)) != 0)
    return rc;
  if (n != o->chunks || h.chunks != o->chunks) return RP_EINTERNAL;
  memcpy(u->msg_id, o->msg_id, RP_MSG_ID_BYTES);
  snprintf(u->to, sizeof u->to, "%s", o->recipient);
  u->expires = h.expires;
  u->count = o->chunks;
  u->active = true;
  return 0;
}

/* Sends chunks of u from u->next on, below `limit`, as far as the windows allow. */
static void send_chunks(rp_client *c, rp__cl_upload *u, uint64_t limit) {
  rp__tmsg m;
  uint8_t *buf = NULL;
  int acked;
  size_t len;
  while (u->acked < u->count && u->next < limit && u->inflight < RP__CL_CHUNK_WINDOW &&
         c->inflight < c->send_window) {
    if (buf == NULL && (buf = malloc(RP__CHUNK_SEALED_MAX)) == NULL) break;
    if (rp__store_out_chunk_get(c->st, u->msg_id, u->next, buf, RP__CHUNK_SEALED_MAX, &len,
                                &acked) != 0)
      break;
    if (acked) {
      u->next++;
      continue;
    }
    memset(&m, 0, sizeof m);
    m.type = RP__T_CHUNK;
    memcpy(m.u.chunk.msg_id, u->msg_id, RP_MSG_ID_BYTES);
    m.u.chunk.to = (rp__str){u->to, (uint32_t)strlen(u->to)};
    m.u.chunk.index = u->next;
    m.u.chunk.count = u->count;
    m.u.chunk.expires = u->expires;
    m.u.chunk.data = (rp__bin){buf, (uint32_t)len};
    if (rp__conn_send(c, &m) != 0) break;
    u->next++;
    u->inflight++;
    c->inflight++;
  }
  free(buf);
}

/* The outbox row o takes over the upload rp__upload_early began for it: from now on its
 * chunks carry the envelope's expiry, and the outbox's counts are the truth. */
static int adopt(rp_client *c, rp__cl_upload *u, const rp__store_out *o) {
  rp__envcont cont;
  rp__envhdr h;
  uint64_t n = 0;
  int rc;
  if ((rc = rp__envhdr_container_parse(o->envelope, o->envelope_len, &cont, &h, NULL)) != 0)
    return rc;
  if ((rc = rp__store_out_chunks_sum(c->st, o->msg_id, &n, &u->acked, &u->bytes,
                                     &u->bytes_acked)) != 0)
    return rc;
  if (n != o->chunks || h.chunks != o->chunks || u->count != o->chunks) return RP_EINTERNAL;
  u->expires = h.expires;
  u->early = false;
  return 0;
}

bool rp__upload_pump(rp_client *c, const rp__store_out *o) {
  rp__cl_upload *u = &c->upload;
  int rc = 0;
  bool same = u->active && memcmp(u->msg_id, o->msg_id, RP_MSG_ID_BYTES) == 0;
  /* An early upload never holds the queue up (upload.h, "Early"). */
  if (u->active && !same && u->early) u->active = false;
  if (u->active && !same) return false;
  if (same && u->early && adopt(c, u, o) != 0) u->active = false; /* start again */
  if (!u->active) rc = start(c, u, o);
  if (rc != 0) {
    char id[RP_ID_STRLEN];
    sodium_bin2hex(id, sizeof id, o->msg_id, RP_MSG_ID_BYTES);
    rp__hlog(c, RP_LOG_ERROR, "upload_failed msg_id=%s code=%s", id, rp_err_name(rc));
    return false;
  }
  send_chunks(c, u, u->count);
  return u->acked == u->count;
}

void rp__upload_early(rp_client *c) {
  rp__cl_upload *u = &c->upload;
  rp__cl_early e;
  rp__store_out o;
  pthread_mutex_lock(&c->mu);
  e = c->early;
  pthread_mutex_unlock(&c->mu);
  if (u->active && u->early &&
      (!e.active || memcmp(e.msg_id, u->msg_id, RP_MSG_ID_BYTES) != 0)) {
    /* The sealing has ended: the committed row takes the upload over when the pump meets
     * it; an rp_send that failed left no row, and the slot is free again. */
    if (rp__store_out_get(c->st, u->msg_id, 0, &o) != 0 || o.status != RP_STATUS_QUEUED)
      u->active = false;
    return;
  }
  if (!e.active || c->chunk_max == 0 || e.sealed == 0 ||
      memcmp(e.msg_id, c->early_off, RP_MSG_ID_BYTES) == 0 || rp__hold_blocks(c, e.to))
    return;
  if (!u->active) {
    uint64_t n = 0, bytes = 0;
    memset(u, 0, sizeof *u);
    /* Chunks acknowledged on an earlier connection (this rp_send still running). */
    if (rp__store_out_chunks_sum(c->st, e.msg_id, &n, &u->acked, &bytes, &u->bytes_acked) !=
        0)
      return;
    u->bytes = e.bytes;
    memcpy(u->msg_id, e.msg_id, RP_MSG_ID_BYTES);
    snprintf(u->to, sizeof u->to, "%s", e.to);
    u->expires = e.expires;
    u->count = e.count;
    u->active = u->early = true;
  }
  if (u->early) send_chunks(c, u, e.sealed);
}

/* Codes after which the chunk may succeed on a later connection. */
static bool transient(int code) {
  return code == RP_EBUSY || code == RP_ESPOOLFULL || code == RP_EQUOTA ||
         code == RP_EFSYNC || code == RP_EIO || code == RP_EINTERNAL ||
         code == RP_ECLOSED || code == RP_ETIMEDOUT || code == RP_ENOMEM ||
         code == RP_ESTATE;
}

void rp__upload_on_ack(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t index,
                       uint64_t code) {
  rp__cl_upload *u = &c->upload;
  char id[RP_ID_STRLEN];
  int err = -(int)code;
  if (c->inflight > 0) c->inflight--;
  if (!u->active || memcmp(u->msg_id, msg_id, RP_MSG_ID_BYTES) != 0 || index >= u->count)
    return; /* an answer from before a reset of ours: the outbox decides */
  if (u->inflight > 0) u->inflight--;
  sodium_bin2hex(id, sizeof id, msg_id, RP_MSG_ID_BYTES);
  if (code == 0) {
    size_t len = 0;
    int was = 0;
    rp__conn_stored(c);
    if (rp__store_out_chunk_get(c->st, msg_id, index, NULL, 0, &len, &was) == 0 && !was &&
        rp__store_out_chunk_acked(c->st, msg_id, index) == 0) {
      u->acked++;
      u->bytes_acked += len;
      progress(c, u);
    }
    if (c->shutdown_started && c->inflight == 0)
      rp__conn_bye(c);
    else
      rp__conn_pump(c);
    return;
  }
  if (transient(err)) {
    /* Later, on a new connection, from the first chunk not acknowledged. */
    rp__hlog(c, RP_LOG_INFO, "chunk_refused msg_id=%s index=%llu code=%s retry=1", id,
             (unsigned long long)index, rp_err_name(err));
    rp__conn_refused(c, err);
    return;
  }
  if (u->early) {
    /* Not the message's verdict yet: its outbox row uploads again once committed
     * (upload.h, "Early"). */
    rp__hlog(c, RP_LOG_INFO, "chunk_refused msg_id=%s index=%llu code=%s early=1", id,
             (unsigned long long)index, rp_err_name(err));
    memcpy(c->early_off, msg_id, RP_MSG_ID_BYTES);
    u->active = false;
    rp__conn_pump(c);
    return;
  }
  rp__hlog(c, RP_LOG_WARN, "send_failed msg_id=%s code=%s by=relay chunk=%llu", id,
           rp_err_name(err), (unsigned long long)index);
  u->active = false;
  rp__client_status(c, msg_id, RP_STATUS_FAILED, err);
  rp__store_out_chunks_delete(c->st, msg_id);
  rp__conn_pump(c);
}

void rp__upload_reset(rp_client *c) {
  memset(&c->upload, 0, sizeof c->upload);
}

void rp__upload_done(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], bool drop) {
  rp__store_out o;
  if (c->upload.active && memcmp(c->upload.msg_id, msg_id, RP_MSG_ID_BYTES) == 0)
    c->upload.active = false;
  if (drop && rp__store_out_get(c->st, msg_id, 0, &o) == 0 && o.chunks > 0)
    rp__store_out_chunks_delete(c->st, msg_id);
}

int rp__upload_again(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES]) {
  rp__store_out o;
  int rc;
  if ((rc = rp__store_out_get(c->st, msg_id, 0, &o)) != 0) return rc;
  if (o.chunks == 0 || o.status != RP_STATUS_QUEUED) return RP_ENOTFOUND;
  if (memcmp(c->again.msg_id, msg_id, RP_MSG_ID_BYTES) != 0) {
    memcpy(c->again.msg_id, msg_id, RP_MSG_ID_BYTES);
    c->again.n = 0;
  }
  if (c->again.n >= RP__CL_UPLOAD_AGAIN_MAX) return RP_ETRUNC;
  c->again.n++;
  if ((rc = rp__store_out_chunks_unack(c->st, msg_id)) != 0) return rc;
  rp__upload_done(c, msg_id, false);
  if (c->send_cursor >= o.rowid) c->send_cursor = o.rowid - 1;
  return 0;
}
