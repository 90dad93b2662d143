/* SPDX-License-Identifier: MIT */
/*
 * The advisor socket protocol (docs/INBOX.md "The advisor socket"): what the advisor
 * commands send to rejsepost-inboxd over its local Unix socket, and what comes back.
 *
 * Framing: each message is a 4-byte big-endian length, then that many bytes of one
 * msgpack map decoded by the schema engine (proto/mp.h): unsigned integer keys, strict
 * types, caps on every field. One request and one response per connection.
 *
 * This file needs only the protocol core (rpproto), so that its fuzz harness links
 * without the client library.
 */
#ifndef RP_IBX_AREQ_H
#define RP_IBX_AREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ibx_caps.h"
#include "mp.h"

/* Actions (key 1), 1-based as every enum of the schema engine. */
enum {
  RP_IBX_A_LIST = 1,
  RP_IBX_A_SHOW,
  RP_IBX_A_CLAIM,
  RP_IBX_A_REPLY,
  RP_IBX_A_ASK,
  RP_IBX_A_CLOSE,
  RP_IBX_A_ANNOUNCE,
  RP_IBX_A_REGISTRATIONS,
  RP_IBX_A_EXPORT,
  RP_IBX_A_AUDIT_VERIFY,
  RP_IBX_A_ASSIGN, /* new ones go last: the wire carries the name, C code the number */
  RP_IBX_A_SAVE,
  RP_IBX_A_WEB_EVENT, /* a front end records its own event (key 20; ibx_front.c) */
  /* The advisor's workflow (docs/INBOX.md "Recall, consent, meetings, statistics"). */
  RP_IBX_A_RECALL,
  RP_IBX_A_MEETING_PROPOSE,
  RP_IBX_A_MEETING_CONFIRM,
  RP_IBX_A_MEETING_CANCEL,
  RP_IBX_A_STATS,
  RP_IBX_A_CHANGES, /* the store's change count: cheap, content-free, not audited */
  RP_IBX_A_MAX = RP_IBX_A_CHANGES
};

/* The front end's events (key 20), 1-based: the audit action is "web_" and the name. */
enum {
  RP_IBX_WEV_LOGIN = 1,
  RP_IBX_WEV_LOGIN_FAILED,
  RP_IBX_WEV_LOCKOUT,
  RP_IBX_WEV_LOGOUT,
  RP_IBX_WEV_ENROLLED,
  RP_IBX_WEV_MAX = RP_IBX_WEV_ENROLLED
};

/* Caps of the reply's coded fields and the meeting slots on the socket: those of the
 * payloads (PROTOCOL.md 7.4, 7.13). */
#define RP_IBX_REQ_ACTIONS_MAX 32u
#define RP_IBX_REQ_REFERRALS_MAX 16u
#define RP_IBX_REQ_SLOTS_MAX 8u
#define RP_IBX_REQ_NAME_MAX 64u /* an enum name on the socket */

/* A referral of a reply (key 22): kind is a payload referral kind name, checked by the
 * daemon; name and note free text of at most RP_TEXT_SHORT_MAX bytes. */
typedef struct rp__ibx_referral {
  rp__str kind, name, note;
} rp__ibx_referral;

/* A meeting slot (key 30): unix ms, start < end <= start + 24 h (checked by the daemon
 * against the payload's rule). */
typedef struct rp__ibx_slot {
  uint64_t start, end;
} rp__ibx_slot;

