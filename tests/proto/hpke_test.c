/* SPDX-License-Identifier: MIT */
/*
 * HPKE and HKDF. The RFC 9180 appendix A.2 vectors are read from the official text file
 * at run time and every value in it is either fed in or compared byte for byte; nothing
 * from the file is copied into this source. Then the failure cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "hkdf.h"
#include "hpke.h"
#include "rejsepost_errors.h"
#include "testutil.h"

/* ---- the vector file: parsed into sections of key/value groups ---- */

#define KV_MAX 24
#define VAL_MAX 256
#define BLOCKS_MAX 8
#define MODES_MAX 8

enum { UNUSED = 0, INPUT = 1, CHECKED = 2 };

typedef struct kv {
  char key[32];
  char val[VAL_MAX]; /* hex digits (or a decimal number), lines joined */
  int used;
} kv;

typedef struct group {
  kv kv[KV_MAX];
  size_t n;
} group;

typedef struct section {
  group setup;
  group enc[BLOCKS_MAX]; /* "Encryptions": one group per sequence number */
  size_t n_enc;
  group exp[BLOCKS_MAX]; /* "Exported Values": one group per exporter_context */
  size_t n_exp;
} section;

static section sections[MODES_MAX];
static size_t n_sections;
static size_t n_checked; /* distinct values in the file compared with our output */

static int is_hex_line(const char *s) {
  if (*s == '\0') return 0;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
  return 1;
}

static void append_val(kv *e, const char *text) {
  size_t have = strlen(e->val), add = strlen(text);
  if (have + add >= sizeof e->val) fail_msg("value of %s too long", e->key);
  memcpy(e->val + have, text, add + 1);
}

static kv *add_kv(group *g, const char *key, const char *val) {
  if (g->n == KV_MAX) fail_msg("too many values in one block");
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->kv[i].key, key) == 0) fail_msg("duplicate key %s", key);
  kv *e = &g->kv[g->n++];
  if (strlen(key) >= sizeof e->key) fail_msg("key too long: %s", key);
  memcpy(e->key, key, strlen(key) + 1);
  append_val(e, val);
  return e;
}

/* Strict: a line the format doesn't explain fails the test, so a changed file can't be
 * half-read in silence. */
static void parse_vectors(char *buf) {
  enum { NONE, SETUP, ENC, EXP } state = NONE;
  section *sec = NULL;
  group *g = NULL;
  kv *last = NULL;
  char *next;

  for (char *line = buf; line != NULL; line = next) {
    next = strchr(line, '\n');
    if (next != NULL) *next++ = '\0';
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
      line[--len] = '\0';

    if (len == 0 || strcmp(line, "~~~") == 0) {
      if (state == ENC || state == EXP) g = NULL; /* a blank line ends a block */
      last = NULL;
    } else if (strncmp(line, "### ", 4) == 0 && strstr(line, "Setup Information")) {
      if (n_sections == MODES_MAX) fail_msg("too many modes");
      sec = &sections[n_sections++];
      state = SETUP;
      g = &sec->setup;
      last = NULL;
    } else if (strcmp(line, "#### Encryptions") == 0 && sec != NULL) {
      state = ENC;
      g = NULL;
    } else if (strcmp(line, "#### Exported Values") == 0 && sec != NULL) {
      state = EXP;
      g = NULL;
    } else if (strncmp(line, "## ", 3) == 0) {
      /* The suite title; the ids in each section are checked instead. */
    } else if (strchr(line, ':') != NULL) {
      char *colon = strchr(line, ':'), *val = colon + 1;
      *colon = '\0';
      while (*val == ' ')
        val++;
      if (state == ENC && strcmp(line, "sequence number") == 0) {
        if (sec->n_enc == BLOCKS_MAX) fail_msg("too many encryptions");
        g = &sec->enc[sec->n_enc++];
      } else if (state == EXP && strcmp(line, "exporter_context") == 0) {
        if (sec->n_exp == BLOCKS_MAX) fail_msg("too many exported values");
        g = &sec->exp[sec->n_exp++];
      }
      if (g == NULL) fail_msg("value outside a block: %s", line);
      last = add_kv(g, line, val);
    } else if (last != NULL && is_hex_line(line)) {
      append_val(last, line); /* a long hex value continues on the next line */
    } else {
      fail_msg("unexpected line in vector file: %s", line);
    }
  }
}

static kv *find_kv(group *g, const char *key) {
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->kv[i].key, key) == 0) return &g->kv[i];
  return NULL;
}

