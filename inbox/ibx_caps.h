/* SPDX-License-Identifier: MIT */
/*
 * Every cap that only the advisor inbox daemon needs, in one place; a cap that another
 * part needs too lives in proto/caps.h (paths: RP_PATH_MAX) and is not named again here.
 * Each has a test that goes one past it.
 */
#ifndef RP_IBX_CAPS_H
#define RP_IBX_CAPS_H

#include "caps.h"

/* A reply's attachment names and kinds on the socket ("name/kind/..."): 16 names
 * (RP_PAYLOAD_ATTACHMENTS_MAX in payload.h) of at most RP_TEXT_SHORT_MAX bytes, each with
 * a kind of at most 31 and two separators. */
#define RP_IBX_ATTACH_SPEC_MAX (16u * (RP_TEXT_SHORT_MAX + 33u))
/* A reply's coded fields on the socket: 16 referrals of a kind name (at most 64 bytes)
 * and two texts of at most RP_TEXT_SHORT_MAX, with their keys and headers; 32 action
 * names of at most 64 bytes. */
#define RP_IBX_CODED_MAX (16u * (2u * RP_TEXT_SHORT_MAX + 96u) + 32u * 70u)
/* One advisor request on the socket (frame body). The largest fields are a reply text of
 * RP_TEXT_QUESTION_MAX bytes, the attachments' names and kinds and the reply's coded
 * fields; the rest is small. */
#define RP_IBX_REQ_MAX                                                                     \
  (RP_TEXT_QUESTION_MAX + 4096u + RP_IBX_ATTACH_SPEC_MAX + RP_IBX_CODED_MAX)
/* One response: a listing or an export of a long thread. */
#define RP_IBX_RESP_MAX (8u * 1024u * 1024u)
/* How long the daemon waits for one advisor's request before dropping the connection,
 * so one stalled local client cannot hold the socket for long. */
#define RP_IBX_SOCK_TIMEOUT_MS 2000
/* How long a reload (SIGHUP) waits for the relay's newest roster, on the main thread. */
#define RP_IBX_ROSTER_REFRESH_MS 3000
/* Advisor connections whose request is still arriving; each is read as its bytes come,
 * so one that stalls holds only its own slot, for at most RP_IBX_SOCK_TIMEOUT_MS. When
 * the table is full the oldest is dropped; one user may hold at most the second cap. */
#define RP_IBX_CONNS_MAX 32u
#define RP_IBX_CONNS_PER_USER 4u
/* Threads one listing returns. */
#define RP_IBX_LIST_MAX 500u
/* Where the web workspace shows a thread: this URL path, then the thread's id or a
 * unique prefix of it (the alert mails' links point there; rejsepost-webd serves it).
 * "sag" is Danish for case. */
#define RP_IBX_CASE_SEGMENT "sag"
#define RP_IBX_CASE_PATH "/" RP_IBX_CASE_SEGMENT "/"
/* Messages one thread shows or exports. */
#define RP_IBX_THREAD_MSGS_MAX 1000u
/* Thread ids as advisors type them, as in git: any unique prefix of at least
 * RP_IBX_PREFIX_MIN hex digits. Listings show RP_IBX_SHORT_ID_MIN digits, or more when
 * two stored threads share that many. An ambiguous prefix is answered with at most
 * RP_IBX_PREFIX_CANDIDATES candidates. */
#define RP_IBX_PREFIX_MIN 4u
#define RP_IBX_SHORT_ID_MIN 8u
#define RP_IBX_PREFIX_CANDIDATES 8u
/* A user name as the audit log records it. */
#define RP_IBX_WHO_MAX 32u
/* Advisors mapped to a pseudonym in the configuration. */
#define RP_IBX_ADVISORS_MAX 64u
/* Unix users in [socket] frontends (ibx_front.h). */
#define RP_IBX_FRONTENDS_MAX 8u
/* One audit log line, newline included. */
#define RP_IBX_AUDIT_LINE_MAX 512u
/* The whole audit log, which opening and verifying read into memory: 1 GiB holds two
 * million lines of the longest kind, decades of a team's actions. */
#define RP_IBX_AUDIT_FILE_MAX (1024u * 1024u * 1024u)
/* Retention of closed threads: 1 hour .. 10 years (seconds); default 180 days. */
#define RP_IBX_RETENTION_MIN_S 3600ull
#define RP_IBX_RETENTION_MAX_S (3650ull * 86400)
#define RP_IBX_RETENTION_DEFAULT_S (180ull * 86400)
/* The periodic check (escalation, retention): 50 ms (tests) .. 1 hour. */
#define RP_IBX_TICK_MIN_MS 50u
#define RP_IBX_TICK_MAX_MS 3600000u
#define RP_IBX_TICK_DEFAULT_MS 30000u
/* Closure days and half days in [office] closed / half_days, each. */
#define RP_IBX_DATES_MAX 64u
/* Alert commands running at once (one per escalation), and how long each may run:
 * 100 ms .. 10 minutes, 10 s by default. */
#define RP_IBX_ALERTS_MAX 8u
#define RP_IBX_ALERT_TIMEOUT_MIN_MS 100u
#define RP_IBX_ALERT_TIMEOUT_MAX_MS 600000u
#define RP_IBX_ALERT_TIMEOUT_DEFAULT_MS 10000u
/* Alert e-mail (ibx_mail.h): addresses in [alerts] to and lead, each at most
 * RP_IBX_MAIL_ADDR_MAX bytes (RFC 5321's path limit); URLs and the sender; mails waiting
 * for the sending thread (one more is dropped with an error line); tries per mail and
 * the wait before the second (doubled before each later one). */
#define RP_IBX_MAIL_TO_MAX 16u
#define RP_IBX_MAIL_ADDR_MAX 254u
#define RP_IBX_MAIL_URL_MAX 256u
#define RP_IBX_MAIL_QUEUE_MAX 64u
#define RP_IBX_MAIL_TRIES 3u
#define RP_IBX_MAIL_RETRY_MS 1000u
/* One alert mail, headers and body: a To header of 32 of the longest addresses and a
 * short body. */
#define RP_IBX_MAIL_TEXT_MAX 16384u
/* A reminder comes at most this long before the deadline: 10 days, in minutes. */
#define RP_IBX_REMINDER_MAX_MIN (10u * 24u * 60u)
/* An attachment in the inbox store is sealed in pieces of this many bytes, each on its
 * own (the client library's chunk size): storing, saving and purging never hold more
 * than one piece in memory. */
#define RP_IBX_ATT_PIECE (256u * 1024u)
/* How long one `save` may stream an attachment to an advisor's command in all; the
 * daemon serves one request at a time, so this bounds how long a slow reader holds the
 * others (a 100 MiB file takes well under a second on a local socket). */
#define RP_IBX_SAVE_TIMEOUT_MS 30000
/* Days the service clock walks forward at most when it adds office time. */
#define RP_IBX_CLOCK_DAYS_MAX 800

#endif /* RP_IBX_CAPS_H */
