/* SPDX-License-Identifier: MIT */
/*
 * Noise's HandshakeState (section 5.3) driven by the pattern table of noise_pattern.c.
 *
 * The state lives in sodium_malloc memory (guard pages, locked, wiped on free) because
 * it holds private keys for the whole handshake. Every message from the peer is hostile
 * input: its length is checked against what the pattern dictates before a byte is
 * used, and any rejection wipes the state so that nothing can continue from it.
 */
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "rejsepost_errors.h"

struct rp__noise_handshake {
  rp__noise_symmetric ss;
  rp__noise_cipher c1; /* Split() output, held until rp__noise_handshake_split */
  rp__noise_cipher c2;
  const rp__noise_pattern *pattern;
  uint8_t s_sk[RP__NOISE_DHBYTES];
  uint8_t s_pk[RP__NOISE_DHBYTES];
  uint8_t e_sk[RP__NOISE_DHBYTES];
  uint8_t e_pk[RP__NOISE_DHBYTES];
  uint8_t rs[RP__NOISE_DHBYTES];
  uint8_t re[RP__NOISE_DHBYTES];
  uint8_t hh[RP__NOISE_HASHBYTES_MAX]; /* the final handshake hash */
  size_t hh_len;
  uint8_t has_s, has_e, has_rs, has_re, prologue_set, initiator, msg_index;
  rp__noise_hs_status status;
};

/*
 * sodium_malloc places the block right before a guard page, so its start is aligned only
 * as far as its size allows; rounding the size up keeps the struct properly aligned.
 */
#define HS_ALLOC_SIZE ((sizeof(rp__noise_handshake) + 63u) & ~(size_t)63u)

/* Whose turn it is after msg_index messages: the initiator writes the even ones. */
static rp__noise_hs_status next_status(const rp__noise_handshake *hs) {
  int initiator_writes;

  if (hs->msg_index >= hs->pattern->n_msgs) return RP__NOISE_HS_SPLIT;
  initiator_writes = (hs->msg_index % 2) == 0;
  return initiator_writes == (hs->initiator != 0) ? RP__NOISE_HS_WRITE : RP__NOISE_HS_READ;
}

void rp__noise_handshake_wipe(rp__noise_handshake *hs) {
  const rp__noise_pattern *pattern;
  uint8_t initiator;

  if (hs == NULL) return;
  pattern = hs->pattern;
  initiator = hs->initiator;
  sodium_memzero(hs, HS_ALLOC_SIZE);
  hs->pattern = pattern;
  hs->initiator = initiator;
  hs->status = RP__NOISE_HS_FAILED;
}

void rp__noise_handshake_free(rp__noise_handshake *hs) {
  if (hs == NULL) return;
  sodium_memzero(hs, HS_ALLOC_SIZE);
  sodium_free(hs);
}

int rp__noise_handshake_new(rp__noise_handshake **out, const char *name,
                            rp__noise_role role) {
  const rp__noise_pattern *pattern = NULL;
  rp__noise_handshake *hs = NULL;
  rp__noise_hash hash;
  int r = RP_EINVAL;

  if (out != NULL) *out = NULL;
  if (out == NULL || name == NULL ||
      (role != RP__NOISE_INITIATOR && role != RP__NOISE_RESPONDER))
    goto out;
  if ((r = rp__noise_protocol_parse(name, &pattern, &hash)) != 0) goto out;
  r = RP_ECRYPTO;
  if (sodium_init() < 0) goto out;
  r = RP_ENOMEM;
  if ((hs = sodium_malloc(HS_ALLOC_SIZE)) == NULL) goto out;
  memset(hs, 0, HS_ALLOC_SIZE);
  hs->pattern = pattern;
  hs->initiator = role == RP__NOISE_INITIATOR;
  hs->status = RP__NOISE_HS_SETUP;
  /* The parser has bounded the name by RP__NOISE_NAME_MAX. */
  if ((r = rp__noise_symmetric_init(&hs->ss, hash, name, strlen(name))) != 0) goto out;
  *out = hs;
  hs = NULL;
  r = 0;
out:
  rp__noise_handshake_free(hs);
  return r;
}

