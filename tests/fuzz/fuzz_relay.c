/* SPDX-License-Identifier: MIT */
/*
 * The relay as a client meets it: a real relay (rp__relay_new and rp__relay_start: key
 * file, signed roster, a SQLite spool on a temporary file, preferably on tmpfs so that
 * fsync costs nothing) listening on loopback, and per input one TCP connection with a
 * client channel (proto/chan.h) that does the handshake, waits for WELCOME, and then
 * sends the input's messages, each encrypted as it is (fragmented when longer than a
 * frame, nothing checked on our side), so that they reach the relay's whole read path:
 * frames, decryption, fragments, decoding, the state table and the handlers. The relay
 * runs on this thread; the harness turns its loop while it waits for answers.
 *
 * Input: one flags byte, then messages, each a 2-byte big-endian length and that many
 * bytes (the last may be short). Flags: bit 0 sends RECEIVE first (the connection
 * RECEIVING instead of READY); bit 1 waits after every message until the relay has
 * answered it and its spool requests have completed (else only at the end, so commits
 * and later messages interleave both ways); bits 2-3 pick the member (team, k101,
 * k102). Spool state carries over between inputs, like a relay that runs.
 *
 * A DELIVERED whose msg_id is 16 bytes of 0xEE gets the msg_id of the item the relay
 * delivered with its seq on this connection, if it did: the fuzzer cannot guess the
 * random ids of what the spool delivers, and without them it would never get past the
 * msg_id check to deletes and refusals (DELIVERED "refused"). A CHUNK_GET with that msg_id
 * likewise asks for the chunks of the item delivered last, so that downloads of
 * attachment chunks (chunk_data from the spool) are reached too.
 *
 * Seeds: RP_FUZZ_RELAY_SEEDS=<dir> ./fuzz_relay writes the seed corpus into <dir> and
 * exits. Seed envelopes carry wall-clock times and stay acceptable for 59 days (the
 * harness sets limits.expiry_max to 60 days); older seeds still reach every check but
 * the last ones. Regenerate them then.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include <sodium.h>
#include <uv.h>

#include "chan.h"
#include "chan_hooks.h"
#include "clock.h"
#include "config.h"
#include "envelope_hdr.h"
#include "frame.h"
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
  uint16_t port;
  size_t chunk_max;         /* fragment size the relay's frame_max allows */
  uint8_t relay_pk[32];     /* the relay's transport key */
  uint8_t member_sk[3][32]; /* the members' transport secrets */
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
           rp__roster_create(1, rp__clock_wall_ms(), &ro) == 0,
       "identities");
  for (int i = -2; i < 3; i++) {
    memset(&mem, 0, sizeof mem);
    if (i == -2) {
      mem.pub = admin->pub, mem.kind = RP_MEMBER_ADMIN;
    } else if (i == -1) {
      mem.pub = relay->pub, mem.kind = RP_MEMBER_RELAY;
    } else {
      must(rp__identity_generate(members[i], &m) == 0, "member");
      memcpy(g.member_sk[i], m->sec->transport_sk, 32);
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
  memcpy(g.relay_pk, relay->pub.transport_pk, 32);
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
                     const char *from, const char *to, uint64_t created, uint64_t expires,
                     uint64_t chunks) {
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
  h.chunks = chunks;
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

static size_t put_send_chunks(uint8_t *out, size_t off, const uint8_t id[16],
                              const char *from, const char *to, uint64_t ttl,
                              uint64_t chunks) {
  uint8_t env[4096];
  size_t elen = 0;
  uint64_t now = rp__clock_wall_ms();
  rp__tmsg m;
  envelope(env, sizeof env, &elen, id, from, to, now, now + ttl, chunks);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)elen;
  return put_msg(out, off, &m);
}

static size_t put_send(uint8_t *out, size_t off, const uint8_t id[16], const char *from,
                       const char *to, uint64_t ttl) {
  return put_send_chunks(out, off, id, from, to, ttl, 0);
}

/* A CHUNK of the smallest sealed size (1040 bytes of 0xc5). */
static size_t put_chunk(uint8_t *out, size_t off, const uint8_t id[16], const char *to,
                        uint64_t index, uint64_t count, uint64_t ttl) {
  static uint8_t data[RP__CHUNK_PAD_MIN + RP__CHUNK_TAGBYTES];
  rp__tmsg m;
  memset(data, 0xc5, sizeof data);
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK;
  memcpy(m.u.chunk.msg_id, id, RP_MSG_ID_BYTES);
  m.u.chunk.to = rp__str_c(to);
  m.u.chunk.index = index;
  m.u.chunk.count = count;
  m.u.chunk.expires = rp__clock_wall_ms() + ttl;
  m.u.chunk.data.p = data;
  m.u.chunk.data.n = sizeof data;
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
  /* Attachment chunks from k101 to the team: two stored, one again (a duplicate), one
   * refused (index >= count), the SEND of their envelope (chunks = 2), and a SEND whose
   * chunks are missing (ETRUNC). */
  buf[0] = 1u << 2;
  n = put_chunk(buf, 1, id, "team", 0, 2, 59 * day);
  n = put_chunk(buf, n, id, "team", 1, 2, 59 * day);
  n = put_chunk(buf, n, id, "team", 1, 2, 59 * day);
  n = put_chunk(buf, n, id, "team", 2, 2, 59 * day);
  n = put_send_chunks(buf, n, id, "k101", "team", 59 * day, 2);
  n = put_send_chunks(buf, n, id2, "k101", "team", 59 * day, 3);
  write_seed(dir, "chunks", buf, n);
  /* The team, receiving, downloads the chunks of the item delivered last (the harness
   * fills in its id), asks for an unknown message, and acknowledges the item. */
  buf[0] = 3u;
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK_GET;
  memset(m.u.chunk_get.msg_id, 0xee, sizeof m.u.chunk_get.msg_id);
  m.u.chunk_get.from = 0;
  m.u.chunk_get.count = RP__CHUNK_GET_MAX;
  n = put_msg(buf, 1, &m);
  memcpy(m.u.chunk_get.msg_id, id2, sizeof id2);
  m.u.chunk_get.count = 1;
  n = put_msg(buf, n, &m);
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  memset(m.u.delivered.msg_id, 0xee, sizeof m.u.delivered.msg_id);
  m.u.delivered.seq = 1;
  n = put_msg(buf, n, &m);
  write_seed(dir, "chunk_get", buf, n);
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
  /* k101, waiting for each answer, purges two ids, then the most one purge may name
   * (both answered, nothing of k101's among them), then two ids again, then a list
   * that is not whole ids (BYE EINVAL). */
  static uint8_t ids[RP__PURGE_IDS_MAX * RP_MSG_ID_BYTES];
  randombytes_buf(ids, sizeof ids);
  buf[0] = (1u << 2) | 2u;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PURGE;
  m.u.purge.ids = (rp__bin){ids, 2 * RP_MSG_ID_BYTES};
  n = put_msg(buf, 1, &m);
  m.u.purge.ids.n = sizeof ids;
  n = put_msg(buf, n, &m);
  m.u.purge.ids.n = 2 * RP_MSG_ID_BYTES;
  n = put_msg(buf, n, &m);
  buf[n++] = 0;
  buf[n++] = 25;
  {
    static const uint8_t partial[8] = {0x83, 0x00, 0x01, 0x01, 0x12, 0x02, 0xc4, 17};
    memcpy(buf + n, partial, sizeof partial);
    memcpy(buf + n + sizeof partial, ids, 17);
    n += sizeof partial + 17;
  }
  write_seed(dir, "purge", buf, n);
}

/* ---- the harness ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A loopback port that was free a moment ago (the relay's listener takes no port 0). */
static uint16_t free_port(void) {
  struct sockaddr_in sa;
  socklen_t n = sizeof sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  must(fd >= 0, "socket");
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  must(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
           getsockname(fd, (struct sockaddr *)&sa, &n) == 0,
       "free port");
  close(fd);
  return ntohs(sa.sin_port);
}

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
  g.port = free_port();
  snprintf(cfg.listen[0], sizeof cfg.listen[0], "127.0.0.1:%u", (unsigned)g.port);
  cfg.listen_count = 1;
  cfg.spool_recipient_bytes = 16 * RP__CFG_MIB;
  cfg.spool_total_bytes = 64 * RP__CFG_MIB;
  cfg.window = 8;
  cfg.expiry_max_ms = 60 * RP__CFG_DAY;
  must(rp__config_check(&cfg, err, sizeof err) == 0, err);
  g.chunk_max = cfg.frame_max - RP__FRAG_HEADER - RP__NOISE_TAGBYTES;
  must(uv_loop_init(&g.loop) == 0, "loop");
  must(rp__relay_new(&g.relay, &g.loop, &cfg, 0, NULL) == 0, "relay");
  must(rp__relay_start(g.relay) == 0, "relay start");
  /* SIGINT and SIGTERM stay libFuzzer's, so that it can stop and report. */
  uv_signal_stop(&g.relay->sig_int);
  uv_signal_stop(&g.relay->sig_term);
  return 0;
}

