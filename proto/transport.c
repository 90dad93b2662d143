/* SPDX-License-Identifier: MIT */
/*
 * Transport messages (transport.h): the type dispatch and the connection-state table.
 *
 * The table follows OpenSSH's mon_table: one row per message type saying who may send
 * it and when. Both ends consult the same rows, so a message in the wrong state is a
 * precise RP_ESTATE at the receiver instead of a surprise deep in a handler.
 */
#include <string.h>

#include "transport_int.h"

#define C2R RP__TD_C2R
#define R2C RP__TD_R2C
#define BOTH (RP__TD_C2R | RP__TD_R2C)
#define ST(s) (1u << (s))
#define OPEN (ST(RP__TS_READY) | ST(RP__TS_RECEIVING))
#define RECV ST(RP__TS_RECEIVING)
#define ANY                                                                                \
  (ST(RP__TS_HELLO) | ST(RP__TS_READY) | ST(RP__TS_RECEIVING) | ST(RP__TS_CLOSING))

typedef struct rule {
  const char *name;         /* the wire-spec name, also the fuzz variant's */
  const rp__schema *schema; /* its field table */
  unsigned dirs;            /* RP__TD_* that may carry it */
  unsigned states;          /* ST() of the states it is allowed in */
  unsigned enter;           /* the state it moves the connection to, or 0 */
} rule;

static const rule rules[RP__T_MAX + 1] = {
    [RP__T_SEND] = {"send", &rp__tmsg_send_schema, C2R, OPEN, 0},
    [RP__T_ACK] = {"ack", &rp__tmsg_ack_schema, R2C, OPEN, 0},
    [RP__T_NACK] = {"nack", &rp__tmsg_nack_schema, R2C, OPEN, 0},
    /* The delivery stream only flows once the client asked for it with RECEIVE. */
    [RP__T_DELIVER] = {"deliver", &rp__tmsg_deliver_schema, R2C, RECV, 0},
    [RP__T_DELIVERED] = {"delivered", &rp__tmsg_delivered_schema, C2R, RECV, 0},
    [RP__T_ROSTER_GET] = {"roster_get", &rp__tmsg_roster_get_schema, C2R, OPEN, 0},
    /* Also unsolicited: the relay pushes a newer roster as soon as it installs one. */
    [RP__T_ROSTER] = {"roster", &rp__tmsg_roster_schema, R2C, OPEN, 0},
    [RP__T_PING] = {"ping", &rp__tmsg_ping_schema, BOTH, OPEN, 0},
    [RP__T_PONG] = {"pong", &rp__tmsg_pong_schema, BOTH, OPEN, 0},
    [RP__T_BYE] = {"bye", &rp__tmsg_bye_schema, BOTH, ANY, RP__TS_CLOSING},
    /* An expiry notice must reach the sender even across reconnects, so it is an item
     * of the durable delivery stream, acknowledged with DELIVERED like an envelope. */
    [RP__T_EXPIRED] = {"expired", &rp__tmsg_expired_schema, R2C, RECV, 0},
    /* The client needs the relay's clock (envelopes created too far in the future are
     * refused), the relay's roster version (to know whether to fetch), the identity the
     * relay mapped its key to, and the limits it must keep (send window, idle
     * deadline) before it says anything, so the relay sends these first. */
    [RP__T_WELCOME] = {"welcome", &rp__tmsg_welcome_schema, R2C, ST(RP__TS_HELLO),
                       RP__TS_READY},
    /* Starts the delivery stream with a window (unacknowledged items the client can
     * take), or changes the window later; a client with a full disk shrinks it. */
    [RP__T_RECEIVE] = {"receive", &rp__tmsg_receive_schema, C2R, OPEN, RP__TS_RECEIVING},
    /* Attachment chunks, negotiated by WELCOME's chunk_max (transport.h). A sender
     * uploads in READY like SEND; downloads, like deliveries, only once the client asked
     * for the delivery stream, since chunk_get names an envelope it was delivered. */
    [RP__T_CHUNK] = {"chunk", &rp__tmsg_chunk_schema, C2R, OPEN, 0},
    [RP__T_CHUNK_ACK] = {"chunk_ack", &rp__tmsg_chunk_ack_schema, R2C, OPEN, 0},
    [RP__T_CHUNK_GET] = {"chunk_get", &rp__tmsg_chunk_get_schema, C2R, RECV, 0},
    [RP__T_CHUNK_DATA] = {"chunk_data", &rp__tmsg_chunk_data_schema, R2C, RECV, 0},
    /* Erasure (docs/PROTOCOL.md 5.7), negotiated by WELCOME's purge_max: a sender asks
     * the relay to drop envelopes of its own that are not yet delivered. Like SEND, it
     * needs no delivery stream. */
    [RP__T_PURGE] = {"purge", &rp__tmsg_purge_schema, C2R, OPEN, 0},
    [RP__T_PURGED] = {"purged", &rp__tmsg_purged_schema, R2C, OPEN, 0},
};

