/* SPDX-License-Identifier: MIT */
/* Operator counters and their text form; see stats.h. */
#include "stats.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

/* A dump to the log: enough for every counter and a few thousand recipients. */
#define STATS_LOG_BUF (1024u * 1024u)

/* The refusals the relay can answer with; always rendered so a dashboard sees zeros. */
static const int relay_reasons[] = {
    RP_EMALFORMED,   RP_ETOOBIG,  RP_EVERSION, RP_EUNKNOWNMEMBER, RP_EREVOKED,
    RP_EWRONGSENDER, RP_EEXPIRED, RP_ESTATE,   RP_ESPOOLFULL,     RP_ETIMEDOUT,
    RP_EBUSY,        RP_EFSYNC,   RP_EKIND,    RP_ESIZE,          RP_EROUTE,
    RP_EQUOTA,       RP_ETRUNC,   RP_EINVAL,
};

static void put(rp__buf *o, const char *fmt, ...) RP__PRINTF(2, 3);

/* A line into the dump; after the first line that does not fit, none: the dump is then
 * a clean prefix. */
static void put(rp__buf *o, const char *fmt, ...) {
  va_list ap;
  if (o->overflow) return;
  va_start(ap, fmt);
  rp__buf_vprintf(o, fmt, ap);
  va_end(ap);
}

static size_t slot(int code) {
  if (code < 0 && (size_t)-code < RP__STATS_REASONS) return (size_t)-code;
  return 0;
}

void rp__stats_init(rp__stats *st) {
  memset(st, 0, sizeof *st);
}

void rp__stats_reject(rp__stats *st, int code) {
  st->rejected[slot(code)]++;
}

uint64_t rp__stats_rejected(const rp__stats *st, int code) {
  return st->rejected[slot(code)];
}

static int is_relay_reason(size_t s) {
  for (size_t i = 0; i < sizeof relay_reasons / sizeof *relay_reasons; i++)
    if (slot(relay_reasons[i]) == s) return 1;
  return 0;
}

/* "ESPOOLFULL" -> "espoolfull"; slot 0 is "other". */
static void reason_name(size_t s, char *out, size_t len) {
  const char *name = s == 0 ? "other" : rp_err_name(-(int)s);
  size_t i = 0;
  for (; name[i] != '\0' && i + 1 < len; i++)
    out[i] = (char)tolower((unsigned char)name[i]);
  out[i] = '\0';
}

static int put_recipient(void *arg, const char *id, uint64_t envelopes, uint64_t bytes) {
  static const char hex[] = "0123456789ABCDEF";
  char name[3 * RP_MEMBER_ID_MAX + 1];
  size_t n = 0;
  (void)envelopes;
  for (const char *p = id; *p != '\0' && n + 4 <= sizeof name; p++) {
    unsigned char c = (unsigned char)*p;
    if (isalnum(c) || c == '.' || c == '_' || c == '-') {
      name[n++] = (char)c;
    } else {
      name[n++] = '%';
      name[n++] = hex[c >> 4];
      name[n++] = hex[c & 15];
    }
  }
  name[n] = '\0';
  put(arg, "spool.recipient_bytes.%s %" PRIu64 "\n", name, bytes);
  return 0;
}