/* ---- one client ---- */

#define WAIT_MS 5000 /* a relay that does not answer in this time is stuck: abort */
#define SEQS 64u     /* delivered items remembered for the DELIVERED placeholder */

typedef struct client {
  int fd;
  rp__chan *ch;
  int closed;          /* the relay closed the connection (or it failed) */
  int welcome;         /* WELCOME arrived */
  uint64_t ping, pong; /* the last PING nonce sent, the last PONG nonce seen */
  uint8_t in[65536];
  size_t in_len, in_off;
  struct {
    uint64_t seq;
    uint8_t id[RP_MSG_ID_BYTES];
  } seen[SEQS];
  unsigned nseen;
} client;

static void on_msg(client *cl, const rp__tmsg *m) {
  const uint8_t *id = NULL;
  rp__envcont cont;
  rp__envhdr h;
  uint64_t seq = 0;
  if (m->type == RP__T_WELCOME) cl->welcome = 1;
  if (m->type == RP__T_PONG) cl->pong = m->u.pong.nonce;
  if (m->type == RP__T_BYE) cl->closed = 1;
  if (m->type == RP__T_DELIVER &&
      rp__envhdr_container_decode(m->u.deliver.envelope.p, m->u.deliver.envelope.n, &cont,
                                  NULL) == 0 &&
      rp__envhdr_decode(cont.header.p, cont.header.n, &h, NULL) == 0)
    id = h.msg_id, seq = m->u.deliver.seq;
  if (m->type == RP__T_EXPIRED) id = m->u.expired.msg_id, seq = m->u.expired.seq;
  if (id != NULL) {
    cl->seen[cl->nseen % SEQS].seq = seq;
    memcpy(cl->seen[cl->nseen % SEQS].id, id, RP_MSG_ID_BYTES);
    cl->nseen++;
  }
}

