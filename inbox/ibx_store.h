/* SPDX-License-Identifier: MIT */
/*
 * The inbox store: one SQLite file (WAL, synchronous=FULL, secure_delete=ON,
 * auto_vacuum=INCREMENTAL, mode 0600) with threads and messages.
 *
 * Message bodies (the payload as JSON) are encrypted at rest with XChaCha20-Poly1305
 * under the data key (ibx_datakey.h), bound to their msg_id. In clear are only the
 * columns a listing needs: ids, kind, urgency, municipality code, category bits, state,
 * deadline, who claimed, and times.
 *
 * One connection, guarded by a mutex: every call may come from any thread (the client
 * library's loop thread stores received messages; the main thread serves advisors).
 * Every write is one transaction, committed (fsync'd) when the call returns 0.
 */
#ifndef RP_IBX_STORE_H
#define RP_IBX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"

#define RP_IBX_ID_STRLEN 33
#define RP_IBX_PEER_STRLEN (RP_MEMBER_ID_MAX + 1)
#define RP_IBX_WHO_STRLEN 33

/* Thread states, in the order a thread usually goes. Never renumbered (stored). */
enum {
  RP_IBX_ST_NEW = 1,  /* arrived, nobody opened it */
  RP_IBX_ST_OPENED,   /* an advisor opened it */
  RP_IBX_ST_CLAIMED,  /* an advisor took it */
  RP_IBX_ST_ANSWERED, /* a reply went out */
  RP_IBX_ST_WAITING,  /* more information was asked for */
  RP_IBX_ST_CLOSED,
  RP_IBX_ST_MAX = RP_IBX_ST_CLOSED
};

/* "new", "opened", ... or NULL. */
const char *rp__ibx_state_name(int st);

/* Message directions. */
#define RP_IBX_IN 1
#define RP_IBX_OUT 2

typedef struct rp__ibx_thread {
  char thread_id[RP_IBX_ID_STRLEN];
  char first_msg[RP_IBX_ID_STRLEN]; /* the message that opened it (a request) */
  char peer[RP_IBX_PEER_STRLEN];    /* the municipality member */
  char municipality[4];             /* its code */
  int kind;                         /* rp__payload_kind of first_msg */
  int urgency;                      /* RP__URG_*, 0 if the kind has none */
  uint64_t categories;              /* RP__CAT_* bits */
  int state;
  uint64_t arrived, deadline, opened_at, answered_at, closed_at, updated;
  char claimed_by[RP_IBX_WHO_STRLEN];
  int escalated, autoreplied, outcome;
} rp__ibx_thread;

/* One attachment of a stored message: its descriptor (sealed at rest like the body) and
 * where its bytes are. n is its number in the thread (1-based, in message order), as
 * `show` lists it and `save` takes it. */
typedef struct rp__ibx_att {
  unsigned n;
  char msg_id[RP_IBX_ID_STRLEN];
  unsigned idx; /* its index in the message's attachment list */
  int dir;      /* RP_IBX_IN / RP_IBX_OUT */
  char name[RP_TEXT_SHORT_MAX + 1];
  char mime[RP_TEXT_SHORT_MAX + 1];
  char kind[32];
  uint64_t size;
  char sha256[65]; /* lowercase hex of the bytes the store holds */
  uint32_t pieces; /* RP_IBX_ATT_PIECE bytes each, the last one shorter */
} rp__ibx_att;

/* Where the store takes an attachment's bytes from while it adds a message: the source
 * fills meta's name, mime and kind (and may set meta's sha256 to what the bytes must hash
 * to: a mismatch fails the add with RP_EDIGEST) and hands the bytes, in order, to
 * rp__ibx_att_put(sink, ...). The store counts the size, hashes and seals them in pieces
 * of RP_IBX_ATT_PIECE bytes, each on its own, bound to msg_id, the attachment's index and
 * the piece's index: memory stays one piece whatever the size. */
typedef struct rp__ibx_att_sink rp__ibx_att_sink;
typedef int (*rp__ibx_att_src)(void *ctx, unsigned idx, rp__ibx_att *meta,
                               rp__ibx_att_sink *sink);
int rp__ibx_att_put(rp__ibx_att_sink *sink, const uint8_t *p, size_t n);

