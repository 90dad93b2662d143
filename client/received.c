/* SPDX-License-Identifier: MIT */
/* Received messages: opened again from the inbox's envelope, fields read by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "export.h"
#include "msg_field.h"
#include "received_int.h"

int rp__received_from_row(rp_client *c, const rp__store_in *row, rp_received **out) {
  rp_received *r;
  const uint8_t *ref;
  int rc;
  *out = NULL;
  if ((r = calloc(1, sizeof *r)) == NULL) return RP_ENOMEM;
  pthread_mutex_init(&r->mu, NULL);
  if ((r->env = malloc(row->envelope_len)) == NULL) {
    rp_received_free(r);
    return RP_ENOMEM;
  }
  memcpy(r->env, row->envelope, row->envelope_len);
  r->env_len = row->envelope_len;
  /* Opened "as of" the time it was stored: it was verified then, and an envelope's
   * expiry limits its stay at the relay, not how long the host may keep reading it. */
  pthread_mutex_lock(&c->mu);
  rc = rp__envelope_open(c->me, c->roster, r->env, r->env_len, row->stored_at, &r->op);
  if (rc == 0) snprintf(r->sender, sizeof r->sender, "%s", r->op.sender->pub.id);
  pthread_mutex_unlock(&c->mu);
  if (rc == 0) rc = rp__payload_decode(r->op.pt, r->op.pt_len, &r->p, NULL);
  if (rc != 0) {
    rp_received_free(r);
    return rc;
  }
  sodium_bin2hex(r->msg_id, sizeof r->msg_id, r->p.msg_id, RP_MSG_ID_BYTES);
  sodium_bin2hex(r->thread_id, sizeof r->thread_id, r->p.thread_id, RP_THREAD_ID_BYTES);
  if ((ref = rp__payload_ref(&r->p)) != NULL) {
    sodium_bin2hex(r->ref_id, sizeof r->ref_id, ref, RP_MSG_ID_BYTES);
    r->has_ref = true;
  }
  r->stored_at = row->stored_at;
  r->handled = row->handled;
  r->recalled = row->recalled;
  *out = r;
  return 0;
}

RP_PUBLIC void rp_received_free(rp_received *r) {
  if (r == NULL) return;
  rp__opened_free(&r->op);
  for (size_t i = 0; i < r->ncache; i++)
    free(r->cache[i]);
  free(r->cache);
  free(r->env);
  pthread_mutex_destroy(&r->mu);
  sodium_memzero(r, sizeof *r);
  free(r);
}

RP_PUBLIC int rp_received_dup(const rp_received *r, rp_received **out) {
  rp_received *d;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (r == NULL) return RP_EINVAL;
  if ((d = calloc(1, sizeof *d)) == NULL) return RP_ENOMEM;
  pthread_mutex_init(&d->mu, NULL);
  memcpy(d->msg_id, r->msg_id, sizeof d->msg_id);
  memcpy(d->thread_id, r->thread_id, sizeof d->thread_id);
  memcpy(d->ref_id, r->ref_id, sizeof d->ref_id);
  memcpy(d->sender, r->sender, sizeof d->sender);
  d->has_ref = r->has_ref;
  d->stored_at = r->stored_at;
  d->handled = r->handled;
  d->recalled = r->recalled;
  d->op.pt = sodium_malloc(r->op.pt_len > 0 ? r->op.pt_len : 1);
  if (d->op.pt == NULL) {
    rp_received_free(d);
    return RP_ENOMEM;
  }
  memcpy(d->op.pt, r->op.pt, r->op.pt_len);
  d->op.pt_len = r->op.pt_len;
  /* The attachments' chunk key: without it a copy could not read its attachments. */
  memcpy(d->op.chunk_key, r->op.chunk_key, sizeof d->op.chunk_key);
  if ((rc = rp__payload_decode(d->op.pt, d->op.pt_len, &d->p, NULL)) != 0) {
    rp_received_free(d);
    return rc;
  }
  *out = d;
  return 0;
}

RP_PUBLIC const char *rp_received_kind(const rp_received *r) {
  return r ? rp__payload_kind_name(r->p.kind) : "unknown";
}
RP_PUBLIC const char *rp_received_msg_id(const rp_received *r) {
  return r ? r->msg_id : "";
}
RP_PUBLIC const char *rp_received_thread_id(const rp_received *r) {
  return r ? r->thread_id : "";
}
RP_PUBLIC const char *rp_received_in_reply_to(const rp_received *r) {
  return r && r->has_ref ? r->ref_id : NULL;
}
RP_PUBLIC const char *rp_received_sender(const rp_received *r) {
  return r ? r->sender : "";
}
RP_PUBLIC uint64_t rp_received_created(const rp_received *r) {
  return r ? r->p.created : 0;
}
RP_PUBLIC uint64_t rp_received_stored_at(const rp_received *r) {
  return r ? r->stored_at : 0;
}
RP_PUBLIC int rp_received_handled(const rp_received *r) {
  return r ? r->handled : 0;
}

