/* SPDX-License-Identifier: MIT */
/*
 * The relay's message handling after the handshake: arbitrary transport-message
 * plaintexts fed to rp__conn_dispatch, the function the real read path calls once a
 * frame is decrypted and its fragments reassembled. The relay is real (rp__relay_new:
 * key file, signed roster, a SQLite spool on a temporary file, preferably on tmpfs so
 * that fsync costs nothing); only the socket is missing: a detached connection
 * (rp__conn_new_detached) whose writes are encrypted and then dropped.
 *
 * Input: one flags byte, then messages, each a 2-byte big-endian length and that many
 * bytes (the last may be short). Flags: bit 0 starts the connection RECEIVING instead
 * of READY; bit 1 runs the spool's callbacks after every message (else only at the end,
 * so commits and later messages interleave both ways); bits 2-3 pick the member
 * (team, k101, k102). Spool state carries over between inputs, like a relay that runs.
 *
 * A DELIVERED whose msg_id is 16 bytes of 0xEE gets the msg_id of the item it names by
 * its seq, if the connection's window holds one: the fuzzer cannot guess the random ids
 * of what the spool delivers, and without them it would never get past the msg_id check
 * to deletes and refusals (DELIVERED "refused").
 *
 * Seeds: RP_FUZZ_RELAY_SEEDS=<dir> ./fuzz_relay writes the seed corpus into <dir> and
 * exits. Seed envelopes carry wall-clock times and stay acceptable for 59 days (the
 * harness sets limits.expiry_max to 60 days); older seeds still reach every check but
 * the last ones. Regenerate them then.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <sodium.h>
#include <uv.h>

#include "config.h"
#include "conn.h"
#include "envelope_hdr.h"
#include "keyfile.h"
#include "log.h"
#include "relay.h"
#include "relay_int.h"
#include "roster.h"
#include "transport.h"

static const char *const members[] = {"team", "k101", "k102"};

static struct {
  char dir[256];
  uv_loop_t loop;
  rp__relay *relay;
} g;

static void cleanup(void) {
  static const char *const files[] = {"spool.sqlite", "spool.sqlite-wal",
                                      "spool.sqlite-shm", "relay.key", "roster.msgpack"};
  char p[512];
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(p, sizeof p, "%s/%s", g.dir, files[i]);
    unlink(p);
  }
  rmdir(g.dir);
}

static void must(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "fuzz_relay: setup failed: %s\n", what);
    abort();
  }
}

static int write_file(const char *path, const uint8_t *p, size_t n) {
  FILE *f = fopen(path, "wb");
  int ok = f != NULL && fwrite(p, 1, n, f) == n;
  if (f != NULL && fclose(f) != 0) ok = 0;
  return ok;
}

static uint64_t unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The relay's key, three members and the signed roster in g.dir. */
static void make_state(uint8_t admin_pk[RP__CFG_ADMIN_KEY_BYTES]) {
  rp__identity *admin = NULL, *relay = NULL, *m = NULL;
  rp__roster *ro = NULL;
  rp__member mem;
  const uint8_t *doc = NULL;
  uint8_t key[RP_KEYFILE_MAX];
  size_t len = 0, klen = 0;
  char path[512];

  must(rp__identity_generate("admin", &admin) == 0 &&
           rp__identity_generate("relay", &relay) == 0 &&
           rp__roster_create(1, unix_ms(), &ro) == 0,
       "identities");
  for (int i = -2; i < 3; i++) {
    memset(&mem, 0, sizeof mem);
    if (i == -2) {
      mem.pub = admin->pub, mem.kind = RP_MEMBER_ADMIN;
    } else if (i == -1) {
      mem.pub = relay->pub, mem.kind = RP_MEMBER_RELAY;
    } else {
      must(rp__identity_generate(members[i], &m) == 0, "member");
      mem.pub = m->pub;
      mem.kind = i == 0 ? RP_MEMBER_TEAM : RP_MEMBER_MUNICIPALITY;
      if (i > 0) memcpy(mem.municipality, i == 1 ? "101" : "102", 3);
      mem.networks = i > 0 ? RP_NETWORK_EAST : 0;
      rp__identity_free(m);
      m = NULL;
    }
    must(rp__roster_add(ro, &mem) == 0, "roster add");
  }
  must(rp__roster_sign(ro, admin) == 0 && rp__roster_document(ro, &doc, &len) == 0,
       "roster sign");
  snprintf(path, sizeof path, "%s/roster.msgpack", g.dir);
  must(write_file(path, doc, len), "roster write");
  snprintf(path, sizeof path, "%s/relay.key", g.dir);
  must(rp__keyfile_encode_plain(relay, key, sizeof key, &klen) == 0 &&
           rp__keyfile_write(path, key, klen, 0) == 0,
       "key write");
  sodium_memzero(key, sizeof key);
  memcpy(admin_pk, admin->pub.identity_pk, RP__CFG_ADMIN_KEY_BYTES);
  rp__roster_free(ro);
  rp__identity_free(admin);
  rp__identity_free(relay);
}

