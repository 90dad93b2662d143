/* SPDX-License-Identifier: MIT */
/*
 * Field tables of the transport messages (transport.h). Every table works on the whole
 * rp__tmsg: keys 0 (version) and 1 (type, fixed to the table's type) land in the common
 * members, the others in the union member of that type. The tables are the wire spec;
 * docs/PROTOCOL.md section 5.1 prints tables generated from these.
 */
#include "transport_int.h"

/* The table macros read better unwrapped. */
/* clang-format off */
#define F(k, n, t, fl, member) \
  .key = (k), .name = (n), .type = (t), .flags = (fl), .off = offsetof(rp__tmsg, member)
#define HEAD(t) \
  {F(0, "version", RP__F_VERSION, RP__REQ, version)}, \
  {F(1, "type", RP__F_UINT, RP__REQ, type), .min = (t), .max = (t)}
#define MSGID(k, fl, member) \
  {F(k, "msg_id", RP__F_FIXBIN, fl, member), .min = RP_MSG_ID_BYTES, .max = RP_MSG_ID_BYTES}
#define SCHEMA(var, name, fields) \
  const rp__schema var = {name, sizeof(rp__tmsg), fields, sizeof fields / sizeof fields[0], NULL}
/* clang-format on */

RP__ENUM(static, ack_enum, "stored", "duplicate");
RP__ENUM(static, bye_enum, "done", "shutdown", "idle", "error", "revoked", "replaced",
         "busy");

static const rp__field send_f[] = {
    HEAD(RP__T_SEND),
    {F(2, "envelope", RP__F_BIN, RP__REQ, u.send.envelope), .min = 1,
     .max = RP__TMSG_ENVELOPE_MAX},
};
SCHEMA(rp__tmsg_send_schema, "send", send_f);

static const rp__field ack_f[] = {
    HEAD(RP__T_ACK),
    MSGID(2, RP__REQ, u.ack.msg_id),
    {F(3, "status", RP__F_ENUM, RP__REQ, u.ack.status), .enm = &ack_enum},
};
SCHEMA(rp__tmsg_ack_schema, "ack", ack_f);

static const rp__field nack_f[] = {
    HEAD(RP__T_NACK),
    MSGID(2, 0, u.nack.msg_id),
    {F(3, "code", RP__F_UINT, RP__REQ, u.nack.code), .min = 1, .max = RP__TMSG_CODE_MAX},
    {F(4, "detail", RP__F_STR, 0, u.nack.detail), .max = RP__TMSG_DETAIL_MAX},
};
SCHEMA(rp__tmsg_nack_schema, "nack", nack_f);

static const rp__field deliver_f[] = {
    HEAD(RP__T_DELIVER),
    {F(2, "seq", RP__F_UINT, RP__REQ, u.deliver.seq), .min = 1, .max = RP__TMSG_SEQ_MAX},
    {F(3, "envelope", RP__F_BIN, RP__REQ, u.deliver.envelope), .min = 1,
     .max = RP__TMSG_ENVELOPE_MAX},
};
SCHEMA(rp__tmsg_deliver_schema, "deliver", deliver_f);

static const rp__field delivered_f[] = {
    HEAD(RP__T_DELIVERED),
    MSGID(2, RP__REQ, u.delivered.msg_id),
    {F(3, "seq", RP__F_UINT, RP__REQ, u.delivered.seq), .min = 1, .max = RP__TMSG_SEQ_MAX},
    {F(4, "refused", RP__F_UINT, 0, u.delivered.refused), .max = RP__TMSG_CODE_MAX},
};
SCHEMA(rp__tmsg_delivered_schema, "delivered", delivered_f);

static const rp__field roster_get_f[] = {
    HEAD(RP__T_ROSTER_GET),
    {F(2, "have", RP__F_UINT, RP__REQ, u.roster_get.have), .max = RP__TMSG_SEQ_MAX},
};
SCHEMA(rp__tmsg_roster_get_schema, "roster_get", roster_get_f);

static const rp__field roster_f[] = {
    HEAD(RP__T_ROSTER),
    {F(2, "version", RP__F_UINT, RP__REQ, u.roster.version), .min = 1,
     .max = RP__TMSG_SEQ_MAX},
    {F(3, "roster", RP__F_BIN, 0, u.roster.roster), .max = RP__TMSG_ROSTER_MAX},
};
SCHEMA(rp__tmsg_roster_schema, "roster", roster_f);

