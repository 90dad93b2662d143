/* SPDX-License-Identifier: MIT */
/*
 * Attachment chunks through the real relay (docs/PROTOCOL.md 5.6): upload, the SEND's
 * completeness check, durability of chunk_ack across kill -9, idempotence, every
 * refusal of a chunk with its code, the download with chunk_get/chunk_data (order,
 * count, another member's message), deletion with DELIVERED (spool empty, the bytes gone
 * from the files), expiry with and without the envelope, and resumption after a restart
 * of the relay in the middle of a download. The chunk bytes live in the spool's chunks
 * folder (one file a message, none of them in SQLite's files): each file is gone after
 * delivery, expiry and purge, and a file lost under its rows makes chunk_get answer EIO.
 *
 * The relay never opens a chunk, so the chunks here are random bytes of valid sealed
 * lengths.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "chunk.h"
#include "clock.h"
#include "envelope_hdr.h"
#include "peer.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101", "k102", "k103"};

#define SMALL (RP__CHUNK_PAD_MIN + RP__CHUNK_TAGBYTES) /* 1040 */
#define FULL RP__CHUNK_SEALED_MAX                      /* 262160 */
#define NCH 3u

typedef struct msg {
  uint8_t id[RP_MSG_ID_BYTES];
  uint64_t expires;
  uint8_t *data[NCH];
  size_t len[NCH];
} msg;

static void msg_new(msg *m, uint64_t ttl_ms) {
  static const size_t lens[NCH] = {SMALL, 2 * 1024 + 16, SMALL};
  memset(m, 0, sizeof *m);
  randombytes_buf(m->id, sizeof m->id);
  m->expires = rp__clock_wall_ms() + ttl_ms;
  for (unsigned i = 0; i < NCH; i++) {
    m->len[i] = lens[i];
    m->data[i] = malloc(lens[i]);
    assert_non_null(m->data[i]);
    randombytes_buf(m->data[i], lens[i]);
  }
}

static void msg_free(msg *m) {
  for (unsigned i = 0; i < NCH; i++)
    free(m->data[i]);
}

static int send_chunk(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], const char *to,
                      uint64_t index, uint64_t count, uint64_t expires, const uint8_t *data,
                      size_t len) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK;
  memcpy(m.u.chunk.msg_id, id, RP_MSG_ID_BYTES);
  m.u.chunk.to = rp__str_c(to);
  m.u.chunk.index = index;
  m.u.chunk.count = count;
  m.u.chunk.expires = expires;
  m.u.chunk.data = (rp__bin){data, (uint32_t)len};
  return tp_send(p, &m);
}

/* The chunk_ack of (id, index): its code (0: stored). */
static uint64_t ack_code(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], uint64_t index) {
  rp__tmsg m;
  assert_int_equal(tp_recv_type(p, RP__T_CHUNK_ACK, &m, 10000, NULL), 0);
  assert_memory_equal(m.u.chunk_ack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.chunk_ack.index, index);
  return m.u.chunk_ack.code;
}

/* One chunk of `len` random bytes, answered: its chunk_ack code. */
static uint64_t try_chunk(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], const char *to,
                          uint64_t index, uint64_t count, uint64_t expires, size_t len) {
  uint8_t *data = malloc(len);
  assert_non_null(data);
  randombytes_buf(data, len);
  assert_int_equal(send_chunk(p, id, to, index, count, expires, data, len), 0);
  free(data);
  return ack_code(p, id, index);
}

static void upload(tp_peer *p, const msg *m, const char *to) {
  for (unsigned i = 0; i < NCH; i++)
    assert_int_equal(send_chunk(p, m->id, to, i, NCH, m->expires, m->data[i], m->len[i]),
                     0);
  for (unsigned i = 0; i < NCH; i++)
    assert_int_equal(ack_code(p, m->id, i), 0);
}

/* SEND of m's envelope (class 0, header chunks = `chunks`): 0 for ACK, else the NACK's
 * code. */
