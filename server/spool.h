/* SPDX-License-Identifier: MIT */
/*
 * The relay's durable spool: envelopes it has acknowledged and not yet delivered.
 *
 * Storage: one SQLite file in WAL mode with synchronous=FULL. Each envelope is a row with
 * its header fields (seq, msg_id, sender, recipient, created/expires, urgency, size) and
 * the opaque envelope bytes, which the relay cannot read. Attachment chunk bytes are not
 * in SQLite but in one file per message in the folder `chunks` beside it (below).
 *
 * Threads: every function here is called on the loop thread, and every callback runs on
 * the loop thread. SQLite work runs on libuv's thread pool (uv_queue_work), so the loop
 * never waits for the disk. The spool uses at most two pool threads at a time:
 *  - the writer: one connection; puts, deletes and expiry go through one queue and are
 *    committed in batches (group commit). While a transaction runs, new requests queue
 *    and all of them join the NEXT transaction (up to batch_max requests or
 *    batch_bytes_max envelope bytes). A put's callback runs only after its transaction
 *    has committed and been fsynced: that is the moment the relay may ack.
 *  - the reader: a second connection; fetches run there. WAL lets it read the last
 *    committed state while the writer commits. Reads are on the pool rather than on the
 *    loop because a fetch can return megabytes of envelopes that may not be in cache.
 * Callbacks of each kind complete in the order the requests were made.
 *
 * Limits: the spool keeps running totals (bytes and count per recipient, per recipient
 * and sender, and in all) in memory, loaded at open, and checks a put against them when
 * it is made, counting puts still in flight. A put over the recipient's or the total
 * limit completes with RP_ESPOOLFULL; one within them but over its sender's share of
 * the recipient's bytes, with RP_EQUOTA; either way it stores nothing (and completes with
 * RP_EDUPLICATE if that msg_id is already stored, so a resend is still acked).
 *
 * Fail closed: if SQLite reports any error while the writer runs a batch (SQLITE_IOERR,
 * SQLITE_FULL, SQLITE_CORRUPT, ...), the batch is rolled back, every request of it
 * completes with RP_EFSYNC (error at or after COMMIT, i.e. during the durable write) or
 * RP_EIO (error before), the spool enters the failed state, fail_cb runs once, and from
 * then on every put, delete and expire is refused at once with RP_EFSYNC. There is no
 * retry: after an fsync error the kernel may have dropped the data it could not write.
 * A put that failed was never acked; it may or may not be found after a restart (the
 * sender's resend is then acked as a duplicate).
 *
 * Deletion on disk: a deleted envelope's bytes (and a chunk's row) must not stay in the
 * spool's files. Both connections run with PRAGMA secure_delete = ON (SQLite overwrites
 * deleted content and freed pages with zeros, whatever it was built with). In WAL mode the
 * older versions of a page, with the ciphertext, stay in the -wal file until a checkpoint
 * has copied the newer versions into the database and the log is truncated; so the writer
 * runs PRAGMA wal_checkpoint(TRUNCATE) when the spool opens (after a crash the log may hold
 * anything) and RP__SPOOL_CKPT_DELAY_MS after any commit that deleted rows, as a batch of
 * its own between the group commits: at most about once a second under load, once after the
 * last delete when idle. A checkpoint that meets a reader (SQLITE_BUSY) is tried again a
 * moment later; an I/O error in one fails the spool like any other.
 *
 * Attachment chunks (docs/PROTOCOL.md 5.6): the sealed chunks that travel beside an
 * envelope whose header says chunks = N > 0. Table chunk holds one row per (msg_id, idx)
 * with its sender, recipient, expires_ms and length (len; the bytes are in a file, below);
 * table chunk_msg one row per msg_id with what every chunk of it must agree on (sender,
 * recipient, count) and the running sums (rows n, bytes), so that a put, the SEND's
 * completeness check and the deletes cost one index lookup instead of a scan of the
 * message's chunks (an attacker may upload hundreds of thousands of small chunks). Chunks
 * go through the same writer and group commit as envelopes, count against the same limits
 * (recipient, sender share, total; their bytes are in `bytes` and the per-recipient totals,
 * not in `envelopes`), and are read on the reader. A SEND of an envelope with chunks = N
 * stores it only if chunk_msg holds all N from its sender to its recipient (else
 * RP_ETRUNC), and from then on the chunks expire with the envelope. Deleting an envelope
 * (delivered, refused or expired) deletes its chunks in the same transaction; chunks whose
 * envelope never came are deleted by the expiry sweep at their own expires_ms, without a
 * notice.
 *
 * Chunk files (spool_file.c): the bytes of chunk idx are in `<folder of path>/chunks/<hex
 * of msg_id>` (0600, folder 0700) at offset idx * RP__CHUNK_SEALED_MAX, a hole before a
 * shorter chunk; a read is one pread of the row's len, and a short read or a missing file
 * under live rows is RP_EIO. Why not blobs: SQLite wrote each chunk byte twice (WAL, then
 * checkpoint), page by page, and zeroed it again on delete; for 400 chunks of 256 KiB that
 * was 0.24 s of CPU to insert and 0.20 s to delete, against 0.08 s and 0.01 s for pwrite +
 * fdatasync and unlink. The writer writes a batch's chunks, fdatasyncs each file it touched
 * once (and the folder once if it created a file) and only then COMMITs; a file error fails
 * the batch and the spool like an SQLite error (RP_EIO for a write, ENOSPC included, as for
 * SQLite's disk full before COMMIT; RP_EFSYNC for a sync). A delete unlinks the file after
 * its COMMIT (an unlink error fails the spool: a disk that cannot erase); a chunk of a
 * message never joins a batch behind a request that may delete that message, whose unlink
 * would take it. A crash leaves at worst bytes no row names: at open, the orphan sweep
 * unlinks every entry of the folder that names no chunk_msg row. Unlink is the erasure: the
 * bytes are sealed under a key the relay never has, and the rows that tie them to a message
 * are erased as above. At most RP__SPOOL_FILES_OPEN chunk files are open during a batch and
 * none between (the folder itself stays open: one fd).
 *
 * Requests are caller-owned structs (libuv style): the caller keeps the request alive and
 * unmoved from the call until its callback has run, then may free or reuse it after
 * calling rp__spool_req_cleanup(). A function that returns an error did not take the
 * request and will not call its callback.
 */
