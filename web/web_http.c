/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of webd: libmicrohttpd (its own parser, and TLS through GnuTLS when a
 * certificate is configured) with one internal thread, so sessions, the rate table and
 * the accounts store are only ever touched from that thread. Every response carries
 * the security headers; every POST must carry the session's CSRF token.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rejsepost_errors.h"
#include "web_html.h"
#include "web_int.h"
#include "web_pages.h"
#include "web_parse.h"

#define COOKIE_SECURE "__Host-rp_session"
#define COOKIE_PLAIN "rp_session"

static const char k_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static int secure_cookie(const rp__webd *w) {
  return w->cfg.tls_cert[0] != 0 || w->cfg.cookie_secure;
}

static const char *cookie_name(const rp__webd *w) {
  return secure_cookie(w) ? COOKIE_SECURE : COOKIE_PLAIN;
}

const char *rp__web_arg(rp__web_ctx *x, const char *name) {
  return MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *rp__web_field(rp__web_ctx *x, const char *name) {
  if (x->f == NULL) return NULL;
  for (unsigned i = 0; i < x->f->n; i++)
    if (strcmp(x->f->key[i], name) == 0) return x->f->val[i];
  return NULL;
}

void rp__web_redirect(rp__web_ctx *x, const char *to) {
  x->status = MHD_HTTP_SEE_OTHER;
  snprintf(x->location, sizeof x->location, "%s", to);
  rp__buf_puts(&x->body, "");
}

void rp__web_error_page(rp__web_ctx *x, unsigned status, const char *title,
                        const char *text) {
  x->status = status;
  x->body.len = 0;
  h_page_start(&x->body, title);
  h_lit(&x->body, "<main id=\"indhold\">\n<h1>");
  h_text(&x->body, title);
  h_lit(&x->body, "</h1>\n<p>");
  h_text(&x->body, text);
  h_lit(&x->body, "</p>\n<p><a href=\"/\">Til indbakken</a></p>\n");
  h_page_end(&x->body);
}

void rp__web_frame_start(rp__web_ctx *x, const char *title) {
  rp__buf *b = &x->body;
  h_page_start(b, title);
  h_lit(b,
        "<header class=\"top\">\n<p class=\"brand\"><a href=\"/\">Rejseholdet</a></p>\n");
  if (x->s != NULL && x->s->stage == RP_WEB_IN) {
    /* live.js finds the live-update stream here (only a logged-in page has one). */
    h_lit(b,
          "<p class=\"live\" data-begivenheder=\"" RP_WEB_EVENTS_PATH "\" hidden></p>\n");
    h_lit(b, "<p class=\"who\">Logget ind som <strong>");
    h_text(b, x->s->name);
    h_lit(b, "</strong></p>\n<form method=\"post\" action=\"/logout\" class=\"logout\">");
    h_csrf(b, x->s->csrf);
    h_lit(b, "<button type=\"submit\">Log ud</button></form>\n");
    h_lit(b, "<nav aria-label=\"Hovedmenu\"><ul class=\"menu\"><li><a href=\"/\">"
             "Indbakke</a></li><li><a href=\"/netvaerk\">Netværk</a></li><li><a "
             "href=\"/statistik\">Statistik</a></li></ul></nav>\n");
  }
  h_lit(b, "</header>\n<main id=\"indhold\">\n");
}

/* ---- form fields ---- */

/* A part with a file name: into an unlinked temporary file of webd's own folder. */
static enum MHD_Result file_part(rp__web_form *f, const char *filename, const char *data,
                                 uint64_t off, size_t size) {
  if (!f->files_ok || filename[0] == 0) return MHD_YES; /* an empty file input */
  if (off == 0) {
    char path[RP_WEB_PATH_MAX + 32];
    if (f->nfiles >= RP_WEB_FILES_MAX) {
      f->overflow = 1;
      return MHD_NO;
    }
    snprintf(path, sizeof path, "%s/.upload-XXXXXX", f->tmpdir);
    int fd = mkstemp(path);
    if (fd < 0) {
      f->overflow = 1;
      return MHD_NO;
    }
    unlink(path);
    f->fd[f->nfiles] = fd;
    rp__web_upload_name(filename, f->fname[f->nfiles]);
    f->nfiles++;
  }
  if (f->upload_total + size > RP_WEB_UPLOAD_MAX) {
    f->overflow = 1;
    return MHD_NO;
  }
  int fd = f->fd[f->nfiles - 1];
  for (size_t done = 0; done < size;) {
    ssize_t w = write(fd, data + done, size - done);
    if (w <= 0) {
      f->overflow = 1;
      return MHD_NO;
    }
    done += (size_t)w;
  }
  f->upload_total += size;
  return MHD_YES;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data,
                                 uint64_t off, size_t size) {
  rp__web_form *f = cls;
  unsigned i;
  (void)kind;
  (void)content_type;
  (void)transfer_encoding;
  if (f->overflow) return MHD_NO;
  if (filename != NULL) return file_part(f, filename, data, off, size);
  for (i = 0; i < f->n; i++)
    if (strcmp(f->key[i], key) == 0) break;
  if (i == f->n) {
    if (f->n >= RP_WEB_FIELDS_MAX || (f->key[i] = strdup(key)) == NULL) {
      f->overflow = 1;
      return MHD_NO;
    }
    f->val[i] = calloc(1, 1);
    f->len[i] = 0;
    f->n++;
    if (f->val[i] == NULL) {
      f->overflow = 1;
      return MHD_NO;
    }
  }
  if (f->len[i] + size > RP_WEB_FIELD_MAX || f->total + size > RP_WEB_POST_MAX) {
    f->overflow = 1;
    return MHD_NO;
  }
  char *nv = realloc(f->val[i], f->len[i] + size + 1);
  if (nv == NULL) {
    f->overflow = 1;
    return MHD_NO;
  }
  memcpy(nv + f->len[i], data, size);
  f->len[i] += size;
  nv[f->len[i]] = 0;
  f->val[i] = nv;
  f->total += size;
  return MHD_YES;
}

static void form_free(rp__web_form *f) {
  if (f == NULL) return;
  for (unsigned i = 0; i < f->nfiles; i++)
    close(f->fd[i]);
  if (f->pp != NULL) MHD_destroy_post_processor(f->pp);
  for (unsigned i = 0; i < f->n; i++) {
    free(f->key[i]);
    if (f->val[i] != NULL) sodium_memzero(f->val[i], f->len[i]);
    free(f->val[i]);
  }
  free(f);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  form_free(*con_cls);
  *con_cls = NULL;
}

/* ---- responses ---- */

/* A download's bytes are handed to the library without a copy, and wiped when it is
 * done with them. */
typedef struct owned {
  uint8_t *p;
  size_t n;
} owned;

static void owned_free(void *cls) {
  owned *o = cls;
  sodium_memzero(o->p, o->n);
  free(o->p);
  free(o);
}

static enum MHD_Result respond(rp__web_ctx *x) {
  struct MHD_Response *r;
  enum MHD_Result ret;
  owned *o = x->bin != NULL ? malloc(sizeof *o) : NULL;
  if (x->bin != NULL && o == NULL) return MHD_NO;
  if (o != NULL) {
    o->p = x->bin;
    o->n = x->binlen;
    r = MHD_create_response_from_buffer_with_free_callback_cls(x->binlen, x->bin,
                                                               owned_free, o);
    if (r == NULL) {
      free(o);
      return MHD_NO;
    }
    x->bin = NULL; /* the response owns it now */
  } else if (x->stream != NULL) {
    r = x->stream; /* live updates: its content reader writes the body */
    x->stream = NULL;
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
  } else
    r = MHD_create_response_from_buffer(x->body.len, x->body.p, MHD_RESPMEM_MUST_COPY);
  if (r == NULL) return MHD_NO;
  MHD_add_response_header(r, "Content-Type",
                          x->ctype != NULL ? x->ctype : "text/html; charset=utf-8");
  MHD_add_response_header(r, "Content-Security-Policy", k_csp);
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(r, "Cache-Control",
                          x->cacheable ? "private, max-age=3600" : "no-store");
  if (!x->cacheable) MHD_add_response_header(r, "Pragma", "no-cache");
  if (x->w->cfg.tls_cert[0] != 0)
    MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
  if (x->location[0] != 0) MHD_add_response_header(r, "Location", x->location);
  if (x->disposition[0] != 0)
    MHD_add_response_header(r, "Content-Disposition", x->disposition);
  if (x->send_cookie && x->s != NULL) {
    char v[RP_WEB_TOKEN_HEX], line[256];
    rp__web_sess_cookie(x->s, v);
    snprintf(line, sizeof line, "%s=%s; Path=/; %sHttpOnly; SameSite=Strict",
             cookie_name(x->w), v, secure_cookie(x->w) ? "Secure; " : "");
    MHD_add_response_header(r, "Set-Cookie", line);
    sodium_memzero(line, sizeof line);
  } else if (x->clear_cookie) {
    char line[160];
    snprintf(line, sizeof line, "%s=; Path=/; Max-Age=0; %sHttpOnly; SameSite=Strict",
             cookie_name(x->w), secure_cookie(x->w) ? "Secure; " : "");
    MHD_add_response_header(r, "Set-Cookie", line);
  }
  ret = MHD_queue_response(x->c, x->status, r);
  MHD_destroy_response(r);
  return ret;
}

static void client_addr(rp__web_ctx *x) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(x->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  snprintf(x->addr, sizeof x->addr, "?");
  if (ci == NULL || ci->client_addr == NULL) return;
  if (ci->client_addr->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)ci->client_addr;
    inet_ntop(AF_INET, &a->sin_addr, x->addr, sizeof x->addr);
  } else if (ci->client_addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a =
        (const struct sockaddr_in6 *)(const void *)ci->client_addr;
    inet_ntop(AF_INET6, &a->sin6_addr, x->addr, sizeof x->addr);
  }
}

