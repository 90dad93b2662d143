/* SPDX-License-Identifier: MIT */
/*
 * Transport messages: what client and relay say to each other inside the Noise channel
 * (docs/PROTOCOL.md, section 5). Each message is one msgpack map
 * with key 0 = schema version and key 1 = message type; the other keys depend on the
 * type. Every type has a field table for the schema engine (mp.h), one C struct in the
 * tagged union rp__tmsg, and a row in the connection-state table that says in which
 * direction and in which connection states it may travel.
 *
 * A message of an unknown type is refused (RP_EENUM) and the connection is closed: the
 * sender expects an answer or a state change that we cannot give, so going on would
 * leave the two ends disagreeing about the conversation. New message types therefore
 * come with a new schema version, or are negotiated so that no peer that does not know
 * them ever receives one. The attachment chunk types (14-17) are of the second kind: the
 * relay announces them with WELCOME's `chunk_max` (an optional key, which old clients
 * skip), a client sends `chunk` and `chunk_get` only to a relay whose WELCOME has it, and
 * the relay sends `chunk_ack` and `chunk_data` only in answer to those. So neither an old
 * client nor an old relay ever sees types 14-17, and the schema version stays 1. The
 * purge types (18-19) are negotiated the same way, by WELCOME's `purge_max`: a client
 * sends `purge` only to a relay that announced it, and the relay sends `purged` only in
 * answer to one.
 */
#ifndef RP_TRANSPORT_H
#define RP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "chunk.h"
#include "envelope_hdr.h"
#include "mp.h"

/* Message types (key 1). Never renumbered. */
typedef enum rp__ttype {
  RP__T_SEND = 1,        /* client -> relay: store and forward this envelope */
  RP__T_ACK = 2,         /* relay -> client: the envelope is durably stored */
  RP__T_NACK = 3,        /* relay -> client: the envelope was not accepted */
  RP__T_DELIVER = 4,     /* relay -> client: an envelope for you */
  RP__T_DELIVERED = 5,   /* client -> relay: I stored item seq durably; drop it */
  RP__T_ROSTER_GET = 6,  /* client -> relay: I hold roster version n */
  RP__T_ROSTER = 7,      /* relay -> client: the newest signed roster */
  RP__T_PING = 8,        /* either way: are you there? */
  RP__T_PONG = 9,        /* either way: the answer, echoing the nonce */
  RP__T_BYE = 10,        /* either way: the last message before closing */
  RP__T_EXPIRED = 11,    /* relay -> sender: your envelope expired or was refused */
  RP__T_WELCOME = 12,    /* relay -> client: first message; clock, roster, limits */
  RP__T_RECEIVE = 13,    /* client -> relay: start (or re-window) delivery */
  RP__T_CHUNK = 14,      /* client -> relay: store this attachment chunk */
  RP__T_CHUNK_ACK = 15,  /* relay -> client: the chunk is durably stored, or refused */
  RP__T_CHUNK_GET = 16,  /* client -> relay: send me chunks from..from+count-1 */
  RP__T_CHUNK_DATA = 17, /* relay -> client: one chunk, or why there is none */
  RP__T_PURGE = 18,      /* client -> relay: drop these envelopes of mine, undelivered */
  RP__T_PURGED = 19,     /* relay -> client: how many it dropped, or why it could not */
} rp__ttype;
#define RP__T_MAX 19u

/* Directions a message travels. */
#define RP__TD_C2R 1u /* client -> relay */
#define RP__TD_R2C 2u /* relay -> client */

/*
 * Connection states, the same on both ends (each end moves on when it sends or receives
 * the message that changes state; see rp__tmsg_next_state):
 *  - HELLO: the Noise handshake is done; the relay sends WELCOME at once, and the client
 *    sends nothing but BYE until it has WELCOME.
 *  - READY: after WELCOME. Sending, roster and keepalive; no deliveries yet, so that a
 *    client first syncs its roster (it needs the senders' keys) and a send-only client
 *    is never pushed envelopes it won't store.
 *  - RECEIVING: after the client's RECEIVE. As READY, plus the delivery stream.
 *  - CLOSING: after BYE, sent or received. Only BYE may still travel (two BYEs can
 *    cross). Any other message arriving in CLOSING may have crossed our BYE on the wire:
 *    drop it without an answer instead of treating it as a protocol error. Idempotent
 *    msg_ids make the sender's retry after reconnecting safe.
 */
