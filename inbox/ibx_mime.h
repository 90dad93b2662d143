/* SPDX-License-Identifier: MIT */
/* The mime type an attachment is sent with, from its name's extension: the documents a
 * team and a municipality exchange. Shared by the inbox (a reply's attachments) and the
 * command line (send --attach). */
#ifndef RP_IBX_MIME_H
#define RP_IBX_MIME_H

#include <string.h>
#include <strings.h>

static inline const char *rp__ibx_mime_of(const char *name) {
  static const char *const k[][2] = {
      {".pdf", "application/pdf"},
      {".txt", "text/plain"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".odt", "application/vnd.oasis.opendocument.text"},
      {".doc", "application/msword"}};
  const char *dot = strrchr(name, '.');
  for (size_t i = 0; dot != NULL && i < sizeof k / sizeof k[0]; i++)
    if (strcasecmp(dot, k[i][0]) == 0) return k[i][1];
  return "application/octet-stream";
}

#endif
