/* SPDX-License-Identifier: MIT */
/* rejsepost recall: take back a message sent by mistake (recall); the recipient hides it
 * and its receipt "recalled" makes the message's status recalled here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "outgo.h"
#include "state.h"

const char tl_usage_recall[] =
    "Usage: rejsepost recall --state DIR MSGID [--reason R] [--wait SECONDS]\n"
    "\n"
    "Recalls a message you sent by mistake (tilbagekaldelse): MSGID is its id or a unique\n"
    "prefix, as 'rejsepost status' lists it. The recipient's system hides it and answers\n"
    "with a receipt; then 'rejsepost status' shows the message as recalled. Until then it\n"
    "keeps its status (a message the recipient never got cannot be recalled there).\n"
    "Prints the recall's msg_id, then waits up to --wait seconds for the outcome, which\n"
    "it reports on stderr.\n"
    "\n" TL_STATE_OPT
    "  --reason R            forkert_modtager (wrong recipient), forkert_indhold (wrong\n"
    "                        content), dublet (sent twice) or andet (default)\n"
    "  --wait SECONDS        give delivery and the outcome this long (default 5; 0: "
    "none)\n";

int tl_cmd_recall(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN], thread[RP_ID_STRLEN], kind[32];
  int rc, st = 0, status = TL_FAIL;

  if ((rc = tl_flow_parse(argc, argv, "reason ", 1, &a)) != TL_OK) return rc;
  if ((c = tl_client_open_synced(a.state, 0)) == NULL) goto out;
  if (tl_find_sent(c, a.id, id, thread, kind, sizeof kind) != 0) goto out;
  if (strcmp(kind, "recall") == 0) {
    tl_fail("%s is itself a recall; recall the message it is about", id);
    goto out;
  }
  if ((rc = rp_msg_new("recall", &m)) != 0 || (rc = rp_msg_set_hex(m, "about", id)) != 0 ||
      (rc = rp_msg_set_enum(m, "reason", a.reason != NULL ? a.reason : "andet")) != 0 ||
      (rc = rp_msg_set_thread(m, thread)) != 0) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  if (tl_flow_send(c, m, a.wait_s, NULL) != TL_OK) goto out;
  /* The outcome comes as the recipient's receipt: give it the same time. */
  for (int i = 0; i < a.wait_s * 50; i++) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    if (rp_status(c, id, &st, NULL) == 0 && st == RP_STATUS_RECALLED) break;
    nanosleep(&ts, NULL);
  }
  if (a.wait_s > 0 && rp_status(c, id, &st, NULL) == 0)
    fprintf(stderr, "%s: %s %s\n", tl_prog, id,
            st == RP_STATUS_RECALLED ? "recalled"
                                     : "not yet recalled (see 'rejsepost status')");
  status = TL_OK;
out:
  rp_msg_free(m);
  rp_client_free(c);
  return status;
}