static const rule *rule_of(uint64_t type) {
  if (type == 0 || type > RP__T_MAX) return NULL;
  return &rules[type];
}

const char *rp__tmsg_type_name(uint64_t type) {
  const rule *ru = rule_of(type);
  return ru == NULL ? NULL : ru->name;
}

uint64_t rp__tmsg_type_by_name(const char *name) {
  if (name == NULL) return 0;
  for (uint64_t t = 1; t <= RP__T_MAX; t++)
    if (strcmp(rules[t].name, name) == 0) return t;
  return 0;
}

const rp__schema *rp__tmsg_schema(uint64_t type) {
  const rule *ru = rule_of(type);
  return ru == NULL ? NULL : ru->schema;
}

int rp__tmsg_allowed(uint64_t type, unsigned dir, unsigned state) {
  const rule *ru = rule_of(type);
  if (ru == NULL) return RP_EENUM;
  if ((dir != RP__TD_C2R && dir != RP__TD_R2C) || state == 0 || state > RP__TS_MAX)
    return RP_EINVAL;
  if (!(ru->dirs & dir) || !(ru->states & ST(state))) return RP_ESTATE;
  return 0;
}

unsigned rp__tmsg_next_state(uint64_t type, unsigned state) {
  const rule *ru = rule_of(type);
  if (ru == NULL || ru->enter == 0) return state;
  return ru->enter;
}

int rp__tmsg_encode(const rp__tmsg *m, uint8_t *buf, size_t cap, size_t *len) {
  *len = 0;
  const rp__schema *s = rp__tmsg_schema(m->type);
  if (s == NULL) return RP_EENUM;
  return rp__mp_encode(s, m, buf, cap, len, NULL);
}

/* Decodes a message; want is the only type accepted, or 0 for any. */
static int decode(uint64_t want, const uint8_t *buf, size_t len, rp__tmsg *out,
                  const char **where) {
  int r = RP_EINTERNAL;
  msgpack_unpacked up;
  bool unpacked = false;
  uint64_t version = 0, type = 0;
  const rp__schema *s = NULL;

  memset(out, 0, sizeof *out);
  if (where) *where = "transport";
  if (want != 0 && rule_of(want) == NULL) {
    r = RP_EENUM;
    goto out;
  }
  if ((r = rp__mp_unpack(buf, len, &up)) != 0) goto out;
  unpacked = true;
  /* The version decides how everything else is read, so it is checked before the
   * type: a newer peer's unknown type is a version problem, not an unknown type. */
  r = rp__mp_map_uint(&up.data, 0, &version);
  if (r == 0 && version != RP_SCHEMA_VERSION) r = RP_EVERSION;
  if (r != 0 && r != RP_EMISSING) {
    if (where) *where = "version";
    goto out;
  }
  if ((r = rp__mp_map_uint(&up.data, 1, &type)) != 0) {
    if (where) *where = "type";
    goto out;
  }
  if ((s = rp__tmsg_schema(type)) == NULL || (want != 0 && type != want)) {
    if (where) *where = "type";
    r = s == NULL ? RP_EENUM : RP_ETYPE;
    goto out;
  }
  r = rp__mp_decode_obj(s, &up.data, out, where);
out:
  if (unpacked) msgpack_unpacked_destroy(&up);
  if (r != 0) memset(out, 0, sizeof *out);
  return r;
}

int rp__tmsg_decode(const uint8_t *buf, size_t len, rp__tmsg *out, const char **where) {
  return decode(0, buf, len, out, where);
}

int rp__tmsg_decode_as(uint64_t type, const uint8_t *buf, size_t len, rp__tmsg *out,
                       const char **where) {
  if (type == 0) { /* 0 means "any type" to decode(); here it is just unknown */
    memset(out, 0, sizeof *out);
    if (where) *where = "type";
    return RP_EENUM;
  }
  return decode(type, buf, len, out, where);
}
