/* SPDX-License-Identifier: MIT */
/*
 * The reply form's coded fields (PROTOCOL.md 7.4): reporting duty, recommended actions,
 * referrals, the advisor's risk view, more information, meeting offer, follow-up date;
 * drawn into the thread page's reply form and read back into the daemon's request.
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "web_html.h"
#include "web_int.h"
#include "web_labels.h"
#include "web_pages.h"

/* Fixed rows, so that the form needs no script. */
#define RP_WEB_REFERRAL_ROWS 3u

/* A one-line text field of at most RP_TEXT_SHORT_MAX bytes, with its label. */
static void short_text(rp__buf *b, const char *id, const char *label) {
  rp__web_input(b, id, label, " maxlength=\"256\"");
}

/* Referrals: RP_WEB_REFERRAL_ROWS rows of kind, optional name and note ("henv_artN",
 * "henv_navnN", "henv_noteN"); a row without a kind is skipped. Fixed rows, so that the
 * form needs no script. */
static void referral_rows(rp__buf *b) {
  char id[32], label[48];
  for (unsigned i = 1; i <= RP_WEB_REFERRAL_ROWS; i++) {
    snprintf(label, sizeof label, "Henvisning %u (valgfri)", i);
    h_lit(b, "<fieldset class=\"henvisning\"><legend>");
    h_text(b, label);
    h_lit(b, "</legend>\n");
    snprintf(id, sizeof id, "henv_art%u", i);
    rp__web_select(b, id, id, "Henvis til", rp__web_referral_kinds, NULL,
                   "Ingen henvisning");
    snprintf(id, sizeof id, "henv_navn%u", i);
    short_text(b, id, "Navn på stedet (valgfrit)");
    snprintf(id, sizeof id, "henv_note%u", i);
    short_text(b, id, "Bemærkning (valgfri)");
    h_lit(b, "</fieldset>\n");
  }
}

/* Reads referral_rows' fields into q; 0, or -1 with an error page made (a name or note
 * without a kind, or text too long). The daemon checks the kind names. */
static int referral_fields(rp__web_ctx *x, rp__ibx_req *q) {
  for (unsigned i = 1;
       i <= RP_WEB_REFERRAL_ROWS && q->nreferrals < RP_IBX_REQ_REFERRALS_MAX; i++) {
    char k[32], n[32], t[32];
    snprintf(k, sizeof k, "henv_art%u", i);
    snprintf(n, sizeof n, "henv_navn%u", i);
    snprintf(t, sizeof t, "henv_note%u", i);
    const char *kind = rp__web_field(x, k), *name = rp__web_field(x, n),
               *note = rp__web_field(x, t);
    int has_kind = kind != NULL && kind[0] != 0;
    if (!has_kind && ((name != NULL && name[0] != 0) || (note != NULL && note[0] != 0))) {
      rp__web_error_page(x, 400, "Vælg hvad der henvises til",
                         "En henvisning med navn eller bemærkning skal også have en art.");
      return -1;
    }
    if ((name != NULL && strlen(name) > RP_TEXT_SHORT_MAX) ||
        (note != NULL && strlen(note) > RP_TEXT_SHORT_MAX)) {
      rp__web_error_page(x, 400, "For lang tekst",
                         "En henvisnings navn og bemærkning er højst 256 tegn.");
      return -1;
    }
    if (!has_kind) continue;
    rp__ibx_referral *r = &q->referrals[q->nreferrals++];
    r->kind = rp__str_c(kind);
    if (name != NULL && name[0] != 0) r->name = rp__str_c(name);
    if (note != NULL && note[0] != 0) r->note = rp__str_c(note);
  }
  return 0;
}

/* The reply's coded fields (PROTOCOL.md 7.4): reporting duty must be chosen (the daemon
 * refuses a reply without it); the rest are optional. Each recommended action is a
 * checkbox of its own ("anb_<code>"). */
void rp__web_reply_codes(rp__buf *b) {
  h_lit(b, "<fieldset><legend>Underretningspligt (skal vælges)</legend>\n"
           "<p><input type=\"radio\" id=\"pligt_ja\" name=\"underretningspligt\" "
           "value=\"yes\" required> <label for=\"pligt_ja\">Ja, kommunen har "
           "underretningspligt</label></p>\n<p><input type=\"radio\" id=\"pligt_nej\" "
           "name=\"underretningspligt\" value=\"no\"> <label for=\"pligt_nej\">Nej"
           "</label></p>\n</fieldset>\n<fieldset><legend>Anbefalede handlinger</legend>\n");
  for (const rp__web_code *c = rp__web_recommended; c->code != NULL; c++) {
    char id[64];
    snprintf(id, sizeof id, "anb_%s", c->code);
    h_lit(b, "<p><input type=\"checkbox\" value=\"1\"");
    h_attr(b, "id", id);
    h_attr(b, "name", id);
    h_lit(b, "> <label");
    h_attr(b, "for", id);
    h_lit(b, ">");
    h_text(b, c->label);
    h_lit(b, "</label></p>\n");
  }
  h_lit(b, "</fieldset>\n");
  referral_rows(b);
  rp__web_select(b, "risiko", "risiko", "Rådgiverens vurdering af risikoen",
                 rp__web_risk_views, NULL, "Ingen vurdering");
  h_lit(b, "<p><input type=\"checkbox\" id=\"mere_info\" name=\"mere_info\" "
           "value=\"1\"> <label for=\"mere_info\">Vi har brug for flere oplysninger"
           "</label></p>\n<p><input type=\"checkbox\" id=\"moede\" name=\"moede\" "
           "value=\"1\"> <label for=\"moede\">Vi tilbyder et møde</label></p>\n"
           "<p><label for=\"opfoelgning\">Opfølgning den (valgfrit)</label>\n<input "
           "type=\"date\" id=\"opfoelgning\" name=\"opfoelgning\"></p>\n");
}

/* Reads rp__web_reply_codes' fields into q (borrowing from the form); 0, or -1 with an
 * error page already made. */
int rp__web_reply_fields(rp__web_ctx *x, rp__ibx_req *q) {
  const char *v = rp__web_field(x, "underretningspligt");
  if (v == NULL || (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)) {
    rp__web_error_page(x, 400, "Vælg underretningspligt",
                       "Vælg, om kommunen har underretningspligt i sagen.");
    return -1;
  }
  q->reporting_duty = rp__str_c(v);
  if (referral_fields(x, q) != 0) return -1;
  for (const rp__web_code *c = rp__web_recommended;
       c->code != NULL && q->nactions < RP_IBX_REQ_ACTIONS_MAX; c++) {
    char id[64];
    snprintf(id, sizeof id, "anb_%s", c->code);
    if (rp__web_field(x, id) != NULL) q->actions[q->nactions++] = rp__str_c(c->code);
  }
  if ((v = rp__web_field(x, "risiko")) != NULL && v[0] != 0) q->risk_view = rp__str_c(v);
  q->needs_more_info = rp__web_field(x, "mere_info") != NULL;
  q->meeting_offer = rp__web_field(x, "moede") != NULL;
  if ((v = rp__web_field(x, "opfoelgning")) != NULL && v[0] != 0) {
    if (strlen(v) != 10) {
      rp__web_error_page(x, 400, "Ugyldig dato", "Skriv datoen som ÅÅÅÅ-MM-DD.");
      return -1;
    }
    q->follow_up_on = rp__str_c(v);
  }
  return 0;
}