static kv *need_kv(group *g, const char *key) {
  kv *e = find_kv(g, key);
  if (e == NULL) fail_msg("vector block lacks %s", key);
  return e;
}

/* An input from the file: decoded bytes (malloc'd, free them). */
static uint8_t *input_hex(group *g, const char *key, size_t *len) {
  kv *e = need_kv(g, key);
  if (e->used == UNUSED) e->used = INPUT;
  return tu_unhex(e->val, len);
}

static unsigned long long input_num(group *g, const char *key) {
  kv *e = need_kv(g, key);
  char *end = NULL;
  unsigned long long v = strtoull(e->val, &end, 10);
  if (e->val[0] == '\0' || *end != '\0') fail_msg("%s is not a number", key);
  if (e->used == UNUSED) e->used = INPUT;
  return v;
}

static void mark_checked(kv *e) {
  if (e->used != CHECKED) n_checked++;
  e->used = CHECKED;
}

/* Our output `got` must equal the file's value for `key`, byte for byte. */
static void check_hex(group *g, const char *key, const uint8_t *got, size_t got_len) {
  size_t len;
  kv *e = need_kv(g, key);
  uint8_t *want = tu_unhex(e->val, &len);
  if (len != got_len) fail_msg("%s: length %zu, want %zu", key, got_len, len);
  if (len > 0 && sodium_memcmp(got, want, len) != 0) print_error("%s differs\n", key);
  assert_memory_equal(got, want, len);
  free(want);
  mark_checked(e);
}

static void check_num(group *g, const char *key, unsigned long long got) {
  kv *e = need_kv(g, key);
  unsigned long long want = input_num(g, key);
  assert_true(got == want);
  mark_checked(e);
}

static void check_all_used(group *g) {
  for (size_t i = 0; i < g->n; i++)
    if (g->kv[i].used == UNUSED) fail_msg("vector value %s was not used", g->kv[i].key);
}

