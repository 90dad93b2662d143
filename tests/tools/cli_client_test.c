/* SPDX-License-Identifier: MIT */
/*
 * The municipality's command line. Without a relay: a state folder made with the CLI,
 * and `send` refusing a CPR number and taking sender_org from the signed roster. Against
 * a real relay: `rejsepost setup`, `send` of a request, then the team (the test peer,
 * sealing real envelopes) asks for more information and the municipality answers with a
 * follow_up from a file through `rejsepost send --file`. Before that, the team's
 * automatic out-of-hours reply shows as auto_replied in `rejsepost status`, not
 * answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "envelope.h"
#include "keyfile.h"
#include "payload.h"
#include "peer.h"
#include "run.h"
#include "testutil.h"

#define TEAM "team"
#define MUNI "m1"

static void write_key(const char *path, const rp__identity *id, int plain) {
  uint8_t buf[RP_KEYFILE_MAX];
  size_t len = 0;
  assert_int_equal(plain ? rp__keyfile_encode_plain(id, buf, sizeof buf, &len)
                         : rp__keyfile_encode_public(id, buf, sizeof buf, &len),
                   0);
  assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);
  sodium_memzero(buf, sizeof buf);
}

/* Seals payload p from the team to m1 and sends it through the peer (ACK awaited). */
static void team_send(tp_relay *f, tp_peer *peer, rp__payload *p) {
  uint8_t *pt = malloc(RP_PAYLOAD_MAX), *env = NULL;
  size_t plen = 0, len = 0;
  rp__seal_args a;
  rp__tmsg m;
  assert_non_null(pt);
  rp__envelope_new_id(p->msg_id);
  p->created = rp__clock_wall_ms();
  assert_int_equal(rp__payload_encode(p, pt, RP_PAYLOAD_MAX, &plen, NULL), 0);
  memset(&a, 0, sizeof a);
  memcpy(a.msg_id, p->msg_id, RP_MSG_ID_BYTES);
  a.created = p->created;
  a.expires = a.created + 3600u * 1000u;
  a.urgency = RP__URG_NORMAL;
  assert_int_equal(rp__envelope_seal(tp_member(f, TEAM),
                                     rp__roster_find_id(f->roster, MUNI), &a, pt, plen,
                                     &env, &len),
                   0);
  free(pt);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  assert_int_equal(tp_send(peer, &m), 0);
  assert_int_equal(tp_recv_type(peer, RP__T_ACK, &m, 5000, NULL), 0);
  free(env);
}

/* The team receives until a payload of `kind` from m1 arrives (acknowledging every
 * item); *p borrows from *pt, the caller's (sodium_free). */
static void team_receive(tp_relay *f, tp_peer *peer, uint64_t kind, rp__payload *p,
                         rp__opened *op) {
  uint64_t end = rp__clock_mono_ms() + 15000;
  rp__tmsg m;
  while (rp__clock_mono_ms() < end) {
    if (tp_recv(peer, &m, 1000) != 0) continue;
    if (m.type != RP__T_DELIVER) continue;
    assert_int_equal(rp__envelope_open(tp_member(f, TEAM), f->roster,
                                       m.u.deliver.envelope.p, m.u.deliver.envelope.n,
                                       rp__clock_wall_ms(), op),
                     0);
    assert_int_equal(tp_delivered(peer, &m), 0);
    assert_int_equal(rp__payload_decode(op->pt, op->pt_len, p, NULL), 0);
    if (p->kind == kind) return;
    rp__opened_free(op);
  }
  fail_msg("no %s arrived", rp__payload_kind_name(kind));
}

static void hex_id(char out[2 * RP_MSG_ID_BYTES + 1], const uint8_t *id) {
  sodium_bin2hex(out, 2 * RP_MSG_ID_BYTES + 1, id, RP_MSG_ID_BYTES);
}

/* The line of `rejsepost status` for message id, copied into out. */
static void status_line(const char *dir, const char *id, char *out, size_t cap) {
  tt_result r = tt_run(dir, "status", "--state", "m1-state", "--wait", "2");
  const char *line;
  size_t n;
  assert_int_equal(r.status, 0);
  assert_non_null(line = strstr(r.out, id));
  n = strcspn(line, "\n");
  assert_true(n < cap);
  memcpy(out, line, n);
  out[n] = '\0';
  tt_result_free(&r);
}

