/* SPDX-License-Identifier: MIT */
/*
 * Pieces that several payload kinds share: enum name tables, the nested maps (risk,
 * attachment, advisor, time slot) and the validators behind the cross-field rules.
 */
#include <string.h>

#include "chunk.h" /* RP__CHUNK_ATTACHMENT_MAX */
#include "cpr.h"
#include "payload_int.h"

#define ENUM(var, ...) RP__ENUM(, var, __VA_ARGS__)

ENUM(rp__payload_enum_role, "myndighedsraadgiver", "leder", "ssp", "jobcenter", "skole",
     "andet");
ENUM(rp__payload_enum_risk_level, "lav", "middel", "hoej", "ukendt");
ENUM(rp__payload_enum_risk_tool, "patriark", "anden", "ingen");
ENUM(rp__payload_enum_measures, "underretning", "screening", "boernefaglig_undersoegelse",
     "handleplan", "sikkerhedsplan", "politi", "krisecenter", "adressebeskyttelse",
     "family_informed");
ENUM(rp__payload_enum_attachment_kind, "beredskabsplan_udkast", "handlingsplan",
     "risikovurdering", "andet");
ENUM(rp__payload_enum_advisor_role, "raadgiver", "specialkonsulent", "teamleder", "jurist",
     "andet");
ENUM(rp__payload_enum_mode, "online", "fysisk");
ENUM(rp__payload_enum_place, "hos_kommunen", "hos_rejseholdet", "andet_sted");
/* Also read by the inbox (payload.h). */
ENUM(rp__payload_enum_category, "negativ_social_kontrol", "aeresrelateret_konflikt",
     "trusler", "vold", "tvangsaegteskab", "genopdragelsesrejse", "omskaering", "lgbt",
     "exit", "strategisk");
ENUM(rp__payload_enum_outcome, "raadgivning_givet", "henvist_specialtilbud",
     "exit_ivaerksat", "plan_udarbejdet", "besoeg_gennemfoert", "samtykke_tilbagekaldt",
     "ingen_yderligere_kontakt", "andet");
ENUM(rp__payload_enum_network, "oest", "vest");

int rp__payload_org_check(rp__str s) {
  if (s.n != 3 || s.p == NULL) return RP_EINVAL;
  for (uint32_t i = 0; i < 3; i++)
    if (s.p[i] < '0' || s.p[i] > '9') return RP_EINVAL;
  return memcmp(s.p, "000", 3) == 0 ? RP_EINVAL : 0;
}

static unsigned digits(const char *p, size_t n, bool *ok) {
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') *ok = false;
    v = v * 10 + (unsigned)(p[i] - '0');
  }
  return v;
}

int rp__payload_date_check(rp__str s) {
  bool ok = true;
  if (s.n != 10 || s.p == NULL || s.p[4] != '-' || s.p[7] != '-') return RP_EINVAL;
  unsigned y = digits(s.p, 4, &ok), m = digits(s.p + 5, 2, &ok),
           d = digits(s.p + 8, 2, &ok);
  if (!ok || y < 1900 || !rp__cpr_date_valid(y, m, d)) return RP_EINVAL;
  return 0;
}

int rp__payload_place_check(int mode, int place, const char **where) {
  if (mode == RP__MODE_FYSISK && place == 0) {
    *where = "place";
    return RP_EMISSING;
  }
  if (mode == RP__MODE_ONLINE && place != 0) {
    *where = "place";
    return RP_EINVAL;
  }
  return 0;
}

/* ---- risk: only the result of an assessment, never the worksheet ---- */
static int risk_check(const void *obj, const char **where) {
  const rp__risk *r = obj;
  /* A result from an assessment tool is dated; "ingen" means no tool was used. */
  if (r->tool != RP__TOOL_INGEN && r->assessed_on.n == 0) {
    *where = "risk.assessed_on";
    return RP_EMISSING;
  }
  if (r->assessed_on.n != 0 && rp__payload_date_check(r->assessed_on) != 0) {
    *where = "risk.assessed_on";
    return RP_EINVAL;
  }
  return 0;
}

static const rp__field risk_fields[] = {
    {.key = 1,
     .name = "risk.level",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__risk, level),
     .enm = &rp__payload_enum_risk_level},
    {.key = 2,
     .name = "risk.acute",
     .type = RP__F_BOOL,
     .flags = RP__REQ,
     .off = offsetof(rp__risk, acute)},
    {.key = 3,
     .name = "risk.tool",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__risk, tool),
     .enm = &rp__payload_enum_risk_tool},
    {.key = 4,
     .name = "risk.assessed_on",
     .type = RP__F_STR,
     .off = offsetof(rp__risk, assessed_on),
     .min = 10,
     .max = 10},
};
const rp__schema rp__payload_risk_schema = {"risk", sizeof(rp__risk), risk_fields,
                                            NFIELDS(risk_fields), risk_check};

