/* SPDX-License-Identifier: MIT */
/*
 * loop.c owns the loop thread: one libuv loop per client, its timers and the async
 * handle `wake`, which is how other threads reach it (with the flags under c->mu).
 * Everything the relay connection does (conn.h) runs on this thread.
 */
#ifndef RP_CLIENT_LOOP_H
#define RP_CLIENT_LOOP_H

#include "rejsepost.h"

/* Starts the loop thread (rp_client_new); RP_ENOMEM or RP_EINTERNAL if it cannot. */
int rp__loop_start(rp_client *c);
/* Asks the loop to shut down, waits for the thread and closes the loop; a client whose
 * loop never started is left alone. */
void rp__loop_stop(rp_client *c);
/* Wakes the loop from any thread: it then sends what is queued, or shuts down. */
void rp__loop_wake(rp_client *c);
/* Loop thread: closes the remaining handles once the connection is gone (stopping). */
void rp__loop_finish(rp_client *c);

#endif /* RP_CLIENT_LOOP_H */
