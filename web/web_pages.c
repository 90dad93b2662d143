/* SPDX-License-Identifier: MIT */
/*
 * The workspace's pages: the inbox, a thread, the actions on it and attachment
 * downloads. Everything comes from the inbox daemon's JSON (list, show, save) asked in
 * the logged-in advisor's name; everything from it is written through web_html.h.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibx_caps.h"
#include "log.h"
#include "payload.h"
#include "rejsepost_errors.h"
#include "web_html.h"
#include "web_ibx.h"
#include "web_int.h"
#include "web_labels.h"
#include "web_pages.h"
#include "web_parse.h"

static const char *jget(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v != NULL ? v : "";
}

static void fmt_time(json_t *v, char *out, size_t cap) {
  json_int_t ms = json_integer_value(v);
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (ms <= 0 || localtime_r(&t, &tm) == NULL) {
    snprintf(out, cap, "–");
    return;
  }
  strftime(out, cap, "%d.%m.%Y %H:%M", &tm);
}

static void time_cell(rp__buf *b, json_t *v) {
  char when[40], iso[40];
  json_int_t ms = json_integer_value(v);
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  fmt_time(v, when, sizeof when);
  if (ms > 0 && gmtime_r(&t, &tm) != NULL) {
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    h_lit(b, "<time");
    h_attr(b, "datetime", iso);
    h_lit(b, ">");
    h_text(b, when);
    h_lit(b, "</time>");
  } else {
    h_text(b, when);
  }
}

/* A thread's deadline, from just after the opening tag's name to its content's end:
 * marked when overdue; with countdown, the time for live.js to count down to (ms since
 * 1970, UTC). */
static void due_cell(rp__buf *b, json_t *t, int countdown) {
  int overdue = json_is_true(json_object_get(t, "overdue"));
  json_int_t due = json_integer_value(json_object_get(t, "deadline"));
  if (overdue) h_lit(b, " class=\"overskredet\"");
  if (countdown && due > 0) rp__buf_printf(b, " data-frist=\"%lld\"", (long long)due);
  h_lit(b, ">");
  time_cell(b, json_object_get(t, "deadline"));
  if (overdue) h_lit(b, " <strong>Overskredet</strong>");
}

static void value_word(rp__buf *b, const char *v) {
  const char *l = rp__web_value_label(v);
  h_text(b, l != NULL ? l : v);
}

static void categories(rp__buf *b, json_t *arr) {
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    if (i > 0) h_lit(b, ", ");
    value_word(b, json_string_value(e) != NULL ? json_string_value(e) : "");
  }
}

/* The daemon's refusal, in Danish, with its own line under it. */
static void daemon_note(rp__buf *b, const rp__web_resp *r) {
  const char *what = r->err == RP_EBUSY   ? "En anden rådgiver har tråden."
                     : r->err == RP_EPERM ? "Det har du ikke ret til."
                     : r->err == RP_ESTATE
                         ? "Tråden er lukket eller allerede i den tilstand."
                     : r->err == RP_ENOTFOUND ? "Tråden findes ikke."
                     : r->err == RP_EMISSING  ? "Der mangler et felt."
                                              : "Handlingen lykkedes ikke.";
  h_lit(b, "<div class=\"fejl\" role=\"alert\"><p>");
  h_text(b, what);
  h_lit(b, "</p>");
  if (r->msg != NULL && r->msg[0] != 0) {
    h_lit(b, "<p class=\"teknisk\">Indbakkens besked: ");
    h_text(b, r->msg);
    h_lit(b, "</p>");
  }
  h_lit(b, "</div>\n");
}

static int call(rp__web_ctx *x, rp__ibx_req *q, rp__web_resp *out) {
  q->version = RP_SCHEMA_VERSION;
  q->as = rp__str_c(x->s->name);
  /* A reply's files go along open (the daemon never opens a path webd names). */
  int files = q->action == RP_IBX_A_REPLY && x->f != NULL && x->f->nfiles > 0;
  int r = rp__web_ibx_call_fds(x->w->cfg.socket, q, files ? x->f->fd : NULL,
                               files ? x->f->nfiles : 0, out);
  if (r != 0) {
    rp__log_error("event=inbox_unreachable error=%s", rp_err_name(r));
    rp__web_error_page(x, 503, "Indbakken svarer ikke",
                       "Indbakkens tjeneste kan ikke nås lige nu. Prøv igen om lidt, "
                       "eller kontakt driften.");
  }
  return r;
}

