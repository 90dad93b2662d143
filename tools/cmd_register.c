/* SPDX-License-Identifier: MIT */
/* rejsepost register: a registration (tilmelding) for a network meeting the team
 * announced: how many come, never who. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "outgo.h"
#include "state.h"

const char tl_usage_register[] =
    "Usage: rejsepost register --state DIR ANNOUNCEMENT (--participants N | --decline)\n"
    "           [--role R]... [--note TEXT] [--wait SECONDS]\n"
    "\n"
    "Answers a network announcement (netvaerksindkaldelse) the team sent: ANNOUNCEMENT\n"
    "is its id or a unique prefix ('rejsepost inbox' lists it). A registration says how\n"
    "many come and in which roles, never who; the municipality code comes from the\n"
    "signed roster. The announcement is marked handled. Prints the registration's\n"
    "msg_id.\n"
    "\n" TL_STATE_OPT "  --participants N      how many come (1 to 20): tilmeldt\n"
    "  --decline             nobody comes: afmeldt\n"
    "  --role R              a role that comes (repeatable): myndighedsraadgiver, leder,\n"
    "                        ssp, jobcenter, skole, andet\n"
    "  --note TEXT           a short note (at most 256 bytes; no names)\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

int tl_cmd_register(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  char org[RP_MUNICIPALITY_CODE_BYTES + 1];
  int rc, status = TL_FAIL;

  if ((rc = tl_flow_parse(argc, argv, "participants decline role note ", 1, &a)) != TL_OK)
    return rc;
  if ((a.participants > 0) == (a.decline != 0))
    return tl_usage(argv[0], "give --participants N (tilmeldt) or --decline (afmeldt)");
  if ((c = tl_client_open_synced(a.state, 0)) == NULL) goto out;
  if (tl_member_org(c, org) != TL_OK || tl_find_received(c, a.id, &r) != 0) goto out;
  if (strcmp(rp_received_kind(r), "network_announcement") != 0) {
    tl_fail("%s is a %s: register for a network_announcement", rp_received_msg_id(r),
            rp_received_kind(r));
    goto out;
  }
  if ((rc = rp_msg_new("registration", &m)) != 0 ||
      (rc = rp_msg_set_hex(m, "announcement_ref", rp_received_msg_id(r))) != 0 ||
      (rc = rp_msg_set_text(m, "sender_org", org)) != 0 ||
      (rc = rp_msg_set_enum(m, "answer", a.decline ? "afmeldt" : "tilmeldt")) != 0 ||
      (a.participants > 0 &&
       (rc = rp_msg_set_uint(m, "participants", (uint64_t)a.participants)) != 0) ||
      (a.note != NULL && (rc = rp_msg_set_text(m, "note", a.note)) != 0)) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  for (int i = 0; i < a.nroles; i++)
    if ((rc = rp_msg_add_to_set(m, "roles", a.roles[i])) != 0) {
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
