/* SPDX-License-Identifier: MIT */
/* Sending: check, seal, store durably in the outbox; the loop thread does the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "attach.h"
#include "client.h"
#include "clock.h"
#include "cpr.h"
#include "envelope.h"
#include "export.h"
#include "hex.h"
#include "loop.h"
#include "msg_field.h"
#include "msg_int.h"
#include "route.h"
#include "send.h"

/* The thread and the peer of the message `ref` refers to, from outbox or inbox. */
static int ref_lookup(rp_client *c, const uint8_t *ref, uint8_t thread[RP_THREAD_ID_BYTES],
                      char *peer, size_t cap) {
  rp__store_out o;
  rp__store_in in;
  if (rp__store_out_get(c->st, ref, 0, &o) == 0) {
    memcpy(thread, o.thread_id, RP_THREAD_ID_BYTES);
    snprintf(peer, cap, "%s", o.recipient);
    return 0;
  }
  if (rp__store_in_get(c->st, ref, &in) == 0) {
    memcpy(thread, in.thread_id, RP_THREAD_ID_BYTES);
    snprintf(peer, cap, "%s", in.sender);
    rp__store_in_free(&in);
    return 0;
  }
  return RP_ENOTFOUND;
}

/* The first active team member: a municipality's default recipient. */
static const rp__member *team_member(const rp__roster *r, uint64_t now) {
  for (uint32_t i = 0; i < rp__roster_count(r); i++) {
    const rp__member *m = rp__roster_member(r, i);
    if (m->kind == RP_MEMBER_TEAM && rp__roster_member_active(m, now) == 0) return m;
  }
  return NULL;
}

/* Checks the payload's content (CPR guard, host hook, schema rules) and encodes it into
 * buf[0..RP_PAYLOAD_MAX), which the caller wipes (the first *len bytes). */
static int check_content(rp_client *c, const rp__payload *p, uint8_t *buf, size_t *len,
                         const char **where, size_t *offset) {
  rp__cpr_hook hook = {(rp__cpr_hook_fn)c->cfg.hook, c->cfg.hook_data};
  return rp__msg_check_content(p, &hook, buf, len, where, offset);
}

/* Chooses the recipient of p, fills the envelope's arguments and sets up its sealing
 * (the HPKE context and the chunk key), under c->mu since it reads the roster. */
static int begin_locked(rp_client *c, const rp__payload *p, const char *to,
                        rp__store_out *row, rp__seal_args *a, rp__envelope_sealer **s,
                        uint8_t key[RP__CHUNK_KEYBYTES], const char **where) {
  const rp__member *m;
  int rc;
  uint64_t now = p->created;
  if (to[0] != '\0')
    m = rp__roster_find_id(c->roster, to);
  else
    m = rp__route_sender_bit(c->my_kind) == RP__FROM_MUNICIPALITY
            ? team_member(c->roster, now)
            : NULL;
  *where = "recipient";
  if (m == NULL) return to[0] != '\0' ? RP_EUNKNOWNMEMBER : RP_EMISSING;
  if ((rc = rp__roster_member_active(m, now)) != 0) return rc;
  *where = NULL;
  memset(a, 0, sizeof *a);
  memcpy(a->msg_id, p->msg_id, RP_MSG_ID_BYTES);
  a->created = now;
  a->expires = now + c->cfg.expiry_ms;
  a->urgency = rp__route_urgency(p);
  rc = rp__envelope_begin(c->me, m, s, key);
  if (rc == 0) snprintf(row->recipient, sizeof row->recipient, "%s", m->pub.id);
  return rc;
}

/* The early upload of the message being sealed (upload.h, "Early"): this rp_send owns
 * c->early while `mine`. */
typedef struct early_ctx {
  rp_client *c;
  bool mine;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  char to[RP_MEMBER_ID_MAX + 1];
  uint64_t expires; /* the envelope's */
} early_ctx;

/* rp__attach_job.sealed: claims c->early before the first chunk (if no other rp_send has
 * it), then tells the loop of every chunk written. */