/* ---- the inbox ---- */

/* A field's paragraph opened with its label. */
static void label_for(rp__buf *b, const char *id, const char *label) {
  h_lit(b, "<p><label");
  h_attr(b, "for", id);
  h_lit(b, ">");
  h_text(b, label);
  h_lit(b, "</label>\n");
}

/* A <select> of codes with its label; none (if not NULL) is the empty choice first. */
void rp__web_select(rp__buf *b, const char *id, const char *name, const char *label,
                    const rp__web_code *codes, const char *cur, const char *none) {
  label_for(b, id, label);
  h_lit(b, "<select");
  h_attr(b, "id", id);
  h_attr(b, "name", name);
  h_lit(b, ">\n");
  if (none != NULL) {
    h_lit(b, "<option value=\"\">");
    h_text(b, none);
    h_lit(b, "</option>\n");
  }
  for (const rp__web_code *c = codes; c->code != NULL; c++) {
    h_lit(b, "<option");
    h_attr(b, "value", c->code);
    if (cur != NULL && strcmp(cur, c->code) == 0) h_lit(b, " selected");
    h_lit(b, ">");
    h_text(b, c->label);
    h_lit(b, "</option>\n");
  }
  h_lit(b, "</select></p>\n");
}

static void select_codes(rp__buf *b, const char *id, const char *label,
                         const rp__web_code *codes, const char *cur, const char *none) {
  rp__web_select(b, id, id, label, codes, cur, none);
}

static int digits3(const char *s) {
  return s != NULL && strlen(s) == 3 && strspn(s, "0123456789") == 3;
}

