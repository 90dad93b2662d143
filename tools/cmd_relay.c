/* SPDX-License-Identifier: MIT */
/* rejsepost relay init: the relay's key and a config file for rejsepost-relayd. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli.h"
#include "cmd.h"
#include "fingerprint.h"
#include "relay_setup.h"
#include "rejsepost_errors.h"

const char tl_usage_relay_init[] =
    "Usage: rejsepost relay init DIR --admin-pub ADMIN.pub [--id ID] [--listen ADDR]\n"
    "\n"
    "Creates DIR (mode 0700) with the relay's plain key file relay.key (mode 0600), its\n"
    "public export relay.key.pub and a config file relay.ini for rejsepost-relayd. Prints\n"
    "the relay's transport key, which clients are configured with, and the next steps:\n"
    "enrol relay.key.pub in the roster (--kind relay) and copy the roster to\n"
    "DIR/roster.msgpack.\n"
    "\n"
    "  --admin-pub FILE      the administrator's public key file (pinned in relay.ini)\n"
    "  --id ID               the relay's member id (default relay)\n"
    "  --listen ADDR         address to listen on (default 127.0.0.1:7443)\n";

int tl_cmd_relay_init(int argc, char **argv) {
  static const struct option opts[] = {{"admin-pub", required_argument, NULL, 'a'},
                                       {"id", required_argument, NULL, 'i'},
                                       {"listen", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  const char *admin_pub = NULL, *id = "relay", *listen = "127.0.0.1:7443";
  char dir[PATH_MAX], hex[2 * RP_X25519_PUBLICKEYBYTES + 1], fp[RP_FINGERPRINT_STRBYTES];
  rp__identity_public admin;
  rp__identity *relay = NULL;
  int c, rc;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'a')
      admin_pub = optarg;
    else if (c == 'i')
      id = optarg;
    else if (c == 'l')
      listen = optarg;
    else
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
  }
  if (optind + 1 != argc) return tl_usage(argv[0], "give exactly one folder DIR");
  if (admin_pub == NULL) return tl_usage(argv[0], "--admin-pub is required");
  if (rp__identity_id_check(id, strlen(id)) != 0)
    return tl_usage(argv[0], "--id must be a member id without spaces");
  if (tl_load_public(admin_pub, &admin) != TL_OK) return TL_FAIL;
  if (mkdir(argv[optind], 0700) != 0 && errno != EEXIST)
    return tl_fail("cannot create %s: %s", argv[optind], strerror(errno));
  /* The config names the state folder absolutely: the relay may start elsewhere. */
  if (realpath(argv[optind], dir) == NULL)
    return tl_fail("cannot resolve %s: %s", argv[optind], strerror(errno));
  rc = tl_relay_create(dir, id, listen, admin.identity_pk, "info", &relay);
  if (rc == RP_EEXIST)
    return tl_fail("%s/relay.key already exists: this folder holds a relay already", dir);
  if (rc != 0)
    return tl_fail("cannot initialise the relay in %s: %s", dir, rp_strerror(rc));
  sodium_bin2hex(hex, sizeof hex, relay->pub.transport_pk, RP_X25519_PUBLICKEYBYTES);
  rp__fingerprint(relay->pub.identity_pk, fp);
  printf("relay %s in %s\n", relay->pub.id, dir);
  printf("config:        %s/relay.ini\n", dir);
  printf("transport key: %s   (clients: setup --relay-key)\n", hex);
  printf("fingerprint:   %s\n\n", fp);
  printf("Next: rejsepost roster add ROSTER --member %s/relay.key.pub --kind relay ...\n"
         "      cp ROSTER %s/roster.msgpack\n"
         "      rejsepost-relayd --config %s/relay.ini\n",
         dir, dir, dir);
  rp__identity_free(relay);
  return TL_OK;
}
