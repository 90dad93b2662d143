/* SPDX-License-Identifier: MIT */
/*
 * The relay's internal structures, shared by relay.c, listen.c, conn.c, conn_io.c,
 * dispatch.c and deliver.c. Not for other modules. Everything here lives on the loop
 * thread.
 *
 * Ownership in one paragraph: the relay owns its listeners, its connections (a doubly
 * linked list), the member table (one rp__mstate per member that has a connection or a
 * SEND in flight), the loop-wide read and frame buffers, and the spool. A connection owns
 * its two libuv handles, its Noise state, a frame buffer only while a frame is split
 * across reads, the fragments of a multi-frame message while it is being gathered, its
 * queued writes, and its delivery window. Spool requests are rp__op structs owned by the
 * relay (counted in ops_inflight), linked to the connection that started them so that a
 * connection that closes first simply detaches them (op->conn = NULL).
 */
#ifndef RP_SERVER_RELAY_INT_H
#define RP_SERVER_RELAY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "chan.h"
#include "clock.h" /* the relay's clock: envelope times are wall-clock times */
#include "config.h"
#include "identity.h"
#include "noise.h"
#include "relay.h"
#include "roster.h"
#include "spool.h"
#include "stats.h"
#include "transport.h"

/* The modules split out of relay.c declare their functions in their own headers; they
 * are included here so that a file including relay_int.h sees them as before. */
#include "member.h"
#include "op.h"

/* Deliveries to a connection stop while more than this many bytes wait in its write
 * queue, and reading from it stops too (a peer that does not read cannot make us buffer
 * answers without bound). Past the hard cap the connection is closed. */
#define RP__CONN_WQ_HIGH (256u * 1024u)
#define RP__CONN_WQ_HARD (RP__CONN_WQ_HIGH + 2u * RP_MSG_MAX)

/* A transport message carries at most this much besides the envelope it holds, so a
 * connection reassembles at most limits.envelope_max plus this. A SEND a little over the
 * envelope limit still arrives whole and gets a precise NACK; a larger one closes. */
#define RP__CONN_MSG_OVERHEAD 1024u

/* After BYE, how long a connection may take to read what we still have for it. */
#define RP__CONN_LINGER_MS 2000u

/* How long a graceful stop waits for connections before closing them hard. */
#define RP__RELAY_DRAIN_MS 10000u

/* The expiry sweep runs at least this often, and earlier when a stored envelope is due. */
#define RP__RELAY_EXPIRE_EVERY_MS 60000u

/* Bytes one delivery fetch may read from the spool at most (at least one row always). */
#define RP__DELIVER_FETCH_BYTES (512u * 1024u)

/* chunk_gets one connection may have queued; while that many wait the relay stops
 * reading from it, so a client that asks for more only waits (attach.c). */
#define RP__CONN_CHUNK_GETS 8u

/* Member table buckets (a power of two). */
#define RP__MSTATE_BUCKETS 256u

/* Source-address table buckets (a power of two). The hash is keyed with a secret drawn
 * at start, so that a peer cannot choose addresses that share a chain. */
#define RP__ADDR_BUCKETS 4096u
#define RP__ADDR_KEY_BYTES 16u

/* Connections one listener accepts in one loop iteration at most. libuv accepts until
 * the kernel's queue is empty, and a peer that reopens every connection the relay
 * closes keeps it from ever being empty: without a bound the loop would do nothing
 * else. The rest wait in the kernel's queue for the next iteration (listen.c). */
#define RP__ACCEPT_BATCH 16u

/* A connection that has sent nothing reaches the relay only after about this many
 * seconds (the kernel's TCP_DEFER_ACCEPT, listen.c); one that sends at once, at once. */
#define RP__DEFER_ACCEPT_S 2

/* Under pressure (a pending connection was evicted in the last RP__ACCEPT_PRESSURE_MS)
 * the relay accepts at most RP__ACCEPT_PRESSURE_PER_MS connections a millisecond, in
 * bursts of at most RP__ACCEPT_PRESSURE_BURST (short, so that the members' traffic in
 * the same loop iterations waits little). Each accepted one then closes an older pending
 * one: a peer that reopens every socket it loses would otherwise have the relay accept and
 * close as fast as two CPUs allow, and its members' envelopes wait for CPU. The rest
 * wait in the kernel's queue, where a member's connection waits its turn too (or
 * retries its SYN): a retry at worst, as PROTOCOL.md 4.3 promises. */