void rp__web_inbox_get(rp__web_ctx *x) {
  rp__buf *b = &x->body;
  const char *st = rp__web_arg(x, "tilstand"), *mun = rp__web_arg(x, "kommune"),
             *cat = rp__web_arg(x, "kategori"), *mine = rp__web_arg(x, "mine"),
             *net = rp__web_arg(x, "netvaerk"), *unread = rp__web_arg(x, "ulaest"),
             *urg_f = rp__web_arg(x, "hastegrad");
  rp__ibx_req q = {.action = RP_IBX_A_LIST};
  rp__web_resp r;
  json_t *root, *t;
  size_t i;
  unsigned shown = 0;
  if (st != NULL && st[0] != 0) q.state = rp__enum_find(rp__ibx_enum_state(), st);
  if (digits3(mun)) q.municipality = rp__str_c(mun);
  if (cat != NULL && cat[0] != 0)
    q.category = rp__enum_find(&rp__payload_enum_category, cat);
  if (net != NULL && net[0] != 0) q.network = rp__enum_find(&rp__payload_enum_network, net);
  if (urg_f != NULL && urg_f[0] != 0) q.urgency = rp__enum_find(&rp__urgency_enum, urg_f);
  int is_mine = mine != NULL && strcmp(mine, "1") == 0;
  /* Unread: no advisor has opened the thread yet (state new). With another state chosen
   * as well, nothing matches. */
  int is_unread = unread != NULL && strcmp(unread, "1") == 0;
  if (is_unread && q.state == 0) q.state = rp__enum_find(rp__ibx_enum_state(), "new");
  if (call(x, &q, &r) != 0) return;
  rp__web_frame_start(x, "Indbakke");
  h_lit(b, "<h1>Indbakke</h1>\n");
  h_lit(b, "<form method=\"get\" action=\"/\" class=\"filtre\">\n<fieldset><legend>Filtrér"
           "</legend>\n");
  select_codes(b, "tilstand", "Tilstand", rp__web_states, st, "Alle åbne");
  select_codes(b, "hastegrad", "Hastegrad", rp__web_urgencies,
               q.urgency != 0 ? urg_f : NULL, "Alle hastegrader");
  h_lit(b, "<p><label for=\"kommune\">Kommunekode</label>\n<input id=\"kommune\" "
           "name=\"kommune\" inputmode=\"numeric\" pattern=\"[0-9]{3}\" maxlength=\"3\"");
  h_attr(b, "value", digits3(mun) ? mun : "");
  h_lit(b, "></p>\n");
  select_codes(b, "kategori", "Kategori", rp__web_categories, cat, "Alle kategorier");
  select_codes(b, "netvaerk", "Netværk", rp__web_networks, q.network != 0 ? net : NULL,
               "Begge netværk");
  h_lit(b, "<p><input type=\"checkbox\" id=\"mine\" name=\"mine\" value=\"1\"");
  if (is_mine) h_lit(b, " checked");
  h_lit(b, "> <label for=\"mine\">Kun mine</label></p>\n"
           "<p><input type=\"checkbox\" id=\"ulaest\" name=\"ulaest\" value=\"1\"");
  if (is_unread) h_lit(b, " checked");
  h_lit(b, "> <label for=\"ulaest\">Kun ulæste (ingen har åbnet dem)</label></p>\n"
           "<p><button type=\"submit\">Vis</button></p>\n</fieldset>\n</form>\n");
  if (r.err != 0) {
    daemon_note(b, &r);
    rp__web_resp_free(&r);
    h_page_end(b);
    return;
  }
  if (r.msg[0] != 0) {
    /* The daemon's cap on a listing (RP_IBX_LIST_MAX): the most urgent are shown. */
    h_lit(b, "<p class=\"note\" role=\"status\">");
    if (strncmp(r.msg, "more than ", 10) == 0)
      h_lit(b, "Der er flere henvendelser, end der kan vises på én gang; de mest "
               "presserende vises. Brug filtrene for at se resten. ");
    h_lit(b, "<span class=\"teknisk\">Indbakkens besked: ");
    h_text(b, r.msg);
    h_lit(b, "</span></p>\n");
  }
  root = json_loads(r.json, 0, NULL);
  h_lit(b,
        "<table class=\"indbakke\">\n<caption>Henvendelser: akutte først, derefter efter "
        "frist</caption>\n<thead><tr><th scope=\"col\">Hastegrad</th><th scope=\"col\">"
        "Id</th><th scope=\"col\">Kommune</th><th scope=\"col\">Kategorier</th>"
        "<th scope=\"col\">Modtaget</th><th scope=\"col\">Frist</th><th scope=\"col\">"
        "Tilstand</th><th scope=\"col\">Behandler</th></tr></thead>\n<tbody>\n");
  json_array_foreach(root, i, t) {
    const char *urg = jget(t, "urgency"), *holder = jget(t, "claimed_by");
    if (is_mine && strcmp(holder, x->s->name) != 0) continue;
    if (is_unread && strcmp(jget(t, "state"), "new") != 0) continue;
    shown++;
    h_lit(b, "<tr");
    if (strcmp(urg, "akut") == 0) h_lit(b, " class=\"akut\"");
    h_lit(b, "><td>");
    if (strcmp(urg, "akut") == 0)
      h_lit(b, "<strong class=\"akut-maerke\">AKUT</strong>");
    else
      value_word(b, urg);
    h_lit(b, "</td><td><a");
    char href[64];
    snprintf(href, sizeof href, RP_IBX_CASE_PATH "%.32s", jget(t, "thread_id"));
    h_attr(b, "href", href);
    h_lit(b, "><code>");
    h_text(b, jget(t, "short_id"));
    h_lit(b, "</code></a></td><td>");
    h_text(b, jget(t, "municipality"));
    h_lit(b, "</td><td>");
    if (strcmp(jget(t, "kind"), "request") != 0) {
      h_text(b, rp__web_kind_label(jget(t, "kind")));
      h_lit(b, ": ");
    }
    categories(b, json_object_get(t, "categories"));
    h_lit(b, "</td><td>");
    time_cell(b, json_object_get(t, "arrived"));
    h_lit(b, "</td><td");
    due_cell(b, t, 1);
    h_lit(b, "</td><td>");
    h_text(b, rp__web_state_label(jget(t, "state")));
    h_lit(b, "</td><td>");
    h_text(b, holder[0] != 0 ? holder : "–");
    h_lit(b, "</td></tr>\n");
  }
  h_lit(b, "</tbody>\n</table>\n");
  if (shown == 0) h_lit(b, "<p>Ingen henvendelser matcher.</p>\n");
  json_decref(root);
  rp__web_resp_free(&r);
  h_page_end(b);
}

/* ---- a thread ---- */

static void render_value(rp__buf *b, json_t *v, const char *path);

/* The payload fields that hold a time in milliseconds (the schemas' time fields). */
static int is_time_field(const char *path) {
  static const char *const k_times[] = {
      "deadline", "at", "effective_at", "follow_up_at", "respond_by", "start", "end"};
  const char *last = strrchr(path, '.');
  last = last != NULL ? last + 1 : path;
  for (size_t i = 0; i < sizeof k_times / sizeof k_times[0]; i++)
    if (strcmp(last, k_times[i]) == 0) return 1;
  return 0;
}

