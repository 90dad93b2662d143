/* SPDX-License-Identifier: MIT */
/*
 * The networks (docs/WEB.md "Netværk"): the form for an announcement to the east or west
 * network (the daemon's `announce`: one network_announcement to every active member of
 * that network in the roster) and the registrations that came back (`registrations`:
 * how many come, never who).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "rejsepost_errors.h"
#include "web_html.h"
#include "web_pages.h"

static const char *jstr(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v != NULL ? v : "";
}

static int is_date(const char *s) {
  return s != NULL && strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' &&
         s[7] == '-';
}

static int digits3(const char *s) {
  return s != NULL && strlen(s) == 3 && strspn(s, "0123456789") == 3;
}

static void registrations(rp__web_ctx *x) {
  rp__buf *b = &x->body;
  rp__ibx_req q = {.action = RP_IBX_A_REGISTRATIONS};
  rp__web_resp r;
  json_t *root, *e;
  size_t i;
  h_lit(b, "<section aria-labelledby=\"tilmeldinger\">\n<h2 id=\"tilmeldinger\">"
           "Tilmeldinger</h2>\n");
  q.version = RP_SCHEMA_VERSION;
  q.as = rp__str_c(x->s->name);
  if (rp__web_ibx_call(x->w->cfg.socket, &q, &r) != 0) {
    h_lit(b, "<p class=\"fejl\" role=\"alert\">Indbakken svarer ikke; tilmeldingerne kan "
             "ikke vises lige nu.</p>\n</section>\n");
    return;
  }
  if (r.err != 0) {
    rp__web_daemon_note(b, &r);
    rp__web_resp_free(&r);
    h_lit(b, "</section>\n");
    return;
  }
  root = json_loads(r.json, 0, NULL);
  if (json_array_size(root) == 0) {
    h_lit(b, "<p>Der er ingen tilmeldinger endnu.</p>\n");
  } else {
    h_lit(b, "<table class=\"tilmeldinger\">\n<caption>Svar på indkaldelser (antal "
             "deltagere, aldrig navne)</caption>\n<thead><tr><th scope=\"col\">Kommune"
             "</th><th scope=\"col\">Svar</th><th scope=\"col\">Deltagere</th>"
             "<th scope=\"col\">Indkaldelse</th></tr></thead>\n<tbody>\n");
    json_array_foreach(root, i, e) {
      const char *ans = jstr(e, "answer");
      h_lit(b, "<tr><td>");
      h_text(b, jstr(e, "sender_org"));
      h_lit(b, "</td><td>");
      h_text(b, strcmp(ans, "tilmeldt") == 0  ? "Tilmeldt"
                : strcmp(ans, "afmeldt") == 0 ? "Afmeldt"
                                              : "Ukendt");
      h_lit(b, "</td><td>");
      if (strcmp(ans, "tilmeldt") == 0)
        h_num(b, (long long)json_integer_value(json_object_get(e, "participants")));
      else
        h_lit(b, "–");
      h_lit(b, "</td><td><code>");
      h_textn(b, jstr(e, "announcement"),
              strlen(jstr(e, "announcement")) > 8 ? 8 : strlen(jstr(e, "announcement")));
      h_lit(b, "</code></td></tr>\n");
    }
    h_lit(b, "</tbody>\n</table>\n");
  }
  json_decref(root);
  rp__web_resp_free(&r);
  h_lit(b, "</section>\n");
}

static void page(rp__web_ctx *x, const rp__web_resp *failed) {
  rp__buf *b = &x->body;
  const char *done = rp__web_arg(x, "udfoert");
  rp__web_frame_start(x, "Netværk");
  h_lit(b, "<h1>Netværk</h1>\n");
  if (failed != NULL) rp__web_daemon_note(b, failed);
  if (failed == NULL && done != NULL && strcmp(done, "announce") == 0)
    h_lit(b, "<p class=\"ok\" role=\"status\">Indkaldelsen er sendt til netværkets "
             "kommuner.</p>\n");
  h_lit(b, "<form method=\"post\" action=\"/netvaerk\" class=\"handling\">\n");
  h_csrf(b, x->s->csrf);
  h_lit(b, "<fieldset><legend>Skriv en indkaldelse til et netværksmøde</legend>\n");
  rp__web_select(b, "netvaerk", "netvaerk", "Netværk", rp__web_networks, NULL,
                 "Vælg netværk");
  rp__web_input(b, "dato", "Mødedato", " required type=\"date\"");
  rp__web_input(b, "vaert", "Værtskommune (kommunekode)",
                " required type=\"text\" inputmode=\"numeric\" pattern=\"[0-9]{3}\" "
                "maxlength=\"3\"");
  rp__web_input(b, "titel", "Titel", " required type=\"text\" maxlength=\"256\"");
  rp__web_input(b, "tilmeldingsfrist", "Tilmeldingsfrist", " required type=\"date\"");
  h_lit(b, "<p><label for=\"program\">Program og praktiske oplysninger</label>\n<textarea "
           "id=\"program\" name=\"program\" rows=\"8\" required maxlength=\"16384\">"
           "</textarea></p>\n<button type=\"submit\">Send indkaldelsen</button>\n"
           "</fieldset>\n</form>\n");
  registrations(x);
  h_page_end(b);
}

void rp__web_networks_get(rp__web_ctx *x) {
  page(x, NULL);
}

void rp__web_networks_post(rp__web_ctx *x) {
  rp__ibx_req q = {.action = RP_IBX_A_ANNOUNCE};
  rp__web_resp r;
  const char *net = rp__web_field(x, "netvaerk"), *date = rp__web_field(x, "dato"),
             *host = rp__web_field(x, "vaert"), *title = rp__web_field(x, "titel"),
             *dl = rp__web_field(x, "tilmeldingsfrist"),
             *text = rp__web_field(x, "program");
  q.network = net != NULL ? rp__enum_find(&rp__payload_enum_network, net) : 0;
  if (q.network == 0) {
    rp__web_error_page(x, 400, "Vælg netværk", "Vælg netværket øst eller vest.");
    return;
  }
  if (!is_date(date) || !is_date(dl)) {
    rp__web_error_page(x, 400, "Ugyldig dato", "Skriv datoerne som ÅÅÅÅ-MM-DD.");
    return;
  }
  if (!digits3(host)) {
    rp__web_error_page(x, 400, "Ugyldig kommunekode",
                       "Værtskommunen angives med sin kommunekode (tre cifre).");
    return;
  }
  if (title == NULL || title[0] == 0 || strlen(title) > RP_TEXT_SHORT_MAX || text == NULL ||
      text[0] == 0 || strlen(text) > RP_TEXT_QUESTION_MAX) {
    rp__web_error_page(x, 400, "Mangler tekst",
                       "Skriv en titel (højst 256 tegn) og et program (højst 16384 tegn).");
    return;
  }
  q.event_on = rp__str_c(date);
  q.host_org = rp__str_c(host);
  q.title = rp__str_c(title);
  q.reg_deadline = rp__str_c(dl);
  q.text = rp__str_c(text);
  if (rp__web_call(x, &q, &r) != 0) return;
  if (r.err == 0) {
    rp__web_redirect(x, "/netvaerk?udfoert=announce");
  } else {
    x->status = 409;
    page(x, &r);
  }
  rp__web_resp_free(&r);
}
