/* SPDX-License-Identifier: MIT */
/*
 * The team's alert command: the one configured in [alerts] command, run with the thread's
 * short id, its urgency and the event (new, reminder, overdue: ibx_notify.h) as its only
 * arguments, so that a new or overdue akut or haster request reaches a person (an SMS
 * gateway) and not only the municipality and a log file.
 *
 * The command is exec'd directly with an argv (no shell: nothing in it is interpreted),
 * with stdin and stdout on /dev/null, stderr the daemon's (the journal), no other open
 * file, a fixed small environment (PATH and LANG: none of the daemon's, which may name
 * its credentials), default signal handling, and a process group of its own. Nothing
 * of any message goes to it. The daemon does not wait for it: it reaps it when it exits
 * (SIGCHLD wakes the main loop) and kills its process group when it runs past its
 * timeout. Every failure is logged at error level (alert_failed); success is alert_done.
 *
 * Main thread only.
 */
#ifndef RP_IBX_ALERT_H
#define RP_IBX_ALERT_H

#include <stdint.h>
#include <sys/types.h>

#include "ibx_caps.h"

typedef struct rp__ibx_alert_run {
  pid_t pid;         /* 0: free */
  uint64_t deadline; /* monotonic ms */
  int killed;        /* the timeout struck: its death by signal is no news */
  char thread[33], urgency[8], event[12];
} rp__ibx_alert_run;

typedef struct rp__ibx_alerts {
  rp__ibx_alert_run run[RP_IBX_ALERTS_MAX];
} rp__ibx_alerts;

void rp__ibx_alerts_init(rp__ibx_alerts *a);

/* Starts cmd (an absolute path) with argv {cmd, short_id, urgency, event}. thread is the
 * whole id, for the log. 0, or an RP_E code (logged) if it could not be started. */
int rp__ibx_alert_start(rp__ibx_alerts *a, const char *cmd, unsigned timeout_ms,
                        const char *thread, const char *short_id, const char *urgency,
                        const char *event);

/* Reaps the alerts that have exited and kills the process group of those past their
 * deadline (now: monotonic ms). Returns the ms until the next deadline, or -1. */
int rp__ibx_alerts_poll(rp__ibx_alerts *a, uint64_t now);

#endif
