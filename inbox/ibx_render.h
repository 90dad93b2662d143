/* SPDX-License-Identifier: MIT */
/*
 * What the advisor sees: listings, threads, registrations and exports, each as text for
 * a terminal (times in Copenhagen time, urgency and overdue marked) and as JSON.
 */
#ifndef RP_IBX_RENDER_H
#define RP_IBX_RENDER_H

#include <stdint.h>

#include "buf.h"
#include "ibx_store.h"
#include "rejsepost.h"

/* "akut", "haster", "normal", "plan" or "-". */
const char *rp__ibx_urgency_name(int urg);

/* The listing of threads that match f. */
int rp__ibx_render_list(rp__ibx_store *st, const rp__ibx_filter *f, uint64_t now,
                        rp__buf *text, rp__buf *json);

/* One thread with every message (show and export). A recalled message, and every
 * message of a thread whose consent was withdrawn, is shown without its content (marked
 * with when and why); retention_ms says when such a thread is purged. client (may be
 * NULL) is the team's client library handle: a recall the team sent shows its outcome,
 * whether the municipality's system has hidden the message (its receipt "recalled",
 * RP_STATUS_RECALLED). RP_ENOTFOUND. */
int rp__ibx_render_thread(rp__ibx_store *st, rp_client *client, const char *thread_id,
                          uint64_t now, uint64_t retention_ms, rp__buf *text,
                          rp__buf *json);

/* Every registration received, grouped by the announcement it answers. */
int rp__ibx_render_registrations(rp__ibx_store *st, rp__buf *text, rp__buf *json);

#endif
