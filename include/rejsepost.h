/* SPDX-License-Identifier: MIT */
/*
 * librejsepost: the client library that a municipality's case system (or the team's
 * inbox) embeds to talk to the rejsepost relay.
 *
 * The model, in one paragraph: build a message with the rp_msg_* builder, hand it to
 * rp_send. rp_send checks it (schema rules, CPR guard, sender kind), seals it end to end
 * for the recipient and returns once the sealed envelope is durable in the local outbox
 * (SQLite in the state folder). The library's own loop thread delivers it to the relay,
 * retrying with backoff across disconnects and crashes. Messages for us are verified,
 * stored durably in the local inbox, and only then acknowledged to the relay; the
 * application reads them by callback or by polling and marks each one handled. A
 * message is offered until it is marked handled, also after a crash of the host process.
 * One that fails verification (docs/PROTOCOL.md 6.5, 6.6) is refused: never stored or
 * offered, logged (rp_config_set_log), and its sender learns that it failed and why.
 *
 * Storage: the library never writes a plaintext payload to disk. The outbox keeps the
 * sealed envelope plus metadata (kind, thread, recipient, urgency, times, status); the
 * inbox keeps the envelope as received (verified once on arrival) plus metadata, and
 * opens it again each time the application reads it.
 *
 * Attachments (rp_msg_attach_*) are read during rp_send, sealed in chunks of 256 KiB
 * (docs/PROTOCOL.md 6.7) and stored sealed in the outbox with the envelope, in memory a
 * few chunks at a time whatever their size. The loop uploads the chunks, then the
 * envelope: such a message is "queued" until the relay has acknowledged every chunk and
 * the envelope. A recipient's library fetches and verifies every chunk before it stores
 * the message as complete: a message is never offered (callback, rp_inbox_*) with an
 * attachment missing or wrong; one whose chunks fail is refused like an envelope that
 * does not open. Received attachments stay sealed in the inbox; rp_received_attachment_
 * read and _save decrypt them on demand.
 *
 * Conventions (the same in every function):
 *  - Functions that can fail return 0 or a negative RP_E* code (rejsepost_errors.h);
 *    rp_strerror() turns one into a sentence.
 *  - Out-parameters are cleared on entry and set on success only.
 *  - Free functions accept NULL.
 *  - Texts are NUL-terminated UTF-8. Strings returned as `const char *` are borrowed: they
 *    stay valid as the comment says and must not be freed. Strings returned through
 *    `char **` are the caller's and are freed with rp_free().
 *  - Message ids and thread ids are 32 lowercase hexadecimal characters (16 bytes);
 *    buffers for them are RP_ID_STRLEN (33) bytes, NUL included.
 *  - Times are unix milliseconds (uint64_t).
 *
 * Thread safety: every rp_client_*, rp_send*, rp_status*, rp_outbox_*, rp_inbox_* and
 * rp_received_attachment_read/_save call may be made from any thread, concurrently, on
 * the same client, except
 * rp_client_free, which must be the last call on the handle and must not run
 * concurrently with any other call on it, nor from a callback. rp_config and rp_msg
 * objects are not locked: use one from one thread at a time. rp_received objects are
 * immutable and may be read from any thread.
 */
#ifndef REJSEPOST_H
#define REJSEPOST_H

#include <stddef.h>
#include <stdint.h>

#include "rejsepost_errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_VERSION_MAJOR 0
#define RP_VERSION_MINOR 1
#define RP_VERSION_PATCH 0

/* Bytes of a message or thread id as text, NUL included. */
#define RP_ID_STRLEN 33

/* ---- library ------------------------------------------------------------------- */

/* The library's version as (major << 16) | (minor << 8) | patch. Compare with the
 * RP_VERSION_* macros of the header you compiled against. Thread-safe. */
unsigned rp_version(void);

/* The library's version as "0.1.0". Static; thread-safe. */
const char *rp_version_string(void);

/* Frees a string or buffer the library handed to the caller through a `char **`
 * (rp_received_to_json, rp_msg_to_json...). Accepts NULL. Thread-safe. */
void rp_free(void *p);

/* ---- configuration --------------------------------------------------------------- */

typedef struct rp_config rp_config;

/* A passphrase source for an encrypted identity key file. Write at most `cap` bytes of
 * the passphrase (no NUL needed) to buf and set *len; return 0, or nonzero to refuse
 * (rp_client_new then fails with RP_EPASSPHRASE). The library wipes buf after use.
 * Called once, from rp_client_new, on the caller's thread. */
typedef int (*rp_passphrase_fn)(void *data, char *buf, size_t cap, size_t *len);

/* A further content check run on every free-text field of an outgoing payload after the
 * CPR guard (text[0..len) is UTF-8, not NUL-terminated, valid during the call only).
 * Return 0 to accept; nonzero makes rp_send fail with RP_EHOOK (set *offset to the byte
 * the hook objects to, if you like). Called on the thread that calls rp_send. */
typedef int (*rp_content_hook_fn)(void *data, const char *field, const char *text,
                                  size_t len, size_t *offset);

