/* SPDX-License-Identifier: MIT */
/*
 * Counters an operator can read while the relay runs, rendered as text lines
 * "name value" (the relay writes them to the log on SIGUSR1 and/or to a stats file).
 *
 * Threads: the counters are plain integers updated and read on the loop thread only
 * (connections, handshakes and spool completions all happen there), so no atomics or
 * locks are needed. Do not touch them from a pool job.
 */
#ifndef RP_SERVER_STATS_H
#define RP_SERVER_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "rejsepost_errors.h"
#include "spool.h"

/* One slot per error code: slot -code for codes RP_EINVAL..RP_ERRNO_LAST_+1, slot 0 for
 * anything else. */
#define RP__STATS_REASONS ((size_t)(-RP_ERRNO_LAST_))

typedef struct {
  uint64_t conns_current;               /* connections open now */
  uint64_t conns_total;                 /* connections accepted since start */
  uint64_t conns_pending;               /* no active member's key named yet (a gauge) */
  uint64_t conns_proving;               /* a key named, not proved yet (a gauge) */
  uint64_t conns_active;                /* the key proved: members' connections (a gauge) */
  uint64_t conns_evicted;               /* pending ones closed to make room */
  uint64_t handshakes_failed;           /* Noise handshakes that failed or timed out */
  uint64_t envelopes_spooled;           /* sends stored and acked */
  uint64_t envelopes_duplicate;         /* sends acked again as duplicates */
  uint64_t envelopes_delivered;         /* envelopes acked by their recipient and deleted */
  uint64_t envelopes_refused;           /* envelopes their recipient refused (deleted) */
  uint64_t envelopes_expired;           /* envelopes deleted by expiry */
  uint64_t chunks_stored;               /* attachment chunks stored and acked */
  uint64_t chunks_duplicate;            /* chunks acked again as already stored */
  uint64_t chunks_sent;                 /* chunk_data with a chunk sent to recipients */
  uint64_t envelopes_purged;            /* envelopes their sender purged (deleted) */
  uint64_t write_queue_bytes;           /* bytes queued for writing, all connections */
  uint64_t write_queue_peak;            /* the most write_queue_bytes has been */
  uint64_t rejected[RP__STATS_REASONS]; /* requests refused, by error code */
} rp__stats;

/* Set every counter to zero. */
void rp__stats_init(rp__stats *st);

/* Count one request refused with error `code` (a negative RP_E value). Loop thread. */
void rp__stats_reject(rp__stats *st, int code);

/* The rejection count for `code`. Loop thread. */
uint64_t rp__stats_rejected(const rp__stats *st, int code);

/* Render the counters as lines "name value\n" into buf: first the relay's counters, then
 * "rejected.<code>" for each reason the relay uses (always, even when 0, so graphs have
 * no gaps) and any other code with a nonzero count, then, if sp is not NULL, the spool's
 * counters and "spool.recipient_bytes.<id>" per recipient with envelopes spooled (bytes
 * of an id other than [A-Za-z0-9._-] are written as %XX so that a line stays one name and
 * one value). On success *outlen (if not NULL) gets the length without the NUL and 0 is
 * returned; RP_ETOOBIG if buflen is too small (buf then holds a cut, NUL-terminated
 * text). Loop thread. */
int rp__stats_render(const rp__stats *st, const rp__spool *sp, char *buf, size_t buflen,
                     size_t *outlen);

/* Render the counters (rp__stats_render) and write each line to the log as
 * "stats <name>=<value>", with stats_truncated (warn) first if they did not all fit. 0, or
 * RP_ENOMEM (logged as stats_failed, nothing else written). Loop thread. */
int rp__stats_log(const rp__stats *st, const rp__spool *sp);

#endif /* RP_SERVER_STATS_H */
