/* SPDX-License-Identifier: MIT */
/*
 * What the municipality's workflow commands share (outgo.c): answer, withdraw-consent,
 * recall, meeting confirm / cancel, register and plan-review each build one message
 * about something received or sent before, send it, and report. One option parser for
 * all of them (each command names the options it takes), finding the message a command
 * is about in the outbox or the inbox, and sending with the report `send` gives.
 */
#ifndef RP_TOOLS_OUTGO_H
#define RP_TOOLS_OUTGO_H

#include "rejsepost.h"

#define TL_FLOW_ROLES_MAX 6
#define TL_FLOW_ATTACH_MAX 16

typedef struct tl_flow_args {
  const char *state, *id; /* id: the one positional argument, if the command takes it */
  const char *text, *text_file, *urgency, *reason, *by, *note, *plan, *wanted_by;
  const char *roles[TL_FLOW_ROLES_MAX];
  const char *attach[TL_FLOW_ATTACH_MAX];
  int nroles, nattach;
  int slot;         /* --slot N, from 1; 0 if not given */
  int participants; /* --participants N; 0 if not given */
  int decline;      /* --decline */
  int wait_s;       /* --wait, default 5 */
} tl_flow_args;

/* Parses argv into *a. `allowed` lists the long options the command takes, each followed
 * by a space ("text text-file urgency "); --state and --wait are always taken. need_id:
 * exactly one positional argument (else none). TL_OK or TL_USAGE (printed). */
int tl_flow_parse(int argc, char **argv, const char *allowed, int need_id, tl_flow_args *a);

/* The text of --text or --text-file F (at most max bytes), in *out: --text is borrowed,
 * a file's text is malloc'd into *owned (the caller frees it). TL_OK or TL_FAIL. */
int tl_flow_text(const tl_flow_args *a, size_t max, const char **out, char **owned);

/* A message this state folder sent, by id or a unique prefix: its full id and thread.
 * 0, else printed and nonzero. */
int tl_find_sent(rp_client *c, const char *id, char msg_id[RP_ID_STRLEN],
                 char thread[RP_ID_STRLEN], char *kind, size_t kind_cap);

/* A failing builder call on m: its field and the library's sentence. TL_FAIL. */
int tl_flow_field_fail(rp_msg *m, int rc);

/* Sends m, prints its msg_id on stdout, then gives delivery up to wait_s seconds and
 * says on stderr how far it got (as `send`). TL_OK or TL_FAIL (printed, nothing sent).
 * The new msg_id goes to id_out (may be NULL). */
int tl_flow_send(rp_client *c, rp_msg *m, int wait_s, char id_out[RP_ID_STRLEN]);

/* Sends m as the answer to r, a received message: in r's thread, to r's sender
 * (tl_flow_send), then marks r handled, so that it leaves 'rejsepost inbox'. TL_OK or
 * TL_FAIL (printed). */
int tl_flow_answer(rp_client *c, rp_msg *m, const rp_received *r, int wait_s);

#endif /* RP_TOOLS_OUTGO_H */