static uint64_t send_envelope(tp_peer *p, const msg *m, const char *from, const char *to,
                              uint64_t chunks) {
  uint8_t *env = NULL;
  size_t len = 0;
  rp__tmsg s;
  assert_int_equal(tp_envelope_chunks(m->id, from, to, rp__clock_wall_ms(), m->expires, 0,
                                      chunks, &env, &len),
                   0);
  memset(&s, 0, sizeof s);
  s.type = RP__T_SEND;
  s.u.send.envelope = (rp__bin){env, (uint32_t)len};
  assert_int_equal(tp_send(p, &s), 0);
  free(env);
  for (;;) {
    assert_int_equal(tp_recv(p, &s, 10000), 0);
    if (s.type == RP__T_ACK) {
      assert_memory_equal(s.u.ack.msg_id, m->id, RP_MSG_ID_BYTES);
      return 0;
    }
    if (s.type == RP__T_NACK) {
      assert_memory_equal(s.u.nack.msg_id, m->id, RP_MSG_ID_BYTES);
      return s.u.nack.code;
    }
  }
}

static void chunk_get(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], uint64_t from,
                      uint64_t count) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK_GET;
  memcpy(m.u.chunk_get.msg_id, id, RP_MSG_ID_BYTES);
  m.u.chunk_get.from = from;
  m.u.chunk_get.count = count;
  assert_int_equal(tp_send(p, &m), 0);
}

/* The next chunk_data must be chunk `index` of m, with its bytes. */
static void expect_chunk(tp_peer *p, const msg *m, uint64_t index) {
  rp__tmsg d;
  assert_int_equal(tp_recv_type(p, RP__T_CHUNK_DATA, &d, 10000, NULL), 0);
  assert_memory_equal(d.u.chunk_data.msg_id, m->id, RP_MSG_ID_BYTES);
  assert_int_equal(d.u.chunk_data.index, index);
  assert_int_equal(d.u.chunk_data.code, 0);
  assert_int_equal(d.u.chunk_data.data.n, m->len[index]);
  assert_memory_equal(d.u.chunk_data.data.p, m->data[index], m->len[index]);
}

/* The next chunk_data must be a refusal for `index` with `code`. */
static void expect_no_chunk(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], uint64_t index,
                            int code) {
  rp__tmsg d;
  assert_int_equal(tp_recv_type(p, RP__T_CHUNK_DATA, &d, 10000, NULL), 0);
  assert_memory_equal(d.u.chunk_data.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(d.u.chunk_data.index, index);
  assert_int_equal(d.u.chunk_data.code, (uint64_t)-code);
  assert_int_equal(d.u.chunk_data.data.n, 0);
}

/* The next DELIVER, which must be m's envelope: its seq. */
static uint64_t expect_deliver(tp_peer *p, const msg *m) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg d;
  assert_int_equal(tp_recv_type(p, RP__T_DELIVER, &d, 10000, NULL), 0);
  assert_int_equal(tp_deliver_msg_id(&d, id), 0);
  assert_memory_equal(id, m->id, RP_MSG_ID_BYTES);
  return d.u.deliver.seq;
}

/* DELIVERED for m's envelope, delivered as `seq`. */
static void delivered(tp_peer *p, const msg *m, uint64_t seq) {
  rp__tmsg d;
  memset(&d, 0, sizeof d);
  d.type = RP__T_DELIVERED;
  memcpy(d.u.delivered.msg_id, m->id, RP_MSG_ID_BYTES);
  d.u.delivered.seq = seq;
  assert_int_equal(tp_send(p, &d), 0);
}

/* Poll a counter until it has `want` (the relay commits asynchronously). */
static void wait_counter(tp_relay *f, const char *name, uint64_t want) {
  uint64_t v = UINT64_MAX;
  for (int i = 0; i < 50; i++) {
    assert_int_equal(tp_relay_counter(f, name, &v), 0);
    if (v == want) return;
    usleep(100000);
  }
  fail_msg("%s is %llu, want %llu", name, (unsigned long long)v, (unsigned long long)want);
}