/* ---- attachment: described here, sealed and sent in chunks beside the payload ---- */

/* A bare file name: a receiver may save it, so no directory part, no "." or "..", and
 * no control characters that could disguise it on a terminal. */
static int file_name_check(rp__str s) {
  const uint8_t *p = (const uint8_t *)s.p;
  if (p == NULL) return s.n == 0 ? 0 : RP_EINVAL;
  if ((s.n == 1 && p[0] == '.') || (s.n == 2 && p[0] == '.' && p[1] == '.'))
    return RP_EINVAL;
  for (uint32_t i = 0; i < s.n; i++) {
    if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '/' || p[i] == '\\') return RP_EINVAL;
    /* C1 controls U+0080..U+009F; the text is valid UTF-8, so p[i + 1] exists. */
    if (p[i] == 0xc2 && p[i + 1] <= 0x9f) return RP_EINVAL;
  }
  return 0;
}

/* RFC 6838 restricted names, lower case, without parameters: "type/subtype". */
static int mime_check(rp__str s) {
  uint32_t slash = 0, nslash = 0;
  if (s.p == NULL) return s.n == 0 ? 0 : RP_EINVAL;
  for (uint32_t i = 0; i < s.n; i++) {
    char c = s.p[i];
    if (c == '/') {
      slash = i;
      nslash++;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 strchr("!#$&^_.+-", c) != NULL)) {
      return RP_EINVAL;
    }
  }
  if (nslash != 1 || slash == 0 || slash == s.n - 1 || slash > 127 || s.n - slash - 1 > 127)
    return RP_EINVAL;
  return 0;
}

static int attachment_check(const void *obj, const char **where) {
  const rp__attachment *a = obj;
  if (file_name_check(a->name) != 0) {
    *where = "attachment.name";
    return RP_EINVAL;
  }
  if (mime_check(a->mime) != 0) {
    *where = "attachment.mime";
    return RP_EINVAL;
  }
  return 0;
}

static const rp__field attachment_fields[] = {
    {.key = 1,
     .name = "attachment.name",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = offsetof(rp__attachment, name),
     .min = 1,
     .max = RP_TEXT_SHORT_MAX},
    {.key = 2,
     .name = "attachment.mime",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = offsetof(rp__attachment, mime),
     .min = 3,
     .max = RP_PAYLOAD_MIME_MAX},
    {.key = 3,
     .name = "attachment.size",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = offsetof(rp__attachment, size),
     .min = 0,
     .max = RP__CHUNK_ATTACHMENT_MAX},
    {.key = 4,
     .name = "attachment.sha256",
     .type = RP__F_FIXBIN,
     .flags = RP__REQ,
     .off = offsetof(rp__attachment, sha256),
     .min = 32,
     .max = 32},
    {.key = 5,
     .name = "attachment.kind",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__attachment, kind),
     .enm = &rp__payload_enum_attachment_kind},
};
const rp__schema rp__payload_attachment_schema = {
    "attachment", sizeof(rp__attachment), attachment_fields, NFIELDS(attachment_fields),
    attachment_check};

/* ---- advisor: role and a pseudonymous id; advisors hide surnames for safety ---- */
static const rp__field advisor_fields[] = {
    {.key = 1,
     .name = "advisor.role",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__advisor, role),
     .enm = &rp__payload_enum_advisor_role},
    {.key = 2,
     .name = "advisor.id",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = offsetof(rp__advisor, id),
     .min = 1,
     .max = RP_PAYLOAD_ADVISOR_ID_MAX},
};
const rp__schema rp__payload_advisor_schema = {
    "advisor", sizeof(rp__advisor), advisor_fields, NFIELDS(advisor_fields), NULL};

/* ---- time slot of a meeting ---- */
static int slot_check(const void *obj, const char **where) {
  const rp__slot *s = obj;
  if (s->end <= s->start || s->end - s->start > RP_PAYLOAD_SLOT_MAX_MS) {
    *where = "slot.end";
    return RP_EINVAL;
  }
  return 0;
}

static const rp__field slot_fields[] = {
    {.key = 1,
     .name = "slot.start",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = offsetof(rp__slot, start),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {.key = 2,
     .name = "slot.end",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = offsetof(rp__slot, end),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
};
const rp__schema rp__payload_slot_schema = {"slot", sizeof(rp__slot), slot_fields,
                                            NFIELDS(slot_fields), slot_check};
