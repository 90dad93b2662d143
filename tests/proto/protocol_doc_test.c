/* SPDX-License-Identifier: MIT */
/*
 * docs/PROTOCOL.md against the code. Every generated block of the document (tables of
 * constants, error codes, connection states and transport message fields, and every hex
 * example and test vector) is rebuilt here from the code and must appear in the document
 * verbatim, between its markers, so the document cannot drift. The vectors are also fed
 * to the real decoders (key files, roster, Noise responder, envelope opener), which
 * proves that the construction the document describes is the one the code accepts.
 *
 * On a mismatch the test writes every block to protocol.generated.md in its working
 * directory, ready to paste.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "chunk.h"
#include "cpr.h"
#include "envelope.h"
#include "fingerprint.h"
#include "frame.h"
#include "hpke.h"
#include "keyfile.h"
#include "noise.h"
#include "payload.h"
#include "roster.h"
#include "route.h"
#include "testutil.h"
#include "tmsg_samples.h"

typedef struct out {
  char buf[256 * 1024];
  size_t len;
} out;

static out gen;          /* every block, for protocol.generated.md */
static char *doc;        /* the document */
static unsigned missing; /* blocks not found verbatim */

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof o->buf - o->len);
  o->len += (size_t)n;
}

static void begin(const char *name) {
  put(&gen, "\n<!-- gen:%s -->\n", name);
}

/* Closes the block opened at `start` and looks for it (markers included) in the doc. */
static void end(const char *name, size_t start) {
  put(&gen, "<!-- end:%s -->\n", name);
  gen.buf[gen.len] = 0;
  if (strstr(doc, gen.buf + start) == NULL) {
    missing++;
    print_message("differs: %s\n", name);
  }
}

static void hex_lines(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    put(&gen, "%02x%s", p[i], (i % 32 == 31 || i + 1 == n) ? "\n" : "");
}

/* A fenced hex dump, 32 bytes a line. */
static void hex_block(const char *name, const uint8_t *p, size_t n) {
  size_t start = gen.len + 1;
  begin(name);
  put(&gen, "```\n");
  hex_lines(p, n);
  put(&gen, "```\n");
  end(name, start);
}

static void hex_inline(char *dst, size_t cap, const uint8_t *p, size_t n) {
  assert_true(2 * n + 1 <= cap);
  sodium_bin2hex(dst, cap, p, n);
}

/* ---- tables ---------------------------------------------------------------------- */

static void names(const rp__enum *e) {
  for (uint32_t i = 0; i < e->n; i++)
    put(&gen, "%s`%s`", i ? ", " : "", e->names[i]);
}

/* One field row, in the same layout as the payload tables (payload_doc_test.c). */
static void row(const rp__field *f) {
  const char *req = (f->flags & RP__REQ) ? "yes" : "no";
  unsigned long long lo = f->min, hi = f->max;
  put(&gen, "| %u | %s | ", f->key, f->name);
  switch (f->type) {
  case RP__F_VERSION:
    put(&gen, "uint | %s | = %u | |\n", req, RP_SCHEMA_VERSION);
    break;
  case RP__F_UINT:
    if (lo == hi)
      put(&gen, "uint | %s | = %llu | |\n", req, lo);
    else
      put(&gen, "uint | %s | %llu..%llu | |\n", req, lo, hi);
    break;
  case RP__F_STR:
    put(&gen, "text | %s | %llu..%llu bytes | |\n", req, lo, hi);
    break;
  case RP__F_BIN:
    put(&gen, "bin | %s | %llu..%llu bytes | |\n", req, lo, hi);
    break;
  case RP__F_FIXBIN:
    put(&gen, "bin | %s | %llu bytes | |\n", req, hi);
    break;
  case RP__F_ENUM:
    put(&gen, "enum | %s | | ", req);
    names(f->enm);
    put(&gen, " |\n");
    break;
  default:
    fail_msg("field %s: type %u not in transport or envelope tables", f->name, f->type);
  }
}

static void schema_table(const char *name, const rp__schema *s) {
  size_t start = gen.len + 1;
  begin(name);
  put(&gen, "| key | field | type | required | range | values |\n");
  put(&gen, "|---|---|---|---|---|---|\n");
  for (uint32_t i = 0; i < s->nfields; i++)
    row(&s->fields[i]);
  end(name, start);
}

static void transport_tables(void) {
  char name[64];
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    snprintf(name, sizeof name, "transport:%s", rp__tmsg_type_name(t));
    schema_table(name, rp__tmsg_schema(t));
  }
  schema_table("envelope_header", &rp__envhdr_schema);
  schema_table("envelope", &rp__envcont_schema);
}