static const rp__field ping_f[] = {
    HEAD(RP__T_PING),
    {F(2, "nonce", RP__F_UINT, RP__REQ, u.ping.nonce), .max = UINT64_MAX},
};
SCHEMA(rp__tmsg_ping_schema, "ping", ping_f);

static const rp__field pong_f[] = {
    HEAD(RP__T_PONG),
    {F(2, "nonce", RP__F_UINT, RP__REQ, u.pong.nonce), .max = UINT64_MAX},
};
SCHEMA(rp__tmsg_pong_schema, "pong", pong_f);

static const rp__field bye_f[] = {
    HEAD(RP__T_BYE),
    {F(2, "reason", RP__F_ENUM, RP__REQ, u.bye.reason), .enm = &bye_enum},
    {F(3, "code", RP__F_UINT, 0, u.bye.code), .max = RP__TMSG_CODE_MAX},
};
SCHEMA(rp__tmsg_bye_schema, "bye", bye_f);

static const rp__field expired_f[] = {
    HEAD(RP__T_EXPIRED),
    {F(2, "seq", RP__F_UINT, RP__REQ, u.expired.seq), .min = 1, .max = RP__TMSG_SEQ_MAX},
    MSGID(3, RP__REQ, u.expired.msg_id),
    {F(4, "recipient", RP__F_STR, RP__REQ, u.expired.recipient), .min = 1,
     .max = RP_MEMBER_ID_MAX},
    {F(5, "expired_at", RP__F_UINT, RP__REQ, u.expired.expired_at), .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {F(6, "refused", RP__F_UINT, 0, u.expired.refused), .max = RP__TMSG_CODE_MAX},
};
SCHEMA(rp__tmsg_expired_schema, "expired", expired_f);

static const rp__field welcome_f[] = {
    HEAD(RP__T_WELCOME),
    {F(2, "time", RP__F_UINT, RP__REQ, u.welcome.time_ms), .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {F(3, "roster_version", RP__F_UINT, RP__REQ, u.welcome.roster_version),
     .max = RP__TMSG_SEQ_MAX},
    {F(4, "member", RP__F_STR, RP__REQ, u.welcome.member), .min = 1,
     .max = RP_MEMBER_ID_MAX},
    {F(5, "send_window", RP__F_UINT, RP__REQ, u.welcome.send_window), .min = 1,
     .max = RP__TMSG_WINDOW_MAX},
    {F(6, "idle_ms", RP__F_UINT, RP__REQ, u.welcome.idle_ms), .min = RP__TMSG_IDLE_MIN_MS,
     .max = RP__TMSG_IDLE_MAX_MS},
    {F(7, "chunk_max", RP__F_UINT, 0, u.welcome.chunk_max), .max = RP__CHUNK_SEALED_MAX},
    {F(8, "purge_max", RP__F_UINT, 0, u.welcome.purge_max), .max = RP__PURGE_IDS_MAX},
};
SCHEMA(rp__tmsg_welcome_schema, "welcome", welcome_f);

static const rp__field receive_f[] = {
    HEAD(RP__T_RECEIVE),
    {F(2, "window", RP__F_UINT, RP__REQ, u.receive.window), .min = 1,
     .max = RP__TMSG_WINDOW_MAX},
};
SCHEMA(rp__tmsg_receive_schema, "receive", receive_f);

/* The chunk fields are as wide as the wire allows, not as the format's caps: the relay
 * checks index, count and the sealed length itself and refuses a chunk with a precise
 * chunk_ack code (docs/PROTOCOL.md 5.6) instead of closing the connection. data is bounded
 * by RP__CHUNK_SEALED_MAX so that no chunk message is larger than a full chunk needs. */
static const rp__field chunk_f[] = {
    HEAD(RP__T_CHUNK),
    MSGID(2, RP__REQ, u.chunk.msg_id),
    {F(3, "to", RP__F_STR, RP__REQ, u.chunk.to), .min = 1, .max = RP_MEMBER_ID_MAX},
    {F(4, "index", RP__F_UINT, RP__REQ, u.chunk.index), .max = RP__TMSG_CHUNK_INDEX_MAX},
    {F(5, "count", RP__F_UINT, RP__REQ, u.chunk.count), .min = 1,
     .max = RP__TMSG_CHUNK_INDEX_MAX},
    {F(6, "expires", RP__F_UINT, RP__REQ, u.chunk.expires), .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {F(7, "data", RP__F_BIN, RP__REQ, u.chunk.data), .min = 1, .max = RP__CHUNK_SEALED_MAX},
};
SCHEMA(rp__tmsg_chunk_schema, "chunk", chunk_f);

static const rp__field chunk_ack_f[] = {
    HEAD(RP__T_CHUNK_ACK),
    MSGID(2, RP__REQ, u.chunk_ack.msg_id),
    {F(3, "index", RP__F_UINT, RP__REQ, u.chunk_ack.index),
     .max = RP__TMSG_CHUNK_INDEX_MAX},
    {F(4, "code", RP__F_UINT, 0, u.chunk_ack.code), .max = RP__TMSG_CODE_MAX},
};
SCHEMA(rp__tmsg_chunk_ack_schema, "chunk_ack", chunk_ack_f);

static const rp__field chunk_get_f[] = {
    HEAD(RP__T_CHUNK_GET),
    MSGID(2, RP__REQ, u.chunk_get.msg_id),
    {F(3, "from", RP__F_UINT, RP__REQ, u.chunk_get.from), .max = RP__TMSG_CHUNK_INDEX_MAX},
    {F(4, "count", RP__F_UINT, RP__REQ, u.chunk_get.count), .min = 1,
     .max = RP__CHUNK_GET_MAX},
};
SCHEMA(rp__tmsg_chunk_get_schema, "chunk_get", chunk_get_f);

/* A chunk_data carries either the chunk or the reason there is none, never both and never
 * neither: a reader must not mistake a missing chunk for an empty one. */
static int chunk_data_check(const void *obj, const char **where) {
  const rp__tmsg *m = obj;
  if ((m->u.chunk_data.code == 0) == (m->u.chunk_data.data.n == 0)) {
    if (where) *where = m->u.chunk_data.code == 0 ? "data" : "code";
    return m->u.chunk_data.code == 0 ? RP_EMISSING : RP_EINVAL;
  }
  return 0;
}

static const rp__field chunk_data_f[] = {
    HEAD(RP__T_CHUNK_DATA),
    MSGID(2, RP__REQ, u.chunk_data.msg_id),
    {F(3, "index", RP__F_UINT, RP__REQ, u.chunk_data.index),
     .max = RP__TMSG_CHUNK_INDEX_MAX},
    {F(4, "data", RP__F_BIN, 0, u.chunk_data.data), .max = RP__CHUNK_SEALED_MAX},
    {F(5, "code", RP__F_UINT, 0, u.chunk_data.code), .max = RP__TMSG_CODE_MAX},
};
const rp__schema rp__tmsg_chunk_data_schema = {"chunk_data", sizeof(rp__tmsg), chunk_data_f,
                                               sizeof chunk_data_f / sizeof chunk_data_f[0],
                                               chunk_data_check};

/* The ids of a purge are whole msg_ids: a length that is not a multiple of 16 is refused
 * as a whole, never read as so many ids and a rest. */
static int purge_check(const void *obj, const char **where) {
  const rp__tmsg *m = obj;
  if (m->u.purge.ids.n % RP_MSG_ID_BYTES != 0) {
    if (where) *where = "ids";
    return RP_EINVAL;
  }
  return 0;
}

static const rp__field purge_f[] = {
    HEAD(RP__T_PURGE),
    {F(2, "ids", RP__F_BIN, RP__REQ, u.purge.ids), .min = RP_MSG_ID_BYTES,
     .max = RP__PURGE_IDS_MAX * RP_MSG_ID_BYTES},
};
const rp__schema rp__tmsg_purge_schema = {"purge", sizeof(rp__tmsg), purge_f,
                                          sizeof purge_f / sizeof purge_f[0], purge_check};

static const rp__field purged_f[] = {
    HEAD(RP__T_PURGED),
    {F(2, "purged", RP__F_UINT, RP__REQ, u.purged.purged), .max = RP__PURGE_IDS_MAX},
    {F(3, "code", RP__F_UINT, 0, u.purged.code), .max = RP__TMSG_CODE_MAX},
};
SCHEMA(rp__tmsg_purged_schema, "purged", purged_f);
