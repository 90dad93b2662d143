/* SPDX-License-Identifier: MIT */
/*
 * Envelopes the recipient cannot accept, through the real relay (PROTOCOL.md 5.3, 6.5,
 * 6.6): altered after sealing, from a sender revoked after sending, sealed with a key
 * the roster does not hold, or opening to a payload that disagrees with its header.
 * Each is answered DELIVERED with the header's msg_id and `refused`, logged without
 * content, and never stored; the recipient stays connected, what is queued behind it
 * arrives at once, the relay's spool ends empty, and the sender learns that its
 * message failed and why.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "cl_hostile.h"

/* The status callback's reports. */
typedef struct statuses {
  pthread_mutex_t mu;
  char ids[32][RP_ID_STRLEN];
  int status[32], error[32], n;
} statuses;

static void on_status(void *data, rp_client *c, const char *msg_id, int status, int error) {
  statuses *s = data;
  (void)c;
  pthread_mutex_lock(&s->mu);
  if (s->n < 32) {
    snprintf(s->ids[s->n], RP_ID_STRLEN, "%s", msg_id);
    s->status[s->n] = status;
    s->error[s->n++] = error;
  }
  pthread_mutex_unlock(&s->mu);
}

/* Whether the status callback reported `status` with `error` for id, within 5 s: the
 * library commits a status before it calls the callback, so rp_status may see it a
 * moment before the callback has run. */
static int reported(statuses *s, const char *id, int status, int error) {
  int hit = 0;
  for (int waited = 0; !hit && waited < 5000; waited += 10) {
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n; i++)
      if (strcmp(s->ids[i], id) == 0 && s->status[i] == status && s->error[i] == error)
        hit = 1;
    pthread_mutex_unlock(&s->mu);
    if (!hit) usleep(10000);
  }
  return hit;
}

/* A client for `id` with a log and a status callback. */
static rp_client *client(tp_relay *f, const char *id, cl_log *l, statuses *s) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  int rc = cfg != NULL ? 0 : RP_ENOMEM;
  if (rc == 0 && l != NULL) rc = rp_config_set_log(cfg, cl_log_fn, l);
  if (rc == 0 && s != NULL) rc = rp_config_set_status_callback(cfg, on_status, s);
  if (rc == 0) rc = rp_client_new(cfg, &c);
  if (rc != 0) fprintf(stderr, "client %s: %s\n", id, rp_strerror(rc));
  rp_config_free(cfg);
  return c;
}

/* Waits until msg_id's status is exactly `want`; then its error is checked too. */
static void wait_status(rp_client *c, const char *id, int want, int want_err) {
  uint64_t end = rp__clock_mono_ms() + 15000;
  int st = 0, err = 0;
  while (rp__clock_mono_ms() < end) {
    if (rp_status(c, id, &st, &err) == 0 && st == want) break;
    usleep(10000);
  }
  if (st != want || err != want_err)
    fprintf(stderr, "%s: status %s (%s), want %s (%s)\n", id, rp_status_name(st),
            rp_err_name(err), rp_status_name(want), rp_err_name(want_err));
  assert_int_equal(st, want);
  assert_int_equal(err, want_err);
}

static void send_request(rp_client *c, const char *question, char id[RP_ID_STRLEN]) {
  rp_msg *m = cl_request(question);
  assert_non_null(m);
  assert_int_equal(rp_msg_set_text(m, "sender_org", ""), 0);
  assert_int_equal(rp_send(c, m, id), 0);
  rp_msg_free(m);
}

/* Flips the last byte (the AEAD tag) of a queued envelope in the client's database, as
 * a disk, a backup tool or an attacker with the file might. */
static void alter_outbox(tp_relay *f, const char *member, const char *msg_id) {
  char path[700];
  uint8_t id[RP_MSG_ID_BYTES], *env;
  int len;
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  snprintf(path, sizeof path, "%s/state-%s/client.db", f->dir, member);
  assert_int_equal(sodium_hex2bin(id, sizeof id, msg_id, 32, NULL, NULL, NULL), 0);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT envelope FROM outbox WHERE msg_id = ?"
                                      " AND status = 1",
                                      -1, &s, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(s, 1, id, sizeof id, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  len = sqlite3_column_bytes(s, 0);
  assert_true(len > 1024);
  assert_non_null(env = malloc((size_t)len));
  memcpy(env, sqlite3_column_blob(s, 0), (size_t)len);
  sqlite3_finalize(s);
  env[len - 1] ^= 0x5a;
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE outbox SET envelope = ? WHERE msg_id = ?",
                                      -1, &s, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(s, 1, env, len, SQLITE_STATIC);
  sqlite3_bind_blob(s, 2, id, sizeof id, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(s), SQLITE_DONE);
  assert_int_equal(sqlite3_changes(db), 1);
  sqlite3_finalize(s);
  sqlite3_close(db);
  free(env);
}

static void expect_only(rp_client *team, const char *good) {
  rp_received *r = NULL;
  uint64_t pending = 0;
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), good);
  rp_received_free(r);
  assert_int_equal(rp_inbox_pending(team, &pending), 0);
  assert_int_equal(pending, 1);
}

