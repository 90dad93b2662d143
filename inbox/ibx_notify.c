/* SPDX-License-Identifier: MIT */
/* The team's alerts: which are due, and what they say (ibx_notify.h). */
#include "ibx_notify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "envelope_hdr.h"
#include "ibx_cal.h"
#include "ibx_daemon.h"
#include "ibx_mail.h"
#include "ibx_render.h"
#include "log.h"
#include "rejsepost_errors.h"

/* The meta key of the Copenhagen day number of the last digest. */
#define META_DIGEST_DAY "alert_digest_day"

/* The [alerts] settings, copied under the lock (a reload replaces them). */
static rp__ibx_alert_cfg *settings(rp__ibx_daemon *d) {
  static rp__ibx_alert_cfg a; /* main thread only */
  pthread_mutex_lock(&d->mu);
  a = d->cfg.alerts;
  pthread_mutex_unlock(&d->mu);
  return &a;
}

static int mail_on(const rp__ibx_alert_cfg *a) {
  char err[8];
  return rp__ibx_config_alert_check(a, err, sizeof err) == 1;
}

/* Builds and queues the mail; the caller has recorded the alert (if a thread's). */
static void queue_mail(rp__ibx_daemon *d, const rp__ibx_alert_cfg *a, const char *thread,
                       int event, const char *urgency, const char *short_id,
                       const rp__ibx_digest *dg) {
  rp__ibx_mail_job *j = calloc(1, sizeof *j);
  int r = RP_ENOMEM;
  if (j != NULL) {
    snprintf(j->thread, sizeof j->thread, "%s", thread);
    snprintf(j->urgency, sizeof j->urgency, "%s", urgency);
    j->event = event;
    /* The escalation goes to the team lead (the on-duty list if none is set); the
     * digest to both. */
    if (event == RP_IBX_EV_OVERDUE && a->nlead > 0) {
      memcpy(j->rcpt, a->lead, sizeof a->lead);
      j->nrcpt = a->nlead;
    } else {
      memcpy(j->rcpt, a->to, sizeof a->to);
      j->nrcpt = a->nto;
      for (unsigned i = 0; event == 0 && i < a->nlead; i++)
        memcpy(j->rcpt[j->nrcpt++], a->lead[i], sizeof a->lead[i]);
    }
    memcpy(j->url, a->smtp_url, sizeof j->url);
    memcpy(j->from, a->smtp_from, sizeof j->from);
    memcpy(j->user, a->smtp_user, sizeof j->user);
    memcpy(j->password_file, a->smtp_password_file, sizeof j->password_file);
    j->timeout_ms = a->timeout_ms;
    r = rp__ibx_notify_compose(a, event, urgency, short_id, dg, rp__ibx_now(d),
                               (const char(*)[RP_IBX_MAIL_ADDR_MAX + 1]) j->rcpt, j->nrcpt,
                               j->text, sizeof j->text, &j->len);
    if (r == 0) r = rp__ibx_mail_queue(&d->mail, j);
  }
  if (r != 0) {
    /* A thread's alert stays pending in the store: the next start queues it again. */
    rp__log_error("event=mail_failed thread=%s alert=%s error=%s reason=\"%s\"",
                  thread[0] ? thread : "-", rp__ibx_event_name(event), rp_err_name(r),
                  r == RP_EBUSY ? "too many mails waiting" : "cannot compose the mail");
    free(j);
  }
}

static void short_id_of(rp__ibx_daemon *d, const char *thread, char out[33]) {
  unsigned len = RP_IBX_SHORT_ID_MIN;
  rp__ibx_store_short_len(d->st, &len);
  snprintf(out, 33, "%.*s", (int)len, thread);
}

