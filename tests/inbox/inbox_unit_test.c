/* SPDX-License-Identifier: MIT */
/* The inbox's parts on their own: service clock, audit chain, data key, store, socket
 * protocol. Real files and real SQLite in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "envelope_hdr.h"
#include "ibx_areq.h"
#include "ibx_audit.h"
#include "ibx_clock.h"
#include "ibx_config.h"
#include "ibx_datakey.h"
#include "log.h"
#include "ibx_caps.h"
#include "ibx_store.h"
#include "testutil.h"
#include <sqlite3.h>

/* Mon 2026-01-05 09:00 in Copenhagen (08:00 UTC): office hours are Copenhagen's,
 * whatever the TZ this test runs with (inbox_calendar_test.c goes further). */
#define MON_0900 1767600000000ull
#define HOUR 3600000ull

static void test_clock_deadlines(void **state) {
  rp__ibx_hours h;
  (void)state;
  setenv("TZ", "UTC", 1);
  tzset();
  rp__ibx_hours_default(&h);
  assert_true(rp__ibx_hours_open(&h, MON_0900));
  assert_false(rp__ibx_hours_open(&h, MON_0900 + 7 * HOUR));      /* 16:00 closes */
  assert_false(rp__ibx_hours_open(&h, MON_0900 - 2 * 24 * HOUR)); /* Saturday */
  assert_false(rp__ibx_hours_open(&h, MON_0900 - HOUR - 1));      /* 07:59:59 */
  assert_true(rp__ibx_hours_open(&h, MON_0900 - HOUR));           /* 08:00 */
}

static void test_clock_walk(void **state) {
  rp__ibx_hours h;
  (void)state;
  rp__ibx_hours_default(&h);
  /* akut at 15:30 Monday: 30 min today, 30 min Tuesday from 08:00. */
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_AKUT, MON_0900 + 6 * HOUR + HOUR / 2),
                   MON_0900 + 24 * HOUR - HOUR / 2);
  /* akut Friday 20:00 starts Monday 08:00: due 09:00. */
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_AKUT, MON_0900 - 3 * 24 * HOUR + 11 * HOUR),
                   MON_0900);
  /* haster Mon 09:00 -> Tue 09:00; normal -> next Mon; plan -> Mon after. */
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_HASTER, MON_0900), MON_0900 + 24 * HOUR);
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_NORMAL, MON_0900),
                   MON_0900 + 7 * 24 * HOUR);
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_PLAN, MON_0900), MON_0900 + 14 * 24 * HOUR);
  assert_int_equal(rp__ibx_deadline(&h, 9, MON_0900), 0);
}

static void test_clock_parse(void **state) {
  rp__ibx_hours h;
  (void)state;
  rp__ibx_hours_default(&h);
  assert_int_equal(rp__ibx_hours_parse_span(&h, "07:30-15:00"), 0);
  assert_int_equal(h.start_min, 450);
  assert_int_equal(rp__ibx_hours_parse_span(&h, "16:00-08:00"), RP_ECONFIG);
  assert_int_equal(rp__ibx_hours_parse_span(&h, "24:01-24:00"), RP_ECONFIG);
  assert_int_equal(rp__ibx_hours_parse_span(&h, "8:00-16:00"), RP_ECONFIG);
  assert_int_equal(rp__ibx_hours_parse_days(&h, "mon,wed-thu"), 0);
  assert_int_equal(h.days, (1u << 1) | (1u << 3) | (1u << 4));
  assert_int_equal(rp__ibx_hours_parse_days(&h, "fri-mon"), 0);
  assert_int_equal(h.days, (1u << 5) | (1u << 6) | 1u | (1u << 1));
  assert_int_equal(rp__ibx_hours_parse_days(&h, "monday"), RP_ECONFIG);
  /* No working day at all: the walk gives up after its cap instead of looping. */
  h.days = 0;
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_AKUT, MON_0900), 0);
}

/* Writes n audit lines into a fresh log; returns its path (static). */
static const char *audit_with_lines(int n, rp__ibx_audit_head *head) {
  static char path[600];
  rp__ibx_audit *a = NULL;
  snprintf(path, sizeof path, "%s/audit.log", tu_tmpdir("ibx-audit"));
  assert_int_equal(rp__ibx_audit_open(path, &a, NULL), 0);
  for (int i = 0; i < n; i++)
    assert_int_equal(rp__ibx_audit_append(a, MON_0900 + (uint64_t)i,
                                          i % 2 ? "sara" : "bo x", "claim",
                                          "00112233445566778899aabbccddeeff", head),
                     0);
  rp__ibx_audit_close(a);
  return path;
}

