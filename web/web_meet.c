/* SPDX-License-Identifier: MIT */
/*
 * A thread's workflow beyond the reply (docs/INBOX.md "Reply fields, recalls, consent,
 * meetings"): a withdrawn consent said first and no action offered; a recalled message
 * marked, its content gone; the team's recall of a message it sent; the meetings of the
 * thread with their state, and the forms to propose times, confirm one and cancel. All
 * through the daemon's actions; times are Copenhagen's, as the daemon's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_caps.h"
#include "ibx_cal.h"
#include "rejsepost_errors.h"
#include "web_html.h"
#include "web_pages.h"
#include "web_parse.h"

static const rp__web_code k_recall_reasons[] = {
    {"forkert_modtager", "Sendt til forkert modtager"},
    {"forkert_indhold", "Forkert indhold"},
    {"dublet", "Sendt to gange"},
    {"andet", "Anden årsag"},
    {NULL, NULL}};

static const rp__web_code k_cancel_reasons[] = {
    {"aflyst_af_kommunen", "Aflyst af kommunen"},
    {"aflyst_af_rejseholdet", "Aflyst af Rejseholdet"},
    {"ny_tid_oenskes", "Der ønskes en ny tid"},
    {"andet", "Anden årsag"},
    {NULL, NULL}};

static const rp__web_code k_modes[] = {
    {"online", "Online"}, {"fysisk", "Fysisk møde"}, {NULL, NULL}};

static const rp__web_code k_places[] = {{"hos_kommunen", "Hos kommunen"},
                                        {"hos_rejseholdet", "Hos Rejseholdet"},
                                        {"andet_sted", "Et andet sted"},
                                        {NULL, NULL}};

static const rp__web_code k_purposes[] = {{"sparring", "Sparring"},
                                          {"sagsdroeftelse", "Sagsdrøftelse"},
                                          {"planarbejde", "Planarbejde"},
                                          {"besoeg", "Besøg"},
                                          {"opkvalificering", "Opkvalificering"},
                                          {"andet", "Andet"},
                                          {NULL, NULL}};

static const char *word(const rp__web_code *t, const char *code) {
  for (; code != NULL && t->code != NULL; t++)
    if (strcmp(t->code, code) == 0) return t->label;
  return "Ukendt";
}

static const char *jstr(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v != NULL ? v : "";
}

static int is_hex32(const char *s) {
  return s != NULL && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

/* ---- times in Copenhagen ---- */

/* "12.01.2026 kl. 10:00" of unix ms, in a <time> element. */
static void cph_time(rp__buf *b, json_int_t ms) {
  int64_t day, y;
  unsigned sec, m, d;
  char when[40], iso[40];
  if (ms <= 0) {
    h_lit(b, "–");
    return;
  }
  rp__ibx_cph_local((int64_t)(ms / 1000), &day, &sec);
  rp__ibx_cal_civil(day, &y, &m, &d);
  snprintf(when, sizeof when, "%02u.%02u.%04lld kl. %02u:%02u", d, m, (long long)y,
           sec / 3600, sec / 60 % 60);
  snprintf(iso, sizeof iso, "%04lld-%02u-%02uT%02u:%02u", (long long)y, m, d, sec / 3600,
           sec / 60 % 60);
  h_lit(b, "<time");
  h_attr(b, "datetime", iso);
  h_lit(b, ">");
  h_text(b, when);
  h_lit(b, "</time>");
}

/* A slot map {start, end}: "12.01.2026 kl. 10:00 til kl. 11:00". */
static void slot_text(rp__buf *b, json_t *s) {
  json_int_t a = json_integer_value(json_object_get(s, "start")),
             e = json_integer_value(json_object_get(s, "end"));
  int64_t day;
  unsigned sec;
  char end[16];
  cph_time(b, a);
  if (e <= a) return;
  rp__ibx_cph_local((int64_t)(e / 1000), &day, &sec);
  snprintf(end, sizeof end, "%02u:%02u", sec / 3600, sec / 60 % 60);
  h_lit(b, " til kl. ");
  h_text(b, end);
}

