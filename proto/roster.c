/* SPDX-License-Identifier: MIT */
/*
 * The signed roster (see roster.h). Wire format, schema version 1; every map has small
 * unsigned integer keys, unknown keys are skipped, duplicate keys are refused.
 *
 * Signed document (map):
 *   key  type      field
 *   0    uint      schema version, 1
 *   1    bin       body: the encoded roster body below (1..RP_ROSTER_MAX bytes)
 *   2    bin 64    signature: Ed25519 by the administrator's identity key over
 *                  "rejsepost/1 roster" (18 bytes, no NUL) || body
 *
 * Body (map), the exact bytes that are signed:
 *   0    uint      schema version, 1 (a newer one is RP_EVERSION)
 *   1    uint      roster version, >= 1; never goes down
 *   2    uint      issued_at, unix ms
 *   3    bin       members: the member maps below, encoded back to back, each one
 *                  complete msgpack object; at most RP_ROSTER_MEMBERS_MAX; absent if none
 *
 * Member (map):
 *   1    str       id, 1..RP_MEMBER_ID_MAX bytes (rp__identity_id_check)
 *   2    str       kind: "municipality", "team", "relay" or "admin"
 *   3    str       display name, 0..RP_TEXT_SHORT_MAX bytes, no control characters
 *                  (absent if empty)
 *   4    str       municipality code, exactly 3 ASCII digits; present for municipalities
 *                  only
 *   5    array     networks: a set of "east", "west" (absent if empty)
 *   6    bin 32    identity public key (Ed25519)
 *   7    bin 32    transport public key (X25519, Noise static)
 *   8    bin 32    message public key (X25519, HPKE)
 *   9    bin 64    binding signature (identity.h), checked for every member at decode
 *   10   uint      valid_from, unix ms (absent: 0, valid from the start)
 *   11   bool      revoked (absent: false)
 * No two members share an id, an identity key, or an X25519 key (in either role).
 *
 * Why members sit in a byte string instead of an array of maps: the bounded msgpack
 * layer caps one document at RP_MP_ITEMS_MAX objects, and a full roster of
 * RP_ROSTER_MEMBERS_MAX members needs up to 25 objects each, beyond that cap. Each member
 * map is checked and decoded as its own document instead, which also keeps only one
 * member's msgpack tree in memory at a time.
 */
#include "roster.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mp.h"
#include "rejsepost_errors.h"

/* A generous bound on one encoded member (the largest possible is 543 bytes). */
#define MEMBER_ENC_MAX 1024u
/* Bound on a body's or a signed document's bytes besides the members / the body. */
#define ENVELOPE_ENC_MAX 128u

struct rp__roster {
  uint64_t version, issued_at;
  rp__member *m;
  uint32_t n, cap;
  uint8_t *doc; /* the signed document, if signed or verified and unchanged since */
  size_t doc_len, body_off, body_len;
};

/* ---- wire schemas ---- */

typedef struct member_wire {
  rp__str id, name, municipality;
  int kind;
  uint64_t networks, valid_from;
  uint8_t identity_pk[32], transport_pk[32], message_pk[32], binding_sig[64];
  bool revoked;
} member_wire;

typedef struct body_wire {
  uint32_t schema;
  uint64_t version, issued_at;
  rp__bin members;
} body_wire;

typedef struct signed_wire {
  uint32_t schema;
  rp__bin body;
  uint8_t sig[RP_SIGNATUREBYTES];
} signed_wire;

RP__ENUM(static, kind_enum, "municipality", "team", "relay", "admin");

const char *rp__roster_kind_name(int kind) {
  return rp__enum_at(&kind_enum, kind);
}

int rp__roster_kind_from_name(const char *name) {
  return rp__enum_find(&kind_enum, name);
}

RP__ENUM(static, network_enum, "east", "west");

/* One field per line: key, name, type, flags, member, min, max, enum. */
#define FLD(st, k, nm, t, fl, mem, lo, hi, e)                                              \
  {                                                                                        \
    .key = k, .name = nm, .type = t, .flags = fl, .off = offsetof(st, mem), .min = lo,     \
    .max = hi, .enm = e                                                                    \
  }