static void render_obj(rp__buf *b, json_t *o, const char *prefix) {
  const char *k;
  json_t *v;
  h_lit(b, "<dl class=\"felter\">\n");
  json_object_foreach(o, k, v) {
    char path[128];
    /* The message's attachments are listed under it, with their links. */
    if (prefix[0] == 0 && strcmp(k, "attachments") == 0) continue;
    /* The envelope's own fields (the library adds them): the heading shows time and
     * direction, and ids and member ids say nothing to an advisor. */
    if (prefix[0] == 0 && rp__web_envelope_field(k)) continue;
    snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", k);
    const char *label = rp__web_field_label(path);
    h_lit(b, "<dt>");
    h_text(b, label != NULL ? label : "Andet felt");
    h_lit(b, "</dt><dd>");
    render_value(b, v, path);
    h_lit(b, "</dd>\n");
  }
  h_lit(b, "</dl>\n");
}

static void render_value(rp__buf *b, json_t *v, const char *path) {
  size_t i;
  json_t *e;
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    const char *l = rp__web_value_label(s);
    if (l != NULL) {
      h_text(b, l);
    } else {
      h_lit(b, "<span class=\"fritekst\">");
      h_text(b, s);
      h_lit(b, "</span>");
    }
  } else if (json_is_boolean(v)) {
    h_text(b, json_is_true(v) ? "Ja" : "Nej");
  } else if (json_is_integer(v) && is_time_field(path)) {
    time_cell(b, v);
  } else if (json_is_integer(v)) {
    h_num(b, (long long)json_integer_value(v));
  } else if (json_is_array(v) && json_array_size(v) == 0) {
    h_lit(b, "–");
  } else if (json_is_array(v)) {
    int objects = 0;
    json_array_foreach(v, i, e) objects |= json_is_object(e);
    if (!objects) {
      json_array_foreach(v, i, e) {
        if (i > 0) h_lit(b, ", ");
        render_value(b, e, path);
      }
    } else {
      h_lit(b, "<ul>");
      json_array_foreach(v, i, e) {
        h_lit(b, "<li>");
        render_value(b, e, path);
        h_lit(b, "</li>");
      }
      h_lit(b, "</ul>");
    }
  } else if (json_is_object(v)) {
    render_obj(b, v, path);
  } else {
    h_lit(b, "–");
  }
}

static int has_str(json_t *arr, const char *s) {
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) if (json_is_string(e) &&
                                    strcmp(json_string_value(e), s) == 0) return 1;
  return 0;
}

/* The danger flags of the request, shown above everything else. */
static void flags(rp__buf *b, json_t *p) {
  json_t *risk = json_object_get(p, "risk"), *cit = json_object_get(p, "citizen");
  int acute = json_is_true(json_object_get(risk, "acute"));
  int informed = has_str(json_object_get(p, "measures_taken"), "family_informed");
  const char *tool = json_string_value(json_object_get(risk, "tool"));
  int minor_unassessed = json_is_true(json_object_get(cit, "under_18")) &&
                         (tool == NULL || strcmp(tool, "ingen") == 0);
  const char *before = json_string_value(json_object_get(p, "risk_assessed_before_family"));
  int not_before = before != NULL && strcmp(before, "nej") == 0;
  if (!acute && !informed && !minor_unassessed && !not_before) return;
  h_lit(b, "<section class=\"fare\" aria-labelledby=\"fare-titel\">\n<h2 id=\"fare-titel\">"
           "Faresignaler</h2>\n<ul>\n");
  if (acute)
    h_lit(b, "<li><strong>Akut fare:</strong> kommunen vurderer, at der er fare nu."
             "</li>\n");
  if (informed)
    h_lit(b, "<li><strong>Familien er allerede orienteret</strong> om sagen.</li>\n");
  if (minor_unassessed)
    h_lit(b,
          "<li><strong>Under 18 år uden risikovurdering</strong> med et værktøj.</li>\n");
  if (not_before)
    h_lit(b, "<li><strong>Ikke risikovurderet</strong> før familien inddrages.</li>\n");
  h_lit(b, "</ul>\n</section>\n");
}

