/* SPDX-License-Identifier: MIT */
/*
 * The relay daemon's core: one libuv loop that accepts TCP connections, runs the Noise_IK
 * responder, maps each initiator to a roster member, stores SENDs in the durable spool
 * (spool.h) and streams spooled envelopes to their recipients.
 *
 * Life cycle, all on the loop thread:
 *   rp__relay_new    loads the relay's key, the roster and opens the spool (blocking I/O,
 *                    start-up only);
 *   rp__relay_start  binds the listeners, installs the signal handlers and timers;
 *   uv_run           serves until rp__relay_stop (or SIGTERM/SIGINT) has drained every
 *                    connection and closed the spool; then the loop has nothing left;
 *   rp__relay_free   releases what is left (after uv_run returned).
 *
 * Signals: SIGHUP reloads the roster and the settings that are safe to change while
 * running; SIGTERM and SIGINT stop gracefully (rp__relay_stop); SIGUSR1 writes the
 * counters to the log.
 */
#ifndef RP_SERVER_RELAY_H
#define RP_SERVER_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "config.h"

typedef struct rp__relay rp__relay;

/*
 * Creates a relay on `loop` with a copy of `cfg` (checked with rp__config_check): loads
 * the key file, verifies the roster against the pinned administrator key and opens the
 * spool. `argv` (may be NULL) is kept to read the configuration again on SIGHUP; it must
 * outlive the relay. Blocks on disk I/O: call it at start-up. On success *out is the
 * relay, owned by the caller; on failure *out is NULL, the reason is logged, and the
 * return is RP_ECONFIG (bad key, roster or settings), RP_EIO (the spool) or RP_ENOMEM.
 */
int rp__relay_new(rp__relay **out, uv_loop_t *loop, const rp__config *cfg, int argc,
                  char *const argv[]);

/*
 * Binds every listen address, starts the signal handlers and the expiry timer, and logs
 * one "listening addr=..." line per address. Returns 0, or RP_EIO if an address could
 * not be bound (then nothing is listening; call rp__relay_stop and run the loop so the
 * handles close). Loop thread.
 */
int rp__relay_start(rp__relay *r);

/*
 * Graceful stop: closes the listeners, stops reading from every connection, lets the
 * SENDs in flight commit and be acked, says BYE ("shutdown"), closes each connection,
 * then closes the spool and the relay's own handles, so that uv_run returns. Idempotent.
 * Loop thread.
 */
void rp__relay_stop(rp__relay *r);

/*
 * What the process should exit with once uv_run has returned: 0 after a clean stop,
 * 1 if the spool failed while running (the log says why).
 */
int rp__relay_exit_code(const rp__relay *r);

/*
 * Frees the relay. Only after uv_run has returned following rp__relay_stop (or when
 * rp__relay_start was never called and no request is pending). Accepts NULL.
 */
void rp__relay_free(rp__relay *r);

#endif /* RP_SERVER_RELAY_H */