RP_PUBLIC int rp_received_recalled(const rp_received *r) {
  return r ? r->recalled : 0;
}

/* Keeps a NUL-terminated copy of p[0..n) in r (locked: getters may run concurrently). */
static const char *cache(const rp_received *cr, const char *p, size_t n) {
  rp_received *r = (rp_received *)cr;
  char *c = NULL;
  pthread_mutex_lock(&r->mu);
  if (r->ncache == r->capcache) {
    size_t cap = r->capcache ? 2 * r->capcache : 8;
    void **v = realloc(r->cache, cap * sizeof *v);
    if (v == NULL) goto out;
    r->cache = v;
    r->capcache = cap;
  }
  if ((c = malloc(n + 1)) == NULL) goto out;
  if (n > 0) memcpy(c, p, n);
  c[n] = '\0';
  r->cache[r->ncache++] = c;
out:
  pthread_mutex_unlock(&r->mu);
  return c;
}

static int get(const rp_received *r, const char *field, int type, rp__target *t) {
  rp__payload *p;
  int rc;
  if (r == NULL || field == NULL) return RP_EINVAL;
  p = (rp__payload *)&r->p; /* resolve does not write when build is false */
  if ((rc = rp__path_resolve(p, field, true, false, t)) != 0) return rc;
  if (t->f->type != type) return RP_ETYPE;
  return 0;
}

RP_PUBLIC int rp_received_get_text(const rp_received *r, const char *field,
                                   const char **out) {
  rp__target t;
  const rp__str *s;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if ((rc = get(r, field, RP__F_STR, &t)) != 0) return rc;
  s = (const rp__str *)(t.base + t.f->off);
  if (s->n == 0) return RP_ENOTFOUND;
  return (*out = cache(r, s->p, s->n)) != NULL ? 0 : RP_ENOMEM;
}

RP_PUBLIC int rp_received_get_enum(const rp_received *r, const char *field,
                                   const char **out) {
  rp__target t;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if ((rc = get(r, field, RP__F_ENUM, &t)) != 0) return rc;
  *out = rp__enum_at(t.f->enm, *(const int *)(t.base + t.f->off));
  return *out != NULL ? 0 : RP_ENOTFOUND;
}

RP_PUBLIC int rp_received_get_uint(const rp_received *r, const char *field, uint64_t *out) {
  rp__target t;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = 0;
  if ((rc = get(r, field, RP__F_UINT, &t)) != 0) return rc;
  *out = *(const uint64_t *)(t.base + t.f->off);
  return 0;
}

RP_PUBLIC int rp_received_get_bool(const rp_received *r, const char *field, int *out) {
  rp__target t;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = 0;
  if ((rc = get(r, field, RP__F_BOOL, &t)) != 0) return rc;
  *out = *(const bool *)(t.base + t.f->off) ? 1 : 0;
  return 0;
}

RP_PUBLIC int rp_received_get_set(const rp_received *r, const char *field, size_t index,
                                  const char **out) {
  rp__target t;
  uint64_t bits;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if ((rc = get(r, field, RP__F_SET, &t)) != 0) return rc;
  bits = *(const uint64_t *)(t.base + t.f->off);
  for (uint32_t i = 1; i <= t.f->enm->n; i++) {
    if (!(bits & RP__BIT(i))) continue;
    if (index-- == 0) {
      *out = rp__enum_at(t.f->enm, (int)i);
      return 0;
    }
  }
  return RP_ENOTFOUND;
}

RP_PUBLIC int rp_received_get_hex(const rp_received *r, const char *field,
                                  const char **out) {
  rp__target t;
  char buf[2 * 64 + 1];
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if ((rc = get(r, field, RP__F_FIXBIN, &t)) != 0) return rc;
  if (t.f->max > 64) return RP_ETOOBIG;
  sodium_bin2hex(buf, sizeof buf, t.base + t.f->off, (size_t)t.f->max);
  return (*out = cache(r, buf, strlen(buf))) != NULL ? 0 : RP_ENOMEM;
}

RP_PUBLIC int rp_received_list_count(const rp_received *r, const char *field,
                                     size_t *count) {
  rp__target t;
  int rc;
  if (count == NULL) return RP_EINVAL;
  *count = 0;
  if ((rc = get(r, field, RP__F_LIST, &t)) != 0) return rc;
  *count = *(const uint32_t *)(t.base + t.f->count_off);
  return 0;
}