/* A content check for outgoing attachments, for the formats a host can read (text/plain,
 * text/csv, say: it decides by mime). Called during rp_send for every attachment, with
 * its plaintext in order, a piece at a time (at most 256 KiB; `offset` is the piece's
 * first byte in the file; `last` is 1 on its final piece, which is empty for an empty
 * file), before the piece is sealed. The pieces of one attachment come in order and the
 * attachments one after the other, so a check for a pattern that may straddle two
 * pieces keeps the end of the previous piece itself. buf is valid during the call only.
 * Return 0 to accept; nonzero makes rp_send fail with RP_EHOOK naming the attachment
 * (rp_msg_error_field "attachments.N"; set *offset to the byte in the file the hook
 * objects to, for rp_msg_error_offset, if you like), and nothing of the message is
 * stored or delivered (chunks sealed before the refusal may have gone to the relay,
 * which cannot open them and drops them within the hour). The CPR guard checks the
 * attachments' names itself; it does not read their contents. Called on the thread that
 * calls rp_send. */
typedef int (*rp_attachment_hook_fn)(void *data, const char *name, const char *mime,
                                     const uint8_t *buf, size_t len, uint64_t offset,
                                     int last, size_t *bad_offset);

typedef struct rp_client rp_client;
typedef struct rp_received rp_received;

/* Called on the library's loop thread for each message newly stored in the inbox, and
 * at start-up for every message that was stored but not yet marked handled. `r` is
 * borrowed for the duration of the call (rp_received_dup keeps it). The callback may
 * call rp_inbox_mark_handled, rp_send and the other client calls, but not the ones that
 * wait for the loop (rp_client_flush, rp_client_refresh_roster) nor rp_client_free; it
 * should return quickly, since the loop (and the relay's acknowledgement of this
 * message) waits for it. */
typedef void (*rp_receive_fn)(void *data, rp_client *c, const rp_received *r);

/* Called on the loop thread whenever a sent message's status changes (status is an
 * RP_STATUS_* value; error is the failure code for RP_STATUS_FAILED, else 0). msg_id is
 * borrowed for the call. Same rules as rp_receive_fn. */
typedef void (*rp_status_fn)(void *data, rp_client *c, const char *msg_id, int status,
                             int error);

/* Levels of rp_log_fn, most severe first. ERROR: the library cannot do its work (a
 * local store or memory failed). WARN: something was refused or failed (an envelope we
 * refused, a message of ours that failed or expired). INFO: the connection and the
 * delivery stream (connected, lost, a recipient held back). */
#define RP_LOG_ERROR 1
#define RP_LOG_WARN 2
#define RP_LOG_INFO 3

/* A log line of the library. level is an RP_LOG_* value; line is one line of text
 * without a newline, "event key=value ...", borrowed for the call. A line names message
 * ids, member ids, sequence numbers, times and error names (rp_err_name), never any
 * content of a message: it may go to an ordinary log. Called on the library's loop
 * thread, with the same rules as rp_receive_fn; it should return quickly. */
typedef void (*rp_log_fn)(void *data, int level, const char *line);

/* Creates an empty configuration; *out is the caller's, freed with rp_config_free.
 * RP_ENOMEM. */
int rp_config_new(rp_config **out);

/* Frees a configuration (wiping any passphrase it holds). Accepts NULL. */
void rp_config_free(rp_config *cfg);

/* The text of the last setter error on cfg ("relay_key: expected 64 hexadecimal
 * characters or a public key file"), or "" if the last call succeeded. Also set by
 * rp_client_new when the configuration as a whole is incomplete. Borrowed until the next
 * call on cfg. */
const char *rp_config_error(const rp_config *cfg);

/* Every setter below copies its arguments (the caller keeps its strings), checks them at
 * once, and returns 0, RP_EINVAL (NULL cfg or value) or RP_ECONFIG (the value is wrong;
 * rp_config_error says which setting and why). */

/* The state folder: outbox and inbox database, and the attachment chunks' files under
 * chunks/ (created mode 0700 if missing; the files are mode 0600). Required. */
int rp_config_set_state_dir(rp_config *cfg, const char *path);

/* The relay's address: a host name or IP literal, and the TCP port (1..65535).
 * Required. It sets (or replaces) the first address; addresses added with
 * rp_config_add_relay stay. */
int rp_config_set_relay(rp_config *cfg, const char *host, unsigned port);

/*
 * A further address of the same relay (the same relay key: an address the relay moved
 * to, or a standby that took over its key), appended after the ones set so far; with
 * none set yet it becomes the first. At most 8 addresses in all (RP_ECONFIG past that).
 * On each (re)connect the client tries the addresses in order: a failed lookup, connect
 * or handshake (anything short of the relay's welcome) moves on to the next one at once,
 * logged at RP_LOG_INFO ("relay_next"); the backoff of rp_config_set_backoff follows only
 * after every address has failed in turn. A connection that was lost after its welcome
 * is tried again at the same address first (the relay that has held our messages and
 * welcomed us is likely still there, and its spool holds what waits for us); a new client
 * starts at the first address.
 */
int rp_config_add_relay(rp_config *cfg, const char *host, unsigned port);

/* The relay's transport public key: 64 hexadecimal characters, or the path of the
 * relay's public key export (a key file of kind "public"). Required. */
int rp_config_set_relay_key(rp_config *cfg, const char *hex_or_path);

/* The member's identity key file (written by `rejsepost keys`). Required. */
int rp_config_set_identity_file(rp_config *cfg, const char *path);

/* Passphrase sources for an encrypted identity file; the last one set wins. A plain key
 * file (mode 0600) needs none. _file reads the first line of a file (which must not be
 * readable by group or others); _env names an environment variable read at
 * rp_client_new; _callback asks the host. */
int rp_config_set_passphrase_file(rp_config *cfg, const char *path);
int rp_config_set_passphrase_env(rp_config *cfg, const char *name);
int rp_config_set_passphrase_callback(rp_config *cfg, rp_passphrase_fn fn, void *data);

