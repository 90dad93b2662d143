/* SPDX-License-Identifier: MIT */
/*
 * The payload kinds table and everything that works on any kind: dispatch on key 1,
 * encoding, names, danger flags and the walk over free-text fields.
 */
#include <string.h>

#include "payload_int.h"

typedef struct kind_info {
  const char *name;  /* lower-case ASCII: logs, command line, fuzz variants */
  const char *label; /* Danish, as users know it */
  const rp__schema *schema;
  unsigned senders; /* RP__FROM_* */
} kind_info;

#define M RP__FROM_MUNICIPALITY
#define T RP__FROM_TEAM
static const kind_info kinds[RP__PL_KIND_MAX + 1] = {
    [RP__PL_REQUEST] = {"request", "henvendelse", &rp__payload_request_schema, M},
    [RP__PL_REPLY] = {"reply", "svar", &rp__payload_reply_schema, T},
    [RP__PL_RECEIPT] = {"receipt", "kvittering", &rp__payload_receipt_schema, M | T},
    [RP__PL_ASSIGNMENT] = {"assignment", "tildeling", &rp__payload_assignment_schema, T},
    [RP__PL_ESCALATION] = {"escalation", "eskalering", &rp__payload_escalation_schema, T},
    [RP__PL_FOLLOW_UP] = {"follow_up", "opfølgning", &rp__payload_follow_up_schema, M | T},
    [RP__PL_INFO_REQUEST] = {"info_request", "anmodning om oplysninger",
                             &rp__payload_info_request_schema, T},
    [RP__PL_CLOSURE] = {"closure", "afslutning", &rp__payload_closure_schema, M | T},
    [RP__PL_CONSENT_WITHDRAWN] = {"consent_withdrawn", "samtykke trukket tilbage",
                                  &rp__payload_consent_withdrawn_schema, M},
    [RP__PL_MEETING_REQUEST] = {"meeting_request", "mødeanmodning",
                                &rp__payload_meeting_request_schema, M | T},
    [RP__PL_MEETING_PROPOSAL] = {"meeting_proposal", "mødeforslag",
                                 &rp__payload_meeting_proposal_schema, M | T},
    [RP__PL_MEETING_CONFIRMATION] = {"meeting_confirmation", "mødebekræftelse",
                                     &rp__payload_meeting_confirmation_schema, M | T},
    [RP__PL_MEETING_CANCELLATION] = {"meeting_cancellation", "mødeaflysning",
                                     &rp__payload_meeting_cancellation_schema, M | T},
    [RP__PL_PLAN_REVIEW] = {"plan_review", "gennemgang af plan",
                            &rp__payload_plan_review_schema, M},
    [RP__PL_NETWORK_ANNOUNCEMENT] = {"network_announcement", "netværksindkaldelse",
                                     &rp__payload_network_announcement_schema, T},
    [RP__PL_REGISTRATION] = {"registration", "tilmelding", &rp__payload_registration_schema,
                             M},
    [RP__PL_RECALL] = {"recall", "tilbagekaldelse", &rp__payload_recall_schema, M | T},
    /* The administrator signs rosters and never connects to a relay (its handshake is
     * refused there): the team announces a new roster on the administrator's behalf. */
    [RP__PL_ROSTER_NOTICE] = {"roster_notice", "ny medlemsliste",
                              &rp__payload_roster_notice_schema, T},
};
#undef M
#undef T

static const kind_info *info(uint64_t kind) {
  return (kind >= 1 && kind <= RP__PL_KIND_MAX) ? &kinds[kind] : NULL;
}

const rp__schema *rp__payload_schema(uint64_t kind) {
  const kind_info *k = info(kind);
  return k ? k->schema : NULL;
}

const char *rp__payload_kind_name(uint64_t kind) {
  const kind_info *k = info(kind);
  return k ? k->name : "unknown";
}

const char *rp__payload_kind_label(uint64_t kind) {
  const kind_info *k = info(kind);
  return k ? k->label : "ukendt";
}

unsigned rp__payload_kind_senders(uint64_t kind) {
  const kind_info *k = info(kind);
  return k ? k->senders : 0;
}

int rp__payload_kind_from_name(const char *name, rp__payload_kind *kind) {
  *kind = 0;
  if (name == NULL) return RP_EENUM;
  for (unsigned i = 1; i <= RP__PL_KIND_MAX; i++) {
    if (strcmp(name, kinds[i].name) == 0 || strcmp(name, kinds[i].label) == 0) {
      *kind = (rp__payload_kind)i;
      return 0;
    }
  }
  return RP_EENUM;
}

void rp__payload_init(rp__payload *p, rp__payload_kind kind) {
  memset(p, 0, sizeof *p);
  p->version = RP_SCHEMA_VERSION;
  p->kind = kind;
  if (kind == RP__PL_REPLY) p->u.reply.responsibility_note = RP__NOTE_FIXED;
}

