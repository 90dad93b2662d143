/* SPDX-License-Identifier: MIT */
/* Messages, files, clocks and hex for the command line. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "rejsepost_errors.h"

int tl_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s %s: ", tl_prog, cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s help %s'.\n", tl_prog, cmd);
  return TL_USAGE;
}

int tl_fail(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: error: ", tl_prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return TL_FAIL;
}

int tl_key_fail(const char *path, int rc) {
  switch (rc) {
  case RP_EPERM:
    return tl_fail("key file is readable by others: run chmod 600 %s", path);
  case RP_ENOTFOUND:
    return tl_fail("no key file %s: create one with 'rejsepost keys new'", path);
  case RP_EPASSPHRASE:
    return tl_fail("wrong passphrase for %s (or the file is damaged): check "
                   "--passphrase-file",
                   path);
  case RP_EEXIST:
    return tl_fail("%s already exists: keys are never overwritten; choose another name "
                   "or move the old file away first",
                   path);
  case RP_EINVAL:
    return tl_fail("%s is a public key export, not a secret key file: use the file "
                   "without .pub",
                   path);
  case RP_EIO:
    return tl_fail("cannot read or write %s: %s", path, strerror(errno));
  default:
    return tl_fail("%s is not a valid rejsepost key file (%s): it was damaged or "
                   "changed; restore it from a backup",
                   path, rp_strerror(rc));
  }
}

int tl_seconds_parse(const char *s, int max, int *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno != 0 || v < 0 || v > max) return RP_EINVAL;
  *out = (int)v;
  return 0;
}

const char *tl_time_text(uint64_t unix_ms, char *buf, size_t cap) {
  time_t t = (time_t)(unix_ms / 1000u);
  struct tm tm;
  if (unix_ms == 0 || localtime_r(&t, &tm) == NULL ||
      strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
    snprintf(buf, cap, "-");
  return buf;
}
