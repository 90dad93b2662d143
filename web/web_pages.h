/* SPDX-License-Identifier: MIT */
/*
 * What the workspace's pages share: the helpers of web_pages.c (its forms, the daemon's
 * refusals, one round trip, a time), and the workflow's pages built on them: recalls,
 * a withdrawn consent and meetings in a thread (web_meet.c), the networks' announcements
 * and registrations (web_net.c), and the team lead's statistics (web_stats.c).
 */
#ifndef RP_WEB_PAGES_H
#define RP_WEB_PAGES_H

#include <jansson.h>

#include "web_ibx.h"
#include "web_int.h"
#include "web_labels.h"

/* web_pages.c: a <select> of codes with its label (none, if not NULL, the empty choice
 * first); a thread's action form opened (POST
 * to /sag/<thread>/<action>, CSRF token, a fieldset with legend); the daemon's refusal in
 * Danish; one request in the logged-in advisor's name (0, or the transport error with
 * the 503 page made); a <time> of unix ms; the thread page with a refusal on top. */
void rp__web_select(rp__buf *b, const char *id, const char *name, const char *label,
                    const rp__web_code *codes, const char *cur, const char *none);
/* An <input> with its label; attrs are the program's own literal attributes (type,
 * required, limits), never data. */
void rp__web_input(rp__buf *b, const char *id, const char *label, const char *attrs);
void rp__web_thread_form(rp__buf *b, rp__web_ctx *x, const char *thread, const char *action,
                         const char *legend);
void rp__web_daemon_note(rp__buf *b, const rp__web_resp *r);
int rp__web_call(rp__web_ctx *x, rp__ibx_req *q, rp__web_resp *out);
void rp__web_time(rp__buf *b, json_t *v);
void rp__web_thread_page(rp__web_ctx *x, const char *thread, const rp__web_resp *failed);

/* web_meet.c, called by the thread page. The banner of a withdrawn consent (returns 1
 * if it is withdrawn: then no action is offered); a message's recall mark or hidden
 * content, or a meeting message's codes and times (1 if it wrote the message's content,
 * 0 if the page should); the recall form under a message the team sent; the meetings and
 * their forms (none when stopped or closed). */
int rp__web_consent_banner(rp__buf *b, json_t *thread);
int rp__web_msg_marks(rp__buf *b, rp__web_ctx *x, json_t *thread, json_t *msg, int stopped);
void rp__web_msg_recall_form(rp__buf *b, rp__web_ctx *x, json_t *thread, json_t *msg,
                             int stopped);
void rp__web_meetings_section(rp__buf *b, rp__web_ctx *x, json_t *root, int stopped);
/* A POST to /sag/<thread>/<action> for recall and the meeting actions: 1 if it was one of
 * them (the response is made), else 0. */
int rp__web_workflow_post(rp__web_ctx *x, const char *thread, const char *action);
/* The confirmation of one of those actions, or NULL. */
const char *rp__web_workflow_done(const char *action);

/* web_net.c: /netvaerk, the announcement form and the registrations. */
void rp__web_networks_get(rp__web_ctx *x);
void rp__web_networks_post(rp__web_ctx *x);

/* web_stats.c: /statistik, the counts as tables. */
void rp__web_stats_get(rp__web_ctx *x);

/* The reply form's coded fields and referral rows (web_reply.c), and reading them into
 * q (borrowing from the form): 0, or -1 with a 400 page made. */
void rp__web_reply_codes(rp__buf *b);
int rp__web_reply_fields(rp__web_ctx *x, rp__ibx_req *q);

#endif
