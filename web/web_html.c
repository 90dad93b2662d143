/* SPDX-License-Identifier: MIT */
#include "web_html.h"

#include <stdio.h>
#include <string.h>

void h_lit(rp__buf *b, const char *markup) {
  rp__buf_puts(b, markup);
}

void h_textn(rp__buf *b, const char *s, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep = NULL;
    switch (s[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    case 0:
      rep = "";
      break;
    default:
      continue;
    }
    rp__buf_put(b, s + start, i - start);
    rp__buf_puts(b, rep);
    start = i + 1;
  }
  rp__buf_put(b, s + start, n - start);
}

void h_text(rp__buf *b, const char *s) {
  if (s != NULL) h_textn(b, s, strlen(s));
}

void h_attr(rp__buf *b, const char *name, const char *value) {
  rp__buf_puts(b, " ");
  rp__buf_puts(b, name);
  rp__buf_puts(b, "=\"");
  h_text(b, value != NULL ? value : "");
  rp__buf_puts(b, "\"");
}

void h_num(rp__buf *b, long long v) {
  rp__buf_printf(b, "%lld", v);
}

void h_page_start(rp__buf *b, const char *title) {
  h_lit(b, "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>");
  h_text(b, title);
  h_lit(b, " – Rejseholdet</title>\n<link rel=\"stylesheet\" href=\"/static/webd.css\">\n"
           "<script src=\"/static/webd.js\" defer></script>\n"
           "<script src=\"/static/live.js\" defer></script>\n</head>\n<body>\n"
           "<a class=\"skip\" href=\"#indhold\">Gå til indhold</a>\n");
}

void h_page_end(rp__buf *b) {
  h_lit(b, "</main>\n</body>\n</html>\n");
}

void h_csrf(rp__buf *b, const char *token) {
  h_lit(b, "<input type=\"hidden\" name=\"csrf\"");
  h_attr(b, "value", token);
  h_lit(b, ">");
}
