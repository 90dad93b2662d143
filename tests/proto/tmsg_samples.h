/* SPDX-License-Identifier: MIT */
/*
 * One sample of each transport message and of the envelope header and container, as
 * used by the tests and by docs/PROTOCOL.md (the hex examples there are these
 * samples encoded; transport_test.c and envelope_hdr_test.c check that they still are).
 * Header-only so that each test program includes its own static copy.
 */
#ifndef RP_TMSG_SAMPLES_H
#define RP_TMSG_SAMPLES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"
#include "transport.h"

#define SAMPLE_MSG_ID "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
#define SAMPLE_MSG_ID2 "\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c\x2d\x2e\x2f"
#define SAMPLE_TIME 1767225600000ull /* 2026-01-01T00:00:00Z */

static inline rp__tmsg sample_tmsg(uint64_t type) {
  /* Stand-ins for opaque bytes: an envelope container and a signed roster. */
  static const uint8_t sample_envelope[8] = {0xe0, 0xe1, 0xe2, 0xe3,
                                             0xe4, 0xe5, 0xe6, 0xe7};
  static const uint8_t sample_roster[8] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};
  /* And a sealed attachment chunk (really at least 1040 bytes, chunk.h). */
  static const uint8_t sample_chunk[8] = {0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7};
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = type;
  switch (type) {
  case RP__T_SEND:
    m.u.send.envelope = (rp__bin){sample_envelope, sizeof sample_envelope};
    break;
  case RP__T_ACK:
    memcpy(m.u.ack.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.ack.status = RP__ACK_STORED;
    break;
  case RP__T_NACK:
    memcpy(m.u.nack.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.nack.code = (uint64_t)-RP_ESPOOLFULL;
    m.u.nack.detail = rp__str_c("spool full");
    break;
  case RP__T_DELIVER:
    m.u.deliver.seq = 42;
    m.u.deliver.envelope = (rp__bin){sample_envelope, sizeof sample_envelope};
    break;
  case RP__T_DELIVERED:
    memcpy(m.u.delivered.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.delivered.seq = 42;
    m.u.delivered.refused = (uint64_t)-RP_EAUTH; /* every field present: a refusal */
    break;
  case RP__T_ROSTER_GET:
    m.u.roster_get.have = 3;
    break;
  case RP__T_ROSTER:
    m.u.roster.version = 4;
    m.u.roster.roster = (rp__bin){sample_roster, sizeof sample_roster};
    break;
  case RP__T_PING:
    m.u.ping.nonce = 0x0123456789abcdefull;
    break;
  case RP__T_PONG:
    m.u.pong.nonce = 0x0123456789abcdefull;
    break;
  case RP__T_BYE:
    m.u.bye.reason = RP__BYE_ERROR;
    m.u.bye.code = (uint64_t)-RP_ESTATE;
    break;
  case RP__T_EXPIRED:
    m.u.expired.seq = 43;
    memcpy(m.u.expired.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.expired.recipient = rp__str_c("team-vest");
    m.u.expired.expired_at = SAMPLE_TIME + RP_EXPIRY_DEFAULT_MS;
    m.u.expired.refused = (uint64_t)-RP_EAUTH; /* every field present: a refusal */
    break;
  case RP__T_WELCOME:
    m.u.welcome.time_ms = SAMPLE_TIME;
    m.u.welcome.roster_version = 4;
    m.u.welcome.member = rp__str_c("aarhus");
    m.u.welcome.send_window = 32;
    m.u.welcome.idle_ms = 60000;
    m.u.welcome.chunk_max = RP__CHUNK_SEALED_MAX;
    m.u.welcome.purge_max = RP__PURGE_IDS_MAX;
    break;
  case RP__T_RECEIVE:
    m.u.receive.window = 16;
    break;
  case RP__T_CHUNK:
    memcpy(m.u.chunk.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.chunk.to = rp__str_c("team-vest");
    m.u.chunk.index = 1;
    m.u.chunk.count = 3;
    m.u.chunk.expires = SAMPLE_TIME + RP_EXPIRY_DEFAULT_MS;
    m.u.chunk.data = (rp__bin){sample_chunk, sizeof sample_chunk};
    break;
  case RP__T_CHUNK_ACK: /* a refusal: every field present */
    memcpy(m.u.chunk_ack.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.chunk_ack.index = 1;
    m.u.chunk_ack.code = (uint64_t)-RP_EQUOTA;
    break;
  case RP__T_CHUNK_GET:
    memcpy(m.u.chunk_get.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.chunk_get.from = 1;
    m.u.chunk_get.count = RP__CHUNK_GET_MAX;
    break;
  case RP__T_CHUNK_DATA:
    memcpy(m.u.chunk_data.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
    m.u.chunk_data.index = 1;
    m.u.chunk_data.data = (rp__bin){sample_chunk, sizeof sample_chunk};
    break;
  case RP__T_PURGE: /* two msg_ids, one after the other */
    m.u.purge.ids =
        (rp__bin){(const uint8_t *)SAMPLE_MSG_ID SAMPLE_MSG_ID2, 2 * RP_MSG_ID_BYTES};
    break;
  case RP__T_PURGED: /* a refusal: every field present */
    m.u.purged.code = (uint64_t)-RP_EBUSY;
    break;
  default:
    break;
  }
  return m;
}

static inline rp__envhdr sample_envhdr(void) {
  rp__envhdr h;
  memset(&h, 0, sizeof h);
  memcpy(h.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
  h.sender = rp__str_c("aarhus");
  h.recipient = rp__str_c("team-vest");
  h.created = SAMPLE_TIME;
  h.expires = SAMPLE_TIME + RP_EXPIRY_DEFAULT_MS;
  h.urgency = RP__URG_HASTER;
  h.size_class = 0;
  return h;
}

/* Writes buf to $RP_SEED_DIR/<corpus>/<name> when RP_SEED_DIR is set: the fuzz seed
 * corpora in tests/fuzz/corpus are generated this way from the tests' valid inputs. */
static inline void write_seed(const char *corpus, const char *name, const uint8_t *buf,
                              size_t len) {
  const char *dir = getenv("RP_SEED_DIR");
  char path[1024];
  if (dir == NULL) return;
  int n = snprintf(path, sizeof path, "%s/%s/%s", dir, corpus, name);
  if (n < 0 || (size_t)n >= sizeof path) return;
  FILE *f = fopen(path, "wb");
  if (f == NULL) return;
  if (len > 0) fwrite(buf, 1, len, f);
  fclose(f);
}

#endif /* RP_TMSG_SAMPLES_H */