static void rewrite_lines(const char *path, int drop, int swap) {
  size_t n = 0;
  char *t = tu_read_file(path, &n), *lines[16];
  int k = 0;
  for (char *p = t; *p != 0 && k < 16; k++) {
    lines[k] = p;
    p = strchr(p, '\n') + 1;
  }
  FILE *f = fopen(path, "w");
  for (int i = 0; i < k; i++) {
    int j = swap > 0 && i == swap ? swap + 1 : swap > 0 && i == swap + 1 ? swap : i;
    if (j == drop) continue;
    fwrite(lines[j], 1, (size_t)(strchr(lines[j], '\n') - lines[j] + 1), f);
  }
  fclose(f);
  free(t);
}

static void test_audit_chain(void **state) {
  rp__ibx_audit_head h;
  uint64_t lines = 0, bad = 0;
  (void)state;
  const char *p = audit_with_lines(5, &h);
  assert_int_equal(rp__ibx_audit_verify(p, &h, &lines, &bad), 0);
  assert_int_equal(lines, 5);
  char *t = tu_read_file(p, NULL);
  assert_non_null(strstr(t, "who=bo_x action=claim")); /* sanitised */
  free(t);
  /* Removed line 3. */
  rewrite_lines(p, 2, 0);
  assert_int_equal(rp__ibx_audit_verify(p, &h, &lines, &bad), RP_EAUTH);
  assert_int_equal(bad, 3);
  /* Reordered lines 3 and 4. */
  p = audit_with_lines(5, &h);
  rewrite_lines(p, -1, 2);
  assert_int_equal(rp__ibx_audit_verify(p, &h, &lines, &bad), RP_EAUTH);
  assert_int_equal(bad, 3);
  /* Changed a byte in line 2. */
  p = audit_with_lines(5, &h);
  t = tu_read_file(p, NULL);
  strstr(strchr(t, '\n'), "who=sara")[4] = 'S';
  FILE *f = fopen(p, "w");
  fputs(t, f);
  fclose(f);
  free(t);
  assert_int_equal(rp__ibx_audit_verify(p, NULL, &lines, &bad), RP_EAUTH);
  assert_int_equal(bad, 3); /* line 3's prev no longer matches line 2 */
  /* The last line cut off: only the head kept in the store shows it. */
  p = audit_with_lines(5, &h);
  rewrite_lines(p, 4, 0);
  assert_int_equal(rp__ibx_audit_verify(p, NULL, &lines, &bad), 0);
  assert_int_equal(rp__ibx_audit_verify(p, &h, &lines, &bad), RP_EAUTH);
  assert_int_equal(bad, 5);
}