typedef enum rp__tstate {
  RP__TS_HELLO = 1,
  RP__TS_READY = 2,
  RP__TS_RECEIVING = 3,
  RP__TS_CLOSING = 4,
} rp__tstate;
#define RP__TS_MAX 4u

/* ACK status (key 3), a name on the wire. */
#define RP__ACK_STORED 1    /* "stored": newly stored */
#define RP__ACK_DUPLICATE 2 /* "duplicate": this msg_id was already stored */

/* BYE reason (key 2), a name on the wire. */
#define RP__BYE_DONE 1     /* "done": the sender is finished; nothing is wrong */
#define RP__BYE_SHUTDOWN 2 /* "shutdown": the relay is stopping; reconnect with backoff */
#define RP__BYE_IDLE 3     /* "idle": the idle deadline passed */
#define RP__BYE_ERROR 4    /* "error": a protocol or local error; code says which */
#define RP__BYE_REVOKED 5  /* "revoked": your member is revoked; do not reconnect */
#define RP__BYE_REPLACED 6 /* "replaced": a newer connection of the same member won */
#define RP__BYE_BUSY 7     /* "busy": connection or load limit; reconnect with backoff */

/* Wire ranges. The operator's limits (windows, deadlines) are chosen within these. */
#define RP__TMSG_CODE_MAX 0xffffu             /* a NACK/BYE code: the positive RP_E value */
#define RP__TMSG_DETAIL_MAX RP_TEXT_SHORT_MAX /* NACK detail text, bytes of UTF-8 */
#define RP__TMSG_SEQ_MAX 0x7fffffffffffffffull /* delivery sequence numbers (SQLite) */
#define RP__TMSG_WINDOW_MAX 0xffffu            /* in-flight SENDs or deliveries */
#define RP__TMSG_IDLE_MIN_MS 1000u
#define RP__TMSG_IDLE_MAX_MS (24u * 3600u * 1000u)
/* The largest envelope a SEND or DELIVER carries; their overhead is under 32 bytes. */
#define RP__TMSG_ENVELOPE_MAX RP__ENVC_MAX
_Static_assert(RP__TMSG_ENVELOPE_MAX + 32u <= RP_MSG_MAX, "every envelope fits a message");
/* The largest roster a ROSTER carries. RP_ROSTER_MAX is larger than a transport message
 * can be, so the transport's own limit applies (overhead under 32 bytes). */
#define RP__TMSG_ROSTER_MAX                                                                \
  (RP_ROSTER_MAX < RP_MSG_MAX - 32u ? RP_ROSTER_MAX : RP_MSG_MAX - 32u)
/* Chunk indices and counts on the wire: as wide as a delivery sequence number, so that
 * the relay, not the decoder, refuses an index or count over the format's caps with a
 * precise chunk_ack code (docs/PROTOCOL.md 5.6). */
#define RP__TMSG_CHUNK_INDEX_MAX RP__TMSG_SEQ_MAX
/* Chunks one chunk_get asks for at most. */
#define RP__CHUNK_GET_MAX 16u
_Static_assert(RP__CHUNK_SEALED_MAX + 128u <= RP_MSG_MAX,
               "every sealed chunk fits a message");
/* The largest encoded transport message. */
#define RP__TMSG_MAX RP_MSG_MAX