/* ---- seeds ---- */

static size_t put_msg(uint8_t *out, size_t off, const rp__tmsg *m) {
  size_t len = 0;
  must(rp__tmsg_encode(m, out + off + 2, 8192, &len) == 0, "seed encode");
  out[off] = (uint8_t)(len >> 8);
  out[off + 1] = (uint8_t)len;
  return off + 2 + len;
}

/* An envelope container of class 0 (1 KiB) with the given header fields. */
static void envelope(uint8_t *buf, size_t cap, size_t *len, const uint8_t id[16],
                     const char *from, const char *to, uint64_t created, uint64_t expires) {
  uint8_t hdr[RP__ENVHDR_MAX], ct[1024];
  size_t hlen = 0;
  rp__envcont c;
  rp__envhdr h;

  memset(&h, 0, sizeof h);
  memcpy(h.msg_id, id, RP_MSG_ID_BYTES);
  h.sender = rp__str_c(from);
  h.recipient = rp__str_c(to);
  h.created = created;
  h.expires = expires;
  h.urgency = RP__URG_NORMAL;
  h.size_class = 0;
  must(rp__envhdr_class_ct_bytes(0) <= sizeof ct, "class 0 size");
  must(rp__envhdr_encode(&h, hdr, sizeof hdr, &hlen, NULL) == 0, "header");
  memset(ct, 0xc3, sizeof ct);
  memset(&c, 0, sizeof c);
  c.header.p = hdr;
  c.header.n = (uint32_t)hlen;
  memset(c.enc, 0x11, sizeof c.enc);
  c.ct.p = ct;
  c.ct.n = (uint32_t)rp__envhdr_class_ct_bytes(0);
  must(rp__envhdr_container_encode(&c, buf, cap, len, NULL) == 0, "container");
}

static size_t put_send(uint8_t *out, size_t off, const uint8_t id[16], const char *from,
                       const char *to, uint64_t ttl) {
  uint8_t env[4096];
  size_t elen = 0;
  uint64_t now = unix_ms();
  rp__tmsg m;
  envelope(env, sizeof env, &elen, id, from, to, now, now + ttl);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)elen;
  return put_msg(out, off, &m);
}

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  must(write_file(path, p, n), path);
}

static void write_seeds(const char *dir) {
  static uint8_t buf[65536];
  const uint64_t day = 24ull * 3600 * 1000;
  uint8_t id[16], id2[16];
  size_t n;
  rp__tmsg m;

  randombytes_buf(id, sizeof id);
  randombytes_buf(id2, sizeof id2);
  /* k101 (flags 1 << 2) sends to the team. */
  buf[0] = 1u << 2;
  n = put_send(buf, 1, id, "k101", "team", 59 * day);
  write_seed(dir, "send", buf, n);
  /* The same SEND twice, then a second one: duplicate handling and group commit. */
  n = put_send(buf, n, id, "k101", "team", 59 * day);
  n = put_send(buf, n, id2, "k101", "team", 59 * day);
  write_seed(dir, "send_dup", buf, n);
  /* The team, receiving (what earlier inputs sent it), refuses the first item and
   * acknowledges the second, the ids filled in by the harness (see the top). */
  buf[0] = 3u;
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  memset(m.u.delivered.msg_id, 0xee, sizeof m.u.delivered.msg_id);
  m.u.delivered.seq = 1;
  m.u.delivered.refused = 15;
  n = put_msg(buf, 1, &m);
  m.u.delivered.seq = 2;
  m.u.delivered.refused = 0;
  n = put_msg(buf, n, &m);
  write_seed(dir, "team_refuses", buf, n);
  /* k101, receiving, acknowledges (or refuses) the notices of refusals. */
  buf[0] = (1u << 2) | 3u;
  m.u.delivered.seq = 1;
  m.u.delivered.refused = 5;
  n = put_msg(buf, 1, &m);
  write_seed(dir, "notice_refused", buf, n);
  /* Refused SENDs: another sender's name, an expiry too far out, an unknown recipient. */
  buf[0] = 1u << 2;
  n = put_send(buf, 1, id, "k102", "team", day);
  n = put_send(buf, n, id2, "k101", "team", 80 * day);
  n = put_send(buf, n, id2, "k101", "nobody", day);
  write_seed(dir, "send_refused", buf, n);
  /* The team in READY: ROSTER_GET, PING, PONG, RECEIVE, BYE. */
  buf[0] = 0;
  memset(&m, 0, sizeof m);
  m.type = RP__T_ROSTER_GET;
  n = put_msg(buf, 1, &m);
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = 7;
  n = put_msg(buf, n, &m);
  m.type = RP__T_PONG;
  n = put_msg(buf, n, &m);
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = 4;
  n = put_msg(buf, n, &m);
  memset(&m, 0, sizeof m);
  m.type = RP__T_BYE;
  m.u.bye.reason = RP__BYE_DONE;
  n = put_msg(buf, n, &m);
  write_seed(dir, "control", buf, n);
  /* A message the client may not send (ACK) and one that does not decode. */
  memset(&m, 0, sizeof m);
  m.type = RP__T_ACK;
  memcpy(m.u.ack.msg_id, id, sizeof id);
  m.u.ack.status = RP__ACK_STORED;
  n = put_msg(buf, 1, &m);
  buf[n++] = 0;
  buf[n++] = 3;
  buf[n++] = 0x93;
  buf[n++] = 0xc1;
  buf[n++] = 0xff;
  write_seed(dir, "bad", buf, n);
}