static void early_sealed(void *data, uint64_t count, uint64_t bytes, uint64_t n) {
  early_ctx *e = data;
  rp_client *c = e->c;
  bool wake = false;
  pthread_mutex_lock(&c->mu);
  if (n == 0 && !c->early.active) {
    uint64_t soon = rp__clock_wall_ms() + RP__CL_EARLY_EXPIRY_MS;
    memset(&c->early, 0, sizeof c->early);
    c->early.active = e->mine = true;
    memcpy(c->early.msg_id, e->msg_id, RP_MSG_ID_BYTES);
    snprintf(c->early.to, sizeof c->early.to, "%s", e->to);
    c->early.expires = soon < e->expires ? soon : e->expires;
    c->early.count = count;
    c->early.bytes = bytes;
  } else if (e->mine) {
    c->early.sealed = n;
    wake = true;
  }
  pthread_mutex_unlock(&c->mu);
  if (wake) rp__loop_wake(c);
}

/* The sealing is over (committed or failed): the slot is free; the loop learns it. */
static void early_end(early_ctx *e) {
  if (!e->mine) return;
  pthread_mutex_lock(&e->c->mu);
  memset(&e->c->early, 0, sizeof e->c->early);
  pthread_mutex_unlock(&e->c->mu);
  e->mine = false;
  rp__loop_wake(e->c);
}

/* Seals the attachments of msg (if any) into the outbox, then the payload: the order
 * attach.h gives. buf holds the payload as checked; it is encoded again once the
 * attachments' sizes and hashes are in. On failure no chunk of p stays. */
static int seal_all(rp_client *c, rp__payload *p, rp_msg *msg, const char *to, uint8_t *buf,
                    size_t *len, rp__store_out *row, const char **where, size_t *offset,
                    char *where_buf, size_t where_cap, early_ctx *early) {
  rp__envelope_sealer *s = NULL;
  uint8_t key[RP__CHUNK_KEYBYTES];
  rp__seal_args a;
  rp__attach_job job;
  int rc;
  memset(&job, 0, sizeof job);
  pthread_mutex_lock(&c->mu);
  rc = begin_locked(c, p, to, row, &a, &s, key, where);
  pthread_mutex_unlock(&c->mu);
  if (rc == 0 && msg != NULL) {
    job.st = c->st;
    job.key = key;
    job.msg_id = p->msg_id;
    job.att_max = c->cfg.att_max;
    job.msg_att_max = c->cfg.msg_att_max;
    job.hook = c->cfg.att_hook;
    job.hook_data = c->cfg.att_hook_data;
    if (early != NULL) {
      early->c = c;
      memcpy(early->msg_id, p->msg_id, RP_MSG_ID_BYTES);
      snprintf(early->to, sizeof early->to, "%s", row->recipient);
      early->expires = a.expires;
      job.sealed = early_sealed;
      job.sealed_data = early;
    }
    if ((rc = rp__attach_seal(&job, msg, p)) != 0) {
      snprintf(where_buf, where_cap, "%s", job.where);
      *where = where_buf;
      *offset = job.offset;
    }
    if (rc == 0 && job.n_chunks > 0) {
      sodium_memzero(buf, *len);
      rc = rp__payload_encode(p, buf, RP_PAYLOAD_MAX, len, where);
    }
  }
  a.chunks = job.n_chunks; /* header key 10: authenticated, and the relay reads it */
  if (rc == 0)
    rc = rp__envelope_finish(s, &a, buf, *len, &row->envelope, &row->envelope_len);
  if (rc == 0) row->chunks = job.n_chunks;
  if (rc != 0 && job.n_chunks > 0) rp__store_out_chunks_delete(c->st, p->msg_id);
  rp__envelope_sealer_free(s);
  sodium_memzero(key, sizeof key);
  return rc;
}

/* A municipality speaks for itself only: sender_org is its code in the signed roster.
 * Filled in when the application left it empty; a different code is refused rather than
 * corrected, because it means the host system has mixed up its tenants. */
static int own_org(rp_client *c, rp__payload *p, char org[RP_MUNICIPALITY_CODE_BYTES + 1],
                   const char **where) {
  rp__str *f = rp__route_org_field(p);
  if (f == NULL || c->my_kind != RP_MEMBER_MUNICIPALITY) return 0;
  pthread_mutex_lock(&c->mu);
  const rp__member *me = rp__roster_find_id(c->roster, c->me->pub.id);
  snprintf(org, RP_MUNICIPALITY_CODE_BYTES + 1, "%s", me != NULL ? me->municipality : "");
  pthread_mutex_unlock(&c->mu);
  *where = "sender_org";
  if (org[0] == '\0') return RP_EUNKNOWNMEMBER;
  if (f->n == 0)
    *f = (rp__str){org, (uint32_t)strlen(org)};
  else if (!rp__str_eq(*f, org))
    return RP_EINVAL;
  *where = NULL;
  return 0;
}

