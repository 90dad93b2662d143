/* SPDX-License-Identifier: MIT */
/*
 * Login (password and TOTP), first-login enrolment (the advisor's own password and an
 * authenticator app, by QR code), logout. Each login, failure, lockout, enrolment and
 * logout is recorded in the inbox daemon's audit chain (web_event), without content.
 */
#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rejsepost_errors.h"
#include "web_html.h"
#include "web_ibx.h"
#include "web_int.h"
#include "web_parse.h"

static int event(rp__web_ctx *x, const char *as, int ev) {
  int r = rp__web_ibx_event(x->w->cfg.socket, as, ev);
  if (r != 0)
    rp__log_error("event=web_audit_failed what=%s error=%s",
                  rp__enum_at(rp__ibx_enum_web_event(), ev), rp_err_name(r));
  return r;
}

/* A login counts only once the inbox daemon has it in the audit chain, and the daemon
 * refuses a name that is not in its [advisors]: both fail closed. */
static int login_audited(rp__web_ctx *x, const char *name) {
  int r = event(x, name, RP_IBX_WEV_LOGIN);
  if (r == 0) return 1;
  rp__web_sess_drop(x->s);
  x->s = rp__web_sess_new(&x->w->sess, x->now);
  x->send_cookie = 1;
  x->location[0] = 0;
  x->status = r == RP_EPERM ? 403 : 503;
  x->body.len = 0;
  rp__web_login_get(x, r == RP_EPERM ? "Kontoen hører ikke til en rådgiver i indbakken. "
                                       "Kontakt administratoren."
                                     : "Indbakken svarer ikke, så du kan ikke logges ind "
                                       "lige nu. Prøv igen om lidt.");
  return 0;
}

void rp__web_login_get(rp__web_ctx *x, const char *error) {
  rp__buf *b = &x->body;
  if (x->s == NULL) {
    x->s = rp__web_sess_new(&x->w->sess, x->now);
    x->send_cookie = 1;
  } else if (x->s->stage == RP_WEB_IN) {
    rp__web_redirect(x, "/");
    return;
  }
  rp__web_frame_start(x, "Log ind");
  h_lit(b, "<h1>Log ind</h1>\n");
  if (error != NULL) {
    h_lit(b, "<p class=\"fejl\" role=\"alert\">");
    h_text(b, error);
    h_lit(b, "</p>\n");
  }
  h_lit(b, "<form method=\"post\" action=\"/login\" class=\"login\">\n");
  h_csrf(b, x->s->csrf);
  h_lit(b, "<p><label for=\"navn\">Brugernavn</label>\n"
           "<input id=\"navn\" name=\"navn\" autocomplete=\"username\" required "
           "maxlength=\"32\" autofocus></p>\n"
           "<p><label for=\"adgangskode\">Adgangskode</label>\n"
           "<input id=\"adgangskode\" name=\"adgangskode\" type=\"password\" "
           "autocomplete=\"current-password\" required maxlength=\"256\"></p>\n"
           "<p><label for=\"kode\">Engangskode fra godkendelses-appen</label>\n"
           "<input id=\"kode\" name=\"kode\" inputmode=\"numeric\" "
           "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" "
           "aria-describedby=\"kode-hjaelp\">\n"
           "<span id=\"kode-hjaelp\" class=\"hjaelp\">Seks cifre. Lad feltet stå tomt ved "
           "første login med den adgangskode, administratoren har givet dig.</span></p>\n"
           "<p><button type=\"submit\">Log ind</button></p>\n</form>\n");
  h_page_end(b);
}

static const char k_bad_login[] = "Brugernavn, adgangskode eller engangskode er forkert.";

