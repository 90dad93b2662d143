/* SPDX-License-Identifier: MIT */
/*
 * The load generator's driver-independent core: one libuv loop on one thread, the
 * send schedule (closed loop at full speed, or open loop at a fixed rate), latency
 * histograms, /proc sampling of the process under test, and the result printer.
 *
 * A driver (lg_mqtt.c, lg_relay.c) speaks one protocol. The core tells it when to
 * send; the driver reports acks and deliveries back through the lg_* callbacks below.
 * Every message carries a 16-byte stamp (message id and scheduled send time) so that
 * the receiving side can compute the delivery latency without any shared table.
 */
#ifndef LG_LOADGEN_H
#define LG_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define LG_MSG_BYTES 1024u /* the message (MQTT payload, envelope ciphertext) */
#define LG_STAMP_BYTES 16u /* id (8 bytes) then scheduled send time (8 bytes, ns) */
#define LG_SENDERS_MAX 64u
#define LG_WINDOW_MAX 4096u
#define LG_COUNT_MAX 5000000u /* messages in one run: bounds the per-message tables */
#define LG_RATE_MAX 1000000.0 /* messages per second */
#define LG_IDLE_MAX 50000u    /* idle connections in one run */
#define LG_TIMEOUT_MAX 600.0  /* seconds */

/*
 * Log-linear latency histogram in microseconds, as HDR Histogram does it: values below
 * 128 have their own bucket; above, every power of two is split into 64 buckets, so a
 * bucket is never wider than 1/64 (1.6 %) of its value. Fixed memory, no allocation,
 * values up to 2^32 us (71 minutes); larger ones land in the last bucket.
 */
#define LG_HIST_SUB 64u
#define LG_HIST_BUCKETS (LG_HIST_SUB * 27u) /* enough for 2^32 */
typedef struct lg_hist {
  uint64_t n, min, max;
  uint64_t c[LG_HIST_BUCKETS];
} lg_hist;

void lg_hist_record(lg_hist *h, uint64_t us);
/* The value below which a fraction p (0..1) of the samples lie: the upper edge of
 * the bucket that holds it, capped at the largest sample. 0 when empty. */
uint64_t lg_hist_pct(const lg_hist *h, double p);

/* A sample of another process from /proc. */
typedef struct lg_proc {
  uint64_t ticks;  /* utime + stime, in clock ticks */
  uint64_t hwm_kb; /* VmHWM: peak resident set */
  uint64_t rss_kb; /* VmRSS: resident set now */
} lg_proc;

/* Reads /proc/<pid>/stat and /proc/<pid>/status. Returns 0 or -1. */
int lg_proc_sample(int pid, lg_proc *out);

/* Resets the peak RSS (VmHWM) of `pid` to its current RSS (writes 5 to
 * /proc/<pid>/clear_refs), so that a run reports its own peak. Returns 0 or -1. */
int lg_proc_reset_hwm(int pid);

/* What to run. Zero means "not set" for every field but `port`. */
typedef struct lg_opts {
  const char *host; /* a loopback address: 127.0.0.1 or ::1 */
  int port;
  unsigned senders;  /* concurrent senders */
  unsigned window;   /* closed loop: messages in flight per sender */
  uint64_t count;    /* messages to send */
  double rate;       /* messages per second; 0 = closed loop at full speed */
  unsigned idle;     /* > 0: the idle-connection test with this many connections */
  double timeout_s;  /* the whole run, connecting included */
  double skip_s;     /* latencies of messages scheduled in the first skip_s seconds are
                      * not recorded (something else starts meanwhile) */
  int pid;           /* process under test; 0 = do not sample */
  const char *dir;   /* relay driver: the directory that `setup` wrote */
  const char *label; /* the target's name in the output */
} lg_opts;

typedef struct lg_run lg_run;

/*
 * A protocol driver. Every function runs on the loop thread. A driver reports failure
 * through lg_fail, after which the core calls stop and nothing else.
 */
typedef struct lg_driver {
  const char *name;
  /* Prepares the driver and starts connecting o->senders senders and one receiver
   * (none in the idle test). Calls lg_ready once all of them can carry messages.
   * *state gets the driver's context. Returns 0 or -1 (after printing why). */
  int (*start)(lg_run *run, const lg_opts *o, void **state);
  /* Queues message `id` on sender `sender`; `sched_ns` (uv_hrtime clock) goes into the
   * stamp. Bytes may be held until flush. Returns 0 or -1. */
  int (*send)(void *state, unsigned sender, uint64_t id, uint64_t sched_ns);
  /* Writes out everything queued. Called once per loop iteration. */
  void (*flush)(void *state);
  /* Opens k idle authenticated connections; calls lg_idle_opened when all are up. */
  int (*open_idle)(void *state, unsigned k);
  /* First call: writes out what is queued, then shuts each connection down and closes
   * it. Second call (the core's linger deadline): closes every handle still open. */
  void (*stop)(void *state);
  /* Frees the context after the loop has ended. */
  void (*destroy)(void *state);
} lg_driver;

/* For drivers. */
uv_loop_t *lg_loop(lg_run *run);
void lg_ready(lg_run *run);
void lg_acked(lg_run *run, unsigned sender, uint64_t id);
void lg_nacked(lg_run *run, unsigned sender, uint64_t id, int code);
void lg_delivered(lg_run *run, const uint8_t stamp[LG_STAMP_BYTES]);
void lg_idle_opened(lg_run *run);
void lg_fail(lg_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool lg_failed(const lg_run *run);

/* The stamp: id and time, big-endian. */
void lg_stamp_put(uint8_t out[LG_STAMP_BYTES], uint64_t id, uint64_t sched_ns);

/* Resolves o->host and o->port into *ss, refusing anything but loopback. 0 or -1. */
int lg_addr(const lg_opts *o, struct sockaddr_storage *ss);

/* Runs one workload with driver d and prints the results. Returns the exit code. */
int lg_run_main(const lg_driver *d, const lg_opts *o);

/* An output buffer that collects small writes so that a loop iteration issues one
 * uv_write per connection. The hard maximum bounds what a stalled peer can make us
 * hold. */
typedef struct lg_out {
  uint8_t *buf;
  size_t len, cap;
} lg_out;
#define LG_OUT_MAX (64u * 1024u * 1024u)

/* Reserves n bytes at the end and returns a pointer to them, or NULL (too big, or
 * out of memory). */
uint8_t *lg_out_reserve(lg_out *o, size_t n);
/* Hands the buffer to uv_write on `s`. Returns 0 or a libuv error. */
int lg_out_flush(lg_out *o, uv_stream_t *s);
void lg_out_free(lg_out *o);

/* Closes a connection's socket, once: gracefully (what `out` holds goes out, then FIN,
 * then close) when `graceful`, else at once. Both drivers close their connections so. */
void lg_close_tcp(uv_tcp_t *tcp, uv_shutdown_t *sreq, lg_out *out, bool graceful);

/* Big-endian helpers. */
void lg_be16(uint8_t *p, uint16_t v);
void lg_be64(uint8_t *p, uint64_t v);
uint16_t lg_get16(const uint8_t *p);
uint64_t lg_get64(const uint8_t *p);

/* `rejsepost-loadgen fsync`: times fdatasync on a directory's filesystem (lg_fsync.c). */
int lg_fsync_main(int argc, char **argv);

/* `rejsepost-loadgen flood`: idle sockets to a port, reopened as they close
 * (lg_flood.c). */
int lg_flood_main(int argc, char **argv);

extern const lg_driver lg_mqtt_driver;
extern const lg_driver lg_relay_driver;

#endif /* LG_LOADGEN_H */