/* The administrator's identity public key, which pins the roster signer: 64
 * hexadecimal characters or the path of the administrator's public key export.
 * Required. */
int rp_config_set_admin_key(rp_config *cfg, const char *hex_or_path);

/* The signed roster file to start from when the state folder holds none (or an older
 * one). Required on first start; later the library keeps the newest roster it has
 * verified in the state folder. */
int rp_config_set_roster_file(rp_config *cfg, const char *path);

/* Retry backoff after a failed or lost connection: starts at min_ms, doubles up to
 * max_ms, with random jitter of up to half the delay. A connection that reaches the
 * relay's welcome starts it at min_ms again, unless the relay had refused to store our
 * messages for a reason that may pass (its spool failed, or it was busy): then it goes
 * on doubling until the relay stores one. 10 <= min_ms <= max_ms <= 3600000. Default
 * 500 ms .. 60000 ms. */
int rp_config_set_backoff(rp_config *cfg, unsigned min_ms, unsigned max_ms);

/* How long an envelope may wait at the relay before it expires undelivered (and the
 * sender is told): 60000 ms .. 90 days. Default 30 days. */
int rp_config_set_expiry(rp_config *cfg, uint64_t ms);

/*
 * How long the client store keeps a finished message: `ms` after it finished, it is
 * deleted with its attachment chunks so that no byte of it stays in the state folder's
 * files: its rows with secure_delete, then a WAL checkpoint that truncates the log; its
 * chunks' file is unlinked (sealed bytes under a key derived from the envelope, which
 * went with the rows, so nothing can open what the file system may still hold).
 * Finished means:
 *  - a received message: marked handled (rp_inbox_mark_handled), counted from then;
 *  - a sent message whose status can no longer change: answered, expired or failed,
 *    counted from that step; the library's own receipts once relayed;
 *  - any message, sent (past queued) or received, of a thread that is closed: a closure
 *    or consent_withdrawn in it, counted from when the relay took the one we sent, or
 *    from when the one we received was stored.
 * A message still queued for the relay is never deleted by retention; nor is an
 * unhandled one, nor one still waiting for its receipts in an open thread.
 * 0 .. 10 years (0: at the next sweep after it finished). Default 30 days.
 * Why 30 days: the store is a transit store, not the case file. The case system files
 * what it handles in its own journal (ESDH), where the municipality's own retention
 * rules apply; the library keeps a message a while longer only so that a host can
 * still read it (rp_inbox_get) and see its statuses after handling it. 30 days is the
 * relay's default expiry too, the longest a message of an open thread normally waits.
 * The sweep runs when the client opens, at every connection to the relay and then every
 * quarter of the retention (at least 1 s, at most 1 h apart), on the library's thread. */
int rp_config_set_retention(rp_config *cfg, uint64_t ms);

/* The callbacks above (fn NULL removes one), the content hook and the attachment hook. */
int rp_config_set_receive_callback(rp_config *cfg, rp_receive_fn fn, void *data);
int rp_config_set_status_callback(rp_config *cfg, rp_status_fn fn, void *data);
int rp_config_set_content_hook(rp_config *cfg, rp_content_hook_fn fn, void *data);
int rp_config_set_attachment_hook(rp_config *cfg, rp_attachment_hook_fn fn, void *data);

/* The log callback (fn NULL removes it; the default is no logging). The library logs
 * every envelope it refuses (msg_id, sender, code, the field at fault), every message of
 * ours that fails or expires, and connection events; see rp_log_fn. */
int rp_config_set_log(rp_config *cfg, rp_log_fn fn, void *data);

/* Whether the client asks the relay for deliveries (1, the default) or only sends (0).
 * A send-only client still receives nothing it would have to store. */
int rp_config_set_receive(rp_config *cfg, int on);

/* Attachment caps, checked by rp_send while it reads the attachments (a stream's size
 * is known only at its end): each attachment at most `bytes` (default 100 MiB), all of a
 * message's attachments together at most `bytes` (default 256 MiB). 1 ..
 * 4 GiB (the format's ceiling per attachment), and the per-message cap 1 .. 64 GiB. Over
 * a cap rp_send fails with RP_ETOOBIG and rp_msg_error_field names the attachment
 * ("attachments.2"). The same caps bound what this client receives: a message whose
 * attachments are over them is refused (RP_ETOOBIG, the sender sees it failed). */
int rp_config_set_attachment_max(rp_config *cfg, uint64_t bytes);
int rp_config_set_message_attachments_max(rp_config *cfg, uint64_t bytes);

/* Directions of rp_progress_fn. */
#define RP_PROGRESS_SEND 1
#define RP_PROGRESS_RECEIVE 2

/* Progress of a message's attachment bytes between this client and the relay: msg_id
 * (borrowed for the call), the direction (RP_PROGRESS_*), the sealed bytes done so far
 * and in all (chunks the relay acknowledged, or chunks stored in our inbox). Called on
 * the library's loop thread at most once per chunk, with the same rules as
 * rp_receive_fn. The upload of files and buffers begins while rp_send still seals them,
 * so RP_PROGRESS_SEND may come before rp_send has returned the msg_id. */
typedef void (*rp_progress_fn)(void *data, rp_client *c, const char *msg_id, int direction,
                               uint64_t done_bytes, uint64_t total_bytes);

/* The progress callback (fn NULL removes it). */
int rp_config_set_progress(rp_config *cfg, rp_progress_fn fn, void *data);

