/* SPDX-License-Identifier: MIT */
/*
 * PROTOCOL.md 6.5: an envelope from a member (or key) our roster does not know waits,
 * unanswered, for the relay's newer roster when the relay holds one; it is opened again
 * once that roster is in, and refused only if it still fails. When the relay holds no
 * newer roster it is refused at once. The real relay always sends a newer roster before
 * any envelope that needs it, so these cases are played by a scripted relay built here
 * from the proto layers (Noise responder, frames, transport messages) over real TCP,
 * against the real client library: the first roster it sends is damaged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "clock.h"
#include "cl_fake.h"
#include "cl_hostile.h"
#include "frame.h"
#include "noise.h"

/* ---- the test ---- */

static void send_roster(fake *fk, uint64_t version, const uint8_t *doc, size_t len) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_ROSTER;
  m.u.roster.version = version;
  m.u.roster.roster = (rp__bin){doc, (uint32_t)len};
  fake_send(fk, &m);
}

/* An envelope from `from` (sender_org `org`) to the team, delivered as item seq. */
static void deliver(fake *fk, const rp__roster *roster, const rp__identity *from,
                    const char *org, uint64_t seq, uint8_t id[RP_MSG_ID_BYTES]) {
  rp__payload p;
  uint8_t *orig = NULL, *pt = NULL, *env = NULL;
  size_t olen = 0, plen = 0, len = 0;
  cl_hdr h;
  rp__tmsg m;
  assert_int_equal(cl_request_payload("Fra et nyt medlem", &p, &orig, &olen), 0);
  p.u.request.sender_org = rp__str_c(org);
  assert_int_equal(cl_encode(&p, &pt, &plen), 0);
  memcpy(h.msg_id, p.msg_id, RP_MSG_ID_BYTES);
  memcpy(id, p.msg_id, RP_MSG_ID_BYTES);
  h.created = p.created;
  h.urgency = p.u.request.urgency;
  assert_int_equal(cl_seal(from, roster, CL_TEAM, &h, pt, plen, &env, &len), 0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVER;
  m.u.deliver.seq = seq;
  m.u.deliver.envelope = (rp__bin){env, (uint32_t)len};
  fake_send(fk, &m);
  free(env);
  free(pt);
  free(orig);
}

static void expect_type(fake *fk, rp__tmsg *m, uint64_t type) {
  fake_recv(fk, m);
  if (m->type != type)
    fail_msg("the client sent %s, expected %s", rp__tmsg_type_name(m->type),
             rp__tmsg_type_name(type));
}

static void test_waits_for_newer_roster_once(void **state) {
  tp_relay f;
  fake fk;
  cl_log tlog;
  rp_config *cfg;
  rp_client *team = NULL;
  rp_received *r = NULL;
  rp__identity *k851 = NULL, *ghost = NULL;
  rp__member mb;
  rp__tmsg m;
  const uint8_t *doc;
  uint8_t *v2 = NULL, *bad = NULL, id[RP_MSG_ID_BYTES];
  size_t v2len = 0;
  char hex[RP_ID_STRLEN];
  uint64_t have = 0;
  (void)state;
  cl_log_init(&tlog);
  /* The fixture makes the members, key files and roster v1; its relay is not started. */
  assert_int_equal(tp_relay_init(&f, "cl-rosterwait", cl_ids, 2, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  fake_listen(&fk);
  f.port = fk.port;
  /* Roster v2 enrols k851, whose envelope the team will get before it has v2. */
  assert_int_equal(rp__identity_generate("k851", &k851), 0);
  memset(&mb, 0, sizeof mb);
  mb.pub = k851->pub;
  mb.kind = RP_MEMBER_MUNICIPALITY;
  memcpy(mb.municipality, "851", 3);
  assert_int_equal(rp__roster_add(f.roster, &mb), 0);
  assert_int_equal(rp__roster_bump(f.roster, rp__clock_wall_ms()), 0);
  assert_int_equal(rp__roster_sign(f.roster, f.admin), 0);
  assert_int_equal(rp__roster_document(f.roster, &doc, &v2len), 0);
  assert_non_null(v2 = malloc(v2len));
  memcpy(v2, doc, v2len);
  assert_non_null(bad = malloc(v2len));
  memcpy(bad, v2, v2len);
  bad[v2len - 1] ^= 1; /* the signature no longer verifies */

  assert_non_null(cfg = cl_config(&f, CL_TEAM, NULL, fk.pk));
  assert_int_equal(rp_config_set_log(cfg, cl_log_fn, &tlog), 0);
  assert_int_equal(rp_client_new(cfg, &team), 0);
  rp_config_free(cfg);
  fake_welcome(&fk, CL_TEAM, 2, 0);
  /* The client asks for v2 first; the answer is damaged, so it keeps v1 and receives. */
  expect_type(&fk, &m, RP__T_ROSTER_GET);
  assert_int_equal(m.u.roster_get.have, 1);
  send_roster(&fk, 2, bad, v2len);
  expect_type(&fk, &m, RP__T_RECEIVE);
  assert_int_equal(rp_client_roster_version(team, &have), 0);
  assert_int_equal(have, 1);

  /* 1. From k851, unknown in v1 while the relay holds v2: the item waits, the client
   * fetches the roster again, opens it with v2, stores it and acknowledges it. */
  deliver(&fk, f.roster, k851, "851", 1, id);
  expect_type(&fk, &m, RP__T_ROSTER_GET);
  send_roster(&fk, 2, v2, v2len);
  expect_type(&fk, &m, RP__T_DELIVERED);
  assert_int_equal(m.u.delivered.seq, 1);
  assert_memory_equal(m.u.delivered.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.delivered.refused, 0);
  assert_int_equal(cl_wait_inbox(team, &r, 5000), 0);
  sodium_bin2hex(hex, sizeof hex, id, RP_MSG_ID_BYTES);
  assert_string_equal(rp_received_msg_id(r), hex);
  assert_string_equal(rp_received_sender(r), "k851");
  rp_received_free(r);
  assert_int_equal(cl_log_count(&tlog, "delivery_deferred", "sender=k851", NULL), 1);

  /* 2. From a member no roster knows while the relay holds nothing newer: refused at
   * once, with the header's msg_id; no roster request. */
  assert_int_equal(rp__identity_generate("ghost", &ghost), 0);
  deliver(&fk, f.roster, ghost, "851", 2, id);
  expect_type(&fk, &m, RP__T_DELIVERED);
  assert_int_equal(m.u.delivered.seq, 2);
  assert_memory_equal(m.u.delivered.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(-(int)m.u.delivered.refused, RP_EUNKNOWNMEMBER);

  /* 3. The relay says it holds v3 but its roster does not verify: the item waits once,
   * the roster that comes does not help, and it is refused then, not again and again. */
  send_roster(&fk, 3, bad, v2len);
  deliver(&fk, f.roster, ghost, "851", 3, id);
  expect_type(&fk, &m, RP__T_ROSTER_GET);
  assert_int_equal(m.u.roster_get.have, 2);
  send_roster(&fk, 3, NULL, 0);
  expect_type(&fk, &m, RP__T_DELIVERED);
  assert_int_equal(m.u.delivered.seq, 3);
  assert_memory_equal(m.u.delivered.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(-(int)m.u.delivered.refused, RP_EUNKNOWNMEMBER);
  assert_int_equal(cl_log_count(&tlog, "delivery_refused", "code=EUNKNOWNMEMBER", NULL), 2);
  assert_int_equal(rp_client_conn_state(team), RP_CONN_CONNECTED);

  rp_client_free(team);
  fake_close(&fk);
  rp__identity_free(ghost);
  rp__identity_free(k851);
  free(bad);
  free(v2);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_waits_for_newer_roster_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
