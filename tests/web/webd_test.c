/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-webd with real processes: the relay, the inbox daemon (test build), the
 * web daemon, municipalities as library clients, and libcurl as the browser. Login with
 * the administrator's one-time password, enrolment with a TOTP code computed here with
 * liboath, the inbox with akut first, claim, reply and close through the forms (the
 * municipality receives them), CSRF, escaping, headers, cookie flags, attachment
 * downloads. The operator's side (lockout, TLS, the administrator's command, the files
 * webd holds) is webd_ops_test.c.
 */
#include "webd_fixture.h"

static int setup(void **state) {
  (void)state;
  return webd_world_start("webd");
}

static int teardown(void **state) {
  (void)state;
  webd_world_stop();
  return 0;
}

/* The security headers on a page, the cookie's flags, CSRF on the login form, the
 * first login with the one-time password, enrolment by TOTP, a new session id at each
 * step, then logout and a login with password and code. */
static void test_login_and_enrolment(void **state) {
  hresp r;
  char csrf[80], form[600], before[200], code[7], e1[200];
  (void)state;
  g_cookie[0] = 0;
  http("/login", NULL, &r);
  assert_int_equal(r.status, 200);
  assert_true(hdr_has(&r, "Content-Security-Policy: default-src 'none'; script-src 'self'; "
                          "style-src 'self'; img-src 'self'"));
  assert_true(hdr_has(&r, "frame-ancestors 'none'"));
  assert_true(hdr_has(&r, "X-Frame-Options: DENY"));
  assert_true(hdr_has(&r, "Referrer-Policy: no-referrer"));
  assert_true(hdr_has(&r, "X-Content-Type-Options: nosniff"));
  assert_true(hdr_has(&r, "Cache-Control: no-store"));
  assert_true(hdr_has(&r, "Set-Cookie: __Host-rp_session="));
  assert_true(hdr_has(&r, "; Path=/; Secure; HttpOnly; SameSite=Strict"));
  assert_null(strstr(r.body, "<script>")); /* no inline script */
  assert_null(strstr(r.body, "style="));   /* no inline style */
  csrf_of(&r, csrf);
  hfree(&r);
  /* Without its token the form is refused. */
  enc(g_pw, e1, sizeof e1);
  snprintf(form, sizeof form, "navn=sara&adgangskode=%s", e1);
  http("/login", form, &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  /* With it: to enrolment, under a new session id. */
  snprintf(before, sizeof before, "%s", g_cookie);
  snprintf(form, sizeof form, "csrf=%s&navn=sara&adgangskode=%s&kode=", csrf, e1);
  http("/login", form, &r);
  assert_int_equal(r.status, 303);
  assert_true(hdr_has(&r, "Location: /enrol"));
  assert_string_not_equal(before, g_cookie);
  hfree(&r);
  /* Not yet in: the inbox sends back to enrolment. */
  http("/", NULL, &r);
  assert_int_equal(r.status, 303);
  hfree(&r);
  http("/enrol", NULL, &r);
  assert_int_equal(r.status, 200);
  secret_of(&r);
  csrf_of(&r, csrf);
  hfree(&r);
  http("/enrol/qr.svg", NULL, &r);
  assert_int_equal(r.status, 200);
  assert_true(hdr_has(&r, "Content-Type: image/svg+xml"));
  assert_non_null(strstr(r.body, "<svg"));
  hfree(&r);
  /* A wrong code is refused; the right one enrols. */
  enc(k_newpw, e1, sizeof e1);
  snprintf(form, sizeof form, "csrf=%s&ny1=%s&ny2=%s&kode=000000", csrf, e1, e1);
  http("/enrol", form, &r);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "passer ikke"));
  hfree(&r);
  totp(g_secret, time(NULL), code);
  snprintf(form, sizeof form, "csrf=%s&ny1=%s&ny2=%s&kode=%s", csrf, e1, e1, code);
  snprintf(before, sizeof before, "%s", g_cookie);
  http("/enrol", form, &r);
  assert_int_equal(r.status, 303);
  assert_true(hdr_has(&r, "Location: /\r"));
  assert_string_not_equal(before, g_cookie);
  hfree(&r);
  assert_true(audit_has("who=sara action=web_enrolled thread=- via=web prev="));
  assert_true(audit_has("who=sara action=web_login thread=- via=web prev="));
  http("/", NULL, &r);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "<h1>Indbakke</h1>"));
  csrf_of(&r, csrf);
  hfree(&r);
  /* Logout ends the session. */
  snprintf(form, sizeof form, "csrf=%s", csrf);
  snprintf(before, sizeof before, "%s", g_cookie);
  http("/logout", form, &r);
  assert_int_equal(r.status, 303);
  hfree(&r);
  assert_true(audit_has("who=sara action=web_logout thread=- via=web prev="));
  g_cookie[0] = 0;
  snprintf(g_cookie, sizeof g_cookie, "%s", before);
  http("/", NULL, &r);
  assert_int_equal(r.status, 303); /* the old id is worth nothing */
  hfree(&r);
  /* The code used at enrolment is spent; the next one logs in. The one-time password
   * is no longer valid. */
  assert_int_equal(login("sara", k_newpw, code), 200);
  assert_int_equal(login("sara", g_pw, code), 200);
  totp(g_secret, time(NULL) + 30, code);
  assert_int_equal(login("sara", k_newpw, code), 303);
  /* And that one is spent too. */
  http("/", NULL, &r);
  assert_int_equal(r.status, 200);
  hfree(&r);
  char keep[200];
  snprintf(keep, sizeof keep, "%s", g_cookie);
  assert_int_equal(login("sara", k_newpw, code), 200);
  snprintf(g_cookie, sizeof g_cookie, "%s", keep);
}