static void route(rp__web_ctx *x) {
  const char *url = x->url, *rest = NULL;
  int post = strcmp(x->method, "POST") == 0, get = strcmp(x->method, "GET") == 0;
  char th[33];
  if (!post && !get) {
    rp__web_error_page(x, MHD_HTTP_METHOD_NOT_ALLOWED, "Ikke tilladt",
                       "Siden kan ikke bruges sådan.");
    return;
  }
  if (get && strncmp(url, "/static/", 8) == 0) {
    const unsigned char *data;
    size_t len;
    if (rp__web_static(url + 8, &data, &len, &x->ctype) != 0) {
      rp__web_error_page(x, MHD_HTTP_NOT_FOUND, "Ikke fundet", "Siden findes ikke.");
      return;
    }
    x->cacheable = 1;
    rp__buf_put(&x->body, data, len);
    return;
  }
  /* Every POST carries the token of the visitor's session. */
  if (post && (x->s == NULL || x->f == NULL || x->f->overflow ||
               !rp__web_sess_csrf_ok(x->s, rp__web_field(x, "csrf")))) {
    rp__log_warn("event=web_csrf_refused path=%s", url);
    rp__web_error_page(x, MHD_HTTP_FORBIDDEN, "Afvist",
                       "Formularen var udløbet eller ufuldstændig. Gå tilbage, genindlæs "
                       "siden og prøv igen.");
    return;
  }
  if (strcmp(url, "/login") == 0) {
    if (post)
      rp__web_login_post(x);
    else
      rp__web_login_get(x, NULL);
    return;
  }
  if (strcmp(url, "/logout") == 0 && post) {
    rp__web_logout_post(x);
    return;
  }
  if (x->s != NULL && x->s->stage == RP_WEB_ENROL) {
    if (strcmp(url, "/enrol/qr.svg") == 0 && get)
      rp__web_enrol_qr(x);
    else if (strcmp(url, "/enrol") == 0 && post)
      rp__web_enrol_post(x);
    else if (strcmp(url, "/enrol") == 0)
      rp__web_enrol_get(x, NULL);
    else
      rp__web_redirect(x, "/enrol");
    return;
  }
  if (x->s == NULL || x->s->stage != RP_WEB_IN) {
    rp__web_redirect(x, "/login");
    return;
  }
  if (strcmp(url, "/") == 0 && get) {
    rp__web_inbox_get(x);
  } else if (strcmp(url, "/netvaerk") == 0) {
    if (post)
      rp__web_networks_post(x);
    else
      rp__web_networks_get(x);
  } else if (strcmp(url, "/statistik") == 0 && get) {
    rp__web_stats_get(x);
  } else if (strcmp(url, RP_WEB_EVENTS_PATH) == 0 && get) {
    rp__web_events_get(x);
  } else if (rp__web_thread_path(url, th, &rest)) {
    if (rest[0] == 0 && get)
      rp__web_thread_get(x, th);
    else if (strncmp(rest, "bilag/", 6) == 0 && get)
      rp__web_download(x, th, rest + 6);
    else if (post && strchr(rest, '/') == NULL)
      rp__web_thread_post(x, th, rest);
    else
      rp__web_error_page(x, MHD_HTTP_NOT_FOUND, "Ikke fundet", "Siden findes ikke.");
  } else {
    rp__web_error_page(x, MHD_HTTP_NOT_FOUND, "Ikke fundet", "Siden findes ikke.");
  }
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls) {
  rp__webd *w = cls;
  rp__web_form *f = *con_cls;
  rp__web_ctx x;
  enum MHD_Result ret;
  (void)version;
  if (f == NULL) {
    if ((f = calloc(1, sizeof *f)) == NULL) return MHD_NO;
    *con_cls = f;
    if (strcmp(method, "POST") == 0) {
      f->is_post = 1;
      /* Url-encoded forms, and multipart ones (files come only with a reply): anything
       * else has no post processor, and no fields. */
      const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
      size_t ul = strlen(url);
      /* Files are written to disk only for a logged-in advisor's reply (the CSRF token
       * is checked once the form is complete). */
      rp__web_sess *s = rp__web_sess_find(
          &w->sess, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, cookie_name(w)),
          (int64_t)time(NULL));
      f->files_ok = ul > 6 && strcmp(url + ul - 6, "/reply") == 0 && s != NULL &&
                    s->stage == RP_WEB_IN;
      f->tmpdir = w->tmpdir;
      if (ct != NULL && (strncmp(ct, "application/x-www-form-urlencoded", 33) == 0 ||
                         strncmp(ct, "multipart/form-data", 19) == 0))
        f->pp = MHD_create_post_processor(c, 8192, post_iter, f);
    }
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (f->pp == NULL || MHD_post_process(f->pp, upload, *upload_size) != MHD_YES)
      f->overflow = 1;
    *upload_size = 0;
    return MHD_YES;
  }
  memset(&x, 0, sizeof x);
  x.w = w;
  x.c = c;
  x.f = f->is_post ? f : NULL;
  if (f->is_post && f->pp == NULL) f->overflow = 1;
  x.url = url;
  x.method = method;
  x.now = (int64_t)time(NULL);
  x.status = MHD_HTTP_OK;
  rp__buf_init(&x.body, RP_WEB_PAGE_MAX);
  client_addr(&x);
  /* The live-update stream does not count as the advisor's activity (idle timeout). */
  x.s = (strcmp(url, RP_WEB_EVENTS_PATH) == 0 ? rp__web_sess_peek : rp__web_sess_find)(
      &w->sess, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, cookie_name(w)), x.now);
  /* An account deleted or reset since the login ends its sessions here. */
  if (x.s != NULL && x.s->stage != RP_WEB_ANON) {
    rp__web_acct a;
    int r = rp__web_acct_get(w->accts, x.s->name, &a);
    int gone = r == RP_ENOTFOUND || (r == 0 && x.s->stage == RP_WEB_IN && a.one_time);
    sodium_memzero(&a, sizeof a);
    if (gone) {
      rp__log_info("event=web_session_ended who=%s reason=account_changed", x.s->name);
      rp__web_sess_drop(x.s);
      x.s = NULL;
      x.clear_cookie = 1;
    }
  }
  route(&x);
  if (x.clear_cookie || (f->is_post && strcmp(url, "/logout") == 0)) rp__web_events_wake(w);
  if (x.body.overflow) rp__web_error_page(&x, 500, "Fejl", "Siden blev for stor.");
  if (x.stream != NULL && (x.status != MHD_HTTP_OK || x.body.overflow)) {
    MHD_destroy_response(x.stream); /* ends the stream (its free callback) */
    x.stream = NULL;
  }
  ret = respond(&x);
  if (x.bin != NULL) {
    sodium_memzero(x.bin, x.binlen);
    free(x.bin);
  }
  rp__buf_free(&x.body);
  return ret;
}

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  char line[512];
  (void)cls;
  vsnprintf(line, sizeof line, fmt, ap);
  line[strcspn(line, "\r\n")] = 0;
  rp__log_warn("event=http_library msg=\"%s\"", line);
}

