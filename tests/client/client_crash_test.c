/* SPDX-License-Identifier: MIT */
/*
 * Exactly once across crashes of the host process, against the real relay: a sender
 * killed (SIGKILL) right after rp_send returned still sends, once, with every byte of its
 * attachment; a receiver killed between storing a message and handling it is offered it
 * again, once; one killed after it acknowledged a message with an attachment to the
 * relay (which then deletes its copy) still holds every byte of it (SHA-256); a duplicate
 * delivery from the relay is acknowledged and never offered twice.
 */
#include <setjmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "cl_fixture.h"
#include "cl_bytes.h"

/* The attachment of the crash tests: three chunks and a bit, content seeded ATT_SEED. */
#define ATT_LEN (3u * 256 * 1024 + 100)
#define ATT_SEED 77u

static uint8_t *att_bytes(void) {
  static uint8_t b[ATT_LEN];
  for (size_t i = 0; i < sizeof b; i++)
    b[i] = cl_byte_at(ATT_SEED, i);
  return b;
}

static int sha_sink(void *ctx, const uint8_t *buf, size_t len) {
  crypto_hash_sha256_update(ctx, buf, len);
  return 0;
}

/* r has the crash tests' attachment, whole: its SHA-256 is that of att_bytes(). */
static void assert_att_whole(rp_client *c, const rp_received *r) {
  crypto_hash_sha256_state h;
  uint8_t got[32], want[32];
  uint64_t size = 0;
  assert_int_equal(rp_received_attachments(r), 1);
  assert_int_equal(rp_received_attachment(r, 0, NULL, NULL, &size, NULL), 0);
  assert_int_equal(size, ATT_LEN);
  crypto_hash_sha256_init(&h);
  assert_int_equal(rp_received_attachment_read(c, r, 0, sha_sink, &h), 0);
  crypto_hash_sha256_final(&h, got);
  crypto_hash_sha256(want, att_bytes(), ATT_LEN);
  assert_memory_equal(got, want, 32);
}

static rp_msg *att_request(const char *text) {
  rp_msg *m = cl_request(text);
  if (m != NULL && rp_msg_attach_buffer(m, att_bytes(), ATT_LEN, "plan.pdf",
                                        "application/pdf", "beredskabsplan_udkast") != 0) {
    rp_msg_free(m);
    m = NULL;
  }
  return m;
}

typedef struct counter {
  int n;
  int fd;    /* child: where to report the id; -1 in the parent */
  int go_on; /* child: report and return (else: report and hang) */
} counter;

static void on_recv(void *data, rp_client *c, const rp_received *r) {
  counter *k = data;
  (void)c;
  __atomic_add_fetch(&k->n, 1, __ATOMIC_SEQ_CST);
  if (k->fd >= 0 && k->go_on) {
    /* The child reports and goes on: the library then acknowledges it to the relay. */
    if (write(k->fd, rp_received_msg_id(r), 32) != 32) _exit(3);
  } else if (k->fd >= 0) {
    /* The child "crashes" here: stored, not yet handled (nor acked to the relay). */
    if (write(k->fd, rp_received_msg_id(r), 32) != 32) _exit(3);
    for (;;)
      pause();
  }
}

static rp_client *client_cb(tp_relay *f, const char *id, counter *k) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  if (cfg == NULL) return NULL;
  rp_config_set_receive_callback(cfg, on_recv, k);
  if (rp_client_new(cfg, &c) != 0) c = NULL;
  rp_config_free(cfg);
  return c;
}

static size_t delivered_count(tp_relay *f, const char *id) {
  char needle[80];
  snprintf(needle, sizeof needle, "delivered msg_id=%s", id);
  return tp_relay_log_count(f, needle);
}

static int wait_delivered(tp_relay *f, const char *id, size_t n, int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  while (delivered_count(f, id) < n && rp__clock_mono_ms() < end)
    usleep(10000);
  return delivered_count(f, id) >= n ? 0 : RP_ETIMEDOUT;
}

/* Reads n bytes from a pipe (tp_read_exact is for sockets). 0 or RP_ECLOSED. */
/* Reads n bytes from the child within 30 s: a child that hangs fails the test instead of
 * blocking it until ctest's timeout. */
static int read_pipe(int fd, char *buf, size_t n) {
  size_t have = 0;
  while (have < n) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 30000) <= 0) return RP_ETIMEDOUT;
    ssize_t r = read(fd, buf + have, n - have);
    if (r <= 0) return RP_ECLOSED;
    have += (size_t)r;
  }
  return 0;
}

/* Forks a child that runs fn(f, fd) and never returns; reads the 32-char id it
 * reports, then (once the relay logged that many deliveries of it, if acked > 0)
 * SIGKILLs it. */
static void fork_and_kill(tp_relay *f, void (*fn)(tp_relay *, int), char id[RP_ID_STRLEN],
                          size_t acked) {
  int p[2], st, rc;
  pid_t pid;
  assert_int_equal(pipe(p), 0);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fn(f, p[1]);
    _exit(2);
  }
  close(p[1]);
  rc = read_pipe(p[0], id, 32);
  id[32] = '\0';
  if (rc == 0 && acked > 0) rc = wait_delivered(f, id, acked, 10000);
  /* Killed before any assertion, so that a failing test never leaves it behind. */
  kill(pid, SIGKILL);
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_int_equal(rc, 0);
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  close(p[0]);
}

static void child_send(tp_relay *f, int fd) {
  rp_client *c = cl_client(f, CL_MUNI, NULL);
  rp_msg *m = att_request("Sendt lige før et nedbrud");
  char id[RP_ID_STRLEN];
  if (c == NULL || m == NULL || rp_send(c, m, id) != 0) _exit(4);
  if (write(fd, id, 32) != 32) _exit(3);
  for (;;)
    pause();
}