static void attachments(rp__buf *b, json_t *arr, const char *thread) {
  size_t i;
  json_t *a;
  if (json_array_size(arr) == 0) return;
  h_lit(b, "<h4>Bilag</h4>\n<ul class=\"bilag\">\n");
  json_array_foreach(arr, i, a) {
    char href[80];
    snprintf(href, sizeof href, RP_IBX_CASE_PATH "%.32s/bilag/%lld", thread,
             (long long)json_integer_value(json_object_get(a, "n")));
    h_lit(b, "<li><a");
    h_attr(b, "href", href);
    h_lit(b, ">");
    h_text(b, jget(a, "name"));
    h_lit(b, "</a> (");
    value_word(b, jget(a, "kind"));
    h_lit(b, ", ");
    h_num(b, (long long)json_integer_value(json_object_get(a, "size")));
    h_lit(b, " bytes)</li>\n");
  }
  h_lit(b, "</ul>\n");
}

static const rp__web_code k_att_kinds[] = {
    {"beredskabsplan_udkast", "Udkast til beredskabsplan"},
    {"handlingsplan", "Handlingsplan"},
    {"risikovurdering", "Risikovurdering"},
    {NULL, NULL}};

static void form_open(rp__buf *b, rp__web_ctx *x, const char *thread, const char *action,
                      const char *legend) {
  char to[80];
  snprintf(to, sizeof to, RP_IBX_CASE_PATH "%.32s/%s", thread, action);
  h_lit(b, "<form method=\"post\" class=\"handling\"");
  /* Only a reply carries files. */
  if (strcmp(action, "reply") == 0) h_lit(b, " enctype=\"multipart/form-data\"");
  h_attr(b, "action", to);
  h_lit(b, ">\n");
  h_csrf(b, x->s->csrf);
  h_lit(b, "<fieldset><legend>");
  h_text(b, legend);
  h_lit(b, "</legend>\n");
}

void rp__web_input(rp__buf *b, const char *id, const char *label, const char *attrs) {
  label_for(b, id, label);
  h_lit(b, "<input");
  h_lit(b, attrs);
  h_attr(b, "id", id);
  h_attr(b, "name", id);
  h_lit(b, "></p>\n");
}

static void actions(rp__buf *b, rp__web_ctx *x, json_t *t) {
  const char *id = jget(t, "thread_id"), *holder = jget(t, "claimed_by");
  int mine = strcmp(holder, x->s->name) == 0, free_ = holder[0] == 0;
  h_lit(
      b,
      "<section aria-labelledby=\"handlinger\">\n<h2 id=\"handlinger\">Handlinger</h2>\n");
  if (free_) {
    form_open(b, x, id, "claim", "Tag tråden");
    h_lit(b, "<button type=\"submit\">Tag tråden</button></fieldset></form>\n");
  } else if (!mine) {
    form_open(b, x, id, "takeover", "Overtag tråden");
    h_lit(b, "<p>Tråden har ");
    h_text(b, holder);
    h_lit(b, ". Overtagelsen skrives i revisionssporet.</p>\n"
             "<button type=\"submit\">Overtag tråden</button></fieldset></form>\n");
  }
  if (free_ || mine) {
    form_open(b, x, id, "assign", "Giv tråden til en kollega");
    h_lit(b, "<p><label for=\"til\">Kollegas brugernavn</label>\n<input id=\"til\" "
             "name=\"til\" required maxlength=\"32\" pattern=\"[A-Za-z0-9._-]+\"></p>\n"
             "<button type=\"submit\">Giv videre</button></fieldset></form>\n");
    form_open(b, x, id, "reply", "Svar kommunen");
    h_lit(b, "<p><label for=\"tekst\">Rådgivning til kommunen</label>\n<textarea "
             "id=\"tekst\" name=\"tekst\" rows=\"8\" required maxlength=\"16384\">"
             "</textarea></p>\n<p><label for=\"bilag\">Bilag (valgfrit, højst 16 filer, "
             "32 MB i alt)</label>\n<input type=\"file\" id=\"bilag\" name=\"bilag\" "
             "multiple></p>\n");
    select_codes(b, "bilag_art", "Bilagenes art", k_att_kinds, NULL, "Andet");
    rp__web_reply_codes(b);
    h_lit(b, "<button type=\"submit\">Send svar</button></fieldset></form>\n");
    form_open(b, x, id, "ask", "Bed om flere oplysninger");
    h_lit(b, "<p><label for=\"spoergsmaal\">Spørgsmål til kommunen</label>\n<textarea "
             "id=\"spoergsmaal\" name=\"spoergsmaal\" rows=\"4\" required "
             "maxlength=\"16384\"></textarea></p>\n<button type=\"submit\">Send "
             "spørgsmål</button></fieldset></form>\n");
    form_open(b, x, id, "close", "Luk tråden");
    select_codes(b, "udfald", "Udfald", rp__web_outcomes, NULL, "Vælg udfald");
    h_lit(b, "<button type=\"submit\">Luk tråden</button></fieldset></form>\n");
  }
  h_lit(b, "</section>\n");
}

