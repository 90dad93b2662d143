/* SPDX-License-Identifier: MIT */
/* Creating a relay's folder (relay_setup.c): shared by 'relay init' and the demo. */
#ifndef RP_TOOLS_RELAY_SETUP_H
#define RP_TOOLS_RELAY_SETUP_H

#include <stdint.h>

#include "identity.h"

/* Writes DIR/relay.ini for rejsepost-relayd (listen address, state folder DIR, key and
 * roster files in it, the pinned administrator key). 0 or an RP_E code. */
int tl_relay_write_config(const char *dir, const char *listen,
                          const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                          const char *log_level);

/* Creates DIR (0700) with relay.key (plain, 0600), relay.key.pub and relay.ini. *out
 * gets the relay's identity (the caller frees it). 0 or an RP_E code. */
int tl_relay_create(const char *dir, const char *id, const char *listen,
                    const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                    const char *log_level, rp__identity **out);

#endif /* RP_TOOLS_RELAY_SETUP_H */
