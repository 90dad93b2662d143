/* SPDX-License-Identifier: MIT */
/*
 * The relay's signal handles (signals.c): SIGHUP reloads the settings and the roster
 * (reload.h), SIGTERM and SIGINT start the graceful stop (rp__relay_stop), SIGUSR1
 * writes every counter to the log. The handles do not keep the loop alive.
 */
#ifndef RP_SERVER_SIGNALS_H
#define RP_SERVER_SIGNALS_H

#include <uv.h>

#include "relay.h"

/* Start the four signal handles; each counts in r->handles_open. */
void rp__signals_start(rp__relay *r);

/* Close the four signal handles (those not closing already), with close_cb for each;
 * the handles' data is r. */
void rp__signals_close(rp__relay *r, uv_close_cb close_cb);

#endif /* RP_SERVER_SIGNALS_H */