static const char *done_text(const char *a) {
  if (a == NULL) return NULL;
  if (strcmp(a, "claim") == 0) return "Du har taget tråden.";
  if (strcmp(a, "takeover") == 0) return "Du har overtaget tråden.";
  if (strcmp(a, "assign") == 0) return "Tråden er givet videre.";
  if (strcmp(a, "reply") == 0) return "Svaret er sendt.";
  if (strcmp(a, "ask") == 0) return "Spørgsmålet er sendt.";
  if (strcmp(a, "close") == 0) return "Tråden er lukket.";
  return rp__web_workflow_done(a);
}

static void thread_page(rp__web_ctx *x, const char *thread, const rp__web_resp *failed) {
  rp__buf *b = &x->body;
  rp__ibx_req q = {.action = RP_IBX_A_SHOW};
  rp__web_resp r;
  json_t *root, *t, *msgs, *m;
  size_t i;
  q.thread = rp__str_c(thread);
  if (call(x, &q, &r) != 0) return;
  if (r.err != 0) {
    rp__web_frame_start(x, "Tråd");
    x->status = r.err == RP_ENOTFOUND ? 404 : 400;
    h_lit(b, "<h1>Tråden kan ikke vises</h1>\n");
    daemon_note(b, &r);
    h_lit(b, "<p><a href=\"/\">Til indbakken</a></p>\n");
    h_page_end(b);
    rp__web_resp_free(&r);
    return;
  }
  root = json_loads(r.json, 0, NULL);
  t = json_object_get(root, "thread");
  msgs = json_object_get(root, "messages");
  rp__web_frame_start(x, "Tråd");
  h_lit(b, "<p><a href=\"/\">← Til indbakken</a></p>\n<h1>Henvendelse <code>");
  h_text(b, jget(t, "short_id"));
  h_lit(b, "</code></h1>\n");
  const char *done = done_text(rp__web_arg(x, "udfoert"));
  if (failed != NULL) daemon_note(b, failed);
  if (failed == NULL && done != NULL) {
    h_lit(b, "<p class=\"ok\" role=\"status\">");
    h_text(b, done);
    h_lit(b, "</p>\n");
  }
  /* The request's danger flags first. */
  json_array_foreach(msgs, i, m) {
    if (strcmp(jget(m, "kind"), "request") == 0) {
      flags(b, json_object_get(m, "payload"));
      break;
    }
  }
  /* A withdrawn consent: said first, and no action is offered (web_meet.c). */
  int stopped = rp__web_consent_banner(b, t);
  h_lit(b, "<dl class=\"resume\">\n<dt>Hastegrad</dt><dd>");
  value_word(b, jget(t, "urgency"));
  h_lit(b, "</dd>\n<dt>Tilstand</dt><dd>");
  h_text(b, rp__web_state_label(jget(t, "state")));
  h_lit(b, "</dd>\n<dt>Kommune</dt><dd>");
  h_text(b, jget(t, "municipality"));
  h_lit(b, "</dd>\n<dt>Kategorier</dt><dd>");
  categories(b, json_object_get(t, "categories"));
  h_lit(b, "</dd>\n<dt>Modtaget</dt><dd>");
  time_cell(b, json_object_get(t, "arrived"));
  h_lit(b, "</dd>\n<dt>Frist</dt><dd");
  due_cell(b, t, 0);
  h_lit(b, "</dd>\n<dt>Behandler</dt><dd>");
  h_text(b, jget(t, "claimed_by")[0] != 0 ? jget(t, "claimed_by") : "Ingen");
  h_lit(b, "</dd>\n</dl>\n");
  if (!stopped && strcmp(jget(t, "state"), "closed") != 0) actions(b, x, t);
  rp__web_meetings_section(b, x, root, stopped);
  h_lit(b, "<section aria-labelledby=\"forloeb\">\n<h2 id=\"forloeb\">Forløb</h2>\n<ol "
           "class=\"forloeb\">\n");
  json_array_foreach(msgs, i, m) {
    int in = strcmp(jget(m, "direction"), "in") == 0;
    h_lit(b, in ? "<li class=\"ind\">" : "<li class=\"ud\">");
    h_lit(b, "<h3>");
    h_text(b, rp__web_kind_label(jget(m, "kind")));
    h_lit(b, in ? " fra kommunen" : " til kommunen");
    h_lit(b, ", ");
    time_cell(b, json_object_get(m, "stored"));
    if (jget(m, "advisor")[0] != 0) {
      h_lit(b, " (");
      h_text(b, jget(m, "advisor"));
      h_lit(b, ")");
    }
    h_lit(b, "</h3>\n");
    json_t *p = json_object_get(m, "payload");
    /* A recall mark, hidden content, a meeting's times: web_meet.c (1: shown there). */
    if (!rp__web_msg_marks(b, x, t, m, stopped) && json_is_object(p)) render_obj(b, p, "");
    attachments(b, json_object_get(m, "attachments"), jget(t, "thread_id"));
    rp__web_msg_recall_form(b, x, t, m, stopped);
    h_lit(b, "</li>\n");
  }
  h_lit(b, "</ol>\n</section>\n");
  json_decref(root);
  rp__web_resp_free(&r);
  h_page_end(b);
}