/* ---- the client -------------------------------------------------------------------- */

/* Connection states (rp_client_conn_state). */
#define RP_CONN_DISCONNECTED 0 /* waiting to retry (see rp_client_last_error) */
#define RP_CONN_CONNECTING 1   /* TCP connect or handshake in progress */
#define RP_CONN_CONNECTED 2    /* channel up, welcome received */
#define RP_CONN_STOPPED 3      /* stopped for good (member revoked) or shutting down */

/*
 * Opens the state folder, loads the identity key and the roster, and starts the loop
 * thread, which connects to the relay in the background. cfg is read and may be freed
 * afterwards. *out is the caller's; free it with rp_client_free. Errors: RP_ECONFIG (a
 * required setting is missing or unusable: rp_config_error names it), the key file's
 * errors (RP_EPASSPHRASE, RP_EPERM, RP_ENOTFOUND...), the roster's (RP_ESIG,
 * RP_EROLLBACK...), RP_EUNKNOWNMEMBER (our id is not in the roster), RP_EIO, RP_ENOMEM.
 */
int rp_client_new(const rp_config *cfg, rp_client **out);

/*
 * Stops the loop cleanly and frees the client: no new work starts, sends in flight get
 * their answers (or are retried next time), inbox commits in flight finish, BYE is sent,
 * the database is closed. Nothing stored is lost: unsent messages go on the next run.
 * Waits at most about 5 seconds for the relay. Must be the last call on c; not from a
 * callback. Accepts NULL.
 */
void rp_client_free(rp_client *c);

/* The host's pointer, for callbacks (the library never touches it). Thread-safe. */
void rp_client_set_data(rp_client *c, void *data);
void *rp_client_get_data(const rp_client *c);

/* Our member id, as in the roster. Borrowed for the client's lifetime. */
const char *rp_client_member_id(const rp_client *c);

/* The connection state (RP_CONN_*). */
int rp_client_conn_state(rp_client *c);

/* The error of the last failed connection attempt or the reason the last connection
 * ended (0 if none since the last successful welcome). The two refusals at connection
 * time are told apart (PROTOCOL.md 4.3):
 *  - RP_EAUTH: the relay closed the connection without a word after our first
 *    handshake message. It refused our key: usually a wrong relay key in the
 *    configuration, or our key not (yet) in the relay's roster.
 *  - RP_EBUSY: the relay completed the handshake and said BYE "busy" instead of
 *    WELCOME. Our key is fine; the relay has as many connections as it may take.
 * In both cases the client keeps retrying with backoff (rp_config_set_backoff), so a
 * roster update at the relay, or a free slot, heals it without a restart. RP_EREVOKED
 * (our member is revoked) stops it for good (RP_CONN_STOPPED). Once connected, the
 * client always sends a first message at once (PING if it has nothing else to say),
 * which the relay takes as the proof that the connection is really ours. */
int rp_client_last_error(rp_client *c);

/* The version of the roster the client holds and trusts. */
int rp_client_roster_version(rp_client *c, uint64_t *version);

/* Asks the loop to fetch the relay's newest roster now and waits up to timeout_ms for
 * the answer (verified, rollback refused, stored). 0, RP_ETIMEDOUT (e.g. not
 * connected), or the verification error. */
int rp_client_refresh_roster(rp_client *c, int timeout_ms);

/* Networks of a municipality member, as bits of rp_member_fn's `networks`. */
#define RP_MEMBER_NET_EAST 0x1u
#define RP_MEMBER_NET_WEST 0x2u

/* One member of the roster: its id, its kind ("municipality", "team", "relay" or
 * "admin"), its municipality code (3 digits; "" for the other kinds) and its networks
 * (RP_MEMBER_NET_* bits, 0 for none). Strings are borrowed for the call. Return 0 to go
 * on, nonzero to stop. */
typedef int (*rp_member_fn)(void *data, const char *member_id, const char *kind,
                            const char *municipality, unsigned networks);

/* Calls fn for each active member (not revoked, already valid) of the roster the
 * client holds and trusts, the one it checks senders and recipients against, in roster
 * order. Returns 0 after the last member, fn's nonzero value if it stopped, or
 * RP_EINVAL. The roster is locked during the walk so that it cannot change half way:
 * fn must not call the client and should return quickly. Any thread may call it, also
 * a receive or status callback. */
int rp_client_members(rp_client *c, rp_member_fn fn, void *data);

/* Waits until no sent message is waiting for the relay (every one relayed, failed or
 * expired), at most timeout_ms (negative: forever). 0 or RP_ETIMEDOUT. */
int rp_client_flush(rp_client *c, int timeout_ms);

/* ---- building a message ------------------------------------------------------------ */

typedef struct rp_msg rp_msg;

/*
 * A new, empty message of payload kind `kind`: its name ("request", "reply", "receipt",
 * "follow_up", ...) or Danish label ("henvendelse"). The header (version, kind, msg_id,
 * thread_id, created) is filled by rp_send. *out is the caller's (rp_msg_free).
 * RP_EENUM for an unknown kind.
 *
 * Fields are addressed by the names of docs/PROTOCOL.md section 7: "question",
 * "urgency"; nested maps by dotted path ("risk.level", "citizen.age_band"); list
 * elements by "<list>.<field>", which sets the field of the element added last with
 * rp_msg_list_add ("attachments.name"). Setters check the type and the field's range
 * at once (RP_ENOTFOUND: no such field; RP_ETYPE: the field has another type;
 * RP_ETOOBIG, RP_EENUM, RP_EUTF8 as the schema says); rules between fields are checked
 * by rp_send. On failure rp_msg_error_field names the field.
 * An rp_msg is not locked: use it from one thread at a time.
 */
