/* SPDX-License-Identifier: MIT */
/*
 * Plans and networks: a municipality's request to review a draft plan, the team's
 * announcement to a network (East or West) and a municipality's registration reply.
 */
#include <string.h>

#include "payload_int.h"

RP__PL_ENUM(plan, "beredskabsplan", "handlingsplan");
RP__PL_ENUM(answer, "tilmeldt", "afmeldt");

#define ATTACHMENTS(k, flags_, kind)                                                       \
  {                                                                                        \
    .key = (k), .name = "attachments", .type = RP__F_LIST, .flags = (flags_),              \
    .off = PO(u.kind.attachments), .max = RP_PAYLOAD_ATTACHMENTS_MAX,                      \
    .sub = &rp__payload_attachment_schema, .count_off = PO(u.kind.nattachments)            \
  }

/* ---- plan review: the draft plan travels as an attachment ---- */
static int plan_review_check(const void *obj, const char **where) {
  const rp__pl_plan_review *p = &((const rp__payload *)obj)->u.plan_review;
  if (rp__payload_org_check(p->sender_org) != 0)
    return rp__payload_fail(where, "sender_org", RP_EINVAL);
  if (p->wanted_by.n != 0 && rp__payload_date_check(p->wanted_by) != 0)
    return rp__payload_fail(where, "wanted_by", RP_EINVAL);
  if (p->nattachments == 0) return rp__payload_fail(where, "attachments", RP_EMISSING);
  return 0;
}

static const rp__field plan_review_fields[] = {
    RP__PL_HEADER(RP__PL_PLAN_REVIEW),
    {.key = 5,
     .name = "sender_org",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = PO(u.plan_review.sender_org),
     .min = 3,
     .max = 3},
    {.key = 6,
     .name = "plan",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = PO(u.plan_review.plan),
     .enm = &plan},
    {.key = 7,
     .name = "question",
     .type = RP__F_STR,
     .off = PO(u.plan_review.question),
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 8,
     .name = "wanted_by",
     .type = RP__F_STR,
     .off = PO(u.plan_review.wanted_by),
     .min = 10,
     .max = 10},
    ATTACHMENTS(9, RP__REQ, plan_review),
};
const rp__schema rp__payload_plan_review_schema = {
    "plan_review", sizeof(rp__payload), plan_review_fields, NFIELDS(plan_review_fields),
    plan_review_check};

/* ---- network announcement ---- */
static int announcement_check(const void *obj, const char **where) {
  const rp__pl_network_announcement *a =
      &((const rp__payload *)obj)->u.network_announcement;
  if (rp__payload_date_check(a->event_on) != 0)
    return rp__payload_fail(where, "event_on", RP_EINVAL);
  if (rp__payload_org_check(a->host_org) != 0)
    return rp__payload_fail(where, "host_org", RP_EINVAL);
  if (rp__payload_date_check(a->registration_deadline) != 0)
    return rp__payload_fail(where, "registration_deadline", RP_EINVAL);
  /* Both dates are "YYYY-MM-DD", so byte order is date order. */
  if (memcmp(a->registration_deadline.p, a->event_on.p, 10) > 0)
    return rp__payload_fail(where, "registration_deadline", RP_EINVAL);
  return 0;
}

#define NA(m) PO(u.network_announcement.m)
static const rp__field announcement_fields[] = {
    RP__PL_HEADER(RP__PL_NETWORK_ANNOUNCEMENT),
    {.key = 5,
     .name = "network",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = NA(network),
     .enm = &rp__payload_enum_network},
    {.key = 6,
     .name = "event_on",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = NA(event_on),
     .min = 10,
     .max = 10},
    {.key = 7,
     .name = "host_org",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = NA(host_org),
     .min = 3,
     .max = 3},
    {.key = 8,
     .name = "title",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = NA(title),
     .min = 1,
     .max = RP_TEXT_SHORT_MAX},
    {.key = 9,
     .name = "programme",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = NA(programme),
     .min = 1,
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 10,
     .name = "registration_deadline",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = NA(registration_deadline),
     .min = 10,
     .max = 10},
    ATTACHMENTS(11, 0, network_announcement),
};
const rp__schema rp__payload_network_announcement_schema = {
    "network_announcement", sizeof(rp__payload), announcement_fields,
    NFIELDS(announcement_fields), announcement_check};

/* ---- registration reply: how many come, never who ---- */
static int registration_check(const void *obj, const char **where) {
  const rp__pl_registration *r = &((const rp__payload *)obj)->u.registration;
  if (rp__payload_org_check(r->sender_org) != 0)
    return rp__payload_fail(where, "sender_org", RP_EINVAL);
  if (r->answer == RP__REG_TILMELDT && r->participants == 0)
    return rp__payload_fail(where, "participants", RP_EMISSING);
  if (r->answer == RP__REG_AFMELDT && r->participants != 0)
    return rp__payload_fail(where, "participants", RP_EINVAL);
  return 0;
}

#define RG(m) PO(u.registration.m)
static const rp__field registration_fields[] = {
    RP__PL_HEADER(RP__PL_REGISTRATION),
    RP__PL_ID(5, "announcement_ref", u.registration.announcement_ref),
    {.key = 6,
     .name = "sender_org",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = RG(sender_org),
     .min = 3,
     .max = 3},
    {.key = 7,
     .name = "answer",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = RG(answer),
     .enm = &answer},
    {.key = 8,
     .name = "participants",
     .type = RP__F_UINT,
     .off = RG(participants),
     .min = 1,
     .max = RP_PAYLOAD_PARTICIPANTS_MAX},
    {.key = 9,
     .name = "roles",
     .type = RP__F_SET,
     .off = RG(roles),
     .max = RP_SET_MAX,
     .enm = &rp__payload_enum_role},
    {.key = 10,
     .name = "note",
     .type = RP__F_STR,
     .off = RG(note),
     .max = RP_TEXT_SHORT_MAX},
};
const rp__schema rp__payload_registration_schema = {
    "registration", sizeof(rp__payload), registration_fields, NFIELDS(registration_fields),
    registration_check};