static void test_datakey(void **state) {
  const char *dir = tu_tmpdir("ibx-key");
  char plain[600], sealed[600];
  uint8_t *k1 = NULL, *k2 = NULL, *ct = NULL, *pt = NULL;
  size_t ctlen, ptlen;
  (void)state;
  snprintf(plain, sizeof plain, "%s/plain.key", dir);
  snprintf(sealed, sizeof sealed, "%s/sealed.key", dir);
  assert_int_equal(rp__ibx_datakey_load(plain, NULL, 0, 0, 0, 0, &k1), RP_ENOTFOUND);
  assert_int_equal(rp__ibx_datakey_load(plain, NULL, 0, 1, 0, 0, &k1), 0);
  assert_int_equal(rp__ibx_datakey_load(plain, NULL, 0, 0, 0, 0, &k2), 0);
  assert_int_equal(sodium_memcmp(k1, k2, 32), 0);
  rp__ibx_datakey_free(k2);
  chmod(plain, 0640);
  assert_int_equal(rp__ibx_datakey_load(plain, NULL, 0, 0, 0, 0, &k2), RP_EPERM);
  /* The key file is never read through a symbolic link, nor created behind one. */
  char link_path[700];
  snprintf(link_path, sizeof link_path, "%s/link.key", dir);
  assert_int_equal(symlink(plain, link_path), 0);
  assert_int_equal(rp__ibx_datakey_load(link_path, NULL, 0, 1, 0, 0, &k2), RP_EIO);
  assert_int_equal(rp__ibx_datakey_load(sealed, "pw", 2, 1, crypto_pwhash_OPSLIMIT_MIN,
                                        crypto_pwhash_MEMLIMIT_MIN, &k2),
                   0);
  rp__ibx_datakey_free(k2);
  assert_int_equal(rp__ibx_datakey_load(sealed, "pX", 2, 0, 0, 0, &k2), RP_EPASSPHRASE);
  assert_int_equal(rp__ibx_datakey_load(sealed, NULL, 0, 0, 0, 0, &k2), RP_EPASSPHRASE);
  assert_int_equal(rp__ibx_datakey_load(sealed, "pw", 2, 0, 0, 0, &k2), 0);
  /* Seal/open bound to the row id. */
  assert_int_equal(
      rp__ibx_seal(k1, (const uint8_t *)"id1", 3, (const uint8_t *)"{}", 2, &ct, &ctlen),
      0);
  assert_int_equal(rp__ibx_open(k1, (const uint8_t *)"id2", 3, ct, ctlen, &pt, &ptlen),
                   RP_EAUTH);
  assert_int_equal(rp__ibx_open(k2, (const uint8_t *)"id1", 3, ct, ctlen, &pt, &ptlen),
                   RP_EAUTH);
  assert_int_equal(rp__ibx_open(k1, (const uint8_t *)"id1", 3, ct, ctlen, &pt, &ptlen), 0);
  assert_string_equal((char *)pt, "{}");
  free(ct);
  free(pt);
  rp__ibx_datakey_free(k1);
  rp__ibx_datakey_free(k2);
}

static int count_fn(void *data, const rp__ibx_thread *t) {
  (void)t;
  ++*(int *)data;
  return 0;
}

/* An attachment source for the store: sizes[idx] bytes of a pattern, handed over in
 * uneven slices; fail_at (if nonzero) makes attachment fail_at - 1 fail midway. */
typedef struct att_fake {
  const size_t *sizes;
  unsigned fail_at, calls;
} att_fake;

static uint8_t pattern(size_t i, unsigned idx) {
  return (uint8_t)(i * 31u + idx * 7u + (i >> 11));
}

static int fake_src(void *ctx, unsigned idx, rp__ibx_att *meta, rp__ibx_att_sink *sink) {
  att_fake *a = ctx;
  uint8_t buf[70001];
  size_t done = 0, total = a->sizes[idx];
  a->calls++;
  snprintf(meta->name, sizeof meta->name, "bilag-%u.pdf", idx);
  snprintf(meta->mime, sizeof meta->mime, "application/pdf");
  snprintf(meta->kind, sizeof meta->kind, "andet");
  while (done < total) {
    size_t n = total - done < sizeof buf ? total - done : sizeof buf;
    if (a->fail_at == idx + 1 && done > 0) return RP_EIO;
    for (size_t i = 0; i < n; i++)
      buf[i] = pattern(done + i, idx);
    int r = rp__ibx_att_put(sink, buf, n);
    if (r != 0) return r;
    done += n;
  }
  return 0;
}

/* Attachments in the store: pieces of RP_IBX_ATT_PIECE at the boundaries (0 bytes, one
 * piece exactly, one byte more), read back whole; a duplicate msg_id reads nothing; a
 * source that fails leaves neither message nor pieces; a piece moved to another place
 * does not open (RP_EAUTH); purge removes them. */
