/* SPDX-License-Identifier: MIT */
/* Key files and public exports: encoding and the strict parser. The byte layout is
 * documented in keyfile.h; reading and writing files is in keyfile_io.c. */
#include "keyfile.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "rejsepost_errors.h"

#define FIXED_BYTES 11u   /* magic, version, kind, id length */
#define PUBLIC_BYTES 160u /* three public keys and the binding signature */
#define KDF_BYTES 53u     /* kdf id, opslimit, memlimit, salt, nonce */
#define SALT_BYTES 16u
#define NONCE_BYTES 24u
#define KEY_BYTES 32u
#define TAG_BYTES 16u

/* Secrets being encrypted or decrypted, kept out of the stack. */
typedef struct scratch {
  uint8_t key[KEY_BYTES];
  uint8_t secret[RP_KEYFILE_SECRETBYTES];
} scratch;

/* A parsed file: the public information plus where the secret part sits. */
typedef struct parsed {
  rp__keyfile_info info;
  size_t header_len; /* bytes before the secret or ciphertext: the AEAD's AD */
  const uint8_t *salt, *nonce, *body;
} parsed;

static void put_be(uint8_t *p, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; i--, v >>= 8)
    p[i - 1] = (uint8_t)(v & 0xff);
}

static uint64_t get_be(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

static size_t body_bytes(unsigned kind) {
  if (kind == RP_KEYFILE_KIND_ENCRYPTED)
    return KDF_BYTES + RP_KEYFILE_SECRETBYTES + TAG_BYTES;
  if (kind == RP_KEYFILE_KIND_PLAIN) return RP_KEYFILE_SECRETBYTES + RP_SIGNATUREBYTES;
  return RP_SIGNATUREBYTES;
}

/* The self-signature's message: context || buf[0..len), len <= RP_KEYFILE_MAX. It may
 * hold a plain file's secret, so it is wiped after use. */
static size_t self_msg(const uint8_t *buf, size_t len,
                       uint8_t msg[RP_KEYFILE_SIG_CONTEXTBYTES + RP_KEYFILE_MAX]) {
  memcpy(msg, RP_KEYFILE_SIG_CONTEXT, RP_KEYFILE_SIG_CONTEXTBYTES);
  memcpy(msg + RP_KEYFILE_SIG_CONTEXTBYTES, buf, len);
  return RP_KEYFILE_SIG_CONTEXTBYTES + len;
}

static int self_sign(const uint8_t *buf, size_t len, const uint8_t *sk, uint8_t *sig) {
  uint8_t msg[RP_KEYFILE_SIG_CONTEXTBYTES + RP_KEYFILE_MAX];
  size_t n = self_msg(buf, len, msg);
  int r = crypto_sign_detached(sig, NULL, msg, n, sk) == 0 ? 0 : RP_ECRYPTO;
  sodium_memzero(msg, sizeof msg);
  return r;
}

static int self_verify(const uint8_t *buf, size_t len, const uint8_t *pk,
                       const uint8_t *sig) {
  uint8_t msg[RP_KEYFILE_SIG_CONTEXTBYTES + RP_KEYFILE_MAX];
  size_t n = self_msg(buf, len, msg);
  int r = crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? 0 : RP_ESIG;
  sodium_memzero(msg, sizeof msg);
  return r;
}

static int parse(const uint8_t *buf, size_t len, parsed *p) {
  memset(p, 0, sizeof *p);
  if (buf == NULL) return RP_EINVAL;
  if (len > RP_KEYFILE_MAX) return RP_ETOOBIG;
  /* A wrong magic says "not a key file" even when the input is short, so it comes first. */
  size_t m = len < RP_KEYFILE_MAGICBYTES ? len : RP_KEYFILE_MAGICBYTES;
  if (memcmp(buf, RP_KEYFILE_MAGIC, m) != 0) return RP_EMALFORMED;
  if (len < FIXED_BYTES) return RP_ETRUNC;
  if (buf[8] != RP_KEYFILE_VERSION) return RP_EVERSION;
  unsigned kind = buf[9];
  if (kind < RP_KEYFILE_KIND_ENCRYPTED || kind > RP_KEYFILE_KIND_PUBLIC) return RP_EENUM;
  size_t idlen = buf[10];
  if (idlen == 0 || idlen > RP_MEMBER_ID_MAX) return RP_EMALFORMED;
  size_t pos = FIXED_BYTES;
  if (len - pos < idlen + PUBLIC_BYTES) return RP_ETRUNC;
  if (len - pos - idlen - PUBLIC_BYTES != body_bytes(kind))
    return len - pos - idlen - PUBLIC_BYTES < body_bytes(kind) ? RP_ETRUNC : RP_EMALFORMED;

  rp__identity_public *pub = &p->info.pub;
  int r = rp__identity_id_check((const char *)buf + pos, idlen);
  if (r != 0) return r;
  memcpy(pub->id, buf + pos, idlen);
  pos += idlen;
  memcpy(pub->identity_pk, buf + pos, 32);
  memcpy(pub->transport_pk, buf + pos + 32, 32);
  memcpy(pub->message_pk, buf + pos + 64, 32);
  memcpy(pub->binding_sig, buf + pos + 96, 64);
  pos += PUBLIC_BYTES;

  if (kind == RP_KEYFILE_KIND_ENCRYPTED) {
    if (buf[pos] != RP_KEYFILE_KDF_ARGON2ID13) return RP_EENUM;
    uint64_t ops = get_be(buf + pos + 1, 4), mem = get_be(buf + pos + 5, 8);
    /* Bounded before anything is hashed: a file must not choose how long we work. */
    if (ops > RP_KEYFILE_OPSLIMIT_MAX || mem > RP_KEYFILE_MEMLIMIT_MAX) return RP_ETOOBIG;
    if (ops < RP_KEYFILE_OPSLIMIT_MIN || mem < RP_KEYFILE_MEMLIMIT_MIN)
      return RP_EMALFORMED;
    p->info.kdf.opslimit = ops;
    p->info.kdf.memlimit = mem;
    p->salt = buf + pos + 13;
    p->nonce = buf + pos + 13 + SALT_BYTES;
    pos += KDF_BYTES;
  }
  p->header_len = pos;
  p->body = buf + pos;
  p->info.kind = kind;
  if ((r = rp__identity_public_check(pub)) != 0) return r;
  if (kind == RP_KEYFILE_KIND_ENCRYPTED) return 0; /* the AEAD covers every byte */
  return self_verify(buf, len - RP_SIGNATUREBYTES, pub->identity_pk,
                     buf + len - RP_SIGNATUREBYTES);
}

int rp__keyfile_peek(const uint8_t *buf, size_t len, rp__keyfile_info *info) {
  parsed p;
  if (info == NULL) return RP_EINVAL;
  memset(info, 0, sizeof *info);
  int r = parse(buf, len, &p);
  if (r == 0) *info = p.info;
  return r;
}

int rp__keyfile_decode_public(const uint8_t *buf, size_t len, rp__identity_public *pub) {
  parsed p;
  if (pub == NULL) return RP_EINVAL;
  memset(pub, 0, sizeof *pub);
  int r = parse(buf, len, &p);
  if (r != 0) return r;
  if (p.info.kind != RP_KEYFILE_KIND_PUBLIC) return RP_EINVAL;
  *pub = p.info.pub;
  return 0;
}

/* Writes the common header and public part; *pos gets the offset after it. The caller
 * has checked that cap holds the whole file. */
static void put_header(const rp__identity_public *pub, unsigned kind, uint8_t *out,
                       size_t *pos) {
  size_t idlen = strlen(pub->id);
  memcpy(out, RP_KEYFILE_MAGIC, RP_KEYFILE_MAGICBYTES);
  out[8] = RP_KEYFILE_VERSION;
  out[9] = (uint8_t)kind;
  out[10] = (uint8_t)idlen;
  memcpy(out + FIXED_BYTES, pub->id, idlen);
  uint8_t *k = out + FIXED_BYTES + idlen;
  memcpy(k, pub->identity_pk, 32);
  memcpy(k + 32, pub->transport_pk, 32);
  memcpy(k + 64, pub->message_pk, 32);
  memcpy(k + 96, pub->binding_sig, 64);
  *pos = FIXED_BYTES + idlen + PUBLIC_BYTES;
}

/* Checks the arguments every encoder shares; *need gets the file's total length. */
static int encode_start(const rp__identity_public *pub, unsigned kind, uint8_t *out,
                        size_t cap, size_t *len, size_t *need) {
  if (len != NULL) *len = 0;
  if (pub == NULL || out == NULL || len == NULL) return RP_EINVAL;
  int r = rp__identity_public_check(pub);
  if (r != 0) return r;
  *need = FIXED_BYTES + strlen(pub->id) + PUBLIC_BYTES + body_bytes(kind);
  return cap < *need ? RP_ETOOBIG : 0;
}

static void secret_pack(const rp__identity_secret *sec, uint8_t s[RP_KEYFILE_SECRETBYTES]) {
  memcpy(s, sec->identity_seed, 32);
  memcpy(s + 32, sec->transport_sk, 32);
  memcpy(s + 64, sec->message_sk, 32);
}

int rp__keyfile_encode_encrypted(const rp__identity *ident, const char *pass,
                                 size_t passlen, const rp__keyfile_kdf *kdf, uint8_t *out,
                                 size_t cap, size_t *len) {
  int r = RP_EINTERNAL;
  size_t need = 0, pos = 0;
  scratch *s = NULL;
  rp__keyfile_kdf lim = {RP_KEYFILE_OPSLIMIT_DEFAULT, RP_KEYFILE_MEMLIMIT_DEFAULT};

  if (len != NULL) *len = 0;
  if (ident == NULL || pass == NULL || passlen == 0 || passlen > RP_PASSPHRASE_MAX)
    return RP_EINVAL;
  if (kdf != NULL) lim = *kdf;
  if (lim.opslimit < RP_KEYFILE_OPSLIMIT_MIN || lim.opslimit > RP_KEYFILE_OPSLIMIT_MAX ||
      lim.memlimit < RP_KEYFILE_MEMLIMIT_MIN || lim.memlimit > RP_KEYFILE_MEMLIMIT_MAX)
    return RP_EINVAL;
  if ((r = encode_start(&ident->pub, RP_KEYFILE_KIND_ENCRYPTED, out, cap, len, &need)) != 0)
    return r;
  if (sodium_init() < 0) return RP_ECRYPTO;
  if ((s = sodium_malloc(sizeof *s)) == NULL) return RP_ENOMEM;

  put_header(&ident->pub, RP_KEYFILE_KIND_ENCRYPTED, out, &pos);
  out[pos] = RP_KEYFILE_KDF_ARGON2ID13;
  put_be(out + pos + 1, lim.opslimit, 4);
  put_be(out + pos + 5, lim.memlimit, 8);
  uint8_t *salt = out + pos + 13, *nonce = salt + SALT_BYTES;
  randombytes_buf(salt, SALT_BYTES);
  randombytes_buf(nonce, NONCE_BYTES);
  pos += KDF_BYTES;

  if (crypto_pwhash(s->key, KEY_BYTES, pass, passlen, salt, lim.opslimit,
                    (size_t)lim.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    r = RP_ENOMEM; /* the only way Argon2id fails with valid limits */
    goto out;
  }
  secret_pack(ident->sec, s->secret);
  unsigned long long clen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + pos, &clen, s->secret,
                                                 RP_KEYFILE_SECRETBYTES, out, pos, NULL,
                                                 nonce, s->key) != 0 ||
      pos + clen != need) {
    r = RP_ECRYPTO;
    goto out;
  }
  *len = need;
  r = 0;
out:
  sodium_free(s);
  if (r != 0) sodium_memzero(out, need);
  return r;
}