int rp__noise_handshake_set_prologue(rp__noise_handshake *hs, const uint8_t *prologue,
                                     size_t len) {
  int r;

  if (hs == NULL || (prologue == NULL && len != 0)) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_SETUP || hs->prologue_set) return RP_ESTATE;
  if ((r = rp__noise_symmetric_mix_hash(&hs->ss, prologue, len)) != 0) return r;
  hs->prologue_set = 1;
  return 0;
}

static int set_keypair(rp__noise_handshake *hs, uint8_t sk[RP__NOISE_DHBYTES],
                       uint8_t pk[RP__NOISE_DHBYTES], uint8_t *has,
                       const uint8_t in[RP__NOISE_DHBYTES]) {
  if (hs == NULL || in == NULL) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_SETUP) return RP_ESTATE;
  *has = 0;
  memcpy(sk, in, RP__NOISE_DHBYTES);
  if (crypto_scalarmult_base(pk, sk) != 0) {
    sodium_memzero(sk, RP__NOISE_DHBYTES);
    return RP_EINVAL;
  }
  *has = 1;
  return 0;
}

int rp__noise_handshake_set_local_static(rp__noise_handshake *hs,
                                         const uint8_t sk[RP__NOISE_DHBYTES]) {
  if (hs == NULL) return RP_EINVAL;
  return set_keypair(hs, hs->s_sk, hs->s_pk, &hs->has_s, sk);
}

int rp__noise_handshake_set_local_ephemeral(rp__noise_handshake *hs,
                                            const uint8_t sk[RP__NOISE_DHBYTES]) {
  if (hs == NULL) return RP_EINVAL;
  return set_keypair(hs, hs->e_sk, hs->e_pk, &hs->has_e, sk);
}

int rp__noise_handshake_set_remote_static(rp__noise_handshake *hs,
                                          const uint8_t pk[RP__NOISE_DHBYTES]) {
  if (hs == NULL || pk == NULL) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_SETUP) return RP_ESTATE;
  memcpy(hs->rs, pk, RP__NOISE_DHBYTES);
  hs->has_rs = 1;
  return 0;
}

/* Does our side need its static key anywhere in the pattern's messages? */
static int uses_local_static(const rp__noise_handshake *hs, size_t i, uint8_t tok) {
  int we_write = ((i % 2) == 0) == (hs->initiator != 0);

  switch (tok) {
  case RP__NOISE_TOK_S:
    return we_write;
  case RP__NOISE_TOK_ES:
    return !hs->initiator;
  case RP__NOISE_TOK_SE:
    return hs->initiator;
  case RP__NOISE_TOK_SS:
    return 1;
  default:
    return 0;
  }
}

/* A pre-message of static keys only: start() has refused patterns that pre-send an e. */
static int mix_pre_message(rp__noise_handshake *hs, uint8_t bits, int local) {
  if (!(bits & RP__NOISE_PRE_S)) return 0;
  if (local ? !hs->has_s : !hs->has_rs) return RP_EINVAL;
  return rp__noise_symmetric_mix_hash(&hs->ss, local ? hs->s_pk : hs->rs,
                                      RP__NOISE_DHBYTES);
}

int rp__noise_handshake_start(rp__noise_handshake *hs) {
  const rp__noise_pattern *p;
  size_t i, j;
  int r;

  if (hs == NULL) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_SETUP) return RP_ESTATE;
  p = hs->pattern;

  /* Check every key first, so that a refusal leaves the state in SETUP. */
  for (i = 0; i < p->n_msgs; i++) {
    int we_write = ((i % 2) == 0) == (hs->initiator != 0);
    for (j = 0; j < RP__NOISE_PATTERN_TOKENS_MAX && p->msgs[i][j] != RP__NOISE_TOK_END;
         j++) {
      if (uses_local_static(hs, i, p->msgs[i][j]) && !hs->has_s) return RP_EINVAL;
      /* A key the peer is going to send must not also be configured in advance. */
      if (p->msgs[i][j] == RP__NOISE_TOK_S && !we_write && hs->has_rs) return RP_EINVAL;
    }
  }
  if (((hs->initiator ? p->pre_init : p->pre_resp) & RP__NOISE_PRE_S) && !hs->has_s)
    return RP_EINVAL;
  if (((hs->initiator ? p->pre_resp : p->pre_init) & RP__NOISE_PRE_S) && !hs->has_rs)
    return RP_EINVAL;
  /* No fundamental pattern pre-sends an ephemeral, and there is no setter for a remote e.
   */
  if ((p->pre_init | p->pre_resp) & RP__NOISE_PRE_E) return RP_EINVAL;

  if (!hs->prologue_set && (r = rp__noise_handshake_set_prologue(hs, NULL, 0)) != 0)
    goto fail;
  /* The initiator's pre-message is hashed before the responder's (section 5.3). */
  if ((r = mix_pre_message(hs, p->pre_init, hs->initiator)) != 0) goto fail;
  if ((r = mix_pre_message(hs, p->pre_resp, !hs->initiator)) != 0) goto fail;
  hs->status = next_status(hs);
  return 0;