/* One turn: wait briefly for the relay's loop or our socket, run the loop once without
 * blocking, and feed whatever the relay sent to our channel. */
static void turn(client *cl) {
  struct pollfd p[2] = {{uv_backend_fd(&g.loop), POLLIN, 0}, {cl->fd, POLLIN, 0}};
  int t = uv_backend_timeout(&g.loop);
  rp__chan_event ev;
  size_t used;
  ssize_t n;

  poll(p, cl->closed ? 1 : 2, t < 0 || t > 10 ? 10 : t);
  uv_run(&g.loop, UV_RUN_NOWAIT);
  if (cl->closed) return;
  n = recv(cl->fd, cl->in, sizeof cl->in, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    cl->closed = 1;
    return;
  }
  for (size_t off = 0; n > 0 && off < (size_t)n; off += used) {
    if (rp__chan_feed(cl->ch, cl->in + off, (size_t)n - off, &used, &ev, NULL) != 0) {
      cl->closed = 1; /* a relay's message our channel refuses: nothing more to read */
      return;
    }
    if (ev.type == RP__CHAN_EV_MSG) on_msg(cl, &ev.msg);
  }
}

/* Turns until `done` holds or the connection closed; a stuck relay aborts. */
#define TURN_UNTIL(cl, done)                                                               \
  do {                                                                                     \
    uint64_t until_ = rp__clock_wall_ms() + WAIT_MS;                                       \
    while (!(done) && !(cl)->closed) {                                                     \
      if (rp__clock_wall_ms() > until_) must(0, "the relay does not answer");              \
      turn(cl);                                                                            \
    }                                                                                      \
  } while (0)

/* Writes all of buf, turning the relay's loop while the socket is full. */
static void put(client *cl, const uint8_t *buf, size_t n) {
  uint64_t until = rp__clock_wall_ms() + WAIT_MS;
  while (n > 0 && !cl->closed) {
    ssize_t w = send(cl->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
      buf += w, n -= (size_t)w;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      must(rp__clock_wall_ms() <= until, "the relay does not read");
      turn(cl);
    } else {
      cl->closed = 1;
    }
  }
}

/* Seals m with the channel's state check and sends it. */
static void send_msg(client *cl, const rp__tmsg *m) {
  uint8_t *out = NULL;
  size_t len = 0;
  if (cl->closed || rp__chan_seal(cl->ch, m, &out, &len) != 0) return;
  put(cl, out, len);
  free(out);
}

/* Sends msg[0..len) exactly as it is, fragmented like any message; if the relay will
 * read it as a message that moves the state, ours moves too. */
static void put_raw(client *cl, const uint8_t *msg, size_t len) {
  static uint8_t pt[RP_FRAME_MAX], out[RP_FRAME_MAX + RP__FRAME_PREFIX];
  size_t off = 0, n, flen = 0;
  rp__tmsg m;
  do {
    n = len - off < g.chunk_max ? len - off : g.chunk_max;
    pt[0] = off + n < len ? RP__FRAG_MORE : 0;
    memcpy(pt + 1, msg + off, n);
    if (rp__chan_seal_raw(cl->ch, pt, n + 1, out, sizeof out, &flen) != 0) abort();
    put(cl, out, flen);
    off += n;
  } while (off < len);
  if (rp__tmsg_decode(msg, len, &m, NULL) == 0 &&
      rp__tmsg_allowed(m.type, RP__TD_C2R, rp__chan_state(cl->ch)) == 0)
    rp__chan_force_state(cl->ch, rp__tmsg_next_state(m.type, rp__chan_state(cl->ch)));
}

