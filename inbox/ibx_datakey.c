/* SPDX-License-Identifier: MIT */
#include "ibx_datakey.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "rejsepost_errors.h"

#define MAGIC "rp-ibxk\n"
#define PLAIN_LEN 42u
#define SEALED_HDR 62u
#define SEALED_LEN 110u
#define OPS_MAX 16ull
#define MEM_MAX (1024ull * 1024 * 1024)

static void put_be(uint8_t *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8)
    p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

static int derive(uint8_t k[32], const char *pass, size_t passlen, const uint8_t salt[16],
                  unsigned long long ops, size_t mem) {
  if (crypto_pwhash(k, 32, pass, passlen, salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13) !=
      0)
    return RP_ENOMEM;
  return 0;
}

static int create_file(const char *path, const char *pass, size_t passlen,
                       unsigned long long ops, size_t mem, uint8_t *key) {
  uint8_t buf[SEALED_LEN], *k = NULL;
  int r;
  randombytes_buf(key, 32);
  memcpy(buf, MAGIC, 8);
  buf[8] = 1;
  if (pass == NULL) {
    buf[9] = 1;
    memcpy(buf + 10, key, 32);
    r = rp__file_write(path, buf, PLAIN_LEN, 0600, 0);
    sodium_memzero(buf, sizeof buf);
    return r;
  }
  if (ops == 0) ops = crypto_pwhash_OPSLIMIT_MODERATE;
  if (mem == 0) mem = crypto_pwhash_MEMLIMIT_MODERATE;
  buf[9] = 2;
  put_be(buf + 10, ops, 4);
  put_be(buf + 14, mem, 8);
  randombytes_buf(buf + 22, 16 + 24);
  if ((k = sodium_malloc(32)) == NULL) return RP_ENOMEM;
  if ((r = derive(k, pass, passlen, buf + 22, ops, mem)) == 0) {
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + SEALED_HDR, NULL, key, 32, buf,
                                               SEALED_HDR, NULL, buf + 38, k);
    r = rp__file_write(path, buf, SEALED_LEN, 0600, 0);
  }
  sodium_free(k);
  return r;
}

static int parse(const uint8_t *buf, size_t n, const char *pass, size_t passlen,
                 int mode_ok, uint8_t *key) {
  uint8_t *k;
  int r;
  if (n < 10 || memcmp(buf, MAGIC, 8) != 0 || buf[8] != 1) return RP_EMALFORMED;
  if (buf[9] == 1) {
    if (n != PLAIN_LEN) return RP_EMALFORMED;
    if (!mode_ok) return RP_EPERM;
    memcpy(key, buf + 10, 32);
    return 0;
  }
  if (buf[9] != 2 || n != SEALED_LEN) return RP_EMALFORMED;
  if (pass == NULL) return RP_EPASSPHRASE;
  uint64_t ops = get_be(buf + 10, 4), mem = get_be(buf + 14, 8);
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > OPS_MAX ||
      mem < crypto_pwhash_MEMLIMIT_MIN || mem > MEM_MAX)
    return RP_EMALFORMED;
  if ((k = sodium_malloc(32)) == NULL) return RP_ENOMEM;
  r = derive(k, pass, passlen, buf + 22, ops, (size_t)mem);
  if (r == 0 &&
      crypto_aead_xchacha20poly1305_ietf_decrypt(key, NULL, NULL, buf + SEALED_HDR, 48, buf,
                                                 SEALED_HDR, buf + 38, k) != 0)
    r = RP_EPASSPHRASE;
  sodium_free(k);
  return r;
}

int rp__ibx_datakey_load(const char *path, const char *pass, size_t passlen, int create,
                         unsigned long long opslimit, size_t memlimit, uint8_t **key) {
  uint8_t buf[SEALED_LEN + 1], *k = NULL;
  mode_t mode = 0;
  size_t n = 0;
  int r;

  *key = NULL;
  if ((k = sodium_malloc(RP_IBX_DATAKEY_BYTES)) == NULL) return RP_ENOMEM;
  r = rp__file_read_into(path, buf, SEALED_LEN, &n, &mode, RP__FILE_NOFOLLOW);
  if (r == RP_ENOTFOUND && create) {
    if ((r = create_file(path, pass, passlen, opslimit, memlimit, k)) == 0)
      *key = k;
    else
      sodium_free(k);
    return r;
  }
  if (r == RP_ETOOBIG) r = RP_EMALFORMED; /* no data key file is that long */
  if (r != 0 && r != RP_ENOTFOUND && r != RP_EMALFORMED) r = RP_EIO;
  if (r == 0) r = parse(buf, n, pass, passlen, (mode & 077) == 0, k);
  sodium_memzero(buf, sizeof buf);
  if (r == 0)
    *key = k;
  else
    sodium_free(k);
  return r;
}

void rp__ibx_datakey_free(uint8_t *key) {
  if (key != NULL) sodium_free(key); /* sodium_free wipes */
}

int rp__ibx_seal(const uint8_t *key, const uint8_t *ad, size_t adlen, const uint8_t *pt,
                 size_t n, uint8_t **out, size_t *outlen) {
  uint8_t *b;
  *out = NULL;
  *outlen = 0;
  if ((b = malloc(n + RP_IBX_SEAL_OVERHEAD)) == NULL) return RP_ENOMEM;
  randombytes_buf(b, 24);
  crypto_aead_xchacha20poly1305_ietf_encrypt(b + 24, NULL, pt, n, ad, adlen, NULL, b, key);
  *out = b;
  *outlen = n + RP_IBX_SEAL_OVERHEAD;
  return 0;
}

int rp__ibx_open(const uint8_t *key, const uint8_t *ad, size_t adlen, const uint8_t *ct,
                 size_t n, uint8_t **pt, size_t *ptlen) {
  uint8_t *b;
  *pt = NULL;
  *ptlen = 0;
  if (n < RP_IBX_SEAL_OVERHEAD) return RP_EAUTH;
  if ((b = malloc(n - RP_IBX_SEAL_OVERHEAD + 1)) == NULL) return RP_ENOMEM;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(b, NULL, NULL, ct + 24, n - 24, ad, adlen,
                                                 ct, key) != 0) {
    free(b);
    return RP_EAUTH;
  }
  b[n - RP_IBX_SEAL_OVERHEAD] = 0;
  *pt = b;
  *ptlen = n - RP_IBX_SEAL_OVERHEAD;
  return 0;
}
