/* SPDX-License-Identifier: MIT */
/*
 * Test helpers for the payload tests (included by several *_test.c programs): a valid
 * sample of every payload kind, and a re-packer that edits an encoded payload (drop or
 * replace the value at a key path) so that tests can build exactly the bytes a hostile
 * or buggy peer would send. Not every program uses every helper, hence SAMPLE_UNUSED.
 */
#ifndef RP_PAYLOAD_SAMPLES_H
#define RP_PAYLOAD_SAMPLES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "payload.h"

#define SAMPLE_UNUSED __attribute__((unused))

/* Sample variants: MIN has only the required fields, FULL has every field the rules
 * allow together, ALT fills the alternatives FULL cannot hold at the same time. */
enum { SAMPLE_MIN = 0, SAMPLE_FULL = 1, SAMPLE_ALT = 2, SAMPLE_VARIANTS = 3 };

#define T0 1700000000000ull /* 2023-11-14, unix ms */
#define HOUR 3600000ull

static void sample_attachment(rp__attachment *a, const char *name, int kind) {
  a->name = rp__str_c(name);
  a->mime = rp__str_c("application/pdf");
  a->size = 123456;
  memset(a->sha256, 0xab, sizeof a->sha256);
  a->kind = kind;
}

static void sample_id(uint8_t id[RP_MSG_ID_BYTES], uint8_t b) {
  memset(id, b, RP_MSG_ID_BYTES);
}

static void sample_request(rp__pl_request *q, int v) {
  q->sender_org = rp__str_c("101");
  q->sender_role = RP__ROLE_MYNDIGHEDSRAADGIVER;
  q->sender_ref = rp__str_c("cw-4711");
  q->request_type = RP__RT_ANONYM_SPARRING;
  q->urgency = RP__URG_NORMAL;
  q->categories = RP__BIT(RP__CAT_STRATEGISK);
  q->risk.level = RP__RISK_UKENDT;
  q->risk.tool = RP__TOOL_INGEN;
  q->citizen.age_band = RP__AGE_30_PLUS;
  q->identifiability.mode = RP__IDENT_ANONYM;
  q->identifiability.consent = RP__CONSENT_INGEN;
  q->question = rp__str_c("Hvordan griber vi en samtale med familien an?");
  if (v == SAMPLE_MIN) return;
  q->local_case_ref = rp__str_c("27.12.16-G01-123-24");
  q->request_type = RP__RT_KONKRET_SAG;
  q->urgency = RP__URG_HASTER;
  q->categories = RP__BIT(RP__CAT_NEGATIV_SOCIAL_KONTROL) | RP__BIT(RP__CAT_TRUSLER) |
                  RP__BIT(RP__CAT_TVANGSAEGTESKAB);
  q->phase = RP__PHASE_OPTRAPNING;
  q->risk = (rp__risk){RP__RISK_HOEJ, true, RP__TOOL_PATRIARK, rp__str_c("2024-02-29")};
  q->citizen = (rp__citizen){16, 0, true, RP__GENDER_KVINDE, RP__JA};
  q->risk_assessed_before_family = RP__JA;
  q->identifiability.mode = RP__IDENT_PSEUDONYM;
  q->identifiability.consent = RP__CONSENT_BORGER;
  q->legal_basis = RP__LB_SAMTYKKE;
  q->measures_taken = RP__BIT(RP__MEAS_UNDERRETNING) | RP__BIT(RP__MEAS_SIKKERHEDSPLAN);
  q->needs = RP__BIT(RP__NEED_RISIKOVURDERING) | RP__BIT(RP__NEED_SIKKER_BOLIG);
  q->question = rp__str_c("Pigen (16) fortæller om trusler fra familien. Hvad gør vi nu?");
  q->nattachments = 2;
  sample_attachment(&q->attachments[0], "beredskabsplan-udkast.pdf",
                    RP__ATT_BEREDSKABSPLAN_UDKAST);
  sample_attachment(&q->attachments[1], "risiko æøå.pdf", RP__ATT_RISIKOVURDERING);
  if (v == SAMPLE_FULL) return;
  /* ALT: an age band instead of an age, parental consent, a different legal basis. */
  q->citizen = (rp__citizen){0, RP__AGE_12_14, true, RP__GENDER_ANDET, RP__UKENDT};
  q->identifiability.consent = RP__CONSENT_FORAELDREMYNDIGHED;
  q->legal_basis = RP__LB_RETSSIKKERHEDSLOVEN_11C;
  q->risk_assessed_before_family = RP__NEJ;
  q->measures_taken |= RP__BIT(RP__MEAS_FAMILY_INFORMED);
}

