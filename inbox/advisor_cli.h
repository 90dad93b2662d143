/* SPDX-License-Identifier: MIT */
/*
 * The advisor commands: `rejsepost advisor <sub> ...` (and the standalone
 * rejsepost-advisor). They talk to rejsepost-inboxd over its Unix socket; see
 * docs/INBOX.md for every subcommand.
 */
#ifndef RP_ADVISOR_CLI_H
#define RP_ADVISOR_CLI_H

/* The socket used when neither --socket nor RP_ADVISOR_SOCKET says otherwise. */
#define RP_ADVISOR_SOCKET_DEFAULT "/run/rejsepost-inboxd/advisor.sock"

/* argv[0] is the word "advisor" (or the program name); argv[1] the subcommand.
 * Returns the exit status: 0 done, 1 the daemon refused or failed, 2 usage error,
 * 3 the daemon could not be reached. */
int rp__advisor_main(int argc, char **argv);

#endif
