/* SPDX-License-Identifier: MIT */
/*
 * The relay as a daemon among others: started with descriptors 0, 1 and 2 closed it
 * still serves and stops cleanly (they get /dev/null, so nothing of its own lands on
 * them); and with stderr connected to the journal (JOURNAL_STREAM names it) every line
 * carries its sd-daemon priority, so journald files errors as errors.
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

#include "peer.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101", "k102"};

/* Issue 9, item 9: before the fix the relay's log lines went into its epoll
 * descriptor, and libuv aborted at exit. */
static void test_closed_std_fds(void **state) {
  tp_relay f;
  tp_peer s, t;
  uint8_t id[RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-daemon", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start_closed_fds(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  /* Enough traffic for many log lines (debug level: one per envelope and more). */
  for (int i = 0; i < 20; i++) {
    assert_int_equal(tp_send_envelope(&s, "team", 0, id), 0);
    assert_int_equal(tp_recv_type(&s, RP__T_ACK, &m, 5000, NULL), 0);
    assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
    assert_int_equal(tp_deliver_msg_id(&m, got), 0);
    assert_memory_equal(got, id, RP_MSG_ID_BYTES);
    assert_int_equal(tp_delivered(&t, &m), 0);
  }
  tp_relay_signal(&f, SIGUSR1); /* a few hundred more lines */
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* Does every line of the log start with a priority prefix, and is `event` logged with
 * prefix `prio`? */
static void check_priorities(tp_relay *f, const char *event, const char *prio) {
  size_t len = 0;
  char *text = tu_read_file(f->log, &len), *l, *hit = NULL;
  assert_non_null(text);
  for (l = text; *l != '\0'; l = strchr(l, '\n') + 1) {
    if (!(l[0] == '<' && l[2] == '>' && strchr("3467", l[1]) != NULL))
      fail_msg("line without a priority: %.80s", l);
    if (strstr(l, event) != NULL && strstr(l, event) < strchr(l, '\n')) hit = l;
    if (strchr(l, '\n') == NULL) break;
  }
  if (hit == NULL || strncmp(hit, prio, 3) != 0) fail_msg("%s not at %s", event, prio);
  free(text);
}

static void test_journal_priorities(void **state) {
  tp_relay f;
  tp_peer p;
  rp__identity *stranger = NULL;
  struct stat st;
  char env[64];
  FILE *fp;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-journal", ids, 3, NULL), 0);
  /* The fixture's log file stands for the journal's stream: the relay's stderr. */
  assert_non_null(fp = fopen(f.log, "a"));
  fclose(fp);
  assert_int_equal(stat(f.log, &st), 0);
  snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
  setenv("JOURNAL_STREAM", env, 1);
  assert_int_equal(tp_relay_start(&f), 0);
  unsetenv("JOURNAL_STREAM");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  tp_close(&p);
  /* A warning: a key the roster does not know. */
  assert_int_equal(rp__identity_generate("stranger", &stranger), 0);
  assert_int_not_equal(tp_connect(&p, f.port, stranger, f.relay->pub.transport_pk, 3000),
                       0);
  rp__identity_free(stranger);
  assert_int_equal(tp_relay_wait_log(&f, "handshake_refused", 5000, 1), 0);
  /* An error: a roster file that is not one, on reload. */
  assert_non_null(fp = fopen(f.roster_path, "w"));
  fputs("not a roster", fp);
  fclose(fp);
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "reload_roster_kept", 5000, 1), 0);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  check_priorities(&f, " error roster_refused", "<3>");
  check_priorities(&f, " warn handshake_refused", "<4>");
  check_priorities(&f, " info relay_ready", "<6>");
  check_priorities(&f, " debug conn_close", "<7>");
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_std_fds),
      cmocka_unit_test(test_journal_priorities),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
