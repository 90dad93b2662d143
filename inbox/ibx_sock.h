/* SPDX-License-Identifier: MIT */
/*
 * The advisor socket: a local Unix stream socket, mode 0660, group = the team's group,
 * so only the daemon's user and the team can open it. Each connection carries one
 * request and one response, framed as ibx_areq.h says. The peer is identified by the
 * kernel (SO_PEERCRED), never by what it claims.
 */
#ifndef RP_IBX_SOCK_H
#define RP_IBX_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ibx_caps.h"

/* Creates, binds and listens; removes a stale socket file first (but refuses to remove
 * anything that is not a socket: RP_EEXIST). group NULL or "": the process's group.
 * RP_ECONFIG for an unknown group, RP_EPERM if others may write the socket's folder,
 * RP_ENOTFOUND if the folder is missing, RP_EIO otherwise. */
int rp__ibx_sock_listen(const char *path, const char *group, int *fd);

/* The connected peer's user name (or its uid as digits if it has no passwd entry). */
int rp__ibx_sock_peer(int fd, char who[RP_IBX_WHO_MAX + 1], uid_t *uid);

/* Reads one frame of at most max bytes within timeout_ms: *buf malloc'd. RP_ETIMEDOUT,
 * RP_ECLOSED, RP_ETOOBIG (the length prefix says more than max). */
int rp__ibx_sock_read_frame(int fd, uint32_t max, int timeout_ms, uint8_t **buf,
                            size_t *len);

/* Writes a length prefix and buf (blocking). RP_EIO / RP_ECLOSED. */
int rp__ibx_sock_write_frame(int fd, const uint8_t *buf, size_t len);

/* As rp__ibx_sock_write_frame, but gives up after timeout_ms in all (RP_ETIMEDOUT), so a
 * peer that does not read cannot hold the writer. */
int rp__ibx_sock_write_frame_within(int fd, const uint8_t *buf, size_t len, int timeout_ms);

/* Connects to the socket at path. RP_ECONNREFUSED if no daemon listens, RP_EPERM if
 * the socket's mode keeps us out. */
int rp__ibx_sock_connect(const char *path, int *fd);

#endif /* RP_IBX_SOCK_H */