/* Logs sara in again for the tests after this one (a fresh TOTP step). */
static void ensure_logged_in(void) {
  hresp r;
  http("/", NULL, &r);
  long st = r.status;
  hfree(&r);
  if (st == 200) return;
  char code[7];
  /* Each code once: if the next step's code is spent too, wait for a fresh step. */
  for (int waited = 0; waited < 40; waited++) {
    totp(g_secret, time(NULL) + 30, code);
    if (login("sara", k_newpw, code) == 303) return;
    fx_sleep_ms(1000);
  }
  fail_msg("cannot log sara in");
}

/* Akut first; the thread in Danish with its danger flags; claim, reply and close
 * through the forms, and the municipality receives the reply and the closure. */
static void test_inbox_and_flow(void **state) {
  char normal[RP_ID_STRLEN], akut[RP_ID_STRLEN], th_n[RP_ID_STRLEN], th_a[RP_ID_STRLEN];
  char csrf[80], form[600], path[100], needle[200];
  hresp r;
  rp_received *rec = NULL;
  const char *v;
  (void)state;
  ensure_logged_in();
  assert_int_equal(fx_request(&g, 0, "normal", "vold", normal), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", normal, 20000), 0);
  assert_int_equal(fx_request(&g, 1, "akut", "tvangsaegteskab", akut), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", akut, 20000), 0);
  assert_int_equal(fx_thread_of(&g, normal, th_n), 0);
  assert_int_equal(fx_thread_of(&g, akut, th_a), 0);
  http("/", NULL, &r);
  assert_int_equal(r.status, 200);
  snprintf(path, sizeof path, "href=\"" RP_IBX_CASE_PATH "%s\"", th_a);
  size_t pa = pos_of(r.body, path);
  snprintf(path, sizeof path, "href=\"" RP_IBX_CASE_PATH "%s\"", th_n);
  size_t pn = pos_of(r.body, path);
  assert_true(pa < pn);
  assert_true(pos_of(r.body, "AKUT") < pn);
  assert_non_null(strstr(r.body, "Tvangsægteskab"));
  hfree(&r);
  /* Filters: by category, and "mine" (nothing is sara's yet). */
  http("/?kategori=vold", NULL, &r);
  assert_non_null(strstr(r.body, th_n));
  assert_null(strstr(r.body, th_a));
  hfree(&r);
  http("/?mine=1", NULL, &r);
  assert_null(strstr(r.body, th_a));
  hfree(&r);
  /* The alert mails' link, the route and a short id (inbox/ibx_notify_text.c), opens it. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%.8s", th_a);
  http(path, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "Faresignaler"));
  hfree(&r);
  /* The thread: Danish labels, never a raw field name; the flags first. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th_a);
  http(path, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "Faresignaler"));
  assert_non_null(strstr(r.body, "Akut fare:"));
  assert_non_null(strstr(r.body, "Risikoniveau"));
  assert_non_null(strstr(r.body, "Allerede iværksatte tiltag"));
  assert_non_null(strstr(r.body, "Høj"));
  const char *raw[] = {
      "risk_assessed_before_family",
      "measures_taken",
      "age_band",
      "\"risk\"",
      ">risk<",
      "categories",
      ">hoej<", /* as text; the reply form's choices carry codes as values */
      ": hoej",
      "Andet felt"};
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
    if (strstr(r.body, raw[i]) != NULL) fprintf(stderr, "raw: %s\n%s\n", raw[i], r.body);
    assert_null(strstr(r.body, raw[i]));
  }
  assert_true(pos_of(r.body, "Faresignaler") < pos_of(r.body, "Forløb"));
  csrf_of(&r, csrf);
  hfree(&r);
  /* Claim. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/claim", th_a);
  snprintf(form, sizeof form, "csrf=%s", csrf);
  http(path, form, &r);
  assert_int_equal(r.status, 303);
  hfree(&r);
  snprintf(needle, sizeof needle, "who=sara action=claim thread=%s via=web prev=", th_a);
  assert_true(audit_has(needle));
  assert_int_equal(fx_wait_kind(&g, 1, "assignment", 20000, &rec), 0);
  rp_received_free(rec);
  http("/?mine=1", NULL, &r);
  assert_non_null(strstr(r.body, th_a));
  hfree(&r);
  /* Reply. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/reply", th_a);
  /* Without the reporting duty chosen: refused by webd, nothing sent. */
  snprintf(form, sizeof form, "csrf=%s&tekst=hej", csrf);
  http(path, form, &r);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "Vælg underretningspligt"));
  hfree(&r);
  snprintf(form, sizeof form,
           "csrf=%s&tekst=%s&underretningspligt=yes&anb_sikkerhedsplan=1"
           "&anb_kontakt_politi=1&risiko=hoej&mere_info=1&opfoelgning=2027-01-15",
           csrf, "Ring%20til%20os%20i%20dag%3B%20inddrag%20ikke%20familien.");
  http(path, form, &r);
  assert_int_equal(r.status, 303);
  hfree(&r);
  assert_int_equal(fx_wait_kind(&g, 1, "reply", 20000, &rec), 0);
  assert_int_equal(rp_received_get_text(rec, "advice", &v), 0);
  assert_string_equal(v, "Ring til os i dag; inddrag ikke familien.");
  /* The coded fields as the form gave them. */
  int flag = -1;
  assert_int_equal(rp_received_get_bool(rec, "reporting_duty", &flag), 0);
  assert_int_equal(flag, 1);
  assert_int_equal(rp_received_get_bool(rec, "needs_more_info", &flag), 0);
  assert_int_equal(flag, 1);
  assert_int_equal(rp_received_get_enum(rec, "risk_view", &v), 0);
  assert_string_equal(v, "hoej");
  assert_int_equal(rp_received_get_set(rec, "recommended_actions", 0, &v), 0);
  assert_string_equal(v, "sikkerhedsplan");
  assert_int_equal(rp_received_get_set(rec, "recommended_actions", 1, &v), 0);
  assert_string_equal(v, "kontakt_politi");
  assert_int_equal(rp_received_get_text(rec, "advisor.id", &v), 0);
  assert_string_equal(v, "R2");
  rp_received_free(rec);
  snprintf(needle, sizeof needle, "who=sara action=reply thread=%s via=web prev=", th_a);
  assert_true(audit_has(needle));
  /* Close with an outcome. */
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/close", th_a);
  snprintf(form, sizeof form, "csrf=%s&udfald=raadgivning_givet", csrf);
  http(path, form, &r);
  assert_int_equal(r.status, 303);
  hfree(&r);
  assert_int_equal(fx_wait_kind(&g, 1, "closure", 20000, &rec), 0);
  assert_int_equal(rp_received_get_enum(rec, "outcome", &v), 0);
  assert_string_equal(v, "raadgivning_givet");
  rp_received_free(rec);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th_a);
  http(path, NULL, &r);
  assert_non_null(strstr(r.body, "Lukket"));
  assert_null(strstr(r.body, "/reply\""));
  hfree(&r);
  /* A refusal of the daemon comes back in Danish, with its own line: bo cannot reply
   * on a thread sara holds. Here: the normal one, claimed by the command line's user. */
  char *out = NULL;
  snprintf(path, sizeof path, "claim %s", th_n);
  assert_int_equal(fx_advisor(&g, path, NULL, &out), 0);
  free(out);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/reply", th_n);
  snprintf(form, sizeof form, "csrf=%s&tekst=hej&underretningspligt=no", csrf);
  http(path, form, &r);
  assert_int_equal(r.status, 409);
  assert_non_null(strstr(r.body, "En anden rådgiver har tråden."));
  hfree(&r);
}