int rp_msg_new(const char *kind, rp_msg **out);

/* Frees a message. Accepts NULL. */
void rp_msg_free(rp_msg *m);

/* The kind's name ("request"). Borrowed for m's lifetime. */
const char *rp_msg_kind(const rp_msg *m);

/* Sets a text field (copied). */
int rp_msg_set_text(rp_msg *m, const char *field, const char *utf8);

/* Sets an enumeration field to one of its names ("akut"). */
int rp_msg_set_enum(rp_msg *m, const char *field, const char *name);

/* Sets an unsigned integer field (numbers, unix-ms times). */
int rp_msg_set_uint(rp_msg *m, const char *field, uint64_t value);

/* Sets a boolean field (0 false, anything else true). A reply's "automatic" marks the
 * team inbox's own automatic answer (out of office hours, with the emergency numbers);
 * the request's sender then shows RP_STATUS_AUTO_REPLIED rather than answered. An
 * advisor's reply never sets it. */
int rp_msg_set_bool(rp_msg *m, const char *field, int value);

/* Adds an element to a set field ("categories", "trusler"). Adding twice is harmless. */
int rp_msg_add_to_set(rp_msg *m, const char *field, const char *name);

/* Sets a fixed-size bytes field from hexadecimal: message ids ("in_reply_to", "about",
 * 32 characters), hashes ("attachments.sha256", 64 characters). */
int rp_msg_set_hex(rp_msg *m, const char *field, const char *hex);

/* Appends an empty element to a list field ("attachments", "referrals", "slots"); later
 * "<list>.<field>" setters fill it. RP_ETOOBIG when the list is full. */
int rp_msg_list_add(rp_msg *m, const char *list);

/*
 * Attachments (docs/PROTOCOL.md 6.7). Each call adds an element to the kind's
 * "attachments" list (RP_ENOTFOUND for a kind without one, RP_ETOOBIG when it is full)
 * with its name (1..RP_TEXT_SHORT_MAX bytes, no path), mime type ("application/pdf")
 * and kind (an attachment kind name, "handlingsplan"), and records where its bytes come
 * from. The bytes are read during rp_send, on the caller's thread, one chunk (256 KiB)
 * at a time: rp_send hashes them, puts their "size" and "sha256" into the payload it
 * seals (the caller's rp_msg is not changed: rp_msg_to_json of it shows neither), seals
 * the bytes into the outbox with the message and returns once all is durable. The library
 * never writes them in plain. Memory stays bounded by a few chunks whatever the size. The
 * caps are rp_config_set_attachment_max and rp_config_set_message_attachments_max.
 * On a failing call nothing is added.
 */

/* A file, opened and read at rp_send time (path is copied now). name NULL: the path's
 * last component. A file that cannot be read then makes rp_send fail with RP_EIO (or
 * RP_ENOTFOUND, RP_EPERM), naming the attachment; so does a regular file whose size
 * changes while rp_send reads it (its chunk count was announced before the first read,
 * so that the upload can begin while the rest is sealed). */
int rp_msg_attach_file(rp_msg *m, const char *path, const char *name, const char *mime,
                       const char *kind);

/* data[0..len) is borrowed, not copied: it must stay valid and unchanged until the last
 * rp_send of m has returned (copying would double the memory a large buffer costs, and
 * rp_send reads it on the caller's thread anyway). */
int rp_msg_attach_buffer(rp_msg *m, const void *data, size_t len, const char *name,
                         const char *mime, const char *kind);

/* A stream source: write at most `cap` bytes to buf and return how many (fewer than cap
 * is fine), 0 at the end, or a negative value to abort (rp_send then fails with RP_EIO
 * and stores nothing). Called on the caller's thread during rp_send, never after. */
typedef long long (*rp_read_fn)(void *ctx, uint8_t *buf, size_t cap);

/* A stream: read (ctx passed along) during rp_send until it returns 0. A stream can be
 * read once: the first rp_send of m that reaches it consumes it, and a later rp_send of
 * m fails with RP_ESTATE naming the attachment. */
int rp_msg_attach_stream(rp_msg *m, rp_read_fn read, void *ctx, const char *name,
                         const char *mime, const char *kind);

/* Puts the message into an existing thread (32 hex). Without it, a reply, follow-up or
 * other message that refers to a known message (in_reply_to, about, meeting_ref...)
 * joins that message's thread, and anything else starts a new thread. A request or a
 * plan review always starts its own thread (PROTOCOL.md 6.6): rp_send and rp_msg_encode
 * refuse one with a thread set (RP_EINVAL, rp_msg_error_field "thread_id"). */
int rp_msg_set_thread(rp_msg *m, const char *thread_id);

/* The recipient member id. Without it: the team member of the roster for a message from
 * a municipality; for a message from the team, the sender of the message it refers to. */
int rp_msg_set_recipient(rp_msg *m, const char *member_id);

/* The field named by the last failing call on m (a setter or rp_send), or NULL. For a
 * CPR or content hook refusal, rp_msg_error_offset gives the byte offset in that
 * field's text. Borrowed until the next call on m. */
const char *rp_msg_error_field(const rp_msg *m);
size_t rp_msg_error_offset(const rp_msg *m);

