/* SPDX-License-Identifier: MIT */
/*
 * The audit log: one line per advisor action (who, when, which thread, which action),
 * never content. Lines are hash-chained, so a changed, removed or reordered line shows:
 *
 *   <seq> <unix_ms> <utc time> who=<user> action=<action> thread=<32 hex or -> prev=<64
 * hex>\n
 *
 * (an assignment also names the new holder: "... thread=<32 hex> to=<user> prev=...").
 *
 * seq counts from 1; prev is the SHA-256 of the whole previous line (newline included),
 * 64 zeros on line 1. The chain alone cannot show that the last lines were cut off, so
 * the daemon also keeps the head (seq and hash of the last line) in its database, and
 * verification checks the log against it.
 *
 * Each append is written with one write() and fsync'd before the action is reported done.
 */
#ifndef RP_IBX_AUDIT_H
#define RP_IBX_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_caps.h"

typedef struct rp__ibx_audit rp__ibx_audit;

typedef struct rp__ibx_audit_head {
  uint64_t seq;     /* lines in the log; 0 when empty */
  uint8_t hash[32]; /* SHA-256 of the last line; zeros when empty */
} rp__ibx_audit_head;

/* Opens (creating, mode 0600) the log at path and verifies it to find its head. A log
 * whose chain is broken still opens (the daemon must keep recording), and *broken (may
 * be NULL) is set to the first bad line number (0 if the chain is sound). */
int rp__ibx_audit_open(const char *path, rp__ibx_audit **out, uint64_t *broken);
void rp__ibx_audit_close(rp__ibx_audit *a);

/* Appends one line. who is sanitised to [A-Za-z0-9._-] (others become '_'); action is
 * one of our fixed action names; thread is 32 hex or NULL. *head (may be NULL) gets the
 * new head. RP_ETOOBIG (nothing written) if who is longer than RP_IBX_WHO_MAX or action
 * or thread longer than 32. RP_EIO / RP_EFSYNC if the line could not be made durable.
 * A line is at most RP_IBX_AUDIT_LINE_MAX bytes; verification refuses a longer one.
 * Thread-safe. */
int rp__ibx_audit_append(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                         const char *action, const char *thread, rp__ibx_audit_head *head);

/* As rp__ibx_audit_append, with " to=<user>" after the thread (an assignment's new
 * holder; sanitised as who). to NULL: no such field. */
int rp__ibx_audit_append_to(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                            const char *action, const char *thread, const char *to,
                            rp__ibx_audit_head *head);

/* As rp__ibx_audit_append_to with another field name (one of ours, at most 12
 * characters): " attachment=2" for a saved attachment. */
int rp__ibx_audit_append_kv(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                            const char *action, const char *thread, const char *key,
                            const char *value, rp__ibx_audit_head *head);

/* As rp__ibx_audit_append_kv, with " via=<via>" last (before prev): the front end the
 * action came through ("web"; sanitised as who). via NULL: no such field. */
int rp__ibx_audit_append_via(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                             const char *action, const char *thread, const char *key,
                             const char *value, const char *via, rp__ibx_audit_head *head);

/* The head after the last append. */
void rp__ibx_audit_head_get(rp__ibx_audit *a, rp__ibx_audit_head *head);

/*
 * Verifies the log file at path: every line well formed, seq 1, 2, 3..., each prev the
 * hash of the line before. If expect is not NULL, the log must also contain line
 * expect->seq with hash expect->hash (so a log cut short, or replaced by a shorter
 * consistent one, is refused). Returns 0 if sound; RP_EAUTH with *bad_line set to the
 * first bad line (or expect->seq when the log ends too early); RP_EIO if unreadable.
 * *lines (may be NULL) gets the number of lines read.
 */
int rp__ibx_audit_verify(const char *path, const rp__ibx_audit_head *expect,
                         uint64_t *lines, uint64_t *bad_line);

#endif /* RP_IBX_AUDIT_H */
