/* SPDX-License-Identifier: MIT */
/* The message builder: payload fields set by name through the schema tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "clock.h"
#include "cpr.h"
#include "envelope.h"
#include "export.h"
#include "hex.h"
#include "msg_field.h"
#include "msg_int.h"
#include "route.h"

static int fail(rp_msg *m, const char *field, int rc) {
  snprintf(m->err_buf, sizeof m->err_buf, "%s", field != NULL ? field : "");
  m->err_field = field != NULL ? m->err_buf : NULL;
  m->err_offset = 0;
  snprintf(m->err_text, sizeof m->err_text, "%s%s%s", field != NULL ? field : "",
           field != NULL ? ": " : "", rp_strerror(rc));
  return rc;
}

/* fail() for an unknown enumeration or set name: the text lists the names f takes
 * (cut with "..." if they do not fit). */
static int fail_enum(rp_msg *m, const char *field, const rp__field *f) {
  size_t n, cap = sizeof m->err_text;
  fail(m, field, RP_EENUM);
  n = strlen(m->err_text);
  for (uint32_t i = 0; f->enm != NULL && i < f->enm->n && n < cap; i++) {
    int w = snprintf(m->err_text + n, cap - n, "%s%s",
                     i ? ", " : "; allowed: ", f->enm->names[i]);
    if (w < 0 || (size_t)w >= cap - n) {
      snprintf(m->err_text + (cap > n + 4 ? cap - 4 : n), 4, "...");
      break;
    }
    n += (size_t)w;
  }
  return RP_EENUM;
}

static int ok(rp_msg *m) {
  m->err_field = NULL;
  m->err_offset = 0;
  m->err_text[0] = '\0';
  return 0;
}

RP_PUBLIC int rp_msg_new(const char *kind, rp_msg **out) {
  rp__payload_kind k;
  rp_msg *m;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (rp__payload_kind_from_name(kind, &k) != 0) return RP_EENUM;
  if ((m = calloc(1, sizeof *m)) == NULL) return RP_ENOMEM;
  rp__payload_init(&m->p, k);
  *out = m;
  return 0;
}

RP_PUBLIC void rp_msg_free(rp_msg *m) {
  if (m == NULL) return;
  for (size_t i = 0; i < m->nstrs; i++)
    free(m->strs[i]);
  for (size_t i = 0; i < RP_PAYLOAD_ATTACHMENTS_MAX; i++)
    free(m->src[i].path);
  free(m->strs);
  free(m);
}

RP_PUBLIC const char *rp_msg_kind(const rp_msg *m) {
  return m != NULL ? rp__payload_kind_name(m->p.kind) : "unknown";
}

RP_PUBLIC const char *rp_msg_error_field(const rp_msg *m) {
  return m != NULL ? m->err_field : NULL;
}

RP_PUBLIC size_t rp_msg_error_offset(const rp_msg *m) {
  return m != NULL ? m->err_offset : 0;
}

RP_PUBLIC const char *rp_msg_error_text(const rp_msg *m) {
  return m != NULL && m->err_text[0] != '\0' ? m->err_text : NULL;
}

/* Keeps a copy of s[0..n) and returns it. */
static char *keep(rp_msg *m, const char *s, size_t n) {
  char *c;
  if (m->nstrs == m->capstrs) {
    size_t cap = m->capstrs ? 2 * m->capstrs : 16;
    void **v = realloc(m->strs, cap * sizeof *v);
    if (v == NULL) return NULL;
    m->strs = v;
    m->capstrs = cap;
  }
  if ((c = malloc(n + 1)) == NULL) return NULL;
  memcpy(c, s, n);
  c[n] = '\0';
  m->strs[m->nstrs++] = c;
  return c;
}

/* Resolves `field` for setting, refusing the header fields the library fills. */
static int target(rp_msg *m, const char *field, int type, rp__target *t) {
  int rc;
  if (m == NULL || field == NULL) return RP_EINVAL;
  if ((rc = rp__path_resolve(&m->p, field, false, true, t)) != 0) return fail(m, field, rc);
  if (t->base == (uint8_t *)&m->p && t->f->key <= 4) return fail(m, field, RP_EINVAL);
  if (t->f->type == RP__F_VERSION || (type != 0 && t->f->type != type))
    return fail(m, field, RP_ETYPE);
  return 0;
}

RP_PUBLIC int rp_msg_set_text(rp_msg *m, const char *field, const char *utf8) {
  rp__target t;
  size_t n;
  char *c;
  int rc;
  if (utf8 == NULL) return RP_EINVAL;
  if ((rc = target(m, field, RP__F_STR, &t)) != 0) return rc;
  n = strlen(utf8);
  if (n > t.f->max) return fail(m, field, RP_ETOOBIG);
  if (rp__utf8_check(utf8, n) != 0) return fail(m, field, RP_EUTF8);
  if ((c = keep(m, utf8, n)) == NULL) return fail(m, field, RP_ENOMEM);
  ((rp__str *)(t.base + t.f->off))->p = c;
  ((rp__str *)(t.base + t.f->off))->n = (uint32_t)n;
  return ok(m);
}