#define RP__ACCEPT_PRESSURE_MS 1000u
#define RP__ACCEPT_PRESSURE_PER_MS 1u
#define RP__ACCEPT_PRESSURE_BURST 4u

/* Log at most one summary line of evictions this often (a flood makes thousands). */
#define RP__EVICT_LOG_EVERY_MS 10000u

typedef struct rp__conn rp__conn;
typedef struct rp__mstate rp__mstate;
typedef struct rp__op rp__op;
typedef struct rp__dentry rp__dentry;
typedef struct rp__listener rp__listener;
typedef struct rp__wreq rp__wreq;
typedef struct rp__addr rp__addr;
typedef struct rp__cget rp__cget;

/* Per-member bookkeeping, keyed by member id. Exists while the member has a connection
 * or a SEND addressed to it is being committed (refs counts both). */
struct rp__mstate {
  rp__mstate *next; /* hash chain */
  rp__conn *conns;  /* connections that proved the key, oldest first, linked by mnext */
  unsigned nconns;
  /* Connections whose Noise message 1 named this member and that have not proved the key
   * yet (PROTOCOL.md 4.3), oldest first, linked by qprev/qnext: the member's own pool,
   * from which only further connections with the same key push one out. */
  rp__conn *proving_head, *proving_tail;
  unsigned nproving;
  unsigned refs; /* nconns + nproving + ops holding this entry */
  /* SENDs to this member being committed that were not forwarded early. While any is in
   * flight, a fresh envelope must not be forwarded early either, or it would overtake
   * the earlier one. */
  unsigned puts_unfwd;
  char id[RP_MEMBER_ID_MAX + 1];
};

/* A source address with pending connections (admit.c): IPv4, or the /64 of an IPv6
 * address. Exists while it has pending connections. */
struct rp__addr {
  rp__addr *next;        /* hash chain */
  rp__conn *head, *tail; /* its pending connections, oldest first (aprev/anext) */
  unsigned n;
  uint8_t key[RP__ADDR_KEY_BYTES];
};

/* Connection phases (the transport state is separate, rp__tstate). A connection is
 * "pending" (admit.c) until its first transport message has decrypted: in HANDSHAKE,
 * and in OPEN with `proven` still 0. */
enum {
  RP__CONN_HANDSHAKE = 1, /* waiting for Noise message 1 */
  RP__CONN_OPEN = 2,      /* transport up (the key is proved once `proven` is set) */
  RP__CONN_CLOSING = 3,   /* BYE sent or peer gone; flushing, then closing */
  RP__CONN_CLOSED = 4     /* uv_close called; freed in the last close callback */
};

/* A delivery in the connection's window. */
enum {
  RP__DL_SENT = 1, /* DELIVER/EXPIRED written, waiting for DELIVERED */
  RP__DL_DELETING, /* DELIVERED received, the spool delete is queued */
  RP__DL_DELETED   /* deleted; kept until no older fetch can return the row again */
};

struct rp__dentry {
  rp__dentry *next;
  uint64_t stream_seq;               /* the seq of DELIVER/EXPIRED on this connection */
  uint64_t purge_after;              /* DELETED: dl_fetches when the delete completed */
  uint8_t spool_id[RP_MSG_ID_BYTES]; /* the spool row's msg_id */
  uint8_t wire_id[RP_MSG_ID_BYTES];  /* the msg_id DELIVERED must echo */
  uint8_t state;                     /* RP__DL_* */
  uint8_t notice;                    /* an EXPIRED notice, not an envelope */
};

/* What a spool request is for. */
enum {
  RP__OP_SEND = 1,  /* a client's SEND: ack or nack when it completes */
  RP__OP_DELETE,    /* after DELIVERED (with "refused": the envelope and a notice) */
  RP__OP_FETCH,     /* delivery */
  RP__OP_EXPIRE,    /* the expiry sweep */
  RP__OP_FLOOR,     /* keep a new roster's version in the spool */
  RP__OP_CHUNK,     /* a client's chunk: chunk_ack when it completes */
  RP__OP_CHUNK_GET, /* a read of chunks for a chunk_get */
  RP__OP_PURGE      /* a client's purge: purged when it completes */
};

