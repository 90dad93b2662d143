/* SPDX-License-Identifier: MIT */
/* rejsepost plan-review: a draft action or preparedness plan sent to the team for review
 * (plan_review), the plan itself as an attachment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "ibx_mime.h"
#include "outgo.h"
#include "payload.h"
#include "state.h"

const char tl_usage_plan_review[] =
    "Usage: rejsepost plan-review --state DIR --plan beredskabsplan|handlingsplan\n"
    "           --attach FILE[:KIND]... [--question TEXT | --text-file F]\n"
    "           [--wanted-by YYYY-MM-DD] [--wait SECONDS]\n"
    "\n"
    "Sends a draft plan to the team for review (gennemgang af plan): a preparedness plan\n"
    "(beredskabsplan) or an action plan (handlingsplan), the document(s) attached. It\n"
    "starts a thread of its own, like a request; the municipality code comes from the\n"
    "signed roster. Prints its msg_id. A question or file name holding a CPR number is\n"
    "refused.\n"
    "\n" TL_STATE_OPT "  --plan P              beredskabsplan or handlingsplan (required)\n"
    "  --attach FILE[:KIND]  the plan (required; repeatable, at most 16). KIND is\n"
    "                        beredskabsplan_udkast, handlingsplan, risikovurdering or\n"
    "                        andet; by default the plan's own (beredskabsplan_udkast for\n"
    "                        a beredskabsplan, handlingsplan for a handlingsplan)\n"
    "  --question TEXT       what the team should look at (or --text-file F)\n"
    "  --wanted-by DATE      when the review is wanted, YYYY-MM-DD\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

int tl_cmd_plan_review(int argc, char **argv) {
  tl_flow_args a;
  rp_client *c = NULL;
  rp_msg *m = NULL;
  const char *text = NULL, *def;
  char *owned = NULL, org[RP_MUNICIPALITY_CODE_BYTES + 1];
  int rc, status = TL_FAIL;

  if ((rc = tl_flow_parse(argc, argv, "plan attach question text-file wanted-by ", 0,
                          &a)) != TL_OK)
    return rc;
  if (a.plan == NULL || a.nattach == 0)
    return tl_usage(argv[0], "--plan and at least one --attach are required");
  if (tl_flow_text(&a, RP_TEXT_QUESTION_MAX, &text, &owned) != TL_OK) return TL_FAIL;
  def = strcmp(a.plan, "beredskabsplan") == 0 ? "beredskabsplan_udkast" : "handlingsplan";
  if ((rc = rp_msg_new("plan_review", &m)) != 0 ||
      (rc = rp_msg_set_enum(m, "plan", a.plan)) != 0 ||
      (text != NULL && (rc = rp_msg_set_text(m, "question", text)) != 0) ||
      (a.wanted_by != NULL && (rc = rp_msg_set_text(m, "wanted_by", a.wanted_by)) != 0)) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  for (int i = 0; i < a.nattach; i++) {
    char path[RP_PATH_MAX], kind[32];
    const char *arg = a.attach[i], *colon = strrchr(arg, ':');
    size_t plen = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
    if (plen == 0 || plen >= sizeof path) {
      tl_fail("--attach %s: no file", arg);
      goto out;
    }
    memcpy(path, arg, plen);
    path[plen] = 0;
    snprintf(kind, sizeof kind, "%s", colon != NULL ? colon + 1 : def);
    if ((rc = rp_msg_attach_file(m, path, NULL, rp__ibx_mime_of(path), kind)) != 0) {
      tl_fail("--attach %s: %s", arg,
              rp_msg_error_text(m) != NULL ? rp_msg_error_text(m) : rp_strerror(rc));
      goto out;
    }
  }
  if ((c = tl_client_open_synced(a.state, 0)) == NULL || tl_member_org(c, org) != TL_OK)
    goto out;
  if ((rc = rp_msg_set_text(m, "sender_org", org)) != 0) {
    tl_flow_field_fail(m, rc);
    goto out;
  }
  if (tl_flow_send(c, m, a.wait_s, NULL) != TL_OK) goto out;
  status = TL_OK;
out:
  rp_msg_free(m);
  rp_client_free(c);
  free(owned);
  return status;
}
