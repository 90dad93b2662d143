/* SPDX-License-Identifier: MIT */
/* The public header on its own in strict C99: it must need nothing else. */
#include "rejsepost.h"

#include <stdio.h>

int main(void) {
  rp_config *cfg = NULL;
  int rc = rp_config_new(&cfg);
  if (rc != 0 || rp_version() != ((RP_VERSION_MAJOR << 16) | (RP_VERSION_MINOR << 8) |
                                  RP_VERSION_PATCH))
    return 1;
  rc = rp_config_set_relay(cfg, "localhost", 0);
  printf("%s %s: %s\n", rp_version_string(), rp_err_name(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  return rc == RP_ECONFIG ? 0 : 1;
}