/* A chunk_get waiting or being answered (attach.c): chunks next..end-1 of msg_id. */
struct rp__cget {
  rp__cget *next;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t next_index, end;
};

struct rp__op {
  rp__spool_req req; /* req.data points back here */
  rp__relay *relay;
  rp__conn *conn;        /* who asked; NULL once that connection is gone */
  rp__op *cprev, *cnext; /* in conn->ops */
  rp__mstate *rcpt;      /* SEND: the recipient's entry (a ref is held) */
  uint8_t *bytes;        /* SEND: the stored bytes (owned) */
  size_t len;
  int64_t expires_ms;
  int kind;      /* RP__OP_* */
  int forwarded; /* SEND: forwarded to the recipient before commit */
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t fetch_no; /* FETCH: the connection's dl_fetches value for this fetch */
  uint64_t index;    /* CHUNK: the chunk's index */
};

struct rp__conn {
  uv_tcp_t tcp;     /* data = this */
  uv_timer_t timer; /* handshake and frame deadlines, idle and ping, then linger */
  rp__relay *relay;
  rp__conn *prev, *next; /* the relay's list */
  rp__conn *mnext;       /* the member's list of proved connections */
  /* While pending: the relay's queue of anonymous connections (HANDSHAKE), or the
   * member's proving pool (OPEN, not proven). admit.c. */
  rp__conn *qprev, *qnext;
  rp__conn *aprev, *anext; /* the source address's pending connections */
  rp__addr *addr;          /* the source address, while in the anonymous queue */
  rp__mstate *ms;          /* the member whose key message 1 named (proved once proven) */
  rp__op *ops;             /* spool requests this connection started */
  rp__chan *ch;            /* the transport: handshake, frames, fragments, state */
  uint8_t peer_key[RP__NOISE_DHBYTES]; /* the initiator's static key */
  uint64_t id;
  uint64_t last_rx;     /* uv_now() when the last message arrived */
  uint64_t hs_deadline; /* uv_now() by when the key must be proved */
  uint64_t frame_since; /* uv_now() when the frame now partly read began (mid_frame) */
  uint64_t ping_nonce;
  size_t wq_bytes; /* bytes queued for writing: pending plus handed to libuv */
  /* Frames queued since the last flush, oldest first (conn_io.c). They go out together,
   * in one uv_write, when the loop reaches the relay's flush handles. */
  rp__wreq *pend_head, *pend_tail;
  unsigned pend_n;
  rp__conn *flush_next;   /* the relay's flush list */
  uint8_t flush_queued;   /* c is on the relay's flush list */
  uint8_t phase;          /* RP__CONN_* */
  uint8_t handles;        /* handles still to be closed */
  uint8_t reading;        /* uv_read_start is in effect */
  uint8_t pinged;         /* a PING is out since the last message */
  uint8_t shutdown_sent;  /* uv_shutdown issued */
  uint8_t proven;         /* the first transport message decrypted: the key is proved */
  uint8_t queued;         /* in the anonymous queue or a proving pool (qprev/qnext) */
  uint8_t counted;        /* proven and open: counts in the relay's nactive */
  uint8_t reset_on_close; /* close with a reset (an evicted pending connection) */
  uint8_t mid_frame;      /* a frame has begun and not ended; frame_since is its start */
  uint8_t kind;           /* the member's kind (RP_MEMBER_*), once named */
  uint8_t sockaddr_ok;    /* `peer` holds the peer's address */
  struct sockaddr_storage peer;
  unsigned sends_inflight; /* SENDs not answered yet */
  /* Delivery (RECEIVING only). */
  rp__dentry *dl_head, *dl_tail;
  unsigned dl_unacked; /* entries in state SENT */
  unsigned dl_window;  /* min(client's RECEIVE window, limits.window) */
  uint64_t dl_stream_seq;
  int64_t dl_cursor;   /* the highest spool seq seen by a fetch */
  uint64_t dl_fetches; /* fetches started on this connection */
  rp__op *dl_fetch;    /* the fetch in flight, if any */
  uint8_t dl_dirty;    /* rows past dl_cursor may exist */
  /* Attachment chunk downloads (attach.c): chunk_gets in arrival order, answered one
   * after the other, and the spool read in flight for the first. */
  rp__cget *cg_head, *cg_tail;
  unsigned cg_n;
  rp__op *cg_read;
  uint8_t purging; /* a purge of this connection is in the spool (purge.c) */
};

