/* SPDX-License-Identifier: MIT */
/*
 * Alert e-mail over SMTP (libcurl), on a thread of its own so that the daemon's main loop
 * never waits for a mail server.
 *
 * The main thread queues a finished message (ibx_notify.c writes it: a link and an
 * urgency, never content) with its recipients and a copy of the [alerts] settings it
 * needs; the mail thread sends the queued messages one by one. Each try has the
 * configured timeout (connect and whole transfer); a failed try is logged at error level
 * with curl's reason (`event=mail_failed ... attempt=N/3`) and tried again after 1 s, then
 * 2 s; after RP_IBX_MAIL_TRIES the alert's mail is recorded as failed in the store
 * (`event=mail_gave_up`). A mail that went out is recorded as sent (`event=mail_sent`),
 * so that a restart does not send it again; one still queued or being tried when the
 * daemon stops stays pending in the store and is queued again at the next start.
 *
 * The SMTP password is read from its file at each try, into sodium memory, and wiped
 * after it. With smtp:// the connection is upgraded with STARTTLS when the server offers
 * it, and must be when a user is set (a password never goes in clear); smtps:// is TLS
 * from the start. Only the smtp and smtps protocols are allowed.
 */
#ifndef RP_IBX_MAIL_H
#define RP_IBX_MAIL_H

#include <pthread.h>
#include <stddef.h>

#include "ibx_config.h"
#include "ibx_store.h"

typedef struct rp__ibx_mail_job {
  char thread[RP_IBX_ID_STRLEN];   /* "" for the digest */
  int event;                       /* RP_IBX_EV_*; 0 for the digest */
  char urgency[8];                 /* for the log, "" for the digest */
  char text[RP_IBX_MAIL_TEXT_MAX]; /* the whole message: headers, blank line, body */
  size_t len;
  char rcpt[2 * RP_IBX_MAIL_TO_MAX][RP_IBX_MAIL_ADDR_MAX + 1];
  unsigned nrcpt;
  /* The settings as they were when it was queued. */
  char url[RP_IBX_MAIL_URL_MAX + 1], from[RP_IBX_MAIL_ADDR_MAX + 1];
  char user[RP_IBX_MAIL_ADDR_MAX + 1], password_file[RP_PATH_MAX];
  unsigned timeout_ms;
} rp__ibx_mail_job;

typedef struct rp__ibx_mail {
  pthread_t thread;
  int started;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* a job was queued, or stop was set */
  rp__ibx_mail_job *q[RP_IBX_MAIL_QUEUE_MAX];
  unsigned head, n;
  int stop; /* under mu; the transfer reads it through an atomic load */
  rp__ibx_store *st;
} rp__ibx_mail;

/* Starts the mail thread (st records what became of each alert's mail). Call
 * curl_global_init first, before any other thread runs. */
int rp__ibx_mail_start(rp__ibx_mail *m, rp__ibx_store *st);

/* Queues job: taken (and freed by the mail thread) on success only. RP_EBUSY when
 * RP_IBX_MAIL_QUEUE_MAX jobs wait (logged by the caller). */
int rp__ibx_mail_queue(rp__ibx_mail *m, rp__ibx_mail_job *job);

/* Stops the thread: a try under way is cut short, queued jobs are dropped (their alerts
 * stay pending in the store). Safe on a mail that never started. */
void rp__ibx_mail_stop(rp__ibx_mail *m);

/* "new", "reminder", "overdue", or "digest" for 0. */
const char *rp__ibx_event_name(int event);

#endif
