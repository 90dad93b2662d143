/* SPDX-License-Identifier: MIT */
/*
 * Internals of the spool shared by spool.c (loop thread), spool_sql.c (SQLite, run on the
 * pool) and spool_map.c (running totals per recipient). Not for other modules.
 */
#ifndef RP_SERVER_SPOOL_INT_H
#define RP_SERVER_SPOOL_INT_H

#include <sqlite3.h>

#include "spool.h"
#include "sql_util.h"

/* A put over a limit (priv.check_only) only tells a duplicate from a refusal: */
#define CHECK_FULL 1  /* the recipient's or the whole spool's quota: RP_ESPOOLFULL */
#define CHECK_QUOTA 2 /* the sender's share of the recipient's quota: RP_EQUOTA */

/* A key of the pair map: recipient id, '\n' (never in an id), sender id. */
#define RP__SPOOL_KEY_MAX (2u * RP_MEMBER_ID_MAX + 2u)

/* Running totals of one recipient, or of one (recipient, sender) pair. Loop thread
 * only. */
typedef struct rp__spool_rcpt {
  struct rp__spool_rcpt *next; /* hash chain */
  uint64_t envelopes;          /* committed rows */
  uint64_t bytes;              /* committed bytes */
  uint64_t reserved;           /* bytes of puts in flight */
  char id[RP__SPOOL_KEY_MAX];  /* the recipient's id, or the pair's key */
} rp__spool_rcpt;

typedef struct {
  rp__spool_rcpt **buckets;
  size_t nbuckets; /* a power of two */
  size_t count;
} rp__spool_map;

/* A chunk file the writer's batch holds open (spool_file.c). */
struct rp__spool_open {
  int fd;
  uint8_t msg_id[RP_MSG_ID_BYTES];
};
/* Open chunk files per batch at most: a batch of 1,024 chunks of as many messages must
 * not take 1,024 fds from the connections. */
#define RP__SPOOL_FILES_OPEN 16u
/* What the chunk-file functions return for a failure they have described in ln->err and
 * ln->why (never an SQLite code: those are >= 0). */
#define RP__SPOOL_FILE_ERR (-1)

/* A queue of requests with one SQLite connection and at most one pool job at a time.
 * The loop thread owns every field while busy is 0; while busy is 1 the worker owns
 * `batch`, the statements and `err`/`why`, and the loop thread touches only the queue. */
typedef struct rp__spool_lane {
  rp__spool *sp;
  sqlite3 *db;
  uv_work_t work;
  void (*run)(struct rp__spool_lane *ln); /* the worker body, on the pool */
  void (*done)(struct rp__spool_lane *ln, rp__spool_req *batch); /* loop thread */
  rp__spool_req *qhead, *qtail;
  rp__spool_req *batch;
  size_t batch_n;
  int busy;
  int err;                     /* batch outcome set by the worker: 0, RP_EFSYNC, RP_EIO */
  char why[RP__SPOOL_WHY_MAX]; /* set with err */
  /* Prepared statements, indexed by the ST_ names below (writer and reader each). */
  sqlite3_stmt *st[16];
  /* The writer's chunk files in the running batch: open ones (synced before COMMIT),
   * whether one was created (the folder is synced too), and the messages whose chunk
   * rows the batch deleted (unlinked after COMMIT). */
  struct rp__spool_open open[RP__SPOOL_FILES_OPEN];
  size_t nopen;
  int created;
  uint8_t (*gone)[RP_MSG_ID_BYTES];
  size_t ngone, gone_cap;
} rp__spool_lane;

enum {
  ST_INSERT,
  ST_EXISTS,
  ST_FIND,
  ST_DELETE,
  ST_EXPIRED,
  ST_FLOOR,
  /* Attachment chunks (spool_chunk_sql.c). */
  ST_CHUNK_HAS,     /* the sender of chunk (msg_id, idx), if stored */
  ST_CHUNK_MSG,     /* msg_id's chunk_msg row: sender, recipient, count, n, bytes */
  ST_CHUNK_INSERT,  /* one chunk row */
  ST_CHUNK_MSG_ADD, /* create or extend msg_id's chunk_msg row */
  ST_CHUNK_DEL,     /* every chunk row of msg_id */
  ST_CHUNK_MSG_DEL, /* msg_id's chunk_msg row */
  ST_CHUNK_EXPIRES, /* msg_id's chunks now expire with its envelope */
  ST_CHUNK_ORPHANS, /* chunk_msg rows due, without an envelope */
  ST_FIND_SENT,     /* the envelope msg_id if it is from sender ?2 (a purge) */
  ST_WRITER_N
};
enum { ST_FETCH, ST_CG_MSG, ST_CG_DATA, ST_READER_N };