/* ---- consent and recalls ---- */

int rp__web_consent_banner(rp__buf *b, json_t *t) {
  json_t *c = json_object_get(t, "consent_withdrawn");
  if (!json_is_object(c)) return 0;
  h_lit(
      b,
      "<section class=\"fare samtykke\" role=\"alert\" aria-labelledby=\"samtykke-titel\">"
      "\n<h2 id=\"samtykke-titel\">Samtykket er trukket tilbage</h2>\n<p>");
  h_text(b, word((const rp__web_code[]){{"borger", "Borgeren"},
                                        {"foraeldremyndighed",
                                         "Forældremyndighedens indehaver"},
                                        {NULL, NULL}},
                 jstr(c, "by")));
  h_lit(b, " trak samtykket tilbage ");
  cph_time(b, json_integer_value(json_object_get(c, "at")));
  h_lit(b, ".</p>\n<p>Behandlingen af sagen er stoppet, indholdet er skjult, og der kan "
           "ikke handles på tråden. Tråden slettes efter ");
  cph_time(b, json_integer_value(json_object_get(c, "purge_at")));
  h_lit(b, ".</p>\n</section>\n");
  return 1;
}

/* A meeting message's codes and times, in words. */
static void meeting_body(rp__buf *b, json_t *p) {
  json_t *v, *e;
  size_t i;
  h_lit(b, "<dl class=\"felter\">\n");
  if ((v = json_object_get(p, "purpose")) != NULL) {
    h_lit(b, "<dt>Formål</dt><dd>");
    h_text(b, word(k_purposes, json_string_value(v)));
    h_lit(b, "</dd>\n");
  }
  if ((v = json_object_get(p, "mode")) != NULL) {
    h_lit(b, "<dt>Mødeform</dt><dd>");
    h_text(b, word(k_modes, json_string_value(v)));
    h_lit(b, "</dd>\n");
  }
  if ((v = json_object_get(p, "place")) != NULL) {
    h_lit(b, "<dt>Sted</dt><dd>");
    h_text(b, word(k_places, json_string_value(v)));
    h_lit(b, "</dd>\n");
  }
  if ((v = json_object_get(p, "duration_min")) != NULL) {
    h_lit(b, "<dt>Varighed</dt><dd>");
    h_num(b, (long long)json_integer_value(v));
    h_lit(b, " minutter</dd>\n");
  }
  static const char *const lists[][2] = {{"windows", "Kommunens mulige tider"},
                                         {"slots", "Foreslåede tider"}};
  for (size_t k = 0; k < 2; k++) {
    v = json_object_get(p, lists[k][0]);
    if (json_array_size(v) == 0) continue;
    h_lit(b, "<dt>");
    h_text(b, lists[k][1]);
    h_lit(b, "</dt><dd><ul>");
    json_array_foreach(v, i, e) {
      h_lit(b, "<li>");
      slot_text(b, e);
      h_lit(b, "</li>");
    }
    h_lit(b, "</ul></dd>\n");
  }
  if ((v = json_object_get(p, "slot")) != NULL) {
    h_lit(b, "<dt>Aftalt tid</dt><dd>");
    slot_text(b, v);
    h_lit(b, "</dd>\n");
  }
  if ((v = json_object_get(p, "reason")) != NULL) {
    h_lit(b, "<dt>Årsag</dt><dd>");
    h_text(b, word(k_cancel_reasons, json_string_value(v)));
    h_lit(b, "</dd>\n");
  }
  h_lit(b, "</dl>\n");
}

