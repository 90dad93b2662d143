/* SPDX-License-Identifier: MIT */
/*
 * HPKE Auth-mode single-shot seal+open per second, next to libsodium's crypto_box_easy +
 * crypto_box_open_easy in the same run, for 1 KiB and 64 KiB payloads.
 *
 * Both sides do the work an envelope costs: HPKE draws an ephemeral key and runs the KEM
 * on each message, and crypto_box draws a random nonce and derives its key from the two
 * static keys on each message. HPKE's associated data is a 96-byte header, like an
 * envelope's; crypto_box has no associated data.
 *
 * Usage: bench_crypto [seconds per case, default 1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "hpke.h"

#define HEADER_BYTES 96u

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct keys {
  uint8_t pkR[RP__HPKE_NPK], skR[RP__HPKE_NSK];
  uint8_t pkS[RP__HPKE_NPK], skS[RP__HPKE_NSK];
} keys;

/* Each loop checks every result: a benchmark that measures failures measures nothing. */
static double run_hpke(const keys *k, const uint8_t *pt, uint8_t *ct, uint8_t *out,
                       size_t n, double seconds) {
  static const uint8_t info[] = "rejsepost/1 envelope";
  uint8_t aad[HEADER_BYTES], enc[RP__HPKE_NENC];
  rp__hpke_params p = {RP__HPKE_MODE_AUTH, info, sizeof info - 1, NULL, 0, NULL, 0};
  unsigned long ops = 0;
  memset(aad, 0x42, sizeof aad);
  double start = now_s(), t;
  do {
    if (rp__hpke_seal(enc, ct, pt, n, aad, sizeof aad, &p, k->pkR, k->skS) != 0 ||
        rp__hpke_open(out, enc, ct, n + RP__HPKE_NT, aad, sizeof aad, &p, k->skR, k->pkS) !=
            0) {
      fprintf(stderr, "hpke round trip failed\n");
      exit(1);
    }
    ops++;
    t = now_s() - start;
  } while (t < seconds);
  return (double)ops / t;
}

static double run_box(const keys *k, const uint8_t *pt, uint8_t *ct, uint8_t *out, size_t n,
                      double seconds) {
  uint8_t nonce[crypto_box_NONCEBYTES];
  unsigned long ops = 0;
  double start = now_s(), t;
  do {
    randombytes_buf(nonce, sizeof nonce);
    if (crypto_box_easy(ct, pt, n, nonce, k->pkR, k->skS) != 0 ||
        crypto_box_open_easy(out, ct, n + crypto_box_MACBYTES, nonce, k->pkS, k->skR) !=
            0) {
      fprintf(stderr, "crypto_box round trip failed\n");
      exit(1);
    }
    ops++;
    t = now_s() - start;
  } while (t < seconds);
  return (double)ops / t;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? strtod(argv[1], NULL) : 1.0;
  static const size_t sizes[] = {1024, 64 * 1024};
  keys k;

  if (sodium_init() < 0 || seconds <= 0) return 1;
  if (rp__hpke_keypair(k.pkR, k.skR) != 0 || rp__hpke_keypair(k.pkS, k.skS) != 0) return 1;

  printf("bench_crypto: single-shot seal+open round trips per second, %.1f s per case\n",
         seconds);
  printf("libsodium %s\n\n", sodium_version_string());
  printf("%-9s | %16s | %16s | %12s | %12s | %9s\n", "payload", "HPKE Auth ops/s",
         "crypto_box ops/s", "HPKE MiB/s", "box MiB/s", "HPKE/box");
  printf("----------+------------------+------------------+--------------+--------------+"
         "----------\n");
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    uint8_t *pt = malloc(n), *ct = malloc(n + 64), *out = malloc(n);
    if (pt == NULL || ct == NULL || out == NULL) return 1;
    randombytes_buf(pt, n);
    /* A short warm-up so that the first case doesn't pay for cold caches. */
    run_hpke(&k, pt, ct, out, n, seconds / 10);
    double h = run_hpke(&k, pt, ct, out, n, seconds);
    double b = run_box(&k, pt, ct, out, n, seconds);
    double mib = (double)n / (1024.0 * 1024.0);
    printf("%4zu KiB  | %16.0f | %16.0f | %12.1f | %12.1f | %8.2fx\n", n / 1024, h, b,
           h * mib, b * mib, h / b);
    free(pt);
    free(ct);
    free(out);
  }
  printf("\nHPKE/box below 1 means HPKE is slower. One op = one seal plus one open.\n");
  sodium_memzero(&k, sizeof k);
  return 0;
}
