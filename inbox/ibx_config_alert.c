/* SPDX-License-Identifier: MIT */
/* The [alerts] section of rejsepost-inboxd's configuration (docs/INBOX.md "Alerts"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_clock.h"
#include "ibx_config.h"
#include "rejsepost_errors.h"

static int copy(char *dst, size_t cap, const char *v, size_t n) {
  if (n == 0 || n >= cap) return RP_ECONFIG;
  memcpy(dst, v, n);
  dst[n] = 0;
  return 0;
}

/* An address as SMTP takes it between < and >, and nothing a header or the SMTP
 * dialogue would read otherwise: no space, no control character, no <>,;"()[]\. */
static int address_ok(const char *s, size_t n) {
  static const char k_ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789.!#$%&'*+/=?^_`{|}~-";
  const char *at = memchr(s, '@', n);
  if (n < 3 || n > RP_IBX_MAIL_ADDR_MAX || at == NULL || at == s || at == s + n - 1 ||
      memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] != '@' && strchr(k_ok, s[i]) == NULL) return 0;
  return 1;
}

/* A URL for a header-free place (the SMTP server, a link in the body): printable ASCII
 * without spaces, quotes or angle brackets, starting with one of the schemes. */
static int url_ok(const char *v, const char *const *schemes) {
  int scheme = 0;
  for (; *schemes != NULL; schemes++)
    if (strncmp(v, *schemes, strlen(*schemes)) == 0 && v[strlen(*schemes)] != 0) scheme = 1;
  if (!scheme) return 0;
  for (const char *p = v; *p != 0; p++)
    if (*p <= ' ' || *p >= 127 || strchr("\"<>\\", *p) != NULL) return 0;
  return 1;
}

/* "a@x.dk, b@y.dk" appended to list (*n so far). */
static int addresses(const char *v, char (*list)[RP_IBX_MAIL_ADDR_MAX + 1], unsigned *n) {
  unsigned k = *n, start = *n;
  const char *p = v;
  while (*p != 0) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t len = strcspn(p, ", ");
    if (len == 0) break;
    if (k == RP_IBX_MAIL_TO_MAX) return RP_ETOOBIG;
    if (!address_ok(p, len) || copy(list[k], sizeof list[k], p, len) != 0)
      return RP_ECONFIG;
    k++;
    p += len;
  }
  if (k == start) return RP_ECONFIG;
  *n = k;
  return 0;
}

static int events(const char *v, unsigned *out) {
  static const struct {
    const char *name;
    unsigned bit;
  } k_ev[] = {{"new", RP_IBX_EV_NEW},
              {"reminder", RP_IBX_EV_REMINDER},
              {"overdue", RP_IBX_EV_OVERDUE}};
  unsigned bits = 0;
  const char *p = v;
  if (strcmp(v, "none") == 0) {
    *out = 0;
    return 0;
  }
  while (*p != 0) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t len = strcspn(p, ", "), i;
    if (len == 0) break;
    for (i = 0; i < 3; i++)
      if (strlen(k_ev[i].name) == len && strncmp(p, k_ev[i].name, len) == 0) break;
    if (i == 3) return RP_ECONFIG;
    bits |= k_ev[i].bit;
    p += len;
  }
  if (bits == 0) return RP_ECONFIG;
  *out = bits;
  return 0;
}

static int number(const char *v, unsigned lo, unsigned hi, unsigned *out) {
  char *end = NULL;
  if (v[0] < '0' || v[0] > '9') return RP_ECONFIG;
  unsigned long n = strtoul(v, &end, 10);
  if (*end != 0 || n < lo || n > hi) return RP_ECONFIG;
  *out = (unsigned)n;
  return 0;
}

int rp__ibx_config_alert(rp__ibx_alert_cfg *a, const char *dir, const char *key,
                         const char *v) {
  static const char *const k_smtp[] = {"smtp://", "smtps://", NULL};
  static const char *const k_web[] = {"https://", "http://", NULL};
  size_t n = strlen(v);
  unsigned u = 0;
  int r;
  /* The alert command is exec'd as it stands: an absolute path, no arguments, nothing a
   * shell would read. */
  if (strcmp(key, "command") == 0)
    return v[0] == '/' && strpbrk(v, " \t") == NULL
               ? copy(a->command, sizeof a->command, v, n)
               : RP_ECONFIG;
  if (strcmp(key, "timeout_ms") == 0)
    return number(v, RP_IBX_ALERT_TIMEOUT_MIN_MS, RP_IBX_ALERT_TIMEOUT_MAX_MS,
                  &a->timeout_ms);
  if (strcmp(key, "command_events") == 0) return events(v, &a->command_events);
  if (strcmp(key, "smtp_url") == 0)
    return url_ok(v, k_smtp) ? copy(a->smtp_url, sizeof a->smtp_url, v, n) : RP_ECONFIG;
  if (strcmp(key, "smtp_from") == 0)
    return address_ok(v, n) ? copy(a->smtp_from, sizeof a->smtp_from, v, n) : RP_ECONFIG;
  if (strcmp(key, "smtp_user") == 0)
    return strpbrk(v, "\r\n") == NULL ? copy(a->smtp_user, sizeof a->smtp_user, v, n)
                                      : RP_ECONFIG;
  if (strcmp(key, "smtp_password_file") == 0) {
    if (v[0] == '/' || dir == NULL || dir[0] == 0)
      return copy(a->smtp_password_file, sizeof a->smtp_password_file, v, n);
    r = snprintf(a->smtp_password_file, sizeof a->smtp_password_file, "%s/%s", dir, v);
    return r > 0 && (size_t)r < sizeof a->smtp_password_file ? 0 : RP_ECONFIG;
  }
  if (strcmp(key, "to") == 0) return addresses(v, a->to, &a->nto);
  if (strcmp(key, "lead") == 0) return addresses(v, a->lead, &a->nlead);
  if (strcmp(key, "web_base_url") == 0) {
    if (!url_ok(v, k_web)) return RP_ECONFIG;
    while (n > 0 && v[n - 1] == '/') /* the link adds its own */
      n--;
    return copy(a->web_base_url, sizeof a->web_base_url, v, n);
  }
  if (strcmp(key, "reminder_minutes") == 0)
    return number(v, 0, RP_IBX_REMINDER_MAX_MIN, &a->reminder_min);
  if (strcmp(key, "digest") == 0) {
    if (strcmp(v, "off") == 0) {
      a->digest_min = -1;
      return 0;
    }
    if ((r = rp__ibx_hours_parse_time(v, &u)) != 0 || u >= 24 * 60) return RP_ECONFIG;
    a->digest_min = (int)u;
    return 0;
  }
  return RP_ECONFIG;
}

int rp__ibx_config_alert_check(const rp__ibx_alert_cfg *a, char *err, size_t cap) {
  const char *missing;
  if (a->smtp_url[0] == 0 && a->smtp_from[0] == 0 && a->nto == 0 && a->nlead == 0 &&
      a->smtp_user[0] == 0 && a->web_base_url[0] == 0)
    return 0;
  missing = a->smtp_url[0] == 0                                     ? "smtp_url"
            : a->smtp_from[0] == 0                                  ? "smtp_from"
            : a->nto == 0                                           ? "to"
            : a->web_base_url[0] == 0                               ? "web_base_url"
            : a->smtp_user[0] != 0 && a->smtp_password_file[0] == 0 ? "smtp_password_file"
                                                                    : NULL;
  if (missing == NULL) return 1;
  snprintf(err, cap, "[alerts] %s is required when mail alerts are set up", missing);
  return RP_ECONFIG;
}
