/* SPDX-License-Identifier: MIT */
/*
 * The advisory request (henvendelse), municipality -> team: the one payload that carries
 * special-category personal data, so it has the most rules (docs/DOMAIN.md,
 * docs/PROTOCOL.md 7.3). Everything the team needs for triage is coded; free text is
 * limited to the question, the caseworker's opaque references and attachment names.
 */
#include "payload_int.h"

RP__PL_ENUM(request_type, "konkret_sag", "anonym_sparring", "beredskabsplan",
            "handlingsplan", "exit", "opkvalificering", "besoeg");
RP__PL_ENUM(phase, "optrapning", "akut", "genetablering");
RP__PL_ENUM(age_band, "0_11", "12_14", "15_17", "18_22", "23_29", "30_plus");
RP__PL_ENUM(gender, "kvinde", "mand", "andet");
RP__PL_ENUM(yes_no, "ja", "nej");
RP__PL_ENUM(yes_no_unknown, "ja", "nej", "ukendt");
RP__PL_ENUM(ident_mode, "anonym", "pseudonym");
RP__PL_ENUM(consent, "ingen", "borger", "foraeldremyndighed");
RP__PL_ENUM(legal_basis, "samtykke", "forvaltningsloven_28", "retssikkerhedsloven_11c",
            "barnets_lov", "serviceloven", "vitale_interesser", "andet");
RP__PL_ENUM(needs, "risikovurdering", "sikkerhedsplan", "exit", "sikker_bolig",
            "specialtilbud", "jura", "besoeg");

/* ---- citizen: only what selects the legal track and the advice ---- */
static int citizen_check(const void *obj, const char **where) {
  const rp__citizen *c = obj;
  /* Exactly one of age and age_band: two values could disagree, none leaves the team
   * guessing at the legal track. */
  if (c->age == 0 && c->age_band == 0) {
    *where = "citizen.age";
    return RP_EMISSING;
  }
  if (c->age != 0 && c->age_band != 0) {
    *where = "citizen.age_band";
    return RP_EINVAL;
  }
  bool minor = c->age != 0 ? c->age < 18 : c->age_band <= RP__AGE_15_17;
  if (minor != c->under_18) {
    *where = "citizen.under_18";
    return RP_EINVAL;
  }
  return 0;
}

static const rp__field citizen_fields[] = {
    {.key = 1,
     .name = "citizen.age",
     .type = RP__F_UINT,
     .off = offsetof(rp__citizen, age),
     .min = 1,
     .max = RP_PAYLOAD_AGE_MAX},
    {.key = 2,
     .name = "citizen.age_band",
     .type = RP__F_ENUM,
     .off = offsetof(rp__citizen, age_band),
     .enm = &age_band},
    {.key = 3,
     .name = "citizen.under_18",
     .type = RP__F_BOOL,
     .flags = RP__REQ,
     .off = offsetof(rp__citizen, under_18)},
    {.key = 4,
     .name = "citizen.gender",
     .type = RP__F_ENUM,
     .off = offsetof(rp__citizen, gender),
     .enm = &gender},
    {.key = 5,
     .name = "citizen.siblings_at_risk",
     .type = RP__F_ENUM,
     .off = offsetof(rp__citizen, siblings_at_risk),
     .enm = &yes_no_unknown},
};
static const rp__schema citizen_schema = {"citizen", sizeof(rp__citizen), citizen_fields,
                                          NFIELDS(citizen_fields), citizen_check};

static const rp__field ident_fields[] = {
    {.key = 1,
     .name = "identifiability.mode",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__identifiability, mode),
     .enm = &ident_mode},
    {.key = 2,
     .name = "identifiability.consent",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__identifiability, consent),
     .enm = &consent},
};
static const rp__schema ident_schema = {"identifiability", sizeof(rp__identifiability),
                                        ident_fields, NFIELDS(ident_fields), NULL};

