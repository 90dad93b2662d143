/* SPDX-License-Identifier: MIT */
/*
 * The CPR guard. A Danish CPR number (personnummer) in a question or an attachment name
 * would put a citizen's identity into a message that should be anonymous or
 * pseudonymous, so the client refuses to send any payload whose free text holds one
 * (RP_ECPR), and then runs the host's further checks (rp__cpr_hook).
 *
 * What counts as a CPR number: ten ASCII digits "ddmmyyxxxx", optionally with one
 * separator after the sixth digit: a hyphen, a space, or the look-alikes that word
 * processors substitute (no-break space U+00A0, hyphen U+2010, non-breaking hyphen
 * U+2011, figure dash U+2012, en dash U+2013, minus sign U+2212). The date must exist:
 * the full year comes from yy and the seventh digit by the CPR office's rule
 *   7th digit 0-3: 1900-1999;  4 or 9: 2000-2036 if yy <= 36, else 1937-1999;
 *   5-8: 2000-2057 if yy <= 57, else 1858-1899,
 * and 29 February only in a Gregorian leap year. The modulus 11 check is not applied:
 * numbers without it have been issued since 2007. The ten digits must not be part of a
 * longer run of digits (a 12-digit account number is not a CPR number).
 *
 * The guard errs on the side of refusing: any ten digits of that form match, whether or
 * not the number was ever issued. The number itself is never logged or returned, only
 * its position.
 */
#ifndef RP_CPR_H
#define RP_CPR_H

#include <stdbool.h>
#include <stddef.h>

#include "payload.h"

/* Finds the first CPR number in text[0..len) (any bytes; UTF-8 around it is fine).
 * Returns true and sets *offset to the byte offset of its first digit, so a user
 * interface can point at it; returns false and sets *offset to 0 if there is none.
 * offset may be NULL. */
bool rp__cpr_find(const char *text, size_t len, size_t *offset);

/* Whether year-month-day is a date of the Gregorian calendar (month 1..12, day within
 * the month, 29 February only in leap years). Shared with the payloads' date fields. */
bool rp__cpr_date_valid(unsigned year, unsigned month, unsigned day);

/* A further content check that the client runs on every free-text field after the CPR
 * guard (a host's own word list, a second CPR-like pattern...). `field` names the field
 * (as in rp__payload_texts), text[0..len) is its UTF-8 text, not NUL-terminated and
 * valid only during the call. Return 0 to accept; nonzero refuses the payload, and the
 * hook may set *offset to the byte offset it objects to. `data` is the host's. */
typedef int (*rp__cpr_hook_fn)(void *data, const char *field, const char *text, size_t len,
                               size_t *offset);

typedef struct rp__cpr_hook {
  rp__cpr_hook_fn fn;
  void *data;
} rp__cpr_hook;

/* Scans every free-text field of *p (question, advice, references, attachment names,
 * notes, programme, ...) for a CPR number. Returns 0 if there is none, or RP_ECPR with
 * *where naming the field and *offset the byte offset in that field's text. where and
 * offset may be NULL; both are cleared on entry. */
int rp__payload_cpr_check(const rp__payload *p, const char **where, size_t *offset);

/* Runs hook on every free-text field of *p. Returns 0 if the hook accepts them all (or
 * hook or hook->fn is NULL), or RP_EHOOK with *where naming the refused field and
 * *offset as the hook set it (0 otherwise). where and offset may be NULL. */
int rp__payload_hook_check(const rp__payload *p, const rp__cpr_hook *hook,
                           const char **where, size_t *offset);

#endif /* RP_CPR_H */
