/* SPDX-License-Identifier: MIT */
/*
 * Front ends of the advisor socket (docs/INBOX.md "Front ends"): a local program, such
 * as rejsepost-webd, whose Unix user is listed in [socket] frontends may say for which
 * advisor it acts (request key 19 `as`); the daemon then serves the request as that
 * advisor's, with the same checks, and the audit line ends " via=web". Anyone else who
 * sends `as` is refused, and the attempt is audited (action=frontend_refused). A front
 * end also records its own events (login, failed login, lockout, logout, enrolment) in
 * the audit chain with the action web_event; they carry no content.
 */
#ifndef RP_IBX_FRONT_H
#define RP_IBX_FRONT_H

#include "ibx_act.h"
#include "ibx_config.h"

/* Adds the comma-separated user names of v ([A-Za-z0-9._-], at most RP_IBX_WHO_MAX) to
 * c's front ends. RP_ECONFIG for a bad name, RP_ETOOBIG beyond RP_IBX_FRONTENDS_MAX. */
int rp__ibx_frontends_parse(rp__ibx_config *c, const char *v);

/* Whether user is a front end (1/0), under the daemon's lock. */
int rp__ibx_front_listed(rp__ibx_act *a, const char *user);

/* For a request that carries `as` or is a web_event: checks that the peer (a->who, as
 * the kernel names it) is a front end and that `as` (if given) is in [advisors]. On
 * success who (a->who's buffer) becomes the advisor's name and a->via "web". Otherwise
 * RP_EPERM, a->msg says why, and the audit fields name the refusal. */
int rp__ibx_front_check(rp__ibx_act *a, char who[RP_IBX_WHO_MAX + 1]);

/* web_event: the audit action is "web_<event>"; nothing else happens. */
int rp__ibx_do_web_event(rp__ibx_act *a);

#endif