struct rp__listener {
  uv_tcp_t tcp;
  rp__relay *relay;
  unsigned accepted; /* in this loop iteration */
  uint8_t deferred;  /* a connection waits in libuv for the next iteration */
  char addr[RP__CFG_ADDR_MAX];
};

struct rp__relay {
  uv_loop_t *loop;
  rp__config cfg;
  int argc;
  char *const *argv;
  rp__identity *ident; /* the relay's keys */
  rp__roster *roster;  /* the newest verified roster */
  rp__spool *spool;
  rp__stats stats;
  rp__listener *listeners;
  size_t nlisteners;
  unsigned listeners_open; /* listener handles not yet closed */
  rp__conn *conns;
  uint64_t nconns; /* connections not yet freed */
  /* Admission (admit.c). Anonymous pending connections (no active member's key named
   * yet), oldest first, and per source address; the proving ones are in their member's
   * pool; nactive counts the connections that proved a key (limits.max_connections). */
  rp__conn *pend_head, *pend_tail;
  unsigned npending, nproving, nactive;
  rp__addr *addrs[RP__ADDR_BUCKETS];
  uint8_t addr_key[16];
  uint64_t evicted, evicted_logged; /* evictions in all, and when last summarised */
  uint64_t evict_log_at;            /* uv_now() of the last summary line */
  uint64_t evict_at;                /* uv_now() of the last eviction */
  uint64_t accept_credit;           /* accepts allowed now under pressure (listen.c) */
  uint64_t accept_credit_at;        /* uv_now() the credit was last topped up */
  uv_timer_t accept_timer;          /* wakes the loop to accept again under pressure */
  uint64_t next_conn_id;
  uint64_t ops_inflight;
  rp__mstate *mstate[RP__MSTATE_BUCKETS];
  uv_signal_t sig_hup, sig_term, sig_int, sig_usr1;
  uv_timer_t expire_timer;
  uv_timer_t drain_timer;
  /* Coalesced writes: connections with pending frames, flushed once per loop iteration
   * from the check handle (what the poll phase queued) and the prepare handle (what
   * timers and close callbacks queued, before the loop blocks in poll). */
  uv_check_t flush_check;
  uv_prepare_t flush_prepare;
  rp__conn *flush_head;
  int64_t expire_timer_at; /* unix ms the expiry timer is set for (INT64_MAX: none) */
  int64_t expire_due;      /* a sweep is due then, learnt while one ran; 0: none */
  int64_t expire_run_for;  /* the expiry time the running sweep was armed for */
  int64_t expire_run_now;  /* the wall-clock time the running sweep expires up to */
  rp__op *expire_op;       /* the sweep in flight */
  uint8_t *rbuf;           /* RP_SOCK_READ_BUF bytes: every connection's (conn_io.c) */
  uint8_t *fscratch;       /* RP_FRAME_MAX bytes: every channel's scratch (chan.h) */
  uint8_t rbuf_busy;
  uint8_t started;
  uint8_t stopping;
  uint8_t spool_closing;
  uint8_t handles_closed;
  uint8_t failed; /* the spool failed: SENDs are refused */
  int exit_code;
  unsigned handles_open; /* relay-owned handles not yet closed */
};

/* ---- relay.c ---- */

/* Called by conn.c when a connection has been freed, so a stopping relay can finish. */
void rp__relay_conn_gone(rp__relay *r);

/* A connection, a spool request or the sweep has gone: a stopping relay with nothing
 * left closes its spool and handles. Does nothing unless stopping. */
void rp__relay_maybe_finish(rp__relay *r);

/* ---- admit.c: who may take a connection slot (PROTOCOL.md 4.3) ---- */

/* A new TCP connection: into the anonymous queue, closing the oldest pending one (of
 * the same source address first) if the budget is full. 0, or RP_ENOMEM (close it). */
int rp__admit_accept(rp__relay *r, rp__conn *c);