/* One thread event: recorded once, then the command and the mail. */
static int fire(rp__ibx_daemon *d, const rp__ibx_alert_cfg *a, const rp__ibx_thread *t,
                int event) {
  const char *urg = rp__ibx_urgency_name(t->urgency), *ev = rp__ibx_event_name(event);
  int mail = mail_on(a), run = a->command[0] != 0 && (a->command_events & event), first = 0;
  char short_id[33];
  if (!mail && !run) return 0;
  if (urg == NULL) urg = "-";
  if (rp__ibx_store_alert_record(d->st, t->thread_id, event, rp__ibx_now(d),
                                 mail ? RP_IBX_MAIL_PENDING : RP_IBX_MAIL_NONE,
                                 &first) != 0 ||
      !first)
    return 0;
  short_id_of(d, t->thread_id, short_id);
  rp__log_info("event=alert_due thread=%s alert=%s urgency=%s", t->thread_id, ev, urg);
  if (run)
    rp__ibx_alert_start(&d->alerts, a->command, a->timeout_ms, t->thread_id, short_id, urg,
                        ev);
  if (mail) queue_mail(d, a, t->thread_id, event, urg, short_id, NULL);
  return 0;
}

typedef struct scan_ctx {
  rp__ibx_daemon *d;
  const rp__ibx_alert_cfg *a;
} scan_ctx;

static int due_one(void *data, const rp__ibx_thread *t, int event) {
  scan_ctx *x = data;
  return fire(x->d, x->a, t, event);
}

static void digest(rp__ibx_daemon *d, const rp__ibx_alert_cfg *a, uint64_t now) {
  int64_t day = 0, last = -1;
  unsigned sec = 0;
  size_t n = 0;
  uint8_t buf[8];
  rp__ibx_digest dg;
  rp__ibx_cph_local((int64_t)(now / 1000), &day, &sec);
  if ((int)(sec / 60) < a->digest_min) return;
  if (rp__ibx_store_meta_get(d->st, META_DIGEST_DAY, buf, sizeof buf, &n) == 0 &&
      n == sizeof buf) {
    last = 0;
    for (int i = 0; i < 8; i++)
      last = (int64_t)((uint64_t)last << 8 | buf[i]);
  }
  if (last >= day) return;
  if (rp__ibx_store_counts(d->st, now, dg.open, &dg.overdue) != 0) return;
  for (int i = 0; i < 8; i++)
    buf[i] = (uint8_t)((uint64_t)day >> (56 - 8 * i));
  /* Recorded first: a digest is sent at most once a day (one lost to a crash is not
   * made up; the next day's comes). */
  if (rp__ibx_store_meta_put(d->st, META_DIGEST_DAY, buf, sizeof buf) != 0) return;
  rp__log_info("event=alert_due alert=digest open=%u overdue=%u",
               dg.open[0] + dg.open[1] + dg.open[2] + dg.open[3] + dg.open[4], dg.overdue);
  queue_mail(d, a, "", 0, "", "", &dg);
}

void rp__ibx_notify_scan(rp__ibx_daemon *d) {
  const rp__ibx_alert_cfg *a = settings(d);
  scan_ctx x = {d, a};
  uint64_t now = rp__ibx_now(d);
  if (!mail_on(a) && a->command[0] == 0) return;
  rp__ibx_store_alerts_due(d->st, now, (uint64_t)a->reminder_min * 60000u, due_one, &x);
  if (a->digest_min >= 0 && mail_on(a)) digest(d, a, now);
}

void rp__ibx_notify_overdue(rp__ibx_daemon *d, const rp__ibx_thread *t) {
  fire(d, settings(d), t, RP_IBX_EV_OVERDUE);
}

static int resume_one(void *data, const rp__ibx_thread *t, int event) {
  scan_ctx *x = data;
  char short_id[33];
  const char *urg = rp__ibx_urgency_name(t->urgency);
  short_id_of(x->d, t->thread_id, short_id);
  queue_mail(x->d, x->a, t->thread_id, event, urg != NULL ? urg : "-", short_id, NULL);
  return 0;
}

void rp__ibx_notify_resume(rp__ibx_daemon *d) {
  const rp__ibx_alert_cfg *a = settings(d);
  scan_ctx x = {d, a};
  if (mail_on(a)) rp__ibx_store_alerts_pending(d->st, resume_one, &x);
}

void rp__ibx_notify_wake(rp__ibx_daemon *d) {
  char c = 'A';
  ssize_t w = write(d->sig_pipe[1], &c, 1);
  (void)w; /* a full pipe already wakes the loop */
}
