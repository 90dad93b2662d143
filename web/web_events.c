/* SPDX-License-Identifier: MIT */
/*
 * Live updates (docs/WEB.md "Live updates"): GET /begivenheder is a stream of
 * server-sent events for a logged-in advisor's browser. One poller thread per process
 * (not per browser) asks the inbox daemon for its change count every two seconds
 * while at least one stream is open (action `changes`: not audited, no content); when
 * the count moves it lists once, in the name of one connected advisor, and tells every
 * stream "the inbox changed" and, for each new akut or haster thread, its urgency and
 * link. Nothing else: no municipality, category, text or name travels in an event.
 *
 * Threads: libmicrohttpd's one thread calls the content reader of each stream; when a
 * stream has nothing to send, the reader suspends its connection (so it costs the
 * server nothing and blocks nobody). The poller appends to a stream's buffer under the
 * mutex and resumes the connection outside it: a suspended connection is never closed
 * by the library, so the pointer stays good until the resume. Sessions are only read
 * from the library's thread, as everywhere in webd.
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibx_caps.h"
#include "log.h"
#include "rejsepost_errors.h"
#include "web_ibx.h"
#include "web_int.h"

#define POLL_MS 2000
#define KEEPALIVE_S 15
#define STREAM_LIFE_S 600 /* then the browser reconnects, and the session is checked */
#define STREAM_BUF 8192u  /* pending bytes per stream; a stream that falls behind ends */
#define STREAMS_MAX 128u  /* open streams per process */
#define KNOWN_MAX RP_IBX_LIST_MAX

typedef struct stream {
  struct stream *next;
  struct rp__web_events *ev;
  struct MHD_Connection *c;
  const rp__web_sess *s; /* read on the library's thread only */
  uint8_t sid[32];
  char name[RP_WEB_NAME_MAX + 1];
  int64_t opened;
  int suspended, ended;
  size_t len;
  char buf[STREAM_BUF];
} stream;

struct rp__web_events {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th;
  int running, stop;
  stream *head;
  unsigned n;
  rp__webd *w;
  /* the poller's own state */
  int have_count;
  uint64_t count;
  unsigned nknown;
  char known[KNOWN_MAX][33];
};

/* Appends bytes to every stream and resumes the suspended ones (outside the mutex). */
static void broadcast(rp__web_events *ev, const char *msg) {
  struct MHD_Connection *wake[STREAMS_MAX];
  unsigned nw = 0;
  size_t ml = strlen(msg);
  pthread_mutex_lock(&ev->mu);
  for (stream *st = ev->head; st != NULL; st = st->next) {
    if (st->len + ml > sizeof st->buf)
      st->ended = 1; /* a browser that does not read: it reconnects and catches up */
    else {
      memcpy(st->buf + st->len, msg, ml);
      st->len += ml;
    }
    if (st->suspended && nw < STREAMS_MAX) {
      st->suspended = 0;
      wake[nw++] = st->c;
    }
  }
  pthread_mutex_unlock(&ev->mu);
  for (unsigned i = 0; i < nw; i++)
    MHD_resume_connection(wake[i]);
}

void rp__web_events_wake(rp__webd *w) {
  /* No bytes: each stream's reader runs once, ends it if its session is gone, and
   * suspends it again otherwise. Called on the library's thread. */
  if (w->ev != NULL) broadcast(w->ev, "");
}

static int known(const rp__web_events *ev, const char *id) {
  for (unsigned i = 0; i < ev->nknown; i++)
    if (strcmp(ev->known[i], id) == 0) return 1;
  return 0;
}

/* One listing: events for the new akut and haster threads, then the set of known ids
 * is the listing's. At the first listing (baseline) nothing is new. */