/* ---- the harness ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  const char *seeds = getenv("RP_FUZZ_RELAY_SEEDS");
  char err[RP__CFG_ERR_MAX];
  rp__config cfg;
  int fd;
  (void)argc;
  (void)argv;

  must(sodium_init() >= 0, "sodium");
  if (seeds != NULL) {
    write_seeds(seeds);
    exit(0);
  }
  snprintf(g.dir, sizeof g.dir, "%s/fuzz_relay.XXXXXX", base != NULL ? base : "/tmp");
  must(mkdtemp(g.dir) != NULL, "mkdtemp");
  atexit(cleanup);
  /* Every log line is formatted (a bad format would show) and then discarded, unless
   * RP_FUZZ_RELAY_LOG is set (to see what a seed reaches). */
  if (getenv("RP_FUZZ_RELAY_LOG") == NULL) {
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    must(fd >= 0, "/dev/null");
    rp__log_set_fd(fd);
  }
  rp__log_set_level(RP__LOG_DEBUG);
  rp__config_defaults(&cfg);
  make_state(cfg.admin_key);
  cfg.has_admin_key = 1;
  snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", g.dir);
  cfg.spool_recipient_bytes = 16 * RP__CFG_MIB;
  cfg.spool_total_bytes = 64 * RP__CFG_MIB;
  cfg.window = 8;
  cfg.expiry_max_ms = 60 * RP__CFG_DAY;
  must(rp__config_check(&cfg, err, sizeof err) == 0, err);
  must(uv_loop_init(&g.loop) == 0, "loop");
  must(rp__relay_new(&g.relay, &g.loop, &cfg, 0, NULL) == 0, "relay");
  return 0;
}

/* The DELIVERED placeholder (see the top): in place in msg, if it is one. */
static void fill_delivered(const rp__conn *c, uint8_t *msg, size_t len) {
  static const uint8_t magic[RP_MSG_ID_BYTES] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
                                                 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
                                                 0xee, 0xee, 0xee, 0xee};
  rp__tmsg m;
  uint8_t *at = NULL;
  if (rp__tmsg_decode(msg, len, &m, NULL) != 0 || m.type != RP__T_DELIVERED ||
      memcmp(m.u.delivered.msg_id, magic, sizeof magic) != 0)
    return;
  for (size_t i = 0; i + sizeof magic <= len && at == NULL; i++)
    if (memcmp(msg + i, magic, sizeof magic) == 0) at = msg + i;
  for (const rp__dentry *d = c->dl_head; d != NULL && at != NULL; d = d->next) {
    if (d->stream_seq == m.u.delivered.seq) {
      memcpy(at, d->wire_id, RP_MSG_ID_BYTES);
      return;
    }
  }
}

/* Run the loop until every spool request has called back. */
static void drain(void) {
  while (g.relay->ops_inflight > 0)
    uv_run(&g.loop, UV_RUN_ONCE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rp__conn *c = NULL;
  size_t off = 1, len;
  uint8_t flags, *msg;
  int rc = 0;

  if (size < 1) return 0;
  flags = data[0];
  if (rp__conn_new_detached(g.relay, members[((flags >> 2) & 3u) % 3u],
                            (flags & 1u) ? RP__TS_RECEIVING : RP__TS_READY, &c) != 0)
    abort();
  if (flags & 2u) drain(); /* a receiving connection's first fetch, before its messages */
  while (rc == 0 && size - off >= 2) {
    len = (size_t)data[off] << 8 | data[off + 1];
    off += 2;
    if (len > size - off) len = size - off;
    /* An exact-size copy, so that the sanitizer sees any read past the message. */
    if ((msg = malloc(len > 0 ? len : 1)) == NULL) abort();
    memcpy(msg, data + off, len);
    fill_delivered(c, msg, len);
    rc = rp__conn_dispatch(c, msg, len);
    free(msg);
    off += len;
    if (flags & 2u) drain();
  }
  drain();
  rp__conn_free_detached(c);
  drain();
  return 0;
}