static void test_killed_after_send(void **state) {
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL;
  char id[RP_ID_STRLEN];
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-killsend"), 0);
  fork_and_kill(&f, child_send, id, 0);
  /* The next run of the host finds it in the outbox and sends it. */
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_true(rp_status_rank(st) >= rp_status_rank(RP_STATUS_RELAYED));
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_att_whole(team, r); /* the chunks written before rp_send returned */
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  rp_received_free(r);
  r = NULL;
  /* Once: nothing else arrives, and the relay delivered it exactly once. */
  assert_int_equal(cl_wait_inbox(team, &r, 700), RP_ETIMEDOUT);
  assert_int_equal(delivered_count(&f, id), 1);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

static void child_receive(tp_relay *f, int fd) {
  counter k = {0, fd, 0};
  if (client_cb(f, CL_TEAM, &k) == NULL) _exit(4);
  for (;;)
    pause();
}

/* Resends the stored envelope bytes of `id` from muni's outbox as a raw SEND. */
static void resend_raw(tp_relay *f, const char *id) {
  char path[700];
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  uint8_t bin[16];
  tp_peer p;
  rp__tmsg m;
  size_t n = 0;
  uint8_t *raw = tu_unhex(id, &n);
  memcpy(bin, raw, 16);
  free(raw);
  snprintf(path, sizeof path, "%s/state-%s/client.db", f->dir, CL_MUNI);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT envelope FROM outbox WHERE msg_id = ?", -1, &s, NULL),
      SQLITE_OK);
  sqlite3_bind_blob(s, 1, bin, 16, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_int_equal(tp_relay_connect(f, &p, CL_MUNI), 0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = sqlite3_column_blob(s, 0);
  m.u.send.envelope.n = (uint32_t)sqlite3_column_bytes(s, 0);
  assert_int_equal(tp_send(&p, &m), 0);
  assert_int_equal(tp_recv_type(&p, RP__T_ACK, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, bin, 16);
  assert_int_equal(m.u.ack.status, RP__ACK_STORED); /* the relay had deleted it */
  tp_close(&p);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

static void test_killed_before_handled_and_duplicate(void **state) {
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL, *r2 = NULL;
  rp_msg *m;
  counter k = {0, -1, 0};
  char id[RP_ID_STRLEN], got[RP_ID_STRLEN];
  uint64_t pending = 9;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-killrecv"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = cl_request("Modtaget, men ikke behandlet"));
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  /* No client threads may run across fork(): a lock held by one of them at that moment
   * (the allocator's, SQLite's) would stay locked forever in the child. */
  rp_client_free(muni);

  fork_and_kill(&f, child_receive, got, 0);
  assert_string_equal(got, id);
  /* The next run offers it again, once: at start-up (stored, unhandled), and not
   * again when the relay delivers it a second time (the child never acked it). */
  assert_non_null(team = client_cb(&f, CL_TEAM, &k));
  assert_int_equal(wait_delivered(&f, id, 1, 10000), 0);
  assert_int_equal(__atomic_load_n(&k.n, __ATOMIC_SEQ_CST), 1);
  assert_int_equal(rp_inbox_pending(team, &pending), 0);
  assert_int_equal(pending, 1);
  assert_int_equal(rp_inbox_next(team, &r), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_inbox_next(team, &r2), RP_ENOTFOUND); /* once per handle */
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0); /* idempotent */
  rp_received_free(r);

  /* A duplicate delivery by the relay: acked, never offered. */
  resend_raw(&f, id);
  assert_int_equal(wait_delivered(&f, id, 2, 10000), 0);
  assert_int_equal(__atomic_load_n(&k.n, __ATOMIC_SEQ_CST), 1);
  rp_client_free(team);

  /* Handled survives a restart: nothing is offered any more. */
  k.n = 0;
  assert_non_null(team = client_cb(&f, CL_TEAM, &k));
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
  assert_int_equal(rp_inbox_pending(team, &pending), 0);
  assert_int_equal(pending, 0);
  assert_int_equal(rp_inbox_get(team, id, &r), 0); /* still readable by id */
  assert_int_equal(rp_received_handled(r), 1);
  rp_received_free(r);
  assert_int_equal(k.n, 0);
  rp_client_free(team);
  tp_relay_free(&f);
}

static void child_receive_ack(tp_relay *f, int fd) {
  counter k = {0, fd, 1};
  if (client_cb(f, CL_TEAM, &k) == NULL) _exit(4);
  for (;;)
    pause();
}

/* The recipient acknowledged a message with an attachment (the relay deleted its copy)
 * and was killed: its next run holds the message and every byte of the attachment. */
static void test_killed_after_ack(void **state) {
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL;
  rp_msg *m;
  counter k = {0, -1, 0};
  char id[RP_ID_STRLEN], got[RP_ID_STRLEN];
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-killack"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = att_request("Modtaget og kvitteret, så et nedbrud"));
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  rp_client_free(muni); /* no client threads across fork() */
  fork_and_kill(&f, child_receive_ack, got, 1);
  assert_string_equal(got, id);
  assert_non_null(team = client_cb(&f, CL_TEAM, &k));
  assert_int_equal(rp_inbox_get(team, id, &r), 0);
  assert_att_whole(team, r);
  rp_received_free(r);
  /* The relay let it go: it is not delivered again. */
  usleep(300000);
  assert_int_equal(delivered_count(&f, id), 1);
  rp_client_free(team);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_killed_after_send),
      cmocka_unit_test(test_killed_before_handled_and_duplicate),
      cmocka_unit_test(test_killed_after_ack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
