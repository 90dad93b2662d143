/* SPDX-License-Identifier: MIT */
/*
 * The service clock (DOMAIN.md "Urgency and its clock"): office hours and the deadline
 * of each urgency. ("Now" comes from ibx_ident.h.)
 *
 * Deadlines count office time, in the daemon's local time zone: akut 1 office hour,
 * haster 1 working day, normal 5 and plan 10 working days, where a working day is one
 * full span of office hours (08:00-16:00 by default: 8 office hours). A request that
 * arrives outside office hours starts its clock at the next opening.
 * */
#ifndef RP_IBX_CLOCK_H
#define RP_IBX_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_caps.h"

typedef struct rp__ibx_hours {
  unsigned start_min, end_min; /* minutes after local midnight, start < end */
  unsigned days;               /* bit tm_wday (0 = Sunday) set for working days */
} rp__ibx_hours;

/* Mon-Fri 08:00-16:00. */
void rp__ibx_hours_default(rp__ibx_hours *h);

/* Parses "08:00-16:00" into start/end. RP_ECONFIG on a bad form or start >= end. */
int rp__ibx_hours_parse_span(rp__ibx_hours *h, const char *span);

/* Parses "mon-fri" or "mon,tue,thu" (ranges and lists mixed) into days. RP_ECONFIG. */
int rp__ibx_hours_parse_days(rp__ibx_hours *h, const char *days);

/* Whether unix time t_ms falls inside office hours (local time). */
int rp__ibx_hours_open(const rp__ibx_hours *h, uint64_t t_ms);

/* t_ms plus `minutes` of office time. 0 if no working day was found within
 * RP_IBX_CLOCK_DAYS_MAX days (no working days configured). */
uint64_t rp__ibx_hours_add(const rp__ibx_hours *h, uint64_t t_ms, uint64_t minutes);

/* The deadline of a request of urgency `urg` (RP__URG_*) that arrived at t_ms; 0 for
 * an unknown urgency. */
uint64_t rp__ibx_deadline(const rp__ibx_hours *h, int urg, uint64_t t_ms);

/* Formats t_ms as local time "2026-01-05 09:00" into buf (at least 20 bytes). */
void rp__ibx_fmt_local(uint64_t t_ms, char *buf, size_t cap);

#endif /* RP_IBX_CLOCK_H */