static void diff_listing(rp__web_events *ev, const char *json, int baseline) {
  json_t *root = json_loads(json, 0, NULL), *t;
  size_t i;
  unsigned n = 0;
  static char next[KNOWN_MAX][33];
  if (!json_is_array(root)) {
    json_decref(root);
    return;
  }
  json_array_foreach(root, i, t) {
    const char *id = json_string_value(json_object_get(t, "thread_id"));
    const char *urg = json_string_value(json_object_get(t, "urgency"));
    if (id == NULL || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32) continue;
    if (urg != NULL && !baseline && !known(ev, id) &&
        (strcmp(urg, "akut") == 0 || strcmp(urg, "haster") == 0)) {
      char msg[160];
      snprintf(msg, sizeof msg,
               "event: ny\ndata: {\"urgency\":\"%s\",\"href\":\"" RP_IBX_CASE_PATH
               "%s\"}\n\n",
               urg, id);
      broadcast(ev, msg);
    }
    if (n < KNOWN_MAX) snprintf(next[n++], 33, "%s", id);
  }
  memcpy(ev->known, next, sizeof next[0] * n);
  ev->nknown = n;
  json_decref(root);
}

static void poll_once(rp__web_events *ev) {
  char as[RP_WEB_NAME_MAX + 1] = {0};
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_CHANGES};
  rp__web_resp r;
  pthread_mutex_lock(&ev->mu);
  if (ev->head != NULL) snprintf(as, sizeof as, "%s", ev->head->name);
  pthread_mutex_unlock(&ev->mu);
  if (as[0] == 0) {
    ev->have_count = 0; /* nobody listens: start from a fresh baseline next time */
    return;
  }
  if (rp__web_ibx_call(ev->w->cfg.socket, &q, &r) != 0) return;
  json_t *o = r.err == 0 ? json_loads(r.json, 0, NULL) : NULL;
  json_int_t count = json_integer_value(json_object_get(o, "changes"));
  json_decref(o);
  int err = r.err;
  rp__web_resp_free(&r);
  if (err != 0 || o == NULL) return;
  if (ev->have_count && (uint64_t)count == ev->count) return;
  /* Something changed (or this is the baseline): one listing, as the advisor. */
  rp__ibx_req l = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_LIST};
  l.as = rp__str_c(as);
  if (rp__web_ibx_call(ev->w->cfg.socket, &l, &r) != 0) return;
  if (r.err == 0) {
    int baseline = !ev->have_count;
    diff_listing(ev, r.json, baseline);
    ev->have_count = 1;
    ev->count = (uint64_t)count;
    if (!baseline) broadcast(ev, "event: indbakke\ndata: {}\n\n");
  }
  rp__web_resp_free(&r);
}

static void *poller(void *arg) {
  rp__web_events *ev = arg;
  time_t last_ping = time(NULL);
  pthread_mutex_lock(&ev->mu);
  while (!ev->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += POLL_MS / 1000;
    pthread_cond_timedwait(&ev->cv, &ev->mu, &until);
    if (ev->stop) break;
    pthread_mutex_unlock(&ev->mu);
    poll_once(ev);
    if (time(NULL) - last_ping >= KEEPALIVE_S) {
      /* A comment line: keeps proxies from closing the stream, and gives the reader a
       * turn to end streams whose session has ended. */
      broadcast(ev, ": \n\n");
      last_ping = time(NULL);
    }
    pthread_mutex_lock(&ev->mu);
  }
  pthread_mutex_unlock(&ev->mu);
  return NULL;
}

int rp__web_events_start(rp__webd *w) {
  rp__web_events *ev = calloc(1, sizeof *ev);
  if (ev == NULL) return RP_ENOMEM;
  ev->w = w;
  pthread_mutex_init(&ev->mu, NULL);
  pthread_cond_init(&ev->cv, NULL);
  if (pthread_create(&ev->th, NULL, poller, ev) != 0) {
    pthread_cond_destroy(&ev->cv);
    pthread_mutex_destroy(&ev->mu);
    free(ev);
    return RP_EIO;
  }
  ev->running = 1;
  w->ev = ev;
  return 0;
}

