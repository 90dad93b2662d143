/* SPDX-License-Identifier: MIT */
/* Finding and running the real rejsepost-relayd, rejsepost-inboxd and rejsepost as
 * child processes of the demo (daemon.c). */
#ifndef RP_TOOLS_DEMO_DAEMON_H
#define RP_TOOLS_DEMO_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

/* A running daemon (rejsepost-relayd or rejsepost-inboxd). */
typedef struct dm_daemon {
  pid_t pid;
  char log[1024]; /* its stderr, appended */
} dm_daemon;

/* The programs the demo runs are found in the build tree beside it (this program is
 * build/<flavour>/tools/demo/rejsepost-demo; it is never installed), or in its own
 * folder, unless named. Each finder writes the path into out and returns 0 or
 * RP_ENOTFOUND. */

/* The relay: `override`, else $REJSEPOST_RELAYD, else ../../server/rejsepost-relayd. */
int dm_find_relayd(const char *override, char *out, size_t cap);

/* The team's inbox daemon: `override`, else $REJSEPOST_INBOXD, else
 * ../../inbox/rejsepost-inboxd. */
int dm_find_inboxd(const char *override, char *out, size_t cap);

/* The command line, whose `advisor` command the demo's advisor runs: `override`, else
 * $REJSEPOST_CLI, else ../rejsepost. */
int dm_find_rejsepost(const char *override, char *out, size_t cap);

/* The web workspace: `override`, else $REJSEPOST_WEBD, else ../../web/rejsepost-webd. */
int dm_find_webd(const char *override, char *out, size_t cap);

/* Starts exe with args (args[0] is the program's name) with stdout and stderr appended
 * to `log`, and waits until the log holds `ready` (at most timeout_ms). 0, RP_EIO (it
 * exited or could not start) or RP_ETIMEDOUT (it still runs: stop it). */
int dm_daemon_start(dm_daemon *d, const char *exe, char *const *args, const char *log,
                    const char *ready, int timeout_ms);

/* Starts `exe --config CONF` with stderr and stdout to `log`, and waits until its log
 * says it listens (at most timeout_ms). 0, RP_EIO (it exited) or RP_ETIMEDOUT. */
int dm_relayd_start(dm_daemon *d, const char *exe, const char *conf, const char *log,
                    int timeout_ms);

/* Sends SIGTERM and waits for the exit (at most timeout_ms; then SIGKILL). Returns the
 * exit status (0..255), 128+signal, or RP_ETIMEDOUT. */
int dm_daemon_stop(dm_daemon *d, int timeout_ms);

#endif /* RP_TOOLS_DEMO_DAEMON_H */
