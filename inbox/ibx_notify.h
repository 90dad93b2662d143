/* SPDX-License-Identifier: MIT */
/*
 * The team's alerts (docs/INBOX.md "Alerts"): which are due, and what they say.
 *
 * Events: `new` (an akut or haster thread arrived and nobody has opened it), `reminder`
 * (a thread's deadline is within [alerts] reminder_minutes and its clock still runs),
 * `overdue` (the escalation, to the team lead), and the daily `digest` (counts only).
 * Each thread event is recorded in the inbox store before it goes out (ibx_store.h), so
 * it goes out once, across restarts. An alert carries the thread's short id, its
 * urgency and a link to the web workspace, never content: no municipality, no text, no
 * category, no person.
 *
 * Main thread only, except rp__ibx_notify_wake.
 */
#ifndef RP_IBX_NOTIFY_H
#define RP_IBX_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_config.h"

struct rp__ibx_daemon;
struct rp__ibx_thread;

/* The digest's numbers: threads not closed per urgency (open[RP__URG_*]; open[0]: those
 * without a clock) and how many are overdue. */
typedef struct rp__ibx_digest {
  unsigned open[5], overdue;
} rp__ibx_digest;

/* Writes the whole mail of an alert into out (cap bytes; *len its length): headers
 * (From, To, Subject, Date at now, Message-ID, MIME, Auto-Submitted), a blank line, the
 * body, CRLF line ends. event is RP_IBX_EV_* or 0 for the digest (dg then, else NULL);
 * urgency and short_id are ignored for the digest. rcpt/nrcpt name the To header.
 * RP_ETOOBIG if it does not fit. */
int rp__ibx_notify_compose(const rp__ibx_alert_cfg *a, int event, const char *urgency,
                           const char *short_id, const rp__ibx_digest *dg, uint64_t now,
                           const char (*rcpt)[RP_IBX_MAIL_ADDR_MAX + 1], unsigned nrcpt,
                           char *out, size_t cap, size_t *len);

/* New and reminder alerts that are due, and the digest when its time has come. */
void rp__ibx_notify_scan(struct rp__ibx_daemon *d);

/* The overdue alert of an escalated thread. */
void rp__ibx_notify_overdue(struct rp__ibx_daemon *d, const struct rp__ibx_thread *t);

/* At start: queues again the mails the store still holds as pending. */
void rp__ibx_notify_resume(struct rp__ibx_daemon *d);

/* From any thread: wakes the main loop to scan now (a request arrived). */
void rp__ibx_notify_wake(struct rp__ibx_daemon *d);

#endif
