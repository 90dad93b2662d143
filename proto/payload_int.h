/* SPDX-License-Identifier: MIT */
/*
 * Shared between the payload*.c files only: the enum name tables, the nested schemas,
 * the per-kind schemas and the small validators the cross-field rules use.
 *
 * The engine runs a schema's check callback after decoding its fields, but before
 * encoding them: on the encoding side a check sees the caller's values unvalidated, so
 * checks read only what they need and never trust a pointer or an index (a text may be
 * {NULL, 3}, an enum out of range). Counts are safe: the engine bounds each list before
 * it checks the list's elements.
 */
#ifndef RP_PAYLOAD_INT_H
#define RP_PAYLOAD_INT_H

#include "payload.h"

/* Offset of a member of rp__payload, e.g. PO(u.request.question). Every top-level
 * schema describes the whole rp__payload, so header and kind fields share one base. */
#define PO(member) offsetof(rp__payload, member)
#define NFIELDS(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* The five header fields every kind starts with; `k` is the kind (key 1 must equal it). */
#define RP__PL_HEADER(k)                                                                   \
  {.key = 0,                                                                               \
   .name = "version",                                                                      \
   .type = RP__F_VERSION,                                                                  \
   .flags = RP__REQ,                                                                       \
   .off = PO(version)},                                                                    \
      {.key = 1,                                                                           \
       .name = "kind",                                                                     \
       .type = RP__F_UINT,                                                                 \
       .flags = RP__REQ,                                                                   \
       .off = PO(kind),                                                                    \
       .min = (k),                                                                         \
       .max = (k)},                                                                        \
      {.key = 2,                                                                           \
       .name = "msg_id",                                                                   \
       .type = RP__F_FIXBIN,                                                               \
       .flags = RP__REQ,                                                                   \
       .off = PO(msg_id),                                                                  \
       .min = RP_MSG_ID_BYTES,                                                             \
       .max = RP_MSG_ID_BYTES},                                                            \
      {.key = 3,                                                                           \
       .name = "thread_id",                                                                \
       .type = RP__F_FIXBIN,                                                               \
       .flags = RP__REQ,                                                                   \
       .off = PO(thread_id),                                                               \
       .min = RP_THREAD_ID_BYTES,                                                          \
       .max = RP_THREAD_ID_BYTES},                                                         \
  {                                                                                        \
    .key = 4, .name = "created", .type = RP__F_UINT, .flags = RP__REQ, .off = PO(created), \
    .min = 1, .max = RP__ENVHDR_TIME_MAX                                                   \
  }

/* A required 16-byte message id field referring to another payload. */
#define RP__PL_ID(k, nm, member)                                                           \
  {                                                                                        \
    .key = (k), .name = (nm), .type = RP__F_FIXBIN, .flags = RP__REQ, .off = PO(member),   \
    .min = RP_MSG_ID_BYTES, .max = RP_MSG_ID_BYTES                                         \
  }

/* A file-local enum name table: RP__PL_ENUM(urgency, "akut", ...) defines `urgency`. */
#define RP__PL_ENUM(var, ...) RP__ENUM(static, var, __VA_ARGS__)

/* Enum name tables (payload_common.c). */
extern const rp__enum rp__payload_enum_role, rp__payload_enum_risk_level,
    rp__payload_enum_risk_tool, rp__payload_enum_measures, rp__payload_enum_attachment_kind,
    rp__payload_enum_advisor_role, rp__payload_enum_mode, rp__payload_enum_place;

/* Nested schemas shared by several kinds (payload_common.c). */
extern const rp__schema rp__payload_risk_schema, rp__payload_attachment_schema,
    rp__payload_advisor_schema, rp__payload_slot_schema;

/* The per-kind schemas, indexed by kind in payload.c. */
extern const rp__schema rp__payload_request_schema, rp__payload_reply_schema,
    rp__payload_receipt_schema, rp__payload_assignment_schema,
    rp__payload_escalation_schema, rp__payload_follow_up_schema,
    rp__payload_info_request_schema, rp__payload_closure_schema,
    rp__payload_consent_withdrawn_schema, rp__payload_meeting_request_schema,
    rp__payload_meeting_proposal_schema, rp__payload_meeting_confirmation_schema,
    rp__payload_meeting_cancellation_schema, rp__payload_plan_review_schema,
    rp__payload_network_announcement_schema, rp__payload_registration_schema,
    rp__payload_recall_schema, rp__payload_roster_notice_schema;

/* Sets *where to `field` and returns `code`: the tail of every failing rule. */
static inline int rp__payload_fail(const char **where, const char *field, int code) {
  *where = field;
  return code;
}

/* 0 if s is a municipality code: three ASCII digits, not "000"; RP_EINVAL otherwise. */
int rp__payload_org_check(rp__str s);

/* 0 if s is a calendar date "YYYY-MM-DD" (Gregorian, year 1900..9999); RP_EINVAL
 * otherwise. An empty text is for the caller to judge (absent or missing). */
int rp__payload_date_check(rp__str s);

/* The meeting rule: a physical meeting names the kind of place (RP_EMISSING), an
 * online one does not (RP_EINVAL). Sets *where to "place" on failure. */
int rp__payload_place_check(int mode, int place, const char **where);

#endif /* RP_PAYLOAD_INT_H */