/* The last failing call on m (a setter, rp_send or rp_msg_encode) as one line for a
 * person, naming the field and what to do where that is known ("thread_id: a request
 * or plan review starts its own thread ..."), or NULL if the last call succeeded. For an
 * unknown enumeration or set name (RP_EENUM from rp_msg_set_enum or rp_msg_add_to_set)
 * it lists the names the field takes ("urgency: ...; allowed: akut, haster, ..."). It
 * never repeats the text a CPR or content hook refusal objects to. Borrowed until the
 * next call on m. */
const char *rp_msg_error_text(const rp_msg *m);

/* Builds a message from a JSON object {"kind": "request", "question": "...",
 * "risk": {"level": "hoej", ...}, "categories": ["trusler"], "attachments": [{...}]}:
 * strings go to text or enum fields, numbers to unsigned fields, arrays to sets or
 * lists, objects to nested maps; id fields take hex strings; "recipient" and
 * "thread_id" keys set those. *out is the caller's. On failure *where (if not NULL) gets
 * a static or borrowed name of the offending field or NULL. */
int rp_msg_from_json(const char *json, size_t len, rp_msg **out, const char **where);

/* The message as one line of JSON in rp_msg_from_json's format: "kind" first, then the
 * fields set so far in the order of docs/PROTOCOL.md section 7, then "recipient" and
 * "thread_id" if they were set; so rp_msg_from_json of the text builds the same
 * message. The header rp_send fills (msg_id, created) is not in it. m is not changed.
 * *json is the caller's, freed with rp_free; NULL on failure. RP_EINVAL (m or json
 * NULL), RP_ENOMEM. Safe on any thread, under the rule for m (one thread at a time). */
int rp_msg_to_json(const rp_msg *m, char **json);

/* Builds a message from an encoded msgpack payload (docs/PROTOCOL.md section 7): its
 * kind and fields are taken; its header ids and time are replaced by rp_send. */
int rp_msg_from_msgpack(const uint8_t *buf, size_t len, rp_msg **out, const char **where);

/* Checks m offline as rp_send would check its content, without a client: fills the
 * header a send gives it (a new msg_id; the thread set with rp_msg_set_thread, else a
 * new one; the current time), then runs the CPR guard and every rule of the kind, and
 * encodes it. On success *out gets the encoded payload (docs/PROTOCOL.md section 7),
 * *len bytes, the caller's (rp_free). m itself is not changed. Errors as rp_send's
 * content errors: RP_ECPR, schema errors (RP_EMISSING, RP_EINVAL, ...), with
 * rp_msg_error_field / rp_msg_error_offset saying where. Not checked here: the content
 * hook, whether our member kind may send this kind, and the recipient. */
int rp_msg_encode(rp_msg *m, uint8_t **out, size_t *len);

/* ---- sending and status ---------------------------------------------------------------
 */

/*
 * Statuses of a sent message. A message moves forward only, in this order: queued,
 * relayed, delivered, auto_replied, opened, answered; or from queued or relayed to one
 * of the final expired and failed; or, once we recalled it (a "recall" about it) and its
 * recipient hid it, from any step short of those two to the final recalled. The numbers
 * are not that order (auto_replied and recalled came later and got the next free
 * numbers): compare statuses by this list, not by value.
 * A step reached out of order (a reply before the "opened" receipt) still gets its time
 * (rp_status_time) without moving the status back. failed is a refusal for good, by the
 * relay (EROUTE, EKIND...) or by the recipient (EAUTH, EREVOKED, EINVAL...).
 * Since a status never moves back, an answer its sender recalls later leaves the status
 * answered; the reply itself is then flagged (rp_received_recalled), and a host that
 * shows "answered" should look there. An answer recalled before it arrived never
 * counts (PROTOCOL.md 7.19).
 */
#define RP_STATUS_QUEUED 1    /* durable in the local outbox */
#define RP_STATUS_RELAYED 2   /* the relay acknowledged storing it */
#define RP_STATUS_DELIVERED 3 /* the recipient's library stored it (its receipt) */
#define RP_STATUS_OPENED 4    /* the recipient opened it (its receipt) */
#define RP_STATUS_ANSWERED 5  /* an advisor's reply, or a follow-up, refers to it */
#define RP_STATUS_EXPIRED 6   /* it expired at the relay undelivered */
#define RP_STATUS_FAILED 7    /* refused for good (rp_status's error says why) */
/* The team's inbox answered automatically (out of office hours, with the emergency
 * numbers): no advisor has answered yet. Ranks between delivered and opened. */
#define RP_STATUS_AUTO_REPLIED 8
/* We recalled it (a "recall" message about it) and the recipient's library hid it: its
 * receipt "recalled" came back (PROTOCOL.md 7.19). Final, like expired and failed, and
 * ranked with them; it implies delivered. */
#define RP_STATUS_RECALLED 9

/* "queued", "relayed", ..., "auto_replied", "recalled", or "unknown". Static. */
const char *rp_status_name(int status);

/* A status's place in a message's progress, since the numbers are not in that order:
 * queued 1, relayed 2, delivered 3, auto_replied 4, opened 5, answered 6, and 7 for the
 * final expired, failed and recalled; 0 for an unknown value. To wait until a message has
 * reached at least `wanted`, compare rp_status_rank(current) >= rp_status_rank(wanted) and
 * stop on a rank of 7. */
int rp_status_rank(int status);