static void sample_reply(rp__pl_reply *r, int v) {
  sample_id(r->in_reply_to, 0x11);
  r->advisor = (rp__advisor){RP__ADV_RAADGIVER, rp__str_c("Sara R.")};
  r->advice = rp__str_c("Inddrag ikke familien endnu. Lav en sikkerhedsplan først.");
  if (v == SAMPLE_MIN) return;
  r->recommended_actions = RP__BIT(RP__ACT_IKKE_INDDRAGE_FAMILIEN) |
                           RP__BIT(RP__ACT_SIKKERHEDSPLAN) | RP__BIT(RP__ACT_UNDERRETNING);
  r->nreferrals = 2;
  r->referrals[0] = (rp__referral){RP__REF_SPECIALTILBUD, rp__str_c("Landsdækkende tilbud"),
                                   rp__str_c("ring i dag")};
  r->referrals[1] = (rp__referral){RP__REF_POLITI, rp__str_c(""), rp__str_c("")};
  r->risk_view = RP__RISK_HOEJ;
  r->reporting_duty = true;
  r->needs_more_info = true;
  r->follow_up_at = T0 + 48 * HOUR;
  r->meeting_offer = true;
  r->automatic = true; /* every field exercised; a real automatic reply has no referrals */
  r->nattachments = 1;
  sample_attachment(&r->attachments[0], "skabelon.pdf", RP__ATT_HANDLINGSPLAN);
}

