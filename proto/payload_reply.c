/* SPDX-License-Identifier: MIT */
/*
 * The case dialogue after a request: the team's reply (svar), assignment and escalation
 * notices, follow-ups and the team's request for more information.
 */
#include "payload_int.h"

RP__PL_ENUM(actions, "ikke_inddrage_familien", "risikovurdering", "sikkerhedsplan",
            "kontakt_politi", "adressebeskyttelse", "underretning", "henvis_specialtilbud");
RP__PL_ENUM(referral_kind, "specialtilbud", "krisecenter", "sikker_bolig", "politi",
            "exit_tilbud", "juridisk_raadgivning", "andet");
/* The responsibility note as a one-name enum: the engine then refuses any other text
 * (RP_EENUM) and the C side never handles the string. */
RP__PL_ENUM(note, RP_PAYLOAD_RESPONSIBILITY_NOTE);
RP__PL_ENUM(escalation_reason, "frist_overskredet", "akut_uden_for_aabningstid",
            "alvorlig_risiko", "andet");
RP__PL_ENUM(info_topics, "risikovurdering", "foranstaltninger", "familieforhold",
            "netvaerk", "skole_beskaeftigelse", "tidligere_henvendelser", "andet");

/* ---- reply ---- */
static const rp__field referral_fields[] = {
    {.key = 1,
     .name = "referral.kind",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__referral, kind),
     .enm = &referral_kind},
    {.key = 2,
     .name = "referral.name",
     .type = RP__F_STR,
     .off = offsetof(rp__referral, name),
     .max = RP_TEXT_SHORT_MAX},
    {.key = 3,
     .name = "referral.note",
     .type = RP__F_STR,
     .off = offsetof(rp__referral, note),
     .max = RP_TEXT_SHORT_MAX},
};
static const rp__schema referral_schema = {"referral", sizeof(rp__referral),
                                           referral_fields, NFIELDS(referral_fields), NULL};