int rp__web_msg_marks(rp__buf *b, rp__web_ctx *x, json_t *t, json_t *m, int stopped) {
  json_t *rc = json_object_get(m, "recalled");
  const char *kind = jstr(m, "kind");
  (void)x;
  (void)t;
  if (json_is_object(rc)) {
    h_lit(b, "<p class=\"tilbagekaldt\"><strong>Tilbagekaldt</strong> ");
    cph_time(b, json_integer_value(json_object_get(rc, "at")));
    h_lit(b, strcmp(jstr(rc, "by"), "team") == 0 ? " af Rejseholdet" : " af kommunen");
    h_lit(b, " (");
    h_text(b, word(k_recall_reasons, jstr(rc, "reason")));
    h_lit(b, "). Indholdet er skjult.</p>\n");
    return 1;
  }
  if (json_is_true(json_object_get(m, "hidden"))) {
    h_lit(b, stopped ? "<p class=\"skjult\">Indholdet er skjult: samtykket er trukket "
                       "tilbage.</p>\n"
                     : "<p class=\"skjult\">Indholdet er skjult.</p>\n");
    return 1;
  }
  if (strcmp(kind, "recall") == 0 && json_is_object(json_object_get(m, "payload"))) {
    json_t *p = json_object_get(m, "payload");
    const char *about = jstr(p, "about");
    h_lit(b, "<dl class=\"felter\">\n<dt>Tilbagekalder besked</dt><dd><code>");
    h_textn(b, about, strlen(about) > 8 ? 8 : strlen(about));
    h_lit(b, "</code></dd>\n<dt>Årsag</dt><dd>");
    h_text(b, word(k_recall_reasons, jstr(p, "reason")));
    h_lit(b, "</dd>\n</dl>\n");
    return 1;
  }
  if (strncmp(kind, "meeting_", 8) == 0 && json_is_object(json_object_get(m, "payload"))) {
    meeting_body(b, json_object_get(m, "payload"));
    return 1;
  }
  return 0;
}

void rp__web_msg_recall_form(rp__buf *b, rp__web_ctx *x, json_t *t, json_t *m,
                             int stopped) {
  const char *holder = jstr(t, "claimed_by"), *id = jstr(m, "msg_id");
  char fid[80];
  /* Only a message the team sent, not yet hidden, not a recall itself; by whoever may
   * act on the thread (the daemon decides again). */
  if (stopped || strcmp(jstr(m, "direction"), "out") != 0 ||
      json_is_true(json_object_get(m, "hidden")) ||
      strcmp(jstr(m, "kind"), "recall") == 0 || !is_hex32(id) ||
      (holder[0] != 0 && strcmp(holder, x->s->name) != 0))
    return;
  h_lit(b, "<details class=\"tilbagekald\"><summary>Tilbagekald denne besked</summary>\n");
  rp__web_thread_form(b, x, jstr(t, "thread_id"), "recall", "Tilbagekald beskeden");
  h_lit(b, "<input type=\"hidden\" name=\"besked\"");
  h_attr(b, "value", id);
  h_lit(b, ">\n<p>Kommunen får besked om, at beskeden er trukket tilbage, og dens indhold "
           "skjules.</p>\n");
  snprintf(fid, sizeof fid, "aarsag_%.32s", id);
  h_lit(b, "<p><label");
  h_attr(b, "for", fid);
  h_lit(b, ">Årsag</label>\n<select name=\"aarsag\"");
  h_attr(b, "id", fid);
  h_lit(b, ">\n");
  for (const rp__web_code *c = k_recall_reasons; c->code != NULL; c++) {
    h_lit(b, "<option");
    h_attr(b, "value", c->code);
    h_lit(b, ">");
    h_text(b, c->label);
    h_lit(b, "</option>\n");
  }
  h_lit(b, "</select></p>\n<button type=\"submit\">Tilbagekald</button></fieldset></form>\n"
           "</details>\n");
}

/* ---- meetings ---- */

