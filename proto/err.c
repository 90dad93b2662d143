/* SPDX-License-Identifier: MIT */
/* rp_strerror and rp_err_name, generated from the one list in rejsepost_errors.h. */
#include "rejsepost_errors.h"

const char *rp_strerror(int err) {
  switch (err) {
  case RP_OK:
    return "success";
#define RP__ERR_TEXT(name, value, text)                                                    \
  case RP_##name:                                                                          \
    return text;
    RP_ERRNO_MAP(RP__ERR_TEXT)
#undef RP__ERR_TEXT
  default:
    return "unknown error";
  }
}

const char *rp_err_name(int err) {
  switch (err) {
  case RP_OK:
    return "OK";
#define RP__ERR_NAME(name, value, text)                                                    \
  case RP_##name:                                                                          \
    return #name;
    RP_ERRNO_MAP(RP__ERR_NAME)
#undef RP__ERR_NAME
  default:
    return "UNKNOWN";
  }
}