/* rp__send_prepare, with the attachment sources of msg (NULL: none). where_buf holds
 * a *where that names an attachment. */
static int prepare(rp_client *c, rp__payload *p, rp_msg *msg, const char *to,
                   const uint8_t *thread, rp__store_out *row, const char **where,
                   size_t *offset, char *where_buf, size_t where_cap, early_ctx *early) {
  char org[RP_MUNICIPALITY_CODE_BYTES + 1];
  char peer[RP__STORE_PEER_MAX] = "";
  const uint8_t *ref = rp__payload_ref(p);
  uint8_t ref_thread[RP_THREAD_ID_BYTES], *buf;
  size_t len = 0;
  int rc;
  memset(row, 0, sizeof *row);
  *where = NULL;
  *offset = 0;
  if (!(rp__payload_kind_senders(p->kind) & rp__route_sender_bit(c->my_kind))) {
    *where = "kind";
    return RP_EKIND;
  }
  if ((rc = rp__msg_check_thread(p, thread != NULL, where)) != 0) return rc;
  if ((rc = own_org(c, p, org, where)) != 0) return rc;
  rp__envelope_new_id(p->msg_id);
  p->created = rp__clock_wall_ms();
  p->version = RP_SCHEMA_VERSION;
  if (ref != NULL && ref_lookup(c, ref, ref_thread, peer, sizeof peer) == 0 && !thread)
    thread = ref_thread;
  memcpy(p->thread_id, thread != NULL ? thread : p->msg_id, RP_THREAD_ID_BYTES);
  if ((buf = malloc(RP_PAYLOAD_MAX)) == NULL) return RP_ENOMEM;
  if ((rc = check_content(c, p, buf, &len, where, offset)) == 0) {
    if (to == NULL || to[0] == '\0') to = peer;
    rc =
        seal_all(c, p, msg, to, buf, &len, row, where, offset, where_buf, where_cap, early);
  }
  sodium_memzero(buf, len); /* only the encoded bytes ever held the plaintext */
  free(buf);
  if (rc != 0) return rc;
  memcpy(row->msg_id, p->msg_id, RP_MSG_ID_BYTES);
  memcpy(row->thread_id, p->thread_id, RP_THREAD_ID_BYTES);
  if (ref != NULL) memcpy(row->ref_id, ref, RP_MSG_ID_BYTES);
  row->kind = (int)p->kind;
  row->urgency = rp__route_urgency(p);
  row->receipt = p->kind == RP__PL_RECEIPT;
  row->status = RP_STATUS_QUEUED;
  row->times[RP_STATUS_QUEUED] = p->created;
  return 0;
}

int rp__send_prepare(rp_client *c, rp__payload *p, const char *to, const uint8_t *thread,
                     rp__store_out *row, const char **where, size_t *offset) {
  return prepare(c, p, NULL, to, thread, row, where, offset, NULL, 0, NULL);
}

static int stopping(rp_client *c) {
  int s;
  pthread_mutex_lock(&c->mu);
  s = c->stopping;
  pthread_mutex_unlock(&c->mu);
  return s;
}

/* Prepares, stores and wakes the loop; fills the id on success. msg (may be NULL) gives
 * the attachments' sources; where_buf[RP__SEND_WHERE] holds a *where naming one. */
#define RP__SEND_WHERE 32
static int send_payload(rp_client *c, rp__payload *p, rp_msg *msg, const char *to,
                        const uint8_t *thread, char msg_id[RP_ID_STRLEN],
                        const char **where, size_t *offset, char *where_buf) {
  rp__store_out row;
  early_ctx early = {0};
  int rc;
  if (stopping(c)) return RP_ESTATE;
  if ((rc = prepare(c, p, msg, to, thread, &row, where, offset, where_buf, RP__SEND_WHERE,
                    &early)) == 0) {
    /* The commit that makes the chunks written before it durable too (store.h). */
    rc = rp__store_out_add(c->st, &row);
    if (rc != 0 && row.chunks > 0) rp__store_out_chunks_delete(c->st, p->msg_id);
    rp__store_out_free(&row);
  }
  early_end(&early); /* after the commit: the loop then finds the row (upload.h) */
  if (rc != 0) return rc;
  if (msg_id != NULL) sodium_bin2hex(msg_id, RP_ID_STRLEN, p->msg_id, RP_MSG_ID_BYTES);
  rp__loop_wake(c);
  return 0;
}

