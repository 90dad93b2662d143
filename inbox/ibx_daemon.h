/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-inboxd: the team's inbox. It holds the team identity as an rp_client of the
 * client library, stores what arrives in its own encrypted store, keeps the service
 * clock, and serves the advisors on a local socket. docs/INBOX.md is the manual.
 *
 * Threads: the client library calls rp__ibx_on_receive on its loop thread; the alert
 * mail thread (ibx_mail.h) sends mails and records their outcome in the store; everything
 * else (advisor requests, the periodic check, alerts, signals) runs on the main thread. The
 * store and the audit log lock themselves; the configuration is only replaced on the
 * main thread, and what the loop thread reads of it (office hours) is copied under mu.
 */
#ifndef RP_IBX_DAEMON_H
#define RP_IBX_DAEMON_H

#include <pthread.h>
#include <stdint.h>

#include "ibx_alert.h"
#include "ibx_audit.h"
#include "ibx_clock.h"
#include "ibx_config.h"
#include "ibx_mail.h"
#include "buf.h"
#include "ibx_store.h"
#include "rejsepost.h"

typedef struct rp__ibx_daemon {
  char config_path[RP_PATH_MAX];
  rp__ibx_config cfg;
  pthread_mutex_t mu; /* the settings a reload replaces (hours, advisors, alerts...) */
  uint8_t *key;
  rp__ibx_store *st;
  rp__ibx_audit *audit;
  rp_client *client;
  int listen_fd;
  int sig_pipe[2];
  rp__ibx_alerts alerts; /* main thread only */
  rp__ibx_mail mail;     /* the alert mail thread (ibx_mail.h) */
} rp__ibx_daemon;

/* Loads the configuration, the data key, the store and the audit log, starts the client
 * (which loads and keeps the roster: the daemon has no other) and listens on the
 * socket. err gets a sentence on failure.
 * RP_ECONFIG for a configuration problem (exit status 2), other codes otherwise. */
int rp__ibx_daemon_open(rp__ibx_daemon *d, const char *config_path, char *err, size_t cap);

/* Serves until SIGTERM or SIGINT; SIGHUP reloads. 0 on a clean stop. */
int rp__ibx_daemon_run(rp__ibx_daemon *d);

/* Stops the client (its commits finish), closes everything, removes the socket. */
void rp__ibx_daemon_close(rp__ibx_daemon *d);

/* Reads the configuration again (office hours, retention, check interval, log level,
 * advisors, alerts) and asks the client library to fetch the relay's newest roster
 * (verified, rollback refused), if it is connected; else the library fetches it when it
 * connects. The roster file is the library's at start only. Paths, the socket and the
 * identity need a restart. */
int rp__ibx_daemon_reload(rp__ibx_daemon *d);

/* The periodic work: escalation of overdue akut/haster threads, the team's alerts
 * (ibx_notify.h), missed out-of-hours replies, retention purge. */
void rp__ibx_daemon_tick(rp__ibx_daemon *d);

/* Now, by the daemon's clock (ibx_ident.h). */
uint64_t rp__ibx_now(rp__ibx_daemon *d);

/* The office hours, copied under the lock. */
void rp__ibx_hours_get(rp__ibx_daemon *d, rp__ibx_hours *h);

/* Appends to the audit log and records the new head in the store. */
int rp__ibx_audit_action(rp__ibx_daemon *d, const char *who, const char *action,
                         const char *thread);
/* The same with the new holder of an assignment (" to=<user>"). */
int rp__ibx_audit_action_to(rp__ibx_daemon *d, const char *who, const char *action,
                            const char *thread, const char *to);
/* The same with another field of ours (" attachment=N" for a save). */
int rp__ibx_audit_action_kv(rp__ibx_daemon *d, const char *who, const char *action,
                            const char *thread, const char *key, const char *value);
/* The same with the front end the action came through (" via=web"; NULL: none). */
int rp__ibx_audit_action_via(rp__ibx_daemon *d, const char *who, const char *action,
                             const char *thread, const char *key, const char *value,
                             const char *via);