#ifndef RP_SERVER_SPOOL_H
#define RP_SERVER_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "caps.h"

typedef struct rp__spool rp__spool;
typedef struct rp__spool_req rp__spool_req;

/* Most rows one fetch or one expire may return. */
#define RP__SPOOL_FETCH_MAX 1024u
#define RP__SPOOL_EXPIRE_MAX 4096u
/* Sizes of the histogram of batch sizes: bucket i counts batches of [2^i, 2^(i+1)). */
#define RP__SPOOL_HIST 12u
/* Longest failure reason kept (the SQLite message and code). */
#define RP__SPOOL_WHY_MAX 256u

typedef enum {
  RP__SPOOL_PUT = 1,
  RP__SPOOL_DELETE = 2,
  RP__SPOOL_EXPIRE = 3,
  RP__SPOOL_FETCH = 4,
  RP__SPOOL_FLOOR = 5,
  RP__SPOOL_CHECKPOINT = 6, /* the spool's own: see "Deletion on disk" above */
  RP__SPOOL_CHUNK_PUT = 7,
  RP__SPOOL_CHUNK_GET = 8,
  RP__SPOOL_PURGE = 9
} rp__spool_req_type;

/* After a commit that deleted rows, the WAL is checkpointed and truncated this soon. */
#define RP__SPOOL_CKPT_DELAY_MS 1000u

/* Runs on the loop thread when a request has completed; req->result holds the outcome. */
typedef void (*rp__spool_cb)(rp__spool_req *req);
/* Runs on the loop thread when the spool has closed; the spool is freed right after. */
typedef void (*rp__spool_close_cb)(rp__spool *sp);
/* Runs once, on the loop thread, when the spool enters the failed state. `why` names the
 * SQLite error (valid during the call; also kept by rp__spool_fail_reason()). */
typedef void (*rp__spool_fail_cb)(rp__spool *sp, int err, const char *why);