/* Direction and states of every type, from the state table both ends use. */
static void state_table(void) {
  static const char *const st[] = {"", "HELLO", "READY", "RECEIVING", "CLOSING"};
  size_t start = gen.len + 1;
  begin("states");
  put(&gen,
      "| type | name | direction | HELLO | READY | RECEIVING | CLOSING | moves to |\n");
  put(&gen, "|---|---|---|---|---|---|---|---|\n");
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    unsigned dirs = 0, states = 0;
    for (unsigned d = RP__TD_C2R; d <= RP__TD_R2C; d++)
      for (unsigned s = 1; s <= RP__TS_MAX; s++)
        if (rp__tmsg_allowed(t, d, s) == 0) dirs |= d, states |= 1u << s;
    const char *dir = dirs == (RP__TD_C2R | RP__TD_R2C) ? "both"
                      : dirs == RP__TD_C2R              ? "C→R"
                                                        : "R→C";
    put(&gen, "| %llu | %s | %s |", (unsigned long long)t, rp__tmsg_type_name(t), dir);
    for (unsigned s = 1; s <= RP__TS_MAX; s++)
      put(&gen, " %s |", (states & (1u << s)) ? "yes" : "");
    unsigned next = 0;
    for (unsigned s = 1; s <= RP__TS_MAX; s++) {
      unsigned n = rp__tmsg_next_state(t, s);
      if ((states & (1u << s)) && n != s) next = n;
    }
    put(&gen, " %s |\n", st[next]);
  }
  end("states", start);
}

static void error_table(void) {
  size_t start = gen.len + 1;
  begin("errors");
  put(&gen, "| wire code | name | meaning |\n|---|---|---|\n");
#define XX(name, value, text) put(&gen, "| %d | `%s` | %s |\n", -(value), #name, text);
  RP_ERRNO_MAP(XX)
#undef XX
  end("errors", start);
}

/* Section 6.6: which member kinds may send each payload kind. */
static void route_table(void) {
  size_t start = gen.len + 1;
  begin("routes");
  put(&gen, "| kind | name | municipality to team | team to municipality |\n"
            "|---|---|---|---|\n");
  for (uint64_t k = 1; k <= RP__PL_KIND_MAX; k++) {
    unsigned from = rp__payload_kind_senders(k);
    put(&gen, "| %llu | `%s` | %s | %s |\n", (unsigned long long)k,
        rp__payload_kind_name(k),
        rp__route_members(RP_MEMBER_MUNICIPALITY, RP_MEMBER_TEAM) == 0 &&
                (from & RP__FROM_MUNICIPALITY)
            ? "yes"
            : "",
        rp__route_members(RP_MEMBER_TEAM, RP_MEMBER_MUNICIPALITY) == 0 &&
                (from & RP__FROM_TEAM)
            ? "yes"
            : "");
  }
  end("routes", start);
}