fail:
  rp__noise_handshake_wipe(hs);
  return r;
}

rp__noise_hs_status rp__noise_handshake_status(const rp__noise_handshake *hs) {
  return hs == NULL ? RP__NOISE_HS_FAILED : hs->status;
}

/*
 * Bytes the current message carries besides the payload, following the tokens: whether
 * a static key and the payload are encrypted depends on whether a DH has happened yet.
 */
static size_t message_overhead(const rp__noise_handshake *hs) {
  const uint8_t *toks = hs->pattern->msgs[hs->msg_index];
  int keyed = hs->ss.cs.has_key;
  size_t n = 0, j;

  for (j = 0; j < RP__NOISE_PATTERN_TOKENS_MAX && toks[j] != RP__NOISE_TOK_END; j++) {
    if (toks[j] == RP__NOISE_TOK_E)
      n += RP__NOISE_DHBYTES;
    else if (toks[j] == RP__NOISE_TOK_S)
      n += RP__NOISE_DHBYTES + (keyed ? RP__NOISE_TAGBYTES : 0);
    else
      keyed = 1;
  }
  return n + (keyed ? RP__NOISE_TAGBYTES : 0);
}

int rp__noise_handshake_write_size(const rp__noise_handshake *hs, size_t payload_len,
                                   size_t *msg_len) {
  size_t over;

  if (msg_len != NULL) *msg_len = 0;
  if (hs == NULL || msg_len == NULL) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_WRITE) return RP_ESTATE;
  over = message_overhead(hs);
  if (payload_len > RP__NOISE_MSG_MAX - over) return RP_ETOOBIG;
  *msg_len = over + payload_len;
  return 0;
}

/* MixKey(DH(ours, theirs)) for one of ee, es, se, ss; a zero result is refused. */
static int mix_dh(rp__noise_handshake *hs, uint8_t tok) {
  uint8_t shared[RP__NOISE_DHBYTES];
  const uint8_t *sk = NULL, *pk = NULL;
  int have = 0, r = RP_ECRYPTO;

  switch (tok) {
  case RP__NOISE_TOK_EE:
    sk = hs->e_sk, pk = hs->re, have = hs->has_e && hs->has_re;
    break;
  case RP__NOISE_TOK_ES: /* the initiator's e with the responder's s */
    if (hs->initiator)
      sk = hs->e_sk, pk = hs->rs, have = hs->has_e && hs->has_rs;
    else
      sk = hs->s_sk, pk = hs->re, have = hs->has_s && hs->has_re;
    break;
  case RP__NOISE_TOK_SE: /* the initiator's s with the responder's e */
    if (hs->initiator)
      sk = hs->s_sk, pk = hs->re, have = hs->has_s && hs->has_re;
    else
      sk = hs->e_sk, pk = hs->rs, have = hs->has_e && hs->has_rs;
    break;
  case RP__NOISE_TOK_SS:
    sk = hs->s_sk, pk = hs->rs, have = hs->has_s && hs->has_rs;
    break;
  default:
    break;
  }
  /* The pattern table and start() guarantee the keys; a miss is our bug. */
  if (!have) return RP_EINTERNAL;
  /* libsodium refuses an all-zero result itself; the second check costs nothing. */
  if (crypto_scalarmult(shared, sk, pk) != 0 || sodium_is_zero(shared, sizeof shared))
    goto out;
  r = rp__noise_symmetric_mix_key(&hs->ss, shared, sizeof shared);
out:
  sodium_memzero(shared, sizeof shared);
  return r;
}