static const rp__field member_fields[] = {
    FLD(member_wire, 1, "id", RP__F_STR, RP__REQ, id, 1, RP_MEMBER_ID_MAX, NULL),
    FLD(member_wire, 2, "kind", RP__F_ENUM, RP__REQ, kind, 0, 0, &kind_enum),
    FLD(member_wire, 3, "name", RP__F_STR, 0, name, 0, RP_TEXT_SHORT_MAX, NULL),
    FLD(member_wire, 4, "municipality", RP__F_STR, 0, municipality, 0,
        RP_MUNICIPALITY_CODE_BYTES, NULL),
    FLD(member_wire, 5, "networks", RP__F_SET, 0, networks, 0, 2, &network_enum),
    FLD(member_wire, 6, "identity_pk", RP__F_FIXBIN, RP__REQ, identity_pk, 32, 32, NULL),
    FLD(member_wire, 7, "transport_pk", RP__F_FIXBIN, RP__REQ, transport_pk, 32, 32, NULL),
    FLD(member_wire, 8, "message_pk", RP__F_FIXBIN, RP__REQ, message_pk, 32, 32, NULL),
    FLD(member_wire, 9, "binding_sig", RP__F_FIXBIN, RP__REQ, binding_sig, 64, 64, NULL),
    FLD(member_wire, 10, "valid_from", RP__F_UINT, 0, valid_from, 0, UINT64_MAX, NULL),
    FLD(member_wire, 11, "revoked", RP__F_BOOL, 0, revoked, 0, 1, NULL),
};
static const rp__field body_fields[] = {
    FLD(body_wire, 0, "schema", RP__F_VERSION, RP__REQ, schema, 0, 0, NULL),
    FLD(body_wire, 1, "version", RP__F_UINT, RP__REQ, version, 1, UINT64_MAX, NULL),
    FLD(body_wire, 2, "issued_at", RP__F_UINT, RP__REQ, issued_at, 0, UINT64_MAX, NULL),
    FLD(body_wire, 3, "members", RP__F_BIN, 0, members, 0, RP_ROSTER_MAX, NULL),
};
static const rp__field signed_fields[] = {
    FLD(signed_wire, 0, "schema", RP__F_VERSION, RP__REQ, schema, 0, 0, NULL),
    FLD(signed_wire, 1, "roster", RP__F_BIN, RP__REQ, body, 1, RP_ROSTER_MAX, NULL),
    FLD(signed_wire, 2, "signature", RP__F_FIXBIN, RP__REQ, sig, 64, 64, NULL),
};
#define NFIELDS(a) (uint32_t)(sizeof a / sizeof a[0])
static const rp__schema member_schema = {"roster member", sizeof(member_wire),
                                         member_fields, NFIELDS(member_fields), NULL};
static const rp__schema body_schema = {"roster", sizeof(body_wire), body_fields,
                                       NFIELDS(body_fields), NULL};
static const rp__schema signed_schema = {"signed roster", sizeof(signed_wire),
                                         signed_fields, NFIELDS(signed_fields), NULL};

/* ---- the roster object ---- */

static void forget_document(rp__roster *r) {
  free(r->doc);
  r->doc = NULL;
  r->doc_len = r->body_off = r->body_len = 0;
}

int rp__roster_create(uint64_t version, uint64_t issued_at, rp__roster **out) {
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (version == 0) return RP_EINVAL;
  rp__roster *r = calloc(1, sizeof *r);
  if (r == NULL) return RP_ENOMEM;
  r->version = version;
  r->issued_at = issued_at;
  *out = r;
  return 0;
}

void rp__roster_free(rp__roster *r) {
  if (r == NULL) return;
  forget_document(r);
  free(r->m);
  free(r);
}

/* Control characters: C0, DEL and C1 (0xc2 0x80..0x9f). s must be valid UTF-8. */
static bool has_control(const char *s, size_t n) {
  const uint8_t *p = (const uint8_t *)s;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < 0x20 || p[i] == 0x7f) return true;
    if (p[i] == 0xc2 && i + 1 < n && p[i + 1] <= 0x9f) return true;
  }
  return false;
}