/* An envelope to store. Strings are NUL-terminated member ids (1..RP_MEMBER_ID_MAX bytes)
 * and are copied by rp__spool_put; `bytes` is NOT copied and must stay valid and
 * unchanged until the put's callback has run. */
typedef struct {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  const char *sender;
  const char *recipient;
  int64_t created_ms;
  int64_t expires_ms;
  int urgency;
  const uint8_t *bytes;
  size_t len;
  /* The header's chunks: N > 0 stores the envelope only if all N chunks of msg_id from
   * sender to recipient are stored (else the put completes with RP_ETRUNC). */
  uint64_t chunks;
} rp__spool_envelope;

/* An attachment chunk to store (rp__spool_put_chunk). As rp__spool_envelope: the ids are
 * copied, `bytes` must stay valid until the callback has run. */
typedef struct {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  const char *sender;
  const char *recipient;
  uint64_t index;     /* 0..count-1 */
  uint64_t count;     /* N */
  int64_t expires_ms; /* until the envelope is stored, when the chunk expires */
  const uint8_t *bytes;
  size_t len;
  uint64_t message_max; /* the message's chunk bytes in all at most (else RP_ETOOBIG) */
} rp__spool_chunk;

/* A row returned by fetch (envelope set) or expire (envelope NULL). */
typedef struct {
  int64_t seq;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  char sender[RP_MEMBER_ID_MAX + 1];
  char recipient[RP_MEMBER_ID_MAX + 1];
  int64_t created_ms;
  int64_t expires_ms;
  int urgency;
  size_t size;
  /* expire with notices, and refuse: the size of the notice stored for this row in the
   * same transaction (0 if none was stored, e.g. the row was itself a notice), and its
   * id. */
  size_t notice_size;
  uint8_t notice_id[RP_MSG_ID_BYTES];
  /* refuse: the recipient's positive error code, for the notice builder; 0 otherwise
   * (the row expired). */
  int refused;
  /* expire, and a refuse's entries[0]: attachment chunks deleted with the row, and their
   * bytes. chunk get: seq is the chunk's index, envelope its bytes, size their length. */
  uint64_t chunks;
  uint64_t chunk_bytes;
  /* malloc'd envelope bytes (fetch only). The callback may take ownership by copying the
   * pointer and setting this field to NULL; it must then free() it itself. */
  uint8_t *envelope;
} rp__spool_entry;

/* Largest expiry notice a notice builder may produce. */
#define RP__SPOOL_NOTICE_MAX 512u

/* Builds the notice for one expired (or refused: expired->refused > 0) row. Runs on a pool
 * thread inside the sweep's transaction, so it may use only its arguments and `arg`
 * read-only. Writes the notice's row id to notice_id and its bytes (at most
 * RP__SPOOL_NOTICE_MAX) to buf, sets *len, and returns 1 to store it or 0 to store none.
 * Rows whose sender is the notice sender (notices themselves) never get a notice and are
 * not shown to the builder. */
typedef int (*rp__spool_notice_fn)(void *arg, const rp__spool_entry *expired,
                                   int64_t now_ms, uint8_t notice_id[RP_MSG_ID_BYTES],
                                   uint8_t *buf, size_t *len);

/* How rp__spool_expire_notify stores notices: the builder, and the row's sender (copied;
 * the relay's own id) and lifetime. The notice goes to the expired row's sender. */
typedef struct {
  rp__spool_notice_fn fn;
  void *arg;
  const char *sender;
  int64_t ttl_ms;
} rp__spool_notice;