typedef struct rp__t_send {
  rp__bin envelope;
} rp__t_send;
typedef struct rp__t_ack {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  int status; /* RP__ACK_* */
} rp__t_ack;
typedef struct rp__t_nack {
  uint8_t msg_id[RP_MSG_ID_BYTES]; /* all zero (absent) if the envelope was unreadable */
  uint64_t code;                   /* positive RP_E value: -RP_ESPOOLFULL etc. */
  rp__str detail;                  /* optional, for logs; never shown as the cause */
} rp__t_nack;
typedef struct rp__t_deliver {
  uint64_t seq; /* the relay's delivery sequence number, 1..RP__TMSG_SEQ_MAX */
  rp__bin envelope;
} rp__t_deliver;
typedef struct rp__t_delivered {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t seq;
  /* Optional (0: absent): the recipient could not accept the envelope and refuses it
   * with this positive RP_E code; the relay deletes it and tells its sender. */
  uint64_t refused;
} rp__t_delivered;
typedef struct rp__t_roster_get {
  uint64_t have;
} rp__t_roster_get;
typedef struct rp__t_roster {
  uint64_t version;
  rp__bin roster; /* signed roster bytes; absent if the client already holds version */
} rp__t_roster;
typedef struct rp__t_ping {
  uint64_t nonce;
} rp__t_ping; /* PING and PONG */
typedef struct rp__t_bye {
  int reason;    /* RP__BYE_* */
  uint64_t code; /* optional positive RP_E value */
} rp__t_bye;
typedef struct rp__t_expired {
  uint64_t seq;                    /* in the delivery stream; acked by DELIVERED */
  uint8_t msg_id[RP_MSG_ID_BYTES]; /* the envelope that expired */
  rp__str recipient;
  uint64_t expired_at; /* unix ms: when it expired, or when the recipient refused it */
  /* Optional (0: absent): the recipient refused the envelope with this positive RP_E
   * code (DELIVERED "refused"): it failed, it did not expire. */
  uint64_t refused;
} rp__t_expired;
typedef struct rp__t_welcome {
  uint64_t time_ms;        /* the relay's clock, unix ms */
  uint64_t roster_version; /* the newest roster the relay holds */
  rp__str member;          /* who the relay believes you are */
  uint64_t send_window;    /* SENDs you may have unanswered at once */
  uint64_t idle_ms;        /* the relay closes after this long without a message */
  /* Optional (0: absent): the relay takes attachment chunks (types 14-17), and this is
   * the largest sealed chunk it accepts, RP__CHUNK_SEALED_MAX. */
  uint64_t chunk_max;
  /* Optional (0: absent): the relay takes PURGE (type 18), with at most this many ids,
   * 1..RP__PURGE_IDS_MAX. */
  uint64_t purge_max;
} rp__t_welcome;
typedef struct rp__t_receive {
  uint64_t window;
} rp__t_receive;
typedef struct rp__t_chunk {
  uint8_t msg_id[RP_MSG_ID_BYTES]; /* the envelope the chunk belongs to */
  rp__str to;                      /* its recipient's member id */
  uint64_t index;                  /* g, 0..count-1 */
  uint64_t count;                  /* N, the envelope header's chunks */
  uint64_t expires;                /* unix ms, the envelope header's expires */
  rp__bin data;                    /* one sealed chunk (chunk.h) */
} rp__t_chunk;
typedef struct rp__t_chunk_ack {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t index;
  uint64_t code; /* optional (0: absent = stored durably); else a positive RP_E value */
} rp__t_chunk_ack;
typedef struct rp__t_chunk_get {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t from;  /* the first index wanted */
  uint64_t count; /* how many at most, 1..RP__CHUNK_GET_MAX */
} rp__t_chunk_get;
typedef struct rp__t_chunk_data {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t index;
  rp__bin data;  /* the sealed chunk; absent exactly when code is present */
  uint64_t code; /* optional (0: absent = data present); else RP_ENOTFOUND, RP_EEXPIRED
                    or a passing failure (RP_EIO...), positive */
} rp__t_chunk_data;

