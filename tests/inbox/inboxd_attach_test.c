/* SPDX-License-Identifier: MIT */
/*
 * Documents in the team's inbox: a request with attachments arrives and is stored
 * encrypted in pieces, `show` lists them, `save` writes one byte-identical to a new
 * file (mode 0600) and refuses an existing path, a reply carries an attachment the
 * municipality receives whole, and the retention purge removes the attachments' rows and
 * their ciphertext from the database and WAL files. Real relayd, real daemon (test
 * build), the real rejsepost-advisor command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <sys/socket.h>

#include "ibx_areq.h"
#include "ibx_fixture.h"
#include "ibx_sock.h"

static fx g;
/* Three pieces of the store (256 KiB each), the last one short. */
#define BIG_LEN (600u * 1024u + 17u)
static uint8_t g_big[BIG_LEN];
static const char k_small[] = "Noter til planen: ingen personoplysninger.\n";

static int setup(void **state) {
  (void)state;
  signal(SIGPIPE, SIG_IGN); /* a dropped connection must fail a write, not the test */
  randombytes_buf(g_big, sizeof g_big);
  return fx_init(&g, "inboxd-attach");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

static int request_with_attachments(char id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc;
  if ((rc = rp_msg_new("request", &m)) != 0) return rc;
  if ((rc = rp_msg_set_text(m, "sender_org", fx_code(&g, 0))) == 0 &&
      (rc = rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver")) == 0 &&
      (rc = rp_msg_set_text(m, "sender_ref", "sagsbehandler-7")) == 0 &&
      (rc = rp_msg_set_enum(m, "request_type", "beredskabsplan")) == 0 &&
      (rc = rp_msg_set_enum(m, "urgency", "plan")) == 0 &&
      (rc = rp_msg_add_to_set(m, "categories", "strategisk")) == 0 &&
      (rc = rp_msg_set_enum(m, "risk.level", "ukendt")) == 0 &&
      (rc = rp_msg_set_bool(m, "risk.acute", 0)) == 0 &&
      (rc = rp_msg_set_enum(m, "risk.tool", "ingen")) == 0 &&
      (rc = rp_msg_set_enum(m, "citizen.age_band", "30_plus")) == 0 &&
      (rc = rp_msg_set_bool(m, "citizen.under_18", 0)) == 0 &&
      (rc = rp_msg_set_enum(m, "identifiability.mode", "anonym")) == 0 &&
      (rc = rp_msg_set_enum(m, "identifiability.consent", "ingen")) == 0 &&
      (rc = rp_msg_set_text(m, "question", "Vil I se vores udkast?")) == 0 &&
      (rc = rp_msg_attach_buffer(m, g_big, sizeof g_big, "udkast.pdf", "application/pdf",
                                 "beredskabsplan_udkast")) == 0 &&
      (rc = rp_msg_attach_buffer(m, k_small, sizeof k_small - 1, "noter.txt", "text/plain",
                                 "andet")) == 0 &&
      (rc = rp_msg_attach_buffer(m, k_small, 0, "tom.txt", "text/plain", "andet")) == 0)
    rc = rp_send(g.mun[0], m, id);
  if (rc != 0)
    fprintf(stderr, "request: %s at %s\n", rp_strerror(rc),
            rp_msg_error_field(m) ? rp_msg_error_field(m) : "-");
  rp_msg_free(m);
  return rc;
}

static void assert_file_is(const char *path, const void *want, size_t n) {
  struct stat sb;
  size_t len = 0;
  char *got = tu_read_file(path, &len);
  assert_non_null(got);
  assert_int_equal(len, n);
  assert_memory_equal(got, want, n);
  free(got);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
}

/* 64 bytes from the middle of a stored piece's ciphertext. */
static int cipher_slice(uint8_t out[64]) {
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  int rc = -1;
  if (sqlite3_open_v2(g.db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "SELECT data FROM attachment_pieces WHERE idx = 0 AND piece = 1",
                         -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) > 1000) {
    memcpy(out, (const uint8_t *)sqlite3_column_blob(s, 0) + 500, 64);
    rc = 0;
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rc;
}

static int files_hold(const uint8_t *needle, size_t n) {
  const char *ext[2] = {"", "-wal"};
  char path[800];
  for (int i = 0; i < 2; i++) {
    size_t len = 0;
    snprintf(path, sizeof path, "%s%s", g.db, ext[i]);
    uint8_t *b = (uint8_t *)tu_read_file(path, &len);
    for (size_t k = 0; b != NULL && k + n <= len; k++)
      if (memcmp(b + k, needle, n) == 0) {
        free(b);
        return 1;
      }
    free(b);
  }
  return 0;
}

static void test_attachments(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], args[1200], path[800], path2[800], needle[120];
  char *out = NULL, *audit;
  rp_received *r = NULL;
  uint8_t slice[64], reply_doc[70000];
  (void)state;

  /* It arrives, with both attachments, and show lists them. */
  assert_int_equal(request_with_attachments(id), 0);
  snprintf(needle, sizeof needle, "\"first_msg\":\"%s\"", id);
  assert_int_equal(fx_wait_listed(&g, "list --json", needle, 30000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  snprintf(args, sizeof args, "show %s", th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "bilag 1: navn udkast.pdf, type application/pdf, størrelse "
                              "614417 bytes, art beredskabsplan_udkast"));
  assert_non_null(strstr(out, "bilag 2: navn noter.txt, type text/plain"));
  free(out);
  assert_int_equal(fx_db_count(&g, "SELECT count(*) FROM attachments"), 3);
  assert_int_equal(fx_db_count(&g, "SELECT count(*) FROM attachment_pieces"),
                   5); /* 3 + 1 + 1 (an empty one too) */
  /* At rest it is ciphertext: no run of the plain bytes is in the files. */
  assert_false(files_hold(g_big + 300000, 64));

  /* save: byte-identical, 0600; an existing path is refused and left alone. */
  snprintf(path, sizeof path, "%s/saved-udkast.pdf", g.dir);
  snprintf(args, sizeof args, "save %s 1 %s", th, path);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "saved udkast.pdf (614417 bytes"));
  free(out);
  assert_file_is(path, g_big, sizeof g_big);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  assert_non_null(strstr(out, "exists"));
  free(out);
  assert_file_is(path, g_big, sizeof g_big);
  snprintf(path2, sizeof path2, "%s/saved-noter.txt", g.dir);
  assert_int_equal(fx_advf(&g, NULL, NULL, "save %s 2 %s", th, path2), 0);
  assert_file_is(path2, k_small, sizeof k_small - 1);
  /* An empty attachment saves as an empty file. */
  snprintf(path2, sizeof path2, "%s/saved-tom.txt", g.dir);
  assert_int_equal(fx_advf(&g, NULL, NULL, "save %s 3 %s", th, path2), 0);
  assert_file_is(path2, "", 0);
  /* No such attachment: refused, no file left. */
  snprintf(path2, sizeof path2, "%s/saved-none", g.dir);
  snprintf(args, sizeof args, "save %s 9 %s", th, path2);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  assert_non_null(strstr(out, "no number 9"));
  free(out);
  assert_int_equal(access(path2, F_OK), -1);
  /* Audited: who, the thread and the attachment, never content. */
  audit = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "action=save thread=%s attachment=1 ", th);
  assert_non_null(strstr(audit, needle));
  assert_null(strstr(audit, "udkast.pdf"));
  free(audit);

  /* A reply with an attachment reaches the municipality whole. */
  for (size_t i = 0; i < sizeof reply_doc; i++)
    reply_doc[i] = (uint8_t)(i * 7 + 3);
  snprintf(path, sizeof path, "%s/kommenteret.pdf", g.dir);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(reply_doc, 1, sizeof reply_doc, f), sizeof reply_doc);
  fclose(f);
  snprintf(args, sizeof args,
           "reply %s --stdin --reporting-duty no --attach %s:handlingsplan", th, path);
  assert_int_equal(fx_advisor(&g, args, "Se vores kommentarer i bilaget.", &out), 0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 0, "reply", 30000, &r), 0);
  assert_int_equal(rp_received_attachments(r), 1);
  const char *name = NULL, *kind = NULL, *mime = NULL;
  uint64_t size = 0;
  assert_int_equal(rp_received_attachment(r, 0, &name, &mime, &size, &kind), 0);
  assert_string_equal(name, "kommenteret.pdf");
  assert_string_equal(mime, "application/pdf");
  assert_string_equal(kind, "handlingsplan");
  assert_int_equal(size, sizeof reply_doc);
  snprintf(path2, sizeof path2, "%s/kommune-fik.pdf", g.dir);
  assert_int_equal(rp_received_attachment_save(g.mun[0], r, 0, path2), 0);
  assert_file_is(path2, reply_doc, sizeof reply_doc);
  rp_received_free(r);
  /* The thread records it (sent), and show lists it as number 4. */
  snprintf(args, sizeof args, "show %s", th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "bilag 4: navn kommenteret.pdf, type application/pdf, "
                              "størrelse 70000 bytes, art handlingsplan"));
  free(out);
  /* The record of the reply (its payload) carries the size and sha256 that went out,
   * and the store's copy hashes the same. */
  uint8_t dg[32];
  char hex[65], *p1;
  crypto_hash_sha256(dg, reply_doc, sizeof reply_doc);
  sodium_bin2hex(hex, sizeof hex, dg, sizeof dg);
  snprintf(needle, sizeof needle, "\"sha256\":\"%s\"", hex);
  snprintf(args, sizeof args, "show %s --json", th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(p1 = strstr(out, needle));
  assert_non_null(strstr(p1 + 1, needle));
  assert_non_null(strstr(out, "\"size\":70000"));
  free(out);
  assert_int_equal(fx_log_count(&g, "event=attachment_changed"), 0);

  /* A non-regular file is refused by the command before anything is sent. */
  snprintf(args, sizeof args, "reply %s --stdin --reporting-duty no --attach %s", th,
           g.dir);
  assert_int_equal(fx_advisor(&g, args, "x", &out), 2);
  free(out);

  /* Purge with the thread: rows and ciphertext leave the database and WAL files. */
  assert_int_equal(cipher_slice(slice), 0);
  assert_true(files_hold(slice, sizeof slice));
  assert_int_equal(fx_advf(&g, NULL, NULL, "close %s --outcome raadgivning_givet", th), 0);
  fx_set_clock(&g, FX_MON_0900 + 5 * FX_HOUR);
  assert_int_equal(fx_wait_log(&g, "event=purged threads=1", 20000), 0);
  assert_int_equal(fx_db_count(&g, "SELECT count(*) FROM attachments"), 0);
  assert_int_equal(fx_db_count(&g, "SELECT count(*) FROM attachment_pieces"), 0);
  assert_false(files_hold(slice, sizeof slice));
}

