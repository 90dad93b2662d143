/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the CPR guard, checked against a second, deliberately different
 * formulation of the rule (docs/PROTOCOL.md section 7.22): decode the text as UTF-8 code
 * points into an array of normalised symbols with their byte offsets, split that into
 * maximal runs of digits, and look for one of the three shapes (10; 6 T 4; 2 S 2 S 2 T 4)
 * by comparing the symbols after a run with every accepted separator string. Both must
 * agree on whether and where.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { OTHER = 0x100, IGNORED };

/* One code point of valid UTF-8 (shortest form, no surrogates) at p[0..n): returns its
 * length and sets *cp, or returns 0 for a byte that does not start one. */
static size_t utf8(const uint8_t *p, size_t n, uint32_t *cp) {
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  size_t len = p[0] < 0x80   ? 1
               : p[0] < 0xc0 ? 0
               : p[0] < 0xe0 ? 2
               : p[0] < 0xf0 ? 3
               : p[0] < 0xf8 ? 4
                             : 0;
  if (len == 0 || len > n) return 0;
  uint32_t v = len == 1 ? p[0] : p[0] & (0x7fu >> len);
  for (size_t k = 1; k < len; k++) {
    if ((p[k] & 0xc0) != 0x80) return 0;
    v = v << 6 | (p[k] & 0x3fu);
  }
  if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

/* The normalised symbol of a code point. */
static int normalise(uint32_t cp) {
  static const uint32_t zero[] = {0x30,    0x660,   0x6f0,   0xff10, 0x1d7ce,
                                  0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6};
  static const uint32_t spaces[] = {0x20, 0xa0, 0x202f, 0x205f, 0x3000};
  static const uint32_t ignored[] = {0xad, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff};
  for (size_t k = 0; k < sizeof zero / sizeof zero[0]; k++)
    if (cp >= zero[k] && cp <= zero[k] + 9) return '0' + (int)(cp - zero[k]);
  for (size_t k = 0; k < sizeof spaces / sizeof spaces[0]; k++)
    if (cp == spaces[k]) return ' ';
  if (cp >= 0x2000 && cp <= 0x200a) return ' ';
  if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212) return '-';
  for (size_t k = 0; k < sizeof ignored / sizeof ignored[0]; k++)
    if (cp == ignored[k]) return IGNORED;
  if (cp >= 0xff01 && cp <= 0xff5e) return (int)(cp - 0xfee0);
  return cp < 0x80 ? (int)cp : OTHER;
}

typedef struct text {
  int *sym;    /* visible symbols */
  size_t *off; /* byte offset of each */
  size_t n;
} text;

/* The symbol at i, or OTHER past the end. */
static int at(const text *t, size_t i) {
  return i < t->n ? t->sym[i] : OTHER;
}

static bool digit(const text *t, size_t i) {
  return at(t, i) >= '0' && at(t, i) <= '9';
}

/* Length of the run of digits starting at i (0 if none). */
static size_t run(const text *t, size_t i) {
  size_t k = 0;
  while (digit(t, i + k))
    k++;
  return k;
}

/* Whether the symbols at i spell s. */
static bool spells(const text *t, size_t i, const char *s) {
  for (size_t k = 0; s[k] != '\0'; k++)
    if (at(t, i + k) != (unsigned char)s[k]) return false;
  return true;
}

/* Whether a separator T and then a run of exactly four digits follow at i, the
 * seventh digit being checked with the date. */
static bool serial_at(const text *t, size_t i, size_t *serial) {
  static const char *const seps[] = {"-", " ", "/", "_", ".", " -", "- ", " - "};
  for (size_t s = 0; s < sizeof seps / sizeof seps[0]; s++) {
    size_t j = i + strlen(seps[s]);
    if (spells(t, i, seps[s]) && run(t, j) == 4) {
      *serial = j;
      return true;
    }
  }
  return false;
}

static unsigned dig(const text *t, size_t i) {
  return (unsigned)(t->sym[i] - '0');
}

/* The two digits at i as a number. */
static unsigned num(const text *t, size_t i) {
  return dig(t, i) * 10u + dig(t, i + 1);
}

static bool date_ok(unsigned day, unsigned month, unsigned yy, unsigned c) {
  unsigned year;
  if (c < 4)
    year = 1900 + yy;
  else if (c == 4 || c == 9)
    year = yy < 37 ? 2000 + yy : 1900 + yy;
  else
    year = yy < 58 ? 2000 + yy : 1800 + yy;
  return rp__cpr_date_valid(year, month, day);
}

static bool shapes(const text *t, size_t i) {
  size_t len = run(t, i), serial = 0;
  if (len == 10) return date_ok(num(t, i), num(t, i + 2), num(t, i + 4), dig(t, i + 6));
  if (len == 6 && serial_at(t, i + 6, &serial))
    return date_ok(num(t, i), num(t, i + 2), num(t, i + 4), dig(t, serial));
  if (len != 2) return false;
  static const char seps[] = ".- /";
  for (size_t s = 0; s < 4; s++) {
    if (at(t, i + 2) != seps[s] || run(t, i + 3) != 2 || at(t, i + 5) != seps[s] ||
        run(t, i + 6) != 2 || !serial_at(t, i + 8, &serial))
      continue;
    return date_ok(num(t, i), num(t, i + 3), num(t, i + 6), dig(t, serial));
  }
  return false;
}

static bool reference(const uint8_t *p, size_t n, size_t *off) {
  text t = {malloc((n + 1) * sizeof(int)), malloc((n + 1) * sizeof(size_t)), 0};
  bool found = false;
  if (t.sym == NULL || t.off == NULL) abort();
  for (size_t i = 0; i < n;) {
    uint32_t cp = OTHER;
    size_t len = utf8(p + i, n - i, &cp);
    int sym = len == 0 ? OTHER : normalise(cp);
    if (sym != IGNORED) {
      t.sym[t.n] = sym;
      t.off[t.n++] = i;
    }
    i += len == 0 ? 1 : len;
  }
  for (size_t i = 0; i < t.n && !found; i++) {
    if (digit(&t, i) && (i == 0 || !digit(&t, i - 1)) && shapes(&t, i)) {
      *off = t.off[i];
      found = true;
    }
  }
  free(t.sym);
  free(t.off);
  return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t off = 0, want = 0;
  bool found = rp__cpr_find((const char *)data, size, &off);
  bool expected = reference(data, size, &want);
  if (found != expected || off != (found ? want : 0)) abort();
  if (found) {
    /* The match depends only on what follows its start, so it is found again there. */
    size_t again = 99;
    if (!rp__cpr_find((const char *)data + off, size - off, &again) || again != 0) abort();
  }
  return 0;
}