static int enum_index(const rp__field *f, const char *name) {
  if (f->enm == NULL || name == NULL) return 0;
  for (uint32_t i = 0; i < f->enm->n; i++)
    if (strcmp(f->enm->names[i], name) == 0) return (int)i + 1;
  return 0;
}

RP_PUBLIC int rp_msg_set_enum(rp_msg *m, const char *field, const char *name) {
  rp__target t;
  int rc, v;
  if ((rc = target(m, field, RP__F_ENUM, &t)) != 0) return rc;
  if ((v = enum_index(t.f, name)) == 0) return fail_enum(m, field, t.f);
  *(int *)(t.base + t.f->off) = v;
  return ok(m);
}

RP_PUBLIC int rp_msg_set_uint(rp_msg *m, const char *field, uint64_t value) {
  rp__target t;
  int rc;
  if ((rc = target(m, field, RP__F_UINT, &t)) != 0) return rc;
  if (value < t.f->min || value > t.f->max) return fail(m, field, RP_ETOOBIG);
  *(uint64_t *)(t.base + t.f->off) = value;
  return ok(m);
}

RP_PUBLIC int rp_msg_set_bool(rp_msg *m, const char *field, int value) {
  rp__target t;
  int rc;
  if ((rc = target(m, field, RP__F_BOOL, &t)) != 0) return rc;
  *(bool *)(t.base + t.f->off) = value != 0;
  return ok(m);
}

RP_PUBLIC int rp_msg_add_to_set(rp_msg *m, const char *field, const char *name) {
  rp__target t;
  int rc, v;
  if ((rc = target(m, field, RP__F_SET, &t)) != 0) return rc;
  if ((v = enum_index(t.f, name)) == 0) return fail_enum(m, field, t.f);
  *(uint64_t *)(t.base + t.f->off) |= RP__BIT(v);
  return ok(m);
}

RP_PUBLIC int rp_msg_set_hex(rp_msg *m, const char *field, const char *hex) {
  rp__target t;
  int rc;
  if ((rc = target(m, field, RP__F_FIXBIN, &t)) != 0) return rc;
  if (rp__unhex(t.base + t.f->off, (size_t)t.f->max, hex) != 0)
    return fail(m, field, RP_EINVAL);
  return ok(m);
}

RP_PUBLIC int rp_msg_list_add(rp_msg *m, const char *list) {
  rp__target t;
  uint32_t *count;
  int rc;
  if ((rc = target(m, list, RP__F_LIST, &t)) != 0) return rc;
  count = (uint32_t *)(t.base + t.f->count_off);
  if (*count >= t.f->max) return fail(m, list, RP_ETOOBIG);
  memset(t.base + t.f->off + (size_t)*count * t.f->sub->size, 0, t.f->sub->size);
  (*count)++;
  return ok(m);
}

RP_PUBLIC int rp_msg_set_thread(rp_msg *m, const char *thread_id) {
  if (m == NULL) return RP_EINVAL;
  if (rp__unhex(m->thread_id, RP_THREAD_ID_BYTES, thread_id) != 0)
    return fail(m, "thread_id", RP_EINVAL);
  m->has_thread = true;
  return ok(m);
}

RP_PUBLIC int rp_msg_set_recipient(rp_msg *m, const char *member_id) {
  if (m == NULL || member_id == NULL) return RP_EINVAL;
  if (rp__identity_id_check(member_id, strlen(member_id)) != 0)
    return fail(m, "recipient", RP_EINVAL);
  snprintf(m->recipient, sizeof m->recipient, "%s", member_id);
  return ok(m);
}

/* Copies the texts of one struct (and its nested maps and lists) into m. */
static int own_struct(rp_msg *m, const rp__schema *s, uint8_t *base) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    if (f->type == RP__F_STR) {
      rp__str *t = (rp__str *)(base + f->off);
      if (t->n > 0 && (t->p = keep(m, t->p, t->n)) == NULL) return RP_ENOMEM;
    } else if (f->type == RP__F_STRUCT) {
      int rc = own_struct(m, f->sub, base + f->off);
      if (rc != 0) return rc;
    } else if (f->type == RP__F_LIST) {
      uint32_t n = *(uint32_t *)(base + f->count_off);
      for (uint32_t j = 0; j < n && j < f->max; j++) {
        int rc = own_struct(m, f->sub, base + f->off + (size_t)j * f->sub->size);
        if (rc != 0) return rc;
      }
    }
  }
  return 0;
}

int rp__msg_own_texts(rp_msg *m) {
  const rp__schema *s = rp__payload_schema(m->p.kind);
  return s != NULL ? own_struct(m, s, (uint8_t *)&m->p) : RP_EENUM;
}

