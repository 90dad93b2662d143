/* SPDX-License-Identifier: MIT */
/*
 * The municipality's whole workflow through the C API, against a testnet.sh network:
 * the C side of what every binding's workflow test does (issue 13).
 *
 *   rp-workflow KBH_ENVFILE TEAM_ENVFILE WORKDIR
 *
 *  1. kbh sends a plan for review with the draft plan attached; the team reads it.
 *  2. The team asks for more information; kbh answers with a follow-up in the thread.
 *  3. The team proposes a meeting with two slots; kbh confirms the second.
 *  4. The team announces an east-network meeting; kbh registers two participants.
 *  5. kbh sends a follow-up by mistake and recalls it: the team's copy is marked
 *     recalled, and kbh sees the follow-up's status become recalled.
 *  6. kbh withdraws the citizen's consent in the thread: both libraries erase the thread
 *     (kbh keeps only its consent_withdrawn, the team nothing of it).
 * Each message is checked on the other side: its kind, its thread, the message it
 * refers to, and its fields. Exit status 0 when every step held.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rejsepost.h>

#include "tn_env.h"

#define JSON_MAX 1024

static int failed;

#define EXPECT(cond) TN_EXPECT(failed, cond)

/* Sends the JSON message through c; its id into id. 0 or the error, printed. */
static int send_json(rp_client *c, const char *json, char id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  const char *where = NULL;
  int rc = rp_msg_from_json(json, strlen(json), &m, &where);
  if (rc == 0) rc = rp_send(c, m, id);
  if (rc != 0)
    fprintf(stderr, "workflow: send %s: %s at %s\n", json, rp_err_name(rc),
            m && rp_msg_error_field(m) ? rp_msg_error_field(m) : (where ? where : "-"));
  rp_msg_free(m);
  return rc;
}

/* The next message in c's inbox, which must be of `kind`; marked handled. NULL after
 * printing what came instead. */
static rp_received *receive(rp_client *c, const char *kind) {
  rp_received *r = NULL;
  int rc = RP_ENOTFOUND;
  for (long waited = 0; waited < TN_WAIT_MS && rc == RP_ENOTFOUND; waited += 20) {
    if ((rc = rp_inbox_next(c, &r)) == RP_ENOTFOUND) tn_sleep_ms(20);
  }
  if (rc != 0) {
    fprintf(stderr, "workflow: waiting for a %s: %s\n", kind, rp_err_name(rc));
    return NULL;
  }
  if (strcmp(rp_received_kind(r), kind) != 0) {
    fprintf(stderr, "workflow: expected a %s, got a %s\n", kind, rp_received_kind(r));
    rp_received_free(r);
    return NULL;
  }
  if (rp_inbox_mark_handled(c, rp_received_msg_id(r)) != 0) {
    rp_received_free(r);
    return NULL;
  }
  return r;
}

static int hex_is(const rp_received *r, const char *field, const char *want) {
  const char *got = NULL;
  return rp_received_get_hex(r, field, &got) == 0 && strcmp(got, want) == 0;
}

static int enum_is(const rp_received *r, const char *field, const char *want) {
  const char *got = NULL;
  return rp_received_get_enum(r, field, &got) == 0 && strcmp(got, want) == 0;
}