static size_t count_occurrences(const char *text, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* ---- running one mode's vectors ---- */

typedef struct mode_run {
  group *setup;
  int auth;
  rp__hpke_params params;
  uint8_t *info, *psk, *psk_id; /* malloc'd inputs behind params */
  uint8_t pkE[RP__HPKE_NPK], skE[RP__HPKE_NSK];
  uint8_t pkR[RP__HPKE_NPK], skR[RP__HPKE_NSK];
  uint8_t pkS[RP__HPKE_NPK], skS[RP__HPKE_NSK];
} mode_run;

static void derive_and_check(group *g, const char *ikm_key, const char *pk_key,
                             const char *sk_key, uint8_t pk[RP__HPKE_NPK],
                             uint8_t sk[RP__HPKE_NSK]) {
  size_t len;
  uint8_t *ikm = input_hex(g, ikm_key, &len);
  assert_int_equal(rp__hpke_derive_keypair(pk, sk, ikm, len), 0);
  check_hex(g, sk_key, sk, RP__HPKE_NSK);
  check_hex(g, pk_key, pk, RP__HPKE_NPK);
  free(ikm);
}

static void setup_inputs(mode_run *m, group *g) {
  size_t len;
  memset(m, 0, sizeof *m);
  m->setup = g;
  m->params.mode = (int)input_num(g, "mode");
  assert_true(m->params.mode >= RP__HPKE_MODE_BASE &&
              m->params.mode <= RP__HPKE_MODE_AUTH_PSK);
  check_num(g, "kem_id", RP__HPKE_KEM_ID);
  check_num(g, "kdf_id", RP__HPKE_KDF_ID);
  check_num(g, "aead_id", RP__HPKE_AEAD_ID);
  m->auth =
      m->params.mode == RP__HPKE_MODE_AUTH || m->params.mode == RP__HPKE_MODE_AUTH_PSK;
  int psk = m->params.mode == RP__HPKE_MODE_PSK || m->params.mode == RP__HPKE_MODE_AUTH_PSK;

  m->info = input_hex(g, "info", &len);
  m->params.info = m->info;
  m->params.info_len = len;
  if (psk) {
    m->psk = input_hex(g, "psk", &m->params.psk_len);
    m->psk_id = input_hex(g, "psk_id", &m->params.psk_id_len);
    m->params.psk = m->psk;
    m->params.psk_id = m->psk_id;
  } else {
    assert_null(find_kv(g, "psk"));
    assert_null(find_kv(g, "psk_id"));
  }
  derive_and_check(g, "ikmE", "pkEm", "skEm", m->pkE, m->skE);
  derive_and_check(g, "ikmR", "pkRm", "skRm", m->pkR, m->skR);
  if (m->auth)
    derive_and_check(g, "ikmS", "pkSm", "skSm", m->pkS, m->skS);
  else
    assert_null(find_kv(g, "ikmS"));
}

/* The KEM and the key schedule's intermediate values. */
static void check_kem_and_schedule(mode_run *m) {
  group *g = m->setup;
  uint8_t ss[RP__HPKE_NSECRET], ss2[RP__HPKE_NSECRET], enc[RP__HPKE_NENC];
  uint8_t ksc[1 + 2 * RP__HPKE_NH], secret[RP__HPKE_NH];
  const rp__hpke_params *p = &m->params;

  if (m->auth) {
    assert_int_equal(rp__hpke_auth_encap_derand(ss, enc, m->pkR, m->skS, m->skE), 0);
    assert_int_equal(rp__hpke_auth_decap(ss2, enc, m->skR, m->pkS), 0);
  } else {
    assert_int_equal(rp__hpke_encap_derand(ss, enc, m->pkR, m->skE), 0);
    assert_int_equal(rp__hpke_decap(ss2, enc, m->skR), 0);
  }
  check_hex(g, "enc", enc, sizeof enc);
  check_hex(g, "shared_secret", ss, sizeof ss);
  check_hex(g, "shared_secret", ss2, sizeof ss2);

  ksc[0] = (uint8_t)p->mode;
  assert_int_equal(rp__hpke_labeled_extract(ksc + 1, RP__HPKE_SCOPE_SUITE, NULL, 0,
                                            "psk_id_hash", p->psk_id, p->psk_id_len),
                   0);
  assert_int_equal(rp__hpke_labeled_extract(ksc + 1 + RP__HPKE_NH, RP__HPKE_SCOPE_SUITE,
                                            NULL, 0, "info_hash", p->info, p->info_len),
                   0);
  check_hex(g, "key_schedule_context", ksc, sizeof ksc);
  assert_int_equal(rp__hpke_labeled_extract(secret, RP__HPKE_SCOPE_SUITE, ss, sizeof ss,
                                            "secret", p->psk, p->psk_len),
                   0);
  check_hex(g, "secret", secret, sizeof secret);
}

static void check_ctx(group *g, const rp__hpke_ctx *c) {
  check_hex(g, "key", c->key, sizeof c->key);
  check_hex(g, "base_nonce", c->base_nonce, sizeof c->base_nonce);
  check_hex(g, "exporter_secret", c->exporter_secret, sizeof c->exporter_secret);
}

static size_t n_ct_checked, n_pt_checked, n_exp_checked;

/* Both contexts go through every sequence number from 0 to the last listed one, as in a
 * real exchange; at each listed number the nonce, ciphertext and plaintext must match. */
static void check_encryptions(section *sec, rp__hpke_ctx *s, rp__hpke_ctx *r) {
  uint64_t seq = 0;
  for (size_t b = 0; b < sec->n_enc; b++) {
    group *g = &sec->enc[b];
    unsigned long long want = input_num(g, "sequence number");
    if (want < seq || want > 65536) fail_msg("sequence numbers must ascend (%llu)", want);
    for (; seq < want; seq++) {
      uint8_t c[1 + RP__HPKE_NT], d[1];
      assert_int_equal(rp__hpke_ctx_seal(s, c, (const uint8_t *)"x", 1, NULL, 0), 0);
      assert_int_equal(rp__hpke_ctx_open(r, d, c, sizeof c, NULL, 0), 0);
    }
    size_t pt_len, aad_len;
    uint8_t *pt = input_hex(g, "pt", &pt_len), *aad = input_hex(g, "aad", &aad_len);
    uint8_t nonce[RP__HPKE_NN];
    uint8_t *ct = malloc(pt_len + RP__HPKE_NT), *out = malloc(pt_len + 1);
    assert_non_null(ct);
    assert_non_null(out);
    assert_int_equal(rp__hpke_ctx_nonce(s, nonce), 0);
    check_hex(g, "nonce", nonce, sizeof nonce);
    assert_int_equal(rp__hpke_ctx_nonce(r, nonce), 0);
    check_hex(g, "nonce", nonce, sizeof nonce);
    assert_int_equal(rp__hpke_ctx_seal(s, ct, pt, pt_len, aad, aad_len), 0);
    check_hex(g, "ct", ct, pt_len + RP__HPKE_NT);
    n_ct_checked++;
    assert_int_equal(rp__hpke_ctx_open(r, out, ct, pt_len + RP__HPKE_NT, aad, aad_len), 0);
    check_hex(g, "pt", out, pt_len);
    n_pt_checked++;
    seq++;
    assert_true(s->seq == seq && r->seq == seq);
    free(pt);
    free(aad);
    free(ct);
    free(out);
  }
}

static void check_exports(section *sec, const rp__hpke_ctx *s, const rp__hpke_ctx *r) {
  for (size_t b = 0; b < sec->n_exp; b++) {
    group *g = &sec->exp[b];
    size_t ctx_len;
    uint8_t *ectx = input_hex(g, "exporter_context", &ctx_len);
    size_t L = (size_t)input_num(g, "L");
    uint8_t *out = malloc(L + 1);
    assert_non_null(out);
    assert_int_equal(rp__hpke_ctx_export(s, out, L, ectx, ctx_len), 0);
    check_hex(g, "exported_value", out, L);
    assert_int_equal(rp__hpke_ctx_export(r, out, L, ectx, ctx_len), 0);
    check_hex(g, "exported_value", out, L);
    n_exp_checked++;
    free(ectx);
    free(out);
  }
}

/* Single-shot seal and open must give the same bytes as the first listed encryption. */
static void check_single_shot(mode_run *m, section *sec) {
  group *g = &sec->enc[0];
  assert_int_equal(input_num(g, "sequence number"), 0);
  size_t pt_len, aad_len;
  uint8_t *pt = input_hex(g, "pt", &pt_len), *aad = input_hex(g, "aad", &aad_len);
  uint8_t enc[RP__HPKE_NENC], *ct = malloc(pt_len + RP__HPKE_NT), *out = malloc(pt_len + 1);
  assert_non_null(ct);
  assert_non_null(out);
  assert_int_equal(rp__hpke_seal_derand(enc, ct, pt, pt_len, aad, aad_len, &m->params,
                                        m->pkR, m->auth ? m->skS : NULL, m->skE),
                   0);
  check_hex(m->setup, "enc", enc, sizeof enc);
  check_hex(g, "ct", ct, pt_len + RP__HPKE_NT);
  assert_int_equal(rp__hpke_open(out, enc, ct, pt_len + RP__HPKE_NT, aad, aad_len,
                                 &m->params, m->skR, m->auth ? m->pkS : NULL),
                   0);
  check_hex(g, "pt", out, pt_len);
  free(pt);
  free(aad);
  free(ct);
  free(out);
}

/* Runs every check of one mode; returns the mode. */
static int run_section(section *sec) {
  mode_run m;
  rp__hpke_ctx s, r;
  uint8_t enc[RP__HPKE_NENC];

  setup_inputs(&m, &sec->setup);
  check_kem_and_schedule(&m);
  assert_int_equal(
      rp__hpke_setup_sender_derand(&s, enc, &m.params, m.pkR, m.auth ? m.skS : NULL, m.skE),
      0);
  check_hex(m.setup, "enc", enc, sizeof enc);
  check_ctx(m.setup, &s);
  assert_int_equal(
      rp__hpke_setup_recipient(&r, &m.params, enc, m.skR, m.auth ? m.pkS : NULL), 0);
  check_ctx(m.setup, &r);
  check_encryptions(sec, &s, &r);
  check_exports(sec, &s, &r);
  if (sec->n_enc > 0) check_single_shot(&m, sec);
  rp__hpke_ctx_wipe(&s);
  rp__hpke_ctx_wipe(&r);
  free(m.info);
  free(m.psk);
  free(m.psk_id);
  return m.params.mode;
}

static void test_rfc9180_vectors(void **state) {
  (void)state;
  size_t len;
  char *text =
      tu_read_file(tu_vector_path("rfc9180-a2-x25519-sha256-chacha20poly1305.txt"), &len);
  if (text == NULL) fail_msg("cannot read the RFC 9180 vector file");
  /* Counted in the raw text, independently of the parser. */
  size_t want_modes = count_occurrences(text, "Setup Information");
  size_t want_enc = count_occurrences(text, "sequence number:");
  size_t want_exp = count_occurrences(text, "exported_value:");

  parse_vectors(text);
  int seen[4] = {0, 0, 0, 0};
  size_t n_enc = 0, n_exp = 0, n_values = 0;
  for (size_t i = 0; i < n_sections; i++) {
    seen[run_section(&sections[i])]++;
    n_enc += sections[i].n_enc;
    n_exp += sections[i].n_exp;
    check_all_used(&sections[i].setup);
    n_values += sections[i].setup.n;
    for (size_t b = 0; b < sections[i].n_enc; b++) {
      check_all_used(&sections[i].enc[b]);
      n_values += sections[i].enc[b].n;
    }
    for (size_t b = 0; b < sections[i].n_exp; b++) {
      check_all_used(&sections[i].exp[b]);
      n_values += sections[i].exp[b].n;
    }
  }
  /* All four modes, once each; the 24 encryptions (4 modes x 6); every one checked. */
  assert_int_equal(n_sections, 4);
  assert_int_equal(want_modes, 4);
  for (int mode = 0; mode < 4; mode++)
    assert_int_equal(seen[mode], 1);
  assert_int_equal(want_enc, 24);
  assert_int_equal(n_enc, want_enc);
  assert_int_equal(n_ct_checked, want_enc);
  assert_int_equal(n_pt_checked, want_enc);
  assert_int_equal(n_exp, want_exp);
  assert_int_equal(n_exp_checked, want_exp);
  printf("[ vectors  ] %zu modes, %zu encryptions, %zu exports; %zu values in the file, "
         "%zu compared with our output, the rest used as inputs\n",
         n_sections, n_enc, n_exp, n_values, n_checked);
  free(text);
}

/* ---- HKDF (RFC 5869 appendix A, test cases 1 and 3) ---- */

static void expect_hex(const uint8_t *got, size_t got_len, const char *hex) {
  size_t len;
  uint8_t *want = tu_unhex(hex, &len);
  assert_int_equal(got_len, len);
  assert_memory_equal(got, want, len);
  free(want);
}

static void test_hkdf_rfc5869(void **state) {
  (void)state;
  uint8_t ikm[22], salt[13], info[10], prk[RP__HKDF_PRKBYTES], okm[42];
  memset(ikm, 0x0b, sizeof ikm);
  for (size_t i = 0; i < sizeof salt; i++)
    salt[i] = (uint8_t)i;
  for (size_t i = 0; i < sizeof info; i++)
    info[i] = (uint8_t)(0xf0 + i);

  /* Test case 1. */
  assert_int_equal(rp__hkdf_extract(prk, salt, sizeof salt, ikm, sizeof ikm), 0);
  expect_hex(prk, sizeof prk,
             "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  assert_int_equal(rp__hkdf_expand(okm, sizeof okm, prk, info, sizeof info), 0);
  expect_hex(
      okm, sizeof okm,
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b88718"
      "5865");
  /* The same input split into parts gives the same key. */
  rp__hkdf_part parts[3] = {{ikm, 5}, {NULL, 0}, {ikm + 5, sizeof ikm - 5}};
  assert_int_equal(rp__hkdf_extract_parts(prk, salt, sizeof salt, parts, 3), 0);
  expect_hex(prk, sizeof prk,
             "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");

  /* Test case 3: no salt, no info. */
  assert_int_equal(rp__hkdf_extract(prk, NULL, 0, ikm, sizeof ikm), 0);
  expect_hex(prk, sizeof prk,
             "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  assert_int_equal(rp__hkdf_expand(okm, sizeof okm, prk, NULL, 0), 0);
  expect_hex(
      okm, sizeof okm,
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a"
      "96c8");
}

static void test_hkdf_expand_limit(void **state) {
  (void)state;
  uint8_t prk[RP__HKDF_PRKBYTES];
  uint8_t *out = malloc(RP__HKDF_EXPAND_MAX + 1);
  assert_non_null(out);
  memset(prk, 7, sizeof prk);
  assert_int_equal(rp__hkdf_expand(out, RP__HKDF_EXPAND_MAX, prk, NULL, 0), 0);
  memset(out, 0xaa, RP__HKDF_EXPAND_MAX + 1);
  assert_int_equal(rp__hkdf_expand(out, RP__HKDF_EXPAND_MAX + 1, prk, NULL, 0), RP_ETOOBIG);
  assert_true(sodium_is_zero(out, RP__HKDF_EXPAND_MAX + 1));
  assert_int_equal(rp__hkdf_expand(NULL, 0, prk, NULL, 0), 0);
  assert_int_equal(rp__hkdf_expand(NULL, 1, prk, NULL, 0), RP_EINVAL);

  /* HPKE's Export has the same limit. */
  rp__hpke_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.role = RP__HPKE_ROLE_SENDER;
  assert_int_equal(rp__hpke_ctx_export(&ctx, out, RP__HPKE_EXPORT_MAX, NULL, 0), 0);
  assert_int_equal(rp__hpke_ctx_export(&ctx, out, RP__HPKE_EXPORT_MAX + 1, NULL, 0),
                   RP_ETOOBIG);
  free(out);
}

/* ---- failures ---- */

typedef struct peers {
  uint8_t pkR[RP__HPKE_NPK], skR[RP__HPKE_NSK];
  uint8_t pkS[RP__HPKE_NPK], skS[RP__HPKE_NSK];
  uint8_t pkX[RP__HPKE_NPK], skX[RP__HPKE_NSK]; /* a third party */
} peers;

static void make_peers(peers *p) {
  assert_int_equal(rp__hpke_keypair(p->pkR, p->skR), 0);
  assert_int_equal(rp__hpke_keypair(p->pkS, p->skS), 0);
  assert_int_equal(rp__hpke_keypair(p->pkX, p->skX), 0);
}

static const uint8_t msg[] = "fra kommunen til det rejsende team";
static const uint8_t hdr[] = "header bytes as associated data";
static const uint8_t info_str[] = "rejsepost test";
static const uint8_t psk_bytes[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t psk_id_bytes[] = "psk-1";

static rp__hpke_params params_for(int mode) {
  rp__hpke_params p = {mode, info_str, sizeof info_str, NULL, 0, NULL, 0};
  if (mode == RP__HPKE_MODE_PSK || mode == RP__HPKE_MODE_AUTH_PSK) {
    p.psk = psk_bytes;
    p.psk_len = sizeof psk_bytes;
    p.psk_id = psk_id_bytes;
    p.psk_id_len = sizeof psk_id_bytes;
  }
  return p;
}

static void test_tampering(void **state) {
  (void)state;
  peers k;
  uint8_t enc[RP__HPKE_NENC], ct[sizeof msg + RP__HPKE_NT], pt[sizeof msg], aad[sizeof hdr];
  rp__hpke_params p = params_for(RP__HPKE_MODE_AUTH);
  make_peers(&k);
  memcpy(aad, hdr, sizeof aad);
  assert_int_equal(
      rp__hpke_seal(enc, ct, msg, sizeof msg, aad, sizeof aad, &p, k.pkR, k.skS), 0);
  assert_int_equal(rp__hpke_open(pt, enc, ct, sizeof ct, aad, sizeof aad, &p, k.skR, k.pkS),
                   0);
  assert_memory_equal(pt, msg, sizeof msg);

  size_t where[] = {0, sizeof msg / 2, sizeof ct - 1}; /* body, body, tag */
  for (size_t i = 0; i < 3; i++) {
    ct[where[i]] ^= 0x01;
    memset(pt, 0x55, sizeof pt);
    assert_int_equal(
        rp__hpke_open(pt, enc, ct, sizeof ct, aad, sizeof aad, &p, k.skR, k.pkS), RP_EAUTH);
    assert_true(sodium_is_zero(pt, sizeof pt));
    ct[where[i]] ^= 0x01;
  }
  aad[3] ^= 0x80;
  assert_int_equal(rp__hpke_open(pt, enc, ct, sizeof ct, aad, sizeof aad, &p, k.skR, k.pkS),
                   RP_EAUTH);
  aad[3] ^= 0x80;
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, aad, sizeof aad - 1, &p, k.skR, k.pkS),
      RP_EAUTH);
  enc[5] ^= 0x04;
  assert_int_equal(rp__hpke_open(pt, enc, ct, sizeof ct, aad, sizeof aad, &p, k.skR, k.pkS),
                   RP_EAUTH);
  enc[5] ^= 0x04;
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, RP__HPKE_NT - 1, aad, sizeof aad, &p, k.skR, k.pkS),
      RP_EAUTH);
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct - 1, aad, sizeof aad, &p, k.skR, k.pkS),
      RP_EAUTH);
  /* Untouched, it still opens. */
  assert_int_equal(rp__hpke_open(pt, enc, ct, sizeof ct, aad, sizeof aad, &p, k.skR, k.pkS),
                   0);
}

