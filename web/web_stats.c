/* SPDX-License-Identifier: MIT */
/*
 * The team lead's statistics (docs/WEB.md "Statistik"): the daemon's `stats` JSON as
 * tables, with a from/until filter on the day of arrival. Counts only: the daemon's
 * answer holds no id, name or text, and nothing here adds any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "web_html.h"
#include "web_pages.h"
#include "web_parse.h"

static const rp__web_code k_urgencies[] = {{"akut", "Akut"},
                                           {"haster", "Haster"},
                                           {"normal", "Normal"},
                                           {"plan", "Planlagt"},
                                           {NULL, NULL}};

static const rp__web_code k_regions[] = {{"oest", "Øst"},
                                         {"vest", "Vest"},
                                         {"begge", "Begge netværk"},
                                         {"ingen", "Intet netværk"},
                                         {NULL, NULL}};

static const rp__web_code k_open[] = {{"open", "Ikke lukket"}, {NULL, NULL}};

static long long count(json_t *o, const char *k) {
  return (long long)json_integer_value(json_object_get(o, k));
}

/* A table of {code: count} in the order of codes (and a second table's codes), only the
 * codes listed: a code the tables do not know is never shown by its name. */
static void count_table(rp__buf *b, const char *caption, const char *head, json_t *o,
                        const rp__web_code *codes, const rp__web_code *more) {
  h_lit(b, "<table class=\"tal\">\n<caption>");
  h_text(b, caption);
  h_lit(b, "</caption>\n<thead><tr><th scope=\"col\">");
  h_text(b, head);
  h_lit(b, "</th><th scope=\"col\">Antal</th></tr></thead>\n<tbody>\n");
  for (int pass = 0; pass < 2; pass++) {
    for (const rp__web_code *c = pass == 0 ? codes : more; c != NULL && c->code != NULL;
         c++) {
      h_lit(b, "<tr><th scope=\"row\">");
      h_text(b, c->label);
      h_lit(b, "</th><td>");
      h_num(b, count(o, c->code));
      h_lit(b, "</td></tr>\n");
    }
  }
  h_lit(b, "</tbody>\n</table>\n");
}

static void share_cell(rp__buf *b, json_t *v) {
  char pct[16];
  if (!json_is_number(v)) {
    h_lit(b, "–");
    return;
  }
  snprintf(pct, sizeof pct, "%.0f %%", json_number_value(v) * 100.0);
  h_text(b, pct);
}

static void quarters(rp__buf *b, json_t *qs) {
  json_t *q;
  size_t i;
  h_lit(b, "<table class=\"tal\">\n<caption>Pr. kvartal (efter modtagelse)</caption>\n"
           "<thead><tr><th scope=\"col\">Kvartal</th><th scope=\"col\">Tråde</th>"
           "<th scope=\"col\">Henvendelser</th><th scope=\"col\">Lukkede</th>");
  for (const rp__web_code *c = rp__web_outcomes; c->code != NULL; c++) {
    h_lit(b, "<th scope=\"col\">");
    h_text(b, c->label);
    h_lit(b, "</th>");
  }
  h_lit(b, "<th scope=\"col\">Ikke lukket</th></tr></thead>\n<tbody>\n");
  json_array_foreach(qs, i, q) {
    const char *name = json_string_value(json_object_get(q, "quarter"));
    unsigned y = 0, n = 0;
    char label[32];
    json_t *o = json_object_get(q, "outcomes");
    /* "2026-Q1" -> "1. kvartal 2026"; anything else is not shown as it came. */
    if (rp__web_quarter(name, &y, &n) != 0)
      snprintf(label, sizeof label, "Ukendt kvartal");
    else
      snprintf(label, sizeof label, "%u. kvartal %u", n, y);
    h_lit(b, "<tr><th scope=\"row\">");
    h_text(b, label);
    h_lit(b, "</th><td>");
    h_num(b, count(q, "threads"));
    h_lit(b, "</td><td>");
    h_num(b, count(q, "requests"));
    h_lit(b, "</td><td>");
    h_num(b, count(q, "closed"));
    h_lit(b, "</td>");
    for (const rp__web_code *c = rp__web_outcomes; c->code != NULL; c++) {
      h_lit(b, "<td>");
      h_num(b, count(o, c->code));
      h_lit(b, "</td>");
    }
    h_lit(b, "<td>");
    h_num(b, count(o, "open"));
    h_lit(b, "</td></tr>\n");
  }
  h_lit(b, "</tbody>\n</table>\n");
  if (json_array_size(qs) == 0) h_lit(b, "<p>Ingen tråde i perioden.</p>\n");
}

