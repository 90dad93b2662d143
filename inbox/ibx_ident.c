/* SPDX-License-Identifier: MIT */
/* The shipped daemon's clock and advisor identity: the system's and the kernel's only
 * (ibx_ident.h says why this is a file of its own). */
#include "ibx_ident.h"

#include <time.h>

#include "clock.h"
#include "ibx_sock.h"

void rp__ibx_ident_start(void) {
  /* Nothing to set up: the system clock and the kernel need none. */
}

uint64_t rp__ibx_ident_now(void) {
  return rp__clock_wall_ms();
}

int rp__ibx_ident_peer(int fd, char who[RP_IBX_WHO_MAX + 1], uid_t *uid) {
  return rp__ibx_sock_peer(fd, who, uid);
}
