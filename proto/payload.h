/* SPDX-License-Identifier: MIT */
/*
 * The end-to-end payloads (docs/DOMAIN.md, "What they send each other"): what travels
 * inside an HPKE envelope between a municipality's case system and the team's inbox.
 *
 * Every payload is one msgpack map decoded by the schema engine (mp.h), with the same
 * five header keys, then the fields of its kind (docs/PROTOCOL.md section 7 lists them):
 *   0 version (RP_SCHEMA_VERSION), 1 kind (an rp__payload_kind, unsigned integer),
 *   2 msg_id (16 bytes), 3 thread_id (16 bytes), 4 created (unix milliseconds).
 * Enumerations travel as their (ASCII, Danish) names; in C they are 1-based indexes into
 * the name tables, 0 meaning absent. Sets are uint64_t bit masks: name i is bit i-1,
 * see RP__BIT. Decoded texts borrow from the input buffer.
 *
 * Where a rule fails, *where names the field; fields of nested maps are named
 * "<map>.<field>" (e.g. "risk.level", "attachment.name").
 *
 * Errors beyond the engine's (mp.h): a value that breaks a documented rule of its kind
 * (a malformed date or municipality code, or two fields that contradict each other) is
 * RP_EINVAL; a field that a rule makes required (legal_basis when pseudonym) is
 * RP_EMISSING; an unknown kind is RP_EENUM.
 *
 * No payload has a field for an address or any other location: location data never
 * travels (docs/DOMAIN.md). Adding one is a design change, not a schema change.
 */
#ifndef RP_PAYLOAD_H
#define RP_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "envelope_hdr.h" /* rp__urgency: RP__URG_* */
#include "mp.h"

/* ---- payload caps (the general ones are in caps.h) ---- */
/* Attachments per payload. A request carries a few draft plans or a risk result; 16 is
 * generous and keeps rp__payload a few kilobytes, well under RP_LIST_MAX. */
#define RP_PAYLOAD_ATTACHMENTS_MAX 16u
/* Bytes of one attachment's content: 0..RP__CHUNK_ATTACHMENT_MAX (chunk.h), the ceiling
 * of the chunk format. The content travels as sealed chunks, not in the payload; the
 * client sets a lower cap of its own. */
/* A media type "type/subtype": RFC 6838 allows 127 bytes for each half. */
#define RP_PAYLOAD_MIME_MAX 255u
/* Referrals in one reply: a handful of services at most. */
#define RP_PAYLOAD_REFERRALS_MAX 16u
/* Time slots in a meeting request or proposal: a short list to choose from. */
#define RP_PAYLOAD_SLOTS_MAX 8u
/* Length of a meeting slot, and of a requested meeting in minutes (a working day). */
#define RP_PAYLOAD_SLOT_MAX_MS (24ull * 3600 * 1000)
#define RP_PAYLOAD_DURATION_MIN 15u
#define RP_PAYLOAD_DURATION_MAX 480u
/* An advisor's pseudonymous id ("Sara R.", "R7"): short, like a member id. */
#define RP_PAYLOAD_ADVISOR_ID_MAX 64u
/* People one municipality registers for a network meeting. */
#define RP_PAYLOAD_PARTICIPANTS_MAX 20u
/* Member changes listed in one roster notice. */
#define RP_PAYLOAD_ROSTER_CHANGES_MAX RP_LIST_MAX
/* A citizen's exact age in years. */
#define RP_PAYLOAD_AGE_MAX 120u
/* Every unix-millisecond time is at most RP__ENVHDR_TIME_MAX (envelope_hdr.h). */
/* A generous bound on any encoded payload (every field at its cap stays below it; a
 * test proves it), so callers can size buffers. Far below RP_ENVELOPE_BODY_MAX. */
#define RP_PAYLOAD_MAX (256u * 1024u)

/* The fixed responsibility note of every reply (key 11). The encoder writes it; the
 * decoder refuses a reply whose note is anything else (RP_EENUM). */
