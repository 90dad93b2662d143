/* SPDX-License-Identifier: MIT */
/* Helpers shared by the config_*.c files only. */
#ifndef RP_SERVER_CONFIG_INT_H
#define RP_SERVER_CONFIG_INT_H

#include "config.h"

/* Human forms used in messages and the help: sizes with the largest exact suffix
 * ("16G"), durations with the largest exact unit ("5m", "1500ms"). */
void rp__config_fmt_size(uint64_t v, char *buf, size_t len);
void rp__config_fmt_duration(uint64_t ms, char *buf, size_t len);

/* A value as it may appear inside '...' in a message: control bytes as '?', cut at 64
 * bytes with "...". */
void rp__config_fmt_got(const char *value, char *buf, size_t len);

#endif /* RP_SERVER_CONFIG_INT_H */
