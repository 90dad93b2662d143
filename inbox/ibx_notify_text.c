/* SPDX-License-Identifier: MIT */
/* What an alert mail says (rp__ibx_notify_compose in ibx_notify.h): a file of its own, so
 * that it links without the daemon (inbox_config_test). */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "envelope_hdr.h"
#include "ibx_notify.h"
#include "rejsepost_errors.h"

typedef struct text {
  char *p;
  size_t cap, len;
  int full;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = t->full ? -1 : vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= t->cap - t->len)
    t->full = 1;
  else
    t->len += (size_t)n;
}

static void date_header(text *t, uint64_t now) {
  static const char *const k_wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const k_mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t s = (time_t)(now / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  add(t, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", k_wd[tm.tm_wday], tm.tm_mday,
      k_mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int rp__ibx_notify_compose(const rp__ibx_alert_cfg *a, int event, const char *urgency,
                           const char *short_id, const rp__ibx_digest *dg, uint64_t now,
                           const char (*rcpt)[RP_IBX_MAIL_ADDR_MAX + 1], unsigned nrcpt,
                           char *out, size_t cap, size_t *len) {
  text t = {out, cap, 0, 0};
  uint8_t rnd[16];
  char id[33];
  const char *domain = strchr(a->smtp_from, '@');
  *len = 0;
  randombytes_buf(rnd, sizeof rnd);
  sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
  add(&t, "From: rejsepost <%s>\r\nTo: ", a->smtp_from);
  for (unsigned i = 0; i < nrcpt; i++)
    add(&t, "%s<%s>", i > 0 ? ",\r\n " : "", rcpt[i]);
  add(&t, "\r\n");
  /* Subjects in ASCII: no encoded words needed. */
  if (event == RP_IBX_EV_NEW)
    add(&t, "Subject: Ny henvendelse: %s [%s]\r\n", urgency, short_id);
  else if (event == RP_IBX_EV_REMINDER)
    add(&t, "Subject: Frist snart: %s [%s]\r\n", urgency, short_id);
  else if (event == RP_IBX_EV_OVERDUE)
    add(&t, "Subject: Frist overskredet: %s [%s]\r\n", urgency, short_id);
  else
    add(&t, "Subject: Dagligt overblik over indbakken\r\n");
  date_header(&t, now);
  add(&t,
      "Message-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n"
      "Auto-Submitted: auto-generated\r\n\r\n",
      id, domain != NULL ? domain + 1 : "rejsepost");
  if (event == RP_IBX_EV_NEW)
    add(&t, "Der er kommet en ny henvendelse med hastegraden %s.\r\n", urgency);
  else if (event == RP_IBX_EV_REMINDER)
    add(&t, "Fristen for en henvendelse med hastegraden %s nærmer sig.\r\n", urgency);
  else if (event == RP_IBX_EV_OVERDUE)
    add(&t,
        "Fristen for en henvendelse med hastegraden %s er overskredet.\r\n"
        "Den er eskaleret til teamlederen.\r\n",
        urgency);
  if (event != 0) {
    add(&t, "\r\nÅbn den i arbejdsrummet:\r\n%s" RP_IBX_CASE_PATH "%s\r\n", a->web_base_url,
        short_id);
  } else {
    add(&t,
        "Åbne henvendelser:\r\n  akut: %u\r\n  haster: %u\r\n  normal: %u\r\n"
        "  plan: %u\r\n  uden frist: %u\r\nOverskredne frister: %u\r\n\r\n"
        "Arbejdsrummet: %s/\r\n",
        dg->open[RP__URG_AKUT], dg->open[RP__URG_HASTER], dg->open[RP__URG_NORMAL],
        dg->open[RP__URG_PLAN], dg->open[0], dg->overdue, a->web_base_url);
  }
  add(&t, "\r\nBeskeden siger med vilje intet om indholdet. Log ind i arbejdsrummet for at "
          "se det.\r\n-- \r\nrejsepost-inboxd\r\n");
  if (t.full) return RP_ETOOBIG;
  *len = t.len;
  return 0;
}
