/* SPDX-License-Identifier: MIT */
/*
 * The end-to-end scenario every binding runs, here through the C API: the C side of
 * "the same scenario in C, Python, Java and C#" (issue 13), against a testnet.sh network.
 *
 *   rp-scenario KBH_ENVFILE TEAM_ENVFILE WORKDIR
 *
 * The municipality (kbh) sends an akut request carrying two documents, one from a file
 * and one from memory. The team receives it, checks both documents byte for byte, tells
 * the municipality it opened the request, answers it in the thread and marks it
 * handled. The municipality sees its request go relayed, delivered, opened and answered,
 * in that order by time, receives the answer and marks it handled. Exit status 0 when
 * every step held; otherwise the failed step is printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rejsepost.h>

#include "tn_env.h"

static int failed;

#define EXPECT(cond) TN_EXPECT(failed, cond)

/* Polls c's inbox until a message arrives (the library's loop stores it). */
static int wait_inbox(rp_client *c, rp_received **out) {
  for (long waited = 0; waited < TN_WAIT_MS; waited += 20) {
    int rc = rp_inbox_next(c, out);
    if (rc != RP_ENOTFOUND) return rc;
    tn_sleep_ms(20);
  }
  return RP_ETIMEDOUT;
}

struct sink {
  uint8_t *buf;
  size_t len, cap;
};

static int sink_write(void *ctx, const uint8_t *buf, size_t len) {
  struct sink *s = ctx;
  if (s->len + len > s->cap) return 1;
  memcpy(s->buf + s->len, buf, len);
  s->len += len;
  return 0;
}