typedef struct rp__ibx_msg {
  char msg_id[RP_IBX_ID_STRLEN];
  char thread_id[RP_IBX_ID_STRLEN];
  char ref[RP_IBX_ID_STRLEN];    /* the message it answers, "" if none */
  char peer[RP_IBX_PEER_STRLEN]; /* sender (in) or recipient (out) */
  char who[RP_IBX_WHO_STRLEN];   /* the advisor who sent it (out), else "" */
  int dir, kind;
  uint64_t created, stored;
  char *body; /* JSON text; plaintext in memory only */
  size_t body_len;
  /* Attachments to store with the message (rp__ibx_store_add only): natt of them, read
   * through att_src (att_ctx passed along) inside the message's transaction. */
  unsigned natt;
  rp__ibx_att_src att_src;
  void *att_ctx;
} rp__ibx_msg;

typedef struct rp__ibx_store rp__ibx_store;

/* Opens (creating) the database at path. key is borrowed (RP_IBX_DATAKEY_BYTES) and must
 * outlive the store. */
int rp__ibx_store_open(const char *path, const uint8_t *key, rp__ibx_store **out);
void rp__ibx_store_close(rp__ibx_store *st);
/* How many rows of the inbox the store has inserted, changed or deleted since it was
 * opened: grows with every change (a new message, a claim, a state), never shrinks. The
 * meta rows (the audit head moves with every audited action) are not counted. */
uint64_t rp__ibx_store_changes(rp__ibx_store *st);

int rp__ibx_store_meta_put(rp__ibx_store *st, const char *k, const void *v, size_t n);
/* Copies at most cap bytes; *n gets the stored length. RP_ENOTFOUND. */
int rp__ibx_store_meta_get(rp__ibx_store *st, const char *k, void *v, size_t cap,
                           size_t *n);

/*
 * Stores message m (body sealed here), its m->natt attachments (read from m->att_src)
 * and, in the same transaction, thread t if t is not NULL and its thread is new (an
 * existing thread only gets its `updated` time). A msg_id already stored is not stored
 * again (its attachments are not read): *inserted (may be NULL) says 0. A source that
 * fails rolls everything back.
 */
int rp__ibx_store_add(rp__ibx_store *st, const rp__ibx_msg *m, const rp__ibx_thread *t,
                      int *inserted);

/* The thread, or RP_ENOTFOUND. */
int rp__ibx_store_thread(rp__ibx_store *st, const char *thread_id, rp__ibx_thread *t);

/* The length of the short ids a listing shows: RP_IBX_SHORT_ID_MIN, or more if two
 * stored threads share that many first digits (then every id shows one digit more than
 * the longest shared prefix), so each short id names one thread. */
int rp__ibx_store_short_len(rp__ibx_store *st, unsigned *len);

/* Resolves prefix (RP_IBX_PREFIX_MIN..32 lowercase hex) to the one thread id it starts:
 * full gets it. RP_ENOTFOUND if none; RP_EEXIST if several: cand (may be NULL) gets the
 * first RP_IBX_PREFIX_CANDIDATES in id order, and *ncand how many matched (one more than
 * RP_IBX_PREFIX_CANDIDATES meaning "more than that"). */
int rp__ibx_store_resolve(rp__ibx_store *st, const char *prefix,
                          char full[RP_IBX_ID_STRLEN], char (*cand)[RP_IBX_ID_STRLEN],
                          unsigned *ncand);

/* Whether message msg_id is stored (1/0), and if so its thread in thread_id (may be
 * NULL, else RP_IBX_ID_STRLEN bytes). */
int rp__ibx_store_has_msg(rp__ibx_store *st, const char *msg_id, char *thread_id);

/* Whether the thread holds a message of kind that the team sent (1/0): a registration
 * answers the network_announcement in its thread. */
int rp__ibx_store_has_sent(rp__ibx_store *st, const char *thread_id, int kind);

/* Thread updates, each one transaction. */
/* Sets opened_at (and state opened if new) once; *first says whether this was the first
 * opening. */
int rp__ibx_store_opened(rp__ibx_store *st, const char *thread_id, uint64_t now,
                         int *first);
/* Claims for who. RP_EBUSY if claimed by someone else (unless takeover); RP_ESTATE if
 * closed. */
int rp__ibx_store_claim(rp__ibx_store *st, const char *thread_id, const char *who,
                        int takeover, uint64_t now);
/* Gives the thread to `to` if `from` still holds it ("" = nobody): one compare-and-set,
 * so of two advisors acting on the same holder only the first wins. RP_EBUSY if the
 * holder changed, RP_ESTATE if closed, RP_ENOTFOUND. */