int rp__roster_member_check(const rp__member *m) {
  if (m == NULL) return RP_EINVAL;
  if (m->kind < RP_MEMBER_MUNICIPALITY || m->kind > RP_MEMBER_ADMIN) return RP_EENUM;
  if ((m->networks & ~(RP_NETWORK_EAST | RP_NETWORK_WEST)) != 0) return RP_EENUM;
  size_t n = strnlen(m->name, sizeof m->name);
  if (n == sizeof m->name) return RP_ETOOBIG;
  int r = rp__utf8_check(m->name, n);
  if (r != 0) return r;
  if (has_control(m->name, n)) return RP_EINVAL;
  const char *c = m->municipality;
  n = strnlen(c, sizeof m->municipality);
  if (m->kind == RP_MEMBER_MUNICIPALITY) {
    if (n != RP_MUNICIPALITY_CODE_BYTES) return RP_EINVAL;
    for (size_t i = 0; i < n; i++)
      if (c[i] < '0' || c[i] > '9') return RP_EINVAL;
  } else if (n != 0) {
    return RP_EINVAL;
  }
  return rp__identity_public_check(&m->pub);
}

static int reserve_one(rp__roster *r) {
  if (r->n < r->cap) return 0;
  if (r->n >= RP_ROSTER_MEMBERS_MAX) return RP_ETOOBIG;
  uint32_t cap = r->cap ? r->cap * 2 : 16;
  if (cap > RP_ROSTER_MEMBERS_MAX) cap = RP_ROSTER_MEMBERS_MAX;
  rp__member *m = realloc(r->m, (size_t)cap * sizeof *m);
  if (m == NULL) return RP_ENOMEM;
  r->m = m;
  r->cap = cap;
  return 0;
}

static bool shares_key(const rp__member *a, const rp__member *b) {
  const uint8_t *ax[2] = {a->pub.transport_pk, a->pub.message_pk};
  const uint8_t *bx[2] = {b->pub.transport_pk, b->pub.message_pk};
  if (memcmp(a->pub.identity_pk, b->pub.identity_pk, 32) == 0) return true;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      if (memcmp(ax[i], bx[j], 32) == 0) return true;
  return false;
}

int rp__roster_add(rp__roster *r, const rp__member *m) {
  if (r == NULL || m == NULL) return RP_EINVAL;
  int rc = rp__roster_member_check(m);
  if (rc != 0) return rc;
  if (r->n >= RP_ROSTER_MEMBERS_MAX) return RP_ETOOBIG;
  for (uint32_t i = 0; i < r->n; i++)
    if (strcmp(r->m[i].pub.id, m->pub.id) == 0 || shares_key(&r->m[i], m)) return RP_EEXIST;
  if ((rc = reserve_one(r)) != 0) return rc;
  r->m[r->n++] = *m;
  forget_document(r);
  return 0;
}

int rp__roster_revoke(rp__roster *r, const char *id) {
  if (r == NULL || id == NULL) return RP_EINVAL;
  rp__member *m = (rp__member *)rp__roster_find_id(r, id);
  if (m == NULL) return RP_ENOTFOUND;
  if (!m->revoked) {
    m->revoked = true;
    forget_document(r);
  }
  return 0;
}

int rp__roster_bump(rp__roster *r, uint64_t issued_at) {
  if (r == NULL) return RP_EINVAL;
  if (r->version == UINT64_MAX) return RP_ETOOBIG;
  r->version++;
  r->issued_at = issued_at;
  forget_document(r);
  return 0;
}

uint64_t rp__roster_version(const rp__roster *r) {
  return r ? r->version : 0;
}
uint64_t rp__roster_issued_at(const rp__roster *r) {
  return r ? r->issued_at : 0;
}
uint32_t rp__roster_count(const rp__roster *r) {
  return r ? r->n : 0;
}

const rp__member *rp__roster_member(const rp__roster *r, uint32_t i) {
  return (r != NULL && i < r->n) ? &r->m[i] : NULL;
}

