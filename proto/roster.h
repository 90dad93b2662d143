/* SPDX-License-Identifier: MIT */
/*
 * The roster: who the members are and which keys they hold, signed by the administrator.
 * Relay and clients pin the administrator's Ed25519 public key and accept a roster only
 * with a valid signature and a version not lower than the one they hold, so clients learn
 * the team's keys without trusting the relay. The wire format is documented at the top of
 * roster.c.
 *
 * An rp__roster is an owned, opaque object. Members returned by lookups point into it and
 * stay valid until the roster is changed (add, revoke, bump) or freed.
 */
#ifndef RP_ROSTER_H
#define RP_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "identity.h"

#define RP_ROSTER_SIG_CONTEXT "rejsepost/1 roster"
#define RP_ROSTER_SIG_CONTEXTBYTES 18u
#define RP_MUNICIPALITY_CODE_BYTES 3u /* "101" (København) .. "860" */

/* Member kinds; the values are 1-based indices into the wire names. */
typedef enum rp__member_kind {
  RP_MEMBER_MUNICIPALITY = 1,
  RP_MEMBER_TEAM = 2,
  RP_MEMBER_RELAY = 3,
  RP_MEMBER_ADMIN = 4
} rp__member_kind;

/* "municipality", "team", "relay" or "admin" (the wire names); NULL for another value.
 * Static. */
const char *rp__roster_kind_name(int kind);

/* The rp__member_kind of a wire name, or 0 for another text (or NULL). */
int rp__roster_kind_from_name(const char *name);

/* Networks, as bits of rp__member.networks. */
#define RP_NETWORK_EAST 0x1u
#define RP_NETWORK_WEST 0x2u

typedef struct rp__member {
  rp__identity_public pub;                           /* id, the three keys, binding */
  int kind;                                          /* rp__member_kind */
  char name[RP_TEXT_SHORT_MAX + 1];                  /* display name, may be empty */
  char municipality[RP_MUNICIPALITY_CODE_BYTES + 1]; /* municipalities only, else "" */
  unsigned networks;                                 /* RP_NETWORK_* bits */
  uint64_t valid_from;                               /* unix ms; 0 = always */
  bool revoked;
} rp__member;

typedef struct rp__roster rp__roster;

/* Creates an empty roster with `version` (>= 1) and `issued_at` (unix ms). The caller
 * frees *out with rp__roster_free. */
int rp__roster_create(uint64_t version, uint64_t issued_at, rp__roster **out);

/* Frees a roster. NULL is fine. */
void rp__roster_free(rp__roster *r);

/* Checks one member on its own: id, kind, display name (no control characters),
 * municipality code (exactly 3 digits for a municipality, empty otherwise: RP_EINVAL),
 * networks, and the binding signature (RP_ESIG). */
int rp__roster_member_check(const rp__member *m);

/* Adds a copy of *m (checked with rp__roster_member_check). Refuses an id or any public
 * key that a member already has, revoked or not (RP_EEXIST), and a roster already at
 * RP_ROSTER_MEMBERS_MAX members (RP_ETOOBIG). */
int rp__roster_add(rp__roster *r, const rp__member *m);

/* Marks member `id` revoked (idempotent). RP_ENOTFOUND if there is no such member. */
int rp__roster_revoke(rp__roster *r, const char *id);

/* Increments the roster version and sets issued_at: the step before signing a change.
 * RP_ETOOBIG if the version cannot grow. */
int rp__roster_bump(rp__roster *r, uint64_t issued_at);

/* Encodes the roster and signs it with `admin`'s identity key. The signed document is
 * kept inside the roster (see rp__roster_document) until the next change. */
int rp__roster_sign(rp__roster *r, const rp__identity *admin);

/* The signed document of a roster that was signed or verified and not changed since:
 * *doc points into the roster. RP_ESTATE otherwise. */
int rp__roster_document(const rp__roster *r, const uint8_t **doc, size_t *len);

/* Verifies a signed document against the pinned administrator key and decodes it into a
 * new roster (*out, freed by the caller; NULL on failure). Every member's binding
 * signature is checked. Errors: RP_ETOOBIG (over RP_ROSTER_MAX or a cap), decoding errors
 * (RP_EMALFORMED, RP_ETRUNC, RP_ETYPE, RP_EMISSING, RP_EVERSION for a newer schema, ...),
 * RP_ESIG (the roster's or a member's signature). A roster naming one id or key twice is
 * RP_EMALFORMED. */
int rp__roster_verify(const uint8_t *doc, size_t len,
                      const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES], rp__roster **out);

/* rp__roster_verify, then the rollback rule against `held` (NULL: nothing held yet): a
 * lower version is RP_EROLLBACK; an equal version is accepted only if its signed bytes are
 * identical to held's, else RP_EROLLBACK too (two different rosters under one version
 * mean a replay or an equivocation). `held` must come from rp__roster_verify or
 * rp__roster_accept (RP_EINVAL otherwise). On success *out is the new roster. */
int rp__roster_accept(const rp__roster *held, const uint8_t *doc, size_t len,
                      const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES], rp__roster **out);

/* Decodes the roster body (the bytes the administrator signs) WITHOUT any signature:
 * for tools and fuzzing only, never to trust a roster. Member binding signatures are
 * still checked. */
int rp__roster_decode_body(const uint8_t *body, size_t len, rp__roster **out);

uint64_t rp__roster_version(const rp__roster *r);
uint64_t rp__roster_issued_at(const rp__roster *r);
uint32_t rp__roster_count(const rp__roster *r);

/* Member i (0-based) or NULL past the end. */
const rp__member *rp__roster_member(const rp__roster *r, uint32_t i);

/* Lookups; NULL if there is no such member. Revoked members are found too: check them
 * with rp__roster_member_active. */
const rp__member *rp__roster_find_id(const rp__roster *r, const char *id);
const rp__member *rp__roster_find_transport(const rp__roster *r,
                                            const uint8_t pk[RP_X25519_PUBLICKEYBYTES]);
const rp__member *rp__roster_find_message(const rp__roster *r,
                                          const uint8_t pk[RP_X25519_PUBLICKEYBYTES]);

/* 0 if member m may act at `now_ms`; RP_EREVOKED if revoked; RP_EUNKNOWNMEMBER if m is
 * NULL or not yet valid (now_ms < valid_from). */
int rp__roster_member_active(const rp__member *m, uint64_t now_ms);

#endif /* RP_ROSTER_H */
