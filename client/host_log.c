/* SPDX-License-Identifier: MIT */
/*
 * The library's log lines for the host (rp_config_set_log). A line holds metadata only:
 * message ids, member ids, sequence numbers and error names. Content never reaches this
 * file, and what comes from a peer (a member id in an envelope header) is checked before
 * it is printed, so a line is always one line that a log parser can split on spaces.
 *
 * This is not the daemons' logger (proto/log.h, which writes timestamped lines to stderr
 * or the journal): a library never writes to the host's stderr, it hands each line to
 * the host's callback, which decides where lines go.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "identity.h"
#include "host_log.h"

#define LOG_LINE_MAX 512

void rp__hlog(rp_client *c, int level, const char *fmt, ...) {
  char line[LOG_LINE_MAX];
  va_list ap;
  if (c == NULL || c->cfg.log == NULL) return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  /* Callers print checked ids only; this is the second line of defence. */
  for (char *p = line; *p != '\0'; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  c->cfg.log(c->cfg.log_data, level, line);
}

const char *rp__hlog_id(char *out, const uint8_t *p, size_t n) {
  if (p == NULL || n == 0 || n > RP_MEMBER_ID_MAX ||
      rp__identity_id_check((const char *)p, n) != 0) {
    snprintf(out, RP_MEMBER_ID_MAX + 1, "(invalid)");
    return out;
  }
  memcpy(out, p, n);
  out[n] = '\0';
  return out;
}
