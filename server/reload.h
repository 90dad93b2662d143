/* SPDX-License-Identifier: MIT */
/* SIGHUP (reload.c): the live settings and the roster, re-read while running. */
#ifndef RP_SERVER_RELOAD_H
#define RP_SERVER_RELOAD_H

#include "relay.h"

/* Re-read the configuration and copy the settings marked live in the settings table
 * (rp__config_reload), logging reload_needs_restart if others changed; then the roster:
 * keep a newer roster's version in the spool, say BYE revoked to the connections of
 * members it no longer admits and push it to the others. A roster refused keeps the one
 * in force (reload_roster_kept); a configuration refused keeps the settings. */
void rp__reload_run(rp__relay *r);

#endif /* RP_SERVER_RELOAD_H */
