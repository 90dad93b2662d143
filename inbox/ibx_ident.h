/* SPDX-License-Identifier: MIT */
/*
 * The two facts the daemon takes from the operating system and that tests must control:
 * what time it is, and who is asking on the advisor socket.
 *
 * The shipped rejsepost-inboxd links ibx_ident.c: the system clock, and the user the
 * kernel names for the socket's peer (SO_PEERCRED). Nothing else can change either.
 * The test build rejsepost-inboxd-test (a separate CMake target, compiled with
 * RP_IBX_TEST_BUILD and never installed) links ibx_testhooks.c instead, which may read
 * both from files the tests write (docs/INBOX.md "The test build"). The choice is made
 * by the linker, so the shipped binary has no code that reads a test clock or takes a
 * test identity, not even a disabled one (SQLite's SQLITE_TEST model).
 */
#ifndef RP_IBX_IDENT_H
#define RP_IBX_IDENT_H

#include <stdint.h>
#include <sys/types.h>

#include "ibx_caps.h"

/* Called once at start, after the log is set up. */
void rp__ibx_ident_start(void);

/* Now, in unix milliseconds. Thread-safe. */
uint64_t rp__ibx_ident_now(void);

/* The user on the other end of the connected advisor socket fd (as
 * rp__ibx_sock_peer) and its uid. */
int rp__ibx_ident_peer(int fd, char who[RP_IBX_WHO_MAX + 1], uid_t *uid);

#endif
