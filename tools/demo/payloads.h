/* SPDX-License-Identifier: MIT */
/* The demo's fictitious payloads (payloads.c). Each builder fills *p with fresh ids and
 * the current time (the library replaces them when sending), checks it by encoding, and
 * returns 0 or an RP_E code. Texts point to static storage. */
#ifndef RP_TOOLS_DEMO_PAYLOADS_H
#define RP_TOOLS_DEMO_PAYLOADS_H

#include "payload.h"

/* A request of `urgency` (RP__URG_AKUT, _HASTER or _PLAN) from municipality `org`. */
int dm_request(int urgency, const char *org, rp__payload *p);

/* An east-network meeting hosted by municipality `host_org`. */
int dm_announcement(const char *host_org, rp__payload *p);

/* "akut", "haster", "normal", "plan". */
const char *dm_urgency_name(int urgency);

#endif /* RP_TOOLS_DEMO_PAYLOADS_H */
