/* SPDX-License-Identifier: MIT */
/* Internals of the client library, shared between the files of client/ only. */
#ifndef RP_CLIENT_INT_H
#define RP_CLIENT_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "chan.h"
#include "envelope.h"
#include "payload.h"
#include "rejsepost.h"
#include "roster.h"
#include "store.h"

/* Only functions marked so leave the shared library (with -fvisibility=hidden). */
#define RP_PUBLIC __attribute__((visibility("default")))

/* ---- defaults and limits of the loop ---- */
#define RP__CL_BACKOFF_MIN_MS 500u
#define RP__CL_BACKOFF_MAX_MS 60000u
#define RP__CL_RECEIVE_WINDOW 16u
#define RP__CL_SEND_WINDOW_MAX 256u /* we never keep more SENDs unanswered than this */
#define RP__CL_HOLDS_MAX 128u       /* recipients held back at once (hold.c) */
#define RP__CL_HANDSHAKE_MS 5000u
#define RP__CL_SHUTDOWN_MS 5000u
#define RP__CL_ROSTER_META "roster"
#define RP__CL_RBUF 65536u

struct rp_config {
  char *state_dir, *host, *identity_file, *roster_file, *pass_file, *pass_env;
  unsigned port;
  uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES];
  uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES];
  bool has_relay_pk, has_admin_pk;
  rp_passphrase_fn pass_fn;
  void *pass_data;
  unsigned backoff_min, backoff_max;
  uint64_t expiry_ms;
  rp_receive_fn on_recv;
  void *recv_data;
  rp_status_fn on_status;
  void *status_data;
  rp_content_hook_fn hook;
  void *hook_data;
  rp_log_fn log;
  void *log_data;
  int receive;
  char err[320];
};

/* A message being built: the payload, whose texts point into owned copies. */
struct rp_msg {
  rp__payload p;
  void **strs; /* owned copies the payload's texts point at */
  size_t nstrs, capstrs;
  char recipient[RP_MEMBER_ID_MAX + 1];
  uint8_t thread_id[RP_THREAD_ID_BYTES];
  bool has_thread;
  const char *err_field;
  char err_buf[96];
  size_t err_offset;
  char err_text[320]; /* rp_msg_error_text; "" after a call that succeeded */
};

/* A received message, opened again from the inbox's envelope. */
struct rp_received {
  pthread_mutex_t mu; /* getters cache NUL-terminated copies */
  uint8_t *env;       /* the envelope (malloc) */
  size_t env_len;
  rp__opened op; /* plaintext in sodium_malloc memory */
  rp__payload p; /* borrows from op.pt */
  char msg_id[RP_ID_STRLEN], thread_id[RP_ID_STRLEN], ref_id[RP_ID_STRLEN];
  bool has_ref;
  char sender[RP_MEMBER_ID_MAX + 1];
  uint64_t stored_at;
  int handled;
  void **cache;
  size_t ncache, capcache;
};

/* A DELIVER kept unanswered until the relay's newer roster is in (PROTOCOL.md 6.5). */
typedef struct rp__cl_deferred {
  uint64_t seq;
  uint8_t *env; /* malloc'd copy */
  size_t len;
} rp__cl_deferred;

/* A recipient whose share of the relay's spool was full (hold.c). */
typedef enum rp__hold_state {
  RP__HOLD_HELD,     /* its envelopes wait until `until` */
  RP__HOLD_RELEASED, /* its passed-over envelopes are being sent again */
  RP__HOLD_DONE,     /* all sent again; kept for the backoff until an ACK shows room */
} rp__hold_state;

typedef struct rp__cl_hold {
  char recipient[RP_MEMBER_ID_MAX + 1];
  rp__hold_state state;
  uint64_t until;      /* loop time (uv_now) */
  unsigned backoff_ms; /* the last one; doubles while the relay keeps refusing */
  int64_t after;       /* outbox rowid the sending again has reached */
} rp__cl_hold;

struct rp_client {
  struct rp_config cfg; /* a deep copy; strings owned */
  rp__identity *me;
  int my_kind; /* rp__member_kind */
  rp__store *st;
  void *data;

  pthread_mutex_t mu; /* roster, states and flags below */
  pthread_cond_t cv;  /* signalled on ACK/NACK/roster/state changes */
  rp__roster *roster;
  int conn_state, last_error;
  int64_t inbox_cursor;
  bool stopping, stop_done;
  uint64_t roster_gen; /* counts roster answers, for rp_client_refresh_roster */
  int roster_result;
  bool roster_wanted;