struct rp__spool_req {
  void *data;              /* the caller's; never touched by the spool */
  rp__spool_req_type type; /* set by the call that started the request */
  /* Outcome, read in the callback:
   *  put:    0 stored; RP_EDUPLICATE msg_id already stored (ack again); RP_EQUOTA;
   *          RP_ESPOOLFULL;
   *          RP_EFSYNC / RP_EIO the write failed (see "fail closed" above).
   *  delete: 0 deleted; RP_ENOTFOUND no such msg_id for that recipient; RP_EFSYNC/EIO.
   *          A refuse is a delete that also fills entries[0] (see rp__spool_refuse);
   *          it may also complete with RP_ENOMEM (nothing deleted).
   *  expire: 0 (entries filled in); RP_ENOMEM; RP_EFSYNC/EIO.
   *  fetch:  0 (entries filled in, maybe none); RP_ENOMEM; RP_EIO.
   *  floor:  0 (raised, or already as high); RP_EFSYNC/EIO.
   *  chunk put: 0 stored; RP_EDUPLICATE that (msg_id, index) from that sender is already
   *          stored; RP_EINVAL chunks of msg_id are stored with another sender, recipient
   *          or count; RP_ETOOBIG the message's chunk bytes would pass message_max;
   *          RP_EQUOTA; RP_ESPOOLFULL; RP_EFSYNC / RP_EIO.
   *  purge:  0 (entries filled in: one per msg_id that had anything of the sender's;
   *          seq 0 for chunks without an envelope); RP_ENOMEM; RP_EFSYNC/EIO.
   *  chunk get: 0 (entries filled in, at least one; more says the range goes on);
   *          RP_ENOTFOUND no such stored envelope for that recipient, or no chunk at
   *          `from`; RP_EEXPIRED the envelope has expired; RP_ENOMEM; RP_EIO.
   *  A delete's entries (refuse) and req->chunks/chunk_bytes say what chunks went. */
  int result;
  int64_t seq;              /* put: the new row's seq (arrival order) when result is 0 */
  rp__spool_entry *entries; /* fetch/expire: rows, owned by the request until cleanup */
  size_t nentries;
  int more; /* fetch/expire: more rows matched than were returned */
  /* delete (and refuse): attachment chunks deleted with the envelope, and their bytes;
   * expire: orphaned chunks (no envelope) deleted at their expiry. */
  uint64_t chunks;
  uint64_t chunk_bytes;
  /* Private to the spool. */
  struct {
    rp__spool *sp;
    rp__spool_cb cb;
    rp__spool_req *next;
    uint8_t msg_id[RP_MSG_ID_BYTES];
    char sender[RP_MEMBER_ID_MAX + 1];
    char recipient[RP_MEMBER_ID_MAX + 1];
    int64_t created_ms, expires_ms, after_seq, now_ms;
    int urgency;
    const uint8_t *bytes;
    size_t len, max_count, max_bytes;
    int check_only; /* put over a limit: only tell a duplicate from a full spool */
    rp__spool_notice_fn notice_fn; /* expire: NULL, or store a notice per row */
    void *notice_arg;
    int64_t notice_ttl_ms;
    int refused;
    uint64_t index, count, message_max; /* chunk put and get */
    struct rp__spool_freed *freed;      /* expire: orphaned chunks to take off the totals */
    size_t nfreed;
    size_t deleted_size;
    char deleted_sender[RP_MEMBER_ID_MAX + 1]; /* delete: the deleted row's sender */
    uint8_t *purge_ids; /* purge: malloc'd copy of the msg_ids, 16 bytes each */
    size_t npurge;
  } priv;
};

typedef struct {
  const char *path; /* the SQLite file; created (mode 0600) if missing; the chunk files
                     * go in the folder "chunks" beside it (created, mode 0700) */
  uint64_t recipient_bytes_max; /* envelope bytes spooled for one recipient */
  uint64_t sender_bytes_max;    /* ... of which from one sender (0: no share) */
  uint64_t total_bytes_max;     /* envelope bytes spooled in all */
  size_t envelope_max;          /* largest envelope a put accepts (else RP_ETOOBIG) */
  unsigned batch_max;           /* requests per transaction (group commit cap) */
  uint64_t batch_bytes_max;     /* envelope bytes per transaction (one always fits) */
  const char *vfs;              /* SQLite VFS name; NULL for the default */
  rp__spool_fail_cb fail_cb;    /* may be NULL; see rp__spool_failed() */
  void *data;                   /* initial value of rp__spool_get_data() */
} rp__spool_options;

