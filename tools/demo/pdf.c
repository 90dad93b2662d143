/* SPDX-License-Identifier: MIT */
/*
 * A demo fixture, not a PDF library: writes a minimal valid PDF 1.4 (one page per text
 * line, Helvetica, A4) with a correct cross-reference table, so that the demo's draft
 * plan and the team's annotated copy open in any PDF reader. Only printable ASCII goes
 * in (other bytes become '?'), and '(' ')' '\' are escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf.h"

#define PDF_MAX (64u * 1024u)
#define OBJS_MAX (3 + 2 * DM_PDF_PAGES_MAX)

typedef struct pdf {
  char *b;
  size_t n;
  long off[OBJS_MAX + 1];
  int err;
} pdf;

static void put(pdf *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(pdf *p, const char *fmt, ...) {
  va_list ap;
  int k;
  if (p->err) return;
  va_start(ap, fmt);
  k = vsnprintf(p->b + p->n, PDF_MAX - p->n, fmt, ap);
  va_end(ap);
  if (k < 0 || (size_t)k >= PDF_MAX - p->n)
    p->err = 1;
  else
    p->n += (size_t)k;
}

static void escape(const char *in, char *out, size_t cap) {
  size_t o = 0;
  for (; *in != '\0' && o + 2 < cap; in++) {
    char c = *in >= 0x20 && *in < 0x7f ? *in : '?';
    if (c == '(' || c == ')' || c == '\\') out[o++] = '\\';
    out[o++] = c;
  }
  out[o] = '\0';
}

int dm_pdf_make(const char *const *lines, int npages, uint8_t **out, size_t *len) {
  pdf p = {0};
  int nobj = 2 + 2 * npages;
  *out = NULL;
  *len = 0;
  if (npages < 1 || npages > DM_PDF_PAGES_MAX || (p.b = malloc(PDF_MAX)) == NULL) return -1;
  /* The binary comment line tells transfer programs the file is binary. */
  put(&p, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
  p.off[1] = (long)p.n;
  put(&p, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  p.off[2] = (long)p.n;
  put(&p, "2 0 obj\n<< /Type /Pages /Kids [");
  for (int i = 0; i < npages; i++)
    put(&p, "%s%d 0 R", i > 0 ? " " : "", 3 + 2 * i);
  put(&p, "] /Count %d >>\nendobj\n", npages);
  for (int i = 0; i < npages; i++) {
    char text[256], stream[400];
    int page = 3 + 2 * i, content = page + 1, sl;
    escape(lines[i], text, sizeof text);
    sl = snprintf(stream, sizeof stream, "BT /F1 14 Tf 56 770 Td (%s) Tj ET", text);
    p.off[page] = (long)p.n;
    put(&p,
        "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
        "/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> "
        "/Contents %d 0 R >>\nendobj\n",
        page, content);
    p.off[content] = (long)p.n;
    put(&p, "%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", content, sl,
        stream);
  }
  long xref = (long)p.n;
  put(&p, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
  for (int i = 1; i <= nobj; i++)
    put(&p, "%010ld 00000 n \n", p.off[i]);
  put(&p, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", nobj + 1, xref);
  if (p.err) {
    free(p.b);
    return -1;
  }
  *out = (uint8_t *)p.b;
  *len = p.n;
  return 0;
}