RP_PUBLIC int rp_send(rp_client *c, rp_msg *m, char msg_id[RP_ID_STRLEN]) {
  rp__payload p;
  const char *where = NULL;
  char where_buf[RP__SEND_WHERE] = "";
  size_t offset = 0;
  int rc;
  if (msg_id != NULL) msg_id[0] = '\0';
  if (c == NULL || m == NULL) return RP_EINVAL;
  p = m->p; /* the caller's message stays as it was: each send is a new message */
  rc = send_payload(c, &p, m, m->recipient, m->has_thread ? m->thread_id : NULL, msg_id,
                    &where, &offset, where_buf);
  rp__msg_set_error(m, rc, where, offset);
  return rc;
}

RP_PUBLIC int rp_send_opened(rp_client *c, const char *msg_id) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__store_in in;
  rp__payload p;
  const char *where;
  size_t offset;
  int rc;
  if (c == NULL || rp__unhex(id, sizeof id, msg_id) != 0) return RP_EINVAL;
  if ((rc = rp__store_in_get(c->st, id, &in)) != 0) return rc;
  rp__payload_init(&p, RP__PL_RECEIPT);
  memcpy(p.u.receipt.about, id, RP_MSG_ID_BYTES);
  p.u.receipt.status = RP__RCPT_OPENED;
  p.u.receipt.at = rp__clock_wall_ms();
  char where_buf[RP__SEND_WHERE];
  rc = send_payload(c, &p, NULL, in.sender, in.thread_id, NULL, &where, &offset, where_buf);
  rp__store_in_free(&in);
  return rc;
}

RP_PUBLIC const char *rp_status_name(int status) {
  static const char *const names[] = {"unknown",      "queued",   "relayed", "delivered",
                                      "opened",       "answered", "expired", "failed",
                                      "auto_replied", "recalled"};
  return status >= 1 && status <= RP__STORE_STATUS_MAX ? names[status] : names[0];
}

RP_PUBLIC int rp_status_rank(int status) {
  static const int ranks[RP__STORE_STATUS_MAX + 1] = {
      [RP_STATUS_QUEUED] = 1,       [RP_STATUS_RELAYED] = 2, [RP_STATUS_DELIVERED] = 3,
      [RP_STATUS_AUTO_REPLIED] = 4, [RP_STATUS_OPENED] = 5,  [RP_STATUS_ANSWERED] = 6,
      [RP_STATUS_EXPIRED] = 7,      [RP_STATUS_FAILED] = 7,  [RP_STATUS_RECALLED] = 7,
  };
  return status >= 1 && status <= RP__STORE_STATUS_MAX ? ranks[status] : 0;
}

RP_PUBLIC int rp_status(rp_client *c, const char *msg_id, int *status, int *error) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__store_out o;
  int rc;
  if (status) *status = 0;
  if (error) *error = 0;
  if (c == NULL || status == NULL || rp__unhex(id, sizeof id, msg_id) != 0)
    return RP_EINVAL;
  if ((rc = rp__store_out_get(c->st, id, 0, &o)) != 0) return rc;
  *status = o.status;
  if (error) *error = o.error;
  return 0;
}

RP_PUBLIC int rp_status_time(rp_client *c, const char *msg_id, int status, uint64_t *when) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__store_out o;
  int rc;
  if (when) *when = 0;
  if (c == NULL || when == NULL || rp__unhex(id, sizeof id, msg_id) != 0) return RP_EINVAL;
  if (status < 1 || status > RP__STORE_STATUS_MAX) return RP_EINVAL;
  if ((rc = rp__store_out_get(c->st, id, 0, &o)) != 0) return rc;
  *when = o.times[status];
  return 0;
}

typedef struct walk_ctx {
  rp_outbox_fn fn;
  void *data;
} walk_ctx;

static int walk_one(void *data, const rp__store_out *o) {
  walk_ctx *w = data;
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN];
  sodium_bin2hex(id, sizeof id, o->msg_id, RP_MSG_ID_BYTES);
  sodium_bin2hex(th, sizeof th, o->thread_id, RP_THREAD_ID_BYTES);
  return w->fn(w->data, id, rp__payload_kind_name((uint64_t)o->kind), th, o->recipient,
               o->status, o->times[RP_STATUS_QUEUED]);
}

RP_PUBLIC int rp_outbox_foreach(rp_client *c, rp_outbox_fn fn, void *data) {
  walk_ctx w = {fn, data};
  if (c == NULL || fn == NULL) return RP_EINVAL;
  return rp__store_out_foreach(c->st, walk_one, &w);
}