static void test_wrong_keys(void **state) {
  (void)state;
  peers k;
  uint8_t enc[RP__HPKE_NENC], ct[sizeof msg + RP__HPKE_NT], pt[sizeof msg];
  rp__hpke_params auth = params_for(RP__HPKE_MODE_AUTH),
                  base = params_for(RP__HPKE_MODE_BASE);
  rp__hpke_params authpsk = params_for(RP__HPKE_MODE_AUTH_PSK);
  make_peers(&k);

  assert_int_equal(
      rp__hpke_seal(enc, ct, msg, sizeof msg, hdr, sizeof hdr, &auth, k.pkR, k.skS), 0);
  /* Another recipient, another claimed sender, or the right keys in the wrong mode. */
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, hdr, sizeof hdr, &auth, k.skX, k.pkS),
      RP_EAUTH);
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, hdr, sizeof hdr, &auth, k.skR, k.pkX),
      RP_EAUTH);
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, hdr, sizeof hdr, &base, k.skR, NULL), RP_EAUTH);
  rp__hpke_params other_info = auth;
  other_info.info_len--;
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, hdr, sizeof hdr, &other_info, k.skR, k.pkS),
      RP_EAUTH);

  /* AuthPSK: the right keys with the wrong PSK. */
  uint8_t other_psk[32];
  memcpy(other_psk, psk_bytes, sizeof other_psk);
  other_psk[31] ^= 1;
  assert_int_equal(
      rp__hpke_seal(enc, ct, msg, sizeof msg, hdr, sizeof hdr, &authpsk, k.pkR, k.skS), 0);
  rp__hpke_params wrong = authpsk;
  wrong.psk = other_psk;
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, hdr, sizeof hdr, &wrong, k.skR, k.pkS),
      RP_EAUTH);
  assert_int_equal(
      rp__hpke_open(pt, enc, ct, sizeof ct, hdr, sizeof hdr, &authpsk, k.skR, k.pkS), 0);
}

