/* SPDX-License-Identifier: MIT */
/*
 * The daemon's log: one line per event on stderr (journald adds the time when run under
 * systemd; we print it too, for runs by hand and for tests):
 *   2026-01-05T09:00:00.123Z error event=escalated thread=... urgency=akut
 * Callers pass only metadata: ids, kinds, urgencies, counts, error names. Never content.
 */
#ifndef RP_IBX_LOG_H
#define RP_IBX_LOG_H

#define RP_IBX_LOG_DEBUG 0
#define RP_IBX_LOG_INFO 1
#define RP_IBX_LOG_WARN 2
#define RP_IBX_LOG_ERROR 3

/* Lines below `level` are dropped. Thread-safe (one write per line). */
void rp__ibx_log_set_level(int level);

/* Parses "debug", "info", "warn", "error"; -1 if unknown. */
int rp__ibx_log_level_from_name(const char *name);

/* Logs "event=<event> <fmt...>". */
void rp__ibx_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* RP_IBX_LOG_H */