#define RP_PAYLOAD_RESPONSIBILITY_NOTE                                                     \
  "Rådgivningen er vejledende. Kommunen har myndighedsansvaret og træffer "              \
  "afgørelserne i sagen."

/* The bit of set element `idx` (an enum constant below). */
#define RP__BIT(idx) (1ull << ((idx)-1))

/* ---- payload kinds: the value of key 1. Never renumbered. ---- */
typedef enum rp__payload_kind {
  RP__PL_REQUEST = 1,           /* henvendelse, municipality -> team */
  RP__PL_REPLY = 2,             /* svar, team -> municipality */
  RP__PL_RECEIPT = 3,           /* kvittering */
  RP__PL_ASSIGNMENT = 4,        /* tildeling */
  RP__PL_ESCALATION = 5,        /* eskalering */
  RP__PL_FOLLOW_UP = 6,         /* opfølgning */
  RP__PL_INFO_REQUEST = 7,      /* anmodning om yderligere oplysninger */
  RP__PL_CLOSURE = 8,           /* afslutning */
  RP__PL_CONSENT_WITHDRAWN = 9, /* samtykke trukket tilbage */
  RP__PL_MEETING_REQUEST = 10,
  RP__PL_MEETING_PROPOSAL = 11,
  RP__PL_MEETING_CONFIRMATION = 12,
  RP__PL_MEETING_CANCELLATION = 13,
  RP__PL_PLAN_REVIEW = 14,          /* anmodning om gennemgang af plan */
  RP__PL_NETWORK_ANNOUNCEMENT = 15, /* netværksindkaldelse */
  RP__PL_REGISTRATION = 16,         /* tilmelding */
  RP__PL_RECALL = 17,               /* tilbagekaldelse */
  RP__PL_ROSTER_NOTICE = 18,        /* nøgleskift / ny medlemsliste */
  RP__PL_KIND_MAX = 18
} rp__payload_kind;

/* Who may send a kind (see rp__payload_kind_senders). */
#define RP__FROM_MUNICIPALITY 0x1u
#define RP__FROM_TEAM 0x2u
#define RP__FROM_ADMIN 0x4u

/* ---- enumerations: C constants are the 1-based indexes of the wire names ---- */

/* Name tables that other layers read too (the inbox's advisor requests and listings);
 * the rest are in payload_int.h. Urgency's is in envelope_hdr.h. */
extern const rp__enum rp__payload_enum_category, rp__payload_enum_outcome,
    rp__payload_enum_network;

