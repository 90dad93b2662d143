/* SPDX-License-Identifier: MIT */
/* The download of attachment chunks; see download.h. Loop thread only. */
#include "download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "attach.h"
#include "client.h"
#include "conn.h"
#include "host_log.h"
#include "received_int.h"
#include "recv.h"
#include "store.h"

static void progress(rp_client *c, const rp__cl_download *d) {
  char id[RP_ID_STRLEN];
  if (c->cfg.progress == NULL) return;
  sodium_bin2hex(id, sizeof id, d->msg_id, RP_MSG_ID_BYTES);
  c->cfg.progress(c->cfg.progress_data, c, id, RP_PROGRESS_RECEIVE, d->bytes_done,
                  d->bytes_total);
}

static void end(rp_client *c) {
  rp__cl_download *d = &c->download;
  rp__chunk_reader_wipe(&d->reader);
  sodium_free(d->pt); /* wipes */
  d->pt = NULL;
  d->active = false;
}

void rp__download_reset(rp_client *c) {
  end(c);
  c->download.nwaiting = 0;
}

/* The whole message is refused for a chunk that does not open (download.h). */
static void refuse(rp_client *c, int code, uint64_t index) {
  rp__cl_download *d = &c->download;
  char id[RP_ID_STRLEN];
  sodium_bin2hex(id, sizeof id, d->msg_id, RP_MSG_ID_BYTES);
  rp__hlog(c, RP_LOG_WARN, "delivery_refused msg_id=%s code=%s where=chunk index=%llu", id,
           rp_err_name(code), (unsigned long long)index);
  if (rp__store_in_drop(c->st, d->msg_id) != 0) {
    /* Not even that: leave it at the relay and try again on a new connection. */
    rp__conn_bye_error(c, RP_EIO);
    return;
  }
  rp__conn_delivered(c, d->msg_id, d->seq, code);
  end(c);
  rp__download_pump(c);
}

/* Every chunk is in and verified: the message is whole. */
static void finish(rp_client *c) {
  rp__cl_download *d = &c->download;
  int rc = rp__chunk_reader_finish(&d->reader);
  if (rc != 0) {
    refuse(c, rc == RP_ESTATE ? RP_ETRUNC : rc, d->next);
    return;
  }
  if ((rc = rp__recv_complete(c, d->msg_id)) != 0) {
    rp__conn_bye_error(c, rc);
    return;
  }
  rp__conn_delivered(c, d->msg_id, d->seq, 0);
  end(c);
  rp__download_pump(c);
}

/* The sealed size of every chunk of attachments of these sizes, for progress. */
static uint64_t sealed_total(const uint64_t *sizes, uint32_t n) {
  uint64_t t = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t k = rp__chunk_count(sizes[i]), last = sizes[i] - (k - 1) * RP__CHUNK_SIZE;
    t += (k - 1) * RP__CHUNK_SEALED_MAX + rp__chunk_sealed_size((size_t)last);
  }
  return t;
}

/* Sets up the reader from the stored envelope and re-opens the chunks kept. */
static int start(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t seq) {
  rp__cl_download *d = &c->download;
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX], stored = 0;
  uint8_t sha[RP_PAYLOAD_ATTACHMENTS_MAX][32], *ct = NULL;
  rp__store_in row;
  rp_received *r = NULL;
  rp__attachment *atts;
  uint32_t *count, n;
  int rc;
  memset(d->msg_id, 0, sizeof d->msg_id);
  memcpy(d->msg_id, msg_id, RP_MSG_ID_BYTES);
  d->seq = seq;
  d->active = true;
  if ((rc = rp__store_in_get_any(c->st, msg_id, &row)) != 0) return rc;
  rc = rp__received_from_row(c, &row, &r);
  d->count = row.chunks;
  rp__store_in_free(&row);
  if (rc != 0) return rc;
  if ((rc = rp__attach_list(&r->p, &atts, &count)) != 0) goto out;
  n = *count;
  for (uint32_t i = 0; i < n; i++) {
    sizes[i] = atts[i].size;
    memcpy(sha[i], atts[i].sha256, 32);
  }
  d->bytes_total = sealed_total(sizes, n);
  rc = RP_ENOMEM;
  if ((d->pt = sodium_malloc(RP__CHUNK_SIZE)) == NULL ||
      (ct = malloc(RP__CHUNK_SEALED_MAX)) == NULL)
    goto out;
  if ((rc = rp__store_in_chunks_stored(c->st, msg_id, &stored)) != 0) goto out;
  if (stored > d->count) stored = d->count;
  for (int pass = 0;; pass++) {
    uint64_t g = 0;
    d->bytes_done = 0;
    if ((rc = rp__chunk_reader_init(&d->reader, r->op.chunk_key, msg_id, sizes,
                                    (const uint8_t(*)[32])sha, n, RP__CHUNK_ATTACHMENT_MAX,
                                    UINT64_MAX)) != 0)
      goto out;
    for (; g < stored; g++) {
      size_t len = 0, pl = 0;
      uint32_t att;
      bool done;
      if (rp__store_in_chunk_get(c->st, msg_id, g, ct, RP__CHUNK_SEALED_MAX, &len) != 0 ||
          rp__chunk_reader_open(&d->reader, g, ct, len, d->pt, RP__CHUNK_SIZE, &pl, &att,
                                &done) != 0)
        break;
      d->bytes_done += len;
    }
    if (g == stored) break;
    /* A stored chunk that does not read back or open: its row became durable (with a
     * later commit's sync of the WAL) while its bytes did not (the file is synced once,
     * when the message completes), as after a power cut. They were verified when they
     * came, so this is our loss, not the sender's fault: fetch them again from g. */
    rp__chunk_reader_wipe(&d->reader);
    if (pass > 0) {
      rc = RP_EIO;
      goto out;
    }
    if ((rc = rp__store_in_chunks_trim(c->st, msg_id, g)) != 0) goto out;
    stored = g;
  }
  d->next = d->asked = rp__chunk_reader_next(&d->reader);