int rp__keyfile_encode_plain(const rp__identity *ident, uint8_t *out, size_t cap,
                             size_t *len) {
  size_t need = 0, pos = 0;
  if (len != NULL) *len = 0;
  if (ident == NULL) return RP_EINVAL;
  int r = encode_start(&ident->pub, RP_KEYFILE_KIND_PLAIN, out, cap, len, &need);
  if (r != 0) return r;
  put_header(&ident->pub, RP_KEYFILE_KIND_PLAIN, out, &pos);
  secret_pack(ident->sec, out + pos);
  pos += RP_KEYFILE_SECRETBYTES;
  if ((r = self_sign(out, pos, ident->sec->identity_sk, out + pos)) != 0) {
    sodium_memzero(out, need);
    return r;
  }
  *len = need;
  return 0;
}

int rp__keyfile_encode_public(const rp__identity *ident, uint8_t *out, size_t cap,
                              size_t *len) {
  size_t need = 0, pos = 0;
  if (len != NULL) *len = 0;
  if (ident == NULL) return RP_EINVAL;
  int r = encode_start(&ident->pub, RP_KEYFILE_KIND_PUBLIC, out, cap, len, &need);
  if (r != 0) return r;
  put_header(&ident->pub, RP_KEYFILE_KIND_PUBLIC, out, &pos);
  if ((r = self_sign(out, pos, ident->sec->identity_sk, out + pos)) != 0) return r;
  *len = need;
  return 0;
}

