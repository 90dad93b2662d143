/* SPDX-License-Identifier: MIT */
/* What webd's files share: the server, one request being handled, and the pages. */
#ifndef RP_WEB_INT_H
#define RP_WEB_INT_H

#include <microhttpd.h>
#include <stdint.h>

#include "buf.h"
#include "web_accounts.h"
#include "web_config.h"
#include "web_sess.h"

#define RP_WEB_FIELDS_MAX 40u   /* a meeting proposal: 8 slots of 3 fields, and more */
#define RP_WEB_FIELD_MAX 20000u /* a reply's text is at most 16384 bytes */
#define RP_WEB_POST_MAX 65536u  /* a whole form */
#define RP_WEB_PAGE_MAX (16u * 1024u * 1024u)
#define RP_WEB_DOWNLOAD_MAX (64u * 1024u * 1024u)
#define RP_WEB_UPLOAD_MAX (32u * 1024u * 1024u) /* a reply's files together */
#define RP_WEB_FILES_MAX 16u                    /* as RP_PAYLOAD_ATTACHMENTS_MAX */

typedef struct rp__web_events rp__web_events;

typedef struct rp__webd {
  rp__web_config cfg;
  rp__web_accts *accts;
  rp__web_sessions sess;
  rp__web_rate rate;
  struct MHD_Daemon *mhd;
  char *cert_pem, *key_pem;
  char dummy_hash[crypto_pwhash_STRBYTES]; /* verified against for unknown names */
  char tmpdir[RP_WEB_PATH_MAX];            /* the accounts store's folder (uploads) */
  rp__web_events *ev;                      /* live updates (web_events.c) */
} rp__webd;

/* One request's form fields (POST, application/x-www-form-urlencoded). */
typedef struct rp__web_form {
  struct MHD_PostProcessor *pp;
  int is_post, overflow;
  unsigned n;
  size_t total;
  char *key[RP_WEB_FIELDS_MAX], *val[RP_WEB_FIELDS_MAX];
  size_t len[RP_WEB_FIELDS_MAX];
  /* Files of a multipart reply form: each kept in an unlinked file of webd's own
   * folder, passed open to the daemon (never a path). */
  int files_ok;
  const char *tmpdir;
  unsigned nfiles;
  int fd[RP_WEB_FILES_MAX];
  char fname[RP_WEB_FILES_MAX][128];
  uint64_t upload_total;
} rp__web_form;

typedef struct rp__web_ctx {
  rp__webd *w;
  struct MHD_Connection *c;
  rp__web_form *f;
  const char *url, *method;
  rp__web_sess *s; /* the visitor's session, or NULL */
  int64_t now;
  char addr[48];
  /* the response */
  unsigned status;
  const char *ctype;
  rp__buf body;
  char location[256];
  int send_cookie, clear_cookie, cacheable;
  uint8_t *bin; /* a download: these bytes instead of body (freed after) */
  size_t binlen;
  char disposition[400];
  struct MHD_Response *stream; /* live updates: this response instead of body */
} rp__web_ctx;

/* A form field (NUL-terminated) or NULL; a query argument. */
const char *rp__web_field(rp__web_ctx *x, const char *name);
const char *rp__web_arg(rp__web_ctx *x, const char *name);

/* Responses. */
void rp__web_redirect(rp__web_ctx *x, const char *to);
void rp__web_error_page(rp__web_ctx *x, unsigned status, const char *title,
                        const char *text);

/* The pages of login, enrolment and logout (web_login.c). */
void rp__web_login_get(rp__web_ctx *x, const char *error);
void rp__web_login_post(rp__web_ctx *x);
void rp__web_enrol_get(rp__web_ctx *x, const char *error);
void rp__web_enrol_post(rp__web_ctx *x);
void rp__web_enrol_qr(rp__web_ctx *x);
void rp__web_logout_post(rp__web_ctx *x);

/* The workspace (web_pages.c): the inbox, a thread, the actions, a download. */
void rp__web_inbox_get(rp__web_ctx *x);
void rp__web_thread_get(rp__web_ctx *x, const char *thread);
void rp__web_thread_post(rp__web_ctx *x, const char *thread, const char *action);
void rp__web_download(rp__web_ctx *x, const char *thread, const char *n);

/* The page frame: head, the header with who is logged in and the logout form. */
void rp__web_frame_start(rp__web_ctx *x, const char *title);

/* The embedded static files (web_static.c, made from web/static/ at configure time). */
int rp__web_static(const char *name, const unsigned char **data, size_t *len,
                   const char **ctype);

/* Live updates (web_events.c): the poller thread, GET /begivenheder, and the end of
 * every stream before the library stops (end_all, then free after MHD_stop_daemon). */
#define RP_WEB_EVENTS_PATH "/begivenheder"
int rp__web_events_start(rp__webd *w);
void rp__web_events_get(rp__web_ctx *x);
/* After a logout or an ended session: streams whose session is gone end now. */
void rp__web_events_wake(rp__webd *w);
void rp__web_events_end_all(rp__webd *w);
void rp__web_events_free(rp__webd *w);

/* Starts the server; runs until SIGTERM/SIGINT. */
int rp__webd_serve(rp__webd *w);

#endif