out:
  free(ct);
  rp_received_free(r);
  return rc;
}

void rp__download_pump(rp_client *c) {
  rp__cl_download *d = &c->download;
  rp__tmsg m;
  int rc;
  while (!d->active && d->nwaiting > 0) {
    rp__cl_dl_wait w = d->waiting[0];
    memmove(&d->waiting[0], &d->waiting[1], (d->nwaiting - 1) * sizeof d->waiting[0]);
    d->nwaiting--;
    if ((rc = start(c, w.msg_id, w.seq)) != 0) {
      if (rc == RP_ENOMEM || rc == RP_EIO || rc == RP_EFSYNC || rc == RP_EINTERNAL) {
        rp__conn_bye_error(c, rc);
        return;
      }
      refuse(c, rc, d->next);
      return;
    }
    if (d->next == d->count) {
      finish(c);
      return;
    }
  }
  if (!d->active || c->phase != RP__CONN_PH_RECEIVING) return;
  while (d->asked < d->count &&
         d->asked - d->next + RP__CL_CHUNK_GET <= RP__CL_CHUNK_CREDIT) {
    uint64_t k =
        d->count - d->asked < RP__CL_CHUNK_GET ? d->count - d->asked : RP__CL_CHUNK_GET;
    memset(&m, 0, sizeof m);
    m.type = RP__T_CHUNK_GET;
    memcpy(m.u.chunk_get.msg_id, d->msg_id, RP_MSG_ID_BYTES);
    m.u.chunk_get.from = d->asked;
    m.u.chunk_get.count = k;
    if (rp__conn_send(c, &m) != 0) return;
    d->asked += k;
  }
}

void rp__download_add(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t seq) {
  rp__cl_download *d = &c->download;
  if (d->active && memcmp(d->msg_id, msg_id, RP_MSG_ID_BYTES) == 0) {
    d->seq = seq; /* delivered again: answer the newest */
    return;
  }
  for (size_t i = 0; i < d->nwaiting; i++)
    if (memcmp(d->waiting[i].msg_id, msg_id, RP_MSG_ID_BYTES) == 0) {
      d->waiting[i].seq = seq;
      return;
    }
  if (d->nwaiting == RP__CL_RECEIVE_WINDOW) return; /* the relay broke its window */
  memcpy(d->waiting[d->nwaiting].msg_id, msg_id, RP_MSG_ID_BYTES);
  d->waiting[d->nwaiting].seq = seq;
  d->nwaiting++;
  rp__download_pump(c);
}

void rp__download_on_data(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES],
                          uint64_t index, const uint8_t *data, size_t len, uint64_t code) {
  rp__cl_download *d = &c->download;
  size_t pl = 0;
  uint32_t att;
  bool done;
  int rc;
  if (!d->active || memcmp(d->msg_id, msg_id, RP_MSG_ID_BYTES) != 0) return;
  if (code == 0 && index < d->next) return; /* kept already (the reader would refuse) */
  if (code != 0) {
    char id[RP_ID_STRLEN];
    sodium_bin2hex(id, sizeof id, msg_id, RP_MSG_ID_BYTES);
    if (-(int)code != RP_ENOTFOUND && -(int)code != RP_EEXPIRED) {
      /* The relay could not read the chunk now (EIO, ENOMEM...): it still holds the
       * message. Keep what is stored and end the connection; the next one delivers the
       * envelope again and the download resumes from this chunk (PROTOCOL.md 5.1). */
      rp__hlog(c, RP_LOG_WARN, "download_interrupted msg_id=%s index=%llu code=%s", id,
               (unsigned long long)index, rp_err_name(-(int)code));
      rp__conn_bye_error(c, -(int)code);
      return;
    }
    /* The relay holds no such message (any more): nothing to fetch, nothing to answer.
     * The incomplete row goes; were the envelope delivered again, it starts over. */
    rp__hlog(c, RP_LOG_WARN, "download_failed msg_id=%s index=%llu code=%s", id,
             (unsigned long long)index, rp_err_name(-(int)code));
    rp__store_in_drop(c->st, msg_id);
    end(c);
    rp__download_pump(c);
    return;
  }
  if ((rc = rp__chunk_reader_open(&d->reader, index, data, len, d->pt, RP__CHUNK_SIZE, &pl,
                                  &att, &done)) != 0) {
    refuse(c, rc, index);
    return;
  }
  sodium_memzero(d->pt, pl);
  if ((rc = rp__store_in_chunk_put(c->st, msg_id, index, data, len)) != 0) {
    rp__conn_bye_error(c, rc); /* ours: the relay keeps it, we resume later */
    return;
  }
  d->next = index + 1;
  d->bytes_done += len;
  progress(c, d);
  if (d->next == d->count)
    finish(c);
  else
    rp__download_pump(c);
}