int rp__payload_encode(const rp__payload *p, uint8_t *buf, size_t cap, size_t *len,
                       const char **where) {
  const char *w = "kind";
  int r = RP_EENUM;
  const rp__schema *s = rp__payload_schema(p->kind);
  *len = 0;
  if (where) *where = NULL;
  if (s == NULL) goto out;
  if (p->kind == RP__PL_REPLY && p->u.reply.responsibility_note == 0) {
    /* The note is the encoder's to write; the caller's payload stays untouched. */
    rp__payload copy = *p;
    copy.u.reply.responsibility_note = RP__NOTE_FIXED;
    r = rp__mp_encode(s, &copy, buf, cap, len, &w);
  } else {
    r = rp__mp_encode(s, p, buf, cap, len, &w);
  }
out:
  if (r != 0 && where) *where = w;
  return r;
}

/* Decodes a payload; want is the only kind accepted, or 0 for any. */
static int decode(uint64_t want, const uint8_t *buf, size_t len, rp__payload *out,
                  const char **where) {
  msgpack_unpacked up;
  uint64_t version = 0, kind = 0;
  const char *w = "payload";
  memset(out, 0, sizeof *out);
  if (where) *where = NULL;
  int r = rp__mp_unpack(buf, len, &up);
  if (r != 0) goto out;
  if (up.data.type != MSGPACK_OBJECT_MAP) {
    r = RP_ETYPE;
    goto done;
  }
  /* A newer version may have kinds we don't know: say "version", not "unknown kind". */
  if (rp__mp_map_uint(&up.data, 0, &version) == 0 && version > RP_SCHEMA_VERSION) {
    w = "version";
    r = RP_EVERSION;
    goto done;
  }
  w = "kind";
  if ((r = rp__mp_map_uint(&up.data, 1, &kind)) != 0) goto done;
  if (info(kind) == NULL || (want != 0 && kind != want)) {
    r = RP_EENUM;
    goto done;
  }
  r = rp__mp_decode_obj(kinds[kind].schema, &up.data, out, &w);
done:
  msgpack_unpacked_destroy(&up);
out:
  if (r != 0) {
    memset(out, 0, sizeof *out);
    if (where) *where = w;
  }
  return r;
}

int rp__payload_decode(const uint8_t *buf, size_t len, rp__payload *out,
                       const char **where) {
  return decode(0, buf, len, out, where);
}

int rp__payload_decode_kind(rp__payload_kind kind, const uint8_t *buf, size_t len,
                            rp__payload *out, const char **where) {
  if (info(kind) == NULL) {
    memset(out, 0, sizeof *out);
    if (where) *where = "kind";
    return RP_EENUM;
  }
  return decode(kind, buf, len, out, where);
}

unsigned rp__payload_danger(const rp__payload *p) {
  uint64_t measures = 0;
  bool acute = false;
  int urgency = 0;
  if (p->kind == RP__PL_REQUEST) {
    measures = p->u.request.measures_taken;
    acute = p->u.request.risk.acute;
    urgency = p->u.request.urgency;
  } else if (p->kind == RP__PL_FOLLOW_UP) {
    measures = p->u.follow_up.measures_taken;
    acute = p->u.follow_up.has_risk && p->u.follow_up.risk.acute;
    urgency = p->u.follow_up.urgency;
  }
  unsigned f = 0;
  if (measures & RP__BIT(RP__MEAS_FAMILY_INFORMED)) f |= RP__DANGER_FAMILY_INFORMED;
  if (acute) f |= RP__DANGER_RISK_ACUTE;
  if (urgency == RP__URG_AKUT) f |= RP__DANGER_URGENCY_AKUT;
  return f;
}

bool rp__payload_has_danger_flag(const rp__payload *p) {
  return rp__payload_danger(p) != 0;
}

/* Walks the text fields of one map. Counts are clamped to the field's capacity, so a
 * payload with a bogus count (that encoding would refuse) is still walked safely. */
static int walk(const rp__schema *s, const void *obj,
                int (*fn)(void *data, const char *field, rp__str text), void *data) {
  const char *base = obj;
  int r = 0;
  for (uint32_t i = 0; i < s->nfields && r == 0; i++) {
    const rp__field *f = &s->fields[i];
    uint32_t n = 0;
    switch (f->type) {
    case RP__F_STR: {
      const rp__str *t = (const rp__str *)(base + f->off);
      if (t->n != 0 && t->p != NULL) r = fn(data, f->name, *t);
      break;
    }
    case RP__F_STRUCT:
      if (!(f->flags & RP__HAS) || *(const bool *)(base + f->has_off))
        r = walk(f->sub, base + f->off, fn, data);
      break;
    case RP__F_LIST:
    case RP__F_STRLIST:
      n = *(const uint32_t *)(base + f->count_off);
      if (n > f->max) n = (uint32_t)f->max;
      for (uint32_t j = 0; j < n && r == 0; j++) {
        if (f->type == RP__F_LIST) {
          r = walk(f->sub, base + f->off + j * f->sub->size, fn, data);
        } else {
          const rp__str *t = (const rp__str *)(base + f->off) + j;
          if (t->n != 0 && t->p != NULL) r = fn(data, f->name, *t);
        }
      }
      break;
    default:
      break;
    }
  }
  return r;
}

int rp__payload_texts(const rp__payload *p,
                      int (*fn)(void *data, const char *field, rp__str text), void *data) {
  const rp__schema *s = rp__payload_schema(p->kind);
  return s ? walk(s, p, fn, data) : 0;
}
