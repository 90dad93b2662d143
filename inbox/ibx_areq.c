/* SPDX-License-Identifier: MIT */
#include "ibx_areq.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

#define RO(m) offsetof(rp__ibx_req, m)
#define SO(m) offsetof(rp__ibx_resp, m)
#define ENUM(name, ...) RP__ENUM(static, name, __VA_ARGS__)
/* The payloads' time range (unix ms, PROTOCOL.md 7.1). */
#define RP_IBX_TIME_MAX 253402300799999ull

ENUM(k_action, "list", "show", "claim", "reply", "ask", "close", "announce",
     "registrations", "export", "audit_verify", "assign", "save", "web_event", "recall",
     "meeting_propose", "meeting_confirm", "meeting_cancel", "stats", "changes");
ENUM(k_web_event, "login", "login_failed", "lockout", "logout", "enrolled");
ENUM(k_state, "new", "opened", "claimed", "answered", "waiting", "closed");
/* The request categories, closure outcomes and networks are the payloads' own tables
 * (payload.h). */

const rp__enum *rp__ibx_enum_state(void) {
  return &k_state;
}

const rp__enum *rp__ibx_enum_web_event(void) {
  return &k_web_event;
}

const char *rp__ibx_action_name(int a) {
  return a >= 1 && a <= RP_IBX_A_MAX ? k_action_names[a - 1] : NULL;
}

int rp__ibx_action_from_name(const char *name) {
  /* The command line writes "audit-verify"; the wire name has an underscore. */
  if (name != NULL && strcmp(name, "audit-verify") == 0) return RP_IBX_A_AUDIT_VERIFY;
  if (name != NULL && strcmp(name, "meeting-propose") == 0) return RP_IBX_A_MEETING_PROPOSE;
  if (name != NULL && strcmp(name, "meeting-confirm") == 0) return RP_IBX_A_MEETING_CONFIRM;
  if (name != NULL && strcmp(name, "meeting-cancel") == 0) return RP_IBX_A_MEETING_CANCEL;
  return rp__enum_find(&k_action, name);
}

/* A thread id or a unique prefix of one: RP_IBX_PREFIX_MIN..32 lowercase hex digits. */
static int is_hex_id(rp__str s) {
  if (s.n < RP_IBX_PREFIX_MIN || s.n > 32) return 0;
  for (uint32_t i = 0; i < s.n; i++) {
    char c = s.p[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
  }
  return 1;
}

static int is_digits(rp__str s, uint32_t n) {
  if (s.n != n) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (s.p[i] < '0' || s.p[i] > '9') return 0;
  return 1;
}

static int is_date(rp__str s) {
  if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s.p[i] < '0' || s.p[i] > '9')) return 0;
  int mo = (s.p[5] - '0') * 10 + (s.p[6] - '0'), d = (s.p[8] - '0') * 10 + (s.p[9] - '0');
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

/* A Unix user name as the audit log writes it: nothing a line or a shell could misread. */
static int is_user(rp__str s) {
  if (s.n == 0 || s.n > RP_IBX_WHO_MAX) return 0;
  for (uint32_t i = 0; i < s.n; i++) {
    char c = s.p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return 0;
  }
  return 1;
}

static int fail(const char **where, const char *field) {
  if (where != NULL) *where = field;
  return RP_EINVAL;
}

static int req_check(const void *obj, const char **where) {
  const rp__ibx_req *r = obj;
  if (r->thread.n != 0 && !is_hex_id(r->thread)) return fail(where, "thread");
  if (r->municipality.n != 0 && !is_digits(r->municipality, 3))
    return fail(where, "municipality");
  if (r->host_org.n != 0 && !is_digits(r->host_org, 3)) return fail(where, "host_org");
  if (r->event_on.n != 0 && !is_date(r->event_on)) return fail(where, "event_on");
  if (r->reg_deadline.n != 0 && !is_date(r->reg_deadline))
    return fail(where, "registration_deadline");
  if (r->to.n != 0 && !is_user(r->to)) return fail(where, "to");
  if (r->as.n != 0 && !is_user(r->as)) return fail(where, "as");
  if (r->follow_up_on.n != 0 && !is_date(r->follow_up_on))
    return fail(where, "follow_up_on");
  if (r->msg.n != 0 && !is_hex_id(r->msg)) return fail(where, "msg");
  if (r->from.n != 0 && !is_date(r->from)) return fail(where, "from");
  if (r->until.n != 0 && !is_date(r->until)) return fail(where, "until");
  return 0;
}

