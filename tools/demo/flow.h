/* SPDX-License-Identifier: MIT */
/* The demo's message flow, shared by flow.c (the municipalities, on the client
 * library) and team.c (the advisor, through `rejsepost advisor` and the inbox
 * daemon). */
#ifndef RP_TOOLS_DEMO_FLOW_H
#define RP_TOOLS_DEMO_FLOW_H

#include "demo.h"
#include "rejsepost.h"

/* One thread as the advisor's listing shows it. */
typedef struct dm_thread {
  char id[RP_ID_STRLEN];    /* the inbox's thread id */
  char first[RP_ID_STRLEN]; /* the request's msg_id */
  char urgency[8];
  int muni; /* index into d->munis, -1 if none of ours */
} dm_thread;

typedef struct flow {
  dm_demo *d;
  rp_client *muni[DM_MUNIS];
  char req_id[DM_MUNIS][RP_ID_STRLEN];
  dm_thread th[DM_MUNIS]; /* in the listing's order */
} flow;

/* Waits until municipality i's request reaches `status` (or later); 0 or -1. */
int fl_wait_status(flow *f, int i, int status);

/* Waits for the next message of `kind` in municipality i's inbox (others are marked
 * handled and skipped); *out is the caller's. 0 or -1. */
int fl_wait_kind(flow *f, int i, const char *kind, rp_received **out);

/* The advisor lists the inbox (akut first), then claims, shows and answers each
 * thread in that order, each municipality receiving its reply. 0 or -1. */
int fl_advisor_work(flow *f);

/* The advisor announces an east-network meeting; the east members receive it, the
 * west member does not. Then the audit chain is verified. 0 or -1. */
int fl_advisor_announce(flow *f);

/* review.c: a plan review carrying a PDF draft plan; the advisor shows and saves it and
 * replies with an annotated copy, which the municipality saves. 0 or -1. */
int fl_plan_review(flow *f);

#endif /* RP_TOOLS_DEMO_FLOW_H */