static void test_store_attachments(void **state) {
  const char *dir = tu_tmpdir("ibx-att");
  const size_t sizes[3] = {0, RP_IBX_ATT_PIECE, RP_IBX_ATT_PIECE + 1};
  const uint32_t pieces[3] = {1, 1, 2};
  char path[600];
  uint8_t key[32];
  rp__ibx_store *st = NULL;
  rp__ibx_msg m = {0};
  rp__ibx_thread t = {0};
  rp__ibx_att *att = NULL;
  att_fake fk = {sizes, 0, 0};
  unsigned n = 0;
  int ins = -1;
  uint64_t purged = 0;
  (void)state;
  randombytes_buf(key, sizeof key);
  snprintf(path, sizeof path, "%s/inbox.db", dir);
  assert_int_equal(rp__ibx_store_open(path, key, &st), 0);
  snprintf(m.msg_id, sizeof m.msg_id, "bb112233445566778899aabbccddeeff");
  snprintf(m.thread_id, sizeof m.thread_id, "%s", m.msg_id);
  m.dir = RP_IBX_IN;
  m.kind = 1;
  m.body = "{}";
  m.body_len = 2;
  m.natt = 3;
  m.att_src = fake_src;
  m.att_ctx = &fk;
  t = (rp__ibx_thread){.state = RP_IBX_ST_NEW, .kind = 1};
  snprintf(t.thread_id, sizeof t.thread_id, "%s", m.msg_id);
  snprintf(t.first_msg, sizeof t.first_msg, "%s", m.msg_id);
  assert_int_equal(rp__ibx_store_add(st, &m, &t, &ins), 0);
  assert_int_equal(ins, 1);
  assert_int_equal(fk.calls, 3);
  assert_int_equal(rp__ibx_store_add(st, &m, &t, &ins), 0);
  assert_int_equal(ins, 0);
  assert_int_equal(fk.calls, 3); /* a duplicate is not read again */
  assert_int_equal(rp__ibx_store_thread_atts(st, t.thread_id, &att, &n), 0);
  assert_int_equal(n, 3);
  for (unsigned a = 0; a < 3; a++) {
    assert_int_equal(att[a].n, a + 1);
    assert_int_equal(att[a].idx, a);
    assert_int_equal(att[a].size, sizes[a]);
    assert_int_equal(att[a].pieces, pieces[a]);
    assert_string_equal(att[a].kind, "andet");
    size_t at = 0;
    for (uint32_t p = 0; p < att[a].pieces; p++) {
      uint8_t *pt = NULL;
      size_t len = 0;
      assert_int_equal(rp__ibx_store_att_piece(st, m.msg_id, a, p, &pt, &len), 0);
      assert_true(len <= RP_IBX_ATT_PIECE);
      for (size_t i = 0; i < len; i++)
        assert_int_equal(pt[i], pattern(at + i, a));
      at += len;
      free(pt);
    }
    assert_int_equal(at, sizes[a]);
  }
  free(att);
  uint8_t *pt = NULL;
  size_t len = 0;
  assert_int_equal(rp__ibx_store_att_piece(st, m.msg_id, 2, 2, &pt, &len), RP_ENOTFOUND);

  /* A failing source: nothing of that message is kept. */
  att_fake bad = {sizes, 3, 0};
  rp__ibx_msg m2 = m;
  snprintf(m2.msg_id, sizeof m2.msg_id, "cc112233445566778899aabbccddeeff");
  m2.att_ctx = &bad;
  assert_int_not_equal(rp__ibx_store_add(st, &m2, NULL, &ins), 0);
  assert_int_equal(rp__ibx_store_has_msg(st, m2.msg_id, NULL), 0);
  assert_int_equal(rp__ibx_store_att_piece(st, m2.msg_id, 0, 0, &pt, &len), RP_ENOTFOUND);

  /* A piece copied over another place does not open. */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE attachment_pieces SET data = (SELECT data FROM "
                                "attachment_pieces WHERE idx = 2 AND piece = 0) WHERE idx "
                                "= 2 AND piece = 1",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(rp__ibx_store_att_piece(st, m.msg_id, 2, 1, &pt, &len), RP_EAUTH);

  assert_int_equal(rp__ibx_store_close_thread(st, t.thread_id, 1, 1000), 0);
  assert_int_equal(rp__ibx_store_purge(st, 1001, &purged), 0);
  assert_int_equal(purged, 1);
  assert_int_equal(rp__ibx_store_att_piece(st, m.msg_id, 1, 0, &pt, &len), RP_ENOTFOUND);
  assert_int_equal(rp__ibx_store_thread_atts(st, t.thread_id, &att, &n), 0);
  assert_int_equal(n, 0);
  free(att);
  rp__ibx_store_close(st);
}

static int alert_fn(void *data, const rp__ibx_thread *t, int event) {
  int *n = data;
  (void)t;
  n[0]++;
  n[1] |= event;
  return 0;
}

static void test_store_dedupe_encrypt_purge(void **state) {
  const char *dir = tu_tmpdir("ibx-store");
  char path[600];
  uint8_t key[32];
  rp__ibx_store *st = NULL;
  rp__ibx_msg m = {0};
  rp__ibx_thread t = {0};
  int ins = -1, n = 0;
  uint64_t purged = 0;
  struct stat sb;
  (void)state;
  randombytes_buf(key, sizeof key);
  snprintf(path, sizeof path, "%s/inbox.db", dir);
  assert_int_equal(rp__ibx_store_open(path, key, &st), 0);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  snprintf(m.msg_id, sizeof m.msg_id, "aa112233445566778899aabbccddeeff");
  snprintf(m.thread_id, sizeof m.thread_id, "%s", m.msg_id);
  snprintf(m.peer, sizeof m.peer, "kommune-101");
  m.dir = RP_IBX_IN;
  m.kind = 1;
  m.body = "{\"question\":\"HEMMELIGT-INDHOLD\"}";
  m.body_len = strlen(m.body);
  t = (rp__ibx_thread){.state = RP_IBX_ST_NEW, .urgency = RP__URG_AKUT, .kind = 1};
  snprintf(t.thread_id, sizeof t.thread_id, "%s", m.msg_id);
  snprintf(t.first_msg, sizeof t.first_msg, "%s", m.msg_id);
  assert_int_equal(rp__ibx_store_add(st, &m, &t, &ins), 0);
  assert_int_equal(ins, 1);
  assert_int_equal(rp__ibx_store_add(st, &m, &t, &ins), 0);
  assert_int_equal(ins, 0); /* the same msg_id is stored once */
  /* Flags are test-and-set: of two racing callers only the first wins (the automatic
   * reply must go out once), and clearing lets a retry win again. */
  assert_int_equal(rp__ibx_store_set_flag(st, t.thread_id, "autoreplied", 1), 0);
  assert_int_equal(rp__ibx_store_set_flag(st, t.thread_id, "autoreplied", 1), RP_ENOTFOUND);
  assert_int_equal(rp__ibx_store_set_flag(st, t.thread_id, "autoreplied", 0), 0);
  assert_int_equal(rp__ibx_store_set_flag(st, t.thread_id, "autoreplied", 1), 0);
  assert_int_equal(rp__ibx_store_set_flag(st, t.thread_id, "state", 1), RP_EINVAL);
  /* Alerts: a new akut thread is due; recorded once; its pending mail is listed until
   * it is sent; a thread with a near deadline and a running clock wants a reminder. The
   * alert row goes with the purge below (the file is searched for the id after it). */
  int got[2] = {0, 0}, first = -1;
  assert_int_equal(rp__ibx_store_alerts_due(st, 10, 0, alert_fn, got), 0);
  assert_int_equal(got[0], 1);
  assert_int_equal(got[1], RP_IBX_EV_NEW);
  assert_int_equal(rp__ibx_store_alert_record(st, t.thread_id, RP_IBX_EV_NEW, 10,
                                              RP_IBX_MAIL_PENDING, &first),
                   0);
  assert_int_equal(first, 1);
  assert_int_equal(rp__ibx_store_alert_record(st, t.thread_id, RP_IBX_EV_NEW, 11,
                                              RP_IBX_MAIL_PENDING, &first),
                   0);
  assert_int_equal(first, 0);
  got[0] = got[1] = 0;
  assert_int_equal(rp__ibx_store_alerts_due(st, 10, 0, alert_fn, got), 0);
  assert_int_equal(got[0], 0);
  assert_int_equal(rp__ibx_store_alerts_pending(st, alert_fn, got), 0);
  assert_int_equal(got[0], 1);
  assert_int_equal(
      rp__ibx_store_alert_mailed(st, t.thread_id, RP_IBX_EV_NEW, RP_IBX_MAIL_SENT), 0);
  got[0] = 0;
  assert_int_equal(rp__ibx_store_alerts_pending(st, alert_fn, got), 0);
  assert_int_equal(got[0], 0);
  unsigned open[5], overdue = 9;
  assert_int_equal(rp__ibx_store_counts(st, 10, open, &overdue), 0);
  assert_int_equal(open[RP__URG_AKUT], 1);
  assert_int_equal(overdue, 0); /* no deadline in this row */
  rp__ibx_filter f = {0};
  assert_int_equal(rp__ibx_store_list(st, &f, count_fn, &n), 0);
  assert_int_equal(n, 1);
  /* The body is not in the file in clear. */
  size_t len = 0;
  char wal[640];
  snprintf(wal, sizeof wal, "%s-wal", path);
  char *raw = tu_read_file(wal, &len);
  for (size_t i = 0; raw != NULL && i + 10 < len; i++)
    assert_false(memcmp(raw + i, "HEMMELIGT", 9) == 0);
  free(raw);
  assert_int_equal(rp__ibx_store_close_thread(st, t.thread_id, 1, 1000), 0);
  assert_int_equal(rp__ibx_store_close_thread(st, t.thread_id, 1, 1000), RP_ENOTFOUND);
  assert_int_equal(rp__ibx_store_purge(st, 1000, &purged), 0); /* not older than 1000 */
  assert_int_equal(purged, 0);
  assert_int_equal(rp__ibx_store_purge(st, 1001, &purged), 0);
  assert_int_equal(purged, 1);
  assert_int_equal(rp__ibx_store_thread(st, t.thread_id, &t), RP_ENOTFOUND);
  assert_int_equal(rp__ibx_store_has_msg(st, m.msg_id, NULL), 0);
  rp__ibx_store_close(st);
  for (int k = 0; k < 2; k++) {
    snprintf(wal, sizeof wal, "%s%s", path, k ? "-wal" : "");
    raw = tu_read_file(wal, &len);
    for (size_t i = 0; raw != NULL && i + 32 <= len; i++)
      assert_false(memcmp(raw + i, m.msg_id, 32) == 0);
    free(raw);
  }
}

static void test_areq_limits(void **state) {
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_REPLY}, out;
  size_t len = 0;
  uint8_t *buf = malloc(RP_IBX_REQ_MAX + 64);
  char *text = malloc(RP_TEXT_QUESTION_MAX + 2);
  const char *where = NULL;
  (void)state;
  memset(text, 'a', RP_TEXT_QUESTION_MAX + 1);
  text[RP_TEXT_QUESTION_MAX] = 0;
  q.thread = rp__str_c("00112233445566778899aabbccddeeff");
  q.text = rp__str_c(text); /* exactly at the cap */
  assert_int_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX, &len), 0);
  assert_int_equal(rp__ibx_req_decode(buf, len, &out, &where), 0);
  assert_int_equal(out.text.n, RP_TEXT_QUESTION_MAX);
  text[RP_TEXT_QUESTION_MAX] = 'a'; /* one past */
  text[RP_TEXT_QUESTION_MAX + 1] = 0;
  q.text = rp__str_c(text);
  assert_int_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX, &len), RP_ETOOBIG);
  /* A thread id that is not 32 lowercase hex. */
  q.text = rp__str_c("x");
  q.thread = rp__str_c("00112233445566778899AABBCCDDEEFF");
  assert_int_not_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX, &len), 0);
  /* A frame length one past the cap. */
  uint8_t hdr[4] = {0, 0, (uint8_t)((RP_IBX_REQ_MAX + 1) >> 8),
                    (uint8_t)(RP_IBX_REQ_MAX + 1)};
  uint32_t n = 0;
  assert_int_equal(rp__ibx_frame_len(hdr, RP_IBX_REQ_MAX, &n), RP_ETOOBIG);
  hdr[3]--;
  assert_int_equal(rp__ibx_frame_len(hdr, RP_IBX_REQ_MAX, &n), 0);
  assert_int_equal(rp__ibx_req_decode(buf, RP_IBX_REQ_MAX + 1, &out, &where), RP_ETOOBIG);
  /* The largest reply text with the largest names-and-kinds list still fits a request;
   * the list one past its cap does not encode. */
  char *spec = malloc(RP_IBX_ATTACH_SPEC_MAX + 2);
  memset(spec, 'n', RP_IBX_ATTACH_SPEC_MAX + 1);
  spec[RP_IBX_ATTACH_SPEC_MAX] = 0;
  text[RP_TEXT_QUESTION_MAX] = 0;
  q.thread = rp__str_c("00112233445566778899aabbccddeeff");
  q.text = rp__str_c(text);
  q.attach = rp__str_c(spec);
  assert_int_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX, &len), 0);
  assert_int_equal(rp__ibx_req_decode(buf, len, &out, &where), 0);
  assert_int_equal(out.attach.n, RP_IBX_ATTACH_SPEC_MAX);
  spec[RP_IBX_ATTACH_SPEC_MAX] = 'n';
  spec[RP_IBX_ATTACH_SPEC_MAX + 1] = 0;
  q.attach = rp__str_c(spec);
  assert_int_not_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX + 64, &len), 0);
  /* save: the attachment's number is 1 .. RP_IBX_THREAD_MSGS_MAX * 16. */
  rp__ibx_req sv = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_SAVE};
  sv.thread = rp__str_c("00112233");
  sv.attachment = RP_IBX_THREAD_MSGS_MAX * 16u;
  assert_int_equal(rp__ibx_req_encode(&sv, buf, RP_IBX_REQ_MAX, &len), 0);
  assert_int_equal(rp__ibx_req_decode(buf, len, &out, &where), 0);
  assert_int_equal(out.attachment, RP_IBX_THREAD_MSGS_MAX * 16u);
  sv.attachment++;
  assert_int_not_equal(rp__ibx_req_encode(&sv, buf, RP_IBX_REQ_MAX, &len), 0);
  free(spec);
  free(buf);
  free(text);
}