static const rp__field k_referral_fields[] = {
    {.key = 1,
     .name = "referral.kind",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = offsetof(rp__ibx_referral, kind),
     .max = RP_IBX_REQ_NAME_MAX},
    {.key = 2,
     .name = "referral.name",
     .type = RP__F_STR,
     .off = offsetof(rp__ibx_referral, name),
     .max = RP_TEXT_SHORT_MAX},
    {.key = 3,
     .name = "referral.note",
     .type = RP__F_STR,
     .off = offsetof(rp__ibx_referral, note),
     .max = RP_TEXT_SHORT_MAX},
};
static const rp__schema k_referral_schema = {
    "referral", sizeof(rp__ibx_referral), k_referral_fields,
    sizeof k_referral_fields / sizeof k_referral_fields[0], NULL};

static const rp__field k_slot_fields[] = {
    {.key = 1,
     .name = "slot.start",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = offsetof(rp__ibx_slot, start),
     .min = 1,
     .max = RP_IBX_TIME_MAX},
    {.key = 2,
     .name = "slot.end",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = offsetof(rp__ibx_slot, end),
     .min = 1,
     .max = RP_IBX_TIME_MAX},
};
static const rp__schema k_slot_schema = {"slot", sizeof(rp__ibx_slot), k_slot_fields,
                                         sizeof k_slot_fields / sizeof k_slot_fields[0],
                                         NULL};

static const rp__field k_req_fields[] = {
    {.key = 0,
     .name = "version",
     .type = RP__F_VERSION,
     .flags = RP__REQ,
     .off = RO(version)},
    {.key = 1,
     .name = "action",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = RO(action),
     .enm = &k_action},
    {.key = 2, .name = "thread", .type = RP__F_STR, .off = RO(thread), .max = 32},
    {.key = 3, .name = "state", .type = RP__F_ENUM, .off = RO(state), .enm = &k_state},
    {.key = 4,
     .name = "municipality",
     .type = RP__F_STR,
     .off = RO(municipality),
     .max = 3},
    {.key = 5,
     .name = "category",
     .type = RP__F_ENUM,
     .off = RO(category),
     .enm = &rp__payload_enum_category},
    {.key = 6,
     .name = "text",
     .type = RP__F_STR,
     .off = RO(text),
     .max = RP_TEXT_QUESTION_MAX},
    {.key = 7,
     .name = "outcome",
     .type = RP__F_ENUM,
     .off = RO(outcome),
     .enm = &rp__payload_enum_outcome},
    {.key = 8,
     .name = "network",
     .type = RP__F_ENUM,
     .off = RO(network),
     .enm = &rp__payload_enum_network},
    {.key = 9, .name = "event_on", .type = RP__F_STR, .off = RO(event_on), .max = 10},
    {.key = 10, .name = "host_org", .type = RP__F_STR, .off = RO(host_org), .max = 3},
    {.key = 11,
     .name = "title",
     .type = RP__F_STR,
     .off = RO(title),
     .max = RP_TEXT_SHORT_MAX},
    {.key = 12,
     .name = "registration_deadline",
     .type = RP__F_STR,
     .off = RO(reg_deadline),
     .max = 10},
    {.key = 13, .name = "all", .type = RP__F_BOOL, .off = RO(all)},
    {.key = 14, .name = "takeover", .type = RP__F_BOOL, .off = RO(takeover)},
    /* 15 retired (test_user of an older version): never reuse. */
    {.key = 16, .name = "to", .type = RP__F_STR, .off = RO(to), .max = RP_IBX_WHO_MAX},
    {.key = 17,
     .name = "attachment",
     .type = RP__F_UINT,
     .off = RO(attachment),
     .min = 1,
     .max = RP_IBX_THREAD_MSGS_MAX * RP_PAYLOAD_ATTACHMENTS_MAX},
    {.key = 18,
     .name = "attach",
     .type = RP__F_STR,
     .off = RO(attach),
     .max = RP_IBX_ATTACH_SPEC_MAX},
    {.key = 19, .name = "as", .type = RP__F_STR, .off = RO(as), .max = RP_IBX_WHO_MAX},
    {.key = 20,
     .name = "web_event",
     .type = RP__F_ENUM,
     .off = RO(web_event),
     .enm = &k_web_event},
    {.key = 21,
     .name = "recommended_actions",
     .type = RP__F_STRLIST,
     .off = RO(actions),
     .max = RP_IBX_REQ_ACTIONS_MAX,
     .count_off = RO(nactions),
     .elem_max = RP_IBX_REQ_NAME_MAX},
    {.key = 22,
     .name = "referrals",
     .type = RP__F_LIST,
     .off = RO(referrals),
     .max = RP_IBX_REQ_REFERRALS_MAX,
     .sub = &k_referral_schema,
     .count_off = RO(nreferrals)},
    {.key = 23,
     .name = "risk_view",
     .type = RP__F_STR,
     .off = RO(risk_view),
     .max = RP_IBX_REQ_NAME_MAX},
    {.key = 24,
     .name = "reporting_duty",
     .type = RP__F_STR,
     .off = RO(reporting_duty),
     .max = RP_IBX_REQ_NAME_MAX},
    {.key = 25, .name = "needs_more_info", .type = RP__F_BOOL, .off = RO(needs_more_info)},
    {.key = 26,
     .name = "follow_up_on",
     .type = RP__F_STR,
     .off = RO(follow_up_on),
     .max = 10},
    {.key = 27, .name = "meeting_offer", .type = RP__F_BOOL, .off = RO(meeting_offer)},
    {.key = 28, .name = "msg", .type = RP__F_STR, .off = RO(msg), .max = 32},
    {.key = 29,
     .name = "reason",
     .type = RP__F_STR,
     .off = RO(reason),
     .max = RP_IBX_REQ_NAME_MAX},
    {.key = 30,
     .name = "slots",
     .type = RP__F_LIST,
     .off = RO(slots),
     .max = RP_IBX_REQ_SLOTS_MAX,
     .sub = &k_slot_schema,
     .count_off = RO(nslots)},
    {.key = 31,
     .name = "mode",
     .type = RP__F_STR,
     .off = RO(mode),
     .max = RP_IBX_REQ_NAME_MAX},
    {.key = 32,
     .name = "place",
     .type = RP__F_STR,
     .off = RO(place),
     .max = RP_IBX_REQ_NAME_MAX},
    {.key = 33, .name = "from", .type = RP__F_STR, .off = RO(from), .max = 10},
    {.key = 34, .name = "until", .type = RP__F_STR, .off = RO(until), .max = 10},
    {.key = 35,
     .name = "urgency",
     .type = RP__F_ENUM,
     .off = RO(urgency),
     .enm = &rp__urgency_enum},
};
static const rp__schema k_req_schema = {
    "advisor_request", sizeof(rp__ibx_req), k_req_fields,
    sizeof k_req_fields / sizeof k_req_fields[0], req_check};