static const char *meeting_state(const char *kind) {
  if (strcmp(kind, "meeting_request") == 0) return "Ønsket af kommunen: afventer tider";
  if (strcmp(kind, "meeting_proposal") == 0) return "Tider foreslået: afventer svar";
  if (strcmp(kind, "meeting_confirmation") == 0) return "Bekræftet";
  if (strcmp(kind, "meeting_cancellation") == 0) return "Aflyst";
  return "Ukendt";
}

/* Mode and place, with labels (ids made unique on the page by the form's prefix, which
 * names the form and the meeting). */
static void mode_place(rp__buf *b, const char *pre) {
  char id[40];
  h_lit(b, "<fieldset><legend>Mødeform</legend>\n");
  for (const rp__web_code *c = k_modes; c->code != NULL; c++) {
    snprintf(id, sizeof id, "%s_form_%s", pre, c->code);
    h_lit(b, "<p><input type=\"radio\" name=\"moedeform\" required");
    h_attr(b, "id", id);
    h_attr(b, "value", c->code);
    h_lit(b, "> <label");
    h_attr(b, "for", id);
    h_lit(b, ">");
    h_text(b, c->label);
    h_lit(b, "</label></p>\n");
  }
  h_lit(b, "</fieldset>\n");
  snprintf(id, sizeof id, "%s_sted", pre);
  rp__web_select(b, id, "sted", "Sted (ved fysisk møde)", k_places, NULL,
                 "Intet sted (online)");
}

/* Date, start and end of slot i (1-based) under a prefix, with labels. */
static void slot_fields(rp__buf *b, const char *pre, unsigned i, int required) {
  static const char *const part[][3] = {
      {"dato", "Dato", "date"}, {"start", "Start", "time"}, {"slut", "Slut", "time"}};
  char id[40], name[24], label[40];
  h_lit(b, "<fieldset class=\"tid\"><legend>");
  if (i > 0) {
    snprintf(label, sizeof label, "Tid %u%s", i, required ? "" : " (valgfri)");
    h_text(b, label);
  } else {
    h_lit(b, "En anden tid");
  }
  h_lit(b, "</legend>\n");
  for (size_t k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "%s%u", part[k][0], i);
    snprintf(id, sizeof id, "%s_%s", pre, name);
    h_lit(b, "<p><label");
    h_attr(b, "for", id);
    h_lit(b, ">");
    h_text(b, part[k][1]);
    h_lit(b, "</label> <input");
    h_attr(b, "type", part[k][2]);
    h_attr(b, "id", id);
    h_attr(b, "name", name);
    if (required) h_lit(b, " required");
    h_lit(b, "></p>\n");
  }
  h_lit(b, "</fieldset>\n");
}

/* The form to propose one to eight times for meeting mid (NULL: a meeting the team
 * starts; the daemon ties it to the thread's request). */
static void propose_form(rp__buf *b, rp__web_ctx *x, const char *thread, const char *mid,
                         const char *pre) {
  rp__web_thread_form(b, x, thread, "meeting_propose", "Foreslå tider");
  if (mid != NULL) {
    h_lit(b, "<input type=\"hidden\" name=\"moede\"");
    h_attr(b, "value", mid);
    h_lit(b, ">\n");
  }
  h_lit(b, "<p>Angiv en til otte tider (dansk tid).</p>\n");
  for (unsigned s = 1; s <= RP_IBX_REQ_SLOTS_MAX; s++)
    slot_fields(b, pre, s, s == 1);
  mode_place(b, pre);
  h_lit(b, "<button type=\"submit\">Send forslag</button></fieldset></form>\n");
}

