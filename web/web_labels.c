/* SPDX-License-Identifier: MIT */
#include "web_labels.h"

#include <stddef.h>
#include <string.h>

typedef struct pair {
  const char *k, *v;
} pair;

static const pair k_fields[] = {
    {"sender_org", "Kommune (kode)"},
    {"sender_role", "Afsenderens rolle"},
    {"sender_ref", "Afsenderens reference"},
    {"local_case_ref", "Kommunens sagsnummer"},
    {"request_type", "Type af henvendelse"},
    {"urgency", "Hastegrad"},
    {"categories", "Kategorier"},
    {"phase", "Fase"},
    {"risk", "Risiko"},
    {"risk.level", "Risikoniveau"},
    {"risk.acute", "Akut fare"},
    {"risk.tool", "Risikovurderingsværktøj"},
    {"risk.assessed_on", "Risikovurderet den"},
    {"citizen", "Borgeren"},
    {"citizen.age", "Alder"},
    {"citizen.age_band", "Aldersgruppe"},
    {"citizen.under_18", "Under 18 år"},
    {"citizen.gender", "Køn"},
    {"citizen.siblings_at_risk", "Søskende i risiko"},
    {"risk_assessed_before_family", "Risikovurderet før familien inddrages"},
    {"identifiability", "Identificerbarhed"},
    {"identifiability.mode", "Form"},
    {"identifiability.consent", "Samtykke"},
    {"legal_basis", "Hjemmel"},
    {"measures_taken", "Allerede iværksatte tiltag"},
    {"needs", "Behov"},
    {"question", "Spørgsmål"},
    {"attachments", "Bilag"},
    {"advisor", "Rådgiver"},
    {"advisor.role", "Rolle"},
    {"advisor.id", "Pseudonym"},
    {"advice", "Rådgivning"},
    {"recommended_actions", "Anbefalede handlinger"},
    {"referrals", "Henvisninger"},
    {"referrals.kind", "Art"},
    {"referrals.name", "Navn"},
    {"referrals.note", "Bemærkning"},
    {"risk_view", "Rådgiverens vurdering af risikoen"},
    {"risk_view.level", "Risikoniveau"},
    {"risk_view.acute", "Akut fare"},
    {"risk_view.tool", "Risikovurderingsværktøj"},
    {"risk_view.assessed_on", "Risikovurderet den"},
    {"responsibility_note", "Ansvarsnote"},
    {"reporting_duty", "Underretningspligt"},
    {"needs_more_info", "Behov for flere oplysninger"},
    {"follow_up_at", "Opfølgning"},
    {"meeting_offer", "Tilbud om møde"},
    {"automatic", "Automatisk svar"},
    {"deadline", "Frist"},
    {"reason", "Årsag"},
    {"note", "Bemærkning"},
    {"text", "Tekst"},
    {"questions", "Spørgsmål"},
    {"topics", "Emner"},
    {"respond_by", "Svarfrist"},
    {"status", "Status"},
    {"at", "Tidspunkt"},
    {"error", "Fejl"},
    {"outcome", "Udfald"},
    {"by", "Af"},
    {"about", "Vedrører besked"},
    {"in_reply_to", "Svar på besked"},
    /* meetings */
    {"meeting_ref", "Vedrører mødet"},
    {"purpose", "Formål"},
    {"mode", "Mødeform"},
    {"place", "Sted"},
    {"duration_min", "Varighed (minutter)"},
    {"windows", "Mulige tider"},
    {"windows.start", "Fra"},
    {"windows.end", "Til"},
    {"slots", "Foreslåede tider"},
    {"slots.start", "Start"},
    {"slots.end", "Slut"},
    {"slot", "Tid"},
    {"slot.start", "Start"},
    {"slot.end", "Slut"},
    {"plan", "Plan"},
    {"wanted_by", "Ønskes senest"},
    /* networks */
    {"network", "Netværk"},
    {"event_on", "Mødedato"},
    {"host_org", "Værtskommune (kode)"},
    {"title", "Titel"},
    {"programme", "Program"},
    {"registration_deadline", "Tilmeldingsfrist"},
    {"announcement_ref", "Vedrører indkaldelsen"},
    {"answer", "Svar"},
    {"participants", "Antal deltagere"},
    {"roles", "Deltagernes roller"},
    /* the roster */
    {"changes", "Ændringer"},
    {"changes.member", "Medlem"},
    {"changes.change", "Ændring"},
    {"effective_at", "Gælder fra"},
    {"roster_version", "Medlemslistens version"},
};

