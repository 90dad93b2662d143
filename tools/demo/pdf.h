/* SPDX-License-Identifier: MIT */
/* The demo's PDF fixture (pdf.c): a tiny valid PDF, one text line per page. */
#ifndef RP_TOOLS_DEMO_PDF_H
#define RP_TOOLS_DEMO_PDF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define DM_PDF_PAGES_MAX 4

/* Makes a PDF of npages pages (1..DM_PDF_PAGES_MAX), page i showing lines[i]; *out is
 * malloc'd (the caller frees). 0 or -1. */
int dm_pdf_make(const char *const *lines, int npages, uint8_t **out, size_t *len);

#endif