static rp_msg *akut_request(const char *doc_path, const uint8_t *note, size_t note_len) {
  rp_msg *m = NULL;
  int rc;
  if (rp_msg_new("request", &m) != 0) return NULL;
  if ((rc = rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver")) ||
      (rc = rp_msg_set_text(m, "sender_ref", "cw-17")) ||
      (rc = rp_msg_set_enum(m, "request_type", "beredskabsplan")) ||
      (rc = rp_msg_set_enum(m, "urgency", "akut")) ||
      (rc = rp_msg_add_to_set(m, "categories", "trusler")) ||
      (rc = rp_msg_set_enum(m, "risk.level", "hoej")) ||
      (rc = rp_msg_set_enum(m, "risk.tool", "ingen")) ||
      (rc = rp_msg_set_enum(m, "citizen.age_band", "18_22")) ||
      (rc = rp_msg_set_enum(m, "identifiability.mode", "anonym")) ||
      (rc = rp_msg_set_enum(m, "identifiability.consent", "ingen")) ||
      (rc = rp_msg_set_text(m, "question", "Hun skal rejse i aften. Hvad gør vi nu?")) ||
      (rc = rp_msg_attach_file(m, doc_path, "udkast.pdf", "application/pdf",
                               "beredskabsplan_udkast")) ||
      (rc = rp_msg_attach_buffer(m, note, note_len, "noter.txt", "text/plain", "andet"))) {
    fprintf(stderr, "scenario: request: %s at %s: %s\n", rp_err_name(rc),
            rp_msg_error_field(m) ? rp_msg_error_field(m) : "-",
            rp_msg_error_text(m) ? rp_msg_error_text(m) : "-");
    rp_msg_free(m);
    return NULL;
  }
  return m;
}

int main(int argc, char **argv) {
  static const char note[] = "Noter fra mødet med skolen.\n";
  uint8_t doc[300000], got[300000];
  char doc_path[1024], req[RP_ID_STRLEN], ans[RP_ID_STRLEN];
  rp_client *kbh = NULL, *team = NULL;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  uint64_t t[4] = {0, 0, 0, 0};
  const char *s;
  struct sink sink = {got, 0, sizeof got};
  FILE *f;

  if (argc != 4) {
    fprintf(stderr, "usage: %s KBH_ENVFILE TEAM_ENVFILE WORKDIR\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < sizeof doc; i++)
    doc[i] = (uint8_t)(i * 7 + i / 251);
  snprintf(doc_path, sizeof doc_path, "%s/udkast.pdf", argv[3]);
  EXPECT((f = fopen(doc_path, "wb")) != NULL);
  EXPECT(fwrite(doc, 1, sizeof doc, f) == sizeof doc);
  EXPECT(fclose(f) == 0);
  EXPECT((kbh = tn_client(argv[1], 1)) != NULL);
  EXPECT((team = tn_client(argv[2], 1)) != NULL);

  /* The municipality sends; rp_send returns once it is durable in the outbox. */
  EXPECT((m = akut_request(doc_path, (const uint8_t *)note, sizeof note - 1)) != NULL);
  EXPECT(rp_send(kbh, m, req) == 0);
  rp_msg_free(m);
  m = NULL;

  /* The team receives it whole: both documents, byte for byte. */
  EXPECT(wait_inbox(team, &r) == 0);
  EXPECT(strcmp(rp_received_msg_id(r), req) == 0);
  EXPECT(strcmp(rp_received_kind(r), "request") == 0);
  EXPECT(rp_received_get_enum(r, "urgency", &s) == 0 && strcmp(s, "akut") == 0);
  EXPECT(rp_received_attachments(r) == 2);
  EXPECT(rp_received_attachment_read(team, r, 0, sink_write, &sink) == 0);
  EXPECT(sink.len == sizeof doc && memcmp(got, doc, sizeof doc) == 0);
  sink.len = 0;
  EXPECT(rp_received_attachment_read(team, r, 1, sink_write, &sink) == 0);
  EXPECT(sink.len == sizeof note - 1 && memcmp(got, note, sink.len) == 0);

  /* Opened, answered in the thread, handled. */
  EXPECT(rp_send_opened(team, req) == 0);
  EXPECT(rp_msg_new("reply", &m) == 0);
  EXPECT(rp_msg_set_hex(m, "in_reply_to", req) == 0);
  EXPECT(rp_msg_set_thread(m, rp_received_thread_id(r)) == 0);
  EXPECT(rp_msg_set_recipient(m, rp_received_sender(r)) == 0);
  EXPECT(rp_msg_set_enum(m, "advisor.role", "raadgiver") == 0);
  EXPECT(rp_msg_set_text(m, "advisor.id", "R7") == 0);
  EXPECT(rp_msg_set_text(m, "advice", "Lav en sikkerhedsplan i dag.") == 0);
  EXPECT(rp_msg_set_bool(m, "reporting_duty", 1) == 0);
  EXPECT(rp_send(team, m, ans) == 0);
  rp_msg_free(m);
  m = NULL;
  EXPECT(rp_inbox_mark_handled(team, req) == 0);
  rp_received_free(r);
  r = NULL;

  /* The municipality sees every step, in order, and gets the answer. */
  EXPECT(tn_wait_status(kbh, req, RP_STATUS_ANSWERED) == RP_STATUS_ANSWERED);
  EXPECT(rp_status_time(kbh, req, RP_STATUS_RELAYED, &t[0]) == 0);
  EXPECT(rp_status_time(kbh, req, RP_STATUS_DELIVERED, &t[1]) == 0);
  EXPECT(rp_status_time(kbh, req, RP_STATUS_OPENED, &t[2]) == 0);
  EXPECT(rp_status_time(kbh, req, RP_STATUS_ANSWERED, &t[3]) == 0);
  EXPECT(t[0] > 0 && t[0] <= t[1] && t[1] <= t[2] && t[2] <= t[3]);
  EXPECT(wait_inbox(kbh, &r) == 0);
  EXPECT(strcmp(rp_received_msg_id(r), ans) == 0);
  EXPECT(strcmp(rp_received_in_reply_to(r), req) == 0);
  EXPECT(rp_received_get_text(r, "advice", &s) == 0 &&
         strcmp(s, "Lav en sikkerhedsplan i dag.") == 0);
  EXPECT(rp_inbox_mark_handled(kbh, ans) == 0);
  printf("scenario: request %s relayed, delivered, opened, answered by %s\n", req, ans);
out:
  rp_received_free(r);
  rp_msg_free(m);
  rp_client_free(kbh);
  rp_client_free(team);
  return failed;
}
