/* SPDX-License-Identifier: MIT */
/*
 * Running totals per recipient, and per (recipient, sender) pair: a chained hash table
 * keyed by member id or pair key. The number of entries is bounded by the recipients
 * (pairs) that have something spooled or in flight, and an entry is dropped as soon as
 * it holds nothing, so the tables stay roster-sized.
 */
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool_int.h"

#define MAP_INITIAL 64u

/* FNV-1a: member ids come from the signed roster, so collision flooding is not a threat
 * worth a keyed hash here. */
static size_t hash_id(const char *id) {
  uint64_t h = 1469598103934665603ull;
  for (; *id != '\0'; id++) {
    h ^= (unsigned char)*id;
    h *= 1099511628211ull;
  }
  return (size_t)h;
}

int rp__spool_map_init(rp__spool_map *m) {
  m->count = 0;
  m->nbuckets = MAP_INITIAL;
  m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
  return m->buckets == NULL ? RP_ENOMEM : 0;
}

void rp__spool_map_free(rp__spool_map *m) {
  if (m->buckets == NULL) return;
  for (size_t i = 0; i < m->nbuckets; i++) {
    rp__spool_rcpt *e = m->buckets[i];
    while (e != NULL) {
      rp__spool_rcpt *next = e->next;
      free(e);
      e = next;
    }
  }
  free(m->buckets);
  m->buckets = NULL;
  m->count = 0;
}

rp__spool_rcpt *rp__spool_map_find(const rp__spool_map *m, const char *id) {
  rp__spool_rcpt *e = m->buckets[hash_id(id) & (m->nbuckets - 1)];
  for (; e != NULL; e = e->next)
    if (strcmp(e->id, id) == 0) return e;
  return NULL;
}

/* Double the bucket array; on allocation failure keep the old one (longer chains only). */
static void grow(rp__spool_map *m) {
  size_t n = m->nbuckets * 2;
  rp__spool_rcpt **b = calloc(n, sizeof *b);
  if (b == NULL) return;
  for (size_t i = 0; i < m->nbuckets; i++) {
    rp__spool_rcpt *e = m->buckets[i];
    while (e != NULL) {
      rp__spool_rcpt *next = e->next;
      size_t j = hash_id(e->id) & (n - 1);
      e->next = b[j];
      b[j] = e;
      e = next;
    }
  }
  free(m->buckets);
  m->buckets = b;
  m->nbuckets = n;
}

rp__spool_rcpt *rp__spool_map_get(rp__spool_map *m, const char *id) {
  rp__spool_rcpt *e = rp__spool_map_find(m, id);
  size_t len = strlen(id);
  if (e != NULL) return e;
  if (len >= sizeof e->id) return NULL;
  e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  memcpy(e->id, id, len + 1);
  if (m->count >= m->nbuckets) grow(m);
  size_t i = hash_id(id) & (m->nbuckets - 1);
  e->next = m->buckets[i];
  m->buckets[i] = e;
  m->count++;
  return e;
}

void rp__spool_pair_key(char out[RP__SPOOL_KEY_MAX], const char *recipient,
                        const char *sender) {
  size_t r = strlen(recipient), s = strlen(sender);
  /* Ids are at most RP_MEMBER_ID_MAX bytes (checked by the callers); cut to be safe. */
  if (r > RP_MEMBER_ID_MAX) r = RP_MEMBER_ID_MAX;
  if (s > RP_MEMBER_ID_MAX) s = RP_MEMBER_ID_MAX;
  memcpy(out, recipient, r);
  out[r] = '\n';
  memcpy(out + r + 1, sender, s);
  out[r + 1 + s] = '\0';
}

void rp__spool_map_trim(rp__spool_map *m, const char *id) {
  rp__spool_rcpt **pp = &m->buckets[hash_id(id) & (m->nbuckets - 1)];
  for (; *pp != NULL; pp = &(*pp)->next) {
    rp__spool_rcpt *e = *pp;
    if (strcmp(e->id, id) != 0) continue;
    if (e->envelopes == 0 && e->bytes == 0 && e->reserved == 0) {
      *pp = e->next;
      free(e);
      m->count--;
    }
    return;
  }
}
