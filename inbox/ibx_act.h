/* SPDX-License-Identifier: MIT */
/*
 * One advisor request being served: shared by the action files (ibx_actions.c serves
 * and dispatches; ibx_claims.c holds claim, assign and the holder rule).
 */
#ifndef RP_IBX_ACT_H
#define RP_IBX_ACT_H

#include "ibx_areq.h"
#include "ibx_daemon.h"
#include "buf.h"

typedef struct rp__ibx_act {
  rp__ibx_daemon *d;
  const char *who; /* the SO_PEERCRED user (ibx_ident.h), or the advisor a front end
                      acts for (ibx_front.h) */
  const char *via; /* "web" when a front end acts; NULL otherwise */
  const rp__ibx_req *req;
  const char *audit_as;              /* the audit log's action name, if not the request's */
  char audit_to[RP_IBX_WHO_MAX + 1]; /* an assignment's new holder, for the audit line */
  const char *audit_key;             /* the audit field audit_to fills ("to" if NULL) */
  char thread[33];                   /* the request's thread id */
  rp__ibx_att save;                  /* save: the attachment to stream after the answer */
  int saving;
  int *fds; /* file descriptors passed with the request (reply attachments) */
  unsigned nfds;
  rp__buf msg, text, json;
} rp__ibx_act;

/* The request's thread, read from the store; msg says why not (RP_EMISSING,
 * RP_ENOTFOUND). */
int rp__ibx_act_thread(rp__ibx_act *a, rp__ibx_thread *t);

/* Whether a->who may act on t: a thread nobody holds, or one a->who holds. Otherwise
 * RP_EBUSY, and msg names the holder and what to do. */
int rp__ibx_act_holder_ok(rp__ibx_act *a, const rp__ibx_thread *t);

/* Whether user is in [advisors] (1/0). */
int rp__ibx_act_listed(rp__ibx_act *a, const char *user);

/* claim [--takeover] and assign --to USER (ibx_claims.c). */
int rp__ibx_do_claim(rp__ibx_act *a);
int rp__ibx_do_assign(rp__ibx_act *a);

/* save THREAD N (ibx_save.c): checks and sets a->save; rp__ibx_save_stream writes the
 * bytes after the answer. */
int rp__ibx_do_save(rp__ibx_act *a);
void rp__ibx_save_stream(rp__ibx_act *a, int fd);

/* ibx_flow.c: the reply's coded fields from the request, checked against the payload's
 * tables (msg names the allowed values); whether the thread's consent still stands
 * (RP_ESTATE and msg says why not); recall and the meeting actions. */
int rp__ibx_coded_check(rp__ibx_act *a, rp__ibx_coded *c);
int rp__ibx_act_consent_ok(rp__ibx_act *a, const rp__ibx_thread *t);
/* The request's thread, read into t, when a->who may write to it: found, consent not
 * withdrawn, not closed (RP_ESTATE) and held by nobody else; msg says why not. */
int rp__ibx_act_writable(rp__ibx_act *a, rp__ibx_thread *t);
int rp__ibx_do_recall(rp__ibx_act *a);
int rp__ibx_do_meeting(rp__ibx_act *a);
/* The retention time in ms (a consent-withdrawn thread is purged that long after it was
 * closed), and a YYYY-MM-DD as the start of that day in Copenhagen (0 if empty). */
uint64_t rp__ibx_retention_ms(rp__ibx_daemon *d);
uint64_t rp__ibx_day_ms(rp__str date);
/* The day number (ibx_cal.h) of a YYYY-MM-DD the decoder checked. */
int64_t rp__ibx_day_num(rp__str date);

/* ibx_stats.c: the team lead's statistics (counts only). */
int rp__ibx_do_stats(rp__ibx_act *a);

#endif