typedef struct {
  uint64_t envelopes;                  /* rows in the spool now */
  uint64_t bytes;                      /* envelope bytes in the spool now */
  uint64_t reserved_bytes;             /* bytes of puts accepted but not yet committed */
  uint64_t stored;                     /* puts stored since open */
  uint64_t duplicates;                 /* puts answered RP_EDUPLICATE */
  uint64_t rejected_full;              /* puts answered RP_ESPOOLFULL */
  uint64_t rejected_quota;             /* puts answered RP_EQUOTA */
  uint64_t deleted;                    /* rows deleted after delivery (or refusal) */
  uint64_t refused;                    /* of those, rows the recipient refused */
  uint64_t expired;                    /* rows deleted by expiry */
  uint64_t fetches;                    /* fetch requests completed */
  uint64_t transactions;               /* write transactions committed */
  uint64_t batched;                    /* write requests in those transactions */
  uint64_t batch_largest;              /* requests in the largest transaction */
  uint64_t batch_hist[RP__SPOOL_HIST]; /* bucket i: transactions of [2^i, 2^(i+1)) */
  uint64_t chunks;                     /* attachment chunks in the spool now */
  uint64_t chunk_bytes;                /* their bytes (also counted in `bytes`) */
  uint64_t chunks_stored;              /* chunk puts stored since open */
  uint64_t chunks_duplicates;          /* chunk puts answered RP_EDUPLICATE */
  uint64_t chunks_deleted;             /* chunks deleted with their envelope */
  uint64_t chunks_expired;             /* chunks deleted at their own expiry (orphans) */
  uint64_t chunk_gets;                 /* chunk get requests completed */
  uint64_t purged;                     /* rows deleted by their sender's purge */
  uint64_t checkpoints;                /* WAL checkpoints with truncation completed */
  uint64_t checkpoints_busy;           /* ... that met a reader and were tried again */
  int failed; /* 0, or the error that put the spool in the failed state */
} rp__spool_stats;

/* Open (or create) the spool at opts->path, check its schema (upgrading an older one),
 * load the running totals, create or open the chunks folder and sweep its orphans.
 * Blocks the calling thread on disk I/O: call it at start-up, before serving. On success
 * *out is a spool owned by the caller until rp__spool_close() completes. On failure
 * returns RP_EINVAL (bad options), RP_EIO (SQLite could not open or read the file, or
 * the chunks folder failed), RP_EVERSION (schema newer than this relay) or RP_ENOMEM, and
 * writes a reason into err (if errlen > 0). Loop thread. */
int rp__spool_open(uv_loop_t *loop, const rp__spool_options *opts, rp__spool **out,
                   char *err, size_t errlen);

/* Close: refuse new requests (RP_ECLOSED), let every queued and running request complete
 * normally, close both connections on the pool, then call cb (may be NULL) and free the
 * spool. Calling it twice is a bug (aborts). May be called from a spool callback. */
void rp__spool_close(rp__spool *sp, rp__spool_close_cb cb);

/* Store an envelope (see rp__spool_envelope for what is copied). Returns 0 and later
 * calls cb with req->result (see rp__spool_req), or returns at once without calling cb:
 * RP_EFSYNC (failed state), RP_ECLOSED (closing), RP_EINVAL (bad ids or zero length),
 * RP_ETOOBIG (len > envelope_max), RP_ENOMEM. Loop thread. */
int rp__spool_put(rp__spool *sp, rp__spool_req *req, const rp__spool_envelope *env,
                  rp__spool_cb cb);

/* For a put that rp__spool_put accepted (returned 0) and whose callback has not run yet:
 * 1 if it was within the limits when made (its bytes are reserved; it will be stored
 * unless it is a duplicate or the write fails), 0 if it was over a limit (it will
 * complete with RP_ESPOOLFULL, or RP_EDUPLICATE if already stored). Loop thread. */
int rp__spool_put_within_limits(const rp__spool_req *req);

/* Delete the envelope `msg_id` addressed to `recipient` (after the recipient acked it).
 * Goes through the writer and commits with the puts. Returns 0 or, without calling cb,
 * RP_EFSYNC / RP_ECLOSED / RP_EINVAL. Loop thread. */
int rp__spool_delete(rp__spool *sp, rp__spool_req *req, const char *recipient,
                     const uint8_t msg_id[RP_MSG_ID_BYTES], rp__spool_cb cb);