#define CONST_U(name, text)                                                                \
  put(&gen, "| `%s` | %llu | %s |\n", #name, (unsigned long long)(name), text)
#define CONST_S(name, text) const_s(#name, name, text)

/* A string constant, with CR and LF written as C escapes so the table row stays whole. */
static void const_s(const char *name, const char *value, const char *text) {
  put(&gen, "| `%s` | `\"", name);
  for (const char *c = value; *c != 0; c++)
    put(&gen, "%s", *c == '\r' ? "\\r" : *c == '\n' ? "\\n" : (char[2]){*c, 0});
  put(&gen, "\"` (%zu bytes) | %s |\n", strlen(value), text);
}

static void constants_table(void) {
  size_t start = gen.len + 1;
  begin("constants");
  put(&gen, "| name | value | meaning |\n|---|---|---|\n");
  CONST_U(RP_SCHEMA_VERSION, "key 0 of every msgpack document");
  CONST_U(RP_MP_DEPTH_MAX, "nesting of maps and arrays in one document");
  CONST_U(RP_MP_ITEMS_MAX, "msgpack objects in one document, the root included");
  CONST_U(RP_FRAME_MAX, "bytes of one Noise message (one frame)");
  CONST_U(RP_NOISE_TAG, "Poly1305 tag of every Noise transport message");
  CONST_U(RP_FRAME_PLAINTEXT_MAX, "plaintext of one transport frame");
  CONST_U(RP__FRAG_CHUNK_MAX, "message bytes in one fragment (plaintext minus flags)");
  CONST_U(RP_MSG_MAX, "a reassembled transport message");
  CONST_U(RP__TMSG_SEQ_MAX, "delivery sequence numbers, roster versions on the wire");
  CONST_U(RP__TMSG_WINDOW_MAX, "send and receive windows");
  CONST_U(RP__TMSG_IDLE_MIN_MS, "shortest idle deadline in WELCOME");
  CONST_U(RP__TMSG_IDLE_MAX_MS, "longest idle deadline in WELCOME");
  CONST_U(RP__TMSG_CODE_MAX, "largest error code in NACK and BYE");
  CONST_U(RP__TMSG_DETAIL_MAX, "bytes of a NACK's detail text");
  CONST_U(RP__TMSG_ROSTER_MAX, "bytes of a signed roster in ROSTER");
  CONST_U(RP_MEMBER_ID_MAX, "bytes of a member id");
  CONST_U(RP_MSG_ID_BYTES, "bytes of a msg_id");
  CONST_U(RP__ENVHDR_TIME_MAX, "latest time, unix ms (9999-12-31T23:59:59.999Z)");
  CONST_U(RP_EXPIRY_DEFAULT_MS, "default lifetime of an envelope (30 days)");
  CONST_U(RP_EXPIRY_MAX_MS, "longest lifetime of an envelope (90 days)");
  CONST_U(RP_CLOCK_SKEW_MS, "how far `created` may lie in the reader's future");
  CONST_U(RP__ENVHDR_CLASS_MAX, "largest size class");
  CONST_U(RP__ENVHDR_KEYID_BYTES, "bytes of a key id");
  CONST_U(RP__ENVHDR_MAX, "longest encoded envelope header");
  CONST_U(RP_ENVELOPE_BODY_MAX, "longest HPKE ciphertext (class 10)");
  CONST_U(RP__ENVC_MAX, "longest encoded envelope container");
  CONST_U(RP__ENVELOPE_PT_MAX, "longest payload in one envelope");
  CONST_U(RP_PAYLOAD_MAX, "longest encoded payload a writer produces");
  CONST_U(RP_TEXT_SHORT_MAX, "short texts: names, references, notes");
  CONST_U(RP_TEXT_QUESTION_MAX, "long texts: question, advice, programme");
  CONST_U(RP_ROSTER_MEMBERS_MAX, "members in one roster");
  CONST_U(RP_ROSTER_MAX, "bytes of a signed roster, and of its body");
  CONST_U(RP_KEYFILE_MAX, "bytes of a key file");
  CONST_U(RP_PASSPHRASE_MAX, "bytes of a passphrase");
  CONST_U(RP_KEYFILE_OPSLIMIT_MIN, "Argon2id opslimit, lowest a file may carry");
  CONST_U(RP_KEYFILE_OPSLIMIT_MAX, "Argon2id opslimit, highest a file may carry");
  CONST_U(RP_KEYFILE_OPSLIMIT_DEFAULT, "Argon2id opslimit written by default");
  CONST_U(RP_KEYFILE_MEMLIMIT_MIN, "Argon2id memlimit in bytes, lowest");
  CONST_U(RP_KEYFILE_MEMLIMIT_MAX, "Argon2id memlimit in bytes, highest");
  CONST_U(RP_KEYFILE_MEMLIMIT_DEFAULT, "Argon2id memlimit in bytes, default");
  CONST_U(RP_FINGERPRINT_ITERATIONS, "SHA-512 iterations of a fingerprint");
  CONST_S(RP__NOISE_RP_PROTOCOL, "the Noise protocol name");
  CONST_S(RP__NOISE_RP_PROLOGUE, "the Noise prologue");
  CONST_S(RP_BINDING_CONTEXT, "prefix of the key binding signature");
  CONST_S(RP_KEYFILE_MAGIC, "first bytes of a key file (ends in CR LF)");
  CONST_S(RP_KEYFILE_SIG_CONTEXT, "prefix of a key file's self-signature");
  CONST_S(RP_ROSTER_SIG_CONTEXT, "prefix of the roster signature");
  CONST_S(RP_FINGERPRINT_LABEL, "label of the fingerprint hash");
  CONST_S(RP__ENVELOPE_INFO, "HPKE info of every envelope");
  CONST_U(RP__CHUNK_SIZE, "plaintext bytes of a full attachment chunk (C)");
  CONST_U(RP__CHUNK_PAD_MIN, "smallest padded chunk plaintext");
  CONST_U(RP__CHUNK_SEALED_MAX, "bytes of a sealed full chunk");
  CONST_U(RP__CHUNK_ATTACHMENT_MAX, "bytes of one attachment, the format's ceiling");
  CONST_U(RP__CHUNK_COUNT_MAX, "chunks of one message");
  CONST_U(RP__CHUNK_GET_MAX, "chunks one chunk_get asks for at most");
  CONST_U(RP__PURGE_IDS_MAX, "msg_ids one purge names at most");
  CONST_S(RP__CHUNK_KEY_CONTEXT, "HPKE exporter_context of the chunk key");
  end("constants", start);
}

/* ---- short examples ---------------------------------------------------------------- */

static void short_examples(void) {
  uint8_t buf[512];
  size_t len = 0;
  char name[64];

  /* A frame around the three bytes "abc". */
  assert_int_equal(rp__frame_prefix(buf, 3), 0);
  memcpy(buf + 2, "abc", 3);
  hex_block("hex:frame", buf, 5);

  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    rp__tmsg m = sample_tmsg(t);
    assert_int_equal(rp__tmsg_encode(&m, buf, sizeof buf, &len), 0);
    snprintf(name, sizeof name, "hex:%s", rp__tmsg_type_name(t));
    hex_block(name, buf, len);
  }
  /* 5.7's worked example: the answer when one of the sample purge's two ids was held. */
  rp__tmsg done = sample_tmsg(RP__T_PURGED);
  done.u.purged.code = 0;
  done.u.purged.purged = 1;
  assert_int_equal(rp__tmsg_encode(&done, buf, sizeof buf, &len), 0);
  hex_block("hex:purged_done", buf, len);

  /* A message of 70000 bytes: the two fragment headers and chunk lengths. */
  static uint8_t big[70000], pt[RP_FRAME_PLAINTEXT_MAX];
  rp__frag_writer w;
  size_t start = gen.len + 1;
  assert_int_equal(rp__frag_writer_init(&w, big, sizeof big), 0);
  begin("frag");
  put(&gen, "| frame | flags | chunk bytes | plaintext bytes | Noise message (L) |\n");
  put(&gen, "|---|---|---|---|---|\n");
  for (unsigned i = 1; !rp__frag_writer_done(&w); i++) {
    assert_int_equal(rp__frag_writer_next(&w, pt, sizeof pt, &len), 0);
    put(&gen, "| %u | `%02x` | %zu | %zu | %zu |\n", i, pt[0], len - 1, len,
        len + RP_NOISE_TAG);
  }
  end("frag", start);

  rp__envhdr h = sample_envhdr();
  assert_int_equal(rp__envhdr_encode(&h, buf, sizeof buf, &len, NULL), 0);
  hex_block("hex:envelope_header_relay", buf, len);
}