/* A low-order public key makes the DH result all zero: refused with RP_ECRYPTO. */
static void test_low_order_points(void **state) {
  (void)state;
  peers k;
  uint8_t zero[RP__HPKE_NPK] = {0}, one[RP__HPKE_NPK] = {1};
  uint8_t ss[RP__HPKE_NSECRET], enc[RP__HPKE_NENC], ct[sizeof msg + RP__HPKE_NT],
      pt[sizeof msg];
  rp__hpke_params auth = params_for(RP__HPKE_MODE_AUTH);
  make_peers(&k);

  assert_int_equal(rp__hpke_encap(ss, enc, zero), RP_ECRYPTO);
  assert_true(sodium_is_zero(ss, sizeof ss) && sodium_is_zero(enc, sizeof enc));
  assert_int_equal(rp__hpke_encap(ss, enc, one), RP_ECRYPTO);
  assert_int_equal(rp__hpke_decap(ss, zero, k.skR), RP_ECRYPTO);
  assert_int_equal(rp__hpke_auth_encap(ss, enc, k.pkR, k.skS), 0);
  assert_int_equal(rp__hpke_auth_decap(ss, enc, k.skR, one), RP_ECRYPTO);
  assert_int_equal(rp__hpke_seal(enc, ct, msg, sizeof msg, NULL, 0, &auth, zero, k.skS),
                   RP_ECRYPTO);
  assert_int_equal(rp__hpke_open(pt, one, ct, sizeof ct, NULL, 0, &auth, k.skR, k.pkS),
                   RP_ECRYPTO);
}