/* Until the relay has read everything sent so far (it answers PING in order) and its
 * spool requests have completed, then once more for what those completions sent. */
static void settle(client *cl) {
  rp__tmsg m;
  for (int round = 0; round < 2 && !cl->closed; round++) {
    memset(&m, 0, sizeof m);
    m.type = RP__T_PING;
    m.u.ping.nonce = ++cl->ping;
    send_msg(cl, &m);
    TURN_UNTIL(cl, cl->pong == cl->ping && g.relay->ops_inflight == 0);
  }
}

/* The placeholders (see the top): the msg_id of a DELIVERED or CHUNK_GET, in place. */
static void fill_ids(const client *cl, uint8_t *msg, size_t len) {
  static const uint8_t magic[RP_MSG_ID_BYTES] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
                                                 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
                                                 0xee, 0xee, 0xee, 0xee};
  rp__tmsg m;
  uint8_t *at = NULL;
  if (rp__tmsg_decode(msg, len, &m, NULL) != 0) return;
  if (m.type == RP__T_CHUNK_GET && cl->nseen > 0 &&
      memcmp(m.u.chunk_get.msg_id, magic, sizeof magic) == 0) {
    for (size_t i = 0; i + sizeof magic <= len && at == NULL; i++)
      if (memcmp(msg + i, magic, sizeof magic) == 0) at = msg + i;
    if (at != NULL) memcpy(at, cl->seen[(cl->nseen - 1) % SEQS].id, RP_MSG_ID_BYTES);
    return;
  }
  if (m.type != RP__T_DELIVERED || memcmp(m.u.delivered.msg_id, magic, sizeof magic) != 0)
    return;
  for (size_t i = 0; i + sizeof magic <= len && at == NULL; i++)
    if (memcmp(msg + i, magic, sizeof magic) == 0) at = msg + i;
  for (unsigned i = 0; i < SEQS && i < cl->nseen && at != NULL; i++) {
    if (cl->seen[i].seq == m.u.delivered.seq) {
      memcpy(at, cl->seen[i].id, RP_MSG_ID_BYTES);
      return;
    }
  }
}

/* Connects member `who` and waits for WELCOME. */
static void client_open(client *cl, int who) {
  struct sockaddr_in sa;
  const uint8_t *hello = NULL;
  size_t len = 0;
  int one = 1;

  memset(cl, 0, sizeof *cl);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(g.port);
  cl->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  must(cl->fd >= 0 && connect(cl->fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect");
  /* Without it each small message after the first waits for the previous one's ACK. */
  setsockopt(cl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  must(rp__chan_new(&cl->ch, g.member_sk[who], g.relay_pk) == 0 &&
           rp__chan_hello(cl->ch, &hello, &len) == 0,
       "client channel");
  put(cl, hello, len);
  TURN_UNTIL(cl, cl->welcome);
  must(cl->welcome, "no WELCOME");
}

/* Says BYE, waits for the relay to close, and resets the socket (so that thousands of
 * inputs leave no TIME_WAIT sockets behind). */
static void client_close(client *cl) {
  struct linger lg = {1, 0};
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_BYE;
  m.u.bye.reason = RP__BYE_DONE;
  send_msg(cl, &m);
  TURN_UNTIL(cl, 0);
  setsockopt(cl->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(cl->fd);
  rp__chan_free(cl->ch);
  /* The relay frees the connection in its close callbacks; its spool requests finish. */
  while (g.relay->nconns > 0 || g.relay->ops_inflight > 0)
    uv_run(&g.loop, UV_RUN_ONCE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static client cl;
  size_t off = 1, len;
  uint8_t flags, *msg;
  rp__tmsg m;

  if (size < 1) return 0;
  flags = data[0];
  client_open(&cl, ((flags >> 2) & 3u) % 3u);
  if (flags & 1u) {
    memset(&m, 0, sizeof m);
    m.type = RP__T_RECEIVE;
    m.u.receive.window = 8;
    send_msg(&cl, &m);
  }
  if (flags & 2u)
    settle(&cl); /* a receiving connection's first fetch, before its messages */
  while (!cl.closed && size - off >= 2) {
    len = (size_t)data[off] << 8 | data[off + 1];
    off += 2;
    if (len > size - off) len = size - off;
    if ((msg = malloc(len > 0 ? len : 1)) == NULL) abort();
    memcpy(msg, data + off, len);
    fill_ids(&cl, msg, len);
    put_raw(&cl, msg, len);
    free(msg);
    off += len;
    if (flags & 2u) settle(&cl);
  }
  client_close(&cl);
  return 0;
}
