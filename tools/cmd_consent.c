/* SPDX-License-Identifier: MIT */
/* rejsepost withdraw-consent: the citizen (or the holder of parental authority) withdrew
 * consent; the team stops processing the thread (consent_withdrawn). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "outgo.h"
#include "state.h"

const char tl_usage_withdraw_consent[] =
    "Usage: rejsepost withdraw-consent --state DIR MSGID [--by borger|foraeldremyndighed]\n"
    "           [--wait SECONDS]\n"
    "\n"
    "Tells the team that the consent for a case was withdrawn (samtykke trukket\n"
    "tilbage): the team stops processing the thread, closes it and hides its content.\n"
    "MSGID names the case: the request you sent (its id or a unique prefix, as\n"
    "'rejsepost status' lists it) or any message received in its thread. Prints the\n"
    "message's msg_id.\n"
    "\n" TL_STATE_OPT
    "  --by W                who withdrew it: borger (the citizen, default) or\n"
    "                        foraeldremyndighed (the holder of parental authority)\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

int tl_cmd_withdraw_consent(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN], thread[RP_ID_STRLEN];
  int rc, status = TL_FAIL;

  if ((rc = tl_flow_parse(argc, argv, "by ", 1, &a)) != TL_OK) return rc;
  if ((c = tl_client_open_synced(a.state, 0)) == NULL) goto out;
  /* The case is the thread; its id is the msg_id of the request (or plan review) that
   * started it (PROTOCOL.md 7.1), which is what `about` names. */
  if (tl_find_sent(c, a.id, id, thread, NULL, 0) != 0) {
    if (tl_find_received(c, a.id, &r) != 0) goto out;
    snprintf(thread, sizeof thread, "%s", rp_received_thread_id(r));
  }
  if ((rc = rp_msg_new("consent_withdrawn", &m)) != 0 ||
      (rc = rp_msg_set_enum(m, "by", a.by != NULL ? a.by : "borger")) != 0 ||
      (rc = rp_msg_set_hex(m, "about", thread)) != 0 ||
      (rc = rp_msg_set_thread(m, thread)) != 0) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  if (tl_flow_send(c, m, a.wait_s, NULL) != TL_OK) goto out;
  status = TL_OK;
out:
  rp_msg_free(m);
  rp_received_free(r);
  rp_client_free(c);
  return status;
}