int rp__webd_serve(rp__webd *w) {
  struct sockaddr_in sa;
  /* Suspend and resume: a live-update stream with nothing to send waits suspended
   * (web_events.c) and holds nobody up. */
  unsigned flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  struct sigaction act;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)w->cfg.port);
  inet_pton(AF_INET, w->cfg.listen_addr, &sa.sin_addr);
  if (w->cert_pem != NULL) flags |= MHD_USE_TLS;
  if (w->cert_pem != NULL)
    w->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
        completed, w, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        32u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)131072, MHD_OPTION_HTTPS_MEM_CERT, w->cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
        w->key_pem, MHD_OPTION_END);
  else
    w->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
        completed, w, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        32u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)131072, MHD_OPTION_END);
  if (w->mhd == NULL) {
    rp__log_error("event=listen_failed addr=%s port=%u", w->cfg.listen_addr, w->cfg.port);
    return RP_EIO;
  }
  if (rp__web_events_start(w) != 0) {
    rp__log_error("event=events_failed");
    MHD_stop_daemon(w->mhd);
    return RP_EIO;
  }
  rp__log_info("event=listening addr=%s port=%u tls=%s", w->cfg.listen_addr, w->cfg.port,
               w->cert_pem != NULL ? "yes" : "no");
  memset(&act, 0, sizeof act);
  act.sa_handler = on_signal;
  sigaction(SIGTERM, &act, NULL);
  sigaction(SIGINT, &act, NULL);
  signal(SIGPIPE, SIG_IGN);
  while (!g_stop) {
    struct timespec ts = {0, 200000000L};
    nanosleep(&ts, NULL);
  }
  rp__web_events_end_all(w);
  MHD_stop_daemon(w->mhd);
  rp__web_events_free(w);
  rp__log_info("event=stopped");
  return 0;
}
