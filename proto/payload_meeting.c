/* SPDX-License-Identifier: MIT */
/*
 * Meetings: request, proposal, confirmation, cancellation. They carry no personal data:
 * times, the kind of place and whether the meeting is online or physical. A physical
 * meeting names the kind of place only, never an address (location data never travels).
 */
#include "payload_int.h"

RP__PL_ENUM(purpose, "sparring", "sagsdroeftelse", "planarbejde", "besoeg",
            "opkvalificering", "andet");
RP__PL_ENUM(cancel_reason, "aflyst_af_kommunen", "aflyst_af_rejseholdet", "ny_tid_oenskes",
            "andet");

#define MODE_FIELD(k, member)                                                              \
  {                                                                                        \
    .key = (k), .name = "mode", .type = RP__F_ENUM, .flags = RP__REQ, .off = PO(member),   \
    .enm = &rp__payload_enum_mode                                                          \
  }
#define PLACE_FIELD(k, member)                                                             \
  {                                                                                        \
    .key = (k), .name = "place", .type = RP__F_ENUM, .off = PO(member),                    \
    .enm = &rp__payload_enum_place                                                         \
  }

/* ---- meeting request ---- */
static int meeting_request_check(const void *obj, const char **where) {
  const rp__pl_meeting_request *m = &((const rp__payload *)obj)->u.meeting_request;
  return rp__payload_place_check(m->mode, m->place, where);
}

#define MR(m) PO(u.meeting_request.m)
static const rp__field meeting_request_fields[] = {
    RP__PL_HEADER(RP__PL_MEETING_REQUEST),
    {.key = 5,
     .name = "purpose",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = MR(purpose),
     .enm = &purpose},
    MODE_FIELD(6, u.meeting_request.mode),
    PLACE_FIELD(7, u.meeting_request.place),
    {.key = 8,
     .name = "duration_min",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = MR(duration_min),
     .min = RP_PAYLOAD_DURATION_MIN,
     .max = RP_PAYLOAD_DURATION_MAX},
    {.key = 9,
     .name = "windows",
     .type = RP__F_LIST,
     .off = MR(windows),
     .max = RP_PAYLOAD_SLOTS_MAX,
     .sub = &rp__payload_slot_schema,
     .count_off = MR(nwindows)},
};
const rp__schema rp__payload_meeting_request_schema = {
    "meeting_request", sizeof(rp__payload), meeting_request_fields,
    NFIELDS(meeting_request_fields), meeting_request_check};

/* ---- meeting proposal: one or more slots to choose from ---- */
static int meeting_proposal_check(const void *obj, const char **where) {
  const rp__pl_meeting_proposal *m = &((const rp__payload *)obj)->u.meeting_proposal;
  if (m->nslots == 0) {
    *where = "slots";
    return RP_EMISSING;
  }
  return rp__payload_place_check(m->mode, m->place, where);
}

static const rp__field meeting_proposal_fields[] = {
    RP__PL_HEADER(RP__PL_MEETING_PROPOSAL),
    RP__PL_ID(5, "meeting_ref", u.meeting_proposal.meeting_ref),
    MODE_FIELD(6, u.meeting_proposal.mode),
    PLACE_FIELD(7, u.meeting_proposal.place),
    {.key = 8,
     .name = "slots",
     .type = RP__F_LIST,
     .flags = RP__REQ,
     .off = PO(u.meeting_proposal.slots),
     .max = RP_PAYLOAD_SLOTS_MAX,
     .sub = &rp__payload_slot_schema,
     .count_off = PO(u.meeting_proposal.nslots)},
};
const rp__schema rp__payload_meeting_proposal_schema = {
    "meeting_proposal", sizeof(rp__payload), meeting_proposal_fields,
    NFIELDS(meeting_proposal_fields), meeting_proposal_check};

/* ---- meeting confirmation: the chosen slot ---- */
static int meeting_confirmation_check(const void *obj, const char **where) {
  const rp__pl_meeting_confirmation *m =
      &((const rp__payload *)obj)->u.meeting_confirmation;
  return rp__payload_place_check(m->mode, m->place, where);
}

static const rp__field meeting_confirmation_fields[] = {
    RP__PL_HEADER(RP__PL_MEETING_CONFIRMATION),
    RP__PL_ID(5, "meeting_ref", u.meeting_confirmation.meeting_ref),
    {.key = 6,
     .name = "slot",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = PO(u.meeting_confirmation.slot),
     .sub = &rp__payload_slot_schema},
    MODE_FIELD(7, u.meeting_confirmation.mode),
    PLACE_FIELD(8, u.meeting_confirmation.place),
};
const rp__schema rp__payload_meeting_confirmation_schema = {
    "meeting_confirmation", sizeof(rp__payload), meeting_confirmation_fields,
    NFIELDS(meeting_confirmation_fields), meeting_confirmation_check};

/* ---- meeting cancellation ---- */
static const rp__field meeting_cancellation_fields[] = {
    RP__PL_HEADER(RP__PL_MEETING_CANCELLATION),
    RP__PL_ID(5, "meeting_ref", u.meeting_cancellation.meeting_ref),
    {.key = 6,
     .name = "reason",
     .type = RP__F_ENUM,
     .off = PO(u.meeting_cancellation.reason),
     .enm = &cancel_reason},
};
const rp__schema rp__payload_meeting_cancellation_schema = {
    "meeting_cancellation", sizeof(rp__payload), meeting_cancellation_fields,
    NFIELDS(meeting_cancellation_fields), NULL};
