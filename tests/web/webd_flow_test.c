/* SPDX-License-Identifier: MIT */
/*
 * The workspace's workflow pages with real processes (tests/web/webd_fixture.h): the
 * meetings of a thread (the municipality asks; the team proposes times, confirms one and
 * cancels through the forms, and the municipality's library receives each), recalls
 * (the team's own, and the municipality's: the text is gone from the page), a withdrawn
 * consent (said first, content hidden, no action offered, an action refused), the
 * networks page (an announcement reaches the east members; a registration is listed),
 * the team lead's statistics as tables with the expected counts, a registration on its
 * own as a thread, the inbox's network and unread filters, referrals in the reply form.
 * Every page in Danish, a label for every field, no raw field or code name; forms without
 * CSRF refused.
 */
#include "webd_fixture.h"

#include "ibx_expect.h"

static int setup(void **state) {
  (void)state;
  int rc = webd_world_start("webd-flow");
  if (rc != 0) return rc;
  webd_enrol_sara();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  webd_world_stop();
  return 0;
}

/* Every visible field of the page has a label (<label for=its id>), and no raw name of a
 * field, kind or code is in the page's text. */
static void labelled_and_danish(const char *body) {
  static const char *const tags[] = {"<input", "<select", "<textarea"};
  for (size_t t = 0; t < 3; t++) {
    for (const char *p = strstr(body, tags[t]); p != NULL; p = strstr(p + 1, tags[t])) {
      const char *end = strchr(p, '>'), *id = strstr(p, " id=\"");
      char want[120];
      if (strncmp(p, "<input type=\"hidden\"", 20) == 0) continue;
      if (id == NULL || id > end) fprintf(stderr, "no id: %.120s\n", p);
      assert_true(id != NULL && id < end);
      id += 5;
      snprintf(want, sizeof want, "for=\"%.*s\"", (int)strcspn(id, "\""), id);
      if (strstr(body, want) == NULL) fprintf(stderr, "no label: %s\n", want);
      assert_non_null(strstr(body, want));
      /* Each id once on the page, or the label names another form's field. */
      snprintf(want, sizeof want, " id=\"%.*s\"", (int)strcspn(id, "\""), id);
      const char *first = strstr(body, want);
      if (strstr(first + 1, want) != NULL) fprintf(stderr, "id twice: %s\n", want);
      assert_null(strstr(first + 1, want));
    }
  }
  static const char *const raw[] = {
      ">meeting_",      ">network_",      ">sagsdroeftelse<",
      ">online<",       ">hos_kommunen<", ">forkert_modtager<",
      ">tilmeldt<",     ">oest<",         "by_quarter",
      "share_",         "Andet felt",     "<dd>Ukendt",
      "<strong>Ukendt", "Ukendt kvartal", "(Ukendt)",
      ">recall<",       "purge_at",       "2026-Q1"};
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
    if (strstr(body, raw[i]) != NULL) fprintf(stderr, "raw: %s\n%s\n", raw[i], body);
    assert_null(strstr(body, raw[i]));
  }
  /* Every form that posts carries the session's token. */
  size_t forms = 0, tokens = 0;
  for (const char *p = strstr(body, "<form method=\"post\""); p != NULL;
       p = strstr(p + 1, "<form method=\"post\""))
    forms++;
  for (const char *p = strstr(body, "name=\"csrf\""); p != NULL;
       p = strstr(p + 1, "name=\"csrf\""))
    tokens++;
  assert_int_equal(forms, tokens);
}

static void get_page(const char *path, hresp *r) {
  http(path, NULL, r);
  if (r->status != 200) fprintf(stderr, "%s: %ld\n%s\n", path, r->status, r->body);
  assert_int_equal(r->status, 200);
  labelled_and_danish(r->body);
}

/* POSTs form to path; returns the status (the body freed). */
static long post(const char *path, const char *form) {
  hresp r;
  http(path, form, &r);
  long st = r.status;
  if (st != 303) fprintf(stderr, "POST %s: %ld\n%s\n", path, st, r.body);
  hfree(&r);
  return st;
}

/* Meetings: the municipality's request on the thread page in Danish; proposal,
 * confirmation and cancellation through the forms reach the municipality. */
