/* SPDX-License-Identifier: MIT */
/*
 * The service clock (docs/DOMAIN.md, "How fast: the service clock"): office hours and
 * the deadline of each urgency. ("Now" comes from ibx_ident.h.)
 *
 * Deadlines count office time, in Copenhagen time whatever the machine's TZ (ibx_cal.h
 * says why and how): akut 1 office hour, haster 1 working day, normal 5 and plan 10
 * working days, where a working day is one full span of office hours (08:00-16:00 by
 * default: 8 office hours). A request that arrives outside office hours starts its clock
 * at the next opening.
 *
 * The office is closed on the configured weekdays off, on the Danish public holidays
 * (ibx_cal.h; unless holidays = none), and on configured closure days; on half days
 * (24 and 31 December and 5 June afternoon by default) it closes at half_close_min
 * (12:00 by default). Dates are configured as YYYY-MM-DD (that day) or MM-DD (every
 * year).
 */
#ifndef RP_IBX_CLOCK_H
#define RP_IBX_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_caps.h"

/* A configured date: year 0 means every year. */
#define RP_IBX_DATE(y, m, d) (((uint32_t)(y) << 9) | ((uint32_t)(m) << 5) | (uint32_t)(d))

typedef struct rp__ibx_hours {
  unsigned start_min, end_min; /* minutes after local midnight, start < end */
  unsigned days;               /* bit tm_wday (0 = Sunday) set for working days */
  int holidays;                /* 1: closed on Danish public holidays (the default) */
  unsigned half_close_min;     /* when a half day closes (minutes after midnight) */
  uint32_t closed[RP_IBX_DATES_MAX], half[RP_IBX_DATES_MAX]; /* RP_IBX_DATE values */
  unsigned nclosed, nhalf;
} rp__ibx_hours;

/* Mon-Fri 08:00-16:00, Danish holidays, half days 06-05, 12-24, 12-31 closing 12:00. */
void rp__ibx_hours_default(rp__ibx_hours *h);

/* Parses "08:00-16:00" into start/end. RP_ECONFIG on a bad form or start >= end. */
int rp__ibx_hours_parse_span(rp__ibx_hours *h, const char *span);

/* Parses "mon-fri" or "mon,tue,thu" (ranges and lists mixed) into days. RP_ECONFIG. */
int rp__ibx_hours_parse_days(rp__ibx_hours *h, const char *days);

/* Parses a list of dates "2026-05-15, 12-24" and appends them to out[0..*n) (at most
 * RP_IBX_DATES_MAX in all); "none" empties the list. RP_ECONFIG on a bad date,
 * RP_ETOOBIG if there would be more. */
int rp__ibx_hours_parse_dates(const char *list, uint32_t out[RP_IBX_DATES_MAX],
                              unsigned *n);

/* Parses "HH:MM" into minutes after midnight (00:00..24:00). RP_ECONFIG. */
int rp__ibx_hours_parse_time(const char *s, unsigned *min);

/* Whether unix time t_ms falls inside office hours (Copenhagen time). */
int rp__ibx_hours_open(const rp__ibx_hours *h, uint64_t t_ms);

/* t_ms plus `minutes` of office time. 0 if no working day was found within
 * RP_IBX_CLOCK_DAYS_MAX days (no working days configured). */
uint64_t rp__ibx_hours_add(const rp__ibx_hours *h, uint64_t t_ms, uint64_t minutes);

/* The deadline of a request of urgency `urg` (RP__URG_*) that arrived at t_ms; 0 for
 * an unknown urgency. */
uint64_t rp__ibx_deadline(const rp__ibx_hours *h, int urg, uint64_t t_ms);

/* Formats t_ms as Copenhagen time "2026-01-05 09:00" into buf (at least 20 bytes). */
void rp__ibx_fmt_local(uint64_t t_ms, char *buf, size_t cap);

#endif /* RP_IBX_CLOCK_H */
