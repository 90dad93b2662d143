/* SPDX-License-Identifier: MIT */
/*
 * The daemon's log: one line per event on stderr (journald adds the time when run under
 * systemd; we print it too, for runs by hand and for tests):
 *   2026-01-05T09:00:00.123Z error event=escalated thread=... urgency=akut
 * When stderr is the journal (systemd sets JOURNAL_STREAM to its device and inode), each
 * line starts with its sd-daemon(3) priority, so journald files it at that priority and
 * not at the unit's default (info): <3> error, <4> warn, <6> info, <7> debug.
 * Callers pass only metadata: ids, kinds, urgencies, counts, error names. Never content.
 */
#ifndef RP_IBX_LOG_H
#define RP_IBX_LOG_H

#define RP_IBX_LOG_DEBUG 0
#define RP_IBX_LOG_INFO 1
#define RP_IBX_LOG_WARN 2
#define RP_IBX_LOG_ERROR 3

/* Looks whether stderr is the journal (JOURNAL_STREAM matches fd 2). Call once at start,
 * before other threads log. */
void rp__ibx_log_init(void);

/* Lines below `level` are dropped. Thread-safe (one write per line). */
void rp__ibx_log_set_level(int level);

/* Parses "debug", "info", "warn", "error"; -1 if unknown. */
int rp__ibx_log_level_from_name(const char *name);

/* Logs "event=<event> <fmt...>". */
void rp__ibx_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* RP_IBX_LOG_H */
