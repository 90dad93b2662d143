/* SPDX-License-Identifier: MIT */
/*
 * webd's only way to the inbox: the daemon's advisor socket (inbox/ibx_areq.h), one
 * request per connection, as the advisor command does. Every request names the
 * logged-in advisor in key 19 (`as`); the daemon authorises webd as a front end by its
 * peer credentials (docs/INBOX.md "Front ends").
 */
#ifndef RP_WEB_IBX_H
#define RP_WEB_IBX_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_areq.h"

typedef struct rp__web_resp {
  int err;    /* 0, or the daemon's RP_E code (negative) */
  char *msg;  /* the one-line message ("" if none) */
  char *text; /* readable output */
  char *json; /* JSON output ("" if none) */
} rp__web_resp;

/* One round trip. Returns 0 when the daemon answered (its verdict in out->err), or a
 * transport error (the daemon cannot be reached). Free out with rp__web_resp_free. */
int rp__web_ibx_call(const char *sock, const rp__ibx_req *q, rp__web_resp *out);
void rp__web_resp_free(rp__web_resp *r);
/* The same with n open files passed along (a reply's attachments, SCM_RIGHTS). */
int rp__web_ibx_call_fds(const char *sock, const rp__ibx_req *q, const int *fds, unsigned n,
                         rp__web_resp *out);

/* save: the attachment's bytes (malloc'd, checked against size and sha256) and name.
 * RP_ETOOBIG if it is larger than max. The daemon's refusal comes back in out. */
int rp__web_ibx_save(const char *sock, const char *as, const char *thread, uint64_t n,
                     size_t max, rp__web_resp *out, uint8_t **data, size_t *len,
                     char name[256]);

/* Records a front-end event (RP_IBX_WEV_*) for account as (NULL: none). */
int rp__web_ibx_event(const char *sock, const char *as, int event);

#endif