void rp__web_thread_get(rp__web_ctx *x, const char *thread) {
  thread_page(x, thread, NULL);
}

/* "name/kind/name/kind..." for the daemon (request key 18), one pair per file. */
static int attach_spec(rp__web_ctx *x, char *out, size_t cap) {
  const char *kind = rp__web_field(x, "bilag_art");
  size_t j = 0;
  int known = kind == NULL || kind[0] == 0;
  for (const rp__web_code *c = k_att_kinds; !known && c->code != NULL; c++)
    known = strcmp(c->code, kind) == 0;
  if (!known) return RP_EINVAL;
  if (kind == NULL || kind[0] == 0) kind = "andet";
  for (unsigned i = 0; i < x->f->nfiles; i++) {
    int n = snprintf(out + j, cap - j, "%s%s/%s", i > 0 ? "/" : "", x->f->fname[i], kind);
    if (n < 0 || (size_t)n >= cap - j) return RP_ETOOBIG;
    j += (size_t)n;
  }
  return 0;
}

void rp__web_thread_post(rp__web_ctx *x, const char *thread, const char *action) {
  rp__ibx_req q = {0};
  rp__web_resp r;
  const char *v = NULL;
  char to[128], spec[RP_IBX_ATTACH_SPEC_MAX + 1];
  q.thread = rp__str_c(thread);
  /* Recall and meetings: web_meet.c. */
  if (rp__web_workflow_post(x, thread, action)) return;
  if (strcmp(action, "claim") == 0) {
    q.action = RP_IBX_A_CLAIM;
  } else if (strcmp(action, "takeover") == 0) {
    q.action = RP_IBX_A_CLAIM;
    q.takeover = true;
  } else if (strcmp(action, "assign") == 0) {
    q.action = RP_IBX_A_ASSIGN;
    v = rp__web_field(x, "til");
    if (v == NULL || !rp__web_name_ok(v)) {
      rp__web_error_page(x, 400, "Ugyldigt brugernavn", "Skriv kollegaens brugernavn.");
      return;
    }
    q.to = rp__str_c(v);
  } else if (strcmp(action, "reply") == 0 || strcmp(action, "ask") == 0) {
    int ask = action[0] == 'a';
    q.action = ask ? RP_IBX_A_ASK : RP_IBX_A_REPLY;
    v = rp__web_field(x, ask ? "spoergsmaal" : "tekst");
    if (v == NULL || v[0] == 0 || strlen(v) > RP_TEXT_QUESTION_MAX) {
      rp__web_error_page(x, 400, "Tom tekst", "Skriv en tekst (højst 16384 tegn).");
      return;
    }
    q.text = rp__str_c(v);
    if (!ask && rp__web_reply_fields(x, &q) != 0) return;
    if (!ask && x->f->nfiles > 0 && attach_spec(x, spec, sizeof spec) != 0) {
      rp__web_error_page(x, 400, "Ugyldige bilag",
                         "Bilagenes navne eller art er ugyldige.");
      return;
    }
    if (!ask && x->f->nfiles > 0) q.attach = rp__str_c(spec);
    if (ask && x->f->nfiles > 0) {
      rp__web_error_page(x, 400, "Bilag",
                         "Bilag sendes med et svar, ikke med et spørgsmål.");
      return;
    }
  } else if (strcmp(action, "close") == 0) {
    q.action = RP_IBX_A_CLOSE;
    v = rp__web_field(x, "udfald");
    q.outcome = v != NULL ? rp__enum_find(&rp__payload_enum_outcome, v) : 0;
    if (q.outcome == 0) {
      rp__web_error_page(x, 400, "Vælg et udfald", "Vælg et udfald for at lukke tråden.");
      return;
    }
  } else {
    rp__web_error_page(x, 404, "Ikke fundet", "Den handling findes ikke.");
    return;
  }
  if (call(x, &q, &r) != 0) return;
  if (r.err == 0) {
    /* After a POST a redirect, so a reload does not send twice. */
    snprintf(to, sizeof to, RP_IBX_CASE_PATH "%s?udfoert=%s", thread, action);
    rp__web_redirect(x, to);
  } else {
    x->status = 409; /* the page shows the thread again, with the refusal on top */
    thread_page(x, thread, &r);
  }
  rp__web_resp_free(&r);
}