static const rp__field k_resp_fields[] = {
    {.key = 0,
     .name = "version",
     .type = RP__F_VERSION,
     .flags = RP__REQ,
     .off = SO(version)},
    {.key = 1, .name = "error", .type = RP__F_UINT, .off = SO(error), .max = 1000},
    {.key = 2, .name = "message", .type = RP__F_STR, .off = SO(message), .max = 1024},
    {.key = 3, .name = "text", .type = RP__F_STR, .off = SO(text), .max = RP_IBX_RESP_MAX},
    {.key = 4, .name = "json", .type = RP__F_STR, .off = SO(json), .max = RP_IBX_RESP_MAX},
    {.key = 5,
     .name = "name",
     .type = RP__F_STR,
     .off = SO(name),
     .max = RP_TEXT_SHORT_MAX},
    {.key = 6, .name = "size", .type = RP__F_UINT, .off = SO(size), .max = UINT64_MAX},
    {.key = 7, .name = "sha256", .type = RP__F_STR, .off = SO(sha256), .max = 64},
};
static const rp__schema k_resp_schema = {
    "advisor_response", sizeof(rp__ibx_resp), k_resp_fields,
    sizeof k_resp_fields / sizeof k_resp_fields[0], NULL};

int rp__ibx_req_decode(const uint8_t *buf, size_t len, rp__ibx_req *out,
                       const char **where) {
  if (where != NULL) *where = NULL;
  if (len > RP_IBX_REQ_MAX) {
    memset(out, 0, sizeof *out);
    return RP_ETOOBIG;
  }
  return rp__mp_decode(&k_req_schema, buf, len, out, where);
}

int rp__ibx_req_encode(const rp__ibx_req *r, uint8_t *buf, size_t cap, size_t *len) {
  return rp__mp_encode(&k_req_schema, r, buf, cap, len, NULL);
}

int rp__ibx_resp_decode(const uint8_t *buf, size_t len, rp__ibx_resp *out) {
  if (len > RP_IBX_RESP_MAX) {
    memset(out, 0, sizeof *out);
    return RP_ETOOBIG;
  }
  return rp__mp_decode(&k_resp_schema, buf, len, out, NULL);
}

int rp__ibx_resp_encode(const rp__ibx_resp *r, uint8_t **out, size_t *len) {
  size_t cap = 128 + r->message.n + r->text.n + r->json.n + r->name.n + r->sha256.n;
  uint8_t *b;
  int rc;
  *out = NULL;
  *len = 0;
  if ((b = malloc(cap)) == NULL) return RP_ENOMEM;
  if ((rc = rp__mp_encode(&k_resp_schema, r, b, cap, len, NULL)) != 0) {
    free(b);
    return rc;
  }
  *out = b;
  return 0;
}

int rp__ibx_frame_len(const uint8_t hdr[4], uint32_t max, uint32_t *len) {
  uint32_t n = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) |
               ((uint32_t)hdr[2] << 8) | hdr[3];
  *len = 0;
  if (n > max) return RP_ETOOBIG;
  *len = n;
  return 0;
}