/* The recipient refused the envelope `msg_id` addressed to it (DELIVERED with
 * "refused" = code, a positive RP_E code): delete it and, in the same transaction, store
 * a notice for its sender built by notice->fn, like an expiry notice: the row the
 * builder is shown carries `code` in its refused field, and now_ms (unix ms, the time
 * of the refusal) is its time. The notice is exempt from the limits, addressed to the
 * row's sender and expires after notice->ttl_ms. So the sender learns of the refusal
 * even if the relay crashes right after: the envelope and its notice never both vanish,
 * and never both stay. On completion req->entries[0] (nentries 1) describes the deleted
 * row (sender, recipient, size, notice_size, notice_id). A row whose sender is the
 * notice sender (a notice itself) is deleted without a notice. Returns as
 * rp__spool_delete, and RP_EINVAL for a bad notice or code. Loop thread. */
int rp__spool_refuse(rp__spool *sp, rp__spool_req *req, const char *recipient,
                     const uint8_t msg_id[RP_MSG_ID_BYTES], int code, int64_t now_ms,
                     const rp__spool_notice *notice, rp__spool_cb cb);

/* Delete up to max_rows (1..RP__SPOOL_EXPIRE_MAX) envelopes with expires_ms <= now_ms,
 * oldest expiry first, in one transaction, and return their msg_id, sender, recipient and
 * size in req->entries (envelope NULL) so the relay can send expiry notices; req->more
 * says whether more had expired. Returns 0 or, without calling cb, RP_EFSYNC /
 * RP_ECLOSED / RP_EINVAL. Loop thread. */
int rp__spool_expire(rp__spool *sp, rp__spool_req *req, int64_t now_ms, size_t max_rows,
                     rp__spool_cb cb);

/* rp__spool_expire, and in the same transaction an expiry notice for each expired row
 * for which notice->fn returns 1 (see rp__spool_notice). So a crash can never lose the
 * notice of an envelope whose expiry committed. A notice is addressed to the expired
 * row's sender and is exempt from the spool limits: it is much smaller than the
 * envelope it replaces (and expires itself after notice->ttl_ms, without a notice), so
 * the totals cannot grow. entries[i].notice_size says what was stored. Returns as
 * rp__spool_expire, and RP_EINVAL for a bad notice. Loop thread. */
int rp__spool_expire_notify(rp__spool *sp, rp__spool_req *req, int64_t now_ms,
                            size_t max_rows, const rp__spool_notice *notice,
                            rp__spool_cb cb);

/* Read, in arrival order, up to max_count (1..RP__SPOOL_FETCH_MAX) envelopes for
 * `recipient` with seq > after_seq, stopping before the total envelope size would pass
 * max_bytes (at least one row is returned if any matches, so a large envelope cannot
 * stall delivery). Rows come in req->entries; free them with rp__spool_req_cleanup().
 * Works in the failed state. Returns 0 or, without calling cb, RP_ECLOSED / RP_EINVAL.
 * Loop thread. */
int rp__spool_fetch(rp__spool *sp, rp__spool_req *req, const char *recipient,
                    int64_t after_seq, size_t max_count, size_t max_bytes, rp__spool_cb cb);

/* The sender asks to drop envelopes of its own that are not delivered yet
 * (docs/PROTOCOL.md 5.7): for each of the n msg_ids (ids[16 * i], 1..RP__PURGE_IDS_MAX;
 * copied), delete the envelope with that msg_id whose sender is `sender`, with its
 * chunks, or, without an envelope, the chunks `sender` uploaded under that msg_id; an id
 * of another sender's envelope or chunks, or of nothing, is passed over. One
 * transaction through the writer, in the group commit; the bytes leave the disk like a
 * delivered envelope's ("Deletion on disk"). No notice is stored: the sender asked. On
 * completion req->entries has one entry per msg_id that had anything (sender, recipient,
 * size and seq of the envelope, 0 for chunks alone, chunks and chunk_bytes). Returns 0,
 * or without calling cb RP_EFSYNC / RP_ECLOSED / RP_EINVAL / RP_ENOMEM. Loop thread. */
int rp__spool_purge(rp__spool *sp, rp__spool_req *req, const char *sender,
                    const uint8_t *ids, size_t n, rp__spool_cb cb);