/* ---- the worked example: keys, key files, roster, handshake, envelope ------------ */

typedef struct party {
  const char *id;
  uint8_t base; /* secrets are 32 bytes of base+1, base+2, base+3 */
  rp__identity *ident;
} party;

static party parties[] = {
    {"aarhus", 0x10, NULL},
    {"team-vest", 0x20, NULL},
    {"relay", 0x30, NULL},
    {"admin", 0x40, NULL},
};
enum { AARHUS, TEAM, RELAY, ADMIN, NPARTIES };

static void make_parties(void) {
  uint8_t seed[32], tsk[32], msk[32];
  char line[160], name[64];
  for (unsigned i = 0; i < NPARTIES; i++) {
    party *p = &parties[i];
    memset(seed, p->base + 1, 32);
    memset(tsk, p->base + 2, 32);
    memset(msk, p->base + 3, 32);
    assert_int_equal(rp__identity_from_secret(p->id, seed, tsk, msk, &p->ident), 0);
    const rp__identity_public *pub = &p->ident->pub;
    size_t start = gen.len + 1;
    snprintf(name, sizeof name, "keys:%s", p->id);
    begin(name);
    put(&gen, "```\n");
    hex_inline(line, sizeof line, seed, 32);
    put(&gen, "identity seed   %s\n", line);
    hex_inline(line, sizeof line, pub->identity_pk, 32);
    put(&gen, "identity pk     %s\n", line);
    hex_inline(line, sizeof line, tsk, 32);
    put(&gen, "transport sk    %s\n", line);
    hex_inline(line, sizeof line, pub->transport_pk, 32);
    put(&gen, "transport pk    %s\n", line);
    hex_inline(line, sizeof line, msk, 32);
    put(&gen, "message sk      %s\n", line);
    hex_inline(line, sizeof line, pub->message_pk, 32);
    put(&gen, "message pk      %s\n", line);
    hex_inline(line, sizeof line, pub->binding_sig, 32);
    put(&gen, "binding sig     %s\n", line);
    hex_inline(line, sizeof line, pub->binding_sig + 32, 32);
    put(&gen, "                %s\n", line);
    uint8_t kid[RP__ENVHDR_KEYID_BYTES];
    rp__envelope_key_id(kid, pub->message_pk);
    hex_inline(line, sizeof line, kid, sizeof kid);
    put(&gen, "message key id  %s\n", line);
    char fp[RP_FINGERPRINT_STRBYTES];
    assert_int_equal(rp__fingerprint(pub->identity_pk, fp), 0);
    put(&gen, "fingerprint     %s\n", fp);
    put(&gen, "```\n");
    end(name, start);
  }
}

static void free_parties(void) {
  for (unsigned i = 0; i < NPARTIES; i++) {
    rp__identity_free(parties[i].ident);
    parties[i].ident = NULL;
  }
}

static void be(uint8_t *p, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; i--, v >>= 8)
    p[i - 1] = (uint8_t)v;
}

#define EX_PASS "correct horse battery staple"