void rp__web_login_post(rp__web_ctx *x) {
  rp__webd *w = x->w;
  const char *name = rp__web_field(x, "navn"), *pw = rp__web_field(x, "adgangskode"),
             *code = rp__web_field(x, "kode");
  rp__web_acct a;
  int64_t step = 0;
  int locked = 0, ok;
  if (rp__web_rate_hit(&w->rate, x->addr, x->now, w->cfg.rate_per_min)) {
    rp__log_warn("event=web_rate_limited addr=%s", x->addr);
    rp__web_error_page(x, 429, "For mange forsøg",
                       "Der er forsøgt at logge ind for mange gange fra denne adresse. "
                       "Vent et minut, og prøv igen.");
    return;
  }
  if (name == NULL || pw == NULL) {
    rp__web_login_get(x, k_bad_login);
    return;
  }
  if (code == NULL) code = "";
  if (!rp__web_name_ok(name) || rp__web_acct_get(w->accts, name, &a) != 0) {
    /* The same work as for an account, so the time does not tell which names exist. */
    (void)rp__web_pw_verify(w->dummy_hash, pw);
    rp__log_warn("event=web_login_failed reason=unknown addr=%s", x->addr);
    event(x, NULL, RP_IBX_WEV_LOGIN_FAILED);
    rp__web_login_get(x, k_bad_login);
    return;
  }
  if (a.locked_until > x->now) {
    sodium_memzero(&a, sizeof a);
    rp__log_warn("event=web_login_failed reason=locked who=%s addr=%s", name, x->addr);
    event(x, name, RP_IBX_WEV_LOGIN_FAILED);
    rp__web_login_get(x, "Kontoen er midlertidigt låst efter for mange forkerte forsøg. "
                         "Prøv igen senere, eller bed administratoren om at låse den op.");
    return;
  }
  ok = rp__web_pw_verify(a.pw, pw);
  if (ok && !a.one_time)
    ok = a.has_totp && rp__web_totp_check(a.totp, x->now, code, &step) &&
         rp__web_acct_take_step(w->accts, name, step) == 0;
  sodium_memzero(&a.totp, sizeof a.totp);
  if (!ok) {
    rp__web_acct_failed(w->accts, name, x->now, w->cfg.max_failures, w->cfg.lockout_s,
                        &locked);
    rp__log_warn("event=web_login_failed who=%s addr=%s%s", name, x->addr,
                 locked ? " lockout=yes" : "");
    event(x, name, RP_IBX_WEV_LOGIN_FAILED);
    if (locked) event(x, name, RP_IBX_WEV_LOCKOUT);
    rp__web_login_get(x, k_bad_login);
    return;
  }
  rp__web_acct_good(w->accts, name);
  /* A new id at every change of stage: an id seen before the login is worth nothing. */
  rp__web_sess_rotate(x->s, x->now);
  x->s->created = x->now;
  snprintf(x->s->name, sizeof x->s->name, "%s", name);
  x->send_cookie = 1;
  if (a.one_time) {
    x->s->stage = RP_WEB_ENROL;
    rp__log_info("event=web_enrol_start who=%s", name);
    rp__web_redirect(x, "/enrol");
  } else {
    x->s->stage = RP_WEB_IN;
    rp__log_info("event=web_login who=%s addr=%s", name, x->addr);
    if (login_audited(x, name)) rp__web_redirect(x, "/");
  }
  sodium_memzero(&a, sizeof a);
}

/* The otpauth URI an authenticator app reads (Google's Key Uri Format). */
static int otpauth_uri(rp__web_ctx *x, char *out, size_t cap, char b32[64]) {
  char *enc = NULL, iss[200];
  size_t n = 0, j = 0;
  if (oath_base32_encode((const char *)x->s->secret, RP_WEB_TOTP_BYTES, &enc, &n) !=
          OATH_OK ||
      n >= 64) {
    free(enc);
    return RP_ENOMEM;
  }
  memcpy(b32, enc, n);
  b32[n] = 0;
  free(enc);
  /* The issuer, percent-encoded (it may have spaces). */
  for (const char *p = x->w->cfg.issuer; *p != 0 && j + 4 < sizeof iss; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '.' || c == '_')
      iss[j++] = (char)c;
    else
      j += (size_t)snprintf(iss + j, sizeof iss - j, "%%%02X", c);
  }
  iss[j] = 0;
  snprintf(out, cap,
           "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30",
           iss, x->s->name, b32, iss);
  return 0;
}

void rp__web_enrol_get(rp__web_ctx *x, const char *error) {
  rp__buf *b = &x->body;
  char uri[512], b32[64];
  if (!x->s->has_secret) {
    randombytes_buf(x->s->secret, sizeof x->s->secret);
    x->s->has_secret = 1;
  }
  if (otpauth_uri(x, uri, sizeof uri, b32) != 0) {
    rp__web_error_page(x, 500, "Fejl", "Koden kunne ikke dannes.");
    return;
  }
  rp__web_frame_start(x, "Første login");
  h_lit(b, "<h1>Første login: vælg adgangskode og tilknyt din app</h1>\n");
  if (error != NULL) {
    h_lit(b, "<p class=\"fejl\" role=\"alert\">");
    h_text(b, error);
    h_lit(b, "</p>\n");
  }
  h_lit(b, "<ol>\n<li>Åbn en godkendelses-app på din telefon og scan QR-koden, eller "
           "indtast nøglen i hånden.</li>\n<li>Vælg din egen adgangskode (mindst 12 "
           "tegn).</li>\n<li>Skriv den sekscifrede kode, appen viser.</li>\n</ol>\n"
           "<p><img class=\"qr\" src=\"/enrol/qr.svg\" width=\"240\" height=\"240\" "
           "alt=\"QR-kode med nøglen til godkendelses-appen\"></p>\n"
           "<p>Nøgle til indtastning i hånden: <code id=\"noegle\">");
  h_text(b, b32);
  h_lit(b, "</code></p>\n<form method=\"post\" action=\"/enrol\">\n");
  h_csrf(b, x->s->csrf);
  h_lit(b, "<p><label for=\"ny1\">Ny adgangskode</label>\n"
           "<input id=\"ny1\" name=\"ny1\" type=\"password\" autocomplete=\"new-password\" "
           "required minlength=\"12\" maxlength=\"256\"></p>\n"
           "<p><label for=\"ny2\">Gentag ny adgangskode</label>\n"
           "<input id=\"ny2\" name=\"ny2\" type=\"password\" autocomplete=\"new-password\" "
           "required minlength=\"12\" maxlength=\"256\"></p>\n"
           "<p><label for=\"kode\">Kode fra appen</label>\n"
           "<input id=\"kode\" name=\"kode\" inputmode=\"numeric\" "
           "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" "
           "required></p>\n<p><button type=\"submit\">Gem og log ind</button></p>\n"
           "</form>\n");
  h_page_end(b);
  sodium_memzero(uri, sizeof uri);
  sodium_memzero(b32, sizeof b32);
}