int rp__keyfile_decode(const uint8_t *buf, size_t len, const char *pass, size_t passlen,
                       rp__identity **out) {
  int r = RP_EINTERNAL;
  parsed p;
  scratch *s = NULL;
  rp__identity *ident = NULL;

  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if ((r = parse(buf, len, &p)) != 0) return r;
  if (p.info.kind == RP_KEYFILE_KIND_PUBLIC) return RP_EINVAL;
  if (sodium_init() < 0) return RP_ECRYPTO;
  if ((s = sodium_malloc(sizeof *s)) == NULL) return RP_ENOMEM;
  if (p.info.kind == RP_KEYFILE_KIND_PLAIN) {
    memcpy(s->secret, p.body, RP_KEYFILE_SECRETBYTES);
  } else {
    if (pass == NULL || passlen > RP_PASSPHRASE_MAX) {
      r = pass == NULL ? RP_EPASSPHRASE : RP_EINVAL;
      goto out;
    }
    if (crypto_pwhash(s->key, KEY_BYTES, pass, passlen, p.salt, p.info.kdf.opslimit,
                      (size_t)p.info.kdf.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
      r = RP_ENOMEM;
      goto out;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->secret, NULL, NULL, p.body,
                                                   RP_KEYFILE_SECRETBYTES + TAG_BYTES, buf,
                                                   p.header_len, p.nonce, s->key) != 0) {
      r = RP_EPASSPHRASE;
      goto out;
    }
  }
  r = rp__identity_from_secret(p.info.pub.id, s->secret, s->secret + 32, s->secret + 64,
                               &ident);
  if (r != 0) {
    r = r == RP_ENOMEM ? r : RP_EMALFORMED;
    goto out;
  }
  /* The public part is derived from the secret, so this compares public bytes only. The
   * binding signature is deterministic and must match as well. */
  if (memcmp(&ident->pub, &p.info.pub, sizeof ident->pub) != 0) {
    r = RP_EMALFORMED;
    goto out;
  }
  *out = ident;
  ident = NULL;
  r = 0;
out:
  rp__identity_free(ident);
  sodium_free(s);
  return r;
}
