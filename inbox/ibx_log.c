/* SPDX-License-Identifier: MIT */
#include "ibx_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int g_level = RP_IBX_LOG_INFO;
static int g_journal; /* stderr is the journal: prefix the priority */
static const char *const k_names[] = {"debug", "info", "warn", "error"};
/* sd-daemon(3) priorities of our levels: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR. */
static const char *const k_prio[] = {"<7>", "<6>", "<4>", "<3>"};

void rp__ibx_log_init(void) {
  /* systemd.exec(5): JOURNAL_STREAM is "<device>:<inode>" of the stream it connected
   * stderr to. A child whose stderr was redirected still inherits the variable, so it
   * counts only when fd 2 is that very stream. */
  const char *v = getenv("JOURNAL_STREAM");
  unsigned long long dev = 0, ino = 0;
  struct stat st;
  char tail = 0;
  g_journal = v != NULL && sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) == 2 &&
              fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
              (unsigned long long)st.st_ino == ino;
}

void rp__ibx_log_set_level(int level) {
  g_level = level;
}

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
  n = g_journal ? (size_t)snprintf(line, sizeof line, "%s", k_prio[level]) : 0;
  n += strftime(line + n, sizeof line - n, "%Y-%m-%dT%H:%M:%S", &tm);
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