void rp__web_download(rp__web_ctx *x, const char *thread, const char *nstr) {
  rp__ibx_req q = {.action = RP_IBX_A_SHOW};
  rp__web_resp r;
  json_t *root, *msgs, *m, *a;
  size_t i, j;
  char name[256], safe[200];
  unsigned long long n = 0;
  int listed = 0;
  if (rp__web_attach_no(nstr, &n) != 0) {
    rp__web_error_page(x, 404, "Ikke fundet", "Bilaget findes ikke.");
    return;
  }
  /* Only a number the thread lists: never a path, never a guess. */
  q.thread = rp__str_c(thread);
  if (call(x, &q, &r) != 0) return;
  root = r.err == 0 ? json_loads(r.json, 0, NULL) : NULL;
  msgs = json_object_get(root, "messages");
  json_array_foreach(msgs, i, m) {
    json_array_foreach(json_object_get(m, "attachments"), j, a) {
      if ((unsigned long long)json_integer_value(json_object_get(a, "n")) == n) listed = 1;
    }
  }
  char full[33];
  snprintf(full, sizeof full, "%s", jget(json_object_get(root, "thread"), "thread_id"));
  json_decref(root);
  rp__web_resp_free(&r);
  if (!listed) {
    rp__web_error_page(x, 404, "Ikke fundet", "Tråden har ikke det bilag.");
    return;
  }
  int rc = rp__web_ibx_save(x->w->cfg.socket, x->s->name, full, n, RP_WEB_DOWNLOAD_MAX, &r,
                            &x->bin, &x->binlen, name);
  if (rc != 0 || r.err != 0) {
    rp__log_warn("event=web_download_failed thread=%s n=%llu error=%s", full, n,
                 rp_err_name(rc != 0 ? rc : r.err));
    rp__web_resp_free(&r);
    rp__web_error_page(x, rc == RP_ETOOBIG ? 413 : 502, "Bilaget kan ikke hentes",
                       rc == RP_ETOOBIG ? "Bilaget er for stort til at hentes her; brug "
                                          "kommandolinjen (rejsepost advisor save)."
                                        : "Bilaget kunne ikke hentes fra indbakken.");
    return;
  }
  rp__web_resp_free(&r);
  rp__web_safe_name(name, safe, sizeof safe);
  /* Never rendered by the browser: a document is saved, not opened in our origin. */
  x->ctype = "application/octet-stream";
  snprintf(x->disposition, sizeof x->disposition, "attachment; filename=\"%s\"", safe);
}

/* ---- shared with the workflow pages (web_pages.h) ---- */

void rp__web_thread_form(rp__buf *b, rp__web_ctx *x, const char *thread, const char *action,
                         const char *legend) {
  form_open(b, x, thread, action, legend);
}

void rp__web_daemon_note(rp__buf *b, const rp__web_resp *r) {
  daemon_note(b, r);
}

int rp__web_call(rp__web_ctx *x, rp__ibx_req *q, rp__web_resp *out) {
  return call(x, q, out);
}

void rp__web_time(rp__buf *b, json_t *v) {
  time_cell(b, v);
}

void rp__web_thread_page(rp__web_ctx *x, const char *thread, const rp__web_resp *failed) {
  thread_page(x, thread, failed);
}