/* Runs `rejsepost inbox` until its listing holds `id` (deliveries come after the
 * connection, so one short sync may miss the newest). */
static void inbox_until(const char *dir, const char *id) {
  for (int i = 0; i < 10; i++) {
    tt_result r = tt_run(dir, "inbox", "--state", "m1-state", "--wait", "2");
    int found = r.status == 0 && strstr(r.out, id) != NULL;
    tt_result_free(&r);
    if (found) return;
  }
  fail_msg("%s never showed in the inbox", id);
}

/* `read` shows received message id (given by a unique prefix) with its kind and text;
 * `mark` takes it off the `inbox` listing. */
static void read_and_mark(const char *dir, const char *id, const char *kind,
                          const char *text) {
  char prefix[9], marked[96];
  snprintf(prefix, sizeof prefix, "%.8s", id);
  tt_result r = tt_run(dir, "read", "--state", "m1-state", "--wait", "0", prefix);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, id));
  assert_non_null(strstr(r.out, kind));
  assert_non_null(strstr(r.out, text));
  tt_result_free(&r);
  r = tt_run(dir, "mark", "--state", "m1-state", prefix);
  snprintf(marked, sizeof marked, "marked %s handled", id);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, marked));
  tt_result_free(&r);
  r = tt_run(dir, "inbox", "--state", "m1-state", "--wait", "0");
  assert_int_equal(r.status, 0);
  assert_null(strstr(r.out, id));
  tt_result_free(&r);
}

static void test_follow_up_and_auto_reply(void **state) {
  static const char *const ids[] = {TEAM, MUNI};
  tp_relay f;
  tp_peer peer;
  rp__payload p, got;
  rp__opened op;
  char path[700], relay[64], rkey[65], req[65], info[65], json[512], line[1024];
  tt_result r;
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cli-client", ids, 2, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  snprintf(path, sizeof path, "%s/m1.key", f.dir);
  write_key(path, tp_member(&f, MUNI), 1);
  snprintf(path, sizeof path, "%s/admin.pub", f.dir);
  write_key(path, f.admin, 0);
  snprintf(relay, sizeof relay, "127.0.0.1:%u", (unsigned)f.port);
  sodium_bin2hex(rkey, sizeof rkey, f.relay->pub.transport_pk, 32);
  r = tt_run(f.dir, "setup", "--state", "m1-state", "--key", "m1.key", "--relay", relay,
             "--relay-key", rkey, "--admin-pub", "admin.pub", "--roster", "roster.msgpack");
  tt_ok(r);

  /* The municipality asks; the team receives the request. */
  r = tt_run(f.dir, "send", "--state", "m1-state", "--ref", "cw-1", "--category", "trusler",
             "--age-band", "15_17", "--urgency", "akut", "--question",
             "FIKTIV: eleven er bange for at rejse", "--wait", "5");
  assert_int_equal(r.status, 0);
  assert_int_equal(strspn(r.out, "0123456789abcdef"), 32);
  snprintf(req, 33, "%s", r.out);
  tt_result_free(&r);
  assert_int_equal(tp_relay_connect(&f, &peer, TEAM), 0);
  assert_int_equal(tp_receive(&peer, 16), 0);
  team_receive(&f, &peer, RP__PL_REQUEST, &got, &op);
  hex_id(info, got.msg_id);
  assert_string_equal(info, req);
  rp__opened_free(&op);

  /* Out of office hours the inbox answers the akut request automatically. */
  rp__payload_init(&p, RP__PL_REPLY);
  assert_int_equal(
      sodium_hex2bin(p.u.reply.in_reply_to, RP_MSG_ID_BYTES, req, 32, NULL, NULL, NULL), 0);
  memcpy(p.thread_id, p.u.reply.in_reply_to, RP_THREAD_ID_BYTES);
  p.u.reply.advisor.role = 1;
  p.u.reply.advisor.id = rp__str_c("vagt");
  p.u.reply.advice = rp__str_c("Uden for åbningstid: ring 112 ved fare.");
  p.u.reply.automatic = true;
  team_send(&f, &peer, &p);
  hex_id(info, p.msg_id);
  inbox_until(f.dir, info);
  status_line(f.dir, req, line, sizeof line);
  assert_non_null(strstr(line, " auto_replied "));
  assert_null(strstr(line, "answered"));

  /* The team asks for more information, in the request's thread. */
  rp__payload_init(&p, RP__PL_INFO_REQUEST);
  assert_int_equal(sodium_hex2bin(p.u.info_request.in_reply_to, RP_MSG_ID_BYTES, req, 32,
                                  NULL, NULL, NULL),
                   0);
  memcpy(p.thread_id, p.u.info_request.in_reply_to, RP_THREAD_ID_BYTES);
  p.u.info_request.questions = rp__str_c("Hvem i familien ved, at hun har henvendt sig?");
  team_send(&f, &peer, &p);
  hex_id(info, p.msg_id);
  inbox_until(f.dir, info);
  read_and_mark(f.dir, info, "(info_request)", "Hvem i familien ved");

  /* The municipality answers it with a follow_up from a file. */
  snprintf(json, sizeof json,
           "{\"kind\": \"follow_up\", \"in_reply_to\": \"%s\",\n"
           " \"text\": \"FIKTIV: kun moderen ved det.\"}\n",
           info);
  tt_write(f.dir, "follow_up.json", json, 0600);
  r = tt_run(f.dir, "send", "--state", "m1-state", "--file", "follow_up.json", "--wait",
             "5");
  if (r.status != 0) fprintf(stderr, "send --file: %s\n", r.err);
  assert_int_equal(r.status, 0);
  assert_int_equal(strspn(r.out, "0123456789abcdef"), 32);
  tt_result_free(&r);
  team_receive(&f, &peer, RP__PL_FOLLOW_UP, &got, &op);
  assert_true(rp__str_eq(op.hdr.sender, MUNI));
  assert_memory_equal(got.u.follow_up.in_reply_to, p.msg_id, RP_MSG_ID_BYTES);
  hex_id(json, got.thread_id);
  assert_string_equal(json, req); /* in the request's thread */
  assert_true(rp__str_eq(got.u.follow_up.text, "FIKTIV: kun moderen ved det."));
  rp__opened_free(&op);
  /* The team's questions count as its answer; the automatic reply keeps its time. */
  status_line(f.dir, req, line, sizeof line);
  assert_non_null(strstr(line, " answered "));
  assert_non_null(strstr(line, " auto_replied "));
  /* --org is a check for scripts, also for a kind without sender_org. */
  r = tt_run(f.dir, "send", "--state", "m1-state", "--file", "follow_up.json", "--org",
             "265", "--wait", "0");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "does not match the roster"));
  tt_result_free(&r);

  tp_close(&peer);
  tp_relay_free(&f);
}

