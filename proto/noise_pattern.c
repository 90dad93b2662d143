/* SPDX-License-Identifier: MIT */
/*
 * The handshake patterns of Noise revision 34 (sections 7.4 and 7.5) as a table, and the
 * parser for protocol names. A name must match exactly: Noise_<pattern>_25519_ChaChaPoly_
 * <SHA256|BLAKE2b>. Modifiers (psk, fallback) and other algorithms are refused.
 */
#include <string.h>

#include "noise.h"
#include "rejsepost_errors.h"

#define E RP__NOISE_TOK_E
#define S RP__NOISE_TOK_S
#define EE RP__NOISE_TOK_EE
#define ES RP__NOISE_TOK_ES
#define SE RP__NOISE_TOK_SE
#define SS RP__NOISE_TOK_SS
#define PS RP__NOISE_PRE_S

/* Messages alternate: the initiator writes messages 0 and 2, the responder message 1. */
static const rp__noise_pattern patterns[] = {
    /* One-way patterns: a single message from the initiator. */
    {"N", 0, PS, 1, {{E, ES}}},
    {"K", PS, PS, 1, {{E, ES, SS}}},
    {"X", 0, PS, 1, {{E, ES, S, SS}}},
    /* Interactive patterns. */
    {"NN", 0, 0, 2, {{E}, {E, EE}}},
    {"NK", 0, PS, 2, {{E, ES}, {E, EE}}},
    {"NX", 0, 0, 2, {{E}, {E, EE, S, ES}}},
    {"KN", PS, 0, 2, {{E}, {E, EE, SE}}},
    {"KK", PS, PS, 2, {{E, ES, SS}, {E, EE, SE}}},
    {"KX", PS, 0, 2, {{E}, {E, EE, SE, S, ES}}},
    {"XN", 0, 0, 3, {{E}, {E, EE}, {S, SE}}},
    {"XK", 0, PS, 3, {{E, ES}, {E, EE}, {S, SE}}},
    {"XX", 0, 0, 3, {{E}, {E, EE, S, ES}, {S, SE}}},
    {"IN", 0, 0, 2, {{E, S}, {E, EE, SE}}},
    {"IK", 0, PS, 2, {{E, ES, S, SS}, {E, EE, SE}}},
    {"IX", 0, 0, 2, {{E, S}, {E, EE, SE, S, ES}}},
};

/*
 * Match `part` at *p followed by `sep` (or the end of the string when sep is 0) and
 * advance past both. Returns 1 on a match.
 */
static int take(const char **p, const char *part, char sep) {
  size_t n = strlen(part);

  if (strncmp(*p, part, n) != 0) return 0;
  if ((*p)[n] != sep) return 0;
  *p += n + (sep != '\0' ? 1 : 0);
  return 1;
}

int rp__noise_protocol_parse(const char *name, const rp__noise_pattern **pattern,
                             rp__noise_hash *hash) {
  const rp__noise_pattern *pat = NULL;
  const char *p = name;
  rp__noise_hash h;
  size_t i;

  if (pattern != NULL) *pattern = NULL;
  if (name == NULL || pattern == NULL || hash == NULL) return RP_EINVAL;
  if (strnlen(name, RP__NOISE_NAME_MAX + 1) > RP__NOISE_NAME_MAX) return RP_EINVAL;

  if (!take(&p, "Noise", '_')) return RP_EINVAL;
  for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
    if (take(&p, patterns[i].name, '_')) {
      pat = &patterns[i];
      break;
    }
  }
  if (pat == NULL) return RP_EINVAL;
  if (!take(&p, "25519", '_') || !take(&p, "ChaChaPoly", '_')) return RP_EINVAL;
  if (take(&p, "SHA256", '\0'))
    h = RP__NOISE_SHA256;
  else if (take(&p, "BLAKE2b", '\0'))
    h = RP__NOISE_BLAKE2B;
  else
    return RP_EINVAL;

  *pattern = pat;
  *hash = h;
  return 0;
}
