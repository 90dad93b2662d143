/* SPDX-License-Identifier: MIT */
/* The main thread's loop: advisor connections, signals, and the periodic check. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "envelope_hdr.h"
#include "ibx_conn.h"
#include "ibx_daemon.h"
#include "ibx_notify.h"
#include "log.h"
#include "ibx_render.h"

static int g_sig_fd = -1;

static void on_signal(int sig) {
  char c = sig == SIGHUP ? 'H' : sig == SIGCHLD ? 'C' : 'T';
  int saved = errno;
  if (g_sig_fd >= 0) {
    ssize_t w = write(g_sig_fd, &c, 1);
    (void)w;
  }
  errno = saved;
}

static void install_signals(int fd) {
  struct sigaction sa;
  g_sig_fd = fd;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  /* An alert command that exits wakes the loop to be reaped and its result logged. The
   * signal may land on the client library's thread: let its calls resume. */
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static int escalate_one(void *data, const rp__ibx_thread *t) {
  rp__ibx_daemon *d = data;
  char deadline[32];
  if (rp__ibx_store_set_flag(d->st, t->thread_id, "escalated", 1) != 0) return 0;
  rp__ibx_fmt_local(t->deadline, deadline, sizeof deadline);
  rp__log_error("event=escalated thread=%s urgency=%s state=%s deadline=\"%s\"",
                t->thread_id, rp__ibx_urgency_name(t->urgency),
                rp__ibx_state_name(t->state), deadline);
  rp__ibx_audit_action(d, "inboxd", "escalate", t->thread_id);
  /* The team lead learns it (mail) and the alert command runs. */
  rp__ibx_notify_overdue(d, t);
  /* The municipality learns it too; a failed send is logged by the sender and the
   * escalation itself (log line, audit, flag) stands. */
  rp__ibx_send_escalation(d, t);
  return 0;
}

/* Akut requests that arrived out of hours but have no automatic reply yet (the daemon
 * stopped between storing and replying): listings put akut first, so stop at the first
 * thread that is not akut. */
typedef struct missed {
  rp__ibx_thread t[16];
  int n;
  rp__ibx_hours h;
} missed;

static int missed_one(void *data, const rp__ibx_thread *t) {
  missed *m = data;
  if (t->urgency != RP__URG_AKUT || m->n == 16) return 1;
  if (!t->autoreplied && t->state == RP_IBX_ST_NEW &&
      !rp__ibx_hours_open(&m->h, t->arrived))
    m->t[m->n++] = *t;
  return 0;
}

/* A purged thread leaves the team's client store too (docs/INBOX.md, "Retention"). */
static void erase_in_client(void *data, const char *thread_id) {
  rp__ibx_daemon *d = data;
  int rc = rp_thread_erase(d->client, thread_id);
  if (rc != 0)
    rp__log_warn("event=client_erase_failed thread=%s error=%s", thread_id,
                 rp_err_name(rc));
}

void rp__ibx_daemon_tick(rp__ibx_daemon *d) {
  uint64_t now = rp__ibx_now(d), purged = 0, keep;
  rp__ibx_filter f = {0};
  missed m = {.n = 0};
  rp__ibx_store_escalation_candidates(d->st, now, escalate_one, d);
  rp__ibx_notify_scan(d);
  rp__ibx_hours_get(d, &m.h);
  rp__ibx_store_list(d->st, &f, missed_one, &m);
  for (int i = 0; i < m.n; i++)
    rp__ibx_send_autoreply(d, &m.t[i]);
  pthread_mutex_lock(&d->mu);
  keep = d->cfg.retention_s * 1000;
  pthread_mutex_unlock(&d->mu);
  if (now > keep &&
      rp__ibx_store_purge_each(d->st, now - keep, &purged, erase_in_client, d) == 0 &&
      purged > 0) {
    rp__log_info("event=purged threads=%llu", (unsigned long long)purged);
    rp__ibx_audit_action(d, "inboxd", "purge", NULL);
  }
}

/* Handles what the signal handler wrote. Returns 1 to stop. */
static int drain_signals(rp__ibx_daemon *d) {
  char buf[16];
  ssize_t n;
  int stop = 0;
  while ((n = read(d->sig_pipe[0], buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == 'T')
        stop = 1;
      else if (buf[i] == 'H')
        rp__ibx_daemon_reload(d);
      else if (buf[i] == 'C')
        rp__ibx_alerts_poll(&d->alerts, rp__clock_mono_ms());
      else if (buf[i] == 'A')
        rp__ibx_notify_scan(d); /* a request arrived (ibx_recv.c) */
    }
  return stop;
}

/* Waits for the listening socket, the signal pipe and pending advisor connections, at
 * most until the next tick or connection deadline. Returns 1 to stop. */
static int wait_once(rp__ibx_daemon *d, rp__ibx_conns *t, uint64_t next) {
  struct pollfd p[2 + RP_IBX_CONNS_MAX];
  unsigned idx[RP_IBX_CONNS_MAX], n;
  uint64_t now = rp__clock_mono_ms();
  int wait = (int)(next - now), left = rp__ibx_conns_expire(t, now);
  if (left >= 0 && left < wait) wait = left;
  /* An alert past its deadline is killed on time, whatever the check interval. */
  left = rp__ibx_alerts_poll(&d->alerts, now);
  if (left >= 0 && left < wait) wait = left;
  p[0] = (struct pollfd){.fd = d->listen_fd, .events = POLLIN};
  p[1] = (struct pollfd){.fd = d->sig_pipe[0], .events = POLLIN};
  n = rp__ibx_conns_pollfds(t, p + 2, idx);
  int r = poll(p, 2 + n, wait);
  if (r <= 0) return r < 0 && errno != EINTR ? RP_EIO : 0;
  if ((p[1].revents & POLLIN) && drain_signals(d)) return 1;
  for (unsigned i = 0; i < n; i++)
    if (p[2 + i].revents != 0) rp__ibx_conns_ready(d, t, idx[i]);
  if (p[0].revents & POLLIN) rp__ibx_conns_accept(t, d->listen_fd);
  return 0;
}

int rp__ibx_daemon_run(rp__ibx_daemon *d) {
  static rp__ibx_conns conns; /* the main thread's only */
  uint64_t next = rp__clock_mono_ms();
  int r = 0;
  install_signals(d->sig_pipe[1]);
  rp__ibx_conns_init(&conns);
  uint64_t version = 0;
  rp_client_roster_version(d->client, &version);
  rp__log_info("event=started member=%s socket=%s roster_version=%llu",
               rp_client_member_id(d->client), d->cfg.socket, (unsigned long long)version);
  /* Mails a stop left pending go now (not from --check, which never runs the loop). */
  rp__ibx_notify_resume(d);
  while (r == 0) {
    if (rp__clock_mono_ms() >= next) {
      rp__ibx_daemon_tick(d);
      pthread_mutex_lock(&d->mu);
      next = rp__clock_mono_ms() + d->cfg.tick_ms;
      pthread_mutex_unlock(&d->mu);
      continue;
    }
    r = wait_once(d, &conns, next);
  }
  rp__ibx_conns_close(&conns);
  if (r < 0) return r;
  rp__log_info("event=stopping reason=signal");
  g_sig_fd = -1;
  return 0;
}