/* The reply's coded fields on the socket: the largest reply (text, attachment list, 16
 * referrals with the longest name and note, 32 action names of the longest) still fits
 * a request; one more referral, action or slot does not encode; dates and message ids
 * are checked by the decoder. */
static void test_areq_workflow(void **state) {
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_REPLY}, out;
  uint8_t *buf = malloc(RP_IBX_REQ_MAX + 64);
  char *text = malloc(RP_TEXT_QUESTION_MAX + 1), *spec = malloc(RP_IBX_ATTACH_SPEC_MAX + 1);
  char longname[RP_TEXT_SHORT_MAX + 1], name64[RP_IBX_REQ_NAME_MAX + 1];
  const char *where = NULL;
  size_t len = 0;
  (void)state;
  memset(text, 'a', RP_TEXT_QUESTION_MAX);
  text[RP_TEXT_QUESTION_MAX] = 0;
  memset(spec, 'n', RP_IBX_ATTACH_SPEC_MAX);
  spec[RP_IBX_ATTACH_SPEC_MAX] = 0;
  memset(longname, 'x', RP_TEXT_SHORT_MAX);
  longname[RP_TEXT_SHORT_MAX] = 0;
  memset(name64, 'k', RP_IBX_REQ_NAME_MAX);
  name64[RP_IBX_REQ_NAME_MAX] = 0;
  q.thread = rp__str_c("00112233445566778899aabbccddeeff");
  q.text = rp__str_c(text);
  q.attach = rp__str_c(spec);
  q.reporting_duty = rp__str_c("yes");
  q.risk_view = rp__str_c(name64);
  q.follow_up_on = rp__str_c("2026-01-20");
  for (unsigned i = 0; i < RP_IBX_REQ_REFERRALS_MAX; i++)
    q.referrals[i] =
        (rp__ibx_referral){rp__str_c(name64), rp__str_c(longname), rp__str_c(longname)};
  q.nreferrals = RP_IBX_REQ_REFERRALS_MAX;
  for (unsigned i = 0; i < RP_IBX_REQ_ACTIONS_MAX; i++)
    q.actions[i] = rp__str_c(name64);
  q.nactions = RP_IBX_REQ_ACTIONS_MAX;
  assert_int_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX, &len), 0);
  assert_int_equal(rp__ibx_req_decode(buf, len, &out, &where), 0);
  assert_int_equal(out.nreferrals, RP_IBX_REQ_REFERRALS_MAX);
  assert_int_equal(out.referrals[15].note.n, RP_TEXT_SHORT_MAX);
  assert_int_equal(out.nactions, RP_IBX_REQ_ACTIONS_MAX);
  assert_int_equal(out.follow_up_on.n, 10);
  q.nreferrals++;
  assert_int_not_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX + 64, &len), 0);
  q.nreferrals--;
  q.nactions++;
  assert_int_not_equal(rp__ibx_req_encode(&q, buf, RP_IBX_REQ_MAX + 64, &len), 0);
  /* A meeting request: at most 8 slots; the message id is 4..32 lowercase hex. */
  rp__ibx_req m = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_MEETING_PROPOSE};
  m.thread = rp__str_c("00112233");
  m.msg = rp__str_c("abcd");
  m.mode = rp__str_c("online");
  m.nslots = RP_IBX_REQ_SLOTS_MAX;
  for (unsigned i = 0; i < m.nslots; i++)
    m.slots[i] = (rp__ibx_slot){1767862800000ull + i, 1767866400000ull + i};
  assert_int_equal(rp__ibx_req_encode(&m, buf, RP_IBX_REQ_MAX, &len), 0);
  assert_int_equal(rp__ibx_req_decode(buf, len, &out, &where), 0);
  assert_int_equal(out.nslots, RP_IBX_REQ_SLOTS_MAX);
  assert_int_equal(out.slots[7].end, 1767866400007ull);
  assert_string_equal(rp__ibx_action_name(out.action), "meeting_propose");
  assert_int_equal(rp__ibx_action_from_name("meeting-cancel"), RP_IBX_A_MEETING_CANCEL);
  m.nslots++;
  assert_int_not_equal(rp__ibx_req_encode(&m, buf, RP_IBX_REQ_MAX + 64, &len), 0);
  m.nslots--;
  m.msg = rp__str_c("ABCD");
  assert_int_not_equal(rp__ibx_req_encode(&m, buf, RP_IBX_REQ_MAX, &len), 0);
  m.msg = rp__str_c("abc");
  assert_int_not_equal(rp__ibx_req_encode(&m, buf, RP_IBX_REQ_MAX, &len), 0);
  rp__ibx_req st = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_STATS};
  st.from = rp__str_c("2026-13-01");
  assert_int_not_equal(rp__ibx_req_encode(&st, buf, RP_IBX_REQ_MAX, &len), 0);
  free(spec);
  free(text);
  free(buf);
}