/* ---- the request ---- */
static int request_check(const void *obj, const char **where) {
  const rp__pl_request *q = &((const rp__payload *)obj)->u.request;
  const rp__identifiability *id = &q->identifiability;
  if (rp__payload_org_check(q->sender_org) != 0)
    return rp__payload_fail(where, "sender_org", RP_EINVAL);
  /* Triage needs at least one category. */
  if (q->categories == 0) return rp__payload_fail(where, "categories", RP_EMISSING);
  /* Under 18: the law requires a risk assessment before the family is involved, so the
   * sender must say whether it was made (ja or nej; nej is data, not an error). */
  if (q->citizen.under_18 && q->risk_assessed_before_family == 0)
    return rp__payload_fail(where, "risk_assessed_before_family", RP_EMISSING);
  /* Pseudonymous case data goes only with a recorded legal basis ... */
  if (id->mode == RP__IDENT_PSEUDONYM && q->legal_basis == 0)
    return rp__payload_fail(where, "legal_basis", RP_EMISSING);
  /* ... and a basis of consent needs someone who consented. */
  if (q->legal_basis == RP__LB_SAMTYKKE && id->consent == RP__CONSENT_INGEN)
    return rp__payload_fail(where, "identifiability.consent", RP_EINVAL);
  /* Parental authority ends at 18. */
  if (id->consent == RP__CONSENT_FORAELDREMYNDIGHED && !q->citizen.under_18)
    return rp__payload_fail(where, "identifiability.consent", RP_EINVAL);
  /* An anonymous sparring carries no pseudonymous case data. */
  if (q->request_type == RP__RT_ANONYM_SPARRING && id->mode == RP__IDENT_PSEUDONYM)
    return rp__payload_fail(where, "identifiability.mode", RP_EINVAL);
  return 0;
}

#define RQ(m) PO(u.request.m)
static const rp__field request_fields[] = {
    RP__PL_HEADER(RP__PL_REQUEST),
    {.key = 5,
     .name = "sender_org",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = RQ(sender_org),
     .min = 3,
     .max = 3},
    {.key = 6,
     .name = "sender_role",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = RQ(sender_role),
     .enm = &rp__payload_enum_role},
    {.key = 7,
     .name = "sender_ref",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = RQ(sender_ref),
     .min = 1,
     .max = RP_TEXT_SHORT_MAX},
    {.key = 8,
     .name = "local_case_ref",
     .type = RP__F_STR,
     .off = RQ(local_case_ref),
     .max = RP_TEXT_SHORT_MAX},
    {.key = 9,
     .name = "request_type",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = RQ(request_type),
     .enm = &request_type},
    {.key = 10,
     .name = "urgency",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = RQ(urgency),
     .enm = &rp__urgency_enum},
    {.key = 11,
     .name = "categories",
     .type = RP__F_SET,
     .flags = RP__REQ,
     .off = RQ(categories),
     .max = RP_SET_MAX,
     .enm = &rp__payload_enum_category},
    {.key = 12, .name = "phase", .type = RP__F_ENUM, .off = RQ(phase), .enm = &phase},
    {.key = 13,
     .name = "risk",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = RQ(risk),
     .sub = &rp__payload_risk_schema},
    {.key = 14,
     .name = "citizen",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = RQ(citizen),
     .sub = &citizen_schema},
    {.key = 15,
     .name = "risk_assessed_before_family",
     .type = RP__F_ENUM,
     .off = RQ(risk_assessed_before_family),
     .enm = &yes_no},
    {.key = 16,
     .name = "identifiability",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = RQ(identifiability),
     .sub = &ident_schema},
    {.key = 17,
     .name = "legal_basis",
     .type = RP__F_ENUM,
     .off = RQ(legal_basis),
     .enm = &legal_basis},
    {.key = 18,
     .name = "measures_taken",
     .type = RP__F_SET,
     .flags = RP__REQ,
     .off = RQ(measures_taken),
     .max = RP_SET_MAX,
     .enm = &rp__payload_enum_measures},
    {.key = 19,
     .name = "needs",
     .type = RP__F_SET,
     .off = RQ(needs),
     .max = RP_SET_MAX,
     .enm = &needs},
    {.key = 20,
     .name = "question",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = RQ(question),
     .min = 1,
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 21,
     .name = "attachments",
     .type = RP__F_LIST,
     .off = RQ(attachments),
     .max = RP_PAYLOAD_ATTACHMENTS_MAX,
     .sub = &rp__payload_attachment_schema,
     .count_off = RQ(nattachments)},
};
const rp__schema rp__payload_request_schema = {
    "request", sizeof(rp__payload), request_fields, NFIELDS(request_fields), request_check};