  /* Loop thread only. */
  uv_loop_t loop;
  uv_thread_t thread;
  uv_async_t wake;
  uv_timer_t retry, ping, deadline, hold_timer;
  uv_tcp_t tcp;
  bool tcp_open, connecting, opened, welcomed, receiving, closing, roster_asked;
  uv_getaddrinfo_t gai;
  uv_connect_t creq;
  rp__chan *chan;
  unsigned backoff_ms;
  uint64_t send_window, inflight;
  int64_t send_cursor;
  uint64_t idle_ms;
  uint64_t ping_nonce;
  uint64_t nsent; /* transport messages written, to tell whether WELCOME got an answer */
  uint8_t *rbuf;  /* read buffer, RP__CL_RBUF bytes */
  uint64_t relay_roster; /* the newest roster version the relay said it holds */
  uint8_t inflight_ids[RP__CL_SEND_WINDOW_MAX][RP_MSG_ID_BYTES]; /* SENDs unanswered */
  size_t ninflight_ids;
  rp__cl_hold holds[RP__CL_HOLDS_MAX];
  size_t nholds;
  rp__cl_deferred deferred[RP__CL_RECEIVE_WINDOW]; /* DELIVERs waiting for a roster */
  size_t ndeferred;
  bool revoked;          /* the relay said we are revoked: stop retrying */
  bool shutdown_started; /* rp_client_free began the shutdown */
};

/* ---- msg_field.c: schema paths ---- */
typedef struct rp__target {
  const rp__field *f;
  uint8_t *base; /* the struct the field lives in */
} rp__target;

/* Resolves a dotted path in the payload: components match field names (the part of a
 * nested field's name after its last dot); a list takes an index component when
 * `indexed`, else its last element. `build` marks optional nested maps present. */
int rp__path_resolve(rp__payload *p, const char *path, bool indexed, bool build,
                     rp__target *t);

/* The name of enum value v (1-based) of field f, or NULL. */
const char *rp__enum_name(const rp__field *f, int v);

/* Hex helpers: out gets 2n+1 bytes. */
void rp__hex(char *out, const uint8_t *p, size_t n);
int rp__unhex(uint8_t *out, size_t n, const char *hex);

/* The id a payload refers to (in_reply_to, about, meeting_ref, announcement_ref), or
 * NULL when its kind has none or it is zero. */
const uint8_t *rp__payload_ref(const rp__payload *p);

/* Whether a payload of this kind answers the message it refers to. */
bool rp__payload_answers(uint64_t kind);

/* ---- msg.c ---- */
/* Copies every text of p into m's own memory (after a decode that borrowed them). */
int rp__msg_own_texts(rp_msg *m);
/* Records the outcome of a check on m for rp_msg_error_field / rp_msg_error_offset
 * (cleared when rc is 0), as rp_send and rp_msg_encode report them. */
void rp__msg_set_error(rp_msg *m, int rc, const char *where, size_t offset);
/* PROTOCOL.md 6.6: a request or plan review starts its own thread (thread_id =
 * msg_id), so a thread set on one is refused (RP_EINVAL, *where "thread_id") rather
 * than silently dropped: the host meant something else. */
int rp__msg_check_thread(const rp__payload *p, bool has_thread, const char **where);
struct rp__cpr_hook;
/* The content checks of a send, in its order: the CPR guard, the host's hook (NULL:
 * none), then every schema rule by encoding *p (header filled) into
 * buf[0..RP_PAYLOAD_MAX), which the caller wipes (the first *len bytes). 0, or the
 * error with *where naming the field and, for CPR and hook refusals, *offset. */
int rp__msg_check_content(const rp__payload *p, const struct rp__cpr_hook *hook,
                          uint8_t *buf, size_t *len, const char **where, size_t *offset);

/* ---- log.c ---- */
/* Formats one line ("event key=value ...") and hands it to the host's log callback, if
 * any. Callers pass ids, codes and counts only, never content; control characters that
 * reach the line anyway are replaced, so that one call is one line. */
