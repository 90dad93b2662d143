/* SPDX-License-Identifier: MIT */
/*
 * The demo's fictitious content: three requests (akut, haster, plan), the team's replies
 * and an east-network announcement. No CPR numbers, no names: invented case text that
 * says so. Every payload is checked here by encoding it, so a mistake shows as a failed
 * demo step rather than as a refusal deep in a send.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "envelope_hdr.h"
#include "payloads.h"

#define DAY_MS (24ull * 3600 * 1000)

static rp__str str(const char *s) {
  rp__str r = {s, (uint32_t)strlen(s)};
  return r;
}

/* "YYYY-MM-DD" of now + days (UTC), into a static slot (one per use below). */
static rp__str date_in(int days, char slot[11]) {
  time_t t = (time_t)((rp__clock_wall_ms() + (uint64_t)days * DAY_MS) / 1000u);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(slot, 11, "%Y-%m-%d", &tm);
  return str(slot);
}

static void header(rp__payload *p, const uint8_t *thread) {
  randombytes_buf(p->msg_id, sizeof p->msg_id);
  if (thread != NULL)
    memcpy(p->thread_id, thread, sizeof p->thread_id);
  else
    memcpy(p->thread_id, p->msg_id, sizeof p->thread_id);
  p->created = rp__clock_wall_ms();
}

static void request_akut(rp__pl_request *q) {
  static char today[11];
  q->sender_role = RP__ROLE_MYNDIGHEDSRAADGIVER;
  q->sender_ref = str("demo-sagsbehandler-1");
  q->request_type = RP__RT_KONKRET_SAG;
  q->urgency = RP__URG_AKUT;
  q->categories = RP__BIT(RP__CAT_GENOPDRAGELSESREJSE) | RP__BIT(RP__CAT_TRUSLER);
  q->phase = RP__PHASE_AKUT;
  q->risk.level = RP__RISK_HOEJ;
  q->risk.acute = true;
  q->risk.tool = RP__TOOL_PATRIARK;
  q->risk.assessed_on = date_in(0, today);
  q->citizen.age_band = RP__AGE_15_17;
  q->citizen.under_18 = true;
  q->citizen.gender = RP__GENDER_KVINDE;
  q->risk_assessed_before_family = RP__JA;
  q->identifiability.mode = RP__IDENT_ANONYM;
  q->identifiability.consent = RP__CONSENT_INGEN;
  q->measures_taken = RP__BIT(RP__MEAS_UNDERRETNING);
  q->needs = RP__BIT(RP__NEED_SIKKERHEDSPLAN) | RP__BIT(RP__NEED_SIKKER_BOLIG);
  q->question = str("FIKTIVT DEMO-EKSEMPEL. En elev i udskolingen fortæller, at familien "
                    "har købt flybilletter til en rejse i weekenden, og at hun frygter at "
                    "blive efterladt i udlandet. Hvad gør vi i dag, før afrejsen?");
}

static void request_haster(rp__pl_request *q) {
  q->sender_role = RP__ROLE_SSP;
  q->sender_ref = str("demo-ssp-2");
  q->request_type = RP__RT_ANONYM_SPARRING;
  q->urgency = RP__URG_HASTER;
  q->categories = RP__BIT(RP__CAT_NEGATIV_SOCIAL_KONTROL);
  q->risk.level = RP__RISK_MIDDEL;
  q->risk.tool = RP__TOOL_INGEN;
  q->citizen.age_band = RP__AGE_12_14;
  q->citizen.under_18 = true;
  q->risk_assessed_before_family = RP__NEJ;
  q->identifiability.mode = RP__IDENT_ANONYM;
  q->identifiability.consent = RP__CONSENT_INGEN;
  q->question = str("FIKTIVT DEMO-EKSEMPEL. En ung i klubben må ikke deltage i "
                    "fritidsaktiviteter og bliver fulgt til og fra skole af et søskende. "
                    "Hvordan taler vi med den unge uden at øge risikoen?");
}

static void request_plan(rp__pl_request *q) {
  q->sender_role = RP__ROLE_LEDER;
  q->sender_ref = str("demo-leder-3");
  q->request_type = RP__RT_BEREDSKABSPLAN;
  q->urgency = RP__URG_PLAN;
  q->categories = RP__BIT(RP__CAT_STRATEGISK);
  q->risk.level = RP__RISK_UKENDT;
  q->risk.tool = RP__TOOL_INGEN;
  q->citizen.age_band = RP__AGE_18_22;
  q->citizen.under_18 = false;
  q->identifiability.mode = RP__IDENT_ANONYM;
  q->identifiability.consent = RP__CONSENT_INGEN;
  q->question = str("FIKTIVT DEMO-EKSEMPEL. Kommunen skal revidere sin beredskabsplan "
                    "for æresrelaterede konflikter. Kan Rejseholdet gennemgå vores udkast "
                    "og holde et møde med ledergruppen?");
}

int dm_request(int urgency, const char *org, rp__payload *p) {
  uint8_t buf[RP_PAYLOAD_MAX];
  size_t len = 0;
  rp__payload_init(p, RP__PL_REQUEST);
  header(p, NULL);
  if (urgency == RP__URG_AKUT)
    request_akut(&p->u.request);
  else if (urgency == RP__URG_HASTER)
    request_haster(&p->u.request);
  else
    request_plan(&p->u.request);
  p->u.request.sender_org = str(org);
  return rp__payload_encode(p, buf, sizeof buf, &len, NULL);
}

int dm_announcement(const char *host_org, rp__payload *p) {
  static char event_on[11], deadline[11];
  uint8_t buf[RP_PAYLOAD_MAX];
  size_t len = 0;
  rp__payload_init(p, RP__PL_NETWORK_ANNOUNCEMENT);
  header(p, NULL);
  p->u.network_announcement.network = RP__NET_OEST;
  p->u.network_announcement.event_on = date_in(60, event_on);
  p->u.network_announcement.registration_deadline = date_in(30, deadline);
  p->u.network_announcement.host_org = str(host_org);
  p->u.network_announcement.title = str("Netværksmøde Øst (demo)");
  p->u.network_announcement.programme =
      str("FIKTIVT DEMO-PROGRAM. 10.00 Velkomst. 10.30 Erfaringer med beredskabsplaner. "
          "13.00 Sagsdrøftelser uden personoplysninger.");
  return rp__payload_encode(p, buf, sizeof buf, &len, NULL);
}

const char *dm_urgency_name(int urgency) {
  const char *name = rp__urgency_name(urgency);
  return name != NULL ? name : "?";
}