static void test_bad_params(void **state) {
  (void)state;
  peers k;
  rp__hpke_ctx ctx;
  uint8_t enc[RP__HPKE_NENC];
  make_peers(&k);
  rp__hpke_params base = params_for(RP__HPKE_MODE_BASE),
                  psk = params_for(RP__HPKE_MODE_PSK);
  rp__hpke_params p;

  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &base, k.pkR, k.skS), RP_EINVAL);
  assert_int_equal(ctx.role, 0);
  assert_int_equal(rp__hpke_setup_recipient(&ctx, &base, enc, k.skR, k.pkS), RP_EINVAL);
  p = params_for(RP__HPKE_MODE_AUTH);
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &p, k.pkR, NULL), RP_EINVAL);
  p = base;
  p.psk = psk.psk;
  p.psk_len = psk.psk_len;
  p.psk_id = psk.psk_id;
  p.psk_id_len = psk.psk_id_len;
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &p, k.pkR, NULL), RP_EINVAL);
  p = psk;
  p.psk_id_len = 0;
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &p, k.pkR, NULL), RP_EINVAL);
  p = psk;
  p.psk_len = RP__HPKE_PSK_MIN - 1;
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &p, k.pkR, NULL), RP_EINVAL);
  p = base;
  p.psk_len = 0;
  p.psk = NULL;
  p.mode = RP__HPKE_MODE_PSK;
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &p, k.pkR, NULL), RP_EINVAL);
  p.mode = 4;
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &p, k.pkR, NULL), RP_EINVAL);
  assert_true(sodium_is_zero(enc, sizeof enc));
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, NULL, k.pkR, NULL), RP_EINVAL);
  assert_int_equal(rp__hpke_setup_sender(&ctx, enc, &psk, k.pkR, NULL), 0);
  rp__hpke_ctx_wipe(&ctx);
  uint8_t short_ikm[RP__HPKE_IKM_MIN - 1] = {0};
  assert_int_equal(rp__hpke_derive_keypair(k.pkX, k.skX, short_ikm, sizeof short_ikm),
                   RP_EINVAL);
}

