/* SPDX-License-Identifier: MIT */
/* Shared by the advisor command files. */
#ifndef RP_ADVISOR_INT_H
#define RP_ADVISOR_INT_H

#include <stddef.h>
#include <stdio.h>

#include "ibx_areq.h"

typedef struct rp__adv_opts {
  const char *socket;
  const char *file; /* --file */
  int use_stdin;    /* --stdin */
  int json;         /* --json */
  const char *out;  /* export --out PREFIX */
} rp__adv_opts;

/* Parses the options of subcommand argv[0] into req and o. 0 or 2 (usage, printed). */
int rp__adv_parse(int argc, char **argv, rp__ibx_req *req, rp__adv_opts *o, char **textbuf);

/* Reads the text of a reply, question or programme from --file, --stdin or $EDITOR
 * into a malloc'd NUL-terminated buffer. 0 or 2 (printed). */
int rp__adv_read_text(const rp__adv_opts *o, const char *what, char **out);

/* advisor_usage.c: the overview, and one command's usage (RP_ENOTFOUND if name is
 * unknown). */
void rp__adv_usage_all(FILE *out);
int rp__adv_usage_cmd(const char *name, FILE *out);

#endif
