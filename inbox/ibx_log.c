/* SPDX-License-Identifier: MIT */
#include "ibx_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int g_level = RP_IBX_LOG_INFO;
static const char *const k_names[] = {"debug", "info", "warn", "error"};

void rp__ibx_log_set_level(int level) { g_level = level; }

int rp__ibx_log_level_from_name(const char *name) {
  for (int i = 0; i < 4; i++)
    if (strcmp(name, k_names[i]) == 0) return i;
  return -1;
}

void rp__ibx_log(int level, const char *event, const char *fmt, ...) {
  char line[1024];
  struct timeval tv;
  struct tm tm;
  size_t n;
  va_list ap;

  if (level < g_level || level < 0 || level > 3) return;
  gettimeofday(&tv, NULL);
  gmtime_r(&tv.tv_sec, &tm);
  n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03dZ %s event=%s ",
                        (int)(tv.tv_usec / 1000), k_names[level], event);
  if (n < sizeof line) {
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (m > 0) n += (size_t)m;
  }
  if (n >= sizeof line - 1) n = sizeof line - 2;
  line[n++] = '\n';
  /* One write per line keeps lines whole when two threads log at once. */
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w;
}