static void key_files(void) {
  const rp__identity *me = parties[AARHUS].ident;
  uint8_t buf[RP_KEYFILE_MAX], key[32], secret[96];
  size_t len = 0;
  rp__identity_public pub;

  assert_int_equal(rp__keyfile_encode_public(me, buf, sizeof buf, &len), 0);
  hex_block("hex:keyfile_public", buf, len);
  assert_int_equal(rp__keyfile_decode_public(buf, len, &pub), 0);

  /* An encrypted file built by hand from the documented layout, with the smallest
   * Argon2id limits and fixed salt and nonce, then opened by the real loader. */
  size_t idlen = strlen(me->pub.id), pos = 0;
  memcpy(buf, RP_KEYFILE_MAGIC, 8);
  buf[8] = RP_KEYFILE_VERSION;
  buf[9] = RP_KEYFILE_KIND_ENCRYPTED;
  buf[10] = (uint8_t)idlen;
  pos = 11;
  memcpy(buf + pos, me->pub.id, idlen), pos += idlen;
  memcpy(buf + pos, me->pub.identity_pk, 32), pos += 32;
  memcpy(buf + pos, me->pub.transport_pk, 32), pos += 32;
  memcpy(buf + pos, me->pub.message_pk, 32), pos += 32;
  memcpy(buf + pos, me->pub.binding_sig, 64), pos += 64;
  buf[pos++] = RP_KEYFILE_KDF_ARGON2ID13;
  be(buf + pos, RP_KEYFILE_OPSLIMIT_MIN, 4), pos += 4;
  be(buf + pos, RP_KEYFILE_MEMLIMIT_MIN, 8), pos += 8;
  uint8_t *salt = buf + pos, *nonce = buf + pos + 16;
  memset(salt, 0x54, 16);
  memset(nonce, 0x55, 24);
  pos += 40;
  assert_int_equal(crypto_pwhash(key, 32, EX_PASS, strlen(EX_PASS), salt,
                                 RP_KEYFILE_OPSLIMIT_MIN, RP_KEYFILE_MEMLIMIT_MIN,
                                 crypto_pwhash_ALG_ARGON2ID13),
                   0);
  memset(secret, 0x11, 32);
  memset(secret + 32, 0x12, 32);
  memset(secret + 64, 0x13, 32);
  unsigned long long clen = 0;
  assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(buf + pos, &clen, secret, 96,
                                                              buf, pos, NULL, nonce, key),
                   0);
  len = pos + (size_t)clen;
  hex_block("hex:keyfile_encrypted", buf, len);
  rp__identity *back = NULL;
  assert_int_equal(rp__keyfile_decode(buf, len, EX_PASS, strlen(EX_PASS), &back), 0);
  assert_memory_equal(&back->pub, &me->pub, sizeof me->pub);
  rp__identity_free(back);
  assert_int_equal(rp__keyfile_decode(buf, len, "wrong", 5, &back), RP_EPASSPHRASE);
  sodium_memzero(key, sizeof key);
}

static rp__roster *make_roster(void) {
  rp__roster *r = NULL, *v = NULL;
  const uint8_t *docb = NULL;
  size_t len = 0;
  assert_int_equal(rp__roster_create(1, SAMPLE_TIME, &r), 0);
  for (unsigned i = AARHUS; i <= RELAY; i++) {
    rp__member m;
    memset(&m, 0, sizeof m);
    m.pub = parties[i].ident->pub;
    if (i == AARHUS) {
      m.kind = RP_MEMBER_MUNICIPALITY;
      memcpy(m.name, "Aarhus Kommune", 15);
      memcpy(m.municipality, "751", 4);
      m.networks = RP_NETWORK_WEST;
    } else if (i == TEAM) {
      m.kind = RP_MEMBER_TEAM;
      memcpy(m.name, "Rejseholdet", 12);
    } else {
      m.kind = RP_MEMBER_RELAY;
    }
    assert_int_equal(rp__roster_add(r, &m), 0);
  }
  assert_int_equal(rp__roster_sign(r, parties[ADMIN].ident), 0);
  assert_int_equal(rp__roster_document(r, &docb, &len), 0);
  hex_block("hex:signed_roster", docb, len);
  assert_int_equal(rp__roster_verify(docb, len, parties[ADMIN].ident->pub.identity_pk, &v),
                   0);
  rp__roster_free(r);
  return v;
}

static void hs_new(rp__noise_handshake **hs, rp__noise_role role, uint8_t sk_fill,
                   uint8_t e_fill, const uint8_t *rs) {
  uint8_t s[32], e[32];
  memset(s, sk_fill, 32);
  memset(e, e_fill, 32);
  assert_int_equal(rp__noise_handshake_new(hs, RP__NOISE_RP_PROTOCOL, role), 0);
  assert_int_equal(rp__noise_handshake_set_prologue(*hs,
                                                    (const uint8_t *)RP__NOISE_RP_PROLOGUE,
                                                    strlen(RP__NOISE_RP_PROLOGUE)),
                   0);
  assert_int_equal(rp__noise_handshake_set_local_static(*hs, s), 0);
  assert_int_equal(rp__noise_handshake_set_local_ephemeral(*hs, e), 0);
  if (rs != NULL) assert_int_equal(rp__noise_handshake_set_remote_static(*hs, rs), 0);
  assert_int_equal(rp__noise_handshake_start(*hs), 0);
}

