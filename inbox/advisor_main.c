/* SPDX-License-Identifier: MIT */
/* rejsepost-advisor: the advisor commands on their own (the same as `rejsepost advisor`).
 */
#include <sodium.h>
#include <stdio.h>

#include "advisor_cli.h"

int main(int argc, char **argv) {
  if (sodium_init() < 0) {
    fprintf(stderr, "rejsepost-advisor: libsodium failed to start\n");
    return 1;
  }
  return rp__advisor_main(argc, argv);
}
