/* SPDX-License-Identifier: MIT */
/*
 * host_log.c owns the client's log lines: one formatted line per call, handed to the
 * host's log callback (rp_config_set_log), with nothing of a message's content in it.
 * Not the daemons' logger (proto/log.h).
 */
#ifndef RP_CLIENT_HOST_LOG_H
#define RP_CLIENT_HOST_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "rejsepost.h"

/* Formats one line ("event key=value ...") and hands it to the host's log callback, if
 * any. Callers pass ids, codes and counts only, never content; control characters that
 * reach the line anyway are replaced, so that one call is one line. */
void rp__hlog(rp_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A member id from a peer (an envelope header) made safe for a log line: the id itself
 * if it is a valid member id, else "(invalid)". out has RP_MEMBER_ID_MAX + 1 bytes. */
const char *rp__hlog_id(char *out, const uint8_t *p, size_t n);

#endif /* RP_CLIENT_HOST_LOG_H */
