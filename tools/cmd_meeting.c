/* SPDX-License-Identifier: MIT */
/* rejsepost meeting confirm | cancel: the municipality's answers to the team's meeting
 * messages (meeting_confirmation, meeting_cancellation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "outgo.h"
#include "state.h"

const char tl_usage_meeting_confirm[] =
    "Usage: rejsepost meeting confirm --state DIR PROPOSAL [--slot N] [--wait SECONDS]\n"
    "\n"
    "Confirms a meeting the team proposed (moedebekraeftelse): PROPOSAL is the received\n"
    "meeting proposal's id or a unique prefix ('rejsepost read' shows its slots). The\n"
    "confirmation names the chosen slot, with the proposal's mode and place, then\n"
    "PROPOSAL is marked handled. Prints the confirmation's msg_id.\n"
    "\n" TL_STATE_OPT
    "  --slot N              the chosen slot, numbered from 1 in the proposal's order\n"
    "                        (required when it proposes more than one)\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

const char tl_usage_meeting_cancel[] =
    "Usage: rejsepost meeting cancel --state DIR MSGID [--reason R] [--wait SECONDS]\n"
    "\n"
    "Cancels a meeting (moedeaflysning): MSGID is a received meeting message (request,\n"
    "proposal or confirmation) of that meeting, its id or a unique prefix; it is marked\n"
    "handled. Prints the cancellation's msg_id.\n"
    "\n" TL_STATE_OPT
    "  --reason R            aflyst_af_kommunen (default), aflyst_af_rejseholdet,\n"
    "                        ny_tid_oenskes (a new time is wanted) or andet\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

/* The meeting a received meeting message belongs to: a request's own id, else its
 * meeting_ref (PROTOCOL.md 7.12-7.15). */
static int meeting_of(const rp_received *r, const char **ref) {
  const char *kind = rp_received_kind(r);
  *ref = NULL;
  if (strcmp(kind, "meeting_request") == 0) {
    *ref = rp_received_msg_id(r);
    return 0;
  }
  if (strncmp(kind, "meeting_", 8) == 0 && rp_received_get_hex(r, "meeting_ref", ref) == 0)
    return 0;
  return tl_fail("%s is a %s, not a meeting message", rp_received_msg_id(r), kind);
}

/* Options, client and the received message: TL_OK with all set, else the status. */
static int open_received(int argc, char **argv, const char *allowed, tl_flow_args *a,
                         rp_client **c, rp_received **r) {
  int rc;
  *c = NULL;
  *r = NULL;
  if ((rc = tl_flow_parse(argc, argv, allowed, 1, a)) != TL_OK) return rc;
  if ((*c = tl_client_open_synced(a->state, 0)) == NULL) return TL_FAIL;
  if (tl_find_received(*c, a->id, r) == 0) return TL_OK;
  rp_client_free(*c);
  *c = NULL;
  return TL_FAIL;
}

int tl_cmd_meeting_confirm(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  const char *ref = NULL, *mode = NULL, *place = NULL;
  char field[32];
  uint64_t start = 0, end = 0;
  size_t nslots = 0;
  int rc, status = TL_FAIL;

  if ((rc = open_received(argc, argv, "slot ", &a, &c, &r)) != TL_OK) return rc;
  if (strcmp(rp_received_kind(r), "meeting_proposal") != 0) {
    tl_fail("%s is a %s: confirm a meeting_proposal", rp_received_msg_id(r),
            rp_received_kind(r));
    goto out;
  }
  if (meeting_of(r, &ref) != 0) goto out;
  rp_received_list_count(r, "slots", &nslots);
  if (a.slot == 0 && nslots > 1) {
    tl_fail("the proposal has %zu slots: choose one with --slot N", nslots);
    goto out;
  }
  if (a.slot == 0) a.slot = 1;
  if ((size_t)a.slot > nslots) {
    tl_fail("the proposal has %zu slot%s; no number %d", nslots, nslots == 1 ? "" : "s",
            a.slot);
    goto out;
  }
  snprintf(field, sizeof field, "slots.%d.start", a.slot - 1);
  rp_received_get_uint(r, field, &start);
  snprintf(field, sizeof field, "slots.%d.end", a.slot - 1);
  rp_received_get_uint(r, field, &end);
  rp_received_get_enum(r, "mode", &mode);
  rp_received_get_enum(r, "place", &place);
  if ((rc = rp_msg_new("meeting_confirmation", &m)) != 0 ||
      (rc = rp_msg_set_hex(m, "meeting_ref", ref)) != 0 ||
      (rc = rp_msg_set_uint(m, "slot.start", start)) != 0 ||
      (rc = rp_msg_set_uint(m, "slot.end", end)) != 0 ||
      (rc = rp_msg_set_enum(m, "mode", mode != NULL ? mode : "online")) != 0 ||
      (place != NULL && (rc = rp_msg_set_enum(m, "place", place)) != 0)) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  if (tl_flow_answer(c, m, r, a.wait_s) != TL_OK) goto out;
  status = TL_OK;
out:
  rp_msg_free(m);
  rp_received_free(r);
  rp_client_free(c);
  return status;
}

int tl_cmd_meeting_cancel(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  const char *ref = NULL;
  int rc, status = TL_FAIL;

  if ((rc = open_received(argc, argv, "reason ", &a, &c, &r)) != TL_OK) return rc;
  if (meeting_of(r, &ref) != 0) goto out;
  if ((rc = rp_msg_new("meeting_cancellation", &m)) != 0 ||
      (rc = rp_msg_set_hex(m, "meeting_ref", ref)) != 0 ||
      (rc = rp_msg_set_enum(m, "reason",
                            a.reason != NULL ? a.reason : "aflyst_af_kommunen")) != 0) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  if (tl_flow_answer(c, m, r, a.wait_s) != TL_OK) goto out;
  status = TL_OK;
out:
  rp_msg_free(m);
  rp_received_free(r);
  rp_client_free(c);
  return status;
}
