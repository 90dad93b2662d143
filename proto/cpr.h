/* SPDX-License-Identifier: MIT */
/*
 * The CPR guard. A Danish CPR number (personnummer) in a question or an attachment name
 * would put a citizen's identity into a message that should be anonymous or
 * pseudonymous, so the client refuses to send any payload whose free text holds one
 * (RP_ECPR), and then runs the host's further checks (rp__cpr_hook).
 *
 * The text is normalised before matching, so that a number reads the same however it
 * was typed, pasted or converted. Reading the bytes from the start, each position is
 * one symbol: the UTF-8 forms below stand for the ASCII character given, bytes of any
 * other form stand for themselves (ASCII) or for "other" (everything else, including
 * invalid UTF-8):
 *   digits 0-9:  U+0660..U+0669, U+06F0..U+06F9 (Arabic-Indic), U+FF10..U+FF19
 *                (full-width), U+1D7CE..U+1D7FF (mathematical, five styles of ten);
 *   space:       U+00A0, U+2000..U+200A, U+202F, U+205F, U+3000;
 *   '-':         U+2010..U+2015 (hyphens and dashes), U+2212 (minus sign);
 *   ASCII 21-7E: U+FF01..U+FF5E (the full-width forms, minus U+FEE0: so the full-width
 *                full stop, solidus, hyphen-minus and low line are separators);
 *   nothing:     U+00AD (soft hyphen), U+200B..U+200D, U+2060, U+FEFF (invisible; they
 *                are dropped, so they neither separate nor join anything).
 * A run is a maximal sequence of digit symbols. A CPR number is one of three shapes of
 * runs, written with the separators people type, d for a digit symbol:
 *   dddddddddd            one run of ten;
 *   dddddd T dddd         a run of six and a run of four;
 *   dd S dd S dd T dddd   three runs of two, the same S twice, and a run of four;
 * where S is one of  .  -  space  /  and T is one of  -  space  /  _  .  or a dash with
 * one space before it, after it or both (" -", "- ", " - "). Because every part is a
 * whole run, the ten digits are never part of a longer run of digits (a 12-digit account
 * number is not a CPR number, nor is 15.03.851234 or 115.03.85-1234).
 * The separators are chosen so that what people write for a CPR number is caught
 * ("CPR 15.03.85-1234", "150385/1234", "plan_150385_1234.pdf") while numbers of other
 * shapes pass: a phone number has eight digits in 2-2-2-2 or 4-4 groups, a date alone has
 * no group of four after it (and 15.03.1985 has a run of four where the year of two
 * should be), case numbers are 4-6 or 4/5 runs or have letters after the date
 * (27.12.08-P20-1-24), amounts group by three and use ',' for decimals, and the Danish
 * date style 15/3-85 or 15/03-85 mixes two separators. Not accepted on purpose: a comma
 * or colon, two spaces or two dashes, a line break, ". " inside the date, and the date
 * in groups without a separator before the last four (15.03.851234). What still matches
 * besides CPR numbers are other ten digits of the same shapes with a valid date, such
 * as a journal code of the form 27.12.08 followed by "-2024", or a date followed by a
 * time without a colon ("15.03.24 1400"); the guard errs on the side of refusing.
 *
 * The date must exist: day dd, month mm, and the full year from yy and the seventh digit
 * (the first of the last four) by the CPR office's rule
 *   7th digit 0-3: 1900-1999;  4 or 9: 2000-2036 if yy <= 36, else 1937-1999;
 *   5-8: 2000-2057 if yy <= 57, else 1858-1899,
 * and 29 February only in a Gregorian leap year. The modulus 11 check is not applied:
 * numbers without it have been issued since 2007.
 *
 * The guard errs on the side of refusing: any ten digits of that form match, whether or
 * not the number was ever issued. The number itself is never logged or returned, only
 * the byte offset of its first digit in the original, un-normalised text.
 *
 * rp__cpr_find reads each byte a bounded number of times (a match is tried only at the
 * start of a run and reads at most 16 visible symbols from there) and allocates nothing,
 * so it can run on every text field of every payload.
 */
#ifndef RP_CPR_H
#define RP_CPR_H

#include <stdbool.h>
#include <stddef.h>

#include "payload.h"

/* Finds the first CPR number in text[0..len) (any bytes; UTF-8 around it is fine), the
 * one whose first digit comes first. Returns true and sets *offset to the byte offset in
 * text of the first byte of that digit, so a user interface can point at it; returns
 * false and sets *offset to 0 if there is none. offset may be NULL. */
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