static const pair k_values[] = {
    /* networks and their registrations */
    {"oest", "Øst"},
    {"vest", "Vest"},
    {"tilmeldt", "Tilmeldt"},
    {"afmeldt", "Afmeldt"},
    /* urgency, phase */
    {"akut", "Akut"},
    {"haster", "Haster"},
    {"normal", "Normal"},
    {"plan", "Planlagt"},
    {"optrapning", "Optrapning"},
    {"genetablering", "Genetablering"},
    /* roles */
    {"myndighedsraadgiver", "Myndighedsrådgiver"},
    {"leder", "Leder"},
    {"ssp", "SSP"},
    {"jobcenter", "Jobcenter"},
    {"skole", "Skole"},
    {"raadgiver", "Rådgiver"},
    {"specialkonsulent", "Specialkonsulent"},
    {"teamleder", "Teamleder"},
    {"jurist", "Jurist"},
    {"andet", "Andet"},
    /* request types */
    {"konkret_sag", "Konkret sag"},
    {"anonym_sparring", "Anonym sparring"},
    {"beredskabsplan", "Beredskabsplan"},
    {"handlingsplan", "Handlingsplan"},
    {"exit", "Exit"},
    {"opkvalificering", "Opkvalificering"},
    {"besoeg", "Besøg"},
    /* risk */
    {"lav", "Lav"},
    {"middel", "Middel"},
    {"hoej", "Høj"},
    {"ukendt", "Ukendt"},
    {"patriark", "PATRIARK"},
    {"anden", "Andet værktøj"},
    {"ingen", "Ingen"},
    /* citizen */
    {"0_11", "0–11 år"},
    {"12_14", "12–14 år"},
    {"15_17", "15–17 år"},
    {"18_22", "18–22 år"},
    {"23_29", "23–29 år"},
    {"30_plus", "30 år eller ældre"},
    {"kvinde", "Kvinde"},
    {"mand", "Mand"},
    {"ja", "Ja"},
    {"nej", "Nej"},
    {"anonym", "Anonym"},
    {"pseudonym", "Pseudonym"},
    {"borger", "Borgeren"},
    {"foraeldremyndighed", "Forældremyndighedens indehaver"},
    /* legal basis */
    {"samtykke", "Samtykke"},
    {"forvaltningsloven_28", "Forvaltningsloven § 28"},
    {"retssikkerhedsloven_11c", "Retssikkerhedsloven § 11 c"},
    {"barnets_lov", "Barnets lov"},
    {"serviceloven", "Serviceloven"},
    {"vitale_interesser", "Vitale interesser"},
    /* measures, needs */
    {"underretning", "Underretning"},
    {"screening", "Screening"},
    {"boernefaglig_undersoegelse", "Børnefaglig undersøgelse"},
    {"handleplan", "Handleplan"},
    {"sikkerhedsplan", "Sikkerhedsplan"},
    {"politi", "Politi"},
    {"exit_tilbud", "Exittilbud"},
    {"juridisk_raadgivning", "Juridisk rådgivning"},
    {"krisecenter", "Krisecenter"},
    {"adressebeskyttelse", "Adressebeskyttelse"},
    {"family_informed", "Familien er orienteret"},
    {"risikovurdering", "Risikovurdering"},
    {"sikker_bolig", "Sikker bolig"},
    {"specialtilbud", "Specialtilbud"},
    {"jura", "Juridisk bistand"},
    /* attachments */
    {"beredskabsplan_udkast", "Udkast til beredskabsplan"},
    /* categories */
    {"negativ_social_kontrol", "Negativ social kontrol"},
    {"aeresrelateret_konflikt", "Æresrelateret konflikt"},
    {"trusler", "Trusler"},
    {"vold", "Vold"},
    {"tvangsaegteskab", "Tvangsægteskab"},
    {"genopdragelsesrejse", "Genopdragelsesrejse"},
    {"omskaering", "Omskæring"},
    {"lgbt", "LGBT+"},
    {"strategisk", "Strategisk"},
    /* outcomes */
    {"raadgivning_givet", "Rådgivning givet"},
    {"henvist_specialtilbud", "Henvist til specialtilbud"},
    {"exit_ivaerksat", "Exit iværksat"},
    {"plan_udarbejdet", "Plan udarbejdet"},
    {"besoeg_gennemfoert", "Besøg gennemført"},
    {"samtykke_tilbagekaldt", "Samtykke tilbagekaldt"},
    {"ingen_yderligere_kontakt", "Ingen yderligere kontakt"},
    /* receipts */
    {"relayed", "Videresendt"},
    {"delivered", "Leveret"},
    {"opened", "Åbnet"},
    {"failed", "Fejlet"},
    {"expired", "Udløbet"},
    {"recalled", "Tilbagekaldt"},
    /* escalation */
    {"frist_overskredet", "Fristen er overskredet"},
    {"akut_uden_for_aabningstid", "Akut uden for åbningstid"},
};

