/* SPDX-License-Identifier: MIT */
/* rejsepost save: one attachment of a received message to a new file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "state.h"

const char tl_usage_save[] =
    "Usage: rejsepost save --state DIR MSGID N PATH\n"
    "\n"
    "Writes attachment N (bilag N, as 'rejsepost read' numbers them, from 1) of a "
    "received\n"
    "message (MSGID or a unique prefix) to a new file PATH, mode 0600. An existing PATH "
    "is\n"
    "refused. The bytes are checked against the attachment's sha256 as they are written;\n"
    "a save that fails leaves no file. A message its sender recalled is refused.\n"
    "\n" TL_STATE_OPT;

int tl_cmd_save(int argc, char **argv) {
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {NULL, 0, NULL, 0}};
  const char *state = NULL, *id, *path, *name = NULL;
  rp_received *r = NULL;
  rp_client *c = NULL;
  char *end = NULL;
  unsigned long long n;
  uint64_t size = 0;
  int ch, rc, status = TL_FAIL;

  optind = 0;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (ch != 's')
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    state = optarg;
  }
  if (argc - optind != 3) return tl_usage(argv[0], "give MSGID N PATH");
  id = argv[optind];
  path = argv[optind + 2];
  n = strtoull(argv[optind + 1], &end, 10);
  if (argv[optind + 1][0] < '1' || argv[optind + 1][0] > '9' || *end != 0 || n > 64)
    return tl_usage(argv[0],
                    "N is the attachment's number, from 1 ('rejsepost read' lists "
                    "them), not '%s'",
                    argv[optind + 1]);
  if ((state = tl_state_arg(state)) == NULL)
    return tl_usage(argv[0], "--state DIR is required (or set REJSEPOST_STATE)");
  if ((c = tl_client_open_synced(state, 0)) == NULL) return TL_FAIL;
  if (tl_find_received(c, id, &r) != 0) goto out;
  /* Its sender took it back (tilbagekaldt): 'read' does not show its content, so its
   * attachments are not handed out either. */
  if (rp_received_recalled(r)) {
    tl_fail("message %s was recalled by its sender; its attachments are not saved",
            rp_received_msg_id(r));
    goto out;
  }
  if (rp_received_attachment(r, (size_t)n - 1, &name, NULL, &size, NULL) != 0) {
    tl_fail("message %s has %zu attachment%s; no number %llu", rp_received_msg_id(r),
            rp_received_attachments(r), rp_received_attachments(r) == 1 ? "" : "s", n);
    goto out;
  }
  if ((rc = rp_received_attachment_save(c, r, (size_t)n - 1, path)) != 0) {
    tl_fail("%s: not saved: %s", path,
            rc == RP_EEXIST ? "it exists (save writes a new file only)" : rp_strerror(rc));
    goto out;
  }
  printf("saved %s (%llu bytes) to %s\n", name, (unsigned long long)size, path);
  status = TL_OK;
out:
  rp_received_free(r);
  rp_client_free(c);
  return status;
}