static void sample_kind(rp__payload *p, int v) {
  switch (p->kind) {
  case RP__PL_REQUEST:
    sample_request(&p->u.request, v);
    break;
  case RP__PL_REPLY:
    sample_reply(&p->u.reply, v);
    break;
  case RP__PL_RECEIPT: {
    rp__pl_receipt *r = &p->u.receipt;
    sample_id(r->about, 0x21);
    r->status = v == SAMPLE_FULL ? RP__RCPT_FAILED : RP__RCPT_DELIVERED;
    r->at = T0 + 1;
    if (v == SAMPLE_FULL) r->error = 22;
    break;
  }
  case RP__PL_ASSIGNMENT: {
    rp__pl_assignment *a = &p->u.assignment;
    sample_id(a->about, 0x31);
    a->advisor = (rp__advisor){RP__ADV_TEAMLEDER, rp__str_c("R7")};
    if (v != SAMPLE_MIN) a->urgency = RP__URG_AKUT, a->deadline = T0 + HOUR;
    break;
  }
  case RP__PL_ESCALATION: {
    rp__pl_escalation *e = &p->u.escalation;
    sample_id(e->about, 0x41);
    e->reason = RP__ESC_FRIST_OVERSKREDET;
    if (v != SAMPLE_MIN) e->deadline = T0 + HOUR, e->note = rp__str_c("akut ikke åbnet");
    break;
  }
  case RP__PL_FOLLOW_UP: {
    rp__pl_follow_up *f = &p->u.follow_up;
    sample_id(f->in_reply_to, 0x51);
    f->text = rp__str_c("Familien har fået kendskab til sagen.");
    if (v == SAMPLE_MIN) break;
    f->urgency = RP__URG_AKUT;
    f->has_risk = true;
    f->risk = (rp__risk){RP__RISK_HOEJ, true, RP__TOOL_ANDEN, rp__str_c("2024-03-01")};
    f->measures_taken = RP__BIT(RP__MEAS_FAMILY_INFORMED) | RP__BIT(RP__MEAS_KRISECENTER);
    break;
  }
  case RP__PL_INFO_REQUEST: {
    rp__pl_info_request *i = &p->u.info_request;
    sample_id(i->in_reply_to, 0x61);
    i->questions = rp__str_c("Er der lavet en risikovurdering?");
    if (v != SAMPLE_MIN)
      i->topics = RP__BIT(RP__INFO_RISIKOVURDERING) | RP__BIT(RP__INFO_NETVAERK),
      i->respond_by = T0 + 24 * HOUR;
    break;
  }
  case RP__PL_CLOSURE:
    p->u.closure.outcome = RP__OUT_PLAN_UDARBEJDET;
    break;
  case RP__PL_CONSENT_WITHDRAWN:
    p->u.consent_withdrawn.by = RP__BY_BORGER;
    if (v != SAMPLE_MIN) sample_id(p->u.consent_withdrawn.about, 0x71);
    break;
  case RP__PL_MEETING_REQUEST: {
    rp__pl_meeting_request *m = &p->u.meeting_request;
    m->purpose = RP__PURP_PLANARBEJDE;
    m->mode = RP__MODE_ONLINE;
    m->duration_min = 60;
    if (v == SAMPLE_MIN) break;
    m->mode = RP__MODE_FYSISK;
    m->place = RP__PLACE_HOS_KOMMUNEN;
    m->nwindows = 2;
    m->windows[0] = (rp__slot){T0, T0 + 4 * HOUR};
    m->windows[1] = (rp__slot){T0 + 24 * HOUR, T0 + 28 * HOUR};
    break;
  }
  case RP__PL_MEETING_PROPOSAL: {
    rp__pl_meeting_proposal *m = &p->u.meeting_proposal;
    sample_id(m->meeting_ref, 0x81);
    m->mode = RP__MODE_ONLINE;
    m->nslots = 1;
    m->slots[0] = (rp__slot){T0, T0 + HOUR};
    if (v == SAMPLE_MIN) break;
    m->mode = RP__MODE_FYSISK;
    m->place = RP__PLACE_HOS_REJSEHOLDET;
    m->nslots = 2;
    m->slots[1] = (rp__slot){T0 + 2 * HOUR, T0 + 3 * HOUR};
    break;
  }
  case RP__PL_MEETING_CONFIRMATION: {
    rp__pl_meeting_confirmation *m = &p->u.meeting_confirmation;
    sample_id(m->meeting_ref, 0x91);
    m->slot = (rp__slot){T0, T0 + HOUR};
    m->mode = RP__MODE_ONLINE;
    if (v != SAMPLE_MIN) m->mode = RP__MODE_FYSISK, m->place = RP__PLACE_ANDET_STED;
    break;
  }
  case RP__PL_MEETING_CANCELLATION:
    sample_id(p->u.meeting_cancellation.meeting_ref, 0xa1);
    if (v != SAMPLE_MIN) p->u.meeting_cancellation.reason = RP__CANCEL_NY_TID_OENSKES;
    break;
  case RP__PL_PLAN_REVIEW: {
    rp__pl_plan_review *r = &p->u.plan_review;
    r->sender_org = rp__str_c("751");
    r->plan = RP__PLAN_BEREDSKABSPLAN;
    r->nattachments = 1;
    sample_attachment(&r->attachments[0], "beredskabsplan.docx", RP__ATT_ANDET);
    if (v == SAMPLE_MIN) break;
    r->question = rp__str_c("Er planen dækkende for skolerne?");
    r->wanted_by = rp__str_c("2024-06-30");
    break;
  }
  case RP__PL_NETWORK_ANNOUNCEMENT: {
    rp__pl_network_announcement *a = &p->u.network_announcement;
    a->network = RP__NET_VEST;
    a->event_on = rp__str_c("2024-10-03");
    a->host_org = rp__str_c("461");
    a->title = rp__str_c("Netværksmøde vest, efterår");
    a->programme = rp__str_c("10.00 velkomst\n10.30 oplæg om exit\n12.00 frokost");
    a->registration_deadline = rp__str_c("2024-09-19");
    if (v == SAMPLE_MIN) break;
    a->nattachments = 1;
    sample_attachment(&a->attachments[0], "program.pdf", RP__ATT_ANDET);
    break;
  }
  case RP__PL_REGISTRATION: {
    rp__pl_registration *r = &p->u.registration;
    sample_id(r->announcement_ref, 0xb1);
    r->sender_org = rp__str_c("851");
    r->answer = RP__REG_AFMELDT;
    if (v == SAMPLE_MIN) break;
    r->answer = RP__REG_TILMELDT;
    r->participants = 3;
    r->roles = RP__BIT(RP__ROLE_SSP) | RP__BIT(RP__ROLE_SKOLE);
    r->note = rp__str_c("en deltager kommer kun om formiddagen");
    break;
  }
  case RP__PL_RECALL:
    sample_id(p->u.recall.about, 0xc1);
    p->u.recall.reason = RP__RECALL_FORKERT_MODTAGER;
    break;
  case RP__PL_ROSTER_NOTICE: {
    rp__pl_roster_notice *n = &p->u.roster_notice;
    n->roster_version = 7;
    if (v == SAMPLE_MIN) break;
    n->nchanges = 2;
    n->changes[0] = (rp__roster_change){rp__str_c("kommune-101"), RP__CHG_NOEGLESKIFT};
    n->changes[1] = (rp__roster_change){rp__str_c("kommune-999"), RP__CHG_TILBAGEKALDT};
    n->effective_at = T0;
    break;
  }
  default:
    break;
  }
}

