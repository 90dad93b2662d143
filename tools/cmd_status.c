/* SPDX-License-Identifier: MIT */
/* rejsepost status: the messages this state folder sent, with the time of each step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "state.h"

const char tl_usage_status[] =
    "Usage: rejsepost status --state DIR [MSGID]\n"
    "\n"
    "Lists sent messages with their state (queued, relayed, delivered, opened, answered,\n"
    "expired, failed, recalled) and the time of each step; with MSGID (or a unique\n"
    "prefix) one. recalled: you recalled it ('rejsepost recall') and the recipient hid\n"
    "it.\n"
    "\n" TL_STATE_OPT;

#define OUTBOX_MAX 4096

typedef struct {
  char id[RP_ID_STRLEN], kind[24], to[RP_MEMBER_ID_MAX + 1];
} outbox_row;

typedef struct {
  outbox_row *rows;
  size_t n;
  const char *prefix;
} outbox_list;

static int collect(void *data, const char *msg_id, const char *kind, const char *thread_id,
                   const char *recipient, int status, uint64_t queued_at) {
  outbox_list *l = data;
  (void)thread_id;
  (void)status;
  (void)queued_at;
  if (l->prefix != NULL && strncmp(msg_id, l->prefix, strlen(l->prefix)) != 0) return 0;
  if (l->n >= OUTBOX_MAX) return 1;
  snprintf(l->rows[l->n].id, RP_ID_STRLEN, "%s", msg_id);
  snprintf(l->rows[l->n].kind, sizeof l->rows[l->n].kind, "%s", kind);
  snprintf(l->rows[l->n].to, sizeof l->rows[l->n].to, "%s", recipient);
  l->n++;
  return 0;
}

/* The steps in the order a message goes through them (the numbers are not that order:
 * auto_replied, the inbox's automatic out-of-hours reply, came later). */
static const int status_order[] = {
    RP_STATUS_QUEUED,       RP_STATUS_RELAYED, RP_STATUS_DELIVERED,
    RP_STATUS_AUTO_REPLIED, RP_STATUS_OPENED,  RP_STATUS_ANSWERED,
    RP_STATUS_EXPIRED,      RP_STATUS_FAILED,  RP_STATUS_RECALLED};

static void print_status_row(rp_client *c, const outbox_row *r) {
  int st = 0, err = 0;
  char t[32];
  rp_status(c, r->id, &st, &err);
  printf("%-32s %-20s %-14s %-12s", r->id, r->kind, r->to, rp_status_name(st));
  for (size_t i = 0; i < sizeof status_order / sizeof *status_order; i++) {
    uint64_t when = 0;
    if (rp_status_time(c, r->id, status_order[i], &when) == 0 && when != 0)
      printf(" %s %s", rp_status_name(status_order[i]), tl_time_text(when, t, sizeof t));
  }
  if (err != 0) printf(" (%s)", rp_strerror(err));
  printf("\n");
}

int tl_cmd_status(int argc, char **argv) {
  const char *state, *prefix;
  outbox_list l = {NULL, 0, NULL};
  rp_client *c;
  int rc, wait_ms;

  if ((rc = tl_state_parse(argc, argv, &state, &wait_ms, &prefix, 0)) != TL_OK) return rc;
  if ((c = tl_client_open_synced(state, wait_ms)) == NULL) return TL_FAIL;
  l.prefix = prefix;
  if ((l.rows = calloc(OUTBOX_MAX, sizeof *l.rows)) == NULL) {
    rp_client_free(c);
    return tl_fail("out of memory");
  }
  rp_outbox_foreach(c, collect, &l);
  printf("%-32s %-20s %-14s %-12s %s\n", "MSGID", "KIND", "TO", "STATE", "TIMES");
  for (size_t i = 0; i < l.n; i++)
    print_status_row(c, &l.rows[i]);
  rc = prefix != NULL && l.n == 0 ? tl_fail("no sent message with id %s", prefix) : TL_OK;
  free(l.rows);
  rp_client_free(c);
  return rc;
}