/* POSTs without the session's token change nothing. */
static void test_csrf_refused(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], path[100], *out = NULL;
  hresp r;
  (void)state;
  ensure_logged_in();
  assert_int_equal(fx_request(&g, 2, "haster", "trusler", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/claim", th);
  http(path, "", &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  http(path, "csrf=0000000000000000000000000000000000000000000000000000000000000000", &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  /* A token of another session does not do either. */
  char mine[80], keep[200];
  page_csrf("/", mine);
  snprintf(keep, sizeof keep, "%s", g_cookie);
  g_cookie[0] = 0;
  char other[80];
  page_csrf("/login", other);
  snprintf(g_cookie, sizeof g_cookie, "%s", keep);
  char form[120];
  snprintf(form, sizeof form, "csrf=%s", other);
  http(path, form, &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  snprintf(path, sizeof path, "show %s --json", th);
  fx_advisor(&g, path, NULL, &out);
  assert_non_null(strstr(out, "\"claimed_by\":\"\""));
  free(out);
}

/* Sends m from municipality i (saying why not) and frees it; waits until the daemon
 * lists it; its thread in th. */
static void send_listed(int i, rp_msg *m, char th[RP_ID_STRLEN]) {
  char id[RP_ID_STRLEN];
  int rc = rp_send(g.mun[i], m, id);
  if (rc != 0)
    fprintf(stderr, "request: %s at %s\n", rp_strerror(rc),
            rp_msg_error_field(m) ? rp_msg_error_field(m) : "-");
  assert_int_equal(rc, 0);
  rp_msg_free(m);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
}

/* A normal request from municipality i of the given type, sender reference and question
 * (the rest a fixed low-risk case), for the test to add to and send. */
static void new_request(int i, const char *type, const char *ref, const char *question,
                        rp_msg **m) {
  assert_int_equal(rp_msg_new("request", m), 0);
  assert_int_equal(rp_msg_set_text(*m, "sender_org", fx_code(&g, i)), 0);
  assert_int_equal(rp_msg_set_enum(*m, "sender_role", "myndighedsraadgiver"), 0);
  assert_int_equal(rp_msg_set_text(*m, "sender_ref", ref), 0);
  assert_int_equal(rp_msg_set_enum(*m, "request_type", type), 0);
  assert_int_equal(rp_msg_set_enum(*m, "urgency", "normal"), 0);
  assert_int_equal(rp_msg_add_to_set(*m, "categories", "vold"), 0);
  assert_int_equal(rp_msg_set_enum(*m, "risk.level", "lav"), 0);
  assert_int_equal(rp_msg_set_bool(*m, "risk.acute", 0), 0);
  assert_int_equal(rp_msg_set_enum(*m, "risk.tool", "ingen"), 0);
  assert_int_equal(rp_msg_set_enum(*m, "citizen.age_band", "15_17"), 0);
  assert_int_equal(rp_msg_set_bool(*m, "citizen.under_18", 1), 0);
  assert_int_equal(rp_msg_set_enum(*m, "risk_assessed_before_family", "ja"), 0);
  assert_int_equal(rp_msg_set_enum(*m, "identifiability.mode", "anonym"), 0);
  assert_int_equal(rp_msg_set_enum(*m, "identifiability.consent", "ingen"), 0);
  assert_int_equal(rp_msg_add_to_set(*m, "measures_taken", "underretning"), 0);
  assert_int_equal(rp_msg_set_text(*m, "question", question), 0);
}

/* A municipality's text with markup comes out as text. */
static void test_xss_escaped(void **state) {
  static const char k_q[] = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
  char th[RP_ID_STRLEN], path[100];
  rp_msg *m = NULL;
  hresp r;
  (void)state;
  ensure_logged_in();
  char req[RP_ID_STRLEN], fu[RP_ID_STRLEN];
  new_request(0, "konkret_sag", "<b onmouseover=alert(3)>ref</b>", k_q, &m);
  assert_int_equal(rp_msg_set_text(m, "local_case_ref", "<iframe src=//x>"), 0);
  assert_int_equal(rp_msg_attach_buffer(m, (const uint8_t *)"x", 1,
                                        "<svg onload=alert(4)>.pdf", "application/pdf",
                                        "andet"),
                   0);
  send_listed(0, m, th);
  /* A follow-up's text in the same thread, as the timeline shows it. */
  snprintf(path, sizeof path, "show %s --json", th);
  char *out = NULL;
  assert_int_equal(fx_advisor(&g, path, NULL, &out), 0);
  const char *p = strstr(out, "\"msg_id\":\"");
  assert_non_null(p);
  snprintf(req, sizeof req, "%.32s", p + 10);
  free(out);
  assert_int_equal(fx_follow_up(&g, 0, th, req, "<style>*{display:none}</style>", fu), 0);
  assert_int_equal(fx_wait_listed(&g, path, fu, 20000), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  http(path, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_null(strstr(r.body, "<script>alert"));
  assert_null(strstr(r.body, "<img src=x"));
  assert_null(strstr(r.body, "<b onmouseover"));
  assert_null(strstr(r.body, "<svg onload"));
  assert_null(strstr(r.body, "<iframe"));
  assert_null(strstr(r.body, "<style>*"));
  assert_non_null(strstr(r.body, "&lt;iframe src=//x&gt;"));
  assert_non_null(strstr(r.body, "&lt;style&gt;*{display:none}&lt;/style&gt;"));
  assert_non_null(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;"
                                 "&lt;img src=x onerror=alert(2)&gt;"));
  assert_non_null(strstr(r.body, "&lt;b onmouseover=alert(3)&gt;ref&lt;/b&gt;"));
  assert_non_null(strstr(r.body, "&lt;svg onload=alert(4)&gt;.pdf"));
  hfree(&r);
}

/* Attachments: one the thread lists downloads as a file, never rendered; anything
 * else is refused without reaching the daemon's save. */
static void test_download(void **state) {
  static const char k_doc[] = "Udkast til beredskabsplan.\n";
  char th[RP_ID_STRLEN], path[160];
  rp_msg *m = NULL;
  hresp r;
  (void)state;
  ensure_logged_in();
  new_request(1, "beredskabsplan", "sagsbehandler-9", "Se planen.", &m);
  assert_int_equal(rp_msg_attach_buffer(m, (const uint8_t *)k_doc, sizeof k_doc - 1,
                                        "..plan\"; x=.html", "text/html", "andet"),
                   0);
  send_listed(1, m, th);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  http(path, NULL, &r);
  snprintf(path, sizeof path, "href=\"" RP_IBX_CASE_PATH "%s/bilag/1\"", th);
  assert_non_null(strstr(r.body, path));
  hfree(&r);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s/bilag/1", th);
  http(path, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.len, sizeof k_doc - 1);
  assert_memory_equal(r.body, k_doc, r.len);
  assert_true(hdr_has(&r, "Content-Type: application/octet-stream"));
  /* The name carries no path and nothing that could end the header. */
  assert_true(
      hdr_has(&r, "Content-Disposition: attachment; filename=\"b.plan___x_.html\""));
  hfree(&r);
  char needle[160];
  snprintf(needle, sizeof needle,
           "who=sara action=save thread=%s attachment=1 via=web prev=", th);
  assert_true(audit_has(needle));
  const char *bad[] = {"/bilag/2",  "/bilag/0",  "/bilag/..%2f..%2fetc%2fpasswd",
                       "/bilag/1x", "/bilag/-1", "/bilag/../../../etc/passwd"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s%s", th, bad[i]);
    http(path, NULL, &r);
    if (r.status != 404) fprintf(stderr, "%s: %ld\n", bad[i], r.status);
    assert_int_equal(r.status, 404);
    hfree(&r);
  }
}

typedef struct sink {
  char buf[256];
  size_t n;
} sink;

static int to_sink(void *ctx, const uint8_t *b, size_t n) {
  sink *k = ctx;
  if (k->n + n >= sizeof k->buf) return 1;
  memcpy(k->buf + k->n, b, n);
  k->n += n;
  return 0;
}

/* A reply with a file from the browser's form (multipart): the municipality receives
 * the reply with the file, its name without the client's folders, and its kind. */
static void test_reply_with_attachment(void **state) {
  static const char k_plan[] = "Handlingsplan: ring 112 ved fare.\n";
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], path[100], csrf[80], url[200];
  rp_received *rec = NULL;
  hresp r;
  (void)state;
  ensure_logged_in();
  assert_int_equal(fx_request(&g, 2, "normal", "exit", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  http(path, NULL, &r);
  assert_non_null(strstr(r.body, "enctype=\"multipart/form-data\""));
  assert_non_null(strstr(r.body, "<label for=\"bilag\">"));
  csrf_of(&r, csrf);
  hfree(&r);
  CURL *c = curl_easy_init();
  curl_mime *m = curl_mime_init(c);
  curl_mimepart *p = curl_mime_addpart(m);
  curl_mime_name(p, "csrf");
  curl_mime_data(p, csrf, CURL_ZERO_TERMINATED);
  p = curl_mime_addpart(m);
  curl_mime_name(p, "tekst");
  curl_mime_data(p, "Se den vedlagte plan.", CURL_ZERO_TERMINATED);
  p = curl_mime_addpart(m);
  curl_mime_name(p, "underretningspligt");
  curl_mime_data(p, "no", CURL_ZERO_TERMINATED);
  p = curl_mime_addpart(m);
  curl_mime_name(p, "bilag_art");
  curl_mime_data(p, "handlingsplan", CURL_ZERO_TERMINATED);
  p = curl_mime_addpart(m);
  curl_mime_name(p, "bilag");
  curl_mime_data(p, k_plan, sizeof k_plan - 1);
  curl_mime_filename(p, "C:\\Sager\\plan.txt");
  curl_mime_type(p, "text/plain");
  snprintf(url, sizeof url, "%s" RP_IBX_CASE_PATH "%s/reply", g_base, th);
  memset(&r, 0, sizeof r);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, m);
  curl_easy_setopt(c, CURLOPT_COOKIE, g_cookie);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wc_on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);
  curl_mime_free(m);
  if (r.status != 303) fprintf(stderr, "%s\n", r.body != NULL ? r.body : "");
  assert_int_equal(r.status, 303);
  hfree(&r);
  assert_int_equal(fx_wait_kind(&g, 2, "reply", 20000, &rec), 0);
  const char *name = NULL, *kind = NULL;
  uint64_t size = 0;
  assert_int_equal(rp_received_attachments(rec), 1);
  assert_int_equal(rp_received_attachment(rec, 0, &name, NULL, &size, &kind), 0);
  assert_string_equal(name, "plan.txt");
  assert_string_equal(kind, "handlingsplan");
  assert_int_equal(size, sizeof k_plan - 1);
  sink k = {{0}, 0};
  assert_int_equal(rp_received_attachment_read(g.mun[2], rec, 0, to_sink, &k), 0);
  assert_int_equal(k.n, sizeof k_plan - 1);
  assert_memory_equal(k.buf, k_plan, k.n);
  rp_received_free(rec);
  /* The thread lists the sent file with a download link. */
  http(path, NULL, &r);
  assert_non_null(strstr(r.body, ">plan.txt</a>"));
  hfree(&r);
}

/* Forms that are too large, of a type webd does not read, or with files where none
 * belong are refused as a whole; other methods get 405; unknown paths 404. */
static void test_hostile_requests(void **state) {
  char csrf[80], *big;
  hresp r;
  (void)state;
  ensure_logged_in();
  page_csrf("/", csrf);
  /* 100 KiB of form: over the 64 KiB a form may have. */
  big = malloc(110000);
  assert_non_null(big);
  int n = snprintf(big, 110000, "csrf=%s&tekst=", csrf);
  memset(big + n, 'a', 100000);
  big[n + 100000] = 0;
  http("/logout", big, &r);
  assert_int_equal(r.status, 403);
  hfree(&r);
  free(big);
  /* JSON is not a form. */
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  char url[200], body[200];
  snprintf(url, sizeof url, "%s/logout", g_base);
  snprintf(body, sizeof body, "{\"csrf\":\"%s\"}", csrf);
  memset(&r, 0, sizeof r);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_COOKIE, g_cookie);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wc_on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  assert_int_equal(r.status, 403);
  hfree(&r);
  /* Another method. */
  memset(&r, 0, sizeof r);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  snprintf(url, sizeof url, "%s/", g_base);
  curl_easy_setopt(c, CURLOPT_URL, url);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  assert_int_equal(r.status, 405);
  hfree(&r);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  /* Unknown paths, and thread ids that are not ids. */
  const char *paths[] = {"/admin",
                         RP_IBX_CASE_PATH,
                         RP_IBX_CASE_PATH "xyz",
                         RP_IBX_CASE_PATH "0123456789abcdef0123456789abcdef0",
                         "/static/../web_http.c",
                         RP_IBX_CASE_PATH "abcd/nothing/here"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    http(paths[i], NULL, &r);
    if (r.status != 404) fprintf(stderr, "%s: %ld\n", paths[i], r.status);
    assert_int_equal(r.status, 404);
    hfree(&r);
  }
  /* Still logged in: none of it cost the session. */
  http("/", NULL, &r);
  assert_int_equal(r.status, 200);
  hfree(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_login_and_enrolment),
      cmocka_unit_test(test_inbox_and_flow),
      cmocka_unit_test(test_csrf_refused),
      cmocka_unit_test(test_xss_escaped),
      cmocka_unit_test(test_download),
      cmocka_unit_test(test_reply_with_attachment),
      cmocka_unit_test(test_hostile_requests),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