/* A valid payload of `kind` in variant v (SAMPLE_MIN, SAMPLE_FULL or SAMPLE_ALT; ALT
 * equals FULL for kinds without alternatives). */
SAMPLE_UNUSED static void sample_payload(rp__payload *p, rp__payload_kind kind, int v) {
  rp__payload_init(p, kind);
  sample_id(p->msg_id, 0x01);
  sample_id(p->thread_id, 0x02);
  p->created = T0;
  sample_kind(p, v == SAMPLE_ALT && kind != RP__PL_REQUEST ? SAMPLE_FULL : v);
}

/* ---- editing encoded payloads ---- */
enum { EDIT_DROP, EDIT_REPLACE, EDIT_ADD };

/* An edit at a path of keys (maps) and indexes (arrays), e.g. {13, 1} is risk.level and
 * {21, 0, 1} the name of the first attachment. REPLACE packs a new value with put;
 * ADD appends key path[depth-1] (with put's value) to the map at path[0..depth-1). */
typedef struct edit {
  uint32_t path[4];
  size_t depth;
  int op;
  void (*put)(msgpack_packer *pk, const void *arg);
  const void *arg;
} edit;

static void pack_edited(msgpack_packer *pk, const msgpack_object *o, const edit *e,
                        size_t lvl) {
  bool last = lvl + 1 == e->depth;
  if (lvl >= e->depth ||
      (o->type != MSGPACK_OBJECT_MAP && o->type != MSGPACK_OBJECT_ARRAY)) {
    msgpack_pack_object(pk, *o);
    return;
  }
  if (o->type == MSGPACK_OBJECT_ARRAY) {
    msgpack_pack_array(pk, o->via.array.size);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
      if (i == e->path[lvl] && last && e->op == EDIT_REPLACE)
        e->put(pk, e->arg);
      else
        pack_edited(pk, &o->via.array.ptr[i], e, i == e->path[lvl] ? lvl + 1 : e->depth);
    }
    return;
  }
  uint32_t n = o->via.map.size;
  bool has = false;
  for (uint32_t i = 0; i < n; i++)
    has |= o->via.map.ptr[i].key.via.u64 == e->path[lvl];
  if (last && e->op == EDIT_DROP && has) n--;
  if (last && e->op == EDIT_ADD) n++;
  msgpack_pack_map(pk, n);
  for (uint32_t i = 0; i < o->via.map.size; i++) {
    const msgpack_object_kv *kv = &o->via.map.ptr[i];
    bool hit =
        kv->key.type == MSGPACK_OBJECT_POSITIVE_INTEGER && kv->key.via.u64 == e->path[lvl];
    if (hit && last && e->op == EDIT_DROP) continue;
    msgpack_pack_object(pk, kv->key);
    if (hit && last && e->op == EDIT_REPLACE)
      e->put(pk, e->arg);
    else
      pack_edited(pk, &kv->val, e, hit ? lvl + 1 : e->depth);
  }
  if (last && e->op == EDIT_ADD) {
    msgpack_pack_uint32(pk, e->path[lvl]);
    e->put(pk, e->arg);
  }
}

/* Applies e to the encoded document in[0..inlen) and writes the result to out (cap
 * bytes); returns its length, or 0 if it does not fit. */
SAMPLE_UNUSED static size_t apply_edit(const uint8_t *in, size_t inlen, const edit *e,
                                       uint8_t *out, size_t cap) {
  msgpack_unpacked up;
  if (rp__mp_unpack(in, inlen, &up) != 0) return 0;
  rp__buf b;
  msgpack_packer pk;
  rp__buf_init_mem(&b, out, cap);
  rp__mp_buf_packer(&b, &pk);
  pack_edited(&pk, &up.data, e, 0);
  msgpack_unpacked_destroy(&up);
  return b.overflow ? 0 : b.len;
}

/* put callbacks */
SAMPLE_UNUSED static void put_nil(msgpack_packer *pk, const void *arg) {
  (void)arg;
  msgpack_pack_nil(pk);
}
SAMPLE_UNUSED static void put_uint(msgpack_packer *pk, const void *arg) {
  msgpack_pack_uint64(pk, *(const uint64_t *)arg);
}
SAMPLE_UNUSED static void put_cstr(msgpack_packer *pk, const void *arg) {
  const char *s = arg;
  msgpack_pack_str(pk, strlen(s));
  msgpack_pack_str_body(pk, s, strlen(s));
}

#endif /* RP_PAYLOAD_SAMPLES_H */
