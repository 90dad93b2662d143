/* SPDX-License-Identifier: MIT */
/* rejsepost inbox | read | mark: the messages this state folder received. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "state.h"

static void print_received_line(const rp_received *r) {
  const char *urg = NULL, *reply_to = rp_received_in_reply_to(r);
  char t[32];
  rp_received_get_enum(r, "urgency", &urg);
  printf("%-32s %-22s %-14s %-7s %s%s%.8s\n", rp_received_msg_id(r), rp_received_kind(r),
         rp_received_sender(r), urg != NULL ? urg : "-",
         tl_time_text(rp_received_stored_at(r), t, sizeof t),
         reply_to != NULL ? "  re " : "", reply_to != NULL ? reply_to : "");
}

const char tl_usage_inbox[] =
    "Usage: rejsepost inbox --state DIR [--wait SECONDS]\n"
    "\n"
    "Connects (up to --wait seconds, default 3), fetches what the relay holds, and lists\n"
    "received messages not yet marked handled.\n"
    "\n" TL_STATE_OPT;

int tl_cmd_inbox(int argc, char **argv) {
  const char *state, *pos;
  rp_received *r = NULL;
  rp_client *c;
  int rc, wait_ms;
  size_t n = 0;

  if ((rc = tl_state_parse(argc, argv, &state, &wait_ms, &pos, 0)) != TL_OK) return rc;
  if (pos != NULL) return tl_usage(argv[0], "unexpected argument '%s'", pos);
  if ((c = tl_client_open_synced(state, wait_ms)) == NULL) return TL_FAIL;
  printf("%-32s %-22s %-14s %-7s %s\n", "MSGID", "KIND", "FROM", "URGENCY", "STORED");
  while (rp_inbox_next(c, &r) == 0) {
    print_received_line(r);
    rp_received_free(r);
    n++;
  }
  printf("%zu message%s not yet marked handled\n", n, n == 1 ? "" : "s");
  rp_client_free(c);
  return TL_OK;
}

/* Finds an inbox message by full id, or by a unique prefix of an unhandled one. */
int tl_find_received(rp_client *c, const char *id, rp_received **out) {
  rp_received *r = NULL;
  int hits = 0;
  *out = NULL;
  if (strlen(id) == RP_ID_STRLEN - 1 && rp_inbox_get(c, id, out) == 0) return 0;
  while (rp_inbox_next(c, &r) == 0) {
    if (strncmp(rp_received_msg_id(r), id, strlen(id)) == 0 && hits++ == 0)
      rp_received_dup(r, out);
    rp_received_free(r);
  }
  if (hits == 1) return 0;
  rp_received_free(*out);
  *out = NULL;
  return hits == 0 ? tl_fail("no received message %s: 'rejsepost inbox' lists them", id)
                   : tl_fail("%s matches %d messages: give more digits", id, hits);
}

/* read and mark: the options, the client (first given the relay --wait if sync) and the
 * message named. TL_OK with *c and *r set (the caller's), else the exit status. */
static int open_message(int argc, char **argv, int sync, rp_client **c, rp_received **r,
                        int *wait_ms) {
  const char *state, *id;
  int rc;
  *c = NULL;
  *r = NULL;
  if ((rc = tl_state_parse(argc, argv, &state, wait_ms, &id, 1)) != TL_OK) return rc;
  if ((*c = tl_client_open_synced(state, sync ? *wait_ms : 0)) == NULL) return TL_FAIL;
  if (tl_find_received(*c, id, r) == 0) return TL_OK;
  rp_client_free(*c);
  *c = NULL;
  return TL_FAIL;
}

const char tl_usage_read[] =
    "Usage: rejsepost read --state DIR MSGID\n"
    "\n"
    "Shows one received message (MSGID or a unique prefix), with the request it answers,\n"
    "and lists its attachments (bilag), numbered as 'rejsepost save' takes them. A "
    "message\n"
    "its sender recalled is not shown (only that it was recalled).\n"
    "\n" TL_STATE_OPT;

/* The attachments, numbered from 1 as `rejsepost save` takes them. */
static void print_attachments(const rp_received *r) {
  size_t n = rp_received_attachments(r);
  for (size_t i = 0; i < n; i++) {
    const char *name = NULL, *mime = NULL, *kind = NULL;
    uint64_t size = 0;
    if (rp_received_attachment(r, i, &name, &mime, &size, &kind) != 0) continue;
    printf("bilag %zu  %s (%s, %llu bytes, %s)\n", i + 1, name, mime,
           (unsigned long long)size, kind);
  }
  if (n > 0)
    printf("         save one with: rejsepost save %s N PATH\n", rp_received_msg_id(r));
}

int tl_cmd_read(int argc, char **argv) {
  const char *re;
  rp_received *r;
  rp_client *c;
  char *json = NULL, t[32];
  int rc, wait_ms, st = 0;

  if ((rc = open_message(argc, argv, 1, &c, &r, &wait_ms)) != TL_OK) return rc;
  printf("message  %s (%s)\nfrom     %s\nthread   %s\nstored   %s\n", rp_received_msg_id(r),
         rp_received_kind(r), rp_received_sender(r), rp_received_thread_id(r),
         tl_time_text(rp_received_stored_at(r), t, sizeof t));
  if ((re = rp_received_in_reply_to(r)) != NULL)
    printf("answers  %s%s%s\n", re, rp_status(c, re, &st, NULL) == 0 ? " (your " : "",
           st != 0 ? "message, now answered)" : "");
  if (rp_received_recalled(r)) {
    /* Its sender took it back (tilbagekaldt): the content is not shown, and no
     * "opened" receipt goes back. */
    printf("recalled the sender recalled this message; its content is not shown\n");
    rp_received_free(r);
    rp_client_free(c);
    return TL_OK;
  }
  print_attachments(r);
  if (rp_received_to_json(r, &json) == 0) printf("\n%s\n", json);
  rp_free(json);
  /* Reading is opening: the sender sees 'opened' (receipts are not themselves opened). */
  if (strcmp(rp_received_kind(r), "receipt") != 0) rp_send_opened(c, rp_received_msg_id(r));
  rp_received_free(r);
  if (wait_ms > 0) rp_client_flush(c, wait_ms);
  rp_client_free(c);
  return TL_OK;
}

const char tl_usage_mark[] =
    "Usage: rejsepost mark --state DIR MSGID\n"
    "\n"
    "Marks a received message handled; it no longer shows in 'rejsepost inbox'.\n"
    "\n" TL_STATE_OPT;

int tl_cmd_mark(int argc, char **argv) {
  rp_received *r;
  rp_client *c;
  int rc, wait_ms;

  if ((rc = open_message(argc, argv, 0, &c, &r, &wait_ms)) != TL_OK) return rc;
  rc = rp_inbox_mark_handled(c, rp_received_msg_id(r));
  if (rc == 0)
    printf("marked %s handled\n", rp_received_msg_id(r));
  else
    tl_fail("cannot mark %s: %s", rp_received_msg_id(r), rp_strerror(rc));
  rp_received_free(r);
  rp_client_free(c);
  return rc == 0 ? TL_OK : TL_FAIL;
}