/* A request. Texts borrow from the decoded buffer. */
typedef struct rp__ibx_req {
  uint32_t version;     /* 0: RP_SCHEMA_VERSION */
  int action;           /* 1: RP_IBX_A_* (required) */
  rp__str thread;       /* 2: a thread id or a unique prefix: 4..32 lowercase hex */
  int state;            /* 3: RP_IBX_ST_* name filter */
  rp__str municipality; /* 4: 3 digits */
  int category;         /* 5: a request category name */
  rp__str text;         /* 6: reply advice / info questions / announcement programme */
  int outcome;          /* 7: closure outcome name */
  int network;          /* 8: "oest" / "vest" */
  rp__str event_on;     /* 9: YYYY-MM-DD */
  rp__str host_org;     /* 10: 3 digits */
  rp__str title;        /* 11 */
  rp__str reg_deadline; /* 12: YYYY-MM-DD */
  bool all;             /* 13: list closed threads too */
  bool takeover;        /* 14: claim a thread another advisor holds (audited) */
  /* 15 is retired (an older version's test_user): never reuse it. A request that still
   * carries it has the key skipped like any unknown key. */
  rp__str to;          /* 16: assign: the advisor's Unix user name, [A-Za-z0-9._-] */
  uint64_t attachment; /* 17: save: the attachment's number in the thread (show), 1.. */
  /* 18: reply: the attachments' names and kinds, "name/kind/name/kind..." ('/' cannot be
   * in a name: names carry no path), one pair per file descriptor passed with the
   * request (SCM_RIGHTS), in order. */
  rp__str attach;
  /* 19: the advisor a front end acts for (its name in [advisors]); only a peer listed in
   * [socket] frontends may send it (ibx_front.c). */
  rp__str as;
  int web_event; /* 20: web_event: RP_IBX_WEV_* */
  /* reply's coded fields (PROTOCOL.md 7.4). Names are checked by the daemon against the
   * payload's tables, and an unknown one is refused with the allowed names. */
  rp__str actions[RP_IBX_REQ_ACTIONS_MAX]; /* 21: recommended_actions, names */
  uint32_t nactions;
  rp__ibx_referral referrals[RP_IBX_REQ_REFERRALS_MAX]; /* 22: referrals */
  uint32_t nreferrals;
  rp__str risk_view;      /* 23: lav, middel, hoej, ukendt */
  rp__str reporting_duty; /* 24: "yes" or "no"; required with reply */
  bool needs_more_info;   /* 25 */
  rp__str follow_up_on;   /* 26: YYYY-MM-DD (sent as follow_up_at: 00:00 Copenhagen) */
  bool meeting_offer;     /* 27 */
  /* recall and meetings */
  rp__str msg;    /* 28: a message of the thread: its id or a unique prefix, 4..32 hex */
  rp__str reason; /* 29: recall reason or meeting cancellation reason */
  rp__ibx_slot slots[RP_IBX_REQ_SLOTS_MAX]; /* 30: meeting_propose (1..8), confirm (1) */
  uint32_t nslots;
  rp__str mode;  /* 31: online, fysisk */
  rp__str place; /* 32: hos_kommunen, hos_rejseholdet, andet_sted (with fysisk) */
  rp__str from;  /* 33: stats: first day YYYY-MM-DD (arrival, Copenhagen), inclusive */
  rp__str until; /* 34: stats: last day YYYY-MM-DD, inclusive */
  int urgency;   /* 35: list: one urgency (rp__urgency_enum: akut, haster, normal, plan) */
} rp__ibx_req;

/* A response. */
typedef struct rp__ibx_resp {
  uint32_t version; /* 0 */
  uint64_t error;   /* 1: 0, or the positive value of an RP_E code */
  rp__str message;  /* 2: one line for the advisor (an error's reason, or "claimed") */
  rp__str text;     /* 3: the readable output (listing, thread, export text form) */
  rp__str json;     /* 4: the same as JSON (listing, export) */
  /* save: the attachment's name, size and sha256 (hex). Its bytes follow this response
   * on the connection as frames of at most RP_IBX_ATT_PIECE raw bytes each, ended by an
   * empty frame; a connection that closes before the empty frame, or bytes that do not
   * match size and sha256, are a failed save. */
  rp__str name;   /* 5 */
  uint64_t size;  /* 6 */
  rp__str sha256; /* 7 */
} rp__ibx_resp;

/* "list", "show", ... or NULL; and back (0 if unknown). */
const char *rp__ibx_action_name(int action);
int rp__ibx_action_from_name(const char *name);

/* Decodes a request body (no length prefix). Rules beyond the schema: thread, when
 * present, is RP_IBX_PREFIX_MIN..32 lowercase hex (the daemon resolves a prefix);
 * municipality and host_org are 3 digits; dates are YYYY-MM-DD; to is 1..RP_IBX_WHO_MAX of
 * [A-Za-z0-9._-]. Errors as mp.h, RP_EINVAL for a rule; *where names the field. */
int rp__ibx_req_decode(const uint8_t *buf, size_t len, rp__ibx_req *out,
                       const char **where);
int rp__ibx_req_encode(const rp__ibx_req *r, uint8_t *buf, size_t cap, size_t *len);

int rp__ibx_resp_decode(const uint8_t *buf, size_t len, rp__ibx_resp *out);
/* *out is malloc'd (caller frees). */
int rp__ibx_resp_encode(const rp__ibx_resp *r, uint8_t **out, size_t *len);

/* Reads a 4-byte big-endian length prefix; RP_ETOOBIG if over max. */
int rp__ibx_frame_len(const uint8_t hdr[4], uint32_t max, uint32_t *len);

/* The name table of thread states (for the command line and the daemon). Categories,
 * outcomes and networks are the payloads' tables (payload.h), urgency is
 * rp__urgency_enum (envelope_hdr.h); rp__enum_find and rp__enum_at read all of them. */
const rp__enum *rp__ibx_enum_state(void);
/* The front end's event names ("login", "login_failed", ...). */
const rp__enum *rp__ibx_enum_web_event(void);

#endif /* RP_IBX_AREQ_H */