/* Logs one line of each level with fd 2 on path; JOURNAL_STREAM names path's inode if
 * journal, else another file's. Returns what was written (malloc'd). */
static char *log_lines(const char *path, int journal) {
  int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  struct stat st;
  char v[64];
  assert_true(saved >= 0 && fd >= 0);
  assert_int_equal(fstat(fd, &st), 0);
  snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino + (journal ? 0 : 1));
  setenv("JOURNAL_STREAM", v, 1);
  dup2(fd, 2);
  close(fd);
  rp__log_set_journal(rp__log_journal_detect(2));
  rp__log_set_level(RP__LOG_DEBUG);
  rp__log_debug("event=d n=%d", 1);
  rp__log_info("event=i n=%d", 2);
  rp__log_warn("event=w n=%d", 3);
  rp__log_error("event=e n=%d", 4);
  dup2(saved, 2);
  close(saved);
  unsetenv("JOURNAL_STREAM");
  rp__log_set_journal(rp__log_journal_detect(2));
  rp__log_set_level(RP__LOG_INFO);
  return tu_read_file(path, NULL);
}

/* When stderr is the journal each line carries its sd-daemon priority; otherwise not. */
static void test_log_journal_priorities(void **state) {
  char path[600];
  (void)state;
  snprintf(path, sizeof path, "%s/log", tu_tmpdir("ibx-log"));
  char *got = log_lines(path, 1);
  const char *want[] = {"<7>", " debug event=d n=1\n", "<6>", " info event=i n=2\n",
                        "<4>", " warn event=w n=3\n",  "<3>", " error event=e n=4\n"};
  char *p = got;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(strncmp(p, want[2 * i], 3), 0);
    p = strstr(p, want[2 * i + 1]);
    assert_non_null(p);
    p += strlen(want[2 * i + 1]);
  }
  free(got);
  got = log_lines(path, 0); /* JOURNAL_STREAM inherited, but stderr is elsewhere */
  assert_true(got[0] >= '0' && got[0] <= '9');
  assert_null(strchr(got, '<'));
  free(got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clock_deadlines),
      cmocka_unit_test(test_clock_walk),
      cmocka_unit_test(test_clock_parse),
      cmocka_unit_test(test_audit_chain),
      cmocka_unit_test(test_datakey),
      cmocka_unit_test(test_store_dedupe_encrypt_purge),
      cmocka_unit_test(test_store_attachments),
      cmocka_unit_test(test_areq_limits),
      cmocka_unit_test(test_areq_workflow),
      cmocka_unit_test(test_log_journal_priorities),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