/* Is the 32-byte mark in any regular file of dir? */
static int in_dir(const char *dir, const uint8_t mark[32]) {
  int found = tu_dir_holds(dir, mark, 32);
  assert_true(found >= 0); /* the folder is there and readable */
  return found;
}

/* ... in the relay's state folder or its spool's chunks folder. */
static int in_files(const char *dir, const uint8_t mark[32]) {
  char chunks[1024];
  snprintf(chunks, sizeof chunks, "%s/chunks", dir);
  return in_dir(dir, mark) || in_dir(chunks, mark);
}

/* Path of message id's chunk file in the relay's spool. */
static const char *chunk_file(const tp_relay *f, const uint8_t id[RP_MSG_ID_BYTES]) {
  static char path[1100];
  char hex[2 * RP_MSG_ID_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, id, RP_MSG_ID_BYTES);
  snprintf(path, sizeof path, "%s/chunks/%s", f->dir, hex);
  return path;
}

static int chunk_file_exists(const tp_relay *f, const uint8_t id[RP_MSG_ID_BYTES]) {
  struct stat st;
  return stat(chunk_file(f, id), &st) == 0;
}

/* Waits up to 5 s for message id's chunk file to be gone (it goes right after the
 * COMMIT that deleted the rows, a moment after the counters change). */
static void wait_file_gone(const tp_relay *f, const uint8_t id[RP_MSG_ID_BYTES]) {
  uint64_t t0 = rp__clock_mono_ms();
  while (chunk_file_exists(f, id) && rp__clock_mono_ms() - t0 < 5000)
    usleep(20000);
  assert_false(chunk_file_exists(f, id));
}

static void start(tp_relay *f, const char *tag, const char *limits) {
  assert_int_equal(tp_relay_init(f, tag, ids, 4, limits), 0);
  assert_int_equal(tp_relay_start(f), 0);
}

/* Upload, SEND, DELIVER, chunk_get with credit, other members' and unknown ids,
 * DELIVERED: the spool is empty and the chunks' bytes are gone from the disk. */