/*
 * Checks m (schema rules, CPR guard, content hook, that our member kind may send this
 * kind, recipient in the roster and not revoked), seals it for the recipient and stores
 * the envelope durably in the outbox. Returns 0 once it is durable, with its id written
 * to msg_id (RP_ID_STRLEN bytes, may be NULL); the loop thread sends it. m stays the
 * caller's in every case and may be sent again (as a new message with a new id).
 * Errors: RP_ECPR (a CPR number; nothing is stored), RP_EHOOK, schema errors
 * (RP_EMISSING, RP_EINVAL, ... with rp_msg_error_field), RP_EKIND (our member kind may
 * not send this kind), RP_EUNKNOWNMEMBER / RP_EREVOKED (recipient), RP_EIO / RP_EFSYNC
 * (the outbox could not be written; nothing was stored), RP_ESTATE (client stopping).
 * With attachments, rp_msg_error_field names the attachment ("attachments.1") for:
 * RP_ETOOBIG (over a cap), RP_EIO (a source failed or a stream aborted), RP_ENOTFOUND /
 * RP_EPERM (a file), RP_ESTATE (a stream already read by an earlier rp_send),
 * RP_EMISSING (a descriptor added with rp_msg_list_add, which has no content). The
 * attachments are read here, on the caller's thread; nothing is stored on any error
 * (the loop may upload chunks while rp_send seals the rest; on an error they are
 * never completed into a message, and the relay drops them within the hour).
 * A relay that takes no attachment chunks (an older one, PROTOCOL.md 5.1) cannot carry a
 * message with attachments: it is never sent there, and rp_status shows it
 * RP_STATUS_FAILED with RP_EVERSION.
 */
int rp_send(rp_client *c, rp_msg *m, char msg_id[RP_ID_STRLEN]);

/* The current status of sent message msg_id (an RP_STATUS_*) and, for
 * RP_STATUS_FAILED, the refusal's code in *error (else 0). error may be NULL.
 * RP_ENOTFOUND for an id not in the outbox. */
int rp_status(rp_client *c, const char *msg_id, int *status, int *error);

/* When msg_id reached `status` (unix ms), or 0 if it has not (yet). RP_ENOTFOUND for an
 * unknown id, RP_EINVAL for an unknown status. */
int rp_status_time(rp_client *c, const char *msg_id, int status, uint64_t *when);

/* Calls fn for each message in the outbox (receipts excepted), oldest first, with its id,
 * kind name, thread id, recipient, current status and the time it was queued; strings
 * are borrowed for the call. fn returns 0 to go on, nonzero to stop (that value is
 * returned). The database is locked during the walk: fn must not call the client. */
typedef int (*rp_outbox_fn)(void *data, const char *msg_id, const char *kind,
                            const char *thread_id, const char *recipient, int status,
                            uint64_t queued_at);
int rp_outbox_foreach(rp_client *c, rp_outbox_fn fn, void *data);

/* Sends the receipt "opened" for received message msg_id to its sender (durably queued
 * like rp_send). RP_ENOTFOUND if msg_id is not in the inbox. Sending it twice sends two
 * receipts; the sender keeps the first time. */
int rp_send_opened(rp_client *c, const char *msg_id);

/* ---- receiving ------------------------------------------------------------------------
 */

/*
 * The oldest message in the inbox that is not marked handled, not recalled by its sender
 * (rp_received_recalled) and that this client handle has not returned yet (so a host that
 * skips a message moves on; a new handle, after a restart, starts over with every unhandled
 * message). Oldest means first complete: a message with attachments comes when its last
 * chunk is stored, after a smaller one that arrived later may have come. *out is the
 * caller's (rp_received_free). RP_ENOTFOUND if there is none.
 */
int rp_inbox_next(rp_client *c, rp_received **out);

/* The inbox message msg_id, handled or not. *out is the caller's. RP_ENOTFOUND. */
int rp_inbox_get(rp_client *c, const char *msg_id, rp_received **out);

/* Marks msg_id handled, durably: it is never offered again. Idempotent. RP_ENOTFOUND if
 * it is not in the inbox. A handled message is deleted after the retention
 * (rp_config_set_retention); a handled consent_withdrawn erases its thread at once
 * (rp_thread_erase). */
int rp_inbox_mark_handled(rp_client *c, const char *msg_id);

/* The number of inbox messages not marked handled (and not recalled). */
int rp_inbox_pending(rp_client *c, uint64_t *count);

/* ---- erasure ------------------------------------------------------------------------ */

/*
 * Erases thread_id (32 hex) from the client store: every sent and received message of
 * the thread, with its attachment chunks, leaving no byte of them in the state folder's
 * files (as retention does, rp_config_set_retention). Kept: a consent_withdrawn or a
 * receipt still queued, which must still go out (a receipt, the library's own, goes as
 * soon as the relay has it). The msg_ids of erased messages the relay may still
 * hold (queued or relayed, not yet delivered) are kept on a purge list, and the
 * library's thread asks the relay to delete them (docs/PROTOCOL.md 5.7) as soon as it is
 * connected to a relay that takes purges; an id leaves the list once the relay has
 * answered. A message erased while it was on its way stops there: it is not sent again,
 * and its status is gone (rp_status: RP_ENOTFOUND). 0 (also for a thread with nothing
 * in the store), RP_EINVAL (bad id), RP_EIO. Any thread, also a callback. It holds the
 * store while it works: about 35 ms for a thread with a 100 MiB attachment not yet sent,
 * 65 ms for one received (bench/bench_erase; the chunk file is unlinked, not zeroed),
 * during which other calls on c wait.
 *
 * The library erases by itself, on the consent rule (PROTOCOL.md 7.11):
 *  - the sender of a consent_withdrawn: once the relay has acknowledged it (relayed), the
 *    rest of its thread, keeping only the consent_withdrawn itself, so that rp_status
 *    and rp_outbox_foreach still show its progress (until retention deletes it);
 *  - its recipient: when the consent_withdrawn is marked handled
 *    (rp_inbox_mark_handled), the whole thread, the consent_withdrawn included.
 * In both cases the erased messages it had sent and the relay may still hold are purged
 * there too.
 */