/* Store an attachment chunk (rp__spool_chunk) through the writer, in the group commit
 * with the envelopes, checked against the limits like a put: the callback runs after the
 * commit, with req->result as listed at rp__spool_req. Returns 0, or without calling cb
 * RP_EFSYNC, RP_ECLOSED, RP_EINVAL (bad ids, index >= count, zero length), RP_ETOOBIG
 * (len > RP__CHUNK_SEALED_MAX or message_max, count > RP__CHUNK_COUNT_MAX), RP_ENOMEM.
 * Loop thread. */
int rp__spool_put_chunk(rp__spool *sp, rp__spool_req *req, const rp__spool_chunk *ch,
                        rp__spool_cb cb);

/* Read chunks from..from+count-1 (count 1..RP__CHUNK_GET_MAX) of the stored envelope
 * msg_id addressed to `recipient`, in index order, on the reader: at least one chunk if
 * any, then more while their bytes stay within max_bytes; req->more says chunks of the
 * range remain. Each entry: seq = index, envelope = the sealed chunk (malloc'd, as for
 * fetch), size. now_ms decides RP_EEXPIRED. Works in the failed state. Returns 0 and
 * later calls cb, or RP_ECLOSED / RP_EINVAL without calling it. Loop thread. */
int rp__spool_chunk_get(rp__spool *sp, rp__spool_req *req, const char *recipient,
                        const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t from,
                        uint64_t count, size_t max_bytes, int64_t now_ms, rp__spool_cb cb);

/* Free what a completed request holds (entries and their envelopes) and clear those
 * fields. Safe on a request that holds nothing; never on one still running. */
void rp__spool_req_cleanup(rp__spool_req *req);

/* 0, or the error (RP_EFSYNC / RP_EIO) that put the spool in the failed state. */
int rp__spool_failed(const rp__spool *sp);

/* Why the spool failed ("" if it has not). Valid as long as the spool. */
const char *rp__spool_fail_reason(const rp__spool *sp);

/* Counters as of now (committed state, plus reservations). Cheap: no I/O. */
void rp__spool_get_stats(const rp__spool *sp, rp__spool_stats *out);

/* Envelopes and bytes spooled for one recipient (0 and 0 if none). Cheap: no I/O. */
void rp__spool_recipient_usage(const rp__spool *sp, const char *recipient,
                               uint64_t *envelopes, uint64_t *bytes);

/* Call fn for each recipient with envelopes spooled (in no particular order) until fn
 * returns nonzero; returns that value, or 0. fn must not call into the spool. */
int rp__spool_foreach_recipient(const rp__spool *sp,
                                int (*fn)(void *arg, const char *recipient,
                                          uint64_t envelopes, uint64_t bytes),
                                void *arg);

/* The roster floor: the highest roster version the relay has accepted, kept in the
 * spool's database so that a restart with an older roster file (which could un-revoke
 * a member) is refused. 0 for a new spool. Read at open; raised by the two calls below.
 * Cheap: no I/O. Loop thread. */
uint64_t rp__spool_roster_floor(const rp__spool *sp);

/* Raise the roster floor to `version` now (never lowers it), in a transaction of its
 * own on the calling thread. For start-up only, before any request is made: it blocks
 * on the disk like rp__spool_open. Returns 0, or RP_EFSYNC / RP_EIO with err. */
int rp__spool_roster_floor_set(rp__spool *sp, uint64_t version, char *err, size_t errlen);

/* Raise the roster floor to `version` (never lowers it) through the writer, committed
 * with the other writes (a roster installed on reload). Returns 0 and later calls cb, or
 * without calling it RP_EFSYNC / RP_ECLOSED / RP_EINVAL (version 0). Loop thread. */
int rp__spool_roster_floor_raise(rp__spool *sp, rp__spool_req *req, uint64_t version,
                                 rp__spool_cb cb);

/* The caller's pointer for this spool (opts->data at open). */
void *rp__spool_get_data(const rp__spool *sp);
void rp__spool_set_data(rp__spool *sp, void *data);

#endif /* RP_SERVER_SPOOL_H */