static void test_flow(void **state) {
  tp_relay f;
  tp_peer s, t, o;
  msg m;
  uint64_t seq;
  uint8_t unknown[RP_MSG_ID_BYTES];
  (void)state;

  start(&f, "relay-chunk-flow", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  assert_int_equal(s.welcome.u.welcome.chunk_max, RP__CHUNK_SEALED_MAX);
  msg_new(&m, 3600 * 1000);
  upload(&s, &m, "team");
  wait_counter(&f, "spool.chunks", NCH);
  assert_int_equal(send_envelope(&s, &m, "k101", "team", NCH), 0);

  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  seq = expect_deliver(&t, &m);
  /* Credit: two, then the rest (one: fewer at the end), then past the end. */
  chunk_get(&t, m.id, 0, 2);
  expect_chunk(&t, &m, 0);
  expect_chunk(&t, &m, 1);
  chunk_get(&t, m.id, 2, RP__CHUNK_GET_MAX);
  expect_chunk(&t, &m, 2);
  chunk_get(&t, m.id, NCH, 1);
  expect_no_chunk(&t, m.id, NCH, RP_ENOTFOUND);
  randombytes_buf(unknown, sizeof unknown);
  chunk_get(&t, unknown, 0, 1);
  expect_no_chunk(&t, unknown, 0, RP_ENOTFOUND);

  /* The bytes are in the message's chunk file, in none of SQLite's files. */
  assert_true(chunk_file_exists(&f, m.id));
  assert_true(in_dir(f.dir, m.data[1]) == 0);
  assert_true(in_files(f.dir, m.data[1]));

  /* Another member may not read this member's chunks. */
  assert_int_equal(tp_relay_connect(&f, &o, "k102"), 0);
  assert_int_equal(tp_receive(&o, 4), 0);
  chunk_get(&o, m.id, 0, 1);
  expect_no_chunk(&o, m.id, 0, RP_ENOTFOUND);
  tp_close(&o);

  /* DELIVERED deletes the envelope and its chunks in one transaction. */
  delivered(&t, &m, seq);
  wait_counter(&f, "spool.chunks", 0);
  wait_counter(&f, "spool.envelopes", 0);
  assert_int_equal(tp_relay_wait_log(&f, "chunks_deleted", 5000, 1), 0);
  chunk_get(&t, m.id, 0, 1);
  expect_no_chunk(&t, m.id, 0, RP_ENOTFOUND);
  /* And their bytes leave the disk with the chunk file, within 5 s. */
  wait_file_gone(&f, m.id);
  assert_false(in_files(f.dir, m.data[1]));
  tp_close(&t);
  tp_close(&s);
  msg_free(&m);
  tp_relay_free(&f);
}

/* A SEND before all chunks are stored: NACK ETRUNC; once they are, ACK. A resent chunk
 * is acknowledged again and stored once. */
static void test_etrunc_and_duplicate(void **state) {
  tp_relay f;
  tp_peer s;
  msg m;
  uint64_t v = 0;
  (void)state;

  start(&f, "relay-chunk-etrunc", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  msg_new(&m, 3600 * 1000);
  assert_int_equal(send_chunk(&s, m.id, "team", 0, NCH, m.expires, m.data[0], m.len[0]), 0);
  assert_int_equal(ack_code(&s, m.id, 0), 0);
  assert_int_equal(send_envelope(&s, &m, "k101", "team", NCH), (uint64_t)-RP_ETRUNC);
  /* An envelope whose header says fewer or no chunks is not the one the chunks are for:
   * the chunks stay, the SEND of chunks = 1 is refused too. */
  assert_int_equal(send_envelope(&s, &m, "k101", "team", 1), (uint64_t)-RP_ETRUNC);
  upload(&s, &m, "team"); /* chunk 0 again: a duplicate, acknowledged */
  assert_int_equal(tp_relay_counter(&f, "chunks.duplicate", &v), 0);
  assert_int_equal(v, 1);
  wait_counter(&f, "spool.chunks", NCH);
  assert_int_equal(send_envelope(&s, &m, "k101", "team", NCH), 0);
  tp_close(&s);
  msg_free(&m);
  tp_relay_free(&f);
}

/* Every refusal of a chunk, with its code; the connection stays open throughout. */
static void test_refusals(void **state) {
  tp_relay f;
  tp_peer s, b, c;
  uint8_t id[RP_MSG_ID_BYTES];
  uint64_t now = rp__clock_wall_ms(), exp = now + 3600 * 1000;
  (void)state;

  /* 3 MiB per recipient and in all, 60% for one sender; 1 MiB of chunks a message. */
  start(&f, "relay-chunk-refuse",
        "envelope_max = 64K\nspool_recipient_bytes = 3M\nspool_total_bytes = 3M\n"
        "spool_sender_share = 60\nattachment_bytes_max = 1M\n");
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  randombytes_buf(id, sizeof id);
  assert_int_equal(try_chunk(&s, id, "nobody", 0, 1, exp, SMALL),
                   (uint64_t)-RP_EUNKNOWNMEMBER);
  assert_int_equal(try_chunk(&s, id, "k102", 0, 1, exp, SMALL), (uint64_t)-RP_EROUTE);
  assert_int_equal(try_chunk(&s, id, "team", 0, 1, now - 1000, SMALL),
                   (uint64_t)-RP_EEXPIRED);
  assert_int_equal(try_chunk(&s, id, "team", 0, 1, now + 200ull * 24 * 3600 * 1000, SMALL),
                   (uint64_t)-RP_ETOOBIG);
  assert_int_equal(try_chunk(&s, id, "team", 2, 2, exp, SMALL), (uint64_t)-RP_EINVAL);
  assert_int_equal(try_chunk(&s, id, "team", 0, RP__CHUNK_COUNT_MAX + 1, exp, SMALL),
                   (uint64_t)-RP_ETOOBIG);
  assert_int_equal(try_chunk(&s, id, "team", 0, 1, exp, SMALL + 1), (uint64_t)-RP_ESIZE);
  assert_int_equal(try_chunk(&s, id, "team", 0, 1, exp, 1000), (uint64_t)-RP_ESIZE);
  /* A count that cannot fit attachment_bytes_max even in the smallest chunks. */
  assert_int_equal(try_chunk(&s, id, "team", 0, 2000, exp, SMALL), (uint64_t)-RP_ETOOBIG);

  /* k103: a message whose chunks pass attachment_bytes_max at the fourth full one. */
  assert_int_equal(tp_relay_connect(&f, &c, "k103"), 0);
  randombytes_buf(id, sizeof id);
  for (uint64_t i = 0; i < 3; i++)
    assert_int_equal(try_chunk(&c, id, "team", i, 8, exp, FULL), 0);
  assert_int_equal(try_chunk(&c, id, "team", 3, 8, exp, FULL), (uint64_t)-RP_ETOOBIG);
  /* And every chunk of a message agrees on its count. */
  assert_int_equal(try_chunk(&c, id, "team", 4, 9, exp, SMALL), (uint64_t)-RP_EINVAL);

  /* k101: its share of team's quota (60% of 3 MiB) holds seven full chunks. */
  for (int i = 0; i < 7; i++) {
    randombytes_buf(id, sizeof id);
    assert_int_equal(try_chunk(&s, id, "team", 0, 1, exp, FULL), 0);
  }
  randombytes_buf(id, sizeof id);
  assert_int_equal(try_chunk(&s, id, "team", 0, 1, exp, FULL), (uint64_t)-RP_EQUOTA);
  /* k102: team holds ten full chunks now and one more; a twelfth passes its 3 MiB. */
  assert_int_equal(tp_relay_connect(&f, &b, "k102"), 0);
  randombytes_buf(id, sizeof id);
  assert_int_equal(try_chunk(&b, id, "team", 0, 1, exp, FULL), 0);
  randombytes_buf(id, sizeof id);
  assert_int_equal(try_chunk(&b, id, "team", 0, 1, exp, FULL), (uint64_t)-RP_ESPOOLFULL);
  assert_int_equal(tp_relay_wait_log(&f, "chunk_refused", 1000, 1), 0);
  tp_close(&b);
  tp_close(&c);
  tp_close(&s);
  tp_relay_free(&f);
}

/* chunk_ack means durable: after a kill -9 and a restart the chunk is there. */
static void test_durable(void **state) {
  tp_relay f;
  tp_peer s;
  msg m;
  uint64_t v = 0;
  (void)state;

  start(&f, "relay-chunk-durable", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  msg_new(&m, 3600 * 1000);
  assert_int_equal(send_chunk(&s, m.id, "team", 0, NCH, m.expires, m.data[0], m.len[0]), 0);
  assert_int_equal(ack_code(&s, m.id, 0), 0);
  tp_close(&s);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  assert_int_equal(tp_relay_start(&f), 0);
  wait_counter(&f, "spool.chunks", 1);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  upload(&s, &m, "team");
  assert_int_equal(tp_relay_counter(&f, "chunks.duplicate", &v), 0);
  assert_int_equal(v, 1);
  assert_int_equal(send_envelope(&s, &m, "k101", "team", NCH), 0);
  tp_close(&s);
  /* A graceful stop with chunks in the spool: a clean exit (and, in the sanitizer build,
   * no leak). */
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  msg_free(&m);
  tp_relay_free(&f);
}

/* Chunks without an envelope expire at their own expiry; an envelope that expires takes
 * its chunks with it. */
static void test_expiry(void **state) {
  tp_relay f;
  tp_peer s;
  msg a, b;
  (void)state;

  start(&f, "relay-chunk-expiry", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  msg_new(&a, 1500);
  msg_new(&b, 1500);
  upload(&s, &a, "team"); /* never sent */
  upload(&s, &b, "team");
  assert_int_equal(send_envelope(&s, &b, "k101", "team", NCH), 0);
  wait_counter(&f, "spool.chunks", 2 * NCH);
  assert_int_equal(tp_relay_wait_log(&f, "chunks_expired chunks=3", 10000, 1), 0);
  assert_int_equal(tp_relay_wait_log(&f, "chunks=3 notice=stored", 10000, 1), 0);
  wait_counter(&f, "spool.chunks", 0);
  wait_counter(&f, "spool.chunk_bytes", 0);
  wait_file_gone(&f, a.id);
  wait_file_gone(&f, b.id);
  tp_close(&s);
  msg_free(&a);
  msg_free(&b);
  tp_relay_free(&f);
}

/* The relay restarts in the middle of a download; the recipient resumes with chunk_get
 * from the first chunk it has not stored. */
static void test_resume(void **state) {
  tp_relay f;
  tp_peer s, t;
  msg m;
  uint64_t seq;
  (void)state;

  start(&f, "relay-chunk-resume", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  msg_new(&m, 3600 * 1000);
  upload(&s, &m, "team");
  assert_int_equal(send_envelope(&s, &m, "k101", "team", NCH), 0);
  tp_close(&s);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  seq = expect_deliver(&t, &m);
  chunk_get(&t, m.id, 0, 1);
  expect_chunk(&t, &m, 0);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  seq = expect_deliver(&t, &m); /* delivered again after the reconnect */
  chunk_get(&t, m.id, 1, RP__CHUNK_GET_MAX);
  expect_chunk(&t, &m, 1);
  expect_chunk(&t, &m, 2);
  delivered(&t, &m, seq);
  wait_counter(&f, "spool.chunks", 0);
  wait_counter(&f, "spool.bytes", 0);
  tp_close(&t);
  msg_free(&m);
  tp_relay_free(&f);
}

/* Full chunks stream one read at a time under the write queue's high-water mark (a full
 * chunk is more than it): all of them arrive, in order. And the download messages are
 * refused outside RECEIVING: BYE error ESTATE. */
static void test_stream_and_state(void **state) {
  enum { N = 5 };
  tp_relay f;
  tp_peer s, t;
  uint8_t *data[N];
  uint64_t seq, reads = 0;
  msg m;
  rp__tmsg d;
  (void)state;

  start(&f, "relay-chunk-stream", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  memset(&m, 0, sizeof m);
  randombytes_buf(m.id, sizeof m.id);
  m.expires = rp__clock_wall_ms() + 3600 * 1000;
  for (int i = 0; i < N; i++) {
    assert_non_null(data[i] = malloc(FULL));
    randombytes_buf(data[i], FULL);
    assert_int_equal(send_chunk(&s, m.id, "team", (uint64_t)i, N, m.expires, data[i], FULL),
                     0);
  }
  for (int i = 0; i < N; i++)
    assert_int_equal(ack_code(&s, m.id, (uint64_t)i), 0);
  assert_int_equal(send_envelope(&s, &m, "k101", "team", N), 0);

  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  seq = expect_deliver(&t, &m);
  chunk_get(&t, m.id, 0, RP__CHUNK_GET_MAX);
  for (int i = 0; i < N; i++) {
    assert_int_equal(tp_recv_type(&t, RP__T_CHUNK_DATA, &d, 10000, NULL), 0);
    assert_int_equal(d.u.chunk_data.index, (uint64_t)i);
    assert_int_equal(d.u.chunk_data.data.n, FULL);
    assert_memory_equal(d.u.chunk_data.data.p, data[i], FULL);
  }
  /* One spool read a chunk: each was more than the room under the high-water mark. */
  assert_int_equal(tp_relay_counter(&f, "spool.chunk_gets", &reads), 0);
  assert_true(reads >= N);
  delivered(&t, &m, seq);
  wait_counter(&f, "spool.chunks", 0);
  tp_close(&t);

  /* chunk_get in READY (no RECEIVE): a protocol error. */
  chunk_get(&s, m.id, 0, 1);
  assert_int_equal(tp_recv_type(&s, RP__T_BYE, &d, 10000, NULL), 0);
  assert_int_equal(d.u.bye.reason, RP__BYE_ERROR);
  assert_int_equal(d.u.bye.code, (uint64_t)-RP_ESTATE);
  tp_close(&s);
  for (int i = 0; i < N; i++)
    free(data[i]);
  tp_relay_free(&f);
}

/* A sender's purge takes the chunk files too: of a message whose envelope was sent, and
 * of chunks alone. */
static void test_purge_files(void **state) {
  tp_relay f;
  tp_peer s;
  msg a, b;
  rp__tmsg m;
  uint8_t list[2 * RP_MSG_ID_BYTES];
  (void)state;

  start(&f, "relay-chunk-purge", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  msg_new(&a, 3600 * 1000);
  msg_new(&b, 3600 * 1000);
  upload(&s, &a, "team");
  upload(&s, &b, "team");
  assert_int_equal(send_envelope(&s, &a, "k101", "team", NCH), 0);
  assert_true(chunk_file_exists(&f, a.id) && chunk_file_exists(&f, b.id));
  memcpy(list, a.id, RP_MSG_ID_BYTES);
  memcpy(list + RP_MSG_ID_BYTES, b.id, RP_MSG_ID_BYTES);
  memset(&m, 0, sizeof m);
  m.type = RP__T_PURGE;
  m.u.purge.ids = (rp__bin){list, (uint32_t)sizeof list};
  assert_int_equal(tp_send(&s, &m), 0);
  assert_int_equal(tp_recv_type(&s, RP__T_PURGED, &m, 5000, NULL), 0);
  assert_int_equal(m.u.purged.code, 0);
  wait_counter(&f, "spool.chunks", 0);
  wait_file_gone(&f, a.id);
  wait_file_gone(&f, b.id);
  for (unsigned i = 0; i < NCH; i++) {
    assert_false(in_files(f.dir, a.data[i]));
    assert_false(in_files(f.dir, b.data[i]));
  }
  tp_close(&s);
  msg_free(&a);
  msg_free(&b);
  tp_relay_free(&f);
}

/* A chunk file lost under its rows (a disk's fault, or a bad restore): chunk_get answers
 * EIO, the relay stays up and the file's message is still deleted on DELIVERED. */
static void test_file_lost(void **state) {
  tp_relay f;
  tp_peer s, t;
  msg m;
  uint64_t seq;
  (void)state;

  start(&f, "relay-chunk-lost", NULL);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  msg_new(&m, 3600 * 1000);
  upload(&s, &m, "team");
  assert_int_equal(send_envelope(&s, &m, "k101", "team", NCH), 0);
  assert_int_equal(unlink(chunk_file(&f, m.id)), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  seq = expect_deliver(&t, &m);
  chunk_get(&t, m.id, 0, 1);
  expect_no_chunk(&t, m.id, 0, RP_EIO);
  assert_true(tp_relay_alive(&f));
  delivered(&t, &m, seq);
  wait_counter(&f, "spool.chunks", 0);
  wait_counter(&f, "spool.envelopes", 0);
  assert_int_equal(tp_relay_counter(&f, "spool.failed", &seq), 0);
  assert_int_equal(seq, 0);
  tp_close(&t);
  tp_close(&s);
  msg_free(&m);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flow),
      cmocka_unit_test(test_etrunc_and_duplicate),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_durable),
      cmocka_unit_test(test_expiry),
      cmocka_unit_test(test_resume),
      cmocka_unit_test(test_stream_and_state),
      cmocka_unit_test(test_purge_files),
      cmocka_unit_test(test_file_lost),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