int rp__stats_render(const rp__stats *st, const rp__spool *sp, char *buf, size_t buflen,
                     size_t *outlen) {
  rp__buf o;
  char name[32];

  if (buflen == 0) return RP_ETOOBIG;
  buf[0] = '\0';
  rp__buf_init_mem(&o, buf, buflen);
  put(&o, "connections.current %" PRIu64 "\n", st->conns_current);
  put(&o, "connections.total %" PRIu64 "\n", st->conns_total);
  put(&o, "connections.pending %" PRIu64 "\n", st->conns_pending);
  put(&o, "connections.proving %" PRIu64 "\n", st->conns_proving);
  put(&o, "connections.active %" PRIu64 "\n", st->conns_active);
  put(&o, "connections.evicted %" PRIu64 "\n", st->conns_evicted);
  put(&o, "handshakes.failed %" PRIu64 "\n", st->handshakes_failed);
  put(&o, "envelopes.spooled %" PRIu64 "\n", st->envelopes_spooled);
  put(&o, "envelopes.duplicate %" PRIu64 "\n", st->envelopes_duplicate);
  put(&o, "envelopes.delivered %" PRIu64 "\n", st->envelopes_delivered);
  put(&o, "envelopes.refused %" PRIu64 "\n", st->envelopes_refused);
  put(&o, "envelopes.expired %" PRIu64 "\n", st->envelopes_expired);
  put(&o, "envelopes.purged %" PRIu64 "\n", st->envelopes_purged);
  put(&o, "chunks.stored %" PRIu64 "\n", st->chunks_stored);
  put(&o, "chunks.duplicate %" PRIu64 "\n", st->chunks_duplicate);
  put(&o, "chunks.sent %" PRIu64 "\n", st->chunks_sent);
  put(&o, "write_queue.bytes %" PRIu64 "\n", st->write_queue_bytes);
  put(&o, "write_queue.peak %" PRIu64 "\n", st->write_queue_peak);
  for (size_t s = 0; s < RP__STATS_REASONS; s++) {
    if (st->rejected[s] == 0 && !is_relay_reason(s)) continue;
    reason_name(s, name, sizeof name);
    put(&o, "rejected.%s %" PRIu64 "\n", name, st->rejected[s]);
  }
  if (sp != NULL) {
    rp__spool_stats ss;
    rp__spool_get_stats(sp, &ss);
    put(&o, "spool.envelopes %" PRIu64 "\n", ss.envelopes);
    put(&o, "spool.bytes %" PRIu64 "\n", ss.bytes);
    put(&o, "spool.reserved_bytes %" PRIu64 "\n", ss.reserved_bytes);
    put(&o, "spool.stored %" PRIu64 "\n", ss.stored);
    put(&o, "spool.duplicates %" PRIu64 "\n", ss.duplicates);
    put(&o, "spool.rejected_full %" PRIu64 "\n", ss.rejected_full);
    put(&o, "spool.rejected_quota %" PRIu64 "\n", ss.rejected_quota);
    put(&o, "spool.deleted %" PRIu64 "\n", ss.deleted);
    put(&o, "spool.refused %" PRIu64 "\n", ss.refused);
    put(&o, "spool.expired %" PRIu64 "\n", ss.expired);
    put(&o, "spool.purged %" PRIu64 "\n", ss.purged);
    put(&o, "spool.fetches %" PRIu64 "\n", ss.fetches);
    put(&o, "spool.chunks %" PRIu64 "\n", ss.chunks);
    put(&o, "spool.chunk_bytes %" PRIu64 "\n", ss.chunk_bytes);
    put(&o, "spool.chunks_stored %" PRIu64 "\n", ss.chunks_stored);
    put(&o, "spool.chunks_duplicates %" PRIu64 "\n", ss.chunks_duplicates);
    put(&o, "spool.chunks_deleted %" PRIu64 "\n", ss.chunks_deleted);
    put(&o, "spool.chunks_expired %" PRIu64 "\n", ss.chunks_expired);
    put(&o, "spool.chunk_gets %" PRIu64 "\n", ss.chunk_gets);
    put(&o, "spool.transactions %" PRIu64 "\n", ss.transactions);
    put(&o, "spool.batched %" PRIu64 "\n", ss.batched);
    put(&o, "spool.batch_largest %" PRIu64 "\n", ss.batch_largest);
    put(&o, "spool.checkpoints %" PRIu64 "\n", ss.checkpoints);
    put(&o, "spool.checkpoints_busy %" PRIu64 "\n", ss.checkpoints_busy);
    put(&o, "spool.failed %d\n", ss.failed != 0);
    rp__spool_foreach_recipient(sp, put_recipient, &o);
  }
  if (o.overflow) return RP_ETOOBIG;
  if (outlen != NULL) *outlen = o.len;
  return 0;
}

int rp__stats_log(const rp__stats *st, const rp__spool *sp) {
  char *buf = malloc(STATS_LOG_BUF), *p, *nl, *space;
  size_t len = 0;

  if (buf == NULL) {
    rp__log_error("stats_failed code=%s", rp_err_name(RP_ENOMEM));
    return RP_ENOMEM;
  }
  if (rp__stats_render(st, sp, buf, STATS_LOG_BUF, &len) != 0)
    rp__log_warn("stats_truncated");
  for (p = buf; *p != '\0'; p = nl + 1) {
    if ((nl = strchr(p, '\n')) == NULL) break;
    *nl = '\0';
    if ((space = strchr(p, ' ')) != NULL) {
      *space = '\0';
      rp__log_info("stats %s=%s", p, space + 1);
    }
  }
  free(buf);
  return 0;
}