int rp__ibx_store_assign(rp__ibx_store *st, const char *thread_id, const char *from,
                         const char *to, uint64_t now);
/* A reply (state answered) or an info request (state waiting) went out. */
int rp__ibx_store_answered(rp__ibx_store *st, const char *thread_id, int state,
                           uint64_t now);
int rp__ibx_store_close_thread(rp__ibx_store *st, const char *thread_id, int outcome,
                               uint64_t now);
/* Sets flag `column` ("escalated" or "autoreplied") to value (0 or 1): 0 if this call
 * changed it, RP_ENOTFOUND if it already held that value (or no such thread). */
int rp__ibx_store_set_flag(rp__ibx_store *st, const char *thread_id, const char *column,
                           int value);
/* A new message in an existing thread: updated time, and a closed or answered thread
 * that the municipality writes to again is reopened (state opened) unless final. */
int rp__ibx_store_touch(rp__ibx_store *st, const char *thread_id, uint64_t now);

/* Listing filter: 0 / "" / NULL mean "any". Closed threads only when state asks for
 * them or all is set. */
typedef struct rp__ibx_filter {
  int state;
  const char *municipality;
  uint64_t category_bit;
  int urgency; /* RP__URG_*: only threads of this urgency; 0: any */
  int all;
  /* A JSON array of member ids: only threads of these peers (a network's municipalities);
   * NULL: any peer. */
  const char *peers;
} rp__ibx_filter;

typedef int (*rp__ibx_thread_fn)(void *data, const rp__ibx_thread *t);
typedef int (*rp__ibx_msg_fn)(void *data, const rp__ibx_msg *m);

/* Threads matching f, akut first, then by deadline (no deadline last), then arrival. At
 * most RP_IBX_LIST_MAX: if more match, fn has seen the first RP_IBX_LIST_MAX and the
 * result is RP_ETOOBIG. fn returns nonzero to stop. Do not call the store from fn. */
int rp__ibx_store_list(rp__ibx_store *st, const rp__ibx_filter *f, rp__ibx_thread_fn fn,
                       void *data);

/* Messages of a thread, oldest first, bodies opened (borrowed for the call). At most
 * RP_IBX_THREAD_MSGS_MAX: if there are more, fn has seen the first ones and the result
 * is RP_ETOOBIG. */
int rp__ibx_store_messages(rp__ibx_store *st, const char *thread_id, rp__ibx_msg_fn fn,
                           void *data);

/* Received messages of one kind (registrations), oldest first, bodies opened. */
int rp__ibx_store_messages_of_kind(rp__ibx_store *st, int kind, rp__ibx_msg_fn fn,
                                   void *data);

/* The attachments of a thread's messages, numbered 1.. in message order (stored, then
 * index): *out malloc'd (caller frees), *n how many. At most RP_IBX_THREAD_MSGS_MAX *
 * RP_PAYLOAD_ATTACHMENTS_MAX. */
int rp__ibx_store_thread_atts(rp__ibx_store *st, const char *thread_id, rp__ibx_att **out,
                              unsigned *n);

/* Piece `piece` of attachment idx of msg_id, opened: *pt malloc'd (caller wipes and
 * frees). RP_ENOTFOUND, RP_EAUTH (altered or moved). */
int rp__ibx_store_att_piece(rp__ibx_store *st, const char *msg_id, unsigned idx,
                            uint32_t piece, uint8_t **pt, size_t *n);

/* Open threads that could be overdue for escalation: urgency akut or haster, not
 * escalated, not closed, deadline before now. */
int rp__ibx_store_escalation_candidates(rp__ibx_store *st, uint64_t now,
                                        rp__ibx_thread_fn fn, void *data);

/*
 * Alerts (ibx_notify.c): a row per thread and event (RP_IBX_EV_* of ibx_config.h) records
 * that the alert was decided, so that it goes out once, across restarts; its mail column
 * says what became of its e-mail. Purged with the thread.
 */
enum {
  RP_IBX_MAIL_PENDING = 0, /* queued; sent again after a restart */
  RP_IBX_MAIL_SENT = 1,
  RP_IBX_MAIL_FAILED = 2, /* every try failed (logged) */
  RP_IBX_MAIL_NONE = 3    /* no mail was set up when it was decided */
};
/* Records the alert; *first is 1 if this call did (0: it was recorded before). */
int rp__ibx_store_alert_record(rp__ibx_store *st, const char *thread_id, int event,
                               uint64_t now, int mail, int *first);