/* Orphaned chunks an expiry deleted, per message: taken off the totals on the loop. */
struct rp__spool_freed {
  char sender[RP_MEMBER_ID_MAX + 1];
  char recipient[RP_MEMBER_ID_MAX + 1];
  uint64_t chunks, bytes;
};

struct rp__spool {
  uv_loop_t *loop;
  void *data;
  uint64_t recipient_bytes_max, total_bytes_max, batch_bytes_max;
  uint64_t sender_bytes_max; /* one sender's share of one recipient's bytes */
  size_t envelope_max;
  unsigned batch_max;
  rp__spool_fail_cb fail_cb;
  rp__spool_lane writer, reader;
  rp__spool_map map;     /* per recipient */
  rp__spool_map pairs;   /* per (recipient, sender): the senders' shares */
  rp__spool_stats stats; /* envelopes/bytes/reserved_bytes are the running totals */
  uint64_t roster_floor; /* see rp__spool_roster_floor */
  char fail_why[RP__SPOOL_WHY_MAX];
  /* The WAL checkpoint after deletes (spool.h, "Deletion on disk"). */
  uv_timer_t ckpt_timer;
  rp__spool_req ckpt_req;
  int ckpt_dirty;  /* rows were deleted since the last checkpoint was queued */
  int ckpt_queued; /* ckpt_req is in the writer's queue or running */
  int timer_open;  /* ckpt_timer is initialised and not yet closed */
  int closing;
  int close_started;
  int close_done; /* the connections are closed; freeing waits for the timer too */
  rp__spool_close_cb close_cb;
  uv_work_t close_work;
  /* The chunk files' folder (spool_file.c): open for the spool's life (one fd), -1 if
   * not. */
  int chunk_dir;
  char chunk_path[4096];
};

/* ---- spool.c and spool_req.c (loop thread) ---- */
/* Reset req for a request of `type` completing with cb (req->data is kept). */
void rp__spool_req_start(rp__spool *sp, rp__spool_req *req, rp__spool_req_type type,
                         rp__spool_cb cb);
/* 1 if id is a member id of 1..RP_MEMBER_ID_MAX bytes. */
int rp__spool_id_ok(const char *id);
/* 0, or RP_EFSYNC (failed) / RP_ECLOSED (closing): may a writer request start? */
int rp__spool_writer_gate(const rp__spool *sp);
/* Check a put of len bytes from sender to recipient against the limits and, within
 * them, reserve the bytes; *over is 0, CHECK_FULL or CHECK_QUOTA. RP_ENOMEM. */
int rp__spool_reserve(rp__spool *sp, const char *recipient, const char *sender,
                      uint64_t len, int *over);
/* Append req to the lane's queue and start the lane if it is idle. */
void rp__spool_enqueue(rp__spool_lane *ln, rp__spool_req *req);
/* Start the lane's next batch if it is idle and has work (or finish a close). */
void rp__spool_lane_kick(rp__spool_lane *ln);

/* ---- spool_map.c (loop thread) ---- */
int rp__spool_map_init(rp__spool_map *m);
void rp__spool_map_free(rp__spool_map *m);
rp__spool_rcpt *rp__spool_map_find(const rp__spool_map *m, const char *id);
/* Find or add (zeroed) the entry for id; NULL only when out of memory. */
rp__spool_rcpt *rp__spool_map_get(rp__spool_map *m, const char *id);
/* Drop the entry for id if it holds nothing any more. */
void rp__spool_map_trim(rp__spool_map *m, const char *id);
/* The pair map's key for (recipient, sender) into out. */
void rp__spool_pair_key(char out[RP__SPOOL_KEY_MAX], const char *recipient,
                        const char *sender);

/* ---- spool_sql.c ---- */
/* Open one connection with the spool's settings; the writer also creates the schema,
 * upgrading an older one (a version 3 spool's chunk bytes go into the files of folder
 * fd chunk_dir). */
int rp__spool_sql_open(const char *path, const char *vfs, int writer, int chunk_dir,
                       sqlite3 **out, char *err, size_t errlen);
/* Prepare the lane's statements. 0 or RP_EIO with err. Any thread that owns the lane. */
int rp__spool_sql_prepare(rp__spool_lane *ln, int writer, char *err, size_t errlen);
/* Read the totals per recipient into the spool's map and stats, and the roster floor
 * (at open). */
int rp__spool_sql_load(rp__spool *sp, char *err, size_t errlen);
/* Raise the stored roster floor in the running transaction (writer). An SQLite code. */
int rp__spool_sql_floor(rp__spool_lane *ln, uint64_t version);
/* Write "<what>: <SQLite message> (SQLite code N)" into err. */
void rp__spool_sql_set_err(char *err, size_t errlen, const char *what, sqlite3 *db, int rc);
/* The WAL checkpoint with truncation (the writer's connection). An SQLite code. */
int rp__spool_sql_checkpoint(sqlite3 *db);
/* ---- spool_chunk_sql.c (pool thread, inside the writer's transaction or the reader) ----
 * Each returns an SQLite code; the request's own outcome goes into req->result. */