const rp__member *rp__roster_find_id(const rp__roster *r, const char *id) {
  if (r == NULL || id == NULL) return NULL;
  for (uint32_t i = 0; i < r->n; i++)
    if (strcmp(r->m[i].pub.id, id) == 0) return &r->m[i];
  return NULL;
}

const rp__member *rp__roster_find_transport(const rp__roster *r,
                                            const uint8_t pk[RP_X25519_PUBLICKEYBYTES]) {
  if (r == NULL || pk == NULL) return NULL;
  for (uint32_t i = 0; i < r->n; i++)
    if (memcmp(r->m[i].pub.transport_pk, pk, 32) == 0) return &r->m[i];
  return NULL;
}

const rp__member *rp__roster_find_message(const rp__roster *r,
                                          const uint8_t pk[RP_X25519_PUBLICKEYBYTES]) {
  if (r == NULL || pk == NULL) return NULL;
  for (uint32_t i = 0; i < r->n; i++)
    if (memcmp(r->m[i].pub.message_pk, pk, 32) == 0) return &r->m[i];
  return NULL;
}

int rp__roster_member_active(const rp__member *m, uint64_t now_ms) {
  if (m == NULL || now_ms < m->valid_from) return RP_EUNKNOWNMEMBER;
  return m->revoked ? RP_EREVOKED : 0;
}

int rp__roster_document(const rp__roster *r, const uint8_t **doc, size_t *len) {
  if (doc != NULL) *doc = NULL;
  if (len != NULL) *len = 0;
  if (r == NULL || doc == NULL || len == NULL) return RP_EINVAL;
  if (r->doc == NULL) return RP_ESTATE;
  *doc = r->doc;
  *len = r->doc_len;
  return 0;
}

/* ---- encoding and signing ---- */

static void member_to_wire(const rp__member *m, member_wire *w) {
  memset(w, 0, sizeof *w);
  w->id = rp__str_c(m->pub.id);
  w->kind = m->kind;
  w->name = rp__str_c(m->name);
  w->municipality = rp__str_c(m->municipality);
  w->networks = m->networks;
  memcpy(w->identity_pk, m->pub.identity_pk, 32);
  memcpy(w->transport_pk, m->pub.transport_pk, 32);
  memcpy(w->message_pk, m->pub.message_pk, 32);
  memcpy(w->binding_sig, m->pub.binding_sig, 64);
  w->valid_from = m->valid_from;
  w->revoked = m->revoked;
}

/* The schema has checked every length against the buffer; an absent text has p NULL. */
static void copy_str(char *dst, rp__str s) {
  if (s.n != 0) memcpy(dst, s.p, s.n);
}

static void wire_to_member(const member_wire *w, rp__member *m) {
  memset(m, 0, sizeof *m);
  copy_str(m->pub.id, w->id);
  copy_str(m->name, w->name);
  copy_str(m->municipality, w->municipality);
  m->kind = w->kind;
  m->networks = (unsigned)w->networks;
  memcpy(m->pub.identity_pk, w->identity_pk, 32);
  memcpy(m->pub.transport_pk, w->transport_pk, 32);
  memcpy(m->pub.message_pk, w->message_pk, 32);
  memcpy(m->pub.binding_sig, w->binding_sig, 64);
  m->valid_from = w->valid_from;
  m->revoked = w->revoked;
}

/* Finds the body inside a signed document we made or verified. */
static int locate_body(rp__roster *r) {
  signed_wire sw;
  int rc = rp__mp_decode(&signed_schema, r->doc, r->doc_len, &sw, NULL);
  if (rc != 0) return rc;
  r->body_off = (size_t)(sw.body.p - r->doc);
  r->body_len = sw.body.n;
  return 0;
}

