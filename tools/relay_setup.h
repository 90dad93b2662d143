/* SPDX-License-Identifier: MIT */
/* Creating a relay's folder and running rejsepost-relayd: shared by 'relay init' and the
 * demo. */
#ifndef RP_TOOLS_RELAY_SETUP_H
#define RP_TOOLS_RELAY_SETUP_H

#include <stdint.h>
#include <sys/types.h>

#include "identity.h"

/* Writes DIR/relay.ini for rejsepost-relayd (listen address, state folder DIR, key and
 * roster files in it, the pinned administrator key). 0 or an RP_E code. */
int tl_relay_write_config(const char *dir, const char *listen,
                          const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                          const char *log_level);

/* Creates DIR (0700) with relay.key (plain, 0600), relay.key.pub and relay.ini. *out
 * gets the relay's identity (the caller frees it). 0 or an RP_E code. */
int tl_relay_create(const char *dir, const char *id, const char *listen,
                    const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES], const char *log_level,
                    rp__identity **out);

/* A running daemon (rejsepost-relayd or rejsepost-inboxd). */
typedef struct tl_relayd {
  pid_t pid;
  char log[1024]; /* its stderr, appended */
} tl_relayd;

/* Finds the relay program: `override`, else $REJSEPOST_RELAYD, else next to this
 * program (../server/rejsepost-relayd for a build tree, ./rejsepost-relayd and
 * ../sbin/rejsepost-relayd for an install). Writes the path into out. 0 or RP_ENOTFOUND. */
int tl_relayd_find(const char *override, char *out, size_t cap);

/* Finds rejsepost-inboxd the same way ($REJSEPOST_INBOXD, ../inbox/, ./, ../sbin/). */
int tl_inboxd_find(const char *override, char *out, size_t cap);

/* Starts exe with args (args[0] is the program's name) with stdout and stderr appended
 * to `log`, and waits until the log holds `ready` (at most timeout_ms). 0, RP_EIO (it
 * exited or could not start) or RP_ETIMEDOUT (it still runs: stop it). */
int tl_daemon_start(tl_relayd *d, const char *exe, char *const *args, const char *log,
                    const char *ready, int timeout_ms);

/* Starts `exe --config CONF` with stderr and stdout to `log`, and waits until its log
 * says it listens (at most timeout_ms). 0, RP_EIO (it exited) or RP_ETIMEDOUT. */
int tl_relayd_start(tl_relayd *d, const char *exe, const char *conf, const char *log,
                    int timeout_ms);

/* Sends SIGTERM and waits for the exit (at most timeout_ms; then SIGKILL). Returns the
 * exit status (0..255), 128+signal, or RP_ETIMEDOUT. */
int tl_relayd_stop(tl_relayd *d, int timeout_ms);

#endif /* RP_TOOLS_RELAY_SETUP_H */
