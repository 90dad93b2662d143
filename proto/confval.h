/* SPDX-License-Identifier: MIT */
/*
 * The values of the daemons' INI files, one reading for all (libinih hands every value
 * over as text; the inbox daemon and the web daemon read theirs with these). Each
 * returns 0 or RP_ECONFIG, and writes its destination only on success.
 */
#ifndef RP_CONFVAL_H
#define RP_CONFVAL_H

#include <stddef.h>
#include <stdint.h>

/* A text of 1 .. cap-1 bytes, copied with its NUL. */
int rp__conf_str(char *dst, size_t cap, const char *v);

/* A path: an absolute one as it is, a relative one taken from `dir` (the config file's
 * folder; "" leaves it as written). */
int rp__conf_path(const char *dir, char *dst, size_t cap, const char *v);

/* A decimal number from lo to hi, digits only (no sign, no spaces, no suffix). */
int rp__conf_uint(uint64_t *dst, const char *v, uint64_t lo, uint64_t hi);

#endif /* RP_CONFVAL_H */
