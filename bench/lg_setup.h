/* SPDX-License-Identifier: MIT */
/*
 * The relay benchmark's own little world, made with the proto APIs the way an operator's
 * tools would: an administrator key, the relay's key, member identities for the senders,
 * the receiving team and the idle connections, a roster signed by the administrator, and
 * the relay's config file. `setup` writes it to a directory; the relay driver loads the
 * members' keys and the relay's public key from there (verifying the roster, as a client
 * does).
 *
 * Files in the directory: admin.hex (the administrator's public key), relay.key,
 * roster.msgpack, keys/<member>.key (plain key files, mode 0600), relay.ini, state/.
 */
#ifndef LG_SETUP_H
#define LG_SETUP_H

#include <stdint.h>

#include "identity.h"

#define LG_TEAM_ID "bench-team"
#define LG_SENDER_FMT "bench-s%u"
#define LG_IDLE_FMT "bench-i%u"
/* Idle connections per idle member: below the relay's per-member connection cap. */
#define LG_IDLE_PER_MEMBER 250u
#define LG_IDLE_MEMBERS_MAX 200u

/* What the relay driver needs. Identities are owned; free with lg_bench_free. */
typedef struct lg_bench {
  uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES]; /* the relay's Noise static key */
  rp__identity *team;                         /* the receiving member */
  rp__identity **senders;
  unsigned n_senders;
  rp__identity **idle;
  unsigned n_idle;
} lg_bench;

/* `rejsepost-loadgen setup ...`: writes the directory. Returns the exit code. */
int lg_setup_main(int argc, char **argv);

/* Loads the roster (verified against admin.hex), the relay's key from it, and the
 * key files of `senders` senders and the team, or of every idle member when `idle`.
 * Returns 0, or -1 after printing why. */
int lg_bench_load(const char *dir, unsigned senders, int idle, lg_bench *b);

void lg_bench_free(lg_bench *b);

#endif /* LG_SETUP_H */