enum {
  RP__ROLE_MYNDIGHEDSRAADGIVER = 1,
  RP__ROLE_LEDER,
  RP__ROLE_SSP,
  RP__ROLE_JOBCENTER,
  RP__ROLE_SKOLE,
  RP__ROLE_ANDET
};
enum {
  RP__RT_KONKRET_SAG = 1,
  RP__RT_ANONYM_SPARRING,
  RP__RT_BEREDSKABSPLAN,
  RP__RT_HANDLINGSPLAN,
  RP__RT_EXIT,
  RP__RT_OPKVALIFICERING,
  RP__RT_BESOEG
};
enum {
  RP__CAT_NEGATIV_SOCIAL_KONTROL = 1,
  RP__CAT_AERESRELATERET_KONFLIKT,
  RP__CAT_TRUSLER,
  RP__CAT_VOLD,
  RP__CAT_TVANGSAEGTESKAB,
  RP__CAT_GENOPDRAGELSESREJSE,
  RP__CAT_OMSKAERING,
  RP__CAT_LGBT,
  RP__CAT_EXIT,
  RP__CAT_STRATEGISK
};
enum { RP__PHASE_OPTRAPNING = 1, RP__PHASE_AKUT, RP__PHASE_GENETABLERING };
enum { RP__RISK_LAV = 1, RP__RISK_MIDDEL, RP__RISK_HOEJ, RP__RISK_UKENDT };
enum { RP__TOOL_PATRIARK = 1, RP__TOOL_ANDEN, RP__TOOL_INGEN };
enum {
  RP__AGE_0_11 = 1,
  RP__AGE_12_14,
  RP__AGE_15_17,
  RP__AGE_18_22,
  RP__AGE_23_29,
  RP__AGE_30_PLUS
};
enum { RP__GENDER_KVINDE = 1, RP__GENDER_MAND, RP__GENDER_ANDET };
/* ja/nej (risk_assessed_before_family) and ja/nej/ukendt (siblings_at_risk). */
enum { RP__JA = 1, RP__NEJ, RP__UKENDT };
enum { RP__IDENT_ANONYM = 1, RP__IDENT_PSEUDONYM };
enum { RP__CONSENT_INGEN = 1, RP__CONSENT_BORGER, RP__CONSENT_FORAELDREMYNDIGHED };
enum {
  RP__LB_SAMTYKKE = 1,
  RP__LB_FORVALTNINGSLOVEN_28,
  RP__LB_RETSSIKKERHEDSLOVEN_11C,
  RP__LB_BARNETS_LOV,
  RP__LB_SERVICELOVEN,
  RP__LB_VITALE_INTERESSER,
  RP__LB_ANDET
};
enum {
  RP__MEAS_UNDERRETNING = 1,
  RP__MEAS_SCREENING,
  RP__MEAS_BOERNEFAGLIG_UNDERSOEGELSE,
  RP__MEAS_HANDLEPLAN,
  RP__MEAS_SIKKERHEDSPLAN,
  RP__MEAS_POLITI,
  RP__MEAS_KRISECENTER,
  RP__MEAS_ADRESSEBESKYTTELSE,
  RP__MEAS_FAMILY_INFORMED
};
enum {
  RP__NEED_RISIKOVURDERING = 1,
  RP__NEED_SIKKERHEDSPLAN,
  RP__NEED_EXIT,
  RP__NEED_SIKKER_BOLIG,
  RP__NEED_SPECIALTILBUD,
  RP__NEED_JURA,
  RP__NEED_BESOEG
};
enum {
  RP__ATT_BEREDSKABSPLAN_UDKAST = 1,
  RP__ATT_HANDLINGSPLAN,
  RP__ATT_RISIKOVURDERING,
  RP__ATT_ANDET
};
enum {
  RP__ADV_RAADGIVER = 1,
  RP__ADV_SPECIALKONSULENT,
  RP__ADV_TEAMLEDER,
  RP__ADV_JURIST,
  RP__ADV_ANDET
};
enum {
  RP__ACT_IKKE_INDDRAGE_FAMILIEN = 1,
  RP__ACT_RISIKOVURDERING,
  RP__ACT_SIKKERHEDSPLAN,
  RP__ACT_KONTAKT_POLITI,
  RP__ACT_ADRESSEBESKYTTELSE,
  RP__ACT_UNDERRETNING,
  RP__ACT_HENVIS_SPECIALTILBUD
};
enum {
  RP__REF_SPECIALTILBUD = 1,
  RP__REF_KRISECENTER,
  RP__REF_SIKKER_BOLIG,
  RP__REF_POLITI,
  RP__REF_EXIT_TILBUD,
  RP__REF_JURIDISK_RAADGIVNING,
  RP__REF_ANDET
};
enum { RP__NOTE_FIXED = 1 }; /* the one value of reply.responsibility_note */
enum {
  RP__RCPT_RELAYED = 1,
  RP__RCPT_DELIVERED,
  RP__RCPT_OPENED,
  RP__RCPT_FAILED,
  RP__RCPT_EXPIRED,
  RP__RCPT_RECALLED /* the recipient hid a message its sender recalled (PROTOCOL.md 7.19) */
};
enum {
  RP__ESC_FRIST_OVERSKREDET = 1,
  RP__ESC_AKUT_UDEN_FOR_AABNINGSTID,
  RP__ESC_ALVORLIG_RISIKO,
  RP__ESC_ANDET
};
enum {
  RP__INFO_RISIKOVURDERING = 1,
  RP__INFO_FORANSTALTNINGER,
  RP__INFO_FAMILIEFORHOLD,
  RP__INFO_NETVAERK,
  RP__INFO_SKOLE_BESKAEFTIGELSE,
  RP__INFO_TIDLIGERE_HENVENDELSER,
  RP__INFO_ANDET
};
enum {
  RP__OUT_RAADGIVNING_GIVET = 1,
  RP__OUT_HENVIST_SPECIALTILBUD,
  RP__OUT_EXIT_IVAERKSAT,
  RP__OUT_PLAN_UDARBEJDET,
  RP__OUT_BESOEG_GENNEMFOERT,
  RP__OUT_SAMTYKKE_TILBAGEKALDT,
  RP__OUT_INGEN_YDERLIGERE_KONTAKT,
  RP__OUT_ANDET
};
enum { RP__BY_BORGER = 1, RP__BY_FORAELDREMYNDIGHED };
enum {
  RP__PURP_SPARRING = 1,
  RP__PURP_SAGSDROEFTELSE,
  RP__PURP_PLANARBEJDE,
  RP__PURP_BESOEG,
  RP__PURP_OPKVALIFICERING,
  RP__PURP_ANDET
};
enum { RP__MODE_ONLINE = 1, RP__MODE_FYSISK };
enum { RP__PLACE_HOS_KOMMUNEN = 1, RP__PLACE_HOS_REJSEHOLDET, RP__PLACE_ANDET_STED };
enum {
  RP__CANCEL_AFLYST_AF_KOMMUNEN = 1,
  RP__CANCEL_AFLYST_AF_REJSEHOLDET,
  RP__CANCEL_NY_TID_OENSKES,
  RP__CANCEL_ANDET
};
enum { RP__PLAN_BEREDSKABSPLAN = 1, RP__PLAN_HANDLINGSPLAN };
enum { RP__NET_OEST = 1, RP__NET_VEST };
enum { RP__REG_TILMELDT = 1, RP__REG_AFMELDT };
enum {
  RP__RECALL_FORKERT_MODTAGER = 1,
  RP__RECALL_FORKERT_INDHOLD,
  RP__RECALL_DUBLET,
  RP__RECALL_ANDET
};
enum { RP__CHG_TILFOEJET = 1, RP__CHG_NOEGLESKIFT, RP__CHG_TILBAGEKALDT, RP__CHG_FJERNET };

