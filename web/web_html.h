/* SPDX-License-Identifier: MIT */
/*
 * The one place HTML is written. Markup comes only from string literals in web/ (h_lit);
 * everything else, and above all anything that came from a peer (a municipality's
 * text, a name, an attachment's name), goes through h_text or h_attr, which escape
 * & < > " and '. No page concatenates peer data into markup any other way.
 */
#ifndef RP_WEB_HTML_H
#define RP_WEB_HTML_H

#include <stddef.h>

#include "buf.h"

/* Markup: a literal of ours. */
void h_lit(rp__buf *b, const char *markup);
/* Text, escaped. NULL writes nothing. */
void h_text(rp__buf *b, const char *s);
void h_textn(rp__buf *b, const char *s, size_t n);
/* ` name="value"` with value escaped. */
void h_attr(rp__buf *b, const char *name, const char *value);
/* A decimal number (safe by construction). */
void h_num(rp__buf *b, long long v);
/* The page head (title escaped) and foot; the CSP forbids inline script and style, so
 * both reference /static only. */
void h_page_start(rp__buf *b, const char *title);
void h_page_end(rp__buf *b);
/* A hidden CSRF field. */
void h_csrf(rp__buf *b, const char *token);

#endif