int rp_thread_erase(rp_client *c, const char *thread_id);

/* A copy of r, the caller's (for keeping a message a callback was lent). */
int rp_received_dup(const rp_received *r, rp_received **out);

/* Frees a received message (wiping its plaintext). Accepts NULL. */
void rp_received_free(rp_received *r);

/* Accessors. Strings are borrowed until rp_received_free(r). */
const char *rp_received_kind(const rp_received *r);      /* "reply" */
const char *rp_received_msg_id(const rp_received *r);    /* 32 hex */
const char *rp_received_thread_id(const rp_received *r); /* 32 hex */
/* The message it answers or concerns (in_reply_to, about, meeting_ref,
 * announcement_ref), 32 hex, or NULL if the kind has none. */
const char *rp_received_in_reply_to(const rp_received *r);
const char *rp_received_sender(const rp_received *r); /* sender member id */
uint64_t rp_received_created(const rp_received *r);   /* the sender's clock */
uint64_t rp_received_stored_at(const rp_received *r); /* when our inbox stored it */
int rp_received_handled(const rp_received *r);        /* 1 if marked handled */
/* 1 if its sender recalled it (a "recall" about it arrived; PROTOCOL.md 7.19): the
 * library then no longer offers it (rp_inbox_next, rp_inbox_pending, the receive
 * callback at start-up) unless it was marked handled before, and rp_inbox_get still
 * finds it. The host should hide its content too. A recall that arrives first (it can
 * overtake a message with attachments) is applied when the message comes: the message
 * is stored recalled and never offered. */
int rp_received_recalled(const rp_received *r);

/*
 * Field getters by name, as for the builder ("advice", "risk.level",
 * "attachments.0.name" for list element 0). RP_ENOTFOUND: no such field, or an optional
 * field that is absent; RP_ETYPE: another type. Texts, enum names and hex are borrowed
 * until rp_received_free(r) (hex and texts are copied into r on first use).
 */
int rp_received_get_text(const rp_received *r, const char *field, const char **out);
int rp_received_get_enum(const rp_received *r, const char *field, const char **out);
int rp_received_get_uint(const rp_received *r, const char *field, uint64_t *out);
int rp_received_get_bool(const rp_received *r, const char *field, int *out);
/* Element `index` (0-based) of a set field, in the order its schema lists the names
 * (docs/PROTOCOL.md 7), whatever order they were added or arrived in; RP_ENOTFOUND past
 * the end. */
int rp_received_get_set(const rp_received *r, const char *field, size_t index,
                        const char **out);
/* A bytes field (ids, hashes) as lowercase hex. */
int rp_received_get_hex(const rp_received *r, const char *field, const char **out);
/* The number of elements of a list field. */
int rp_received_list_count(const rp_received *r, const char *field, size_t *count);

/* ---- received attachments ---- */

/* The number of attachments of r (0 for a kind without any). Thread-safe like r. */
size_t rp_received_attachments(const rp_received *r);

/* Attachment i's descriptor: file name, mime type, size in bytes and kind name. Each
 * out-parameter may be NULL; strings are borrowed until rp_received_free(r).
 * RP_ENOTFOUND for i past the end. */
int rp_received_attachment(const rp_received *r, size_t i, const char **name,
                           const char **mime, uint64_t *size, const char **kind);

/* A sink for rp_received_attachment_read: takes buf[0..len) (borrowed for the call);
 * returns 0, or nonzero to stop (the read then fails with RP_EIO). */
typedef int (*rp_write_fn)(void *ctx, const uint8_t *buf, size_t len);

/*
 * Streams attachment i of r, a message of c's inbox, to write: decrypted a chunk (256
 * KiB) at a time from the inbox, where it stays sealed, each chunk checked again and the
 * sha256 compared at the end (docs/PROTOCOL.md 6.7). Called on the caller's thread;
 * memory stays a few chunks. The bytes handed to write before an error (RP_EDIGEST,
 * RP_EAUTH: the inbox was altered) are not to be trusted. Errors: RP_ENOTFOUND (no such
 * attachment, or its chunks are not in c's inbox), RP_EIO (write stopped it), the
 * store's. Any thread; several at once are fine.
 */
int rp_received_attachment_read(rp_client *c, const rp_received *r, size_t i,
                                rp_write_fn write, void *ctx);

/* Writes attachment i of r to a new file at path, mode 0600: created with O_EXCL
 * (RP_EEXIST if anything is there; a symbolic link is not followed), filled by
 * rp_received_attachment_read, fsync'd. On any error the file is removed: a saved file
 * is always whole and verified. */
int rp_received_attachment_save(rp_client *c, const rp_received *r, size_t i,
                                const char *path);

/* The whole message as a JSON object (the builder's format, plus "msg_id",
 * "thread_id", "sender", "created"); *json is the caller's, freed with rp_free. */
int rp_received_to_json(const rp_received *r, char **json);

#ifdef __cplusplus
}
#endif
#endif /* REJSEPOST_H */