/* Contexts: messages in order, exports agree, roles are kept apart, and a sequence number
 * that reaches its end refuses to go on. */
static void test_contexts_and_sequence(void **state) {
  (void)state;
  peers k;
  rp__hpke_ctx s, r;
  uint8_t enc[RP__HPKE_NENC], ct[sizeof msg + RP__HPKE_NT], pt[sizeof msg];
  uint8_t e1[64], e2[64];
  make_peers(&k);

  for (int mode = RP__HPKE_MODE_BASE; mode <= RP__HPKE_MODE_AUTH_PSK; mode++) {
    rp__hpke_params p = params_for(mode);
    int auth = mode == RP__HPKE_MODE_AUTH || mode == RP__HPKE_MODE_AUTH_PSK;
    assert_int_equal(rp__hpke_setup_sender(&s, enc, &p, k.pkR, auth ? k.skS : NULL), 0);
    assert_int_equal(rp__hpke_setup_recipient(&r, &p, enc, k.skR, auth ? k.pkS : NULL), 0);
    for (int i = 0; i < 3; i++) {
      assert_int_equal(rp__hpke_ctx_seal(&s, ct, msg, sizeof msg, hdr, sizeof hdr), 0);
      /* A forgery does not move the recipient's sequence number. */
      ct[0] ^= 1;
      assert_int_equal(rp__hpke_ctx_open(&r, pt, ct, sizeof ct, hdr, sizeof hdr), RP_EAUTH);
      ct[0] ^= 1;
      assert_int_equal(rp__hpke_ctx_open(&r, pt, ct, sizeof ct, hdr, sizeof hdr), 0);
      assert_memory_equal(pt, msg, sizeof msg);
    }
    assert_int_equal(rp__hpke_ctx_export(&s, e1, sizeof e1, hdr, sizeof hdr), 0);
    assert_int_equal(rp__hpke_ctx_export(&r, e2, sizeof e2, hdr, sizeof hdr), 0);
    assert_memory_equal(e1, e2, sizeof e1);
    /* Roles. */
    assert_int_equal(rp__hpke_ctx_seal(&r, ct, msg, sizeof msg, NULL, 0), RP_ESTATE);
    assert_int_equal(rp__hpke_ctx_open(&s, pt, ct, sizeof ct, hdr, sizeof hdr), RP_ESTATE);
    rp__hpke_ctx_wipe(&s);
    rp__hpke_ctx_wipe(&r);
    assert_int_equal(rp__hpke_ctx_seal(&s, ct, msg, sizeof msg, NULL, 0), RP_ESTATE);
    assert_int_equal(rp__hpke_ctx_export(&r, e1, sizeof e1, NULL, 0), RP_ESTATE);
  }

  /* Sequence overflow: move both contexts to the last usable number. */
  rp__hpke_params p = params_for(RP__HPKE_MODE_AUTH);
  assert_int_equal(rp__hpke_setup_sender(&s, enc, &p, k.pkR, k.skS), 0);
  assert_int_equal(rp__hpke_setup_recipient(&r, &p, enc, k.skR, k.pkS), 0);
  s.seq = r.seq = UINT64_MAX - 1;
  assert_int_equal(rp__hpke_ctx_seal(&s, ct, msg, sizeof msg, NULL, 0), 0);
  assert_int_equal(rp__hpke_ctx_open(&r, pt, ct, sizeof ct, NULL, 0), 0);
  assert_memory_equal(pt, msg, sizeof msg);
  assert_int_equal(rp__hpke_ctx_seal(&s, ct, msg, sizeof msg, NULL, 0), RP_ENONCE);
  assert_int_equal(rp__hpke_ctx_open(&r, pt, ct, sizeof ct, NULL, 0), RP_ENONCE);
  assert_true(s.seq == UINT64_MAX && r.seq == UINT64_MAX);
  rp__hpke_ctx_wipe(&s);
  rp__hpke_ctx_wipe(&r);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc9180_vectors),
      cmocka_unit_test(test_hkdf_rfc5869),
      cmocka_unit_test(test_hkdf_expand_limit),
      cmocka_unit_test(test_tampering),
      cmocka_unit_test(test_wrong_keys),
      cmocka_unit_test(test_low_order_points),
      cmocka_unit_test(test_bad_params),
      cmocka_unit_test(test_contexts_and_sequence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