/* The recipient stayed on its one connection: nothing made it reconnect. */
static void expect_one_connection(tp_relay *f, rp_client *team) {
  usleep(500000); /* a reconnect loop would show within the backoff (50..400 ms) */
  assert_int_equal(cl_relay_auths(f, CL_TEAM), 1);
  assert_int_equal(rp_client_conn_state(team), RP_CONN_CONNECTED);
  assert_int_equal(rp_client_last_error(team), 0);
}

/* An envelope altered after sealing: EAUTH at the recipient, failed at the sender. */
static void test_altered_envelope_refused(void **state) {
  static statuses st = {PTHREAD_MUTEX_INITIALIZER, {{0}}, {0}, {0}, 0};
  tp_relay f;
  cl_log tlog;
  rp_client *team, *muni;
  char bad[RP_ID_STRLEN], good[RP_ID_STRLEN], needle[64];
  (void)state;
  cl_log_init(&tlog);
  assert_int_equal(cl_relay_up(&f, "cl-altered"), 0);
  assert_non_null(muni = client(&f, CL_MUNI, NULL, NULL));
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  send_request(muni, "Denne bliver ændret på disken", bad);
  send_request(muni, "Denne står i kø bagved", good);
  rp_client_free(muni);
  alter_outbox(&f, CL_MUNI, bad);

  assert_int_equal(tp_relay_start(&f), 0);
  assert_non_null(muni = client(&f, CL_MUNI, NULL, &st));
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  assert_non_null(team = client(&f, CL_TEAM, &tlog, NULL));
  /* The envelope queued behind the altered one arrives; the altered one is refused. */
  expect_only(team, good);
  snprintf(needle, sizeof needle, "msg_id=%s", bad);
  assert_int_equal(cl_log_wait(&tlog, "delivery_refused", needle, "code=EAUTH", 5000), 0);
  assert_int_equal(cl_log_count(&tlog, "sender=" CL_MUNI, needle, NULL), 1);
  expect_one_connection(&f, team);
  /* The sender sees it failed with the reason, through rp_status and the callback. */
  wait_status(muni, bad, RP_STATUS_FAILED, RP_EAUTH);
  assert_true(reported(&st, bad, RP_STATUS_FAILED, RP_EAUTH));
  assert_int_equal(cl_wait_status(muni, good, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(cl_relay_spool_empty(&f, 10000), 0);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* The sender was revoked after it sent: the recipient holds the newer roster (the
 * relay has not reloaded yet, so the sender is still connected and hears of it). */
static void test_revoked_sender_refused(void **state) {
  static const char *const ids[] = {CL_TEAM, CL_MUNI, "m2"};
  static statuses st = {PTHREAD_MUTEX_INITIALIZER, {{0}}, {0}, {0}, 0};
  tp_relay f;
  cl_log tlog;
  rp_client *team, *muni, *m2;
  char bad[RP_ID_STRLEN], good[RP_ID_STRLEN], needle[64];
  uint64_t v = 0;
  (void)state;
  cl_log_init(&tlog);
  assert_int_equal(tp_relay_init(&f, "cl-revoked", ids, 3, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_non_null(muni = client(&f, CL_MUNI, NULL, &st));
  assert_non_null(m2 = client(&f, "m2", NULL, NULL));
  send_request(muni, "Sendt før tilbagekaldelsen", bad);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  send_request(m2, "Fra en anden kommune", good);
  assert_int_equal(rp_client_flush(m2, 10000), 0);
  /* The administrator revokes m1; the team starts from that roster. */
  assert_int_equal(tp_relay_revoke(&f, CL_MUNI), 0);
  assert_non_null(team = client(&f, CL_TEAM, &tlog, NULL));
  assert_int_equal(rp_client_roster_version(team, &v), 0);
  assert_int_equal(v, 2);
  expect_only(team, good);
  snprintf(needle, sizeof needle, "msg_id=%s", bad);
  assert_int_equal(cl_log_wait(&tlog, "delivery_refused", needle, "code=EREVOKED", 5000),
                   0);
  expect_one_connection(&f, team);
  wait_status(muni, bad, RP_STATUS_FAILED, RP_EREVOKED);
  assert_true(reported(&st, bad, RP_STATUS_FAILED, RP_EREVOKED));
  assert_int_equal(cl_relay_spool_empty(&f, 10000), 0);
  rp_client_free(team);
  rp_client_free(m2);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* ---- a hostile sender: the test peer seals what it likes (PROTOCOL.md 6.6) ---- */

typedef struct hostile_case {
  const char *name;
  int code;          /* what the recipient refuses it with */
  const char *where; /* the field it names */
} hostile_case;

/* Seals one variant of a valid request from m1 to the team: `which` says what disagrees
 * with the header. hdr_id gets the header's msg_id (the one the refusal names). */
static void hostile_envelope(tp_relay *f, const rp__identity *from, const char *which,
                             uint8_t hdr_id[RP_MSG_ID_BYTES], uint8_t **env, size_t *len) {
  rp__payload p;
  uint8_t *orig = NULL, *pt = NULL;
  size_t olen = 0, plen = 0;
  cl_hdr h;
  rp_msg *m = NULL;
  assert_int_equal(
      cl_request_payload("Et spørgsmål fra en fjendtlig afsender", &p, &orig, &olen), 0);
  memset(&h, 0, sizeof h);
  memcpy(h.msg_id, p.msg_id, RP_MSG_ID_BYTES);
  h.created = p.created;
  h.urgency = p.u.request.urgency;
  if (strcmp(which, "msg_id") == 0) {
    randombytes_buf(h.msg_id, sizeof h.msg_id);
  } else if (strcmp(which, "created") == 0) {
    h.created = p.created - 1000;
  } else if (strcmp(which, "urgency") == 0) {
    h.urgency = RP__URG_AKUT; /* the request says haster */
  } else if (strcmp(which, "thread_id") == 0) {
    randombytes_buf(p.thread_id, sizeof p.thread_id); /* a request starts its thread */
  } else if (strcmp(which, "sender_org") == 0) {
    p.u.request.sender_org = rp__str_c("103"); /* m1 is 102 in the roster */
  } else if (strcmp(which, "kind") == 0) {
    /* A reply: only the team may send one. */
    char ref[RP_ID_STRLEN];
    uint8_t r[RP_MSG_ID_BYTES];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(ref, sizeof ref, r, sizeof r);
    free(orig);
    assert_non_null(m = cl_reply(ref, "Et svar fra en kommune"));
    assert_int_equal(rp_msg_encode(m, &orig, &olen), 0);
    rp_msg_free(m);
    assert_int_equal(rp__payload_decode(orig, olen, &p, NULL), 0);
    memcpy(h.msg_id, p.msg_id, RP_MSG_ID_BYTES);
    h.created = p.created;
    h.urgency = RP__URG_NORMAL;
  }
  if (strcmp(which, "payload") == 0) {
    /* Authentic bytes that are no payload at all: a reserved msgpack byte. */
    pt = malloc(1);
    pt[0] = 0xc1;
    plen = 1;
  } else {
    assert_int_equal(cl_encode(&p, &pt, &plen), 0);
  }
  memcpy(hdr_id, h.msg_id, RP_MSG_ID_BYTES);
  assert_int_equal(cl_seal(from, f->roster, CL_TEAM, &h, pt, plen, env, len), 0);
  free(pt);
  free(orig);
}

/* The refusal codes the relay reported to the sender (EXPIRED with `refused`), by the
 * envelopes' msg_ids; each item of the stream is acknowledged. */
static void expect_refusals(tp_peer *peer, uint8_t ids[][RP_MSG_ID_BYTES], const int *codes,
                            size_t n) {
  int seen[16] = {0};
  size_t got = 0;
  rp__tmsg m;
  while (got < n) {
    assert_int_equal(tp_recv(peer, &m, 10000), 0);
    if (m.type == RP__T_DELIVER) assert_int_equal(tp_delivered(peer, &m), 0);
    if (m.type != RP__T_EXPIRED) continue;
    for (size_t i = 0; i < n; i++) {
      if (memcmp(ids[i], m.u.expired.msg_id, RP_MSG_ID_BYTES) != 0) continue;
      assert_int_equal(seen[i], 0);
      assert_int_equal(-(int)m.u.expired.refused, codes[i]);
      seen[i] = 1;
      got++;
    }
    assert_int_equal(tp_delivered(peer, &m), 0);
  }
}

/* Acknowledges what else the peer is delivered (the team's receipt for the good
 * request) until the relay's spool is empty. */
static void drain_until_empty(tp_relay *f, tp_peer *peer) {
  uint64_t end = rp__clock_mono_ms() + 10000, n = 1;
  rp__tmsg m;
  while (rp__clock_mono_ms() < end) {
    while (tp_recv(peer, &m, 100) == 0)
      if (m.type == RP__T_DELIVER || m.type == RP__T_EXPIRED)
        assert_int_equal(tp_delivered(peer, &m), 0);
    if (tp_relay_counter(f, "spool.envelopes", &n) == 0 && n == 0) return;
  }
  fail_msg("relay spool still holds %llu envelopes", (unsigned long long)n);
}

static void test_hostile_payloads_refused(void **state) {
  static const hostile_case cases[] = {
      {"msg_id", RP_EINVAL, "msg_id"},         {"created", RP_EINVAL, "created"},
      {"urgency", RP_EINVAL, "urgency"},       {"thread_id", RP_EINVAL, "thread_id"},
      {"sender_org", RP_EINVAL, "sender_org"}, {"kind", RP_EKIND, "kind"},
      {"payload", RP_EMALFORMED, "payload"},
  };
  enum { N = sizeof cases / sizeof *cases };
  uint8_t ids[N][RP_MSG_ID_BYTES];
  int codes[N];
  tp_relay f;
  tp_peer peer;
  cl_log tlog;
  rp_client *team;
  uint8_t *env = NULL, *good = NULL;
  size_t len = 0, glen = 0;
  char hex[RP_ID_STRLEN], want[64], needle[64];
  rp__payload p;
  cl_hdr h;
  (void)state;
  cl_log_init(&tlog);
  assert_int_equal(cl_relay_up(&f, "cl-hostile"), 0);
  assert_non_null(team = client(&f, CL_TEAM, &tlog, NULL));
  /* The peer starts its delivery stream only after sending: cl_peer_send skips what is
   * not the answer it waits for. */
  assert_int_equal(tp_relay_connect(&f, &peer, CL_MUNI), 0);
  for (size_t i = 0; i < N; i++) {
    hostile_envelope(&f, tp_member(&f, CL_MUNI), cases[i].name, ids[i], &env, &len);
    assert_int_equal(cl_peer_send(&peer, env, len), 0);
    free(env);
    codes[i] = cases[i].code;
  }
  /* And one that is right in every way, from the same sender. */
  assert_int_equal(cl_request_payload("Et rigtigt spørgsmål", &p, &good, &glen), 0);
  memcpy(h.msg_id, p.msg_id, RP_MSG_ID_BYTES);
  h.created = p.created;
  h.urgency = p.u.request.urgency;
  assert_int_equal(
      cl_seal(tp_member(&f, CL_MUNI), f.roster, CL_TEAM, &h, good, glen, &env, &len), 0);
  assert_int_equal(cl_peer_send(&peer, env, len), 0);
  free(env);
  sodium_bin2hex(hex, sizeof hex, p.msg_id, RP_MSG_ID_BYTES);
  free(good);
  expect_only(team, hex);
  for (size_t i = 0; i < N; i++) {
    sodium_bin2hex(hex, sizeof hex, ids[i], RP_MSG_ID_BYTES);
    snprintf(needle, sizeof needle, "msg_id=%s", hex);
    snprintf(want, sizeof want, "code=%s where=%s", rp_err_name(cases[i].code),
             cases[i].where);
    if (cl_log_wait(&tlog, "delivery_refused", needle, want, 5000) != 0) {
      cl_log_dump(&tlog, "team");
      fail_msg("case %s: no refusal '%s'", cases[i].name, want);
    }
  }
  expect_one_connection(&f, team);
  assert_int_equal(tp_receive(&peer, 16), 0);
  expect_refusals(&peer, ids, codes, N);
  drain_until_empty(&f, &peer);
  tp_close(&peer);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* Sealed with a message key the roster does not hold for the sender: EWRONGSENDER.
 * The relay holds no newer roster, so the recipient refuses at once instead of asking
 * for rosters and reconnecting for ever. */
static void test_wrong_sender_key_refused(void **state) {
  tp_relay f;
  tp_peer peer;
  cl_log tlog;
  rp_client *team;
  rp__identity *fake = NULL;
  rp__payload p;
  cl_hdr h;
  uint8_t *pt = NULL, *env = NULL, bad_id[RP_MSG_ID_BYTES];
  size_t plen = 0, len = 0;
  char hex[RP_ID_STRLEN], needle[64];
  (void)state;
  cl_log_init(&tlog);
  assert_int_equal(cl_relay_up(&f, "cl-wrongsender"), 0);
  assert_int_equal(tp_relay_connect(&f, &peer, CL_MUNI), 0);
  assert_int_equal(rp__identity_generate(CL_MUNI, &fake), 0);
  assert_int_equal(cl_request_payload("Med en forkert nøgle", &p, &pt, &plen), 0);
  memcpy(h.msg_id, p.msg_id, RP_MSG_ID_BYTES);
  memcpy(bad_id, p.msg_id, RP_MSG_ID_BYTES);
  h.created = p.created;
  h.urgency = p.u.request.urgency;
  assert_int_equal(cl_seal(fake, f.roster, CL_TEAM, &h, pt, plen, &env, &len), 0);
  assert_int_equal(cl_peer_send(&peer, env, len), 0);
  free(env);
  free(pt);
  /* Then a good one from the real m1, through the library this time (gone before the
   * refusal, so that the notice goes to the peer). */
  {
    rp_client *muni = cl_client(&f, CL_MUNI, "-lib");
    assert_non_null(muni);
    send_request(muni, "Med den rigtige nøgle", hex);
    assert_int_equal(rp_client_flush(muni, 10000), 0);
    rp_client_free(muni);
  }
  assert_non_null(team = client(&f, CL_TEAM, &tlog, NULL));
  expect_only(team, hex);
  sodium_bin2hex(hex, sizeof hex, bad_id, RP_MSG_ID_BYTES);
  snprintf(needle, sizeof needle, "msg_id=%s", hex);
  assert_int_equal(
      cl_log_wait(&tlog, "delivery_refused", needle, "code=EWRONGSENDER", 5000), 0);
  assert_int_equal(cl_log_count(&tlog, "delivery_deferred", NULL, NULL), 0);
  expect_one_connection(&f, team);
  assert_int_equal(tp_receive(&peer, 16), 0);
  {
    uint8_t ids[1][RP_MSG_ID_BYTES];
    int codes[1] = {RP_EWRONGSENDER};
    memcpy(ids[0], bad_id, RP_MSG_ID_BYTES);
    expect_refusals(&peer, ids, codes, 1);
  }
  drain_until_empty(&f, &peer);
  rp__identity_free(fake);
  tp_close(&peer);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* Only the domain's routes exist (PROTOCOL.md 5.5, 6.6): a municipality writing to
 * another municipality is refused by the relay (NACK EROUTE), and the sender's status
 * says failed with EROUTE; its request to the team goes out as usual. */
static void test_route_refused(void **state) {
  static const char *const ids[] = {CL_TEAM, CL_MUNI, "m2"};
  static statuses st = {PTHREAD_MUTEX_INITIALIZER, {{0}}, {0}, {0}, 0};
  tp_relay f;
  cl_log mlog;
  rp_client *muni;
  rp_msg *m;
  char bad[RP_ID_STRLEN], good[RP_ID_STRLEN], needle[64];
  (void)state;
  cl_log_init(&mlog);
  assert_int_equal(tp_relay_init(&f, "cl-route", ids, 3, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_non_null(muni = client(&f, CL_MUNI, &mlog, &st));
  assert_int_equal(rp_msg_new("meeting_request", &m), 0);
  assert_int_equal(rp_msg_set_enum(m, "purpose", "sparring"), 0);
  assert_int_equal(rp_msg_set_enum(m, "mode", "online"), 0);
  assert_int_equal(rp_msg_set_uint(m, "duration_min", 60), 0);
  assert_int_equal(rp_msg_set_recipient(m, "m2"), 0);
  assert_int_equal(rp_send(muni, m, bad), 0);
  rp_msg_free(m);
  send_request(muni, "Til holdet, som altid", good);
  wait_status(muni, bad, RP_STATUS_FAILED, RP_EROUTE);
  assert_true(reported(&st, bad, RP_STATUS_FAILED, RP_EROUTE));
  snprintf(needle, sizeof needle, "msg_id=%s", bad);
  assert_int_equal(cl_log_wait(&mlog, "send_failed", needle, "code=EROUTE", 5000), 0);
  assert_int_equal(cl_wait_status(muni, good, RP_STATUS_RELAYED, 10000), 0);
  assert_int_equal(cl_relay_auths(&f, CL_MUNI),
                   1); /* a refusal is no reason to reconnect */
  rp_client_free(muni);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_altered_envelope_refused),
      cmocka_unit_test(test_revoked_sender_refused),
      cmocka_unit_test(test_hostile_payloads_refused),
      cmocka_unit_test(test_wrong_sender_key_refused),
      cmocka_unit_test(test_route_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