static void test_meetings(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], mr[RP_ID_STRLEN], path[120], form[900];
  char csrf[80], needle[200];
  hresp r;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 0, "normal", th, req), 0);
  assert_int_equal(fx_meeting_request(&g, 0, th, mr), 0);
  snprintf(needle, sizeof needle, "\"meeting\":\"%s\"", mr);
  assert_int_equal(fx_wait_show(&g, th, needle, NULL), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "<h2 id=\"moeder\">Møder</h2>"));
  assert_non_null(strstr(r.body, "Møde: Sagsdrøftelse"));
  assert_non_null(strstr(r.body, "Ønsket af kommunen"));
  assert_non_null(strstr(r.body, "60 minutter"));
  assert_non_null(strstr(r.body, "Foreslå tider"));
  csrf_of(&r, csrf);
  hfree(&r);
  /* Without the token: refused, nothing sent. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/meeting_propose", th);
  snprintf(form, sizeof form,
           "moede=%s&dato1=2026-01-08&start1=10:00&slut1=11:00&moedeform=online", mr);
  http(path, form, &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  /* A slot that ends before it starts: refused by webd. */
  snprintf(form, sizeof form,
           "csrf=%s&moede=%s&dato1=2026-01-08&start1=10:00&slut1=09:00&moedeform=online",
           csrf, mr);
  http(path, form, &r);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "Ugyldig tid"));
  hfree(&r);
  /* Two times (and six empty rows). */
  snprintf(form, sizeof form,
           "csrf=%s&moede=%s&dato1=2026-01-08&start1=10:00&slut1=11:00&dato2=2026-01-09"
           "&start2=13:30&slut2=15:00&dato3=&start3=&slut3=&moedeform=online&sted=",
           csrf, mr);
  assert_int_equal(post(path, form), 303);
  ibx_expect_proposal(&g, 0, mr);
  snprintf(needle, sizeof needle, "who=sara action=meeting_propose thread=%s", th);
  assert_true(audit_has(needle));
  /* The page: the proposal and its times in Copenhagen time, offered to confirm. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s?udfoert=meeting_propose", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "Forslaget til tider er sendt."));
  assert_non_null(strstr(r.body, "Tider foreslået"));
  assert_non_null(strstr(r.body, "08.01.2026 kl. 10:00</time> til kl. 11:00"));
  snprintf(needle, sizeof needle, "value=\"%llu-%llu\"", FX_0108_1000_CPH,
           FX_0108_1000_CPH + FX_HOUR);
  assert_non_null(strstr(r.body, needle));
  hfree(&r);
  /* Confirm the first, physical without a place: refused; with one: sent. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/meeting_confirm", th);
  snprintf(form, sizeof form, "csrf=%s&moede=%s&tid=%llu-%llu&moedeform=fysisk&sted=", csrf,
           mr, FX_0108_1000_CPH, FX_0108_1000_CPH + FX_HOUR);
  http(path, form, &r);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "Vælg et sted"));
  hfree(&r);
  snprintf(form, sizeof form,
           "csrf=%s&moede=%s&tid=%llu-%llu&moedeform=fysisk&sted=hos_kommunen", csrf, mr,
           FX_0108_1000_CPH, FX_0108_1000_CPH + FX_HOUR);
  assert_int_equal(post(path, form), 303);
  ibx_expect_confirmation(&g, 0, mr);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "Status: <strong>Bekræftet"));
  assert_non_null(strstr(r.body, "Hos kommunen"));
  assert_null(strstr(r.body, "Foreslå tider"));
  assert_non_null(strstr(r.body, "Aflys mødet"));
  hfree(&r);
  /* Cancel with a reason. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/meeting_cancel", th);
  snprintf(form, sizeof form, "csrf=%s&moede=%s&aflys_aarsag=ny_tid_oenskes", csrf, mr);
  assert_int_equal(post(path, form), 303);
  ibx_expect_cancellation(&g, 0, mr, "ny_tid_oenskes");
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "Status: <strong>Aflyst"));
  assert_non_null(strstr(r.body, "Der ønskes en ny tid"));
  assert_null(strstr(r.body, "Aflys mødet"));
  hfree(&r);
}

/* Recalls: the team recalls its reply through the form (the municipality receives the
 * recall, the text leaves the page); the municipality's recall of its follow-up hides
 * that text too. */
