/* SPDX-License-Identifier: MIT */
/* The CPR guard: finds CPR numbers in free text (rules in cpr.h). */
#include "cpr.h"

#include <stdint.h>
#include <string.h>

/* ---- normalisation ---- */

/* The matcher does not see bytes but symbols: each position of the text reads as one
 * symbol of the normalised text, so every spelling of a digit, space or dash that a
 * keyboard, a word processor or a copy from a PDF produces is matched the same way.
 * A symbol is an ASCII character (digits '0'..'9', ' ' for every space, '-' for every
 * dash), SYM_OTHER for any other byte, SYM_SKIP for an invisible character that the
 * matcher passes over as if it were absent, or SYM_END past the end of the text. */
enum { SYM_OTHER = 0x100, SYM_SKIP, SYM_END };

/* A UTF-8 sequence that normalises to something else than SYM_OTHER: the bytes before
 * the last, and a range of the last byte. The symbol is `sym`, or with `counts`,
 * sym + (last byte - lo), for runs of digits and the full-width forms. */
typedef struct uform {
  uint8_t len, prefix[3], lo, hi;
  int sym;
  bool counts;
} uform;

static const uform uforms[] = {
    {2, {0xc2}, 0xa0, 0xa0, ' ', false},            /* U+00A0 no-break space */
    {3, {0xe2, 0x80}, 0x80, 0x8a, ' ', false},      /* U+2000..U+200A spaces */
    {3, {0xe2, 0x80}, 0xaf, 0xaf, ' ', false},      /* U+202F narrow no-break space */
    {3, {0xe2, 0x81}, 0x9f, 0x9f, ' ', false},      /* U+205F medium mathematical space */
    {3, {0xe3, 0x80}, 0x80, 0x80, ' ', false},      /* U+3000 ideographic space */
    {3, {0xe2, 0x80}, 0x90, 0x95, '-', false},      /* U+2010..U+2015 hyphens, dashes */
    {3, {0xe2, 0x88}, 0x92, 0x92, '-', false},      /* U+2212 minus sign */
    {2, {0xc2}, 0xad, 0xad, SYM_SKIP, false},       /* U+00AD soft hyphen */
    {3, {0xe2, 0x80}, 0x8b, 0x8d, SYM_SKIP, false}, /* U+200B..U+200D zero width */
    {3, {0xe2, 0x81}, 0xa0, 0xa0, SYM_SKIP, false}, /* U+2060 word joiner */
    {3, {0xef, 0xbb}, 0xbf, 0xbf, SYM_SKIP, false}, /* U+FEFF byte order mark */
    {2, {0xd9}, 0xa0, 0xa9, '0', true},             /* U+0660..U+0669 Arabic-Indic */
    {2, {0xdb}, 0xb0, 0xb9, '0', true},             /* U+06F0..U+06F9 ext. Arabic-Indic */
    {4, {0xf0, 0x9d, 0x9f}, 0x8e, 0x97, '0', true}, /* U+1D7CE..U+1D7D7 bold */
    {4, {0xf0, 0x9d, 0x9f}, 0x98, 0xa1, '0', true}, /* U+1D7D8..U+1D7E1 double-struck */
    {4, {0xf0, 0x9d, 0x9f}, 0xa2, 0xab, '0', true}, /* U+1D7E2..U+1D7EB sans-serif */
    {4, {0xf0, 0x9d, 0x9f}, 0xac, 0xb5, '0', true}, /* U+1D7EC..U+1D7F5 sans bold */
    {4, {0xf0, 0x9d, 0x9f}, 0xb6, 0xbf, '0', true}, /* U+1D7F6..U+1D7FF monospace */
    {3, {0xef, 0xbc}, 0x81, 0xbf, 0x21, true},      /* U+FF01..U+FF3F full-width ! to _ */
    {3, {0xef, 0xbd}, 0x80, 0x9e, 0x60, true},      /* U+FF40..U+FF5E full-width ` to ~ */
};

/* Reads the symbol at p[i] (i < n) into *sym and returns its length in bytes. This is
 * the one place that knows about Unicode. Only the exact sequences of uforms are
 * recognised; any other byte is a symbol of its own, so invalid UTF-8 costs nothing
 * and never forms a digit or a separator. */
static size_t read_sym(const uint8_t *p, size_t n, size_t i, int *sym) {
  uint8_t b = p[i];
  *sym = b;
  if (b < 0x80) return 1; /* ASCII stands for itself */
  *sym = SYM_OTHER;
  switch (b) { /* the first bytes of uforms; any other is one byte of SYM_OTHER */
  case 0xc2:
  case 0xd9:
  case 0xdb:
  case 0xe2:
  case 0xe3:
  case 0xef:
  case 0xf0:
    break;
  default:
    return 1;
  }
  for (size_t f = 0; f < sizeof uforms / sizeof uforms[0]; f++) {
    const uform *u = &uforms[f];
    if (u->prefix[0] != b || n - i < u->len || memcmp(p + i, u->prefix, u->len - 1u) != 0)
      continue;
    uint8_t last = p[i + u->len - 1];
    if (last < u->lo || last > u->hi) continue;
    *sym = u->counts ? u->sym + (last - u->lo) : u->sym;
    return u->len;
  }
  return 1;
}

static bool is_digit(int sym) {
  return sym >= '0' && sym <= '9';
}

/* A cursor over the normalised text: sym is the visible symbol at p[i] (invisible
 * characters are passed over) and len its length in bytes, or SYM_END at the end. */
typedef struct cursor {
  const uint8_t *p;
  size_t n, i, len;
  int sym;
} cursor;

