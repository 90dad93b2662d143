/* SPDX-License-Identifier: MIT */
/*
 * The daemons' log (the relay's and the advisor inbox's; issue 10: one logger): one line
 * per event, written to stderr (or another descriptor) with a single write(2), so lines
 * from different threads never interleave. A line looks like
 *
 *   2026-11-24T17:03:12.345Z info conn_open peer=127.0.0.1:5433 conn=17
 *
 * that is: ISO-8601 UTC time with milliseconds, the level, the event name, then
 * key=value pairs. The event name is the first word of the format string, so a call reads
 *
 *   rp__log_info("conn_open peer=%s conn=%u", peer, id);
 *
 * NEVER pass envelope content, plaintext, key material, passphrases or anything derived
 * from them (not even lengths of secrets): the log is read by operators and shipped to
 * other machines. Metadata the relay sees anyway (member ids, msg_id, sizes, error codes)
 * is fine.
 *
 * When stderr is the systemd journal, each line starts with the sd-daemon(3) priority
 * prefix (<3> error, <4> warn, <6> info, <7> debug), so journald files it under the
 * right priority; `journalctl -p err` then shows the relay's errors. The prefix is
 * turned on only when JOURNAL_STREAM names the log descriptor (rp__log_journal_detect).
 *
 * Values that may contain spaces, quotes, '=' or control characters (member display
 * names, error texts, paths) must go through rp__log_quote(). As a last line of defence
 * rp__log_write() escapes every control character in the finished line, so a hostile value
 * can never start a new line of its own.
 */
#ifndef RP_LOG_H
#define RP_LOG_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define RP__PRINTF(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))
#else
#define RP__PRINTF(fmt_idx, args_idx)
#endif

/* Levels, most severe first: a filter at level L lets through L and everything above. */
typedef enum {
  RP__LOG_ERROR = 0,
  RP__LOG_WARN = 1,
  RP__LOG_INFO = 2,
  RP__LOG_DEBUG = 3
} rp__log_level;

/* The longest line written, newline included; longer lines are cut and end in "...". */
#define RP__LOG_LINE_MAX 2048u

/* Set the level filter (default RP__LOG_INFO). Any thread; takes effect at once. */
void rp__log_set_level(rp__log_level level);

/* The current level filter. Any thread. */
rp__log_level rp__log_get_level(void);

/* Nonzero if a line at `level` would be written. Lets a caller skip costly formatting of
 * debug values. Any thread. */
int rp__log_enabled(rp__log_level level);

/* Parse "error", "warn", "info" or "debug" into *out. Returns 0, or RP_EINVAL for any
 * other text (and *out is left unchanged). Pure. */
int rp__log_level_parse(const char *name, rp__log_level *out);

/* "error", "warn", "info" or "debug"; "?" for a value outside the enum. Static string. */
const char *rp__log_level_name(rp__log_level level);

/* Send lines to descriptor `fd` instead of 2 (tests use a pipe or a file). The caller
 * keeps ownership of fd and must keep it open while logging may happen. Any thread. */
void rp__log_set_fd(int fd);

/* 1 if the environment variable JOURNAL_STREAM ("device:inode", set by systemd when it
 * connects stdout or stderr to the journal) names the file behind descriptor fd, so
 * that lines written to fd reach the journal; else 0. Reads the environment: call it
 * at start-up. */
int rp__log_journal_detect(int fd);

/* Start (1) or stop (0) each line with its sd-daemon priority prefix. Any thread. */
void rp__log_set_journal(int on);

/* Write one event line if `level` passes the filter. `fmt` starts with the event name
 * (one word, [a-z0-9_]) followed by space-separated key=value pairs. Safe from any
 * thread; the line is built on the stack and written with one write(2). Errors writing
 * the log are ignored: logging must never take a daemon down.
 *
 * Sources call it through the level macros below, or by this name when the level is a
 * variable. Not the client library's logger (client/host_log.h, rp__hlog: lines handed to
 * the host application's callback), which the inbox daemon links as well. */
void rp__log_write(rp__log_level level, const char *fmt, ...) RP__PRINTF(2, 3);

/* Make `value` safe as the value of a key=value pair. Returns `value` itself when it is
 * non-empty and has no space, '"', '\\', '=' or control character; otherwise writes a
 * double-quoted copy into buf (backslash escapes for '"' and '\\', \xHH for control
 * bytes; cut with "..." if buf is too small) and returns buf. A NULL value gives "-".
 * buflen must be at least 8. Pure; the result lives as long as value and buf do. */
const char *rp__log_quote(char *buf, size_t buflen, const char *value);

#define rp__log_error(...) rp__log_write(RP__LOG_ERROR, __VA_ARGS__)
#define rp__log_warn(...) rp__log_write(RP__LOG_WARN, __VA_ARGS__)
#define rp__log_info(...) rp__log_write(RP__LOG_INFO, __VA_ARGS__)
#define rp__log_debug(...) rp__log_write(RP__LOG_DEBUG, __VA_ARGS__)

#endif /* RP_LOG_H */