void rp__log(rp_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A member id from a peer (an envelope header) made safe for a log line: the id itself
 * if it is a valid member id, else "(invalid)". out has RP_MEMBER_ID_MAX + 1 bytes. */
const char *rp__log_id(char *out, const uint8_t *p, size_t n);

/* ---- config.c ---- */
int rp__config_copy(struct rp_config *dst, const rp_config *src);
void rp__config_clear(struct rp_config *c);

/* ---- send.c ---- */
/* Builds, seals and fills an outbox row for payload *p (header filled here) to member
 * `to` (NULL: chosen as rp_send does). Holds c->mu while it reads the roster. */
int rp__send_prepare(rp_client *c, rp__payload *p, const char *to, const uint8_t *thread,
                     rp__store_out *row, const char **where, size_t *offset);

/* Unix milliseconds. */
uint64_t rp__now_ms(void);

/* ---- loop.c ---- */
int rp__loop_start(rp_client *c);
void rp__loop_stop(rp_client *c);
void rp__loop_wake(rp_client *c);

/* ---- conn.c (loop thread) ---- */
void rp__conn_start(rp_client *c);
void rp__conn_close(rp_client *c, int err);
int rp__conn_send(rp_client *c, const rp__tmsg *m);
void rp__conn_pump(rp_client *c);
void rp__conn_on_msg(rp_client *c, const rp__tmsg *m);
void rp__conn_shutdown(rp_client *c);
void rp__conn_bye(rp_client *c);
/* BYE "error" with code (an RP_E value), then close once it is written; code becomes
 * rp_client_last_error and the client reconnects after a backoff. */
void rp__conn_bye_error(rp_client *c, int code);
/* conn_msg.c: frees the DELIVERs kept for a roster (the connection is gone; the relay
 * delivers them again on the next one). */
void rp__conn_drop_deferred(rp_client *c);
/* loop.c: closes the remaining handles once the connection is gone (stopping). */
void rp__loop_finish(rp_client *c);

/* ---- hold.c (loop thread): what goes out next ---- */
/* A SEND of envelope id went out, or was answered (ACK or NACK). */
void rp__hold_sent(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
void rp__hold_answered(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
/* NACK EQUOTA or ESPOOLFULL for id: hold its recipient back for a backoff; the envelope
 * stays queued. RP_EBUSY when too many recipients are held already. */
int rp__hold_add(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int code);
/* ACK for id: its recipient has room again, if it was held and released. */
void rp__hold_acked(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
/* Whether the main scan must pass over an envelope to recipient. */
bool rp__hold_blocks(rp_client *c, const char *recipient);
/* The next envelope a released hold sends again (envelope included), or RP_ENOTFOUND. */
int rp__hold_next(rp_client *c, rp__store_out *o);
/* The connection is gone: nothing in flight, nothing held. */
void rp__hold_reset(rp_client *c);

/* ---- recv.c (loop thread) ---- */
/* What the connection does with one DELIVER (rp__recv_deliver). */
typedef enum rp__recv_action {
  RP__RECV_ANSWER, /* answer DELIVERED with msg_id: stored, or refused with *code */
  RP__RECV_DEFER,  /* keep it unanswered, fetch the relay's newer roster, then again */
  RP__RECV_RETRY,  /* a local failure (*code): leave it at the relay for a new connection */
  RP__RECV_BROKEN, /* not even a header (*code): the relay broke the protocol */
} rp__recv_action;

/* Handles the envelope env[0..len) of one DELIVER. msg_id gets the header's msg_id
 * whenever there is a header. `may_defer` is false on the second try after a roster
 * fetch, so that an envelope waits for a roster at most once. */
rp__recv_action rp__recv_deliver(rp_client *c, const uint8_t *env, size_t len,
                                 bool may_defer, uint8_t msg_id[RP_MSG_ID_BYTES],
                                 int *code);
/* Offers every unhandled stored message to the receive callback (start-up). */
void rp__recv_offer_pending(rp_client *c);
/* Status change with the callback. */
void rp__client_status(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int status,
                       int error);

/* ---- received.c ---- */
/* Builds a received message from an inbox row (opened again). */
int rp__received_from_row(rp_client *c, const rp__store_in *row, rp_received **out);

/* ---- roster (client.c) ---- */
/* Verifies and adopts a roster document (rollback refused) and stores it. */
int rp__client_roster_accept(rp_client *c, const uint8_t *doc, size_t len);

#endif /* RP_CLIENT_INT_H */