/* ibx_recv.c: the client library's receive callback. */
void rp__ibx_on_receive(void *data, rp_client *c, const rp_received *r);

/* ibx_actions.c: answers one request body (no length prefix) that came on fd from the
 * user peer (SO_PEERCRED), with the nfds files passed along (a reply's attachments).
 * The caller keeps buf and closes fd and the files. */
void rp__ibx_serve_request(rp__ibx_daemon *d, int fd, const char *peer, const uint8_t *buf,
                           size_t len, int *fds, unsigned nfds);

/* ibx_send.c: what the team sends. Each stores the sent message in the thread and
 * returns 0 or an RP_E code; msg (may be NULL) gets a line for the advisor. */
/* A reply's attachments: files the advisor's command opened and passed open (fds), with
 * their names and kinds as "name/kind/name/kind..." (spec). */
typedef struct rp__ibx_files {
  const int *fds;
  unsigned n;
  const char *spec;
} rp__ibx_files;
/* A reply's coded fields (PROTOCOL.md 7.4), as rp__ibx_coded_check (ibx_flow.c) made
 * them from a request: names already checked against the payload's tables. */
#define RP_IBX_NAME_STRLEN 65
typedef struct rp__ibx_coded_referral {
  char kind[RP_IBX_NAME_STRLEN], name[RP_TEXT_SHORT_MAX + 1], note[RP_TEXT_SHORT_MAX + 1];
} rp__ibx_coded_referral;
typedef struct rp__ibx_coded {
  char actions[32][RP_IBX_NAME_STRLEN];
  unsigned nactions;
  rp__ibx_coded_referral referrals[16];
  unsigned nreferrals;
  char risk_view[RP_IBX_NAME_STRLEN]; /* "" = not given */
  int reporting_duty;                 /* 0/1: required, the advisor chose it */
  int needs_more_info, meeting_offer; /* 0/1 */
  uint64_t follow_up_at;              /* unix ms, 0 = not given */
} rp__ibx_coded;
int rp__ibx_send_reply(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                       const char *text, const rp__ibx_coded *coded,
                       const rp__ibx_files *files, rp__buf *msg);
/* Sends m (built by the caller, without attachments) in t's thread to t's municipality
 * and keeps it in the thread as sent by who; ref is the message it concerns (may be
 * NULL). A failure is logged; msg_id gets the new message's id. */
int rp__ibx_send_msg(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                     const char *ref, rp_msg *m, char msg_id[RP_ID_STRLEN]);
/* The advisor's role and pseudonym from [advisors]; RP_EPERM if not listed. */
int rp__ibx_advisor_of(rp__ibx_daemon *d, const char *who, char role[32], char id[65]);
int rp__ibx_send_ask(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                     const char *text, rp__buf *msg);
int rp__ibx_send_closure(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                         int outcome, rp__buf *msg);
int rp__ibx_send_autoreply(rp__ibx_daemon *d, const rp__ibx_thread *t);
/* Tildeling: tells the municipality which advisor (role and pseudonym) handles t. */
int rp__ibx_send_assignment(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who);
/* Eskalering with reason frist_overskredet: t's deadline has passed. */
int rp__ibx_send_escalation(rp__ibx_daemon *d, const rp__ibx_thread *t);
/* One network_announcement per active municipality member of the network (RP__NET_*).
 * *sent gets the number of envelopes. */
typedef struct rp__ibx_announcement {
  int network; /* RP__NET_* */
  const char *event_on, *host_org, *title, *programme, *deadline;
} rp__ibx_announcement;
int rp__ibx_send_announce(rp__ibx_daemon *d, const char *who, const rp__ibx_announcement *a,
                          unsigned *sent, rp__buf *msg);

/* The meta key of the audit head in the store. */
#define RP_IBX_META_AUDIT_HEAD "audit_head"

#endif