RP_PUBLIC int rp_msg_from_msgpack(const uint8_t *buf, size_t len, rp_msg **out,
                                  const char **where) {
  rp_msg *m;
  int rc;
  if (where) *where = NULL;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (buf == NULL) return RP_EINVAL;
  if ((m = calloc(1, sizeof *m)) == NULL) return RP_ENOMEM;
  if ((rc = rp__payload_decode(buf, len, &m->p, where)) != 0 ||
      (rc = rp__msg_own_texts(m)) != 0) {
    rp_msg_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

/* What to do about the refusals of a send that a host meets in practice, beyond the
 * code's own sentence; NULL for the others. */
static const char *advice(int rc, const char *where) {
  if (where == NULL) return NULL;
  if (rc == RP_EINVAL && strcmp(where, "thread_id") == 0)
    return "a request or plan review starts its own thread (its thread_id is its own "
           "msg_id): do not set a thread on it";
  if (rc == RP_EINVAL && strcmp(where, "sender_org") == 0)
    return "not this municipality's code in the signed roster; leave sender_org empty "
           "and the library fills it in";
  if (rc == RP_EUNKNOWNMEMBER && strcmp(where, "sender_org") == 0)
    return "our member has no municipality code in the roster";
  if (rc == RP_EKIND && strcmp(where, "kind") == 0)
    return "our member kind may not send this kind of message";
  if (rc == RP_EMISSING && strcmp(where, "recipient") == 0)
    return "no recipient: name one with rp_msg_set_recipient";
  return NULL;
}

void rp__msg_set_error(rp_msg *m, int rc, const char *where, size_t offset) {
  const char *why = advice(rc, where);
  snprintf(m->err_buf, sizeof m->err_buf, "%s", where != NULL ? where : "");
  m->err_field = rc != 0 && where != NULL ? m->err_buf : NULL;
  m->err_offset = rc != 0 ? offset : 0;
  m->err_text[0] = '\0';
  if (rc == RP_ECPR)
    snprintf(m->err_text, sizeof m->err_text,
             "%s: %s (at byte %zu); the number itself is not repeated here",
             where != NULL ? where : "?", rp_strerror(rc), offset);
  else if (rc != 0)
    snprintf(m->err_text, sizeof m->err_text, "%s%s%s", where != NULL ? where : "",
             where != NULL ? ": " : "", why != NULL ? why : rp_strerror(rc));
}

int rp__msg_check_thread(const rp__payload *p, bool has_thread, const char **where) {
  if (!has_thread || !rp__route_starts_thread(p)) return 0;
  *where = "thread_id";
  return RP_EINVAL;
}

int rp__msg_check_content(const rp__payload *p, const rp__cpr_hook *hook, uint8_t *buf,
                          size_t *len, const char **where, size_t *offset) {
  int rc;
  /* The CPR guard first, so that a CPR number is reported as such even when another
   * rule also fails. */
  if ((rc = rp__payload_cpr_check(p, where, offset)) == 0 &&
      (rc = rp__payload_hook_check(p, hook, where, offset)) == 0)
    rc = rp__payload_encode(p, buf, RP_PAYLOAD_MAX, len, where);
  return rc;
}

/* The header a send gives the payload: a new id, the time, and m's thread or a new one
 * (without a client there is no outbox to find the thread of a referred message). */
static void fill_header(const rp_msg *m, rp__payload *p) {
  rp__envelope_new_id(p->msg_id);
  p->created = rp__clock_wall_ms();
  p->version = RP_SCHEMA_VERSION;
  memcpy(p->thread_id, m->has_thread ? m->thread_id : p->msg_id, RP_THREAD_ID_BYTES);
}

RP_PUBLIC int rp_msg_encode(rp_msg *m, uint8_t **out, size_t *len) {
  const char *where = NULL;
  size_t n = 0, offset = 0;
  uint8_t *buf = NULL, *copy = NULL;
  rp__payload p;
  int rc = RP_ENOMEM;
  if (out != NULL) *out = NULL;
  if (len != NULL) *len = 0;
  if (m == NULL || out == NULL || len == NULL) return RP_EINVAL;
  p = m->p; /* m stays as it was, as with rp_send */
  fill_header(m, &p);
  if ((rc = rp__msg_check_thread(&p, m->has_thread, &where)) != 0) goto out;
  rc = RP_ENOMEM;
  if ((buf = malloc(RP_PAYLOAD_MAX)) == NULL) goto out;
  if ((rc = rp__msg_check_content(&p, NULL, buf, &n, &where, &offset)) != 0) goto out;
  rc = RP_ENOMEM;
  if ((copy = malloc(n > 0 ? n : 1)) == NULL) goto out;
  memcpy(copy, buf, n);
  *out = copy;
  *len = n;
  rc = 0;
out:
  if (buf != NULL) sodium_memzero(buf, n); /* only the encoded bytes held the plaintext */
  free(buf);
  rp__msg_set_error(m, rc, where, offset);
  return rc;
}