/* A municipality's state folder made with the CLI; send refuses a CPR number before
 * anything is stored, and says what to do. No relay is needed for that. */
static void test_send_cpr_refused(void **state) {
  char key[128];
  (void)state;
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "admin", "--kind", "admin", "--out",
               "admin.key", "--plain"));
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "team", "--kind", "team", "--out", "team.key",
               "--plain"));
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "kbh-101", "--kind", "municipality", "--out",
               "kbh.key", "--plain"));
  tt_ok(tt_run(g_dir, "relay", "init", "rd", "--admin-pub", "admin.key.pub"));
  tt_ok(tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--out", "roster.rp"));
  tt_ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
               "team.key.pub", "--kind", "team"));
  tt_ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
               "rd/relay.key.pub", "--kind", "relay"));
  tt_ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
               "kbh.key.pub", "--kind", "municipality", "--municipality", "101",
               "--network", "east"));
  tt_result k = tt_run(g_dir, "keys", "show", "rd/relay.key.pub");
  assert_int_equal(tt_field(k.out, "transport key:", key, sizeof key), 0);
  tt_result_free(&k);
  tt_result s = tt_run(g_dir, "setup", "--state", "kbh-state", "--key", "kbh.key",
                       "--relay", "127.0.0.1:9", "--relay-key", key, "--admin-pub",
                       "admin.key.pub", "--roster", "roster.rp");
  assert_int_equal(s.status, 0);
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category",
             "trusler", "--age-band", "15_17", "--question",
             "FIKTIV: eleven har cpr 010203-1234, hvad gør vi?", "--wait", "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "CPR number"));
  assert_non_null(strstr(s.err, "question"));
  assert_string_equal(s.out, "");
  tt_result_free(&s);
  /* Nothing was stored: the outbox is empty. */
  s = tt_run(g_dir, "status", "--state", "kbh-state", "--wait", "0");
  assert_int_equal(s.status, 0);
  assert_null(strstr(s.out, "request"));
  tt_result_free(&s);
  /* The same request without the number is stored and gets an id (32 hex): its
   * sender_org comes from the roster (before, every CLI send failed on that field). */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category",
             "trusler", "--age-band", "15_17", "--question",
             "FIKTIV: eleven er bange for at rejse, hvad gør vi?", "--wait", "0");
  if (s.status != 0) fprintf(stderr, "send: %s\n", s.err);
  assert_int_equal(s.status, 0);
  assert_int_equal(strspn(s.out, "0123456789abcdef"), 32);
  tt_result_free(&s);
  /* --org must match the roster's code for this member; a wrong one stores nothing. */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category",
             "trusler", "--age-band", "15_17", "--question", "FIKTIV: spørgsmål", "--org",
             "265", "--wait", "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "--org 265 does not match the roster"));
  assert_non_null(strstr(s.err, "municipality 101"));
  assert_string_equal(s.out, "");
  tt_result_free(&s);
  s = tt_run(g_dir, "status", "--state", "kbh-state", "--wait", "0");
  assert_int_equal(s.status, 0);
  const char *first = strstr(s.out, "request");
  assert_non_null(first);
  assert_null(strstr(first + 1, "request")); /* still only the one request */
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category",
             "trusler", "--age-band", "15_17", "--question", "FIKTIV: spørgsmål", "--org",
             "101", "--wait", "0");
  assert_int_equal(s.status, 0);
  assert_int_equal(strspn(s.out, "0123456789abcdef"), 32);
  tt_result_free(&s);
  /* Without an age band the flags do not make a valid request: a usage error. */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category",
             "trusler", "--question", "FIKTIV: spørgsmål", "--wait", "0");
  assert_int_equal(s.status, 2);
  assert_non_null(strstr(s.err, "--age-band is required"));
  tt_result_free(&s);
  /* A member that is not a municipality in the roster has no sender_org: refused. */
  s = tt_run(g_dir, "setup", "--state", "team-state", "--key", "team.key", "--relay",
             "127.0.0.1:9", "--relay-key", key, "--admin-pub", "admin.key.pub", "--roster",
             "roster.rp");
  assert_int_equal(s.status, 0);
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "team-state", "--ref", "cw-1", "--category",
             "trusler", "--age-band", "15_17", "--question", "FIKTIV: spørgsmål", "--wait",
             "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "member team is not a municipality in the roster"));
  tt_result_free(&s);
  /* Several relay addresses: --relay repeated, written as one comma list; at most 8. */
  s = tt_run(g_dir, "setup", "--state", "kbh-state", "--key", "kbh.key", "--relay",
             "127.0.0.1:9", "--relay", "localhost:7443", "--relay-key", key, "--admin-pub",
             "admin.key.pub", "--roster", "roster.rp");
  assert_int_equal(s.status, 0);
  tt_result_free(&s);
  char cpath[800];
  snprintf(cpath, sizeof cpath, "%s/kbh-state/rejsepost.conf", g_dir);
  char *conf = tu_read_file(cpath, NULL);
  assert_non_null(conf);
  assert_non_null(strstr(conf, "relay = 127.0.0.1:9, localhost:7443\n"));
  free(conf);
  {
    const char *nine[] = {
        "setup", "--state",     "x-state",       "--key",    "kbh.key",   "--relay-key",
        key,     "--admin-pub", "admin.key.pub", "--roster", "roster.rp", "--relay",
        "a:1",   "--relay",     "a:2",           "--relay",  "a:3",       "--relay",
        "a:4",   "--relay",     "a:5",           "--relay",  "a:6",       "--relay",
        "a:7",   "--relay",     "a:8",           "--relay",  "a:9",       NULL};
    s = tt_run_prog("tools/rejsepost", "rejsepost", g_dir, 20000, nine);
    assert_int_equal(s.status, 2);
    assert_non_null(strstr(s.err, "at most 8"));
    tt_result_free(&s);
  }
  /* The workflow commands refuse what they cannot do, and store nothing. */
  s = tt_run(g_dir, "recall", "--state", "kbh-state", "ffff", "--wait", "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "no sent message ffff"));
  tt_result_free(&s);
  s = tt_run(g_dir, "answer", "--state", "kbh-state", "ffff");
  assert_int_equal(s.status, 2);
  assert_non_null(strstr(s.err, "--text"));
  tt_result_free(&s);
  s = tt_run(g_dir, "register", "--state", "kbh-state", "ffff", "--participants", "21");
  assert_int_equal(s.status, 2);
  tt_result_free(&s);
  {
    /* One --role more than the six roles there are; one --attach more than 16. */
    const char *roles[] = {"register",
                           "--state",
                           "kbh-state",
                           "ffff",
                           "--participants",
                           "2",
                           "--role",
                           "ssp",
                           "--role",
                           "leder",
                           "--role",
                           "skole",
                           "--role",
                           "andet",
                           "--role",
                           "jobcenter",
                           "--role",
                           "myndighedsraadgiver",
                           "--role",
                           "ssp",
                           NULL};
    const char *attach[64] = {"plan-review", "--state", "kbh-state", "--plan",
                              "handlingsplan"};
    int n = 5;
    s = tt_run_prog("tools/rejsepost", "rejsepost", g_dir, 20000, roles);
    assert_int_equal(s.status, 2);
    assert_non_null(strstr(s.err, "too many --role"));
    tt_result_free(&s);
    for (int i = 0; i < 17; i++) {
      attach[n++] = "--attach";
      attach[n++] = "plan.pdf";
    }
    attach[n] = NULL;
    s = tt_run_prog("tools/rejsepost", "rejsepost", g_dir, 20000, attach);
    assert_int_equal(s.status, 2);
    assert_non_null(strstr(s.err, "at most 16 --attach"));
    tt_result_free(&s);
  }
  s = tt_run(g_dir, "withdraw-consent", "--state", "kbh-state", "ffff", "--reason", "x");
  assert_int_equal(s.status, 2); /* --reason is recall's, not this command's */
  tt_result_free(&s);
  /* retention_days: past ten years refused, naming the line; a good one taken. */
  {
    FILE *f = fopen(cpath, "a");
    assert_non_null(f);
    fputs("retention_days = 3651\n", f);
    fclose(f);
    s = tt_run(g_dir, "status", "--state", "kbh-state");
    assert_int_equal(s.status, 1);
    assert_non_null(strstr(s.err, "retention_days = 3651"));
    tt_result_free(&s);
    assert_non_null(conf = tu_read_file(cpath, NULL));
    char *line = strstr(conf, "retention_days = 3651");
    assert_non_null(line);
    memcpy(line, "retention_days = 0007", 21);
    assert_non_null(f = fopen(cpath, "w"));
    fputs(conf, f);
    fclose(f);
    free(conf);
    s = tt_run(g_dir, "status", "--state", "kbh-state");
    assert_int_equal(s.status, 0);
    tt_result_free(&s);
  }
}