/* After a message: either the other side's turn, or Split() and drop the secrets. */
static int advance(rp__noise_handshake *hs) {
  int r;

  hs->msg_index++;
  hs->status = next_status(hs);
  if (hs->status != RP__NOISE_HS_SPLIT) return 0;
  if ((r = rp__noise_symmetric_split(&hs->ss, &hs->c1, &hs->c2)) != 0) return r;
  memcpy(hs->hh, hs->ss.h, hs->ss.hash_len);
  hs->hh_len = hs->ss.hash_len;
  /* Section 5.3: after Split only the handshake hash is kept. */
  rp__noise_symmetric_wipe(&hs->ss);
  sodium_memzero(hs->e_sk, sizeof hs->e_sk);
  sodium_memzero(hs->s_sk, sizeof hs->s_sk);
  return 0;
}

int rp__noise_handshake_write(rp__noise_handshake *hs, const uint8_t *payload,
                              size_t payload_len, uint8_t *out, size_t out_cap,
                              size_t *out_len) {
  const uint8_t *toks;
  size_t need = 0, pos = 0, n, j;
  int r;

  if (out_len != NULL) *out_len = 0;
  if (hs == NULL || out == NULL || out_len == NULL || (payload == NULL && payload_len != 0))
    return RP_EINVAL;
  if ((r = rp__noise_handshake_write_size(hs, payload_len, &need)) != 0) return r;
  if (out_cap < need) return RP_ETOOBIG;

  toks = hs->pattern->msgs[hs->msg_index];
  for (j = 0; j < RP__NOISE_PATTERN_TOKENS_MAX && toks[j] != RP__NOISE_TOK_END; j++) {
    switch (toks[j]) {
    case RP__NOISE_TOK_E:
      if (!hs->has_e) {
        randombytes_buf(hs->e_sk, sizeof hs->e_sk);
        r = RP_ECRYPTO;
        if (crypto_scalarmult_base(hs->e_pk, hs->e_sk) != 0) goto fail;
        hs->has_e = 1;
      }
      memcpy(out + pos, hs->e_pk, RP__NOISE_DHBYTES);
      pos += RP__NOISE_DHBYTES;
      if ((r = rp__noise_symmetric_mix_hash(&hs->ss, hs->e_pk, RP__NOISE_DHBYTES)) != 0)
        goto fail;
      break;
    case RP__NOISE_TOK_S:
      r = rp__noise_symmetric_encrypt_and_hash(&hs->ss, hs->s_pk, RP__NOISE_DHBYTES,
                                               out + pos, out_cap - pos, &n);
      if (r != 0) goto fail;
      pos += n;
      break;
    default:
      if ((r = mix_dh(hs, toks[j])) != 0) goto fail;
      break;
    }
  }
  r = rp__noise_symmetric_encrypt_and_hash(&hs->ss, payload, payload_len, out + pos,
                                           out_cap - pos, &n);
  if (r != 0) goto fail;
  pos += n;
  r = RP_EINTERNAL;
  if (pos != need) goto fail;
  if ((r = advance(hs)) != 0) goto fail;
  *out_len = pos;
  return 0;
fail:
  sodium_memzero(out, need);
  rp__noise_handshake_wipe(hs);
  return r;
}