static const pair k_kinds[] = {
    {"request", "Henvendelse"},
    {"reply", "Svar"},
    {"receipt", "Kvittering"},
    {"assignment", "Tildeling"},
    {"escalation", "Eskalering"},
    {"follow_up", "Opfølgning"},
    {"info_request", "Anmodning om oplysninger"},
    {"closure", "Afslutning"},
    {"consent_withdrawn", "Samtykke trukket tilbage"},
    {"meeting_request", "Mødeanmodning"},
    {"meeting_proposal", "Mødeforslag"},
    {"meeting_confirmation", "Mødebekræftelse"},
    {"meeting_cancellation", "Mødeaflysning"},
    {"plan_review", "Gennemgang af plan"},
    {"network_announcement", "Netværksindkaldelse"},
    {"registration", "Tilmelding"},
    {"recall", "Tilbagekaldelse"},
};

const rp__web_code rp__web_states[] = {{"new", "Ny"},
                                       {"opened", "Åbnet"},
                                       {"claimed", "Taget"},
                                       {"answered", "Besvaret"},
                                       {"waiting", "Afventer kommunen"},
                                       {"closed", "Lukket"},
                                       {NULL, NULL}};

const rp__web_code rp__web_outcomes[] = {
    {"raadgivning_givet", "Rådgivning givet"},
    {"henvist_specialtilbud", "Henvist til specialtilbud"},
    {"exit_ivaerksat", "Exit iværksat"},
    {"plan_udarbejdet", "Plan udarbejdet"},
    {"besoeg_gennemfoert", "Besøg gennemført"},
    {"samtykke_tilbagekaldt", "Samtykke tilbagekaldt"},
    {"ingen_yderligere_kontakt", "Ingen yderligere kontakt"},
    {"andet", "Andet"},
    {NULL, NULL}};

const rp__web_code rp__web_referral_kinds[] = {
    {"specialtilbud", "Specialtilbud"},
    {"krisecenter", "Krisecenter"},
    {"sikker_bolig", "Sikker bolig"},
    {"politi", "Politi"},
    {"exit_tilbud", "Exittilbud"},
    {"juridisk_raadgivning", "Juridisk rådgivning"},
    {"andet", "Andet"},
    {NULL, NULL}};

const rp__web_code rp__web_recommended[] = {
    {"ikke_inddrage_familien", "Inddrag ikke familien"},
    {"risikovurdering", "Lav en risikovurdering"},
    {"sikkerhedsplan", "Lav en sikkerhedsplan"},
    {"kontakt_politi", "Kontakt politiet"},
    {"adressebeskyttelse", "Søg adressebeskyttelse"},
    {"underretning", "Underret"},
    {"henvis_specialtilbud", "Henvis til specialtilbud"},
    {NULL, NULL}};

const rp__web_code rp__web_risk_views[] = {{"lav", "Lav"},
                                           {"middel", "Middel"},
                                           {"hoej", "Høj"},
                                           {"ukendt", "Ukendt"},
                                           {NULL, NULL}};

const rp__web_code rp__web_categories[] = {
    {"negativ_social_kontrol", "Negativ social kontrol"},
    {"aeresrelateret_konflikt", "Æresrelateret konflikt"},
    {"trusler", "Trusler"},
    {"vold", "Vold"},
    {"tvangsaegteskab", "Tvangsægteskab"},
    {"genopdragelsesrejse", "Genopdragelsesrejse"},
    {"omskaering", "Omskæring"},
    {"lgbt", "LGBT+"},
    {"exit", "Exit"},
    {"strategisk", "Strategisk"},
    {NULL, NULL}};

static const char *find(const pair *t, size_t n, const char *k) {
  for (size_t i = 0; k != NULL && i < n; i++)
    if (strcmp(t[i].k, k) == 0) return t[i].v;
  return NULL;
}

#define N(t) (sizeof t / sizeof t[0])

const char *rp__web_field_label(const char *path) {
  return find(k_fields, N(k_fields), path);
}

const char *rp__web_value_label(const char *value) {
  return find(k_values, N(k_values), value);
}

const rp__web_code rp__web_urgencies[] = {{"akut", "Akut"},
                                          {"haster", "Haster"},
                                          {"normal", "Normal"},
                                          {"plan", "Planlagt"},
                                          {NULL, NULL}};

const rp__web_code rp__web_networks[] = {{"oest", "Øst (Sjælland og Bornholm)"},
                                         {"vest", "Vest (Fyn og Jylland)"},
                                         {NULL, NULL}};

int rp__web_envelope_field(const char *key) {
  static const char *const k_env[] = {"kind",      "msg_id",  "thread_id", "sender",
                                      "recipient", "created", "version"};
  for (size_t i = 0; i < N(k_env); i++)
    if (strcmp(key, k_env[i]) == 0) return 1;
  return 0;
}

const char *rp__web_kind_label(const char *kind) {
  const char *v = find(k_kinds, N(k_kinds), kind);
  return v != NULL ? v : "Besked";
}

const char *rp__web_state_label(const char *state) {
  for (const rp__web_code *c = rp__web_states; c->code != NULL; c++)
    if (state != NULL && strcmp(c->code, state) == 0) return c->label;
  return "Ukendt";
}