/* Sends a request frame with n files passed along (SCM_RIGHTS on the length prefix). */
static int send_with_fds(int fd, const uint8_t *body, size_t len, const int *fds,
                         unsigned n) {
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
  union {
    struct cmsghdr h;
    char b[CMSG_SPACE(sizeof(int) * 32)];
  } u;
  struct iovec iov = {hdr, sizeof hdr};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  struct cmsghdr *c;
  memset(&u, 0, sizeof u);
  mh.msg_control = u.b;
  mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
  c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof hdr) return -1;
  /* The daemon may have dropped the connection already (too many files). */
  return send(fd, body, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : 1;
}

/* The daemon's own checks on files passed with a reply, whatever the command does: a
 * pipe is refused (it could hold the daemon), and more than 16 files drop the
 * connection unanswered. */
static void test_passed_files(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], needle[120];
  rp__ibx_req q;
  rp__ibx_resp rs;
  uint8_t buf[4096], *resp = NULL;
  size_t len = 0, rlen = 0;
  int sock = -1, p[2], many[17];
  (void)state;
  assert_int_equal(fx_request(&g, 1, "normal", "trusler", id), 0);
  snprintf(needle, sizeof needle, "\"first_msg\":\"%s\"", id);
  assert_int_equal(fx_wait_listed(&g, "list --json", needle, 30000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  memset(&q, 0, sizeof q);
  q.version = RP_SCHEMA_VERSION;
  q.action = RP_IBX_A_REPLY;
  q.thread = rp__str_c(th);
  q.text = rp__str_c("FIKTIV: se bilaget.");
  q.attach = rp__str_c("p.txt/andet");
  q.reporting_duty = rp__str_c("no"); /* required with every reply */
  assert_int_equal(rp__ibx_req_encode(&q, buf, sizeof buf, &len), 0);

  assert_int_equal(pipe(p), 0);
  assert_int_equal(rp__ibx_sock_connect(g.sock, &sock), 0);
  assert_int_equal(send_with_fds(sock, buf, len, &p[0], 1), 0);
  assert_int_equal(rp__ibx_sock_read_frame(sock, RP_IBX_RESP_MAX, 10000, &resp, &rlen), 0);
  assert_int_equal(rp__ibx_resp_decode(resp, rlen, &rs), 0);
  assert_int_equal(rs.error, (uint64_t)-RP_EINVAL);
  assert_non_null(strstr(rs.message.p, "not a regular file"));
  free(resp);
  close(sock);
  close(p[0]);
  close(p[1]);

  for (int i = 0; i < 17; i++)
    assert_true((many[i] = open("/dev/null", O_RDONLY)) >= 0);
  assert_int_equal(rp__ibx_sock_connect(g.sock, &sock), 0);
  assert_true(send_with_fds(sock, buf, len, many, 17) >= 0);
  assert_int_equal(rp__ibx_sock_read_frame(sock, RP_IBX_RESP_MAX, 10000, &resp, &rlen),
                   RP_ECLOSED);
  close(sock);
  for (int i = 0; i < 17; i++)
    close(many[i]);
  assert_int_equal(fx_wait_log(&g, "event=advisor_dropped who=", 5000), 0);
  assert_true(fx_log_count(&g, "error=ETOOBIG") >= 1);
  /* Nothing went out on that thread. */
  assert_int_equal(fx_log_count(&g, "kind=reply to=kommune-102"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_attachments),
      cmocka_unit_test(test_passed_files),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