static void service_clock(rp__buf *b, json_t *clk) {
  h_lit(b, "<table class=\"tal\">\n<caption>Serviceuret pr. hastegrad (tråde med frist)"
           "</caption>\n<thead><tr><th scope=\"col\">Hastegrad</th><th scope=\"col\">Med "
           "frist</th><th scope=\"col\">Åbnet i tide</th><th scope=\"col\">Åbnet for sent"
           "</th><th scope=\"col\">Ikke åbnet endnu</th><th scope=\"col\">Andel åbnet i "
           "tide</th><th scope=\"col\">Frist holdt</th><th scope=\"col\">Frist "
           "overskredet</th><th scope=\"col\">Frist løber</th><th scope=\"col\">Andel "
           "frist holdt</th></tr></thead>\n<tbody>\n");
  for (const rp__web_code *c = k_urgencies; c->code != NULL; c++) {
    json_t *e = json_object_get(clk, c->code);
    static const char *const keys[] = {"with_deadline", "opened_in_time", "opened_late",
                                       "not_opened_yet"};
    static const char *const keys2[] = {"clock_met", "clock_missed", "clock_running"};
    h_lit(b, "<tr><th scope=\"row\">");
    h_text(b, c->label);
    h_lit(b, "</th>");
    for (size_t k = 0; k < 4; k++) {
      h_lit(b, "<td>");
      h_num(b, count(e, keys[k]));
      h_lit(b, "</td>");
    }
    h_lit(b, "<td>");
    share_cell(b, json_object_get(e, "share_opened_in_time"));
    h_lit(b, "</td>");
    for (size_t k = 0; k < 3; k++) {
      h_lit(b, "<td>");
      h_num(b, count(e, keys2[k]));
      h_lit(b, "</td>");
    }
    h_lit(b, "<td>");
    share_cell(b, json_object_get(e, "share_clock_met"));
    h_lit(b, "</td></tr>\n");
  }
  h_lit(b, "</tbody>\n</table>\n");
}

void rp__web_stats_get(rp__web_ctx *x) {
  rp__buf *b = &x->body;
  const char *from = rp__web_arg(x, "fra"), *until = rp__web_arg(x, "til");
  rp__ibx_req q = {.action = RP_IBX_A_STATS};
  rp__web_resp r;
  json_t *root;
  int bad = 0;
  if (from != NULL && from[0] != 0) {
    if (rp__web_is_date(from))
      q.from = rp__str_c(from);
    else
      bad = 1;
  }
  if (until != NULL && until[0] != 0) {
    if (rp__web_is_date(until))
      q.until = rp__str_c(until);
    else
      bad = 1;
  }
  if (bad) {
    rp__web_error_page(x, 400, "Ugyldig dato", "Skriv datoerne som ÅÅÅÅ-MM-DD.");
    return;
  }
  if (rp__web_call(x, &q, &r) != 0) return;
  rp__web_frame_start(x, "Statistik");
  h_lit(b, "<h1>Statistik</h1>\n<p>Kun antal: ingen navne, ingen tekst og intet om den "
           "enkelte sag.</p>\n<form method=\"get\" action=\"/statistik\" class=\"filtre\">"
           "\n<fieldset><legend>Periode (efter modtagelse, begge dage med)</legend>\n"
           "<p><label for=\"fra\">Fra og med</label>\n<input type=\"date\" id=\"fra\" "
           "name=\"fra\"");
  h_attr(b, "value", q.from.n > 0 ? from : "");
  h_lit(b, "></p>\n<p><label for=\"til\">Til og med</label>\n<input type=\"date\" "
           "id=\"til\" name=\"til\"");
  h_attr(b, "value", q.until.n > 0 ? until : "");
  h_lit(b, "></p>\n<p><button type=\"submit\">Vis</button></p>\n</fieldset>\n</form>\n");
  if (r.err != 0) {
    rp__web_daemon_note(b, &r);
    rp__web_resp_free(&r);
    h_page_end(b);
    return;
  }
  root = json_loads(r.json, 0, NULL);
  h_lit(b, "<dl class=\"resume\">\n<dt>Tråde i alt</dt><dd>");
  h_num(b, count(root, "threads"));
  h_lit(b, "</dd>\n<dt>Henvendelser</dt><dd>");
  h_num(b, count(root, "requests"));
  h_lit(b, "</dd>\n</dl>\n");
  quarters(b, json_object_get(root, "by_quarter"));
  count_table(b, "Henvendelser pr. hastegrad", "Hastegrad",
              json_object_get(root, "by_urgency"), k_urgencies, NULL);
  count_table(b, "Henvendelser pr. kategori", "Kategori",
              json_object_get(root, "by_category"), rp__web_categories, NULL);
  count_table(b, "Henvendelser pr. region (kommunens netværk)", "Region",
              json_object_get(root, "by_region"), k_regions, NULL);
  count_table(b, "Udfald af alle tråde", "Udfald", json_object_get(root, "outcomes"),
              rp__web_outcomes, k_open);
  service_clock(b, json_object_get(root, "service_clock"));
  json_decref(root);
  rp__web_resp_free(&r);
  h_page_end(b);
}
