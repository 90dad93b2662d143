/* SPDX-License-Identifier: MIT */
/* The alert mail thread (ibx_mail.h). */
#include "ibx_mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "rejsepost_errors.h"

const char *rp__ibx_event_name(int event) {
  return event == RP_IBX_EV_NEW        ? "new"
         : event == RP_IBX_EV_REMINDER ? "reminder"
         : event == RP_IBX_EV_OVERDUE  ? "overdue"
                                       : "digest";
}

typedef struct reader {
  const char *p;
  size_t left;
} reader;

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *data) {
  reader *r = data;
  size_t n = size * nmemb < r->left ? size * nmemb : r->left;
  memcpy(buf, r->p, n);
  r->p += n;
  r->left -= n;
  return n;
}

/* Cuts a transfer short when the daemon stops. */
static int progress_cb(void *data, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t e) {
  rp__ibx_mail *m = data;
  (void)a, (void)b, (void)c, (void)e;
  return __atomic_load_n(&m->stop, __ATOMIC_ACQUIRE) ? 1 : 0;
}

/* The first line of the password file into sodium memory; NULL if unreadable. */
static char *read_password(const char *path) {
  char *p = sodium_malloc(RP_PASSPHRASE_MAX + 1);
  size_t n = 0;
  int fd;
  if (p == NULL) return NULL;
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
      rp__file_read_line(fd, p, RP_PASSPHRASE_MAX, &n) != 0 || n == 0) {
    if (fd >= 0) close(fd);
    sodium_free(p);
    return NULL;
  }
  close(fd);
  p[n] = 0;
  return p;
}

/* curl's message as a log value: no quotes or control characters. */
static void clean(char *s) {
  for (; *s != 0; s++)
    if (*s == '"' || *s == '\\' || (unsigned char)*s < ' ') *s = '\'';
}

/* One try. 0, or curl's code with reason filled in. */
static int send_once(rp__ibx_mail *m, const rp__ibx_mail_job *j, char *reason, size_t cap) {
  CURL *c = curl_easy_init();
  struct curl_slist *rcpt = NULL;
  char errbuf[CURL_ERROR_SIZE] = "", from[RP_IBX_MAIL_ADDR_MAX + 3];
  char *password = NULL;
  reader rd = {j->text, j->len};
  CURLcode rc = CURLE_FAILED_INIT;
  if (c == NULL) goto out;
  for (unsigned i = 0; i < j->nrcpt; i++) {
    struct curl_slist *n = curl_slist_append(rcpt, j->rcpt[i]);
    if (n == NULL) goto out;
    rcpt = n;
  }
  if (j->user[0] != 0 && (password = read_password(j->password_file)) == NULL) {
    snprintf(reason, cap, "cannot read smtp_password_file");
    rc = CURLE_LOGIN_DENIED;
    goto out;
  }
  snprintf(from, sizeof from, "<%s>", j->from);
  curl_easy_setopt(c, CURLOPT_URL, j->url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &rd);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)j->timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, m);
  /* A password never goes in clear: with a user, STARTTLS is required. */
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   j->user[0] != 0 ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
  if (password != NULL) {
    curl_easy_setopt(c, CURLOPT_USERNAME, j->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, password);
  }
  rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    snprintf(reason, cap, "%s", errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc));
out:
  if (rc == CURLE_FAILED_INIT && reason[0] == 0) snprintf(reason, cap, "curl setup failed");
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c); /* curl wipes nothing: the password copy it made goes with it */
  if (password != NULL) sodium_free(password);
  clean(reason);
  return (int)rc;
}

/* Waits ms or until stop; returns stop. Called with mu held. */
static int pause_ms(rp__ibx_mail *m, unsigned ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &ts) != ETIMEDOUT) {
  }
  return m->stop;
}

