/* SPDX-License-Identifier: MIT */
/* One-line event log; see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "rejsepost_errors.h"

/* Atomics because the pool threads read these while the loop thread may change them. */
static atomic_int log_level = RP__LOG_INFO;
static atomic_int log_fd = 2;
static atomic_int log_journal = 0;

/* sd-daemon(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
static const char *const journal_prefix[] = {"<3>", "<4>", "<6>", "<7>"};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void rp__log_set_level(rp__log_level level) {
  atomic_store(&log_level, (int)level);
}

rp__log_level rp__log_get_level(void) {
  return (rp__log_level)atomic_load(&log_level);
}

int rp__log_enabled(rp__log_level level) {
  return (int)level <= atomic_load(&log_level);
}

int rp__log_level_parse(const char *name, rp__log_level *out) {
  if (name == NULL) return RP_EINVAL;
  for (int i = 0; i < 4; i++) {
    if (strcmp(name, level_names[i]) == 0) {
      *out = (rp__log_level)i;
      return 0;
    }
  }
  return RP_EINVAL;
}

const char *rp__log_level_name(rp__log_level level) {
  if ((int)level < 0 || (int)level > 3) return "?";
  return level_names[level];
}

void rp__log_set_fd(int fd) {
  atomic_store(&log_fd, fd);
}

void rp__log_set_journal(int on) {
  atomic_store(&log_journal, on != 0);
}

int rp__log_journal_detect(int fd) {
  const char *v = getenv("JOURNAL_STREAM");
  unsigned long long dev, ino;
  struct stat st;
  char tail;

  /* "device:inode" in decimal, exactly; anything else is not ours to trust. */
  if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2) return 0;
  if (fstat(fd, &st) != 0) return 0;
  return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int needs_quoting(const char *s) {
  if (*s == '\0') return 1;
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= ' ' || c == 0x7f || c == '"' || c == '\\' || c == '=') return 1;
  }
  return 0;
}

const char *rp__log_quote(char *buf, size_t buflen, const char *value) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;

  if (value == NULL) return "-";
  if (!needs_quoting(value)) return value;
  /* Room is kept for the worst escape (4 bytes), the cut marker, the quote and the NUL. */
  buf[o++] = '"';
  for (const char *p = value; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;
    if (o + 4 + 5 > buflen) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (c < ' ' || c == 0x7f) {
      buf[o++] = '\\';
      buf[o++] = 'x';
      buf[o++] = hex[c >> 4];
      buf[o++] = hex[c & 15];
    } else {
      buf[o++] = (char)c;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

/* Copy `in` to `out` escaping control bytes, so that one call is always exactly one line
 * whatever the arguments held. Returns the bytes written; *cut is set if `in` did not fit.
 */
static size_t copy_escaped(char *out, size_t cap, const char *in, int *cut) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (; *in != '\0' && o + 4 < cap; in++) {
    unsigned char c = (unsigned char)*in;
    if (c < ' ' || c == 0x7f) {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    } else {
      out[o++] = (char)c;
    }
  }
  *cut = *in != '\0';
  return o;
}

void rp__log_write(rp__log_level level, const char *fmt, ...) {
  char msg[RP__LOG_LINE_MAX];
  char line[RP__LOG_LINE_MAX];
  struct tm tm;
  va_list ap;
  size_t n;
  int r, cut;

  if (!rp__log_enabled(level)) return;
  uint64_t now = rp__clock_wall_ms();
  time_t sec = (time_t)(now / 1000u);
  long ms = (long)(now % 1000u);
  if (gmtime_r(&sec, &tm) == NULL) {
    memset(&tm, 0, sizeof tm);
    ms = 0;
  }
  va_start(ap, fmt);
  r = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r < 0) return;
  /* A message longer than msg was already cut by vsnprintf. */
  cut = (size_t)r >= sizeof msg;

  r = snprintf(line, sizeof line, "%s%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
               !atomic_load(&log_journal) ? ""
               : (unsigned)level < 4      ? journal_prefix[level]
                                          : "<6>",
               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
               tm.tm_sec, ms, rp__log_level_name(level));
  if (r < 0 || (size_t)r >= sizeof line) return;
  n = (size_t)r;
  /* Four bytes stay free for "...\n" if the message has to be cut. */
  int cut2 = 0;
  n += copy_escaped(line + n, sizeof line - n - 4, msg, &cut2);
  if (cut || cut2) {
    memcpy(line + n, "...", 3);
    n += 3;
  }
  line[n++] = '\n';

  int fd = atomic_load(&log_fd);
  const char *p = line;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w;
    n -= (size_t)w;
  }
}