/* Writes n bytes of a pattern to dir/name. */
static void write_bytes(const char *dir, const char *name, size_t n, uint8_t *keep) {
  char path[800];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  assert_non_null(f = fopen(path, "wb"));
  for (size_t i = 0; i < n; i++) {
    uint8_t b = (uint8_t)((i * 131u) ^ (i >> 9));
    if (keep != NULL) keep[i] = b;
    assert_int_equal(fputc(b, f), b);
  }
  assert_int_equal(fclose(f), 0);
}

/* send --attach FILE[:KIND] (the kind by default from the request's type), then the
 * recipient's `read` lists the attachments and `save` writes one byte-identical, mode
 * 0600, refusing an existing path and a number the message does not have. Both ends
 * are the command line: the team's end is a plain state folder here. */
static void test_send_attach_and_save(void **state) {
  static const char *const ids[] = {TEAM, MUNI};
  enum { DRAFT_LEN = 300 * 1024 + 5 };
  static uint8_t draft[DRAFT_LEN];
  tp_relay f;
  char path[800], relay[64], rkey[65], id[33];
  struct stat sb;
  tt_result r;
  size_t n = 0;
  int found = 0;
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cli-attach", ids, 2, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  snprintf(path, sizeof path, "%s/m1.key", f.dir);
  write_key(path, tp_member(&f, MUNI), 1);
  snprintf(path, sizeof path, "%s/team.key", f.dir);
  write_key(path, tp_member(&f, TEAM), 1);
  snprintf(path, sizeof path, "%s/admin.pub", f.dir);
  write_key(path, f.admin, 0);
  snprintf(relay, sizeof relay, "127.0.0.1:%u", (unsigned)f.port);
  sodium_bin2hex(rkey, sizeof rkey, f.relay->pub.transport_pk, 32);
  tt_ok(tt_run(f.dir, "setup", "--state", "m1-state", "--key", "m1.key", "--relay", relay,
               "--relay-key", rkey, "--admin-pub", "admin.pub", "--roster",
               "roster.msgpack"));
  tt_ok(tt_run(f.dir, "setup", "--state", "team-state", "--key", "team.key", "--relay",
               relay, "--relay-key", rkey, "--admin-pub", "admin.pub", "--roster",
               "roster.msgpack"));
  write_bytes(f.dir, "udkast.pdf", DRAFT_LEN, draft);
  tt_write(f.dir, "noter.txt", "FIKTIV: noter til planen\n", 0600);

  r = tt_run(f.dir, "send", "--state", "m1-state", "--ref", "cw-1", "--category",
             "strategisk", "--age-band", "30_plus", "--type", "beredskabsplan",
             "--question", "FIKTIV: vil I se vores udkast?", "--attach", "udkast.pdf",
             "--attach", "noter.txt:andet", "--wait", "5");
  if (r.status != 0) fprintf(stderr, "send --attach: %s\n", r.err);
  assert_int_equal(r.status, 0);
  assert_int_equal(strspn(r.out, "0123456789abcdef"), 32);
  snprintf(id, sizeof id, "%s", r.out);
  tt_result_free(&r);
  /* A file that is not there: refused, nothing stored. */
  r = tt_run(f.dir, "send", "--state", "m1-state", "--ref", "cw-1", "--category",
             "strategisk", "--age-band", "30_plus", "--question", "FIKTIV: x", "--attach",
             "mangler.pdf", "--wait", "0");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "attachments.0"));
  tt_result_free(&r);

  for (int i = 0; i < 15 && !found; i++) {
    r = tt_run(f.dir, "inbox", "--state", "team-state", "--wait", "2");
    found = r.status == 0 && strstr(r.out, id) != NULL;
    tt_result_free(&r);
  }
  assert_true(found);
  r = tt_run(f.dir, "read", "--state", "team-state", "--wait", "0", id);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "bilag 1  udkast.pdf (application/pdf, 307205 bytes, "
                                "beredskabsplan_udkast)"));
  assert_non_null(strstr(r.out, "bilag 2  noter.txt (text/plain, 25 bytes, andet)"));
  tt_result_free(&r);

  r = tt_run(f.dir, "save", "--state", "team-state", id, "1", "gemt.pdf");
  if (r.status != 0) fprintf(stderr, "save: %s\n", r.err);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "saved udkast.pdf (307205 bytes)"));
  tt_result_free(&r);
  snprintf(path, sizeof path, "%s/gemt.pdf", f.dir);
  char *got = tu_read_file(path, &n);
  assert_non_null(got);
  assert_int_equal(n, DRAFT_LEN);
  assert_memory_equal(got, draft, DRAFT_LEN);
  free(got);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  r = tt_run(f.dir, "save", "--state", "team-state", id, "1", "gemt.pdf");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "exists"));
  tt_result_free(&r);
  r = tt_run(f.dir, "save", "--state", "team-state", id, "3", "tredje.pdf");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "no number 3"));
  tt_result_free(&r);
  /* Recalled by its sender: once the recall has arrived, save refuses, like read. */
  r = tt_run(f.dir, "recall", "--state", "m1-state", id, "--reason", "forkert_indhold",
             "--wait", "2"); /* long enough to reach the relay */
  if (r.status != 0) fprintf(stderr, "recall: %s\n", r.err);
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
  found = 0;
  for (int i = 0; i < 15 && !found; i++) {
    r = tt_run(f.dir, "read", "--state", "team-state", "--wait", "2", id);
    found = r.status == 0 && strstr(r.out, "recalled the sender recalled") != NULL;
    tt_result_free(&r);
  }
  assert_true(found);
  r = tt_run(f.dir, "save", "--state", "team-state", id, "2", "igen.txt");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "was recalled by its sender"));
  tt_result_free(&r);
  snprintf(path, sizeof path, "%s/igen.txt", f.dir);
  assert_int_not_equal(stat(path, &sb), 0); /* nothing written */
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_cpr_refused),
      cmocka_unit_test(test_send_attach_and_save),
      cmocka_unit_test(test_follow_up_and_auto_reply),
  };
  return cmocka_run_group_tests(tests, tt_dir_setup, tt_dir_teardown);
}