static void test_recall(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], fu[RP_ID_STRLEN], rc_id[RP_ID_STRLEN];
  char path[120], form[600], csrf[80], rid[RP_ID_STRLEN], needle[200];
  rp_received *rec = NULL;
  const char *v = NULL;
  hresp r;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 1, "normal", th, req), 0);
  page_csrf("/", csrf);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/reply", th);
  snprintf(form, sizeof form, "csrf=%s&tekst=%s&underretningspligt=no", csrf,
           "Fejlsendt%20raad%20om%20Zainab");
  assert_int_equal(post(path, form), 303);
  assert_int_equal(fx_wait_kind(&g, 1, "reply", 20000, &rec), 0);
  snprintf(rid, sizeof rid, "%s", rp_received_msg_id(rec));
  rp_received_free(rec);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "Fejlsendt raad om Zainab"));
  assert_non_null(strstr(r.body, "Tilbagekald denne besked"));
  snprintf(needle, sizeof needle, "name=\"besked\" value=\"%s\"", rid);
  assert_non_null(strstr(r.body, needle));
  /* Only the team's own messages: not the municipality's request. */
  snprintf(needle, sizeof needle, "name=\"besked\" value=\"%s\"", req);
  assert_null(strstr(r.body, needle));
  hfree(&r);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/recall", th);
  snprintf(form, sizeof form, "besked=%s&aarsag=forkert_modtager", rid);
  http(path, form, &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  snprintf(form, sizeof form, "csrf=%s&besked=%s&aarsag=forkert_modtager", csrf, rid);
  assert_int_equal(post(path, form), 303);
  assert_int_equal(fx_wait_kind(&g, 1, "recall", 20000, &rec), 0);
  assert_int_equal(rp_received_get_hex(rec, "about", &v), 0);
  assert_string_equal(v, rid);
  assert_int_equal(rp_received_get_enum(rec, "reason", &v), 0);
  assert_string_equal(v, "forkert_modtager");
  rp_received_free(rec);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_null(strstr(r.body, "Zainab"));
  assert_non_null(strstr(r.body, "<strong>Tilbagekaldt</strong>"));
  assert_non_null(strstr(r.body, "af Rejseholdet (Sendt til forkert modtager)"));
  snprintf(needle, sizeof needle, "name=\"besked\" value=\"%s\"", rid);
  assert_null(strstr(r.body, needle)); /* not twice */
  hfree(&r);
  /* Twice by hand: the daemon refuses, the page says so. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/recall", th);
  http(path, form, &r);
  assert_int_equal(r.status, 409);
  assert_non_null(strstr(r.body, "already recalled"));
  hfree(&r);
  /* The municipality recalls its follow-up. */
  assert_int_equal(
      fx_follow_up(&g, 1, th, req, "Forkert sag: Aisha bor hos sin faster.", fu), 0);
  assert_int_equal(fx_wait_show(&g, th, "Aisha bor", NULL), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  http(path, NULL, &r);
  assert_non_null(strstr(r.body, "Aisha bor"));
  hfree(&r);
  assert_int_equal(fx_recall(&g, 1, th, fu, "forkert_indhold", rc_id), 0);
  assert_int_equal(fx_wait_show(&g, th, "\"by\":\"municipality\"", NULL), 0);
  get_page(path, &r);
  assert_null(strstr(r.body, "Aisha"));
  assert_non_null(strstr(r.body, "af kommunen (Forkert indhold)"));
  /* The request itself is still there. */
  assert_non_null(strstr(r.body, "genopdragelsesrejse"));
  /* No meeting in this thread yet: the team may start one; it answers the request. */
  assert_non_null(strstr(r.body, "<summary>Foreslå et møde</summary>"));
  hfree(&r);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/meeting_propose", th);
  snprintf(
      form, sizeof form,
      "csrf=%s&dato1=2026-01-08&start1=10:00&slut1=11:00&moedeform=online&sted=", csrf);
  assert_int_equal(post(path, form), 303);
  assert_int_equal(fx_wait_kind(&g, 1, "meeting_proposal", 20000, &rec), 0);
  assert_int_equal(rp_received_get_hex(rec, "meeting_ref", &v), 0);
  assert_string_equal(v, req);
  rp_received_free(rec);
}

/* A withdrawn consent: said first with the purge time, the content hidden, no action
 * offered, and an action sent anyway refused. */
static void test_consent_withdrawn(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], id[RP_ID_STRLEN], path[120], form[200];
  char csrf[80];
  hresp r;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 2, "akut", th, req), 0);
  assert_int_equal(fx_consent_withdrawn(&g, 2, th, "foraeldremyndighed", req, id), 0);
  assert_int_equal(fx_wait_show(&g, th, "\"consent_withdrawn\":{", NULL), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "Samtykket er trukket tilbage"));
  assert_non_null(strstr(r.body, "Forældremyndighedens indehaver trak samtykket tilbage"));
  assert_non_null(strstr(r.body, "Tråden slettes efter <time"));
  assert_true(pos_of(r.body, "Samtykket er trukket tilbage") < pos_of(r.body, "Forløb"));
  assert_null(strstr(r.body, "genopdragelsesrejse"));
  assert_null(strstr(r.body, "Faresignaler")); /* the request's content is hidden */
  assert_non_null(strstr(r.body, "Indholdet er skjult: samtykket er trukket tilbage."));
  assert_null(strstr(r.body, "class=\"handling\""));
  assert_null(strstr(r.body, "Tilbagekald denne besked"));
  hfree(&r);
  page_csrf("/", csrf);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/claim", th);
  snprintf(form, sizeof form, "csrf=%s", csrf);
  http(path, form, &r);
  assert_int_equal(r.status, 409);
  assert_non_null(strstr(r.body, "consent was withdrawn"));
  assert_null(strstr(r.body, "genopdragelsesrejse"));
  hfree(&r);
}