/* ---- nested maps ---- */
/* The result of a risk assessment, never its worksheet. */
typedef struct rp__risk {
  int level;           /* RP__RISK_*, required */
  bool acute;          /* required */
  int tool;            /* RP__TOOL_*, required */
  rp__str assessed_on; /* "YYYY-MM-DD"; required unless tool is ingen */
} rp__risk;

typedef struct rp__citizen {
  uint64_t age;         /* years, 1..RP_PAYLOAD_AGE_MAX; exactly one of age and age_band */
  int age_band;         /* RP__AGE_* */
  bool under_18;        /* required; must agree with age or age_band */
  int gender;           /* RP__GENDER_*, optional */
  int siblings_at_risk; /* RP__JA / RP__NEJ / RP__UKENDT, optional */
} rp__citizen;

typedef struct rp__identifiability {
  int mode;    /* RP__IDENT_*, required */
  int consent; /* RP__CONSENT_*, required */
} rp__identifiability;

typedef struct rp__attachment {
  rp__str name;  /* file name, no path; 1..RP_TEXT_SHORT_MAX */
  rp__str mime;  /* "type/subtype", lower case */
  uint64_t size; /* bytes, 0..RP__CHUNK_ATTACHMENT_MAX (chunk.h) */
  uint8_t sha256[32];
  int kind; /* RP__ATT_* */
} rp__attachment;

typedef struct rp__advisor {
  int role;   /* RP__ADV_* */
  rp__str id; /* pseudonymous: advisors hide surnames */
} rp__advisor;

typedef struct rp__referral {
  int kind;     /* RP__REF_*, required */
  rp__str name; /* the service's public name, optional */
  rp__str note; /* optional */
} rp__referral;