#define RE(m) PO(u.reply.m)
static const rp__field reply_fields[] = {
    RP__PL_HEADER(RP__PL_REPLY),
    RP__PL_ID(5, "in_reply_to", u.reply.in_reply_to),
    {.key = 6,
     .name = "advisor",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = RE(advisor),
     .sub = &rp__payload_advisor_schema},
    {.key = 7,
     .name = "advice",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = RE(advice),
     .min = 1,
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 8,
     .name = "recommended_actions",
     .type = RP__F_SET,
     .off = RE(recommended_actions),
     .max = RP_SET_MAX,
     .enm = &actions},
    {.key = 9,
     .name = "referrals",
     .type = RP__F_LIST,
     .off = RE(referrals),
     .max = RP_PAYLOAD_REFERRALS_MAX,
     .sub = &referral_schema,
     .count_off = RE(nreferrals)},
    {.key = 10,
     .name = "risk_view",
     .type = RP__F_ENUM,
     .off = RE(risk_view),
     .enm = &rp__payload_enum_risk_level},
    {.key = 11,
     .name = "responsibility_note",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = RE(responsibility_note),
     .enm = &note},
    {.key = 12,
     .name = "reporting_duty",
     .type = RP__F_BOOL,
     .flags = RP__REQ,
     .off = RE(reporting_duty)},
    {.key = 13, .name = "needs_more_info", .type = RP__F_BOOL, .off = RE(needs_more_info)},
    {.key = 14,
     .name = "follow_up_at",
     .type = RP__F_UINT,
     .off = RE(follow_up_at),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {.key = 15, .name = "meeting_offer", .type = RP__F_BOOL, .off = RE(meeting_offer)},
    {.key = 16,
     .name = "attachments",
     .type = RP__F_LIST,
     .off = RE(attachments),
     .max = RP_PAYLOAD_ATTACHMENTS_MAX,
     .sub = &rp__payload_attachment_schema,
     .count_off = RE(nattachments)},
    {.key = 17, .name = "automatic", .type = RP__F_BOOL, .off = RE(automatic)},
};
const rp__schema rp__payload_reply_schema = {"reply", sizeof(rp__payload), reply_fields,
                                             NFIELDS(reply_fields), NULL};

/* ---- assignment: the inbox tells the municipality who handles the thread ---- */
static const rp__field assignment_fields[] = {
    RP__PL_HEADER(RP__PL_ASSIGNMENT),
    RP__PL_ID(5, "about", u.assignment.about),
    {.key = 6,
     .name = "advisor",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = PO(u.assignment.advisor),
     .sub = &rp__payload_advisor_schema},
    {.key = 7,
     .name = "urgency",
     .type = RP__F_ENUM,
     .off = PO(u.assignment.urgency),
     .enm = &rp__urgency_enum},
    {.key = 8,
     .name = "deadline",
     .type = RP__F_UINT,
     .off = PO(u.assignment.deadline),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
};
const rp__schema rp__payload_assignment_schema = {
    "assignment", sizeof(rp__payload), assignment_fields, NFIELDS(assignment_fields), NULL};

/* ---- escalation: an overdue or grave thread goes up ---- */
static const rp__field escalation_fields[] = {
    RP__PL_HEADER(RP__PL_ESCALATION),
    RP__PL_ID(5, "about", u.escalation.about),
    {.key = 6,
     .name = "reason",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = PO(u.escalation.reason),
     .enm = &escalation_reason},
    {.key = 7,
     .name = "deadline",
     .type = RP__F_UINT,
     .off = PO(u.escalation.deadline),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {.key = 8,
     .name = "note",
     .type = RP__F_STR,
     .off = PO(u.escalation.note),
     .max = RP_TEXT_SHORT_MAX},
};
const rp__schema rp__payload_escalation_schema = {
    "escalation", sizeof(rp__payload), escalation_fields, NFIELDS(escalation_fields), NULL};

/* ---- follow-up: either side adds to a thread; may report a changed risk ---- */
#define FU(m) PO(u.follow_up.m)
static const rp__field follow_up_fields[] = {
    RP__PL_HEADER(RP__PL_FOLLOW_UP),
    RP__PL_ID(5, "in_reply_to", u.follow_up.in_reply_to),
    {.key = 6,
     .name = "text",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = FU(text),
     .min = 1,
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 7,
     .name = "urgency",
     .type = RP__F_ENUM,
     .off = FU(urgency),
     .enm = &rp__urgency_enum},
    {.key = 8,
     .name = "risk",
     .type = RP__F_STRUCT,
     .flags = RP__HAS,
     .off = FU(risk),
     .sub = &rp__payload_risk_schema,
     .has_off = FU(has_risk)},
    {.key = 9,
     .name = "measures_taken",
     .type = RP__F_SET,
     .off = FU(measures_taken),
     .max = RP_SET_MAX,
     .enm = &rp__payload_enum_measures},
};
const rp__schema rp__payload_follow_up_schema = {
    "follow_up", sizeof(rp__payload), follow_up_fields, NFIELDS(follow_up_fields), NULL};

/* ---- request for more information (team -> municipality) ---- */
static const rp__field info_request_fields[] = {
    RP__PL_HEADER(RP__PL_INFO_REQUEST),
    RP__PL_ID(5, "in_reply_to", u.info_request.in_reply_to),
    {.key = 6,
     .name = "questions",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = PO(u.info_request.questions),
     .min = 1,
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 7,
     .name = "topics",
     .type = RP__F_SET,
     .off = PO(u.info_request.topics),
     .max = RP_SET_MAX,
     .enm = &info_topics},
    {.key = 8,
     .name = "respond_by",
     .type = RP__F_UINT,
     .off = PO(u.info_request.respond_by),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
};
const rp__schema rp__payload_info_request_schema = {"info_request", sizeof(rp__payload),
                                                    info_request_fields,
                                                    NFIELDS(info_request_fields), NULL};