/* Reads the symbol at c->i, after passing over invisible characters. */
static void settle(cursor *c) {
  c->sym = SYM_END;
  c->len = 0;
  while (c->i < c->n) {
    c->len = read_sym(c->p, c->n, c->i, &c->sym);
    if (c->sym != SYM_SKIP) return;
    c->i += c->len;
    c->sym = SYM_END;
    c->len = 0;
  }
}

static void advance(cursor *c) {
  c->i += c->len;
  settle(c);
}

/* Reads the run of digits at the cursor into d[0..max) and returns its length, or
 * max + 1 if it is longer than max (the rest is not read, so the work stays bounded). */
static size_t digit_run(cursor *c, uint8_t *d, size_t max) {
  size_t k = 0;
  while (is_digit(c->sym)) {
    if (k == max) return max + 1;
    d[k++] = (uint8_t)(c->sym - '0');
    advance(c);
  }
  return k;
}

/* Passes over a separator inside the date ('.', '-', ' ' or '/') and returns it, or
 * returns 0 if there is none. */
static int date_separator(cursor *c) {
  int sym = c->sym;
  if (sym != '.' && sym != '-' && sym != ' ' && sym != '/') return 0;
  advance(c);
  return sym;
}

/* Passes over the separator between the date and the last four digits: '/', '_', '.',
 * a space, or a dash with at most one space on each side. Returns whether there was one.
 * Taking the longest is safe: a separator is followed by a digit, never by a space or
 * a dash. */
static bool serial_separator(cursor *c) {
  bool space = c->sym == ' ';
  if (c->sym == '/' || c->sym == '_' || c->sym == '.') {
    advance(c);
    return true;
  }
  if (space) advance(c);
  if (c->sym == '-') {
    advance(c);
    if (c->sym == ' ') advance(c);
    return true;
  }
  return space;
}

bool rp__cpr_date_valid(unsigned year, unsigned month, unsigned day) {
  static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  unsigned max = mdays[month - 1] + (month == 2 && leap ? 1u : 0u);
  return day <= max;
}

/* The CPR office's century rule: the full year from yy and the seventh digit. */
static unsigned full_year(unsigned yy, unsigned d7) {
  if (d7 <= 3) return 1900 + yy;
  if (d7 == 4 || d7 == 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy; /* 5..8 */
}

/* Whether the ten digits d[0..10) are a CPR number: a date that exists. */
static bool valid_cpr(const uint8_t *d) {
  unsigned day = d[0] * 10u + d[1], month = d[2] * 10u + d[3], yy = d[4] * 10u + d[5];
  return rp__cpr_date_valid(full_year(yy, d[6]), month, day);
}

/* Whether a CPR number starts at p[i], where p[i] starts a digit symbol that does not
 * follow one. The three shapes, as runs of digits: 10; 6, a separator, 4; and 2, 2, 2
 * with the same date separator twice, a separator, 4. Every run is read to its end,
 * which is the longer-run rule. At most 16 visible symbols are read, so the scan stays
 * linear. */
static bool match_at(const uint8_t *p, size_t n, size_t i) {
  cursor c = {p, n, i, 0, SYM_END};
  uint8_t d[10];
  settle(&c);
  size_t k = digit_run(&c, d, 10);
  if (k == 10) return valid_cpr(d);
  if (k == 2) {
    int sep = date_separator(&c);
    if (sep == 0 || digit_run(&c, d + 2, 2) != 2 || date_separator(&c) != sep ||
        digit_run(&c, d + 4, 2) != 2)
      return false;
  } else if (k != 6) {
    return false;
  }
  return serial_separator(&c) && digit_run(&c, d + 6, 4) == 4 && valid_cpr(d);
}

bool rp__cpr_find(const char *text, size_t len, size_t *offset) {
  const uint8_t *p = (const uint8_t *)text;
  bool found = false, after_digit = false;
  size_t i = 0;
  if (offset) *offset = 0;
  if (text == NULL) return false;
  while (i < len && !found) {
    int sym;
    size_t k = read_sym(p, len, i, &sym);
    if (sym == SYM_SKIP) {
      i += k; /* invisible: neither ends nor starts a run */
      continue;
    }
    bool digit = is_digit(sym);
    if (digit && !after_digit && match_at(p, len, i)) {
      found = true;
      if (offset) *offset = i;
    }
    after_digit = digit;
    i += k;
  }
  return found;
}

/* ---- scanning a payload ---- */
typedef struct scan {
  const rp__cpr_hook *hook; /* NULL: the CPR guard itself */
  const char *field;
  size_t offset;
} scan;

static int scan_text(void *data, const char *field, rp__str text) {
  scan *s = data;
  size_t off = 0;
  bool hit = s->hook ? s->hook->fn(s->hook->data, field, text.p, text.n, &off) != 0
                     : rp__cpr_find(text.p, text.n, &off);
  if (!hit) return 0;
  s->field = field;
  s->offset = off;
  return s->hook ? RP_EHOOK : RP_ECPR;
}

static int run(const rp__payload *p, const rp__cpr_hook *hook, const char **where,
               size_t *offset) {
  scan s = {hook, NULL, 0};
  if (where) *where = NULL;
  if (offset) *offset = 0;
  int r = rp__payload_texts(p, scan_text, &s);
  if (r != 0) {
    if (where) *where = s.field;
    if (offset) *offset = s.offset;
  }
  return r;
}

int rp__payload_cpr_check(const rp__payload *p, const char **where, size_t *offset) {
  return run(p, NULL, where, offset);
}

int rp__payload_hook_check(const rp__payload *p, const rp__cpr_hook *hook,
                           const char **where, size_t *offset) {
  if (hook == NULL || hook->fn == NULL) {
    if (where) *where = NULL;
    if (offset) *offset = 0;
    return 0;
  }
  return run(p, hook, where, offset);
}