/* Message 1 named the active member `m` (kind municipality or team). Takes c out of
 * the anonymous queue. Returns 0 if c may go on to prove its key (it is then in the
 * member's proving pool, which may have closed the pool's oldest connection), RP_EBUSY
 * if the relay cannot take another member connection now (answer BYE busy instead of
 * WELCOME), or RP_ENOMEM. */
int rp__admit_named(rp__conn *c, const rp__member *m);

/* c's first transport message decrypted: its key is proved. Moves it from the proving
 * pool to the member's connections, replacing the member's oldest connection over
 * limits.max_connections_per_member. Returns 0, or RP_EBUSY if the relay is full of
 * member connections (c is then sent BYE busy and closing). */
int rp__admit_prove(rp__conn *c);

/* c is closing: it leaves the anonymous queue or its proving pool at once (making room
 * for others) and stops counting against limits.max_connections. Idempotent. */
void rp__admit_leave(rp__conn *c);

/* c is being freed: rp__admit_leave, then out of its member's list, dropping the member
 * reference. */
void rp__admit_release(rp__conn *c);

/* ---- listen.c ---- */

/* Bind and listen on every configured address. 0 or RP_EIO (logged). */
int rp__listen_start(rp__relay *r);
/* Close every listener (idempotent). */
void rp__listen_stop(rp__relay *r);
/* Free the listener array, once the listeners are closed (or were never opened). */
void rp__listen_free(rp__relay *r);
/* A new loop iteration: each listener may accept RP__ACCEPT_BATCH again, starting with
 * the connection it left waiting, if any. Called from the relay's check handle. */
void rp__listen_resume(rp__relay *r);

/* ---- deliver.c ---- */

/* RECEIVE arrived: (re)set the window and start streaming. */
void rp__deliver_start(rp__conn *c, uint64_t window);
/* Fetch more for c if it has room and something may be waiting. */
void rp__deliver_kick(rp__conn *c);
/* The connection of member ms that receives deliveries, or NULL. */
rp__conn *rp__deliver_conn_of(rp__mstate *ms);
/* Try to forward a SEND to its connected recipient before the commit. */
void rp__deliver_forward(rp__relay *r, rp__op *op);
/* A SEND committed (or failed): tell the recipient's delivery state. */
void rp__deliver_put_done(rp__relay *r, rp__op *op);
/* DELIVERED(msg_id, seq, refused) from c; refused is 0 (stored) or the recipient's
 * positive error code, which turns the delete of an envelope into a refusal with a
 * notice for its sender. 0, or an RP_E code that closes the connection. */
int rp__deliver_delivered(rp__conn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t seq,
                          uint64_t refused);
/* Free c's delivery window (the connection is going away). */
void rp__deliver_conn_free(rp__conn *c);
/* Run the expiry sweep now and schedule the next one (rp__relay_start calls it once;
 * it then keeps itself going on the relay's expiry timer). */
void rp__deliver_expire_run(rp__relay *r);
/* An envelope expiring at `expires_ms` was stored: make sure the sweep runs by then. */
void rp__deliver_expire_at(rp__relay *r, int64_t expires_ms);

/* ---- attach.c: attachment chunks (PROTOCOL.md 5.6) ---- */

/* A chunk from c: check it, store it, chunk_ack after the commit (or refuse it with a
 * chunk_ack code at once). Always 0: a refused chunk leaves the connection open. */
int rp__attach_chunk(rp__conn *c, const rp__t_chunk *m);
/* A chunk_get from c: queue it and answer it with chunk_data as the write queue
 * drains. */
void rp__attach_get(rp__conn *c, const rp__t_chunk_get *m);
/* Read more chunks for c's first chunk_get if its write queue has room. */
void rp__attach_kick(rp__conn *c);
/* Free c's queued chunk_gets (the connection is going away). */
void rp__attach_conn_free(rp__conn *c);

/* ---- purge.c: a sender's purge (PROTOCOL.md 5.7) ---- */

/* A purge from c: delete the listed envelopes (and chunks) of c's member that the spool
 * still holds, answer `purged` after the commit (or at once with a code). */
void rp__purge(rp__conn *c, const rp__t_purge *m);

#endif /* RP_SERVER_RELAY_INT_H */
