/* SPDX-License-Identifier: MIT */
/* A municipality's state folder (state.c): its settings, the options the commands on it
 * share, and opening a client library handle from them. */
#ifndef RP_TOOLS_STATE_H
#define RP_TOOLS_STATE_H

#include <limits.h>

#include "rejsepost.h"
#include "roster.h"

/* The --state option in a command's usage text. */
#define TL_STATE_OPT                                                                       \
  "  --state DIR           the state folder (default $REJSEPOST_STATE); see\n"             \
  "                        'rejsepost help'\n"

/* Indexes of tl_conf.v, in the order of the names in state.c. */
enum {
  TL_CONF_KEY = 0,
  TL_CONF_PASS,
  TL_CONF_RELAY,
  TL_CONF_RELAY_KEY,
  TL_CONF_ADMIN,
  TL_CONF_ROSTER,
  TL_CONF_RETENTION,
  TL_CONF_N
};

typedef struct tl_conf {
  char v[TL_CONF_N][PATH_MAX]; /* "" when unset */
} tl_conf;

int tl_conf_path(const char *state, char *out, size_t cap);

/* Reads DIR/rejsepost.conf. Prints the error (TL_FAIL) or returns TL_OK. */
int tl_conf_read(const char *state, tl_conf *conf);

/* Writes DIR/rejsepost.conf (mode 0600). 0 or an RP_E code. */
int tl_conf_write(const char *state, const tl_conf *conf);

/* The state folder: opt if given, else $REJSEPOST_STATE, else NULL. */
const char *tl_state_arg(const char *opt);

/* The options of status, inbox, read and mark: --state DIR (*state; else
 * $REJSEPOST_STATE), --wait SECONDS (*wait_ms, default 3 s), and at most one positional
 * argument (*pos, NULL if none; required if need_pos). TL_OK, or TL_USAGE with the
 * message printed. */
int tl_state_parse(int argc, char **argv, const char **state, int *wait_ms,
                   const char **pos, int need_pos);

/* Opens a client from the state folder's settings. With wait_ms > 0 it first gives the
 * relay that long to deliver what it holds (a note on stderr if it cannot be reached;
 * what is stored here is shown anyway). NULL (the error printed) or the client. */
rp_client *tl_client_open_synced(const char *state, int wait_ms);

/* Opens a client from the state folder's settings. Prints the error (TL_FAIL) or
 * returns TL_OK with *out set. */
int tl_client_open(const char *state, rp_client **out);

/* Waits until connected, sends what waits in the outbox, and gives receipts a moment to
 * arrive; at most timeout_ms. 0 or RP_ETIMEDOUT (not connected). */
int tl_client_sync(rp_client *c, int timeout_ms);

/* The municipality code of the client's own member in the roster the library holds
 * (verified against the pinned administrator key), so that a request's sender_org is
 * what the roster says and never a typing error. Prints the error (TL_FAIL) or returns
 * TL_OK. */
int tl_member_org(rp_client *c, char org[RP_MUNICIPALITY_CODE_BYTES + 1]);

/* cmd_inbox.c: an inbox message by full id, or by a unique prefix of an unhandled one;
 * 0 with *out the caller's, else printed and nonzero. */
int tl_find_received(rp_client *c, const char *id, rp_received **out);

#endif /* RP_TOOLS_STATE_H */
