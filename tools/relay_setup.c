/* SPDX-License-Identifier: MIT */
/* A relay's folder: its key and the config file for rejsepost-relayd ('relay init' and
 * the demo). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli.h"
#include "relay_setup.h"
#include "rejsepost_errors.h"

int tl_relay_write_config(const char *dir, const char *listen,
                          const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                          const char *log_level) {
  char path[PATH_MAX], hex[2 * RP_IDENTITY_PUBLICKEYBYTES + 1], text[PATH_MAX + 1024];
  int n;

  sodium_bin2hex(hex, sizeof hex, admin_pk, RP_IDENTITY_PUBLICKEYBYTES);
  /* The settings server/config.h documents; relative paths resolve in state_dir. */
  n = snprintf(text, sizeof text,
               "# rejsepost-relayd settings (written by 'rejsepost relay init')\n"
               "[relay]\nlisten = %s\nstate_dir = %s\nkey_file = relay.key\n"
               "roster_file = roster.msgpack\nadmin_key = %s\n[log]\nlevel = %s\n",
               listen, dir, hex, log_level);
  if (n < 0 || (size_t)n >= sizeof text) return RP_ETOOBIG;
  if (snprintf(path, sizeof path, "%s/relay.ini", dir) >= (int)sizeof path)
    return RP_ETOOBIG;
  return rp__file_write(path, text, (size_t)n, 0644, 1);
}

int tl_relay_create(const char *dir, const char *id, const char *listen,
                    const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                    const char *log_level, rp__identity **out) {
  char path[PATH_MAX];
  int rc;
  *out = NULL;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return RP_EIO;
  if (snprintf(path, sizeof path, "%s/relay.key", dir) >= (int)sizeof path)
    return RP_ETOOBIG;
  if ((rc = tl_key_create(path, id, NULL, NULL, out)) != 0) return rc;
  if ((rc = tl_relay_write_config(dir, listen, admin_pk, log_level)) != 0) {
    rp__identity_free(*out);
    *out = NULL;
  }
  return rc;
}
