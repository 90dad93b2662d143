/* SPDX-License-Identifier: MIT */
/*
 * The Danish calendar of the service clock: civil dates, the time in Copenhagen, and the
 * public holidays on which the team's office is closed.
 *
 * Office hours are Copenhagen's whatever the machine's TZ. The offset is computed here
 * with the EU rule (summer time from the last Sunday of March at 01:00 UTC to the last
 * Sunday of October at 01:00 UTC: UTC+2, else UTC+1) rather than through localtime() and
 * the tz database: a daemon in a container or under systemd may lack tzdata or run with
 * TZ unset or UTC, and then every deadline would silently shift by one or two hours. The
 * rule has held since 1996 and is all we need for times the inbox handles; should the EU
 * abolish the change, this file is where to say so.
 *
 * Days are numbered from 1970-01-01 (day 0), proleptic Gregorian, as days_from_civil in
 * Howard Hinnant's "chrono-compatible low-level date algorithms".
 */
#ifndef RP_IBX_CAL_H
#define RP_IBX_CAL_H

#include <stdint.h>

/* The day number of y-m-d (m 1..12, d 1..31; not checked). */
int64_t rp__ibx_cal_days(int64_t y, unsigned m, unsigned d);

/* The civil date of day z. */
void rp__ibx_cal_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* The weekday of day z: 0 Sunday .. 6 Saturday (as tm_wday). */
unsigned rp__ibx_cal_weekday(int64_t z);

/* The day number of Easter Sunday in year y (Gregorian computus). */
int64_t rp__ibx_cal_easter(int64_t y);

/*
 * The Danish public holiday on day z, or NULL: "nytaarsdag", "skaertorsdag",
 * "langfredag", "paaskedag", "2. paaskedag", "store bededag" (abolished from 2024: only
 * up to 2023), "kristi himmelfartsdag", "pinsedag", "2. pinsedag", "juledag",
 * "2. juledag".
 */
const char *rp__ibx_cal_holiday(int64_t z);

/* Copenhagen's offset from UTC at unix time utc_s: 3600 or 7200 seconds. */
int rp__ibx_cph_offset(int64_t utc_s);

/* The Copenhagen day number and second of that day at unix time utc_s. */
void rp__ibx_cph_local(int64_t utc_s, int64_t *day, unsigned *sec);

/*
 * The unix time at which Copenhagen's clock shows `min` minutes after midnight of day
 * (min up to 1440 = the next midnight). A time that happens twice (the last Sunday of
 * October, 02:00-03:00) is taken the first time; one that does not happen (the last
 * Sunday of March, 02:00-03:00) is the moment the clock jumps.
 */
int64_t rp__ibx_cph_utc(int64_t day, unsigned min);

#endif