/* Networks: the page and its form; an announcement for the east network reaches its
 * members (not the west one); a registration that comes back is listed. */
static void test_networks(void **state) {
  char csrf[80], form[800], id[RP_ID_STRLEN];
  rp_received *rec = NULL, *w = NULL;
  const char *v = NULL;
  rp_msg *m = NULL;
  hresp r;
  (void)state;
  get_page("/netvaerk", &r);
  assert_non_null(strstr(r.body, "<h1>Netværk</h1>"));
  assert_non_null(strstr(r.body, "Værtskommune"));
  assert_non_null(strstr(r.body, "Tilmeldingsfrist"));
  assert_non_null(strstr(r.body, "Der er ingen tilmeldinger endnu."));
  assert_non_null(strstr(r.body, "href=\"/statistik\""));
  csrf_of(&r, csrf);
  hfree(&r);
  static const char fields[] =
      "netvaerk=oest&dato=2026-03-10&vaert=101&titel=Netv%C3%A6rksm%C3%B8de%20%C3%B8st"
      "&tilmeldingsfrist=2026-03-01&program=Opl%C3%A6g%20og%20sparring";
  http("/netvaerk", fields, &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  snprintf(form, sizeof form, "csrf=%s&%s", csrf, fields);
  assert_int_equal(post("/netvaerk", form), 303);
  assert_int_equal(fx_wait_kind(&g, 0, "network_announcement", 20000, &rec), 0);
  assert_int_equal(rp_received_get_text(rec, "title", &v), 0);
  assert_string_equal(v, "Netværksmøde øst");
  assert_int_equal(fx_wait_kind(&g, 2, "network_announcement", 1500, &w), RP_ETIMEDOUT);
  assert_true(audit_has("who=sara action=announce"));
  assert_int_equal(rp_msg_new("registration", &m), 0);
  assert_int_equal(rp_msg_set_hex(m, "announcement_ref", rp_received_msg_id(rec)), 0);
  assert_int_equal(rp_msg_set_text(m, "sender_org", fx_code(&g, 0)), 0);
  assert_int_equal(rp_msg_set_enum(m, "answer", "tilmeldt"), 0);
  assert_int_equal(rp_msg_set_uint(m, "participants", 3), 0);
  assert_int_equal(rp_send(g.mun[0], m, id), 0);
  rp_msg_free(m);
  rp_received_free(rec);
  assert_int_equal(fx_wait_listed(&g, "registrations --json", id, 20000), 0);
  get_page("/netvaerk?udfoert=announce", &r);
  assert_non_null(strstr(r.body, "Indkaldelsen er sendt"));
  assert_non_null(strstr(r.body, "<td>Tilmeldt</td><td>3</td>"));
  hfree(&r);
  /* A wrong network is refused by webd. */
  snprintf(form, sizeof form,
           "csrf=%s&netvaerk=nord&dato=2026-03-10&vaert=101&titel=x"
           "&tilmeldingsfrist=2026-03-01&program=y",
           csrf);
  http("/netvaerk", form, &r);
  assert_int_equal(r.status, 400);
  hfree(&r);
}

/* The statistics as tables, with the counts of the threads above: three requests
 * (normal, normal, akut; all trusler), two from the east network and one from the west,
 * one closed with the consent withdrawn. Filtered to a period without arrivals: none. */
static void test_statistics(void **state) {
  hresp r;
  (void)state;
  get_page("/statistik", &r);
  assert_non_null(strstr(r.body, "<h1>Statistik</h1>"));
  assert_non_null(strstr(r.body, "<dt>Henvendelser</dt><dd>3</dd>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">1. kvartal 2026</th>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">Akut</th><td>1</td>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">Normal</th><td>2</td>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">Trusler</th><td>3</td>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">Øst</th><td>2</td>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">Vest</th><td>1</td>"));
  assert_non_null(strstr(r.body, "<th scope=\"row\">Samtykke tilbagekaldt</th><td>1</td>"));
  assert_non_null(strstr(r.body, "Serviceuret pr. hastegrad"));
  /* The akut request was opened at once (shown): in time, 100 %. */
  assert_non_null(strstr(r.body, "<th scope=\"row\">Akut</th><td>1</td><td>1</td><td>0"
                                 "</td><td>0</td><td>100 %</td>"));
  hfree(&r);
  get_page("/statistik?fra=2026-02-01&til=2026-03-31", &r);
  assert_non_null(strstr(r.body, "<dt>Henvendelser</dt><dd>0</dd>"));
  assert_non_null(strstr(r.body, "value=\"2026-02-01\""));
  hfree(&r);
  http("/statistik?fra=1.2.2026", NULL, &r);
  assert_int_equal(r.status, 400);
  hfree(&r);
}

/* A registration for an announcement the inbox does not know starts a thread of its
 * own: every field of it under a Danish label, every value in Danish. */
static void test_registration_thread(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], path[80];
  rp_msg *m = NULL;
  hresp r;
  (void)state;
  assert_int_equal(rp_msg_new("registration", &m), 0);
  assert_int_equal(
      rp_msg_set_hex(m, "announcement_ref", "0123456789abcdef0123456789abcdef"), 0);
  assert_int_equal(rp_msg_set_text(m, "sender_org", fx_code(&g, 2)), 0);
  assert_int_equal(rp_msg_set_enum(m, "answer", "tilmeldt"), 0);
  assert_int_equal(rp_msg_set_uint(m, "participants", 2), 0);
  assert_int_equal(rp_send(g.mun[2], m, id), 0);
  rp_msg_free(m);
  assert_int_equal(fx_wait_listed(&g, "list --all --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "<dt>Vedrører indkaldelsen</dt>"));
  assert_non_null(strstr(r.body, "<dt>Svar</dt><dd>Tilmeldt</dd>"));
  assert_non_null(strstr(r.body, "<dt>Antal deltagere</dt><dd>2</dd>"));
  hfree(&r);
}

/* Referrals in the reply form: two rows filled (one without name or note), the third
 * left empty; a row with a name but no kind is refused before the daemon is asked. */
static void test_reply_referrals(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], path[80], form[900], csrf[80];
  rp_received *rec = NULL;
  const char *v = NULL;
  size_t n = 0;
  hresp r;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 1, "normal", th, req), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "<label for=\"henv_art1\">Henvis til</label>"));
  assert_non_null(strstr(r.body, "id=\"henv_note3\""));
  csrf_of(&r, csrf);
  hfree(&r);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/reply", th);
  snprintf(form, sizeof form,
           "csrf=%s&tekst=Se%%20henvisningerne&underretningspligt=no&henv_art1=&henv_navn1="
           "Dannerhuset&henv_note1=",
           csrf);
  http(path, form, &r);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "Vælg hvad der henvises til"));
  hfree(&r);
  snprintf(form, sizeof form,
           "csrf=%s&tekst=Se%%20henvisningerne&underretningspligt=no&henv_art1=krisecenter"
           "&henv_navn1=Dannerhuset&henv_note1=Ring%%20f%%C3%%B8rst&henv_art2=politi"
           "&henv_navn2=&henv_note2=&henv_art3=&henv_navn3=&henv_note3=",
           csrf);
  assert_int_equal(post(path, form), 303);
  assert_int_equal(fx_wait_kind(&g, 1, "reply", 20000, &rec), 0);
  assert_int_equal(rp_received_list_count(rec, "referrals", &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(rp_received_get_enum(rec, "referrals.0.kind", &v), 0);
  assert_string_equal(v, "krisecenter");
  assert_int_equal(rp_received_get_text(rec, "referrals.0.name", &v), 0);
  assert_string_equal(v, "Dannerhuset");
  assert_int_equal(rp_received_get_text(rec, "referrals.0.note", &v), 0);
  assert_string_equal(v, "Ring først");
  assert_int_equal(rp_received_get_enum(rec, "referrals.1.kind", &v), 0);
  assert_string_equal(v, "politi");
  assert_int_not_equal(rp_received_get_text(rec, "referrals.1.name", &v), 0);
  rp_received_free(rec);
  /* The thread shows the referrals in Danish. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  get_page(path, &r);
  assert_non_null(strstr(r.body, "Krisecenter"));
  assert_non_null(strstr(r.body, "Dannerhuset"));
  hfree(&r);
}

static int listed(const char *body, const char *th) {
  char href[64];
  snprintf(href, sizeof href, "href=\"" RP_IBX_CASE_PATH "%s\"", th);
  return strstr(body, href) != NULL;
}

/* The inbox page at query: whether threads w and e are listed, and mark on the page. */
static void filter_case(const char *query, const char *mark, const char *w, int w_listed,
                        const char *e, int e_listed) {
  hresp r;
  get_page(query, &r);
  if (listed(r.body, w) != w_listed || listed(r.body, e) != e_listed)
    fprintf(stderr, "%s: west %d, east %d\n", query, listed(r.body, w), listed(r.body, e));
  assert_int_equal(listed(r.body, w), w_listed);
  assert_int_equal(listed(r.body, e), e_listed);
  assert_non_null(strstr(r.body, mark));
  hfree(&r);
}

/* The inbox's filters "network" (the daemon's: its municipality's network in the roster)
 * and "unread" (no advisor has opened it: state new). */
static void test_inbox_filters(void **state) {
  char west[RP_ID_STRLEN], east[RP_ID_STRLEN], req[RP_ID_STRLEN], path[80];
  hresp r;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 2, "normal", west, req), 0);
  assert_int_equal(fx_new_thread(&g, 0, "haster", east, req), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", east);
  get_page(path, &r); /* opened: no longer unread */
  hfree(&r);
  filter_case("/?netvaerk=vest", "<option value=\"vest\" selected>", west, 1, east, 0);
  filter_case("/?netvaerk=oest", "<option value=\"oest\" selected>", west, 0, east, 1);
  filter_case("/?ulaest=1", "name=\"ulaest\" value=\"1\" checked", west, 1, east, 0);
  filter_case("/?ulaest=1&netvaerk=oest", "Ingen henvendelser matcher.", west, 0, east, 0);
  filter_case("/?ulaest=1&tilstand=opened", "Ingen henvendelser matcher.", west, 0, east,
              0);
  /* Urgency: the daemon filters before its cap of 500. */
  filter_case("/?hastegrad=haster", "<option value=\"haster\" selected>", west, 0, east, 1);
  filter_case("/?hastegrad=normal", "<option value=\"normal\" selected>", west, 1, east, 0);
  filter_case("/?hastegrad=akut&netvaerk=vest", "Ingen henvendelser matcher.", west, 0,
              east, 0);
  /* An unknown network is no filter. */
  filter_case("/?netvaerk=nord", "<option value=\"\">Begge netværk", west, 1, east, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_meetings),          cmocka_unit_test(test_recall),
      cmocka_unit_test(test_consent_withdrawn), cmocka_unit_test(test_networks),
      cmocka_unit_test(test_statistics),        cmocka_unit_test(test_registration_thread),
      cmocka_unit_test(test_inbox_filters),     cmocka_unit_test(test_reply_referrals),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