int main(int argc, char **argv) {
  char plan_path[1024], json[JSON_MAX];
  char plan[RP_ID_STRLEN], ask[RP_ID_STRLEN], answer[RP_ID_STRLEN], prop[RP_ID_STRLEN];
  char conf[RP_ID_STRLEN], ann[RP_ID_STRLEN], reg[RP_ID_STRLEN], oops[RP_ID_STRLEN];
  char recall[RP_ID_STRLEN], consent[RP_ID_STRLEN];
  rp_client *kbh = NULL, *team = NULL;
  rp_received *r = NULL;
  const char *s = NULL;
  int st = 0;
  uint64_t u = 0, now = (uint64_t)time(NULL) * 1000u, slot1 = now + 86400000u * 3,
           slot2 = now + 86400000u * 4;
  FILE *f;

  if (argc != 4) {
    fprintf(stderr, "usage: %s KBH_ENVFILE TEAM_ENVFILE WORKDIR\n", argv[0]);
    return 2;
  }
  snprintf(plan_path, sizeof plan_path, "%s/handlingsplan.pdf", argv[3]);
  EXPECT((f = fopen(plan_path, "wb")) != NULL);
  EXPECT(fputs("%PDF-1.4\n% udkast til handlingsplan\n%%EOF\n", f) >= 0);
  EXPECT(fclose(f) == 0);
  EXPECT((kbh = tn_client(argv[1], 1)) != NULL);
  EXPECT((team = tn_client(argv[2], 1)) != NULL);

  /* 1. A plan for review, with the draft attached. */
  {
    rp_msg *m = NULL;
    EXPECT(rp_msg_new("plan_review", &m) == 0);
    if (rp_msg_set_enum(m, "plan", "handlingsplan") ||
        rp_msg_set_text(m, "question", "Er planen realistisk?") ||
        rp_msg_attach_file(m, plan_path, NULL, "application/pdf", "handlingsplan") ||
        rp_send(kbh, m, plan)) {
      fprintf(stderr, "workflow: plan_review: %s\n", rp_msg_error_text(m));
      rp_msg_free(m);
      EXPECT(0);
    }
    rp_msg_free(m);
  }
  EXPECT((r = receive(team, "plan_review")) != NULL);
  EXPECT(strcmp(rp_received_thread_id(r), plan) == 0);
  EXPECT(rp_received_attachments(r) == 1);
  EXPECT(rp_received_attachment(r, 0, &s, NULL, &u, NULL) == 0);
  EXPECT(strcmp(s, "handlingsplan.pdf") == 0 && u > 0);
  rp_received_free(r);
  r = NULL;

  /* 2. More information asked for, and given. */
  snprintf(json, sizeof json,
           "{\"kind\":\"info_request\",\"in_reply_to\":\"%s\",\"questions\":\"Hvem "
           "deltager i netværksmødet?\",\"topics\":[\"netvaerk\"]}",
           plan);
  EXPECT(send_json(team, json, ask) == 0);
  EXPECT((r = receive(kbh, "info_request")) != NULL);
  EXPECT(strcmp(rp_received_thread_id(r), plan) == 0 && hex_is(r, "in_reply_to", plan));
  rp_received_free(r);
  r = NULL;
  snprintf(json, sizeof json,
           "{\"kind\":\"follow_up\",\"in_reply_to\":\"%s\",\"text\":\"Mor, skolen og "
           "SSP.\"}",
           ask);
  EXPECT(send_json(kbh, json, answer) == 0);
  EXPECT((r = receive(team, "follow_up")) != NULL);
  EXPECT(strcmp(rp_received_thread_id(r), plan) == 0 && hex_is(r, "in_reply_to", ask));
  EXPECT(rp_received_get_text(r, "text", &s) == 0 && strcmp(s, "Mor, skolen og SSP.") == 0);
  rp_received_free(r);
  r = NULL;

  /* 3. A meeting proposed, the second slot confirmed. */
  snprintf(json, sizeof json,
           "{\"kind\":\"meeting_proposal\",\"meeting_ref\":\"%s\",\"mode\":\"online\","
           "\"slots\":[{\"start\":%" PRIu64 ",\"end\":%" PRIu64 "},{\"start\":%" PRIu64
           ",\"end\":%" PRIu64 "}]}",
           plan, slot1, slot1 + 3600000u, slot2, slot2 + 3600000u);
  EXPECT(send_json(team, json, prop) == 0);
  EXPECT((r = receive(kbh, "meeting_proposal")) != NULL);
  EXPECT(rp_received_list_count(r, "slots", (size_t *)&u) == 0 && u == 2);
  EXPECT(rp_received_get_uint(r, "slots.1.start", &u) == 0 && u == slot2);
  rp_received_free(r);
  r = NULL;
  snprintf(json, sizeof json,
           "{\"kind\":\"meeting_confirmation\",\"meeting_ref\":\"%s\",\"mode\":\"online\","
           "\"slot\":{\"start\":%" PRIu64 ",\"end\":%" PRIu64 "}}",
           prop, slot2, slot2 + 3600000u);
  EXPECT(send_json(kbh, json, conf) == 0);
  EXPECT((r = receive(team, "meeting_confirmation")) != NULL);
  EXPECT(hex_is(r, "meeting_ref", prop) && strcmp(rp_received_thread_id(r), plan) == 0);
  EXPECT(rp_received_get_uint(r, "slot.start", &u) == 0 && u == slot2);
  rp_received_free(r);
  r = NULL;

  /* 4. A network meeting announced; kbh registers two. */
  EXPECT(send_json(team,
                   "{\"kind\":\"network_announcement\",\"network\":\"oest\",\"event_on\":"
                   "\"2099-03-12\",\"host_org\":\"101\",\"title\":\"Netværksmøde øst\","
                   "\"programme\":\"Kontrol og trusler i familien\","
                   "\"registration_deadline\":\"2099-03-01\",\"recipient\":\"kbh\"}",
                   ann) == 0);
  EXPECT((r = receive(kbh, "network_announcement")) != NULL);
  EXPECT(enum_is(r, "network", "oest"));
  rp_received_free(r);
  r = NULL;
  snprintf(json, sizeof json,
           "{\"kind\":\"registration\",\"announcement_ref\":\"%s\",\"answer\":\"tilmeldt\","
           "\"participants\":2,\"roles\":[\"ssp\",\"skole\"]}",
           ann);
  EXPECT(send_json(kbh, json, reg) == 0);
  EXPECT((r = receive(team, "registration")) != NULL);
  EXPECT(hex_is(r, "announcement_ref", ann) && enum_is(r, "answer", "tilmeldt"));
  EXPECT(rp_received_get_uint(r, "participants", &u) == 0 && u == 2);
  EXPECT(rp_received_get_text(r, "sender_org", &s) == 0 && strcmp(s, "101") == 0);
  rp_received_free(r);
  r = NULL;

  /* 5. A follow-up sent by mistake, read by the team, then recalled: the team's copy is
   * marked recalled and kbh sees the outcome as the follow-up's status. */
  snprintf(json, sizeof json,
           "{\"kind\":\"follow_up\",\"in_reply_to\":\"%s\",\"text\":\"Forkert sag.\"}",
           plan);
  EXPECT(send_json(kbh, json, oops) == 0);
  EXPECT((r = receive(team, "follow_up")) != NULL);
  EXPECT(strcmp(rp_received_msg_id(r), oops) == 0 && !rp_received_recalled(r));
  rp_received_free(r);
  r = NULL;
  snprintf(json, sizeof json,
           "{\"kind\":\"recall\",\"about\":\"%s\",\"reason\":\"forkert_indhold\"}", oops);
  EXPECT(send_json(kbh, json, recall) == 0);
  EXPECT((r = receive(team, "recall")) != NULL);
  EXPECT(hex_is(r, "about", oops) && strcmp(rp_received_thread_id(r), plan) == 0);
  rp_received_free(r);
  r = NULL;
  EXPECT(rp_inbox_get(team, oops, &r) == 0 && rp_received_recalled(r) == 1);
  rp_received_free(r);
  r = NULL;
  EXPECT(tn_wait_status(kbh, oops, RP_STATUS_RECALLED) == RP_STATUS_RECALLED);
  EXPECT(rp_status_time(kbh, oops, RP_STATUS_RECALLED, &u) == 0 && u > 0);

  /* 6. The citizen withdraws consent. */
  snprintf(json, sizeof json,
           "{\"kind\":\"consent_withdrawn\",\"by\":\"borger\",\"thread_id\":\"%s\"}", plan);
  EXPECT(send_json(kbh, json, consent) == 0);
  EXPECT((r = receive(team, "consent_withdrawn")) != NULL);
  EXPECT(strcmp(rp_received_thread_id(r), plan) == 0 && enum_is(r, "by", "borger"));
  rp_received_free(r);
  r = NULL;
  /* The team marked it handled (receive): its library erased the whole thread there and
   * then, the consent_withdrawn too, and what the team sent in it. */
  EXPECT(rp_inbox_get(team, plan, &r) == RP_ENOTFOUND && r == NULL);
  EXPECT(rp_inbox_get(team, answer, &r) == RP_ENOTFOUND);
  EXPECT(rp_inbox_get(team, consent, &r) == RP_ENOTFOUND);
  EXPECT(rp_status(team, ask, &st, NULL) == RP_ENOTFOUND);
  EXPECT(rp_status(team, prop, &st, NULL) == RP_ENOTFOUND);
  /* kbh's library erased the rest of the thread once the relay had the consent_withdrawn
   * (its ACK; the team's delivered receipt comes after it on the same connection): what
   * kbh received in the thread and what it sent are gone, the consent_withdrawn alone
   * stays, so that its progress can still be followed. */
  EXPECT(tn_wait_status(kbh, consent, RP_STATUS_DELIVERED) > 0);
  EXPECT(rp_inbox_get(kbh, ask, &r) == RP_ENOTFOUND);
  EXPECT(rp_inbox_get(kbh, prop, &r) == RP_ENOTFOUND);
  EXPECT(rp_status(kbh, plan, &st, NULL) == RP_ENOTFOUND);
  EXPECT(rp_status(kbh, oops, &st, NULL) == RP_ENOTFOUND);
  EXPECT(rp_status_time(kbh, plan, RP_STATUS_RELAYED, &u) == RP_ENOTFOUND);
  /* The network meeting's thread is untouched on both sides. */
  EXPECT(rp_inbox_get(kbh, ann, &r) == 0);
  rp_received_free(r);
  r = NULL;
  EXPECT(rp_inbox_get(team, reg, &r) == 0);
  rp_received_free(r);
  r = NULL;
  printf("workflow: plan review %s: info asked and given, meeting confirmed, registered, "
         "recalled, consent withdrawn and the thread erased\n",
         plan);
out:
  rp_received_free(r);
  rp_client_free(kbh);
  rp_client_free(team);
  return failed;
}