void rp__web_enrol_qr(rp__web_ctx *x) {
  char uri[512], b32[64];
  QRcode *q;
  rp__buf *b = &x->body;
  if (!x->s->has_secret || otpauth_uri(x, uri, sizeof uri, b32) != 0 ||
      (q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL) {
    rp__web_error_page(x, 404, "Ikke fundet", "Ingen kode at vise.");
    return;
  }
  /* One path of unit squares, a quiet zone of 4 modules around. */
  int wd = q->width, m = 4;
  rp__buf_printf(b,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "
                 "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                 "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                 "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                 wd + 2 * m, wd + 2 * m, wd + 2 * m, wd + 2 * m);
  for (int yy = 0; yy < wd; yy++)
    for (int xx = 0; xx < wd; xx++)
      if (q->data[yy * wd + xx] & 1) rp__buf_printf(b, "M%d %dh1v1h-1z", xx + m, yy + m);
  rp__buf_puts(b, "\"/></svg>\n");
  QRcode_free(q);
  x->ctype = "image/svg+xml";
  sodium_memzero(uri, sizeof uri);
  sodium_memzero(b32, sizeof b32);
}

void rp__web_enrol_post(rp__web_ctx *x) {
  const char *p1 = rp__web_field(x, "ny1"), *p2 = rp__web_field(x, "ny2"),
             *code = rp__web_field(x, "kode");
  char hash[crypto_pwhash_STRBYTES], name[RP_WEB_NAME_MAX + 1];
  int64_t step = 0;
  if (p1 == NULL || p2 == NULL || code == NULL || strcmp(p1, p2) != 0) {
    rp__web_enrol_get(x, "De to adgangskoder er ikke ens.");
    return;
  }
  if (strlen(p1) < RP_WEB_PASSWORD_MIN || strlen(p1) > RP_WEB_PASSWORD_MAX) {
    rp__web_enrol_get(x, "Adgangskoden skal have mindst 12 tegn.");
    return;
  }
  if (!x->s->has_secret || !rp__web_totp_check(x->s->secret, x->now, code, &step)) {
    rp__web_enrol_get(x, "Koden fra appen passer ikke. Tjek telefonens ur, og prøv igen.");
    return;
  }
  if (rp__web_pw_hash(p1, hash) != 0 ||
      rp__web_acct_enrol(x->w->accts, x->s->name, hash, x->s->secret, step) != 0) {
    rp__web_error_page(x, 409, "Ikke gemt",
                       "Kontoen kunne ikke opdateres. Bed administratoren om en ny "
                       "engangsadgangskode.");
    return;
  }
  snprintf(name, sizeof name, "%s", x->s->name);
  sodium_memzero(x->s->secret, sizeof x->s->secret);
  x->s->has_secret = 0;
  x->s->stage = RP_WEB_IN;
  rp__web_sess_rotate(x->s, x->now);
  x->send_cookie = 1;
  rp__log_info("event=web_enrolled who=%s", name);
  event(x, name, RP_IBX_WEV_ENROLLED);
  if (login_audited(x, name)) rp__web_redirect(x, "/");
}

void rp__web_logout_post(rp__web_ctx *x) {
  if (x->s->stage != RP_WEB_ANON) {
    rp__log_info("event=web_logout who=%s", x->s->name);
    if (x->s->stage == RP_WEB_IN) event(x, x->s->name, RP_IBX_WEV_LOGOUT);
  }
  rp__web_sess_drop(x->s);
  x->s = NULL;
  x->clear_cookie = 1;
  rp__web_redirect(x, "/login");
}