typedef struct rp__slot {
  uint64_t start, end; /* unix ms, start < end, at most RP_PAYLOAD_SLOT_MAX_MS apart */
} rp__slot;

typedef struct rp__roster_change {
  rp__str member; /* member id, 1..RP_MEMBER_ID_MAX */
  int change;     /* RP__CHG_* */
} rp__roster_change;

/* ---- the kinds ---- */
typedef struct rp__pl_request {
  rp__str sender_org;     /* municipality code, 3 digits */
  int sender_role;        /* RP__ROLE_* */
  rp__str sender_ref;     /* opaque caseworker id */
  rp__str local_case_ref; /* optional */
  int request_type;       /* RP__RT_* */
  int urgency;            /* RP__URG_* */
  uint64_t categories;    /* RP__CAT_* bits, at least one */
  int phase;              /* RP__PHASE_*, optional */
  rp__risk risk;
  rp__citizen citizen;
  int risk_assessed_before_family; /* RP__JA / RP__NEJ, required when under_18 */
  rp__identifiability identifiability;
  int legal_basis;         /* RP__LB_*, required when pseudonym */
  uint64_t measures_taken; /* RP__MEAS_* bits, present even when empty */
  uint64_t needs;          /* RP__NEED_* bits, optional */
  rp__str question;
  rp__attachment attachments[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint32_t nattachments;
} rp__pl_request;

typedef struct rp__pl_reply {
  uint8_t in_reply_to[RP_MSG_ID_BYTES];
  rp__advisor advisor;
  rp__str advice;
  uint64_t recommended_actions; /* RP__ACT_* bits */
  rp__referral referrals[RP_PAYLOAD_REFERRALS_MAX];
  uint32_t nreferrals;
  int risk_view;           /* RP__RISK_*, optional */
  int responsibility_note; /* RP__NOTE_FIXED; the encoder sets it */
  bool reporting_duty;     /* required: the municipality's duty to report applies */
  bool needs_more_info;
  uint64_t follow_up_at; /* unix ms, optional */
  bool meeting_offer;    /* a meeting_proposal follows */
  rp__attachment attachments[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint32_t nattachments;
  /* The inbox's automatic out-of-hours answer to an akut request, not an advisor's
   * advice: the request is not "answered" by it (the sender's status says so). */
  bool automatic;
} rp__pl_reply;

typedef struct rp__pl_receipt {
  uint8_t about[RP_MSG_ID_BYTES];
  int status;     /* RP__RCPT_* */
  uint64_t at;    /* unix ms */
  uint64_t error; /* positive RP_E code; required with failed, only with failed */
} rp__pl_receipt;

typedef struct rp__pl_assignment {
  uint8_t about[RP_MSG_ID_BYTES];
  rp__advisor advisor;
  int urgency;       /* RP__URG_*, the team's classification, optional */
  uint64_t deadline; /* unix ms of the service target, optional */
} rp__pl_assignment;

typedef struct rp__pl_escalation {
  uint8_t about[RP_MSG_ID_BYTES];
  int reason;        /* RP__ESC_* */
  uint64_t deadline; /* optional */
  rp__str note;      /* optional */
} rp__pl_escalation;

typedef struct rp__pl_follow_up {
  uint8_t in_reply_to[RP_MSG_ID_BYTES];
  rp__str text;
  int urgency; /* optional: a changed urgency */
  bool has_risk;
  rp__risk risk;           /* optional: a changed risk */
  uint64_t measures_taken; /* optional: measures taken since */
} rp__pl_follow_up;

typedef struct rp__pl_info_request {
  uint8_t in_reply_to[RP_MSG_ID_BYTES];
  rp__str questions;
  uint64_t topics;     /* RP__INFO_* bits, optional */
  uint64_t respond_by; /* unix ms, optional */
} rp__pl_info_request;

typedef struct rp__pl_closure {
  int outcome; /* RP__OUT_*: anonymous, for statistics */
} rp__pl_closure;

typedef struct rp__pl_consent_withdrawn {
  int by;                         /* RP__BY_* */
  uint8_t about[RP_MSG_ID_BYTES]; /* optional: the request it concerned */
} rp__pl_consent_withdrawn;

typedef struct rp__pl_meeting_request {
  int purpose; /* RP__PURP_* */
  int mode;    /* RP__MODE_* */
  int place;   /* RP__PLACE_*: required when fysisk, absent when online */
  uint64_t duration_min;
  rp__slot windows[RP_PAYLOAD_SLOTS_MAX]; /* optional: when it would suit */
  uint32_t nwindows;
} rp__pl_meeting_request;

typedef struct rp__pl_meeting_proposal {
  uint8_t meeting_ref[RP_MSG_ID_BYTES]; /* the request or reply that asked for it */
  int mode, place;
  rp__slot slots[RP_PAYLOAD_SLOTS_MAX]; /* at least one */
  uint32_t nslots;
} rp__pl_meeting_proposal;

typedef struct rp__pl_meeting_confirmation {
  uint8_t meeting_ref[RP_MSG_ID_BYTES]; /* the proposal */
  rp__slot slot;
  int mode, place;
} rp__pl_meeting_confirmation;

typedef struct rp__pl_meeting_cancellation {
  uint8_t meeting_ref[RP_MSG_ID_BYTES];
  int reason; /* RP__CANCEL_*, optional */
} rp__pl_meeting_cancellation;

typedef struct rp__pl_plan_review {
  rp__str sender_org;
  int plan;                                               /* RP__PLAN_* */
  rp__str question;                                       /* optional */
  rp__str wanted_by;                                      /* "YYYY-MM-DD", optional */
  rp__attachment attachments[RP_PAYLOAD_ATTACHMENTS_MAX]; /* at least one */
  uint32_t nattachments;
} rp__pl_plan_review;

typedef struct rp__pl_network_announcement {
  int network;      /* RP__NET_* */
  rp__str event_on; /* "YYYY-MM-DD" */
  rp__str host_org; /* municipality code */
  rp__str title;
  rp__str programme;
  rp__str registration_deadline; /* "YYYY-MM-DD", not after event_on */
  rp__attachment attachments[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint32_t nattachments;
} rp__pl_network_announcement;

typedef struct rp__pl_registration {
  uint8_t announcement_ref[RP_MSG_ID_BYTES];
  rp__str sender_org;
  int answer;            /* RP__REG_* */
  uint64_t participants; /* required when tilmeldt, absent when afmeldt */
  uint64_t roles;        /* RP__ROLE_* bits, optional */
  rp__str note;          /* optional */
} rp__pl_registration;

typedef struct rp__pl_recall {
  uint8_t about[RP_MSG_ID_BYTES];
  int reason; /* RP__RECALL_* */
} rp__pl_recall;

typedef struct rp__pl_roster_notice {
  uint64_t roster_version; /* the signed roster to fetch and verify */
  rp__roster_change changes[RP_PAYLOAD_ROSTER_CHANGES_MAX];
  uint32_t nchanges;
  uint64_t effective_at; /* unix ms, optional */
} rp__pl_roster_notice;

/* A decoded (or to-be-encoded) payload: the common header, then the kind's fields in the
 * union member named after the kind. */
typedef struct rp__payload {
  uint32_t version;                      /* key 0; the encoder writes RP_SCHEMA_VERSION */
  uint64_t kind;                         /* key 1; an rp__payload_kind */
  uint8_t msg_id[RP_MSG_ID_BYTES];       /* key 2 */
  uint8_t thread_id[RP_THREAD_ID_BYTES]; /* key 3 */
  uint64_t created;                      /* key 4; unix ms, 1..RP__ENVHDR_TIME_MAX */
  union {
    rp__pl_request request;
    rp__pl_reply reply;
    rp__pl_receipt receipt;
    rp__pl_assignment assignment;
    rp__pl_escalation escalation;
    rp__pl_follow_up follow_up;
    rp__pl_info_request info_request;
    rp__pl_closure closure;
    rp__pl_consent_withdrawn consent_withdrawn;
    rp__pl_meeting_request meeting_request;
    rp__pl_meeting_proposal meeting_proposal;
    rp__pl_meeting_confirmation meeting_confirmation;
    rp__pl_meeting_cancellation meeting_cancellation;
    rp__pl_plan_review plan_review;
    rp__pl_network_announcement network_announcement;
    rp__pl_registration registration;
    rp__pl_recall recall;
    rp__pl_roster_notice roster_notice;
  } u;
} rp__payload;

/* Zeroes *p and sets its version and kind (and, for a reply, the responsibility note).
 * The caller then fills the header ids, created and the kind's fields. */
void rp__payload_init(rp__payload *p, rp__payload_kind kind);

/* Encodes *p into buf[0..cap); *len gets the length on success (0 on failure). The
 * kind selects the schema (unknown: RP_EENUM); every rule of the kind is checked first,
 * so nothing is emitted that a peer would refuse. A reply's responsibility note is
 * written by the encoder: leave it 0 or RP__NOTE_FIXED. *p stays the caller's. On error
 * *where (if not NULL) names the field. RP_ETOOBIG if cap is too small; RP_PAYLOAD_MAX
 * is always enough. */
int rp__payload_encode(const rp__payload *p, uint8_t *buf, size_t cap, size_t *len,
                       const char **where);

/* Decodes one payload of any kind from buf[0..len) into *out, dispatching on key 1
 * (unknown kind: RP_EENUM; a newer schema version: RP_EVERSION). *out is zeroed first
 * and again on failure; on success its texts borrow from buf. *where as for encoding. */
int rp__payload_decode(const uint8_t *buf, size_t len, rp__payload *out,
                       const char **where);

/* As rp__payload_decode, but only a payload of `kind` is accepted: any other kind is
 * RP_EENUM (where "kind"). For callers that expect one kind, and for the fuzzers. */
int rp__payload_decode_kind(rp__payload_kind kind, const uint8_t *buf, size_t len,
                            rp__payload *out, const char **where);

/* The schema of `kind` (for docs, tests and the text walk), or NULL if unknown. Static. */
const rp__schema *rp__payload_schema(uint64_t kind);

/* The kind's lower-case ASCII name ("request", "follow_up"), used in logs, on the
 * command line and as fuzz variant; "unknown" for an unknown kind. Static. */
const char *rp__payload_kind_name(uint64_t kind);

/* The kind's Danish name as users know it ("henvendelse", "svar"); UTF-8, static;
 * "ukendt" for an unknown kind. */
const char *rp__payload_kind_label(uint64_t kind);

/* Looks up a kind by its name or its Danish label (exact match). Sets *kind on success
 * (0 otherwise); RP_EENUM if no kind has that name. */
int rp__payload_kind_from_name(const char *name, rp__payload_kind *kind);

/* RP__FROM_* bits: who may send `kind` (0 for an unknown kind). The inbox and client
 * refuse a payload from a member of another kind. */
unsigned rp__payload_kind_senders(uint64_t kind);

/* Danger flags: reasons a payload must never wait silently (docs/DOMAIN.md). */
#define RP__DANGER_FAMILY_INFORMED 0x1u /* measures_taken holds family_informed */
#define RP__DANGER_RISK_ACUTE 0x2u      /* risk.acute */
#define RP__DANGER_URGENCY_AKUT 0x4u    /* urgency akut */

/* The RP__DANGER_* flags of a request or follow-up (0 for other kinds). */
unsigned rp__payload_danger(const rp__payload *p);

/* Whether the payload carries any danger flag. */
bool rp__payload_has_danger_flag(const rp__payload *p);

/* Calls fn for every free-text field of *p (every text field of the kind's schema,
 * nested maps and lists included; enum names and fixed texts are not free text), with
 * the field's name and text. Stops at and returns the first nonzero result. */
int rp__payload_texts(const rp__payload *p,
                      int (*fn)(void *data, const char *field, rp__str text), void *data);

#endif /* RP_PAYLOAD_H */
