/* SPDX-License-Identifier: MIT */
/*
 * Parsers and printers for the text forms of settings: numbers, sizes, durations,
 * addresses, hex keys. Strict on purpose: no signs, no spaces, no guessing units, so a
 * typo is an error rather than a surprising value.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "rejsepost_errors.h"

/* Digits at the start of `text`: value in *out, count of digits returned (0: none or
 * overflow). */
static size_t digits(const char *text, uint64_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  for (; text[i] >= '0' && text[i] <= '9'; i++) {
    unsigned d = (unsigned)(text[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return i;
}

int rp__config_parse_uint(const char *text, uint64_t *out) {
  uint64_t v;
  size_t n = digits(text, &v);
  if (n == 0 || text[n] != '\0') return RP_EINVAL;
  *out = v;
  return 0;
}

static int scale(uint64_t v, uint64_t unit, uint64_t *out) {
  if (v > UINT64_MAX / unit) return RP_EINVAL;
  *out = v * unit;
  return 0;
}

int rp__config_parse_size(const char *text, uint64_t *out) {
  static const struct {
    char c;
    uint64_t unit;
  } units[] = {
      {'K', RP__CFG_KIB}, {'M', RP__CFG_MIB}, {'G', RP__CFG_GIB}, {'T', RP__CFG_TIB}};
  uint64_t v;
  size_t n = digits(text, &v);
  if (n == 0) return RP_EINVAL;
  if (text[n] == '\0') {
    *out = v;
    return 0;
  }
  if (text[n + 1] != '\0') return RP_EINVAL;
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if (text[n] == units[i].c || text[n] == units[i].c + ('a' - 'A'))
      return scale(v, units[i].unit, out);
  }
  return RP_EINVAL;
}

int rp__config_parse_duration(const char *text, uint64_t *out_ms) {
  static const struct {
    const char *name;
    uint64_t ms;
  } units[] = {{"ms", 1},
               {"s", RP__CFG_SEC},
               {"m", RP__CFG_MIN},
               {"h", RP__CFG_HOUR},
               {"d", RP__CFG_DAY}};
  uint64_t v;
  size_t n = digits(text, &v);
  if (n == 0) return RP_EINVAL;
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if (strcmp(text + n, units[i].name) == 0) return scale(v, units[i].ms, out_ms);
  }
  return RP_EINVAL;
}

int rp__config_parse_addr(const char *text, struct sockaddr_storage *sa) {
  char host[INET6_ADDRSTRLEN];
  const char *port_text;
  uint64_t port;
  size_t hlen;
  int v6 = text[0] == '[';

  if (v6) {
    const char *end = strchr(text, ']');
    if (end == NULL || end[1] != ':') return RP_EINVAL;
    hlen = (size_t)(end - text - 1);
    memcpy(host, text + 1, hlen < sizeof host ? hlen : 0);
    port_text = end + 2;
  } else {
    const char *colon = strrchr(text, ':');
    if (colon == NULL) return RP_EINVAL;
    hlen = (size_t)(colon - text);
    memcpy(host, text, hlen < sizeof host ? hlen : 0);
    port_text = colon + 1;
  }
  if (hlen == 0 || hlen >= sizeof host) return RP_EINVAL;
  host[hlen] = '\0';
  if (rp__config_parse_uint(port_text, &port) != 0 || port == 0 || port > 65535)
    return RP_EINVAL;
  memset(sa, 0, sizeof *sa);
  if (v6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) return RP_EINVAL;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) return RP_EINVAL;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
  }
  return 0;
}

void rp__config_fmt_size(uint64_t v, char *buf, size_t len) {
  static const char suffix[] = "TGMK";
  static const uint64_t unit[] = {RP__CFG_TIB, RP__CFG_GIB, RP__CFG_MIB, RP__CFG_KIB};
  for (size_t i = 0; i < 4; i++) {
    if (v != 0 && v % unit[i] == 0) {
      snprintf(buf, len, "%" PRIu64 "%c", v / unit[i], suffix[i]);
      return;
    }
  }
  snprintf(buf, len, "%" PRIu64, v);
}

void rp__config_fmt_duration(uint64_t ms, char *buf, size_t len) {
  static const char *const name[] = {"d", "h", "m", "s"};
  static const uint64_t unit[] = {RP__CFG_DAY, RP__CFG_HOUR, RP__CFG_MIN, RP__CFG_SEC};
  for (size_t i = 0; i < 4; i++) {
    if (ms != 0 && ms % unit[i] == 0) {
      snprintf(buf, len, "%" PRIu64 "%s", ms / unit[i], name[i]);
      return;
    }
  }
  snprintf(buf, len, "%" PRIu64 "ms", ms);
}

void rp__config_fmt_got(const char *value, char *buf, size_t len) {
  size_t i = 0;
  for (; value[i] != '\0' && i < 64 && i + 4 < len; i++) {
    unsigned char c = (unsigned char)value[i];
    buf[i] = c < ' ' || c == 0x7f ? '?' : (char)c;
  }
  if (value[i] != '\0' && i + 4 <= len) {
    memcpy(buf + i, "...", 3);
    i += 3;
  }
  buf[i] = '\0';
}