/* One transport frame: length prefix, then the Noise ciphertext of flags || message. */
static void frame_of(rp__noise_cipher *c, const rp__tmsg *m, const char *name) {
  uint8_t pt[256], fr[2 + 256 + 16];
  size_t len = 0, clen = 0;
  pt[0] = 0;
  assert_int_equal(rp__tmsg_encode(m, pt + 1, sizeof pt - 1, &len), 0);
  assert_int_equal(
      rp__noise_cipher_encrypt(c, NULL, 0, pt, len + 1, fr + 2, sizeof fr - 2, &clen), 0);
  assert_int_equal(rp__frame_prefix(fr, clen), 0);
  hex_block(name, fr, clen + 2);
}

static void handshake(void) {
  rp__noise_handshake *ini = NULL, *rsp = NULL, *real = NULL;
  uint8_t m1[256], m2[256], pl[64], h1[64], h2[64], rs[32];
  size_t l1 = 0, l2 = 0, pn = 0, hn1 = 0, hn2 = 0;
  rp__noise_cipher itx, irx, rtx, rrx;

  hs_new(&ini, RP__NOISE_INITIATOR, 0x12, 0x51, parties[RELAY].ident->pub.transport_pk);
  hs_new(&rsp, RP__NOISE_RESPONDER, 0x32, 0x52, NULL);
  assert_int_equal(rp__noise_handshake_write(ini, NULL, 0, m1, sizeof m1, &l1), 0);
  assert_int_equal(rp__noise_handshake_read(rsp, m1, l1, pl, sizeof pl, &pn), 0);
  assert_int_equal(pn, 0);
  assert_int_equal(rp__noise_handshake_write(rsp, NULL, 0, m2, sizeof m2, &l2), 0);
  assert_int_equal(rp__noise_handshake_read(ini, m2, l2, pl, sizeof pl, &pn), 0);
  assert_int_equal(pn, 0);
  assert_int_equal(rp__noise_handshake_hash(ini, h1, &hn1), 0);
  assert_int_equal(rp__noise_handshake_hash(rsp, h2, &hn2), 0);
  assert_int_equal(hn1, 32);
  assert_memory_equal(h1, h2, 32);
  assert_int_equal(rp__noise_handshake_split(ini, &itx, &irx), 0);
  assert_int_equal(rp__noise_handshake_split(rsp, &rtx, &rrx), 0);

  /* Both messages as they go on TCP, with their length prefixes. */
  uint8_t f[258];
  assert_int_equal(rp__frame_prefix(f, l1), 0);
  memcpy(f + 2, m1, l1);
  hex_block("hex:noise_msg1", f, l1 + 2);
  assert_int_equal(rp__frame_prefix(f, l2), 0);
  memcpy(f + 2, m2, l2);
  hex_block("hex:noise_msg2", f, l2 + 2);
  hex_block("hex:noise_hash", h1, 32);

  rp__tmsg w = sample_tmsg(RP__T_WELCOME);
  frame_of(&rtx, &w, "hex:frame_welcome");
  rp__tmsg g = sample_tmsg(RP__T_ROSTER_GET);
  g.u.roster_get.have = 0;
  frame_of(&itx, &g, "hex:frame_roster_get");

  /* The relay's own responder setup reads message 1 and finds the client's key. */
  assert_int_equal(
      rp__noise_ik_responder_new(&real, parties[RELAY].ident->sec->transport_sk), 0);
  assert_int_equal(rp__noise_handshake_read(real, m1, l1, pl, sizeof pl, &pn), 0);
  assert_int_equal(rp__noise_handshake_remote_static(real, rs), 0);
  assert_memory_equal(rs, parties[AARHUS].ident->pub.transport_pk, 32);

  rp__noise_handshake_free(ini);
  rp__noise_handshake_free(rsp);
  rp__noise_handshake_free(real);
  rp__noise_cipher_wipe(&itx);
  rp__noise_cipher_wipe(&irx);
  rp__noise_cipher_wipe(&rtx);
  rp__noise_cipher_wipe(&rrx);
}