int rp__spool_sql_put_chunk(rp__spool_lane *ln, rp__spool_req *req);
/* Before an envelope with chunks = N is inserted: RP_ETRUNC into req->result unless all
 * N are stored from its sender to its recipient with count N. */
int rp__spool_sql_chunks_complete(rp__spool_lane *ln, rp__spool_req *req, int *complete);
/* The envelope msg_id is stored: its chunks expire with it from now on. */
int rp__spool_sql_chunks_expire_with(rp__spool_lane *ln, const uint8_t *msg_id,
                                     int64_t expires_ms);
/* Delete msg_id's chunks if they are from sender to recipient; *n and *bytes say what
 * went (0 if none). */
int rp__spool_sql_delete_chunks(rp__spool_lane *ln, const uint8_t *msg_id,
                                const char *sender, const char *recipient, uint64_t *n,
                                uint64_t *bytes);
/* A purge: delete msg_id's chunks if `sender` uploaded them, whoever they are for;
 * recipient (RP_MEMBER_ID_MAX + 1 bytes) gets theirs, *n and *bytes say what went (0 if
 * none). */
int rp__spool_sql_purge_chunks(rp__spool_lane *ln, const uint8_t *msg_id,
                               const char *sender, char *recipient, uint64_t *n,
                               uint64_t *bytes);
/* Delete up to max orphaned messages' chunks due at now_ms into req->priv.freed. */
int rp__spool_sql_expire_orphans(rp__spool_lane *ln, rp__spool_req *req, size_t max);
/* A chunk get on the reader (sets req->result; never fails the lane). */
void rp__spool_sql_chunk_get(rp__spool_lane *ln, rp__spool_req *req);

/* ---- spool_file.c: the chunk files ----
 * Functions taking a lane run on the writer's (write, sync, gone, unlink, abort) or the
 * reader's (read) pool job; the others in rp__spool_open. */
/* Create (0700) or open the folder "chunks" beside db_path into sp->chunk_dir. 0, or
 * RP_EIO / RP_EINVAL with err. */
int rp__spool_files_open(rp__spool *sp, const char *db_path, char *err, size_t errlen);
void rp__spool_files_close(rp__spool *sp);
/* Unlink every entry of the folder that is not the name of a message with a chunk_msg
 * row in db. 0 or RP_EIO with err. */
int rp__spool_files_sweep(rp__spool *sp, sqlite3 *db, char *err, size_t errlen);
/* Upgrade of a version 3 spool: write the bytes of every row of its chunk table (with a
 * bytes column) into the files of folder fd `dir`, synced. 0 or RP_EIO with err. */
int rp__spool_files_export(int dir, sqlite3 *db, char *err, size_t errlen);
/* Write a chunk's bytes into its message's file (kept open for the batch). 0, or
 * RP__SPOOL_FILE_ERR (ln->err, ln->why set). */
int rp__spool_file_write(rp__spool_lane *ln, const uint8_t *msg_id, uint64_t index,
                         const uint8_t *bytes, size_t len);
/* Before COMMIT: fdatasync and close the batch's files, fsync the folder if a file was
 * created. 0 or RP__SPOOL_FILE_ERR. */
int rp__spool_files_sync(rp__spool_lane *ln);
/* The batch deleted msg_id's chunk rows: unlink its file after COMMIT. SQLITE_OK or
 * SQLITE_NOMEM. */
int rp__spool_file_gone(rp__spool_lane *ln, const uint8_t *msg_id);
/* After COMMIT: unlink the files of rp__spool_file_gone. 0 or RP__SPOOL_FILE_ERR. */
int rp__spool_files_unlink(rp__spool_lane *ln);
/* The batch rolled back: close its files, forget what it would have unlinked. */
void rp__spool_files_abort(rp__spool_lane *ln);
/* Read chunk `index` (len bytes) of msg_id, opening its file into *fd (-1: not yet; the
 * caller closes it). 0; RP_ENOTFOUND no file; RP_EIO a read error or short read. */
int rp__spool_file_read(rp__spool *sp, int *fd, const uint8_t *msg_id, uint64_t index,
                        uint8_t *out, size_t len);

/* Worker bodies: run the lane's batch (pool thread). spool_work.c. */
void rp__spool_sql_write(rp__spool_lane *ln);
void rp__spool_sql_read(rp__spool_lane *ln);
/* Finalize the statements and close the connection (any thread that owns the lane). */
void rp__spool_sql_close(rp__spool_lane *ln);

#endif /* RP_SERVER_SPOOL_INT_H */
