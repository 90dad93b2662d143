/* SPDX-License-Identifier: MIT */
/* rejsepost answer: the municipality answers the team's request for more information
 * (info_request) with a follow_up in the same thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "outgo.h"
#include "payload.h"
#include "state.h"

const char tl_usage_answer[] =
    "Usage: rejsepost answer --state DIR MSGID (--text TEXT | --text-file F)\n"
    "           [--urgency U] [--wait SECONDS]\n"
    "\n"
    "Answers a received message, usually the team's request for more information\n"
    "(anmodning om oplysninger, kind info_request): sends a follow-up (opfoelgning) in\n"
    "its thread that refers to it, then marks MSGID handled. MSGID is the received\n"
    "message's id or a unique prefix ('rejsepost inbox' lists them). Prints the\n"
    "follow-up's msg_id. A text holding a CPR number is refused.\n"
    "\n" TL_STATE_OPT "  --text TEXT           the answer (or --text-file F, UTF-8)\n"
    "  --urgency U           a changed urgency of the case: akut, haster, normal or plan\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

int tl_cmd_answer(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_received *r = NULL;
  rp_msg *m = NULL;
  const char *text = NULL;
  char *owned = NULL;
  int rc, status = TL_FAIL;

  if ((rc = tl_flow_parse(argc, argv, "text text-file urgency ", 1, &a)) != TL_OK)
    return rc;
  if (a.text == NULL && a.text_file == NULL)
    return tl_usage(argv[0], "give the answer with --text or --text-file");
  if (tl_flow_text(&a, RP_TEXT_QUESTION_MAX, &text, &owned) != TL_OK) return TL_FAIL;
  if ((c = tl_client_open_synced(a.state, 0)) == NULL) goto out;
  if (tl_find_received(c, a.id, &r) != 0) goto out;
  if (strcmp(rp_received_kind(r), "receipt") == 0) {
    tl_fail("%s is a receipt: answer the message it is about", rp_received_msg_id(r));
    goto out;
  }
  if ((rc = rp_msg_new("follow_up", &m)) != 0 ||
      (rc = rp_msg_set_hex(m, "in_reply_to", rp_received_msg_id(r))) != 0 ||
      (rc = rp_msg_set_text(m, "text", text)) != 0 ||
      (a.urgency != NULL && (rc = rp_msg_set_enum(m, "urgency", a.urgency)) != 0)) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  if (tl_flow_answer(c, m, r, a.wait_s) != TL_OK) goto out;
  status = TL_OK;
out:
  rp_msg_free(m);
  rp_received_free(r);
  rp_client_free(c);
  free(owned);
  return status;
}