static void envelope(const rp__roster *roster, uint8_t chunk_key[32]) {
  const rp__identity *from = parties[AARHUS].ident, *to = parties[TEAM].ident;
  uint8_t pl[256], hdr[RP__ENVHDR_MAX], skE[32], enc[32];
  static uint8_t padded[1024], ct[1024], cont[2048];
  size_t pl_len = 0, hdr_len = 0, padded_len = 0, cont_len = 0;

  /* The payload: a receipt saying that an earlier message was opened. */
  rp__payload p;
  rp__payload_init(&p, RP__PL_RECEIPT);
  memcpy(p.msg_id, SAMPLE_MSG_ID, 16);
  memset(p.thread_id, 0x20, 16);
  p.created = SAMPLE_TIME;
  memset(p.u.receipt.about, 0x30, 16);
  p.u.receipt.status = RP__RCPT_OPENED;
  p.u.receipt.at = SAMPLE_TIME - 60000;
  assert_int_equal(rp__payload_encode(&p, pl, sizeof pl, &pl_len, NULL), 0);
  hex_block("hex:payload_receipt", pl, pl_len);

  rp__envhdr h = sample_envhdr();
  assert_int_equal(rp__envhdr_class_for(pl_len, &h.size_class), 0);
  rp__envelope_key_id(h.sender_key, from->pub.message_pk);
  rp__envelope_key_id(h.recipient_key, to->pub.message_pk);
  assert_int_equal(rp__envhdr_encode(&h, hdr, sizeof hdr, &hdr_len, NULL), 0);
  hex_block("hex:envelope_header", hdr, hdr_len);

  size_t padded_cap = rp__envhdr_class_padded(h.size_class);
  assert_true(padded_cap <= sizeof padded);
  memcpy(padded, pl, pl_len);
  assert_int_equal(sodium_pad(&padded_len, padded, pl_len, padded_cap, padded_cap), 0);
  assert_int_equal(padded_len, padded_cap);

  rp__hpke_params prm = {.mode = RP__HPKE_MODE_AUTH,
                         .info = (const uint8_t *)RP__ENVELOPE_INFO,
                         .info_len = strlen(RP__ENVELOPE_INFO)};
  memset(skE, 0x53, 32);
  assert_int_equal(rp__hpke_seal_derand(enc, ct, padded, padded_len, hdr, hdr_len, &prm,
                                        to->pub.message_pk, from->sec->message_sk, skE),
                   0);
  rp__envcont c;
  memset(&c, 0, sizeof c);
  c.header = (rp__bin){hdr, (uint32_t)hdr_len};
  memcpy(c.enc, enc, 32);
  c.ct = (rp__bin){ct, (uint32_t)(padded_len + RP__HPKE_NT)};
  assert_int_equal(rp__envhdr_container_encode(&c, cont, sizeof cont, &cont_len, NULL), 0);
  hex_block("hex:envelope", cont, cont_len);

  /* The real sealer makes the same bytes with the same ephemeral, and the chunk key of
   * 6.7 is the export of that context, as the sender and the recipient derive it. */
  rp__seal_args a = {.created = h.created, .expires = h.expires, .urgency = h.urgency};
  memcpy(a.msg_id, h.msg_id, 16);
  uint8_t *env = NULL, key_s[32], key_h[32];
  size_t env_len = 0;
  assert_int_equal(rp__envelope_seal_derand(from, rp__roster_find_id(roster, "team-vest"),
                                            &a, pl, pl_len, &env, &env_len, key_s, skE),
                   0);
  assert_int_equal(env_len, cont_len);
  assert_memory_equal(env, cont, cont_len);
  free(env);
  rp__hpke_ctx ctx;
  assert_int_equal(rp__hpke_setup_sender_derand(&ctx, enc, &prm, to->pub.message_pk,
                                                from->sec->message_sk, skE),
                   0);
  assert_int_equal(rp__hpke_ctx_export(&ctx, key_h, 32,
                                       (const uint8_t *)RP__CHUNK_KEY_CONTEXT,
                                       strlen(RP__CHUNK_KEY_CONTEXT)),
                   0);
  rp__hpke_ctx_wipe(&ctx);
  assert_memory_equal(key_s, key_h, 32);

  /* The team's real opener accepts it and returns the payload and the chunk key. */
  rp__opened o;
  assert_int_equal(rp__envelope_open(to, roster, cont, cont_len, SAMPLE_TIME + 1000, &o),
                   0);
  assert_int_equal(o.pt_len, pl_len);
  assert_memory_equal(o.pt, pl, pl_len);
  assert_memory_equal(o.chunk_key, key_s, 32);
  memcpy(chunk_key, o.chunk_key, 32);
  rp__opened_free(&o);
  /* ... and a one-bit change of the header is refused. */
  cont[10] ^= 1;
  assert_int_not_equal(
      rp__envelope_open(to, roster, cont, cont_len, SAMPLE_TIME + 1000, &o), 0);
}

/* Section 6.7: the 5-byte attachment "hello" of the message of A.5, sealed under that
 * envelope's chunk key, then opened by the real reader. */