int rp__roster_sign(rp__roster *r, const rp__identity *admin) {
  int rc = RP_EINTERNAL;
  uint8_t *members = NULL, *msg = NULL, *doc = NULL;
  size_t mlen = 0, blen = 0, dlen = 0;
  member_wire mw;

  if (r == NULL || admin == NULL) return RP_EINVAL;
  forget_document(r);
  size_t mcap = (size_t)r->n * MEMBER_ENC_MAX;
  if (mcap != 0 && (members = malloc(mcap)) == NULL) {
    rc = RP_ENOMEM;
    goto out;
  }
  for (uint32_t i = 0; i < r->n; i++) {
    size_t n = 0;
    member_to_wire(&r->m[i], &mw);
    if ((rc = rp__mp_encode(&member_schema, &mw, members + mlen, mcap - mlen, &n, NULL)) !=
        0)
      goto out;
    mlen += n;
  }
  if (mlen > RP_ROSTER_MAX) {
    rc = RP_ETOOBIG;
    goto out;
  }
  /* The signed message is context || body, so the body is encoded right after the
   * context in the same buffer. */
  size_t bcap = mlen + ENVELOPE_ENC_MAX;
  if ((msg = malloc(RP_ROSTER_SIG_CONTEXTBYTES + bcap)) == NULL) {
    rc = RP_ENOMEM;
    goto out;
  }
  memcpy(msg, RP_ROSTER_SIG_CONTEXT, RP_ROSTER_SIG_CONTEXTBYTES);
  body_wire bw = {RP_SCHEMA_VERSION, r->version, r->issued_at, {members, (uint32_t)mlen}};
  if ((rc = rp__mp_encode(&body_schema, &bw, msg + RP_ROSTER_SIG_CONTEXTBYTES, bcap, &blen,
                          NULL)) != 0)
    goto out;
  signed_wire sw = {
      RP_SCHEMA_VERSION, {msg + RP_ROSTER_SIG_CONTEXTBYTES, (uint32_t)blen}, {0}};
  if (crypto_sign_detached(sw.sig, NULL, msg, RP_ROSTER_SIG_CONTEXTBYTES + blen,
                           admin->sec->identity_sk) != 0) {
    rc = RP_ECRYPTO;
    goto out;
  }
  size_t dcap = blen + ENVELOPE_ENC_MAX;
  if ((doc = malloc(dcap)) == NULL) {
    rc = RP_ENOMEM;
    goto out;
  }
  if ((rc = rp__mp_encode(&signed_schema, &sw, doc, dcap, &dlen, NULL)) != 0) goto out;
  if (dlen > RP_ROSTER_MAX) {
    rc = RP_ETOOBIG;
    goto out;
  }
  r->doc = doc;
  r->doc_len = dlen;
  doc = NULL;
  if ((rc = locate_body(r)) != 0) {
    forget_document(r);
    goto out;
  }
  rc = 0;
out:
  free(members);
  free(msg);
  free(doc);
  return rc;
}

/* ---- verifying and decoding ---- */

static int cmp_id(const void *a, const void *b) {
  const void *const *pa = a, *const *pb = b;
  return strcmp((const char *)*pa, (const char *)*pb);
}

static int cmp_key(const void *a, const void *b) {
  const void *const *pa = a, *const *pb = b;
  return memcmp(*pa, *pb, 32);
}

/* Sorting finds repeated ids and keys in n log n: a relay decodes full rosters. */
static int check_unique(const rp__roster *r) {
  int rc = RP_EMALFORMED;
  size_t n = r->n;
  if (n < 2) return 0;
  const void **v = malloc(2 * n * sizeof *v);
  if (v == NULL) return RP_ENOMEM;
  for (size_t i = 0; i < n; i++)
    v[i] = r->m[i].pub.id;
  qsort(v, n, sizeof *v, cmp_id);
  for (size_t i = 1; i < n; i++)
    if (cmp_id(&v[i - 1], &v[i]) == 0) goto out;
  for (size_t i = 0; i < n; i++)
    v[i] = r->m[i].pub.identity_pk;
  qsort(v, n, sizeof *v, cmp_key);
  for (size_t i = 1; i < n; i++)
    if (cmp_key(&v[i - 1], &v[i]) == 0) goto out;
  for (size_t i = 0; i < n; i++) {
    v[2 * i] = r->m[i].pub.transport_pk;
    v[2 * i + 1] = r->m[i].pub.message_pk;
  }
  qsort(v, 2 * n, sizeof *v, cmp_key);
  for (size_t i = 1; i < 2 * n; i++)
    if (cmp_key(&v[i - 1], &v[i]) == 0) goto out;
  rc = 0;
out:
  free(v);
  return rc;
}

