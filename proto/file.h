/* SPDX-License-Identifier: MIT */
/*
 * Whole files in and out, for every part (issue 10: one read_file). Reads carry a hard
 * cap chosen by the caller (a key file, a roster, a payload, a config file) and refuse
 * anything larger with RP_ETOOBIG before allocating for it; writes are atomic (a
 * temporary file in the same folder, fsync, rename or link, fsync of the folder), so a
 * reader sees the old file or the new one, never a part.
 *
 * Paths name regular files: a FIFO, a device or a folder in a file's place is refused
 * with RP_EINVAL, and is opened with O_NONBLOCK so that it cannot hang the caller first.
 * Errors are RP_E* codes: RP_ENOTFOUND (no such file), RP_EIO (any other failure of the
 * system), RP_ENOMEM, RP_ETOOBIG, RP_EINVAL, RP_EEXIST.
 */
#ifndef RP_FILE_H
#define RP_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads the regular file at path, at most max bytes, into *out: malloc'd memory that the
 * caller frees, NUL-terminated after *len bytes so that a text can be read as a string.
 * *out and *len are cleared on entry and set on success only. */
int rp__file_read(const char *path, size_t max, uint8_t **out, size_t *len);

/* As rp__file_read, but from an open descriptor of any kind (a pipe, standard input) to
 * its end. The caller keeps the descriptor. On failure what was read is wiped before it
 * is freed: the input may be a confidential text. */
int rp__file_read_fd(int fd, size_t max, uint8_t **out, size_t *len);

/* Flags of rp__file_read_into. */
#define RP__FILE_NOFOLLOW 1 /* refuse a symbolic link in path's last place (RP_EIO) */

/* Reads the regular file at path, at most max bytes, into the caller's buf, which holds
 * max + 1 bytes (one more, to notice a file that grew after it was measured); for secrets
 * that must stay in the caller's guarded memory. flags: 0 or RP__FILE_NOFOLLOW. *len is
 * cleared on entry; on success it and, if mode is not NULL, the file's mode are set. No
 * NUL is added. */
int rp__file_read_into(const char *path, uint8_t *buf, size_t max, size_t *len,
                       mode_t *mode, int flags);

/* Reads the first line of fd into buf[0..cap), for passphrase files: the line ends at
 * '\n', '\r' or the end of the input, and its end is not stored (nor a NUL). One byte
 * is read at a time, so that nothing after the line is taken from a pipe or a terminal.
 * *len is set on success (0 for an empty first line or an empty input); RP_ETOOBIG if
 * the line is longer than cap, RP_EIO on a read error. What was read stays in buf: the
 * caller wipes it. */
int rp__file_read_line(int fd, char *buf, size_t cap, size_t *len);

/* Writes len bytes to the descriptor, again after EINTR and short writes. RP_EIO. */
int rp__file_write_all(int fd, const uint8_t *buf, size_t len);

/* Writes buf atomically to path with the given mode (the temporary file is created 0600
 * and changed to mode before it takes path's place). replace = 0 fails with RP_EEXIST if
 * path exists, without touching it. RP_EINVAL if path is too long. */
int rp__file_write(const char *path, const void *buf, size_t len, mode_t mode, int replace);

#endif /* RP_FILE_H */