static void chunk_example(const uint8_t key[32]) {
  static const uint8_t hello[] = "hello";
  uint8_t nonce[RP__CHUNK_NONCEBYTES], aad[RP__CHUNK_AADBYTES], sha[32], ct[1040];
  static uint8_t pt[RP__CHUNK_SIZE];
  char line[160];
  size_t len = 0, n = 0;
  uint32_t att = 9;
  bool done = false;
  uint64_t size = 5;

  crypto_hash_sha256(sha, hello, 5);
  rp__chunk_nonce(nonce, 0);
  rp__chunk_aad(aad, (const uint8_t *)SAMPLE_MSG_ID, 0, 0, true);
  size_t start = gen.len + 1;
  begin("chunk:example");
  put(&gen, "```\n");
  hex_inline(line, sizeof line, key, 32);
  put(&gen, "chunk key  %s\n", line);
  hex_inline(line, sizeof line, (const uint8_t *)SAMPLE_MSG_ID, 16);
  put(&gen, "msg_id     %s\n", line);
  hex_inline(line, sizeof line, hello, 5);
  put(&gen, "plaintext  %s (\"hello\"), then %zu zero bytes\n", line,
      rp__chunk_padded(5) - 5);
  hex_inline(line, sizeof line, sha, 32);
  put(&gen, "sha256     %s\n", line);
  hex_inline(line, sizeof line, nonce, sizeof nonce);
  put(&gen, "nonce      %s\n", line);
  hex_inline(line, sizeof line, aad, sizeof aad);
  put(&gen, "aad        %s\n", line);
  put(&gen, "```\n");
  end("chunk:example", start);

  assert_int_equal(rp__chunk_seal(key, (const uint8_t *)SAMPLE_MSG_ID, 0, 0, 0, true, hello,
                                  5, ct, sizeof ct, &len),
                   0);
  assert_int_equal(len, sizeof ct);
  hex_block("hex:chunk_sealed", ct, len);

  rp__chunk_reader r;
  assert_int_equal(rp__chunk_reader_init(&r, key, (const uint8_t *)SAMPLE_MSG_ID, &size,
                                         (const uint8_t(*)[32])sha, 1, size, size),
                   0);
  assert_int_equal(rp__chunk_reader_open(&r, 0, ct, len, pt, sizeof pt, &n, &att, &done),
                   0);
  assert_int_equal(n, 5);
  assert_memory_equal(pt, hello, 5);
  assert_true(done);
  assert_int_equal(rp__chunk_reader_finish(&r), 0);
  rp__chunk_reader_wipe(&r);
}

/* The CPR examples of section 7.22: each is in the document, and the guard agrees. */
static void cpr_examples(void) {
  static const struct {
    const char *text;
    size_t offset;
  } hit[] = {
      {"0102034567", 0},
      {"010203-4567", 0},
      {"CPR 15.03.85-1234", 4},
      {"15-03-85-1234", 0},
      {"15 03 85 1234", 0},
      {"15/03/85 - 1234", 0},
      {"150385/1234", 0},
      {"150385_1234", 0},
      {"150385.1234", 0},
      {"150385 - 1234", 0},
      {"150385 -1234", 0},
      {"plan_15.03.85-1234.pdf", 5},
      {"\xef\xbc\x91\xef\xbc\x95\xef\xbc\x90\xef\xbc\x93\xef\xbc\x98\xef\xbc\x95"
       "\xef\xbc\x8d\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94",
       0},
      {"tlf. 12 34 56 78, cpr 150385-1234", 22},
      {"15.03.24 1400", 0}, /* not a CPR number, and the document says it matches */
  };
  /* The last begins with a full-width 9, in octal so that no hex escape runs on. */
  static const char *const miss[] = {
      "310203-4567",       "12010203456789",    "+45 12 34 56 78",
      "1234 5678",         "15.03.1985",        "15-03-85",
      "2024-001234",       "27.12.08-P20-1-24", "sag 2023/12345",
      "1.503.851.234 kr.", "15.038.512,34",     "8000 Aarhus C, Vestergade 12",
      "15.03.851234",      "15.03-85-1234",     "150385--1234",
      "150385  1234",      "150385,1234",       "\357\274\231150385-1234",
  };
  for (size_t i = 0; i < sizeof hit / sizeof hit[0]; i++) {
    size_t off = 99;
    if (!rp__cpr_find(hit[i].text, strlen(hit[i].text), &off) || off != hit[i].offset)
      fail_msg("7.22: \"%s\" should match at %zu", hit[i].text, hit[i].offset);
    if (strstr(doc, hit[i].text) == NULL)
      fail_msg("7.22: \"%s\" not in the document", hit[i].text);
  }
  for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++) {
    if (rp__cpr_find(miss[i], strlen(miss[i]), NULL))
      fail_msg("7.22: \"%s\" should not match", miss[i]);
    if (strstr(doc, miss[i]) == NULL) fail_msg("7.22: \"%s\" not in the document", miss[i]);
  }
}

static void test_doc_matches_code(void **state) {
  (void)state;
  const char *src = getenv("RP_SOURCE_DIR");
  char path[4096];
  size_t doclen = 0;
  assert_non_null(src);
  assert_true(sodium_init() >= 0);
  snprintf(path, sizeof path, "%s/docs/PROTOCOL.md", src);
  doc = tu_read_file(path, &doclen);
  if (doc == NULL) fail_msg("cannot read %s", path);

  cpr_examples();
  constants_table();
  error_table();
  state_table();
  route_table();
  transport_tables();
  short_examples();
  make_parties();
  key_files();
  rp__roster *roster = make_roster();
  handshake();
  uint8_t chunk_key[32];
  envelope(roster, chunk_key);
  chunk_example(chunk_key);
  rp__roster_free(roster);
  free_parties();

  if (missing != 0) {
    FILE *f = fopen("protocol.generated.md", "w");
    if (f != NULL) {
      fwrite(gen.buf, 1, gen.len, f);
      fclose(f);
    }
    fail_msg("%u blocks differ from docs/PROTOCOL.md; see protocol.generated.md", missing);
  }
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_matches_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