/* One meeting: its messages (oldest first) in ms[first..] with meeting id mid. */
static void one_meeting(rp__buf *b, rp__web_ctx *x, json_t *ms, const char *mid,
                        unsigned nth, const char *thread, int can_act) {
  char fs[16], bk[16], id[64];
  snprintf(fs, sizeof fs, "m%u_fs", nth);
  snprintf(bk, sizeof bk, "m%u_bk", nth);
  json_t *e, *last = NULL, *req = NULL, *prop = NULL;
  size_t i;
  json_array_foreach(ms, i, e) {
    if (strcmp(jstr(e, "meeting"), mid) != 0) continue;
    last = e;
    if (strcmp(jstr(e, "kind"), "meeting_request") == 0) req = e;
    if (strcmp(jstr(e, "kind"), "meeting_proposal") == 0) prop = e;
  }
  if (last == NULL) return;
  h_lit(b, "<article class=\"moede\">\n<h3>Møde");
  if (req != NULL) {
    h_lit(b, ": ");
    h_text(b, word(k_purposes, jstr(req, "purpose")));
  }
  h_lit(b, "</h3>\n<p>Status: <strong>");
  h_text(b, meeting_state(jstr(last, "kind")));
  h_lit(b, "</strong> (");
  cph_time(b, json_integer_value(json_object_get(last, "stored")));
  h_lit(b, ")</p>\n");
  if (req != NULL) meeting_body(b, req);
  if (prop != NULL && prop != req) {
    h_lit(b, "<h4>Rejseholdets forslag</h4>\n");
    meeting_body(b, prop);
  }
  if (last != req && last != prop) meeting_body(b, last);
  if (!can_act || strcmp(jstr(last, "kind"), "meeting_cancellation") == 0 ||
      strcmp(jstr(last, "kind"), "meeting_confirmation") == 0) {
    /* A confirmed meeting can still be cancelled. */
    if (!can_act || strcmp(jstr(last, "kind"), "meeting_confirmation") != 0) {
      h_lit(b, "</article>\n");
      return;
    }
  } else {
    propose_form(b, x, thread, mid, fs);
    /* Confirm one: a proposed time or another. */
    rp__web_thread_form(b, x, thread, "meeting_confirm", "Bekræft en tid");
    h_lit(b, "<input type=\"hidden\" name=\"moede\"");
    h_attr(b, "value", mid);
    h_lit(b, ">\n<fieldset><legend>Tid</legend>\n");
    json_t *choices =
        prop != NULL ? json_object_get(prop, "slots") : json_object_get(req, "windows");
    json_array_foreach(choices, i, e) {
      char v[48];
      snprintf(v, sizeof v, "%lld-%lld",
               (long long)json_integer_value(json_object_get(e, "start")),
               (long long)json_integer_value(json_object_get(e, "end")));
      snprintf(id, sizeof id, "%s_tid_%zu", bk, i);
      h_lit(b, "<p><input type=\"radio\" name=\"tid\"");
      h_attr(b, "id", id);
      h_attr(b, "value", v);
      h_lit(b, "> <label");
      h_attr(b, "for", id);
      h_lit(b, ">");
      slot_text(b, e);
      h_lit(b, "</label></p>\n");
    }
    snprintf(id, sizeof id, "%s_tid_anden", bk);
    h_lit(b, "<p><input type=\"radio\" name=\"tid\" value=\"anden\"");
    h_attr(b, "id", id);
    if (json_array_size(choices) == 0) h_lit(b, " checked");
    h_lit(b, "> <label");
    h_attr(b, "for", id);
    h_lit(b, ">En anden tid (nedenfor)</label></p>\n</fieldset>\n");
    slot_fields(b, bk, 0, 0);
    mode_place(b, bk);
    h_lit(b, "<button type=\"submit\">Bekræft tiden</button></fieldset></form>\n");
  }
  rp__web_thread_form(b, x, thread, "meeting_cancel", "Aflys mødet");
  h_lit(b, "<input type=\"hidden\" name=\"moede\"");
  h_attr(b, "value", mid);
  h_lit(b, ">\n");
  snprintf(id, sizeof id, "m%u_aflys_aarsag", nth);
  rp__web_select(b, id, "aflys_aarsag", "Årsag", k_cancel_reasons, "aflyst_af_rejseholdet",
                 "Vælg årsag");
  h_lit(b, "<button type=\"submit\">Aflys mødet</button></fieldset></form>\n</article>\n");
}

