/* SPDX-License-Identifier: MIT */
/* rejsepost setup: a municipality's state folder and its settings file, checked by
 * opening a client from it once. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "state.h"

const char tl_usage_setup[] =
    "Usage: rejsepost setup --state DIR --key FILE --relay HOST:PORT [--relay ...]\n"
    "           --relay-key HEX --admin-pub ADMIN.pub --roster ROSTER\n"
    "           [--passphrase-file F]\n"
    "\n"
    "Creates the state folder DIR (mode 0700) and writes DIR/rejsepost.conf for the\n"
    "commands send, status, inbox, read and mark.\n"
    "\n"
    "  --key FILE            this member's secret key file\n"
    "  --passphrase-file F   file holding its passphrase (for an encrypted key file)\n"
    "  --relay HOST:PORT     the relay's address; repeat it for further addresses of\n"
    "                        the same relay (moved, or a standby with its key), tried\n"
    "                        in the order given (at most 8)\n"
    "  --relay-key HEX       the relay's transport key (printed by 'relay init')\n"
    "  --admin-pub FILE      the administrator's public key file (pins the roster)\n"
    "  --roster ROSTER       the signed roster to start from (then kept up to date)\n";

/* An absolute form of a path for the settings file (commands may run elsewhere). */
static int absolute(const char *path, char *out) {
  if (realpath(path, out) != NULL) return 0;
  return tl_fail("cannot find %s: %s", path, strerror(errno));
}

int tl_cmd_setup(int argc, char **argv) {
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {"key", required_argument, NULL, 'k'},
                                       {"relay", required_argument, NULL, 'r'},
                                       {"relay-key", required_argument, NULL, 'R'},
                                       {"admin-pub", required_argument, NULL, 'a'},
                                       {"roster", required_argument, NULL, 'o'},
                                       {"passphrase-file", required_argument, NULL, 'p'},
                                       {NULL, 0, NULL, 0}};
  const char *state = NULL, *key = NULL, *rkey = NULL, *admin = NULL, *roster = NULL,
             *pass = NULL;
  static tl_conf conf;
  /* Every --relay, joined with ", " for the settings file's one relay line. */
  char relay[PATH_MAX] = "";
  size_t rlen = 0;
  int c, rc, nrelay = 0;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      state = optarg;
      break;
    case 'k':
      key = optarg;
      break;
    case 'r':
      if (strchr(optarg, ':') == NULL || strchr(optarg, ',') != NULL)
        return tl_usage(argv[0], "--relay must be HOST:PORT (repeat it for several)");
      if (++nrelay > 8) return tl_usage(argv[0], "--relay: at most 8 addresses");
      rc = snprintf(relay + rlen, sizeof relay - rlen, "%s%s", rlen ? ", " : "", optarg);
      if (rc < 0 || (size_t)rc >= sizeof relay - rlen)
        return tl_usage(argv[0], "--relay: the addresses are too long");
      rlen += (size_t)rc;
      break;
    case 'R':
      rkey = optarg;
      break;
    case 'a':
      admin = optarg;
      break;
    case 'o':
      roster = optarg;
      break;
    case 'p':
      pass = optarg;
      break;
    default:
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    }
  }
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if ((state = tl_state_arg(state)) == NULL || key == NULL || nrelay == 0 || rkey == NULL ||
      admin == NULL || roster == NULL)
    return tl_usage(argv[0], "--state, --key, --relay, --relay-key, --admin-pub and "
                             "--roster are required");
  if (mkdir(state, 0700) != 0 && errno != EEXIST)
    return tl_fail("cannot create %s: %s", state, strerror(errno));
  memset(&conf, 0, sizeof conf);
  if (absolute(key, conf.v[TL_CONF_KEY]) || absolute(admin, conf.v[TL_CONF_ADMIN]) ||
      absolute(roster, conf.v[TL_CONF_ROSTER]) ||
      (pass != NULL && absolute(pass, conf.v[TL_CONF_PASS])))
    return TL_FAIL;
  snprintf(conf.v[TL_CONF_RELAY], PATH_MAX, "%s", relay);
  snprintf(conf.v[TL_CONF_RELAY_KEY], PATH_MAX, "%s", rkey);
  if ((rc = tl_conf_write(state, &conf)) != 0)
    return tl_fail("cannot write the settings in %s", state);
  /* Opening once checks every setting now rather than at the first send. */
  rp_client *cl = NULL;
  if (tl_client_open(state, &cl) != TL_OK) return TL_FAIL;
  printf("state folder %s ready for member %s\n", state, rp_client_member_id(cl));
  rp_client_free(cl);
  return TL_OK;
}