static void deliver(rp__ibx_mail *m, const rp__ibx_mail_job *j) {
  const char *ev = rp__ibx_event_name(j->event), *th = j->thread[0] ? j->thread : "-";
  unsigned wait = RP_IBX_MAIL_RETRY_MS;
  for (unsigned attempt = 1; attempt <= RP_IBX_MAIL_TRIES; attempt++) {
    char reason[CURL_ERROR_SIZE + 32] = "";
    int rc = send_once(m, j, reason, sizeof reason);
    if (rc == 0) {
      rp__log_info("event=mail_sent thread=%s alert=%s urgency=%s to=%u attempt=%u", th, ev,
                   j->urgency[0] ? j->urgency : "-", j->nrcpt, attempt);
      if (j->thread[0] != 0)
        rp__ibx_store_alert_mailed(m->st, j->thread, j->event, RP_IBX_MAIL_SENT);
      return;
    }
    pthread_mutex_lock(&m->mu);
    int stop = m->stop;
    pthread_mutex_unlock(&m->mu);
    if (stop) {
      rp__log_info("event=mail_pending thread=%s alert=%s (sent at the next start)", th,
                   ev);
      return;
    }
    rp__log_error(
        "event=mail_failed thread=%s alert=%s attempt=%u/%u curl=%d reason=\"%s\"", th, ev,
        attempt, RP_IBX_MAIL_TRIES, rc, reason);
    if (attempt == RP_IBX_MAIL_TRIES) break;
    pthread_mutex_lock(&m->mu);
    stop = pause_ms(m, wait);
    pthread_mutex_unlock(&m->mu);
    if (stop) {
      rp__log_info("event=mail_pending thread=%s alert=%s (sent at the next start)", th,
                   ev);
      return;
    }
    wait *= 2;
  }
  rp__log_error("event=mail_gave_up thread=%s alert=%s tries=%u", th, ev,
                RP_IBX_MAIL_TRIES);
  if (j->thread[0] != 0)
    rp__ibx_store_alert_mailed(m->st, j->thread, j->event, RP_IBX_MAIL_FAILED);
}

static void *run(void *arg) {
  rp__ibx_mail *m = arg;
  for (;;) {
    rp__ibx_mail_job *j = NULL;
    pthread_mutex_lock(&m->mu);
    while (!m->stop && m->n == 0)
      pthread_cond_wait(&m->cv, &m->mu);
    if (!m->stop) {
      j = m->q[m->head];
      m->head = (m->head + 1) % RP_IBX_MAIL_QUEUE_MAX;
      m->n--;
    }
    pthread_mutex_unlock(&m->mu);
    if (j == NULL) return NULL;
    deliver(m, j);
    free(j);
  }
}

int rp__ibx_mail_start(rp__ibx_mail *m, rp__ibx_store *st) {
  pthread_condattr_t ca;
  memset(m, 0, sizeof *m);
  m->st = st;
  pthread_mutex_init(&m->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&m->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&m->thread, NULL, run, m) != 0) return RP_ENOMEM;
  m->started = 1;
  return 0;
}

int rp__ibx_mail_queue(rp__ibx_mail *m, rp__ibx_mail_job *job) {
  int r = 0;
  pthread_mutex_lock(&m->mu);
  if (!m->started || m->stop || m->n == RP_IBX_MAIL_QUEUE_MAX) {
    r = RP_EBUSY;
  } else {
    m->q[(m->head + m->n) % RP_IBX_MAIL_QUEUE_MAX] = job;
    m->n++;
    pthread_cond_signal(&m->cv);
  }
  pthread_mutex_unlock(&m->mu);
  return r;
}

void rp__ibx_mail_stop(rp__ibx_mail *m) {
  if (!m->started) return;
  pthread_mutex_lock(&m->mu);
  __atomic_store_n(&m->stop, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&m->cv);
  pthread_mutex_unlock(&m->mu);
  pthread_join(m->thread, NULL);
  while (m->n > 0) {
    free(m->q[m->head]);
    m->head = (m->head + 1) % RP_IBX_MAIL_QUEUE_MAX;
    m->n--;
  }
  pthread_cond_destroy(&m->cv);
  pthread_mutex_destroy(&m->mu);
  m->started = 0;
}