/* Sets what became of its mail. */
int rp__ibx_store_alert_mailed(rp__ibx_store *st, const char *thread_id, int event,
                               int mail);
typedef int (*rp__ibx_alert_fn)(void *data, const rp__ibx_thread *t, int event);
/* The alerts whose mail is still pending, with their thread (at most 64 per call). */
int rp__ibx_store_alerts_pending(rp__ibx_store *st, rp__ibx_alert_fn fn, void *data);
/* Alerts that are due and not yet recorded (at most 64 of each kind per call): new
 * (akut or haster, state new) and, if reminder_ms is not 0, reminder (the deadline is
 * within reminder_ms after now and the thread's clock still runs: not closed, not
 * opened (akut) or answered (the others)). fn is called after the store is unlocked. */
int rp__ibx_store_alerts_due(rp__ibx_store *st, uint64_t now, uint64_t reminder_ms,
                             rp__ibx_alert_fn fn, void *data);
/* Threads not closed per urgency (open[RP__URG_*], open[0]: no urgency), and how many
 * of them are overdue. */
int rp__ibx_store_counts(rp__ibx_store *st, uint64_t now, unsigned open[5],
                         unsigned *overdue);

/*
 * Marks (ibx_store_mark.c): a message recalled (kind RP__PL_RECALL, msg_id the recalled
 * message, reason the recall reason's index, dir who recalled: RP_IBX_IN the
 * municipality, RP_IBX_OUT the team) or the consent withdrawn for the whole thread (kind
 * RP__PL_CONSENT_WITHDRAWN, msg_id "", reason the `by` index). Content under a mark is
 * not shown, exported or saved. Purged with the thread.
 */
typedef struct rp__ibx_mark {
  char msg_id[RP_IBX_ID_STRLEN];
  int kind, reason, dir;
  uint64_t at;
} rp__ibx_mark;
/* Records m; RP_EEXIST if the same mark was recorded before (the first one stands). */
int rp__ibx_store_mark(rp__ibx_store *st, const char *thread_id, const rp__ibx_mark *m);
/* The thread's marks, oldest first: *out malloc'd (caller frees), *n how many. */
int rp__ibx_store_marks(rp__ibx_store *st, const char *thread_id, rp__ibx_mark **out,
                        unsigned *n);
/* One mark, or RP_ENOTFOUND. */
int rp__ibx_store_mark_get(rp__ibx_store *st, const char *thread_id, const char *msg_id,
                           int kind, rp__ibx_mark *m);

/* A stored message's ids, without its body. */
typedef struct rp__ibx_msg_ref {
  char msg_id[RP_IBX_ID_STRLEN];
  char ref[RP_IBX_ID_STRLEN];
  char peer[RP_IBX_PEER_STRLEN]; /* sender (in) or recipient (out) */
  int dir, kind;
  uint64_t stored;
} rp__ibx_msg_ref;
/* The message of the thread whose id starts with prefix (lowercase hex): RP_ENOTFOUND,
 * RP_EEXIST if several do. */
int rp__ibx_store_find_msg(rp__ibx_store *st, const char *thread_id, const char *prefix,
                           rp__ibx_msg_ref *out);
/* The thread's newest message of one of the kinds given, or RP_ENOTFOUND. */
int rp__ibx_store_last_meeting(rp__ibx_store *st, const char *thread_id, const int *kinds,
                               unsigned nkinds, rp__ibx_msg_ref *out);
/* Every thread, closed ones too, in no order (the statistics). fn may not call the
 * store. */
int rp__ibx_store_all_threads(rp__ibx_store *st, rp__ibx_thread_fn fn, void *data);

/* Deletes closed threads with closed_at < before, their messages and attachments, then
 * reclaims the freed pages (secure_delete has zeroed them) and truncates the WAL. *purged
 * gets the number of threads. */
int rp__ibx_store_purge(rp__ibx_store *st, uint64_t before, uint64_t *purged);
/* rp__ibx_store_purge, then fn (may be NULL) for each purged thread's id (32 hex), after
 * the commit and outside the store's lock: the daemon erases the thread from its client
 * store too (rp_thread_erase). */
int rp__ibx_store_purge_each(rp__ibx_store *st, uint64_t before, uint64_t *purged,
                             void (*fn)(void *data, const char *thread_id), void *data);

/* Whether the thread is overdue at now (see docs/INBOX.md "The service clock"). */
int rp__ibx_overdue(const rp__ibx_thread *t, uint64_t now);

#endif /* RP_IBX_STORE_H */