int rp__noise_handshake_read(rp__noise_handshake *hs, const uint8_t *msg, size_t msg_len,
                             uint8_t *payload, size_t payload_cap, size_t *payload_len) {
  uint8_t key[RP__NOISE_DHBYTES];
  const uint8_t *toks;
  size_t over, plain = 0, pos = 0, n, len, j;
  int r = RP_EINVAL;

  if (payload_len != NULL) *payload_len = 0;
  if (hs == NULL || payload_len == NULL || (msg == NULL && msg_len != 0)) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_READ) return RP_ESTATE;
  /* From here on, a message that does not fit the pattern ends the handshake. */
  r = RP_ETOOBIG;
  if (msg_len > RP__NOISE_MSG_MAX) goto fail;
  over = message_overhead(hs);
  r = RP_ETRUNC;
  if (msg_len < over) goto fail;
  plain = msg_len - over;
  /* A buffer of the caller's that is too small is the caller's to fix: no state change. */
  if (payload_cap < plain) return RP_ETOOBIG;
  if (payload == NULL && plain != 0) return RP_EINVAL;

  toks = hs->pattern->msgs[hs->msg_index];
  for (j = 0; j < RP__NOISE_PATTERN_TOKENS_MAX && toks[j] != RP__NOISE_TOK_END; j++) {
    switch (toks[j]) {
    case RP__NOISE_TOK_E:
      memcpy(hs->re, msg + pos, RP__NOISE_DHBYTES);
      hs->has_re = 1;
      pos += RP__NOISE_DHBYTES;
      if ((r = rp__noise_symmetric_mix_hash(&hs->ss, hs->re, RP__NOISE_DHBYTES)) != 0)
        goto fail;
      break;
    case RP__NOISE_TOK_S:
      len = RP__NOISE_DHBYTES + (hs->ss.cs.has_key ? RP__NOISE_TAGBYTES : 0);
      r = rp__noise_symmetric_decrypt_and_hash(&hs->ss, msg + pos, len, key, sizeof key,
                                               &n);
      if (r != 0) goto fail;
      r = RP_EINTERNAL;
      if (n != RP__NOISE_DHBYTES) goto fail;
      memcpy(hs->rs, key, RP__NOISE_DHBYTES);
      hs->has_rs = 1;
      pos += len;
      break;
    default:
      if ((r = mix_dh(hs, toks[j])) != 0) goto fail;
      break;
    }
  }
  r = rp__noise_symmetric_decrypt_and_hash(&hs->ss, msg + pos, msg_len - pos, payload,
                                           payload_cap, &n);
  if (r != 0) goto fail;
  r = RP_EINTERNAL;
  if (n != plain) goto fail;
  if ((r = advance(hs)) != 0) goto fail;
  *payload_len = n;
  sodium_memzero(key, sizeof key);
  return 0;
fail:
  sodium_memzero(key, sizeof key);
  if (payload != NULL && plain > 0) sodium_memzero(payload, plain);
  rp__noise_handshake_wipe(hs);
  return r;
}

int rp__noise_handshake_remote_static(const rp__noise_handshake *hs,
                                      uint8_t pk[RP__NOISE_DHBYTES]) {
  if (hs == NULL || pk == NULL) return RP_EINVAL;
  if (!hs->has_rs || hs->status == RP__NOISE_HS_FAILED) return RP_ESTATE;
  memcpy(pk, hs->rs, RP__NOISE_DHBYTES);
  return 0;
}

int rp__noise_handshake_local_static(const rp__noise_handshake *hs,
                                     uint8_t pk[RP__NOISE_DHBYTES]) {
  if (hs == NULL || pk == NULL) return RP_EINVAL;
  if (!hs->has_s || hs->status == RP__NOISE_HS_FAILED) return RP_ESTATE;
  memcpy(pk, hs->s_pk, RP__NOISE_DHBYTES);
  return 0;
}

int rp__noise_handshake_hash(const rp__noise_handshake *hs,
                             uint8_t out[RP__NOISE_HASHBYTES_MAX], size_t *out_len) {
  if (out_len != NULL) *out_len = 0;
  if (hs == NULL || out == NULL || out_len == NULL) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_SPLIT && hs->status != RP__NOISE_HS_DONE) return RP_ESTATE;
  memcpy(out, hs->hh, hs->hh_len);
  *out_len = hs->hh_len;
  return 0;
}

int rp__noise_handshake_split(rp__noise_handshake *hs, rp__noise_cipher *send,
                              rp__noise_cipher *recv) {
  rp__noise_cipher *to_peer, *from_peer;

  rp__noise_cipher_wipe(send);
  rp__noise_cipher_wipe(recv);
  if (hs == NULL || send == NULL || recv == NULL || send == recv) return RP_EINVAL;
  if (hs->status != RP__NOISE_HS_SPLIT) return RP_ESTATE;
  to_peer = hs->initiator ? &hs->c1 : &hs->c2;
  from_peer = hs->initiator ? &hs->c2 : &hs->c1;
  /* Section 7.4: a one-way pattern's second cipher is never used, so it is not given. */
  if (hs->pattern->n_msgs > 1 || hs->initiator) *send = *to_peer;
  if (hs->pattern->n_msgs > 1 || !hs->initiator) *recv = *from_peer;
  rp__noise_cipher_wipe(&hs->c1);
  rp__noise_cipher_wipe(&hs->c2);
  hs->status = RP__NOISE_HS_DONE;
  return 0;
}