void rp__web_meetings_section(rp__buf *b, rp__web_ctx *x, json_t *root, int stopped) {
  json_t *t = json_object_get(root, "thread"), *ms = json_object_get(root, "meetings"), *e;
  const char *holder = jstr(t, "claimed_by");
  size_t i, j;
  unsigned nth = 0;
  int can_act = !stopped && strcmp(jstr(t, "state"), "closed") != 0 &&
                (holder[0] == 0 || strcmp(holder, x->s->name) == 0);
  if (stopped || (json_array_size(ms) == 0 && !can_act)) return;
  h_lit(b, "<section aria-labelledby=\"moeder\">\n<h2 id=\"moeder\">Møder</h2>\n");
  if (json_array_size(ms) == 0) {
    /* No meeting yet: the team may start one (after a reply that offered it). */
    h_lit(b, "<details class=\"nyt-moede\"><summary>Foreslå et møde</summary>\n");
    propose_form(b, x, jstr(t, "thread_id"), NULL, "m0_fs");
    h_lit(b, "</details>\n");
  }
  json_array_foreach(ms, i, e) {
    const char *mid = jstr(e, "meeting");
    int seen = 0;
    for (j = 0; j < i; j++)
      seen |= strcmp(jstr(json_array_get(ms, j), "meeting"), mid) == 0;
    /* Each meeting once, in the order its first message came; ids only as values. */
    if (!seen && is_hex32(mid))
      one_meeting(b, x, ms, mid, ++nth, jstr(t, "thread_id"), can_act);
  }
  h_lit(b, "</section>\n");
}

/* ---- the actions ---- */

/* Mode and place of a form into q; 0 or -1 with the error page made. */
static int read_mode(rp__web_ctx *x, rp__ibx_req *q) {
  const char *mode = rp__web_field(x, "moedeform"), *place = rp__web_field(x, "sted");
  if (mode == NULL || (strcmp(mode, "online") != 0 && strcmp(mode, "fysisk") != 0)) {
    rp__web_error_page(x, 400, "Vælg mødeform", "Vælg, om mødet er online eller fysisk.");
    return -1;
  }
  q->mode = rp__str_c(mode);
  if (strcmp(mode, "fysisk") == 0) {
    if (place == NULL || strcmp(word(k_places, place), "Ukendt") == 0) {
      rp__web_error_page(x, 400, "Vælg et sted", "Et fysisk møde skal have et sted.");
      return -1;
    }
    q->place = rp__str_c(place);
  }
  return 0;
}

/* Slot i of the form (dato<i>, start<i>, slut<i>): 1 read, 0 empty, -1 malformed. */
static int read_slot(rp__web_ctx *x, unsigned i, rp__ibx_slot *s) {
  char n[3][16];
  const char *v[3];
  snprintf(n[0], sizeof n[0], "dato%u", i);
  snprintf(n[1], sizeof n[1], "start%u", i);
  snprintf(n[2], sizeof n[2], "slut%u", i);
  int empty = 1;
  for (int k = 0; k < 3; k++) {
    v[k] = rp__web_field(x, n[k]);
    if (v[k] != NULL && v[k][0] != 0) empty = 0;
  }
  if (empty) return 0;
  s->start = rp__web_cph_ms(v[0], v[1]);
  s->end = rp__web_cph_ms(v[0], v[2]);
  return s->start != 0 && s->end > s->start ? 1 : -1;
}

static int bad_slot(rp__web_ctx *x) {
  rp__web_error_page(x, 400, "Ugyldig tid",
                     "Angiv dato, start og slut for hver tid; slut efter start.");
  return -1;
}