typedef struct rp__t_purge {
  /* The msg_ids, 16 bytes each, one after the other (1..RP__PURGE_IDS_MAX of them): the
   * decoder refuses a length that is not a multiple of 16. */
  rp__bin ids;
} rp__t_purge;
typedef struct rp__t_purged {
  uint64_t purged; /* envelopes (with their chunks) or orphaned chunk sets deleted */
  uint64_t code;   /* optional (0: absent = done); else a positive RP_E value, nothing
                      deleted: EBUSY (a purge of this connection is still running),
                      EFSYNC, EIO, ECLOSED, ENOMEM */
} rp__t_purged;

/* One transport message: a type and the matching member of u. Decoded texts and byte
 * strings borrow from the buffer the message was decoded from. */
typedef struct rp__tmsg {
  uint64_t type;    /* an rp__ttype (key 1) */
  uint32_t version; /* key 0; set by decode, written by encode */
  union {
    rp__t_send send;
    rp__t_ack ack;
    rp__t_nack nack;
    rp__t_deliver deliver;
    rp__t_delivered delivered;
    rp__t_roster_get roster_get;
    rp__t_roster roster;
    rp__t_ping ping;
    rp__t_ping pong;
    rp__t_bye bye;
    rp__t_expired expired;
    rp__t_welcome welcome;
    rp__t_receive receive;
    rp__t_chunk chunk;
    rp__t_chunk_ack chunk_ack;
    rp__t_chunk_get chunk_get;
    rp__t_chunk_data chunk_data;
    rp__t_purge purge;
    rp__t_purged purged;
  } u;
} rp__tmsg;

/*
 * Encodes m (the member of m->u that m->type selects) into buf[0..cap) and sets *len
 * (cleared on entry). A buffer of RP__TMSG_MAX bytes always suffices. Returns 0,
 * RP_EENUM for an unknown type, or a field error as for rp__mp_encode (the encoder
 * refuses what the decoder would refuse).
 */
int rp__tmsg_encode(const rp__tmsg *m, uint8_t *buf, size_t cap, size_t *len);

/*
 * Decodes one transport message from buf[0..len) into *out (zeroed first, and again on
 * error), dispatching on key 1. out borrows from buf. Errors as for rp__mp_decode;
 * RP_EVERSION for another schema version, RP_EMISSING without a type, RP_EENUM for an
 * unknown type (close the connection). *where (may be NULL) names the failing field.
 */
int rp__tmsg_decode(const uint8_t *buf, size_t len, rp__tmsg *out, const char **where);

/* As rp__tmsg_decode, but accepts only messages of `type` (RP_ETYPE for another type,
 * RP_EENUM if `type` is unknown). For fuzzing one schema at a time. */
int rp__tmsg_decode_as(uint64_t type, const uint8_t *buf, size_t len, rp__tmsg *out,
                       const char **where);

/*
 * Whether a message of `type` may travel in direction `dir` (RP__TD_*) while the
 * connection is in `state`. Returns 0 if allowed, RP_ESTATE if not (refuse it: answer
 * with BYE "error" and close, or drop it in CLOSING), RP_EENUM for an unknown type,
 * RP_EINVAL for an unknown direction or state. Both ends check incoming messages with
 * the sender's direction, and outgoing ones with their own, before acting.
 */
int rp__tmsg_allowed(uint64_t type, unsigned dir, unsigned state);

/*
 * The state after a message of `type` travelled (either way) in `state`: WELCOME moves
 * HELLO to READY, RECEIVE moves READY to RECEIVING, BYE moves anything to CLOSING, all
 * else leaves the state. Call it only for messages rp__tmsg_allowed accepted.
 */
unsigned rp__tmsg_next_state(uint64_t type, unsigned state);

/* The wire-spec name of a type ("send", "roster_get", ...), or NULL if unknown. */
const char *rp__tmsg_type_name(uint64_t type);

/* The type named `name` (as rp__tmsg_type_name gives it), or 0 if none. */
uint64_t rp__tmsg_type_by_name(const char *name);

/* The field table of a type, or NULL if unknown (for the documentation and fuzzing). */
const rp__schema *rp__tmsg_schema(uint64_t type);

#endif /* RP_TRANSPORT_H */