int rp__roster_decode_body(const uint8_t *body, size_t len, rp__roster **out) {
  int rc = RP_EINTERNAL;
  rp__roster *r = NULL;
  body_wire bw;
  member_wire mw;

  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (body == NULL) return RP_EINVAL;
  if (len > RP_ROSTER_MAX) return RP_ETOOBIG;
  if ((rc = rp__mp_decode(&body_schema, body, len, &bw, NULL)) != 0) return rc;
  if ((rc = rp__roster_create(bw.version, bw.issued_at, &r)) != 0) return rc;
  for (size_t pos = 0, used = 0; pos < bw.members.n; pos += used) {
    const uint8_t *p = bw.members.p + pos;
    if (r->n >= RP_ROSTER_MEMBERS_MAX) {
      rc = RP_ETOOBIG;
      goto out;
    }
    /* Each member is one complete msgpack object: the structural check finds its end
     * without allocating, then the schema decodes exactly those bytes. */
    if ((rc = rp__mp_check(p, bw.members.n - pos, &used)) != 0 ||
        (rc = rp__mp_decode(&member_schema, p, used, &mw, NULL)) != 0 ||
        (rc = reserve_one(r)) != 0)
      goto out;
    wire_to_member(&mw, &r->m[r->n]);
    if ((rc = rp__roster_member_check(&r->m[r->n])) != 0) goto out;
    r->n++;
  }
  if ((rc = check_unique(r)) != 0) goto out;
  *out = r;
  r = NULL;
  rc = 0;
out:
  rp__roster_free(r);
  return rc;
}

int rp__roster_verify(const uint8_t *doc, size_t len,
                      const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                      rp__roster **out) {
  int rc = RP_EINTERNAL;
  uint8_t *msg = NULL;
  rp__roster *r = NULL;
  signed_wire sw;

  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (doc == NULL || admin_pk == NULL) return RP_EINVAL;
  if (len > RP_ROSTER_MAX) return RP_ETOOBIG;
  if ((rc = rp__mp_decode(&signed_schema, doc, len, &sw, NULL)) != 0) return rc;
  /* libsodium has no incremental pure Ed25519, so the message is assembled in one
   * buffer. The signature is checked before the body is decoded. */
  if ((msg = malloc(RP_ROSTER_SIG_CONTEXTBYTES + sw.body.n)) == NULL) return RP_ENOMEM;
  memcpy(msg, RP_ROSTER_SIG_CONTEXT, RP_ROSTER_SIG_CONTEXTBYTES);
  memcpy(msg + RP_ROSTER_SIG_CONTEXTBYTES, sw.body.p, sw.body.n);
  if (crypto_sign_verify_detached(sw.sig, msg, RP_ROSTER_SIG_CONTEXTBYTES + sw.body.n,
                                  admin_pk) != 0) {
    rc = RP_ESIG;
    goto out;
  }
  if ((rc = rp__roster_decode_body(sw.body.p, sw.body.n, &r)) != 0) goto out;
  if ((r->doc = malloc(len)) == NULL) {
    rc = RP_ENOMEM;
    goto out;
  }
  memcpy(r->doc, doc, len);
  r->doc_len = len;
  r->body_off = (size_t)(sw.body.p - doc);
  r->body_len = sw.body.n;
  *out = r;
  r = NULL;
  rc = 0;
out:
  free(msg);
  rp__roster_free(r);
  return rc;
}

int rp__roster_accept(const rp__roster *held, const uint8_t *doc, size_t len,
                      const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                      rp__roster **out) {
  rp__roster *r = NULL;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (held != NULL && held->doc == NULL) return RP_EINVAL;
  int rc = rp__roster_verify(doc, len, admin_pk, &r);
  if (rc != 0) return rc;
  if (held != NULL) {
    bool same = r->body_len == held->body_len &&
                memcmp(r->doc + r->body_off, held->doc + held->body_off, r->body_len) == 0;
    if (r->version < held->version || (r->version == held->version && !same)) {
      rp__roster_free(r);
      return RP_EROLLBACK;
    }
  }
  *out = r;
  return 0;
}