int rp__web_workflow_post(rp__web_ctx *x, const char *thread, const char *action) {
  rp__ibx_req q = {0};
  rp__web_resp r;
  const char *v;
  char to[128];
  q.thread = rp__str_c(thread);
  if (strcmp(action, "recall") == 0) {
    q.action = RP_IBX_A_RECALL;
    v = rp__web_field(x, "besked");
    if (!is_hex32(v)) {
      rp__web_error_page(x, 400, "Ukendt besked",
                         "Vælg den besked, der skal tilbagekaldes.");
      return 1;
    }
    q.msg = rp__str_c(v);
    v = rp__web_field(x, "aarsag");
    if (v == NULL || strcmp(word(k_recall_reasons, v), "Ukendt") == 0) {
      rp__web_error_page(x, 400, "Vælg en årsag", "Vælg en årsag til tilbagekaldelsen.");
      return 1;
    }
    q.reason = rp__str_c(v);
  } else if (strcmp(action, "meeting_propose") == 0 ||
             strcmp(action, "meeting_confirm") == 0 ||
             strcmp(action, "meeting_cancel") == 0) {
    v = rp__web_field(x, "moede");
    /* Only a proposal may start a meeting (no meeting named). */
    int start = (v == NULL || v[0] == 0) && strcmp(action, "meeting_propose") == 0;
    if (!start && !is_hex32(v)) {
      rp__web_error_page(x, 400, "Ukendt møde", "Mødet findes ikke i tråden.");
      return 1;
    }
    if (!start) q.msg = rp__str_c(v);
    if (strcmp(action, "meeting_propose") == 0) {
      q.action = RP_IBX_A_MEETING_PROPOSE;
      for (unsigned i = 1; i <= RP_IBX_REQ_SLOTS_MAX; i++) {
        int k = read_slot(x, i, &q.slots[q.nslots]);
        if (k < 0) return bad_slot(x), 1;
        if (k > 0) q.nslots++;
      }
      if (q.nslots == 0) return bad_slot(x), 1;
      if (read_mode(x, &q) != 0) return 1;
    } else if (strcmp(action, "meeting_confirm") == 0) {
      q.action = RP_IBX_A_MEETING_CONFIRM;
      v = rp__web_field(x, "tid");
      if (v != NULL && strcmp(v, "anden") != 0) {
        if (rp__web_slot_pair(v, &q.slots[0].start, &q.slots[0].end) != 0)
          return bad_slot(x), 1;
      } else if (read_slot(x, 0, &q.slots[0]) != 1) {
        return bad_slot(x), 1;
      }
      q.nslots = 1;
      if (read_mode(x, &q) != 0) return 1;
    } else {
      q.action = RP_IBX_A_MEETING_CANCEL;
      v = rp__web_field(x, "aflys_aarsag");
      if (v == NULL || strcmp(word(k_cancel_reasons, v), "Ukendt") == 0) {
        rp__web_error_page(x, 400, "Vælg en årsag", "Vælg en årsag til aflysningen.");
        return 1;
      }
      q.reason = rp__str_c(v);
    }
  } else {
    return 0;
  }
  if (rp__web_call(x, &q, &r) != 0) return 1;
  if (r.err == 0) {
    snprintf(to, sizeof to, RP_IBX_CASE_PATH "%s?udfoert=%s", thread, action);
    rp__web_redirect(x, to);
  } else {
    x->status = 409;
    rp__web_thread_page(x, thread, &r);
  }
  rp__web_resp_free(&r);
  return 1;
}

const char *rp__web_workflow_done(const char *a) {
  if (strcmp(a, "recall") == 0) return "Beskeden er tilbagekaldt.";
  if (strcmp(a, "meeting_propose") == 0) return "Forslaget til tider er sendt.";
  if (strcmp(a, "meeting_confirm") == 0) return "Mødet er bekræftet.";
  if (strcmp(a, "meeting_cancel") == 0) return "Mødet er aflyst.";
  return NULL;
}