void rp__web_events_end_all(rp__webd *w) {
  rp__web_events *ev = w->ev;
  if (ev == NULL) return;
  pthread_mutex_lock(&ev->mu);
  ev->stop = 1;
  pthread_cond_signal(&ev->cv);
  pthread_mutex_unlock(&ev->mu);
  pthread_join(ev->th, NULL);
  /* Every stream ends; a suspended one is resumed first (the library must not be
   * stopped with suspended connections). */
  struct MHD_Connection *wake[STREAMS_MAX];
  unsigned nw = 0;
  pthread_mutex_lock(&ev->mu);
  for (stream *st = ev->head; st != NULL; st = st->next) {
    st->ended = 1;
    if (st->suspended && nw < STREAMS_MAX) {
      st->suspended = 0;
      wake[nw++] = st->c;
    }
  }
  pthread_mutex_unlock(&ev->mu);
  for (unsigned i = 0; i < nw; i++)
    MHD_resume_connection(wake[i]);
  /* Give the library's thread a moment to finish them. */
  for (int i = 0; i < 50; i++) {
    pthread_mutex_lock(&ev->mu);
    int left = ev->head != NULL;
    pthread_mutex_unlock(&ev->mu);
    if (!left) break;
    struct timespec ts = {0, 20000000L};
    nanosleep(&ts, NULL);
  }
}

void rp__web_events_free(rp__webd *w) {
  rp__web_events *ev = w->ev;
  if (ev == NULL) return;
  pthread_cond_destroy(&ev->cv);
  pthread_mutex_destroy(&ev->mu);
  free(ev);
  w->ev = NULL;
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max) {
  stream *st = cls;
  rp__web_events *ev = st->ev;
  int64_t now = (int64_t)time(NULL);
  ssize_t n;
  (void)pos;
  pthread_mutex_lock(&ev->mu);
  if (st->ended || now - st->opened > STREAM_LIFE_S ||
      !rp__web_sess_live(&ev->w->sess, st->s, st->sid, now)) {
    n = MHD_CONTENT_READER_END_OF_STREAM;
  } else if (st->len == 0) {
    st->suspended = 1;
    MHD_suspend_connection(st->c);
    n = 0;
  } else {
    size_t k = st->len < max ? st->len : max;
    memcpy(out, st->buf, k);
    memmove(st->buf, st->buf + k, st->len - k);
    st->len -= k;
    n = (ssize_t)k;
  }
  pthread_mutex_unlock(&ev->mu);
  return n;
}

static void stream_free(void *cls) {
  stream *st = cls;
  rp__web_events *ev = st->ev;
  pthread_mutex_lock(&ev->mu);
  for (stream **p = &ev->head; *p != NULL; p = &(*p)->next)
    if (*p == st) {
      *p = st->next;
      ev->n--;
      break;
    }
  pthread_mutex_unlock(&ev->mu);
  sodium_memzero(st, sizeof *st);
  free(st);
}

void rp__web_events_get(rp__web_ctx *x) {
  rp__web_events *ev = x->w->ev;
  stream *st;
  if (ev == NULL || (st = calloc(1, sizeof *st)) == NULL) {
    rp__web_error_page(x, 503, "Ikke tilgængelig", "Direkte opdateringer kører ikke.");
    return;
  }
  st->ev = ev;
  st->c = x->c;
  st->s = x->s;
  memcpy(st->sid, x->s->id, sizeof st->sid);
  snprintf(st->name, sizeof st->name, "%s", x->s->name);
  st->opened = x->now;
  /* The browser waits this long before it reconnects after the stream ends. */
  st->len = (size_t)snprintf(st->buf, sizeof st->buf, "retry: 5000\n\n");
  pthread_mutex_lock(&ev->mu);
  int full = ev->n >= STREAMS_MAX || ev->stop;
  if (!full) {
    st->next = ev->head;
    ev->head = st;
    ev->n++;
  }
  pthread_mutex_unlock(&ev->mu);
  if (full) {
    free(st);
    rp__web_error_page(x, 503, "Ikke tilgængelig", "For mange åbne forbindelser.");
    return;
  }
  x->stream =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, reader, st, stream_free);
  if (x->stream == NULL) {
    stream_free(st);
    rp__web_error_page(x, 500, "Fejl", "Strømmen kunne ikke startes.");
    return;
  }
  x->ctype = "text/event-stream; charset=utf-8";
}
